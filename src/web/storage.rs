//! The OAuth state in `sessionStorage`: this tab only, gone when the tab closes, and deleted by
//! the flow when it ends. Storage that is unavailable (a sandboxed frame, privacy settings) or
//! full is skipped: the flow goes on, and only a resume after a redirect would find nothing.

use crate::machine::OAuthState;
use crate::value::Json;

/// The `sessionStorage` key.
const KEY: &str = "quiltt-reconnect:oauth";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// Saves `state`, or deletes what is saved.
pub(super) fn store(state: Option<&OAuthState>) {
    let Some(storage) = session_storage() else {
        return;
    };
    match state.and_then(|s| s.to_json().ok()?.to_json_string().ok()) {
        Some(text) => {
            let _ = storage.set_item(KEY, &text);
        }
        None => {
            let _ = storage.remove_item(KEY);
        }
    }
}

/// What an earlier page saved, if it is a state this version wrote.
pub(super) fn stored() -> Option<OAuthState> {
    let text = session_storage()?.get_item(KEY).ok()??;
    OAuthState::from_json(&Json::parse(&text).ok()?)
}

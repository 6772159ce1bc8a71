//! What the bridge keeps in `sessionStorage` (this tab only, gone when the tab closes): the OAuth
//! state, deleted by the flow when it ends, and which generation of Quiltt's schema each
//! endpoint speaks (also kept for the page in memory). Storage that is unavailable (a sandboxed
//! frame, privacy settings) or full is skipped: the flow goes on, and only a resume after a
//! redirect would find nothing, or the tab's next page would find the generation again.

use std::cell::RefCell;

use crate::machine::OAuthState;
use crate::quiltt::SchemaGeneration;
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

/// The prefix of the `sessionStorage` key of an endpoint's generation (the endpoint follows).
const SCHEMA_KEY: &str = "quiltt-reconnect:schema:";

thread_local! {
    /// The generation each endpoint speaks, as learned on this page.
    static SCHEMAS: RefCell<Vec<(String, SchemaGeneration)>> = const { RefCell::new(Vec::new()) };
}

/// The generation `endpoint` speaks, as learned on this page or an earlier page of the tab.
pub(super) fn known_schema(endpoint: &str) -> Option<SchemaGeneration> {
    let on_page = SCHEMAS.with(|s| {
        s.borrow()
            .iter()
            .find(|(e, _)| e == endpoint)
            .map(|(_, g)| *g)
    });
    if on_page.is_some() {
        return on_page;
    }
    let text = session_storage()?
        .get_item(&format!("{SCHEMA_KEY}{endpoint}"))
        .ok()??;
    let generation = SchemaGeneration::parse(&text)?;
    SCHEMAS.with(|s| s.borrow_mut().push((endpoint.to_owned(), generation)));
    Some(generation)
}

/// Remembers that `endpoint` speaks `generation`, for the page and the tab's later pages.
pub(super) fn remember_schema(endpoint: &str, generation: SchemaGeneration) {
    SCHEMAS.with(|s| {
        let mut known = s.borrow_mut();
        known.retain(|(e, _)| e != endpoint);
        known.push((endpoint.to_owned(), generation));
    });
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(&format!("{SCHEMA_KEY}{endpoint}"), generation.as_str());
    }
}

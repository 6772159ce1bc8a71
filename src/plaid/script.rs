//! Loads Plaid's Link script once per page, shared by every instance; a failed load is
//! forgotten, so a later call tries again. The loading itself is `script.js`: a `<script>` tag,
//! its events and a timer, and the message of a failure; this side makes it a typed error.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::{Error, ErrorCode};

#[wasm_bindgen(module = "/src/plaid/script.js")]
extern "C" {
    /// Starts loading `url` unless it is loading or loaded; the shared promise resolves once
    /// `window.Plaid` is defined and rejects with a message saying why not.
    #[wasm_bindgen(js_name = loadPlaid)]
    fn load_plaid(url: &str, timeout_ms: u32) -> Promise;

    /// `load_plaid`, forgetting a failed load once it rejects here.
    #[wasm_bindgen(js_name = plaidReady)]
    fn plaid_ready(url: &str, timeout_ms: u32) -> Promise;
}

/// Starts loading `url` unless it is loading or loaded; a failure is reported to the next
/// [`ready`], which then forgets it.
pub(crate) fn start(url: &str, timeout_ms: u32) {
    let _ = load_plaid(url, timeout_ms);
}

/// Waits until `url` has loaded and defined `window.Plaid`.
pub(super) async fn ready(url: &str, timeout_ms: u32) -> Result<(), Error> {
    JsFuture::from(plaid_ready(url, timeout_ms))
        .await
        .map(drop)
        .map_err(|reason| failure(&reason))
}

/// `PLAID_SCRIPT` with the reason `script.js` rejected with (both drivers report it so).
pub(crate) fn failure(reason: &JsValue) -> Error {
    Error::new(
        ErrorCode::PlaidScript,
        reason
            .as_string()
            .unwrap_or_else(|| "Plaid's Link script failed to load".into()),
    )
}

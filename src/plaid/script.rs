//! Loads Plaid's Link script once per page, shared by every instance; a failed load is
//! forgotten, so a later call tries again. The loading itself is `script.js`: a `<script>` tag,
//! its events and a timer; this side turns its outcome into a typed error.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::{Error, ErrorCode};
use crate::text::{decimal, text};

#[wasm_bindgen(module = "/src/plaid/script.js")]
extern "C" {
    /// Starts loading `url` unless it is loading or loaded; the shared promise resolves once
    /// `window.Plaid` is defined and rejects with `"dom"`, `"error"`, `"timeout"` or `"undefined"`.
    #[wasm_bindgen(js_name = loadPlaid)]
    fn load_plaid(url: &str, timeout_ms: u32) -> Promise;

    /// `load_plaid`, forgetting a failed load once it rejects here.
    #[wasm_bindgen(js_name = plaidReady)]
    fn plaid_ready(url: &str, timeout_ms: u32) -> Promise;
}

/// Starts loading `url` unless it is loading or loaded; a failure is reported to the next
/// [`ready`], which then forgets it.
pub(super) fn start(url: &str, timeout_ms: u32) {
    let _ = load_plaid(url, timeout_ms);
}

/// Waits until `url` has loaded and defined `window.Plaid`.
pub(super) async fn ready(url: &str, timeout_ms: u32) -> Result<(), Error> {
    let Err(reason) = JsFuture::from(plaid_ready(url, timeout_ms)).await else {
        return Ok(());
    };
    let what = match reason.as_string().as_deref() {
        Some("dom") => "can't be added: no document".into(),
        Some("undefined") => "loaded but did not define window.Plaid".into(),
        Some("timeout") => text!(
            "did not load within ",
            decimal(i64::from(timeout_ms)),
            " ms"
        ),
        _ => "failed to load".into(),
    };
    Err(Error::new(
        ErrorCode::PlaidScript,
        text!("Plaid's Link script ", what, " (", url, ")"),
    ))
}

//! Raw bindings to Plaid's web API (the handler `Plaid.create` returns) and to `link.js`, which
//! creates and opens it. Every call can throw, so every call is `catch`.

use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The handler `Plaid.create` returns.
    #[derive(Clone)]
    pub(super) type LinkHandler;

    /// Closes Link; `{ force: true }` skips the confirmation pane.
    #[wasm_bindgen(method, catch)]
    pub(super) fn exit(this: &LinkHandler, options: &JsValue) -> Result<(), JsValue>;

    /// Releases the handler; throws while Link is open.
    #[wasm_bindgen(method, catch)]
    pub(super) fn destroy(this: &LinkHandler) -> Result<(), JsValue>;
}

#[wasm_bindgen(module = "/src/plaid/link.js")]
extern "C" {
    /// One Link run as `link.js` returns it: the handler and two flags.
    pub(super) type LinkRun;

    /// `Plaid.create({ token, onLoad, onSuccess, onExit, onEvent? })`, then `open()`. The first
    /// of `onSuccess` / `onExit` calls `settle([kind, a, b])`. Throws `"create"` or `"open"`.
    #[wasm_bindgen(js_name = openLink, catch)]
    pub(super) fn open_link(
        token: &str,
        settle: &Function,
        on_event: Option<&Function>,
    ) -> Result<LinkRun, JsValue>;

    /// The handler.
    #[wasm_bindgen(method, getter)]
    pub(super) fn handler(this: &LinkRun) -> LinkHandler;

    /// Whether Link called `onLoad`.
    #[wasm_bindgen(method, getter)]
    pub(super) fn loaded(this: &LinkRun) -> bool;

    /// Whether Link called `onSuccess` or `onExit`.
    #[wasm_bindgen(method, getter)]
    pub(super) fn settled(this: &LinkRun) -> bool;
}

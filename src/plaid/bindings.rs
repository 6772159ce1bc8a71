//! Raw bindings to Plaid's web API: `Plaid.create(config)` and the handler it returns.
//! Every call can throw, so every call is `catch`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The handler `Plaid.create` returns.
    #[derive(Clone)]
    pub(super) type LinkHandler;

    /// `Plaid.create({ token, onSuccess, onExit, onEvent, onLoad })`.
    #[wasm_bindgen(js_namespace = Plaid, js_name = create, catch)]
    pub(super) fn create(config: &js_sys::Object) -> Result<LinkHandler, JsValue>;

    /// Opens Link.
    #[wasm_bindgen(method, catch)]
    pub(super) fn open(this: &LinkHandler) -> Result<(), JsValue>;

    /// Closes Link; `{ force: true }` skips the confirmation pane.
    #[wasm_bindgen(method, catch)]
    pub(super) fn exit(this: &LinkHandler, options: &JsValue) -> Result<(), JsValue>;

    /// Releases the handler; throws while Link is open.
    #[wasm_bindgen(method, catch)]
    pub(super) fn destroy(this: &LinkHandler) -> Result<(), JsValue>;
}

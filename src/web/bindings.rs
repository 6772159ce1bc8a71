//! Every raw binding of the crate to the page's JavaScript: what js-sys and web-sys don't bind,
//! or bind without `catch` where the call can throw. Each call that can throw is bound with
//! `catch`, so no JavaScript exception crosses a wasm frame.

use js_sys::{Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    // JSON and reading values (`web::json`).

    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    pub(crate) fn is_array(value: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    pub(crate) fn object_keys(value: &JsValue) -> Result<Array, JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = getPrototypeOf, catch)]
    pub(crate) fn prototype_of(value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = defineProperty, catch)]
    pub(crate) fn define_property(
        object: &Object,
        key: &JsValue,
        descriptor: &Object,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    pub(crate) fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
    /// `JSON.parse` of a JavaScript string, without copying it through Rust.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub(crate) fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;

    // Promises (the class's token function).

    /// `Promise.resolve(value)`: adopts a thenable (reading its `then` can throw).
    #[wasm_bindgen(js_namespace = Promise, js_name = resolve, catch)]
    pub(crate) fn promise_resolve(value: &JsValue) -> Result<Promise, JsValue>;

    // Idle time (`web::idle`).

    /// `requestIdleCallback(callback)`; throws where the browser has none (Safari).
    #[wasm_bindgen(js_name = requestIdleCallback, catch)]
    pub(crate) fn request_idle_callback(callback: &Function) -> Result<JsValue, JsValue>;
    /// `setTimeout(callback)`: the next task.
    #[wasm_bindgen(js_name = setTimeout, catch)]
    pub(crate) fn set_timeout(callback: &Function) -> Result<JsValue, JsValue>;

    // Trusted Types (`web::script`).

    /// A Trusted Types policy (`trustedTypes.createPolicy`'s answer).
    #[derive(Clone)]
    pub(crate) type TrustedTypePolicy;
    /// `trustedTypes.createPolicy(name, rules)`; throws where there is no `trustedTypes` or the
    /// page's `trusted-types` directive doesn't allow the name.
    #[wasm_bindgen(js_namespace = trustedTypes, js_name = createPolicy, catch)]
    pub(crate) fn create_trusted_types_policy(
        name: &str,
        rules: &Object,
    ) -> Result<TrustedTypePolicy, JsValue>;
    /// `policy.createScriptURL(url)`: a `TrustedScriptURL`; throws when the policy refuses it.
    #[wasm_bindgen(method, js_name = createScriptURL, catch)]
    pub(crate) fn create_script_url(
        this: &TrustedTypePolicy,
        url: &str,
    ) -> Result<JsValue, JsValue>;

    // Web Locks (`web::lock`).

    /// `navigator.locks`.
    pub(crate) type LockManager;
    /// `locks.request(name, options, callback)`: the callback runs once the lock is granted,
    /// and the lock is held until the promise it returns settles.
    #[wasm_bindgen(method, catch)]
    pub(crate) fn request(
        this: &LockManager,
        name: &str,
        options: &Object,
        callback: &Function,
    ) -> Result<Promise, JsValue>;

    // Plaid Link (`web::link`).

    /// The handler `Plaid.create` returns.
    #[derive(Clone)]
    pub(crate) type LinkHandler;
    /// `Plaid.create(config)`; throws when Plaid's script is missing or refuses the config.
    #[wasm_bindgen(js_namespace = Plaid, js_name = create, catch)]
    pub(crate) fn plaid_create(config: &Object) -> Result<LinkHandler, JsValue>;
    /// Opens Link (Plaid queues it until Link has loaded).
    #[wasm_bindgen(method, catch)]
    pub(crate) fn open(this: &LinkHandler) -> Result<(), JsValue>;
    /// Closes Link; `{ force: true }` skips the confirmation pane.
    #[wasm_bindgen(method, catch)]
    pub(crate) fn exit(this: &LinkHandler, options: &JsValue) -> Result<(), JsValue>;
    /// Releases the handler; throws while Link is open.
    #[wasm_bindgen(method, catch)]
    pub(crate) fn destroy(this: &LinkHandler) -> Result<(), JsValue>;
}

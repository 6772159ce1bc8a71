//! Running work when the page is idle.
//!
//! As with Plaid's script (`script.rs`), the page is handed a promise's own `resolve`, never a
//! Rust closure: the work waits in a task that owns it, and nothing is left behind whether or
//! not the page ever calls back.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `requestIdleCallback(callback)`; throws where the browser has none (Safari).
    #[wasm_bindgen(js_name = requestIdleCallback, catch)]
    fn request_idle_callback(callback: &js_sys::Function) -> Result<JsValue, JsValue>;

    /// `setTimeout(callback)`: the next task.
    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(callback: &js_sys::Function) -> Result<JsValue, JsValue>;
}

/// Runs `work` once the page is idle: in an idle period where the browser has
/// `requestIdleCallback`, on a later task where it has not. Never now.
pub(crate) fn when_idle(work: impl FnOnce() + 'static) {
    let idle = Promise::new(&mut |resolve, _reject| {
        // A page whose timers both throw gets the work after the current task's microtasks.
        if request_idle_callback(&resolve).is_err() && set_timeout(&resolve).is_err() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    wasm_bindgen_futures::spawn_local(async move {
        let _ = JsFuture::from(idle).await;
        work();
    });
}

//! Running work when the page is idle.

use gloo_timers::callback::Timeout;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `requestIdleCallback(callback)`.
    #[wasm_bindgen(js_name = requestIdleCallback, catch)]
    fn request_idle_callback(callback: &JsValue) -> Result<JsValue, JsValue>;
}

/// Runs `work` once the page is idle: in an idle period where the browser has
/// `requestIdleCallback`, on a later task where it has not (Safari). Never now.
pub(crate) fn when_idle(work: impl FnOnce() + 'static) {
    let idle_callbacks = Reflect::get(&js_sys::global(), &"requestIdleCallback".into())
        .is_ok_and(|f| f.is_function());
    match idle_callbacks {
        // A page's own requestIdleCallback that throws leaves the work undone.
        true => drop(request_idle_callback(&Closure::once_into_js(work))),
        false => drop(Timeout::new(0, work).forget()),
    }
}

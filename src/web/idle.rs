//! Running work when the page is idle.
//!
//! As with Plaid's script (`script.rs`), the page is handed a promise's own `resolve`, never a
//! Rust closure: the work waits in a task that owns it, and nothing is left behind whether or
//! not the page ever calls back.

use super::bindings::{request_idle_callback, set_timeout};
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

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

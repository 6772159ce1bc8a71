//! `sleep` on the global `setTimeout`, in windows and workers alike. The callback is the
//! sleep's promise's own `resolve`, so no Rust closure needs an owner, and the timer is cleared
//! when the sleep is dropped.

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::interop::Deferred;

#[wasm_bindgen]
extern "C" {
    /// The global `setTimeout`; returns the timer's id.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: u32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// Calls `callback` once after `ms` milliseconds, unless dropped first.
struct Timer {
    id: JsValue,
}

impl Timer {
    /// Starts the timer.
    fn new(callback: &Function, ms: u32) -> Timer {
        Timer {
            id: set_timeout(callback, ms),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}

/// Finishes after `ms` milliseconds; dropping it clears the timer (and frees its promise).
pub(crate) async fn sleep(ms: u32) {
    let Some(elapsed) = Deferred::new() else {
        return;
    };
    // Dropped in reverse order: the timer is cleared, then the promise settled.
    let _timer = Timer::new(&elapsed.resolve, ms);
    let _ = elapsed.wait().await;
}

//! An `AbortSignal` as a future that finishes when the signal aborts.

use js_sys::Function;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, AddEventListenerOptions};

use crate::interop::{deferred, SettleOnDrop};

/// Removes the abort listener when the flow ends, so a long-lived signal keeps nothing alive.
struct Listener {
    signal: AbortSignal,
    resolve: Function,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", &self.resolve);
    }
}

/// Finishes when `signal` aborts (at once if it already has); never without a signal.
pub(crate) async fn aborted(signal: Option<AbortSignal>) {
    let Some(signal) = signal else {
        return std::future::pending().await;
    };
    if signal.aborted() {
        return;
    }
    let Some((fired, resolve)) = deferred() else {
        return std::future::pending().await;
    };
    // The promise's own resolve function is the listener: no Rust closure to own.
    let options = AddEventListenerOptions::new();
    options.set_once(true);
    let _ = signal.add_event_listener_with_callback_and_add_event_listener_options(
        "abort", &resolve, &options,
    );
    let _settle = SettleOnDrop(resolve.clone());
    let _listener = Listener { signal, resolve };
    let _ = JsFuture::from(fired).await;
}

//! An `AbortSignal` as a future that finishes when the signal aborts.

use web_sys::{AbortSignal, AddEventListenerOptions};

use crate::interop::Deferred;

/// Removes the abort listener when the flow ends, so a long-lived signal keeps nothing alive
/// (then `fired` is dropped, which settles its promise).
struct Listener {
    signal: AbortSignal,
    fired: Deferred,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", &self.fired.resolve);
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
    let Some(fired) = Deferred::new() else {
        return std::future::pending().await;
    };
    // The promise's own resolve function is the listener: no Rust closure to own.
    let options = AddEventListenerOptions::new();
    options.set_once(true);
    let _ = signal.add_event_listener_with_callback_and_add_event_listener_options(
        "abort",
        &fired.resolve,
        &options,
    );
    let listener = Listener { signal, fired };
    let _ = listener.fired.wait().await;
}

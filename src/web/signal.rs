//! An `AbortSignal` as a future: it finishes when the signal aborts. Its listener is removed
//! when the future is dropped (gloo-events), so a long-lived signal keeps nothing alive.

use futures_channel::oneshot;
use gloo_events::EventListener;
use web_sys::AbortSignal;

/// Finishes when `signal` aborts (at once when it already has).
pub(crate) async fn aborted(signal: AbortSignal) {
    if signal.aborted() {
        return;
    }
    let (fired, wait) = oneshot::channel::<()>();
    let mut fired = Some(fired);
    let _listener = EventListener::once(&signal, "abort", move |_| {
        if let Some(fired) = fired.take() {
            let _ = fired.send(());
        }
    });
    let _ = wait.await;
}

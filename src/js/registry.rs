//! Page-wide bookkeeping of the JS layer: the flows running per connection (a second
//! `reconnect()` for the same connection joins the first), and the failed closes an app may
//! send again with `retryClose(error)` while their public token is valid.

use std::cell::{Cell, RefCell};

use js_sys::Promise;

use crate::quiltt::input::PendingClose;

/// A public token lives 30 minutes; a failed close is kept no longer.
const PENDING_CLOSE_LIFETIME_MS: f64 = 30.0 * 60.0 * 1000.0;

thread_local! {
    static RUNNING: RefCell<Vec<(String, u32, Promise)>> = const { RefCell::new(Vec::new()) };
    static PENDING: RefCell<Vec<(u32, f64, PendingClose)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

/// A fresh key for [`start`] or a pending close.
pub(crate) fn next_key() -> u32 {
    NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        id
    })
}

/// The promise of the flow running for `connection_id`, if one is.
pub(crate) fn running(connection_id: &str) -> Option<Promise> {
    RUNNING.with(|r| {
        r.borrow()
            .iter()
            .find(|(id, _, _)| id == connection_id)
            .map(|(_, _, p)| p.clone())
    })
}

/// Records a running flow under `key` (from [`next_key`]); [`finish`] forgets it.
pub(crate) fn start(key: u32, connection_id: &str, promise: &Promise) {
    RUNNING.with(|r| {
        r.borrow_mut()
            .push((connection_id.to_owned(), key, promise.clone()))
    });
}

/// Forgets a finished flow.
pub(crate) fn finish(key: u32) {
    RUNNING.with(|r| r.borrow_mut().retain(|(_, k, _)| *k != key));
}

/// Keeps a `CLOSE_FAILED` error's pending close; returns its id (`closeRetryId`). Reuses
/// `id` when a retry failed again.
pub(crate) fn keep_pending(close: PendingClose, id: Option<u32>, now_ms: f64) -> u32 {
    let id = id.unwrap_or_else(next_key);
    PENDING.with(|p| {
        let mut pending = p.borrow_mut();
        pending.retain(|(k, at, _)| *k != id && now_ms - at < PENDING_CLOSE_LIFETIME_MS);
        pending.push((id, now_ms, close));
    });
    id
}

/// The close kept under `id`, while its public token may still be valid.
pub(crate) fn pending(id: u32, now_ms: f64) -> Option<PendingClose> {
    PENDING.with(|p| {
        p.borrow()
            .iter()
            .find(|(k, at, _)| *k == id && now_ms - at < PENDING_CLOSE_LIFETIME_MS)
            .map(|(_, _, close)| close.clone())
    })
}

/// Forgets the pending close `id` (it succeeded).
pub(crate) fn forget_pending(id: u32) {
    PENDING.with(|p| p.borrow_mut().retain(|(k, _, _)| *k != id));
}

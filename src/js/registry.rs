//! Page-wide bookkeeping of the JavaScript class: the flows running per connection (a second
//! identical `reconnect()` joins the first), and the failed closes an app may send again with
//! `retryClose(error)` while their public token is valid.

use std::cell::{Cell, RefCell};

use js_sys::Promise;
use web_sys::AbortSignal;

use crate::quiltt::PendingClose;

/// A public token lives 30 minutes; a failed close is kept no longer.
const PENDING_CLOSE_LIFETIME_MS: f64 = 30.0 * 60.0 * 1000.0;

/// A running operation others may join: its key and its promise.
type Running = (String, Promise);

/// A running flow others may join: its promise, and the signal that may cancel it.
#[derive(Clone)]
pub(super) struct Flow {
    id: u32,
    pub(super) promise: Promise,
    signal: Option<AbortSignal>,
}

impl Flow {
    /// Whether its signal aborted: it is ending, and no longer one to join.
    pub(super) fn aborted(&self) -> bool {
        self.signal.as_ref().is_some_and(AbortSignal::aborted)
    }
}

thread_local! {
    static FLOWS: RefCell<Vec<(String, Flow)>> = const { RefCell::new(Vec::new()) };
    static RETRIES: RefCell<Vec<Running>> = const { RefCell::new(Vec::new()) };
    static PENDING: RefCell<Vec<(u32, f64, PendingClose)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

fn find(list: &'static std::thread::LocalKey<RefCell<Vec<Running>>>, key: &str) -> Option<Promise> {
    list.with(|l| {
        l.borrow()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, p)| p.clone())
    })
}

/// The flow (a reconnect or a resume) running under `key`, if one is.
pub(super) fn running_flow(key: &str) -> Option<Flow> {
    FLOWS.with(|l| {
        l.borrow()
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, flow)| flow.clone())
    })
}

/// The id of a flow about to start, for [`flow_started`] and [`flow_ended`].
pub(super) fn next_flow() -> u32 {
    NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        id
    })
}

/// Records flow `id` running under `key`, cancelled by `signal`; [`flow_ended`] forgets it.
pub(super) fn flow_started(key: &str, id: u32, promise: &Promise, signal: Option<AbortSignal>) {
    let flow = Flow {
        id,
        promise: promise.clone(),
        signal,
    };
    FLOWS.with(|l| l.borrow_mut().push((key.to_owned(), flow)));
}

/// Forgets flow `id`.
pub(super) fn flow_ended(id: u32) {
    FLOWS.with(|l| l.borrow_mut().retain(|(_, flow)| flow.id != id));
}

/// The promise of the `retryClose` of `id` in flight, if one is.
pub(super) fn running_retry(id: u32) -> Option<Promise> {
    find(&RETRIES, &id.to_string())
}

/// Records a `retryClose` in flight; [`retry_ended`] forgets it.
pub(super) fn retry_started(id: u32, promise: &Promise) {
    RETRIES.with(|l| l.borrow_mut().push((id.to_string(), promise.clone())));
}

/// Forgets the `retryClose` of `id`.
pub(super) fn retry_ended(id: u32) {
    let key = id.to_string();
    RETRIES.with(|l| l.borrow_mut().retain(|(k, _)| *k != key));
}

/// Keeps a `CLOSE_FAILED` error's pending close; returns its id (`closeRetryId`). Reuses `id`
/// when a retry failed again.
pub(super) fn keep_pending(close: PendingClose, id: Option<u32>, now_ms: f64) -> u32 {
    let id = id.unwrap_or_else(|| {
        NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id.wrapping_add(1).max(1));
            id
        })
    });
    PENDING.with(|p| {
        let mut pending = p.borrow_mut();
        pending.retain(|(k, at, _)| *k != id && now_ms - at < PENDING_CLOSE_LIFETIME_MS);
        pending.push((id, now_ms, close));
    });
    id
}

/// The close kept under `id`, while its public token may still be valid.
pub(super) fn pending(id: u32, now_ms: f64) -> Option<PendingClose> {
    PENDING.with(|p| {
        p.borrow()
            .iter()
            .find(|(k, at, _)| *k == id && now_ms - at < PENDING_CLOSE_LIFETIME_MS)
            .map(|(_, _, close)| close.clone())
    })
}

/// Forgets the pending close `id` (it succeeded).
pub(super) fn forget_pending(id: u32) {
    PENDING.with(|p| p.borrow_mut().retain(|(k, _, _)| *k != id));
}

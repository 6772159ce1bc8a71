//! Page-wide bookkeeping of the JavaScript class: the flows running per connection (a second
//! identical `reconnect()` joins the first), and the failed closes an app may send again with
//! `retryClose(error)` while their public token is valid.

use std::cell::{Cell, RefCell};

use js_sys::Promise;
use web_sys::AbortSignal;

use quiltt_reconnect_core::PendingClose;

/// A public token lives 30 minutes; a failed close is kept no longer.
const PENDING_CLOSE_LIFETIME_MS: f64 = 30.0 * 60.0 * 1000.0;

/// What identical calls share: the page's repair of a connection at an endpoint with one input
/// (the input's JSON text, no token in it), or its resume of what an endpoint's flows left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum FlowKey {
    /// `reconnect(input)`.
    Reconnect { endpoint: String, input: String },
    /// `resume({ connectionId })`.
    Resume {
        endpoint: String,
        connection_id: Option<String>,
    },
}

/// The id of a registered flow, or of a kept close (its `closeRetryId`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Id(u32);

impl Id {
    /// The id as JavaScript sees it (`closeRetryId`).
    pub(super) fn number(self) -> u32 {
        self.0
    }

    /// The id JavaScript gave back.
    pub(super) fn from_number(number: u32) -> Self {
        Id(number)
    }
}

/// A running flow others may join: its promise, and the signal that may cancel it.
#[derive(Clone)]
pub(super) struct Flow {
    id: Id,
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
    static FLOWS: RefCell<Vec<(FlowKey, Flow)>> = const { RefCell::new(Vec::new()) };
    static RETRIES: RefCell<Vec<(Id, Promise)>> = const { RefCell::new(Vec::new()) };
    static PENDING: RefCell<Vec<(Id, f64, PendingClose)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

/// A new id (flows and kept closes share the sequence).
fn next_id() -> Id {
    NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        Id(id)
    })
}

/// The flow (a reconnect or a resume) running under `key`, if one is.
pub(super) fn running_flow(key: &FlowKey) -> Option<Flow> {
    FLOWS.with(|l| {
        l.borrow()
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, flow)| flow.clone())
    })
}

/// The id of a flow about to start, for [`flow_started`] and [`flow_ended`].
pub(super) fn next_flow() -> Id {
    next_id()
}

/// Records flow `id` running under `key`, cancelled by `signal`; [`flow_ended`] forgets it.
pub(super) fn flow_started(key: &FlowKey, id: Id, promise: &Promise, signal: Option<AbortSignal>) {
    let flow = Flow {
        id,
        promise: promise.clone(),
        signal,
    };
    FLOWS.with(|l| l.borrow_mut().push((key.clone(), flow)));
}

/// Forgets flow `id`.
pub(super) fn flow_ended(id: Id) {
    FLOWS.with(|l| l.borrow_mut().retain(|(_, flow)| flow.id != id));
}

/// The promise of the `retryClose` of `id` in flight, if one is.
pub(super) fn running_retry(id: Id) -> Option<Promise> {
    RETRIES.with(|l| {
        l.borrow()
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, p)| p.clone())
    })
}

/// Records a `retryClose` in flight; [`retry_ended`] forgets it.
pub(super) fn retry_started(id: Id, promise: &Promise) {
    RETRIES.with(|l| l.borrow_mut().push((id, promise.clone())));
}

/// Forgets the `retryClose` of `id`.
pub(super) fn retry_ended(id: Id) {
    RETRIES.with(|l| l.borrow_mut().retain(|(k, _)| *k != id));
}

/// Keeps a `CLOSE_FAILED` error's pending close; returns its id (`closeRetryId`). Reuses `id`
/// when a retry failed again.
pub(super) fn keep_pending(close: PendingClose, id: Option<Id>, now_ms: f64) -> Id {
    let id = id.unwrap_or_else(next_id);
    PENDING.with(|p| {
        let mut pending = p.borrow_mut();
        pending.retain(|(k, at, _)| *k != id && now_ms - at < PENDING_CLOSE_LIFETIME_MS);
        pending.push((id, now_ms, close));
    });
    id
}

/// The close kept under `id`, while its public token may still be valid.
pub(super) fn pending(id: Id, now_ms: f64) -> Option<PendingClose> {
    PENDING.with(|p| {
        p.borrow()
            .iter()
            .find(|(k, at, _)| *k == id && now_ms - at < PENDING_CLOSE_LIFETIME_MS)
            .map(|(_, _, close)| close.clone())
    })
}

/// Forgets the pending close `id` (it succeeded).
pub(super) fn forget_pending(id: Id) {
    PENDING.with(|p| p.borrow_mut().retain(|(k, _, _)| *k != id));
}

//! One operation of the JS class as `driver.js` runs it: a reconnect flow, a metadata update, a
//! close sent again, or a wait for Plaid's script.
//!
//! A [`Job`] decides and `driver.js` does: [`Job::next`] takes what the driver saw of the last
//! step (a reply, a failure, a script load, how Link ended) and returns the next step as
//! `[kind, argument]` (`[POST, body, keepalive]` for a request).
//! The job builds every result and every error the app sees; no Rust future runs, so the npm
//! package ships no async executor.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::error::to_js_error;
use super::registry;
use crate::error::{Error, ErrorCode};
use crate::flow::machine::{close_failed, out_of_order, Machine, Step};
use crate::interop::{from_js, to_js};
use crate::json::{Json, ToJson};
use crate::plaid::launcher::{not_loaded, outcome_of};
use crate::plaid::{script, PlaidEvent};
use crate::quiltt::fetch::{failure, reply, request_body};
use crate::quiltt::input::PendingClose;
use crate::quiltt::records::Connection;
use crate::quiltt::retry::{Attempts, RetryPolicy};
use crate::quiltt::transport::{GraphqlRequest, HttpReply};
use crate::quiltt::{decode_close, decode_update};

/// The kinds of step `driver.js` knows (the first element of a step).
const PRELOAD: u32 = 0;
const POST: u32 = 1;
const SLEEP: u32 = 2;
const AWAIT_SCRIPT: u32 = 3;
const OPEN_LINK: u32 = 4;
const DONE: u32 = 5;

/// What `driver.js` saw of the last step, as it hands it to [`Job::next`].
const STARTED: u32 = 0;
const PRELOADED: u32 = 1;
const REPLIED: u32 = 2;
const FAILED: u32 = 3;
const WOKE: u32 = 4;
const SCRIPT_LOADED: u32 = 5;
const LINKED: u32 = 6;

/// What the job is.
enum Kind {
    /// `reconnect()`: the flow's machine, and the flow's key in the registry.
    Reconnect { machine: Machine, key: u32 },
    /// `updateMetadata()`.
    Update {
        request: GraphqlRequest,
        attempts: Attempts,
    },
    /// `retryClose()`: the kept close, under its `closeRetryId`.
    RetryClose {
        request: GraphqlRequest,
        attempts: Attempts,
        pending: PendingClose,
        id: u32,
    },
    /// `preload()`.
    Preload,
}

/// One operation of the JS class, driven by `driver.js` (internal; not part of the API).
#[doc(hidden)]
#[wasm_bindgen(skip_typescript)]
pub struct Job {
    /// What the job is; `None` once it has ended.
    kind: Option<Kind>,
    /// What [`Job::end`] returns or throws, once the job has ended.
    settled: Option<Result<JsValue, JsValue>>,
    policy: RetryPolicy,
    /// The bound on Plaid's script and Link's loading, for the message of a Link that never loads.
    timeout_ms: u32,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

/// `[kind, argument, undefined]`: one shape (and one `Array.of` import) for every step.
fn step(kind: u32, argument: JsValue) -> JsValue {
    Array::of3(&JsValue::from(kind), &argument, &JsValue::UNDEFINED).into()
}

/// `[POST, body, keepalive]`: the request's body `{ query, operationName, variables }`, and
/// whether it should outlive the page (a close).
fn post_step(request: &GraphqlRequest) -> JsValue {
    Array::of3(
        &JsValue::from(POST),
        &request_body(request),
        &JsValue::from_bool(request.keepalive),
    )
    .into()
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl Job {
    fn new(kind: Kind, timeout_ms: u32) -> Job {
        Job {
            kind: Some(kind),
            settled: None,
            policy: RetryPolicy::default(),
            timeout_ms,
        }
    }

    /// A reconnect flow, registered under `key` until it ends.
    pub(crate) fn reconnect(machine: Machine, key: u32, timeout_ms: u32) -> Job {
        Job::new(Kind::Reconnect { machine, key }, timeout_ms)
    }

    /// A `connectionUpdate` with retries.
    pub(crate) fn update(request: GraphqlRequest, timeout_ms: u32) -> Job {
        let attempts = Attempts::first(now_ms());
        Job::new(Kind::Update { request, attempts }, timeout_ms)
    }

    /// A failed close sent again, kept as `id`.
    pub(crate) fn retry_close(pending: PendingClose, id: u32, timeout_ms: u32) -> Job {
        let request = crate::quiltt::close_request(&pending.0);
        let attempts = Attempts::first(now_ms());
        Job::new(
            Kind::RetryClose {
                request,
                attempts,
                pending,
                id,
            },
            timeout_ms,
        )
    }

    /// A wait for Plaid's script.
    pub(crate) fn preload(timeout_ms: u32) -> Job {
        Job::new(Kind::Preload, timeout_ms)
    }

    /// The machine's step as the driver's `[kind, argument]`.
    fn flow_step(&mut self, next: Step) -> JsValue {
        match next {
            Step::Preload => step(PRELOAD, JsValue::UNDEFINED),
            Step::Post => match self.request().map(post_step) {
                Some(post) => post,
                None => self.refuse(),
            },
            Step::Sleep(ms) => step(SLEEP, JsValue::from(ms)),
            Step::AwaitScript => step(AWAIT_SCRIPT, JsValue::UNDEFINED),
            Step::OpenLink(token) => step(OPEN_LINK, JsValue::from_str(token.expose_secret())),
            Step::Done(result) => self.finish_flow(result),
        }
    }

    /// Ends the job with what [`Job::end`] will return or throw; the driver's step is `[DONE]`.
    fn settle(&mut self, settled: Result<JsValue, JsValue>) -> JsValue {
        self.kind = None;
        self.settled = Some(settled);
        step(DONE, JsValue::UNDEFINED)
    }

    /// Ends a reconnect: the flow's `done` event, its registry entry, and its result or error
    /// (a `CLOSE_FAILED` one with its `closeRetryId`).
    fn finish_flow(&mut self, result: Result<crate::flow::ReconnectResult, Error>) -> JsValue {
        let Some(Kind::Reconnect { machine, key }) = self.kind.take() else {
            return self.refuse();
        };
        registry::finish(key);
        let settled = match machine.end(result) {
            Ok(result) => Ok(to_js(&result.into_json())),
            Err(e) => Err(super::failed_close_error(e, None)),
        };
        self.settle(settled)
    }

    /// Ends an update or a close sent again with its connection or its error; a close that
    /// went through is forgotten, one that failed again keeps its `closeRetryId`.
    fn finish_exchange(&mut self, result: Result<Connection, Error>) -> JsValue {
        let settled = match (self.kind.take(), result) {
            (Some(Kind::RetryClose { id, .. }), Err(e)) => {
                Err(super::failed_close_error(e, Some(id)))
            }
            (kind, result) => {
                if let Some(Kind::RetryClose { id, .. }) = kind {
                    registry::forget_pending(id);
                }
                result
                    .map(|c| to_js(&c.into_json()))
                    .map_err(|e| to_js_error(&e))
            }
        };
        self.settle(settled)
    }

    /// The driver called the job out of turn: the job ends with `out_of_order()` (a reconnect
    /// as a flow, so its joiners settle).
    fn refuse(&mut self) -> JsValue {
        if matches!(self.kind, Some(Kind::Reconnect { .. })) {
            return self.finish_flow(Err(out_of_order()));
        }
        self.settle(Err(to_js_error(&out_of_order())))
    }

    fn request(&self) -> Option<&GraphqlRequest> {
        match &self.kind {
            Some(Kind::Reconnect { machine, .. }) => Some(machine.request()),
            Some(Kind::Update { request, .. } | Kind::RetryClose { request, .. }) => Some(request),
            Some(Kind::Preload) | None => None,
        }
    }

    /// A reply (or a failure) to a `POST`: the flow's next step, or for an update or a close
    /// sent again, a retry or the end.
    fn exchanged(&mut self, result: Result<HttpReply, Error>) -> JsValue {
        let (policy, random) = (self.policy, js_sys::Math::random());
        let decoded = match &mut self.kind {
            Some(Kind::Reconnect { machine, .. }) => {
                let next = machine.replied(result, now_ms(), random);
                return self.flow_step(next);
            }
            Some(Kind::Update { attempts, .. }) => {
                if let Some(delay) = attempts.retry(&policy, &result, now_ms(), random) {
                    return step(SLEEP, JsValue::from(delay));
                }
                result.and_then(decode_update)
            }
            Some(Kind::RetryClose {
                attempts, pending, ..
            }) => {
                if let Some(delay) = attempts.retry(&policy, &result, now_ms(), random) {
                    return step(SLEEP, JsValue::from(delay));
                }
                result
                    .and_then(decode_close)
                    .map_err(|e| close_failed(e, pending))
            }
            Some(Kind::Preload) | None => return self.refuse(),
        };
        self.finish_exchange(decoded)
    }
}

#[wasm_bindgen]
impl Job {
    /// Hands the job what the driver saw of the last step and returns the next one:
    /// - `STARTED`: nothing yet, the first step;
    /// - `PRELOADED`: Plaid's script is loading (after `PRELOAD`);
    /// - `REPLIED`, `first` = `fetch.js`'s `[status, Retry-After, body]` (after `POST`);
    /// - `FAILED`, `first` = `[kind, message]`: no reply (see `fetch.js`; `token` when the
    ///   app's token function failed);
    /// - `WOKE`: a `SLEEP` is over;
    /// - `SCRIPT_LOADED`, `first` = why the script failed, or `undefined` (after `AWAIT_SCRIPT`);
    /// - `LINKED` (after `OPEN_LINK`), `first` = `success` or `exit` with Link's two arguments in
    ///   `second` and `third`, or why Link did not run: `create` or `open` threw, or it did not
    ///   `load` in time.
    pub fn next(&mut self, seen: u32, first: JsValue, second: JsValue, third: JsValue) -> JsValue {
        let now = now_ms();
        match seen {
            REPLIED => return self.exchanged(Ok(reply(&first))),
            FAILED => return self.exchanged(Err(failure(&first))),
            _ => {}
        }
        let script = || {
            if first.is_undefined() {
                Ok(())
            } else {
                Err(script::failure(&first))
            }
        };
        let outcome = (seen == LINKED).then(|| {
            if first.as_string().as_deref() == Some("load") {
                Err(not_loaded(self.timeout_ms))
            } else {
                outcome_of(&first, &second, &third)
            }
        });
        let next = match (&mut self.kind, seen) {
            (Some(Kind::Reconnect { machine, .. }), STARTED) => machine.begin(),
            (Some(Kind::Reconnect { machine, .. }), PRELOADED) => machine.preloaded(now),
            (Some(Kind::Reconnect { machine, .. }), WOKE) => machine.woke(now),
            (Some(Kind::Reconnect { machine, .. }), SCRIPT_LOADED) => {
                machine.script_loaded(script(), now)
            }
            (Some(Kind::Reconnect { machine, .. }), LINKED) => match outcome {
                Some(outcome) => machine.linked(outcome, now, js_sys::Math::random()),
                None => Step::Done(Err(out_of_order())),
            },
            // An update or a close sent again: the first attempt, or a retry.
            (
                Some(Kind::Update { request, .. } | Kind::RetryClose { request, .. }),
                STARTED | WOKE,
            ) => return post_step(request),
            (Some(Kind::Preload), STARTED) => return step(AWAIT_SCRIPT, JsValue::UNDEFINED),
            (Some(Kind::Preload), SCRIPT_LOADED) => {
                let loaded = script()
                    .map(|()| JsValue::UNDEFINED)
                    .map_err(|e| to_js_error(&e));
                return self.settle(loaded);
            }
            _ => return self.refuse(),
        };
        self.flow_step(next)
    }

    /// Whether the app's `signal` may end the job now (a reconnect, until Link has succeeded).
    pub fn cancellable(&self) -> bool {
        matches!(&self.kind, Some(Kind::Reconnect { machine, .. }) if machine.cancellable())
    }

    /// One of Link's `onEvent(eventName, metadata)`, passed on as a `plaid` event.
    #[wasm_bindgen(js_name = plaidEvent)]
    pub fn plaid_event(&self, name: JsValue, metadata: JsValue) {
        if let Some(Kind::Reconnect { machine, .. }) = &self.kind {
            machine.plaid_event(PlaidEvent {
                name: name.as_string().unwrap_or_default(),
                metadata: from_js(&metadata).unwrap_or(Json::Null),
            });
        }
    }

    /// Ends the job: its result, or the `QuilttReconnectError` it throws. `aborted` when the
    /// app's signal ended it first (only while [`Job::cancellable`]).
    pub fn end(&mut self, aborted: bool) -> Result<JsValue, JsValue> {
        if aborted && self.cancellable() {
            self.finish_flow(Err(Error::new(
                ErrorCode::Aborted,
                "reconnect() was aborted by its signal",
            )));
        }
        if self.settled.is_none() {
            self.refuse();
        }
        self.settled
            .take()
            .unwrap_or_else(|| Err(to_js_error(&out_of_order())))
    }
}

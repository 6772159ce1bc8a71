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
use crate::plaid::{LinkOutcome, PlaidEvent, PlaidLinkError};
use crate::quiltt::fetch::{failure, reply, request_body};
use crate::quiltt::input::PendingClose;
use crate::quiltt::records::Connection;
use crate::quiltt::retry::{Attempts, RetryPolicy};
use crate::quiltt::transport::{GraphqlRequest, HttpReply};
use crate::quiltt::{decode_close, decode_update};
use crate::secret::PublicToken;
use crate::text::{decimal, text};

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
    Update { exchange: Attempts },
    /// `retryClose()`: the kept close, under its `closeRetryId`.
    RetryClose {
        exchange: Attempts,
        pending: PendingClose,
        id: u32,
    },
    /// `preload()`.
    Preload,
}

/// How a job ended, before it becomes the JavaScript value.
enum Ended {
    Reconnect(Result<crate::flow::ReconnectResult, Error>),
    Connection(Result<Connection, Error>),
    Preload(Result<(), Error>),
}

/// One operation of the JS class, driven by `driver.js` (internal; not part of the API).
#[doc(hidden)]
#[wasm_bindgen(skip_typescript)]
pub struct Job {
    kind: Option<Kind>,
    ended: Option<Ended>,
    policy: RetryPolicy,
    /// The bound on Plaid's script and Link's loading, for the message of a Link that never loads.
    timeout_ms: u32,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

fn step(kind: u32, argument: JsValue) -> JsValue {
    Array::of2(&JsValue::from(kind), &argument).into()
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
            ended: None,
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
        let exchange = Attempts::first(request, now_ms());
        Job::new(Kind::Update { exchange }, timeout_ms)
    }

    /// A failed close sent again, kept as `id`.
    pub(crate) fn retry_close(pending: PendingClose, id: u32, timeout_ms: u32) -> Job {
        let exchange = Attempts::first(crate::quiltt::close_request(&pending.0), now_ms());
        Job::new(
            Kind::RetryClose {
                exchange,
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
            Step::Post => self.request().map_or(JsValue::UNDEFINED, post_step),
            Step::Sleep(ms) => step(SLEEP, JsValue::from(ms)),
            Step::AwaitScript => step(AWAIT_SCRIPT, JsValue::UNDEFINED),
            Step::OpenLink(token) => step(OPEN_LINK, JsValue::from_str(token.expose_secret())),
            Step::Done(result) => self.end_with(Ended::Reconnect(result)),
        }
    }

    fn end_with(&mut self, ended: Ended) -> JsValue {
        self.ended = Some(ended);
        step(DONE, JsValue::UNDEFINED)
    }

    fn request(&self) -> Option<&GraphqlRequest> {
        match &self.kind {
            Some(Kind::Reconnect { machine, .. }) => Some(machine.request()),
            Some(Kind::Update { exchange } | Kind::RetryClose { exchange, .. }) => {
                Some(&exchange.request)
            }
            Some(Kind::Preload) | None => None,
        }
    }

    /// A reply (or a failure) of an update or a close sent again: a retry, or the end.
    fn exchanged(&mut self, result: Result<HttpReply, Error>) -> JsValue {
        let policy = self.policy;
        let ended = match &mut self.kind {
            Some(Kind::Reconnect { machine, .. }) => {
                let next = machine.replied(result, now_ms(), js_sys::Math::random());
                return self.flow_step(next);
            }
            Some(Kind::Update { exchange } | Kind::RetryClose { exchange, .. }) => {
                let random = js_sys::Math::random();
                if let Some(delay) = exchange.retry(&policy, &result, now_ms(), random) {
                    return step(SLEEP, JsValue::from(delay));
                }
                match &self.kind {
                    Some(Kind::RetryClose { pending, .. }) => Ended::Connection(
                        result
                            .and_then(decode_close)
                            .map_err(|e| close_failed(e, pending)),
                    ),
                    _ => Ended::Connection(result.and_then(decode_update)),
                }
            }
            Some(Kind::Preload) | None => Ended::Preload(Err(out_of_order())),
        };
        self.end_with(ended)
    }

    /// How Link ended, or why it did not run (see [`Job::next`]'s `LINKED`).
    fn link_outcome(
        &self,
        kind: &JsValue,
        first: &JsValue,
        second: &JsValue,
    ) -> Result<LinkOutcome, Error> {
        let metadata = from_js(second).unwrap_or_default();
        match kind.as_string().as_deref() {
            Some("success") => Ok(LinkOutcome::Success {
                public_token: first
                    .as_string()
                    .filter(|t| !t.is_empty())
                    .map(PublicToken::new),
                metadata,
            }),
            Some("exit") => Ok(LinkOutcome::Exit {
                error: from_js(first).as_ref().and_then(PlaidLinkError::from_json),
                metadata,
            }),
            Some("create") => Err(link_error("Plaid.create threw")),
            Some("open") => Err(link_error("Plaid Link's open() threw")),
            _ => Err(link_error(&text!(
                "Plaid Link did not load within ",
                decimal(i64::from(self.timeout_ms)),
                " ms"
            ))),
        }
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
                Err(Error::new(
                    ErrorCode::PlaidScript,
                    first
                        .as_string()
                        .unwrap_or_else(|| "Plaid's Link script failed to load".into()),
                ))
            }
        };
        let outcome = (seen == LINKED).then(|| self.link_outcome(&first, &second, &third));
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
                Some(Kind::Update { exchange } | Kind::RetryClose { exchange, .. }),
                STARTED | WOKE,
            ) => return post_step(&exchange.request),
            (Some(Kind::Preload), STARTED) => return step(AWAIT_SCRIPT, JsValue::UNDEFINED),
            (Some(Kind::Preload), SCRIPT_LOADED) => {
                let loaded = script();
                return self.end_with(Ended::Preload(loaded));
            }
            _ => return self.end_with(Ended::Preload(Err(out_of_order()))),
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
            machine.plaid_events()(PlaidEvent {
                name: name.as_string().unwrap_or_default(),
                metadata: from_js(&metadata).unwrap_or(Json::Null),
            });
        }
    }

    /// Ends the job: its result, or the `QuilttReconnectError` it throws. `aborted` when the
    /// app's signal ended it first (only while [`Job::cancellable`]).
    pub fn end(&mut self, aborted: bool) -> Result<JsValue, JsValue> {
        let ended = if aborted {
            Some(Ended::Reconnect(Err(Error::new(
                ErrorCode::Aborted,
                "reconnect() was aborted by its signal",
            ))))
        } else {
            self.ended.take()
        };
        match (self.kind.take(), ended) {
            (Some(Kind::Reconnect { machine, key }), Some(Ended::Reconnect(result))) => {
                registry::finish(key);
                match machine.end(result) {
                    Ok(result) => Ok(to_js(&result.into_json())),
                    Err(e) => Err(super::failed_close_error(e, None)),
                }
            }
            (Some(Kind::Update { .. }), Some(Ended::Connection(result))) => result
                .map(|c| to_js(&c.into_json()))
                .map_err(|e| to_js_error(&e)),
            (Some(Kind::RetryClose { id, .. }), Some(Ended::Connection(result))) => match result {
                Ok(connection) => {
                    registry::forget_pending(id);
                    Ok(to_js(&connection.into_json()))
                }
                Err(e) => Err(super::failed_close_error(e, Some(id))),
            },
            (Some(Kind::Preload), Some(Ended::Preload(result))) => result
                .map(|()| JsValue::UNDEFINED)
                .map_err(|e| to_js_error(&e)),
            (kind, _) => {
                // Driven out of turn: still end a reconnect as a flow, so its joiners settle.
                if let Some(Kind::Reconnect { machine, key }) = kind {
                    registry::finish(key);
                    let _ = machine.end(Err(out_of_order()));
                }
                Err(to_js_error(&out_of_order()))
            }
        }
    }
}

fn link_error(message: &str) -> Error {
    Error::new(ErrorCode::PlaidScript, message)
}

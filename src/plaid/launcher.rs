//! The browser Link launcher: one [`LinkSession`] per Link run owns the handler (created and
//! opened by `link.js`) and what was handed to Plaid, and releases them when the run ends.

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

use js_sys::{Array, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::bindings::{self, LinkRun};
use super::{script, LinkLauncher, LinkOutcome, PlaidEvent, PlaidLinkError};
use crate::error::{Error, ErrorCode};
use crate::interop::{from_js, set, Deferred};
use crate::json::Json;
use crate::secret::{LinkToken, PublicToken};
use crate::text::{decimal, text};
use crate::timer::sleep;

/// Opens Plaid Link from a script URL.
#[derive(Debug)]
pub(crate) struct PlaidLink {
    pub script_url: String,
    pub script_timeout_ms: u32,
    /// Whether the app listens to events. Without a listener Link gets no `onEvent`, so its
    /// events (a few before `onSuccess`) are not read into Rust for nothing.
    pub forward_events: bool,
}

impl LinkLauncher for PlaidLink {
    fn preload(&self) {
        // A failure here is reported by `ready`, which retries the load.
        script::start(&self.script_url, self.script_timeout_ms);
    }

    async fn ready(&self) -> Result<(), Error> {
        script::ready(&self.script_url, self.script_timeout_ms).await
    }

    async fn run(
        &self,
        link_token: &LinkToken,
        on_event: Rc<dyn Fn(PlaidEvent)>,
    ) -> Result<LinkOutcome, Error> {
        let on_event = self.forward_events.then_some(on_event);
        let session = LinkSession::open(link_token, on_event)?;
        let mut finished = pin!(JsFuture::from(session.finished.clone()));
        // Bounded until Link has loaded; once the user is in Link, they take their time.
        let load_timer = sleep(self.script_timeout_ms);
        let outcome = match before(finished.as_mut(), load_timer).await {
            Some(outcome) => outcome,
            None if !session.run.loaded() => {
                // Dropping the session exits and destroys the handler that never loaded.
                return Err(not_loaded(self.script_timeout_ms));
            }
            None => finished.await,
        };
        drop(session);
        let settled = outcome
            .map_err(|_| Error::new(ErrorCode::PlaidScript, "Plaid Link ended unexpectedly"))?;
        let parts = Array::from(&settled);
        outcome_of(&parts.get(0), &parts.get(1), &parts.get(2))
    }
}

/// How a Link run ended, from what `link.js` reports, `[kind, first argument, second argument]`
/// (both drivers read it so): `success` or `exit` with Link's two arguments, or why Link did not
/// run, `create` or `open` (that call threw).
pub(crate) fn outcome_of(
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
        _ => Err(not_run(kind)),
    }
}

/// `PLAID_SCRIPT` for a Link run that did not start: `link.js` threw `create` or `open`.
pub(crate) fn not_run(thrown: &JsValue) -> Error {
    Error::new(
        ErrorCode::PlaidScript,
        if thrown.as_string().as_deref() == Some("open") {
            "Plaid Link's open() threw"
        } else {
            "Plaid.create threw"
        },
    )
}

/// `PLAID_SCRIPT` for a Link that did not call `onLoad` within `timeout_ms`.
pub(crate) fn not_loaded(timeout_ms: u32) -> Error {
    Error::new(
        ErrorCode::PlaidScript,
        text!(
            "Plaid Link did not load within ",
            decimal(i64::from(timeout_ms)),
            " ms"
        ),
    )
}

/// What a Link run hands to Plaid from Rust, and the promise it settles (dropped last, it
/// settles it if Link never did, so no wait on it is left behind).
struct Callbacks {
    _on_event: Option<Closure<dyn FnMut(JsValue, JsValue)>>,
    _finished: Deferred,
}

/// How long a Link closed by force may take to call `onExit` before it is destroyed anyway.
const FORCED_EXIT_GRACE_MS: u32 = 5_000;

/// One Link run. It owns the handler and what was given to Plaid. Dropped after Link ended, it
/// destroys the handler and then drops the callbacks. Dropped while Link is open (a cancelled
/// flow), it follows Plaid's rule: `exit({ force: true })` first, and destroy only once Link has
/// called `onExit` (or after a grace period), keeping the callbacks alive until then; Link's
/// events from then on are not passed on, so the flow's `done` stays its last event.
struct LinkSession {
    run: LinkRun,
    finished: Promise,
    callbacks: Option<Callbacks>,
    /// Whether Link's events still reach the flow; cleared once the session is dropped.
    forwarding: Rc<Cell<bool>>,
}

impl std::fmt::Debug for LinkSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSession")
    }
}

impl LinkSession {
    fn open(
        link_token: &LinkToken,
        on_event: Option<Rc<dyn Fn(PlaidEvent)>>,
    ) -> Result<Self, Error> {
        let finished = Deferred::new()
            .ok_or_else(|| Error::new(ErrorCode::PlaidScript, "could not create a promise"))?;
        let forwarding = Rc::new(Cell::new(true));
        let live = Rc::clone(&forwarding);
        let on_plaid_event = on_event.map(|on_event| {
            Closure::<dyn FnMut(JsValue, JsValue)>::new(move |name: JsValue, metadata: JsValue| {
                if live.get() {
                    on_event(PlaidEvent {
                        name: name.as_string().unwrap_or_default(),
                        metadata: from_js(&metadata).unwrap_or(Json::Null),
                    })
                }
            })
        });
        let run = bindings::open_link(
            link_token.expose_secret(),
            &finished.resolve,
            on_plaid_event.as_ref().map(|c| c.as_ref().unchecked_ref()),
        )
        .map_err(|thrown| not_run(&thrown))?;
        Ok(LinkSession {
            run,
            finished: finished.promise.clone(),
            callbacks: Some(Callbacks {
                _on_event: on_plaid_event,
                _finished: finished,
            }),
            forwarding,
        })
    }
}

impl Drop for LinkSession {
    fn drop(&mut self) {
        let handler = self.run.handler();
        if self.run.settled() || !self.run.loaded() {
            // Link has closed (onSuccess / onExit came), or never loaded and so never showed
            // (its open() is still queued): destroy() is allowed.
            let _ = handler.destroy();
            return;
        }
        let force = Object::new();
        set(&force, "force", &JsValue::TRUE);
        // What Link emits while it exits comes before the flow's `done`; later events don't.
        let _ = handler.exit(&force);
        self.forwarding.set(false);
        let finished = JsFuture::from(self.finished.clone());
        let callbacks = self.callbacks.take();
        wasm_bindgen_futures::spawn_local(async move {
            let grace = sleep(FORCED_EXIT_GRACE_MS);
            before(finished, grace).await;
            let _ = handler.destroy();
            drop(callbacks);
        });
    }
}

/// `work`'s output if it finishes before `deadline`, else `None` (`work` may be awaited again).
async fn before<T>(work: impl Future<Output = T>, deadline: impl Future) -> Option<T> {
    let (mut work, mut deadline) = (pin!(work), pin!(deadline));
    poll_fn(|cx| {
        if let Poll::Ready(output) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        deadline.as_mut().poll(cx).map(|_| None)
    })
    .await
}

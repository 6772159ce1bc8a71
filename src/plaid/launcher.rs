//! The browser Link launcher: one [`LinkSession`] per Link run owns the handler and every
//! closure handed to Plaid, and releases them when the run ends.

use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::bindings::{self, LinkHandler};
use super::{script, LinkLauncher, LinkOutcome, PlaidEvent, PlaidLinkError};
use crate::error::{Error, ErrorCode};
use crate::json::Json;
use crate::quiltt::fetch::from_js;
use crate::secret::{LinkToken, PublicToken};

/// Opens Plaid Link from a script URL.
#[derive(Debug)]
pub(crate) struct PlaidLink {
    pub script_url: String,
    pub script_timeout_ms: u32,
}

impl LinkLauncher for PlaidLink {
    fn preload(&self) {
        // A failure here is reported by `ready`, which retries the load.
        let _ = script::start(&self.script_url, self.script_timeout_ms);
    }

    async fn ready(&self) -> Result<(), Error> {
        script::ready(&self.script_url, self.script_timeout_ms).await
    }

    async fn run(
        &self,
        link_token: &LinkToken,
        on_event: Rc<dyn Fn(PlaidEvent)>,
    ) -> Result<LinkOutcome, Error> {
        let session = LinkSession::open(link_token, on_event)?;
        let outcome = JsFuture::from(session.finished.clone()).await;
        drop(session);
        outcome
            .map(decode_outcome)
            .map_err(|_| Error::new(ErrorCode::PlaidScript, "Plaid Link ended unexpectedly"))
    }
}

/// `[kind, first argument, second argument]`, as the callbacks settle the session's promise.
fn decode_outcome(settled: JsValue) -> LinkOutcome {
    let parts = Array::from(&settled);
    let metadata = from_js(parts.get(2)).unwrap_or_default();
    if parts.get(0).as_string().as_deref() == Some("success") {
        LinkOutcome::Success {
            public_token: parts
                .get(1)
                .as_string()
                .filter(|t| !t.is_empty())
                .map(PublicToken::new),
            metadata,
        }
    } else {
        LinkOutcome::Exit {
            error: from_js(parts.get(1))
                .as_ref()
                .and_then(PlaidLinkError::from_json),
            metadata,
        }
    }
}

fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// One Link run. Dropping it destroys the handler, then drops the closures Plaid held.
struct LinkSession {
    handler: Option<LinkHandler>,
    finished: Promise,
    _on_success: Closure<dyn FnMut(JsValue, JsValue)>,
    _on_exit: Closure<dyn FnMut(JsValue, JsValue)>,
    _on_event: Closure<dyn FnMut(JsValue, JsValue)>,
}

impl std::fmt::Debug for LinkSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSession")
    }
}

impl LinkSession {
    fn open(link_token: &LinkToken, on_event: Rc<dyn Fn(PlaidEvent)>) -> Result<Self, Error> {
        let mut resolve_slot: Option<Function> = None;
        let finished = Promise::new(&mut |resolve, _reject| resolve_slot = Some(resolve));
        let resolve = resolve_slot
            .ok_or_else(|| Error::new(ErrorCode::PlaidScript, "could not create a promise"))?;
        // The first of onSuccess / onExit settles the promise; any later call is a no-op.
        let settle = move |kind: &str, a: JsValue, b: JsValue| {
            let _ = resolve.call1(
                &JsValue::NULL,
                &Array::of3(&JsValue::from_str(kind), &a, &b),
            );
        };
        let settle = Rc::new(settle);
        let on_success_settle = Rc::clone(&settle);
        let on_success = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |token, metadata| {
            on_success_settle("success", token, metadata)
        });
        let on_exit = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |error, metadata| {
            settle("exit", error, metadata)
        });
        let on_plaid_event =
            Closure::<dyn FnMut(JsValue, JsValue)>::new(move |name: JsValue, metadata: JsValue| {
                on_event(PlaidEvent {
                    name: name.as_string().unwrap_or_default(),
                    metadata: from_js(metadata).unwrap_or(Json::Null),
                })
            });

        let config = Object::new();
        set(
            &config,
            "token",
            &JsValue::from_str(link_token.expose_secret()),
        );
        set(&config, "onSuccess", on_success.as_ref());
        set(&config, "onExit", on_exit.as_ref());
        set(&config, "onEvent", on_plaid_event.as_ref());
        let mut session = LinkSession {
            handler: None,
            finished,
            _on_success: on_success,
            _on_exit: on_exit,
            _on_event: on_plaid_event,
        };
        let handler = bindings::create(&config)
            .map_err(|_| Error::new(ErrorCode::PlaidScript, "Plaid.create threw"))?;
        session.handler = Some(handler.clone());
        handler
            .open()
            .map_err(|_| Error::new(ErrorCode::PlaidScript, "Plaid Link's open() threw"))?;
        Ok(session)
    }
}

impl Drop for LinkSession {
    fn drop(&mut self) {
        if let Some(handler) = self.handler.take() {
            // Link has closed by now (onSuccess / onExit came); Plaid forbids destroy() while open.
            let _ = handler.destroy();
        }
    }
}

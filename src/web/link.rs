//! Plaid Link through `#[wasm_bindgen]` bindings: `Plaid.create({ token, onSuccess, onExit,
//! onEvent, onLoad, receivedRedirectUri })` and the handler's `open`, `exit` and `destroy`.
//!
//! One [`LinkSession`] owns the handler and every closure handed to Plaid. The first of
//! `onSuccess`/`onExit` settles the run; later calls are ignored. Dropped after Link ended (or
//! before it loaded), the session destroys the handler. Dropped while Link is open (a cancelled
//! flow), it follows Plaid's rule: `exit({ force: true })` first, and `destroy()` only once
//! Link has called `onExit`, however late; Link's events stop reaching the flow at once.

use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use gloo_timers::future::TimeoutFuture;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::bindings::{plaid_create, LinkHandler};
use super::deadline::within;
use super::json::from_js;
use quiltt_reconnect_core::PublicToken;
use quiltt_reconnect_core::{LinkConfig, LinkFailure, LinkOutcome, PlaidEvent, PlaidLinkError};

/// How long the closures handed to Plaid outlive a destroyed handler. Plaid calls nothing after
/// `destroy()`, but a callback already queued (a second `onSuccess` on the next task) must find
/// a live closure: calling a dropped one throws into the page.
const CALLBACKS_OUTLIVE_DESTROY_MS: u32 = 1_000;

/// What Plaid's callbacks have told the session.
#[derive(Default)]
struct State {
    loaded: bool,
    /// The first of `onSuccess` / `onExit`.
    outcome: Option<LinkOutcome>,
    /// Whether Link has closed (`onSuccess` or `onExit` came).
    closed: bool,
    /// Where Link's events go; `None` once the flow no longer listens.
    events: Option<Rc<dyn Fn(PlaidEvent)>>,
    /// The public token `onSuccess` gave: scrubbed from the events Link sends after it (the
    /// flow's own scrubbing knows the tokens of before Link opened).
    public_token: Option<PublicToken>,
    waker: Option<Waker>,
}

type Shared = Rc<RefCell<State>>;

fn wake(state: &Shared) {
    let waker = state.borrow_mut().waker.take();
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// Waits until `done` holds of the state.
async fn until(state: &Shared, done: impl Fn(&State) -> bool) {
    poll_fn(|cx| {
        let mut state = state.borrow_mut();
        if done(&state) {
            return Poll::Ready(());
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

/// The closures handed to Plaid, kept alive as long as Plaid may call them.
struct Callbacks {
    _on_success: Closure<dyn FnMut(JsValue, JsValue)>,
    _on_exit: Closure<dyn FnMut(JsValue, JsValue)>,
    _on_event: Closure<dyn FnMut(JsValue, JsValue)>,
    _on_load: Closure<dyn FnMut()>,
}

impl Callbacks {
    /// Drops the closures once a callback Plaid had already queued has run.
    fn release_later(self) {
        wasm_bindgen_futures::spawn_local(async move {
            TimeoutFuture::new(CALLBACKS_OUTLIVE_DESTROY_MS).await;
            drop(self);
        });
    }
}

/// One Link run: the handler and what was handed to Plaid.
struct LinkSession {
    handler: LinkHandler,
    state: Shared,
    callbacks: Option<Callbacks>,
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // The target is an object the session made itself: setting can't fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

impl LinkSession {
    /// `Plaid.create` with `config`'s token, then `open()`.
    fn open(config: &LinkConfig, events: Rc<dyn Fn(PlaidEvent)>) -> Result<Self, LinkFailure> {
        let state: Shared = Rc::new(RefCell::new(State {
            events: Some(events),
            ..State::default()
        }));
        let settle = |state: &Shared, outcome: LinkOutcome| {
            let mut s = state.borrow_mut();
            s.closed = true;
            if s.outcome.is_none() {
                s.outcome = Some(outcome);
            }
            drop(s);
            wake(state);
        };
        let on_success = {
            let state = Rc::clone(&state);
            Closure::<dyn FnMut(JsValue, JsValue)>::new(move |token: JsValue, metadata: JsValue| {
                let public_token = token.as_string().filter(|t| !t.is_empty());
                let public_token = public_token.map(PublicToken::new);
                state.borrow_mut().public_token = public_token.clone();
                let outcome = LinkOutcome::Success {
                    public_token,
                    // Plain data now: the close must not depend on what Plaid's object does later.
                    metadata: from_js(metadata).salvage(),
                };
                settle(&state, outcome);
            })
        };
        let on_exit = {
            let state = Rc::clone(&state);
            Closure::<dyn FnMut(JsValue, JsValue)>::new(move |error: JsValue, metadata: JsValue| {
                let outcome = LinkOutcome::Exit {
                    error: PlaidLinkError::from_json(&from_js(error)),
                    metadata: from_js(metadata).salvage(),
                };
                settle(&state, outcome);
            })
        };
        let on_event = {
            let state = Rc::clone(&state);
            Closure::<dyn FnMut(JsValue, JsValue)>::new(move |name: JsValue, metadata: JsValue| {
                // Not borrowed while the app's listener runs: it may call back into the bridge.
                let (events, public_token) = {
                    let state = state.borrow();
                    (state.events.clone(), state.public_token.clone())
                };
                if let Some(events) = events {
                    let metadata = from_js(metadata);
                    let metadata = match &public_token {
                        Some(token) => metadata.redacted(&[token.expose_secret()]),
                        None => metadata,
                    };
                    events(PlaidEvent {
                        name: name.as_string().unwrap_or_default(),
                        metadata,
                        at_ms: js_sys::Date::now(),
                    });
                }
            })
        };
        let on_load = {
            let state = Rc::clone(&state);
            Closure::<dyn FnMut()>::new(move || {
                state.borrow_mut().loaded = true;
                wake(&state);
            })
        };
        let options = Object::new();
        set(&options, "token", &config.token.expose_secret().into());
        set(&options, "onSuccess", on_success.as_ref());
        set(&options, "onExit", on_exit.as_ref());
        set(&options, "onEvent", on_event.as_ref());
        set(&options, "onLoad", on_load.as_ref());
        if let Some(uri) = &config.received_redirect_uri {
            set(&options, "receivedRedirectUri", &uri.into());
        }
        let callbacks = Callbacks {
            _on_success: on_success,
            _on_exit: on_exit,
            _on_event: on_event,
            _on_load: on_load,
        };
        let handler = match plaid_create(&options) {
            Ok(handler) if handler.is_object() => handler,
            _ => {
                callbacks.release_later();
                return Err(LinkFailure::CreateThrew);
            }
        };
        let session = LinkSession {
            handler,
            state,
            callbacks: Some(callbacks),
        };
        // Called right after create(): Plaid queues it until Link has loaded, so the user sees
        // Link as early as possible. A handler that could not open is destroyed with the session.
        session.handler.open().map_err(|_| LinkFailure::OpenThrew)?;
        Ok(session)
    }
}

impl Drop for LinkSession {
    fn drop(&mut self) {
        let mut state = self.state.borrow_mut();
        state.events = None;
        let (closed, loaded) = (state.closed, state.loaded);
        drop(state);
        let callbacks = self.callbacks.take();
        if closed || !loaded {
            // Link has closed, or never loaded and so never showed: destroy() is allowed.
            let _ = self.handler.destroy();
            if let Some(callbacks) = callbacks {
                callbacks.release_later();
            }
            return;
        }
        let force = Object::new();
        set(&force, "force", &JsValue::TRUE);
        let _ = self.handler.exit(&force);
        let (handler, state) = (self.handler.clone(), Rc::clone(&self.state));
        wasm_bindgen_futures::spawn_local(async move {
            until(&state, |s| s.closed).await;
            let _ = handler.destroy();
            if let Some(callbacks) = callbacks {
                callbacks.release_later();
            }
        });
    }
}

/// Runs Link as `config` says and resolves with how it ended.
///
/// # Errors
/// `CreateThrew`, `OpenThrew`, or `NotLoaded` when Link did not call `onLoad` within
/// `config.load_timeout_ms` (the handler, never shown, is destroyed).
pub(super) async fn run(
    config: &LinkConfig,
    events: Rc<dyn Fn(PlaidEvent)>,
) -> Result<LinkOutcome, LinkFailure> {
    let session = LinkSession::open(config, events)?;
    let state = Rc::clone(&session.state);
    // Bounded until Link has loaded; once the user is in Link, they take their time.
    let loading = until(&state, |s| s.loaded || s.outcome.is_some());
    if within(config.load_timeout_ms, loading).await.is_none() {
        return Err(LinkFailure::NotLoaded);
    }
    until(&state, |s| s.outcome.is_some()).await;
    let outcome = state.borrow_mut().outcome.take();
    drop(session);
    outcome.ok_or(LinkFailure::NotLoaded)
}

//! The JavaScript contract (cargo feature `js`): the `QuilttReconnect` class and its
//! TypeScript types. Each method reads its arguments (exception-proof, `INVALID_INPUT` before
//! any request), runs the Rust [`Client`]'s operation on the one driver, and hands the result or
//! a `QuilttReconnectError` to a promise. An operation holds its own `Rc` of the client, so
//! `free()` during a flow is safe.

mod arguments;
mod options;
mod registry;
mod types;
mod warm_up;

use std::pin::pin;
use std::rc::Rc;

use js_sys::{Promise, Reflect};
use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortSignal;

use crate::client::Client;
use crate::error::to_js as error_to_js;
use crate::web;
use crate::web::json::{from_js, to_js_value};
use arguments::{connection_id_of, read_signal, read_watch_options, ReconnectCall};
use options::field;
use quiltt_reconnect_core::driver;
use quiltt_reconnect_core::machine::{aborted as aborted_error, Operation, Steps};
use quiltt_reconnect_core::Error;
use quiltt_reconnect_core::{operations, ConnectionFilter, ConnectionUpdateInput, FlowId};
use registry::FlowKey;

/// The `QuilttReconnectError` of `error`; a `CLOSE_FAILED` one gets a `closeRetryId` for
/// `retryClose()` (`id` again when a retry of it failed again).
fn js_error(error: Error, id: Option<registry::Id>) -> JsValue {
    let js = error_to_js(&error);
    if let Some(close) = error.into_pending_close() {
        let id = registry::keep_pending(close, id, js_sys::Date::now());
        let _ = Reflect::set(&js, &"closeRetryId".into(), &id.number().into());
    }
    js
}

fn rejected(error: &Error) -> Promise {
    Promise::reject(&error_to_js(error))
}

/// The one promise bridge: every method's promise is a boxed future of this one type, so
/// `future_to_promise` and its task are compiled once (four copies cost about 2 KB of the
/// module, measured with `twiggy top`).
fn promise(work: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    let boxed: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> = Box::pin(work);
    future_to_promise(boxed)
}

/// A one-request operation as a method sets it up (its client, its request, its signal): run,
/// or rejected with why it could not be set up.
type SetUp = Result<(Rc<Client>, Box<dyn JsOperation>, Option<AbortSignal>), Error>;

fn run_request(set_up: SetUp) -> Promise {
    match set_up {
        Ok((client, request, signal)) => run(&client, request, signal, Finally::Nothing),
        Err(e) => rejected(&e),
    }
}

/// Finishes when `signal` aborts; never without one.
async fn cancel_of(signal: Option<AbortSignal>) {
    match signal {
        Some(signal) => web::aborted(signal).await,
        None => std::future::pending().await,
    }
}

/// An operation as the class runs it: its steps, and its result as a JavaScript value.
trait JsOperation: Steps {
    /// The result, converted (plain objects and `null`), or the operation's error.
    fn finish(self: Box<Self>) -> Result<JsValue, Error>;
}

impl<O: Operation> JsOperation for O
where
    O::Output: serde::Serialize,
{
    fn finish(self: Box<Self>) -> Result<JsValue, Error> {
        let output = (*self).end()?;
        to_js_value(&output)
    }
}

/// What to do when an operation has settled (page-wide bookkeeping).
enum Finally {
    Nothing,
    /// A flow others may join ended (its registry id).
    FlowEnded(registry::Id),
    /// The `retryClose` of this pending close ended.
    RetryEnded(registry::Id),
}

/// The promise of `operation`, run on the one driver with `client`'s browser `Io` and ended by
/// `signal` while it is cancellable. One async function serves every method, so its state
/// machine and `future_to_promise`'s task are compiled once.
fn run(
    client: &Rc<Client>,
    mut operation: Box<dyn JsOperation>,
    signal: Option<AbortSignal>,
    finally: Finally,
) -> Promise {
    let client = Rc::clone(client);
    promise(async move {
        let cancel = cancel_of(signal);
        driver::drive(&mut *operation, &client.io, pin!(cancel)).await;
        let result = operation.finish();
        match finally {
            Finally::Nothing => result.map_err(|e| js_error(e, None)),
            Finally::FlowEnded(id) => {
                registry::flow_ended(id);
                result.map_err(|e| js_error(e, None))
            }
            Finally::RetryEnded(id) => {
                registry::retry_ended(id);
                if result.is_ok() {
                    registry::forget_pending(id);
                }
                result.map_err(|e| js_error(e, Some(id)))
            }
        }
    })
}

/// Runs `flow` as one others on the page may join under `key`, until it ends.
fn start_flow(
    client: &Rc<Client>,
    key: &FlowKey,
    flow: Box<dyn JsOperation>,
    signal: Option<AbortSignal>,
) -> Promise {
    let id = registry::next_flow();
    let promise = run(client, flow, signal.clone(), Finally::FlowEnded(id));
    registry::flow_started(key, id, &promise, signal);
    promise
}

/// What `resume()` finds now at `url` (for `connection_id`, when given): the flow it runs under
/// `key`, or `null`.
fn resume_now(
    client: &Rc<Client>,
    url: Option<&str>,
    connection_id: Option<&str>,
    signal: Option<AbortSignal>,
    key: &FlowKey,
) -> Promise {
    match client.resumable(url, connection_id) {
        Err(e) => rejected(&e),
        Ok(None) => Promise::resolve(&JsValue::NULL),
        Ok(Some(flow)) => start_flow(client, key, Box::new(flow), signal),
    }
}

/// `shared`, or `ABORTED` for this caller alone when its own `signal` aborts first.
fn joined(shared: Promise, signal: Option<AbortSignal>) -> Promise {
    let Some(signal) = signal else {
        return shared;
    };
    promise(async move {
        let settled = JsFuture::from(shared);
        match driver::unless(settled, web::aborted(signal)).await {
            Some(result) => result,
            None => Err(error_to_js(&aborted_error())),
        }
    })
}

/// Repairs Quiltt connections: runs the update flow for Plaid, lists connections and stores
/// metadata on them.
#[wasm_bindgen]
pub struct QuilttReconnect {
    /// `None` once `free()` was called: then every method rejects `INVALID_INPUT`.
    live: std::cell::RefCell<Option<Live>>,
}

/// What an instance holds until `free()`.
struct Live {
    client: Rc<Client>,
}

impl std::fmt::Debug for QuilttReconnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let live = self.live.borrow();
        f.debug_struct("QuilttReconnect")
            .field("client", &live.as_ref().map(|l| &l.client))
            .finish_non_exhaustive()
    }
}

/// `INVALID_INPUT` for a method called after `free()`.
fn freed() -> Error {
    Error::invalid("this QuilttReconnect was freed; create a new one")
}

impl QuilttReconnect {
    /// The instance's client, unless it was freed; expired records of the tab are swept first.
    fn live(&self) -> Result<Rc<Client>, Error> {
        let live = self.live.borrow();
        let live = live.as_ref().ok_or_else(freed)?;
        live.client.sweep();
        Ok(Rc::clone(&live.client))
    }
}

#[wasm_bindgen]
impl QuilttReconnect {
    /// Creates an instance. Throws a `QuilttReconnectError` (`INVALID_INPUT`) on bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "QuilttReconnectOptions")] options: JsValue,
    ) -> Result<QuilttReconnect, JsValue> {
        let client = options::read(&options).map_err(|e| error_to_js(&e))?;
        warm_up::schedule(driver::Io::settings(&client.io));
        let live = Live {
            client: Rc::new(client),
        };
        Ok(QuilttReconnect {
            live: std::cell::RefCell::new(Some(live)),
        })
    }

    /// Releases what the instance holds; running operations finish. Calling it again does
    /// nothing; any other method afterwards rejects `INVALID_INPUT`. (It stands in for
    /// wasm-bindgen's own `free()`, which would make a second call and later calls throw plain
    /// errors; the instance's few bytes of wasm memory go when the object is collected.)
    #[wasm_bindgen(js_name = free)]
    pub fn dispose(&self) {
        self.live.borrow_mut().take();
    }

    /// Loads Plaid's script ahead of time; idempotent and shared by every instance on the
    /// page. Rejects `PLAID_SCRIPT` when it fails (a later call tries again).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn preload(&self) -> Promise {
        let client = match self.live() {
            Ok(client) => client,
            Err(e) => return rejected(&e),
        };
        promise(async move {
            client
                .preload()
                .await
                .map(|()| JsValue::UNDEFINED)
                .map_err(|e| error_to_js(&e))
        })
    }

    /// Runs the reconnect flow: initialize, then Plaid Link when `ACTION_REQUIRED` (or when
    /// `alwaysOpenLink` is set and Quiltt returns a link token), then close. A call with the same
    /// input for the same endpoint while a flow runs on the page (from any instance) joins it
    /// (same result, one Link); another flow of the connection, on this page or another tab of the
    /// origin, waits until it ends.
    #[wasm_bindgen(unchecked_return_type = "Promise<ReconnectResult>")]
    pub fn reconnect(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ReconnectInput")] input: JsValue,
    ) -> Promise {
        let read = || -> Result<_, Error> {
            let client = self.live()?;
            let call = ReconnectCall::read(&input)?;
            // The input is good: Plaid's script starts loading now, before the rest of the
            // set-up. It is half the critical path, and the first call of this code (compiled
            // lazily by the browser) took about 2 ms more before the script started, measured.
            web::start_script(
                &client.io.script_url,
                client.io.nonce.as_deref(),
                client.io.timeout_ms,
            );
            // The page's repair of this connection at this endpoint with this input: no token in it.
            let key = FlowKey::Reconnect {
                endpoint: client.io.endpoint.clone(),
                input: call.text.clone(),
            };
            let signal = call.signal.clone();
            let id = FlowId::from_random(driver::Io::clock(&client.io).random);
            let settings = driver::Io::settings(&client.io);
            let flow = call.flow(id, settings, Rc::clone(&client.events))?;
            Ok((client, flow, signal, key))
        };
        let (client, flow, signal, key) = match read() {
            Ok(read) => read,
            Err(e) => return rejected(&e),
        };
        warm_up::not_needed();
        // One being cancelled is not joined: this one waits for the connection's lock instead.
        match registry::running_flow(&key) {
            Some(running) if !running.aborted() => joined(running.promise, signal),
            _ => start_flow(&client, &key, Box::new(flow), signal),
        }
    }

    /// Finishes what an earlier page of this tab left unfinished at this endpoint: Link opens
    /// again after a reload while it was open, or after an OAuth bank sent the user back
    /// (`?oauth_state_id=…`); a close is sent again after a reload before its answer. Resolves
    /// `null` when there is nothing to finish, so a page can call it on every load. Calls made
    /// while one runs join it.
    #[wasm_bindgen(unchecked_return_type = "Promise<ReconnectResult | null>")]
    pub fn resume(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ResumeOptions")] options: JsValue,
    ) -> Promise {
        let read = || -> Result<_, Error> {
            let client = self.live()?;
            let signal = read_signal(&options)?;
            let (url, connection_id) = match options.is_object() {
                true => (field(&options, "url")?, field(&options, "connectionId")?),
                false => (JsValue::UNDEFINED, JsValue::UNDEFINED),
            };
            let url = match url.as_string() {
                Some(url) => Some(url),
                None if url.is_undefined() || url.is_null() => web::page_url(),
                None => return Err(Error::invalid("url must be a string")),
            };
            let connection_id = match connection_id.is_undefined() || connection_id.is_null() {
                true => None,
                false => Some(connection_id_of(&connection_id)?),
            };
            let key = FlowKey::Resume {
                endpoint: client.io.endpoint.clone(),
                connection_id: connection_id.clone(),
            };
            Ok((client, url, connection_id, signal, key))
        };
        let (client, url, connection_id, signal, key) = match read() {
            Ok(read) => read,
            Err(e) => return rejected(&e),
        };
        match registry::running_flow(&key) {
            Some(running) if !running.aborted() => joined(running.promise, signal),
            // One being cancelled (a component unmounted and mounted again): once it has let its
            // record go, look again.
            Some(running) => promise(async move {
                let _ = JsFuture::from(running.promise).await;
                let again = resume_now(
                    &client,
                    url.as_deref(),
                    connection_id.as_deref(),
                    signal,
                    &key,
                );
                JsFuture::from(again).await
            }),
            None => resume_now(
                &client,
                url.as_deref(),
                connection_id.as_deref(),
                signal,
                &key,
            ),
        }
    }

    /// Sends again the close of a `CLOSE_FAILED` error (Link succeeded, the close did not),
    /// while its public token is valid (30 minutes). Concurrent calls for one error share one
    /// close.
    #[wasm_bindgen(js_name = retryClose, unchecked_return_type = "Promise<ReconnectResult>")]
    pub fn retry_close(
        &self,
        #[wasm_bindgen(unchecked_param_type = "QuilttReconnectError")] error: JsValue,
    ) -> Promise {
        let client = match self.live() {
            Ok(client) => client,
            Err(e) => return rejected(&e),
        };
        let id = match error.is_object() {
            true => Reflect::get(&error, &"closeRetryId".into()).ok(),
            false => None,
        };
        let id = id
            .and_then(|id| id.as_f64())
            .map(|id| registry::Id::from_number(id as u32));
        let kept = id.and_then(|id| Some((id, registry::pending(id, js_sys::Date::now())?)));
        let Some((id, pending)) = kept else {
            return rejected(&Error::invalid(
                "retryClose() takes a CLOSE_FAILED error of the last 30 minutes",
            ));
        };
        if let Some(running) = registry::running_retry(id) {
            return running;
        }
        let flow = operations::retry_close(pending, driver::Io::settings(&client.io));
        let retry = run(&client, Box::new(flow), None, Finally::RetryEnded(id));
        registry::retry_started(id, &retry);
        retry
    }

    /// Stores `metadata` (an object, or `null` to clear it) on the connection with
    /// `connectionUpdate`, and resolves with the connection. It is sent as `JSON.stringify`
    /// writes it.
    #[wasm_bindgen(js_name = updateMetadata, unchecked_return_type = "Promise<Connection>")]
    pub fn update_metadata(
        &self,
        #[wasm_bindgen(js_name = connectionId, unchecked_param_type = "string")]
        connection_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown> | null")] metadata: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: JsValue,
    ) -> Promise {
        let set_up = || -> SetUp {
            let client = self.live()?;
            let input = ConnectionUpdateInput::new(
                connection_id_of(&connection_id)?,
                from_js(metadata.clone()),
            );
            let request = operations::update_metadata(&input, driver::Io::settings(&client.io))?;
            Ok((client, Box::new(request), read_signal(&options)?))
        };
        run_request(set_up())
    }

    /// Lists connections, all or those with the given statuses:
    /// `connections({ status: "ERROR_REPAIRABLE" })` finds what needs repair.
    #[wasm_bindgen(unchecked_return_type = "Promise<Connection[]>")]
    pub fn connections(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ConnectionFilter")] filter: JsValue,
    ) -> Promise {
        let set_up = || -> SetUp {
            let client = self.live()?;
            let signal = read_signal(&filter)?;
            let snapshot = from_js(filter.clone()).snapshot("connections() filter")?;
            let filter = ConnectionFilter::from_json(&snapshot, &["signal"])?;
            let request = operations::connections(&filter, driver::Io::settings(&client.io))?;
            Ok((client, Box::new(request), signal))
        };
        run_request(set_up())
    }

    /// Reads one connection; resolves `null` when Quiltt knows no such id.
    #[wasm_bindgen(unchecked_return_type = "Promise<Connection | null>")]
    pub fn connection(
        &self,
        #[wasm_bindgen(js_name = connectionId, unchecked_param_type = "string")]
        connection_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: JsValue,
    ) -> Promise {
        let set_up = || -> SetUp {
            let client = self.live()?;
            let asked = connection_id_of(&connection_id)?;
            let request = operations::connection(&asked, driver::Io::settings(&client.io))?;
            Ok((client, Box::new(request), read_signal(&options)?))
        };
        run_request(set_up())
    }

    /// `watch()`'s engine (the iterator is the entry's `QuilttReconnect.watch`): runs the watch
    /// of `connectionId`, calling `onChange` with each status change, until `stop` aborts (the
    /// iterator's own signal, which the app's `signal` aborts too). Resolves with the last
    /// connection.
    #[wasm_bindgen(js_name = watchChanges, skip_typescript)]
    pub fn watch_changes(
        &self,
        connection_id: JsValue,
        options: JsValue,
        on_change: js_sys::Function,
        stop: Option<AbortSignal>,
    ) -> Promise {
        let set_up = || -> SetUp {
            let client = self.live()?;
            let asked = connection_id_of(&connection_id)?;
            // The app's signal is checked here and reaches the watch through `stop`.
            read_signal(&options)?;
            let options = read_watch_options(&options)?;
            let changed: Rc<dyn Fn(&quiltt_reconnect_core::Connection)> =
                Rc::new(move |connection: &quiltt_reconnect_core::Connection| {
                    let value = to_js_value(connection).unwrap_or(JsValue::NULL);
                    let _ = on_change.call1(&JsValue::NULL, &value);
                });
            let settings = driver::Io::settings(&client.io);
            let watch = operations::watch(&asked, options, settings, changed)?;
            Ok((client, Box::new(watch), stop))
        };
        run_request(set_up())
    }
}

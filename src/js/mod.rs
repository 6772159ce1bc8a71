//! The JavaScript contract: the `QuilttReconnect` class and its TypeScript types.
//! Methods return promises built from an `Rc` of the client, so no borrow of the class is held
//! across an `await` and `free()` during a flow is safe.

mod error;
mod options;
mod registry;
mod signal;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

use crate::client::Client;
use crate::error::{Error, ErrorCode};
use crate::interop::{from_js, set, to_js};
use crate::json::Json;
use crate::json::ToJson;
use crate::quiltt::input::{ConnectionUpdateInput, ConnectorPlaidInitializeInput};
use error::to_js_error;

#[wasm_bindgen(typescript_custom_section)]
const OPTIONS_TS: &str = r#"
/** A Quiltt connection feature; the server checks the value. */
export type ConnectionFeature = "ACCOUNT_VERIFICATION" | "IDENTITY" | "TRANSACTIONS" | (string & {});

/** Options of `new QuilttReconnect(options)`. */
export interface QuilttReconnectOptions {
  /** Quiltt session token, sent as `Authorization: Bearer <token>`; a function is called when a
   *  request needs a token, and once more after a 401. */
  token: string | (() => string | Promise<string>);
  /** Quiltt's GraphQL endpoint. Default: https://api.quiltt.io/v1/graphql */
  endpoint?: string;
  /** Plaid's Link script. Default: https://cdn.plaid.com/link/v2/stable/link-initialize.js */
  plaidScriptUrl?: string;
  /** Per-request timeout in milliseconds (also bounds loading Plaid's script). Default: 30000 */
  timeoutMs?: number;
  /** Progress of every flow, plus Plaid's own events passed through. */
  onEvent?: (event: ReconnectEvent) => void;
}

/** What `reconnect()` takes: every field of `ConnectorPlaidInitializeInput`, and an optional signal. */
export type ReconnectInput = ConnectorPlaidInitializeInput & { signal?: AbortSignal };
"#;

/// A promise of `work`, as one boxed future type: `future_to_promise` and its task machinery
/// are then compiled once for every method rather than once per method.
fn spawn(work: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    let work: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> = Box::pin(work);
    future_to_promise(work)
}

fn promise<F>(work: F) -> Promise
where
    F: Future<Output = Result<JsValue, Error>> + 'static,
{
    spawn(async move { work.await.map_err(|e| to_js_error(&e)) })
}

/// Reads `input.signal`: absent, or an `AbortSignal`.
fn read_signal(input: &JsValue) -> Result<Option<AbortSignal>, Error> {
    let signal = Reflect::get(input, &JsValue::from_str("signal")).unwrap_or(JsValue::UNDEFINED);
    if signal.is_undefined() || signal.is_null() {
        return Ok(None);
    }
    signal
        .dyn_into::<AbortSignal>()
        .map(Some)
        .map_err(|_| invalid("signal must be an AbortSignal"))
}

/// Reads the input and runs the flow until it ends or the input's `signal` aborts.
async fn run_reconnect(
    client: &Client,
    input: JsValue,
    signal: Result<Option<AbortSignal>, Error>,
) -> Result<JsValue, Error> {
    let signal = signal?;
    let json = from_js(&input)
        .ok_or_else(|| invalid("reconnect() input must be a plain object of JSON values"))?;
    let input = ConnectorPlaidInitializeInput::from_json(&json, &["signal"])?;
    let result = client
        .reconnect_until(&input, signal::aborted(signal))
        .await?;
    Ok(to_js(&result.into_json()))
}

/// The JS error of a failed flow; a `CLOSE_FAILED` one gets a `closeRetryId` for `retryClose()`.
fn failed_close_error(error: Error, id: Option<u32>) -> JsValue {
    let js = to_js_error(&error);
    if let Some(close) = error.into_pending_close() {
        let retry_id = registry::keep_pending(close, id, js_sys::Date::now());
        set(&js, "closeRetryId", &JsValue::from(retry_id));
    }
    js
}

fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

/// Whether `value` is a plain object (`{}` or `Object.create(null)`), not an array, a class
/// instance or a primitive.
fn is_plain_object(value: &JsValue) -> bool {
    if !value.is_object() || js_sys::Array::is_array(value) {
        return false;
    }
    let proto = Object::get_prototype_of(value);
    proto.is_null() || proto == Object::get_prototype_of(&Object::new().into())
}

/// Repairs Quiltt connections: runs the update flow for Plaid and stores metadata.
/// This is the JavaScript class; Rust apps use [`Client`].
#[wasm_bindgen]
#[derive(Debug)]
pub struct QuilttReconnect {
    client: Rc<Client>,
}

#[wasm_bindgen]
impl QuilttReconnect {
    /// Creates an instance. Throws a `QuilttReconnectError` (`INVALID_INPUT`) on bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "QuilttReconnectOptions")] options: JsValue,
    ) -> Result<QuilttReconnect, JsValue> {
        let client = options::read(&options)
            .and_then(Client::new)
            .map_err(|e| to_js_error(&e))?;
        Ok(QuilttReconnect {
            client: Rc::new(client),
        })
    }

    /// Loads Plaid's script ahead of time; idempotent and shared by every instance on the page.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn preload(&self) -> Promise {
        let client = Rc::clone(&self.client);
        promise(async move { client.preload().await.map(|_| JsValue::UNDEFINED) })
    }

    /// Runs the reconnect flow: initialize, then Plaid Link when `ACTION_REQUIRED`, then close.
    /// A second call for a connection whose flow is still running joins it (same promise).
    #[wasm_bindgen(unchecked_return_type = "Promise<ReconnectResult>")]
    pub fn reconnect(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ReconnectInput")] input: JsValue,
    ) -> Promise {
        let connection_id = Reflect::get(&input, &JsValue::from_str("connectionId"))
            .ok()
            .and_then(|id| id.as_string());
        if let Some(running) = connection_id.as_deref().and_then(registry::running) {
            return running;
        }
        let signal = read_signal(&input);
        let already_aborted = matches!(&signal, Ok(Some(s)) if s.aborted());
        if connection_id.as_deref().is_some_and(|id| !id.is_empty()) && !already_aborted {
            // Plaid's script starts loading now, before the flow's first poll compiles and
            // runs the input parsing (a fresh page compiles wasm lazily, function by function).
            self.client.start_preload();
        }
        let client = Rc::clone(&self.client);
        // The flow runs from a later microtask, so it is registered before it can finish.
        let key = registry::next_key();
        let flow = spawn(async move {
            let result = run_reconnect(&client, input, signal).await;
            registry::finish(key);
            result.map_err(|e| failed_close_error(e, None))
        });
        if let Some(id) = connection_id {
            registry::start(key, &id, &flow);
        }
        flow
    }

    /// Sends again the close of a `CLOSE_FAILED` error (Link succeeded, the close did not), while
    /// its public token is valid (30 minutes). Resolves with the repaired connection.
    #[wasm_bindgen(js_name = retryClose, unchecked_return_type = "Promise<Connection>")]
    pub fn retry_close(
        &self,
        #[wasm_bindgen(unchecked_param_type = "QuilttReconnectError")] error: JsValue,
    ) -> Promise {
        let client = Rc::clone(&self.client);
        spawn(async move {
            let id = Reflect::get(&error, &JsValue::from_str("closeRetryId"))
                .ok()
                .and_then(|v| v.as_f64())
                .map(|v| v as u32);
            let kept = id.and_then(|id| registry::pending(id, js_sys::Date::now()));
            let (Some(id), Some(kept)) = (id, kept) else {
                return Err(to_js_error(&invalid(
                    "retryClose() takes a CLOSE_FAILED error of the last 30 minutes",
                )));
            };
            match client.retry_pending(&kept).await {
                Ok(connection) => {
                    registry::forget_pending(id);
                    Ok(to_js(&connection.into_json()))
                }
                Err(e) => Err(failed_close_error(e, Some(id))),
            }
        })
    }

    /// Stores `metadata` (a plain object) on the connection with `connectionUpdate`.
    #[wasm_bindgen(js_name = updateMetadata, unchecked_return_type = "Promise<Connection>")]
    pub fn update_metadata(
        &self,
        #[wasm_bindgen(js_name = connectionId, unchecked_param_type = "string")]
        connection_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown>")] metadata: JsValue,
    ) -> Promise {
        let client = Rc::clone(&self.client);
        promise(async move {
            let id = connection_id
                .as_string()
                .ok_or_else(|| invalid("connectionId must be a non-empty string"))?;
            if !is_plain_object(&metadata) {
                return Err(invalid("metadata must be a plain object"));
            }
            let metadata: Json =
                from_js(&metadata).ok_or_else(|| invalid("metadata must hold only JSON values"))?;
            let connection = client
                .update_metadata(ConnectionUpdateInput::new(id, metadata))
                .await?;
            Ok(to_js(&connection.into_json()))
        })
    }
}

//! The JavaScript contract: the `QuilttReconnect` class and its TypeScript types.
//!
//! Each method returns the promise of a [`job::Job`] that `driver.js` runs: the job decides
//! every step and the driver does the I/O, so no Rust future (and no async executor) ships in
//! the npm package. A job holds what it needs, so `free()` during a flow is safe.

mod error;
mod job;
mod options;
mod registry;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use crate::error::{Error, ErrorCode};
use crate::flow::machine::Machine;
use crate::interop::{from_js, set};
use crate::json::Json;
use crate::plaid::script;
use crate::quiltt::input::{ConnectionUpdateInput, ConnectorPlaidInitializeInput};
use crate::quiltt::retry::RetryPolicy;
use crate::quiltt::update_request;
use error::to_js_error;
use job::Job;
use options::Options;

#[wasm_bindgen(module = "/src/js/driver.js")]
extern "C" {
    /// Runs `job` to its end with `options.driver`'s endpoint, token, script and timeout; the
    /// promise settles with what `job.end()` returns or throws. `signal` may end a job while it
    /// is cancellable.
    fn drive(job: Job, options: &JsValue, signal: Option<AbortSignal>) -> Promise;
}

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

/// Reads a `reconnect()` input (`signal` aside).
fn read_input(input: &JsValue) -> Result<ConnectorPlaidInitializeInput, Error> {
    let json = from_js(input)
        .ok_or_else(|| invalid("reconnect() input must be a plain object of JSON values"))?;
    ConnectorPlaidInitializeInput::from_json(&json, &["signal"])
}

/// A promise rejected with `error`, for failures found before any request.
fn rejected(error: &Error) -> Promise {
    Promise::reject(&to_js_error(error))
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
/// This is the JavaScript class; Rust apps use [`Client`](crate::Client).
#[wasm_bindgen]
#[derive(Debug)]
pub struct QuilttReconnect {
    options: Options,
}

#[wasm_bindgen]
impl QuilttReconnect {
    /// Creates an instance. Throws a `QuilttReconnectError` (`INVALID_INPUT`) on bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "QuilttReconnectOptions")] options: JsValue,
    ) -> Result<QuilttReconnect, JsValue> {
        let options = options::read(&options).map_err(|e| to_js_error(&e))?;
        Ok(QuilttReconnect { options })
    }

    /// Loads Plaid's script ahead of time; idempotent and shared by every instance on the page.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn preload(&self) -> Promise {
        self.run(Job::preload(self.options.timeout_ms), None)
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
            // Plaid's script starts loading now, before the input is read: a fresh page
            // compiles wasm lazily, function by function, and the script is half the critical
            // path. The flow's own preload then finds it loading.
            script::start(&self.options.plaid_script_url, self.options.timeout_ms);
        }
        let started = signal.and_then(|signal| {
            let input = read_input(&input)?;
            let machine = Machine::start(&input, &self.options.events, RetryPolicy::default())?;
            Ok((input, machine, signal))
        });
        let (input, machine, signal) = match started {
            Ok(started) => started,
            Err(e) => return rejected(&e),
        };
        let key = registry::next_key();
        let flow = self.run(
            Job::reconnect(machine, key, self.options.timeout_ms),
            signal,
        );
        registry::start(key, &input.connection_id, &flow);
        flow
    }

    /// Sends again the close of a `CLOSE_FAILED` error (Link succeeded, the close did not), while
    /// its public token is valid (30 minutes). Resolves with the repaired connection.
    #[wasm_bindgen(js_name = retryClose, unchecked_return_type = "Promise<Connection>")]
    pub fn retry_close(
        &self,
        #[wasm_bindgen(unchecked_param_type = "QuilttReconnectError")] error: JsValue,
    ) -> Promise {
        let id = Reflect::get(&error, &JsValue::from_str("closeRetryId"))
            .ok()
            .and_then(|v| v.as_f64())
            .map(|v| v as u32);
        let kept = id.and_then(|id| Some((id, registry::pending(id, js_sys::Date::now())?)));
        let Some((id, pending)) = kept else {
            return rejected(&invalid(
                "retryClose() takes a CLOSE_FAILED error of the last 30 minutes",
            ));
        };
        self.run(Job::retry_close(pending, id, self.options.timeout_ms), None)
    }

    /// Stores `metadata` (a plain object) on the connection with `connectionUpdate`.
    #[wasm_bindgen(js_name = updateMetadata, unchecked_return_type = "Promise<Connection>")]
    pub fn update_metadata(
        &self,
        #[wasm_bindgen(js_name = connectionId, unchecked_param_type = "string")]
        connection_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown>")] metadata: JsValue,
    ) -> Promise {
        let request = (|| {
            let id = connection_id
                .as_string()
                .ok_or_else(|| invalid("connectionId must be a non-empty string"))?;
            if !is_plain_object(&metadata) {
                return Err(invalid("metadata must be a plain object"));
            }
            let metadata: Json =
                from_js(&metadata).ok_or_else(|| invalid("metadata must hold only JSON values"))?;
            let input = ConnectionUpdateInput::new(id, metadata);
            input.validate()?;
            Ok(update_request(input))
        })();
        match request {
            Ok(request) => self.run(Job::update(request, self.options.timeout_ms), None),
            Err(e) => rejected(&e),
        }
    }
}

impl QuilttReconnect {
    /// The promise of `job`, run by `driver.js` with this instance's options.
    fn run(&self, job: Job, signal: Option<AbortSignal>) -> Promise {
        drive(job, &self.options.driver, signal)
    }
}

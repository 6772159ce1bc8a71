//! Reads the constructor's options object, refusing bad values with `INVALID_INPUT`.

use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::client::check_options;
use crate::error::{Error, ErrorCode};
use crate::flow::EventSink;
use crate::interop::{set, to_js};
use crate::json::ToJson;
use crate::text::text;
use crate::{DEFAULT_ENDPOINT, DEFAULT_PLAID_SCRIPT_URL, DEFAULT_TIMEOUT_MS};

/// The options of one `QuilttReconnect`, checked.
pub(crate) struct Options {
    /// What `driver.js` reads: `{ endpoint, token, scriptUrl, timeoutMs, forwardEvents }`, the
    /// token as the app gave it (a string, or a function returning one).
    pub driver: JsValue,
    /// Receives every flow's events (a no-op without `onEvent`).
    pub events: EventSink,
    /// Plaid's Link script.
    pub plaid_script_url: String,
    /// Per request, and the bound on loading Plaid's script and Link.
    pub timeout_ms: u32,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The driver's object holds the session token.
        f.debug_struct("Options")
            .field("timeout_ms", &self.timeout_ms)
            .finish_non_exhaustive()
    }
}

fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

fn field(options: &JsValue, key: &str) -> JsValue {
    Reflect::get(options, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn optional_string(options: &JsValue, key: &str, default: &str) -> Result<String, Error> {
    let value = field(options, key);
    if value.is_undefined() || value.is_null() {
        return Ok(default.to_owned());
    }
    // An empty string passes here; `check_options` refuses it with the field's own message.
    value
        .as_string()
        .ok_or_else(|| invalid(&text!(key, " must be a string")))
}

/// Wraps `onEvent`: events become plain objects; a listener that throws can't break a flow.
fn event_sink(function: Function) -> EventSink {
    Rc::new(move |event| {
        let _ = function.call1(&JsValue::NULL, &to_js(&event.to_json()));
    })
}

/// Reads `{ token, endpoint?, plaidScriptUrl?, timeoutMs?, onEvent? }`.
pub(crate) fn read(options: &JsValue) -> Result<Options, Error> {
    if !options.is_object() {
        return Err(invalid(
            "new QuilttReconnect() takes an options object with a token",
        ));
    }
    let token = field(options, "token");
    let static_token = token.as_string();
    if static_token.is_none() && !token.is_function() {
        return Err(invalid(
            "token must be a Quiltt session token (a string), or a function returning one",
        ));
    }
    let endpoint = optional_string(options, "endpoint", DEFAULT_ENDPOINT)?;
    let script_url = optional_string(options, "plaidScriptUrl", DEFAULT_PLAID_SCRIPT_URL)?;
    let timeout = field(options, "timeoutMs");
    let timeout_ms = if timeout.is_undefined() || timeout.is_null() {
        DEFAULT_TIMEOUT_MS
    } else {
        match timeout.as_f64() {
            Some(ms) if ms.is_finite() && ms >= 1.0 && ms <= f64::from(i32::MAX) => ms as u32,
            _ => {
                return Err(invalid(
                    "timeoutMs must be a positive number of milliseconds",
                ))
            }
        }
    };
    let on_event = field(options, "onEvent");
    let listener = on_event.dyn_ref::<Function>().cloned();
    if listener.is_none() && !on_event.is_undefined() && !on_event.is_null() {
        return Err(invalid("onEvent must be a function"));
    }
    check_options(static_token.as_deref(), &endpoint, &script_url, timeout_ms)?;
    let driver: JsValue = Object::new().into();
    set(&driver, "endpoint", &JsValue::from_str(&endpoint));
    set(&driver, "token", &token);
    set(&driver, "scriptUrl", &JsValue::from_str(&script_url));
    set(&driver, "timeoutMs", &JsValue::from(timeout_ms));
    set(
        &driver,
        "forwardEvents",
        &JsValue::from_bool(listener.is_some()),
    );
    Ok(Options {
        driver,
        events: listener.map_or_else(|| -> EventSink { Rc::new(|_| {}) }, event_sink),
        plaid_script_url: script_url,
        timeout_ms,
    })
}

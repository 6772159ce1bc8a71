//! Reads the constructor's options object into a [`Client`], refusing bad values with
//! `INVALID_INPUT`. The token function and `onEvent` are wrapped so nothing they do (throw,
//! reject, answer junk) can cross a wasm frame.

use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::client::{Client, ClientOptions};
use crate::client::{DEFAULT_ENDPOINT, DEFAULT_PLAID_SCRIPT_URL, DEFAULT_TIMEOUT_MS};
use crate::web::bindings::promise_resolve;
use crate::web::json::to_js_value;
use crate::web::TokenSource;
use quiltt_reconnect_core::machine::EventSink;
use quiltt_reconnect_core::SchemaGeneration;
use quiltt_reconnect_core::SessionToken;
use quiltt_reconnect_core::{Error, ErrorCode};

/// `options[key]`; a getter that throws is `INVALID_INPUT`.
pub(super) fn field(options: &JsValue, key: &str) -> Result<JsValue, Error> {
    Reflect::get(options, &JsValue::from_str(key))
        .map_err(|_| Error::invalid(format!("reading the option {key} threw")))
}

fn optional_string(options: &JsValue, key: &str, default: &str) -> Result<String, Error> {
    let value = field(options, key)?;
    if value.is_undefined() || value.is_null() {
        return Ok(default.to_owned());
    }
    value
        .as_string()
        .ok_or_else(|| Error::invalid(format!("{key} must be a string")))
}

/// The app's token function as a [`TokenSource`]: whatever it returns or throws is read
/// safely; a failure or a non-string answer is `UNAUTHORIZED` (the machine refuses a blank one).
fn token_function(function: Function) -> TokenSource {
    TokenSource::Provider(Rc::new(move || {
        let function = function.clone();
        Box::pin(async move {
            let failed = || {
                crate::Error::from(Error::new(
                    ErrorCode::Unauthorized,
                    "the token function threw, rejected, or did not resolve to a string",
                ))
            };
            let answer = function.call0(&JsValue::NULL).map_err(|_| failed())?;
            let answer = match answer.as_string() {
                Some(token) => token,
                None => {
                    let promise = promise_resolve(&answer).map_err(|_| failed())?;
                    let settled = JsFuture::from(promise).await.map_err(|_| failed())?;
                    settled.as_string().ok_or_else(failed)?
                }
            };
            Ok(SessionToken::new(answer))
        })
    }))
}

/// Wraps `onEvent`: events become plain objects; a listener that throws can't break a flow.
fn event_sink(function: Function) -> EventSink {
    Rc::new(move |event| {
        if let Ok(event) = to_js_value(&event) {
            let _ = function.call1(&JsValue::NULL, &event);
        }
    })
}

/// Reads `{ token, endpoint?, plaidScriptUrl?, timeoutMs?, schema?, onEvent? }`.
pub(super) fn read(options: &JsValue) -> Result<Client, Error> {
    if !options.is_object() {
        return Err(Error::invalid(
            "new QuilttReconnect() takes an options object with a token",
        ));
    }
    let token = field(options, "token")?;
    let static_token = token.as_string();
    let token_source = match (&static_token, token.dyn_ref::<Function>()) {
        (Some(token), _) => TokenSource::Static(SessionToken::new(token.clone())),
        (None, Some(function)) => token_function(function.clone()),
        (None, None) => {
            return Err(Error::invalid(
                "token must be a Quiltt session token (a string), or a function returning one",
            ))
        }
    };
    let endpoint = optional_string(options, "endpoint", DEFAULT_ENDPOINT)?;
    let script_url = optional_string(options, "plaidScriptUrl", DEFAULT_PLAID_SCRIPT_URL)?;
    let nonce = field(options, "nonce")?;
    let nonce = match nonce.as_string() {
        Some(nonce) => Some(nonce),
        None if nonce.is_undefined() || nonce.is_null() => None,
        None => return Err(Error::invalid("nonce must be a string")),
    };
    let timeout = field(options, "timeoutMs")?;
    let timeout_ms = if timeout.is_undefined() || timeout.is_null() {
        DEFAULT_TIMEOUT_MS
    } else {
        match timeout.as_f64() {
            Some(ms) if ms.is_finite() && ms >= 1.0 && ms <= f64::from(i32::MAX) => ms as u32,
            _ => {
                return Err(Error::invalid(
                    "timeoutMs must be a positive number of milliseconds",
                ))
            }
        }
    };
    let schema = field(options, "schema")?;
    let schema = match schema.as_string() {
        None if schema.is_undefined() || schema.is_null() => None,
        text => Some(
            text.as_deref()
                .and_then(SchemaGeneration::parse)
                .ok_or_else(|| {
                    Error::invalid(r#"schema must be "2025-04", "2024-08" or "2023-08""#)
                })?,
        ),
    };
    let on_event = field(options, "onEvent")?;
    let listener = on_event.dyn_ref::<Function>().cloned();
    if listener.is_none() && !on_event.is_undefined() && !on_event.is_null() {
        return Err(Error::invalid("onEvent must be a function"));
    }
    // Client::new checks the token, the URLs and the timeout.
    let mut options = ClientOptions::new(token_source);
    options.endpoint = endpoint;
    options.plaid_script_url = script_url;
    options.nonce = nonce;
    options.timeout_ms = timeout_ms;
    options.schema = schema;
    options.on_event = listener.map(event_sink);
    Client::new(options).map_err(crate::Error::into_inner)
}

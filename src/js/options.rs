//! Reads the constructor's options object, refusing bad values with `INVALID_INPUT`.

use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::client::{ClientOptions, TokenFuture, TokenSource};
use crate::error::{Error, ErrorCode};
use crate::flow::EventSink;
use crate::interop::to_js;
use crate::json::ToJson;
use crate::secret::SessionToken;
use crate::text::text;

fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

fn field(options: &JsValue, key: &str) -> JsValue {
    Reflect::get(options, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn optional_string(options: &JsValue, key: &str) -> Result<Option<String>, Error> {
    let value = field(options, key);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    // An empty string passes here; `Client::new` refuses it with the field's own message.
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| invalid(&text!(key, " must be a string")))
}

/// Wraps a JS token function: it is called, awaited, and must give a non-empty string.
fn token_provider(function: Function) -> TokenSource {
    let provide = move || -> TokenFuture {
        let called = function.call0(&JsValue::NULL);
        Box::pin(async move {
            let refused = || {
                Error::new(
                    ErrorCode::Unauthorized,
                    "the token function threw or did not resolve to a non-empty string",
                )
            };
            let value = JsFuture::from(Promise::resolve(&called.map_err(|_| refused())?))
                .await
                .map_err(|_| refused())?;
            value
                .as_string()
                .filter(|t| !t.trim_ascii().is_empty())
                .map(SessionToken::new)
                .ok_or_else(refused)
        })
    };
    TokenSource::Provider(Rc::new(provide))
}

/// Wraps `onEvent`: events become plain objects; a listener that throws can't break a flow.
fn event_sink(function: Function) -> EventSink {
    Rc::new(move |event| {
        let _ = function.call1(&JsValue::NULL, &to_js(&event.to_json()));
    })
}

/// Reads `{ token, endpoint?, plaidScriptUrl?, timeoutMs?, onEvent? }`.
pub(crate) fn read(options: &JsValue) -> Result<ClientOptions, Error> {
    if !options.is_object() {
        return Err(invalid(
            "new QuilttReconnect() takes an options object with a token",
        ));
    }
    let token = field(options, "token");
    let token =
        if let Some(function) = token.dyn_ref::<Function>() {
            token_provider(function.clone())
        } else {
            match token.as_string() {
                // `Client::new` refuses an empty one.
                Some(t) => TokenSource::Static(SessionToken::new(t)),
                None => return Err(invalid(
                    "token must be a Quiltt session token (a string), or a function returning one",
                )),
            }
        };
    let mut client = ClientOptions::new(token);
    if let Some(endpoint) = optional_string(options, "endpoint")? {
        client.endpoint = endpoint;
    }
    if let Some(url) = optional_string(options, "plaidScriptUrl")? {
        client.plaid_script_url = url;
    }
    let timeout = field(options, "timeoutMs");
    if !timeout.is_undefined() && !timeout.is_null() {
        match timeout.as_f64() {
            Some(ms) if ms.is_finite() && ms >= 1.0 && ms <= f64::from(i32::MAX) => {
                client.timeout_ms = ms as u32
            }
            _ => {
                return Err(invalid(
                    "timeoutMs must be a positive number of milliseconds",
                ))
            }
        }
    }
    let on_event = field(options, "onEvent");
    if let Some(function) = on_event.dyn_ref::<Function>() {
        client.on_event = Some(event_sink(function.clone()));
    } else if !on_event.is_undefined() && !on_event.is_null() {
        return Err(invalid("onEvent must be a function"));
    }
    Ok(client)
}

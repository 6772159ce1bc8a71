//! The browser transport: `fetch` with a timeout that really aborts the request, and the
//! session token only in the `Authorization` header.

use js_sys::{Array, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::client::TokenSource;
use crate::error::{Error, ErrorCode};
use crate::interop::{from_js, set, to_js};
use crate::quiltt::transport::{GraphqlRequest, HttpReply, Transport};
use crate::secret::SessionToken;
use crate::text::text;
use crate::timer::sleep;

#[wasm_bindgen(module = "/src/quiltt/fetch.js")]
extern "C" {
    /// One request in flight, as `fetch.js` returns it.
    type Exchange;

    /// Starts a POST of `JSON.stringify(body)` that aborts itself after `timeout_ms`. Throws
    /// `[kind, message]` when the request can't be made (`header`, `endpoint`, `network`).
    #[wasm_bindgen(catch)]
    fn post(
        endpoint: &str,
        authorization: &str,
        body: &JsValue,
        keepalive: bool,
        timeout_ms: u32,
    ) -> Result<Exchange, JsValue>;

    /// Resolves to `[status, Retry-After or null, parsed body or undefined]`; rejects with
    /// `[kind, message]` (`timeout`, `network`).
    #[wasm_bindgen(method, getter)]
    fn reply(this: &Exchange) -> Promise;

    /// Aborts the request.
    #[wasm_bindgen(method)]
    fn abort(this: &Exchange);
}

/// Posts GraphQL over `fetch`.
#[derive(Debug)]
pub(crate) struct FetchTransport {
    pub endpoint: String,
    pub token: TokenSource,
    pub timeout_ms: u32,
}

/// [`GraphqlRequest::body`] as a JavaScript object, built from the request's own variables
/// rather than from a copy of them.
pub(crate) fn request_body(request: &GraphqlRequest) -> JsValue {
    let body = Object::new();
    set(&body, "query", &JsValue::from_str(request.query));
    set(
        &body,
        "operationName",
        &JsValue::from_str(request.operation_name),
    );
    set(&body, "variables", &to_js(&request.variables));
    body.into()
}

/// The error `fetch.js` (or the JS driver) reported as `[kind, message]`: kind `timeout`,
/// `header` or `endpoint` (refused before sending), `token` (a token function failed), or a
/// network failure.
pub(crate) fn failure(thrown: &JsValue) -> Error {
    let parts = Array::from(thrown);
    let code = match parts.get(0).as_string().as_deref() {
        Some("timeout") => ErrorCode::Timeout,
        Some("endpoint" | "header") => ErrorCode::InvalidInput,
        Some("token") => ErrorCode::Unauthorized,
        _ => ErrorCode::Network,
    };
    Error::new(
        code,
        parts
            .get(1)
            .as_string()
            .unwrap_or_else(|| "fetch failed".into()),
    )
}

/// The reply `fetch.js` resolved to: `[status, Retry-After or null, parsed body or undefined]`.
pub(crate) fn reply(parts: &JsValue) -> HttpReply {
    let parts = Array::from(parts);
    // `undefined` when the body was not JSON (a JSON `null` is `null`).
    let body = parts.get(2);
    HttpReply {
        status: parts.get(0).as_f64().unwrap_or(0.0) as u16,
        body: (!body.is_undefined()).then(|| from_js(&body)).flatten(),
        retry_after_ms: parts
            .get(1)
            .as_string()
            .and_then(|v| v.trim_ascii().parse::<u32>().ok())
            .map(|secs| secs.saturating_mul(1000)),
    }
}

impl FetchTransport {
    async fn send(
        &self,
        request: &GraphqlRequest,
        token: &SessionToken,
    ) -> Result<HttpReply, Error> {
        let exchange = post(
            &self.endpoint,
            &text!("Bearer ", token.expose_secret()),
            &request_body(request),
            request.keepalive,
            self.timeout_ms,
        )
        .map_err(|thrown| failure(&thrown))?;
        // The guard aborts the request when it is dropped unfinished (a cancelled flow); the
        // timeout aborts it from JS.
        let mut guard = AbortGuard {
            exchange,
            done: false,
        };
        let parts = JsFuture::from(guard.exchange.reply())
            .await
            .map_err(|thrown| failure(&thrown))?;
        guard.done = true;
        Ok(reply(&parts))
    }
}

/// Aborts its request when dropped before it finished.
struct AbortGuard {
    exchange: Exchange,
    done: bool,
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if !self.done {
            self.exchange.abort();
        }
    }
}

impl Transport for FetchTransport {
    async fn post(&self, request: &GraphqlRequest) -> Result<HttpReply, Error> {
        // A token function is asked once more after a 401, then the request is retried once.
        // (One loop rather than a second `send`: each await site costs wasm.)
        let mut refreshed = !self.token.can_refresh();
        loop {
            let token = self.token.get().await?;
            let reply = self.send(request, &token).await?;
            if reply.status != 401 || refreshed {
                return Ok(reply);
            }
            refreshed = true;
        }
    }

    async fn sleep(&self, ms: u32) {
        sleep(ms).await;
    }

    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
}

//! The browser transport: `fetch` with a timeout that really aborts the request, and the
//! session token only in the `Authorization` header.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Request, Response};

use crate::client::TokenSource;
use crate::error::{Error, ErrorCode};
use crate::interop::{from_js, set, to_js};
use crate::quiltt::transport::{GraphqlRequest, HttpReply, Transport};
use crate::secret::SessionToken;
use crate::text::{decimal, text};
use crate::timer::{sleep, Timer};

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The global `fetch`, in windows and workers alike.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &Request) -> js_sys::Promise;

    /// `JSON.parse` of a JS string as it is: the body text never crosses into wasm memory.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_json(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// Browsers refuse `keepalive` bodies above 64 KiB; larger closes go without it.
const KEEPALIVE_LIMIT: u32 = 60 * 1024;

/// Posts GraphQL over `fetch`.
#[derive(Debug)]
pub(crate) struct FetchTransport {
    pub endpoint: String,
    pub token: TokenSource,
    pub timeout_ms: u32,
}

fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| String::from("unknown error"))
}

/// Whether `fetch` takes `value` as a header value: no NUL, CR or LF, and every character a
/// byte (the `ByteString` the Fetch standard converts it to).
fn is_header_value(value: &str) -> bool {
    !value
        .chars()
        .any(|c| matches!(c, '\0' | '\n' | '\r') || c > '\u{ff}')
}

/// [`GraphqlRequest::body`] as a JavaScript object, built from the request's own variables
/// rather than from a copy of them.
fn request_body(request: &GraphqlRequest) -> JsValue {
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

impl FetchTransport {
    async fn send(
        &self,
        request: &GraphqlRequest,
        token: &SessionToken,
    ) -> Result<HttpReply, Error> {
        let js_error = |what: &str, e: JsValue| {
            Error::new(ErrorCode::Network, text!(what, ": ", js_message(&e)))
        };
        let body = js_sys::JSON::stringify(&request_body(request))
            .map_err(|e| js_error("could not encode the request", e))?;
        if !is_header_value(token.expose_secret()) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "the session token is not a valid HTTP header value",
            ));
        }
        let controller = AbortController::new().map_err(|e| js_error("fetch is unavailable", e))?;
        // The `RequestInit` dictionary as a plain object: a handful of `Reflect.set`s the
        // bridge already has, instead of a binding for each setter and for `Headers`.
        let headers = Object::new();
        set(
            &headers,
            "Content-Type",
            &JsValue::from_str("application/json"),
        );
        set(
            &headers,
            "Authorization",
            &JsValue::from_str(&text!("Bearer ", token.expose_secret())),
        );
        let keepalive = request.keepalive && body.length() <= KEEPALIVE_LIMIT;
        let init = Object::new();
        set(&init, "method", &JsValue::from_str("POST"));
        set(&init, "headers", &headers);
        set(&init, "body", &body);
        set(&init, "signal", &controller.signal());
        set(&init, "keepalive", &JsValue::from_bool(keepalive));
        let http =
            Request::new_with_str_and_init(&self.endpoint, init.unchecked_ref()).map_err(|e| {
                Error::new(
                    ErrorCode::InvalidInput,
                    text!("bad endpoint ", self.endpoint, ": ", js_message(&e)),
                )
            })?;

        // The guard aborts the request when the timeout fires, or when the request is dropped
        // unfinished (a cancelled flow): one mechanism for both.
        let mut guard = AbortGuard::new(controller, self.timeout_ms);
        let failed = |e: JsValue| {
            if guard.controller.signal().aborted() {
                Error::new(
                    ErrorCode::Timeout,
                    text!(
                        request.operation_name,
                        " took longer than ",
                        decimal(i64::from(self.timeout_ms)),
                        " ms and was aborted"
                    ),
                )
            } else {
                Error::new(
                    ErrorCode::Network,
                    text!(
                        "could not reach Quiltt at ",
                        self.endpoint,
                        ": ",
                        js_message(&e)
                    ),
                )
            }
        };
        let response: Response = JsFuture::from(global_fetch(&http))
            .await
            .map_err(failed)?
            .unchecked_into();
        let status = response.status();
        let retry_after_ms = response
            .headers()
            .get("Retry-After")
            .ok()
            .flatten()
            .and_then(|v| v.trim_ascii().parse::<u32>().ok())
            .map(|secs| secs.saturating_mul(1000));
        let text_promise = response.text().map_err(failed)?;
        let text = JsFuture::from(text_promise).await.map_err(failed)?;
        let body = parse_json(&text).ok().and_then(|value| from_js(&value));
        guard.finished();
        Ok(HttpReply {
            status,
            body,
            retry_after_ms,
        })
    }
}

/// Aborts its request on timeout or when dropped before [`AbortGuard::finished`]. While the
/// guard lives, an aborted signal means the timeout fired.
struct AbortGuard {
    controller: AbortController,
    done: bool,
    _timer: Option<Timer>,
}

impl AbortGuard {
    fn new(controller: AbortController, timeout_ms: u32) -> Self {
        // The timer calls the controller's own `abort`, bound to it: no Rust closure involved.
        let timer = Reflect::get(&controller, &JsValue::from_str("abort"))
            .ok()
            .and_then(|abort| abort.dyn_into::<Function>().ok())
            .map(|abort| Timer::new(&abort.bind0(&controller), timeout_ms));
        AbortGuard {
            controller,
            done: false,
            _timer: timer,
        }
    }

    fn finished(&mut self) {
        self.done = true;
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if !self.done {
            self.controller.abort();
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

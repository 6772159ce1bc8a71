//! One GraphQL POST with gloo-net: the body `JSON.stringify` wrote, the session token only in
//! `Authorization`, an `AbortController` that ends the request when its timeout passes or its
//! future is dropped (a cancelled operation), and the reply parsed by `JSON.parse`.

use gloo_net::http::Request;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortController;

use super::deadline::within;
use super::json::{from_js, parse_js, to_js};
use quiltt_reconnect_core::SessionToken;
use quiltt_reconnect_core::{Error, ErrorCode};
use quiltt_reconnect_core::{GraphqlRequest, HttpReply};

/// Browsers refuse `keepalive` bodies above 64 KiB of bytes; larger ones go without it.
const KEEPALIVE_LIMIT: usize = 60 * 1024;

/// Aborts its request when dropped before [`AbortOnDrop::disarm`]: after a timeout, or when
/// the operation is cancelled.
struct AbortOnDrop(Option<AbortController>);

impl AbortOnDrop {
    /// The reply has been read: nothing is left to abort (aborting then costs the browser an
    /// abort event for nothing, on the way to the result).
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

/// Posts `request` to `endpoint` with `token`, bounded by `timeout_ms` (the request is really
/// aborted when it runs out).
///
/// # Errors
/// `TIMEOUT`, `NETWORK` (no HTTP answer: offline, DNS, CORS), or `INVALID_INPUT` when the
/// request can't be made.
pub(super) async fn post(
    endpoint: &str,
    request: &GraphqlRequest,
    token: &SessionToken,
    timeout_ms: u32,
) -> Result<HttpReply, Error> {
    let controller = AbortController::new()
        .map_err(|_| Error::new(ErrorCode::Network, "fetch is not available here"))?;
    let abort = AbortOnDrop(Some(controller.clone()));
    match within(timeout_ms, exchange(endpoint, request, token, &controller)).await {
        Some(reply) => {
            abort.disarm();
            reply
        }
        None => Err(Error::new(
            ErrorCode::Timeout,
            format!(
                "{} took longer than {timeout_ms} ms and was aborted",
                request.operation_name
            ),
        )),
    }
}

async fn exchange(
    endpoint: &str,
    request: &GraphqlRequest,
    token: &SessionToken,
    controller: &AbortController,
) -> Result<HttpReply, Error> {
    let body = &to_js(request.body());
    let sent = Request::post(endpoint)
        .header("Content-Type", "application/json")
        .header(
            "Authorization",
            &format!("Bearer {}", token.expose_secret()),
        )
        .abort_signal(Some(&controller.signal()))
        .body(body.clone())
        .map_err(|_| Error::invalid("the endpoint is not a URL a request can be sent to"))?;
    let sent = match request.keepalive && fits_keepalive(body) {
        true => with_keepalive(sent)?,
        false => sent,
    };
    let response: web_sys::Response = sent.send().await.map_err(unreachable)?.into();
    let status = response.status();
    let retry_after_ms = response
        .headers()
        .get("Retry-After")
        .ok()
        .flatten()
        .and_then(|v| v.trim_ascii().parse::<u32>().ok())
        .map(|secs| secs.saturating_mul(1000));
    let text = response.text().map_err(unreachable)?;
    let text = JsFuture::from(text).await.map_err(unreachable)?;
    let reply = HttpReply::new(status, parse_js(&text).ok().map(from_js));
    Ok(match retry_after_ms {
        Some(ms) => reply.with_retry_after_ms(ms),
        None => reply,
    })
}

/// `NETWORK`: no HTTP answer, or its body could not be read.
fn unreachable<E>(_: E) -> Error {
    Error::new(
        ErrorCode::Network,
        "could not reach Quiltt's endpoint (offline, DNS, CORS or a dropped connection)",
    )
}

/// Whether the body is at most [`KEEPALIVE_LIMIT`] bytes in UTF-8. A string has no more UTF-16
/// units than UTF-8 bytes, and no more than three bytes a unit.
fn fits_keepalive(body: &wasm_bindgen::JsValue) -> bool {
    let Some(text) = body.dyn_ref::<js_sys::JsString>() else {
        return false;
    };
    let units = text.length() as usize;
    units <= KEEPALIVE_LIMIT
        && (units * 3 <= KEEPALIVE_LIMIT || String::from(text).len() <= KEEPALIVE_LIMIT)
}

/// The same request, asking the browser to finish it even if the page is being left (neither
/// gloo-net's builder nor web-sys' `RequestInit` has `keepalive` yet).
fn with_keepalive(request: Request) -> Result<Request, Error> {
    let init = web_sys::RequestInit::new();
    let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &true.into());
    web_sys::Request::new_with_request_and_init(&request.into(), &init)
        .map(Request::from)
        .map_err(|_| Error::invalid("the request can't be made with keepalive"))
}

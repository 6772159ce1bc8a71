//! The GraphQL transport seam: what the flow needs from HTTP, and how an HTTP reply becomes a
//! mutation payload or a typed error. The browser implementation is `fetch`; tests use mocks.

use crate::error::{Error, ErrorCode, QuilttError};
use crate::json::Json;
use crate::quiltt::retry::RetryPolicy;
use crate::text::{decimal, text};

/// One GraphQL request: a document, its operation name and its variables.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphqlRequest {
    /// The operation name, e.g. `ConnectorPlaidInitialize`.
    pub operation_name: &'static str,
    /// The GraphQL document.
    pub query: &'static str,
    /// The variables (`{ "input": { ... } }`).
    pub variables: Json,
    /// Ask the browser to finish the request even if the page is being unloaded.
    pub keepalive: bool,
}

impl GraphqlRequest {
    /// The JSON body sent over HTTP.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::{GraphqlRequest, Json};
    /// let r = GraphqlRequest { operation_name: "Op", query: "mutation Op { x }", variables: Json::Null, keepalive: false };
    /// assert_eq!(r.body().get("operationName").and_then(Json::as_str), Some("Op"));
    /// ```
    pub fn body(&self) -> Json {
        Json::fields(vec![
            ("query", Json::from(self.query)),
            ("operationName", Json::from(self.operation_name)),
            ("variables", self.variables.clone()),
        ])
    }
}

/// An HTTP reply: its status, its body when the body was JSON, and its `Retry-After`.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpReply {
    /// The HTTP status code.
    pub status: u16,
    /// The parsed body; `None` when it was not JSON.
    pub body: Option<Json>,
    /// The `Retry-After` header in milliseconds, when it was a number of seconds.
    pub retry_after_ms: Option<u32>,
}

impl HttpReply {
    /// A reply with a status and a body and no `Retry-After`.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::HttpReply;
    /// assert_eq!(HttpReply::new(200, None).retry_after_ms, None);
    /// ```
    pub fn new(status: u16, body: Option<Json>) -> Self {
        HttpReply {
            status,
            body,
            retry_after_ms: None,
        }
    }
}

/// Sends GraphQL requests to Quiltt, and keeps the time retries and waits need. Network
/// failures and timeouts are errors (`NETWORK`, `TIMEOUT`); every HTTP answer, whatever its
/// status, is a reply.
///
/// The browser is single-threaded, so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Posts one request and returns the reply.
    ///
    /// # Errors
    /// `NETWORK`, `TIMEOUT`, `ABORTED` or `UNAUTHORIZED` when no usable answer arrived.
    async fn post(&self, request: &GraphqlRequest) -> Result<HttpReply, Error>;

    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: u32);

    /// The current time in milliseconds since the Unix epoch.
    fn now_ms(&self) -> f64;

    /// A random number in `[0, 1)`, for backoff jitter and generated ids.
    fn random(&self) -> f64;

    /// How transient failures are retried.
    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::default()
    }
}

/// Reads `errors: [{ message, code?, path?, extensions: { code? } }]`, skipping what is not an
/// object and never failing: the list is informative.
pub(crate) fn read_errors(value: Option<&Json>) -> Vec<QuilttError> {
    let Some(Json::Array(items)) = value else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    for e in items.iter().filter(|e| e.is_object()) {
        let path = e.get("path").and_then(Json::as_array).map(|segments| {
            let mut path = Vec::with_capacity(segments.len());
            for segment in segments {
                path.push(match segment {
                    Json::String(s) => s.clone(),
                    // Path indices are small integers; no float formatting needed.
                    Json::Number(n) => decimal(*n as i64),
                    other => other.type_name().to_owned(),
                });
            }
            path
        });
        errors.push(QuilttError {
            code: e
                .get("code")
                .or_else(|| e.get("extensions").and_then(|x| x.get("code")))
                .and_then(Json::as_str)
                .map(str::to_owned),
            message: e
                .get("message")
                .and_then(Json::as_str)
                .unwrap_or("(no message)")
                .to_owned(),
            path,
        });
    }
    errors
}

fn first_message(errors: &[QuilttError]) -> String {
    match errors.first() {
        Some(e) => e.message.clone(),
        None => String::from("no details"),
    }
}

/// Turns a reply into the `record` of mutation `field`'s payload, or a typed error.
pub(crate) fn payload_record(reply: HttpReply, field: &str) -> Result<Json, Error> {
    let status = reply.status;
    let top_errors = read_errors(reply.body.as_ref().and_then(|b| b.get("errors")));
    if status == 401 {
        return Err(Error::new(
            ErrorCode::Unauthorized,
            "Quiltt refused the session token (HTTP 401): it is missing, wrong or expired",
        )
        .with_errors(top_errors)
        .with_status(401));
    }
    if !(200..300).contains(&status) {
        if !top_errors.is_empty() {
            return Err(Error::new(
                ErrorCode::Graphql,
                text!(
                    field,
                    " failed (HTTP ",
                    decimal(i64::from(status)),
                    "): ",
                    first_message(&top_errors)
                ),
            )
            .with_errors(top_errors)
            .with_status(status));
        }
        return Err(Error::new(
            ErrorCode::Http,
            text!(field, " failed: HTTP ", decimal(i64::from(status))),
        )
        .with_status(status));
    }
    let Some(mut body) = reply.body else {
        return Err(Error::new(
            ErrorCode::BadResponse,
            text!(
                "unexpected response from Quiltt: ",
                field,
                " answered a body that is not JSON"
            ),
        )
        .with_status(status));
    };
    if !top_errors.is_empty() {
        return Err(Error::new(
            ErrorCode::Graphql,
            text!(field, " failed: ", first_message(&top_errors)),
        )
        .with_errors(top_errors)
        .with_status(status));
    }
    let bad = |what: &str| {
        Error::new(
            ErrorCode::BadResponse,
            text!("unexpected response from Quiltt: ", what),
        )
        .with_status(status)
    };
    let payload = match body.get("data").and_then(|d| d.get(field)) {
        Some(p) if p.is_object() => p,
        Some(_) => return Err(bad(&text!("data.", field, " is not an object"))),
        None => return Err(bad(&text!("data.", field, " is missing"))),
    };
    match payload.get("success") {
        Some(Json::Bool(true)) => {}
        Some(Json::Bool(false)) => {
            let errors = read_errors(payload.get("errors"));
            return Err(Error::new(
                ErrorCode::MutationFailed,
                text!(field, " was refused: ", first_message(&errors)),
            )
            .with_errors(errors)
            .with_status(status));
        }
        _ => return Err(bad(&text!("data.", field, ".success is not a boolean"))),
    }
    if matches!(payload.get("record"), Some(Json::Null) | None) {
        return Err(bad(&text!(
            "data.",
            field,
            " has success: true but no record"
        )));
    }
    // Moved out rather than cloned: the record may hold megabytes of metadata.
    Ok(body.take("data").take(field).take("record"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, text: &str) -> HttpReply {
        HttpReply::new(status, serde_json::from_str(text).ok())
    }

    #[test]
    fn a_successful_payload_yields_its_record() {
        let r = payload_record(
            reply(
                200,
                r#"{"data":{"m":{"success":true,"record":{"id":"x"},"errors":null}}}"#,
            ),
            "m",
        )
        .unwrap();
        assert_eq!(r.get("id").and_then(Json::as_str), Some("x"));
    }

    #[test]
    fn every_bad_reply_maps_to_its_code() {
        let cases = [
            (
                401,
                r#"{"errors":[{"message":"no"}]}"#,
                ErrorCode::Unauthorized,
            ),
            (503, "oops", ErrorCode::Http),
            (
                400,
                r#"{"errors":[{"message":"Invalid value"}]}"#,
                ErrorCode::Graphql,
            ),
            (200, "<html>", ErrorCode::BadResponse),
            (
                200,
                r#"{"data":null,"errors":[{"message":"boom","extensions":{"code":"X"}}]}"#,
                ErrorCode::Graphql,
            ),
            (200, r#"{"data":null}"#, ErrorCode::BadResponse),
            (200, r#"{"data":{"m":null}}"#, ErrorCode::BadResponse),
            (
                200,
                r#"{"data":{"m":{"success":"yes"}}}"#,
                ErrorCode::BadResponse,
            ),
            (
                200,
                r#"{"data":{"m":{"success":true,"record":null}}}"#,
                ErrorCode::BadResponse,
            ),
            (
                200,
                r#"{"data":{"m":{"success":false,"errors":[{"code":"NOT_FOUND","message":"gone"}]}}}"#,
                ErrorCode::MutationFailed,
            ),
            (200, r#"[]"#, ErrorCode::BadResponse),
        ];
        for (status, text, code) in cases {
            let err = payload_record(reply(status, text), "m").unwrap_err();
            assert_eq!(err.code(), code, "{status} {text}: {}", err.message());
            assert_eq!(err.status(), Some(status));
        }
    }

    #[test]
    fn quiltt_errors_are_carried_with_code_and_path() {
        let err = payload_record(
            reply(200, r#"{"data":{"m":{"success":false,"errors":[{"code":"NOT_FOUND","message":"Connection x was not found"},{"message":"m2","path":["metadata",0]},7]}}}"#),
            "m",
        )
        .unwrap_err();
        assert_eq!(err.message(), "m was refused: Connection x was not found");
        assert_eq!(err.errors().len(), 2);
        assert_eq!(err.errors()[0].code.as_deref(), Some("NOT_FOUND"));
        assert_eq!(
            err.errors()[1].path.as_deref(),
            Some(&["metadata".to_owned(), "0".to_owned()][..])
        );
        let top = payload_record(
            reply(
                200,
                r#"{"errors":[{"message":"Unknown field","extensions":{"code":"VALIDATION"}}]}"#,
            ),
            "m",
        )
        .unwrap_err();
        assert_eq!(top.errors()[0].code.as_deref(), Some("VALIDATION"));
        assert!(top.message().contains("Unknown field"));
    }
}

//! GraphQL over HTTP: a request as the bridge sends it, a reply as it comes back, and how a
//! reply becomes a payload's record, a query's data, or a typed error.

use serde::Serialize;

use crate::error::{Error, ErrorCode, QuilttError};
use crate::json::Json;

/// One GraphQL request: a document, its operation name, its variables, and the body text they
/// make, written once (so every retry sends the very same bytes).
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{GraphqlRequest, Json};
/// let r = GraphqlRequest::new("Op", "query Op { x }", Json::null(), false).unwrap();
/// assert!(r.body().to_json_string().unwrap().contains("operationName"));
/// ```
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
    body: Json,
}

impl GraphqlRequest {
    /// A request whose body is `{ query, operationName, variables }` as `JSON.stringify`
    /// writes it.
    ///
    /// # Errors
    /// `INVALID_INPUT` when the variables can't be written as JSON (a cycle, a `BigInt`, a
    /// getter that throws), before anything is sent.
    pub fn new(
        operation_name: &'static str,
        query: &'static str,
        variables: Json,
        keepalive: bool,
    ) -> Result<Self, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            query: &'static str,
            operation_name: &'static str,
            variables: &'a Json,
        }
        let body = Json::from_serde(&Body {
            query,
            operation_name,
            variables: &variables,
        })
        .and_then(|body| body.stringified())
        .map_err(|e| {
            e.recoded(
                ErrorCode::InvalidInput,
                "the request can't be written as JSON:",
            )
        })?;
        Ok(GraphqlRequest {
            operation_name,
            query,
            variables,
            keepalive,
            body,
        })
    }

    /// The body's JSON text (a string value).
    pub fn body(&self) -> &Json {
        &self.body
    }
}

/// An HTTP reply: its status, its body when the body was JSON, and its `Retry-After`.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::HttpReply;
/// assert_eq!(HttpReply::new(200, None).retry_after_ms, None);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
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
    pub fn new(status: u16, body: Option<Json>) -> Self {
        HttpReply {
            status,
            body,
            retry_after_ms: None,
        }
    }

    /// The same reply with a `Retry-After` of `ms` milliseconds.
    pub fn with_retry_after_ms(mut self, ms: u32) -> Self {
        self.retry_after_ms = Some(ms);
        self
    }
}

fn text(value: &Json, key: &str) -> Option<String> {
    value.get(key).and_then(|v| v.as_string())
}

/// Reads `errors: [{ message, code?, type?, displayMessage?, requestId?, path?,
/// extensions: { code? } }]`, skipping what is not an object and never failing: the list is
/// informative.
pub(crate) fn read_errors(value: Option<Json>) -> Vec<QuilttError> {
    let Some(items) = value.and_then(|v| v.items()) else {
        return Vec::new();
    };
    items
        .iter()
        .filter(|e| e.is_object())
        .map(|e| QuilttError {
            code: text(e, "code").or_else(|| e.get("extensions").and_then(|x| text(&x, "code"))),
            message: text(e, "message").unwrap_or_else(|| "(no message)".to_owned()),
            error_type: text(e, "type"),
            display_message: text(e, "displayMessage"),
            request_id: text(e, "requestId"),
            path: e.get("path").and_then(|p| p.items()).map(|segments| {
                segments
                    .iter()
                    .map(|s| match (s.as_string(), s.as_f64()) {
                        (Some(s), _) => s,
                        // Path indices are small integers; no float formatting needed.
                        (None, Some(n)) => (n as i64).to_string(),
                        _ => s.kind().name().to_owned(),
                    })
                    .collect()
            }),
        })
        .collect()
}

fn first_message(errors: &[QuilttError]) -> &str {
    errors.first().map_or("no details", |e| e.message.as_str())
}

fn bad(status: u16, what: &str) -> Error {
    Error::new(
        ErrorCode::BadResponse,
        format!("unexpected response from Quiltt: {what}"),
    )
    .with_status(status)
}

/// Turns a reply into its `data`, or the typed error an HTTP status or top-level `errors`
/// means.
fn data(reply: HttpReply, field: &str) -> Result<Json, Error> {
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
            let message = format!(
                "{field} failed (HTTP {status}): {}",
                first_message(&top_errors)
            );
            return Err(Error::new(ErrorCode::Graphql, message)
                .with_errors(top_errors)
                .with_status(status));
        }
        return Err(
            Error::new(ErrorCode::Http, format!("{field} failed: HTTP {status}"))
                .with_status(status),
        );
    }
    let Some(body) = reply.body else {
        return Err(bad(
            status,
            &format!("{field} answered a body that is not JSON"),
        ));
    };
    if !top_errors.is_empty() {
        let message = format!("{field} failed: {}", first_message(&top_errors));
        return Err(Error::new(ErrorCode::Graphql, message)
            .with_errors(top_errors)
            .with_status(status));
    }
    match body.get("data") {
        Some(data) if data.is_object() => Ok(data),
        _ => Err(bad(status, "data is missing or not an object")),
    }
}

/// Turns a reply into the `record` of mutation `field`'s payload, or a typed error.
pub(crate) fn payload_record(reply: HttpReply, field: &str) -> Result<Json, Error> {
    let status = reply.status;
    let payload = match data(reply, field)?.get(field) {
        Some(p) if p.is_object() => p,
        Some(_) => return Err(bad(status, &format!("data.{field} is not an object"))),
        None => return Err(bad(status, &format!("data.{field} is missing"))),
    };
    match payload.get("success").and_then(|s| s.as_bool()) {
        Some(true) => {}
        Some(false) => {
            let errors = read_errors(payload.get("errors"));
            let message = format!("{field} was refused: {}", first_message(&errors));
            return Err(Error::new(ErrorCode::MutationFailed, message)
                .with_errors(errors)
                .with_status(status));
        }
        None => {
            return Err(bad(
                status,
                &format!("data.{field}.success is not a boolean"),
            ))
        }
    }
    match payload.get("record") {
        Some(record) if !record.is_null() => Ok(record),
        _ => Err(bad(
            status,
            &format!("data.{field} has success: true but no record"),
        )),
    }
}

/// Turns a query's reply into `data.<field>` (`null` when the field is `null`), or a typed error.
pub(crate) fn query_field(reply: HttpReply, field: &str) -> Result<Json, Error> {
    let status = reply.status;
    data(reply, field)?
        .get(field)
        .map_or_else(|| Err(bad(status, &format!("data.{field} is missing"))), Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, text: &str) -> HttpReply {
        HttpReply::new(status, Json::parse(text).ok())
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
        assert_eq!(
            r.get("id").and_then(|i| i.as_string()).as_deref(),
            Some("x")
        );
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
    fn quiltt_errors_are_carried_with_every_field() {
        let err = payload_record(
            reply(200, r#"{"data":{"m":{"success":false,"errors":[{"code":"ITEM_LOGIN_REQUIRED","message":"login","type":"ITEM_ERROR","displayMessage":"Sign in again","requestId":"r1"},{"message":"m2","path":["metadata",0]},7]}}}"#),
            "m",
        )
        .unwrap_err();
        assert_eq!(err.message(), "m was refused: login");
        assert_eq!(err.errors().len(), 2);
        let first = &err.errors()[0];
        assert_eq!(first.error_type.as_deref(), Some("ITEM_ERROR"));
        assert_eq!(first.request_id.as_deref(), Some("r1"));
        assert_eq!(err.display_message(), Some("Sign in again"));
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

    #[test]
    fn a_query_yields_its_field_even_when_null() {
        let found = query_field(
            reply(200, r#"{"data":{"connection":{"id":"c"}}}"#),
            "connection",
        );
        assert!(found.unwrap().is_object());
        let none = query_field(reply(200, r#"{"data":{"connection":null}}"#), "connection");
        assert!(none.unwrap().is_null());
        let missing = query_field(reply(200, r#"{"data":{}}"#), "connection").unwrap_err();
        assert_eq!(missing.code(), ErrorCode::BadResponse);
    }

    #[test]
    fn a_request_body_is_written_once_with_its_variables() {
        let variables = Json::parse(r#"{"input":{"id":"c"}}"#).unwrap();
        let r = GraphqlRequest::new("Op", "mutation Op { x }", variables, true).unwrap();
        let sent = Json::parse(&r.body().as_string().unwrap()).unwrap();
        let expected = r#"{"query":"mutation Op { x }","operationName":"Op","variables":{"input":{"id":"c"}}}"#;
        assert_eq!(sent, Json::parse(expected).unwrap());
    }
}

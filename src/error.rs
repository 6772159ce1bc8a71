//! The one error type of the bridge, with a stable code for every way a flow can fail.

use serde::Serialize;
use tsify::Tsify;

use crate::json::{Json, ToJson};
use crate::quiltt::input::PendingClose;
use crate::text::text;

/// What went wrong, as a stable machine-readable code (`error.code` in JavaScript).
///
/// # Examples
/// ```
/// use quiltt_reconnect::ErrorCode;
/// assert_eq!(ErrorCode::Unauthorized.as_str(), "UNAUTHORIZED");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The input was refused before any request was sent.
    InvalidInput,
    /// The request never got an HTTP answer (offline, DNS, CORS, connection reset).
    Network,
    /// A request took longer than the configured timeout and was aborted.
    Timeout,
    /// Quiltt answered HTTP 401: the session token is missing, wrong or expired.
    Unauthorized,
    /// Quiltt answered an HTTP status other than 2xx and 401.
    Http,
    /// The GraphQL response carried top-level `errors` (validation, syntax, server error).
    Graphql,
    /// A mutation answered `success: false`; its `errors` are on the error.
    MutationFailed,
    /// The response was not what the documented API returns (not JSON, missing fields).
    BadResponse,
    /// Plaid's Link script could not be loaded, or did not define `window.Plaid`.
    PlaidScript,
    /// Plaid Link reported success without a public token; Link's metadata is on the error.
    NoPublicToken,
    /// Initialize answered `connectorStatus: ABORT`: the provider refused the repair.
    ConnectorAborted,
    /// The flow was cancelled by its `AbortSignal`.
    Aborted,
    /// Link succeeded but `connectorPlaidClose` failed; Link's metadata is on the error.
    CloseFailed,
}

impl ErrorCode {
    /// The code as JavaScript sees it.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::ErrorCode;
    /// assert_eq!(ErrorCode::CloseFailed.as_str(), "CLOSE_FAILED");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "INVALID_INPUT",
            ErrorCode::Network => "NETWORK",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::Http => "HTTP",
            ErrorCode::Graphql => "GRAPHQL",
            ErrorCode::MutationFailed => "MUTATION_FAILED",
            ErrorCode::BadResponse => "BAD_RESPONSE",
            ErrorCode::PlaidScript => "PLAID_SCRIPT",
            ErrorCode::NoPublicToken => "NO_PUBLIC_TOKEN",
            ErrorCode::ConnectorAborted => "CONNECTOR_ABORTED",
            ErrorCode::Aborted => "ABORTED",
            ErrorCode::CloseFailed => "CLOSE_FAILED",
        }
    }
}

/// One error reported by Quiltt: a `PlaidAPIError` (`code`, `message`), a generic `Error`
/// (`message`, `path`), or a top-level GraphQL error (`message`, `extensions.code`).
///
/// # Examples
/// ```
/// use quiltt_reconnect::QuilttError;
/// let e = QuilttError { code: Some("NOT_FOUND".into()), message: "gone".into(), path: None };
/// assert_eq!(e.code.as_deref(), Some("NOT_FOUND"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
pub struct QuilttError {
    /// Quiltt's or Plaid's error code, where the error type has one.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The human-readable message.
    pub message: String,
    /// The input path the error is about, where given.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<String>>,
}

impl ToJson for QuilttError {
    fn to_json(&self) -> Json {
        let mut fields = vec![("message", Json::from(self.message.as_str()))];
        if let Some(code) = &self.code {
            fields.insert(0, ("code", Json::from(code.as_str())));
        }
        if let Some(path) = &self.path {
            fields.push(("path", path.to_json()));
        }
        Json::fields(fields)
    }
}

/// A failed flow or request. Carries a stable [`ErrorCode`], a message fit for a developer
/// console, Quiltt's own `errors` when the server sent some, and, for failures after Link
/// succeeded, Link's metadata so the app can tell the user what happened.
///
/// No message or field ever holds a token.
///
/// # Examples
/// ```
/// use quiltt_reconnect::{Error, ErrorCode};
/// let e = Error::new(ErrorCode::InvalidInput, "connectionId must not be empty");
/// assert_eq!(e.code(), ErrorCode::InvalidInput);
/// assert_eq!(e.to_string(), "connectionId must not be empty");
/// ```
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", .0.message)]
pub struct Error(Box<Fields>);

/// What an [`Error`] holds, boxed so a `Result` stays two words wide as it travels up the flow.
#[derive(Clone, Debug, PartialEq)]
struct Fields {
    code: ErrorCode,
    message: String,
    errors: Vec<QuilttError>,
    status: Option<u16>,
    link_metadata: Option<Json>,
    pending_close: Option<PendingClose>,
}

impl Error {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error(Box::new(Fields {
            code,
            message: message.into(),
            errors: Vec::new(),
            status: None,
            link_metadata: None,
            pending_close: None,
        }))
    }

    /// Attaches Quiltt's `errors`.
    pub fn with_errors(mut self, errors: Vec<QuilttError>) -> Self {
        self.0.errors = errors;
        self
    }

    /// Attaches the HTTP status of the response.
    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    /// Attaches Plaid Link's success metadata (for `CLOSE_FAILED`, `NO_PUBLIC_TOKEN`).
    pub fn with_link_metadata(mut self, metadata: Json) -> Self {
        self.0.link_metadata = Some(metadata);
        self
    }

    /// Attaches the close that failed, so the app can send it again.
    pub(crate) fn with_pending_close(mut self, close: PendingClose) -> Self {
        self.0.pending_close = Some(close);
        self
    }

    /// Turns this error into another code with a message prefix, keeping what it carries.
    pub(crate) fn recoded(mut self, code: ErrorCode, prefix: &str) -> Self {
        self.0.code = code;
        self.0.message = text!(prefix, ": ", self.0.message);
        self
    }

    /// Removes `secret`'s value from the message and from every Quiltt error message.
    pub(crate) fn redact(mut self, redact: impl Fn(&mut String)) -> Self {
        redact(&mut self.0.message);
        for e in &mut self.0.errors {
            redact(&mut e.message);
        }
        self
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Quiltt's `errors`, empty when the server sent none.
    pub fn errors(&self) -> &[QuilttError] {
        &self.0.errors
    }

    /// The HTTP status, when the failure came with one.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// Plaid Link's success metadata, when Link had succeeded before the failure.
    pub fn link_metadata(&self) -> Option<&Json> {
        self.0.link_metadata.as_ref()
    }

    /// For `CLOSE_FAILED`: the close that failed, to send again with
    /// [`flow::retry_close`](crate::flow::retry_close) while the public token is valid
    /// (30 minutes, single use).
    pub fn pending_close(&self) -> Option<&PendingClose> {
        self.0.pending_close.as_ref()
    }

    /// Moves the pending close out of a `CLOSE_FAILED` error, dropping the rest, for an app
    /// that keeps only what it needs to retry.
    pub fn into_pending_close(self) -> Option<PendingClose> {
        self.0.pending_close
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_keeps_everything_and_redaction_reaches_nested_messages() {
        let e = Error::new(ErrorCode::CloseFailed, "close with tok-1 failed")
            .with_errors(vec![QuilttError {
                code: Some("X".into()),
                message: "bad tok-1".into(),
                path: None,
            }])
            .with_status(500)
            .with_link_metadata(Json::object([("a", Json::Null)]))
            .redact(|s| crate::PublicToken::new("tok-1").redact(s));
        assert_eq!(e.message(), "close with [redacted] failed");
        assert_eq!(e.errors()[0].message, "bad [redacted]");
        assert_eq!(e.status(), Some(500));
        assert!(e.link_metadata().is_some());
    }

    #[test]
    fn recoded_keeps_errors_and_prefixes_message() {
        let e = Error::new(ErrorCode::Http, "HTTP 500")
            .with_status(500)
            .recoded(ErrorCode::CloseFailed, "connectorPlaidClose failed");
        assert_eq!(e.code(), ErrorCode::CloseFailed);
        assert_eq!(e.message(), "connectorPlaidClose failed: HTTP 500");
        assert_eq!(e.status(), Some(500));
    }
}

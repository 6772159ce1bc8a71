//! The one error type of the bridge, with a stable code for every way a flow can fail.

use std::fmt;
use std::rc::Rc;

use serde::Serialize;

use crate::json::Json;
use crate::quiltt::PendingClose;
use crate::trail::Trail;

/// What went wrong, as a stable machine-readable code (`error.code` in JavaScript).
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::ErrorCode;
/// assert_eq!(ErrorCode::Unauthorized.as_str(), "UNAUTHORIZED");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The input or options were refused before any request was sent.
    InvalidInput,
    /// The request never got an HTTP answer (offline, DNS, CORS, connection reset).
    Network,
    /// A request (or the session token function) took longer than the timeout.
    Timeout,
    /// Quiltt answered HTTP 401, or the token function gave no usable token.
    Unauthorized,
    /// Quiltt answered an HTTP status other than 2xx and 401.
    Http,
    /// The GraphQL response carried top-level `errors` (validation, syntax, server error).
    Graphql,
    /// A mutation answered `success: false`; its `errors` are on the error.
    MutationFailed,
    /// The response was not what the documented API returns (not JSON, missing fields).
    BadResponse,
    /// Plaid's Link script could not be loaded, or Link could not start.
    PlaidScript,
    /// Plaid Link reported success without a public token; Link's metadata is on the error.
    NoPublicToken,
    /// Initialize answered `connectorStatus: ABORT`: the provider refused the repair.
    ConnectorAborted,
    /// The operation was cancelled by its `AbortSignal`.
    Aborted,
    /// Link succeeded but `connectorPlaidClose` failed; Link's metadata is on the error.
    CloseFailed,
    /// The endpoint's API has no `connectorPlaidInitialize`: Plaid is not enabled in that Quiltt
    /// environment. Nothing was sent but the refused document.
    NoPlaidConnector,
}

impl ErrorCode {
    /// The code as JavaScript sees it.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect_core::ErrorCode;
    /// assert_eq!(ErrorCode::CloseFailed.as_str(), "CLOSE_FAILED");
    /// ```
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One error reported by Quiltt: a `PlaidMutationError` (`code`, `message`, `type`,
/// `displayMessage`, `requestId`), a generic `Error` (`message`, `path`), or a top-level GraphQL
/// error (`message`, `extensions.code`).
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::QuilttError;
/// let e = QuilttError::new("gone");
/// assert_eq!(e.message, "gone");
/// assert!(e.code.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QuilttError {
    /// Quiltt's or Plaid's error code, where the error type has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The developer-facing message.
    pub message: String,
    /// Plaid's error type (`ITEM_ERROR`, `INVALID_INPUT`, ...), where given.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// The message Plaid writes for the end user, where given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_message: Option<String>,
    /// The request id of the failed call, where given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The input path the error is about, where given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<String>>,
}

impl QuilttError {
    /// An error with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        QuilttError {
            message: message.into(),
            ..QuilttError::default()
        }
    }

    /// Every text the error carries, for redaction.
    fn texts_mut(&mut self) -> impl Iterator<Item = &mut String> {
        let optional = [
            &mut self.code,
            &mut self.error_type,
            &mut self.display_message,
            &mut self.request_id,
        ];
        std::iter::once(&mut self.message)
            .chain(optional.into_iter().flatten())
            .chain(self.path.iter_mut().flatten())
    }
}

/// A failed operation. Carries a stable [`ErrorCode`], a message fit for a developer console,
/// Quiltt's own `errors` when the server sent some, and, for failures after Link succeeded,
/// Link's metadata so the app can tell the user what happened.
///
/// No message or field ever holds a token or a credential.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{Error, ErrorCode};
/// let e = Error::new(ErrorCode::InvalidInput, "connectionId must not be empty");
/// assert_eq!(e.code(), ErrorCode::InvalidInput);
/// assert_eq!(e.to_string(), "connectionId must not be empty");
/// ```
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}", .0.message)]
pub struct Error(Box<Fields>);

/// What an [`Error`] holds, boxed so a `Result` stays small as it travels up the flow.
#[derive(Clone, Debug)]
struct Fields {
    code: ErrorCode,
    message: String,
    errors: Vec<QuilttError>,
    status: Option<u16>,
    /// What a failure after Plaid Link's success carries. `Debug` shows none of it.
    after_link: Option<Rc<AfterLink>>,
    /// The support trail of the flow that failed.
    trail: Option<Rc<Trail>>,
}

/// What a failure after Plaid Link's success carries beyond its text: Link's metadata (for
/// `CLOSE_FAILED`, `NO_PUBLIC_TOKEN`) and the close to send again (`CLOSE_FAILED`).
#[derive(Clone, Default)]
struct AfterLink {
    metadata: Option<Json>,
    close: Option<PendingClose>,
}

impl fmt::Debug for AfterLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AfterLink(..)")
    }
}

impl Error {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error(Box::new(Fields {
            code,
            message: message.into(),
            errors: Vec::new(),
            status: None,
            after_link: None,
            trail: None,
        }))
    }

    /// `INVALID_INPUT` with `message`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidInput, message)
    }

    /// Attaches Quiltt's `errors`.
    pub(crate) fn with_errors(mut self, errors: Vec<QuilttError>) -> Self {
        self.0.errors = errors;
        self
    }

    /// Attaches the HTTP status of the response.
    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    fn with_after_link(mut self, change: impl FnOnce(&mut AfterLink)) -> Self {
        let mut after = self.0.after_link.as_deref().cloned().unwrap_or_default();
        change(&mut after);
        self.0.after_link = Some(Rc::new(after));
        self
    }

    /// Attaches Plaid Link's success metadata.
    pub(crate) fn with_link_metadata(self, metadata: Json) -> Self {
        self.with_after_link(|a| a.metadata = Some(metadata))
    }

    /// Attaches the close that failed, so the app can send it again.
    pub(crate) fn with_pending_close(self, close: PendingClose) -> Self {
        self.with_after_link(|a| a.close = Some(close))
    }

    /// Replaces Link's metadata with `scrub`'s copy of it.
    pub(crate) fn scrub_link_metadata(self, scrub: impl Fn(&Json) -> Json) -> Self {
        match self.link_metadata().map(scrub) {
            Some(scrubbed) => self.with_link_metadata(scrubbed),
            None => self,
        }
    }

    /// Attaches the support trail of the flow that failed.
    pub(crate) fn with_trail(mut self, trail: Trail) -> Self {
        self.0.trail = Some(Rc::new(trail));
        self
    }

    /// The support trail, when a reconnect flow failed (not for a single read or update).
    pub fn trail(&self) -> Option<&Trail> {
        self.0.trail.as_deref()
    }

    /// Plaid Link's success metadata, when Link had succeeded before the failure.
    pub fn link_metadata(&self) -> Option<&Json> {
        self.0.after_link.as_deref()?.metadata.as_ref()
    }

    /// For `CLOSE_FAILED`: the close that failed, to send again (the browser crate's
    /// `Client::retry_close`, or [`operations::retry_close`](crate::operations::retry_close))
    /// while the public token is valid (30 minutes, single use).
    pub fn pending_close(&self) -> Option<&PendingClose> {
        self.0.after_link.as_deref()?.close.as_ref()
    }

    /// Moves the pending close out of a `CLOSE_FAILED` error, dropping the rest.
    pub fn into_pending_close(self) -> Option<PendingClose> {
        self.pending_close().cloned()
    }

    /// Turns this error into another code with a message prefix (`prefix`, a space, the old
    /// message), keeping what it carries.
    pub(crate) fn recoded(mut self, code: ErrorCode, prefix: &str) -> Self {
        self.0.code = code;
        self.0.message = format!("{prefix} {}", self.0.message);
        self
    }

    /// Applies `redact` to the message and to every text of every Quiltt error.
    pub(crate) fn redact(mut self, redact: impl Fn(&mut String)) -> Self {
        redact(&mut self.0.message);
        self.0
            .errors
            .iter_mut()
            .flat_map(QuilttError::texts_mut)
            .for_each(redact);
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

    /// The message Plaid wrote for the end user, where Quiltt sent one: the first
    /// `displayMessage` of [`Error::errors`].
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect_core::{Error, ErrorCode};
    /// assert_eq!(Error::new(ErrorCode::Http, "HTTP 500").display_message(), None);
    /// ```
    pub fn display_message(&self) -> Option<&str> {
        self.0
            .errors
            .iter()
            .find_map(|e| e.display_message.as_deref())
    }

    /// The HTTP status, when the failure came with one.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_reaches_every_text_of_every_quiltt_error() {
        let e = Error::new(ErrorCode::CloseFailed, "close with tok-1 failed")
            .with_errors(vec![QuilttError {
                code: Some("tok-1".into()),
                message: "bad tok-1".into(),
                error_type: Some("x tok-1".into()),
                display_message: Some("tok-1!".into()),
                request_id: Some("tok-1".into()),
                path: Some(vec!["input".into(), "tok-1".into()]),
            }])
            .with_status(500)
            .redact(|s| crate::PublicToken::new("tok-1").redact(s));
        assert_eq!(e.message(), "close with [redacted] failed");
        let text = format!("{:?}", e.errors());
        assert!(!text.contains("tok-1"), "{text}");
        assert_eq!(e.errors()[0].message, "bad [redacted]");
        assert_eq!(e.status(), Some(500));
    }

    #[test]
    fn recoded_keeps_errors_and_prefixes_message() {
        let e = Error::new(ErrorCode::Http, "HTTP 500")
            .with_status(500)
            .recoded(ErrorCode::CloseFailed, "connectorPlaidClose failed:");
        assert_eq!(e.code(), ErrorCode::CloseFailed);
        assert_eq!(e.message(), "connectorPlaidClose failed: HTTP 500");
        assert_eq!(e.status(), Some(500));
    }

    #[test]
    fn the_display_message_is_the_first_one_quiltt_sent() {
        let e = Error::new(ErrorCode::MutationFailed, "refused").with_errors(vec![
            QuilttError::new("a"),
            QuilttError {
                display_message: Some("Please sign in again".into()),
                ..QuilttError::new("b")
            },
        ]);
        assert_eq!(e.display_message(), Some("Please sign in again"));
    }
}

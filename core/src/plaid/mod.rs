//! Plaid Link's side of the flow: how a Link run is asked for, and what Link hands back.
//! Plain data; the browser bindings are in `web::link`.

use serde::Serialize;

use crate::error::{Error, ErrorCode};
use crate::json::Json;
use crate::secret::{LinkToken, PublicToken};

/// The error Link passes to `onExit`, in Plaid's own snake_case shape.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{Json, PlaidLinkError};
/// assert!(PlaidLinkError::from_json(&Json::null()).is_none());
/// let e = PlaidLinkError::from_json(&Json::parse(r#"{"error_code":"X"}"#).unwrap()).unwrap();
/// assert_eq!(e.error_code.as_deref(), Some("X"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PlaidLinkError {
    /// A broad category, e.g. `ITEM_ERROR` or `INVALID_INPUT`.
    pub error_type: Option<String>,
    /// The specific code, e.g. `ITEM_LOGIN_REQUIRED` or `INVALID_LINK_TOKEN`.
    pub error_code: Option<String>,
    /// A developer-facing message.
    pub error_message: Option<String>,
    /// A user-facing message, where Plaid has one.
    pub display_message: Option<String>,
}

impl PlaidLinkError {
    /// Reads Link's `onExit` error; `null` (the user just left) is `None`.
    pub fn from_json(value: &Json) -> Option<Self> {
        if !value.is_object() {
            return None;
        }
        let text = |key: &str| value.get(key).and_then(|v| v.as_string());
        Some(PlaidLinkError {
            error_type: text("error_type"),
            error_code: text("error_code"),
            error_message: text("error_message"),
            display_message: text("display_message"),
        })
    }

    /// This error with `redact` applied to each of its texts.
    pub(crate) fn redacted(mut self, redact: impl Fn(&mut String)) -> Self {
        let texts = [
            &mut self.error_type,
            &mut self.error_code,
            &mut self.error_message,
            &mut self.display_message,
        ];
        texts.into_iter().flatten().for_each(redact);
        self
    }

    /// Whether Link refused the link token (`INVALID_LINK_TOKEN`: expired or already used).
    pub(crate) fn is_invalid_link_token(&self) -> bool {
        self.error_code.as_deref() == Some("INVALID_LINK_TOKEN")
    }
}

/// How a Link run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkOutcome {
    /// `onSuccess(publicToken, metadata)`; the token may be missing if Link misbehaves.
    Success {
        /// The single-use public token.
        public_token: Option<PublicToken>,
        /// Link's success metadata (institution, accounts, link_session_id), as plain data.
        metadata: Json,
    },
    /// `onExit(error, metadata)`.
    Exit {
        /// Link's error, `None` when the user simply left.
        error: Option<PlaidLinkError>,
        /// Link's exit metadata, as plain data.
        metadata: Json,
    },
}

/// Why a Link run could not start or finish loading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkFailure {
    /// `Plaid.create` threw (or Plaid's script defines no `Plaid.create`).
    CreateThrew,
    /// The handler's `open()` threw.
    OpenThrew,
    /// Link did not call `onLoad` within the load bound.
    NotLoaded,
}

impl LinkFailure {
    /// The failure's name in a support trail.
    pub fn name(self) -> &'static str {
        match self {
            LinkFailure::CreateThrew => "create_threw",
            LinkFailure::OpenThrew => "open_threw",
            LinkFailure::NotLoaded => "not_loaded",
        }
    }

    /// The `PLAID_SCRIPT` error of this failure; `load_bound_ms` is the bound Link did not load
    /// within.
    pub(crate) fn into_error(self, load_bound_ms: u32) -> Error {
        let message = match self {
            LinkFailure::CreateThrew => {
                "Plaid.create threw: Plaid's script did not make a Link handler".to_owned()
            }
            LinkFailure::OpenThrew => "Plaid Link's open() threw".to_owned(),
            LinkFailure::NotLoaded => {
                format!("Plaid Link did not load within {load_bound_ms} ms")
            }
        };
        Error::new(ErrorCode::PlaidScript, message)
    }
}

/// One of Plaid's own `onEvent` events.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaidEvent {
    /// Plaid's event name, e.g. `OPEN`, `TRANSITION_VIEW`, `HANDOFF`.
    pub name: String,
    /// Plaid's event metadata, as Plaid gave it.
    pub metadata: Json,
    /// When the event arrived (Unix ms), for the flow's support trail.
    pub at_ms: f64,
}

/// A Link run as the flow asks for it.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkConfig {
    /// The link token to open Link with.
    pub token: LinkToken,
    /// After an OAuth bank's redirect: the URL the page came back to (Plaid's
    /// `receivedRedirectUri`), so Link resumes where it left off.
    pub received_redirect_uri: Option<String>,
    /// How long Link may take to call `onLoad` before the run fails with
    /// [`LinkFailure::NotLoaded`]. Once Link has loaded, the user takes their time.
    pub load_timeout_ms: u32,
}

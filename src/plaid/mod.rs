//! Plaid Link: the launcher seam the flow uses, and the types Link hands back.
//! The browser implementation (script loading, raw bindings, handler lifetime) sits in the
//! wasm-only submodules.

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
pub(crate) mod launcher;
#[cfg(target_arch = "wasm32")]
pub(crate) mod script;

use std::rc::Rc;

use serde::Serialize;
use tsify::Tsify;

use crate::error::Error;
use crate::json::{Json, ToJson};
use crate::secret::{LinkToken, PublicToken};

/// The error Link passes to `onExit`, in Plaid's own snake_case shape.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[tsify(missing_as_null)]
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
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::{Json, PlaidLinkError};
    /// assert!(PlaidLinkError::from_json(&Json::Null).is_none());
    /// let e = PlaidLinkError::from_json(&Json::object([("error_code", Json::from("X"))])).unwrap();
    /// assert_eq!(e.error_code.as_deref(), Some("X"));
    /// ```
    pub fn from_json(value: &Json) -> Option<Self> {
        if !value.is_object() {
            return None;
        }
        let text = |key: &str| value.get(key).and_then(Json::as_str).map(str::to_owned);
        Some(PlaidLinkError {
            error_type: text("error_type"),
            error_code: text("error_code"),
            error_message: text("error_message"),
            display_message: text("display_message"),
        })
    }
}

impl ToJson for PlaidLinkError {
    fn to_json(&self) -> Json {
        Json::fields(vec![
            ("error_type", self.error_type.to_json()),
            ("error_code", self.error_code.to_json()),
            ("error_message", self.error_message.to_json()),
            ("display_message", self.display_message.to_json()),
        ])
    }
}

/// How a Link session ended.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkOutcome {
    /// `onSuccess(publicToken, metadata)`; the token may be missing if Link misbehaves.
    Success {
        /// The single-use public token.
        public_token: Option<PublicToken>,
        /// Link's success metadata (institution, accounts, link_session_id).
        metadata: Json,
    },
    /// `onExit(error, metadata)`.
    Exit {
        /// Link's error, `None` when the user simply left.
        error: Option<PlaidLinkError>,
        /// Link's exit metadata.
        metadata: Json,
    },
}

/// One of Plaid's own `onEvent` events.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaidEvent {
    /// Plaid's event name, e.g. `OPEN`, `TRANSITION_VIEW`, `HANDOFF`.
    pub name: String,
    /// Plaid's event metadata.
    pub metadata: Json,
}

/// Opens Plaid Link. The flow calls `preload` first (so the script loads while initialize is
/// in flight), then `ready`, then `run`.
#[allow(async_fn_in_trait)]
pub trait LinkLauncher {
    /// Starts loading Plaid's script, if not already; returns at once.
    fn preload(&self);

    /// Waits until Plaid's script is loaded.
    ///
    /// # Errors
    /// `PLAID_SCRIPT` when it fails to load or defines no `window.Plaid`.
    async fn ready(&self) -> Result<(), Error>;

    /// Opens Link with `link_token`, forwards Link's events to `on_event`, and resolves when
    /// Link calls `onSuccess` or `onExit`. The Link handler is destroyed before this returns.
    ///
    /// # Errors
    /// `PLAID_SCRIPT` when `Plaid.create` or `open` throws.
    async fn run(
        &self,
        link_token: &LinkToken,
        on_event: Rc<dyn Fn(PlaidEvent)>,
    ) -> Result<LinkOutcome, Error>;
}

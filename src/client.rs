//! The async Rust API for Rust web apps (Leptos, Yew, Dioxus): the same flow the JavaScript
//! class runs, over `fetch` and Plaid's script.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use crate::error::{Error, ErrorCode};
use crate::flow::{self, EventSink, ReconnectResult};
use crate::plaid::launcher::PlaidLink;
use crate::plaid::LinkLauncher;
use crate::quiltt::fetch::FetchTransport;
use crate::quiltt::input::{ConnectionUpdateInput, ConnectorPlaidInitializeInput, PendingClose};
use crate::quiltt::records::Connection;
use crate::secret::SessionToken;
use crate::{DEFAULT_ENDPOINT, DEFAULT_PLAID_SCRIPT_URL, DEFAULT_TIMEOUT_MS};

/// A future that yields a fresh session token.
pub type TokenFuture = Pin<Box<dyn Future<Output = Result<SessionToken, Error>>>>;

/// Where the session token comes from: a fixed token, or a function asked when a request needs
/// one (and once more after a 401, whereupon the request is retried once).
#[derive(Clone)]
pub enum TokenSource {
    /// A fixed token; a 401 rejects `UNAUTHORIZED`.
    Static(SessionToken),
    /// A function returning a fresh token.
    Provider(Rc<dyn Fn() -> TokenFuture>),
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Static(_) => f.write_str("TokenSource::Static([redacted])"),
            TokenSource::Provider(_) => f.write_str("TokenSource::Provider(..)"),
        }
    }
}

impl From<SessionToken> for TokenSource {
    fn from(token: SessionToken) -> Self {
        TokenSource::Static(token)
    }
}

impl TokenSource {
    pub(crate) async fn get(&self) -> Result<SessionToken, Error> {
        match self {
            TokenSource::Static(token) => Ok(token.clone()),
            TokenSource::Provider(provide) => provide().await,
        }
    }

    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self, TokenSource::Provider(_))
    }
}

/// Options of a [`Client`].
///
/// # Examples
/// ```ignore
/// use quiltt_reconnect::{ClientOptions, SessionToken};
/// let mut options = ClientOptions::new(SessionToken::new("session-token"));
/// options.endpoint = "http://127.0.0.1:8787/v1/graphql".into();
/// ```
#[derive(Clone)]
pub struct ClientOptions {
    /// The Quiltt session token, or a function returning one.
    pub token: TokenSource,
    /// Quiltt's GraphQL endpoint (default [`DEFAULT_ENDPOINT`]).
    pub endpoint: String,
    /// Plaid's Link script (default [`DEFAULT_PLAID_SCRIPT_URL`]).
    pub plaid_script_url: String,
    /// Per-request timeout in milliseconds, also the bound on loading Plaid's script.
    pub timeout_ms: u32,
    /// Receives progress and Plaid's own events.
    pub on_event: Option<EventSink>,
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("token", &self.token)
            .field("endpoint", &self.endpoint)
            .field("plaid_script_url", &self.plaid_script_url)
            .field("timeout_ms", &self.timeout_ms)
            .finish_non_exhaustive()
    }
}

impl ClientOptions {
    /// Options with Quiltt's and Plaid's production URLs and the default timeout.
    pub fn new(token: impl Into<TokenSource>) -> Self {
        ClientOptions {
            token: token.into(),
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            plaid_script_url: DEFAULT_PLAID_SCRIPT_URL.to_owned(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
            on_event: None,
        }
    }
}

/// Refuses a blank static token, an empty endpoint or script URL, and a zero timeout, each
/// with a message naming the option. The JS class's options are checked here too.
pub(crate) fn check_options(
    static_token: Option<&str>,
    endpoint: &str,
    plaid_script_url: &str,
    timeout_ms: u32,
) -> Result<(), Error> {
    let invalid = |m: &str| Err(Error::new(ErrorCode::InvalidInput, m));
    if static_token.is_some_and(|t| t.trim_ascii().is_empty()) {
        return invalid("token must be a non-empty Quiltt session token");
    }
    if endpoint.trim_ascii().is_empty() {
        return invalid("endpoint must be a non-empty URL");
    }
    if plaid_script_url.trim_ascii().is_empty() {
        return invalid("plaidScriptUrl must be a non-empty URL");
    }
    if timeout_ms == 0 {
        return invalid("timeoutMs must be a positive number of milliseconds");
    }
    Ok(())
}

/// Repairs Quiltt connections from a Rust web app.
///
/// # Examples
/// ```ignore
/// use quiltt_reconnect::{Client, ClientOptions, ConnectorPlaidInitializeInput, ReconnectResult, SessionToken};
///
/// async fn repair(session: &str) -> Result<(), quiltt_reconnect::Error> {
///     let client = Client::new(ClientOptions::new(SessionToken::new(session)))?;
///     let mut input = ConnectorPlaidInitializeInput::new("conn_login_required");
///     input.features = Some("TRANSACTIONS".into());
///     match client.reconnect(&input).await? {
///         ReconnectResult::Repaired { .. } => {}        // nothing to do
///         ReconnectResult::Reconnected { connection } => { let _ = connection.accounts; }
///         ReconnectResult::Exited { error, .. } => { let _ = error; } // the user left Link
///     }
///     Ok(())
/// }
/// ```
pub struct Client {
    transport: FetchTransport,
    launcher: PlaidLink,
    events: EventSink,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.transport)
            .field("launcher", &self.launcher)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with `options`.
    ///
    /// # Errors
    /// `INVALID_INPUT` when the endpoint or script URL is empty, the timeout is zero, or a
    /// static token is empty.
    pub fn new(options: ClientOptions) -> Result<Self, Error> {
        let static_token = match &options.token {
            TokenSource::Static(token) => Some(token.expose_secret()),
            TokenSource::Provider(_) => None,
        };
        check_options(
            static_token,
            &options.endpoint,
            &options.plaid_script_url,
            options.timeout_ms,
        )?;
        Ok(Client {
            transport: FetchTransport {
                endpoint: options.endpoint,
                token: options.token,
                timeout_ms: options.timeout_ms,
            },
            launcher: PlaidLink {
                script_url: options.plaid_script_url,
                script_timeout_ms: options.timeout_ms,
                forward_events: options.on_event.is_some(),
            },
            events: options.on_event.unwrap_or_else(|| Rc::new(|_| {})),
        })
    }

    /// Loads Plaid's script ahead of time (idempotent, shared by every client on the page).
    ///
    /// # Errors
    /// `PLAID_SCRIPT` when the script fails to load or defines no `window.Plaid`.
    pub async fn preload(&self) -> Result<(), Error> {
        self.launcher.ready().await
    }

    /// Runs the reconnect flow for `input.connection_id`.
    ///
    /// # Errors
    /// See [`flow::reconnect`].
    pub async fn reconnect(
        &self,
        input: &ConnectorPlaidInitializeInput,
    ) -> Result<ReconnectResult, Error> {
        self.reconnect_until(input, std::future::pending()).await
    }

    /// Runs the reconnect flow, rejecting `ABORTED` when `cancel` finishes first (an open Link
    /// is closed; a close already sent after Link succeeded is seen through).
    ///
    /// # Errors
    /// See [`flow::reconnect`].
    pub async fn reconnect_until(
        &self,
        input: &ConnectorPlaidInitializeInput,
        cancel: impl Future<Output = ()>,
    ) -> Result<ReconnectResult, Error> {
        flow::reconnect(&self.transport, &self.launcher, input, &self.events, cancel).await
    }

    /// Sends again the close a `CLOSE_FAILED` error carries ([`Error::pending_close`]).
    ///
    /// # Errors
    /// `INVALID_INPUT` when the error carries no pending close; otherwise as
    /// [`flow::retry_close`].
    pub async fn retry_close(&self, failed: &Error) -> Result<Connection, Error> {
        let pending = failed.pending_close().ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidInput,
                "this error has no close to retry (only CLOSE_FAILED errors do)",
            )
        })?;
        self.retry_pending(pending).await
    }

    /// Sends again a pending close the JS layer kept from a `CLOSE_FAILED` error.
    pub(crate) async fn retry_pending(&self, pending: &PendingClose) -> Result<Connection, Error> {
        flow::retry_close(&self.transport, pending).await
    }

    /// Stores `input.metadata` on the connection (taken by value: it goes into the request
    /// without a copy).
    ///
    /// # Errors
    /// See [`flow::update_metadata`].
    pub async fn update_metadata(&self, input: ConnectionUpdateInput) -> Result<Connection, Error> {
        flow::update_metadata(&self.transport, input).await
    }
}

//! The async Rust API for Rust web apps (Leptos, Yew, Dioxus): the operations the JavaScript
//! class runs, on the same driver and the same browser `Io`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::rc::Rc;

use crate::error::Error;
use quiltt_reconnect_core::driver;
use quiltt_reconnect_core::machine::{EventSink, ReconnectOptions, ReconnectResult, RetryPolicy};
use quiltt_reconnect_core::operations::Reconnect;
use quiltt_reconnect_core::{
    Connection, ConnectionFilter, ConnectionUpdateInput, ConnectorPlaidInitializeInput, ErrorCode,
    SchemaGeneration, SessionToken, WatchOptions,
};
/// The core's error, which the checks shared with the JavaScript class return.
type CoreError = quiltt_reconnect_core::Error;
use crate::watch::WatchStream;
use crate::web::BrowserIo;
pub use crate::web::{TokenFuture, TokenSource};

/// Quiltt's production GraphQL endpoint, the default.
pub const DEFAULT_ENDPOINT: &str = "https://api.quiltt.io/v1/graphql";
/// Plaid's Link script, the default.
pub const DEFAULT_PLAID_SCRIPT_URL: &str =
    "https://cdn.plaid.com/link/v2/stable/link-initialize.js";
/// The default per-request timeout in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 30_000;

/// Options of a [`Client`].
///
/// # Examples
/// ```
/// use quiltt_reconnect::{ClientOptions, SessionToken};
/// let mut options = ClientOptions::new(SessionToken::new("session-token"));
/// options.endpoint = "http://127.0.0.1:8787/v1/graphql".into();
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The Quiltt session token, or a function returning one.
    pub token: TokenSource,
    /// Quiltt's GraphQL endpoint (default [`DEFAULT_ENDPOINT`]): an `http(s)` URL, or a path
    /// of the page's origin starting with `/`.
    pub endpoint: String,
    /// Plaid's Link script (default [`DEFAULT_PLAID_SCRIPT_URL`]).
    pub plaid_script_url: String,
    /// The page's CSP nonce, put on the Plaid `<script>` tag the client adds, so that a policy
    /// like `script-src 'nonce-…' 'wasm-unsafe-eval'` runs Link. `None` (the default): the
    /// page's own nonce, read from its nonced `<script>` (the `nonce` property) or a
    /// `<meta property="csp-nonce">`; a nonce given here wins.
    pub nonce: Option<String>,
    /// Per-request timeout in milliseconds; it also bounds the token function, loading Plaid's
    /// script and Link's loading.
    pub timeout_ms: u32,
    /// How transient failures are retried.
    pub retry_policy: RetryPolicy,
    /// The generation of Quiltt's schema the endpoint speaks, when the app knows it. `None`
    /// (the default): the bridge speaks the newest, and when the endpoint refuses that document
    /// it learns from the refusal which generation it speaks, sends that one's (one request
    /// more, once per endpoint and tab), and remembers it.
    pub schema: Option<SchemaGeneration>,
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
            .field("nonce", &self.nonce.as_ref().map(|_| "[set]"))
            .field("schema", &self.schema)
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
            nonce: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            retry_policy: RetryPolicy::default(),
            schema: None,
            on_event: None,
        }
    }
}

/// Refuses what can't be a page of the app that a bank sends the user back to, for `name`: not
/// an absolute URL, another scheme than `https:` (or `http:` on localhost), or credentials in it.
pub(crate) fn check_page_url(url: &str, name: &str) -> Result<(), CoreError> {
    let refused = |why: &str| Err(CoreError::invalid(format!("{name} {why}")));
    let Ok(parsed) = web_sys::Url::new(url) else {
        return refused("must be an absolute https: URL");
    };
    let local = matches!(
        parsed.hostname().as_str(),
        "localhost" | "127.0.0.1" | "[::1]"
    );
    match parsed.protocol().as_str() {
        "https:" => {}
        "http:" if local => {}
        _ => return refused("must be an absolute https: URL (http: only on localhost)"),
    }
    if !parsed.username().is_empty() || !parsed.password().is_empty() {
        return refused("must not hold credentials (user:password@)");
    }
    Ok(())
}

/// Whether `url` is where an OAuth bank sent the user back: it carries an `oauth_state_id`.
fn from_bank(url: &str) -> bool {
    web_sys::Url::new(url).is_ok_and(|url| url.search_params().has("oauth_state_id"))
}

/// Refuses what can't be an `http(s)` URL for `name`: not absolute (and not a path of the
/// page's origin starting with `/`), another scheme, or credentials in it (browsers refuse to
/// send those, and they would show in messages).
fn check_url(url: &str, name: &str) -> Result<(), CoreError> {
    let refused = |why: &str| Err(CoreError::invalid(format!("{name} {why}")));
    let base = crate::web::page_url();
    let parsed = match (url.starts_with('/'), base) {
        (true, Some(base)) => web_sys::Url::new_with_base(url, &base),
        _ => web_sys::Url::new(url),
    };
    let Ok(parsed) = parsed else {
        return refused("must be an http(s) URL, or a path of this page's origin starting with /");
    };
    if !matches!(parsed.protocol().as_str(), "http:" | "https:") {
        return refused("must be an http(s) URL");
    }
    if !parsed.username().is_empty() || !parsed.password().is_empty() {
        return refused("must not hold credentials (user:password@); send the session token as the token option");
    }
    Ok(())
}

/// Checks options before any request: a static token that is not blank, `http(s)` URLs
/// without credentials, and a positive timeout (the JavaScript class's too, through
/// [`Client::new`]).
fn check_options(
    static_token: Option<&str>,
    endpoint: &str,
    plaid_script_url: &str,
    timeout_ms: u32,
) -> Result<(), CoreError> {
    if let Some(token) = static_token {
        if token.trim_ascii().is_empty() {
            return Err(CoreError::invalid(
                "token must be a non-empty Quiltt session token",
            ));
        }
        quiltt_reconnect_core::machine::check_header_value(&SessionToken::new(token))?;
    }
    check_url(endpoint, "endpoint")?;
    check_url(plaid_script_url, "plaidScriptUrl")?;
    if timeout_ms == 0 {
        return Err(CoreError::invalid(
            "timeoutMs must be a positive number of milliseconds",
        ));
    }
    Ok(())
}

/// Repairs Quiltt connections from a Rust web app.
///
/// # Examples
/// ```no_run
/// use quiltt_reconnect::{Client, ClientOptions, ConnectorPlaidInitializeInput, ReconnectResult, SessionToken};
///
/// async fn repair(session: &str) -> Result<(), quiltt_reconnect::Error> {
///     let client = Client::new(ClientOptions::new(SessionToken::new(session)))?;
///     let mut input = ConnectorPlaidInitializeInput::new("conn_login_required");
///     input.features_required = Some(vec!["ACCOUNT_BALANCES_AND_TRANSACTIONS".into()]);
///     match client.reconnect(&input).await? {
///         ReconnectResult::Repaired { .. } => {}        // nothing to do
///         ReconnectResult::Reconnected { connection, .. } => { let _ = connection.accounts; }
///         ReconnectResult::Exited { error, .. } => { let _ = error; } // the user left Link
///     }
///     Ok(())
/// }
/// ```
pub struct Client {
    pub(crate) io: BrowserIo,
    pub(crate) events: EventSink,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("io", &self.io)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with `options`.
    ///
    /// # Errors
    /// `INVALID_INPUT` when a URL is not `http(s)` or holds credentials, the timeout is zero,
    /// or a static token is blank.
    pub fn new(options: ClientOptions) -> Result<Self, Error> {
        crate::web::json::use_page_json();
        crate::web::sweep(js_sys::Date::now());
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
        if let Some(nonce) = &options.nonce {
            if !crate::web::is_nonce(nonce) {
                return Err(CoreError::invalid(
                    "nonce must be the page's CSP nonce (base64 characters, not empty)",
                )
                .into());
            }
        }
        Ok(Client {
            io: BrowserIo {
                endpoint: options.endpoint,
                token: options.token,
                timeout_ms: options.timeout_ms,
                script_url: options.plaid_script_url,
                nonce: options.nonce,
                policy: options.retry_policy,
                schema: options.schema,
            },
            events: options.on_event.unwrap_or_else(|| Rc::new(|_| {})),
        })
    }

    /// Loads Plaid's script ahead of time (idempotent, shared by every client on the page).
    ///
    /// # Errors
    /// `PLAID_SCRIPT` when the script fails to load or defines no `window.Plaid`.
    pub async fn preload(&self) -> Result<(), Error> {
        self.sweep();
        Ok(driver::Io::script(&self.io).await?)
    }

    /// Runs the reconnect flow for `input.connection_id`.
    ///
    /// # Errors
    /// See [`driver::reconnect`].
    pub async fn reconnect(
        &self,
        input: &ConnectorPlaidInitializeInput,
    ) -> Result<ReconnectResult, Error> {
        self.reconnect_until(input, ReconnectOptions::default(), std::future::pending())
            .await
    }

    /// Runs the reconnect flow with `options`, rejecting `ABORTED` when `cancel` finishes first
    /// (an open Link is closed; a close already sent after Link succeeded is seen through).
    ///
    /// # Errors
    /// See [`driver::reconnect`].
    pub async fn reconnect_until(
        &self,
        input: &ConnectorPlaidInitializeInput,
        options: ReconnectOptions,
        cancel: impl Future<Output = ()>,
    ) -> Result<ReconnectResult, Error> {
        self.sweep();
        if let Some(uri) = &input.redirect_uri {
            check_page_url(uri, "redirectUri")?;
        }
        let events = Rc::clone(&self.events);
        Ok(driver::reconnect(&self.io, input, options, events, cancel).await?)
    }

    /// Finishes what an earlier page of this tab left unfinished at the client's endpoint: Link
    /// opened again after a reload while it was open, or after an OAuth bank sent the user back
    /// to this page (`?oauth_state_id=…`, then passed to Link); a close sent again after a reload
    /// before its answer. `None` when there is nothing to finish, so any page can call it when it
    /// loads.
    ///
    /// # Errors
    /// As [`Client::reconnect`], from Link on.
    pub async fn resume(&self) -> Result<Option<ReconnectResult>, Error> {
        let href = crate::web::page_url();
        self.resume_from(href.as_deref(), None, std::future::pending())
            .await
    }

    /// [`Client::resume`] at the page address `url` (default: the page's own), for
    /// `connection_id` only when given, cancelled by `cancel` (a flow resumed and cancelled keeps
    /// its record for a later try).
    ///
    /// # Errors
    /// `INVALID_INPUT` when `url` is not an absolute `https:` URL (`http:` on localhost) without
    /// credentials; otherwise as [`Client::resume`].
    pub async fn resume_from(
        &self,
        url: Option<&str>,
        connection_id: Option<&str>,
        cancel: impl Future<Output = ()>,
    ) -> Result<Option<ReconnectResult>, Error> {
        match self.resumable(url, connection_id)? {
            Some(flow) => Ok(Some(driver::run(flow, &self.io, cancel).await?)),
            None => Ok(None),
        }
    }

    /// The flow to resume at page address `url`, its record claimed, ready to run (the
    /// JavaScript class runs it as a promise).
    ///
    /// # Errors
    /// `INVALID_INPUT` for a `url` that is not an absolute `https:` URL (`http:` on localhost)
    /// without credentials.
    pub(crate) fn resumable(
        &self,
        url: Option<&str>,
        connection_id: Option<&str>,
    ) -> Result<Option<Reconnect>, CoreError> {
        self.sweep();
        if let Some(url) = url {
            check_page_url(url, "url")?;
        }
        let from_bank = url.filter(|url| from_bank(url));
        let events = Rc::clone(&self.events);
        Ok(driver::resumable(
            &self.io,
            from_bank,
            connection_id,
            events,
        ))
    }

    /// Deletes the saved records of this tab that expired (and no flow of the page owns).
    pub(crate) fn sweep(&self) {
        crate::web::sweep(js_sys::Date::now());
    }

    /// Sends again the close a `CLOSE_FAILED` error carries ([`pending_close`](quiltt_reconnect_core::Error::pending_close)).
    ///
    /// # Errors
    /// `INVALID_INPUT` when the error carries no pending close; otherwise as
    /// [`driver::retry_close`].
    pub async fn retry_close(&self, failed: &Error) -> Result<ReconnectResult, Error> {
        self.sweep();
        let pending = failed.pending_close().cloned().ok_or_else(|| {
            CoreError::new(
                ErrorCode::InvalidInput,
                "this error has no close to retry (only CLOSE_FAILED errors do)",
            )
        })?;
        Ok(driver::retry_close(&self.io, pending).await?)
    }

    /// Stores `input.metadata` on the connection.
    ///
    /// # Errors
    /// See [`driver::update_metadata`].
    pub async fn update_metadata(
        &self,
        input: &ConnectionUpdateInput,
    ) -> Result<Connection, Error> {
        self.sweep();
        Ok(driver::update_metadata(&self.io, input, std::future::pending()).await?)
    }

    /// Reads one connection; `None` when Quiltt knows no such id.
    ///
    /// # Errors
    /// See [`driver::connection`].
    pub async fn connection(&self, id: &str) -> Result<Option<Connection>, Error> {
        self.sweep();
        Ok(driver::connection(&self.io, id, std::future::pending()).await?)
    }

    /// Watches connection `id`: reads it on a backed-off schedule (`options.interval_ms`, then
    /// half as long again each time) and yields it each time its status changes, ending after
    /// a status `options.until` names (default: `SYNCED` or any `ERROR_*`), or with one error.
    /// It only reads. Dropping the stream stops it.
    ///
    /// ```no_run
    /// # async fn run(client: &quiltt_reconnect::Client) {
    /// use futures_core::Stream;
    /// use quiltt_reconnect::WatchOptions;
    /// let mut changes = std::pin::pin!(client.watch("conn_1", WatchOptions::default()));
    /// while let Some(change) = std::future::poll_fn(|cx| changes.as_mut().poll_next(cx)).await {
    ///     match change {
    ///         Ok(connection) => println!("{:?}", connection.status),
    ///         Err(e) => println!("{}: {e}", e.code().as_str()), // TIMEOUT past the bound
    ///     }
    /// }
    /// # }
    /// ```
    ///
    /// # Errors
    /// The stream's last item: see [`driver::watch`] (`INVALID_INPUT` before any request for a
    /// blank id or bad options).
    pub fn watch(&self, id: &str, options: WatchOptions) -> WatchStream<'_> {
        self.sweep();
        let changes = Rc::new(RefCell::new(VecDeque::new()));
        let sink = Rc::clone(&changes);
        let changed: Rc<dyn Fn(&Connection)> =
            Rc::new(move |c: &Connection| sink.borrow_mut().push_back(c.clone()));
        let id = id.to_owned();
        WatchStream::new(changes, async move {
            Ok(driver::watch(&self.io, &id, options, changed, std::future::pending()).await?)
        })
    }

    /// Lists the connections `filter` selects, e.g. those that need repair.
    ///
    /// # Errors
    /// See [`driver::connections`].
    pub async fn connections(&self, filter: &ConnectionFilter) -> Result<Vec<Connection>, Error> {
        self.sweep();
        Ok(driver::connections(&self.io, filter, std::future::pending()).await?)
    }
}

//! `quiltt-sandbox`: a local stand-in for Quiltt's GraphQL API and Plaid Link.
//!
//! It is the default backend of the quiltt-reconnect demo and of every test: a GraphQL endpoint
//! at `/v1/graphql` that answers like Quiltt's live API in each of its published schema
//! generations ([`SchemaGeneration`], built from the published SDL), an
//! in-memory store of connections with Plaid-like token rules, a Plaid Link stand-in script at
//! `/link/v2/stable/link-initialize.js`, admin and fault-injection endpoints under
//! `/__sandbox/`, and static files (`--www`, `--pkg`). See `README.md` for the HTTP API.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sandbox = quiltt_sandbox::spawn(quiltt_sandbox::SandboxConfig::default()).await?;
//! println!("GraphQL at {}/v1/graphql", sandbox.url());
//! sandbox.stop().await
//! # }
//! ```
#![deny(missing_docs)]

mod admin;
mod endpoint;
mod faults;
mod link;
mod log;
mod schema;
mod static_files;
mod store;
mod util;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderName, Method};
use axum::serve::ListenerExt;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tower_http::cors::{Any, CorsLayer};

pub use schema::{sdl as schema_sdl, SchemaGeneration};
pub use store::ConnectionStatus;

/// The default accepted session token.
pub const DEFAULT_SESSION_TOKEN: &str = "sandbox-session-token";

/// The Content-Security-Policy sent with HTML pages when [`SandboxConfig::csp`] is set.
pub const STRICT_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/// The name of the Trusted Types policy quiltt-reconnect creates: the only one the
/// [`StrictCsp`] policy's `trusted-types` directive allows.
pub const TRUSTED_TYPES_POLICY: &str = "quiltt-reconnect";

/// A strict, nonce-based Content-Security-Policy with Trusted Types for HTML pages
/// ([`SandboxConfig::strict_csp`], `--strict-csp`): what a page that follows current CSP advice
/// sends. Every response gets a fresh nonce, which the sandbox also puts on the page's own
/// `<script>` tags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StrictCsp {
    /// `script-src 'nonce-…' 'wasm-unsafe-eval'`: a script runs only with the response's nonce,
    /// also one a script adds (Plaid's, which quiltt-reconnect adds with the page's nonce).
    #[default]
    NonceOnly,
    /// The same with `'strict-dynamic'`: a script a nonced script adds runs without a nonce.
    StrictDynamic,
}

impl StrictCsp {
    /// The policy with `nonce`: `default-src 'self'; script-src 'nonce-<nonce>' 'wasm-unsafe-eval'
    /// ['strict-dynamic']; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src
    /// 'none'; base-uri 'none'; frame-ancestors 'none'; require-trusted-types-for 'script';
    /// trusted-types quiltt-reconnect`.
    pub fn policy(self, nonce: &str) -> String {
        let dynamic = match self {
            StrictCsp::NonceOnly => "",
            StrictCsp::StrictDynamic => " 'strict-dynamic'",
        };
        format!(
            "default-src 'self'; script-src 'nonce-{nonce}' 'wasm-unsafe-eval'{dynamic}; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types {TRUSTED_TYPES_POLICY}"
        )
    }

    /// `nonce-only` or `strict-dynamic`, as `--strict-csp` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            StrictCsp::NonceOnly => "nonce-only",
            StrictCsp::StrictDynamic => "strict-dynamic",
        }
    }
}

impl std::fmt::Display for StrictCsp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for StrictCsp {
    type Err = String;

    /// Accepts `nonce-only` (or `nonce`) and `strict-dynamic`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "nonce-only" | "nonce" => Ok(StrictCsp::NonceOnly),
            "strict-dynamic" => Ok(StrictCsp::StrictDynamic),
            other => Err(format!(
                "unknown strict CSP {other:?}: use nonce-only or strict-dynamic"
            )),
        }
    }
}

/// Path of the GraphQL endpoint.
pub const GRAPHQL_PATH: &str = "/v1/graphql";

/// Path of the Plaid Link stand-in script.
pub const LINK_SCRIPT_PATH: &str = "/link/v2/stable/link-initialize.js";

/// How the sandbox is set up.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// The accepted `Authorization: Bearer` token.
    pub session_token: String,
    /// How long a link token lives (changeable at run time with `POST /__sandbox/config`).
    pub link_token_ttl: Duration,
    /// Directory served at `/` (the demo page), if any.
    pub www_dir: Option<PathBuf>,
    /// Directory served at `/pkg/` (the built npm package), if any.
    pub pkg_dir: Option<PathBuf>,
    /// Add [`STRICT_CSP`] to HTML responses.
    pub csp: bool,
    /// Serve HTML responses under this nonce-based policy with Trusted Types instead (a fresh
    /// nonce per response, put on the page's `<script>` tags too); wins over `csp`.
    pub strict_csp: Option<StrictCsp>,
    /// The generation of Quiltt's schema served at start and after a reset (changeable at run
    /// time with `POST /__sandbox/config`); default 2025.
    pub schema: SchemaGeneration,
    /// How long a repaired connection stays `SYNCING` before it settles in
    /// [`sync_outcome`](Self::sync_outcome) (changeable at run time with
    /// `POST /__sandbox/config`); default zero: the close settles it at once.
    pub sync_delay: Duration,
    /// The status a repaired connection settles in (changeable at run time with
    /// `POST /__sandbox/config`); default `SYNCED`. Meant to be one of
    /// [`ConnectionStatus::SYNC_OUTCOMES`].
    pub sync_outcome: ConnectionStatus,
}

impl SandboxConfig {
    /// [`sync_delay`](Self::sync_delay) and [`sync_outcome`](Self::sync_outcome) together.
    fn sync_settings(&self) -> store::SyncSettings {
        store::SyncSettings {
            delay: self.sync_delay,
            outcome: self.sync_outcome,
        }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            session_token: DEFAULT_SESSION_TOKEN.to_owned(),
            link_token_ttl: Duration::from_secs(1800),
            www_dir: None,
            pkg_dir: None,
            csp: false,
            strict_csp: None,
            schema: SchemaGeneration::default(),
            sync_delay: Duration::ZERO,
            sync_outcome: ConnectionStatus::Synced,
        }
    }
}

/// State shared by every handler.
pub(crate) struct AppState {
    pub(crate) config: SandboxConfig,
    store: Mutex<store::Store>,
    faults: Mutex<faults::Faults>,
    requests: Mutex<log::RequestLog>,
    generation: Mutex<SchemaGeneration>,
    pub(crate) script_loads: AtomicU64,
    shutdown_tx: watch::Sender<bool>,
    /// Wakes the requests a `hang` knob holds when the knobs are cleared.
    pub(crate) hangs_released: tokio::sync::Notify,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl AppState {
    fn new(config: SandboxConfig) -> Self {
        let (shutdown_tx, _) = watch::channel(false);
        Self {
            store: Mutex::new(store::Store::new(
                config.link_token_ttl,
                config.sync_settings(),
            )),
            faults: Mutex::default(),
            requests: Mutex::default(),
            generation: Mutex::new(config.schema),
            script_loads: AtomicU64::new(0),
            shutdown_tx,
            hangs_released: tokio::sync::Notify::new(),
            config,
        }
    }

    /// The store, with every sync that is due settled: every handler reads it through here,
    /// so no one sees a connection `SYNCING` after its delay.
    pub(crate) fn store(&self) -> MutexGuard<'_, store::Store> {
        let mut store = lock(&self.store);
        store.settle(Instant::now());
        store
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, faults::Faults> {
        lock(&self.faults)
    }

    pub(crate) fn requests(&self) -> MutexGuard<'_, log::RequestLog> {
        lock(&self.requests)
    }

    /// The schema generation served now.
    pub(crate) fn generation(&self) -> SchemaGeneration {
        *lock(&self.generation)
    }

    /// Serves `generation` from now on.
    pub(crate) fn set_generation(&self, generation: SchemaGeneration) {
        *lock(&self.generation) = generation;
    }

    /// Resolves when the server shuts down (releases hanging requests).
    pub(crate) async fn shutting_down(&self) {
        let mut rx = self.shutdown_tx.subscribe();
        // An error means the sender is gone, which also means shutdown.
        let _ = rx.wait_for(|v| *v).await;
    }

    /// Applies a fault knob's latency and hang; returns true when the request must end now
    /// (with 503) because the server is shutting down or a hang was released.
    pub(crate) async fn delay_or_hang(&self, fault: &faults::Fault) -> bool {
        if let Some(latency) = fault.latency() {
            tokio::select! {
                _ = tokio::time::sleep(latency) => {}
                _ = self.shutting_down() => return true,
            }
        }
        if fault.hang {
            // Held until the knobs are cleared (then answered 503) or the server stops.
            tokio::select! {
                _ = self.hangs_released.notified() => {}
                _ = self.shutting_down() => {}
            }
            return true;
        }
        false
    }
}

/// What handlers get from the router.
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) app: Arc<AppState>,
    pub(crate) schemas: schema::Schemas,
}

fn build(config: SandboxConfig) -> (Router, Arc<AppState>) {
    let app = Arc::new(AppState::new(config));
    let shared = Shared {
        app: app.clone(),
        schemas: schema::Schemas::build(Some(app.clone())),
    };
    let routes = Router::new()
        .merge(endpoint::routes())
        .merge(admin::routes())
        .merge(link::routes())
        .with_state(shared);
    let routes = static_files::attach(routes, &app.config);
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([header::RETRY_AFTER, HeaderName::from_static("x-request-id")])
        .max_age(Duration::from_secs(600));
    (routes.layer(cors), app)
}

/// The sandbox as an axum router, for in-process use (`tower::ServiceExt::oneshot` or your own
/// server). Hanging fault knobs only end when the client gives up; prefer [`serve`] or [`spawn`].
pub fn router(config: SandboxConfig) -> Router {
    build(config).0
}

/// Serves the sandbox on `listener` until `shutdown` resolves, then shuts down gracefully
/// (requests hanging because of a fault knob are released with HTTP 503).
pub async fn serve(
    listener: TcpListener,
    config: SandboxConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let (router, app) = build(config);
    // Replies go out as soon as they are written, as production servers send them (nginx's
    // `tcp_nodelay on`): with Nagle's algorithm a small body written after its headers waits for
    // the client's delayed ACK, 40 ms on Linux, which the bench and tests would count as ours.
    let listener = listener.tap_io(|stream| {
        if let Err(e) = stream.set_nodelay(true) {
            eprintln!("quiltt-sandbox: TCP_NODELAY not set on a connection: {e}");
        }
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            app.shutdown_tx.send_replace(true);
        })
        .await
}

/// A sandbox running on a background task; stops when [`RunningSandbox::stop`] is called or
/// when dropped.
pub struct RunningSandbox {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<io::Result<()>>>,
}

impl RunningSandbox {
    /// The bound address (127.0.0.1 and the picked port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, e.g. `http://127.0.0.1:8787` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Shuts down gracefully and waits for the server to finish.
    pub async fn stop(mut self) -> io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `127.0.0.1:0` and serves the sandbox on a background tokio task.
pub async fn spawn(config: SandboxConfig) -> io::Result<RunningSandbox> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, config, async move {
        let _ = rx.await;
    }));
    Ok(RunningSandbox {
        addr,
        shutdown: Some(tx),
        task: Some(task),
    })
}

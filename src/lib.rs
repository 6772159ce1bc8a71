//! # quiltt-reconnect
//!
//! Repairs broken Quiltt bank connections from the browser. It runs Quiltt's update flow for
//! Plaid (`connectorPlaidInitialize` → `CONTINUE` or `ACTION_REQUIRED` → Plaid Link in update
//! mode → `connectorPlaidClose`) and stores custom JSON on a connection (`connectionUpdate`).
//!
//! Layers, top to bottom:
//! - `js`: the `QuilttReconnect` class JavaScript sees (wasm only);
//! - `Client`: the same flow as an async Rust API for Leptos, Yew or Dioxus apps (wasm only);
//! - [`flow`]: the flow itself, a synchronous state machine that decides every step, and
//!   [`flow::reconnect`], its async driver over two seams, [`Transport`] and [`LinkLauncher`];
//!   unit-tested natively;
//! - `quiltt` (GraphQL documents, inputs, records) and `plaid` (script, Link handler).
//!
//! The flow has two drivers. Rust apps get the async one, with `fetch` and Plaid's script
//! behind the seams. The JS class runs each operation as a synchronous job (`js/job.rs`) that
//! `js/driver.js` drives: the job decides and builds every result and error, the driver does
//! the I/O. So no Rust future, and no async executor, ships in the npm package (about 6 KB
//! gzipped less).
//!
//! Where the browser is driven, a few lines of JavaScript beside the Rust module do it
//! (`plaid/script.js`, `plaid/link.js`, `quiltt/fetch.js`, `js/driver.js`, bound with
//! `#[wasm_bindgen(module)]`; wasm-bindgen ships them as snippets): a `<script>` tag, Plaid's
//! callbacks, a `fetch` and a timer cost a few KB of wasm each when driven from Rust. The Rust
//! side keeps the policy: typed errors, retries, timeouts, cancelling, and who owns what.
//!
//! No error, event or `Debug` output ever holds a session, link, connector or public token.
#![deny(missing_docs, missing_debug_implementations)]

mod error;
pub mod flow;
mod json;
mod plaid;
mod quiltt;
mod secret;
mod text;

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod interop;
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod timer;

#[cfg(target_arch = "wasm32")]
pub use client::{Client, ClientOptions, TokenSource};
pub use error::{Error, ErrorCode, QuilttError};
pub use flow::{EventSink, ReconnectEvent, ReconnectResult, Stage};
#[cfg(target_arch = "wasm32")]
pub use js::QuilttReconnect;
pub use json::{Json, ToJson};
pub use plaid::{LinkLauncher, LinkOutcome, PlaidEvent, PlaidLinkError};
pub use quiltt::input::{ConnectionUpdateInput, ConnectorPlaidInitializeInput, PendingClose};
pub use quiltt::records::{Account, Connection, ConnectorStatus, Institution, PlaidConnector};
pub use quiltt::retry::RetryPolicy;
pub use quiltt::transport::{GraphqlRequest, HttpReply, Transport};
pub use quiltt::{decode_close, decode_initialize, decode_update};
pub use secret::{ConnectorToken, LinkToken, PublicToken, SessionToken};

/// Quiltt's production GraphQL endpoint, the default.
pub const DEFAULT_ENDPOINT: &str = "https://api.quiltt.io/v1/graphql";
/// Plaid's Link script, the default.
pub const DEFAULT_PLAID_SCRIPT_URL: &str =
    "https://cdn.plaid.com/link/v2/stable/link-initialize.js";
/// The default per-request timeout in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 30_000;

/// The npm package's allocator (feature `talc-allocator`): smaller than the default dlmalloc.
#[cfg(all(
    feature = "talc-allocator",
    target_arch = "wasm32",
    not(target_feature = "atomics")
))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

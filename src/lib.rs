//! # quiltt-reconnect
//!
//! Repairs broken Quiltt bank connections from the browser. It runs Quiltt's update flow for
//! Plaid (`connectorPlaidInitialize` → `CONTINUE` or `ACTION_REQUIRED` → Plaid Link in update
//! mode → `connectorPlaidClose`), lists and reads connections, and stores custom JSON on a
//! connection (`connectionUpdate`).
//!
//! Layers, top to bottom, one folder (or file) each; data flows down, then back up:
//! - `js` (cargo feature `js`, which the npm package turns on): the `QuilttReconnect` class
//!   JavaScript sees, its options, errors and TypeScript types;
//! - [`Client`]: the async Rust API for Leptos, Yew or Dioxus apps (wasm32 only);
//! - `web`: the browser's `Io` (gloo-net requests with an `AbortSignal` and a timeout, timers,
//!   Plaid's script, Link, Web Locks, `sessionStorage`) and the page's JSON backend; every raw
//!   binding in `web::bindings`;
//! - [`quiltt_reconnect_core`]: the sans-IO core (the driver, the catalogue of operations, the
//!   machines holding every policy, Quiltt's documents and records, Plaid's side), which depends
//!   on nothing of the browser; this crate re-exports what apps use.
//!
//! JSON text is the browser's job: replies are parsed by `JSON.parse` and requests written by
//! `JSON.stringify`, and app or Plaid metadata crosses as the JavaScript value it is ([`Json`]).
//!
//! No error, event or `Debug` output ever holds a session, link, connector or public token.
#![deny(missing_docs, missing_debug_implementations)]

#[cfg(target_arch = "wasm32")]
mod client;
mod error;
#[cfg(all(target_arch = "wasm32", feature = "js"))]
mod js;
#[cfg(target_arch = "wasm32")]
mod watch;
#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use client::{
    Client, ClientOptions, TokenFuture, TokenSource, DEFAULT_ENDPOINT, DEFAULT_PLAID_SCRIPT_URL,
    DEFAULT_TIMEOUT_MS,
};
pub use error::Error;
#[cfg(all(target_arch = "wasm32", feature = "js"))]
pub use js::QuilttReconnect;
pub use quiltt_reconnect_core::{
    Account, Connection, ConnectionFilter, ConnectionUpdateInput, ConnectorPlaidInitializeInput,
    ConnectorStatus, ErrorCode, EventSink, Features, Institution, Json, Kind, LinkFailure,
    PendingClose, PlaidConnector, PlaidEvent, PlaidLinkError, QuilttError, ReconnectEvent,
    ReconnectOptions, ReconnectResult, RetryPolicy, SchemaGeneration, SessionToken, Stage, Trail,
    TrailEntry, TrailStep, Until, WatchOptions,
};
#[cfg(target_arch = "wasm32")]
pub use watch::WatchStream;
#[cfg(target_arch = "wasm32")]
pub use web::{json_from_js, json_to_js, TRUSTED_TYPES_POLICY};

/// The npm package's allocator (feature `talc-allocator`): smaller than the default dlmalloc.
#[cfg(all(
    feature = "talc-allocator",
    target_arch = "wasm32",
    not(target_feature = "atomics")
))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

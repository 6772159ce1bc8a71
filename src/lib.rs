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
//! - [`driver`]: the one async loop that carries out what a machine asks for, over an
//!   [`driver::Io`]; `web` is the browser's `Io` (gloo-net requests with an `AbortSignal` and a
//!   timeout, timers, Plaid's script, Link through `#[wasm_bindgen]` bindings, `sessionStorage`);
//! - [`machine`]: every operation as a synchronous, sans-IO state machine holding all the
//!   policy (tokens, retries, `WAIT`/`ABORT`, link tokens, Link's load bound, the close, the
//!   OAuth state, scrubbing); unit-tested natively;
//! - `quiltt` (GraphQL documents, inputs, records, replies) and `plaid` (what Link takes and
//!   gives), plain data.
//!
//! JSON text is the browser's job: replies are parsed by `JSON.parse` and requests written by
//! `JSON.stringify`, and app or Plaid metadata crosses as the JavaScript value it is ([`Json`]).
//!
//! No error, event or `Debug` output ever holds a session, link, connector or public token.
#![deny(missing_docs, missing_debug_implementations)]

pub mod driver;
mod error;
mod id;
pub mod machine;
mod plaid;
mod quiltt;
mod secret;
mod value;

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(all(target_arch = "wasm32", feature = "js"))]
mod js;
#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use client::{
    Client, ClientOptions, TokenFuture, TokenSource, DEFAULT_ENDPOINT, DEFAULT_PLAID_SCRIPT_URL,
    DEFAULT_TIMEOUT_MS,
};
pub use error::{Error, ErrorCode, QuilttError};
pub use id::FlowId;
#[cfg(all(target_arch = "wasm32", feature = "js"))]
pub use js::QuilttReconnect;
pub use machine::{
    EventSink, ReconnectEvent, ReconnectOptions, ReconnectResult, RetryPolicy, SavedFlow, Stage,
};
pub use plaid::{LinkConfig, LinkFailure, LinkOutcome, PlaidEvent, PlaidLinkError};
pub use quiltt::{
    decode_close, decode_connection, decode_connections, decode_initialize, decode_update, Account,
    Connection, ConnectionFilter, ConnectionUpdateInput, ConnectorPlaidInitializeInput,
    ConnectorStatus, Features, GraphqlRequest, HttpReply, Institution, PendingClose,
    PlaidConnector, SchemaGeneration,
};
pub use secret::{ConnectorToken, LinkToken, PublicToken, SessionToken};
pub use value::Json;

/// The npm package's allocator (feature `talc-allocator`): smaller than the default dlmalloc.
#[cfg(all(
    feature = "talc-allocator",
    target_arch = "wasm32",
    not(target_feature = "atomics")
))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

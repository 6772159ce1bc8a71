//! # quiltt-reconnect-core
//!
//! The sans-IO core of [quiltt-reconnect](https://docs.rs/quiltt-reconnect): Quiltt's update
//! flow for Plaid (`connectorPlaidInitialize` → `CONTINUE` or `ACTION_REQUIRED` → Plaid Link in
//! update mode → `connectorPlaidClose`), reading connections and storing custom JSON on them
//! (`connectionUpdate`), as synchronous state machines, with no I/O of its own. It is to the
//! browser crate what quinn-proto is to quinn: this crate depends on no wasm-bindgen, web-sys or
//! gloo, so the compiler keeps every decision here free of the platform.
//!
//! Layers, top to bottom; data flows down, then back up:
//! - [`driver`]: the one async loop that carries out what a machine asks for, over an
//!   [`driver::Io`] (the browser crate's is `BrowserIo`; tests bring a scripted one);
//! - [`operations`]: the catalogue: each operation's request, decoder and machine, named once;
//! - [`machine`]: every operation as a synchronous state machine holding all the policy
//!   (tokens, retries, `WAIT`/`ABORT`, link tokens, Link's load bound, the close, the saved
//!   flow, scrubbing);
//! - `quiltt` (GraphQL documents, inputs, records, replies) and `plaid` (what Link takes and
//!   gives): plain data; [`Json`], [`Error`], the secrets.
//!
//! A [`Json`] is the host's value (the page's own in the browser): the host installs its
//! [`json::Backend`]; natively the `serde_json` feature (on by default) gives one.
//!
//! No error, event or `Debug` output ever holds a session, link, connector or public token.
#![deny(missing_docs, missing_debug_implementations)]

pub mod driver;
mod error;
mod id;
pub mod json;
pub mod machine;
pub mod operations;
mod plaid;
mod quiltt;
mod secret;
mod trail;

pub use error::{Error, ErrorCode, QuilttError};
pub use id::FlowId;
pub use json::{Json, Kind};
pub use machine::{
    EventSink, ReconnectEvent, ReconnectOptions, ReconnectResult, RetryPolicy, SavedFlow, Stage,
    Until, WatchOptions,
};
pub use plaid::{LinkConfig, LinkFailure, LinkOutcome, PlaidEvent, PlaidLinkError};
pub use quiltt::{
    decode_close, decode_connection, decode_connections, decode_initialize, decode_update, Account,
    Connection, ConnectionFilter, ConnectionUpdateInput, ConnectorPlaidInitializeInput,
    ConnectorStatus, Features, GraphqlRequest, HttpReply, Institution, PendingClose,
    PlaidConnector, SchemaGeneration,
};
pub use secret::{redact_all, ConnectorToken, LinkToken, PublicToken, SessionToken};
pub use trail::{Trail, TrailEntry, TrailStep};

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

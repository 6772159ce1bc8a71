//! The bridge's operations as synchronous, sans-IO state machines: every decision and no I/O.
//!
//! A machine never waits and never touches the network, a timer, storage or Plaid. Each call
//! takes what the driver saw ([`Seen`]: a token, a reply, a script load, how Link ended) and the
//! time, and returns the next [`Step`] for the driver to carry out. Every policy lives here:
//! the session token and its refresh after a 401, which failure to retry and after how long,
//! `WAIT` and `ABORT`, an expired or refused link token, Link's load bound, the close after
//! Link's success and what to do when it fails, what a flow saves to be finished after a reload
//! or a bank's redirect and when it lets it go, the events, and the secrets to scrub from errors.
//!
//! This module imports nothing from the driver, the browser layer or the JavaScript layer; its
//! tests run natively.

mod dry_run;
mod exchange;
mod outcome;
mod reconnect;
mod request;
mod retry;
mod saved;
mod secrets;
mod step;
mod trail;
mod watch;

pub use dry_run::dry_run;
pub use exchange::check_header_value;
pub use outcome::{EventSink, ReconnectEvent, ReconnectResult, Stage};
pub use reconnect::Reconnect;
pub use reconnect::{ReconnectOptions, CONFIRM_INTERVAL_MS, CONFIRM_TIMEOUT_MS};
pub use request::Request;
pub use retry::RetryPolicy;
pub use saved::resumable_first;
pub use saved::SavedFlow;
pub use step::{aborted, out_of_turn, Clock, Operation, SchemaChoice, Seen, Settings, Step, Steps};
pub use watch::{Until, Watch, WatchOptions, MAX_INTERVAL_MS, MIN_INTERVAL_MS, SYNCING};

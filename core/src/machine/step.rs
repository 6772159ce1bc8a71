//! The protocol between a machine and its driver: the [`Step`] a machine asks for, what the
//! driver [`Seen`], the [`Clock`] and [`Settings`] steps are decided with, and the [`Steps`] /
//! [`Operation`] traits every machine implements.

use std::rc::Rc;

use super::retry::RetryPolicy;
use super::saved::SavedFlow;
use crate::error::{Error, ErrorCode};
use crate::id::FlowId;
use crate::plaid::{LinkConfig, LinkFailure, LinkOutcome, PlaidEvent};
use crate::quiltt::{GraphqlRequest, HttpReply, SchemaGeneration};
use crate::secret::SessionToken;

/// What the driver does next.
#[derive(Debug)]
#[non_exhaustive]
pub enum Step {
    /// Get a session token (the app's string, or its function's answer, bounded by the
    /// timeout), then report [`Seen::Token`].
    Token,
    /// Send [`Steps::outgoing`]'s request with its token, then report [`Seen::Reply`].
    Send,
    /// Wait this many milliseconds, then report [`Seen::Woke`].
    Sleep(u32),
    /// Start loading Plaid's script without waiting for it, then report
    /// [`Seen::ScriptStarted`] at once.
    StartScript,
    /// Wait for Plaid's script, then report [`Seen::Script`].
    AwaitScript,
    /// Take the lock of this connection (of the driver's endpoint), waiting while another flow
    /// of the page or another tab holds it; hold it until the operation ends; then report
    /// [`Seen::Locked`].
    Lock(String),
    /// Save the flow's record (replacing an earlier one of the same id), owned by this
    /// operation, then report [`Seen::Saved`] at once.
    Save(Box<SavedFlow>),
    /// Delete the flow's record, then report [`Seen::Forgotten`] at once.
    Forget(FlowId),
    /// Keep the flow's record but no longer own it (a later page or operation may take it), then
    /// report [`Seen::Released`] at once.
    Release(FlowId),
    /// Run Link as configured, passing its events to [`Steps::plaid_events`], then report
    /// how it ended with [`Seen::Linked`].
    RunLink(LinkConfig),
    /// Remember that the endpoint speaks this generation of Quiltt's schema (for the page, and
    /// the tab's later pages), then report [`Seen::Remembered`] at once.
    Remember(SchemaGeneration),
    /// The operation is over: [`Operation::end`] gives its result.
    Done,
}

/// What the driver saw of the last step.
#[derive(Debug)]
#[non_exhaustive]
pub enum Seen {
    /// The session token, or why there is none.
    Token(Result<SessionToken, Error>),
    /// The reply, or the transport's failure (`NETWORK`, `TIMEOUT`, `INVALID_INPUT`).
    Reply(Result<HttpReply, Error>),
    /// A sleep is over.
    Woke,
    /// Plaid's script started loading.
    ScriptStarted,
    /// Plaid's script loaded, or failed to.
    Script(Result<(), Error>),
    /// The connection's lock is held.
    Locked,
    /// The flow's record was saved.
    Saved,
    /// The flow's record was deleted.
    Forgotten,
    /// The flow's record was kept and let go.
    Released,
    /// How Link ended, or why it could not run.
    Linked(Result<LinkOutcome, LinkFailure>),
    /// The endpoint's generation was remembered.
    Remembered,
}

/// The time and randomness a step is decided with.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// Now, in milliseconds since the Unix epoch.
    pub now_ms: f64,
    /// A random number in `[0, 1)` (backoff jitter, generated mutation ids).
    pub random: f64,
}

/// What a machine knows of its driver's set-up.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// How transient failures are retried.
    pub policy: RetryPolicy,
    /// Whether asking for a token again can give a fresh one (a token function): then a 401 is
    /// answered by one more token and one more request.
    pub token_refreshes: bool,
    /// The bound on Link's loading (Plaid's script has its own, in the driver).
    pub link_load_timeout_ms: u32,
    /// Which generation of Quiltt's schema to speak to the endpoint first.
    pub schema: SchemaChoice,
}

/// The generation of Quiltt's schema an operation speaks first, and whether it may change it.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::machine::SchemaChoice;
/// use quiltt_reconnect_core::SchemaGeneration;
/// let unknown = SchemaChoice::default();
/// assert_eq!(unknown.generation, SchemaGeneration::NEWEST);
/// assert!(!unknown.pinned);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaChoice {
    /// The generation to speak first: the app's, the one remembered for the endpoint, or the
    /// newest.
    pub generation: SchemaGeneration,
    /// Whether the app pinned it (the `schema` option): then a refused document is the app's
    /// `GRAPHQL` error and no other generation is tried.
    pub pinned: bool,
}

impl Default for SchemaChoice {
    fn default() -> Self {
        SchemaChoice {
            generation: SchemaGeneration::NEWEST,
            pinned: false,
        }
    }
}

/// One operation as a machine the driver runs: the steps, without the result's type, so one
/// driver loop serves every operation.
pub trait Steps {
    /// The first step.
    fn begin(&mut self, clock: Clock) -> Step;

    /// The step after `seen`.
    fn on(&mut self, seen: Seen, clock: Clock) -> Step;

    /// The request of a [`Step::Send`] and the token to send it with.
    fn outgoing(&self) -> Option<(&GraphqlRequest, &SessionToken)>;

    /// Whether a cancel ends the operation now (a reconnect, until Link has succeeded: after
    /// that the close is the user's work and is seen through).
    fn cancellable(&self) -> bool;

    /// Ends the operation with `error` (`ABORTED` for a cancel while [`Steps::cancellable`], or
    /// a driver's own failure): the step that winds it down.
    fn stop(&mut self, error: Error) -> Step;

    /// Where Link's events go while Link runs.
    fn plaid_events(&self) -> Rc<dyn Fn(PlaidEvent)>;
}

/// An operation and its result.
pub trait Operation: Steps {
    /// What the operation resolves with.
    type Output;

    /// The result reached at [`Step::Done`], with every secret the operation has seen scrubbed
    /// from an error; emits the operation's last event.
    ///
    /// # Errors
    /// The operation's error, scrubbed.
    fn end(self) -> Result<Self::Output, Error>;
}

/// A driver reported something the machine did not ask for: a bug in the driver, reported as
/// a typed error rather than a panic.
pub fn out_of_turn() -> Error {
    Error::new(
        ErrorCode::BadResponse,
        "the operation was driven out of turn (a bug in the bridge's driver)",
    )
}

/// `ABORTED`, for an operation its signal cancelled.
pub fn aborted() -> Error {
    Error::new(
        ErrorCode::Aborted,
        "the operation was aborted by its signal",
    )
}

//! The bridge's operations as synchronous, sans-IO state machines: every decision and no I/O.
//!
//! A machine never waits and never touches the network, a timer, storage or Plaid. Each call
//! takes what the driver saw ([`Seen`]: a token, a reply, a script load, how Link ended) and the
//! time, and returns the next [`Step`] for the driver to carry out. Every policy lives here:
//! the session token and its refresh after a 401, which failure to retry and after how long,
//! `WAIT` and `ABORT`, an expired or refused link token, Link's load bound, the close after
//! Link's success and what to do when it fails, the OAuth state to keep across a bank's
//! redirect, the events, and the secrets to scrub from errors.
//!
//! This module imports nothing from the driver, the browser layer or the JavaScript layer; its
//! tests run natively.

mod exchange;
#[cfg(target_arch = "wasm32")]
pub(crate) use exchange::check_header_value;
mod outcome;
mod reconnect;
mod request;
mod retry;

use std::rc::Rc;

pub use outcome::{EventSink, ReconnectEvent, ReconnectResult, Stage};
pub(crate) use reconnect::Reconnect;
pub use reconnect::{OAuthState, ReconnectOptions};
pub(crate) use request::Request;
pub use retry::RetryPolicy;

use crate::error::{Error, ErrorCode};
use crate::plaid::{LinkConfig, LinkFailure, LinkOutcome, PlaidEvent};
use crate::quiltt::{GraphqlRequest, HttpReply};
use crate::secret::{redact_all, ConnectorToken, LinkToken, PublicToken, SessionToken};
use crate::value::Json;

/// What the driver does next.
#[derive(Debug)]
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
    /// Save (or, with `None`, delete) the state an OAuth redirect must not lose, then report
    /// [`Seen::Stored`] at once.
    Store(Option<OAuthState>),
    /// Run Link as configured, passing its events to [`Steps::plaid_events`], then report
    /// how it ended with [`Seen::Linked`].
    RunLink(LinkConfig),
    /// The operation is over: [`Operation::end`] gives its result.
    Done,
}

/// What the driver saw of the last step.
#[derive(Debug)]
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
    /// The OAuth state was stored or deleted.
    Stored,
    /// How Link ended, or why it could not run.
    Linked(Result<LinkOutcome, LinkFailure>),
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

/// The tokens an operation has seen, scrubbed from any error it returns.
#[derive(Default)]
pub(crate) struct Secrets {
    session: Vec<SessionToken>,
    link: Vec<LinkToken>,
    connector: Vec<ConnectorToken>,
    public: Vec<PublicToken>,
}

impl Secrets {
    pub(crate) fn session(&mut self, token: &SessionToken) {
        if !self.session.contains(token) {
            self.session.push(token.clone());
        }
    }

    pub(crate) fn link(&mut self, token: &LinkToken) {
        self.link.push(token.clone());
    }

    pub(crate) fn connector(&mut self, token: &ConnectorToken) {
        self.connector.push(token.clone());
    }

    pub(crate) fn public(&mut self, token: &PublicToken) {
        self.public.push(token.clone());
    }

    /// Every token seen.
    fn all(&self) -> Vec<&str> {
        (self.session.iter().map(SessionToken::expose_secret))
            .chain(self.link.iter().map(LinkToken::expose_secret))
            .chain(self.connector.iter().map(ConnectorToken::expose_secret))
            .chain(self.public.iter().map(PublicToken::expose_secret))
            .collect()
    }

    /// `error` with every token seen replaced by `[redacted]`, in every text it carries and in
    /// Link's metadata on it.
    pub(crate) fn scrub(&self, error: Error) -> Error {
        let secrets = self.all();
        error
            .redact(|text| redact_all(text, &secrets))
            .scrub_link_metadata(|metadata| metadata.redacted(&secrets))
    }

    /// `text` with every token seen replaced by `[redacted]`.
    pub(crate) fn scrub_text(&self, text: &mut String) {
        redact_all(text, &self.all());
    }

    /// `value` with every token seen replaced by `[redacted]` (itself when none occurs).
    pub(crate) fn scrub_json(&self, value: &Json) -> Json {
        value.redacted(&self.all())
    }

    /// The tokens seen so far, owned (for a callback that outlives this borrow).
    pub(crate) fn snapshot(&self) -> Vec<String> {
        self.all().into_iter().map(str::to_owned).collect()
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets([redacted])")
    }
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

//! The reconnect flow as a synchronous state machine: it decides, its driver does the I/O.
//!
//! [`Machine`] never waits and never touches the network, a timer or Plaid. Each call takes
//! what the driver saw (a reply, a script load, Link's outcome, the time) and returns the next
//! [`Step`] for the driver to carry out. Every policy of the flow lives here: which request to
//! send, which failure to retry and after how long, `WAIT` and `ABORT`, an expired or invalid
//! link token, the close after Link's success and its error, the events, and the secrets to
//! scrub. It has two drivers: `flow::reconnect`, over the [`Transport`](crate::Transport) and
//! [`LinkLauncher`](crate::LinkLauncher) seams, for Rust apps; and the JS class's jobs
//! (`js/job.rs`, run by `js/driver.js`), so the npm package ships no Rust future. A driver needs
//! nothing else.

use std::rc::Rc;

use super::{generated_mutation_id, EventSink, ReconnectEvent, ReconnectResult, Secrets, Stage};
use crate::error::{Error, ErrorCode};
use crate::plaid::{LinkOutcome, PlaidEvent};
use crate::quiltt::input::{ConnectorPlaidCloseInput, ConnectorPlaidInitializeInput, PendingClose};
use crate::quiltt::records::{ConnectorStatus, PlaidConnector};
use crate::quiltt::retry::{Attempts, RetryPolicy};
use crate::quiltt::transport::{GraphqlRequest, HttpReply};
use crate::quiltt::{close_request, decode_close, decode_initialize, initialize_request};
use crate::secret::{ConnectorToken, LinkToken};
use crate::text::{decimal, text};

/// What the driver does next.
#[derive(Debug)]
pub(crate) enum Step {
    /// Start loading Plaid's script without waiting for it, then call [`Machine::preloaded`].
    Preload,
    /// Send [`Machine::request`], then pass the result to [`Machine::replied`].
    Post,
    /// Wait this many milliseconds, then call [`Machine::woke`].
    Sleep(u32),
    /// Wait for Plaid's script, then pass the result to [`Machine::script_loaded`].
    AwaitScript,
    /// Open Link with this token (forwarding its events to [`Machine::plaid_events`]), then pass
    /// how it ended to [`Machine::linked`].
    OpenLink(LinkToken),
    /// The flow is over: hand the result to [`Machine::end`].
    Done(Result<ReconnectResult, Error>),
}

/// What the request in flight is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    Initialize,
    Close,
}

/// One reconnect flow, from a validated input to its result.
pub(crate) struct Machine {
    connection_id: String,
    /// The app's `clientMutationId`, which the close reuses.
    client_mutation_id: Option<String>,
    events: EventSink,
    policy: RetryPolicy,
    secrets: Secrets,
    /// The request to send at the next [`Step::Post`], the same one at every retry.
    request: GraphqlRequest,
    attempts: Attempts,
    purpose: Purpose,
    /// Whether the sleep under way is a retry of `request` (else it waits out `WAIT`).
    retrying: bool,
    /// Which initialize of the current `WAIT` series this is (1 for the first).
    wait_attempt: u32,
    /// Whether a new link token was fetched already (it is, once at most).
    initialized_again: bool,
    /// `ACTION_REQUIRED`'s record and tokens, while Link is loading or open.
    linking: Option<(PlaidConnector, LinkToken, ConnectorToken)>,
    /// The close to send after Link's success.
    pending: Option<PendingClose>,
}

impl std::fmt::Debug for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Machine")
            .field("connection_id", &self.connection_id)
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

impl Machine {
    /// Validates `input` for a flow; [`Machine::begin`] starts it.
    ///
    /// # Errors
    /// `INVALID_INPUT`, before any event or request.
    pub(crate) fn start(
        input: &ConnectorPlaidInitializeInput,
        events: &EventSink,
        policy: RetryPolicy,
    ) -> Result<Machine, Error> {
        input.validate()?;
        Ok(Machine {
            request: initialize_request(input),
            attempts: Attempts::first(0.0),
            connection_id: input.connection_id.clone(),
            client_mutation_id: input.client_mutation_id.clone(),
            events: Rc::clone(events),
            policy,
            secrets: Secrets::default(),
            purpose: Purpose::Initialize,
            retrying: false,
            wait_attempt: 1,
            initialized_again: false,
            linking: None,
            pending: None,
        })
    }

    /// Starts the flow: its first event, `initializing`, and its first step, [`Step::Preload`].
    pub(crate) fn begin(&self) -> Step {
        self.progress(Stage::Initializing);
        Step::Preload
    }

    /// Whether a cancel ends the flow now: until Link has succeeded. After that the close is
    /// sent to the end, since dropping it would lose the user's work.
    pub(crate) fn cancellable(&self) -> bool {
        self.purpose != Purpose::Close
    }

    /// The request of the current [`Step::Post`].
    pub(crate) fn request(&self) -> &GraphqlRequest {
        &self.request
    }

    /// Passes one of Link's own events to the app's sink, as a `plaid` event of this connection
    /// (for the JS class's jobs, whose Link runs in `driver.js`).
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn plaid_event(&self, event: PlaidEvent) {
        (self.events)(plaid_event(&self.connection_id, event));
    }

    /// [`Machine::plaid_event`] as a function a Link launcher can keep while Link is open.
    pub(crate) fn plaid_events(&self) -> Rc<dyn Fn(PlaidEvent)> {
        let (events, id) = (Rc::clone(&self.events), self.connection_id.clone());
        Rc::new(move |event| events(plaid_event(&id, event)))
    }

    /// Plaid's script is loading: initialize now, so the critical path is the slower of the two.
    pub(crate) fn preloaded(&mut self, now_ms: f64) -> Step {
        self.first_attempt(Purpose::Initialize, now_ms)
    }

    /// A sleep asked for by [`Step::Sleep`] is over.
    pub(crate) fn woke(&mut self, now_ms: f64) -> Step {
        if self.retrying {
            self.retrying = false;
            return Step::Post;
        }
        self.wait_attempt += 1;
        self.first_attempt(Purpose::Initialize, now_ms)
    }

    /// The transport's answer to [`Step::Post`]: a retry, or the next stage.
    pub(crate) fn replied(
        &mut self,
        result: Result<HttpReply, Error>,
        now_ms: f64,
        random: f64,
    ) -> Step {
        if let Some(delay) = self.attempts.retry(&self.policy, &result, now_ms, random) {
            self.retrying = true;
            return Step::Sleep(delay);
        }
        match self.purpose {
            Purpose::Initialize => match result.and_then(decode_initialize) {
                Ok(connector) => self.initialized(connector, random),
                Err(e) => Step::Done(Err(e)),
            },
            Purpose::Close => Step::Done(match result.and_then(decode_close) {
                Ok(connection) => Ok(ReconnectResult::Reconnected { connection }),
                Err(e) => Err(match &self.pending {
                    Some(pending) => close_failed(e, pending),
                    None => e,
                }),
            }),
        }
    }

    /// Initialize's record: wait out `WAIT`, refuse `ABORT`, end on `CONTINUE`, or load Link.
    fn initialized(&mut self, connector: PlaidConnector, random: f64) -> Step {
        match connector.connector_status {
            ConnectorStatus::Wait if self.wait_attempt < self.policy.attempts => {
                return Step::Sleep(self.policy.backoff_ms(self.wait_attempt, random));
            }
            ConnectorStatus::Wait => {
                return Step::Done(Err(Error::new(
                    ErrorCode::Timeout,
                    text!(
                        "Quiltt still answered connectorStatus WAIT after ",
                        decimal(i64::from(self.wait_attempt)),
                        " attempts"
                    ),
                )))
            }
            ConnectorStatus::Abort => {
                return Step::Done(Err(Error::new(
                    ErrorCode::ConnectorAborted,
                    "Quiltt answered connectorStatus ABORT: this connection can't be repaired now",
                )))
            }
            ConnectorStatus::Continue | ConnectorStatus::ActionRequired => {}
        }
        self.secrets.remember(&connector);
        if connector.connector_status == ConnectorStatus::Continue {
            return Step::Done(Ok(ReconnectResult::Repaired { connector }));
        }
        let missing = |field: &str| {
            Step::Done(Err(Error::new(
                ErrorCode::BadResponse,
                text!(
                    "unexpected response from Quiltt: ACTION_REQUIRED without a ",
                    field
                ),
            )))
        };
        let Some(link_token) = connector.link_token.clone() else {
            return missing("linkToken");
        };
        let Some(connector_token) = connector.connector_token.clone() else {
            return missing("connectorToken");
        };
        self.linking = Some((connector, link_token, connector_token));
        self.progress(Stage::LinkLoading);
        Step::AwaitScript
    }

    /// Plaid's script has loaded (or failed to): open Link, or replace a link token that has
    /// expired meanwhile (once).
    pub(crate) fn script_loaded(&mut self, result: Result<(), Error>, now_ms: f64) -> Step {
        if let Err(e) = result {
            return Step::Done(Err(e));
        }
        let Some((connector, link_token, _)) = &self.linking else {
            return Step::Done(Err(out_of_order()));
        };
        if self.initialized_again || !connector.is_expired(now_ms) {
            let link_token = link_token.clone();
            self.progress(Stage::LinkOpen);
            return Step::OpenLink(link_token);
        }
        self.initialize_again(now_ms)
    }

    /// How Link ended: the flow's result, a new link token (once, for `INVALID_LINK_TOKEN`), or
    /// the close to send.
    pub(crate) fn linked(
        &mut self,
        result: Result<LinkOutcome, Error>,
        now_ms: f64,
        random: f64,
    ) -> Step {
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(e) => return Step::Done(Err(e)),
        };
        let (public_token, metadata) = match outcome {
            LinkOutcome::Exit { error, metadata } => {
                let invalid_token = error.as_ref().and_then(|e| e.error_code.as_deref())
                    == Some("INVALID_LINK_TOKEN");
                if !invalid_token || self.initialized_again {
                    return Step::Done(Ok(ReconnectResult::Exited { error, metadata }));
                }
                return self.initialize_again(now_ms);
            }
            LinkOutcome::Success {
                public_token: None,
                metadata,
            } => return Step::Done(Err(Error::new(
                ErrorCode::NoPublicToken,
                "Plaid Link reported success without a public token; the connection was not closed",
            )
            .with_link_metadata(metadata))),
            LinkOutcome::Success {
                public_token: Some(public_token),
                metadata,
            } => (public_token, metadata),
        };
        let Some((_, _, connector_token)) = self.linking.take() else {
            return Step::Done(Err(out_of_order()));
        };
        // Retries of the close carry the same clientMutationId, so Quiltt can tell them apart
        // from a second close.
        let client_mutation_id = self
            .client_mutation_id
            .clone()
            .unwrap_or_else(|| generated_mutation_id(random));
        self.secrets.public = Some(public_token.clone());
        let close = ConnectorPlaidCloseInput {
            client_mutation_id: Some(client_mutation_id),
            connector_token,
            metadata,
            public_token,
        };
        self.request = close_request(&close);
        self.pending = Some(PendingClose(close));
        self.progress(Stage::Closing);
        self.first_attempt(Purpose::Close, now_ms)
    }

    /// Ends the flow with `result` (the machine's own, or the driver's `ABORTED`): emits `done`
    /// and scrubs every token the flow has seen from an error.
    pub(crate) fn end(
        self,
        result: Result<ReconnectResult, Error>,
    ) -> Result<ReconnectResult, Error> {
        self.progress(Stage::Done);
        result.map_err(|e| self.secrets.scrub(e))
    }

    /// Fetches a new link token: the old one expired before Link opened, or Link refused it.
    fn initialize_again(&mut self, now_ms: f64) -> Step {
        self.initialized_again = true;
        self.linking = None;
        self.wait_attempt = 1;
        self.progress(Stage::Initializing);
        self.first_attempt(Purpose::Initialize, now_ms)
    }

    /// Sends `request` (the initialize, until Link succeeds) as its first attempt.
    fn first_attempt(&mut self, purpose: Purpose, now_ms: f64) -> Step {
        self.purpose = purpose;
        self.attempts = Attempts::first(now_ms);
        self.retrying = false;
        Step::Post
    }

    fn progress(&self, stage: Stage) {
        (self.events)(ReconnectEvent::Progress {
            connection_id: self.connection_id.clone(),
            stage,
        });
    }
}

/// Link's `event` as the `plaid` event of `connection_id`.
fn plaid_event(connection_id: &str, event: PlaidEvent) -> ReconnectEvent {
    ReconnectEvent::Plaid {
        connection_id: connection_id.to_owned(),
        name: event.name,
        metadata: event.metadata,
    }
}

/// `CLOSE_FAILED` for a close that failed after Link succeeded: it carries Link's metadata and
/// the pending close to send again, and neither of the close's tokens.
pub(crate) fn close_failed(error: Error, pending: &PendingClose) -> Error {
    let PendingClose(input) = pending;
    error
        .recoded(
            ErrorCode::CloseFailed,
            "Plaid Link succeeded but connectorPlaidClose failed",
        )
        .with_link_metadata(input.metadata.clone())
        .with_pending_close(pending.clone())
        .redact(|text| {
            input.public_token.redact(text);
            input.connector_token.redact(text);
        })
}

/// A driver called the machine (or a JS job) out of turn: a bug in the driver, reported
/// rather than a panic.
pub(crate) fn out_of_order() -> Error {
    Error::new(
        ErrorCode::BadResponse,
        "the operation was driven out of order",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Json;
    use crate::secret::PublicToken;

    fn machine() -> Machine {
        let events: EventSink = Rc::new(|_| {});
        let input = ConnectorPlaidInitializeInput::new("c1");
        Machine::start(&input, &events, RetryPolicy::default()).expect("valid input")
    }

    fn action_required() -> Result<HttpReply, Error> {
        let body = serde_json::from_str::<Json>(
            r#"{"data":{"connectorPlaidInitialize":{"success":true,"record":{
                "connectorStatus":"ACTION_REQUIRED","linkToken":"lt-1","connectorToken":"ct-1"}}}}"#,
        );
        Ok(HttpReply::new(200, body.ok()))
    }

    fn success() -> Result<LinkOutcome, Error> {
        Ok(LinkOutcome::Success {
            public_token: Some(PublicToken::new("pt-1")),
            metadata: Json::Null,
        })
    }

    #[test]
    fn driven_out_of_turn_it_ends_with_an_error_instead_of_panicking() {
        let mut early_script = machine();
        assert!(matches!(
            early_script.script_loaded(Ok(()), 0.0),
            Step::Done(Err(e)) if e.code() == ErrorCode::BadResponse
        ));
        let mut early_link = machine();
        assert!(matches!(
            early_link.linked(success(), 0.0, 0.5),
            Step::Done(Err(e)) if e.code() == ErrorCode::BadResponse
        ));
    }

    #[test]
    fn cancellable_until_link_succeeds_and_not_after() {
        let mut m = machine();
        assert!(matches!(m.begin(), Step::Preload));
        assert!(matches!(m.preloaded(0.0), Step::Post));
        assert!(matches!(
            m.replied(action_required(), 1.0, 0.5),
            Step::AwaitScript
        ));
        assert!(matches!(m.script_loaded(Ok(()), 2.0), Step::OpenLink(_)));
        assert!(m.cancellable(), "Link is open: a cancel closes it");
        assert!(matches!(m.linked(success(), 3.0, 0.5), Step::Post));
        assert!(!m.cancellable(), "the close is the user's work");
        assert_eq!(m.request().operation_name, "ConnectorPlaidClose");
        assert!(m.request().keepalive);
    }
}

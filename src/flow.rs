//! The reconnect flow as plain async Rust over two seams (a GraphQL [`Transport`] and a
//! [`LinkLauncher`]), with no web API in it, so every branch is unit-tested natively.
//! The decisions are a synchronous state machine (`flow::machine`, private); [`reconnect`]
//! drives it.

pub(crate) mod machine;

use machine::{close_failed, Machine, Step};

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::Poll;

use serde::Serialize;
use tsify::Tsify;

use crate::error::{Error, ErrorCode};
use crate::json::{Json, ToJson};
use crate::plaid::{LinkLauncher, LinkOutcome, PlaidLinkError};
use crate::quiltt::input::{ConnectionUpdateInput, ConnectorPlaidInitializeInput, PendingClose};
use crate::quiltt::records::{Connection, PlaidConnector};
use crate::quiltt::transport::{HttpReply, Transport};
use crate::quiltt::{close, update_connection};
use crate::secret::{ConnectorToken, LinkToken, PublicToken};

/// How a reconnect ended (`result.outcome` in JavaScript).
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(tag = "outcome", rename_all = "lowercase")]
#[tsify(missing_as_null)]
pub enum ReconnectResult {
    /// Initialize answered `CONTINUE`: the connection is already fine; Link was never opened.
    Repaired {
        /// The initialize record (its tokens are not included).
        connector: PlaidConnector,
    },
    /// The user went through Link and `connectorPlaidClose` repaired the connection.
    Reconnected {
        /// The repaired connection.
        connection: Connection,
    },
    /// The user left Link (or Link ended with an error); no close was sent.
    Exited {
        /// Link's error, `null` when the user simply left.
        error: Option<PlaidLinkError>,
        /// Link's exit metadata.
        #[tsify(type = "unknown")]
        metadata: Json,
    },
}

/// Where a flow is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// `connectorPlaidInitialize` is in flight.
    Initializing,
    /// Waiting for Plaid's script.
    LinkLoading,
    /// Link is open.
    LinkOpen,
    /// `connectorPlaidClose` is in flight.
    Closing,
    /// The flow ended, whatever the outcome.
    Done,
}

/// What `onEvent` receives: the flow's progress, and Plaid's own events passed through.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ReconnectEvent {
    /// The flow moved to `stage`.
    Progress {
        /// The connection being repaired.
        #[serde(rename = "connectionId")]
        connection_id: String,
        /// The new stage.
        stage: Stage,
    },
    /// Plaid Link's `onEvent(eventName, metadata)`.
    Plaid {
        /// The connection being repaired.
        #[serde(rename = "connectionId")]
        connection_id: String,
        /// Plaid's event name (`OPEN`, `TRANSITION_VIEW`, `HANDOFF`, `EXIT`, ...).
        name: String,
        /// Plaid's event metadata.
        #[tsify(type = "Record<string, unknown>")]
        metadata: Json,
    },
}

impl Stage {
    /// The stage as JavaScript sees it.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Initializing => "initializing",
            Stage::LinkLoading => "link_loading",
            Stage::LinkOpen => "link_open",
            Stage::Closing => "closing",
            Stage::Done => "done",
        }
    }
}

impl ReconnectEvent {
    /// The stage a `progress` event reports; `None` for Plaid's own events.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::{ReconnectEvent, Stage};
    /// let done = ReconnectEvent::Progress { connection_id: "c1".into(), stage: Stage::Done };
    /// assert_eq!(done.stage(), Some(Stage::Done));
    /// ```
    pub fn stage(&self) -> Option<Stage> {
        match self {
            ReconnectEvent::Progress { stage, .. } => Some(*stage),
            ReconnectEvent::Plaid { .. } => None,
        }
    }
}

impl ToJson for ReconnectResult {
    fn to_json(&self) -> Json {
        self.clone().into_json()
    }

    fn into_json(self) -> Json {
        match self {
            ReconnectResult::Repaired { connector } => Json::fields(vec![
                ("outcome", Json::from("repaired")),
                ("connector", connector.to_json()),
            ]),
            ReconnectResult::Reconnected { connection } => Json::fields(vec![
                ("outcome", Json::from("reconnected")),
                ("connection", connection.into_json()),
            ]),
            ReconnectResult::Exited { error, metadata } => Json::fields(vec![
                ("outcome", Json::from("exited")),
                ("error", error.to_json()),
                ("metadata", metadata),
            ]),
        }
    }
}

impl ToJson for ReconnectEvent {
    fn to_json(&self) -> Json {
        match self {
            ReconnectEvent::Progress {
                connection_id,
                stage,
            } => Json::fields(vec![
                ("type", Json::from("progress")),
                ("connectionId", connection_id.to_json()),
                ("stage", Json::from(stage.as_str())),
            ]),
            ReconnectEvent::Plaid {
                connection_id,
                name,
                metadata,
            } => Json::fields(vec![
                ("type", Json::from("plaid")),
                ("connectionId", connection_id.to_json()),
                ("name", name.to_json()),
                ("metadata", metadata.clone()),
            ]),
        }
    }
}

/// Receives the flow's events.
pub type EventSink = Rc<dyn Fn(ReconnectEvent)>;

/// The tokens one flow has seen, scrubbed from any error it returns.
#[derive(Default)]
struct Secrets {
    link: Vec<LinkToken>,
    connector: Vec<ConnectorToken>,
    public: Option<PublicToken>,
}

impl Secrets {
    fn remember(&mut self, connector: &PlaidConnector) {
        self.link.extend(connector.link_token.clone());
        self.connector.extend(connector.connector_token.clone());
    }

    fn scrub(&self, error: Error) -> Error {
        error.redact(|text| {
            self.link.iter().for_each(|t| t.redact(text));
            self.connector.iter().for_each(|t| t.redact(text));
            if let Some(t) = &self.public {
                t.redact(text);
            }
        })
    }
}

/// Waits for `work` unless `cancel` finishes first, which is `ABORTED`.
async fn unless_cancelled<T, C: Future<Output = ()>>(
    work: impl Future<Output = T>,
    cancel: &mut Pin<&mut C>,
) -> Result<T, Error> {
    let mut work = pin!(work);
    poll_fn(|cx| {
        if cancel.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(Error::new(
                ErrorCode::Aborted,
                "reconnect() was aborted by its signal",
            )));
        }
        work.as_mut().poll(cx).map(Ok)
    })
    .await
}

/// Runs one reconnect: initialize, then (for `ACTION_REQUIRED`) Link, then close.
/// Emits `done` when it ends, however it ends.
///
/// When `cancel` finishes first, the flow rejects `ABORTED` and an open Link is closed; once
/// Link has succeeded, though, the close is sent to the end, since dropping it would lose the
/// user's work.
///
/// When the link token has expired before Link opens, or Link exits with
/// `INVALID_LINK_TOKEN`, the flow initializes once more and opens Link with the new token.
///
/// This is the driver of the flow's state machine: it carries out each step over the two seams
/// and hands back what it saw; every decision is the machine's.
///
/// # Errors
/// `INVALID_INPUT` before any request; transport and response errors from initialize;
/// `CONNECTOR_ABORTED` for `connectorStatus: ABORT`; `PLAID_SCRIPT` when Link can't start;
/// `ABORTED` when cancelled; `NO_PUBLIC_TOKEN` or `CLOSE_FAILED` (with Link's metadata, and
/// for `CLOSE_FAILED` the [`PendingClose`] to retry) after Link succeeded.
pub async fn reconnect<T: Transport, L: LinkLauncher, C: Future<Output = ()>>(
    transport: &T,
    launcher: &L,
    input: &ConnectorPlaidInitializeInput,
    events: &EventSink,
    cancel: C,
) -> Result<ReconnectResult, Error> {
    let mut machine = Machine::start(input, events, transport.retry_policy())?;
    let mut cancel = pin!(cancel);
    let mut step = machine.begin();
    let result = loop {
        // One boxed future per step and one await site: the driver's state machine stays
        // small, whatever the step. Its borrow of the machine ends with the await.
        let work: Pin<Box<dyn Future<Output = Seen> + '_>> = match step {
            Step::Done(result) => break result,
            Step::Preload => Box::pin(async { Seen::Preloaded }),
            Step::Post => {
                Box::pin(async { Seen::Replied(transport.post(machine.request()).await) })
            }
            Step::Sleep(ms) => Box::pin(async move {
                transport.sleep(ms).await;
                Seen::Woke
            }),
            Step::AwaitScript => Box::pin(async { Seen::ScriptLoaded(launcher.ready().await) }),
            Step::OpenLink(token) => {
                let on_event = machine.plaid_events();
                Box::pin(async move { Seen::Linked(launcher.run(&token, on_event).await) })
            }
        };
        // Everything up to Link's success is cancelled as one: dropping a step's future ends
        // its request, its sleep or the open Link.
        let seen = if machine.cancellable() {
            match unless_cancelled(work, &mut cancel).await {
                Ok(seen) => seen,
                Err(aborted) => break Err(aborted),
            }
        } else {
            work.await
        };
        let now_ms = transport.now_ms();
        step = match seen {
            Seen::Preloaded => {
                launcher.preload();
                machine.preloaded(now_ms)
            }
            Seen::Replied(reply) => machine.replied(reply, now_ms, transport.random()),
            Seen::Woke => machine.woke(now_ms),
            Seen::ScriptLoaded(ready) => machine.script_loaded(ready, now_ms),
            Seen::Linked(outcome) => machine.linked(outcome, now_ms, transport.random()),
        };
    };
    machine.end(result)
}

/// What the driver saw when a step's future finished.
enum Seen {
    Preloaded,
    Replied(Result<HttpReply, Error>),
    Woke,
    ScriptLoaded(Result<(), Error>),
    Linked(Result<LinkOutcome, Error>),
}

/// `quiltt-reconnect-` and 13 hex digits (52 random bits).
fn generated_mutation_id(random: f64) -> String {
    let bits = (random * 4_503_599_627_370_496.0) as u64;
    let mut id = String::from("quiltt-reconnect-");
    id.extend(
        (0..13).rev().map(|nibble| {
            char::from_digit(((bits >> (nibble * 4)) & 0xf) as u32, 16).unwrap_or('0')
        }),
    );
    id
}

/// Sends a close again: the one a `CLOSE_FAILED` error carries, while its public token is
/// valid (30 minutes, single use).
///
/// # Errors
/// `CLOSE_FAILED`, carrying Link's metadata and the same pending close for another try.
pub async fn retry_close<T: Transport>(
    transport: &T,
    pending: &PendingClose,
) -> Result<Connection, Error> {
    close(transport, &pending.0)
        .await
        .map_err(|e| close_failed(e, pending))
}

/// Stores `input.metadata` on the connection with `connectionUpdate`. The input is taken by
/// value: its metadata goes into the request as it is, never copied.
///
/// # Errors
/// `INVALID_INPUT` before any request when the id is empty or the metadata is not an object;
/// transport and response errors otherwise.
pub async fn update_metadata<T: Transport>(
    transport: &T,
    input: ConnectionUpdateInput,
) -> Result<Connection, Error> {
    input.validate()?;
    update_connection(transport, input).await
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::VecDeque;

    use futures_executor::block_on;

    use super::*;
    use crate::plaid::PlaidEvent;
    use crate::quiltt::records::ConnectorStatus;
    use crate::quiltt::retry::RetryPolicy;
    use crate::quiltt::transport::{GraphqlRequest, HttpReply};

    type Log = Rc<RefCell<Vec<String>>>;

    struct MockTransport {
        replies: RefCell<VecDeque<Result<HttpReply, Error>>>,
        sent: RefCell<Vec<GraphqlRequest>>,
        log: Log,
        now: std::cell::Cell<f64>,
        sleeps: RefCell<Vec<u32>>,
    }

    impl Transport for MockTransport {
        async fn post(&self, request: &GraphqlRequest) -> Result<HttpReply, Error> {
            self.log
                .borrow_mut()
                .push(format!("post {}", request.operation_name));
            self.sent.borrow_mut().push(request.clone());
            self.replies
                .borrow_mut()
                .pop_front()
                .expect("a reply was scripted for every request")
        }
        async fn sleep(&self, ms: u32) {
            self.sleeps.borrow_mut().push(ms);
            self.now.set(self.now.get() + f64::from(ms));
        }
        fn now_ms(&self) -> f64 {
            self.now.get()
        }
        fn random(&self) -> f64 {
            0.5
        }
    }

    /// Logs when the Link run it lives in is dropped (finished or cancelled).
    struct DropLog(Log);

    impl Drop for DropLog {
        fn drop(&mut self) {
            self.0.borrow_mut().push("link dropped".into());
        }
    }

    struct MockLauncher {
        ready: Result<(), Error>,
        /// One outcome per run; with none left, Link stays open forever.
        outcome: RefCell<VecDeque<Result<LinkOutcome, Error>>>,
        events: Vec<PlaidEvent>,
        log: Log,
    }

    impl LinkLauncher for MockLauncher {
        fn preload(&self) {
            self.log.borrow_mut().push("preload".into());
        }
        async fn ready(&self) -> Result<(), Error> {
            self.log.borrow_mut().push("ready".into());
            self.ready.clone()
        }
        async fn run(
            &self,
            link_token: &LinkToken,
            on_event: Rc<dyn Fn(PlaidEvent)>,
        ) -> Result<LinkOutcome, Error> {
            self.log
                .borrow_mut()
                .push(format!("run {}", link_token.expose_secret()));
            let _guard = DropLog(self.log.clone());
            for e in &self.events {
                on_event(e.clone());
            }
            let next = self.outcome.borrow_mut().pop_front();
            match next {
                Some(outcome) => outcome,
                None => std::future::pending().await,
            }
        }
    }

    fn json(text: &str) -> Json {
        serde_json::from_str(text).unwrap()
    }

    fn ok(text: &str) -> Result<HttpReply, Error> {
        Ok(HttpReply::new(200, Some(json(text))))
    }

    fn status(code: u16) -> Result<HttpReply, Error> {
        Ok(HttpReply::new(code, Some(json(r#"{"error":"busy"}"#))))
    }

    /// A cancel signal that fires at its `n`th poll, waking the task meanwhile.
    struct CancelAtPoll(u32);

    impl Future for CancelAtPoll {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
            self.0 = self.0.saturating_sub(1);
            if self.0 == 0 {
                return Poll::Ready(());
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    const ACTION_REQUIRED: &str = r#"{"data":{"connectorPlaidInitialize":{"success":true,"record":{"connectorStatus":"ACTION_REQUIRED","connectorToken":"ct-1","expiration":"2099-01-01T00:00:00Z","linkToken":"lt-1","requestId":"req"}}}}"#;
    const CLOSED: &str = r#"{"data":{"connectorPlaidClose":{"success":true,"record":{"id":"c1","status":"SYNCED","accounts":[{"id":"a","name":"Checking"}],"institution":{"name":"Chase","logo":null}}}}}"#;

    struct Harness {
        transport: MockTransport,
        launcher: MockLauncher,
        log: Log,
        events: Rc<RefCell<Vec<ReconnectEvent>>>,
    }

    fn harness(
        replies: Vec<Result<HttpReply, Error>>,
        outcome: impl IntoIterator<Item = Result<LinkOutcome, Error>>,
    ) -> Harness {
        let log: Log = Rc::default();
        Harness {
            transport: MockTransport {
                replies: RefCell::new(replies.into()),
                sent: RefCell::default(),
                log: log.clone(),
                now: std::cell::Cell::new(1_800_000_000_000.0),
                sleeps: RefCell::default(),
            },
            launcher: MockLauncher {
                ready: Ok(()),
                outcome: RefCell::new(outcome.into_iter().collect()),
                events: vec![PlaidEvent {
                    name: "OPEN".into(),
                    metadata: json(r#"{"is_update_mode":true}"#),
                }],
                log: log.clone(),
            },
            log,
            events: Rc::default(),
        }
    }

    impl Harness {
        fn run(&self, input: &ConnectorPlaidInitializeInput) -> Result<ReconnectResult, Error> {
            self.run_until(input, std::future::pending())
        }
        fn run_until(
            &self,
            input: &ConnectorPlaidInitializeInput,
            cancel: impl Future<Output = ()>,
        ) -> Result<ReconnectResult, Error> {
            let events = self.events.clone();
            let sink: EventSink = Rc::new(move |e| events.borrow_mut().push(e));
            block_on(reconnect(
                &self.transport,
                &self.launcher,
                input,
                &sink,
                cancel,
            ))
        }
        fn posts(&self) -> Vec<String> {
            self.log()
                .into_iter()
                .filter(|l| l.starts_with("post"))
                .collect()
        }
        fn stages(&self) -> Vec<Stage> {
            self.events
                .borrow()
                .iter()
                .filter_map(ReconnectEvent::stage)
                .collect()
        }
        fn log(&self) -> Vec<String> {
            self.log.borrow().clone()
        }
    }

    fn success() -> Option<Result<LinkOutcome, Error>> {
        Some(Ok(LinkOutcome::Success {
            public_token: Some(PublicToken::new("pt-1")),
            metadata: json(
                r#"{"institution":{"name":"Chase","institution_id":"ins_3"},"accounts":[]}"#,
            ),
        }))
    }

    #[test]
    fn continue_resolves_repaired_without_link() {
        let h = harness(
            vec![ok(
                r#"{"data":{"connectorPlaidInitialize":{"success":true,"record":{"connectorStatus":"CONTINUE","connectorToken":null,"linkToken":null}}}}"#,
            )],
            None,
        );
        let result = h.run(&ConnectorPlaidInitializeInput::new("c1")).unwrap();
        assert!(
            matches!(result, ReconnectResult::Repaired { ref connector } if connector.connector_status == ConnectorStatus::Continue)
        );
        assert_eq!(h.log(), ["preload", "post ConnectorPlaidInitialize"]);
        assert_eq!(h.stages(), [Stage::Initializing, Stage::Done]);
    }

    #[test]
    fn action_required_opens_link_then_closes_once_with_links_metadata() {
        let h = harness(vec![ok(ACTION_REQUIRED), ok(CLOSED)], success());
        let mut input = ConnectorPlaidInitializeInput::new("c1");
        input.client_mutation_id = Some("m-7".into());
        let result = h.run(&input).unwrap();
        let ReconnectResult::Reconnected { connection } = result else {
            panic!("expected reconnected, got {result:?}");
        };
        assert_eq!(connection.institution.unwrap().name, "Chase");
        assert_eq!(
            h.log(),
            [
                "preload",
                "post ConnectorPlaidInitialize",
                "ready",
                "run lt-1",
                "link dropped",
                "post ConnectorPlaidClose"
            ]
        );
        let sent = h.transport.sent.borrow();
        let close_input = sent[1].variables.get("input").unwrap();
        assert_eq!(
            close_input.get("connectorToken").and_then(Json::as_str),
            Some("ct-1")
        );
        assert_eq!(
            close_input.get("publicToken").and_then(Json::as_str),
            Some("pt-1")
        );
        assert_eq!(
            close_input.get("clientMutationId").and_then(Json::as_str),
            Some("m-7")
        );
        assert_eq!(
            close_input
                .get("metadata")
                .and_then(|m| m.get("institution"))
                .and_then(|i| i.get("name")),
            Some(&Json::from("Chase"))
        );
        assert!(sent[1].keepalive && !sent[0].keepalive);
        assert_eq!(
            h.stages(),
            [
                Stage::Initializing,
                Stage::LinkLoading,
                Stage::LinkOpen,
                Stage::Closing,
                Stage::Done
            ]
        );
        assert!(h
            .events
            .borrow()
            .iter()
            .any(|e| matches!(e, ReconnectEvent::Plaid { name, .. } if name == "OPEN")));
    }

    #[test]
    fn exit_resolves_exited_without_close() {
        let h = harness(
            vec![ok(ACTION_REQUIRED)],
            Some(Ok(LinkOutcome::Exit {
                error: PlaidLinkError::from_json(&json(
                    r#"{"error_code":"ITEM_LOGIN_REQUIRED","error_type":"ITEM_ERROR"}"#,
                )),
                metadata: json(r#"{"status":"requires_credentials"}"#),
            })),
        );
        let result = h.run(&ConnectorPlaidInitializeInput::new("c1")).unwrap();
        let ReconnectResult::Exited { error, metadata } = result else {
            panic!("expected exited");
        };
        assert_eq!(
            error.unwrap().error_code.as_deref(),
            Some("ITEM_LOGIN_REQUIRED")
        );
        assert_eq!(
            metadata.get("status").and_then(Json::as_str),
            Some("requires_credentials")
        );
        assert_eq!(h.transport.sent.borrow().len(), 1);
        assert_eq!(h.stages().last(), Some(&Stage::Done));
    }

    #[test]
    fn invalid_input_sends_nothing() {
        let h = harness(vec![], None);
        let err = h.run(&ConnectorPlaidInitializeInput::new("")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(h.log().is_empty());
        assert!(h.events.borrow().is_empty());
    }

    #[test]
    fn initialize_failures_are_typed_and_skip_link() {
        let unknown = ok(
            r#"{"data":{"connectorPlaidInitialize":{"success":false,"record":null,"errors":[{"code":"NOT_FOUND","message":"Connection nope was not found"}]}}}"#,
        );
        let h = harness(vec![unknown], None);
        let err = h
            .run(&ConnectorPlaidInitializeInput::new("nope"))
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::MutationFailed);
        assert_eq!(err.errors()[0].code.as_deref(), Some("NOT_FOUND"));
        assert!(!h.log().iter().any(|l| l == "ready"));
        assert_eq!(h.stages(), [Stage::Initializing, Stage::Done]);

        let offline = || Err(Error::new(ErrorCode::Network, "offline"));
        let h = harness(vec![offline(), offline(), offline(), offline()], None);
        let err = h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Network);
        assert_eq!(
            h.posts().len(),
            4,
            "network errors are retried up to the policy's attempts"
        );
    }

    #[test]
    fn action_required_without_tokens_is_a_bad_response() {
        let h = harness(
            vec![ok(
                r#"{"data":{"connectorPlaidInitialize":{"success":true,"record":{"connectorStatus":"ACTION_REQUIRED","connectorToken":"ct","linkToken":null}}}}"#,
            )],
            None,
        );
        let err = h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::BadResponse);
        assert!(err.message().contains("linkToken"));
    }

    #[test]
    fn script_failure_rejects_plaid_script_without_running_link() {
        let mut h = harness(vec![ok(ACTION_REQUIRED)], success());
        h.launcher.ready = Err(Error::new(ErrorCode::PlaidScript, "script failed"));
        assert_eq!(
            h.run(&ConnectorPlaidInitializeInput::new("c"))
                .unwrap_err()
                .code(),
            ErrorCode::PlaidScript
        );
        assert!(!h.log().iter().any(|l| l.starts_with("run")));
    }

    #[test]
    fn null_public_token_is_a_typed_error_carrying_metadata_and_no_close() {
        let h = harness(
            vec![ok(ACTION_REQUIRED)],
            Some(Ok(LinkOutcome::Success {
                public_token: None,
                metadata: json(r#"{"link_session_id":"s"}"#),
            })),
        );
        let err = h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NoPublicToken);
        assert!(err.link_metadata().is_some());
        assert_eq!(h.transport.sent.borrow().len(), 1);
    }

    #[test]
    fn close_failure_is_close_failed_with_metadata_and_no_token_anywhere() {
        let refused = ok(
            r#"{"data":{"connectorPlaidClose":{"success":false,"errors":[{"code":"INVALID_PUBLIC_TOKEN","message":"token pt-1 for ct-1 (lt-1) is bad"}]}}}"#,
        );
        let h = harness(vec![ok(ACTION_REQUIRED), refused], success());
        let err = h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::CloseFailed);
        assert_eq!(
            err.errors()[0].code.as_deref(),
            Some("INVALID_PUBLIC_TOKEN")
        );
        assert!(err.link_metadata().unwrap().get("institution").is_some());
        let everything = format!("{err:?} {err}");
        for token in ["pt-1", "ct-1", "lt-1"] {
            assert!(!everything.contains(token), "{token} leaked: {everything}");
        }
    }

    #[test]
    fn close_transport_failure_is_close_failed_too() {
        let h = harness(
            vec![
                ok(ACTION_REQUIRED),
                Err(Error::new(ErrorCode::Timeout, "timed out")),
            ],
            success(),
        );
        let err = h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::CloseFailed);
        assert!(err.message().contains("timed out"));
    }

    #[test]
    fn launcher_errors_pass_through() {
        let h = harness(
            vec![ok(ACTION_REQUIRED)],
            Some(Err(Error::new(ErrorCode::PlaidScript, "create threw"))),
        );
        assert_eq!(
            h.run(&ConnectorPlaidInitializeInput::new("c"))
                .unwrap_err()
                .code(),
            ErrorCode::PlaidScript
        );
    }

    #[test]
    fn every_field_given_reaches_the_initialize_variables() {
        let h = harness(
            vec![ok(
                r#"{"data":{"connectorPlaidInitialize":{"success":true,"record":{"connectorStatus":"CONTINUE"}}}}"#,
            )],
            None,
        );
        let mut input = ConnectorPlaidInitializeInput::new("c1");
        input.features = Some("TRANSACTIONS".into());
        input.update = Some(json(r#"{"accountSelectionEnabled":true}"#));
        input.country_codes = Some(vec!["US".into()]);
        h.run(&input).unwrap();
        let sent = h.transport.sent.borrow();
        assert_eq!(
            sent[0].variables,
            json(
                r#"{"input":{"connectionId":"c1","countryCodes":["US"],"features":"TRANSACTIONS","update":{"accountSelectionEnabled":true}}}"#
            )
        );
    }

    #[test]
    fn update_metadata_validates_then_sends_id_and_metadata() {
        let h = harness(
            vec![ok(
                r#"{"data":{"connectionUpdate":{"success":true,"record":{"id":"c1","metadata":{"tier":"gold"}}}}}"#,
            )],
            None,
        );
        let input = ConnectionUpdateInput::new("c1", json(r#"{"tier":"gold"}"#));
        let connection = block_on(update_metadata(&h.transport, input)).unwrap();
        assert_eq!(connection.metadata, json(r#"{"tier":"gold"}"#));
        assert_eq!(
            h.transport.sent.borrow()[0].variables,
            json(r#"{"input":{"id":"c1","metadata":{"tier":"gold"}}}"#)
        );
        let bad = ConnectionUpdateInput::new("c1", json("[1]"));
        assert_eq!(
            block_on(update_metadata(&h.transport, bad))
                .unwrap_err()
                .code(),
            ErrorCode::InvalidInput
        );
        assert_eq!(h.transport.sent.borrow().len(), 1);
    }

    #[test]
    fn to_json_matches_the_serialize_shape_of_results_and_events() {
        let samples = [
            ReconnectResult::Exited {
                error: PlaidLinkError::from_json(&json(r#"{"error_code":"X","error_type":"Y"}"#)),
                metadata: json(r#"{"status":"s"}"#),
            },
            ReconnectResult::Exited {
                error: None,
                metadata: Json::Null,
            },
        ];
        for sample in samples {
            assert_eq!(
                serde_json::to_value(&sample).unwrap(),
                serde_json::to_value(sample.to_json()).unwrap()
            );
        }
        for stage in [
            Stage::Initializing,
            Stage::LinkLoading,
            Stage::LinkOpen,
            Stage::Closing,
            Stage::Done,
        ] {
            let event = ReconnectEvent::Progress {
                connection_id: "c".into(),
                stage,
            };
            assert_eq!(
                serde_json::to_value(&event).unwrap(),
                serde_json::to_value(event.to_json()).unwrap()
            );
        }
        let plaid = ReconnectEvent::Plaid {
            connection_id: "c".into(),
            name: "OPEN".into(),
            metadata: json(r#"{"a":true}"#),
        };
        assert_eq!(
            serde_json::to_value(&plaid).unwrap(),
            serde_json::to_value(plaid.to_json()).unwrap()
        );
        let error = crate::error::QuilttError {
            code: Some("C".into()),
            message: "m".into(),
            path: Some(vec!["a".into()]),
        };
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            serde_json::to_value(error.to_json()).unwrap()
        );
    }

    #[test]
    fn results_and_events_serialize_to_the_documented_js_shapes() {
        let exited = ReconnectResult::Exited {
            error: None,
            metadata: Json::Null,
        };
        assert_eq!(
            serde_json::to_string(&exited).unwrap(),
            r#"{"outcome":"exited","error":null,"metadata":null}"#
        );
        let event = ReconnectEvent::Progress {
            connection_id: "c".into(),
            stage: Stage::LinkLoading,
        };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"type":"progress","connectionId":"c","stage":"link_loading"}"#
        );
    }

    const CONTINUE: &str = r#"{"data":{"connectorPlaidInitialize":{"success":true,"record":{"connectorStatus":"CONTINUE"}}}}"#;

    fn initialize_reply(status: &str, tokens: &str, expiration: &str) -> Result<HttpReply, Error> {
        ok(&format!(
            r#"{{"data":{{"connectorPlaidInitialize":{{"success":true,"record":{{"connectorStatus":"{status}","connectorToken":"ct-{tokens}","linkToken":"lt-{tokens}","expiration":"{expiration}"}}}}}}}}"#
        ))
    }

    #[test]
    fn transient_initialize_failures_are_retried_with_backoff() {
        let h = harness(
            vec![
                status(503),
                Err(Error::new(ErrorCode::Network, "reset")),
                ok(CONTINUE),
            ],
            None,
        );
        let result = h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap();
        assert!(matches!(result, ReconnectResult::Repaired { .. }));
        assert_eq!(h.posts().len(), 3);
        let policy = RetryPolicy::default();
        assert_eq!(
            *h.transport.sleeps.borrow(),
            [policy.backoff_ms(1, 0.5), policy.backoff_ms(2, 0.5)]
        );
    }

    #[test]
    fn retries_stop_at_the_attempt_bound_and_the_time_budget() {
        let h = harness((0..6).map(|_| status(502)).collect(), None);
        let err = h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap_err();
        assert_eq!((err.code(), err.status()), (ErrorCode::Http, Some(502)));
        assert_eq!(h.posts().len() as u32, RetryPolicy::default().attempts);

        let mut slow = HttpReply::new(429, None);
        slow.retry_after_ms = Some(RetryPolicy::default().max_delay_ms + 1);
        let h = harness(vec![Ok(slow)], None);
        assert_eq!(
            h.run(&ConnectorPlaidInitializeInput::new("c"))
                .unwrap_err()
                .status(),
            Some(429)
        );
        assert_eq!(
            h.posts().len(),
            1,
            "a Retry-After beyond the cap ends the retries"
        );
    }

    #[test]
    fn rate_limits_honour_retry_after() {
        let mut limited = HttpReply::new(429, None);
        limited.retry_after_ms = Some(1000);
        let h = harness(vec![Ok(limited), ok(CONTINUE)], None);
        h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap();
        assert_eq!(*h.transport.sleeps.borrow(), [1000]);
    }

    #[test]
    fn client_errors_are_never_retried() {
        for code in [400, 401, 403, 404, 500] {
            let h = harness(vec![status(code)], None);
            let err = h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap_err();
            assert_eq!(err.status(), Some(code));
            assert_eq!(h.posts().len(), 1, "HTTP {code} must not be retried");
        }
        let h = harness(vec![status(401)], None);
        assert_eq!(
            h.run(&ConnectorPlaidInitializeInput::new("c"))
                .unwrap_err()
                .code(),
            ErrorCode::Unauthorized
        );
    }

    #[test]
    fn update_metadata_retries_transient_failures() {
        let h = harness(
            vec![
                status(504),
                ok(r#"{"data":{"connectionUpdate":{"success":true,"record":{"id":"c1"}}}}"#),
            ],
            None,
        );
        let input = ConnectionUpdateInput::new("c1", json("{}"));
        assert!(block_on(update_metadata(&h.transport, input)).is_ok());
        assert_eq!(h.posts().len(), 2);
    }

    #[test]
    fn a_failed_close_is_retried_with_the_same_client_mutation_id() {
        let h = harness(
            vec![ok(ACTION_REQUIRED), status(503), ok(CLOSED)],
            success(),
        );
        let result = h.run(&ConnectorPlaidInitializeInput::new("c1")).unwrap();
        assert!(matches!(result, ReconnectResult::Reconnected { .. }));
        let sent = h.transport.sent.borrow();
        assert_eq!(sent.len(), 3);
        assert_eq!(sent[1], sent[2], "the retry is the very same close");
        let id = sent[1]
            .variables
            .get("input")
            .and_then(|i| i.get("clientMutationId"))
            .and_then(Json::as_str);
        assert!(
            id.is_some_and(|id| id.starts_with("quiltt-reconnect-")),
            "{id:?}"
        );
    }

    #[test]
    fn close_failed_carries_a_pending_close_that_retry_close_sends_again() {
        let h = harness(
            vec![
                ok(ACTION_REQUIRED),
                status(503),
                status(503),
                status(503),
                status(503),
            ],
            success(),
        );
        let err = h
            .run(&ConnectorPlaidInitializeInput::new("c1"))
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::CloseFailed);
        assert!(err.pending_close().is_some());
        let pending = err.into_pending_close().expect("the close can be retried");
        assert!(!format!("{pending:?}").contains("pt-1"));
        h.transport.replies.borrow_mut().push_back(ok(CLOSED));
        let connection = block_on(retry_close(&h.transport, &pending)).unwrap();
        assert_eq!(connection.id, "c1");
        let sent = h.transport.sent.borrow();
        assert_eq!(
            sent.last(),
            sent.get(1),
            "the retried close is identical to the first"
        );
    }

    #[test]
    fn wait_is_waited_out_and_abort_is_a_typed_error() {
        let h = harness(vec![initialize_reply("WAIT", "1", ""), ok(CONTINUE)], None);
        assert!(matches!(
            h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap(),
            ReconnectResult::Repaired { .. }
        ));
        assert_eq!(h.transport.sleeps.borrow().len(), 1);

        let h = harness(
            (0..4).map(|_| initialize_reply("WAIT", "1", "")).collect(),
            None,
        );
        assert_eq!(
            h.run(&ConnectorPlaidInitializeInput::new("c"))
                .unwrap_err()
                .code(),
            ErrorCode::Timeout
        );
        assert_eq!(h.posts().len(), 4);

        let h = harness(vec![initialize_reply("ABORT", "1", "")], None);
        assert_eq!(
            h.run(&ConnectorPlaidInitializeInput::new("c"))
                .unwrap_err()
                .code(),
            ErrorCode::ConnectorAborted
        );
    }

    #[test]
    fn an_expired_link_token_is_replaced_once_before_link_opens() {
        let h = harness(
            vec![
                initialize_reply("ACTION_REQUIRED", "1", "2020-01-01T00:00:00Z"),
                initialize_reply("ACTION_REQUIRED", "2", "2099-01-01T00:00:00Z"),
                ok(CLOSED),
            ],
            success(),
        );
        h.run(&ConnectorPlaidInitializeInput::new("c1")).unwrap();
        assert!(
            h.log().contains(&"run lt-2".to_owned()) && !h.log().contains(&"run lt-1".to_owned())
        );
        let close = h.transport.sent.borrow()[2]
            .variables
            .get("input")
            .cloned()
            .unwrap();
        assert_eq!(
            close.get("connectorToken").and_then(Json::as_str),
            Some("ct-2")
        );
    }

    #[test]
    fn invalid_link_token_from_link_initializes_again_once() {
        let invalid = || {
            Ok(LinkOutcome::Exit {
                error: PlaidLinkError::from_json(&json(
                    r#"{"error_code":"INVALID_LINK_TOKEN","error_type":"INVALID_INPUT"}"#,
                )),
                metadata: Json::Null,
            })
        };
        let h = harness(
            vec![
                initialize_reply("ACTION_REQUIRED", "1", ""),
                initialize_reply("ACTION_REQUIRED", "2", ""),
                ok(CLOSED),
            ],
            [invalid(), success().unwrap()],
        );
        assert!(matches!(
            h.run(&ConnectorPlaidInitializeInput::new("c1")).unwrap(),
            ReconnectResult::Reconnected { .. }
        ));
        assert_eq!(
            h.log()
                .iter()
                .filter(|l| l.starts_with("run"))
                .collect::<Vec<_>>(),
            ["run lt-1", "run lt-2"]
        );

        let h = harness(
            vec![
                initialize_reply("ACTION_REQUIRED", "1", ""),
                initialize_reply("ACTION_REQUIRED", "2", ""),
            ],
            [invalid(), invalid()],
        );
        let ReconnectResult::Exited { error, .. } =
            h.run(&ConnectorPlaidInitializeInput::new("c1")).unwrap()
        else {
            panic!("a second INVALID_LINK_TOKEN ends the flow");
        };
        assert_eq!(
            error.unwrap().error_code.as_deref(),
            Some("INVALID_LINK_TOKEN")
        );
        assert_eq!(h.posts().len(), 2);
    }

    #[test]
    fn cancelling_before_anything_sends_nothing() {
        let h = harness(vec![], None);
        let err = h
            .run_until(
                &ConnectorPlaidInitializeInput::new("c"),
                std::future::ready(()),
            )
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Aborted);
        assert!(h.posts().is_empty());
        assert_eq!(h.stages(), [Stage::Initializing, Stage::Done]);
    }

    #[test]
    fn cancelling_while_link_is_open_ends_the_link_run() {
        // No outcome scripted: Link stays open until the signal fires.
        let h = harness(vec![ok(ACTION_REQUIRED)], None);
        let err = h
            .run_until(&ConnectorPlaidInitializeInput::new("c"), CancelAtPoll(6))
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Aborted);
        let log = h.log();
        let run = log
            .iter()
            .position(|l| l == "run lt-1")
            .expect("Link was opened");
        assert_eq!(
            log.get(run + 1).map(String::as_str),
            Some("link dropped"),
            "{log:?}"
        );
        assert_eq!(h.posts().len(), 1, "no close after a cancelled Link");
    }

    #[test]
    fn errors_scrub_every_token_the_flow_has_seen() {
        let leaky = ok(
            r#"{"data":{"connectorPlaidInitialize":{"success":false,"errors":[{"code":"X","message":"lt-1 and ct-1 and lt-2"}]}}}"#,
        );
        let invalid = Ok(LinkOutcome::Exit {
            error: PlaidLinkError::from_json(&json(r#"{"error_code":"INVALID_LINK_TOKEN"}"#)),
            metadata: Json::Null,
        });
        let h = harness(
            vec![initialize_reply("ACTION_REQUIRED", "1", ""), leaky],
            [invalid],
        );
        let err = h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap_err();
        let text = format!("{err:?}");
        assert!(!text.contains("lt-1") && !text.contains("ct-1"), "{text}");
    }

    #[test]
    fn generated_mutation_ids_are_13_hex_digits_of_the_random_value() {
        assert_eq!(generated_mutation_id(0.0), "quiltt-reconnect-0000000000000");
        assert_eq!(generated_mutation_id(0.5), "quiltt-reconnect-8000000000000");
        let id = generated_mutation_id(0.123_456_789);
        let expected = format!(
            "quiltt-reconnect-{:013x}",
            (0.123_456_789 * 4_503_599_627_370_496.0) as u64
        );
        assert_eq!(id, expected);
    }
}

//! The flow, natively: the driver that ships (`quiltt_reconnect_core::driver`) running the machines
//! over a scripted `Io`. Every branch of the policy is here; the browser tests run the same
//! driver over the browser's `Io` against the sandbox.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_executor::block_on;
use quiltt_reconnect_core::driver::{self, Io};
use quiltt_reconnect_core::machine::{Clock, SchemaChoice, Settings};
use quiltt_reconnect_core::*;
use serde_json::{json, Value};

type Log = Rc<RefCell<Vec<String>>>;

/// An `Io` whose answers are scripted, and which logs what the driver did.
struct MockIo {
    replies: RefCell<VecDeque<Result<HttpReply, Error>>>,
    sent: RefCell<Vec<(GraphqlRequest, String)>>,
    tokens: RefCell<VecDeque<Result<SessionToken, Error>>>,
    token_refreshes: bool,
    log: Log,
    now: Cell<f64>,
    sleeps: RefCell<Vec<u32>>,
    script: Result<(), Error>,
    /// One outcome per Link run; with none left, Link stays open forever.
    outcomes: RefCell<VecDeque<Result<LinkOutcome, LinkFailure>>>,
    link_configs: RefCell<Vec<LinkConfig>>,
    /// The flows' records, as a tab keeps them.
    stored: RefCell<Vec<SavedFlow>>,
    /// Every record saved, in order.
    history: RefCell<Vec<SavedFlow>>,
    /// The records a running operation owns.
    owned: RefCell<Vec<FlowId>>,
    /// What Link's OPEN event carries in its metadata's `echo`.
    event_echo: &'static str,
    /// Whether a close is never answered (the page is left first).
    hang_close: Cell<bool>,
    /// The generation the platform names: the app's pin, or what was remembered.
    schema: Cell<SchemaChoice>,
}

/// Logs when the Link run it lives in is dropped (finished or cancelled).
struct DropLog(Log);

impl Drop for DropLog {
    fn drop(&mut self) {
        self.0.borrow_mut().push("link dropped".into());
    }
}

impl Io for MockIo {
    type Held = ();

    fn settings(&self) -> Settings {
        Settings {
            policy: RetryPolicy::default(),
            token_refreshes: self.token_refreshes,
            link_load_timeout_ms: 5_000,
            schema: self.schema.get(),
        }
    }

    fn clock(&self) -> Clock {
        Clock {
            now_ms: self.now.get(),
            random: 0.5,
        }
    }

    async fn token(&self) -> Result<SessionToken, Error> {
        self.log.borrow_mut().push("token".into());
        let next = self.tokens.borrow_mut().pop_front();
        next.unwrap_or_else(|| Ok(SessionToken::new("session-1")))
    }

    async fn send(
        &self,
        request: &GraphqlRequest,
        token: &SessionToken,
    ) -> Result<HttpReply, Error> {
        self.log
            .borrow_mut()
            .push(format!("post {}", request.operation_name));
        self.sent
            .borrow_mut()
            .push((request.clone(), token.expose_secret().to_owned()));
        if self.hang_close.get() && request.operation_name == "ConnectorPlaidClose" {
            std::future::pending::<()>().await;
        }
        let next = self.replies.borrow_mut().pop_front();
        next.expect("a reply was scripted for every request")
    }

    async fn sleep(&self, ms: u32) {
        self.sleeps.borrow_mut().push(ms);
        self.now.set(self.now.get() + f64::from(ms));
    }

    fn start_script(&self) {
        self.log.borrow_mut().push("start script".into());
    }

    async fn script(&self) -> Result<(), Error> {
        self.log.borrow_mut().push("script".into());
        self.script.clone()
    }

    async fn lock(&self, connection_id: &str) {
        self.log.borrow_mut().push(format!("lock {connection_id}"));
    }

    fn save(&self, flow: &SavedFlow) {
        let what = match flow.has_close() {
            true => "save close",
            false => "save link",
        };
        self.log.borrow_mut().push(what.into());
        let mut stored = self.stored.borrow_mut();
        stored.retain(|f| f.id() != flow.id());
        stored.push(flow.clone());
        self.history.borrow_mut().push(flow.clone());
        self.claim(flow.id());
    }

    fn forget(&self, id: FlowId) {
        self.log.borrow_mut().push("forget".into());
        self.stored.borrow_mut().retain(|f| f.id() != id);
        self.release(id);
    }

    fn release(&self, id: FlowId) {
        self.owned.borrow_mut().retain(|o| *o != id);
    }

    fn claim(&self, id: FlowId) -> bool {
        let mut owned = self.owned.borrow_mut();
        if owned.contains(&id) {
            return false;
        }
        owned.push(id);
        true
    }

    fn saved(&self) -> Vec<SavedFlow> {
        self.stored.borrow().clone()
    }

    fn remember_schema(&self, generation: SchemaGeneration) {
        self.log
            .borrow_mut()
            .push(format!("remember {}", generation.as_str()));
        let mut choice = self.schema.get();
        choice.generation = generation;
        self.schema.set(choice);
    }

    async fn run_link(
        &self,
        config: &LinkConfig,
        events: Rc<dyn Fn(PlaidEvent)>,
    ) -> Result<LinkOutcome, LinkFailure> {
        self.log
            .borrow_mut()
            .push(format!("run {}", config.token.expose_secret()));
        self.link_configs.borrow_mut().push(config.clone());
        let _guard = DropLog(self.log.clone());
        events(PlaidEvent {
            name: "OPEN".into(),
            metadata: Json::from(json!({ "view_name": "CONSENT", "echo": self.event_echo,
                "link_session_id": self.event_echo, "request_id": self.event_echo })),
            at_ms: 0.0,
        });
        let next = self.outcomes.borrow_mut().pop_front();
        match next {
            Some(outcome) => outcome,
            None => std::future::pending().await,
        }
    }
}

/// A cancel signal that fires at its `n`th poll, waking the task meanwhile.
struct CancelAtPoll(u32);

impl Future for CancelAtPoll {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0 = self.0.saturating_sub(1);
        if self.0 == 0 {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn reply(value: Value) -> Result<HttpReply, Error> {
    Ok(HttpReply::new(200, Some(Json::from(value))))
}

fn status(code: u16) -> Result<HttpReply, Error> {
    Ok(HttpReply::new(
        code,
        Some(Json::from(json!({ "error": "busy" }))),
    ))
}

fn initialize(status: &str, tokens: &str, expiration: &str) -> Result<HttpReply, Error> {
    reply(
        json!({ "data": { "connectorPlaidInitialize": { "success": true, "record": {
        "status": status, "token": format!("ct-{tokens}"),
        "linkToken": format!("lt-{tokens}"), "expiration": expiration, "requestId": "req" } } } }),
    )
}

fn action_required() -> Result<HttpReply, Error> {
    initialize("ACTION_REQUIRED", "1", "2099-01-01T00:00:00Z")
}

fn continue_() -> Result<HttpReply, Error> {
    reply(
        json!({ "data": { "connectorPlaidInitialize": { "success": true,
        "record": { "status": "CONTINUE", "token": null, "linkToken": null } } } }),
    )
}

fn connection_record(status: &str) -> Value {
    json!({ "id": "c1", "status": status, "metadata": { "tier": "gold" },
        "accounts": [{ "id": "a", "name": "Checking", "mask": "0000", "type": "CHECKING" }],
        "institution": { "name": "Chase", "logo": { "url": "https://logo/chase.png" } } })
}

fn closed() -> Result<HttpReply, Error> {
    reply(json!({ "data": { "connectorPlaidClose": { "success": true,
        "record": connection_record("SYNCED") } } }))
}

fn read_back(status: &str) -> Result<HttpReply, Error> {
    reply(json!({ "data": { "connection": connection_record(status) } }))
}

fn success() -> Result<LinkOutcome, LinkFailure> {
    Ok(LinkOutcome::Success {
        public_token: Some(PublicToken::new("pt-1")),
        metadata: Json::from(
            json!({ "institution": { "name": "Chase", "institution_id": "ins_3" }, "accounts": [] }),
        ),
    })
}

fn exit_with(code: &str) -> Result<LinkOutcome, LinkFailure> {
    Ok(LinkOutcome::Exit {
        error: PlaidLinkError::from_json(&Json::from(
            json!({ "error_code": code, "error_type": "ITEM_ERROR" }),
        )),
        metadata: Json::from(json!({ "status": "requires_credentials" })),
    })
}

struct Harness {
    io: MockIo,
    events: Rc<RefCell<Vec<ReconnectEvent>>>,
}

fn harness(
    replies: Vec<Result<HttpReply, Error>>,
    outcomes: impl IntoIterator<Item = Result<LinkOutcome, LinkFailure>>,
) -> Harness {
    Harness {
        io: MockIo {
            replies: RefCell::new(replies.into()),
            sent: RefCell::default(),
            tokens: RefCell::default(),
            token_refreshes: false,
            log: Rc::default(),
            now: Cell::new(1_800_000_000_000.0),
            sleeps: RefCell::default(),
            script: Ok(()),
            outcomes: RefCell::new(outcomes.into_iter().collect()),
            link_configs: RefCell::default(),
            stored: RefCell::default(),
            history: RefCell::default(),
            owned: RefCell::default(),
            event_echo: "",
            hang_close: Cell::new(false),
            schema: Cell::new(SchemaChoice::default()),
        },
        events: Rc::default(),
    }
}

impl Harness {
    fn sink(&self) -> EventSink {
        let events = self.events.clone();
        Rc::new(move |e| events.borrow_mut().push(e))
    }

    fn run(&self, input: &ConnectorPlaidInitializeInput) -> Result<ReconnectResult, Error> {
        self.run_until(input, std::future::pending())
    }

    fn run_with(
        &self,
        input: &ConnectorPlaidInitializeInput,
        options: ReconnectOptions,
    ) -> Result<ReconnectResult, Error> {
        block_on(driver::reconnect(
            &self.io,
            input,
            options,
            self.sink(),
            std::future::pending(),
        ))
    }

    fn run_until(
        &self,
        input: &ConnectorPlaidInitializeInput,
        cancel: impl Future<Output = ()>,
    ) -> Result<ReconnectResult, Error> {
        block_on(driver::reconnect(
            &self.io,
            input,
            ReconnectOptions::default(),
            self.sink(),
            cancel,
        ))
    }

    fn log(&self) -> Vec<String> {
        self.io.log.borrow().clone()
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

    /// The `input` variable of the `n`th request sent.
    fn sent_input(&self, n: usize) -> Value {
        self.io.sent.borrow()[n].0.variables.to_serde_json()["input"].clone()
    }
}

fn input(id: &str) -> ConnectorPlaidInitializeInput {
    ConnectorPlaidInitializeInput::new(id)
}

#[test]
fn continue_resolves_repaired_without_link() {
    let h = harness(vec![continue_()], []);
    let result = h.run(&input("c1")).unwrap();
    assert!(
        matches!(result, ReconnectResult::Repaired { ref connector, .. } if connector.status == ConnectorStatus::Continue)
    );
    assert_eq!(
        h.log(),
        [
            "start script",
            "lock c1",
            "token",
            "post ConnectorPlaidInitialize"
        ]
    );
    assert_eq!(h.stages(), [Stage::Initializing, Stage::Done]);
}

#[test]
fn action_required_opens_link_then_closes_once_with_links_metadata() {
    let h = harness(vec![action_required(), closed()], [success()]);
    let mut input = input("c1");
    input.client_mutation_id = Some("m-7".into());
    let ReconnectResult::Reconnected { connection, .. } = h.run(&input).unwrap() else {
        panic!("expected reconnected");
    };
    let institution = connection.institution.unwrap();
    assert_eq!(institution.name, "Chase");
    assert_eq!(institution.logo.as_deref(), Some("https://logo/chase.png"));
    assert_eq!(connection.accounts[0].mask.as_deref(), Some("0000"));
    assert_eq!(
        connection.metadata.to_serde_json(),
        json!({ "tier": "gold" })
    );
    assert_eq!(
        h.log(),
        [
            "start script",
            "lock c1",
            "token",
            "post ConnectorPlaidInitialize",
            "script",
            "save link",
            "run lt-1",
            "link dropped",
            "save close",
            "token",
            "post ConnectorPlaidClose",
            "forget"
        ],
        "the session is saved before Link opens, the close before it is sent, both forgotten at the end"
    );
    let close = h.sent_input(1);
    assert_eq!(close["token"], "ct-1");
    assert_eq!(close["publicToken"], "pt-1");
    assert_eq!(close["clientMutationId"], "m-7");
    assert_eq!(close["metadata"]["institution"]["name"], "Chase");
    let sent = h.io.sent.borrow();
    assert!(sent[1].0.keepalive && !sent[0].0.keepalive);
    assert_eq!(sent[0].1, "session-1", "the token goes with the request");
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
    assert_eq!(h.io.link_configs.borrow()[0].load_timeout_ms, 5_000);
}

#[test]
fn exit_resolves_exited_without_close() {
    let h = harness(vec![action_required()], [exit_with("ITEM_LOGIN_REQUIRED")]);
    let ReconnectResult::Exited {
        error, metadata, ..
    } = h.run(&input("c1")).unwrap()
    else {
        panic!("expected exited");
    };
    assert_eq!(
        error.unwrap().error_code.as_deref(),
        Some("ITEM_LOGIN_REQUIRED")
    );
    assert_eq!(metadata.to_serde_json()["status"], "requires_credentials");
    assert_eq!(h.posts().len(), 1);
    assert_eq!(h.stages().last(), Some(&Stage::Done));
}

#[test]
fn invalid_input_sends_nothing_and_emits_nothing() {
    let h = harness(vec![], []);
    let err = h.run(&input(" ")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(h.log().is_empty());
    assert!(h.events.borrow().is_empty());
}

#[test]
fn initialize_failures_are_typed_and_skip_link() {
    let unknown = reply(
        json!({ "data": { "connectorPlaidInitialize": { "success": false, "record": null,
        "errors": [{ "code": "NOT_FOUND", "message": "Connection nope was not found", "type": "API_ERROR",
        "displayMessage": "We couldn't find that connection" }] } } }),
    );
    let h = harness(vec![unknown], []);
    let err = h.run(&input("nope")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::MutationFailed);
    assert_eq!(err.errors()[0].code.as_deref(), Some("NOT_FOUND"));
    assert_eq!(
        err.display_message(),
        Some("We couldn't find that connection")
    );
    assert!(!h.log().iter().any(|l| l == "script"));
    assert_eq!(h.stages(), [Stage::Initializing, Stage::Done]);

    let offline = || Err(Error::new(ErrorCode::Network, "offline"));
    let h = harness(vec![offline(), offline(), offline(), offline()], []);
    let err = h.run(&input("c")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network);
    assert_eq!(
        h.posts().len(),
        4,
        "network errors are retried up to the policy's attempts"
    );
    assert_eq!(
        h.log().iter().filter(|l| *l == "token").count(),
        4,
        "each attempt asks for a token (a function may give a fresh one)"
    );
}

#[test]
fn action_required_without_tokens_is_a_bad_response() {
    let h = harness(
        vec![reply(
            json!({ "data": { "connectorPlaidInitialize": { "success": true,
            "record": { "status": "ACTION_REQUIRED", "token": "ct", "linkToken": null } } } }),
        )],
        [],
    );
    let err = h.run(&input("c")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadResponse);
    assert!(err.message().contains("linkToken"));
}

#[test]
fn script_failure_rejects_plaid_script_without_running_link() {
    let mut h = harness(vec![action_required()], [success()]);
    h.io.script = Err(Error::new(ErrorCode::PlaidScript, "script failed"));
    assert_eq!(
        h.run(&input("c")).unwrap_err().code(),
        ErrorCode::PlaidScript
    );
    assert!(!h.log().iter().any(|l| l.starts_with("run")));
}

#[test]
fn link_failures_are_plaid_script_errors_naming_what_failed() {
    for (failure, words) in [
        (LinkFailure::CreateThrew, "Plaid.create threw"),
        (LinkFailure::OpenThrew, "open() threw"),
        (LinkFailure::NotLoaded, "did not load within 5000 ms"),
    ] {
        let h = harness(vec![action_required()], [Err(failure)]);
        let err = h.run(&input("c")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::PlaidScript);
        assert!(err.message().contains(words), "{}", err.message());
        assert_eq!(h.posts().len(), 1, "no close");
    }
}

#[test]
fn null_public_token_is_a_typed_error_carrying_metadata_and_no_close() {
    let h = harness(
        vec![action_required()],
        [Ok(LinkOutcome::Success {
            public_token: None,
            metadata: Json::from(json!({ "link_session_id": "s" })),
        })],
    );
    let err = h.run(&input("c")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoPublicToken);
    assert!(err.link_metadata().is_some());
    assert_eq!(h.posts().len(), 1);
}

#[test]
fn a_refused_close_is_read_back_then_close_failed_with_metadata_and_no_token_anywhere() {
    let refused = reply(json!({ "data": { "connectorPlaidClose": { "success": false,
        "errors": [{ "code": "INVALID_PUBLIC_TOKEN", "message": "token pt-1 for ct-1 (lt-1) of session-1 is bad",
        "path": ["input", "pt-1"] }] } } }));
    let h = harness(
        vec![action_required(), refused, read_back("ERROR_REPAIRABLE")],
        [success()],
    );
    let err = h.run(&input("c")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CloseFailed);
    assert_eq!(
        err.errors()[0].code.as_deref(),
        Some("INVALID_PUBLIC_TOKEN")
    );
    assert_eq!(
        err.link_metadata().unwrap().to_serde_json()["institution"]["name"],
        "Chase"
    );
    assert_eq!(
        h.posts().last().map(String::as_str),
        Some("post Connection")
    );
    let everything = format!("{err:?} {err} {:?}", err.errors());
    for token in ["pt-1", "ct-1", "lt-1", "session-1"] {
        assert!(!everything.contains(token), "{token} leaked: {everything}");
    }
}

#[test]
fn a_close_whose_answer_was_lost_is_read_back_and_resolves_reconnected() {
    // The gateway answered 504 four times; Quiltt had repaired the connection meanwhile.
    let h = harness(
        vec![
            action_required(),
            status(504),
            status(504),
            status(504),
            status(504),
            read_back("SYNCED"),
        ],
        [success()],
    );
    let ReconnectResult::Reconnected { connection, .. } = h.run(&input("c1")).unwrap() else {
        panic!("the read-back shows the repair");
    };
    assert_eq!(connection.status.as_deref(), Some("SYNCED"));
    assert_eq!(h.stages().last(), Some(&Stage::Done));
}

#[test]
fn a_close_that_timed_out_is_close_failed_when_the_read_back_shows_no_repair() {
    let h = harness(
        vec![
            action_required(),
            Err(Error::new(ErrorCode::Timeout, "timed out")),
            read_back("ERROR_REPAIRABLE"),
        ],
        [success()],
    );
    let err = h.run(&input("c")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CloseFailed);
    assert!(err.message().contains("timed out"));
    assert!(err.pending_close().is_some());
}

#[test]
fn every_field_given_reaches_the_initialize_variables() {
    let h = harness(vec![continue_()], []);
    let mut input = input("c1");
    input.features = Some("TRANSACTIONS".into());
    input.features_required = Some(vec!["TRANSACTIONS".into()]);
    input.update = Some(Json::from(json!({ "accountSelectionEnabled": true })));
    input.country_codes = Some(vec!["US".into()]);
    input
        .extra
        .insert("brandNewField".into(), Json::from(json!([1, 2])));
    h.run(&input).unwrap();
    assert_eq!(
        h.sent_input(0),
        json!({ "connectionId": "c1", "countryCodes": ["US"], "features": "TRANSACTIONS",
            "featuresRequired": ["TRANSACTIONS"], "update": { "accountSelectionEnabled": true },
            "brandNewField": [1, 2] })
    );
}

#[test]
fn transient_initialize_failures_are_retried_with_backoff() {
    let h = harness(
        vec![
            status(503),
            Err(Error::new(ErrorCode::Network, "reset")),
            continue_(),
        ],
        [],
    );
    assert!(matches!(
        h.run(&input("c")).unwrap(),
        ReconnectResult::Repaired { .. }
    ));
    assert_eq!(h.posts().len(), 3);
    let policy = RetryPolicy::default();
    assert_eq!(
        *h.io.sleeps.borrow(),
        [policy.backoff_ms(1, 0.5), policy.backoff_ms(2, 0.5)]
    );
}

#[test]
fn retries_stop_at_the_attempt_bound_and_the_time_budget() {
    let h = harness((0..6).map(|_| status(502)).collect(), []);
    let err = h.run(&input("c")).unwrap_err();
    assert_eq!((err.code(), err.status()), (ErrorCode::Http, Some(502)));
    assert_eq!(h.posts().len() as u32, RetryPolicy::default().attempts);

    let slow =
        Ok(HttpReply::new(429, None).with_retry_after_ms(RetryPolicy::default().max_delay_ms + 1));
    let h = harness(vec![slow], []);
    assert_eq!(h.run(&input("c")).unwrap_err().status(), Some(429));
    assert_eq!(
        h.posts().len(),
        1,
        "a Retry-After beyond the cap ends the retries"
    );
}

#[test]
fn rate_limits_honour_retry_after() {
    let h = harness(
        vec![
            Ok(HttpReply::new(429, None).with_retry_after_ms(1000)),
            continue_(),
        ],
        [],
    );
    h.run(&input("c")).unwrap();
    assert_eq!(*h.io.sleeps.borrow(), [1000]);
}

#[test]
fn client_errors_are_never_retried() {
    for code in [400, 401, 403, 404, 500] {
        let h = harness(vec![status(code)], []);
        let err = h.run(&input("c")).unwrap_err();
        assert_eq!(err.status(), Some(code));
        assert_eq!(h.posts().len(), 1, "HTTP {code} must not be retried");
    }
    let h = harness(vec![status(401)], []);
    assert_eq!(
        h.run(&input("c")).unwrap_err().code(),
        ErrorCode::Unauthorized
    );
}

#[test]
fn a_401_with_a_token_function_asks_for_a_fresh_token_and_sends_once_more() {
    let mut h = harness(vec![status(401), continue_()], []);
    h.io.token_refreshes = true;
    h.io.tokens = RefCell::new(
        vec![
            Ok(SessionToken::new("expired")),
            Ok(SessionToken::new("fresh")),
        ]
        .into(),
    );
    h.run(&input("c")).unwrap();
    let tokens: Vec<String> = h.io.sent.borrow().iter().map(|(_, t)| t.clone()).collect();
    assert_eq!(tokens, ["expired", "fresh"]);

    let mut h = harness(vec![status(401), status(401)], []);
    h.io.token_refreshes = true;
    assert_eq!(
        h.run(&input("c")).unwrap_err().code(),
        ErrorCode::Unauthorized
    );
    assert_eq!(h.posts().len(), 2, "refreshed once, not again");
}

#[test]
fn a_token_function_that_fails_or_gives_a_blank_token_sends_nothing() {
    for token in [
        Err(Error::new(
            ErrorCode::Timeout,
            "the token function took longer than 30000 ms",
        )),
        Ok(SessionToken::new("  ")),
    ] {
        let mut h = harness(vec![], []);
        h.io.tokens = RefCell::new(vec![token.clone()].into());
        let err = h.run(&input("c")).unwrap_err();
        let expected = token.err().map_or(ErrorCode::Unauthorized, |e| e.code());
        assert_eq!(err.code(), expected);
        assert!(h.posts().is_empty());
    }
}

#[test]
fn update_metadata_validates_then_sends_id_and_metadata_and_retries() {
    let h = harness(
        vec![
            status(504),
            reply(
                json!({ "data": { "connectionUpdate": { "success": true, "record": connection_record("SYNCED") } } }),
            ),
        ],
        [],
    );
    let update = ConnectionUpdateInput::new("c1", Json::from(json!({ "tier": "gold" })));
    let connection = block_on(driver::update_metadata(
        &h.io,
        &update,
        std::future::pending(),
    ))
    .unwrap();
    assert_eq!(
        connection.metadata.to_serde_json(),
        json!({ "tier": "gold" })
    );
    assert_eq!(
        h.sent_input(0),
        json!({ "id": "c1", "metadata": { "tier": "gold" } })
    );
    assert_eq!(h.posts().len(), 2);
    let clear = ConnectionUpdateInput::new("c1", Json::null());
    assert!(clear.validate().is_ok(), "null clears the metadata");
    let bad = ConnectionUpdateInput::new("c1", Json::from(json!([1])));
    let err = block_on(driver::update_metadata(&h.io, &bad, std::future::pending())).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(h.posts().len(), 2);
}

#[test]
fn connections_are_listed_by_status_and_read_one_by_one() {
    let h = harness(
        vec![
            reply(json!({ "data": { "connections": [connection_record("ERROR_REPAIRABLE")] } })),
            reply(json!({ "data": { "connection": connection_record("SYNCED") } })),
            reply(json!({ "data": { "connection": null } })),
        ],
        [],
    );
    let filter = ConnectionFilter::status(["ERROR_REPAIRABLE"]);
    let list = block_on(driver::connections(&h.io, &filter, std::future::pending())).unwrap();
    assert!(list[0].needs_repair());
    assert_eq!(
        h.io.sent.borrow()[0].0.variables.to_serde_json(),
        json!({ "filter": { "status": ["ERROR_REPAIRABLE"] } })
    );
    let one = block_on(driver::connection(&h.io, "c1", std::future::pending())).unwrap();
    assert_eq!(
        one.unwrap().accounts[0].account_type.as_deref(),
        Some("CHECKING")
    );
    let none = block_on(driver::connection(&h.io, "gone", std::future::pending())).unwrap();
    assert!(none.is_none());
    let blank = block_on(driver::connection(&h.io, "", std::future::pending())).unwrap_err();
    assert_eq!(blank.code(), ErrorCode::InvalidInput);
}

#[test]
fn a_failed_close_is_retried_with_the_same_body() {
    let h = harness(vec![action_required(), status(503), closed()], [success()]);
    assert!(matches!(
        h.run(&input("c1")).unwrap(),
        ReconnectResult::Reconnected { .. }
    ));
    let sent = h.io.sent.borrow();
    assert_eq!(sent.len(), 3);
    assert_eq!(
        sent[1].0.body(),
        sent[2].0.body(),
        "the retry is the very same close"
    );
    let id = sent[1].0.variables.to_serde_json()["input"]["clientMutationId"].clone();
    assert!(
        id.as_str()
            .is_some_and(|id| id.starts_with("quiltt-reconnect-")),
        "{id}"
    );
}

#[test]
fn close_failed_carries_a_pending_close_that_retry_close_sends_again() {
    let h = harness(
        vec![
            action_required(),
            status(503),
            status(503),
            status(503),
            status(503),
            read_back("ERROR_REPAIRABLE"),
        ],
        [success()],
    );
    let err = h.run(&input("c1")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CloseFailed);
    let pending = err.into_pending_close().expect("the close can be retried");
    assert!(!format!("{pending:?}").contains("pt-1"));
    assert_eq!(pending.connection_id(), "c1");
    h.io.replies.borrow_mut().push_back(closed());
    let result = block_on(driver::retry_close(&h.io, pending)).unwrap();
    assert!(
        matches!(result, ReconnectResult::Reconnected { connection, .. } if connection.id == "c1")
    );
    let sent = h.io.sent.borrow();
    assert_eq!(
        sent.last().unwrap().0.body(),
        sent[1].0.body(),
        "the retried close is identical"
    );
}

#[test]
fn wait_is_waited_out_and_abort_is_a_typed_error() {
    let h = harness(vec![initialize("WAIT", "1", ""), continue_()], []);
    assert!(matches!(
        h.run(&input("c")).unwrap(),
        ReconnectResult::Repaired { .. }
    ));
    assert_eq!(h.io.sleeps.borrow().len(), 1);

    let h = harness((0..4).map(|_| initialize("WAIT", "1", "")).collect(), []);
    assert_eq!(h.run(&input("c")).unwrap_err().code(), ErrorCode::Timeout);
    assert_eq!(h.posts().len(), 4);

    let h = harness(vec![initialize("ABORT", "1", "")], []);
    assert_eq!(
        h.run(&input("c")).unwrap_err().code(),
        ErrorCode::ConnectorAborted
    );
}

#[test]
fn an_expired_link_token_is_replaced_once_before_link_opens() {
    let h = harness(
        vec![
            initialize("ACTION_REQUIRED", "1", "2020-01-01T00:00:00Z"),
            initialize("ACTION_REQUIRED", "2", "2099-01-01T00:00:00Z"),
            closed(),
        ],
        [success()],
    );
    h.run(&input("c1")).unwrap();
    assert!(h.log().contains(&"run lt-2".to_owned()) && !h.log().contains(&"run lt-1".to_owned()));
    assert_eq!(h.sent_input(2)["token"], "ct-2");
}

#[test]
fn invalid_link_token_from_link_initializes_again_once() {
    let h = harness(
        vec![
            initialize("ACTION_REQUIRED", "1", ""),
            initialize("ACTION_REQUIRED", "2", ""),
            closed(),
        ],
        [exit_with("INVALID_LINK_TOKEN"), success()],
    );
    assert!(matches!(
        h.run(&input("c1")).unwrap(),
        ReconnectResult::Reconnected { .. }
    ));
    let runs: Vec<String> = h
        .log()
        .into_iter()
        .filter(|l| l.starts_with("run"))
        .collect();
    assert_eq!(runs, ["run lt-1", "run lt-2"]);

    let h = harness(
        vec![
            initialize("ACTION_REQUIRED", "1", ""),
            initialize("ACTION_REQUIRED", "2", ""),
        ],
        [
            exit_with("INVALID_LINK_TOKEN"),
            exit_with("INVALID_LINK_TOKEN"),
        ],
    );
    let ReconnectResult::Exited { error, .. } = h.run(&input("c1")).unwrap() else {
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
    let h = harness(vec![], []);
    let err = h
        .run_until(&input("c"), std::future::ready(()))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Aborted);
    assert!(h.posts().is_empty());
    assert_eq!(h.stages(), [Stage::Initializing, Stage::Done]);
}

#[test]
fn cancelling_while_link_is_open_ends_the_link_run() {
    // No outcome scripted: Link stays open until the signal fires.
    let h = harness(vec![action_required()], []);
    let err = h.run_until(&input("c"), CancelAtPoll(8)).unwrap_err();
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
fn a_cancel_after_link_succeeded_does_not_stop_the_close() {
    let h = harness(vec![action_required(), closed()], [success()]);
    // Fires once the close is under way (the flow is no longer cancellable then).
    let result = h.run_until(&input("c1"), CancelAtPoll(9)).unwrap();
    assert!(matches!(result, ReconnectResult::Reconnected { .. }));
}

#[test]
fn errors_scrub_every_token_the_flow_has_seen() {
    let leaky = reply(
        json!({ "data": { "connectorPlaidInitialize": { "success": false,
        "errors": [{ "code": "lt-1", "message": "lt-1 and ct-1 and lt-2 and session-1", "path": ["ct-1"] }] } } }),
    );
    let h = harness(
        vec![initialize("ACTION_REQUIRED", "1", ""), leaky],
        [exit_with("INVALID_LINK_TOKEN")],
    );
    let err = h.run(&input("c")).unwrap_err();
    let text = format!("{err:?} {:?}", err.errors());
    for token in ["lt-1", "ct-1", "session-1"] {
        assert!(!text.contains(token), "{token}: {text}");
    }
}

#[test]
fn always_open_link_opens_link_on_a_healthy_connection_that_returns_a_token() {
    let h = harness(
        vec![
            initialize("CONTINUE", "1", "2099-01-01T00:00:00Z"),
            closed(),
        ],
        [success()],
    );
    let mut input = input("c1");
    input.update = Some(Json::from(json!({ "accountSelectionEnabled": true })));
    let options = ReconnectOptions::default().with_always_open_link(true);
    assert!(matches!(
        h.run_with(&input, options).unwrap(),
        ReconnectResult::Reconnected { .. }
    ));
    assert!(h.log().contains(&"run lt-1".to_owned()));

    let h = harness(
        vec![initialize("CONTINUE", "1", "2099-01-01T00:00:00Z")],
        [],
    );
    assert!(
        matches!(h.run(&input).unwrap(), ReconnectResult::Repaired { .. }),
        "off by default"
    );
    let h = harness(vec![continue_()], []);
    assert!(
        matches!(
            h.run_with(&input, options).unwrap(),
            ReconnectResult::Repaired { .. }
        ),
        "no link token, no Link"
    );
}

#[test]
fn a_healthy_connection_whose_close_fails_is_not_read_back() {
    let h = harness(
        vec![initialize("CONTINUE", "1", ""), status(400)],
        [success()],
    );
    let options = ReconnectOptions::default().with_always_open_link(true);
    let err = h.run_with(&input("c1"), options).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CloseFailed);
    assert_eq!(
        h.posts().last().map(String::as_str),
        Some("post ConnectorPlaidClose")
    );
}

/// Runs a reconnect until `until` holds of the log, then drops it, as a page that is left (a
/// reload, an OAuth bank's redirect) drops whatever it was doing: no further step runs.
fn leave_page_when(h: &Harness, input: &ConnectorPlaidInitializeInput, until: &str) {
    let flow = driver::reconnect(
        &h.io,
        input,
        ReconnectOptions::default(),
        h.sink(),
        std::future::pending(),
    );
    let mut flow = std::pin::pin!(flow);
    let waker = std::task::Waker::noop();
    let mut cx = Context::from_waker(waker);
    for _ in 0..1_000 {
        if h.log().iter().any(|l| l == until) {
            return;
        }
        assert!(
            flow.as_mut().poll(&mut cx).is_pending(),
            "the flow ended before {until}"
        );
    }
    panic!("the flow never reached {until}: {:?}", h.log());
}

/// The harness of the page after: the tab's records, as the page before left them.
fn next_page(
    before: &Harness,
    replies: Vec<Result<HttpReply, Error>>,
    outcomes: impl IntoIterator<Item = Result<LinkOutcome, LinkFailure>>,
) -> Harness {
    let h = harness(replies, outcomes);
    *h.io.stored.borrow_mut() = before.io.stored.borrow().clone();
    h
}

fn resume(h: &Harness, from_bank: Option<&str>) -> Result<Option<ReconnectResult>, Error> {
    block_on(driver::resume(
        &h.io,
        from_bank,
        None,
        h.sink(),
        std::future::pending(),
    ))
}

#[test]
fn an_oauth_flow_keeps_its_session_across_the_redirect_and_resume_closes_with_it() {
    // The first page: Link sends the page to the bank, so the flow never ends.
    let h = harness(vec![action_required()], []);
    let mut input = input("c1");
    input.redirect_uri = Some("https://app.example/oauth".into());
    leave_page_when(&h, &input, "run lt-1");
    let log = h.log();
    let saved = log.iter().position(|l| l == "save link").unwrap();
    assert_eq!(log[saved + 1], "run lt-1", "saved before Link opens");
    let record = h.io.stored.borrow()[0].clone();
    assert!(record.redirects() && record.connection_id() == "c1");

    // The page the bank sends the user back to finds it.
    let h = next_page(&h, vec![closed()], [success()]);
    let uri = "https://app.example/oauth?oauth_state_id=abc";
    let result = resume(&h, Some(uri)).unwrap();
    assert!(matches!(result, Some(ReconnectResult::Reconnected { .. })));
    let config = h.io.link_configs.borrow()[0].clone();
    assert_eq!(config.token.expose_secret(), "lt-1");
    assert_eq!(config.received_redirect_uri.as_deref(), Some(uri));
    assert_eq!(
        h.sent_input(0)["token"],
        "ct-1",
        "closed with the original connector token"
    );
    assert!(
        h.io.stored.borrow().is_empty(),
        "forgotten once the flow ended"
    );
    assert_eq!(
        h.stages(),
        [
            Stage::LinkLoading,
            Stage::LinkOpen,
            Stage::Closing,
            Stage::Done
        ]
    );

    let nothing = harness(vec![], []);
    assert!(
        resume(&nothing, Some(uri)).unwrap().is_none(),
        "nothing saved, nothing to resume"
    );
}

#[test]
fn a_reload_while_link_is_open_opens_it_again_through_resume() {
    let h = harness(vec![action_required()], []);
    leave_page_when(&h, &input("c1"), "run lt-1");
    let h = next_page(&h, vec![closed()], [success()]);
    let result = resume(&h, None).unwrap();
    assert!(matches!(result, Some(ReconnectResult::Reconnected { .. })));
    let config = h.io.link_configs.borrow()[0].clone();
    assert_eq!(config.token.expose_secret(), "lt-1");
    assert_eq!(
        config.received_redirect_uri, None,
        "no bank sent the page back"
    );
    assert_eq!(h.posts(), ["post ConnectorPlaidClose"], "no new initialize");
    assert!(h.io.stored.borrow().is_empty());
}

#[test]
fn a_reload_before_the_closes_answer_sends_the_very_same_close_through_resume() {
    let h = harness(vec![action_required()], [success()]);
    h.io.hang_close.set(true);
    leave_page_when(&h, &input("c1"), "post ConnectorPlaidClose");
    let first = h.io.sent.borrow().last().unwrap().0.clone();
    assert!(
        h.io.stored.borrow()[0].has_close(),
        "the close was saved before it was sent"
    );

    let h = next_page(&h, vec![closed()], []);
    let result = resume(&h, None).unwrap();
    assert!(matches!(result, Some(ReconnectResult::Reconnected { .. })));
    assert!(
        h.io.link_configs.borrow().is_empty(),
        "no Link: the user's work is done"
    );
    let again = h.io.sent.borrow()[0].0.clone();
    assert_eq!(
        again.body(),
        first.body(),
        "the same request, so the same clientMutationId"
    );
    assert!(h.io.stored.borrow().is_empty());
}

#[test]
fn resume_never_takes_a_record_a_running_flow_owns() {
    let h = harness(vec![action_required()], []);
    leave_page_when(&h, &input("c1"), "run lt-1");
    // The flow that saved it still owns it (on the same page).
    assert!(resume(&h, None).unwrap().is_none());
}

#[test]
fn a_close_that_failed_keeps_its_record_until_retry_close_succeeds() {
    let h = harness(
        vec![
            action_required(),
            status(400),
            read_back("ERROR_REPAIRABLE"),
        ],
        [success()],
    );
    let err = h.run(&input("c1")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CloseFailed);
    assert!(
        h.io.stored.borrow()[0].has_close(),
        "kept: the close can be sent again"
    );
    assert!(h.io.owned.borrow().is_empty(), "and let go");
    h.io.replies.borrow_mut().push_back(closed());
    let pending = err.into_pending_close().unwrap();
    let result = block_on(driver::retry_close(&h.io, pending)).unwrap();
    assert!(matches!(result, ReconnectResult::Reconnected { .. }));
    assert!(
        h.io.stored.borrow().is_empty(),
        "forgotten once it succeeded"
    );
}

#[test]
fn tokens_echoed_by_link_reach_no_event_and_no_result() {
    let mut h = harness(
        vec![action_required()],
        [Ok(LinkOutcome::Exit {
            error: PlaidLinkError::from_json(&Json::from(json!({
                "error_code": "X", "error_message": "token lt-1 (for ct-1) of session-1 was refused"
            }))),
            metadata: Json::from(json!({ "status": "lt-1", "nested": ["ct-1"] })),
        })],
    );
    h.io.event_echo = "link lt-1 connector ct-1";
    let ReconnectResult::Exited {
        error, metadata, ..
    } = h.run(&input("c1")).unwrap()
    else {
        panic!("exited");
    };
    let seen = format!(
        "{} {:?} {}",
        metadata.to_json_string().unwrap(),
        error,
        h.events
            .borrow()
            .iter()
            .map(|e| match e {
                ReconnectEvent::Plaid { metadata, .. } => metadata.to_json_string().unwrap(),
                other => format!("{other:?}"),
            })
            .collect::<String>()
    );
    for token in ["lt-1", "ct-1", "session-1"] {
        assert!(!seen.contains(token), "{token} in {seen}");
    }
    assert!(seen.contains("[redacted]"), "{seen}");
}

/// The initialize documents the bridge sends, to point a refusal's `locations` into.
const INITIALIZE_2025: &str =
    include_str!("../src/quiltt/documents/connector_plaid_initialize_2025_04.graphql");
const INITIALIZE_2024: &str =
    include_str!("../src/quiltt/documents/connector_plaid_initialize_2024_08.graphql");

/// A server's refusal of `document` in validation: one error per name, located where the name
/// starts (as graphql-js, graphql-ruby and async-graphql locate them), no `data`.
fn refused(document: &str, names: &[&str]) -> Result<HttpReply, Error> {
    let errors: Vec<Value> = names
        .iter()
        .map(|name| {
            let (line, column) = document
                .lines()
                .enumerate()
                .find_map(|(i, text)| {
                    let at = text
                        .match_indices(name)
                        .find(|(at, _)| {
                            let before = text[..*at].chars().last();
                            let after = text[at + name.len()..].chars().next();
                            !before.is_some_and(char::is_alphanumeric)
                                && !after.is_some_and(char::is_alphanumeric)
                        })?
                        .0;
                    Some((i + 1, at + 1))
                })
                .expect("the name is in the document");
            json!({ "message": format!("Cannot query field \"{name}\""),
                    "locations": [{ "line": line, "column": column }] })
        })
        .collect();
    Ok(HttpReply::new(
        400,
        Some(Json::from(json!({ "errors": errors }))),
    ))
}

/// `ACTION_REQUIRED` as the 2023-08 and 2024-08 generations name the record's fields.
fn action_required_2024() -> Result<HttpReply, Error> {
    reply(
        json!({ "data": { "connectorPlaidInitialize": { "success": true, "record": {
        "connectorStatus": "ACTION_REQUIRED", "connectorToken": "ct-1", "linkToken": "lt-1",
        "expiration": "2099-01-01T00:00:00Z", "requestId": "req" } } } }),
    )
}

fn sent_query(h: &Harness, n: usize) -> &'static str {
    h.io.sent.borrow()[n].0.query
}

#[test]
fn a_refused_document_is_sent_again_in_the_generation_the_refusal_names_and_remembered() {
    let h = harness(
        vec![
            refused(INITIALIZE_2025, &["status", "token"]),
            action_required_2024(),
            closed(),
        ],
        [success()],
    );
    let result = h.run(&input("c1")).unwrap();
    assert!(matches!(result, ReconnectResult::Reconnected { .. }));
    assert_eq!(
        h.log(),
        [
            "start script",
            "lock c1",
            "token",
            "post ConnectorPlaidInitialize",
            "remember 2024-08",
            "post ConnectorPlaidInitialize",
            "script",
            "save link",
            "run lt-1",
            "link dropped",
            "save close",
            "token",
            "post ConnectorPlaidClose",
            "forget",
        ],
        "the same token sends the 2024-08 document right after the refusal"
    );
    assert_eq!(sent_query(&h, 0), INITIALIZE_2025);
    assert_eq!(sent_query(&h, 1), INITIALIZE_2024);
    assert_eq!(h.sent_input(0), h.sent_input(1), "the same input, as given");
    let close = h.sent_input(2);
    assert_eq!(
        close["connectorToken"], "ct-1",
        "the close speaks 2024-08 too"
    );
    assert!(close.get("token").is_none());

    // The next flow speaks what was learned: no refusal.
    *h.io.replies.borrow_mut() = vec![action_required_2024(), closed()].into();
    h.io.outcomes.borrow_mut().push_back(success());
    h.io.sent.borrow_mut().clear();
    h.run(&input("c1")).unwrap();
    assert_eq!(sent_query(&h, 0), INITIALIZE_2024);
    assert_eq!(h.io.sent.borrow().len(), 2);
}

#[test]
fn a_2023_endpoint_is_told_from_a_2024_one_by_the_fields_it_refuses() {
    let h = harness(
        vec![
            refused(INITIALIZE_2025, &["status", "token", "hostedLinkUrl"]),
            continue_(),
        ],
        [],
    );
    assert!(matches!(
        h.run(&input("c1")),
        Ok(ReconnectResult::Repaired { .. })
    ));
    assert!(h.log().contains(&"remember 2023-08".to_owned()));
    assert!(!sent_query(&h, 1).contains("hostedLinkUrl"));
}

#[test]
fn a_pinned_generation_is_never_changed_and_a_second_refusal_is_the_apps_error() {
    // Pinned to 2024-08 against an endpoint that speaks 2025-04.
    let h = harness(
        vec![refused(
            INITIALIZE_2024,
            &["connectorStatus", "connectorToken"],
        )],
        [],
    );
    h.io.schema.set(SchemaChoice {
        generation: SchemaGeneration::V2024,
        pinned: true,
    });
    let err = h.run(&input("c1")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Graphql);
    assert_eq!(h.posts(), ["post ConnectorPlaidInitialize"]);
    assert!(!h.log().iter().any(|l| l.starts_with("remember")));

    // Unpinned, an endpoint that refuses the second generation's document too: one change only.
    let h = harness(
        vec![
            refused(INITIALIZE_2025, &["status", "token"]),
            refused(INITIALIZE_2024, &["hostedLinkUrl"]),
        ],
        [],
    );
    let err = h.run(&input("c1")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Graphql);
    assert_eq!(h.posts().len(), 2);
}

#[test]
fn an_endpoint_without_plaid_fails_no_plaid_connector_before_link() {
    let h = harness(
        vec![refused(
            INITIALIZE_2025,
            &["ConnectorPlaidInitializeInput", "connectorPlaidInitialize"],
        )],
        [success()],
    );
    let err = h.run(&input("c1")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoPlaidConnector);
    assert_eq!(err.errors().len(), 2, "the server's errors are on it");
    assert_eq!(
        h.log(),
        [
            "start script",
            "lock c1",
            "token",
            "post ConnectorPlaidInitialize"
        ],
        "no second document, no Link"
    );
}

#[test]
fn a_refused_input_value_is_the_apps_graphql_error_and_not_sent_again() {
    let h = harness(
        vec![reply(json!({ "errors": [{
            "message": "Variable $input got invalid value \"TRANSACTIONS\" at \"input.featuresRequired[0]\"",
            "locations": [{ "line": 1, "column": 35 }] }] }))],
        [],
    );
    let err = h.run(&input("c1")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Graphql);
    assert_eq!(h.posts(), ["post ConnectorPlaidInitialize"]);
}

#[test]
fn a_connection_answered_for_another_id_is_a_bad_response() {
    let h = harness(vec![read_back("SYNCED"), read_back("SYNCED")], []);
    let found = block_on(driver::connection(&h.io, "c1", std::future::pending())).unwrap();
    assert_eq!(found.unwrap().id, "c1");
    let err = block_on(driver::connection(&h.io, "c2", std::future::pending())).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadResponse);
    assert!(
        err.message().contains("another connection"),
        "{}",
        err.message()
    );
}

fn closed_syncing() -> Result<HttpReply, Error> {
    reply(json!({ "data": { "connectorPlaidClose": { "success": true,
        "record": connection_record("SYNCING") } } }))
}

fn confirm() -> ReconnectOptions {
    ReconnectOptions::default().with_confirm(true)
}

#[test]
fn confirm_reads_the_connection_until_it_leaves_syncing() {
    let h = harness(
        vec![
            action_required(),
            closed_syncing(),
            read_back("SYNCING"),
            read_back("SYNCED"),
        ],
        [success()],
    );
    let result = h.run_with(&input("c1"), confirm()).unwrap();
    let ReconnectResult::Reconnected {
        connection,
        confirmed,
        trail,
        ..
    } = result
    else {
        panic!("reconnected");
    };
    assert_eq!(connection.status.as_deref(), Some("SYNCED"));
    assert_eq!(confirmed, Some(true));
    let stages: Vec<Stage> = h
        .events
        .borrow()
        .iter()
        .filter_map(ReconnectEvent::stage)
        .collect();
    assert_eq!(
        stages[stages.len() - 3..],
        [Stage::Closing, Stage::Confirming, Stage::Done]
    );
    // The first read at once, then the interval, backed off.
    assert_eq!(
        *h.io.sleeps.borrow(),
        [quiltt_reconnect_core::machine::CONFIRM_INTERVAL_MS]
    );
    let reads: Vec<_> = trail
        .steps
        .iter()
        .filter_map(|e| match &e.step {
            TrailStep::ReadBack { status } => status.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(reads, ["SYNCING", "SYNCED"]);
}

#[test]
fn confirm_says_false_for_an_error_status_a_failed_read_and_its_bound() {
    let ended_in = |replies: Vec<Result<HttpReply, Error>>| {
        let mut all = vec![action_required(), closed_syncing()];
        all.extend(replies);
        let h = harness(all, [success()]);
        let ReconnectResult::Reconnected {
            connection,
            confirmed,
            ..
        } = h.run_with(&input("c1"), confirm()).unwrap()
        else {
            panic!("reconnected");
        };
        (connection.status, confirmed)
    };
    let (last, confirmed) = ended_in(vec![read_back("ERROR_REPAIRABLE")]);
    assert_eq!(
        (last.as_deref(), confirmed),
        (Some("ERROR_REPAIRABLE"), Some(false))
    );
    // A read refused for good: the close's connection stands, unconfirmed.
    let (last, confirmed) = ended_in(vec![status(400)]);
    assert_eq!((last.as_deref(), confirmed), (Some("SYNCING"), Some(false)));
    // Still syncing at the bound: every read says SYNCING.
    let (last, confirmed) = ended_in((0..40).map(|_| read_back("SYNCING")).collect());
    assert_eq!((last.as_deref(), confirmed), (Some("SYNCING"), Some(false)));
}

#[test]
fn without_confirm_nothing_is_read_after_the_close() {
    let h = harness(vec![action_required(), closed_syncing()], [success()]);
    let ReconnectResult::Reconnected { confirmed, .. } = h.run(&input("c1")).unwrap() else {
        panic!("reconnected");
    };
    assert_eq!(confirmed, None);
    assert_eq!(h.io.sent.borrow().len(), 2);
}

#[test]
fn a_cancel_while_confirming_keeps_the_repair_unconfirmed() {
    let mut replies = vec![action_required(), closed_syncing()];
    replies.extend((0..40).map(|_| read_back("SYNCING")));
    let h = harness(replies, [success()]);
    let result = block_on(driver::reconnect(
        &h.io,
        &input("c1"),
        confirm(),
        h.sink(),
        CancelAtPoll(12),
    ));
    let ReconnectResult::Reconnected { confirmed, .. } = result.unwrap() else {
        panic!("reconnected");
    };
    assert_eq!(confirmed, Some(false));
    // Cancelled after a read or two, long before the bound's nine.
    let reads = h.io.sent.borrow().len() - 2;
    assert!((1..4).contains(&reads), "{reads} reads");
}

#[test]
fn the_trail_lists_the_flow_in_order_with_quiltts_request_ids() {
    let h = harness(vec![action_required(), closed()], [success()]);
    let result = h.run(&input("c1")).unwrap();
    let trail = result.trail();
    let kinds: Vec<&str> = trail
        .steps
        .iter()
        .map(|e| match &e.step {
            TrailStep::Started { .. } => "started",
            TrailStep::Lock => "lock",
            TrailStep::Locked => "locked",
            TrailStep::Request { .. } => "request",
            TrailStep::Reply { .. } => "reply",
            TrailStep::Initialized { .. } => "initialized",
            TrailStep::ScriptLoaded => "script_loaded",
            TrailStep::LinkStarted => "link_started",
            TrailStep::Plaid { .. } => "plaid",
            TrailStep::LinkSucceeded { .. } => "link_succeeded",
            TrailStep::Ended { .. } => "ended",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "started",
            "lock",
            "locked",
            "request",
            "reply",
            "initialized",
            "script_loaded",
            "link_started",
            "plaid",
            "link_succeeded",
            "request",
            "reply",
            "ended"
        ]
    );
    assert_eq!(trail.request_ids, ["req"]);
    assert_eq!(trail.connection_id, "c1");
    assert!(matches!(
        trail.steps.last().unwrap().step,
        TrailStep::Ended {
            outcome: Some("reconnected"),
            ..
        }
    ));
}

#[test]
fn a_failed_flow_carries_its_trail_with_the_failure_and_its_retries() {
    let h = harness(
        vec![
            status(503),
            status(503),
            status(503),
            status(503),
            status(503),
        ],
        [],
    );
    let e = h.run(&input("c1")).unwrap_err();
    let trail = e.trail().expect("a flow's error has a trail");
    let retries = trail
        .steps
        .iter()
        .filter(|s| matches!(s.step, TrailStep::Retry { .. }))
        .count();
    assert!(retries >= 1, "{trail:?}");
    assert!(trail
        .steps
        .iter()
        .any(|s| matches!(&s.step, TrailStep::Retry { cause, .. } if cause == "HTTP 503")));
    assert!(matches!(
        trail.steps.last().unwrap().step,
        TrailStep::Ended {
            error: Some("HTTP"),
            ..
        }
    ));
    // Each send numbered.
    let attempts: Vec<u32> = trail
        .steps
        .iter()
        .filter_map(|s| match s.step {
            TrailStep::Request { attempt, .. } => Some(attempt),
            _ => None,
        })
        .collect();
    assert_eq!(attempts, (1..=attempts.len() as u32).collect::<Vec<_>>());
}

#[test]
fn no_token_reaches_a_trail_even_when_the_server_and_link_echo_all_four() {
    let echo = "session-1 lt-1 ct-1 pt-1";
    let init = reply(
        json!({ "data": { "connectorPlaidInitialize": { "success": true, "record": {
        "status": "ACTION_REQUIRED", "token": "ct-1", "linkToken": "lt-1",
        "expiration": "2099-01-01T00:00:00Z", "requestId": echo } } } }),
    );
    let refused = reply(json!({ "data": { "connectorPlaidClose": { "success": false,
        "errors": [{ "message": echo, "code": "X", "requestId": echo }] } } }));
    let mut h = harness(
        vec![init, refused, read_back("ERROR_REPAIRABLE")],
        [Ok(LinkOutcome::Success {
            public_token: Some(PublicToken::new("pt-1")),
            metadata: Json::from(json!({ "link_session_id": echo })),
        })],
    );
    h.io.event_echo = echo;
    let e = h.run(&input("c1")).unwrap_err();
    let text = serde_json::to_string(e.trail().unwrap()).unwrap();
    for token in ["session-1", "lt-1", "ct-1", "pt-1"] {
        assert!(!text.contains(token), "{token} in {text}");
    }
    assert!(text.contains("[redacted]"), "{text}");
}

//! The reconnect flow: `connectorPlaidInitialize`, then `CONTINUE` (done) or Plaid Link in update
//! mode, then `connectorPlaidClose`. The same machine finishes a flow a page left unfinished (Link
//! opened again after a reload or an OAuth bank's redirect, or the close sent again) and sends a
//! failed close again (`retryClose`).
//!
//! The flow is one [`Phase`] at a time, each holding what it needs and nothing more. Each part of
//! the flow is a room of its own: [`initialize`] (the request, `WAIT`, another generation's
//! document), [`link`] (Plaid's script, the saved session, Link) and [`close`] (the saved close,
//! its read-back). A part's handler takes its phase and returns a [`Turn`]; this module hands what
//! arrives to the phase it is for, one pair of phase and event an arm, and anything else is a
//! driver's mistake: one typed error, never a panic.

mod close;
mod confirm;
mod initialize;
mod link;
mod phase;

use std::cell::RefCell;
use std::rc::Rc;

use crate::error::{Error, ErrorCode};
use crate::id::FlowId;
use crate::machine::outcome::{EventSink, ReconnectEvent, ReconnectResult, Stage};
use crate::machine::saved::{SavedFlow, SavedStage};
use crate::machine::secrets::Secrets;
use crate::machine::step::{out_of_turn, Clock, Operation, Seen, Settings, Step, Steps};
use crate::machine::trail::{linked_step, plaid_step};
use crate::plaid::PlaidEvent;
use crate::quiltt::{GraphqlRequest, InitializeInput, PendingClose};
use crate::secret::SessionToken;
use crate::trail::{Trail, TrailStep};
pub use confirm::{CONFIRM_INTERVAL_MS, CONFIRM_TIMEOUT_MS};
pub use phase::ReconnectOptions;
use phase::{Flow, Initialize, Phase, Session, Start, Talk, Turn};

/// One reconnect flow (or a flow resumed on a later page, or a close sent again).
pub struct Reconnect {
    flow: Flow,
    phase: Phase,
}

impl std::fmt::Debug for Reconnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reconnect")
            .field("connection_id", &self.flow.connection_id)
            .finish_non_exhaustive()
    }
}

impl Reconnect {
    fn with(flow: Flow, start: Start) -> Self {
        Reconnect {
            flow,
            phase: Phase::Ready(start),
        }
    }

    fn flow(id: FlowId, connection_id: String, settings: Settings, events: EventSink) -> Flow {
        Flow {
            id,
            client_mutation_id: None,
            generation: settings.schema.generation,
            options: ReconnectOptions::default(),
            settings,
            events,
            secrets: Secrets::default(),
            locks: true,
            saved: false,
            resumed: false,
            trail: Rc::new(RefCell::new(Trail::new(&connection_id, 0.0))),
            now_ms: 0.0,
            connection_id,
        }
    }

    /// A flow for `input`, saved (once Link is near) under `id`, sending the initialize first in
    /// the document of the generation `settings` name.
    ///
    /// # Errors
    /// `INVALID_INPUT` when the input can't be written as JSON, before any event or request.
    pub(crate) fn new(
        id: FlowId,
        input: InitializeInput,
        options: ReconnectOptions,
        settings: Settings,
        events: EventSink,
    ) -> Result<Self, Error> {
        input.request(settings.schema.generation)?;
        let mut flow = Reconnect::flow(id, input.connection_id.clone(), settings, events);
        flow.client_mutation_id = input.client_mutation_id.clone();
        flow.options = options;
        Ok(Reconnect::with(
            flow,
            Start::Initialize(Initialize::new(input)),
        ))
    }

    /// The flow `saved` holds, finished on this page: Link opened again with its link token
    /// (`received_redirect_uri` after an OAuth bank sent the user back), or its close sent again;
    /// `None` when what it holds has expired at `now_ms`.
    pub(crate) fn resume(
        saved: SavedFlow,
        received_redirect_uri: Option<String>,
        settings: Settings,
        events: EventSink,
        now_ms: f64,
    ) -> Option<Self> {
        if saved.is_expired(now_ms) {
            return None;
        }
        let pending = saved.pending_close();
        let mut flow = Reconnect::flow(saved.id, saved.connection_id, settings, events);
        flow.client_mutation_id = saved.client_mutation_id;
        flow.generation = saved.generation;
        flow.saved = true;
        flow.resumed = true;
        let start = match (saved.stage, pending) {
            (_, Some(pending)) => {
                flow.secrets.public(&pending.input.public_token);
                flow.secrets.connector(&pending.input.connector_token);
                Start::Close(pending)
            }
            (
                SavedStage::Link {
                    link_token,
                    connector_token,
                    expires_at_ms,
                    redirects,
                },
                None,
            ) => {
                flow.secrets.link(&link_token);
                flow.secrets.connector(&connector_token);
                Start::Link(Session {
                    expires_at_ms: Some(expires_at_ms),
                    link_token,
                    connector_token,
                    received_redirect_uri: received_redirect_uri.filter(|_| redirects),
                    redirects,
                    was_broken: saved.was_broken,
                    renewal: None,
                })
            }
            (SavedStage::Close { .. }, None) => return None,
        };
        Some(Reconnect::with(flow, start))
    }

    /// The close of a `CLOSE_FAILED` error, sent again (the very same request). It emits no
    /// events and takes no lock; a record it was saved in is forgotten once it succeeds.
    pub(crate) fn retry_close(pending: PendingClose, settings: Settings) -> Self {
        let id = pending.flow.unwrap_or(FlowId::from_random(0.0));
        let mut flow =
            Reconnect::flow(id, pending.connection_id.clone(), settings, Rc::new(|_| {}));
        flow.secrets.public(&pending.input.public_token);
        flow.secrets.connector(&pending.input.connector_token);
        flow.generation = pending.input.generation;
        flow.locks = false;
        flow.saved = pending.flow.is_some();
        Reconnect::with(flow, Start::Close(pending))
    }

    /// The flow's first turn: Plaid's script starts (unless only a close is left), then the
    /// connection's lock, then the part the flow starts with.
    fn start(&mut self, start: Start, clock: Clock) -> Turn {
        *self.flow.trail.borrow_mut() = Trail::new(&self.flow.connection_id, clock.now_ms);
        self.flow.note(
            clock.now_ms,
            TrailStep::Started {
                resumed: self.flow.resumed,
                schema: self.flow.generation.as_str(),
            },
        );
        if let Start::Initialize(_) = start {
            self.flow.progress(Stage::Initializing);
        }
        match start {
            Start::Close(_) => self.lock(start, clock),
            _ => Turn::Go(Phase::Starting(start), Step::StartScript),
        }
    }

    /// Takes the connection's lock, when the flow takes it.
    fn lock(&mut self, start: Start, clock: Clock) -> Turn {
        match self.flow.locks {
            true => Turn::Go(
                Phase::Locking(start),
                Step::Lock(self.flow.connection_id.clone()),
            ),
            false => self.go(start, clock),
        }
    }

    /// The lock is held: the part the flow starts with.
    fn go(&mut self, start: Start, clock: Clock) -> Turn {
        match start {
            Start::Initialize(init) => initialize::send(&self.flow, init, clock),
            Start::Link(session) => Turn::Link(session),
            Start::Close(pending) => close::send(&self.flow, pending, clock),
        }
    }

    /// Carries out `turn` and notes the step it reaches in the trail.
    fn apply(&mut self, turn: Turn, clock: Clock) -> Step {
        self.flow.now_ms = clock.now_ms;
        let step = self.reach(turn, clock);
        self.note_step(&step, clock.now_ms);
        step
    }

    /// The trail's entry for the step the flow asks for, where it says something.
    fn note_step(&self, step: &Step, now_ms: f64) {
        let operation = self.outgoing_operation();
        let noted = match (step, &self.phase, operation) {
            (Step::Send, _, Some(operation)) => TrailStep::Request {
                operation,
                attempt: self.flow.trail.borrow().attempts(operation) + 1,
            },
            (Step::Sleep(delay_ms), Phase::Waiting(_), _) => TrailStep::Wait {
                delay_ms: *delay_ms,
            },
            (Step::Sleep(delay_ms), Phase::Talking(exchange, _), _) => TrailStep::Retry {
                operation: exchange.request().operation_name,
                cause: self.flow.trail.borrow().last_failure(),
                delay_ms: *delay_ms,
            },
            (Step::Lock(_), _, _) => TrailStep::Lock,
            (Step::RunLink(_), _, _) => TrailStep::LinkStarted,
            _ => return,
        };
        self.flow.note(now_ms, noted);
    }

    /// The trail's entry for what the driver saw, where it says something.
    fn note_seen(&self, seen: &Seen, now_ms: f64) {
        let noted = match seen {
            Seen::Reply(reply) => match self.outgoing_operation() {
                Some(operation) => TrailStep::Reply {
                    operation,
                    status: reply.as_ref().ok().map(|r| r.status),
                    error: reply.as_ref().err().map(|e| e.code().as_str()),
                },
                None => return,
            },
            Seen::Token(Err(e)) => TrailStep::TokenFailed {
                error: e.code().as_str(),
            },
            Seen::Script(Ok(())) => TrailStep::ScriptLoaded,
            Seen::Script(Err(e)) => TrailStep::ScriptFailed {
                error: e.code().as_str(),
            },
            Seen::Locked => TrailStep::Locked,
            Seen::Linked(result) => linked_step(result),
            _ => return,
        };
        self.flow.note(now_ms, noted);
    }

    /// The operation of the request in flight.
    fn outgoing_operation(&self) -> Option<&'static str> {
        match &self.phase {
            Phase::Talking(exchange, _) => Some(exchange.request().operation_name),
            Phase::Confirming(watch, _) => watch.outgoing().map(|(r, _)| r.operation_name),
            _ => None,
        }
    }

    /// Hands a part's request for another part to it, until a phase and its step (or the end)
    /// are reached.
    fn reach(&mut self, mut turn: Turn, clock: Clock) -> Step {
        loop {
            turn = match turn {
                Turn::Go(phase, step) => {
                    self.phase = phase;
                    return step;
                }
                Turn::Answered(exchange, talk, result) => match talk {
                    Talk::Initialize(init) => {
                        initialize::answered(&mut self.flow, exchange, init, result, clock)
                    }
                    Talk::Close(pending) => close::answered(pending, result, clock),
                    Talk::ReadBack(pending, error) => {
                        close::read_back(&self.flow, pending, error, result, clock)
                    }
                },
                Turn::Renew(init) => initialize::renew(&self.flow, init, clock),
                Turn::Link(session) => link::load(&self.flow, session),
                Turn::Close(pending) => close::save(&mut self.flow, pending, clock),
                Turn::Repaired(connection) => confirm::start(&self.flow, connection, clock),
                Turn::End(result) => return self.end_with(result),
            }
        }
    }

    /// Ends with `result`. The flow's record is forgotten first, unless it is still of use: a
    /// close that failed can be sent again (`retryClose`, or `resume()` after a reload), and a
    /// resumed flow that was cancelled can be resumed later.
    fn end_with(&mut self, result: Result<ReconnectResult, Error>) -> Step {
        let kept = match &result {
            Err(e) => {
                e.code() == ErrorCode::CloseFailed
                    || (self.flow.resumed && e.code() == ErrorCode::Aborted)
            }
            Ok(_) => false,
        };
        let saved = std::mem::replace(&mut self.flow.saved, false);
        match (saved, kept) {
            (true, false) => {
                self.phase = Phase::Ending(result);
                Step::Forget(self.flow.id)
            }
            (true, true) => {
                self.phase = Phase::Ending(result);
                Step::Release(self.flow.id)
            }
            (false, _) => {
                self.phase = Phase::Over(result);
                Step::Done
            }
        }
    }
}

impl Steps for Reconnect {
    fn begin(&mut self, clock: Clock) -> Step {
        let turn = match std::mem::replace(&mut self.phase, Phase::Moved) {
            Phase::Ready(start) => self.start(start, clock),
            _ => Turn::End(Err(out_of_turn())),
        };
        self.apply(turn, clock)
    }

    fn on(&mut self, seen: Seen, clock: Clock) -> Step {
        self.note_seen(&seen, clock.now_ms);
        let phase = std::mem::replace(&mut self.phase, Phase::Moved);
        let turn = match (phase, seen) {
            (Phase::Starting(start), Seen::ScriptStarted) => self.lock(start, clock),
            (Phase::Locking(start), Seen::Locked) => self.go(start, clock),
            (Phase::Talking(mut exchange, talk), Seen::Token(token)) => {
                let next = exchange.on_token(token, &mut self.flow.secrets);
                Turn::talk(exchange, talk, next)
            }
            (Phase::Talking(mut exchange, talk), Seen::Reply(reply)) => {
                let next = exchange.on_reply(reply, &self.flow.settings, clock);
                Turn::talk(exchange, talk, next)
            }
            (Phase::Talking(exchange, talk), Seen::Woke) => {
                Turn::Go(Phase::Talking(exchange, talk), Step::Token)
            }
            (Phase::Waiting(init), Seen::Woke) => initialize::waited(&self.flow, init, clock),
            (Phase::Remembering(exchange, init), Seen::Remembered) => {
                initialize::remembered(&self.flow, exchange, init, clock)
            }
            (Phase::Loading(session), Seen::Script(result)) => {
                link::script_loaded(&mut self.flow, session, result, clock)
            }
            (Phase::SavingLink(session), Seen::Saved) => link::open(&self.flow, session),
            (Phase::Linking(session), Seen::Linked(result)) => {
                link::linked(&mut self.flow, session, result, clock)
            }
            (Phase::SavingClose(pending), Seen::Saved) => close::send(&self.flow, pending, clock),
            (Phase::Confirming(watch, connection), seen) => {
                confirm::on(&self.flow, watch, connection, seen, clock)
            }
            (Phase::Ending(result), Seen::Forgotten | Seen::Released) => {
                self.phase = Phase::Over(result);
                return Step::Done;
            }
            _ => Turn::End(Err(out_of_turn())),
        };
        self.apply(turn, clock)
    }

    fn outgoing(&self) -> Option<(&GraphqlRequest, &SessionToken)> {
        match &self.phase {
            Phase::Talking(exchange, _) => exchange.outgoing(),
            Phase::Confirming(watch, _) => watch.outgoing(),
            _ => None,
        }
    }

    fn cancellable(&self) -> bool {
        !matches!(
            self.phase,
            Phase::Talking(_, Talk::Close(_) | Talk::ReadBack(..))
                | Phase::SavingClose(_)
                | Phase::Ending(_)
                | Phase::Over(_)
        )
    }

    fn stop(&mut self, error: Error) -> Step {
        match std::mem::replace(&mut self.phase, Phase::Moved) {
            // The close succeeded: a cancel while confirming leaves it unconfirmed.
            Phase::Confirming(watch, connection) => {
                let turn = confirm::stop(watch, connection, error);
                self.apply(
                    turn,
                    Clock {
                        now_ms: self.flow.now_ms,
                        random: 0.0,
                    },
                )
            }
            phase => {
                self.phase = phase;
                self.end_with(Err(error))
            }
        }
    }

    fn plaid_events(&self) -> Rc<dyn Fn(PlaidEvent)> {
        let (events, connection_id) = (
            Rc::clone(&self.flow.events),
            self.flow.connection_id.clone(),
        );
        // Link's metadata could echo a token; the app never sees one. The trail is scrubbed at
        // the end.
        let secrets = self.flow.secrets.snapshot();
        let trail = Rc::clone(&self.flow.trail);
        Rc::new(move |event: PlaidEvent| {
            trail.borrow_mut().push(event.at_ms, plaid_step(&event));
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            events(ReconnectEvent::Plaid {
                connection_id: connection_id.clone(),
                name: event.name,
                metadata: event.metadata.redacted(&secrets),
            })
        })
    }
}

impl Operation for Reconnect {
    type Output = ReconnectResult;

    fn end(self) -> Result<ReconnectResult, Error> {
        self.flow.progress(Stage::Done);
        let result = match self.phase {
            Phase::Over(result) => result,
            _ => Err(out_of_turn()),
        };
        let secrets = &self.flow.secrets;
        let mut trail = self.flow.trail.take();
        let ended = match &result {
            Ok(done) => TrailStep::Ended {
                outcome: Some(done.outcome()),
                error: None,
            },
            Err(e) => {
                for id in e.errors().iter().filter_map(|q| q.request_id.as_deref()) {
                    trail.request_id(id);
                }
                TrailStep::Ended {
                    outcome: None,
                    error: Some(e.code().as_str()),
                }
            }
        };
        trail.push(self.flow.now_ms, ended);
        trail.scrub(|text| secrets.scrub_text(text));
        match result {
            Ok(mut done) => {
                if let ReconnectResult::Exited {
                    error, metadata, ..
                } = &mut done
                {
                    *error = error
                        .take()
                        .map(|e| e.redacted(|text| secrets.scrub_text(text)));
                    *metadata = secrets.scrub_json(metadata);
                }
                *done.trail_mut() = trail;
                Ok(done)
            }
            Err(e) => Err(secrets.scrub(e).with_trail(trail)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Json;
    use crate::machine::aborted;
    use crate::plaid::LinkOutcome;
    use crate::quiltt::{
        close_request, ConnectorPlaidCloseInput, ConnectorPlaidInitializeInput, HttpReply,
    };
    use crate::secret::{ConnectorToken, PublicToken};

    pub(crate) fn settings() -> Settings {
        Settings {
            policy: crate::machine::RetryPolicy::default(),
            token_refreshes: false,
            link_load_timeout_ms: 1000,
            schema: Default::default(),
        }
    }

    pub(crate) const CLOCK: Clock = Clock {
        now_ms: 0.0,
        random: 0.5,
    };

    pub(crate) fn session() -> SessionToken {
        SessionToken::new("s")
    }

    pub(crate) fn flow_of(input: ConnectorPlaidInitializeInput) -> Reconnect {
        Reconnect::new(
            FlowId::from_random(0.25),
            InitializeInput::new(&input).unwrap(),
            ReconnectOptions::default(),
            settings(),
            Rc::new(|_| {}),
        )
        .unwrap()
    }

    /// A flow for `c1` with its initialize sent.
    pub(crate) fn sent_initialize() -> Reconnect {
        let mut m = flow_of(ConnectorPlaidInitializeInput::new("c1"));
        assert!(matches!(m.begin(CLOCK), Step::StartScript));
        assert!(matches!(m.on(Seen::ScriptStarted, CLOCK), Step::Lock(c) if c == "c1"));
        assert!(matches!(m.on(Seen::Locked, CLOCK), Step::Token));
        assert!(matches!(
            m.on(Seen::Token(Ok(session())), CLOCK),
            Step::Send
        ));
        assert_eq!(
            m.outgoing().unwrap().0.operation_name,
            "ConnectorPlaidInitialize"
        );
        m
    }

    pub(crate) fn action_required() -> Seen {
        Seen::Reply(Ok(HttpReply::new(
            200,
            Json::parse(r#"{"data":{"connectorPlaidInitialize":{"success":true,"record":{"status":"ACTION_REQUIRED","linkToken":"lt-1","token":"ct-1"}}}}"#).ok(),
        )))
    }

    /// A flow for `c1` with Link open.
    pub(crate) fn linking() -> Reconnect {
        let mut m = sent_initialize();
        assert!(matches!(m.on(action_required(), CLOCK), Step::AwaitScript));
        assert!(matches!(m.on(Seen::Script(Ok(())), CLOCK), Step::Save(_)));
        assert!(matches!(m.on(Seen::Saved, CLOCK), Step::RunLink(_)));
        m
    }

    pub(crate) fn success() -> Seen {
        Seen::Linked(Ok(LinkOutcome::Success {
            public_token: Some(PublicToken::new("pt-1")),
            metadata: Json::null(),
        }))
    }

    /// A flow for `c1` with the close sent.
    pub(crate) fn closing() -> Reconnect {
        let mut m = linking();
        assert!(matches!(m.on(success(), CLOCK), Step::Save(_)));
        assert!(matches!(m.on(Seen::Saved, CLOCK), Step::Token));
        assert!(matches!(
            m.on(Seen::Token(Ok(session())), CLOCK),
            Step::Send
        ));
        m
    }

    pub(crate) fn pending_close(was_broken: bool) -> PendingClose {
        let input = ConnectorPlaidCloseInput {
            client_mutation_id: Some("m".into()),
            connector_token: ConnectorToken::new("ct-1"),
            metadata: Json::null(),
            public_token: PublicToken::new("pt-1"),
            generation: crate::quiltt::SchemaGeneration::V2025,
        };
        PendingClose {
            connection_id: "c1".into(),
            request: close_request(&input).unwrap(),
            input,
            was_broken,
            flow: Some(FlowId::from_random(0.25)),
        }
    }

    #[test]
    fn driven_out_of_turn_it_ends_with_a_typed_error_instead_of_panicking() {
        for seen in [
            Seen::Woke,
            Seen::Saved,
            Seen::Forgotten,
            Seen::Locked,
            Seen::Remembered,
            Seen::Script(Ok(())),
            success(),
        ] {
            let mut m = flow_of(ConnectorPlaidInitializeInput::new("c1"));
            assert!(matches!(m.begin(CLOCK), Step::StartScript));
            assert!(matches!(m.on(seen, CLOCK), Step::Done));
            assert_eq!(m.end().unwrap_err().code(), ErrorCode::BadResponse);
        }
        let mut early = flow_of(ConnectorPlaidInitializeInput::new("c1"));
        assert!(matches!(
            early.on(Seen::Reply(Ok(HttpReply::new(200, None))), CLOCK),
            Step::Done
        ));
        assert!(early.end().is_err());
    }

    #[test]
    fn cancellable_until_link_succeeds_and_not_after() {
        let mut m = linking();
        assert!(m.cancellable(), "Link is open: a cancel closes it");
        assert!(matches!(m.on(success(), CLOCK), Step::Save(_)));
        assert!(!m.cancellable(), "the close is the user's work");
    }

    #[test]
    fn a_cancelled_flow_forgets_its_record_and_a_cancelled_resumed_one_keeps_it() {
        let mut m = linking();
        assert!(matches!(m.stop(aborted()), Step::Forget(_)));
        assert!(matches!(m.on(Seen::Forgotten, CLOCK), Step::Done));
        assert_eq!(m.end().unwrap_err().code(), ErrorCode::Aborted);

        let saved = SavedFlow {
            id: FlowId::from_random(0.75),
            connection_id: "c1".into(),
            generation: crate::quiltt::SchemaGeneration::V2025,
            client_mutation_id: None,
            was_broken: true,
            stage: SavedStage::Link {
                link_token: crate::secret::LinkToken::new("lt-1"),
                connector_token: ConnectorToken::new("ct-1"),
                expires_at_ms: 10.0,
                redirects: true,
            },
        };
        let url = Some("https://app.example/back?oauth_state_id=x".to_owned());
        assert!(
            Reconnect::resume(
                saved.clone(),
                url.clone(),
                settings(),
                Rc::new(|_| {}),
                10.0
            )
            .is_none(),
            "expired"
        );
        let mut resumed = Reconnect::resume(saved, url, settings(), Rc::new(|_| {}), 1.0).unwrap();
        assert!(matches!(resumed.begin(CLOCK), Step::StartScript));
        assert!(matches!(
            resumed.on(Seen::ScriptStarted, CLOCK),
            Step::Lock(_)
        ));
        assert!(matches!(resumed.on(Seen::Locked, CLOCK), Step::AwaitScript));
        assert!(matches!(
            resumed.on(Seen::Script(Ok(())), CLOCK),
            Step::Save(_)
        ));
        assert!(
            matches!(resumed.on(Seen::Saved, CLOCK), Step::RunLink(c) if c.received_redirect_uri.is_some())
        );
        assert!(
            matches!(resumed.stop(aborted()), Step::Release(_)),
            "kept for a later resume"
        );
        assert!(matches!(resumed.on(Seen::Released, CLOCK), Step::Done));
        assert_eq!(resumed.end().unwrap_err().code(), ErrorCode::Aborted);
    }

    #[test]
    fn a_saved_close_is_sent_again_under_the_lock_and_forgotten_once_it_succeeded() {
        let pending = pending_close(true);
        let saved = SavedFlow {
            id: pending.flow.unwrap(),
            connection_id: "c1".into(),
            generation: crate::quiltt::SchemaGeneration::V2025,
            client_mutation_id: None,
            was_broken: true,
            stage: SavedStage::Close {
                close: pending.input.clone(),
                expires_at_ms: 10.0,
            },
        };
        let mut m = Reconnect::resume(saved, None, settings(), Rc::new(|_| {}), 1.0).unwrap();
        assert!(
            matches!(m.begin(CLOCK), Step::Lock(_)),
            "no script for a close"
        );
        assert!(matches!(m.on(Seen::Locked, CLOCK), Step::Token));
        assert!(!m.cancellable());
        assert!(matches!(
            m.on(Seen::Token(Ok(session())), CLOCK),
            Step::Send
        ));
        assert_eq!(
            m.outgoing().unwrap().0.body(),
            pending.request.body(),
            "the very same close"
        );
        let closed = r#"{"data":{"connectorPlaidClose":{"success":true,"record":{"id":"c1","status":"SYNCED"}}}}"#;
        assert!(matches!(
            m.on(
                Seen::Reply(Ok(HttpReply::new(200, Json::parse(closed).ok()))),
                CLOCK
            ),
            Step::Forget(_)
        ));
        assert!(matches!(m.on(Seen::Forgotten, CLOCK), Step::Done));
        assert!(matches!(m.end(), Ok(ReconnectResult::Reconnected { .. })));
    }
}

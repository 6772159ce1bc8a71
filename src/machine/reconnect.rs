//! The reconnect flow: `connectorPlaidInitialize`, then `CONTINUE` (done) or Plaid Link in update
//! mode, then `connectorPlaidClose`. The same machine sends a failed close again
//! (`retryClose`) and resumes a flow after an OAuth bank's redirect (`resume`).

use std::rc::Rc;

use super::exchange::{Exchange, Next};
use super::oauth::OAuthState;
use super::outcome::{EventSink, ReconnectEvent, ReconnectResult, Stage};
use super::secrets::Secrets;
use super::step::{out_of_turn, Clock, Operation, Seen, Settings, Step, Steps};
use crate::error::{Error, ErrorCode};
use crate::plaid::{LinkConfig, LinkFailure, LinkOutcome, PlaidEvent};
use crate::quiltt::{
    close_request, connection_request, decode_close, decode_connection, decode_initialize, refusal,
    ConnectorPlaidCloseInput, ConnectorStatus, GraphqlRequest, HttpReply, InitializeInput,
    PendingClose, PlaidConnector, Refusal, SchemaGeneration,
};
use crate::secret::{redact_all, ConnectorToken, LinkToken, SessionToken};

/// A link token without an expiration is kept for resuming no longer than Plaid's default
/// lifetime of a link token.
const LINK_TOKEN_LIFETIME_MS: f64 = 30.0 * 60.0 * 1000.0;

/// What a reconnect is asked to do besides its input.
///
/// # Examples
/// ```
/// use quiltt_reconnect::ReconnectOptions;
/// let add_accounts = ReconnectOptions::default().with_always_open_link(true);
/// assert!(add_accounts.always_open_link);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconnectOptions {
    /// Open Link with the record's link token even when initialize answers `CONTINUE` (when it
    /// returns one): to let the user add accounts (`update: { accountSelectionEnabled: true }`)
    /// or renew consent before it expires. Off: a healthy connection resolves `repaired`.
    pub always_open_link: bool,
}

impl ReconnectOptions {
    /// These options with [`always_open_link`](Self::always_open_link) set to `yes`.
    pub fn with_always_open_link(mut self, yes: bool) -> Self {
        self.always_open_link = yes;
        self
    }
}

/// `ACTION_REQUIRED`'s record and tokens, while Link loads or runs.
#[derive(Debug)]
struct Linking {
    connector: PlaidConnector,
    link_token: LinkToken,
    connector_token: ConnectorToken,
    /// Set when resuming after an OAuth redirect.
    received_redirect_uri: Option<String>,
    /// Whether initialize said the connection needed repair.
    was_broken: bool,
}

/// Where the flow is.
#[derive(Debug)]
enum Phase {
    /// Plaid's script is being started.
    Starting,
    Initializing(Exchange),
    /// Remembering the generation a refused initialize showed the endpoint speaks, before the
    /// exchange sends that generation's document.
    Remembering(Exchange),
    /// Waiting out `connectorStatus: WAIT`.
    Waiting,
    LoadingScript(Linking),
    /// Saving the OAuth state before Link opens.
    Storing(Linking),
    Linking(Linking),
    Closing {
        exchange: Exchange,
        pending: PendingClose,
    },
    /// The close failed: reading the connection back before saying so.
    Verifying {
        exchange: Exchange,
        pending: PendingClose,
        error: Error,
    },
    /// Deleting the OAuth state; the flow's result waits in `Reconnect::ending`.
    Ending,
    Over,
}

/// One reconnect flow (or a close sent again, or a flow resumed after an OAuth redirect).
pub(crate) struct Reconnect {
    connection_id: String,
    /// The app's `clientMutationId`, which the close reuses.
    client_mutation_id: Option<String>,
    /// The initialize input, sent again after `WAIT`, for a new link token, or in another
    /// generation's document; `None` when the flow did not start with an initialize.
    initialize: Option<InitializeInput>,
    /// The generation of Quiltt's schema the flow speaks.
    generation: SchemaGeneration,
    /// Whether the flow changed generation after a refused document (it does, once at most).
    switched: bool,
    options: ReconnectOptions,
    /// Whether the input named a `redirectUri`: then the OAuth state is saved before Link.
    keeps_oauth_state: bool,
    settings: Settings,
    events: EventSink,
    secrets: Secrets,
    phase: Phase,
    /// Which initialize of the current `WAIT` series this is (1 for the first).
    wait_attempt: u32,
    /// Whether a new link token was fetched already (it is, once at most).
    initialized_again: bool,
    /// Whether OAuth state is stored, to delete when the flow ends.
    stored: bool,
    ending: Option<Result<ReconnectResult, Error>>,
}

impl std::fmt::Debug for Reconnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reconnect")
            .field("connection_id", &self.connection_id)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

impl Reconnect {
    fn with_phase(
        connection_id: String,
        settings: Settings,
        events: EventSink,
        phase: Phase,
    ) -> Self {
        Reconnect {
            connection_id,
            client_mutation_id: None,
            initialize: None,
            generation: settings.schema.generation,
            switched: false,
            options: ReconnectOptions::default(),
            keeps_oauth_state: false,
            settings,
            events,
            secrets: Secrets::default(),
            phase,
            wait_attempt: 1,
            initialized_again: false,
            stored: false,
            ending: None,
        }
    }

    /// A flow for `input`, sending it first in the document of the generation `settings` name.
    ///
    /// # Errors
    /// `INVALID_INPUT` when the input can't be written as JSON, before any event or request.
    pub(crate) fn new(
        input: InitializeInput,
        options: ReconnectOptions,
        settings: Settings,
        events: EventSink,
    ) -> Result<Self, Error> {
        input.request(settings.schema.generation)?;
        let mut flow = Reconnect::with_phase(
            input.connection_id.clone(),
            settings,
            events,
            Phase::Starting,
        );
        flow.client_mutation_id = input.client_mutation_id.clone();
        flow.keeps_oauth_state = input.redirects;
        flow.initialize = Some(input);
        flow.options = options;
        Ok(flow)
    }

    /// The close of a `CLOSE_FAILED` error, sent again (the very same request). It emits no
    /// events.
    pub(crate) fn retry_close(pending: PendingClose, settings: Settings) -> Self {
        let mut secrets = Secrets::default();
        secrets.public(&pending.input.public_token);
        secrets.connector(&pending.input.connector_token);
        let exchange = Exchange::new(pending.request.clone());
        let connection_id = pending.connection_id.clone();
        let mut flow = Reconnect::with_phase(
            connection_id,
            settings,
            Rc::new(|_| {}),
            Phase::Closing { exchange, pending },
        );
        flow.secrets = secrets;
        flow
    }

    /// The flow `state` was saved for, resumed after the bank sent the user back to
    /// `received_redirect_uri`; `None` when its link token has expired (nothing to resume).
    pub(crate) fn resume(
        state: OAuthState,
        received_redirect_uri: String,
        settings: Settings,
        events: EventSink,
        now_ms: f64,
    ) -> Option<Self> {
        if state.is_expired(now_ms) {
            return None;
        }
        let mut connector = PlaidConnector::new(ConnectorStatus::ActionRequired);
        connector.link_token = Some(state.link_token.clone());
        connector.connector_token = Some(state.connector_token.clone());
        let linking = Linking {
            connector,
            link_token: state.link_token,
            connector_token: state.connector_token,
            received_redirect_uri: Some(received_redirect_uri),
            was_broken: state.was_broken,
        };
        let mut flow = Reconnect::with_phase(
            state.connection_id,
            settings,
            events,
            Phase::LoadingScript(linking),
        );
        flow.client_mutation_id = state.client_mutation_id;
        flow.generation = state.generation;
        flow.stored = true;
        Some(flow)
    }

    fn progress(&self, stage: Stage) {
        (self.events)(ReconnectEvent::Progress {
            connection_id: self.connection_id.clone(),
            stage,
        });
    }

    /// Ends with `result`, deleting the OAuth state first when some is stored.
    fn finish(&mut self, result: Result<ReconnectResult, Error>) -> Step {
        self.ending = Some(result);
        if self.stored {
            self.stored = false;
            self.phase = Phase::Ending;
            return Step::Store(None);
        }
        self.phase = Phase::Over;
        Step::Done
    }

    /// The initialize request in the flow's generation.
    fn initialize_request(&self) -> Result<GraphqlRequest, Error> {
        match &self.initialize {
            Some(input) => input.request(self.generation),
            None => Err(out_of_turn()),
        }
    }

    /// Sends (again) the initialize request.
    fn initialize(&mut self, clock: Clock) -> Step {
        let request = match self.initialize_request() {
            Ok(request) => request,
            Err(e) => return self.finish(Err(e)),
        };
        let mut exchange = Exchange::new(request);
        let next = exchange.begin(clock.now_ms);
        self.phase = Phase::Initializing(exchange);
        self.exchange_step(next, clock)
    }

    /// Fetches a new link token: the old one expired before Link opened, or Link refused it.
    fn initialize_again(&mut self, clock: Clock) -> Step {
        self.initialized_again = true;
        self.wait_attempt = 1;
        self.progress(Stage::Initializing);
        self.initialize(clock)
    }

    /// What the current exchange's `next` means for the flow.
    fn exchange_step(&mut self, next: Next, clock: Clock) -> Step {
        match next {
            Next::Token => Step::Token,
            Next::Send => Step::Send,
            Next::Sleep(ms) => Step::Sleep(ms),
            Next::Finished(result) => match std::mem::replace(&mut self.phase, Phase::Over) {
                Phase::Initializing(exchange) => self.initialize_answered(exchange, result, clock),
                Phase::Closing { pending, .. } => self.closed(result, pending, clock),
                Phase::Verifying { pending, error, .. } => self.verified(result, pending, error),
                _ => self.finish(Err(out_of_turn())),
            },
        }
    }

    /// Initialize's answer. A refused document that shows the endpoint speaks another
    /// generation is sent again in that generation's (once, unless the app pinned one): nothing
    /// ran. An endpoint without Plaid ends the flow before Link.
    fn initialize_answered(
        &mut self,
        exchange: Exchange,
        result: Result<HttpReply, Error>,
        clock: Clock,
    ) -> Step {
        let refused = result
            .as_ref()
            .ok()
            .and_then(|r| refusal(r, self.generation));
        match refused {
            Some(Refusal::NoPlaid) => {
                let errors =
                    result.map_or_else(|_| Vec::new(), |r| crate::quiltt::reply_errors(&r));
                self.finish(Err(Error::new(
                    ErrorCode::NoPlaidConnector,
                    "this Quiltt environment has no Plaid connector (its API has no \
                     connectorPlaidInitialize): enable Plaid for it in Quiltt's dashboard",
                )
                .with_errors(errors)))
            }
            Some(Refusal::Speaks(generation)) if !self.switched && !self.settings.schema.pinned => {
                self.switched = true;
                self.generation = generation;
                self.phase = Phase::Remembering(exchange);
                Step::Remember(generation)
            }
            _ => self.initialized(result.and_then(decode_initialize), clock),
        }
    }

    /// The generation is remembered: the exchange sends its document, with the same token.
    fn remembered(&mut self, mut exchange: Exchange, clock: Clock) -> Step {
        let request = match self.initialize_request() {
            Ok(request) => request,
            Err(e) => return self.finish(Err(e)),
        };
        let next = exchange.resend(request, clock.now_ms);
        self.phase = Phase::Initializing(exchange);
        self.exchange_step(next, clock)
    }

    /// Initialize's record: wait out `WAIT`, refuse `ABORT`, end on `CONTINUE`, or load Link.
    fn initialized(&mut self, result: Result<PlaidConnector, Error>, clock: Clock) -> Step {
        let connector = match result {
            Ok(connector) => connector,
            Err(e) => return self.finish(Err(e)),
        };
        let attempts = self.settings.policy.attempts;
        match connector.status {
            ConnectorStatus::Wait if self.wait_attempt < attempts => {
                self.phase = Phase::Waiting;
                return Step::Sleep(
                    self.settings
                        .policy
                        .backoff_ms(self.wait_attempt, clock.random),
                );
            }
            ConnectorStatus::Wait => {
                let message = format!(
                    "Quiltt still answered connectorStatus WAIT after {} attempts",
                    self.wait_attempt
                );
                return self.finish(Err(Error::new(ErrorCode::Timeout, message)));
            }
            ConnectorStatus::Abort => {
                return self.finish(Err(Error::new(
                    ErrorCode::ConnectorAborted,
                    "Quiltt answered connectorStatus ABORT: this connection can't be repaired now",
                )))
            }
            ConnectorStatus::Other(_) if connector.link_token.is_none() => {
                return self.finish(Err(Error::new(
                    ErrorCode::BadResponse,
                    "Quiltt answered a connector status this version does not know, and no link \
                     token to open Link with",
                )))
            }
            // A status this version does not know, with a link token: Link decides.
            ConnectorStatus::Other(_)
            | ConnectorStatus::Continue
            | ConnectorStatus::ActionRequired => {}
        }
        connector
            .link_token
            .iter()
            .for_each(|t| self.secrets.link(t));
        connector
            .connector_token
            .iter()
            .for_each(|t| self.secrets.connector(t));
        let was_broken = connector.status != ConnectorStatus::Continue;
        let wants_link =
            was_broken || (self.options.always_open_link && connector.link_token.is_some());
        if !wants_link {
            return self.finish(Ok(ReconnectResult::Repaired { connector }));
        }
        let (Some(link_token), Some(connector_token)) = (
            connector.link_token.clone(),
            connector.connector_token.clone(),
        ) else {
            let missing = match connector.link_token {
                None => "linkToken",
                Some(_) => "connectorToken",
            };
            return self.finish(Err(Error::new(
                ErrorCode::BadResponse,
                format!(
                    "unexpected response from Quiltt: Link must open but there is no {missing}"
                ),
            )));
        };
        self.phase = Phase::LoadingScript(Linking {
            connector,
            link_token,
            connector_token,
            received_redirect_uri: None,
            was_broken,
        });
        self.progress(Stage::LinkLoading);
        Step::AwaitScript
    }

    /// Plaid's script has loaded (or failed to): open Link, save the OAuth state first, or
    /// replace a link token that has expired meanwhile (once).
    fn script_loaded(&mut self, linking: Linking, result: Result<(), Error>, clock: Clock) -> Step {
        if let Err(e) = result {
            return self.finish(Err(e));
        }
        let resuming = linking.received_redirect_uri.is_some();
        if !resuming && !self.initialized_again && linking.connector.is_expired(clock.now_ms) {
            return self.initialize_again(clock);
        }
        if self.keeps_oauth_state && !resuming {
            let state = OAuthState {
                connection_id: self.connection_id.clone(),
                link_token: linking.link_token.clone(),
                connector_token: linking.connector_token.clone(),
                expires_at_ms: linking
                    .connector
                    .expires_at_ms()
                    .unwrap_or(clock.now_ms + LINK_TOKEN_LIFETIME_MS),
                client_mutation_id: self.client_mutation_id.clone(),
                was_broken: linking.was_broken,
                generation: self.generation,
            };
            self.phase = Phase::Storing(linking);
            return Step::Store(Some(state));
        }
        self.open_link(linking)
    }

    fn open_link(&mut self, linking: Linking) -> Step {
        let config = LinkConfig {
            token: linking.link_token.clone(),
            received_redirect_uri: linking.received_redirect_uri.clone(),
            load_timeout_ms: self.settings.link_load_timeout_ms,
        };
        self.phase = Phase::Linking(linking);
        self.progress(Stage::LinkOpen);
        Step::RunLink(config)
    }

    /// How Link ended: the flow's result, a new link token (once, for `INVALID_LINK_TOKEN`), or
    /// the close to send.
    fn linked(
        &mut self,
        linking: Linking,
        result: Result<LinkOutcome, LinkFailure>,
        clock: Clock,
    ) -> Step {
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(failure) => {
                let message = match failure {
                    LinkFailure::CreateThrew => {
                        "Plaid.create threw: Plaid's script did not make a Link handler".to_owned()
                    }
                    LinkFailure::OpenThrew => "Plaid Link's open() threw".to_owned(),
                    LinkFailure::NotLoaded => format!(
                        "Plaid Link did not load within {} ms",
                        self.settings.link_load_timeout_ms
                    ),
                };
                return self.finish(Err(Error::new(ErrorCode::PlaidScript, message)));
            }
        };
        let (public_token, metadata) = match outcome {
            LinkOutcome::Exit { error, metadata } => {
                let refused = error.as_ref().is_some_and(|e| e.is_invalid_link_token());
                if refused && !self.initialized_again && self.initialize.is_some() {
                    return self.initialize_again(clock);
                }
                return self.finish(Ok(ReconnectResult::Exited { error, metadata }));
            }
            LinkOutcome::Success {
                public_token: None,
                metadata,
            } => return self.finish(Err(Error::new(
                ErrorCode::NoPublicToken,
                "Plaid Link reported success without a public token; the connection was not closed",
            )
            .with_link_metadata(metadata))),
            LinkOutcome::Success {
                public_token: Some(token),
                metadata,
            } => (token, metadata),
        };
        self.secrets.public(&public_token);
        // Retries of the close carry the same clientMutationId, so Quiltt can tell them apart
        // from a second close.
        let client_mutation_id = self
            .client_mutation_id
            .clone()
            .unwrap_or_else(|| generated_mutation_id(clock.random));
        let input = ConnectorPlaidCloseInput {
            client_mutation_id: Some(client_mutation_id),
            connector_token: linking.connector_token,
            metadata,
            public_token,
            generation: self.generation,
        };
        let request = match close_request(&input) {
            Ok(request) => request,
            Err(e) => {
                let metadata = input.metadata.clone();
                return self.finish(Err(e
                    .recoded(
                        ErrorCode::CloseFailed,
                        "Plaid Link succeeded but the close can't be sent:",
                    )
                    .with_link_metadata(metadata)));
            }
        };
        let pending = PendingClose {
            connection_id: self.connection_id.clone(),
            input,
            request: request.clone(),
            was_broken: linking.was_broken,
        };
        let mut exchange = Exchange::new(request);
        let next = exchange.begin(clock.now_ms);
        self.phase = Phase::Closing { exchange, pending };
        self.progress(Stage::Closing);
        self.exchange_step(next, clock)
    }

    /// The close's outcome. Before a failed close of a connection that needed repair is
    /// reported, the connection is read back: when Quiltt shows it repaired, the close went
    /// through and only its answer was lost (a gateway timeout, a dropped connection).
    fn closed(
        &mut self,
        result: Result<HttpReply, Error>,
        pending: PendingClose,
        clock: Clock,
    ) -> Step {
        let error = match result.and_then(decode_close) {
            Ok(connection) => return self.finish(Ok(ReconnectResult::Reconnected { connection })),
            Err(error) => error,
        };
        if !pending.was_broken {
            return self.finish(Err(close_failed(error, &pending)));
        }
        let Ok(query) = connection_request(&pending.connection_id) else {
            return self.finish(Err(close_failed(error, &pending)));
        };
        let mut exchange = Exchange::new(query);
        let next = exchange.begin(clock.now_ms);
        self.phase = Phase::Verifying {
            exchange,
            pending,
            error,
        };
        self.exchange_step(next, clock)
    }

    /// The connection read back after a failed close.
    fn verified(
        &mut self,
        result: Result<HttpReply, Error>,
        pending: PendingClose,
        error: Error,
    ) -> Step {
        match result.and_then(decode_connection) {
            Ok(Some(connection)) if !connection.needs_repair() => {
                self.finish(Ok(ReconnectResult::Reconnected { connection }))
            }
            _ => self.finish(Err(close_failed(error, &pending))),
        }
    }

    fn exchange_mut(&mut self) -> Option<&mut Exchange> {
        match &mut self.phase {
            Phase::Initializing(exchange)
            | Phase::Closing { exchange, .. }
            | Phase::Verifying { exchange, .. } => Some(exchange),
            _ => None,
        }
    }
}

impl Steps for Reconnect {
    fn begin(&mut self, clock: Clock) -> Step {
        match &mut self.phase {
            Phase::Starting => {
                self.progress(Stage::Initializing);
                Step::StartScript
            }
            Phase::LoadingScript(_) => {
                self.progress(Stage::LinkLoading);
                Step::AwaitScript
            }
            Phase::Closing { exchange, .. } => {
                let next = exchange.begin(clock.now_ms);
                self.exchange_step(next, clock)
            }
            _ => self.finish(Err(out_of_turn())),
        }
    }

    fn on(&mut self, seen: Seen, clock: Clock) -> Step {
        let settings = self.settings;
        match seen {
            Seen::Token(result) => {
                let secrets = &mut self.secrets;
                let next = match &mut self.phase {
                    Phase::Initializing(exchange)
                    | Phase::Closing { exchange, .. }
                    | Phase::Verifying { exchange, .. } => exchange.on_token(result, secrets),
                    _ => return self.finish(Err(out_of_turn())),
                };
                self.exchange_step(next, clock)
            }
            Seen::Reply(result) => match self.exchange_mut() {
                Some(exchange) => {
                    let next = exchange.on_reply(result, &settings, clock);
                    self.exchange_step(next, clock)
                }
                None => self.finish(Err(out_of_turn())),
            },
            Seen::Woke => match &self.phase {
                Phase::Waiting => {
                    self.wait_attempt += 1;
                    self.initialize(clock)
                }
                Phase::Initializing(_) | Phase::Closing { .. } | Phase::Verifying { .. } => {
                    Step::Token
                }
                _ => self.finish(Err(out_of_turn())),
            },
            Seen::ScriptStarted => match self.phase {
                Phase::Starting => self.initialize(clock),
                _ => self.finish(Err(out_of_turn())),
            },
            Seen::Script(result) => match std::mem::replace(&mut self.phase, Phase::Over) {
                Phase::LoadingScript(linking) => self.script_loaded(linking, result, clock),
                _ => self.finish(Err(out_of_turn())),
            },
            Seen::Stored => match std::mem::replace(&mut self.phase, Phase::Over) {
                Phase::Storing(linking) => {
                    self.stored = true;
                    self.open_link(linking)
                }
                Phase::Ending => {
                    self.phase = Phase::Over;
                    Step::Done
                }
                _ => self.finish(Err(out_of_turn())),
            },
            Seen::Linked(result) => match std::mem::replace(&mut self.phase, Phase::Over) {
                Phase::Linking(linking) => self.linked(linking, result, clock),
                _ => self.finish(Err(out_of_turn())),
            },
            Seen::Remembered => match std::mem::replace(&mut self.phase, Phase::Over) {
                Phase::Remembering(exchange) => self.remembered(exchange, clock),
                _ => self.finish(Err(out_of_turn())),
            },
        }
    }

    fn outgoing(&self) -> Option<(&GraphqlRequest, &SessionToken)> {
        match &self.phase {
            Phase::Initializing(exchange)
            | Phase::Closing { exchange, .. }
            | Phase::Verifying { exchange, .. } => exchange.outgoing(),
            _ => None,
        }
    }

    fn cancellable(&self) -> bool {
        !matches!(
            self.phase,
            Phase::Closing { .. } | Phase::Verifying { .. } | Phase::Ending | Phase::Over
        )
    }

    fn stop(&mut self, error: Error) -> Step {
        self.finish(Err(error))
    }

    fn plaid_events(&self) -> Rc<dyn Fn(PlaidEvent)> {
        let (events, connection_id) = (Rc::clone(&self.events), self.connection_id.clone());
        // Link's metadata could echo a token; the app never sees one.
        let secrets = self.secrets.snapshot();
        Rc::new(move |event: PlaidEvent| {
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
        self.progress(Stage::Done);
        match self.ending.unwrap_or_else(|| Err(out_of_turn())) {
            Ok(ReconnectResult::Exited { error, metadata }) => Ok(ReconnectResult::Exited {
                error: error.map(|e| e.redacted(|text| self.secrets.scrub_text(text))),
                metadata: self.secrets.scrub_json(&metadata),
            }),
            Ok(result) => Ok(result),
            Err(e) => Err(self.secrets.scrub(e)),
        }
    }
}

/// `CLOSE_FAILED` for a close that failed after Link succeeded: it carries Link's metadata and
/// the pending close to send again, and neither of the close's tokens.
fn close_failed(error: Error, pending: &PendingClose) -> Error {
    // The close's own messages name the mutation ("connectorPlaidClose failed (HTTP 500): …").
    let prefix = match error.message().starts_with("connectorPlaidClose") {
        true => "Plaid Link succeeded, then",
        false => "Plaid Link succeeded but connectorPlaidClose failed:",
    };
    error
        .recoded(ErrorCode::CloseFailed, prefix)
        .with_link_metadata(pending.input.metadata.clone())
        .with_pending_close(pending.clone())
        .redact(|text| {
            let tokens = [
                pending.input.public_token.expose_secret(),
                pending.input.connector_token.expose_secret(),
            ];
            redact_all(text, &tokens)
        })
}

/// `quiltt-reconnect-` and 13 hex digits (52 random bits).
fn generated_mutation_id(random: f64) -> String {
    let bits = (random.clamp(0.0, 1.0) * 4_503_599_627_370_496.0) as u64;
    format!("quiltt-reconnect-{:013x}", bits & 0xf_ffff_ffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiltt::ConnectorPlaidInitializeInput;
    use crate::secret::PublicToken;
    use crate::value::Json;

    fn settings() -> Settings {
        Settings {
            policy: super::super::retry::RetryPolicy::default(),
            token_refreshes: false,
            link_load_timeout_ms: 1000,
            schema: Default::default(),
        }
    }

    const CLOCK: Clock = Clock {
        now_ms: 0.0,
        random: 0.5,
    };

    fn flow() -> Reconnect {
        let input = ConnectorPlaidInitializeInput::new("c1");
        Reconnect::new(
            InitializeInput::new(&input).unwrap(),
            ReconnectOptions::default(),
            settings(),
            Rc::new(|_| {}),
        )
        .unwrap()
    }

    fn action_required() -> Seen {
        Seen::Reply(Ok(HttpReply::new(
            200,
            Json::parse(r#"{"data":{"connectorPlaidInitialize":{"success":true,"record":{"status":"ACTION_REQUIRED","linkToken":"lt-1","token":"ct-1"}}}}"#).ok(),
        )))
    }

    fn success() -> Seen {
        Seen::Linked(Ok(LinkOutcome::Success {
            public_token: Some(PublicToken::new("pt-1")),
            metadata: Json::null(),
        }))
    }

    #[test]
    fn driven_out_of_turn_it_ends_with_a_typed_error_instead_of_panicking() {
        for seen in [
            Seen::Woke,
            Seen::Stored,
            Seen::Remembered,
            Seen::Script(Ok(())),
            success(),
        ] {
            let mut m = flow();
            assert!(matches!(m.begin(CLOCK), Step::StartScript));
            assert!(matches!(m.on(seen, CLOCK), Step::Done));
            assert_eq!(m.end().unwrap_err().code(), ErrorCode::BadResponse);
        }
        let mut early = flow();
        assert!(matches!(
            early.on(Seen::Reply(Ok(HttpReply::new(200, None))), CLOCK),
            Step::Done
        ));
        assert!(early.end().is_err());
    }

    #[test]
    fn cancellable_until_link_succeeds_and_not_after() {
        let mut m = flow();
        assert!(matches!(m.begin(CLOCK), Step::StartScript));
        assert!(matches!(m.on(Seen::ScriptStarted, CLOCK), Step::Token));
        assert!(matches!(
            m.on(Seen::Token(Ok(SessionToken::new("s"))), CLOCK),
            Step::Send
        ));
        assert_eq!(
            m.outgoing().unwrap().0.operation_name,
            "ConnectorPlaidInitialize"
        );
        assert!(matches!(m.on(action_required(), CLOCK), Step::AwaitScript));
        assert!(
            matches!(m.on(Seen::Script(Ok(())), CLOCK), Step::RunLink(c) if c.load_timeout_ms == 1000)
        );
        assert!(m.cancellable(), "Link is open: a cancel closes it");
        assert!(matches!(m.on(success(), CLOCK), Step::Token));
        assert!(!m.cancellable(), "the close is the user's work");
        assert!(matches!(
            m.on(Seen::Token(Ok(SessionToken::new("s"))), CLOCK),
            Step::Send
        ));
        let (close, _) = m.outgoing().unwrap();
        assert_eq!(close.operation_name, "ConnectorPlaidClose");
        assert!(close.keepalive);
    }

    #[test]
    fn oauth_state_is_stored_before_link_and_deleted_when_the_flow_ends() {
        let mut input = ConnectorPlaidInitializeInput::new("c1");
        input.redirect_uri = Some("https://app.example/back".into());
        let mut m = Reconnect::new(
            InitializeInput::new(&input).unwrap(),
            ReconnectOptions::default(),
            settings(),
            Rc::new(|_| {}),
        )
        .unwrap();
        m.begin(CLOCK);
        m.on(Seen::ScriptStarted, CLOCK);
        m.on(Seen::Token(Ok(SessionToken::new("s"))), CLOCK);
        m.on(action_required(), CLOCK);
        let Step::Store(Some(state)) = m.on(Seen::Script(Ok(())), CLOCK) else {
            panic!("the state is stored before Link opens");
        };
        assert_eq!(state.connection_id(), "c1");
        assert!(!format!("{state:?}").contains("lt-1"));
        let stored = OAuthState::from_json(&state.to_json().unwrap()).unwrap();
        assert_eq!(stored, state);
        assert!(matches!(m.on(Seen::Stored, CLOCK), Step::RunLink(_)));
        assert!(
            matches!(m.stop(super::super::step::aborted()), Step::Store(None)),
            "an abort deletes it too"
        );
        assert!(matches!(m.on(Seen::Stored, CLOCK), Step::Done));
        assert_eq!(m.end().unwrap_err().code(), ErrorCode::Aborted);

        let later = CLOCK.now_ms + LINK_TOKEN_LIFETIME_MS;
        let resumed = Reconnect::resume(
            stored.clone(),
            "https://app.example/back?oauth_state_id=x".into(),
            settings(),
            Rc::new(|_| {}),
            1.0,
        );
        let mut resumed = resumed.expect("a fresh state resumes");
        assert!(matches!(resumed.begin(CLOCK), Step::AwaitScript));
        assert!(
            matches!(resumed.on(Seen::Script(Ok(())), CLOCK), Step::RunLink(c) if c.received_redirect_uri.is_some())
        );
        assert!(
            Reconnect::resume(stored, String::new(), settings(), Rc::new(|_| {}), later).is_none()
        );
    }

    #[test]
    fn generated_mutation_ids_are_13_hex_digits_of_the_random_value() {
        assert_eq!(generated_mutation_id(0.0), "quiltt-reconnect-0000000000000");
        assert_eq!(generated_mutation_id(0.5), "quiltt-reconnect-8000000000000");
        let expected = format!(
            "quiltt-reconnect-{:013x}",
            (0.123_456_789 * 4_503_599_627_370_496.0) as u64
        );
        assert_eq!(generated_mutation_id(0.123_456_789), expected);
    }
}

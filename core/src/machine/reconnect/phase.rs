//! What a reconnect holds: [`Flow`], what holds from its start to its end, and the [`Phase`] it is
//! in, each phase holding what it needs and nothing more; and the [`Turn`] a phase's handler
//! decides.

use crate::error::Error;
use crate::id::FlowId;
use crate::machine::exchange::{Exchange, Next};
use crate::machine::outcome::{EventSink, ReconnectEvent, ReconnectResult, Stage};
use crate::machine::secrets::Secrets;
use crate::machine::step::{Settings, Step};
use crate::machine::trail::SharedTrail;
use crate::machine::watch::Watch;
use crate::quiltt::{Connection, HttpReply, InitializeInput, PendingClose, SchemaGeneration};
use crate::secret::{ConnectorToken, LinkToken};

/// What a reconnect is asked to do besides its input.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::ReconnectOptions;
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
    /// After the close, read the connection until it leaves `SYNCING` (at most
    /// [`CONFIRM_TIMEOUT_MS`](crate::machine::CONFIRM_TIMEOUT_MS)); the result's `confirmed`
    /// says whether it reached a healthy status. Off: the close's answer is the result.
    pub confirm: bool,
}

impl ReconnectOptions {
    /// These options with [`always_open_link`](Self::always_open_link) set to `yes`.
    pub fn with_always_open_link(mut self, yes: bool) -> Self {
        self.always_open_link = yes;
        self
    }

    /// These options with [`confirm`](Self::confirm) set to `yes`.
    pub fn with_confirm(mut self, yes: bool) -> Self {
        self.confirm = yes;
        self
    }
}

/// What holds for the whole flow, whatever its phase.
pub(super) struct Flow {
    /// The id of the flow's saved record.
    pub id: FlowId,
    pub connection_id: String,
    /// The app's `clientMutationId`, which the close reuses.
    pub client_mutation_id: Option<String>,
    /// The generation of Quiltt's schema the flow speaks.
    pub generation: SchemaGeneration,
    pub options: ReconnectOptions,
    pub settings: Settings,
    pub events: EventSink,
    pub secrets: Secrets,
    /// Whether the flow takes the connection's lock (a close sent again by the app does not).
    pub locks: bool,
    /// Whether a record of the flow is saved: then the flow forgets it when it ends.
    pub saved: bool,
    /// Whether the flow finishes one a page left unfinished: cancelled, it keeps the record for
    /// a later try.
    pub resumed: bool,
    /// The support trail, shared with the sink of Link's events.
    pub trail: SharedTrail,
    /// The time of the last step (Unix ms), for what ends the flow without a clock.
    pub now_ms: f64,
}

impl Flow {
    /// Adds `step` to the trail at `now_ms`.
    pub fn note(&self, now_ms: f64, step: crate::trail::TrailStep) {
        self.trail.borrow_mut().push(now_ms, step);
    }

    /// Tells the app the flow moved to `stage`.
    pub fn progress(&self, stage: Stage) {
        (self.events)(ReconnectEvent::Progress {
            connection_id: self.connection_id.clone(),
            stage,
        });
    }
}

/// The initialize, its input and how often it was sent again.
pub(super) struct Initialize {
    pub input: InitializeInput,
    /// Which initialize of the current `WAIT` series this is (1 for the first).
    pub wait_attempt: u32,
    /// Whether a new link token was fetched already (it is, once at most).
    pub again: bool,
    /// Whether the flow changed generation after a refused document (once at most).
    pub switched: bool,
}

impl Initialize {
    /// The first initialize of `input`.
    pub fn new(input: InitializeInput) -> Self {
        Initialize {
            input,
            wait_attempt: 1,
            again: false,
            switched: false,
        }
    }
}

/// A Link session: the tokens Link runs with, and what the flow does after Link.
pub(super) struct Session {
    /// When the link token expires (Unix ms), where Quiltt said.
    pub expires_at_ms: Option<f64>,
    pub link_token: LinkToken,
    pub connector_token: ConnectorToken,
    /// After an OAuth bank's redirect: the URL the page came back to.
    pub received_redirect_uri: Option<String>,
    /// Whether the input named a `redirectUri` (an OAuth bank may send the page away).
    pub redirects: bool,
    /// Whether initialize said the connection needed repair.
    pub was_broken: bool,
    /// The initialize, for a new link token when this one expired or Link refused it; `None`
    /// when there is none to send (a resumed flow, or one that fetched a new token already).
    pub renewal: Option<Initialize>,
}

/// What a flow starts with.
pub(super) enum Start {
    /// A new repair: the initialize.
    Initialize(Initialize),
    /// A saved Link session, opened again.
    Link(Session),
    /// A saved close, sent again.
    Close(PendingClose),
}

/// What a request in flight is for.
pub(super) enum Talk {
    Initialize(Initialize),
    Close(PendingClose),
    /// The connection read back after the close failed with `error`.
    ReadBack(PendingClose, Error),
}

/// Where the flow is.
pub(super) enum Phase {
    /// Not begun.
    Ready(Start),
    /// Plaid's script was started; the connection's lock comes next.
    Starting(Start),
    /// Waiting for the connection's lock (another tab or flow may be repairing it).
    Locking(Start),
    /// A request in flight: one exchange, whatever it is for.
    Talking(Exchange, Talk),
    /// Waiting out `WAIT` before the next initialize.
    Waiting(Initialize),
    /// Remembering the generation a refused initialize showed the endpoint speaks, before
    /// sending it in that generation's document.
    Remembering(Exchange, Initialize),
    /// Waiting for Plaid's script.
    Loading(Session),
    /// Saving the Link session before Link opens.
    SavingLink(Session),
    /// Link is open.
    Linking(Session),
    /// Saving the close before it is sent.
    SavingClose(PendingClose),
    /// `confirm`: reading the repaired connection until it leaves `SYNCING`; the close's
    /// connection stands if no read succeeds.
    Confirming(Box<Watch>, Connection),
    /// The result is known; the flow's record is being forgotten.
    Ending(Result<ReconnectResult, Error>),
    /// The result.
    Over(Result<ReconnectResult, Error>),
    /// Taken out to handle an event; the handler puts the next phase in.
    Moved,
}

/// What a phase's handler decides: go on in a phase with a step for the driver, move to
/// another part of the flow (which the reconnect hands to that part), or end.
pub(super) enum Turn {
    Go(Phase, Step),
    /// A request's answer (or why there is none), for the part that sent it.
    Answered(Exchange, Talk, Result<HttpReply, Error>),
    /// Fetch a new link token: the initialize again.
    Renew(Initialize),
    /// Load Plaid's script and open Link.
    Link(Session),
    /// Send the close.
    Close(PendingClose),
    /// The close repaired the connection: confirm it, or end.
    Repaired(Connection),
    End(Result<ReconnectResult, Error>),
}

impl Turn {
    /// The turn for an exchange's `next`: its step while it goes on, or its answer.
    pub fn talk(exchange: Exchange, talk: Talk, next: Next) -> Turn {
        let step = match next {
            Next::Token => Step::Token,
            Next::Send => Step::Send,
            Next::Sleep(ms) => Step::Sleep(ms),
            Next::Finished(result) => return Turn::Answered(exchange, talk, result),
        };
        Turn::Go(Phase::Talking(exchange, talk), step)
    }
}

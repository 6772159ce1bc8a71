//! The one driver: one async loop that carries out the steps a machine asks for over an
//! [`Io`], and hands back what it saw. Every decision is the machine's (`machine`); the browser's
//! [`Io`] is `web::BrowserIo`, which both the JavaScript class and the Rust
//! [`Client`](crate::Client) run on. Tests drive it natively with an `Io` of their own.
//!
//! Cancelling: while the machine says the operation is cancellable, each step races the
//! caller's cancel future; when the cancel wins, the step's future is dropped (which aborts its
//! request, clears its timer, or closes an open Link) and the machine winds the operation down.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::Poll;

use crate::error::Error;
use crate::machine::{
    Clock, EventSink, OAuthState, Operation, Reconnect, ReconnectOptions, ReconnectResult, Request,
    Seen, Settings, Step, Steps,
};
use crate::plaid::{LinkConfig, LinkFailure, LinkOutcome, PlaidEvent};
use crate::quiltt::{
    connection_request, connections_request, decode_connection, decode_connections, decode_update,
    update_request, Connection, ConnectionFilter, ConnectionUpdateInput,
    ConnectorPlaidInitializeInput, GraphqlRequest, HttpReply, InitializeInput, PendingClose,
    SchemaGeneration,
};
use crate::secret::SessionToken;

/// What the driver needs from its platform: tokens, HTTP, timers, Plaid's script and Link, and a
/// place to keep the OAuth state. The browser's is the crate's own; tests and other hosts bring
/// theirs.
///
/// The browser is single-threaded, so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Io {
    /// The platform's set-up, as the machines need it.
    fn settings(&self) -> Settings;

    /// The current time and a random number.
    fn clock(&self) -> Clock;

    /// A session token (bounded by the timeout).
    ///
    /// # Errors
    /// `UNAUTHORIZED` when the token function fails, `TIMEOUT` when it takes too long.
    async fn token(&self) -> Result<SessionToken, Error>;

    /// Posts `request` with `token` as `Authorization: Bearer <token>` and returns the reply,
    /// whatever its status.
    ///
    /// # Errors
    /// `NETWORK` or `TIMEOUT` when no answer arrived; `INVALID_INPUT` when the request can't
    /// be made.
    async fn send(
        &self,
        request: &GraphqlRequest,
        token: &SessionToken,
    ) -> Result<HttpReply, Error>;

    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: u32);

    /// Starts loading Plaid's script, if not already; returns at once.
    fn start_script(&self);

    /// Waits until Plaid's script has loaded.
    ///
    /// # Errors
    /// `PLAID_SCRIPT` when it fails to load or defines no `window.Plaid`.
    async fn script(&self) -> Result<(), Error>;

    /// Saves the OAuth state (or deletes it, with `None`).
    fn store(&self, state: Option<&OAuthState>);

    /// The OAuth state saved by an earlier page, if any.
    fn stored(&self) -> Option<OAuthState>;

    /// Remembers that the endpoint speaks `generation` of Quiltt's schema, so that the
    /// platform's [`Settings::schema`] names it from now on (unless the app pinned one).
    fn remember_schema(&self, generation: SchemaGeneration);

    /// Runs Link as configured, passing its events to `events` until it ends; resolves with how
    /// it ended. Dropped while Link is open, it closes Link (`exit({ force: true })`) and
    /// destroys the handler once Link has exited, never before.
    ///
    /// # Errors
    /// Why Link could not run or did not load.
    async fn run_link(
        &self,
        config: &LinkConfig,
        events: Rc<dyn Fn(PlaidEvent)>,
    ) -> Result<LinkOutcome, LinkFailure>;
}

/// `work`'s output, unless `cancel` finishes first (`None`, and `work` is dropped). A timeout
/// and a cancel are the same mechanism.
pub(crate) async fn unless<T>(work: impl Future<Output = T>, cancel: impl Future) -> Option<T> {
    let (mut work, mut cancel) = (pin!(work), pin!(cancel));
    poll_fn(|cx| {
        if cancel.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        work.as_mut().poll(cx).map(Some)
    })
    .await
}

/// Runs `operation` to its end over `io`; `cancel` ends it while it is cancellable.
pub(crate) async fn run<O: Operation, I: Io>(
    mut operation: O,
    io: &I,
    cancel: impl Future<Output = ()>,
) -> Result<O::Output, Error> {
    drive(&mut operation, io, pin!(cancel)).await;
    operation.end()
}

/// The loop, once for every operation: it knows the operation only by its [`Steps`]. Its
/// result stays in the operation (see [`Operation::end`]).
pub(crate) async fn drive<I: Io>(
    operation: &mut dyn Steps,
    io: &I,
    mut cancel: Pin<&mut dyn Future<Output = ()>>,
) {
    let mut step = operation.begin(io.clock());
    loop {
        // One boxed future per step and one await site, whatever the step. Its borrow of the
        // operation ends with the await.
        let work: Pin<Box<dyn Future<Output = Seen> + '_>> = match step {
            Step::Done => return,
            Step::StartScript => {
                io.start_script();
                step = operation.on(Seen::ScriptStarted, io.clock());
                continue;
            }
            Step::Store(state) => {
                io.store(state.as_ref());
                step = operation.on(Seen::Stored, io.clock());
                continue;
            }
            Step::Remember(generation) => {
                io.remember_schema(generation);
                step = operation.on(Seen::Remembered, io.clock());
                continue;
            }
            Step::Token => Box::pin(async { Seen::Token(io.token().await) }),
            Step::Send => match operation.outgoing() {
                Some((request, token)) => {
                    Box::pin(async move { Seen::Reply(io.send(request, token).await) })
                }
                None => {
                    step = operation.stop(crate::machine::out_of_turn());
                    continue;
                }
            },
            Step::Sleep(ms) => Box::pin(async move {
                io.sleep(ms).await;
                Seen::Woke
            }),
            Step::AwaitScript => Box::pin(async { Seen::Script(io.script().await) }),
            Step::RunLink(config) => {
                let events = operation.plaid_events();
                Box::pin(async move { Seen::Linked(io.run_link(&config, events).await) })
            }
        };
        let seen = match operation.cancellable() {
            true => unless(work, cancel.as_mut()).await,
            false => Some(work.await),
        };
        step = match seen {
            Some(seen) => operation.on(seen, io.clock()),
            None => operation.stop(crate::machine::aborted()),
        };
    }
}

/// Runs one reconnect: initialize, then (for `ACTION_REQUIRED`, or on `CONTINUE` with
/// [`ReconnectOptions::always_open_link`]) Link, then close. Emits `done` when it ends, however
/// it ends.
///
/// When `cancel` finishes first, the flow rejects `ABORTED` and an open Link is closed; once
/// Link has succeeded, though, the close is sent to the end, since dropping it would lose the
/// user's work.
///
/// # Errors
/// `INVALID_INPUT` before any request; request and response errors from initialize;
/// `NO_PLAID_CONNECTOR` when the endpoint has no Plaid connector; `CONNECTOR_ABORTED` for
/// `connectorStatus: ABORT`; `PLAID_SCRIPT` when Link can't start;
/// `ABORTED` when cancelled; `NO_PUBLIC_TOKEN` or `CLOSE_FAILED` (with Link's metadata, and
/// for `CLOSE_FAILED` the [`PendingClose`] to retry) after Link succeeded.
pub async fn reconnect<I: Io>(
    io: &I,
    input: &ConnectorPlaidInitializeInput,
    options: ReconnectOptions,
    events: EventSink,
    cancel: impl Future<Output = ()>,
) -> Result<ReconnectResult, Error> {
    let flow = Reconnect::new(InitializeInput::new(input)?, options, io.settings(), events)?;
    run(flow, io, cancel).await
}

/// Resumes the flow an OAuth bank's redirect interrupted: opens Link again with the saved link
/// token and `received_redirect_uri`, then closes with the saved connector token. `None` when
/// there is nothing to resume (no saved state, or its link token has expired; then it is
/// deleted).
///
/// # Errors
/// As [`reconnect`], from Link on.
pub async fn resume<I: Io>(
    io: &I,
    received_redirect_uri: &str,
    events: EventSink,
    cancel: impl Future<Output = ()>,
) -> Result<Option<ReconnectResult>, Error> {
    match resumable(io, received_redirect_uri, events) {
        Some(flow) => run(flow, io, cancel).await.map(Some),
        None => Ok(None),
    }
}

/// The flow [`resume`] runs, ready to run: `None` when there is nothing to resume (no saved
/// state, or its link token has expired; then the state is deleted).
pub(crate) fn resumable<I: Io>(
    io: &I,
    received_redirect_uri: &str,
    events: EventSink,
) -> Option<Reconnect> {
    let state = io.stored()?;
    let uri = received_redirect_uri.to_owned();
    let flow = Reconnect::resume(state, uri, io.settings(), events, io.clock().now_ms);
    if flow.is_none() {
        io.store(None);
    }
    flow
}

/// Sends again the close a `CLOSE_FAILED` error carries, while its public token is valid (30
/// minutes, single use).
///
/// # Errors
/// `CLOSE_FAILED`, carrying Link's metadata and the same pending close for another try.
pub async fn retry_close<I: Io>(io: &I, pending: PendingClose) -> Result<ReconnectResult, Error> {
    let flow = Reconnect::retry_close(pending, io.settings());
    run(flow, io, std::future::pending()).await
}

/// Stores `input.metadata` on the connection with `connectionUpdate`.
///
/// # Errors
/// `INVALID_INPUT` before any request when the id is blank or the metadata is not an object
/// (or `null`) or can't be written as JSON; request and response errors otherwise; `ABORTED`
/// when cancelled.
pub async fn update_metadata<I: Io>(
    io: &I,
    input: &ConnectionUpdateInput,
    cancel: impl Future<Output = ()>,
) -> Result<Connection, Error> {
    let request = update_request(input)?;
    run(
        Request::new(request, decode_update, io.settings()),
        io,
        cancel,
    )
    .await
}

/// Reads one connection; `None` when Quiltt knows no such id.
///
/// # Errors
/// `INVALID_INPUT` for a blank id; request and response errors otherwise; `ABORTED` when
/// cancelled.
pub async fn connection<I: Io>(
    io: &I,
    id: &str,
    cancel: impl Future<Output = ()>,
) -> Result<Option<Connection>, Error> {
    let request = connection_request(id)?;
    run(
        Request::new(request, decode_connection, io.settings()),
        io,
        cancel,
    )
    .await
}

/// Lists the connections `filter` selects.
///
/// # Errors
/// Request and response errors; `ABORTED` when cancelled.
pub async fn connections<I: Io>(
    io: &I,
    filter: &ConnectionFilter,
    cancel: impl Future<Output = ()>,
) -> Result<Vec<Connection>, Error> {
    let request = connections_request(filter)?;
    run(
        Request::new(request, decode_connections, io.settings()),
        io,
        cancel,
    )
    .await
}

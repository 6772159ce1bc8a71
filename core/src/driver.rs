//! The one driver: one async loop that carries out the steps a machine asks for over an
//! [`Io`], and hands back what it saw. Every decision is the machine's (`machine`); the browser's
//! [`Io`] is the browser crate's `BrowserIo`, which both its JavaScript class and its Rust
//! `Client` run on. Tests drive it natively with an `Io` of their own.
//!
//! Cancelling: while the machine says the operation is cancellable, each step races the
//! caller's cancel future; when the cancel wins, the step's future is dropped (which aborts its
//! request, clears its timer, or closes an open Link) and the machine winds the operation down.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::Poll;

use crate::error::Error;
use crate::id::FlowId;
use crate::machine::{
    Clock, EventSink, Operation, Reconnect, ReconnectOptions, ReconnectResult, SavedFlow, Seen,
    Settings, Step, Steps, WatchOptions,
};
use crate::operations;
use crate::plaid::{LinkConfig, LinkFailure, LinkOutcome, PlaidEvent};
use crate::quiltt::{
    Connection, ConnectionFilter, ConnectionUpdateInput, ConnectorPlaidInitializeInput,
    GraphqlRequest, HttpReply, InitializeInput, PendingClose, SchemaGeneration,
};
use crate::secret::SessionToken;

/// What the driver needs from its platform: tokens, HTTP, timers, Plaid's script and Link, a
/// lock per connection, and a place to keep what a flow needs to be finished on a later page.
/// The browser's is the crate's own; tests and other hosts bring theirs.
///
/// The browser is single-threaded, so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Io {
    /// What holds a connection's lock: the lock is released when it is dropped.
    type Held;

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

    /// Takes the lock of `connection_id` at this platform's endpoint: waits while another flow
    /// (of this page, or another tab) holds it. Dropped while it waits, it stops waiting.
    async fn lock(&self, connection_id: &str) -> Self::Held;

    /// Saves a flow's record (replacing the one of the same id), owned by the running operation.
    fn save(&self, flow: &SavedFlow);

    /// Deletes a flow's record.
    fn forget(&self, id: FlowId);

    /// Lets a flow's record go without deleting it: a later operation or page may take it.
    fn release(&self, id: FlowId);

    /// Takes a record for an operation that finishes it; `false` when a running operation owns
    /// it already.
    fn claim(&self, id: FlowId) -> bool;

    /// The records saved for this platform's endpoint, expired or not.
    fn saved(&self) -> Vec<SavedFlow>;

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
pub async fn unless<T>(work: impl Future<Output = T>, cancel: impl Future) -> Option<T> {
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
pub async fn run<O: Operation, I: Io>(
    mut operation: O,
    io: &I,
    cancel: impl Future<Output = ()>,
) -> Result<O::Output, Error> {
    drive(&mut operation, io, pin!(cancel)).await;
    operation.end()
}

/// The loop, once for every operation: it knows the operation only by its [`Steps`]. Its
/// result stays in the operation (see [`Operation::end`]). The locks it takes are held until it
/// returns.
pub async fn drive<I: Io>(
    operation: &mut dyn Steps,
    io: &I,
    mut cancel: Pin<&mut dyn Future<Output = ()>>,
) {
    let held: RefCell<Vec<I::Held>> = RefCell::new(Vec::new());
    let held = &held;
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
            Step::Save(flow) => {
                io.save(&flow);
                step = operation.on(Seen::Saved, io.clock());
                continue;
            }
            Step::Forget(id) => {
                io.forget(id);
                step = operation.on(Seen::Forgotten, io.clock());
                continue;
            }
            Step::Release(id) => {
                io.release(id);
                step = operation.on(Seen::Released, io.clock());
                continue;
            }
            Step::Lock(connection_id) => Box::pin(async move {
                let lock = io.lock(&connection_id).await;
                held.borrow_mut().push(lock);
                Seen::Locked
            }),
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
    let id = FlowId::from_random(io.clock().random);
    let input = InitializeInput::new(input)?;
    let flow = operations::reconnect(id, input, options, io.settings(), events)?;
    run(flow, io, cancel).await
}

/// Finishes what an earlier page of this tab left unfinished at this endpoint: a close that was
/// not answered is sent again (the same request, so the same `clientMutationId`); a Link session
/// is opened again, with `from_bank` as Plaid's `receivedRedirectUri` when an OAuth bank sent
/// the user back to that URL. `connection_id` limits it to one connection. `None` when there is
/// nothing to finish.
///
/// # Errors
/// As [`reconnect`], from Link on.
pub async fn resume<I: Io>(
    io: &I,
    from_bank: Option<&str>,
    connection_id: Option<&str>,
    events: EventSink,
    cancel: impl Future<Output = ()>,
) -> Result<Option<ReconnectResult>, Error> {
    match resumable(io, from_bank, connection_id, events) {
        Some(flow) => run(flow, io, cancel).await.map(Some),
        None => Ok(None),
    }
}

/// The flow [`resume`] runs, its record claimed: `None` when there is nothing to finish (no
/// record of this endpoint, or each expired or owned by a running operation).
pub fn resumable<I: Io>(
    io: &I,
    from_bank: Option<&str>,
    connection_id: Option<&str>,
    events: EventSink,
) -> Option<Reconnect> {
    let now_ms = io.clock().now_ms;
    let saved = crate::machine::resumable_first(io.saved(), connection_id, now_ms);
    let chosen = saved.into_iter().find(|flow| io.claim(flow.id()))?;
    let id = chosen.id();
    let flow = operations::resume(
        chosen,
        from_bank.map(str::to_owned),
        io.settings(),
        events,
        now_ms,
    );
    if flow.is_none() {
        io.release(id);
    }
    flow
}

/// Sends again the close a `CLOSE_FAILED` error carries, while its public token is valid (30
/// minutes, single use).
///
/// # Errors
/// `CLOSE_FAILED`, carrying Link's metadata and the same pending close for another try.
pub async fn retry_close<I: Io>(io: &I, pending: PendingClose) -> Result<ReconnectResult, Error> {
    // The app asked for it: the record is this operation's, even from a resume that runs.
    if let Some(id) = pending.flow {
        io.claim(id);
    }
    let flow = operations::retry_close(pending, io.settings());
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
    run(
        operations::update_metadata(input, io.settings())?,
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
    run(operations::connection(id, io.settings())?, io, cancel).await
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
    run(operations::connections(filter, io.settings())?, io, cancel).await
}

/// Watches connection `id`: reads it on a backed-off schedule, calls `changed` with each status
/// change (the first read's too), and resolves with the connection once its status is one
/// `options.until` names.
///
/// # Errors
/// `INVALID_INPUT` before any request for a blank id or bad options, and when Quiltt knows no
/// such connection; `TIMEOUT` past `options.timeout_ms`; `ABORTED` when cancelled; request and
/// response errors otherwise.
pub async fn watch<I: Io>(
    io: &I,
    id: &str,
    options: WatchOptions,
    changed: Rc<dyn Fn(&Connection)>,
    cancel: impl Future<Output = ()>,
) -> Result<Connection, Error> {
    run(
        operations::watch(id, options, io.settings(), changed)?,
        io,
        cancel,
    )
    .await
}

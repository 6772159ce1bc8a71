//! `watch(connectionId)`: reads one connection on a bounded, backed-off schedule, hands each
//! change of its status to the caller, and ends when the status is one the caller waits for,
//! when the time bound passes (`TIMEOUT`), or when it is cancelled. It only reads.
//!
//! A reconnect with `confirm` runs the same [`Watch`] after its close, until the connection
//! leaves `SYNCING`.

use std::rc::Rc;

use super::exchange::{Exchange, Next};
use super::secrets::Secrets;
use super::step::{out_of_turn, Clock, Operation, Seen, Settings, Step, Steps};
use crate::error::{Error, ErrorCode};
use crate::plaid::PlaidEvent;
use crate::quiltt::{connection_request, decode_connection_of, Connection, GraphqlRequest};
use crate::secret::SessionToken;

/// The status a repaired connection has while Quiltt syncs it.
pub const SYNCING: &str = "SYNCING";

/// Which statuses end a watch.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::Until;
/// assert!(Until::Settled.is_reached(Some("SYNCED")));
/// assert!(Until::Settled.is_reached(Some("ERROR_REPAIRABLE")));
/// assert!(!Until::Settled.is_reached(Some("SYNCING")));
/// assert!(Until::Statuses(vec!["DISCONNECTED".into()]).is_reached(Some("DISCONNECTED")));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Until {
    /// `SYNCED`, or any `ERROR_*` status (the default).
    #[default]
    Settled,
    /// Any of these statuses, spelled as Quiltt does (`SYNCED`, `ERROR_REPAIRABLE`, ...).
    Statuses(Vec<String>),
    /// Any status but `SYNCING` (what a reconnect's `confirm` waits for).
    NotSyncing,
}

impl Until {
    /// Whether `status` ends the watch (a connection without a status never does).
    pub fn is_reached(&self, status: Option<&str>) -> bool {
        let Some(status) = status else {
            return false;
        };
        match self {
            Until::Settled => status == "SYNCED" || status.starts_with("ERROR_"),
            Until::Statuses(statuses) => statuses.iter().any(|s| s == status),
            Until::NotSyncing => status != SYNCING,
        }
    }

    /// Refuses an empty list or a status that is not an enum value in Quiltt's spelling.
    fn check(&self) -> Result<(), Error> {
        let Until::Statuses(statuses) = self else {
            return Ok(());
        };
        if statuses.is_empty() {
            return Err(Error::invalid(
                "until must name at least one connection status (or be left out)",
            ));
        }
        match statuses.iter().find(|s| !is_enum_value(s)) {
            Some(_) => Err(Error::invalid(
                "until must list connection statuses spelled as Quiltt does (SYNCED, ERROR_REPAIRABLE, ...)",
            )),
            None => Ok(()),
        }
    }
}

/// `A_Z0_9` text starting with a letter: a GraphQL enum value in Quiltt's style.
fn is_enum_value(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_uppercase())
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// How a watch reads: which statuses end it, how often it reads, and for how long.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::WatchOptions;
/// let options = WatchOptions::default();
/// assert_eq!(options.interval_ms, 2_000);
/// assert_eq!(options.timeout_ms, 300_000);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WatchOptions {
    /// The statuses that end the watch.
    pub until: Until,
    /// The wait before the second read; each later wait is half as long again as the one before,
    /// up to [`MAX_INTERVAL_MS`] (or the interval itself when it is longer).
    pub interval_ms: u32,
    /// The time bound from the first read: past it the watch ends with `TIMEOUT`.
    pub timeout_ms: u32,
}

/// The longest wait between two reads a backoff reaches.
pub const MAX_INTERVAL_MS: u32 = 30_000;

/// The shortest `interval_ms` a watch accepts (it reads, so it should not hammer the API).
pub const MIN_INTERVAL_MS: u32 = 250;

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            until: Until::Settled,
            interval_ms: 2_000,
            timeout_ms: 300_000,
        }
    }
}

impl WatchOptions {
    /// These options with `until`.
    pub fn with_until(mut self, until: Until) -> Self {
        self.until = until;
        self
    }

    /// These options with `interval_ms`.
    pub fn with_interval_ms(mut self, interval_ms: u32) -> Self {
        self.interval_ms = interval_ms;
        self
    }

    /// These options with `timeout_ms`.
    pub fn with_timeout_ms(mut self, timeout_ms: u32) -> Self {
        self.timeout_ms = timeout_ms;
        self
    }

    /// `INVALID_INPUT` for an interval under [`MIN_INTERVAL_MS`], a zero time bound, or an
    /// `until` that names no status or a status Quiltt can't spell.
    pub fn check(&self) -> Result<(), Error> {
        if self.interval_ms < MIN_INTERVAL_MS {
            return Err(Error::invalid(format!(
                "intervalMs must be at least {MIN_INTERVAL_MS}"
            )));
        }
        if self.timeout_ms == 0 {
            return Err(Error::invalid("timeoutMs must be more than 0"));
        }
        self.until.check()
    }
}

/// When the next read happens: a backed-off wait, cut short at the time bound.
#[derive(Clone, Copy, Debug)]
struct Schedule {
    interval_ms: u32,
    deadline_ms: f64,
    /// The reads made so far.
    reads: u32,
}

impl Schedule {
    fn new(options: &WatchOptions, now_ms: f64) -> Self {
        Schedule {
            interval_ms: options.interval_ms,
            deadline_ms: now_ms + f64::from(options.timeout_ms),
            reads: 0,
        }
    }

    /// The wait after the `reads`-th read: the interval, times 1.5 for each read after the
    /// first, capped; never past the deadline.
    fn wait(&self, now_ms: f64) -> u32 {
        let cap = MAX_INTERVAL_MS.max(self.interval_ms);
        let grown = f64::from(self.interval_ms) * 1.5f64.powi(self.reads.saturating_sub(1) as i32);
        let left = (self.deadline_ms - now_ms).max(0.0);
        grown.min(f64::from(cap)).min(left).ceil() as u32
    }

    fn is_over(&self, now_ms: f64) -> bool {
        now_ms >= self.deadline_ms
    }
}

/// A watch of one connection: read, hand on a change, wait, read again.
pub struct Watch {
    id: String,
    request: GraphqlRequest,
    exchange: Exchange,
    options: WatchOptions,
    schedule: Schedule,
    settings: Settings,
    secrets: Secrets,
    /// The last connection read, and whether one was read at all.
    last: Option<Connection>,
    changed: Rc<dyn Fn(&Connection)>,
    /// Whether the driver is waiting between two reads (a wake starts the next read), rather
    /// than before a retry of the same read.
    between_reads: bool,
    result: Option<Result<Connection, Error>>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("id", &self.id)
            .field("reads", &self.schedule.reads)
            .finish_non_exhaustive()
    }
}

impl Watch {
    /// A watch of connection `id`; `changed` gets the connection each time its status differs
    /// from the last read's (the first read always).
    ///
    /// # Errors
    /// `INVALID_INPUT` for a blank id or options [`WatchOptions::check`] refuses.
    pub(crate) fn new(
        id: &str,
        options: WatchOptions,
        settings: Settings,
        changed: Rc<dyn Fn(&Connection)>,
    ) -> Result<Self, Error> {
        options.check()?;
        let request = connection_request(id)?;
        Ok(Watch {
            id: id.to_owned(),
            exchange: Exchange::new(request.clone()),
            request,
            schedule: Schedule::new(&options, 0.0),
            options,
            settings,
            secrets: Secrets::default(),
            last: None,
            changed,
            between_reads: false,
            result: None,
        })
    }

    /// The last connection read, if any.
    pub(crate) fn last(&self) -> Option<&Connection> {
        self.last.as_ref()
    }

    /// The number of reads made.
    pub(crate) fn reads(&self) -> u32 {
        self.schedule.reads
    }

    fn finish(&mut self, result: Result<Connection, Error>) -> Step {
        self.result = Some(result);
        Step::Done
    }

    fn step(&mut self, next: Next, clock: Clock) -> Step {
        match next {
            Next::Token => Step::Token,
            Next::Send => Step::Send,
            Next::Sleep(ms) => Step::Sleep(ms),
            Next::Finished(Err(e)) => self.finish(Err(e)),
            Next::Finished(Ok(reply)) => match decode_connection_of(reply, &self.id) {
                Err(e) => self.finish(Err(e)),
                Ok(None) => self.finish(Err(Error::new(
                    ErrorCode::InvalidInput,
                    "Quiltt knows no connection of this id",
                ))),
                Ok(Some(connection)) => self.read(connection, clock),
            },
        }
    }

    /// A read's connection: handed on when its status changed, then the end or a wait.
    fn read(&mut self, connection: Connection, clock: Clock) -> Step {
        self.schedule.reads += 1;
        let changed = self.last.as_ref().map(|c| &c.status) != Some(&connection.status);
        if changed {
            (self.changed)(&connection);
        }
        let status = connection.status.clone();
        self.last = Some(connection);
        if self.options.until.is_reached(status.as_deref()) {
            let last = self
                .last
                .clone()
                .unwrap_or_else(|| Connection::new(&self.id));
            return self.finish(Ok(last));
        }
        if self.schedule.is_over(clock.now_ms) {
            return self.finish(Err(self.timed_out()));
        }
        self.between_reads = true;
        Step::Sleep(self.schedule.wait(clock.now_ms))
    }

    fn timed_out(&self) -> Error {
        Error::new(
            ErrorCode::Timeout,
            format!(
                "the connection did not reach the awaited status within {} ms",
                self.options.timeout_ms
            ),
        )
    }
}

impl Steps for Watch {
    fn begin(&mut self, clock: Clock) -> Step {
        self.schedule = Schedule::new(&self.options, clock.now_ms);
        let next = self.exchange.begin(clock.now_ms);
        self.step(next, clock)
    }

    fn on(&mut self, seen: Seen, clock: Clock) -> Step {
        let next = match seen {
            Seen::Token(result) => self.exchange.on_token(result, &mut self.secrets),
            Seen::Reply(result) => self.exchange.on_reply(result, &self.settings, clock),
            Seen::Woke if self.between_reads => {
                self.between_reads = false;
                if self.schedule.is_over(clock.now_ms) {
                    return self.finish(Err(self.timed_out()));
                }
                self.exchange = Exchange::new(self.request.clone());
                self.exchange.begin(clock.now_ms)
            }
            Seen::Woke => Next::Token,
            _ => Next::Finished(Err(out_of_turn())),
        };
        self.step(next, clock)
    }

    fn outgoing(&self) -> Option<(&GraphqlRequest, &SessionToken)> {
        self.exchange.outgoing()
    }

    fn cancellable(&self) -> bool {
        true
    }

    fn stop(&mut self, error: Error) -> Step {
        self.finish(Err(error))
    }

    fn plaid_events(&self) -> Rc<dyn Fn(PlaidEvent)> {
        Rc::new(|_| {})
    }
}

impl Operation for Watch {
    type Output = Connection;

    fn end(self) -> Result<Connection, Error> {
        let result = self.result.unwrap_or_else(|| Err(out_of_turn()));
        result.map_err(|e| self.secrets.scrub(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Json;
    use crate::quiltt::HttpReply;
    use std::cell::RefCell;

    fn settings() -> Settings {
        Settings {
            policy: crate::machine::RetryPolicy::default(),
            token_refreshes: false,
            link_load_timeout_ms: 1000,
            schema: Default::default(),
        }
    }

    fn at(now_ms: f64) -> Clock {
        Clock {
            now_ms,
            random: 0.5,
        }
    }

    fn reply(status: &str) -> Seen {
        let body = format!(
            r#"{{"data":{{"connection":{{"id":"c1","status":"{status}","accounts":[],"metadata":null,"institution":null}}}}}}"#
        );
        Seen::Reply(Ok(HttpReply::new(200, Json::parse(&body).ok())))
    }

    /// A watch of `c1` and the statuses it handed on.
    fn watch(options: WatchOptions) -> (Watch, Rc<RefCell<Vec<String>>>) {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let sink = Rc::clone(&seen);
        let changed: Rc<dyn Fn(&Connection)> = Rc::new(move |c: &Connection| {
            sink.borrow_mut().push(c.status.clone().unwrap_or_default())
        });
        (
            Watch::new("c1", options, settings(), changed).unwrap(),
            seen,
        )
    }

    /// Reads once at `now_ms`, answering `status`.
    fn read(w: &mut Watch, status: &str, now_ms: f64) -> Step {
        assert!(matches!(
            w.on(Seen::Token(Ok(SessionToken::new("s"))), at(now_ms)),
            Step::Send
        ));
        w.on(reply(status), at(now_ms))
    }

    #[test]
    fn hands_on_each_change_once_and_ends_at_the_awaited_status() {
        let (mut w, seen) = watch(WatchOptions::default());
        assert!(matches!(w.begin(at(0.0)), Step::Token));
        assert!(matches!(read(&mut w, "SYNCING", 0.0), Step::Sleep(2_000)));
        assert!(matches!(w.on(Seen::Woke, at(2_000.0)), Step::Token));
        assert!(matches!(
            read(&mut w, "SYNCING", 2_000.0),
            Step::Sleep(3_000)
        ));
        assert!(matches!(w.on(Seen::Woke, at(5_000.0)), Step::Token));
        assert!(matches!(read(&mut w, "SYNCED", 5_000.0), Step::Done));
        assert_eq!(*seen.borrow(), ["SYNCING", "SYNCED"]);
        assert_eq!(w.end().unwrap().status.as_deref(), Some("SYNCED"));
    }

    #[test]
    fn ends_with_timeout_at_its_bound_and_never_waits_past_it() {
        let options = WatchOptions::default().with_timeout_ms(3_000);
        let (mut w, _) = watch(options);
        w.begin(at(0.0));
        assert!(matches!(read(&mut w, "SYNCING", 0.0), Step::Sleep(2_000)));
        w.on(Seen::Woke, at(2_000.0));
        // 3,000 ms of backoff, but 1,000 ms are left.
        assert!(matches!(
            read(&mut w, "SYNCING", 2_000.0),
            Step::Sleep(1_000)
        ));
        assert!(matches!(w.on(Seen::Woke, at(3_000.0)), Step::Done));
        assert_eq!(w.end().unwrap_err().code(), ErrorCode::Timeout);
    }

    #[test]
    fn the_backoff_is_capped() {
        let options = WatchOptions::default();
        let mut s = Schedule::new(&options, 0.0);
        s.reads = 40;
        assert_eq!(s.wait(0.0), MAX_INTERVAL_MS);
        let long = WatchOptions::default().with_interval_ms(60_000);
        let mut s = Schedule::new(&long, 0.0);
        s.reads = 3;
        assert_eq!(s.wait(0.0), 60_000);
    }

    #[test]
    fn a_cancel_a_missing_connection_and_a_foreign_record_end_it_with_their_error() {
        let (mut w, _) = watch(WatchOptions::default());
        w.begin(at(0.0));
        assert!(matches!(w.stop(crate::machine::aborted()), Step::Done));
        assert_eq!(w.end().unwrap_err().code(), ErrorCode::Aborted);

        let (mut w, _) = watch(WatchOptions::default());
        w.begin(at(0.0));
        w.on(Seen::Token(Ok(SessionToken::new("s"))), at(0.0));
        let none = Json::parse(r#"{"data":{"connection":null}}"#).ok();
        assert!(matches!(
            w.on(Seen::Reply(Ok(HttpReply::new(200, none))), at(0.0)),
            Step::Done
        ));
        assert_eq!(w.end().unwrap_err().code(), ErrorCode::InvalidInput);
    }

    #[test]
    fn options_are_checked_before_any_request() {
        let bad = [
            WatchOptions::default().with_interval_ms(10),
            WatchOptions::default().with_timeout_ms(0),
            WatchOptions::default().with_until(Until::Statuses(vec![])),
            WatchOptions::default().with_until(Until::Statuses(vec!["synced".into()])),
            WatchOptions::default().with_until(Until::Statuses(vec!["tok en".into()])),
        ];
        for options in bad {
            let e = Watch::new("c1", options, settings(), Rc::new(|_| {})).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidInput);
        }
        assert!(Watch::new(" ", WatchOptions::default(), settings(), Rc::new(|_| {})).is_err());
    }

    #[test]
    fn until_statuses_end_only_at_those() {
        let until = Until::Statuses(vec!["DISCONNECTED".into()]);
        let (mut w, seen) = watch(WatchOptions::default().with_until(until));
        w.begin(at(0.0));
        assert!(matches!(read(&mut w, "SYNCED", 0.0), Step::Sleep(_)));
        w.on(Seen::Woke, at(2_000.0));
        assert!(matches!(read(&mut w, "DISCONNECTED", 2_000.0), Step::Done));
        assert_eq!(*seen.borrow(), ["SYNCED", "DISCONNECTED"]);
    }
}

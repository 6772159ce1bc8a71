//! `confirm`: after the close, the connection read until it leaves `SYNCING`, bounded. The
//! close already succeeded, so nothing here fails the flow: a read that fails, the bound, or a
//! cancel end it `reconnected` with `confirmed: false` and the last connection known.

use std::rc::Rc;

use super::phase::{Flow, Phase, Turn};
use crate::error::Error;
use crate::machine::outcome::{ReconnectResult, Stage};
use crate::machine::step::{Clock, Operation, Seen, Step, Steps};
use crate::machine::watch::{Until, Watch, WatchOptions, SYNCING};
use crate::quiltt::Connection;
use crate::trail::TrailStep;

/// How long `confirm` reads at most.
pub const CONFIRM_TIMEOUT_MS: u32 = 60_000;

/// The wait before `confirm`'s second read (then backed off as a watch's).
pub const CONFIRM_INTERVAL_MS: u32 = 1_000;

/// Whether `connection` counts as confirmed: out of `SYNCING`, and healthy.
fn is_confirmed(connection: &Connection) -> bool {
    connection.status.as_deref().is_some_and(|s| s != SYNCING) && !connection.needs_repair()
}

fn reconnected(connection: Connection, confirmed: Option<bool>) -> Turn {
    let mut result = ReconnectResult::reconnected(connection);
    if let ReconnectResult::Reconnected { confirmed: c, .. } = &mut result {
        *c = confirmed;
    }
    Turn::End(Ok(result))
}

/// The close repaired `connection`: the result, or (with `confirm`, while it is `SYNCING`) the
/// first read.
pub(super) fn start(flow: &Flow, connection: Connection, clock: Clock) -> Turn {
    if !flow.options.confirm {
        return reconnected(connection, None);
    }
    if connection.status.as_deref() != Some(SYNCING) {
        let confirmed = is_confirmed(&connection);
        return reconnected(connection, Some(confirmed));
    }
    let options = WatchOptions::default()
        .with_until(Until::NotSyncing)
        .with_interval_ms(CONFIRM_INTERVAL_MS)
        .with_timeout_ms(CONFIRM_TIMEOUT_MS);
    let watch = Watch::new(&connection.id, options, flow.settings, Rc::new(|_| {}));
    let mut watch = match watch {
        Ok(watch) => Box::new(watch),
        // The close's record had an id the read can't be made for: nothing to confirm with.
        Err(_) => return reconnected(connection, Some(false)),
    };
    flow.progress(Stage::Confirming);
    let step = watch.begin(clock);
    stepped(flow, watch, connection, step, 0, clock)
}

/// What the driver saw while confirming.
pub(super) fn on(
    flow: &Flow,
    mut watch: Box<Watch>,
    connection: Connection,
    seen: Seen,
    clock: Clock,
) -> Turn {
    let reads = watch.reads();
    let step = watch.on(seen, clock);
    stepped(flow, watch, connection, step, reads, clock)
}

/// Confirming was cancelled (or its driver failed): the close's result stands, unconfirmed.
pub(super) fn stop(mut watch: Box<Watch>, connection: Connection, error: Error) -> Turn {
    watch.stop(error);
    let last = watch.last().cloned().unwrap_or(connection);
    reconnected(last, Some(false))
}

/// Goes on with the watch's `step`, noting a read in the trail; at its end, the result.
fn stepped(
    flow: &Flow,
    watch: Box<Watch>,
    connection: Connection,
    step: Step,
    reads_before: u32,
    clock: Clock,
) -> Turn {
    if watch.reads() > reads_before {
        let status = watch.last().and_then(|c| c.status.clone());
        flow.note(clock.now_ms, TrailStep::ReadBack { status });
    }
    if !matches!(step, Step::Done) {
        return Turn::Go(Phase::Confirming(watch, connection), step);
    }
    let last = watch.last().cloned();
    match watch.end() {
        Ok(fresh) => {
            let confirmed = is_confirmed(&fresh);
            reconnected(fresh, Some(confirmed))
        }
        Err(_) => reconnected(last.unwrap_or(connection), Some(false)),
    }
}

//! Compiling the flow's code before the first flow, while the page is idle.
//!
//! Browsers compile a WebAssembly function, and the wrapper of each JavaScript function it
//! calls, the first time it runs, on the main thread. So once per page, when the page is first
//! idle after an instance was made, the class reads and checks a canned `reconnect()` input as
//! the method does, and runs a reconnect on canned answers to its result in JavaScript
//! ([`dry_run`]), its events made JavaScript objects as for `onEvent`. Nothing leaves the
//! module: it sends, loads and stores nothing, and its events go nowhere. A page whose first
//! flow starts before then skips it.
//!
//! Measured (`cargo xtask bench`, fresh pages, four runs): the warm-up takes about 5 ms of idle
//! time, and the first flow then reaches Link about 6 to 9 ms sooner and its result about 6 to
//! 12 ms sooner.

use std::cell::Cell;
use std::rc::Rc;

use super::arguments::ReconnectCall;
use crate::web;
use crate::web::json::{to_js, to_js_value};
use quiltt_reconnect_core::machine::{dry_run, Operation, Settings};
use quiltt_reconnect_core::{FlowId, Json};

/// The canned input: what a typical app passes.
const INPUT: &str =
    r#"{"connectionId":"dry-run","featuresRequired":["ACCOUNT_BALANCES_AND_TRANSACTIONS"]}"#;

/// Where the page is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Warmth {
    /// No instance yet.
    Cold,
    /// Waiting for the page to be idle.
    Scheduled,
    /// Warmed up, or a flow has run the code for real.
    Warm,
}

thread_local! {
    static WARMTH: Cell<Warmth> = const { Cell::new(Warmth::Cold) };
}

/// Called by each new instance: the first schedules the warm-up, with its settings.
pub(super) fn schedule(settings: Settings) {
    if WARMTH.with(Cell::get) != Warmth::Cold {
        return;
    }
    WARMTH.with(|w| w.set(Warmth::Scheduled));
    web::when_idle(move || {
        if WARMTH.with(|w| w.replace(Warmth::Warm)) == Warmth::Scheduled {
            warm_up(settings);
        }
    });
}

/// Called by each `reconnect()`: a flow has started, the warm-up has nothing left to do.
pub(super) fn not_needed() {
    WARMTH.with(|w| w.set(Warmth::Warm));
}

fn warm_up(settings: Settings) {
    let Ok(input) = Json::parse(INPUT) else {
        return;
    };
    let Ok(call) = ReconnectCall::read(&to_js(&input)) else {
        return;
    };
    // Events become JavaScript objects as the app's `onEvent` gets them, and go nowhere.
    let events = Rc::new(|event| drop(to_js_value(&event)));
    let Ok(mut flow) = call.flow(FlowId::from_random(0.5), settings, events) else {
        return;
    };
    dry_run(&mut flow);
    // The result as the class hands it to JavaScript.
    let _ = flow.end().and_then(|result| to_js_value(&result));
}

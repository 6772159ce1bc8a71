//! Confirmed repairs and `watch()` against the sandbox, which moves a repaired connection to
//! `SYNCING` and, after the delay its config names (`syncDelayMs`), to `syncOutcome`: the JS
//! class's `reconnect({ confirm: true })` and its watch engine (`watchChanges`, which the entry's
//! async iterator wraps; the e2e scenario `watch-iterator` runs the iterator itself), and the
//! Rust `Client::watch` stream. Every test sets the sync config it needs and puts the default
//! back (`syncDelayMs: 0`, the close answers `SYNCED`).
#![cfg(target_arch = "wasm32")]

mod support;

use std::cell::RefCell;
use std::future::poll_fn;
use std::pin::pin;
use std::rc::Rc;

use futures_core::Stream;
use js_sys::{Array, Function};
use quiltt_reconnect::{
    Client, ClientOptions, ErrorCode, QuilttReconnect, SessionToken, Until, WatchOptions,
};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Sets the sandbox's sync simulation.
async fn sync(delay_ms: u32, outcome: &str) {
    let body = format!(r#"{{"syncDelayMs":{delay_ms},"syncOutcome":"{outcome}"}}"#);
    admin("POST", "/__sandbox/config", Some(&body)).await;
}

/// The default: a close answers `SYNCED` at once.
async fn sync_at_once() {
    sync(0, "SYNCED").await;
}

/// `input` with `key: value` added.
fn with(input: JsValue, key: &str, value: JsValue) -> JsValue {
    js_sys::Reflect::set(&input, &key.into(), &value).unwrap();
    input
}

/// The statuses of a trail's `read_back` steps, in order.
fn read_backs(result: &JsValue) -> Vec<String> {
    Array::from(&get(result, "trail.steps"))
        .iter()
        .filter(|s| text(s, "step").as_deref() == Some("read_back"))
        .filter_map(|s| text(&s, "status"))
        .collect()
}

/// Watches `id` through the class's engine, collecting each change's status.
fn watch_js(
    bridge: &QuilttReconnect,
    id: &str,
    options: &str,
    stop: Option<&web_sys::AbortSignal>,
) -> (js_sys::Promise, Rc<RefCell<Vec<String>>>) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&seen);
    let on_change = Closure::<dyn Fn(JsValue)>::new(move |c: JsValue| {
        sink.borrow_mut()
            .push(text(&c, "status").unwrap_or_default())
    });
    let function: Function = on_change.as_ref().clone().unchecked_into();
    on_change.forget();
    let promise = bridge.watch_changes(id.into(), json(options), function, stop.cloned());
    (promise, seen)
}

#[wasm_bindgen_test]
async fn confirm_reads_the_repaired_connection_from_syncing_to_synced() {
    sync(1_500, "SYNCED").await;
    seed("w_confirm", "ERROR_REPAIRABLE", "success").await;
    let (bridge, _) = bridge_with("{}");
    let input = with(SANDBOX.input("w_confirm"), "confirm", true.into());
    let result = settle(bridge.reconnect(input)).await;
    sync_at_once().await;
    let result = result.expect("resolves");
    assert_outcome(&result, "reconnected");
    assert_eq!(
        get(&result, "confirmed").as_bool(),
        Some(true),
        "{}",
        stringify(&result)
    );
    assert_eq!(
        text(&result, "connection.status").as_deref(),
        Some("SYNCED")
    );
    let reads = read_backs(&result);
    assert_eq!(
        reads.first().map(String::as_str),
        Some("SYNCING"),
        "{reads:?}"
    );
    assert_eq!(
        reads.last().map(String::as_str),
        Some("SYNCED"),
        "{reads:?}"
    );
    // The reads went to the sandbox: a `Connection` query each, after the close.
    let ops = operations(&requests_for("w_confirm").await);
    let close = ops
        .iter()
        .position(|o| o == "connectorPlaidClose")
        .expect("a close");
    assert_eq!(ops[close + 1..].len(), reads.len(), "{ops:?}");
    assert!(
        ops[close + 1..].iter().all(|o| o == "connection"),
        "{ops:?}"
    );
}

#[wasm_bindgen_test]
async fn without_confirm_the_closes_answer_is_the_result() {
    sync(1_500, "SYNCED").await;
    seed("w_plain", "ERROR_REPAIRABLE", "success").await;
    let (bridge, _) = bridge_with("{}");
    let result = reconnect(&bridge, "w_plain").await;
    sync_at_once().await;
    let result = result.expect("resolves");
    assert_eq!(
        text(&result, "connection.status").as_deref(),
        Some("SYNCING")
    );
    assert!(
        get(&result, "confirmed").is_undefined(),
        "{}",
        stringify(&result)
    );
    assert!(read_backs(&result).is_empty());
}

#[wasm_bindgen_test]
async fn a_sync_that_fails_is_not_confirmed() {
    sync(600, "ERROR_REPAIRABLE").await;
    seed("w_fails", "ERROR_REPAIRABLE", "success").await;
    let (bridge, _) = bridge_with("{}");
    let input = with(SANDBOX.input("w_fails"), "confirm", true.into());
    let result = settle(bridge.reconnect(input)).await;
    sync_at_once().await;
    let result = result.expect("the repair itself succeeded");
    assert_eq!(get(&result, "confirmed").as_bool(), Some(false));
    assert_eq!(
        text(&result, "connection.status").as_deref(),
        Some("ERROR_REPAIRABLE")
    );
}

#[wasm_bindgen_test]
async fn watch_ends_at_a_status_of_until() {
    sync(800, "SYNCED").await;
    seed("w_until", "ERROR_REPAIRABLE", "success").await;
    let (bridge, _) = bridge_with("{}");
    reconnect(&bridge, "w_until").await.expect("repaired");
    let (watching, seen) = watch_js(&bridge, "w_until", r#"{"intervalMs":250}"#, None);
    let last = settle(watching).await;
    sync_at_once().await;
    let last = last.expect("resolves at SYNCED");
    assert_eq!(text(&last, "status").as_deref(), Some("SYNCED"));
    assert_eq!(*seen.borrow(), ["SYNCING", "SYNCED"], "each change once");
}

#[wasm_bindgen_test]
async fn watch_ends_when_its_signal_aborts() {
    seed("w_abort", "ERROR_REPAIRABLE", "success").await;
    let (bridge, _) = bridge_with("{}");
    let controller = web_sys::AbortController::new().unwrap();
    let (watching, seen) = watch_js(
        &bridge,
        "w_abort",
        r#"{"until":["SYNCED"],"intervalMs":250}"#,
        Some(&controller.signal()),
    );
    sleep(700).await;
    let reads = requests_for("w_abort").await.len();
    controller.abort();
    let error = settle(watching).await.expect_err("rejects");
    assert_eq!(text(&error, "code").as_deref(), Some("ABORTED"));
    assert_eq!(*seen.borrow(), ["ERROR_REPAIRABLE"]);
    sleep(600).await;
    assert_eq!(
        requests_for("w_abort").await.len(),
        reads,
        "no read after the abort"
    );
}

#[wasm_bindgen_test]
async fn watch_ends_with_timeout_at_its_bound() {
    seed("w_bound", "ERROR_REPAIRABLE", "success").await;
    let (bridge, _) = bridge_with("{}");
    let started = js_sys::Date::now();
    let (watching, _) = watch_js(
        &bridge,
        "w_bound",
        r#"{"until":["SYNCED"],"intervalMs":250,"timeoutMs":900}"#,
        None,
    );
    let error = settle(watching).await.expect_err("rejects");
    let took = js_sys::Date::now() - started;
    assert_eq!(
        text(&error, "code").as_deref(),
        Some("TIMEOUT"),
        "{}",
        stringify(&error)
    );
    assert!((850.0..5_000.0).contains(&took), "ended after {took} ms");
    assert!(
        requests_for("w_bound").await.len() >= 2,
        "it read more than once"
    );
}

#[wasm_bindgen_test]
async fn watch_options_are_checked_before_any_request() {
    seed("w_bad", "ERROR_REPAIRABLE", "success").await;
    let (bridge, _) = bridge_with("{}");
    for bad in [
        r#"{"intervalMs":10}"#,
        r#"{"intervalMs":1.5}"#,
        r#"{"timeoutMs":"soon"}"#,
        r#"{"until":"SYNCED"}"#,
        r#"{"until":["synced"]}"#,
        r#"{"until":[]}"#,
        r#"{"signal":5}"#,
        "7",
    ] {
        let (watching, _) = watch_js(&bridge, "w_bad", bad, None);
        let error = settle(watching).await.expect_err(bad);
        assert_eq!(
            text(&error, "code").as_deref(),
            Some("INVALID_INPUT"),
            "{bad}"
        );
    }
    assert!(requests_for("w_bad").await.is_empty());
}

/// A Rust client of the sandbox.
fn client() -> Client {
    let mut options = ClientOptions::new(SessionToken::new(SESSION_TOKEN));
    options.endpoint = url("/v1/graphql");
    options.plaid_script_url = url("/link/v2/stable/link-initialize.js");
    Client::new(options).expect("valid options")
}

#[wasm_bindgen_test]
async fn the_rust_stream_yields_each_change_then_ends() {
    sync(800, "SYNCED").await;
    seed("w_rust", "ERROR_REPAIRABLE", "success").await;
    let (bridge, _) = bridge_with("{}");
    reconnect(&bridge, "w_rust").await.expect("repaired");
    let client = client();
    let options = WatchOptions::default().with_interval_ms(250);
    let mut changes = pin!(client.watch("w_rust", options));
    let mut statuses = Vec::new();
    while let Some(change) = poll_fn(|cx| changes.as_mut().poll_next(cx)).await {
        statuses.push(change.expect("no error").status.unwrap_or_default());
    }
    sync_at_once().await;
    assert_eq!(statuses, ["SYNCING", "SYNCED"]);

    // Its bound: one `TIMEOUT` item, then the end.
    let options = WatchOptions::default()
        .with_until(Until::Statuses(vec!["DISCONNECTED".into()]))
        .with_interval_ms(250)
        .with_timeout_ms(600);
    let mut changes = pin!(client.watch("w_rust", options));
    let mut items = Vec::new();
    while let Some(change) = poll_fn(|cx| changes.as_mut().poll_next(cx)).await {
        items.push(change.map(|c| c.status).map_err(|e| e.code()));
    }
    assert_eq!(
        items,
        [Ok(Some("SYNCED".into())), Err(ErrorCode::Timeout)],
        "the first read, then the bound"
    );
}

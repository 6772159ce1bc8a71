//! The fault matrix: the real bridge in headless Chromium against the sandbox's fault knobs.
//! Each test asserts the outcome, the error code, the requests the sandbox saw and, where it
//! matters, the connection's state and that no token reached anything the page can see.
//! Tests run one at a time (wasm-bindgen-test's default), so global fault knobs don't overlap.
#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Array, Function, Promise, Reflect};
use quiltt_reconnect::QuilttReconnect;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::AbortController;

wasm_bindgen_test_configure!(run_in_browser);

fn input(connection_id: &str) -> JsValue {
    SANDBOX.input(connection_id)
}

fn input_with_signal(connection_id: &str, signal: &web_sys::AbortSignal) -> JsValue {
    let value = input(connection_id);
    Reflect::set(&value, &"signal".into(), signal).unwrap();
    value
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn code(error: &JsValue) -> Option<String> {
    text(error, "code")
}

#[wasm_bindgen_test]
async fn a_hanging_request_times_out_and_is_really_aborted() {
    seed("f_hang", "SYNCED", "success").await;
    faults(r#"{"connectorPlaidInitialize":{"hang":true,"times":1}}"#).await;
    let (bridge, _) = bridge_with(r#"{"timeoutMs":400}"#);
    let started = now();
    let error = settle(bridge.reconnect(input("f_hang")))
        .await
        .expect_err("rejects");
    assert_eq!(code(&error).as_deref(), Some("TIMEOUT"));
    assert!(now() - started < 5_000.0, "bounded by timeoutMs");
    sleep(300).await;
    let requests = requests_for("f_hang").await;
    clear_faults().await;
    assert_eq!(requests.len(), 1, "a timeout is not retried");
    assert_eq!(
        get(&requests[0], "abandoned").as_bool(),
        Some(true),
        "the sandbox saw the request go away"
    );
}

#[wasm_bindgen_test]
async fn transient_failures_are_retried_until_success() {
    seed("f_retry", "SYNCED", "success").await;
    faults(r#"{"connectorPlaidInitialize":{"status":503,"times":2}}"#).await;
    let (bridge, _) = bridge_with("{}");
    let result = settle(bridge.reconnect(input("f_retry")))
        .await
        .expect("resolves after retries");
    clear_faults().await;
    assert_outcome(&result, "repaired");
    let statuses: Vec<f64> = requests_for("f_retry")
        .await
        .iter()
        .filter_map(|r| get(r, "status").as_f64())
        .collect();
    assert_eq!(statuses, [503.0, 503.0, 200.0]);
}

#[wasm_bindgen_test]
async fn rate_limits_wait_for_retry_after() {
    seed("f_429", "SYNCED", "success").await;
    faults(r#"{"connectorPlaidInitialize":{"status":429,"retryAfterSecs":1,"times":1}}"#).await;
    let (bridge, _) = bridge_with("{}");
    let started = now();
    let result = settle(bridge.reconnect(input("f_429")))
        .await
        .expect("resolves");
    clear_faults().await;
    assert_outcome(&result, "repaired");
    assert!(
        now() - started >= 1_000.0,
        "the retry waited for Retry-After"
    );
    assert_eq!(requests_for("f_429").await.len(), 2);
}

#[wasm_bindgen_test]
async fn client_errors_and_a_wrong_token_are_not_retried() {
    seed("f_400", "SYNCED", "success").await;
    faults(r#"{"connectorPlaidInitialize":{"status":400,"times":1}}"#).await;
    let (bridge, _) = bridge_with("{}");
    let error = settle(bridge.reconnect(input("f_400")))
        .await
        .expect_err("rejects");
    clear_faults().await;
    assert_eq!(get(&error, "status").as_f64(), Some(400.0));
    assert_eq!(requests_for("f_400").await.len(), 1);

    seed("f_401", "SYNCED", "success").await;
    let (wrong, _) = bridge_with(r#"{"token":"not-the-session-token"}"#);
    let error = settle(wrong.reconnect(input("f_401")))
        .await
        .expect_err("rejects");
    assert_eq!(code(&error).as_deref(), Some("UNAUTHORIZED"));
    let requests = requests_for("f_401").await;
    assert_eq!(requests.len(), 1, "a plain string token gets one try");
    assert_eq!(
        text(&requests[0], "authorization").as_deref(),
        Some("wrong")
    );
}

#[wasm_bindgen_test]
async fn a_token_function_is_asked_again_after_a_401_and_the_request_retried_once() {
    seed("f_token_fn", "SYNCED", "success").await;
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let counter = calls.clone();
    let provider = Closure::<dyn FnMut() -> JsValue>::new(move || {
        counter.set(counter.get() + 1);
        // The first token has "expired"; the second is fresh.
        let token = if counter.get() == 1 {
            "expired-session-token"
        } else {
            SESSION_TOKEN
        };
        Promise::resolve(&JsValue::from_str(token)).into()
    });
    let options = json(&format!(
        r#"{{"endpoint":"{}","plaidScriptUrl":"{}"}}"#,
        url("/v1/graphql"),
        url("/link/v2/stable/link-initialize.js")
    ));
    Reflect::set(&options, &"token".into(), provider.as_ref()).unwrap();
    let bridge = QuilttReconnect::new(options).expect("a function is a valid token");
    let result = settle(bridge.reconnect(input("f_token_fn")))
        .await
        .expect("resolves with the fresh token");
    assert_outcome(&result, "repaired");
    assert_eq!(calls.get(), 2);
    let auth: Vec<String> = requests_for("f_token_fn")
        .await
        .iter()
        .filter_map(|r| text(r, "authorization"))
        .collect();
    assert_eq!(auth, ["wrong", "present"]);
}

#[wasm_bindgen_test]
async fn a_transient_close_failure_is_retried_with_the_same_client_mutation_id() {
    seed("f_close_retry", "ERROR_REPAIRABLE", "success").await;
    faults(r#"{"connectorPlaidClose":{"status":503,"times":1}}"#).await;
    let (bridge, _) = bridge_with("{}");
    let result = settle(bridge.reconnect(input("f_close_retry")))
        .await
        .expect("resolves");
    clear_faults().await;
    assert_outcome(&result, "reconnected");
    let closes: Vec<JsValue> = requests_for("f_close_retry")
        .await
        .into_iter()
        .filter(|r| text(r, "operation").as_deref() == Some("connectorPlaidClose"))
        .collect();
    assert_eq!(closes.len(), 2);
    let ids: Vec<Option<String>> = closes
        .iter()
        .map(|c| text(c, "variables.input.clientMutationId"))
        .collect();
    assert!(ids[0].is_some() && ids[0] == ids[1], "{ids:?}");
    assert_eq!(
        stringify(&get(&closes[0], "variables")),
        stringify(&get(&closes[1], "variables"))
    );
}

#[wasm_bindgen_test]
async fn close_failed_keeps_links_metadata_no_token_and_can_be_retried() {
    seed("f_close_fail", "ERROR_REPAIRABLE", "success").await;
    faults(r#"{"connectorPlaidClose":{"status":500,"times":1}}"#).await;
    let (bridge, events) = bridge_with("{}");
    let error = settle(bridge.reconnect(input("f_close_fail")))
        .await
        .expect_err("rejects");
    clear_faults().await;
    assert_eq!(code(&error).as_deref(), Some("CLOSE_FAILED"));
    assert!(get(&error, "metadata.accounts").is_object());
    assert!(get(&error, "closeRetryId").as_f64().is_some());
    let close = get(&requests_for("f_close_fail").await[1], "variables.input");
    let seen = format!(
        "{} {} {}",
        text(&error, "message").unwrap_or_default(),
        stringify(&error),
        stringify(&events)
    );
    for secret in [text(&close, "publicToken"), connector_token_of(&close)]
        .into_iter()
        .flatten()
    {
        assert!(!seen.contains(&secret), "a token leaked");
    }
    let stored = admin("GET", "/__sandbox/connections/f_close_fail", None).await;
    assert_eq!(text(&stored, "status").as_deref(), Some("ERROR_REPAIRABLE"));

    let retried = settle(bridge.retry_close(error.clone()))
        .await
        .expect("the retried close succeeds");
    assert_outcome(&retried, "reconnected");
    assert_eq!(
        text(&retried, "connection.status").as_deref(),
        Some("SYNCED")
    );
    let stored = admin("GET", "/__sandbox/connections/f_close_fail", None).await;
    assert_eq!(text(&stored, "status").as_deref(), Some("SYNCED"));
    let again = settle(bridge.retry_close(error))
        .await
        .expect_err("a close is retried at most until it succeeds");
    assert_eq!(code(&again).as_deref(), Some("INVALID_INPUT"));
}

#[wasm_bindgen_test]
async fn invalid_link_token_from_link_initializes_again_and_opens_the_new_token() {
    seed_json(r#"{"id":"f_invalid_link_token","status":"ERROR_REPAIRABLE","linkBehavior":{"mode":"success","expireFirstToken":true}}"#).await;
    let (bridge, events) = bridge_with("{}");
    let result = settle(bridge.reconnect(input("f_invalid_link_token")))
        .await
        .expect("resolves");
    assert_outcome(&result, "reconnected");
    assert_eq!(
        operations(&requests_for("f_invalid_link_token").await),
        [
            "connectorPlaidInitialize",
            "connectorPlaidInitialize",
            "connectorPlaidClose"
        ]
    );
    assert_eq!(
        stages(&events)
            .iter()
            .filter(|s| *s == "initializing")
            .count(),
        2
    );
}

#[wasm_bindgen_test]
async fn link_that_never_loads_rejects_plaid_script_in_bounded_time() {
    seed_json(r#"{"id":"f_never_loads","status":"ERROR_REPAIRABLE","linkBehavior":{"mode":"success","neverLoad":true}}"#).await;
    let (bridge, events) = bridge_with(r#"{"timeoutMs":800}"#);
    let started = now();
    let error = settle(bridge.reconnect(input("f_never_loads")))
        .await
        .expect_err("rejects");
    assert_eq!(code(&error).as_deref(), Some("PLAID_SCRIPT"));
    assert!(text(&error, "message").is_some_and(|m| m.contains("did not load within 800 ms")));
    assert!(now() - started < 5_000.0);
    assert_eq!(
        operations(&requests_for("f_never_loads").await),
        ["connectorPlaidInitialize"]
    );
    assert_eq!(stages(&events).last().map(String::as_str), Some("done"));
    assert_eq!(
        plaid_stat("created"),
        plaid_stat("destroyed"),
        "the unloaded handler was destroyed at once"
    );
}

#[wasm_bindgen_test]
async fn a_null_public_token_is_a_typed_error_and_sends_no_close() {
    seed("f_null_token", "ERROR_REPAIRABLE", "null_public_token").await;
    let (bridge, _) = bridge_with("{}");
    let error = settle(bridge.reconnect(input("f_null_token")))
        .await
        .expect_err("rejects");
    assert_eq!(code(&error).as_deref(), Some("NO_PUBLIC_TOKEN"));
    assert!(get(&error, "metadata").is_object());
    assert_eq!(
        operations(&requests_for("f_null_token").await),
        ["connectorPlaidInitialize"]
    );
}

#[wasm_bindgen_test]
async fn a_second_on_success_is_ignored() {
    seed("f_success_twice", "ERROR_REPAIRABLE", "success_twice").await;
    let (bridge, _) = bridge_with("{}");
    let result = settle(bridge.reconnect(input("f_success_twice")))
        .await
        .expect("resolves");
    assert_outcome(&result, "reconnected");
    sleep(300).await;
    assert_eq!(
        operations(&requests_for("f_success_twice").await),
        ["connectorPlaidInitialize", "connectorPlaidClose"]
    );
}

#[wasm_bindgen_test]
async fn aborting_during_initialize_rejects_promptly_and_aborts_the_request() {
    seed("f_abort_init", "ERROR_REPAIRABLE", "success").await;
    faults(r#"{"connectorPlaidInitialize":{"latencyMs":3000,"times":1}}"#).await;
    let (bridge, _) = bridge_with("{}");
    let controller = AbortController::new().unwrap();
    let flow = bridge.reconnect(input_with_signal("f_abort_init", &controller.signal()));
    sleep(100).await;
    let started = now();
    controller.abort();
    let error = settle(flow).await.expect_err("rejects");
    clear_faults().await;
    assert_eq!(code(&error).as_deref(), Some("ABORTED"));
    assert!(now() - started < 1_000.0, "rejected promptly");
    sleep(200).await;
    let requests = requests_for("f_abort_init").await;
    assert_eq!(requests.len(), 1);
    assert_eq!(
        get(&requests[0], "abandoned").as_bool(),
        Some(true),
        "the request was really aborted"
    );
}

#[wasm_bindgen_test]
async fn aborting_while_link_is_open_closes_link_and_sends_no_close() {
    seed("f_abort_link", "ERROR_REPAIRABLE", "modal").await;
    let (bridge, events) = bridge_with("{}");
    let controller = AbortController::new().unwrap();
    let flow = bridge.reconnect(input_with_signal("f_abort_link", &controller.signal()));
    wait_for_plaid_event(&events, "OPEN").await;
    let document = web_sys::window().unwrap().document().unwrap();
    assert!(
        document
            .query_selector("[data-testid=plaid-sandbox-continue]")
            .unwrap()
            .is_some(),
        "Link's modal is open"
    );
    controller.abort();
    let error = settle(flow).await.expect_err("rejects");
    assert_eq!(code(&error).as_deref(), Some("ABORTED"));
    sleep(300).await;
    assert!(
        document
            .query_selector("[data-testid=plaid-sandbox-continue]")
            .unwrap()
            .is_none(),
        "Link was closed"
    );
    assert_eq!(
        operations(&requests_for("f_abort_link").await),
        ["connectorPlaidInitialize"]
    );
    assert_eq!(
        plaid_stat("destroyWhileOpen"),
        Some(0.0),
        "Link was exited before destroy()"
    );
    assert_eq!(
        plaid_stat("created"),
        plaid_stat("destroyed"),
        "the handler was destroyed after its exit"
    );
    assert_eq!(stages(&events).last().map(String::as_str), Some("done"));
}

/// Link closed by force may call `onExit`, and flush its events, only later (real Link talks to
/// its iframe). The flow still rejects `ABORTED` at once; the handler is destroyed only after
/// that late `onExit`; the late events reach no ended flow (no page error); `done` stays the
/// flow's last event.
#[wasm_bindgen_test]
async fn a_late_on_exit_after_an_abort_is_waited_for_before_destroy_and_reaches_no_ended_flow() {
    seed_json(
        r#"{"id":"f_abort_late_exit","status":"ERROR_REPAIRABLE","linkBehavior":{"mode":"modal","forcedExitDelayMs":300}}"#,
    )
    .await;
    let errors = Array::new();
    let record_error =
        Function::from(Reflect::get(&errors, &"push".into()).unwrap()).bind0(&errors);
    let window = web_sys::window().unwrap();
    window
        .add_event_listener_with_callback("error", &record_error)
        .unwrap();
    let (bridge, events) = bridge_with("{}");
    let controller = AbortController::new().unwrap();
    let flow = bridge.reconnect(input_with_signal("f_abort_late_exit", &controller.signal()));
    wait_for_plaid_event(&events, "OPEN").await;
    controller.abort();
    let error = settle(flow).await.expect_err("rejects");
    assert_eq!(code(&error).as_deref(), Some("ABORTED"));

    assert_ne!(
        plaid_stat("created"),
        plaid_stat("destroyed"),
        "the handler waits for Link's onExit"
    );
    sleep(700).await;
    window
        .remove_event_listener_with_callback("error", &record_error)
        .unwrap();
    assert_eq!(
        plaid_stat("destroyWhileOpen"),
        Some(0.0),
        "never destroyed while open"
    );
    assert_eq!(
        plaid_stat("created"),
        plaid_stat("destroyed"),
        "destroyed once the late onExit came"
    );
    assert_eq!(errors.length(), 0, "the late events raised no page error");
    let last = events.get(events.length() - 1);
    assert_eq!(
        (text(&last, "type"), text(&last, "stage")),
        (Some("progress".into()), Some("done".into())),
        "no event after done"
    );
}

#[wasm_bindgen_test]
async fn an_already_aborted_signal_sends_nothing() {
    let (bridge, _) = bridge_with("{}");
    let controller = AbortController::new().unwrap();
    controller.abort();
    let error = settle(bridge.reconnect(input_with_signal("f_pre_aborted", &controller.signal())))
        .await
        .expect_err("rejects");
    assert_eq!(code(&error).as_deref(), Some("ABORTED"));
    assert!(requests_for("f_pre_aborted").await.is_empty());
}

#[wasm_bindgen_test]
async fn a_second_reconnect_for_a_running_connection_joins_the_first() {
    seed_json(r#"{"id":"f_join","status":"ERROR_REPAIRABLE","linkBehavior":{"mode":"success","delayMs":300}}"#).await;
    let (first, _) = bridge_with("{}");
    let (second, _) = bridge_with("{}");
    let a = first.reconnect(input("f_join"));
    let b = second.reconnect(input("f_join"));
    let (a, b) = (
        settle(a).await.expect("first resolves"),
        settle(b).await.expect("second resolves"),
    );
    assert_outcome(&a, "reconnected");
    assert!(
        js_sys::Object::is(&a, &b),
        "both callers get the same result"
    );
    assert_eq!(
        operations(&requests_for("f_join").await),
        ["connectorPlaidInitialize", "connectorPlaidClose"]
    );
    let later = settle(first.reconnect(input("f_join")))
        .await
        .expect("a finished flow is not joined");
    assert_outcome(&later, "repaired");
}

#[wasm_bindgen_test]
async fn bad_responses_are_typed_errors_and_the_instance_keeps_working() {
    seed("f_bad", "SYNCED", "success").await;
    let (bridge, _) = bridge_with("{}");
    let cases = [
        (r#"{"malformed":true}"#, "BAD_RESPONSE"),
        (
            r#"{"body":{"data":{"connectorPlaidInitialize":{"success":true}}}}"#,
            "BAD_RESPONSE",
        ),
        (
            r#"{"body":{"data":{"connectorPlaidInitialize":{"success":true,"record":{"connectorStatus":42}}}}}"#,
            "BAD_RESPONSE",
        ),
        (
            r#"{"body":{"data":{"connectorPlaidInitialize":{"success":true,"record":{"connectorStatus":"LATER"}}}}}"#,
            "BAD_RESPONSE",
        ),
        (
            r#"{"body":{"data":{"connectorPlaidInitialize":{"success":"yes"}}}}"#,
            "BAD_RESPONSE",
        ),
        (
            r#"{"body":{"data":null,"errors":[{"message":"Internal error","extensions":{"code":"INTERNAL"}}]}}"#,
            "GRAPHQL",
        ),
        (
            r#"{"body":{"data":{"connectorPlaidInitialize":{"success":true,"record":{"connectorStatus":"ABORT"}}}}}"#,
            "CONNECTOR_ABORTED",
        ),
        (r#"{"body":[1,2,3]}"#, "BAD_RESPONSE"),
    ];
    for (knob, expected) in cases {
        faults(&format!(
            r#"{{"connectorPlaidInitialize":{{"times":1,{}}}}}"#,
            &knob[1..knob.len() - 1]
        ))
        .await;
        let error = settle(bridge.reconnect(input("f_bad")))
            .await
            .expect_err(knob);
        assert_eq!(
            code(&error).as_deref(),
            Some(expected),
            "{knob}: {:?}",
            text(&error, "message")
        );
        assert!(error.is_instance_of::<js_sys::Error>());
        let fine = settle(bridge.reconnect(input("f_bad")))
            .await
            .expect("the instance keeps working");
        assert_outcome(&fine, "repaired");
    }
    clear_faults().await;
}

#[wasm_bindgen_test]
async fn wait_is_waited_out_then_the_flow_goes_on() {
    seed("f_wait", "SYNCED", "success").await;
    faults(r#"{"connectorPlaidInitialize":{"times":1,"body":{"data":{"connectorPlaidInitialize":{"success":true,"record":{"connectorStatus":"WAIT"}}}}}}"#).await;
    let (bridge, _) = bridge_with("{}");
    let result = settle(bridge.reconnect(input("f_wait")))
        .await
        .expect("resolves after waiting");
    clear_faults().await;
    assert_outcome(&result, "repaired");
    assert_eq!(requests_for("f_wait").await.len(), 2);
}

/// A console method's stand-in.
type Recorder = Closure<dyn FnMut(JsValue, JsValue, JsValue)>;

/// Replaces the console's methods with recorders for the life of the value.
struct ConsoleCapture {
    lines: Array,
    originals: Vec<(&'static str, JsValue)>,
    _recorders: Vec<Recorder>,
}

impl ConsoleCapture {
    fn start() -> Self {
        let console = js_sys::global().unchecked_into::<js_sys::Object>();
        let console = Reflect::get(&console, &"console".into()).unwrap();
        let lines = Array::new();
        let mut originals = Vec::new();
        let mut recorders = Vec::new();
        for method in ["log", "info", "warn", "error", "debug"] {
            originals.push((method, Reflect::get(&console, &method.into()).unwrap()));
            let sink = lines.clone();
            let recorder = Recorder::new(move |a: JsValue, b: JsValue, c: JsValue| {
                sink.push(&JsValue::from_str(&format!(
                    "{} {} {}",
                    stringify(&a),
                    stringify(&b),
                    stringify(&c)
                )));
            });
            Reflect::set(
                &console,
                &method.into(),
                recorder.as_ref().unchecked_ref::<Function>(),
            )
            .unwrap();
            recorders.push(recorder);
        }
        ConsoleCapture {
            lines,
            originals,
            _recorders: recorders,
        }
    }
}

impl Drop for ConsoleCapture {
    fn drop(&mut self) {
        let console = Reflect::get(&js_sys::global(), &"console".into()).unwrap();
        for (method, original) in &self.originals {
            let _ = Reflect::set(&console, &(*method).into(), original);
        }
    }
}

#[wasm_bindgen_test]
async fn no_token_reaches_the_console_events_results_or_errors() {
    seed("f_secrets", "ERROR_REPAIRABLE", "success").await;
    seed("f_secrets_fail", "ERROR_REPAIRABLE", "success").await;
    let capture = ConsoleCapture::start();
    let (bridge, events) = bridge_with("{}");
    let result = settle(bridge.reconnect(input("f_secrets")))
        .await
        .expect("resolves");
    faults(r#"{"connectorPlaidClose":{"status":500,"times":1}}"#).await;
    let error = settle(bridge.reconnect(input("f_secrets_fail")))
        .await
        .expect_err("rejects");
    clear_faults().await;
    let seen = format!(
        "{} {} {} {} {}",
        stringify(&result),
        stringify(&events),
        text(&error, "message").unwrap_or_default(),
        stringify(&error),
        stringify(&capture.lines)
    );
    drop(capture);
    let mut secrets = vec![SESSION_TOKEN.to_owned()];
    for id in ["f_secrets", "f_secrets_fail"] {
        for request in requests_for(id).await {
            let input = get(&request, "variables.input");
            secrets.extend(text(&input, "publicToken"));
            secrets.extend(connector_token_of(&input));
        }
    }
    assert!(
        secrets.len() >= 5,
        "the tokens were found in the sandbox's log: {secrets:?}"
    );
    for secret in secrets {
        assert!(
            !seen.contains(&secret),
            "a token leaked into what the page sees"
        );
    }
}

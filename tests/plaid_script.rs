//! Plaid's script failing, in a page of its own where Plaid has never loaded: a 404, a script
//! that defines no `window.Plaid`, and one that never finishes each reject `PLAID_SCRIPT` in
//! bounded time, and a later call loads the script again and works.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn script_failures_reject_plaid_script_then_a_later_call_loads_it_again() {
    seed("s_script", "ERROR_REPAIRABLE", "exit").await;
    let input = || SANDBOX.input("s_script");
    let (bridge, _) = bridge_with(r#"{"timeoutMs":1500}"#);
    // Input refused before anything is sent loads nothing either.
    let refused =
        settle(bridge.reconnect(json(r#"{"connectionId":"s_script","countryCodes":"US"}"#)))
            .await
            .expect_err("rejects");
    assert_eq!(text(&refused, "code").as_deref(), Some("INVALID_INPUT"));
    assert_eq!(
        plaid_script_tags(),
        0,
        "INVALID_INPUT starts no script load"
    );
    for (knob, message) in [
        (r#"{"script":{"status":404,"times":1}}"#, "failed to load"),
        (
            r#"{"script":{"noPlaid":true,"times":1}}"#,
            "did not define window.Plaid",
        ),
        (
            r#"{"script":{"hang":true,"times":1}}"#,
            "did not load within 1500 ms",
        ),
    ] {
        faults(knob).await;
        let started = js_sys::Date::now();
        let error = settle(bridge.reconnect(input())).await.expect_err(knob);
        clear_faults().await;
        assert_eq!(
            text(&error, "code").as_deref(),
            Some("PLAID_SCRIPT"),
            "{knob}"
        );
        assert!(
            text(&error, "message").is_some_and(|m| m.contains(message)),
            "{knob}: {:?}",
            text(&error, "message")
        );
        assert!(
            js_sys::Date::now() - started < 6_000.0,
            "{knob}: bounded time"
        );
        assert!(!plaid_defined());
        assert_eq!(
            plaid_script_tags(),
            0,
            "a failed tag is removed so the next call starts afresh"
        );
        // Initialize ran in parallel with the script; no close was sent.
        let ops = operations(&requests_for("s_script").await);
        assert_eq!(
            ops.last().map(String::as_str),
            Some("connectorPlaidInitialize")
        );
    }
    let result = settle(bridge.reconnect(input()))
        .await
        .expect("a later call loads the script");
    assert_outcome(&result, "exited");
    assert!(plaid_defined());
    assert_eq!(plaid_script_tags(), 1);
}

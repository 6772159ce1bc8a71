//! Who owns a repair: one flow per connection on the page (identical calls join it whatever the
//! token's identity; other calls of the connection wait for it), addresses a bank may send the
//! user back to checked before anything is sent, and replies about another connection refused.
//! Against the sandbox, through the JavaScript class; the tabs of an origin are e2e's
//! `two-tabs-one-connection`.
#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Function, Reflect};
use quiltt_reconnect::QuilttReconnect;
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// An instance whose token is a function of its own (so no two share one).
fn bridge_with_token_function() -> QuilttReconnect {
    let options = json(&format!(
        r#"{{"endpoint":"{}","plaidScriptUrl":"{}","timeoutMs":10000}}"#,
        url("/v1/graphql"),
        url("/link/v2/stable/link-initialize.js")
    ));
    let token = Function::new_no_args(&format!("return {SESSION_TOKEN:?};"));
    Reflect::set(&options, &"token".into(), &token).unwrap();
    QuilttReconnect::new(options).expect("valid options")
}

/// Waits until Link's stand-in shows its modal.
async fn link_is_open() {
    for _ in 0..250 {
        let open = web_sys::window()
            .unwrap()
            .document()
            .unwrap()
            .query_selector("[data-testid=plaid-sandbox-continue]")
            .unwrap();
        if open.is_some() {
            return;
        }
        sleep(20).await;
    }
    panic!("Link did not open");
}

/// Clicks Continue in Link's stand-in.
fn continue_in_link() {
    let button = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .query_selector("[data-testid=plaid-sandbox-continue]")
        .unwrap()
        .expect("Link is open");
    button.unchecked_into::<web_sys::HtmlElement>().click();
}

#[wasm_bindgen_test]
async fn one_flow_a_connection_on_the_page_whatever_the_tokens_identity() {
    seed("o_owner", "ERROR_REPAIRABLE", "modal").await;
    let (first, second, third) = (
        bridge_with_token_function(),
        bridge_with_token_function(),
        bridge_with_token_function(),
    );
    let input = SANDBOX.input("o_owner");
    let flow = first.reconnect(input.clone());
    link_is_open().await;
    // The same work from another instance, with another token function: joined.
    let joined = second.reconnect(input);
    // Other work on the same connection: waits for the first flow to end.
    let other = third.reconnect(json(&format!(
        r#"{{"connectionId":"o_owner",{},"clientName":"Another"}}"#,
        SANDBOX.features()
    )));
    sleep(300).await;
    assert_eq!(
        operations(&requests_for("o_owner").await),
        ["connectorPlaidInitialize"],
        "the other flow waits before its initialize"
    );
    continue_in_link();
    let (a, b) = (settle(flow).await.unwrap(), settle(joined).await.unwrap());
    assert_outcome(&a, "reconnected");
    assert_eq!(
        stringify(&a),
        stringify(&b),
        "the joined call has the same result"
    );
    let after = settle(other)
        .await
        .expect("the other flow runs once the first ended");
    assert_outcome(&after, "repaired");
    assert_eq!(
        operations(&requests_for("o_owner").await),
        [
            "connectorPlaidInitialize",
            "connectorPlaidClose",
            "connectorPlaidInitialize"
        ],
        "one Link, one close; then Quiltt said CONTINUE"
    );
}

#[wasm_bindgen_test]
async fn an_address_a_bank_sends_the_user_back_to_must_be_an_https_page_without_credentials() {
    let (bridge, _) = bridge(SESSION_TOKEN);
    for uri in [
        "javascript:alert(1)",
        "data:text/html,x",
        "/oauth",
        "oauth",
        "http://app.example/oauth",
        "https://user:secret@app.example/oauth",
    ] {
        let input = json(&format!(
            r#"{{"connectionId":"o_uri",{},"redirectUri":{uri:?}}}"#,
            SANDBOX.features()
        ));
        let error = settle(bridge.reconnect(input)).await.expect_err(uri);
        assert_eq!(
            text(&error, "code").as_deref(),
            Some("INVALID_INPUT"),
            "{uri}"
        );
        assert!(!stringify(&error).contains("secret"), "{uri}");
        let options = json("{}");
        Reflect::set(&options, &"url".into(), &JsValue::from_str(uri)).unwrap();
        let error = settle(bridge.resume(options)).await.expect_err(uri);
        assert_eq!(
            text(&error, "code").as_deref(),
            Some("INVALID_INPUT"),
            "resume {uri}"
        );
    }
    assert!(
        all_requests_for("o_uri").await.is_empty(),
        "nothing was sent"
    );
    for uri in [
        "https://app.example/oauth?x=1",
        "http://localhost:3000/oauth",
    ] {
        let options = json("{}");
        Reflect::set(&options, &"url".into(), &JsValue::from_str(uri)).unwrap();
        let nothing = settle(bridge.resume(options)).await.expect(uri);
        assert!(nothing.is_null(), "{uri}: nothing to finish");
    }
}

#[wasm_bindgen_test]
async fn a_connection_read_for_another_id_is_a_bad_response() {
    seed("o_asked", "SYNCED", "success").await;
    let (bridge, _) = bridge(SESSION_TOKEN);
    faults(r#"{"connection":{"times":1,"body":{"data":{"connection":{"id":"o_someone_else","status":"SYNCED"}}}}}"#).await;
    let error = settle(bridge.connection("o_asked".into(), JsValue::UNDEFINED))
        .await
        .expect_err("refused");
    clear_faults().await;
    assert_eq!(text(&error, "code").as_deref(), Some("BAD_RESPONSE"));
    let found = settle(bridge.connection("o_asked".into(), JsValue::UNDEFINED))
        .await
        .expect("the instance keeps working");
    assert_eq!(text(&found, "id").as_deref(), Some("o_asked"));
}

#[wasm_bindgen_test]
async fn a_saved_close_is_used_only_by_an_instance_of_its_endpoint() {
    seed("o_endpoint", "ERROR_REPAIRABLE", "success").await;
    // The close fails (and the connection reads back broken): CLOSE_FAILED keeps the saved close.
    faults(r#"{"connectorPlaidClose":{"status":500,"times":1}}"#).await;
    let (bridge, _) = bridge(SESSION_TOKEN);
    let error = reconnect(&bridge, "o_endpoint")
        .await
        .expect_err("close failed");
    clear_faults().await;
    assert_eq!(text(&error, "code").as_deref(), Some("CLOSE_FAILED"));
    assert_eq!(saved_flows().len(), 1, "the close is kept to be sent again");
    let sent = all_requests_for("o_endpoint").await.len();

    // Another endpoint (the same server under another address) finds nothing to finish.
    let (elsewhere, _) = bridge_with(&format!(
        r#"{{"endpoint":"{}"}}"#,
        url("/v1/graphql?another-endpoint")
    ));
    let only_this = || json(r#"{"connectionId":"o_endpoint"}"#);
    let nothing = settle(elsewhere.resume(only_this()))
        .await
        .expect("resolves");
    assert!(nothing.is_null(), "another endpoint's record is not used");
    assert_eq!(
        all_requests_for("o_endpoint").await.len(),
        sent,
        "nothing was sent"
    );

    // The endpoint that saved it sends the very same close again.
    let result = settle(bridge.resume(only_this())).await.expect("resumes");
    assert_outcome(&result, "reconnected");
    assert!(saved_flows().is_empty(), "forgotten once it succeeded");
}

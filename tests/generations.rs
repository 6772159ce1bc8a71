//! Which generation of Quiltt's schema the sandbox speaks, found out by the bridge itself: with
//! default options a repair, `connections()` and `updateMetadata()` work on each generation,
//! sending only documents valid there but for at most one refused initialize per endpoint (the
//! newest generation's, on an older endpoint); a pinned `schema` sends none; the Rust `Client`
//! does the same; an environment without Plaid fails the repair `NO_PLAID_CONNECTOR` and still
//! lists connections. `cargo xtask test` runs this file against the 2025, 2024 and 2023
//! sandboxes and one without Plaid (`QUILTT_SANDBOX_SCHEMA`).
//!
//! Each test speaks to an endpoint of its own (the sandbox's GraphQL path with a query string
//! only it uses): the bridge remembers an endpoint's generation for the page and the tab, and
//! every test here starts from an endpoint it knows nothing of.
#![cfg(target_arch = "wasm32")]

mod support;

use quiltt_reconnect::{
    Client, ClientOptions, ConnectionFilter, ConnectorPlaidInitializeInput, ErrorCode,
    ReconnectResult, SchemaGeneration, SessionToken,
};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Whether the sandbox serves the environment without Plaid.
fn no_plaid() -> bool {
    SANDBOX.schema == "no-plaid"
}

/// An endpoint of the sandbox no other test speaks to.
fn endpoint(test: &str) -> String {
    url(&format!("/v1/graphql?test={test}"))
}

/// A bridge speaking to `endpoint`, with `options` (a JSON object's members) besides.
fn bridge_at(endpoint: &str, options: &str) -> quiltt_reconnect::QuilttReconnect {
    let (bridge, _) = bridge_with(&format!(r#"{{"endpoint":"{endpoint}"{options}}}"#));
    bridge
}

/// The operations the sandbox refused in validation for `connection_id`.
async fn refused_operations(connection_id: &str) -> Vec<String> {
    operations(&refused_for(connection_id).await)
}

#[wasm_bindgen_test]
async fn default_options_repair_list_and_store_metadata_with_at_most_one_refused_document() {
    if no_plaid() {
        return;
    }
    seed("g_default", "ERROR_REPAIRABLE", "success").await;
    seed("g_default_2", "ERROR_REPAIRABLE", "success").await;
    let bridge = bridge_at(&endpoint("default"), "");

    let result = reconnect(&bridge, "g_default").await.expect("resolves");
    assert_outcome(&result, "reconnected");
    let refused = refused_operations("g_default").await;
    match SANDBOX.schema {
        // The newest generation's document is the first one sent: nothing to refuse.
        "2025" => assert!(refused.is_empty(), "{refused:?}"),
        // One refusal of the newest initialize, then the endpoint's own documents.
        _ => assert_eq!(refused, ["connectorPlaidInitialize"]),
    }
    assert_eq!(
        operations(&requests_for("g_default").await),
        ["connectorPlaidInitialize", "connectorPlaidClose"]
    );
    let stored = admin("GET", "/__sandbox/connections/g_default", None).await;
    assert_eq!(text(&stored, "status").as_deref(), Some("SYNCED"));

    // What the first repair learned holds for the next one on the page.
    let result = reconnect(&bridge, "g_default_2").await.expect("resolves");
    assert_outcome(&result, "reconnected");
    assert!(refused_operations("g_default_2").await.is_empty());

    let listed = settle(bridge.connections(json(r#"{"status":"SYNCED"}"#)))
        .await
        .expect("lists");
    assert!(
        stringify(&listed).contains("\"g_default\""),
        "{}",
        stringify(&listed)
    );
    let updated = settle(bridge.update_metadata(
        "g_default".into(),
        json(r#"{"tier":"gold"}"#),
        wasm_bindgen::JsValue::UNDEFINED,
    ))
    .await
    .expect("stores");
    assert_eq!(text(&updated, "metadata.tier").as_deref(), Some("gold"));
    let everything = all_requests_for("g_default").await;
    let refused_everywhere = everything.iter().filter(|r| refused_document(r)).count();
    assert!(
        refused_everywhere <= 1,
        "{}",
        stringify(&everything.into_iter().collect::<js_sys::Array>())
    );
}

#[wasm_bindgen_test]
async fn a_pinned_generation_sends_no_refused_document() {
    if no_plaid() {
        return;
    }
    seed("g_pinned", "ERROR_REPAIRABLE", "success").await;
    let bridge = bridge_at(
        &endpoint("pinned"),
        &format!(r#","schema":"{}""#, SANDBOX.generation()),
    );
    let result = reconnect(&bridge, "g_pinned").await.expect("resolves");
    assert_outcome(&result, "reconnected");
    assert!(refused_operations("g_pinned").await.is_empty());
    assert_eq!(
        operations(&requests_for("g_pinned").await),
        ["connectorPlaidInitialize", "connectorPlaidClose"]
    );
}

#[wasm_bindgen_test]
async fn a_pinned_generation_the_endpoint_does_not_speak_is_the_apps_graphql_error() {
    if no_plaid() {
        return;
    }
    seed("g_wrong_pin", "ERROR_REPAIRABLE", "success").await;
    // The pin whose initialize document this sandbox refuses.
    let wrong = match SANDBOX.schema {
        "2025" => "2024-08",
        _ => "2025-04",
    };
    let bridge = bridge_at(&endpoint("wrong-pin"), &format!(r#","schema":"{wrong}""#));
    let error = reconnect(&bridge, "g_wrong_pin")
        .await
        .expect_err("rejects");
    assert_eq!(text(&error, "code").as_deref(), Some("GRAPHQL"));
    assert_eq!(refused_operations("g_wrong_pin").await.len(), 1);
    assert!(
        requests_for("g_wrong_pin").await.is_empty(),
        "nothing else is sent"
    );
}

#[wasm_bindgen_test]
async fn the_rust_client_finds_out_the_generation_too() {
    if no_plaid() {
        return;
    }
    seed("g_client", "SYNCED", "success").await;
    let mut options = ClientOptions::new(SessionToken::new(SESSION_TOKEN));
    options.endpoint = endpoint("rust-client");
    options.plaid_script_url = url("/link/v2/stable/link-initialize.js");
    let client = Client::new(options).expect("valid options");
    let mut input = ConnectorPlaidInitializeInput::new("g_client");
    match SANDBOX.schema {
        "2023" => input.features = Some("TRANSACTIONS".into()),
        "2024" => input.features_required = Some(vec!["TRANSACTIONS".into()]),
        _ => input.features_required = Some(vec!["ACCOUNT_BALANCES_AND_TRANSACTIONS".into()]),
    }
    let result = client.reconnect(&input).await.expect("resolves");
    let ReconnectResult::Repaired { connector, .. } = result else {
        panic!("a healthy connection is repaired: {result:?}");
    };
    assert_eq!(connector.status.as_str(), "CONTINUE");
    let expected = usize::from(SANDBOX.schema != "2025");
    assert_eq!(refused_operations("g_client").await.len(), expected);
    let listed = client
        .connections(&ConnectionFilter::default())
        .await
        .expect("lists");
    assert!(listed.iter().any(|c| c.id == "g_client"));

    // Pinned: the same repair sends only the sandbox's own document.
    let mut options = ClientOptions::new(SessionToken::new(SESSION_TOKEN));
    options.endpoint = endpoint("rust-client-pinned");
    options.plaid_script_url = url("/link/v2/stable/link-initialize.js");
    options.schema = SchemaGeneration::parse(SANDBOX.generation());
    seed("g_client_pinned", "SYNCED", "success").await;
    input.connection_id = "g_client_pinned".into();
    Client::new(options)
        .expect("valid options")
        .reconnect(&input)
        .await
        .expect("resolves");
    assert!(refused_operations("g_client_pinned").await.is_empty());
}

#[wasm_bindgen_test]
async fn without_plaid_a_repair_fails_no_plaid_connector_before_link_and_connections_work() {
    if !no_plaid() {
        return;
    }
    seed("g_no_plaid", "ERROR_REPAIRABLE", "success").await;
    let (bridge, events) = bridge_with(&format!(r#"{{"endpoint":"{}"}}"#, endpoint("no-plaid")));
    let error = settle(bridge.reconnect(json(
        r#"{"connectionId":"g_no_plaid","featuresRequired":["ACCOUNT_BALANCES_AND_TRANSACTIONS"]}"#,
    )))
    .await
    .expect_err("rejects");
    assert_eq!(text(&error, "code").as_deref(), Some("NO_PLAID_CONNECTOR"));
    assert!(
        !stages(&events).iter().any(|s| s == "link_open"),
        "Link never opened: {:?}",
        stages(&events)
    );
    assert_eq!(
        refused_operations("g_no_plaid").await,
        ["connectorPlaidInitialize"]
    );
    assert!(requests_for("g_no_plaid").await.is_empty());

    let listed = settle(bridge.connections(wasm_bindgen::JsValue::UNDEFINED))
        .await
        .expect("connections() works without Plaid");
    assert!(stringify(&listed).contains("\"g_no_plaid\""));

    // The Rust client's error is typed the same.
    let mut options = ClientOptions::new(SessionToken::new(SESSION_TOKEN));
    options.endpoint = endpoint("no-plaid-rust");
    options.plaid_script_url = url("/link/v2/stable/link-initialize.js");
    let client = Client::new(options).expect("valid options");
    let error = client
        .reconnect(&ConnectorPlaidInitializeInput::new("g_no_plaid"))
        .await
        .expect_err("rejects");
    assert_eq!(error.code(), ErrorCode::NoPlaidConnector);
}

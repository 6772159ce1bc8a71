//! A repaired connection syncs: `SYNCING` for `syncDelayMs` after the close, then
//! `syncOutcome`; every read sees the same status; bad settings are refused.

mod common;

use std::time::Duration;

use common::{close_input, Sb};
use quiltt_sandbox::{ConnectionStatus, SandboxConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};

const CONFIG: &str = "/__sandbox/config";

/// Long enough that nothing in a test settles by accident on a loaded machine.
const LONG_MS: u64 = 60_000;

/// Sets `syncDelayMs` and `syncOutcome` at run time; checks the answer reports them.
async fn use_sync(sb: &Sb, delay_ms: u64, outcome: &str) {
    let config = sb
        .admin_post(
            CONFIG,
            json!({ "syncDelayMs": delay_ms, "syncOutcome": outcome }),
        )
        .await;
    assert_eq!(config["syncDelayMs"], delay_ms, "{config}");
    assert_eq!(config["syncOutcome"], outcome, "{config}");
}

/// The status of `id` in the `connections` query.
async fn listed_status(sb: &Sb, id: &str) -> Value {
    let (_, body) = sb.gql("{ connections { id status } }", json!({})).await;
    let listed = body["data"]["connections"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} not listed: {body}"));
    listed["status"].clone()
}

/// The status of `id` in the admin listing `/__sandbox/connections`.
async fn admin_status(sb: &Sb, id: &str) -> Value {
    let all = sb.admin_get("/__sandbox/connections").await;
    let found = all
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {all}"));
    found["status"].clone()
}

#[tokio::test]
async fn a_repair_with_a_sync_delay_is_syncing_then_synced() {
    let sb = Sb::start().await;
    use_sync(&sb, 300, "SYNCED").await;
    let closed = sb.repair("conn_login_required", None).await;
    assert_eq!(closed["record"]["status"], "SYNCING", "{closed}");
    assert_eq!(sb.connection_status("conn_login_required").await, "SYNCING");
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(sb.connection_status("conn_login_required").await, "SYNCED");
    assert_eq!(admin_status(&sb, "conn_login_required").await, "SYNCED");
}

#[tokio::test]
async fn every_read_sees_syncing_until_the_delay_has_passed() {
    let sb = Sb::start().await;
    use_sync(&sb, LONG_MS, "SYNCED").await;
    let closed = sb.repair("conn_chase_checking", Some("close-1")).await;
    assert_eq!(closed["record"]["status"], "SYNCING", "{closed}");
    assert_eq!(sb.connection_status("conn_chase_checking").await, "SYNCING");
    assert_eq!(listed_status(&sb, "conn_chase_checking").await, "SYNCING");
    assert_eq!(admin_status(&sb, "conn_chase_checking").await, "SYNCING");
    let one = sb
        .admin_get("/__sandbox/connections/conn_chase_checking")
        .await;
    assert_eq!(one["status"], "SYNCING");
    let (_, body) = sb
        .gql(
            "mutation($input: ConnectionUpdateInput!) { connectionUpdate(input: $input) { success record { id status } } }",
            json!({ "input": { "id": "conn_chase_checking", "metadata": { "k": 1 } } }),
        )
        .await;
    assert_eq!(
        body["data"]["connectionUpdate"]["record"]["status"], "SYNCING",
        "{body}"
    );
    // A syncing connection is healthy: initialize answers CONTINUE.
    let init = sb
        .initialize_with(json!({ "connectionId": "conn_chase_checking", "featuresRequired": ["ACCOUNT_BALANCES_AND_TRANSACTIONS"] }))
        .await;
    assert_eq!(init["record"]["status"], "CONTINUE", "{init}");
    // Other connections are not touched.
    assert_eq!(
        sb.connection_status("conn_login_required").await,
        "ERROR_REPAIRABLE"
    );
}

#[tokio::test]
async fn a_sync_can_end_in_an_error_that_needs_another_repair() {
    let sb = Sb::start().await;
    use_sync(&sb, 300, "ERROR_REPAIRABLE").await;
    let closed = sb.repair("conn_credit_union", Some("close-1")).await;
    assert_eq!(closed["record"]["status"], "SYNCING", "{closed}");
    assert_eq!(sb.connection_status("conn_credit_union").await, "SYNCING");
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(
        sb.connection_status("conn_credit_union").await,
        "ERROR_REPAIRABLE"
    );
    assert_eq!(
        listed_status(&sb, "conn_credit_union").await,
        "ERROR_REPAIRABLE"
    );
    // The broken connection needs Link again (a second repair works as the first).
    let second = sb.repair("conn_credit_union", None).await;
    assert_eq!(second["record"]["status"], "SYNCING", "{second}");
}

#[tokio::test]
async fn a_replayed_close_answers_the_status_its_sync_has_reached() {
    let sb = Sb::start().await;
    use_sync(&sb, 300, "ERROR_SERVICE").await;
    let (link_token, connector_token) = sb.tokens("conn_login_required").await;
    let (public_token, metadata) = sb.link_success(&link_token).await;
    let mut input = close_input(sb.generation(), &connector_token, &public_token, metadata);
    input["clientMutationId"] = json!("close-1");
    let first = sb.close_with(input.clone()).await;
    assert_eq!(first["record"]["status"], "SYNCING", "{first}");
    let retry = sb.close_with(input.clone()).await;
    assert_eq!(retry, first);
    tokio::time::sleep(Duration::from_millis(450)).await;
    let late = sb.close_with(input).await;
    assert_eq!(late["success"], true, "{late}");
    assert_eq!(late["record"]["status"], "ERROR_SERVICE", "{late}");
}

#[tokio::test]
async fn without_a_delay_the_close_answers_the_outcome_at_once() {
    let sb = Sb::start().await;
    let config = sb.admin_get(CONFIG).await;
    assert_eq!(config["syncDelayMs"], 0, "{config}");
    assert_eq!(config["syncOutcome"], "SYNCED", "{config}");
    let closed = sb.repair("conn_login_required", None).await;
    assert_eq!(closed["record"]["status"], "SYNCED", "{closed}");
    assert_eq!(sb.connection_status("conn_login_required").await, "SYNCED");

    use_sync(&sb, 0, "ERROR_INSTITUTION").await;
    let closed = sb.repair("conn_chase_checking", None).await;
    assert_eq!(closed["record"]["status"], "ERROR_INSTITUTION", "{closed}");
    assert_eq!(
        sb.connection_status("conn_chase_checking").await,
        "ERROR_INSTITUTION"
    );
}

#[tokio::test]
async fn bad_sync_settings_are_400_and_change_nothing() {
    let sb = Sb::start().await;
    use_sync(&sb, 250, "ERROR_PROVIDER").await;
    for (bad, key) in [
        (json!({ "syncDelayMs": -1 }), "syncDelayMs"),
        (json!({ "syncDelayMs": "300" }), "syncDelayMs"),
        (json!({ "syncDelayMs": 1.5 }), "syncDelayMs"),
        (json!({ "syncDelayMs": [300] }), "syncDelayMs"),
        (json!({ "syncOutcome": "SYNCING" }), "SYNCING"),
        (json!({ "syncOutcome": "INITIALIZING" }), "INITIALIZING"),
        (json!({ "syncOutcome": "DISCONNECTED" }), "DISCONNECTED"),
        (json!({ "syncOutcome": "BROKEN" }), "BROKEN"),
        (json!({ "syncOutcome": "synced" }), "synced"),
        (json!({ "syncOutcome": 1 }), "syncOutcome"),
        // One bad key refuses the whole body.
        (
            json!({ "syncDelayMs": 10, "syncOutcome": "SYNCING" }),
            "SYNCING",
        ),
        (
            json!({ "syncDelayMs": 10, "linkTokenTtlSecs": -1 }),
            "linkTokenTtlSecs",
        ),
    ] {
        let (status, body) = sb.admin_post_raw(CONFIG, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        let message = body["error"].as_str().unwrap_or_else(|| panic!("{body}"));
        assert!(message.contains(key), "{bad}: {message}");
    }
    let (_, body) = sb
        .admin_post_raw(CONFIG, json!({ "syncOutcome": "SYNCING" }))
        .await;
    assert_eq!(
        body["error"],
        "syncOutcome: SYNCING is not a status a sync ends in: use SYNCED, ERROR_REPAIRABLE, \
ERROR_SERVICE, ERROR_PROVIDER or ERROR_INSTITUTION"
    );
    let config = sb.admin_get(CONFIG).await;
    assert_eq!(config["syncDelayMs"], 250, "{config}");
    assert_eq!(config["syncOutcome"], "ERROR_PROVIDER", "{config}");
    assert_eq!(config["linkTokenTtlSecs"], 1800.0, "{config}");
}

#[tokio::test]
async fn a_reset_restores_the_sync_settings_the_sandbox_started_with() {
    let sb = Sb::start_with(SandboxConfig {
        sync_delay: Duration::from_millis(LONG_MS),
        sync_outcome: ConnectionStatus::ErrorService,
        ..Default::default()
    })
    .await;
    let config = sb.admin_get(CONFIG).await;
    assert_eq!(config["syncDelayMs"], LONG_MS, "{config}");
    assert_eq!(config["syncOutcome"], "ERROR_SERVICE", "{config}");
    let closed = sb.repair("conn_login_required", None).await;
    assert_eq!(closed["record"]["status"], "SYNCING", "{closed}");

    use_sync(&sb, 5, "SYNCED").await;
    sb.admin_post("/__sandbox/reset", json!({})).await;
    let config = sb.admin_get(CONFIG).await;
    assert_eq!(config["syncDelayMs"], LONG_MS, "{config}");
    assert_eq!(config["syncOutcome"], "ERROR_SERVICE", "{config}");
    // The sync in progress is forgotten with the rest of the store.
    assert_eq!(
        sb.connection_status("conn_login_required").await,
        "ERROR_REPAIRABLE"
    );
}

//! Fault knobs over real HTTP: latency, status (+ Retry-After), malformed, hang, times.

mod common;

use std::time::{Duration, Instant};

use common::{close_input, init_input, initialize_doc, Sb};
use quiltt_sandbox::SchemaGeneration;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The default generation's (2025's) initialize of `id`.
fn init_body(id: &str) -> Value {
    let generation = SchemaGeneration::default();
    json!({ "query": initialize_doc(generation), "variables": { "input": init_input(generation, id) } })
}

/// A close of made-up tokens in the default generation.
fn close_body() -> Value {
    let input = close_input(SchemaGeneration::default(), "a", "b", json!({}));
    json!({ "query": common::CLOSE_DOC, "variables": { "input": input } })
}

const AUTH: Option<&str> = Some("Bearer sandbox-session-token");

#[tokio::test]
async fn latency_delays_the_answer() {
    let sb = Sb::start().await;
    sb.admin_post(
        "/__sandbox/faults",
        json!({ "connectorPlaidInitialize": { "latencyMs": 300 } }),
    )
    .await;
    let started = Instant::now();
    let resp = sb.post_graphql(AUTH, init_body("conn_healthy")).await;
    let elapsed = started.elapsed();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(elapsed >= Duration::from_millis(290), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    // Other operations are not delayed.
    let started = Instant::now();
    let (status, _) = sb
        .gql("{ connection(id: \"conn_healthy\") { id } }", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() < Duration::from_millis(250));
}

#[tokio::test]
async fn status_with_retry_after_then_times_runs_out() {
    let sb = Sb::start().await;
    let active = sb
        .admin_post(
            "/__sandbox/faults",
            json!({ "connectorPlaidInitialize": { "status": 503, "retryAfterSecs": 1, "times": 1 } }),
        )
        .await;
    assert_eq!(active["connectorPlaidInitialize"]["status"], 503);
    let resp = sb.post_graphql(AUTH, init_body("conn_healthy")).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: Value = resp.json().await.expect("fault body is JSON");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("503"));
    // times: 1 → the next request is normal, and the knob is gone.
    let resp = sb.post_graphql(AUTH, init_body("conn_healthy")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(sb.admin_get("/__sandbox/faults").await, json!({}));
}

#[tokio::test]
async fn status_fault_for_close_and_update_only_hits_that_operation() {
    let sb = Sb::start().await;
    sb.admin_post(
        "/__sandbox/faults",
        json!({ "connectorPlaidClose": { "status": 500 }, "connectionUpdate": { "status": 429, "retryAfterSecs": 7 } }),
    )
    .await;
    let close = sb.post_graphql(AUTH, close_body()).await;
    assert_eq!(close.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let update = sb
        .post_graphql(
            AUTH,
            json!({ "query": common::UPDATE_DOC, "variables": { "input": { "id": "conn_healthy" } } }),
        )
        .await;
    assert_eq!(update.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(update.headers()["retry-after"], "7");
    let init = sb.post_graphql(AUTH, init_body("conn_healthy")).await;
    assert_eq!(init.status(), StatusCode::OK);
    // DELETE clears every knob.
    sb.admin_delete("/__sandbox/faults").await;
    let close = sb.post_graphql(AUTH, close_body()).await;
    assert_eq!(close.status(), StatusCode::OK);
}

#[tokio::test]
async fn malformed_body_is_not_json() {
    let sb = Sb::start().await;
    sb.admin_post(
        "/__sandbox/faults",
        json!({ "connectorPlaidInitialize": { "malformed": true } }),
    )
    .await;
    let resp = sb.post_graphql(AUTH, init_body("conn_healthy")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
}

#[tokio::test]
async fn hang_never_answers_until_the_client_gives_up() {
    let sb = Sb::start().await;
    sb.admin_post(
        "/__sandbox/faults",
        json!({ "connectorPlaidInitialize": { "hang": true, "times": 1 } }),
    )
    .await;
    let started = Instant::now();
    let err = sb
        .client
        .post(sb.url("/v1/graphql"))
        .header("Authorization", "Bearer sandbox-session-token")
        .json(&init_body("conn_healthy"))
        .timeout(Duration::from_millis(400))
        .send()
        .await
        .expect_err("the request must time out");
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() >= Duration::from_millis(390));
    // The log shows it, with no status, and marked abandoned once the client went away.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let log = sb.admin_get("/__sandbox/requests").await;
    assert_eq!(log[0]["operation"], "connectorPlaidInitialize");
    assert_eq!(log[0]["status"], Value::Null);
    assert_eq!(log[0]["abandoned"], true);
    assert_eq!(log[0]["connectionId"], "conn_healthy");
    // times: 1 → the next request answers.
    let resp = sb.post_graphql(AUTH, init_body("conn_healthy")).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

/// Sends an initialize for `conn_healthy` on a task of its own; resolves with its status.
fn send_in_background(sb: &Sb) -> tokio::task::JoinHandle<Result<StatusCode, reqwest::Error>> {
    let client = sb.client.clone();
    let url = sb.url("/v1/graphql");
    tokio::spawn(async move {
        client
            .post(url)
            .header("Authorization", "Bearer sandbox-session-token")
            .json(&init_body("conn_healthy"))
            .send()
            .await
            .map(|r| r.status())
    })
}

#[tokio::test]
async fn shutdown_releases_hanging_requests() {
    let sb = Sb::start().await;
    sb.admin_post("/__sandbox/faults", json!({ "any": { "hang": true } }))
        .await;
    let pending = send_in_background(&sb);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), sb.sandbox.stop())
        .await
        .expect("graceful shutdown finishes")
        .expect("serve ends cleanly");
    assert!(started.elapsed() < Duration::from_secs(5));
    let status = pending
        .await
        .unwrap()
        .expect("the hanging request was answered");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn script_faults_404_no_plaid_latency_and_hang() {
    let sb = Sb::start().await;
    let script = sb.url(quiltt_sandbox::LINK_SCRIPT_PATH);

    sb.admin_post(
        "/__sandbox/faults",
        json!({ "script": { "status": 404, "times": 1 } }),
    )
    .await;
    let resp = sb.client.get(&script).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    sb.admin_post(
        "/__sandbox/faults",
        json!({ "script": { "noPlaid": true, "times": 1 } }),
    )
    .await;
    let resp = sb.client.get(&script).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    let text = resp.text().await.unwrap();
    assert!(!text.contains("window.Plaid ="), "{text}");

    sb.admin_post(
        "/__sandbox/faults",
        json!({ "script": { "latencyMs": 250, "times": 1 } }),
    )
    .await;
    let started = Instant::now();
    let resp = sb.client.get(&script).send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(240));
    assert!(resp.text().await.unwrap().contains("window.Plaid ="));

    sb.admin_post(
        "/__sandbox/faults",
        json!({ "script": { "hang": true, "times": 1 } }),
    )
    .await;
    let err = sb
        .client
        .get(&script)
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("hangs");
    assert!(err.is_timeout());

    // Five requests, all counted.
    assert_eq!(sb.admin_get("/__sandbox/script-loads").await["count"], 4);
    let resp = sb.client.get(&script).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(sb.admin_get("/__sandbox/script-loads").await["count"], 5);
}

#[tokio::test]
async fn bad_fault_bodies_are_refused() {
    let sb = Sb::start().await;
    for body in [
        json!({ "connectorPlaidInit": { "status": 500 } }),
        json!({ "script": { "latency": 5 } }),
        json!({ "script": { "afterResolve": true } }),
        json!({ "connectionUpdate": { "status": 42 } }),
        json!([]),
    ] {
        let resp = sb
            .client
            .post(sb.url("/__sandbox/faults"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{body}");
        let json: Value = resp.json().await.unwrap();
        assert!(json["error"].as_str().is_some());
    }
}

#[tokio::test]
async fn clearing_the_knobs_releases_hanging_requests() {
    let sb = Sb::start().await;
    sb.admin_post(
        "/__sandbox/faults",
        json!({ "connectorPlaidInitialize": { "hang": true } }),
    )
    .await;
    let pending = send_in_background(&sb);
    tokio::time::sleep(Duration::from_millis(200)).await;
    sb.admin_delete("/__sandbox/faults").await;
    let status = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("released at once")
        .unwrap()
        .expect("answered");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let log = sb.admin_get("/__sandbox/requests").await;
    assert_eq!(log[0]["abandoned"], false);
}

#[tokio::test]
async fn body_answers_the_given_json_once() {
    let sb = Sb::start().await;
    let odd = json!({ "data": { "connectorPlaidInitialize": { "success": true, "record": { "status": "WAIT" } } } });
    sb.admin_post(
        "/__sandbox/faults",
        json!({ "connectorPlaidInitialize": { "body": odd.clone(), "times": 1 } }),
    )
    .await;
    let resp = sb.post_graphql(AUTH, init_body("conn_healthy")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap(), odd);
    let resp = sb.post_graphql(AUTH, init_body("conn_healthy")).await;
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["data"]["connectorPlaidInitialize"]["record"]["status"],
        "CONTINUE"
    );
}

#[tokio::test]
async fn after_resolve_lets_the_close_go_through_then_answers_a_gateway_error() {
    let sb = Sb::start().await;
    let (link_token, connector_token) = sb.tokens("conn_credit_union").await;
    let (public_token, metadata) = sb.link_success(&link_token).await;
    let active = sb
        .admin_post(
            "/__sandbox/faults",
            json!({ "connectorPlaidClose": { "status": 504, "afterResolve": true, "times": 1 } }),
        )
        .await;
    assert_eq!(active["connectorPlaidClose"]["afterResolve"], true);
    let mut input = close_input(sb.generation(), &connector_token, &public_token, metadata);
    input["clientMutationId"] = json!("close-after-504");
    let close = json!({ "query": common::CLOSE_DOC, "variables": { "input": input } });
    let resp = sb.post_graphql(AUTH, close.clone()).await;
    assert_eq!(resp.status(), StatusCode::GATEWAY_TIMEOUT);
    // The close went through: the connection is repaired and the public token used.
    assert_eq!(
        sb.admin_get("/__sandbox/connections/conn_credit_union")
            .await["status"],
        "SYNCED"
    );
    // The client's retry with the same clientMutationId gets the close's success.
    let resp = sb.post_graphql(AUTH, close.clone()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    let payload = &body["data"]["connectorPlaidClose"];
    assert_eq!(payload["success"], true, "{body}");
    assert_eq!(payload["record"]["id"], "conn_credit_union");
    assert_eq!(payload["clientMutationId"], "close-after-504");
    // Without it, the used public token is refused.
    let mut other = close;
    other["variables"]["input"]["clientMutationId"] = Value::Null;
    let body: Value = sb.post_graphql(AUTH, other).await.json().await.unwrap();
    assert_eq!(
        body["data"]["connectorPlaidClose"]["errors"][0]["code"],
        "PUBLIC_TOKEN_ALREADY_USED"
    );
    let log = sb.admin_get("/__sandbox/requests").await;
    let closes: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == "connectorPlaidClose")
        .collect();
    assert_eq!(closes[0]["status"], 504);
    assert!(closes[0]["fault"]
        .as_str()
        .unwrap()
        .contains("afterResolve"));
    assert_eq!(closes[0]["connectionId"], "conn_credit_union");
    assert_eq!(closes[1]["status"], 200);
    assert_eq!(closes[1]["replayed"], true);
    assert_eq!(closes[2]["replayed"], false);
}

#[tokio::test]
async fn after_resolve_with_a_hang_holds_the_answer_of_an_operation_that_ran() {
    let sb = Sb::start().await;
    sb.admin_post(
        "/__sandbox/faults",
        json!({ "connectionUpdate": { "hang": true, "afterResolve": true, "times": 1 } }),
    )
    .await;
    let err = sb
        .client
        .post(sb.url("/v1/graphql"))
        .header("Authorization", "Bearer sandbox-session-token")
        .json(&json!({ "query": common::UPDATE_DOC, "variables": { "input": { "id": "conn_healthy", "metadata": { "saved": true } } } }))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("the answer never comes");
    assert!(err.is_timeout());
    let stored = sb.admin_get("/__sandbox/connections/conn_healthy").await;
    assert_eq!(stored["metadata"], json!({ "saved": true }));
}

//! The GraphQL endpoint over real HTTP: auth, seeded states, token rules, metadata.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use common::{Sb, CLOSE_DOC, INITIALIZE_DOC, UPDATE_DOC};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn parse_iso8601(s: &str) -> SystemTime {
    // 2026-11-25T08:30:00Z
    assert_eq!(s.len(), 20, "{s}");
    assert!(s.ends_with('Z'), "{s}");
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().expect("digits");
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let (hh, mm, ss) = (n(11..13), n(14..16), n(17..19));
    // days from civil (Howard Hinnant)
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    UNIX_EPOCH + Duration::from_secs((days * 86_400 + hh * 3600 + mm * 60 + ss) as u64)
}

#[tokio::test]
async fn missing_or_wrong_token_is_401_json() {
    let sb = Sb::start().await;
    let body = json!({ "query": INITIALIZE_DOC, "variables": { "input": { "connectionId": "conn_healthy", "features": "TRANSACTIONS" } } });
    for auth in [
        None,
        Some("Bearer nope"),
        Some("sandbox-session-token"),
        Some("Basic abc"),
    ] {
        let resp = sb.post_graphql(auth, body.clone()).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let json: Value = resp.json().await.unwrap();
        assert_eq!(json["errors"][0]["extensions"]["code"], "UNAUTHORIZED");
        assert!(json["errors"][0]["message"].as_str().unwrap().len() > 10);
    }
}

#[tokio::test]
async fn custom_session_token_is_required() {
    let sb = Sb::start_with(quiltt_sandbox::SandboxConfig {
        session_token: "custom-token".into(),
        ..Default::default()
    })
    .await;
    let body = json!({ "query": "{ connection(id: \"conn_healthy\") { id } }" });
    let ok = sb
        .post_graphql(Some("Bearer custom-token"), body.clone())
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let default = sb
        .post_graphql(Some("Bearer sandbox-session-token"), body)
        .await;
    assert_eq!(default.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn healthy_connection_continues() {
    let sb = Sb::start().await;
    let payload = sb.initialize("conn_healthy").await;
    assert_eq!(payload["success"], true);
    assert_eq!(payload["errors"], Value::Null);
    let record = &payload["record"];
    assert_eq!(record["connectorStatus"], "CONTINUE");
    assert_eq!(record["connectorToken"], Value::Null);
    assert_eq!(record["linkToken"], Value::Null);
    assert!(record["requestId"].as_str().is_some());
}

#[tokio::test]
async fn broken_connections_need_action_with_fresh_tokens() {
    let sb = Sb::start().await;
    for id in [
        "conn_login_required",
        "conn_chase_checking",
        "conn_credit_union",
        "conn_service_error",
    ] {
        let payload = sb.initialize(id).await;
        assert_eq!(payload["success"], true, "{payload}");
        let record = &payload["record"];
        assert_eq!(record["connectorStatus"], "ACTION_REQUIRED");
        assert!(record["linkToken"]
            .as_str()
            .unwrap()
            .starts_with("link-sandbox-"));
        assert!(record["connectorToken"]
            .as_str()
            .unwrap()
            .starts_with("connector-sandbox-"));
        assert!(record["requestId"].as_str().is_some());
        let expiration = parse_iso8601(record["expiration"].as_str().unwrap());
        let now = SystemTime::now();
        assert!(expiration > now + Duration::from_secs(1700), "{record}");
        assert!(expiration < now + Duration::from_secs(1900), "{record}");
    }
    let (a, _) = sb.tokens("conn_login_required").await;
    let (b, _) = sb.tokens("conn_login_required").await;
    assert_ne!(a, b, "every initialize mints a fresh link token");
}

#[tokio::test]
async fn unknown_or_missing_connection_is_not_found() {
    let sb = Sb::start().await;
    let payload = sb.initialize("conn_does_not_exist").await;
    assert_eq!(payload["success"], false);
    assert_eq!(payload["record"], Value::Null);
    assert_eq!(payload["errors"][0]["code"], "NOT_FOUND");
    assert_eq!(
        payload["errors"][0]["message"],
        "Connection conn_does_not_exist was not found"
    );
    let (_, body) = sb
        .gql(
            INITIALIZE_DOC,
            json!({ "input": { "features": "TRANSACTIONS" } }),
        )
        .await;
    let payload = &body["data"]["connectorPlaidInitialize"];
    assert_eq!(payload["success"], false);
    assert_eq!(payload["errors"][0]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn missing_features_fails_validation() {
    let sb = Sb::start().await;
    let (status, body) = sb
        .gql(
            INITIALIZE_DOC,
            json!({ "input": { "connectionId": "conn_login_required" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body.get("data").cloned().unwrap_or(Value::Null),
        Value::Null
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("features"), "{message}");
    // Inline, too.
    let (_, body) = sb
        .gql(
            "mutation { connectorPlaidInitialize(input: { connectionId: \"conn_healthy\" }) { success } }",
            Value::Null,
        )
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("features"),
        "{body}"
    );
}

#[tokio::test]
async fn all_initialize_input_fields_are_accepted() {
    let sb = Sb::start().await;
    let input = json!({
        "accountFilters": {
            "depository": { "accountSubtypes": ["checking", "savings"] },
            "credit": { "accountSubtypes": ["credit card"] },
            "loan": { "accountSubtypes": ["all"] },
            "investment": { "accountSubtypes": ["all"] }
        },
        "androidPackageName": null,
        "auth": {
            "authTypeSelectEnabled": true,
            "automatedMicrodepositsEnabled": false,
            "instantMatchEnabled": true,
            "sameDayMicrodepositsEnabled": false,
            "flowType": "FLEXIBLE_AUTH"
        },
        "clientMutationId": "cm-all",
        "clientName": "Reconnect Demo",
        "connectionId": "conn_login_required",
        "countryCodes": ["US"],
        "euConfig": { "headless": false },
        "features": "ACCOUNT_VERIFICATION",
        "language": "en",
        "linkCustomizationName": "default",
        "products": ["transactions"],
        "update": { "accountSelectionEnabled": true, "user": false, "reauthorizationEnabled": false }
    });
    let (_, body) = sb
        .gql(
            "mutation($input: ConnectorPlaidInitializeInput) { connectorPlaidInitialize(input: $input) { clientMutationId success record { connectorStatus } } }",
            json!({ "input": input }),
        )
        .await;
    let payload = &body["data"]["connectorPlaidInitialize"];
    assert_eq!(payload["success"], true, "{body}");
    assert_eq!(payload["clientMutationId"], "cm-all");
    assert_eq!(payload["record"]["connectorStatus"], "ACTION_REQUIRED");
}

#[tokio::test]
async fn reference_documents_run_verbatim_and_close_repairs() {
    let sb = Sb::start().await;
    let (link_token, connector_token) = sb.tokens("conn_login_required").await;
    let (public_token, metadata) = sb.link_success(&link_token).await;
    assert!(public_token.starts_with("public-sandbox-"));
    assert_eq!(metadata["institution"]["name"], "Capital One");
    assert!(metadata.get("public_token").is_none());

    let payload = sb.close(&connector_token, &public_token, metadata).await;
    assert_eq!(payload["success"], true, "{payload}");
    assert_eq!(payload["errors"], Value::Null);
    let record = &payload["record"];
    assert_eq!(record["id"], "conn_login_required");
    assert_eq!(record["accounts"].as_array().unwrap().len(), 2);
    assert_eq!(record["accounts"][0]["name"], "360 Checking");
    assert_eq!(record["institution"]["name"], "Capital One");
    let logo = base64::engine::general_purpose::STANDARD
        .decode(record["institution"]["logo"].as_str().unwrap())
        .expect("logo is base64");
    assert_eq!(&logo[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&logo[12..16], b"IHDR");

    // The connection is repaired: initialize now answers CONTINUE.
    let (_, body) = sb
        .gql(
            "query($id: ID!) { connection(id: $id) { id status accounts { id name mask type subtype } institution { name logo } } }",
            json!({ "id": "conn_login_required" }),
        )
        .await;
    let connection = &body["data"]["connection"];
    assert_eq!(connection["status"], "SYNCED", "{body}");
    assert_eq!(connection["accounts"][1]["subtype"], "savings");
    assert_eq!(connection["accounts"][1]["type"], "depository");
    assert_eq!(
        sb.initialize("conn_login_required").await["record"]["connectorStatus"],
        "CONTINUE"
    );

    // connectionUpdate, verbatim.
    let (_, body) = sb
        .gql(
            UPDATE_DOC,
            json!({ "input": { "id": "conn_login_required", "metadata": { "nickname": "Joint account", "tags": ["household", 1, null, { "deep": true }] } } }),
        )
        .await;
    let payload = &body["data"]["connectionUpdate"];
    assert_eq!(payload["success"], true, "{body}");
    assert_eq!(payload["errors"], Value::Null);
    assert_eq!(payload["record"]["id"], "conn_login_required");
    assert_eq!(payload["record"]["metadata"]["tags"][3]["deep"], true);
}

#[tokio::test]
async fn public_token_is_single_use() {
    let sb = Sb::start().await;
    let (link_token, connector_token) = sb.tokens("conn_chase_checking").await;
    let (public_token, metadata) = sb.link_success(&link_token).await;
    let first = sb
        .close(&connector_token, &public_token, metadata.clone())
        .await;
    assert_eq!(first["success"], true);
    let second = sb.close(&connector_token, &public_token, metadata).await;
    assert_eq!(second["success"], false);
    assert_eq!(second["record"], Value::Null);
    assert_eq!(second["errors"][0]["code"], "PUBLIC_TOKEN_ALREADY_USED");
    let message = second["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains(&public_token) && !message.contains(&connector_token));
}

#[tokio::test]
async fn close_rejects_wrong_or_unknown_tokens_without_echoing_them() {
    let sb = Sb::start().await;
    let (link_token, connector_token) = sb.tokens("conn_login_required").await;
    let (_, other_connector) = sb.tokens("conn_credit_union").await;
    let (public_token, metadata) = sb.link_success(&link_token).await;

    let cases = [
        (
            other_connector.as_str(),
            public_token.as_str(),
            "INVALID_CONNECTOR_TOKEN",
        ),
        (
            "connector-sandbox-made-up",
            public_token.as_str(),
            "INVALID_CONNECTOR_TOKEN",
        ),
        (
            connector_token.as_str(),
            "public-sandbox-made-up",
            "INVALID_PUBLIC_TOKEN",
        ),
    ];
    for (connector, public, code) in cases {
        let payload = sb.close(connector, public, metadata.clone()).await;
        assert_eq!(payload["success"], false, "{payload}");
        assert_eq!(payload["record"], Value::Null);
        assert_eq!(payload["errors"][0]["code"], code, "{payload}");
        let message = payload["errors"][0]["message"].as_str().unwrap();
        for token in [connector, public, link_token.as_str()] {
            assert!(!message.contains(token), "{message}");
        }
    }
    // The failed attempts did not use up the public token.
    let ok = sb.close(&connector_token, &public_token, metadata).await;
    assert_eq!(ok["success"], true);
    // Still broken: the credit union was not closed.
    let c = sb
        .admin_get("/__sandbox/connections/conn_credit_union")
        .await;
    assert_eq!(c["status"], "ERROR_REPAIRABLE");
}

#[tokio::test]
async fn link_tokens_expire() {
    let sb = Sb::start().await;
    let config = sb
        .admin_post("/__sandbox/config", json!({ "linkTokenTtlSecs": 1 }))
        .await;
    assert_eq!(config["linkTokenTtlSecs"], 1.0);
    let payload = sb.initialize("conn_login_required").await;
    let expiration = parse_iso8601(payload["record"]["expiration"].as_str().unwrap());
    assert!(expiration <= SystemTime::now() + Duration::from_secs(2));
    let link_token = payload["record"]["linkToken"].as_str().unwrap();
    let connector_token = payload["record"]["connectorToken"].as_str().unwrap();
    let (public_token, metadata) = sb.link_success(link_token).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let closed = sb.close(connector_token, &public_token, metadata).await;
    assert_eq!(closed["success"], false);
    assert_eq!(closed["errors"][0]["code"], "EXPIRED");
    // The Link stand-in sees the expired token as invalid.
    let session = sb
        .admin_get(&format!("/__sandbox/link/session?token={link_token}"))
        .await;
    assert_eq!(session["valid"], false);
    assert_eq!(session["errorCode"], "INVALID_LINK_TOKEN");
    let resp = sb
        .client
        .post(sb.url("/__sandbox/link/success"))
        .json(&json!({ "linkToken": link_token }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn metadata_round_trip_and_non_objects_refused() {
    let sb = Sb::start().await;
    let meta = json!({ "a": 1, "nested": { "list": [1, "two", false] }, "unicode": "ü ✓" });
    let (_, body) = sb
        .gql(
            UPDATE_DOC,
            json!({ "input": { "id": "conn_wells_fargo", "metadata": meta } }),
        )
        .await;
    assert_eq!(body["data"]["connectionUpdate"]["record"]["metadata"], meta);
    let (_, body) = sb
        .gql(
            "query { connection(id: \"conn_wells_fargo\") { metadata } }",
            Value::Null,
        )
        .await;
    assert_eq!(body["data"]["connection"]["metadata"], meta);

    for bad in [json!([1, 2]), json!("text"), json!(42), json!(true)] {
        let (_, body) = sb
            .gql(
                UPDATE_DOC,
                json!({ "input": { "id": "conn_wells_fargo", "metadata": bad } }),
            )
            .await;
        let payload = &body["data"]["connectionUpdate"];
        assert_eq!(payload["success"], false, "{body}");
        assert_eq!(payload["record"], Value::Null);
        assert!(payload["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("metadata must be a JSON object"));
    }
    // Refusals left the stored value alone.
    let stored = sb
        .admin_get("/__sandbox/connections/conn_wells_fargo")
        .await;
    assert_eq!(stored["metadata"], meta);

    // Unknown id.
    let (_, body) = sb
        .gql(
            UPDATE_DOC,
            json!({ "input": { "id": "conn_nope", "metadata": {} } }),
        )
        .await;
    assert_eq!(body["data"]["connectionUpdate"]["success"], false);
    assert!(body["data"]["connectionUpdate"]["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("conn_nope"));
}

#[tokio::test]
async fn selecting_code_on_update_errors_fails_validation() {
    let sb = Sb::start().await;
    let (status, body) = sb
        .gql(
            "mutation($input: ConnectionUpdateInput!) { connectionUpdate(input: $input) { errors { code message } success } }",
            json!({ "input": { "id": "conn_healthy", "metadata": {} } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("code"), "{message}");
    assert_eq!(
        body.get("data").cloned().unwrap_or(Value::Null),
        Value::Null
    );
    // And `path` exists.
    let (_, body) = sb
        .gql(
            "mutation { connectionUpdate(input: { id: \"conn_healthy\", metadata: 3 }) { errors { message path } success } }",
            Value::Null,
        )
        .await;
    assert_eq!(
        body["data"]["connectionUpdate"]["errors"][0]["path"],
        json!(["input", "metadata"])
    );
}

#[tokio::test]
async fn client_mutation_id_is_echoed() {
    let sb = Sb::start().await;
    let (_, body) = sb
        .gql(
            "mutation($input: ConnectorPlaidInitializeInput) { connectorPlaidInitialize(input: $input) { clientMutationId success } }",
            json!({ "input": { "clientMutationId": "cm-1", "connectionId": "conn_nope", "features": "IDENTITY" } }),
        )
        .await;
    assert_eq!(
        body["data"]["connectorPlaidInitialize"]["clientMutationId"],
        "cm-1"
    );
    let (_, body) = sb
        .gql(
            "mutation($input: ConnectorPlaidCloseInput) { connectorPlaidClose(input: $input) { clientMutationId success } }",
            json!({ "input": { "clientMutationId": "cm-2", "connectorToken": "x", "publicToken": "y", "metadata": {} } }),
        )
        .await;
    assert_eq!(
        body["data"]["connectorPlaidClose"]["clientMutationId"],
        "cm-2"
    );
    let (_, body) = sb
        .gql(
            "mutation($input: ConnectionUpdateInput!) { connectionUpdate(input: $input) { clientMutationId success } }",
            json!({ "input": { "clientMutationId": "cm-3", "id": "conn_healthy" } }),
        )
        .await;
    assert_eq!(body["data"]["connectionUpdate"]["clientMutationId"], "cm-3");
    assert_eq!(body["data"]["connectionUpdate"]["success"], true);
    let (_, body) = sb
        .gql(
            "mutation { connectionSimulateError(input: { clientMutationId: \"cm-4\", id: \"conn_healthy\" }) { clientMutationId success } }",
            Value::Null,
        )
        .await;
    assert_eq!(
        body["data"]["connectionSimulateError"]["clientMutationId"],
        "cm-4"
    );
}

#[tokio::test]
async fn simulate_error_breaks_a_healthy_connection() {
    let sb = Sb::start().await;
    assert_eq!(
        sb.initialize("conn_wells_fargo").await["record"]["connectorStatus"],
        "CONTINUE"
    );
    let (_, body) = sb
        .gql(
            "mutation($input: ConnectionSimulateErrorInput!) { connectionSimulateError(input: $input) { success record { id status } errors { message } } }",
            json!({ "input": { "id": "conn_wells_fargo" } }),
        )
        .await;
    let payload = &body["data"]["connectionSimulateError"];
    assert_eq!(payload["success"], true, "{body}");
    assert_eq!(payload["record"]["status"], "ERROR_REPAIRABLE");
    assert_eq!(
        sb.initialize("conn_wells_fargo").await["record"]["connectorStatus"],
        "ACTION_REQUIRED"
    );
    let (_, body) = sb
        .gql(
            "mutation { connectionSimulateError(input: { id: \"conn_nope\" }) { success errors { message } } }",
            Value::Null,
        )
        .await;
    assert_eq!(body["data"]["connectionSimulateError"]["success"], false);
}

#[tokio::test]
async fn close_document_needs_its_required_fields() {
    let sb = Sb::start().await;
    let (_, body) = sb
        .gql(
            CLOSE_DOC,
            json!({ "input": { "connectorToken": "x", "publicToken": "y" } }),
        )
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("metadata"), "{message}");
}

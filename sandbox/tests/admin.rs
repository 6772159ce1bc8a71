//! Admin endpoints: request log, reset, seed, inspection, Link stand-in endpoints, CORS.

mod common;

use common::{init_input, Sb, INITIALIZE_DOC};
use quiltt_sandbox::SchemaGeneration;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn request_log_records_operations_variables_status_and_auth() {
    let sb = Sb::start_schema(SchemaGeneration::V2024).await;
    let mut variables = json!({ "input": init_input(SchemaGeneration::V2024, "conn_healthy") });
    variables["input"]["extra"] = json!([1, 2]);
    let body = json!({ "query": INITIALIZE_DOC, "operationName": "ConnectorPlaidInitialize", "variables": variables });
    sb.post_graphql(None, body.clone()).await;
    sb.post_graphql(Some("Bearer wrong-token-value"), body.clone())
        .await;
    sb.post_graphql(Some("Bearer sandbox-session-token"), body.clone())
        .await;
    sb.gql(
        common::UPDATE_DOC,
        json!({ "input": { "id": "conn_healthy", "metadata": { "k": "v" } } }),
    )
    .await;

    let log = sb.admin_get("/__sandbox/requests").await;
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 4, "{log}");
    assert_eq!(entries[0]["operation"], "connectorPlaidInitialize");
    assert_eq!(entries[0]["operationName"], "ConnectorPlaidInitialize");
    assert_eq!(entries[0]["authorization"], "missing");
    assert_eq!(entries[0]["status"], 401);
    assert_eq!(entries[1]["authorization"], "wrong");
    assert_eq!(entries[2]["authorization"], "present");
    assert_eq!(entries[2]["status"], 200);
    // Its variables have a field the input type lacks: refused before anything ran. The
    // unauthorized ones never reached the schema; the update ran.
    let refused: Vec<&Value> = entries.iter().map(|e| &e["refused"]).collect();
    let null = Value::Null;
    assert_eq!(refused, [&null, &null, &json!("input"), &null]);
    // Variables as received (even a field the schema does not know).
    assert_eq!(entries[2]["variables"], variables);
    assert_eq!(entries[3]["operation"], "connectionUpdate");
    assert_eq!(entries[3]["variables"]["input"]["metadata"]["k"], "v");
    let text = log.to_string();
    assert!(!text.contains("sandbox-session-token"));
    assert!(!text.contains("wrong-token-value"));

    sb.admin_delete("/__sandbox/requests").await;
    assert_eq!(sb.admin_get("/__sandbox/requests").await, json!([]));
}

#[tokio::test]
async fn non_json_and_non_graphql_bodies_are_400() {
    let sb = Sb::start().await;
    let resp = sb
        .client
        .post(sb.url("/v1/graphql"))
        .header("Authorization", "Bearer sandbox-session-token")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    let resp = sb
        .post_graphql(Some("Bearer sandbox-session-token"), json!({ "nope": 1 }))
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn seeded_connections_are_listed() {
    let sb = Sb::start().await;
    let list = sb.admin_get("/__sandbox/connections").await;
    let list = list.as_array().unwrap();
    assert!(list.len() >= 5);
    let find = |id: &str| list.iter().find(|c| c["id"] == id).cloned().unwrap();
    assert_eq!(find("conn_healthy")["status"], "SYNCED");
    assert_eq!(find("conn_login_required")["status"], "ERROR_REPAIRABLE");
    assert_eq!(find("conn_chase_checking")["institution"]["name"], "Chase");
    assert_eq!(find("conn_wells_fargo")["status"], "SYNCED");
    let oauth = find("conn_oauth");
    assert_eq!(oauth["status"], "ERROR_REPAIRABLE");
    assert_eq!(oauth["oauth"], true);
    assert_eq!(oauth["institution"]["name"], "Citibank Online");
    assert_eq!(find("conn_healthy")["oauth"], false);
    let cu = find("conn_credit_union");
    assert_eq!(cu["institution"]["name"], "Navy Federal Credit Union");
    assert_eq!(cu["accounts"].as_array().unwrap().len(), 4);
    for c in list {
        let n = c["accounts"].as_array().unwrap().len();
        assert!((1..=4).contains(&n));
        for a in c["accounts"].as_array().unwrap() {
            assert!(a["name"].is_string() && a["mask"].is_string() && a["type"].is_string());
        }
    }
    let one = sb.admin_get("/__sandbox/connections/conn_healthy").await;
    assert_eq!(one["institution"]["name"], "Bank of America");
    let resp = sb
        .client
        .get(sb.url("/__sandbox/connections/conn_nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn seed_creates_and_replaces_connections() {
    let sb = Sb::start_schema(SchemaGeneration::V2024).await;
    let created = sb
        .admin_post(
            "/__sandbox/seed",
            json!({
                "id": "conn_test_seed",
                "status": "ERROR_REPAIRABLE",
                "institution": { "name": "Ally Bank" },
                "accounts": [{ "name": "Online Savings", "mask": "9876", "type": "depository", "subtype": "savings" }],
                "oauth": true,
                "linkBehavior": { "mode": "success", "delayMs": 10 }
            }),
        )
        .await;
    assert_eq!(created["id"], "conn_test_seed");
    assert_eq!(created["oauth"], true);
    assert_eq!(created["accounts"][0]["id"], "acct_conn_test_seed_1");
    assert_eq!(created["linkBehavior"]["mode"], "success");
    let payload = sb.initialize("conn_test_seed").await;
    assert_eq!(payload["record"]["connectorStatus"], "ACTION_REQUIRED");
    let link_token = payload["record"]["linkToken"].as_str().unwrap();
    let session = sb
        .admin_get(&format!("/__sandbox/link/session?token={link_token}"))
        .await;
    assert_eq!(session["valid"], true);
    assert_eq!(session["errorCode"], Value::Null);
    assert_eq!(session["institution"]["name"], "Ally Bank");
    assert_eq!(session["accounts"][0]["mask"], "9876");
    assert_eq!(session["accounts"][0]["verification_status"], Value::Null);
    assert_eq!(session["behavior"]["mode"], "success");
    assert_eq!(session["oauth"], true);
    assert_eq!(session["oauthRedirect"], false);

    // Replace: healthy now; defaults for institution and accounts.
    let replaced = sb
        .admin_post(
            "/__sandbox/seed",
            json!({ "id": "conn_test_seed", "status": "SYNCED" }),
        )
        .await;
    assert_eq!(replaced["status"], "SYNCED");
    assert_eq!(replaced["institution"]["name"], "First Platypus Bank");
    assert_eq!(replaced["accounts"].as_array().unwrap().len(), 2);
    assert_eq!(
        sb.initialize("conn_test_seed").await["record"]["connectorStatus"],
        "CONTINUE"
    );

    for bad in [
        json!({ "status": "SYNCED" }),
        json!({ "id": "x", "status": "BROKEN" }),
        json!({ "id": "x", "metadata": [1] }),
    ] {
        let resp = sb
            .client
            .post(sb.url("/__sandbox/seed"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn link_session_and_success_shapes() {
    let sb = Sb::start().await;
    let invalid = sb
        .admin_get("/__sandbox/link/session?token=link-sandbox-nope")
        .await;
    assert_eq!(invalid["valid"], false);
    assert_eq!(invalid["errorCode"], "INVALID_LINK_TOKEN");
    assert_eq!(invalid["institution"], Value::Null);

    let (link_token, _) = sb.tokens("conn_chase_checking").await;
    let body = sb
        .admin_post(
            "/__sandbox/link/success",
            json!({ "linkToken": link_token, "linkSessionId": "link-session-abc" }),
        )
        .await;
    assert!(body["publicToken"]
        .as_str()
        .unwrap()
        .starts_with("public-sandbox-"));
    let metadata = &body["metadata"];
    assert_eq!(metadata["link_session_id"], "link-session-abc");
    assert_eq!(metadata["institution"]["institution_id"], "ins_56");
    assert_eq!(metadata["institution"]["name"], "Chase");
    assert_eq!(metadata["accounts"][0]["subtype"], "checking");
    assert_eq!(metadata["transfer_status"], Value::Null);
    assert!(metadata.get("public_token").is_none());
}

#[tokio::test]
async fn reset_restores_seed_and_clears_everything() {
    let sb = Sb::start().await;
    let (link_token, connector_token) = sb.tokens("conn_login_required").await;
    let (public_token, metadata) = sb.link_success(&link_token).await;
    assert_eq!(
        sb.close(&connector_token, &public_token, metadata).await["success"],
        true
    );
    sb.admin_post("/__sandbox/seed", json!({ "id": "conn_extra" }))
        .await;
    sb.admin_post(
        "/__sandbox/faults",
        json!({ "connectionUpdate": { "status": 500 } }),
    )
    .await;
    sb.admin_post(
        "/__sandbox/config",
        json!({ "linkTokenTtlSecs": 5, "schema": "2023", "syncDelayMs": 700, "syncOutcome": "ERROR_SERVICE" }),
    )
    .await;
    sb.client
        .get(sb.url(quiltt_sandbox::LINK_SCRIPT_PATH))
        .send()
        .await
        .unwrap();

    assert_eq!(
        sb.admin_post("/__sandbox/reset", json!({})).await["ok"],
        true
    );

    assert_eq!(
        sb.admin_get("/__sandbox/connections/conn_login_required")
            .await["status"],
        "ERROR_REPAIRABLE"
    );
    let resp = sb
        .client
        .get(sb.url("/__sandbox/connections/conn_extra"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(sb.admin_get("/__sandbox/faults").await, json!({}));
    assert_eq!(sb.admin_get("/__sandbox/requests").await, json!([]));
    assert_eq!(
        sb.admin_get("/__sandbox/config").await,
        json!({ "linkTokenTtlSecs": 1800.0, "schema": "2025", "syncDelayMs": 0, "syncOutcome": "SYNCED" })
    );
    assert_eq!(sb.admin_get("/__sandbox/script-loads").await["count"], 0);
    // Tokens from before the reset are gone.
    let session = sb
        .admin_get(&format!("/__sandbox/link/session?token={link_token}"))
        .await;
    assert_eq!(session["valid"], false);
}

#[tokio::test]
async fn cors_allows_browser_calls_from_other_origins() {
    let sb = Sb::start().await;
    let resp = sb
        .client
        .request(reqwest::Method::OPTIONS, sb.url("/v1/graphql"))
        .header("Origin", "http://127.0.0.1:9999")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    let methods = h["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_ascii_uppercase();
    assert!(methods.contains("POST") && methods.contains("GET") && methods.contains("OPTIONS"));
    let headers = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(headers.contains("authorization") && headers.contains("content-type"));

    // A 401 carries CORS headers too, so a browser can read it.
    let resp = sb
        .client
        .post(sb.url("/v1/graphql"))
        .header("Origin", "http://127.0.0.1:9999")
        .json(&json!({ "query": "{ connections { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let expose = resp.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    assert!(expose.to_ascii_lowercase().contains("retry-after"));
}

#[tokio::test]
async fn expire_first_token_makes_link_reject_one_token_then_accept_the_next() {
    let sb = Sb::start().await;
    sb.admin_post(
        "/__sandbox/seed",
        json!({ "id": "c_expire_once", "linkBehavior": { "mode": "success", "expireFirstToken": true } }),
    )
    .await;
    let (first, _) = sb.tokens("c_expire_once").await;
    let session = sb
        .admin_get(&format!("/__sandbox/link/session?token={first}"))
        .await;
    assert_eq!(session["valid"], false);
    assert_eq!(session["errorCode"], "INVALID_LINK_TOKEN");
    let (second, _) = sb.tokens("c_expire_once").await;
    let session = sb
        .admin_get(&format!("/__sandbox/link/session?token={second}"))
        .await;
    assert_eq!(session["valid"], true);
    assert_eq!(session["behavior"]["mode"], "success");
}

#[tokio::test]
async fn the_request_log_names_the_connection_a_close_is_about() {
    let sb = Sb::start().await;
    let (link_token, connector_token) = sb.tokens("conn_login_required").await;
    let (public_token, metadata) = sb.link_success(&link_token).await;
    sb.close(&connector_token, &public_token, metadata).await;
    let log = sb.admin_get("/__sandbox/requests").await;
    let ids: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["connectionId"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(ids, ["conn_login_required", "conn_login_required"]);
}

#[tokio::test]
async fn config_reports_and_switches_the_schema_generation() {
    let sb = Sb::start_schema(SchemaGeneration::V2023).await;
    assert_eq!(sb.admin_get("/__sandbox/config").await["schema"], "2023");
    for (spelled, schema) in [
        ("2024-08", "2024"),
        ("2025", "2025"),
        ("2025-04", "2025"),
        ("no-plaid", "no-plaid"),
        ("2023-08", "2023"),
    ] {
        let config = sb
            .admin_post("/__sandbox/config", json!({ "schema": spelled }))
            .await;
        assert_eq!(config["schema"], schema);
    }
    for bad in [
        json!({ "schema": "2026" }),
        json!({ "schema": 2023 }),
        json!({ "schema": "noplaid" }),
    ] {
        let resp = sb
            .client
            .post(sb.url("/__sandbox/config"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    // A reset goes back to the generation the sandbox was started with.
    sb.admin_post("/__sandbox/reset", json!({})).await;
    assert_eq!(sb.admin_get("/__sandbox/config").await["schema"], "2023");
}

#[tokio::test]
async fn oauth_redirect_round_trip_binds_the_state_to_the_link_token() {
    let sb = Sb::start().await;
    let mut input = init_input(sb.generation(), "conn_oauth");
    input["redirectUri"] = json!("http://127.0.0.1:9/oauth-return.html?app=1");
    let (link_token, connector_token) = sb.tokens_with(input).await;
    let session = sb
        .admin_get(&format!("/__sandbox/link/session?token={link_token}"))
        .await;
    assert_eq!(session["oauth"], true);
    assert_eq!(session["oauthRedirect"], true);
    assert_eq!(session["institution"]["institution_id"], "ins_5");

    let start = sb
        .admin_post(
            "/__sandbox/link/oauth/start",
            json!({ "linkToken": link_token }),
        )
        .await;
    let state = start["oauthStateId"].as_str().unwrap();
    let redirect = start["redirectUrl"].as_str().unwrap();
    assert_eq!(
        redirect,
        format!("http://127.0.0.1:9/oauth-return.html?app=1&oauth_state_id={state}")
    );

    let post = |body: Value| {
        let request = sb
            .client
            .post(sb.url("/__sandbox/link/oauth/resume"))
            .json(&body);
        async move {
            let resp = request.send().await.unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };
    // Another link token (another Link session) with this state: Plaid's INCORRECT_LINK_TOKEN.
    let (other_link, _) = sb.tokens("conn_login_required").await;
    let (status, body) =
        post(json!({ "linkToken": other_link, "receivedRedirectUri": redirect })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errorType"], "OAUTH_ERROR");
    assert_eq!(body["errorCode"], "INCORRECT_LINK_TOKEN");
    // A state Link never handed out.
    let (status, body) = post(json!({ "linkToken": link_token, "receivedRedirectUri": "http://127.0.0.1:9/oauth-return.html?oauth_state_id=made-up" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errorCode"], "OAUTH_STATE_ID_NOT_FOUND");
    // The right one resumes, once.
    let (status, body) =
        post(json!({ "linkToken": link_token, "receivedRedirectUri": redirect })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["valid"], true);
    assert_eq!(body["connectionId"], "conn_oauth");
    let (status, body) =
        post(json!({ "linkToken": link_token, "receivedRedirectUri": redirect })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errorCode"], "OAUTH_STATE_ID_ALREADY_PROCESSED");

    // Link then succeeds as usual; the original connector token closes.
    let (public_token, metadata) = sb.link_success(&link_token).await;
    assert_eq!(metadata["institution"]["name"], "Citibank Online");
    let closed = sb.close(&connector_token, &public_token, metadata).await;
    assert_eq!(closed["success"], true, "{closed}");
    assert_eq!(closed["record"]["id"], "conn_oauth");

    // Without redirectUri there is nowhere to send the user.
    let (plain, _) = sb.tokens("conn_login_required").await;
    let resp = sb
        .client
        .post(sb.url("/__sandbox/link/oauth/start"))
        .json(&json!({ "linkToken": plain }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errorCode"], "INVALID_FIELD");
}

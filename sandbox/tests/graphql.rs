//! The GraphQL endpoint over real HTTP: auth, seeded states, token rules, metadata, in every
//! schema generation (the default, 2025, unless a test says otherwise; tests written against
//! 2024's record fields say 2024). `tests/generations.rs` covers what 2025 and no-plaid add.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use common::{
    close_input, init_input, initialize_doc, plaid_generations, Sb, CLOSE_DOC, INITIALIZE_DOC,
    INITIALIZE_DOC_2025, PAGE_CLOSE_DOC, PAGE_INITIALIZE_DOC, UPDATE_DOC,
};
use quiltt_sandbox::SchemaGeneration::{self, V2023, V2024, V2025};
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
    let body = json!({ "query": INITIALIZE_DOC, "variables": { "input": init_input(V2024, "conn_healthy") } });
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
    let sb = Sb::start_schema(V2024).await;
    let payload = sb
        .initialize_with(
            json!({ "connectionId": "conn_healthy", "featuresRequired": ["TRANSACTIONS"] }),
        )
        .await;
    assert_eq!(payload["success"], true);
    assert_eq!(payload["errors"], Value::Null);
    let record = &payload["record"];
    assert_eq!(record["connectorStatus"], "CONTINUE");
    assert_eq!(record["connectorToken"], Value::Null);
    assert_eq!(record["linkToken"], Value::Null);
    assert!(record["requestId"].as_str().is_some());
    // With account selection, a healthy connection gets a Link session to add accounts in.
    let payload = sb.initialize("conn_healthy").await;
    let record = &payload["record"];
    assert_eq!(record["connectorStatus"], "CONTINUE");
    assert!(record["linkToken"].as_str().is_some(), "{payload}");
    assert!(record["connectorToken"].as_str().is_some(), "{payload}");
}

#[tokio::test]
async fn broken_connections_need_action_with_fresh_tokens() {
    let sb = Sb::start_schema(V2024).await;
    for id in [
        "conn_login_required",
        "conn_chase_checking",
        "conn_credit_union",
        "conn_service_error",
        "conn_oauth",
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
    let sb = Sb::start_schema(V2024).await;
    let payload = sb.initialize("conn_does_not_exist").await;
    assert_eq!(payload["success"], false);
    assert_eq!(payload["record"], Value::Null);
    let error = &payload["errors"][0];
    assert_eq!(error["code"], "NOT_FOUND");
    assert_eq!(
        error["message"],
        "Connection conn_does_not_exist was not found"
    );
    assert_eq!(error["type"], "INVALID_REQUEST");
    assert!(
        error["displayMessage"].as_str().unwrap().len() > 10,
        "{error}"
    );
    assert!(error["requestId"]
        .as_str()
        .unwrap()
        .starts_with("req-sandbox-"));
    let (_, body) = sb
        .gql(
            INITIALIZE_DOC,
            json!({ "input": { "featuresRequired": ["TRANSACTIONS"] } }),
        )
        .await;
    let payload = &body["data"]["connectorPlaidInitialize"];
    assert_eq!(payload["success"], false);
    assert_eq!(payload["errors"][0]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn the_three_mutations_require_their_input() {
    for generation in SchemaGeneration::ALL {
        let sb = Sb::start_schema(generation).await;
        let documents = [
            (initialize_doc(generation), "ConnectorPlaidInitializeInput"),
            (CLOSE_DOC, "ConnectorPlaidCloseInput"),
            (UPDATE_DOC, "ConnectionUpdateInput"),
        ];
        let plaid = if generation.has_plaid() { 0 } else { 2 };
        for (doc, name) in &documents[plaid..] {
            let message = sb.gql_error(doc, json!({ "input": null })).await;
            assert!(message.contains("input"), "{generation}: {message}");
            let message = sb.gql_error(doc, json!({})).await;
            assert!(message.contains("input"), "{generation}: {message}");
            // A nullable variable cannot feed the required argument.
            let nullable = doc.replace(&format!("{name}!"), name);
            let message = sb.gql_error(&nullable, json!({ "input": null })).await;
            assert!(message.contains(name), "{generation}: {message}");
        }
        let inline = [
            "mutation { connectorPlaidInitialize(input: null) { success } }",
            "mutation { connectorPlaidClose { success } }",
            "mutation { connectionUpdate(input: null) { success } }",
        ];
        for inline in &inline[plaid..] {
            let message = sb.gql_error(inline, Value::Null).await;
            assert!(message.contains("input"), "{generation}: {message}");
        }
    }
}

#[tokio::test]
async fn the_reference_pages_documents_are_refused_as_by_the_live_api() {
    for generation in plaid_generations() {
        let sb = Sb::start_schema(generation).await;
        let message = sb
            .gql_error(
                PAGE_INITIALIZE_DOC,
                json!({ "input": init_input(generation, "conn_login_required") }),
            )
            .await;
        assert!(
            message.contains("ConnectorPlaidInitializeInput!"),
            "{generation}: {message}"
        );
        let close =
            PAGE_CLOSE_DOC.replace("ConnectorPlaidCloseInput)", "ConnectorPlaidCloseInput!)");
        let message = sb
            .gql_error(
                &close,
                json!({ "input": close_input(generation, "x", "y", json!({})) }),
            )
            .await;
        assert!(message.contains("logo"), "{generation}: {message}");
    }
}

#[tokio::test]
async fn features_are_an_optional_list_in_2023_and_required_as_features_required_in_2024() {
    let sb = Sb::start_schema(V2023).await;
    let input = |extra: Value| {
        let mut input = json!({ "connectionId": "conn_login_required" });
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        input
    };
    for features in [
        json!({ "features": ["TRANSACTIONS", "IDENTITY"] }),
        json!({ "features": "ACCOUNT_VERIFICATION" }),
        json!({}),
        json!({ "features": null }),
    ] {
        let payload = sb.initialize_with(input(features.clone())).await;
        assert_eq!(payload["success"], true, "{features}: {payload}");
        assert_eq!(payload["record"]["connectorStatus"], "ACTION_REQUIRED");
    }
    // Inline, a single enum value is coerced to a list too.
    let (_, body) = sb
        .gql(
            "mutation { connectorPlaidInitialize(input: { connectionId: \"conn_healthy\", features: TRANSACTIONS }) { success } }",
            Value::Null,
        )
        .await;
    assert_eq!(
        body["data"]["connectorPlaidInitialize"]["success"], true,
        "{body}"
    );
    for refused in [
        json!({ "featuresRequired": ["TRANSACTIONS"] }),
        json!({ "features": ["BALANCES"] }),
    ] {
        let message = sb
            .gql_error(INITIALIZE_DOC, json!({ "input": input(refused.clone()) }))
            .await;
        assert!(
            message.contains("featuresRequired") || message.contains("BALANCES"),
            "{refused}: {message}"
        );
    }

    sb.use_schema(V2024).await;
    for features in [
        json!({ "featuresRequired": ["TRANSACTIONS"] }),
        json!({ "featuresRequired": "BALANCES", "featuresOptional": ["ACCOUNT_OWNERS"] }),
    ] {
        let payload = sb.initialize_with(input(features.clone())).await;
        assert_eq!(payload["success"], true, "{features}: {payload}");
    }
    for (refused, why) in [
        (json!({}), "featuresRequired"),
        (json!({ "featuresRequired": null }), "featuresRequired"),
        (
            json!({ "featuresRequired": ["TRANSACTIONS"], "features": ["TRANSACTIONS"] }),
            "features",
        ),
        (
            json!({ "featuresRequired": ["TRANSACTIONS"], "euConfig": { "headless": true } }),
            "euConfig",
        ),
        (json!({ "featuresRequired": ["IDENTITY"] }), "IDENTITY"),
    ] {
        let message = sb
            .gql_error(INITIALIZE_DOC, json!({ "input": input(refused.clone()) }))
            .await;
        assert!(message.contains(why), "{refused}: {message}");
    }
    let message = sb
        .gql_error(
            "mutation { connectorPlaidInitialize(input: { connectionId: \"conn_healthy\" }) { success } }",
            Value::Null,
        )
        .await;
    assert!(message.contains("featuresRequired"), "{message}");
}

#[tokio::test]
async fn every_initialize_input_field_of_each_generation_is_accepted() {
    let v2023 = json!({
        "accountFilters": {
            "depository": { "accountSubtypes": ["checking", "savings"] },
            "credit": { "accountSubtypes": ["credit card"] },
            "loan": { "accountSubtypes": ["all"] },
            "investment": { "accountSubtypes": ["all"] }
        },
        "additionalConsentedProducts": ["identity"],
        "androidPackageName": null,
        "auth": {
            "authTypeSelectEnabled": true,
            "automatedMicrodepositsEnabled": false,
            "flowType": "FLEXIBLE_AUTH",
            "instantMatchEnabled": true,
            "sameDayMicrodepositsEnabled": false
        },
        "clientMutationId": "cm-all",
        "clientName": "Reconnect Demo",
        "connectionId": "conn_login_required",
        "countryCodes": ["US"],
        "euConfig": { "headless": false },
        "features": ["ACCOUNT_VERIFICATION"],
        "language": "en",
        "linkCustomizationName": "default",
        "products": ["transactions"],
        "redirectUri": "https://app.example/oauth",
        "update": { "accountSelectionEnabled": true }
    });
    let v2024 = json!({
        "accountFilters": {
            "depository": { "accountSubtypes": ["checking", "savings"] },
            "credit": { "accountSubtypes": ["credit card"] },
            "loan": { "accountSubtypes": ["all"] },
            "investment": { "accountSubtypes": ["all"] },
            "other": { "accountSubtypes": ["all"] }
        },
        "androidPackageName": null,
        "auth": {
            "authTypeSelectEnabled": true,
            "automatedMicrodepositsEnabled": false,
            "databaseInsightsEnabled": false,
            "databaseMatchEnabled": false,
            "flowType": "FLEXIBLE_AUTH",
            "instantMatchEnabled": true,
            "instantMicrodepositsEnabled": false,
            "rerouteToCredentials": "OPTIONAL",
            "sameDayMicrodepositsEnabled": false,
            "smsMicrodepositsVerificationEnabled": true
        },
        "clientMutationId": "cm-all",
        "clientName": "Reconnect Demo",
        "connectionId": "conn_login_required",
        "countryCodes": ["US"],
        "featuresOptional": ["BALANCES"],
        "featuresRequired": ["TRANSACTIONS", "ACCOUNT_NUMBERS"],
        "institutionData": { "routingNumber": "021000021" },
        "language": "en",
        "linkCustomizationName": "default",
        "optionalProducts": ["identity"],
        "portalId": null,
        "products": ["transactions"],
        "redirectUri": "https://app.example/oauth",
        "transactions": { "daysRequested": 730 },
        "update": { "accountSelectionEnabled": true }
    });
    // 2025 renamed portalId to portalsProviderId and the features.
    let mut v2025 = v2024.clone();
    let fields = v2025.as_object_mut().unwrap();
    fields.remove("portalId");
    fields.insert("portalsProviderId".into(), Value::Null);
    fields.insert(
        "featuresRequired".into(),
        json!(["ACCOUNT_BALANCES_AND_TRANSACTIONS", "ACCOUNT_NUMBERS"]),
    );
    fields.insert(
        "featuresOptional".into(),
        json!(["ACCOUNT_BALANCE_REFRESHES", "ACCOUNT_STATEMENTS"]),
    );
    for (generation, input) in [(V2023, v2023), (V2024, v2024.clone()), (V2025, v2025)] {
        let sb = Sb::start_schema(generation).await;
        let payload = sb.initialize_with(input).await;
        assert_eq!(payload["success"], true, "{generation}: {payload}");
        assert_eq!(payload["clientMutationId"], "cm-all");
        assert_eq!(sb.record_status(&payload), "ACTION_REQUIRED");
        // accountSelectionEnabled is update mode's only option in every generation.
        let mut input = init_input(generation, "conn_login_required");
        input["update"] = json!({ "reauthorizationEnabled": true });
        let message = sb
            .gql_error(initialize_doc(generation), json!({ "input": input }))
            .await;
        assert!(
            message.contains("unknown field \"reauthorizationEnabled\""),
            "{generation}: {message}"
        );
    }
    // 2024's input is not 2025's.
    let sb = Sb::start_schema(V2025).await;
    let message = sb
        .gql_error(INITIALIZE_DOC_2025, json!({ "input": v2024 }))
        .await;
    assert!(
        message.contains("portalId") || message.contains("BALANCES"),
        "{message}"
    );
}

#[tokio::test]
async fn records_and_errors_have_each_generations_types() {
    let sb = Sb::start_schema(V2023).await;
    let typename = "mutation($input: ConnectorPlaidInitializeInput!) { connectorPlaidInitialize(input: $input) { record { __typename connectorStatus } errors { __typename } } }";
    let (_, body) = sb
        .gql(
            typename,
            json!({ "input": init_input(V2023, "conn_login_required") }),
        )
        .await;
    assert_eq!(
        body["data"]["connectorPlaidInitialize"]["record"]["__typename"],
        "PlaidConnector"
    );
    let message = sb
        .gql_error(
            "mutation($input: ConnectorPlaidInitializeInput!) { connectorPlaidInitialize(input: $input) { record { hostedLinkUrl } } }",
            json!({ "input": init_input(V2023, "conn_login_required") }),
        )
        .await;
    assert!(message.contains("hostedLinkUrl"), "{message}");

    sb.use_schema(V2024).await;
    let (_, body) = sb
        .gql(
            "mutation($input: ConnectorPlaidInitializeInput!) { connectorPlaidInitialize(input: $input) { record { __typename connectorStatus hostedLinkUrl } } }",
            json!({ "input": init_input(V2024, "conn_login_required") }),
        )
        .await;
    let record = &body["data"]["connectorPlaidInitialize"]["record"];
    assert_eq!(record["__typename"], "PlaidConnectorSession", "{body}");
    assert_eq!(record["hostedLinkUrl"], Value::Null);
    // ConnectorStatus has WAIT and ABORT in 2024 only.
    let (_, body) = sb
        .gql(
            "{ __type(name: \"ConnectorStatus\") { enumValues { name } } }",
            Value::Null,
        )
        .await;
    let values: Vec<&str> = body["data"]["__type"]["enumValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["ABORT", "ACTION_REQUIRED", "CONTINUE", "WAIT"]);
    sb.use_schema(V2023).await;
    let (_, body) = sb
        .gql(
            "{ __type(name: \"ConnectorStatus\") { enumValues { name } } }",
            Value::Null,
        )
        .await;
    assert_eq!(
        body["data"]["__type"]["enumValues"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // PlaidMutationError on a failed close, in every generation with Plaid.
    for generation in plaid_generations() {
        sb.use_schema(generation).await;
        let payload = sb
            .close("connector-sandbox-nope", "public-sandbox-nope", json!({}))
            .await;
        let error = &payload["errors"][0];
        assert_eq!(error["code"], "INVALID_CONNECTOR_TOKEN", "{payload}");
        assert_eq!(error["type"], "INVALID_INPUT");
        assert!(error["displayMessage"]
            .as_str()
            .unwrap()
            .contains("try again"));
        assert!(error["requestId"].is_string());
    }
}

#[tokio::test]
async fn logo_is_an_image_with_a_data_url() {
    for generation in SchemaGeneration::ALL {
        let sb = Sb::start_schema(generation).await;
        // `logos` went in 2025.
        let logos = match generation {
            V2023 | V2024 => "logos { url }",
            _ => "",
        };
        let (_, body) = sb
            .gql(
                &format!("{{ connection(id: \"conn_chase_checking\") {{ institution {{ name logo {{ url _sourcename }} {logos} }} }} }}"),
                Value::Null,
            )
            .await;
        let institution = &body["data"]["connection"]["institution"];
        assert_eq!(institution["name"], "Chase", "{body}");
        // The environment without Plaid has no PLAID image source.
        let source = if generation.has_plaid() {
            "PLAID"
        } else {
            "MOCK"
        };
        assert_eq!(institution["logo"]["_sourcename"], source);
        let url = institution["logo"]["url"].as_str().unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(
                url.strip_prefix("data:image/png;base64,")
                    .expect("a data URL"),
            )
            .expect("base64");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        if !logos.is_empty() {
            assert_eq!(institution["logos"][0]["url"], url);
        }
        let message = sb
            .gql_error(
                "{ connection(id: \"conn_chase_checking\") { institution { logo } } }",
                Value::Null,
            )
            .await;
        assert!(message.contains("logo"), "{generation}: {message}");
    }
}

#[tokio::test]
async fn connection_and_connections_with_a_status_filter() {
    for generation in SchemaGeneration::ALL {
        let sb = Sb::start_schema(generation).await;
        let query = "query($filter: ConnectionFilter) { connections(filter: $filter) { id status institution { name } accounts { id } } }";
        let ids = |body: &Value| -> Vec<String> {
            body["data"]["connections"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let (_, all) = sb.gql(query, json!({ "filter": null })).await;
        assert_eq!(ids(&all).len(), 7, "{all}");
        let (_, broken) = sb
            .gql(
                query,
                json!({ "filter": { "status": ["ERROR_REPAIRABLE"] } }),
            )
            .await;
        assert_eq!(
            ids(&broken),
            [
                "conn_chase_checking",
                "conn_credit_union",
                "conn_login_required",
                "conn_oauth"
            ],
            "{generation}"
        );
        let (_, synced) = sb
            .gql(query, json!({ "filter": { "status": "SYNCED" } }))
            .await;
        assert_eq!(ids(&synced), ["conn_healthy", "conn_wells_fargo"]);
        let (_, none) = sb.gql(query, json!({ "filter": { "status": [] } })).await;
        assert_eq!(ids(&none), Vec::<String>::new());

        let (_, one) = sb
            .gql(
                "query($id: ID!) { connection(id: $id) { id status metadata accounts { id name mask type } } }",
                json!({ "id": "conn_credit_union" }),
            )
            .await;
        let c = &one["data"]["connection"];
        assert_eq!(c["status"], "ERROR_REPAIRABLE");
        let types: Vec<&str> = c["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["CHECKING", "SAVINGS", "CREDIT", "LOAN"]);
        let (_, missing) = sb
            .gql("{ connection(id: \"conn_nope\") { id } }", Value::Null)
            .await;
        assert_eq!(missing["data"]["connection"], Value::Null, "{missing}");
    }
}

#[tokio::test]
async fn each_generation_filters_and_describes_connections_its_own_way() {
    let sb = Sb::start_schema(V2024).await;
    sb.admin_post(
        "/__sandbox/seed",
        json!({ "id": "c_gone", "status": "DISCONNECTED", "metadata": { "team": "a", "n": 1 } }),
    )
    .await;
    let query = "query($filter: ConnectionFilter) { connections(filter: $filter) { id status } }";
    let (_, body) = sb
        .gql(
            query,
            json!({ "filter": { "status_not": ["SYNCED", "ERROR_REPAIRABLE", "ERROR_SERVICE"], "provider": ["PLAID"], "metadata": { "team": "a" } } }),
        )
        .await;
    assert_eq!(
        body["data"]["connections"],
        json!([{ "id": "c_gone", "status": "DISCONNECTED" }])
    );
    let (_, body) = sb
        .gql(query, json!({ "filter": { "provider": ["MX"] } }))
        .await;
    assert_eq!(body["data"]["connections"], json!([]));
    let (_, body) = sb
        .gql(
            "{ connection(id: \"conn_oauth\") { oauth provider features externallyManaged institution { id } accounts { kind type provider } } }",
            Value::Null,
        )
        .await;
    let c = &body["data"]["connection"];
    assert_eq!(c["oauth"], true, "{body}");
    assert_eq!(c["provider"], "PLAID");
    assert_eq!(c["externallyManaged"], false);
    assert_eq!(c["institution"]["id"], "ins_5");
    assert_eq!(
        c["accounts"][0],
        json!({ "kind": "DEPOSITORY", "type": "CHECKING", "provider": "PLAID" })
    );
    assert_eq!(c["accounts"][1]["kind"], "CREDIT");
    let message = sb
        .gql_error(
            "{ connection(id: \"conn_oauth\") { sourceType } }",
            Value::Null,
        )
        .await;
    assert!(message.contains("sourceType"), "{message}");

    sb.use_schema(V2023).await;
    // 2023 has no DISCONNECTED: the sandbox reports it as ERROR_PROVIDER.
    let (_, body) = sb
        .gql(
            "{ connection(id: \"c_gone\") { status sourceType } }",
            Value::Null,
        )
        .await;
    assert_eq!(
        body["data"]["connection"],
        json!({ "status": "ERROR_PROVIDER", "sourceType": "PLAID" })
    );
    let (_, body) = sb
        .gql(
            query,
            json!({ "filter": { "status": ["ERROR_REPAIRABLE"], "source": { "plaid": { "institutionId": "ins_5" } } } }),
        )
        .await;
    assert_eq!(
        body["data"]["connections"],
        json!([{ "id": "conn_oauth", "status": "ERROR_REPAIRABLE" }])
    );
    for absent in ["status_not", "provider"] {
        let message = sb
            .gql_error(query, json!({ "filter": { absent: ["SYNCED"] } }))
            .await;
        assert!(message.contains(absent), "{message}");
    }
    let message = sb
        .gql_error("{ connection(id: \"conn_oauth\") { oauth } }", Value::Null)
        .await;
    assert!(message.contains("oauth"), "{message}");
}

#[tokio::test]
async fn the_clients_documents_run_on_every_generation() {
    // The client's own documents (core/src/quiltt/documents, read at run time) against the sandbox:
    // one named for a generation (`…_2025_04.graphql`) on that generation, the others on every
    // generation; the Plaid ones are refused by the environment without Plaid.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src/quiltt/documents");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: no {}", dir.display());
        return;
    };
    let mut documents: Vec<(String, String)> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "graphql"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    documents.sort();
    let for_generation = |file: &str| {
        SchemaGeneration::ALL.into_iter().find(|g| {
            let suffix = format!("_{}.graphql", g.published().replace('-', "_"));
            g.has_plaid() && file.ends_with(&suffix)
        })
    };
    // Close last: it needs a Link session.
    documents.sort_by_key(|(_, doc)| doc.contains("connectorPlaidClose("));
    for generation in SchemaGeneration::ALL {
        let sb = Sb::start_schema(generation).await;
        for (file, doc) in &documents {
            if for_generation(file).is_some_and(|g| g != generation) {
                continue;
            }
            if !generation.has_plaid() && doc.contains("connectorPlaid") {
                let message = sb.gql_error(doc, json!({ "input": {} })).await;
                assert!(
                    message.to_lowercase().contains("connectorplaid"),
                    "{file}: {message}"
                );
                continue;
            }
            let variables = if doc.contains("connectorPlaidInitialize(") {
                json!({ "input": init_input(generation, "conn_login_required") })
            } else if doc.contains("connectorPlaidClose(") {
                let (link, connector) = sb.tokens("conn_chase_checking").await;
                let (public, metadata) = sb.link_success(&link).await;
                let mut input = close_input(generation, &connector, &public, metadata);
                input["clientMutationId"] = json!("cm");
                json!({ "input": input })
            } else if doc.contains("connectionUpdate(") {
                json!({ "input": { "id": "conn_healthy", "metadata": { "k": "v" } } })
            } else if doc.contains("connections(") {
                json!({ "filter": { "status": ["ERROR_REPAIRABLE"] } })
            } else if doc.contains("connection(") {
                json!({ "id": "conn_healthy" })
            } else {
                eprintln!("{file}: not a document this test knows; skipped");
                continue;
            };
            let (status, body) = sb.gql(doc, variables).await;
            assert_eq!(status, StatusCode::OK, "{file} on {generation}: {body}");
            assert!(
                body.get("errors").is_none(),
                "{file} on {generation}: {body}"
            );
            let data = body["data"].as_object().unwrap();
            let payload = data.values().next().unwrap();
            if let Some(success) = payload.get("success") {
                assert_eq!(success, true, "{file} on {generation}: {body}");
            }
        }
    }
}

#[tokio::test]
async fn close_repairs_and_returns_the_connection() {
    let sb = Sb::start_schema(V2024).await;
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
    assert_eq!(record["status"], "SYNCED");
    assert_eq!(record["accounts"].as_array().unwrap().len(), 2);
    assert_eq!(record["accounts"][0]["name"], "360 Checking");
    assert_eq!(record["accounts"][0]["mask"], "1180");
    assert_eq!(record["accounts"][0]["type"], "CHECKING");
    assert_eq!(record["institution"]["name"], "Capital One");
    let url = record["institution"]["logo"]["url"].as_str().unwrap();
    let logo = base64::engine::general_purpose::STANDARD
        .decode(url.strip_prefix("data:image/png;base64,").unwrap())
        .expect("logo is base64");
    assert_eq!(&logo[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&logo[12..16], b"IHDR");

    // The connection is repaired: initialize now answers CONTINUE.
    let (_, body) = sb
        .gql(
            "query($id: ID!) { connection(id: $id) { id status accounts { id name mask type } } }",
            json!({ "id": "conn_login_required" }),
        )
        .await;
    let connection = &body["data"]["connection"];
    assert_eq!(connection["status"], "SYNCED", "{body}");
    assert_eq!(connection["accounts"][1]["type"], "SAVINGS");
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
    let sb = Sb::start_schema(V2024).await;
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

    // Absent keeps it; null clears it.
    let (_, body) = sb
        .gql(UPDATE_DOC, json!({ "input": { "id": "conn_wells_fargo" } }))
        .await;
    assert_eq!(body["data"]["connectionUpdate"]["record"]["metadata"], meta);
    let (_, body) = sb
        .gql(
            UPDATE_DOC,
            json!({ "input": { "id": "conn_wells_fargo", "metadata": null } }),
        )
        .await;
    assert_eq!(body["data"]["connectionUpdate"]["success"], true);
    assert_eq!(
        body["data"]["connectionUpdate"]["record"]["metadata"],
        Value::Null
    );
    let stored = sb
        .admin_get("/__sandbox/connections/conn_wells_fargo")
        .await;
    assert_eq!(stored["metadata"], Value::Null);

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
    let sb = Sb::start_schema(V2024).await;
    let (_, body) = sb
        .gql(
            "mutation($input: ConnectorPlaidInitializeInput!) { connectorPlaidInitialize(input: $input) { clientMutationId success } }",
            json!({ "input": { "clientMutationId": "cm-1", "connectionId": "conn_nope", "featuresRequired": "BALANCES" } }),
        )
        .await;
    assert_eq!(
        body["data"]["connectorPlaidInitialize"]["clientMutationId"],
        "cm-1"
    );
    let (_, body) = sb
        .gql(
            "mutation($input: ConnectorPlaidCloseInput!) { connectorPlaidClose(input: $input) { clientMutationId success } }",
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
    let sb = Sb::start_schema(V2024).await;
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
async fn close_metadata_is_required_in_2023_and_optional_in_2024() {
    let sb = Sb::start_schema(V2023).await;
    let message = sb
        .gql_error(
            CLOSE_DOC,
            json!({ "input": { "connectorToken": "x", "publicToken": "y" } }),
        )
        .await;
    assert!(message.contains("metadata"), "{message}");
    sb.use_schema(V2024).await;
    let (link_token, connector_token) = sb.tokens("conn_login_required").await;
    let (public_token, _) = sb.link_success(&link_token).await;
    let payload = sb
        .close_with(json!({ "connectorToken": connector_token, "publicToken": public_token }))
        .await;
    assert_eq!(payload["success"], true, "{payload}");
    for required in ["connectorToken", "publicToken"] {
        let mut input = json!({ "connectorToken": "x", "publicToken": "y" });
        input.as_object_mut().unwrap().remove(required);
        let message = sb.gql_error(CLOSE_DOC, json!({ "input": input })).await;
        assert!(message.contains(required), "{message}");
    }
}

#[tokio::test]
async fn a_close_retried_with_its_client_mutation_id_answers_the_same_success() {
    let sb = Sb::start_schema(V2024).await;
    let (link_token, connector_token) = sb.tokens("conn_login_required").await;
    let (public_token, metadata) = sb.link_success(&link_token).await;
    let input = |cmid: Option<&str>| json!({ "connectorToken": connector_token, "publicToken": public_token, "metadata": metadata, "clientMutationId": cmid });
    let first = sb.close_with(input(Some("close-1"))).await;
    assert_eq!(first["success"], true, "{first}");
    // Something changes in between; the retry still answers what the close answered.
    sb.gql(
        UPDATE_DOC,
        json!({ "input": { "id": "conn_login_required", "metadata": { "k": 1 } } }),
    )
    .await;
    let retry = sb.close_with(input(Some("close-1"))).await;
    assert_eq!(retry, first);
    for other in [None, Some("close-2")] {
        let refused = sb.close_with(input(other)).await;
        assert_eq!(refused["success"], false, "{refused}");
        assert_eq!(refused["errors"][0]["code"], "PUBLIC_TOKEN_ALREADY_USED");
    }
    let log = sb.admin_get("/__sandbox/requests").await;
    let replayed: Vec<bool> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == "connectorPlaidClose")
        .map(|e| e["replayed"].as_bool().unwrap())
        .collect();
    assert_eq!(replayed, [false, true, false, false]);
}

//! What the 2025-04 generation (the default) and the environment without Plaid change, over real
//! HTTP: the initialize record's `status`/`token`, the close's `token`, the features, the
//! statuses, the accounts' taxonomy, and the request log's `refused`.

mod common;

use common::{close_input, Sb, CLOSE_DOC, INITIALIZE_DOC, INITIALIZE_DOC_2025, UPDATE_DOC};
use quiltt_sandbox::SchemaGeneration::{self, NoPlaid, V2023, V2024, V2025};
use serde_json::{json, Value};

/// The request log's entries for `operation`.
async fn logged(sb: &Sb, operation: &str) -> Vec<Value> {
    let log = sb.admin_get("/__sandbox/requests").await;
    log.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == operation)
        .cloned()
        .collect()
}

/// The values of enum `name` the served schema has.
async fn enum_values(sb: &Sb, name: &str) -> Vec<String> {
    let (_, body) = sb
        .gql(
            "query($name: String!) { __type(name: $name) { enumValues { name } } }",
            json!({ "name": name }),
        )
        .await;
    body["data"]["__type"]["enumValues"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_default_is_2025_with_status_and_token_in_the_initialize_record() {
    let sb = Sb::start().await;
    assert_eq!(SchemaGeneration::default(), V2025);
    assert_eq!(sb.admin_get("/__sandbox/config").await["schema"], "2025");
    let payload = sb.initialize("conn_login_required").await;
    assert_eq!(payload["success"], true, "{payload}");
    let record = &payload["record"];
    assert_eq!(record["status"], "ACTION_REQUIRED");
    assert!(record["token"]
        .as_str()
        .unwrap()
        .starts_with("connector-sandbox-"));
    assert!(record["linkToken"]
        .as_str()
        .unwrap()
        .starts_with("link-sandbox-"));
    assert!(record["expiration"].as_str().unwrap().ends_with('Z'));
    assert_eq!(record["hostedLinkUrl"], Value::Null);
    assert!(record["requestId"].is_string());

    // A healthy connection without account selection: CONTINUE, no tokens.
    let input = json!({ "connectionId": "conn_healthy", "featuresRequired": ["ACCOUNT_BALANCES_AND_TRANSACTIONS"] });
    let (_, body) = sb
        .gql(
            "mutation($input: ConnectorPlaidInitializeInput!) { connectorPlaidInitialize(input: $input) { record { __typename status token linkToken } } }",
            json!({ "input": input }),
        )
        .await;
    assert_eq!(
        body["data"]["connectorPlaidInitialize"]["record"],
        json!({ "__typename": "PlaidConnectorSession", "status": "CONTINUE", "token": null, "linkToken": null })
    );
    assert_eq!(
        enum_values(&sb, "ConnectorStatus").await,
        ["ABORT", "ACTION_REQUIRED", "CONTINUE", "WAIT"]
    );
}

#[tokio::test]
async fn a_2025_close_takes_token_and_the_log_finds_its_connection() {
    let sb = Sb::start_schema(V2025).await;
    let (link_token, token) = sb.tokens("conn_credit_union").await;
    let (public_token, metadata) = sb.link_success(&link_token).await;
    let payload = sb
        .close_with(json!({ "token": token, "publicToken": public_token, "metadata": metadata, "clientMutationId": "c-2025" }))
        .await;
    assert_eq!(payload["success"], true, "{payload}");
    assert_eq!(payload["clientMutationId"], "c-2025");
    assert_eq!(payload["record"]["id"], "conn_credit_union");
    assert_eq!(payload["record"]["status"], "SYNCED");
    assert_eq!(
        sb.admin_get("/__sandbox/connections/conn_credit_union")
            .await["status"],
        "SYNCED"
    );
    // Used: the same public token again is refused, as in every generation.
    let again = sb.close(&token, &public_token, json!({})).await;
    assert_eq!(again["errors"][0]["code"], "PUBLIC_TOKEN_ALREADY_USED");
    let closes = logged(&sb, "connectorPlaidClose").await;
    assert_eq!(closes.len(), 2);
    for close in &closes {
        assert_eq!(close["connectionId"], "conn_credit_union", "{close}");
        assert_eq!(close["refused"], Value::Null);
    }
    // 2024's input is refused: `connectorToken` is not a field, `token` is required.
    let message = sb
        .gql_error(
            CLOSE_DOC,
            json!({ "input": close_input(V2024, &token, &public_token, json!({})) }),
        )
        .await;
    assert!(
        message.contains("connectorToken") || message.contains("token"),
        "{message}"
    );
}

#[tokio::test]
async fn older_record_fields_are_refused_before_anything_runs_and_the_log_says_so() {
    let sb = Sb::start_schema(V2025).await;
    let input = common::init_input(V2025, "conn_login_required");
    let body = json!({ "query": INITIALIZE_DOC, "operationName": "ConnectorPlaidInitialize", "variables": { "input": input } });
    let resp = sb
        .post_graphql(Some("Bearer sandbox-session-token"), body)
        .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body.get("data").cloned().unwrap_or(Value::Null),
        Value::Null
    );
    let messages = body["errors"].to_string();
    assert!(messages.contains("connectorStatus"), "{messages}");
    assert!(messages.contains("connectorToken"), "{messages}");
    // Nothing ran: no Link session was made.
    let stored = sb
        .admin_get("/__sandbox/connections/conn_login_required")
        .await;
    assert_eq!(stored["status"], "ERROR_REPAIRABLE");

    // The client's fallback: the same initialize in 2025's form runs.
    let payload = sb.initialize("conn_login_required").await;
    assert_eq!(payload["record"]["status"], "ACTION_REQUIRED");
    // A close whose variables do not fit (2024's `connectorToken`) is refused too.
    sb.gql(
        CLOSE_DOC,
        json!({ "input": { "connectorToken": "x", "publicToken": "y" } }),
    )
    .await;
    // And a nullable $input (the variable usage rule).
    sb.gql(
        &INITIALIZE_DOC_2025.replace("Input!", "Input"),
        json!({ "input": input }),
    )
    .await;

    let initializes = logged(&sb, "connectorPlaidInitialize").await;
    let refused: Vec<&Value> = initializes.iter().map(|e| &e["refused"]).collect();
    assert_eq!(
        refused,
        [&json!("document"), &Value::Null, &json!("document")]
    );
    assert_eq!(initializes[0]["operationName"], "ConnectorPlaidInitialize");
    assert_eq!(initializes[0]["status"], 200);
    assert_eq!(initializes[0]["connectionId"], "conn_login_required");
    assert_eq!(
        logged(&sb, "connectorPlaidClose").await[0]["refused"],
        "input"
    );

    // Not refused: answered by auth, or by a fault knob without running the schema.
    sb.post_graphql(None, json!({ "query": INITIALIZE_DOC }))
        .await;
    sb.admin_post(
        "/__sandbox/faults",
        json!({ "connectorPlaidInitialize": { "body": { "data": null }, "times": 1 } }),
    )
    .await;
    sb.gql(INITIALIZE_DOC, json!({ "input": input })).await;
    let initializes = logged(&sb, "connectorPlaidInitialize").await;
    assert_eq!(initializes[3]["authorization"], "missing");
    assert_eq!(initializes[3]["refused"], Value::Null);
    assert!(initializes[4]["fault"].is_string());
    assert_eq!(initializes[4]["refused"], Value::Null);
}

#[tokio::test]
async fn features_are_2025s() {
    let sb = Sb::start_schema(V2025).await;
    assert_eq!(
        enum_values(&sb, "ConnectionFeature").await,
        [
            "ACCOUNT_BALANCES_AND_TRANSACTIONS",
            "ACCOUNT_BALANCE_REFRESHES",
            "ACCOUNT_NUMBERS",
            "ACCOUNT_OWNERS",
            "ACCOUNT_STATEMENTS",
            "INVESTMENTS",
            "LIABILITIES"
        ]
    );
    let (_, body) = sb
        .gql(
            "{ connection(id: \"conn_healthy\") { features provider externallyManaged oauth } }",
            Value::Null,
        )
        .await;
    assert_eq!(
        body["data"]["connection"],
        json!({ "features": ["ACCOUNT_BALANCES_AND_TRANSACTIONS"], "provider": "PLAID", "externallyManaged": false, "oauth": false })
    );
    for refused in [json!(["TRANSACTIONS"]), json!(["BALANCES"])] {
        let message = sb
            .gql_error(
                INITIALIZE_DOC_2025,
                json!({ "input": { "connectionId": "conn_healthy", "featuresRequired": refused } }),
            )
            .await;
        assert!(message.contains("ConnectionFeature"), "{message}");
    }
    let payload = sb
        .initialize_with(json!({ "connectionId": "conn_healthy", "featuresRequired": "ACCOUNT_NUMBERS", "featuresOptional": ["INVESTMENTS"], "portalsProviderId": "p-1" }))
        .await;
    assert_eq!(payload["success"], true, "{payload}");
    sb.use_schema(V2024).await;
    let (_, body) = sb
        .gql(
            "{ connection(id: \"conn_healthy\") { features } }",
            Value::Null,
        )
        .await;
    assert_eq!(
        body["data"]["connection"]["features"],
        json!(["BALANCES", "TRANSACTIONS"])
    );
}

#[tokio::test]
async fn disconnecting_is_2025s_and_older_generations_read_their_nearest_status() {
    let sb = Sb::start_schema(V2025).await;
    for (id, status) in [("c_leaving", "DISCONNECTING"), ("c_upgrading", "UPGRADING")] {
        sb.admin_post("/__sandbox/seed", json!({ "id": id, "status": status }))
            .await;
    }
    let query = "query($filter: ConnectionFilter) { connections(filter: $filter) { id status } }";
    let filter = json!({ "filter": { "status": ["DISCONNECTING", "UPGRADING"] } });
    let (_, body) = sb.gql(query, filter.clone()).await;
    assert_eq!(
        body["data"]["connections"],
        json!([{ "id": "c_leaving", "status": "DISCONNECTING" }, { "id": "c_upgrading", "status": "UPGRADING" }])
    );
    let (_, body) = sb
        .gql(
            "mutation { connectionSimulateError(input: { id: \"conn_healthy\", status: DISCONNECTING }) { success record { status } } }",
            Value::Null,
        )
        .await;
    assert_eq!(
        body["data"]["connectionSimulateError"]["record"]["status"],
        "DISCONNECTING"
    );
    assert_eq!(
        sb.admin_get("/__sandbox/connections/conn_healthy").await["status"],
        "DISCONNECTING"
    );

    for (generation, leaving, upgrading) in [
        (V2024, "DISCONNECTED", "UPGRADING"),
        (V2023, "ERROR_PROVIDER", "SYNCING"),
    ] {
        sb.use_schema(generation).await;
        let (_, body) = sb
            .gql(
                "{ a: connection(id: \"c_leaving\") { status } b: connection(id: \"c_upgrading\") { status } }",
                Value::Null,
            )
            .await;
        assert_eq!(body["data"]["a"]["status"], leaving, "{generation}");
        assert_eq!(body["data"]["b"]["status"], upgrading, "{generation}");
        // DISCONNECTING is not theirs.
        let message = sb.gql_error(query, filter.clone()).await;
        assert!(message.contains("DISCONNECTING"), "{generation}: {message}");
    }
}

#[tokio::test]
async fn accounts_have_a_taxonomy_and_institutions_lost_logos() {
    let sb = Sb::start_schema(V2025).await;
    let (_, body) = sb
        .gql(
            "{ connection(id: \"conn_credit_union\") { institution { id name logo { url } } accounts { kind type taxonomy provider connection { id } } } }",
            Value::Null,
        )
        .await;
    let connection = &body["data"]["connection"];
    assert_eq!(
        connection["institution"]["name"], "Navy Federal Credit Union",
        "{body}"
    );
    let accounts = connection["accounts"].as_array().unwrap();
    assert_eq!(
        accounts[0],
        json!({ "kind": "DEPOSITORY", "type": "CHECKING", "taxonomy": ["ASSET", "DEPOSITORY", "SPENDING"], "provider": "PLAID", "connection": null })
    );
    assert_eq!(
        accounts[3]["taxonomy"],
        json!(["LIABILITY", "LOAN", "AUTO"])
    );
    let message = sb
        .gql_error(
            "{ connection(id: \"conn_credit_union\") { institution { logos { url } } } }",
            Value::Null,
        )
        .await;
    assert!(message.contains("logos"), "{message}");
}

#[tokio::test]
async fn without_plaid_the_plaid_mutations_are_refused_and_connections_work() {
    let sb = Sb::start_schema(NoPlaid).await;
    assert_eq!(
        sb.admin_get("/__sandbox/config").await["schema"],
        "no-plaid"
    );
    let message = sb
        .gql_error(
            INITIALIZE_DOC_2025,
            json!({ "input": common::init_input(V2025, "conn_login_required") }),
        )
        .await;
    assert!(
        message.contains("connectorPlaidInitialize")
            || message.contains("ConnectorPlaidInitializeInput"),
        "{message}"
    );
    let initialize = logged(&sb, "connectorPlaidInitialize").await;
    assert_eq!(initialize[0]["refused"], "document");
    // Nothing changed.
    assert_eq!(
        sb.admin_get("/__sandbox/connections/conn_login_required")
            .await["status"],
        "ERROR_REPAIRABLE"
    );

    let (_, body) = sb
        .gql(
            "query($filter: ConnectionFilter) { connections(filter: $filter) { id status provider features institution { name logo { _sourcename } } accounts { name taxonomy provider } } }",
            json!({ "filter": { "status": ["ERROR_REPAIRABLE"], "provider": ["MOCK"] } }),
        )
        .await;
    let list = body["data"]["connections"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(list.len(), 4, "{body}");
    assert_eq!(list[0]["id"], "conn_chase_checking");
    assert_eq!(list[0]["provider"], "MOCK");
    assert_eq!(list[0]["institution"]["logo"]["_sourcename"], "MOCK");
    assert_eq!(list[0]["accounts"][0]["provider"], "MOCK");
    let (_, body) = sb
        .gql(
            "{ connections(filter: { provider: [FINICITY] }) { id } }",
            Value::Null,
        )
        .await;
    assert_eq!(body["data"]["connections"], json!([]));

    let (_, body) = sb
        .gql(
            UPDATE_DOC,
            json!({ "input": { "id": "conn_healthy", "metadata": { "k": 1 } } }),
        )
        .await;
    assert_eq!(body["data"]["connectionUpdate"]["success"], true, "{body}");

    // Its other connector mutations exist, and the sandbox does not implement them.
    let (_, body) = sb
        .gql(
            "mutation { connectorFinicityInitialize(input: { featuresRequired: [ACCOUNT_NUMBERS] }) { success } }",
            Value::Null,
        )
        .await;
    assert_eq!(body["data"], json!({ "connectorFinicityInitialize": null }));
    assert_eq!(
        body["errors"][0]["message"],
        "connectorFinicityInitialize is not implemented by the sandbox"
    );
    assert_eq!(
        body["errors"][0]["path"],
        json!(["connectorFinicityInitialize"])
    );
    assert_eq!(
        logged(&sb, "connectorFinicityInitialize").await[0]["refused"],
        Value::Null
    );
}

//! Shared helpers: an in-process sandbox on 127.0.0.1:0 and a small HTTP client.
#![allow(dead_code)]

use std::time::Duration;

use quiltt_sandbox::{RunningSandbox, SandboxConfig, SchemaGeneration, DEFAULT_SESSION_TOKEN};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The reference page's initialize document, verbatim: its nullable `$input` is refused by
/// every live generation (and so by the sandbox).
pub const PAGE_INITIALIZE_DOC: &str = "mutation ConnectorPlaidInitialize($input: ConnectorPlaidInitializeInput) { connectorPlaidInitialize(input: $input) { success record { connectorStatus connectorToken expiration linkToken requestId } errors { code message } }}";
/// The reference page's close document, verbatim: nullable `$input`, `logo` as a leaf.
pub const PAGE_CLOSE_DOC: &str = "mutation ConnectorPlaidClose($input: ConnectorPlaidCloseInput) { connectorPlaidClose(input: $input) { success record { id accounts { id name } institution { name logo } } errors { code message } }}";

/// An initialize document valid on 2023 and 2024 (as the client's): `connectorStatus`,
/// `connectorToken`.
pub const INITIALIZE_DOC: &str = "mutation ConnectorPlaidInitialize($input: ConnectorPlaidInitializeInput!) { connectorPlaidInitialize(input: $input) { success clientMutationId record { connectorStatus connectorToken expiration linkToken requestId } errors { code message type displayMessage requestId } } }";
/// The initialize document of 2025 (as the client's): `status`, `token`.
pub const INITIALIZE_DOC_2025: &str = "mutation ConnectorPlaidInitialize($input: ConnectorPlaidInitializeInput!) { connectorPlaidInitialize(input: $input) { success clientMutationId record { status token expiration hostedLinkUrl linkToken requestId } errors { code message type displayMessage requestId } } }";
/// A close document valid on every generation with Plaid (as the client's).
pub const CLOSE_DOC: &str = "mutation ConnectorPlaidClose($input: ConnectorPlaidCloseInput!) { connectorPlaidClose(input: $input) { success clientMutationId record { id status metadata institution { name logo { url } } accounts { id name mask type } } errors { code message type displayMessage requestId } } }";
/// The reference page's connectionUpdate document, verbatim (valid on every generation).
pub const UPDATE_DOC: &str = "mutation ConnectionUpdate($input: ConnectionUpdateInput!) { connectionUpdate(input: $input) { errors { message } record { id metadata } success }}";

/// The initialize input for `connection_id` in `generation`: the features field is the one
/// that differs (`features` in 2023, the required `featuresRequired` since 2024, with 2025's
/// values). No-plaid has no initialize; it gets 2025's.
pub fn init_input(generation: SchemaGeneration, connection_id: &str) -> Value {
    match generation {
        SchemaGeneration::V2023 => {
            json!({ "connectionId": connection_id, "features": ["TRANSACTIONS"], "update": { "accountSelectionEnabled": true } })
        }
        SchemaGeneration::V2024 => {
            json!({ "connectionId": connection_id, "featuresRequired": ["TRANSACTIONS"], "update": { "accountSelectionEnabled": true } })
        }
        _ => {
            json!({ "connectionId": connection_id, "featuresRequired": ["ACCOUNT_BALANCES_AND_TRANSACTIONS"], "update": { "accountSelectionEnabled": true } })
        }
    }
}

/// The initialize document of `generation`.
pub fn initialize_doc(generation: SchemaGeneration) -> &'static str {
    match generation {
        SchemaGeneration::V2023 | SchemaGeneration::V2024 => INITIALIZE_DOC,
        _ => INITIALIZE_DOC_2025,
    }
}

/// What `generation`'s initialize record calls its status (`connectorStatus`, `status`).
pub fn status_field(generation: SchemaGeneration) -> &'static str {
    match generation {
        SchemaGeneration::V2023 | SchemaGeneration::V2024 => "connectorStatus",
        _ => "status",
    }
}

/// What `generation` calls the connector token, in the record and the close input
/// (`connectorToken`, `token`).
pub fn token_field(generation: SchemaGeneration) -> &'static str {
    match generation {
        SchemaGeneration::V2023 | SchemaGeneration::V2024 => "connectorToken",
        _ => "token",
    }
}

/// The close input of `generation`.
pub fn close_input(
    generation: SchemaGeneration,
    connector_token: &str,
    public_token: &str,
    metadata: Value,
) -> Value {
    let mut input = json!({ "publicToken": public_token, "metadata": metadata });
    input[token_field(generation)] = json!(connector_token);
    input
}

/// The generations with Plaid's mutations.
pub fn plaid_generations() -> impl Iterator<Item = SchemaGeneration> {
    SchemaGeneration::ALL.into_iter().filter(|g| g.has_plaid())
}

pub struct Sb {
    pub sandbox: RunningSandbox,
    pub base: String,
    pub client: reqwest::Client,
    /// The schema generation the sandbox serves (as started; `use_schema` changes it).
    pub generation: std::sync::Mutex<SchemaGeneration>,
}

impl Sb {
    pub async fn start() -> Self {
        Self::start_with(SandboxConfig::default()).await
    }

    /// A sandbox serving `generation`.
    pub async fn start_schema(generation: SchemaGeneration) -> Self {
        Self::start_with(SandboxConfig {
            schema: generation,
            ..Default::default()
        })
        .await
    }

    pub async fn start_with(config: SandboxConfig) -> Self {
        let generation = std::sync::Mutex::new(config.schema);
        let sandbox = quiltt_sandbox::spawn(config).await.expect("spawn sandbox");
        let base = sandbox.url();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        Self {
            sandbox,
            base,
            client,
            generation,
        }
    }

    /// The generation served now.
    pub fn generation(&self) -> SchemaGeneration {
        *self.generation.lock().unwrap()
    }

    /// Switches the served generation with `POST /__sandbox/config`.
    pub async fn use_schema(&self, generation: SchemaGeneration) {
        let config = self
            .admin_post(
                "/__sandbox/config",
                json!({ "schema": generation.as_str() }),
            )
            .await;
        assert_eq!(config["schema"], generation.as_str());
        *self.generation.lock().unwrap() = generation;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// POSTs a GraphQL body with the given Authorization header value (None = no header).
    pub async fn post_graphql(&self, auth: Option<&str>, body: Value) -> reqwest::Response {
        let mut req = self.client.post(self.url("/v1/graphql")).json(&body);
        if let Some(auth) = auth {
            req = req.header("Authorization", auth);
        }
        req.send().await.expect("graphql request")
    }

    /// Runs a GraphQL document with the default session token; returns status and JSON body.
    pub async fn gql(&self, query: &str, variables: Value) -> (StatusCode, Value) {
        let resp = self
            .post_graphql(
                Some(&format!("Bearer {DEFAULT_SESSION_TOKEN}")),
                json!({ "query": query, "variables": variables }),
            )
            .await;
        let status = resp.status();
        let body = resp.json::<Value>().await.expect("json body");
        (status, body)
    }

    /// The initialize document for `connection_id`; returns the payload.
    pub async fn initialize(&self, connection_id: &str) -> Value {
        self.initialize_with(init_input(self.generation(), connection_id))
            .await
    }

    /// The generation's initialize document with `input`; returns the payload.
    pub async fn initialize_with(&self, input: Value) -> Value {
        let doc = initialize_doc(self.generation());
        let (status, body) = self.gql(doc, json!({ "input": input })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["connectorPlaidInitialize"].clone()
    }

    /// Initializes a broken connection; returns (link token, connector token).
    pub async fn tokens(&self, connection_id: &str) -> (String, String) {
        self.tokens_with(init_input(self.generation(), connection_id))
            .await
    }

    /// Initializes with `input` (a broken connection); returns (link token, connector token).
    pub async fn tokens_with(&self, input: Value) -> (String, String) {
        let payload = self.initialize_with(input).await;
        assert_eq!(self.record_status(&payload), "ACTION_REQUIRED", "{payload}");
        (
            payload["record"]["linkToken"].as_str().unwrap().to_owned(),
            payload["record"][token_field(self.generation())]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    }

    /// The initialize payload's record status, whatever the generation calls it.
    pub fn record_status<'a>(&self, payload: &'a Value) -> &'a Value {
        &payload["record"][status_field(self.generation())]
    }

    /// What the Link stand-in does on success: mints a public token.
    pub async fn link_success(&self, link_token: &str) -> (String, Value) {
        let body = self
            .admin_post(
                "/__sandbox/link/success",
                json!({ "linkToken": link_token }),
            )
            .await;
        (
            body["publicToken"]
                .as_str()
                .expect("publicToken")
                .to_owned(),
            body["metadata"].clone(),
        )
    }

    /// The close document, with the generation's input; returns the payload.
    pub async fn close(&self, connector_token: &str, public_token: &str, metadata: Value) -> Value {
        self.close_with(close_input(
            self.generation(),
            connector_token,
            public_token,
            metadata,
        ))
        .await
    }

    /// The close document with `input`; returns the payload.
    pub async fn close_with(&self, input: Value) -> Value {
        let (status, body) = self.gql(CLOSE_DOC, json!({ "input": input })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["connectorPlaidClose"].clone()
    }

    /// A full repair of a broken connection: initialize, the Link stand-in's success, and the
    /// close (with `client_mutation_id`, if any); returns the close payload.
    pub async fn repair(&self, connection_id: &str, client_mutation_id: Option<&str>) -> Value {
        let (link_token, connector_token) = self.tokens(connection_id).await;
        let (public_token, metadata) = self.link_success(&link_token).await;
        let mut input = close_input(self.generation(), &connector_token, &public_token, metadata);
        input["clientMutationId"] = json!(client_mutation_id);
        let payload = self.close_with(input).await;
        assert_eq!(payload["success"], true, "{payload}");
        payload
    }

    /// The status `connection(id)` answers.
    pub async fn connection_status(&self, id: &str) -> Value {
        let (status, body) = self
            .gql(
                "query($id: ID!) { connection(id: $id) { id status } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["data"]["connection"]["id"], id, "{body}");
        body["data"]["connection"]["status"].clone()
    }

    /// POSTs `body` to an admin path; returns status and JSON body (for refusals).
    pub async fn admin_post_raw(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("post");
        let status = resp.status();
        (status, resp.json().await.expect("json"))
    }

    /// The first GraphQL error message of a request that must fail validation.
    pub async fn gql_error(&self, query: &str, variables: Value) -> String {
        let (status, body) = self.gql(query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            body.get("data").cloned().unwrap_or(Value::Null),
            Value::Null,
            "{body}"
        );
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no error: {body}"))
            .to_owned()
    }

    pub async fn admin_get(&self, path: &str) -> Value {
        let resp = self.client.get(self.url(path)).send().await.expect("get");
        assert!(resp.status().is_success(), "GET {path}: {}", resp.status());
        resp.json().await.expect("json")
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Value {
        let (status, body) = self.admin_post_raw(path, body).await;
        assert!(status.is_success(), "POST {path}: {status} {body}");
        body
    }

    pub async fn admin_delete(&self, path: &str) -> Value {
        let resp = self
            .client
            .delete(self.url(path))
            .send()
            .await
            .expect("delete");
        assert!(
            resp.status().is_success(),
            "DELETE {path}: {}",
            resp.status()
        );
        resp.json().await.expect("json")
    }
}

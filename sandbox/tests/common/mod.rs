//! Shared helpers: an in-process sandbox on 127.0.0.1:0 and a small HTTP client.
#![allow(dead_code)]

use std::time::Duration;

use quiltt_sandbox::{RunningSandbox, SandboxConfig, DEFAULT_SESSION_TOKEN};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The reference page's initialize document, verbatim.
pub const INITIALIZE_DOC: &str = "mutation ConnectorPlaidInitialize($input: ConnectorPlaidInitializeInput) { connectorPlaidInitialize(input: $input) { success record { connectorStatus connectorToken expiration linkToken requestId } errors { code message } }}";
/// The reference page's close document, verbatim.
pub const CLOSE_DOC: &str = "mutation ConnectorPlaidClose($input: ConnectorPlaidCloseInput) { connectorPlaidClose(input: $input) { success record { id accounts { id name } institution { name logo } } errors { code message } }}";
/// The reference page's connectionUpdate document, verbatim.
pub const UPDATE_DOC: &str = "mutation ConnectionUpdate($input: ConnectionUpdateInput!) { connectionUpdate(input: $input) { errors { message } record { id metadata } success }}";

pub struct Sb {
    pub sandbox: RunningSandbox,
    pub base: String,
    pub client: reqwest::Client,
}

impl Sb {
    pub async fn start() -> Self {
        Self::start_with(SandboxConfig::default()).await
    }

    pub async fn start_with(config: SandboxConfig) -> Self {
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
        }
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

    /// The reference initialize document for `connection_id`; returns the payload.
    pub async fn initialize(&self, connection_id: &str) -> Value {
        let (status, body) = self
            .gql(
                INITIALIZE_DOC,
                json!({ "input": { "connectionId": connection_id, "features": "TRANSACTIONS", "update": { "accountSelectionEnabled": true } } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["connectorPlaidInitialize"].clone()
    }

    /// Initializes a broken connection; returns (link token, connector token).
    pub async fn tokens(&self, connection_id: &str) -> (String, String) {
        let payload = self.initialize(connection_id).await;
        assert_eq!(
            payload["record"]["connectorStatus"], "ACTION_REQUIRED",
            "{payload}"
        );
        (
            payload["record"]["linkToken"].as_str().unwrap().to_owned(),
            payload["record"]["connectorToken"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
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

    /// The reference close document; returns the payload.
    pub async fn close(&self, connector_token: &str, public_token: &str, metadata: Value) -> Value {
        let (status, body) = self
            .gql(
                CLOSE_DOC,
                json!({ "input": { "connectorToken": connector_token, "publicToken": public_token, "metadata": metadata } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"]["connectorPlaidClose"].clone()
    }

    pub async fn admin_get(&self, path: &str) -> Value {
        let resp = self.client.get(self.url(path)).send().await.expect("get");
        assert!(resp.status().is_success(), "GET {path}: {}", resp.status());
        resp.json().await.expect("json")
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Value {
        let resp = self
            .client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("post");
        assert!(resp.status().is_success(), "POST {path}: {}", resp.status());
        resp.json().await.expect("json")
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

//! `POST /v1/graphql`: bearer auth, request logging, fault knobs, then the schema.

use async_graphql::parser::types::{DocumentOperations, OperationDefinition, Selection};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::faults::malformed_response;
use crate::log::Authorization;
use crate::{Shared, GRAPHQL_PATH};

pub(crate) fn routes() -> Router<Shared> {
    Router::new().route(GRAPHQL_PATH, post(graphql))
}

fn error_body(status: StatusCode, message: &str, code: &str) -> Response {
    (
        status,
        Json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })),
    )
        .into_response()
}

fn classify(headers: &HeaderMap, token: &str) -> Authorization {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Authorization::Missing;
    };
    let Ok(value) = value.to_str() else {
        return Authorization::Wrong;
    };
    let mut parts = value.trim().splitn(2, ' ');
    let scheme = parts.next().unwrap_or_default();
    let credentials = parts.next().unwrap_or_default().trim();
    if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && credentials == token {
        Authorization::Present
    } else {
        Authorization::Wrong
    }
}

/// The root field of the operation a GraphQL request body runs, e.g. `connectorPlaidInitialize`;
/// falls back to `operationName` with a lowercase first letter.
pub(crate) fn detect_operation(body: &Value) -> Option<String> {
    let operation_name = body.get("operationName").and_then(Value::as_str);
    let from_query = body
        .get("query")
        .and_then(Value::as_str)
        .and_then(|q| async_graphql::parser::parse_query(q).ok())
        .and_then(|doc| {
            let op: Option<&OperationDefinition> = match &doc.operations {
                DocumentOperations::Single(op) => Some(&op.node),
                DocumentOperations::Multiple(map) => operation_name
                    .and_then(|n| map.iter().find(|(k, _)| k.as_str() == n))
                    .or_else(|| map.iter().next())
                    .map(|(_, op)| &op.node),
            };
            op?.selection_set
                .node
                .items
                .iter()
                .find_map(|item| match &item.node {
                    Selection::Field(f) if !f.node.name.node.starts_with("__") => {
                        Some(f.node.name.node.to_string())
                    }
                    _ => None,
                })
        });
    from_query.or_else(|| {
        operation_name.map(|n| {
            let mut chars = n.chars();
            chars
                .next()
                .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
    })
}

/// The connection a request is about: `input.connectionId` (initialize), `input.id` (update,
/// simulate error), `id` (the `connection(id)` query), or the connection its connector token
/// was minted for (close: `input.connectorToken`, or `input.token` since 2025-04).
fn connection_of(app: &crate::AppState, variables: &Value) -> Option<String> {
    if let Some(id) = variables.get("id").and_then(Value::as_str) {
        return Some(id.to_owned());
    }
    let input = variables.get("input")?;
    let text = |key: &str| input.get(key).and_then(Value::as_str);
    if let Some(id) = text("connectionId").or_else(|| text("id")) {
        return Some(id.to_owned());
    }
    app.store()
        .connection_of_connector_token(text("connectorToken").or_else(|| text("token"))?)
}

async fn graphql(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let app = &shared.app;
    let authorization = classify(&headers, &app.config.session_token);
    let parsed: Result<Value, _> = serde_json::from_slice(&body);
    let (operation, operation_name, variables) = match &parsed {
        Ok(v) => (
            detect_operation(v),
            v.get("operationName")
                .and_then(Value::as_str)
                .map(str::to_owned),
            v.get("variables").cloned().unwrap_or(Value::Null),
        ),
        Err(_) => (None, None, Value::Null),
    };
    let connection_id = connection_of(app, &variables);
    let seq = app.requests().push(
        operation.clone(),
        operation_name,
        variables,
        connection_id,
        authorization,
    );
    let mut abandoned = AbandonGuard {
        app: app.clone(),
        seq,
        answered: false,
    };
    let response = respond(&shared, authorization, parsed, operation.as_deref(), seq).await;
    abandoned.answered = true;
    app.requests().set_status(seq, response.status().as_u16());
    response
}

/// Marks a request abandoned when its handler is dropped unanswered: the client went away
/// (an aborted `fetch`) while the request waited on latency or a hang.
struct AbandonGuard {
    app: std::sync::Arc<crate::AppState>,
    seq: u64,
    answered: bool,
}

impl Drop for AbandonGuard {
    fn drop(&mut self) {
        if !self.answered {
            self.app.requests().set_abandoned(self.seq);
        }
    }
}

async fn respond(
    shared: &Shared,
    authorization: Authorization,
    parsed: Result<Value, serde_json::Error>,
    operation: Option<&str>,
    seq: u64,
) -> Response {
    let app = &shared.app;
    if authorization != Authorization::Present {
        let mut response = error_body(
            StatusCode::UNAUTHORIZED,
            "Missing or invalid session token: send Authorization: Bearer <session token>",
            "UNAUTHORIZED",
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return response;
    }
    let fault = app.faults().take(operation);
    if let Some(fault) = &fault {
        app.requests()
            .set_fault(seq, &serde_json::to_string(fault).unwrap_or_default());
    }
    match fault {
        // `afterResolve`: the operation runs (a close goes through), then the knob decides
        // what the client hears, as when a gateway fails after the server committed.
        Some(fault) if fault.after_resolve => {
            let answer = execute(shared, parsed, seq).await;
            apply(app, fault).await.unwrap_or(answer)
        }
        Some(fault) => match apply(app, fault).await {
            Some(response) => response,
            None => execute(shared, parsed, seq).await,
        },
        None => execute(shared, parsed, seq).await,
    }
}

/// A fault knob's answer instead of the operation's, if it has one (latency and a hang are
/// waited out first).
async fn apply(app: &crate::AppState, fault: crate::faults::Fault) -> Option<Response> {
    if app.delay_or_hang(&fault).await {
        return Some(error_body(
            StatusCode::SERVICE_UNAVAILABLE,
            "The sandbox released this held request (faults cleared or shutting down)",
            "SHUTTING_DOWN",
        ));
    }
    if let Some(response) = fault.status_response() {
        return Some(response);
    }
    if fault.malformed {
        return Some(malformed_response());
    }
    fault.body.map(|body| Json(body).into_response())
}

/// The request log's sequence number of the request a resolver runs for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RequestSeq(pub u64);

/// Runs a GraphQL request body on the schema generation served now.
async fn execute(shared: &Shared, parsed: Result<Value, serde_json::Error>, seq: u64) -> Response {
    let body = match parsed {
        Ok(body) => body,
        Err(e) => {
            return error_body(
                StatusCode::BAD_REQUEST,
                &format!("The request body is not valid JSON: {e}"),
                "BAD_REQUEST",
            )
        }
    };
    if !body.get("query").is_some_and(Value::is_string) {
        return error_body(
            StatusCode::BAD_REQUEST,
            "The request body is not a GraphQL request: it needs a \"query\" string",
            "BAD_REQUEST",
        );
    }
    let request: async_graphql::Request = match serde_json::from_value(body) {
        Ok(r) => r,
        Err(e) => {
            return error_body(
                StatusCode::BAD_REQUEST,
                &format!("The request body is not a GraphQL request: {e}"),
                "BAD_REQUEST",
            )
        }
    };
    let (response, refused) = shared
        .schemas
        .execute(shared.app.generation(), request.data(RequestSeq(seq)))
        .await;
    if let Some(refusal) = refused {
        shared.app.requests().set_refused(seq, refusal);
    }
    Json(response).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_root_field() {
        let body = json!({"query": "mutation X($input: ConnectorPlaidInitializeInput!) { connectorPlaidInitialize(input: $input) { success } }"});
        assert_eq!(
            detect_operation(&body).as_deref(),
            Some("connectorPlaidInitialize")
        );
        let aliased =
            json!({"query": "mutation { a: connectionUpdate(input: {id: \"x\"}) { success } }"});
        assert_eq!(
            detect_operation(&aliased).as_deref(),
            Some("connectionUpdate")
        );
        let by_name = json!({"query": "not graphql", "operationName": "ConnectorPlaidClose"});
        assert_eq!(
            detect_operation(&by_name).as_deref(),
            Some("connectorPlaidClose")
        );
        assert_eq!(detect_operation(&json!({})), None);
    }

    #[test]
    fn classifies_authorization() {
        let mut h = HeaderMap::new();
        assert_eq!(classify(&h, "t"), Authorization::Missing);
        h.insert(header::AUTHORIZATION, "Bearer t".parse().unwrap());
        assert_eq!(classify(&h, "t"), Authorization::Present);
        h.insert(header::AUTHORIZATION, "bearer  t ".parse().unwrap());
        assert_eq!(classify(&h, "t"), Authorization::Present);
        h.insert(header::AUTHORIZATION, "Bearer u".parse().unwrap());
        assert_eq!(classify(&h, "t"), Authorization::Wrong);
        h.insert(header::AUTHORIZATION, "t".parse().unwrap());
        assert_eq!(classify(&h, "t"), Authorization::Wrong);
    }
}

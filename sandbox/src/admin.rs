//! Admin endpoints under `/__sandbox/` (no auth): reset, seed, inspect, faults, config.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::store::SeedRequest;
use crate::{ConnectionStatus, SchemaGeneration, Shared};

pub(crate) fn routes() -> Router<Shared> {
    let routes = Router::new()
        .route("/__sandbox/health", get(health))
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/connections", get(connections))
        .route("/__sandbox/connections/{id}", get(connection))
        .route("/__sandbox/seed", post(seed))
        .route("/__sandbox/requests", get(requests).delete(clear_requests))
        .route(
            "/__sandbox/faults",
            get(faults).post(set_faults).delete(clear_faults),
        )
        .route("/__sandbox/config", get(config).post(set_config))
        .route("/__sandbox/script-loads", get(script_loads))
        .route("/__sandbox/schema.graphql", get(schema));
    SchemaGeneration::ALL
        .into_iter()
        .fold(routes, |routes, generation| {
            routes.route(
                &format!("/__sandbox/schema-{generation}.graphql"),
                get(move |State(shared): State<Shared>| async move {
                    sdl_response(&shared, generation)
                }),
            )
        })
}

/// A `400`/`404` JSON error: `{ "error": "..." }`.
pub(crate) fn admin_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// Parses a JSON body (empty = `{}`); the error is a readable message for a 400.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

async fn health() -> Json<Value> {
    Json(json!({ "ok": true }))
}

async fn reset(State(shared): State<Shared>) -> Json<Value> {
    let app = &shared.app;
    app.store().reset();
    app.faults().clear();
    app.hangs_released.notify_waiters();
    app.requests().clear();
    app.script_loads.store(0, Ordering::SeqCst);
    app.set_generation(app.config.schema);
    Json(json!({ "ok": true }))
}

async fn connections(State(shared): State<Shared>) -> Json<Value> {
    Json(json!(shared.app.store().connections()))
}

async fn connection(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    match shared.app.store().connection(&id) {
        Some(c) => Json(json!(c)).into_response(),
        None => admin_error(
            StatusCode::NOT_FOUND,
            format!("Connection {id} was not found"),
        ),
    }
}

async fn seed(State(shared): State<Shared>, body: Bytes) -> Response {
    let req: SeedRequest = match parse_body(&body) {
        Ok(r) => r,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, e),
    };
    match shared.app.store().seed(req) {
        Ok(c) => Json(json!(c)).into_response(),
        Err(e) => admin_error(StatusCode::BAD_REQUEST, e),
    }
}

async fn requests(State(shared): State<Shared>) -> Json<Value> {
    Json(json!(shared.app.requests().entries()))
}

async fn clear_requests(State(shared): State<Shared>) -> Json<Value> {
    shared.app.requests().clear();
    Json(json!({ "ok": true }))
}

async fn faults(State(shared): State<Shared>) -> Json<Value> {
    Json(shared.app.faults().snapshot())
}

async fn set_faults(State(shared): State<Shared>, body: Bytes) -> Response {
    let value: Value = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, e),
    };
    let mut faults = shared.app.faults();
    match faults.merge(value) {
        Ok(()) => Json(faults.snapshot()).into_response(),
        Err(e) => admin_error(StatusCode::BAD_REQUEST, e),
    }
}

async fn clear_faults(State(shared): State<Shared>) -> Json<Value> {
    shared.app.faults().clear();
    shared.app.hangs_released.notify_waiters();
    Json(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigBody {
    #[serde(default)]
    link_token_ttl_secs: Option<f64>,
    #[serde(default)]
    schema: Option<String>,
    /// Checked by [`sync_delay`], for a clearer message than serde's.
    #[serde(default)]
    sync_delay_ms: Option<Value>,
    /// Checked by [`sync_outcome`].
    #[serde(default)]
    sync_outcome: Option<Value>,
}

/// The changes a valid `POST /__sandbox/config` body asks for (`None`: keep).
struct ConfigUpdate {
    link_token_ttl: Option<Duration>,
    generation: Option<SchemaGeneration>,
    sync_delay: Option<Duration>,
    sync_outcome: Option<ConnectionStatus>,
}

impl ConfigUpdate {
    /// Checks every key, so that a bad one changes nothing.
    fn parse(body: ConfigBody) -> Result<Self, String> {
        Ok(Self {
            link_token_ttl: body.link_token_ttl_secs.map(link_token_ttl).transpose()?,
            generation: body.schema.as_deref().map(str::parse).transpose()?,
            sync_delay: body.sync_delay_ms.as_ref().map(sync_delay).transpose()?,
            sync_outcome: body.sync_outcome.as_ref().map(sync_outcome).transpose()?,
        })
    }

    fn apply(self, shared: &Shared) {
        let mut store = shared.app.store();
        if let Some(ttl) = self.link_token_ttl {
            store.set_link_token_ttl(ttl);
        }
        let mut sync = store.sync_settings();
        sync.delay = self.sync_delay.unwrap_or(sync.delay);
        sync.outcome = self.sync_outcome.unwrap_or(sync.outcome);
        store.set_sync_settings(sync);
        drop(store);
        if let Some(generation) = self.generation {
            shared.app.set_generation(generation);
        }
    }
}

/// `linkTokenTtlSecs`: a non-negative number of seconds.
fn link_token_ttl(secs: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(secs)
        .map_err(|_| "linkTokenTtlSecs must be a non-negative number".to_owned())
}

/// `syncDelayMs`: a non-negative whole number of milliseconds.
fn sync_delay(ms: &Value) -> Result<Duration, String> {
    ms.as_u64().map(Duration::from_millis).ok_or_else(|| {
        format!("syncDelayMs must be a non-negative whole number of milliseconds, not {ms}")
    })
}

/// `syncOutcome`: a status a sync ends in, spelled as in GraphQL.
fn sync_outcome(status: &Value) -> Result<ConnectionStatus, String> {
    let name = status.as_str().ok_or_else(|| {
        format!("syncOutcome must be a connection status such as \"SYNCED\", not {status}")
    })?;
    ConnectionStatus::parse_sync_outcome(name).map_err(|e| format!("syncOutcome: {e}"))
}

fn config_json(shared: &Shared) -> Value {
    let (ttl, sync) = {
        let store = shared.app.store();
        (store.link_token_ttl(), store.sync_settings())
    };
    json!({
        "linkTokenTtlSecs": ttl.as_secs_f64(),
        "schema": shared.app.generation().as_str(),
        "syncDelayMs": u64::try_from(sync.delay.as_millis()).unwrap_or(u64::MAX),
        "syncOutcome": sync.outcome.as_str(),
    })
}

async fn config(State(shared): State<Shared>) -> Json<Value> {
    Json(config_json(&shared))
}

async fn set_config(State(shared): State<Shared>, body: Bytes) -> Response {
    let req: ConfigBody = match parse_body(&body) {
        Ok(r) => r,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, e),
    };
    match ConfigUpdate::parse(req) {
        Ok(update) => update.apply(&shared),
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, e),
    }
    Json(config_json(&shared)).into_response()
}

async fn script_loads(State(shared): State<Shared>) -> Json<Value> {
    Json(json!({ "count": shared.app.script_loads.load(Ordering::SeqCst) }))
}

fn sdl_response(shared: &Shared, generation: SchemaGeneration) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (
                header::HeaderName::from_static("x-quiltt-schema"),
                generation.as_str(),
            ),
        ],
        shared.schemas.sdl(generation),
    )
        .into_response()
}

/// The SDL of the generation served now.
async fn schema(State(shared): State<Shared>) -> Response {
    sdl_response(&shared, shared.app.generation())
}

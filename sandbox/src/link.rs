//! The Plaid Link stand-in: the script at `/link/v2/stable/link-initialize.js` and the
//! endpoints it calls (`/__sandbox/link/session`, `/__sandbox/link/success`, and for Plaid's
//! OAuth redirect flow `/__sandbox/link/oauth/start` and `/__sandbox/link/oauth/resume`).

use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::admin::{admin_error, parse_body};
use crate::store::{Connection, PlaidFailure};
use crate::util::random_id;
use crate::{Shared, LINK_SCRIPT_PATH};

/// The stand-in script.
pub(crate) const LINK_JS: &str = include_str!("../assets/link-initialize.js");

/// What the `noPlaid` fault serves instead: a script that does not define `window.Plaid`.
const NO_PLAID_JS: &str =
    "/* quiltt-sandbox fault noPlaid: this script does not define window.Plaid */\n";

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route(LINK_SCRIPT_PATH, get(script))
        .route("/__sandbox/link/session", get(session))
        .route("/__sandbox/link/success", post(success))
        .route("/__sandbox/link/oauth/start", post(oauth_start))
        .route("/__sandbox/link/oauth/resume", post(oauth_resume))
}

/// Script responses may be embedded by pages of any origin, including ones that isolate
/// themselves with `Cross-Origin-Embedder-Policy: require-corp` (as wasm-bindgen's test
/// runner does), which block a no-cors script without this header.
fn javascript(body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (
                HeaderName::from_static("cross-origin-resource-policy"),
                "cross-origin",
            ),
        ],
        body,
    )
        .into_response()
}

async fn script(State(shared): State<Shared>) -> Response {
    let app = &shared.app;
    app.script_loads.fetch_add(1, Ordering::SeqCst);
    let fault = app.faults().take(Some("script"));
    if let Some(fault) = fault {
        if app.delay_or_hang(&fault).await {
            return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
        }
        if let Some(response) = fault.status_response() {
            return response;
        }
        if fault.no_plaid {
            return javascript(NO_PLAID_JS);
        }
    }
    javascript(LINK_JS)
}

fn institution_json(c: &Connection) -> Value {
    json!({ "name": c.institution.name, "institution_id": c.institution.institution_id })
}

fn accounts_json(c: &Connection) -> Value {
    Value::Array(
        c.accounts
            .iter()
            .map(|a| {
                json!({
                    "id": a.id,
                    "name": a.name,
                    "mask": a.mask,
                    "type": a.kind,
                    "subtype": a.subtype,
                    "verification_status": null,
                })
            })
            .collect(),
    )
}

#[derive(Deserialize)]
struct SessionQuery {
    #[serde(default)]
    token: Option<String>,
}

fn invalid(failure: &PlaidFailure) -> Value {
    json!({
        "valid": false,
        "errorType": failure.kind,
        "errorCode": failure.code,
        "errorMessage": failure.message,
        "institution": null,
        "accounts": [],
        "behavior": null,
        "requestId": random_id("req-sandbox"),
    })
}

async fn session(State(shared): State<Shared>, Query(q): Query<SessionQuery>) -> Json<Value> {
    let token = q.token.unwrap_or_default();
    let result = shared.app.store().link_session(&token);
    // `linkBehavior.expireFirstToken`: Link reports the first token it sees as invalid, as
    // Plaid does for an expired link token; the flag is then spent.
    let result = result.and_then(|view| {
        if shared
            .app
            .store()
            .take_behavior_flag(&view.connection.id, "expireFirstToken")
        {
            Err(PlaidFailure::new(
                "INVALID_LINK_TOKEN",
                "the link token has expired",
            ))
        } else {
            Ok(view)
        }
    });
    Json(match result {
        Ok(view) => json!({
            "valid": true,
            "errorCode": null,
            "errorMessage": null,
            "connectionId": view.connection.id,
            "institution": institution_json(&view.connection),
            "accounts": accounts_json(&view.connection),
            "behavior": view.connection.link_behavior,
            "requestId": view.request_id,
            "oauth": view.connection.oauth,
            "oauthRedirect": view.redirect_uri.is_some(),
        }),
        Err(failure) => invalid(&failure),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SuccessBody {
    #[serde(default)]
    link_token: String,
    #[serde(default)]
    link_session_id: Option<String>,
}

async fn success(State(shared): State<Shared>, body: Bytes) -> Response {
    let req: SuccessBody = match parse_body(&body) {
        Ok(r) => r,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, e),
    };
    let minted = shared.app.store().mint_public_token(&req.link_token);
    match minted {
        Ok((public_token, view)) => {
            let link_session_id = req
                .link_session_id
                .unwrap_or_else(|| random_id("link-session"));
            Json(json!({
                "publicToken": public_token,
                "metadata": {
                    "institution": institution_json(&view.connection),
                    "accounts": accounts_json(&view.connection),
                    "link_session_id": link_session_id,
                    "transfer_status": null,
                },
            }))
            .into_response()
        }
        Err(failure) => (StatusCode::BAD_REQUEST, Json(invalid(&failure))).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OAuthBody {
    #[serde(default)]
    link_token: String,
    #[serde(default)]
    received_redirect_uri: String,
}

/// Link hands the user to the bank: `{ oauthStateId, redirectUrl }`, the initialize's
/// `redirectUri` with `oauth_state_id` added; 400 when the link token is invalid or its
/// initialize had no `redirectUri`.
async fn oauth_start(State(shared): State<Shared>, body: Bytes) -> Response {
    let req: OAuthBody = match parse_body(&body) {
        Ok(r) => r,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, e),
    };
    let started = shared.app.store().oauth_start(&req.link_token);
    match started {
        Ok(start) => Json(json!({
            "oauthStateId": start.oauth_state_id,
            "redirectUrl": start.redirect_url,
        }))
        .into_response(),
        Err(failure) => (StatusCode::BAD_REQUEST, Json(invalid(&failure))).into_response(),
    }
}

/// Link is re-initialized with `receivedRedirectUri`: `{ valid: true, requestId }` when its
/// `oauth_state_id` was handed out for this link token and not used yet, else 400 with Plaid's
/// `OAUTH_ERROR` (`OAUTH_STATE_ID_NOT_FOUND`, `INCORRECT_LINK_TOKEN`,
/// `OAUTH_STATE_ID_ALREADY_PROCESSED`) or `INVALID_LINK_TOKEN`.
async fn oauth_resume(State(shared): State<Shared>, body: Bytes) -> Response {
    let req: OAuthBody = match parse_body(&body) {
        Ok(r) => r,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, e),
    };
    let resumed = shared
        .app
        .store()
        .oauth_resume(&req.link_token, &req.received_redirect_uri);
    match resumed {
        Ok(view) => Json(json!({
            "valid": true,
            "errorType": null,
            "errorCode": null,
            "errorMessage": null,
            "connectionId": view.connection.id,
            "requestId": view.request_id,
        }))
        .into_response(),
        Err(failure) => (StatusCode::BAD_REQUEST, Json(invalid(&failure))).into_response(),
    }
}

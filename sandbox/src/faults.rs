//! Fault knobs: added latency, HTTP errors, malformed bodies and hangs, per GraphQL operation
//! and for the Link script.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Keys accepted by `POST /__sandbox/faults`: root GraphQL fields, `any` (every GraphQL
/// request without a knob of its own) and `script` (the Link stand-in script).
pub const KNOWN_KEYS: &[&str] = &[
    "connectorPlaidInitialize",
    "connectorPlaidClose",
    "connectionUpdate",
    "connectionSimulateError",
    "connection",
    "connections",
    "any",
    "script",
];

/// One knob. Every field is optional; they combine as: wait `latencyMs`, then `hang`, or answer
/// `status`, or answer a `malformed` body, or answer `body`, or (none of these) answer normally.
/// With `afterResolve`, the operation runs first and the knob then applies to its answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// Delay before answering, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Answer with this HTTP status and a small JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// With `status`: send `Retry-After: <secs>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    /// Answer 200 with a body that is not JSON (GraphQL operations only).
    #[serde(default, skip_serializing_if = "is_false")]
    pub malformed: bool,
    /// Answer 200 with this JSON body instead of running the operation (GraphQL operations
    /// only): for documented-but-odd or broken payloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    /// Never answer (until the client gives up or the sandbox shuts down).
    #[serde(default, skip_serializing_if = "is_false")]
    pub hang: bool,
    /// Serve a script that does not define `window.Plaid` (script only).
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_plaid: bool,
    /// Run the operation first (its effects happen: a close repairs the connection and uses up
    /// the public token), then apply the knob to the answer (GraphQL operations only).
    #[serde(default, skip_serializing_if = "is_false")]
    pub after_resolve: bool,
    /// Apply to the next N requests only; absent = until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Fault {
    /// The configured latency.
    pub fn latency(&self) -> Option<Duration> {
        self.latency_ms.map(Duration::from_millis)
    }

    /// The error response for `status`, if one is configured and valid.
    pub fn status_response(&self) -> Option<Response> {
        let code = StatusCode::from_u16(self.status?).ok()?;
        let body = serde_json::json!({
            "errors": [{
                "message": format!("Sandbox fault: HTTP {}", code.as_u16()),
                "extensions": { "code": "SANDBOX_FAULT" }
            }]
        });
        let mut response = (code, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        Some(response)
    }
}

/// A 200 response whose body is not JSON, though it says it is.
pub fn malformed_response() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "{\"data\": {\"connectorPlaidInitialize\": <html>502 Bad Gateway</html>",
    )
        .into_response()
}

/// The active knobs.
#[derive(Debug, Default)]
pub struct Faults {
    knobs: BTreeMap<String, Fault>,
}

impl Faults {
    /// Adds or replaces knobs from a JSON object `{ "<key>": Fault, ... }`.
    pub fn merge(&mut self, body: Value) -> Result<(), String> {
        let Value::Object(map) = body else {
            return Err("the body must be a JSON object of fault knobs".into());
        };
        let mut parsed = Vec::new();
        for (key, value) in map {
            if !KNOWN_KEYS.contains(&key.as_str()) {
                return Err(format!(
                    "unknown fault key {key:?}; known keys: {}",
                    KNOWN_KEYS.join(", ")
                ));
            }
            if value.is_null() {
                parsed.push((key, None));
                continue;
            }
            let fault: Fault =
                serde_json::from_value(value).map_err(|e| format!("fault {key:?}: {e}"))?;
            if let Some(s) = fault.status {
                if StatusCode::from_u16(s).is_err() {
                    return Err(format!("fault {key:?}: invalid HTTP status {s}"));
                }
            }
            if fault.after_resolve && key == "script" {
                return Err(format!(
                    "fault {key:?}: afterResolve applies to GraphQL operations only"
                ));
            }
            parsed.push((key, Some(fault)));
        }
        for (key, fault) in parsed {
            match fault {
                Some(f) if f.times != Some(0) => {
                    self.knobs.insert(key, f);
                }
                _ => {
                    self.knobs.remove(&key);
                }
            }
        }
        Ok(())
    }

    /// Removes every knob.
    pub fn clear(&mut self) {
        self.knobs.clear();
    }

    /// The active knobs, for `GET /__sandbox/faults`.
    pub fn snapshot(&self) -> Value {
        serde_json::to_value(&self.knobs).unwrap_or(Value::Null)
    }

    /// Takes the knob for `key` for one request (falling back to `any` for GraphQL
    /// operations), counting down `times`.
    pub fn take(&mut self, key: Option<&str>) -> Option<Fault> {
        let key = match key {
            Some(k) if self.knobs.contains_key(k) => k.to_owned(),
            Some("script") => return None,
            _ if self.knobs.contains_key("any") => "any".to_owned(),
            _ => return None,
        };
        let fault = self.knobs.get_mut(&key)?;
        let taken = fault.clone();
        if let Some(n) = fault.times.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.knobs.remove(&key);
            }
        }
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_counts_down_then_stops() {
        let mut f = Faults::default();
        f.merge(json!({"connectorPlaidInitialize": {"status": 503, "times": 2}}))
            .unwrap();
        assert!(f.take(Some("connectorPlaidInitialize")).is_some());
        assert!(f.take(Some("connectorPlaidInitialize")).is_some());
        assert!(f.take(Some("connectorPlaidInitialize")).is_none());
    }

    #[test]
    fn any_applies_to_graphql_but_not_script() {
        let mut f = Faults::default();
        f.merge(json!({"any": {"latencyMs": 5}})).unwrap();
        assert!(f.take(Some("connectionUpdate")).is_some());
        assert!(f.take(None).is_some());
        assert!(f.take(Some("script")).is_none());
    }

    #[test]
    fn unknown_keys_and_fields_are_refused() {
        let mut f = Faults::default();
        assert!(f.merge(json!({"connectorPlaidInit": {}})).is_err());
        assert!(f.merge(json!({"script": {"latency": 5}})).is_err());
        assert!(f.merge(json!({"script": {"status": 1000}})).is_err());
        assert!(f.merge(json!({"script": {"afterResolve": true}})).is_err());
        assert!(f.merge(json!([1])).is_err());
    }
}

//! A flow's support trail: its steps in order with their time from the start, Quiltt's
//! `requestId`s and the package version, and never a token of any kind. Every result and every
//! error of a reconnect carries one; `JSON.stringify(trail)` is what a support ticket needs.

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

/// The most steps a trail keeps: a Link session with many screens stays readable, and a trail
/// stays small. The ones past it are counted in [`Trail::dropped`].
pub const MAX_STEPS: usize = 200;

/// What happened in a flow, for support: steps with their time, Quiltt's request ids, the
/// version. It holds no token: every text in it was scrubbed of the tokens the flow saw.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::Trail;
/// let trail = Trail::default();
/// assert!(trail.steps.is_empty());
/// assert_eq!(trail.version, env!("CARGO_PKG_VERSION"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Trail {
    /// The version of the package that ran the flow.
    pub version: &'static str,
    /// The connection being repaired.
    pub connection_id: String,
    /// When the flow started (Unix ms).
    pub started_at: f64,
    /// The steps, in order.
    pub steps: Vec<TrailEntry>,
    /// The `requestId`s Quiltt gave (initialize's record, its errors), in order, once each.
    pub request_ids: Vec<String>,
    /// Steps left out past the 200 a trail keeps.
    pub dropped: u32,
}

impl Default for Trail {
    fn default() -> Self {
        Trail {
            version: env!("CARGO_PKG_VERSION"),
            connection_id: String::new(),
            started_at: 0.0,
            steps: Vec::new(),
            request_ids: Vec::new(),
            dropped: 0,
        }
    }
}

/// One step of a [`Trail`]: when, and what. Written as one flat object,
/// `{ "atMs": 12, "step": "reply", "operation": …, "status": 200, "error": null }`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TrailEntry {
    /// Milliseconds since the flow started.
    pub at_ms: u32,
    /// What happened.
    pub step: TrailStep,
}

/// By hand rather than `#[serde(flatten)]` over a tagged enum: flattening goes through serde's
/// map path, which cost about 5 KB of the module (the step's flattened serializer and
/// serde-wasm-bindgen's map serializer, measured with `twiggy diff`); this is one struct.
impl Serialize for TrailEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut entry = serializer.serialize_struct("TrailEntry", 8)?;
        entry.serialize_field("atMs", &self.at_ms)?;
        entry.serialize_field("step", self.step.name())?;
        self.step.fields(&mut entry)?;
        entry.end()
    }
}

/// What happened at a step. In JavaScript, `step` names the kind (`name()`) and the other keys
/// are its fields, in camelCase (`{ "atMs": 12, "step": "reply", "operation":
/// "ConnectorPlaidInitialize", "status": 200, "error": null }`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum TrailStep {
    /// The flow began; `resumed` when it finishes one an earlier page left.
    Started {
        /// Whether it finishes a flow an earlier page left (reload, OAuth bank's redirect).
        resumed: bool,
        /// The generation of Quiltt's schema spoken first.
        schema: &'static str,
    },
    /// Waiting for the connection's lock (another flow or tab may hold it).
    Lock,
    /// The lock is held.
    Locked,
    /// A request was sent.
    Request {
        /// The GraphQL operation (`ConnectorPlaidInitialize`, `ConnectorPlaidClose`, `Connection`).
        operation: &'static str,
        /// 1 for the first send of this operation in the flow, then 2, 3...
        attempt: u32,
    },
    /// A request's answer.
    Reply {
        /// The GraphQL operation.
        operation: &'static str,
        /// The HTTP status, when an answer came.
        status: Option<u16>,
        /// The error code when no answer came (`NETWORK`, `TIMEOUT`).
        error: Option<&'static str>,
    },
    /// A transient failure: the request goes again after the delay.
    Retry {
        /// The GraphQL operation.
        operation: &'static str,
        /// Why: the HTTP status (`HTTP 503`) or the error code (`NETWORK`, `TIMEOUT`) of the
        /// answer before.
        cause: String,
        /// The wait before it goes again.
        delay_ms: u32,
    },
    /// No session token: why.
    TokenFailed {
        /// The error code.
        error: &'static str,
    },
    /// Initialize's record.
    Initialized {
        /// Its connector status (`ACTION_REQUIRED`, `CONTINUE`, `WAIT`, ...).
        connector_status: String,
    },
    /// Quiltt answered `WAIT`: initialize goes again after the delay.
    Wait {
        /// The wait.
        delay_ms: u32,
    },
    /// Plaid's script loaded.
    ScriptLoaded,
    /// Plaid's script did not load.
    ScriptFailed {
        /// The error code.
        error: &'static str,
    },
    /// Link was asked to open.
    LinkStarted,
    /// One of Plaid's `onEvent` events.
    Plaid {
        /// Plaid's event name (`OPEN`, `TRANSITION_VIEW`, `HANDOFF`, `EXIT`, ...).
        event: String,
        /// Plaid's `view_name`.
        view_name: Option<String>,
        /// Plaid's `link_session_id`.
        link_session_id: Option<String>,
        /// Plaid's `request_id`.
        request_id: Option<String>,
        /// Plaid's `error_code`.
        error_code: Option<String>,
        /// Plaid's `exit_status`.
        exit_status: Option<String>,
    },
    /// Link succeeded (`onSuccess`).
    LinkSucceeded {
        /// Plaid's `link_session_id`.
        link_session_id: Option<String>,
    },
    /// The user left Link, or Link ended with an error (`onExit`).
    LinkExited {
        /// Plaid's exit `status` (`requires_credentials`, `institution_not_found`, ...).
        status: Option<String>,
        /// Plaid's `link_session_id`.
        link_session_id: Option<String>,
        /// Plaid's `request_id`.
        request_id: Option<String>,
        /// Plaid's `error_code`, when Link ended with an error.
        error_code: Option<String>,
    },
    /// Link could not start or did not load.
    LinkFailed {
        /// What failed (`create_threw`, `open_threw`, `not_loaded`).
        failure: &'static str,
    },
    /// The connection's status read after the close (`confirm`, or a close whose answer was
    /// lost).
    ReadBack {
        /// The status read, where one was.
        status: Option<String>,
    },
    /// The flow ended.
    Ended {
        /// `repaired`, `reconnected` or `exited` when it resolved.
        outcome: Option<&'static str>,
        /// The error code when it rejected.
        error: Option<&'static str>,
    },
}

impl TrailStep {
    /// The step's kind, as the trail writes it (`reply`, `link_exited`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            TrailStep::Started { .. } => "started",
            TrailStep::Lock => "lock",
            TrailStep::Locked => "locked",
            TrailStep::Request { .. } => "request",
            TrailStep::Reply { .. } => "reply",
            TrailStep::Retry { .. } => "retry",
            TrailStep::TokenFailed { .. } => "token_failed",
            TrailStep::Initialized { .. } => "initialized",
            TrailStep::Wait { .. } => "wait",
            TrailStep::ScriptLoaded => "script_loaded",
            TrailStep::ScriptFailed { .. } => "script_failed",
            TrailStep::LinkStarted => "link_started",
            TrailStep::Plaid { .. } => "plaid",
            TrailStep::LinkSucceeded { .. } => "link_succeeded",
            TrailStep::LinkExited { .. } => "link_exited",
            TrailStep::LinkFailed { .. } => "link_failed",
            TrailStep::ReadBack { .. } => "read_back",
            TrailStep::Ended { .. } => "ended",
        }
    }

    /// Writes the step's fields (camelCase) into its entry's object.
    fn fields<S: SerializeStruct>(&self, entry: &mut S) -> Result<(), S::Error> {
        match self {
            TrailStep::Started { resumed, schema } => {
                entry.serialize_field("resumed", resumed)?;
                entry.serialize_field("schema", schema)
            }
            TrailStep::Lock
            | TrailStep::Locked
            | TrailStep::ScriptLoaded
            | TrailStep::LinkStarted => Ok(()),
            TrailStep::Request { operation, attempt } => {
                entry.serialize_field("operation", operation)?;
                entry.serialize_field("attempt", attempt)
            }
            TrailStep::Reply {
                operation,
                status,
                error,
            } => {
                entry.serialize_field("operation", operation)?;
                entry.serialize_field("status", status)?;
                entry.serialize_field("error", error)
            }
            TrailStep::Retry {
                operation,
                cause,
                delay_ms,
            } => {
                entry.serialize_field("operation", operation)?;
                entry.serialize_field("cause", cause)?;
                entry.serialize_field("delayMs", delay_ms)
            }
            TrailStep::TokenFailed { error } | TrailStep::ScriptFailed { error } => {
                entry.serialize_field("error", error)
            }
            TrailStep::Initialized { connector_status } => {
                entry.serialize_field("connectorStatus", connector_status)
            }
            TrailStep::Wait { delay_ms } => entry.serialize_field("delayMs", delay_ms),
            TrailStep::Plaid {
                event,
                view_name,
                link_session_id,
                request_id,
                error_code,
                exit_status,
            } => {
                entry.serialize_field("event", event)?;
                entry.serialize_field("viewName", view_name)?;
                entry.serialize_field("linkSessionId", link_session_id)?;
                entry.serialize_field("requestId", request_id)?;
                entry.serialize_field("errorCode", error_code)?;
                entry.serialize_field("exitStatus", exit_status)
            }
            TrailStep::LinkSucceeded { link_session_id } => {
                entry.serialize_field("linkSessionId", link_session_id)
            }
            TrailStep::LinkExited {
                status,
                link_session_id,
                request_id,
                error_code,
            } => {
                entry.serialize_field("status", status)?;
                entry.serialize_field("linkSessionId", link_session_id)?;
                entry.serialize_field("requestId", request_id)?;
                entry.serialize_field("errorCode", error_code)
            }
            TrailStep::LinkFailed { failure } => entry.serialize_field("failure", failure),
            TrailStep::ReadBack { status } => entry.serialize_field("status", status),
            TrailStep::Ended { outcome, error } => {
                entry.serialize_field("outcome", outcome)?;
                entry.serialize_field("error", error)
            }
        }
    }
}

impl Trail {
    /// An empty trail of a flow for `connection_id` that starts at `now_ms`.
    pub(crate) fn new(connection_id: &str, now_ms: f64) -> Self {
        Trail {
            connection_id: connection_id.to_owned(),
            started_at: now_ms,
            ..Trail::default()
        }
    }

    /// Adds `step` at `now_ms`.
    pub(crate) fn push(&mut self, now_ms: f64, step: TrailStep) {
        if self.steps.len() >= MAX_STEPS {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        let at_ms = (now_ms - self.started_at).clamp(0.0, f64::from(u32::MAX)) as u32;
        self.steps.push(TrailEntry { at_ms, step });
    }

    /// Adds Quiltt's `request_id`, once.
    pub(crate) fn request_id(&mut self, request_id: &str) {
        if !self.request_ids.iter().any(|r| r == request_id) {
            self.request_ids.push(request_id.to_owned());
        }
    }

    /// Why the last request is retried, from its reply's step.
    pub(crate) fn last_failure(&self) -> String {
        let reply = self.steps.iter().rev().find_map(|e| match &e.step {
            TrailStep::Reply { status, error, .. } => Some((*status, *error)),
            _ => None,
        });
        match reply {
            Some((_, Some(code))) => code.to_owned(),
            Some((Some(status), None)) => format!("HTTP {status}"),
            _ => String::new(),
        }
    }

    /// How many times `operation` was sent so far.
    pub(crate) fn attempts(&self, operation: &str) -> u32 {
        let sent = self.steps.iter().filter(
            |e| matches!(&e.step, TrailStep::Request { operation: o, .. } if *o == operation),
        );
        sent.count() as u32
    }

    /// Applies `scrub` to every text of the trail that came from a server or from Link.
    pub(crate) fn scrub(&mut self, scrub: impl Fn(&mut String)) {
        self.request_ids.iter_mut().for_each(&scrub);
        for entry in &mut self.steps {
            let texts: Vec<&mut String> = match &mut entry.step {
                TrailStep::Initialized { connector_status } => vec![connector_status],
                TrailStep::Plaid {
                    event,
                    view_name,
                    link_session_id,
                    request_id,
                    error_code,
                    exit_status,
                } => [
                    view_name,
                    link_session_id,
                    request_id,
                    error_code,
                    exit_status,
                ]
                .into_iter()
                .flatten()
                .chain([event])
                .collect(),
                TrailStep::LinkSucceeded { link_session_id } => {
                    link_session_id.iter_mut().collect()
                }
                TrailStep::LinkExited {
                    status,
                    link_session_id,
                    request_id,
                    error_code,
                } => [status, link_session_id, request_id, error_code]
                    .into_iter()
                    .flatten()
                    .collect(),
                TrailStep::ReadBack { status } => status.iter_mut().collect(),
                _ => Vec::new(),
            };
            texts.into_iter().for_each(&scrub);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_each_step_flat_with_its_time() {
        let mut trail = Trail::new("c1", 1_000.0);
        trail.push(
            1_012.4,
            TrailStep::Reply {
                operation: "ConnectorPlaidInitialize",
                status: Some(200),
                error: None,
            },
        );
        trail.request_id("r1");
        trail.request_id("r1");
        let text = serde_json::to_string(&trail).unwrap();
        assert_eq!(
            text,
            format!(
                r#"{{"version":"{}","connectionId":"c1","startedAt":1000.0,"steps":[{{"atMs":12,"step":"reply","operation":"ConnectorPlaidInitialize","status":200,"error":null}}],"requestIds":["r1"],"dropped":0}}"#,
                env!("CARGO_PKG_VERSION")
            )
        );
    }

    #[test]
    fn every_step_is_one_flat_object_named_in_snake_case_with_camel_case_keys() {
        let mut trail = Trail::new("c1", 0.0);
        let t = || Some("x".to_owned());
        let steps = [
            TrailStep::Started {
                resumed: true,
                schema: "2025-04",
            },
            TrailStep::Lock,
            TrailStep::Retry {
                operation: "Op",
                cause: "HTTP 503".into(),
                delay_ms: 300,
            },
            TrailStep::Plaid {
                event: "OPEN".into(),
                view_name: t(),
                link_session_id: t(),
                request_id: t(),
                error_code: None,
                exit_status: None,
            },
            TrailStep::LinkExited {
                status: t(),
                link_session_id: t(),
                request_id: None,
                error_code: None,
            },
            TrailStep::Ended {
                outcome: Some("exited"),
                error: None,
            },
        ];
        for step in steps {
            trail.push(5.0, step);
        }
        let value = serde_json::to_value(&trail).unwrap();
        let steps = value["steps"].as_array().unwrap();
        assert_eq!(
            steps[0],
            serde_json::json!({ "atMs": 5, "step": "started", "resumed": true, "schema": "2025-04" })
        );
        assert_eq!(steps[1], serde_json::json!({ "atMs": 5, "step": "lock" }));
        assert_eq!(
            steps[2],
            serde_json::json!({ "atMs": 5, "step": "retry", "operation": "Op", "cause": "HTTP 503", "delayMs": 300 })
        );
        assert_eq!(steps[3]["viewName"], "x");
        assert_eq!(steps[3]["exitStatus"], serde_json::Value::Null);
        assert_eq!(steps[4]["step"], "link_exited");
        assert_eq!(steps[4]["linkSessionId"], "x");
        assert_eq!(
            steps[5],
            serde_json::json!({ "atMs": 5, "step": "ended", "outcome": "exited", "error": null })
        );
    }

    #[test]
    fn keeps_at_most_max_steps_and_counts_the_rest() {
        let mut trail = Trail::new("c1", 0.0);
        for _ in 0..MAX_STEPS + 3 {
            trail.push(1.0, TrailStep::Lock);
        }
        assert_eq!(trail.steps.len(), MAX_STEPS);
        assert_eq!(trail.dropped, 3);
    }

    #[test]
    fn scrub_reaches_every_text_from_a_server_or_link() {
        let mut trail = Trail::new("c1", 0.0);
        let t = || Some("tok".to_owned());
        trail.push(
            0.0,
            TrailStep::Plaid {
                event: "tok".into(),
                view_name: t(),
                link_session_id: t(),
                request_id: t(),
                error_code: t(),
                exit_status: t(),
            },
        );
        trail.push(
            0.0,
            TrailStep::LinkExited {
                status: t(),
                link_session_id: t(),
                request_id: t(),
                error_code: t(),
            },
        );
        trail.push(
            0.0,
            TrailStep::LinkSucceeded {
                link_session_id: t(),
            },
        );
        trail.push(0.0, TrailStep::ReadBack { status: t() });
        trail.push(
            0.0,
            TrailStep::Initialized {
                connector_status: "tok".into(),
            },
        );
        trail.request_id("tok");
        trail.scrub(|s| *s = s.replace("tok", "[redacted]"));
        assert!(!serde_json::to_string(&trail).unwrap().contains("tok"));
    }
}

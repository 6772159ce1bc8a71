//! What operations hand back: a reconnect's result, and the events a flow emits on its way.

use std::rc::Rc;

use serde::Serialize;

use crate::json::Json;
use crate::plaid::PlaidLinkError;
use crate::quiltt::{Connection, PlaidConnector};
use crate::trail::Trail;

/// How a reconnect ended (`result.outcome` in JavaScript). Each carries the flow's support
/// [`Trail`].
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{Connection, ReconnectResult};
/// let done = ReconnectResult::reconnected(Connection::new("conn_1"));
/// assert!(matches!(done, ReconnectResult::Reconnected { confirmed: None, .. }));
/// assert_eq!(done.trail().steps.len(), 0);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum ReconnectResult {
    /// Initialize answered `CONTINUE`: the connection is already fine; Link was not opened.
    #[non_exhaustive]
    Repaired {
        /// The initialize record (its tokens are not included).
        connector: PlaidConnector,
        /// What happened, for support.
        trail: Trail,
    },
    /// The user went through Link and `connectorPlaidClose` repaired (or updated) the
    /// connection.
    #[non_exhaustive]
    Reconnected {
        /// The repaired connection (with `confirm`, as last read).
        connection: Connection,
        /// With `confirm`: whether the connection left `SYNCING` for a healthy status within the
        /// bound. `None` without `confirm`.
        #[serde(skip_serializing_if = "Option::is_none")]
        confirmed: Option<bool>,
        /// What happened, for support.
        trail: Trail,
    },
    /// The user left Link (or Link ended with an error); no close was sent.
    #[non_exhaustive]
    Exited {
        /// Link's error, `None` when the user simply left.
        error: Option<PlaidLinkError>,
        /// Link's exit metadata.
        metadata: Json,
        /// What happened, for support.
        trail: Trail,
    },
}

impl ReconnectResult {
    /// `repaired`, with an empty trail.
    pub fn repaired(connector: PlaidConnector) -> Self {
        ReconnectResult::Repaired {
            connector,
            trail: Trail::default(),
        }
    }

    /// `reconnected`, not confirmed, with an empty trail.
    pub fn reconnected(connection: Connection) -> Self {
        ReconnectResult::Reconnected {
            connection,
            confirmed: None,
            trail: Trail::default(),
        }
    }

    /// `exited`, with an empty trail.
    pub fn exited(error: Option<PlaidLinkError>, metadata: Json) -> Self {
        ReconnectResult::Exited {
            error,
            metadata,
            trail: Trail::default(),
        }
    }

    /// `repaired`, `reconnected` or `exited`.
    pub fn outcome(&self) -> &'static str {
        match self {
            ReconnectResult::Repaired { .. } => "repaired",
            ReconnectResult::Reconnected { .. } => "reconnected",
            ReconnectResult::Exited { .. } => "exited",
        }
    }

    /// The flow's support trail.
    pub fn trail(&self) -> &Trail {
        match self {
            ReconnectResult::Repaired { trail, .. }
            | ReconnectResult::Reconnected { trail, .. }
            | ReconnectResult::Exited { trail, .. } => trail,
        }
    }

    pub(crate) fn trail_mut(&mut self) -> &mut Trail {
        match self {
            ReconnectResult::Repaired { trail, .. }
            | ReconnectResult::Reconnected { trail, .. }
            | ReconnectResult::Exited { trail, .. } => trail,
        }
    }
}

/// Where a flow is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Stage {
    /// `connectorPlaidInitialize` is in flight.
    Initializing,
    /// Waiting for Plaid's script.
    LinkLoading,
    /// Link is open.
    LinkOpen,
    /// `connectorPlaidClose` is in flight.
    Closing,
    /// `confirm`: the repaired connection is read until it leaves `SYNCING`.
    Confirming,
    /// The flow ended, whatever the outcome. Always its last event.
    Done,
}

/// What `onEvent` receives: a flow's progress, and Plaid's own events passed through.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{ReconnectEvent, Stage};
/// let done = ReconnectEvent::Progress { connection_id: "c1".into(), stage: Stage::Done };
/// assert_eq!(done.stage(), Some(Stage::Done));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
#[non_exhaustive]
pub enum ReconnectEvent {
    /// The flow moved to `stage`.
    Progress {
        /// The connection being repaired.
        #[serde(rename = "connectionId")]
        connection_id: String,
        /// The new stage.
        stage: Stage,
    },
    /// Plaid Link's `onEvent(eventName, metadata)`.
    Plaid {
        /// The connection being repaired.
        #[serde(rename = "connectionId")]
        connection_id: String,
        /// Plaid's event name (`OPEN`, `TRANSITION_VIEW`, `HANDOFF`, `EXIT`, ...).
        name: String,
        /// Plaid's event metadata, as Plaid gave it.
        metadata: Json,
    },
}

impl ReconnectEvent {
    /// The stage a `progress` event reports; `None` for Plaid's own events.
    pub fn stage(&self) -> Option<Stage> {
        match self {
            ReconnectEvent::Progress { stage, .. } => Some(*stage),
            ReconnectEvent::Plaid { .. } => None,
        }
    }
}

/// Receives a flow's events.
pub type EventSink = Rc<dyn Fn(ReconnectEvent)>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_and_events_serialize_to_the_documented_js_shapes() {
        let exited = ReconnectResult::exited(None, Json::null());
        let trail = serde_json::to_string(&Trail::default()).unwrap();
        assert_eq!(
            serde_json::to_string(&exited).unwrap(),
            format!(r#"{{"outcome":"exited","error":null,"metadata":null,"trail":{trail}}}"#)
        );
        let event = ReconnectEvent::Progress {
            connection_id: "c".into(),
            stage: Stage::LinkLoading,
        };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"type":"progress","connectionId":"c","stage":"link_loading"}"#
        );
        let mut connection = Connection::new("c1");
        connection.institution = Some(crate::Institution::new("Chase"));
        let mut done = ReconnectResult::reconnected(connection);
        assert_eq!(
            serde_json::to_string(&done).unwrap(),
            format!(
                r#"{{"outcome":"reconnected","connection":{{"id":"c1","status":null,"metadata":null,"accounts":[],"institution":{{"name":"Chase","logo":null}}}},"trail":{trail}}}"#
            )
        );
        if let ReconnectResult::Reconnected { confirmed, .. } = &mut done {
            *confirmed = Some(true);
        }
        let text = serde_json::to_string(&done).unwrap();
        assert!(text.contains(r#""confirmed":true,"trail""#), "{text}");
    }
}

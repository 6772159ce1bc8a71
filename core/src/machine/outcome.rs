//! What operations hand back: a reconnect's result, and the events a flow emits on its way.

use std::rc::Rc;

use serde::Serialize;

use crate::json::Json;
use crate::plaid::PlaidLinkError;
use crate::quiltt::{Connection, PlaidConnector};

/// How a reconnect ended (`result.outcome` in JavaScript).
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{Connection, ReconnectResult};
/// let done = ReconnectResult::Reconnected { connection: Connection::new("conn_1") };
/// assert!(matches!(done, ReconnectResult::Reconnected { .. }));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum ReconnectResult {
    /// Initialize answered `CONTINUE`: the connection is already fine; Link was not opened.
    Repaired {
        /// The initialize record (its tokens are not included).
        connector: PlaidConnector,
    },
    /// The user went through Link and `connectorPlaidClose` repaired (or updated) the
    /// connection.
    Reconnected {
        /// The repaired connection.
        connection: Connection,
    },
    /// The user left Link (or Link ended with an error); no close was sent.
    Exited {
        /// Link's error, `None` when the user simply left.
        error: Option<PlaidLinkError>,
        /// Link's exit metadata.
        metadata: Json,
    },
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
        let exited = ReconnectResult::Exited {
            error: None,
            metadata: Json::null(),
        };
        assert_eq!(
            serde_json::to_string(&exited).unwrap(),
            r#"{"outcome":"exited","error":null,"metadata":null}"#
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
        assert_eq!(
            serde_json::to_string(&ReconnectResult::Reconnected { connection }).unwrap(),
            r#"{"outcome":"reconnected","connection":{"id":"c1","status":null,"metadata":null,"accounts":[],"institution":{"name":"Chase","logo":null}}}"#
        );
    }
}

//! The reconnect flow as plain async Rust over two seams (a GraphQL [`Transport`] and a
//! [`LinkLauncher`]), with no web API in it, so every branch is unit-tested natively.

use std::rc::Rc;

use serde::Serialize;
use tsify::Tsify;

use crate::error::{Error, ErrorCode};
use crate::json::Json;
use crate::plaid::{LinkLauncher, LinkOutcome, PlaidEvent, PlaidLinkError};
use crate::quiltt::input::{
    ConnectionUpdateInput, ConnectorPlaidCloseInput, ConnectorPlaidInitializeInput,
};
use crate::quiltt::records::{Connection, ConnectorStatus, PlaidConnector};
use crate::quiltt::transport::Transport;
use crate::quiltt::{close, initialize, update_connection};
use crate::secret::{ConnectorToken, LinkToken, PublicToken};

/// How a reconnect ended (`result.outcome` in JavaScript).
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(tag = "outcome", rename_all = "lowercase")]
#[tsify(missing_as_null)]
pub enum ReconnectResult {
    /// Initialize answered `CONTINUE`: the connection is already fine; Link was never opened.
    Repaired {
        /// The initialize record (its tokens are not included).
        connector: PlaidConnector,
    },
    /// The user went through Link and `connectorPlaidClose` repaired the connection.
    Reconnected {
        /// The repaired connection.
        connection: Connection,
    },
    /// The user left Link (or Link ended with an error); no close was sent.
    Exited {
        /// Link's error, `null` when the user simply left.
        error: Option<PlaidLinkError>,
        /// Link's exit metadata.
        #[tsify(type = "unknown")]
        metadata: Json,
    },
}

/// Where a flow is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// `connectorPlaidInitialize` is in flight.
    Initializing,
    /// Waiting for Plaid's script.
    LinkLoading,
    /// Link is open.
    LinkOpen,
    /// `connectorPlaidClose` is in flight.
    Closing,
    /// The flow ended, whatever the outcome.
    Done,
}

/// What `onEvent` receives: the flow's progress, and Plaid's own events passed through.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(tag = "type", rename_all = "lowercase")]
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
        /// Plaid's event metadata.
        #[tsify(type = "Record<string, unknown>")]
        metadata: Json,
    },
}

/// Receives the flow's events.
pub type EventSink = Rc<dyn Fn(ReconnectEvent)>;

/// The tokens one flow has seen, scrubbed from any error it returns.
#[derive(Default)]
struct Secrets {
    link: Option<LinkToken>,
    connector: Option<ConnectorToken>,
    public: Option<PublicToken>,
}

impl Secrets {
    fn scrub(&self, error: Error) -> Error {
        error.redact(|text| {
            if let Some(t) = &self.link {
                t.redact(text);
            }
            if let Some(t) = &self.connector {
                t.redact(text);
            }
            if let Some(t) = &self.public {
                t.redact(text);
            }
        })
    }
}

/// Runs one reconnect: initialize, then (for `ACTION_REQUIRED`) Link, then close.
/// Emits `done` when it ends, however it ends.
///
/// # Errors
/// `INVALID_INPUT` before any request; transport and response errors from initialize;
/// `PLAID_SCRIPT` when Link can't start; `NO_PUBLIC_TOKEN` or `CLOSE_FAILED` (with Link's
/// metadata) when Link succeeded but the connection could not be closed.
pub async fn reconnect<T: Transport, L: LinkLauncher>(
    transport: &T,
    launcher: &L,
    input: &ConnectorPlaidInitializeInput,
    events: &EventSink,
) -> Result<ReconnectResult, Error> {
    input.validate()?;
    let mut secrets = Secrets::default();
    let result = run(transport, launcher, input, events, &mut secrets).await;
    events(ReconnectEvent::Progress {
        connection_id: input.connection_id.clone(),
        stage: Stage::Done,
    });
    result.map_err(|e| secrets.scrub(e))
}

async fn run<T: Transport, L: LinkLauncher>(
    transport: &T,
    launcher: &L,
    input: &ConnectorPlaidInitializeInput,
    events: &EventSink,
    secrets: &mut Secrets,
) -> Result<ReconnectResult, Error> {
    let connection_id = input.connection_id.clone();
    let progress = |stage| {
        events(ReconnectEvent::Progress {
            connection_id: connection_id.clone(),
            stage,
        })
    };
    progress(Stage::Initializing);
    // Plaid's script loads while initialize is in flight: the critical path is the slower one.
    launcher.preload();
    let connector = initialize(transport, input).await?;
    secrets.link = connector.link_token.clone();
    secrets.connector = connector.connector_token.clone();
    if connector.connector_status == ConnectorStatus::Continue {
        return Ok(ReconnectResult::Repaired { connector });
    }
    let missing = |field: &str| {
        Error::new(
            ErrorCode::BadResponse,
            format!("unexpected response from Quiltt: ACTION_REQUIRED without a {field}"),
        )
    };
    let link_token = connector.link_token.ok_or_else(|| missing("linkToken"))?;
    let connector_token = connector
        .connector_token
        .ok_or_else(|| missing("connectorToken"))?;

    progress(Stage::LinkLoading);
    launcher.ready().await?;
    progress(Stage::LinkOpen);
    let sink = Rc::clone(events);
    let id = connection_id.clone();
    let forward: Rc<dyn Fn(PlaidEvent)> = Rc::new(move |event: PlaidEvent| {
        sink(ReconnectEvent::Plaid {
            connection_id: id.clone(),
            name: event.name,
            metadata: event.metadata,
        })
    });
    match launcher.run(&link_token, forward).await? {
        LinkOutcome::Exit { error, metadata } => Ok(ReconnectResult::Exited { error, metadata }),
        LinkOutcome::Success {
            public_token: None,
            metadata,
        } => Err(Error::new(
            ErrorCode::NoPublicToken,
            "Plaid Link reported success without a public token; the connection was not closed",
        )
        .with_link_metadata(metadata)),
        LinkOutcome::Success {
            public_token: Some(public_token),
            metadata,
        } => {
            secrets.public = Some(public_token.clone());
            progress(Stage::Closing);
            let close_input = ConnectorPlaidCloseInput {
                client_mutation_id: input.client_mutation_id.clone(),
                connector_token,
                metadata,
                public_token,
            };
            match close(transport, &close_input).await {
                Ok(connection) => Ok(ReconnectResult::Reconnected { connection }),
                Err(e) => Err(e
                    .recoded(
                        ErrorCode::CloseFailed,
                        "Plaid Link succeeded but connectorPlaidClose failed",
                    )
                    .with_link_metadata(close_input.metadata)),
            }
        }
    }
}

/// Stores `input.metadata` on the connection with `connectionUpdate`.
///
/// # Errors
/// `INVALID_INPUT` before any request when the id is empty or the metadata is not an object;
/// transport and response errors otherwise.
pub async fn update_metadata<T: Transport>(
    transport: &T,
    input: &ConnectionUpdateInput,
) -> Result<Connection, Error> {
    input.validate()?;
    update_connection(transport, input).await
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::VecDeque;

    use futures_executor::block_on;

    use super::*;
    use crate::quiltt::transport::{GraphqlRequest, HttpReply};

    type Log = Rc<RefCell<Vec<String>>>;

    struct MockTransport {
        replies: RefCell<VecDeque<Result<HttpReply, Error>>>,
        sent: RefCell<Vec<GraphqlRequest>>,
        log: Log,
    }

    impl Transport for MockTransport {
        async fn post(&self, request: &GraphqlRequest) -> Result<HttpReply, Error> {
            self.log
                .borrow_mut()
                .push(format!("post {}", request.operation_name));
            self.sent.borrow_mut().push(request.clone());
            self.replies
                .borrow_mut()
                .pop_front()
                .expect("a reply was scripted for every request")
        }
    }

    struct MockLauncher {
        ready: Result<(), Error>,
        outcome: RefCell<Option<Result<LinkOutcome, Error>>>,
        events: Vec<PlaidEvent>,
        log: Log,
    }

    impl LinkLauncher for MockLauncher {
        fn preload(&self) {
            self.log.borrow_mut().push("preload".into());
        }
        async fn ready(&self) -> Result<(), Error> {
            self.log.borrow_mut().push("ready".into());
            self.ready.clone()
        }
        async fn run(
            &self,
            link_token: &LinkToken,
            on_event: Rc<dyn Fn(PlaidEvent)>,
        ) -> Result<LinkOutcome, Error> {
            self.log
                .borrow_mut()
                .push(format!("run {}", link_token.expose_secret()));
            for e in &self.events {
                on_event(e.clone());
            }
            self.outcome.borrow_mut().take().expect("run once")
        }
    }

    fn json(text: &str) -> Json {
        serde_json::from_str(text).unwrap()
    }

    fn ok(text: &str) -> Result<HttpReply, Error> {
        Ok(HttpReply {
            status: 200,
            body: Some(json(text)),
        })
    }

    const ACTION_REQUIRED: &str = r#"{"data":{"connectorPlaidInitialize":{"success":true,"record":{"connectorStatus":"ACTION_REQUIRED","connectorToken":"ct-1","expiration":"2099-01-01T00:00:00Z","linkToken":"lt-1","requestId":"req"}}}}"#;
    const CLOSED: &str = r#"{"data":{"connectorPlaidClose":{"success":true,"record":{"id":"c1","status":"SYNCED","accounts":[{"id":"a","name":"Checking"}],"institution":{"name":"Chase","logo":null}}}}}"#;

    struct Harness {
        transport: MockTransport,
        launcher: MockLauncher,
        log: Log,
        events: Rc<RefCell<Vec<ReconnectEvent>>>,
    }

    fn harness(
        replies: Vec<Result<HttpReply, Error>>,
        outcome: Option<Result<LinkOutcome, Error>>,
    ) -> Harness {
        let log: Log = Rc::default();
        Harness {
            transport: MockTransport {
                replies: RefCell::new(replies.into()),
                sent: RefCell::default(),
                log: log.clone(),
            },
            launcher: MockLauncher {
                ready: Ok(()),
                outcome: RefCell::new(outcome),
                events: vec![PlaidEvent {
                    name: "OPEN".into(),
                    metadata: json(r#"{"is_update_mode":true}"#),
                }],
                log: log.clone(),
            },
            log,
            events: Rc::default(),
        }
    }

    impl Harness {
        fn run(&self, input: &ConnectorPlaidInitializeInput) -> Result<ReconnectResult, Error> {
            let events = self.events.clone();
            let sink: EventSink = Rc::new(move |e| events.borrow_mut().push(e));
            block_on(reconnect(&self.transport, &self.launcher, input, &sink))
        }
        fn stages(&self) -> Vec<Stage> {
            self.events
                .borrow()
                .iter()
                .filter_map(|e| match e {
                    ReconnectEvent::Progress { stage, .. } => Some(*stage),
                    ReconnectEvent::Plaid { .. } => None,
                })
                .collect()
        }
        fn log(&self) -> Vec<String> {
            self.log.borrow().clone()
        }
    }

    fn success() -> Option<Result<LinkOutcome, Error>> {
        Some(Ok(LinkOutcome::Success {
            public_token: Some(PublicToken::new("pt-1")),
            metadata: json(
                r#"{"institution":{"name":"Chase","institution_id":"ins_3"},"accounts":[]}"#,
            ),
        }))
    }

    #[test]
    fn continue_resolves_repaired_without_link() {
        let h = harness(
            vec![ok(
                r#"{"data":{"connectorPlaidInitialize":{"success":true,"record":{"connectorStatus":"CONTINUE","connectorToken":null,"linkToken":null}}}}"#,
            )],
            None,
        );
        let result = h.run(&ConnectorPlaidInitializeInput::new("c1")).unwrap();
        assert!(
            matches!(result, ReconnectResult::Repaired { ref connector } if connector.connector_status == ConnectorStatus::Continue)
        );
        assert_eq!(h.log(), ["preload", "post ConnectorPlaidInitialize"]);
        assert_eq!(h.stages(), [Stage::Initializing, Stage::Done]);
    }

    #[test]
    fn action_required_opens_link_then_closes_once_with_links_metadata() {
        let h = harness(vec![ok(ACTION_REQUIRED), ok(CLOSED)], success());
        let mut input = ConnectorPlaidInitializeInput::new("c1");
        input.client_mutation_id = Some("m-7".into());
        let result = h.run(&input).unwrap();
        let ReconnectResult::Reconnected { connection } = result else {
            panic!("expected reconnected, got {result:?}");
        };
        assert_eq!(connection.institution.unwrap().name, "Chase");
        assert_eq!(
            h.log(),
            [
                "preload",
                "post ConnectorPlaidInitialize",
                "ready",
                "run lt-1",
                "post ConnectorPlaidClose"
            ]
        );
        let sent = h.transport.sent.borrow();
        let close_input = sent[1].variables.get("input").unwrap();
        assert_eq!(
            close_input.get("connectorToken").and_then(Json::as_str),
            Some("ct-1")
        );
        assert_eq!(
            close_input.get("publicToken").and_then(Json::as_str),
            Some("pt-1")
        );
        assert_eq!(
            close_input.get("clientMutationId").and_then(Json::as_str),
            Some("m-7")
        );
        assert_eq!(
            close_input
                .get("metadata")
                .and_then(|m| m.get("institution"))
                .and_then(|i| i.get("name")),
            Some(&Json::from("Chase"))
        );
        assert!(sent[1].keepalive && !sent[0].keepalive);
        assert_eq!(
            h.stages(),
            [
                Stage::Initializing,
                Stage::LinkLoading,
                Stage::LinkOpen,
                Stage::Closing,
                Stage::Done
            ]
        );
        assert!(h
            .events
            .borrow()
            .iter()
            .any(|e| matches!(e, ReconnectEvent::Plaid { name, .. } if name == "OPEN")));
    }

    #[test]
    fn exit_resolves_exited_without_close() {
        let h = harness(
            vec![ok(ACTION_REQUIRED)],
            Some(Ok(LinkOutcome::Exit {
                error: PlaidLinkError::from_json(&json(
                    r#"{"error_code":"ITEM_LOGIN_REQUIRED","error_type":"ITEM_ERROR"}"#,
                )),
                metadata: json(r#"{"status":"requires_credentials"}"#),
            })),
        );
        let result = h.run(&ConnectorPlaidInitializeInput::new("c1")).unwrap();
        let ReconnectResult::Exited { error, metadata } = result else {
            panic!("expected exited");
        };
        assert_eq!(
            error.unwrap().error_code.as_deref(),
            Some("ITEM_LOGIN_REQUIRED")
        );
        assert_eq!(
            metadata.get("status").and_then(Json::as_str),
            Some("requires_credentials")
        );
        assert_eq!(h.transport.sent.borrow().len(), 1);
        assert_eq!(h.stages().last(), Some(&Stage::Done));
    }

    #[test]
    fn invalid_input_sends_nothing() {
        let h = harness(vec![], None);
        let err = h.run(&ConnectorPlaidInitializeInput::new("")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(h.log().is_empty());
        assert!(h.events.borrow().is_empty());
    }

    #[test]
    fn initialize_failures_are_typed_and_skip_link() {
        let unknown = ok(
            r#"{"data":{"connectorPlaidInitialize":{"success":false,"record":null,"errors":[{"code":"NOT_FOUND","message":"Connection nope was not found"}]}}}"#,
        );
        let h = harness(vec![unknown], None);
        let err = h
            .run(&ConnectorPlaidInitializeInput::new("nope"))
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::MutationFailed);
        assert_eq!(err.errors()[0].code.as_deref(), Some("NOT_FOUND"));
        assert!(!h.log().iter().any(|l| l == "ready"));
        assert_eq!(h.stages(), [Stage::Initializing, Stage::Done]);

        let h = harness(vec![Err(Error::new(ErrorCode::Network, "offline"))], None);
        assert_eq!(
            h.run(&ConnectorPlaidInitializeInput::new("c"))
                .unwrap_err()
                .code(),
            ErrorCode::Network
        );
    }

    #[test]
    fn action_required_without_tokens_is_a_bad_response() {
        let h = harness(
            vec![ok(
                r#"{"data":{"connectorPlaidInitialize":{"success":true,"record":{"connectorStatus":"ACTION_REQUIRED","connectorToken":"ct","linkToken":null}}}}"#,
            )],
            None,
        );
        let err = h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::BadResponse);
        assert!(err.message().contains("linkToken"));
    }

    #[test]
    fn script_failure_rejects_plaid_script_without_running_link() {
        let mut h = harness(vec![ok(ACTION_REQUIRED)], success());
        h.launcher.ready = Err(Error::new(ErrorCode::PlaidScript, "script failed"));
        assert_eq!(
            h.run(&ConnectorPlaidInitializeInput::new("c"))
                .unwrap_err()
                .code(),
            ErrorCode::PlaidScript
        );
        assert!(!h.log().iter().any(|l| l.starts_with("run")));
    }

    #[test]
    fn null_public_token_is_a_typed_error_carrying_metadata_and_no_close() {
        let h = harness(
            vec![ok(ACTION_REQUIRED)],
            Some(Ok(LinkOutcome::Success {
                public_token: None,
                metadata: json(r#"{"link_session_id":"s"}"#),
            })),
        );
        let err = h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NoPublicToken);
        assert!(err.link_metadata().is_some());
        assert_eq!(h.transport.sent.borrow().len(), 1);
    }

    #[test]
    fn close_failure_is_close_failed_with_metadata_and_no_token_anywhere() {
        let refused = ok(
            r#"{"data":{"connectorPlaidClose":{"success":false,"errors":[{"code":"INVALID_PUBLIC_TOKEN","message":"token pt-1 for ct-1 (lt-1) is bad"}]}}}"#,
        );
        let h = harness(vec![ok(ACTION_REQUIRED), refused], success());
        let err = h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::CloseFailed);
        assert_eq!(
            err.errors()[0].code.as_deref(),
            Some("INVALID_PUBLIC_TOKEN")
        );
        assert!(err.link_metadata().unwrap().get("institution").is_some());
        let everything = format!("{err:?} {err}");
        for token in ["pt-1", "ct-1", "lt-1"] {
            assert!(!everything.contains(token), "{token} leaked: {everything}");
        }
    }

    #[test]
    fn close_transport_failure_is_close_failed_too() {
        let h = harness(
            vec![
                ok(ACTION_REQUIRED),
                Err(Error::new(ErrorCode::Timeout, "timed out")),
            ],
            success(),
        );
        let err = h.run(&ConnectorPlaidInitializeInput::new("c")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::CloseFailed);
        assert!(err.message().contains("timed out"));
    }

    #[test]
    fn launcher_errors_pass_through() {
        let h = harness(
            vec![ok(ACTION_REQUIRED)],
            Some(Err(Error::new(ErrorCode::PlaidScript, "create threw"))),
        );
        assert_eq!(
            h.run(&ConnectorPlaidInitializeInput::new("c"))
                .unwrap_err()
                .code(),
            ErrorCode::PlaidScript
        );
    }

    #[test]
    fn every_field_given_reaches_the_initialize_variables() {
        let h = harness(
            vec![ok(
                r#"{"data":{"connectorPlaidInitialize":{"success":true,"record":{"connectorStatus":"CONTINUE"}}}}"#,
            )],
            None,
        );
        let mut input = ConnectorPlaidInitializeInput::new("c1");
        input.features = Some("TRANSACTIONS".into());
        input.update = Some(json(r#"{"accountSelectionEnabled":true}"#));
        input.country_codes = Some(vec!["US".into()]);
        h.run(&input).unwrap();
        let sent = h.transport.sent.borrow();
        assert_eq!(
            sent[0].variables,
            json(
                r#"{"input":{"connectionId":"c1","countryCodes":["US"],"features":"TRANSACTIONS","update":{"accountSelectionEnabled":true}}}"#
            )
        );
    }

    #[test]
    fn update_metadata_validates_then_sends_id_and_metadata() {
        let h = harness(
            vec![ok(
                r#"{"data":{"connectionUpdate":{"success":true,"record":{"id":"c1","metadata":{"tier":"gold"}}}}}"#,
            )],
            None,
        );
        let input = ConnectionUpdateInput::new("c1", json(r#"{"tier":"gold"}"#));
        let connection = block_on(update_metadata(&h.transport, &input)).unwrap();
        assert_eq!(connection.metadata, json(r#"{"tier":"gold"}"#));
        assert_eq!(
            h.transport.sent.borrow()[0].variables,
            json(r#"{"input":{"id":"c1","metadata":{"tier":"gold"}}}"#)
        );
        let bad = ConnectionUpdateInput::new("c1", json("[1]"));
        assert_eq!(
            block_on(update_metadata(&h.transport, &bad))
                .unwrap_err()
                .code(),
            ErrorCode::InvalidInput
        );
        assert_eq!(h.transport.sent.borrow().len(), 1);
    }

    #[test]
    fn results_and_events_serialize_to_the_documented_js_shapes() {
        let exited = ReconnectResult::Exited {
            error: None,
            metadata: Json::Null,
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
    }
}

//! The close: saved before it is sent (a reload before its answer sends it again), sent, and when
//! it fails, the connection read back before `CLOSE_FAILED` is said, since a close whose answer
//! was lost went through.

use super::phase::{Flow, Phase, Talk, Turn};
use crate::error::{Error, ErrorCode};
use crate::machine::exchange::Exchange;
use crate::machine::outcome::Stage;
use crate::machine::saved::{SavedFlow, SavedStage, PUBLIC_TOKEN_LIFETIME_MS};
use crate::machine::step::{Clock, Step};
use crate::quiltt::{
    connection_request, decode_close, decode_connection, Connection, HttpReply, PendingClose,
};
use crate::secret::redact_all;
use crate::trail::TrailStep;

/// Saves the close before it is sent.
pub(super) fn save(flow: &mut Flow, pending: PendingClose, clock: Clock) -> Turn {
    let record = SavedFlow {
        id: flow.id,
        connection_id: pending.connection_id.clone(),
        generation: pending.input.generation,
        client_mutation_id: flow.client_mutation_id.clone(),
        was_broken: pending.was_broken,
        stage: SavedStage::Close {
            close: pending.input.clone(),
            expires_at_ms: clock.now_ms + PUBLIC_TOKEN_LIFETIME_MS,
        },
    };
    flow.saved = true;
    Turn::Go(Phase::SavingClose(pending), Step::Save(Box::new(record)))
}

/// Sends the close (the very same request every time).
pub(super) fn send(flow: &Flow, pending: PendingClose, clock: Clock) -> Turn {
    flow.progress(Stage::Closing);
    let mut exchange = Exchange::new(pending.request.clone());
    let next = exchange.begin(clock.now_ms);
    Turn::talk(exchange, Talk::Close(pending), next)
}

/// The connection a reply holds, when it is the one the close repairs; a record of another
/// connection is `BAD_RESPONSE`.
fn this_connection(pending: &PendingClose, connection: Connection) -> Result<Connection, Error> {
    if connection.id == pending.connection_id {
        return Ok(connection);
    }
    Err(Error::new(
        ErrorCode::BadResponse,
        "unexpected response from Quiltt: the close answered with another connection",
    ))
}

/// The close's answer. Before a failed close of a connection that needed repair is reported,
/// the connection is read back: when Quiltt shows it repaired, the close went through and only
/// its answer was lost (a gateway timeout, a dropped connection).
pub(super) fn answered(
    pending: PendingClose,
    result: Result<HttpReply, Error>,
    clock: Clock,
) -> Turn {
    let error = match result
        .and_then(decode_close)
        .and_then(|c| this_connection(&pending, c))
    {
        Ok(connection) => return Turn::Repaired(connection),
        Err(error) => error,
    };
    if !pending.was_broken {
        return Turn::End(Err(close_failed(error, &pending)));
    }
    let Ok(query) = connection_request(&pending.connection_id) else {
        return Turn::End(Err(close_failed(error, &pending)));
    };
    let mut exchange = Exchange::new(query);
    let next = exchange.begin(clock.now_ms);
    Turn::talk(exchange, Talk::ReadBack(pending, error), next)
}

/// The connection read back after the close failed with `error`.
pub(super) fn read_back(
    flow: &Flow,
    pending: PendingClose,
    error: Error,
    result: Result<HttpReply, Error>,
    clock: Clock,
) -> Turn {
    let read = result.and_then(decode_connection);
    if let Ok(Some(connection)) = &read {
        let status = connection.status.clone();
        flow.note(clock.now_ms, TrailStep::ReadBack { status });
    }
    match read {
        Ok(Some(connection))
            if connection.id == pending.connection_id && !connection.needs_repair() =>
        {
            Turn::Repaired(connection)
        }
        _ => Turn::End(Err(close_failed(error, &pending))),
    }
}

/// `CLOSE_FAILED` for a close that failed after Link succeeded: it carries Link's metadata and
/// the pending close to send again, and neither of the close's tokens.
fn close_failed(error: Error, pending: &PendingClose) -> Error {
    // An error Quiltt's answer made already names the mutation ("connectorPlaidClose failed
    // (HTTP 500): …", "connectorPlaidClose was refused: …"); the others (no answer, a bad one)
    // say what failed, not where.
    let prefix = match error.code() {
        ErrorCode::Http | ErrorCode::Graphql | ErrorCode::MutationFailed => {
            "Plaid Link succeeded, then"
        }
        _ => "Plaid Link succeeded but connectorPlaidClose failed:",
    };
    error
        .recoded(ErrorCode::CloseFailed, prefix)
        .with_link_metadata(pending.input.metadata.clone())
        .with_pending_close(pending.clone())
        .redact(|text| {
            let tokens = [
                pending.input.public_token.expose_secret(),
                pending.input.connector_token.expose_secret(),
            ];
            redact_all(text, &tokens)
        })
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;
    use crate::json::Json;
    use crate::machine::step::Seen;
    use crate::machine::{Operation, Steps};

    fn reply(status: u16, text: &str) -> Seen {
        Seen::Reply(Ok(HttpReply::new(status, Json::parse(text).ok())))
    }

    fn connection(id: &str, status: &str) -> String {
        format!(r#"{{"id":"{id}","status":"{status}"}}"#)
    }

    #[test]
    fn the_close_is_saved_before_it_is_sent_and_is_the_users_work() {
        let mut m = linking();
        let Step::Save(record) = m.on(success(), CLOCK) else {
            panic!("the close is saved before it is sent");
        };
        assert!(record.has_close());
        assert!(!format!("{record:?}").contains("pt-1"));
        assert!(!m.cancellable(), "the close is the user's work");
        assert!(matches!(m.on(Seen::Saved, CLOCK), Step::Token));
        assert!(matches!(
            m.on(Seen::Token(Ok(session())), CLOCK),
            Step::Send
        ));
        let (close, _) = m.outgoing().unwrap();
        assert_eq!(close.operation_name, "ConnectorPlaidClose");
        assert!(close.keepalive);
    }

    #[test]
    fn a_close_answered_with_another_connection_is_read_back_then_close_failed() {
        let mut m = closing();
        let other = format!(
            r#"{{"data":{{"connectorPlaidClose":{{"success":true,"record":{}}}}}}}"#,
            connection("c2", "SYNCED")
        );
        assert!(
            matches!(m.on(reply(200, &other), CLOCK), Step::Token),
            "read back"
        );
        assert!(matches!(
            m.on(Seen::Token(Ok(session())), CLOCK),
            Step::Send
        ));
        assert_eq!(m.outgoing().unwrap().0.operation_name, "Connection");
        let still_broken = format!(
            r#"{{"data":{{"connection":{}}}}}"#,
            connection("c1", "ERROR_REPAIRABLE")
        );
        assert!(
            matches!(m.on(reply(200, &still_broken), CLOCK), Step::Release(_)),
            "the record is kept for another try"
        );
        assert!(matches!(m.on(Seen::Released, CLOCK), Step::Done));
        let error = m.end().unwrap_err();
        assert_eq!(error.code(), ErrorCode::CloseFailed);
        assert!(
            error.message().contains("another connection"),
            "{}",
            error.message()
        );
        assert!(error.pending_close().is_some());
    }

    #[test]
    fn a_read_back_of_another_connection_does_not_count_as_repaired() {
        let mut m = closing();
        let refused = r#"{"errors":[{"message":"boom"}]}"#;
        assert!(
            matches!(m.on(reply(500, refused), CLOCK), Step::Token),
            "read back"
        );
        assert!(matches!(
            m.on(Seen::Token(Ok(session())), CLOCK),
            Step::Send
        ));
        assert_eq!(m.outgoing().unwrap().0.operation_name, "Connection");
        let repaired_other = format!(
            r#"{{"data":{{"connection":{}}}}}"#,
            connection("c2", "SYNCED")
        );
        assert!(matches!(
            m.on(reply(200, &repaired_other), CLOCK),
            Step::Release(_)
        ));
        assert!(matches!(m.on(Seen::Released, CLOCK), Step::Done));
        assert_eq!(m.end().unwrap_err().code(), ErrorCode::CloseFailed);
    }

    #[test]
    fn close_failed_names_the_mutation_once_whatever_failed() {
        for (status, text, expected) in [
            (500, r#"{"errors":[{"message":"boom"}]}"#, "Plaid Link succeeded, then connectorPlaidClose failed (HTTP 500): boom"),
            (200, r#"{"data":{"connectorPlaidClose":null}}"#, "Plaid Link succeeded but connectorPlaidClose failed: unexpected response from Quiltt: data.connectorPlaidClose is not an object"),
        ] {
            let pending = pending_close(false);
            let Turn::End(Err(error)) = answered(pending, Ok(HttpReply::new(status, Json::parse(text).ok())), CLOCK) else {
                panic!("a close of a healthy connection is not read back");
            };
            assert_eq!(error.message(), expected);
        }
    }
}

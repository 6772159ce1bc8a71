//! The initialize: `connectorPlaidInitialize`, sent again after `WAIT`, in another generation's
//! document after a refusal that names it, or for a new link token; its record ends the flow
//! (`CONTINUE`, `ABORT`) or hands it to Link.

use super::phase::{Flow, Initialize, Phase, Session, Talk, Turn};
use crate::error::{Error, ErrorCode};
use crate::machine::exchange::Exchange;
use crate::machine::outcome::{ReconnectResult, Stage};
use crate::machine::step::{Clock, Step};
use crate::quiltt::{
    decode_initialize, refusal, reply_errors, ConnectorStatus, HttpReply, PlaidConnector, Refusal,
};
use crate::trail::TrailStep;

/// Sends the initialize in the flow's generation.
pub(super) fn send(flow: &Flow, init: Initialize, clock: Clock) -> Turn {
    let request = match init.input.request(flow.generation) {
        Ok(request) => request,
        Err(e) => return Turn::End(Err(e)),
    };
    let mut exchange = Exchange::new(request);
    let next = exchange.begin(clock.now_ms);
    Turn::talk(exchange, Talk::Initialize(init), next)
}

/// Fetches a new link token: the old one expired before Link opened, or Link refused it.
pub(super) fn renew(flow: &Flow, mut init: Initialize, clock: Clock) -> Turn {
    init.again = true;
    init.wait_attempt = 1;
    flow.progress(Stage::Initializing);
    send(flow, init, clock)
}

/// Initialize's answer. A refused document that shows the endpoint speaks another generation is
/// sent again in that generation's (once, unless the app pinned one): nothing ran. An endpoint
/// without Plaid ends the flow before Link.
pub(super) fn answered(
    flow: &mut Flow,
    exchange: Exchange,
    mut init: Initialize,
    result: Result<HttpReply, Error>,
    clock: Clock,
) -> Turn {
    let refused = result
        .as_ref()
        .ok()
        .and_then(|r| refusal(r, flow.generation));
    match refused {
        Some(Refusal::NoPlaid) => {
            let errors = result.map_or_else(|_| Vec::new(), |r| reply_errors(&r));
            Turn::End(Err(Error::new(
                ErrorCode::NoPlaidConnector,
                "this Quiltt environment has no Plaid connector (its API has no \
                 connectorPlaidInitialize): enable Plaid for it in Quiltt's dashboard",
            )
            .with_errors(errors)))
        }
        Some(Refusal::Speaks(generation)) if !init.switched && !flow.settings.schema.pinned => {
            init.switched = true;
            flow.generation = generation;
            Turn::Go(
                Phase::Remembering(exchange, init),
                Step::Remember(generation),
            )
        }
        _ => record(flow, init, result.and_then(decode_initialize), clock),
    }
}

/// The generation is remembered: the exchange sends its document, with the same token.
pub(super) fn remembered(
    flow: &Flow,
    mut exchange: Exchange,
    init: Initialize,
    clock: Clock,
) -> Turn {
    match init.input.request(flow.generation) {
        Ok(request) => {
            let next = exchange.resend(request, clock.now_ms);
            Turn::talk(exchange, Talk::Initialize(init), next)
        }
        Err(e) => Turn::End(Err(e)),
    }
}

/// `WAIT` is waited out: initialize again.
pub(super) fn waited(flow: &Flow, mut init: Initialize, clock: Clock) -> Turn {
    init.wait_attempt += 1;
    send(flow, init, clock)
}

/// Initialize's record: wait out `WAIT`, refuse `ABORT`, end on `CONTINUE`, or hand the flow to
/// Link.
fn record(
    flow: &mut Flow,
    init: Initialize,
    result: Result<PlaidConnector, Error>,
    clock: Clock,
) -> Turn {
    let connector = match result {
        Ok(connector) => connector,
        Err(e) => return Turn::End(Err(e)),
    };
    flow.note(
        clock.now_ms,
        TrailStep::Initialized {
            connector_status: connector.status.as_str().to_owned(),
        },
    );
    if let Some(id) = &connector.request_id {
        flow.trail.borrow_mut().request_id(id);
    }
    let policy = flow.settings.policy;
    match connector.status {
        ConnectorStatus::Wait if init.wait_attempt < policy.attempts => {
            let delay = policy.backoff_ms(init.wait_attempt, clock.random);
            return Turn::Go(Phase::Waiting(init), Step::Sleep(delay));
        }
        ConnectorStatus::Wait => {
            let message = format!(
                "Quiltt still answered connectorStatus WAIT after {} attempts",
                init.wait_attempt
            );
            return Turn::End(Err(Error::new(ErrorCode::Timeout, message)));
        }
        ConnectorStatus::Abort => {
            return Turn::End(Err(Error::new(
                ErrorCode::ConnectorAborted,
                "Quiltt answered connectorStatus ABORT: this connection can't be repaired now",
            )))
        }
        ConnectorStatus::Other(_) if connector.link_token.is_none() => {
            return Turn::End(Err(Error::new(
                ErrorCode::BadResponse,
                "Quiltt answered a connector status this version does not know, and no link \
                 token to open Link with",
            )))
        }
        // A status this version does not know, with a link token: Link decides.
        ConnectorStatus::Other(_) | ConnectorStatus::Continue | ConnectorStatus::ActionRequired => {
        }
    }
    connector
        .link_token
        .iter()
        .for_each(|t| flow.secrets.link(t));
    connector
        .connector_token
        .iter()
        .for_each(|t| flow.secrets.connector(t));
    let was_broken = connector.status != ConnectorStatus::Continue;
    let wants_link =
        was_broken || (flow.options.always_open_link && connector.link_token.is_some());
    if !wants_link {
        return Turn::End(Ok(ReconnectResult::repaired(connector)));
    }
    let (Some(link_token), Some(connector_token)) = (
        connector.link_token.clone(),
        connector.connector_token.clone(),
    ) else {
        let missing = match connector.link_token {
            None => "linkToken",
            Some(_) => "connectorToken",
        };
        return Turn::End(Err(Error::new(
            ErrorCode::BadResponse,
            format!("unexpected response from Quiltt: Link must open but there is no {missing}"),
        )));
    };
    let redirects = init.input.redirects();
    let renewal = (!init.again).then_some(init);
    Turn::Link(Session {
        expires_at_ms: connector.expires_at_ms(),
        link_token,
        connector_token,
        received_redirect_uri: None,
        redirects,
        was_broken,
        renewal,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;
    use crate::json::Json;
    use crate::machine::step::Seen;
    use crate::machine::{Operation, Steps};

    fn initialize_reply(record: &str) -> Seen {
        Seen::Reply(Ok(HttpReply::new(
            200,
            Json::parse(&format!(
                r#"{{"data":{{"connectorPlaidInitialize":{{"success":true,"record":{record}}}}}}}"#
            ))
            .ok(),
        )))
    }

    #[test]
    fn continue_ends_repaired_and_abort_and_unknown_statuses_are_typed() {
        for (record, expected) in [
            (r#"{"status":"CONTINUE"}"#, None),
            (r#"{"status":"ABORT"}"#, Some(ErrorCode::ConnectorAborted)),
            (r#"{"status":"BRAND_NEW"}"#, Some(ErrorCode::BadResponse)),
            (
                r#"{"status":"ACTION_REQUIRED","linkToken":"lt"}"#,
                Some(ErrorCode::BadResponse),
            ),
        ] {
            let mut m = sent_initialize();
            assert!(matches!(m.on(initialize_reply(record), CLOCK), Step::Done));
            let result = m.end();
            match expected {
                None => assert!(matches!(result, Ok(ReconnectResult::Repaired { .. }))),
                Some(code) => assert_eq!(result.unwrap_err().code(), code, "{record}"),
            }
        }
    }

    #[test]
    fn wait_sleeps_and_initializes_again_up_to_the_attempt_bound() {
        let mut m = sent_initialize();
        let wait = r#"{"status":"WAIT"}"#;
        assert!(matches!(
            m.on(initialize_reply(wait), CLOCK),
            Step::Sleep(_)
        ));
        assert!(matches!(m.on(Seen::Woke, CLOCK), Step::Token));
        let mut sent = 2;
        loop {
            assert!(matches!(
                m.on(Seen::Token(Ok(session())), CLOCK),
                Step::Send
            ));
            match m.on(initialize_reply(wait), CLOCK) {
                Step::Sleep(_) => assert!(matches!(m.on(Seen::Woke, CLOCK), Step::Token)),
                Step::Done => break,
                other => panic!("{other:?}"),
            }
            sent += 1;
        }
        assert_eq!(sent, settings().policy.attempts, "initializes in all");
        assert_eq!(m.end().unwrap_err().code(), ErrorCode::Timeout);
    }

    #[test]
    fn a_new_status_with_a_link_token_goes_to_link() {
        let mut m = sent_initialize();
        let record = r#"{"status":"UPDATE_LATER","linkToken":"lt","token":"ct"}"#;
        assert!(matches!(
            m.on(initialize_reply(record), CLOCK),
            Step::AwaitScript
        ));
    }
}

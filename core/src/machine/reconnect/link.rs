//! Link: Plaid's script, the Link session saved before Link opens (so that a reload or an OAuth
//! bank's redirect can open it again), Link itself, and what its ending means: the flow's end, a
//! new link token, or the close.

use super::phase::{Flow, Phase, Session, Turn};
use crate::error::{Error, ErrorCode};
use crate::machine::outcome::{ReconnectResult, Stage};
use crate::machine::saved::{SavedFlow, SavedStage};
use crate::machine::step::{Clock, Step};
use crate::plaid::{LinkConfig, LinkFailure, LinkOutcome};
use crate::quiltt::{close_request, ConnectorPlaidCloseInput, PendingClose};

/// A link token without an expiration is kept no longer than Plaid's default lifetime of one.
const LINK_TOKEN_LIFETIME_MS: f64 = 30.0 * 60.0 * 1000.0;

/// Waits for Plaid's script.
pub(super) fn load(flow: &Flow, session: Session) -> Turn {
    flow.progress(Stage::LinkLoading);
    Turn::Go(Phase::Loading(session), Step::AwaitScript)
}

/// Plaid's script has loaded (or failed to): replace a link token that expired meanwhile (once),
/// or save the session before Link opens.
pub(super) fn script_loaded(
    flow: &mut Flow,
    mut session: Session,
    result: Result<(), Error>,
    clock: Clock,
) -> Turn {
    if let Err(e) = result {
        return Turn::End(Err(e));
    }
    if session
        .expires_at_ms
        .is_some_and(|expires| clock.now_ms >= expires)
    {
        if let Some(init) = session.renewal.take() {
            return Turn::Renew(init);
        }
    }
    let record = SavedFlow {
        id: flow.id,
        connection_id: flow.connection_id.clone(),
        generation: flow.generation,
        client_mutation_id: flow.client_mutation_id.clone(),
        was_broken: session.was_broken,
        stage: SavedStage::Link {
            link_token: session.link_token.clone(),
            connector_token: session.connector_token.clone(),
            expires_at_ms: session
                .expires_at_ms
                .unwrap_or(clock.now_ms + LINK_TOKEN_LIFETIME_MS),
            redirects: session.redirects,
        },
    };
    flow.saved = true;
    Turn::Go(Phase::SavingLink(session), Step::Save(Box::new(record)))
}

/// The session is saved: Link opens.
pub(super) fn open(flow: &Flow, session: Session) -> Turn {
    let config = LinkConfig {
        token: session.link_token.clone(),
        received_redirect_uri: session.received_redirect_uri.clone(),
        load_timeout_ms: flow.settings.link_load_timeout_ms,
    };
    flow.progress(Stage::LinkOpen);
    Turn::Go(Phase::Linking(session), Step::RunLink(config))
}

/// How Link ended: the flow's result, a new link token (once, for `INVALID_LINK_TOKEN`), or the
/// close to send.
pub(super) fn linked(
    flow: &mut Flow,
    session: Session,
    result: Result<LinkOutcome, LinkFailure>,
    clock: Clock,
) -> Turn {
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(failure) => {
            let load_bound = flow.settings.link_load_timeout_ms;
            return Turn::End(Err(failure.into_error(load_bound)));
        }
    };
    let (public_token, metadata) =
        match outcome {
            LinkOutcome::Exit { error, metadata } => {
                let refused = error.as_ref().is_some_and(|e| e.is_invalid_link_token());
                return match (refused, session.renewal) {
                    (true, Some(init)) => Turn::Renew(init),
                    _ => Turn::End(Ok(ReconnectResult::exited(error, metadata))),
                };
            }
            LinkOutcome::Success {
                public_token: None,
                metadata,
            } => return Turn::End(Err(Error::new(
                ErrorCode::NoPublicToken,
                "Plaid Link reported success without a public token; the connection was not closed",
            )
            .with_link_metadata(metadata))),
            LinkOutcome::Success {
                public_token: Some(token),
                metadata,
            } => (token, metadata),
        };
    flow.secrets.public(&public_token);
    // Every send of the close carries the same clientMutationId, so Quiltt can tell a retry
    // from a second close.
    let client_mutation_id = flow
        .client_mutation_id
        .clone()
        .unwrap_or_else(|| generated_mutation_id(clock.random));
    let input = ConnectorPlaidCloseInput {
        client_mutation_id: Some(client_mutation_id),
        connector_token: session.connector_token,
        metadata,
        public_token,
        generation: flow.generation,
    };
    match close_request(&input) {
        Ok(request) => Turn::Close(PendingClose {
            connection_id: flow.connection_id.clone(),
            input,
            request,
            was_broken: session.was_broken,
            flow: Some(flow.id),
        }),
        Err(e) => Turn::End(Err(e
            .recoded(
                ErrorCode::CloseFailed,
                "Plaid Link succeeded but the close can't be sent:",
            )
            .with_link_metadata(input.metadata))),
    }
}

/// `quiltt-reconnect-` and 13 hex digits (52 random bits).
fn generated_mutation_id(random: f64) -> String {
    format!(
        "quiltt-reconnect-{}",
        crate::id::FlowId::from_random(random)
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;
    use crate::json::Json;
    use crate::machine::step::Seen;
    use crate::machine::{Operation, Steps};

    #[test]
    fn the_session_is_saved_before_link_opens_and_the_record_holds_no_token_in_debug() {
        let mut m = sent_initialize();
        assert!(matches!(m.on(action_required(), CLOCK), Step::AwaitScript));
        let Step::Save(record) = m.on(Seen::Script(Ok(())), CLOCK) else {
            panic!("the session is saved before Link opens");
        };
        assert_eq!(record.connection_id(), "c1");
        assert!(!record.redirects() && !record.has_close());
        assert!(!format!("{record:?}").contains("lt-1"));
        assert!(matches!(m.on(Seen::Saved, CLOCK), Step::RunLink(c) if c.load_timeout_ms == 1000));
    }

    #[test]
    fn invalid_link_token_fetches_a_new_one_once_then_ends_exited() {
        let mut m = linking();
        let refused = || {
            Seen::Linked(Ok(LinkOutcome::Exit {
                error: crate::plaid::PlaidLinkError::from_json(
                    &Json::parse(r#"{"error_code":"INVALID_LINK_TOKEN"}"#).unwrap(),
                ),
                metadata: Json::null(),
            }))
        };
        assert!(
            matches!(m.on(refused(), CLOCK), Step::Token),
            "a new initialize"
        );
        assert!(matches!(
            m.on(Seen::Token(Ok(session())), CLOCK),
            Step::Send
        ));
        assert!(matches!(m.on(action_required(), CLOCK), Step::AwaitScript));
        assert!(matches!(m.on(Seen::Script(Ok(())), CLOCK), Step::Save(_)));
        assert!(matches!(m.on(Seen::Saved, CLOCK), Step::RunLink(_)));
        assert!(
            matches!(m.on(refused(), CLOCK), Step::Forget(_)),
            "not twice"
        );
        assert!(matches!(m.on(Seen::Forgotten, CLOCK), Step::Done));
        assert!(matches!(m.end(), Ok(ReconnectResult::Exited { .. })));
    }

    #[test]
    fn link_failures_are_plaid_script_errors_and_forget_the_record() {
        for failure in [
            LinkFailure::CreateThrew,
            LinkFailure::OpenThrew,
            LinkFailure::NotLoaded,
        ] {
            let mut m = linking();
            assert!(matches!(
                m.on(Seen::Linked(Err(failure)), CLOCK),
                Step::Forget(_)
            ));
            assert!(matches!(m.on(Seen::Forgotten, CLOCK), Step::Done));
            assert_eq!(m.end().unwrap_err().code(), ErrorCode::PlaidScript);
        }
    }

    #[test]
    fn generated_mutation_ids_are_13_hex_digits_of_the_random_value() {
        assert_eq!(generated_mutation_id(0.0), "quiltt-reconnect-0000000000000");
        assert_eq!(generated_mutation_id(0.5), "quiltt-reconnect-8000000000000");
    }
}

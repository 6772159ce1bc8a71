//! A reconnect on canned answers, run by the machine alone: a token, initialize answering
//! `ACTION_REQUIRED`, Plaid's script, one of Link's events, Link's success (its metadata
//! salvaged as `onSuccess` does), and the close. No driver takes part, so nothing is sent, loaded, stored or shown;
//! the flow's events go wherever it was built to send them.
//!
//! Browsers compile a WebAssembly function the first time it runs, on the main thread. The
//! JavaScript class runs this once per page while the page is idle (`js::warm_up`), so that
//! the first real flow finds the code that checks its input, decides its steps and decodes
//! its replies already compiled.

use super::step::{Clock, Seen, Step, Steps};
use crate::json::Json;
use crate::plaid::{LinkOutcome, PlaidEvent};
use crate::quiltt::HttpReply;
use crate::secret::{PublicToken, SessionToken};

/// Link tokens, connector tokens and the public token of the canned answers.
const TOKEN: &str = "dry-run";

/// `connectorPlaidInitialize`'s answer for a connection that needs Link.
const INITIALIZED: &str = r#"{"data":{"connectorPlaidInitialize":{"success":true,"record":{"status":"ACTION_REQUIRED","token":"dry-run","linkToken":"dry-run","expiration":"2099-01-01T00:00:00Z"},"errors":[]}}}"#;

/// `connectorPlaidClose`'s answer: the repaired connection.
const CLOSED: &str = r#"{"data":{"connectorPlaidClose":{"success":true,"record":{"id":"dry-run","status":"SYNCING","metadata":null,"accounts":[{"id":"dry-run","name":"Checking","mask":"0000","type":"CHECKING"}],"institution":{"name":"Dry Run","logo":{"url":"https://example.invalid/logo.png"}}},"errors":[]}}}"#;

/// Link's `onSuccess` metadata.
const LINKED: &str = r#"{"institution":{"name":"Dry Run","institution_id":"ins_0"},"accounts":[{"id":"dry-run","name":"Checking","mask":"0000","type":"depository","subtype":"checking","verification_status":null}],"link_session_id":"dry-run"}"#;

/// Link's `onEvent` metadata.
const EVENT: &str = r#"{"view_name":"CREDENTIAL","institution_id":"ins_0","institution_name":"Dry Run","link_session_id":"dry-run","request_id":"dry-run","timestamp":"2026-01-01T00:00:00.000Z","error_code":null}"#;

/// A bound on the steps: a healthy reconnect takes nine.
const MAX_STEPS: usize = 32;

/// The time the canned answers are read at (2027-01-15), before their link token expires.
const CLOCK: Clock = Clock {
    now_ms: 1_800_000_000_000.0,
    random: 0.5,
};

/// What a driver would have seen for `step`; `None` for a step a healthy reconnect never asks
/// for, and at its end.
fn canned(step: Step, flow: &dyn Steps) -> Option<Seen> {
    let reply = |text: &str| Seen::Reply(Ok(HttpReply::new(200, Json::parse(text).ok())));
    Some(match step {
        Step::Done | Step::Sleep(_) => return None,
        Step::StartScript => Seen::ScriptStarted,
        Step::Lock(_) => Seen::Locked,
        Step::Save(_) => Seen::Saved,
        Step::Forget(_) => Seen::Forgotten,
        Step::Release(_) => Seen::Released,
        Step::Remember(_) => Seen::Remembered,
        Step::Token => Seen::Token(Ok(SessionToken::new(TOKEN))),
        Step::Send => match flow.outgoing()?.0.operation_name {
            "ConnectorPlaidInitialize" => reply(INITIALIZED),
            "ConnectorPlaidClose" => reply(CLOSED),
            _ => return None,
        },
        Step::AwaitScript => Seen::Script(Ok(())),
        Step::RunLink(_) => {
            (flow.plaid_events())(PlaidEvent {
                name: "OPEN".into(),
                metadata: Json::parse(EVENT).unwrap_or_else(|_| Json::null()),
                at_ms: 0.0,
            });
            Seen::Linked(Ok(LinkOutcome::Success {
                public_token: Some(PublicToken::new(TOKEN)),
                metadata: Json::parse(LINKED)
                    .unwrap_or_else(|_| Json::null())
                    .salvage(),
            }))
        }
    })
}

/// Runs `flow`, a reconnect not yet begun, on the canned answers until it is done (or asks for
/// something a healthy flow does not); its result is then ready for [`Operation::end`].
///
/// [`Operation::end`]: super::step::Operation::end
pub fn dry_run(flow: &mut dyn Steps) {
    let mut step = flow.begin(CLOCK);
    for _ in 0..MAX_STEPS {
        match canned(step, flow) {
            Some(seen) => step = flow.on(seen, CLOCK),
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;
    use crate::machine::{
        Operation, Reconnect, ReconnectEvent, ReconnectOptions, ReconnectResult, RetryPolicy,
        Settings, Stage,
    };
    use crate::quiltt::{ConnectorPlaidInitializeInput, InitializeInput};

    #[test]
    fn the_dry_run_goes_through_link_and_the_close_to_a_repaired_connection() {
        let input = ConnectorPlaidInitializeInput::new("dry-run");
        let events: Rc<RefCell<Vec<ReconnectEvent>>> = Rc::default();
        let sink = Rc::clone(&events);
        let mut flow = Reconnect::new(
            crate::id::FlowId::from_random(0.5),
            InitializeInput::new(&input).unwrap(),
            ReconnectOptions::default(),
            Settings {
                policy: RetryPolicy::default(),
                token_refreshes: false,
                link_load_timeout_ms: 1000,
                schema: Default::default(),
            },
            Rc::new(move |e| sink.borrow_mut().push(e)),
        )
        .unwrap();
        dry_run(&mut flow);
        let result = flow.end().expect("the canned answers are a healthy flow's");
        let ReconnectResult::Reconnected { connection, .. } = result else {
            panic!("the dry run ended {result:?}");
        };
        assert_eq!(connection.status.as_deref(), Some("SYNCING"));
        // Every stage was taken, Link's and the close's included.
        let stages: Vec<Stage> = events.borrow().iter().filter_map(|e| e.stage()).collect();
        assert!(events
            .borrow()
            .iter()
            .any(|e| matches!(e, ReconnectEvent::Plaid { name, .. } if name == "OPEN")));
        assert_eq!(
            stages,
            [
                Stage::Initializing,
                Stage::LinkLoading,
                Stage::LinkOpen,
                Stage::Closing,
                Stage::Done
            ]
        );
    }
}

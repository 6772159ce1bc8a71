//! The trail steps a reconnect builds from what Plaid's Link reports.

use std::cell::RefCell;
use std::rc::Rc;

use crate::json::Json;
use crate::plaid::{LinkFailure, LinkOutcome, PlaidEvent};
use crate::trail::{Trail, TrailStep};

/// A flow's trail, shared with the sink of Link's events.
pub(crate) type SharedTrail = Rc<RefCell<Trail>>;

/// A text field of Plaid's metadata.
fn text(metadata: &Json, key: &str) -> Option<String> {
    metadata.get(key)?.as_string()
}

/// The step of one of Plaid's events.
pub(crate) fn plaid_step(event: &PlaidEvent) -> TrailStep {
    let m = &event.metadata;
    TrailStep::Plaid {
        event: event.name.clone(),
        view_name: text(m, "view_name"),
        link_session_id: text(m, "link_session_id"),
        request_id: text(m, "request_id"),
        error_code: text(m, "error_code"),
        exit_status: text(m, "exit_status"),
    }
}

/// The step of how Link ended.
pub(crate) fn linked_step(result: &Result<LinkOutcome, LinkFailure>) -> TrailStep {
    match result {
        Ok(LinkOutcome::Success { metadata, .. }) => TrailStep::LinkSucceeded {
            link_session_id: text(metadata, "link_session_id"),
        },
        Ok(LinkOutcome::Exit { error, metadata }) => TrailStep::LinkExited {
            status: text(metadata, "status"),
            link_session_id: text(metadata, "link_session_id"),
            request_id: text(metadata, "request_id"),
            error_code: error.as_ref().and_then(|e| e.error_code.clone()),
        },
        Err(failure) => TrailStep::LinkFailed {
            failure: failure.name(),
        },
    }
}

//! The log of GraphQL requests the sandbox has seen, for `GET /__sandbox/requests`.

use serde::Serialize;
use serde_json::Value;

/// How a request authenticated. The token itself is never recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Authorization {
    /// `Authorization: Bearer <the session token>`.
    Present,
    /// No `Authorization` header.
    Missing,
    /// An `Authorization` header with another value.
    Wrong,
}

/// One logged GraphQL request.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestEntry {
    #[serde(skip)]
    seq: u64,
    /// Root field of the operation, e.g. `connectorPlaidInitialize` (null if unparseable).
    pub operation: Option<String>,
    /// `operationName` as sent.
    pub operation_name: Option<String>,
    /// `variables` exactly as received (null when absent).
    pub variables: Value,
    /// The connection the request is about, resolved by the sandbox (a close's from its
    /// connector token); null when unknown.
    pub connection_id: Option<String>,
    /// The HTTP status answered; null while the answer is pending (latency, hang).
    pub status: Option<u16>,
    /// How the request authenticated.
    pub authorization: Authorization,
    /// True when the client went away before the answer (an aborted request).
    pub abandoned: bool,
    /// Which fault knob applied, if any.
    pub fault: Option<String>,
    /// A `connectorPlaidClose` answered again from the close it retried (same
    /// `clientMutationId` and tokens) instead of exchanging the public token.
    pub replayed: bool,
    /// What the schema refused, when it answered errors without running any resolver:
    /// `"document"` (the document failed validation, the variable usage rule included) or
    /// `"input"` (a valid document whose variables did not fit). Null for a request that ran,
    /// or was answered by auth, a fault knob or a malformed body.
    pub refused: Option<Refusal>,
}

/// What a schema refused before running anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Refusal {
    /// The document: a field, type or argument the generation does not have.
    Document,
    /// The variables: a value the document's input types do not take.
    Input,
}

/// The log, in arrival order.
#[derive(Debug, Default)]
pub struct RequestLog {
    next_seq: u64,
    entries: Vec<RequestEntry>,
}

impl RequestLog {
    /// Appends an entry with a pending status; returns its sequence number.
    pub fn push(
        &mut self,
        operation: Option<String>,
        operation_name: Option<String>,
        variables: Value,
        connection_id: Option<String>,
        authorization: Authorization,
    ) -> u64 {
        self.next_seq += 1;
        self.entries.push(RequestEntry {
            seq: self.next_seq,
            operation,
            operation_name,
            variables,
            connection_id,
            status: None,
            abandoned: false,
            authorization,
            fault: None,
            replayed: false,
            refused: None,
        });
        self.next_seq
    }

    /// Records the applied fault of entry `seq` (if it is still in the log).
    pub fn set_fault(&mut self, seq: u64, fault: &str) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.seq == seq) {
            e.fault = Some(fault.to_owned());
        }
    }

    /// Records that entry `seq` was a close answered from the close it retried.
    pub fn set_replayed(&mut self, seq: u64) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.seq == seq) {
            e.replayed = true;
        }
    }

    /// Records what the schema refused of entry `seq` before running it.
    pub fn set_refused(&mut self, seq: u64, refusal: Refusal) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.seq == seq) {
            e.refused = Some(refusal);
        }
    }

    /// Records that entry `seq`'s client went away unanswered.
    pub fn set_abandoned(&mut self, seq: u64) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.seq == seq) {
            e.abandoned = true;
        }
    }

    /// Records the answered status of entry `seq` (if it is still in the log).
    pub fn set_status(&mut self, seq: u64, status: u16) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.seq == seq) {
            e.status = Some(status);
        }
    }

    /// All entries.
    pub fn entries(&self) -> &[RequestEntry] {
        &self.entries
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

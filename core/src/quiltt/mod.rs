//! Quiltt's GraphQL API: the documents, their typed inputs and records, and how replies become
//! records or typed errors. Plain data in, plain data out: no I/O here.

mod documents;
mod generation;
mod graphql;
mod input;
mod records;

use serde::Serialize;

use crate::error::{Error, ErrorCode};
use crate::id::FlowId;
use crate::json::Json;
pub use generation::SchemaGeneration;
pub(crate) use generation::{refusal, Refusal};
pub use graphql::{GraphqlRequest, HttpReply};
pub(crate) use input::ConnectorPlaidCloseInput;
pub use input::InitializeInput;
pub use input::{ConnectionFilter, ConnectionUpdateInput, ConnectorPlaidInitializeInput, Features};
pub use records::{Account, Connection, ConnectorStatus, Institution, PlaidConnector};

/// The top-level `errors` of a reply, as far as they can be read.
pub(crate) fn reply_errors(reply: &HttpReply) -> Vec<crate::error::QuilttError> {
    graphql::read_errors(reply.body.as_ref().and_then(|body| body.get("errors")))
}

/// `{ "input": … }`, the variables of every mutation.
#[derive(Serialize)]
struct Input<T> {
    input: T,
}

fn variables(value: &impl Serialize) -> Result<Json, Error> {
    Json::from_serde(value)
}

/// The `connectorPlaidClose` request for `input`. It asks the browser to finish it even if the
/// page is being left: Link has succeeded, and the close is the user's work.
pub(crate) fn close_request(input: &ConnectorPlaidCloseInput) -> Result<GraphqlRequest, Error> {
    GraphqlRequest::new(
        "ConnectorPlaidClose",
        documents::CONNECTOR_PLAID_CLOSE,
        variables(&Input { input })?,
        true,
    )
}

/// The `connectionUpdate` request for `input` (checked first). The metadata goes into the
/// request as it is, and is written as JSON once, here.
pub(crate) fn update_request(input: &ConnectionUpdateInput) -> Result<GraphqlRequest, Error> {
    input.validate()?;
    let input = ConnectionUpdateInput {
        metadata: input.metadata.json_object_or_null("metadata")?,
        ..input.clone()
    };
    GraphqlRequest::new(
        "ConnectionUpdate",
        documents::CONNECTION_UPDATE,
        variables(&Input { input: &input })?,
        false,
    )
    .map_err(|e| match e.code() {
        ErrorCode::InvalidInput => Error::invalid(format!(
            "metadata can't be written as JSON: {}",
            e.message()
        )),
        _ => e,
    })
}

/// The `connection(id)` query.
pub(crate) fn connection_request(id: &str) -> Result<GraphqlRequest, Error> {
    input::check_connection_id(id, "connectionId")?;
    #[derive(Serialize)]
    struct Id<'a> {
        id: &'a str,
    }
    GraphqlRequest::new(
        "Connection",
        documents::CONNECTION,
        variables(&Id { id })?,
        false,
    )
}

/// The `connections(filter)` query.
pub(crate) fn connections_request(filter: &ConnectionFilter) -> Result<GraphqlRequest, Error> {
    #[derive(Serialize)]
    struct Filter<'a> {
        filter: &'a ConnectionFilter,
    }
    GraphqlRequest::new(
        "Connections",
        documents::CONNECTIONS,
        variables(&Filter { filter })?,
        false,
    )
}

/// Decodes a `connectorPlaidInitialize` reply: the record, or the typed error the reply means.
///
/// # Errors
/// `UNAUTHORIZED`, `HTTP`, `GRAPHQL`, `MUTATION_FAILED` or `BAD_RESPONSE`; never a panic.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{decode_initialize, ErrorCode, HttpReply};
/// let reply = HttpReply::new(503, None);
/// assert_eq!(decode_initialize(reply).unwrap_err().code(), ErrorCode::Http);
/// ```
pub fn decode_initialize(reply: HttpReply) -> Result<PlaidConnector, Error> {
    let status = reply.status;
    let record = graphql::payload_record(reply, "connectorPlaidInitialize")?;
    PlaidConnector::decode(&record).map_err(|e| e.with_status(status))
}

/// Decodes a `connectorPlaidClose` reply into the repaired connection.
///
/// # Errors
/// As [`decode_initialize`].
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{decode_close, ErrorCode, HttpReply};
/// let reply = HttpReply::new(401, None);
/// assert_eq!(decode_close(reply).unwrap_err().code(), ErrorCode::Unauthorized);
/// ```
pub fn decode_close(reply: HttpReply) -> Result<Connection, Error> {
    let status = reply.status;
    let record = graphql::payload_record(reply, "connectorPlaidClose")?;
    Connection::decode(&record, "data.connectorPlaidClose.record")
        .map_err(|e| e.with_status(status))
}

/// Decodes a `connectionUpdate` reply into the updated connection.
///
/// # Errors
/// As [`decode_initialize`].
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{decode_update, ErrorCode, HttpReply, Json};
/// let reply = HttpReply::new(200, Some(Json::null()));
/// assert_eq!(decode_update(reply).unwrap_err().code(), ErrorCode::BadResponse);
/// ```
pub fn decode_update(reply: HttpReply) -> Result<Connection, Error> {
    let status = reply.status;
    let record = graphql::payload_record(reply, "connectionUpdate")?;
    Connection::decode(&record, "data.connectionUpdate.record").map_err(|e| e.with_status(status))
}

/// Decodes a `connection(id)` reply: the connection, or `None` when Quiltt knows no such id.
///
/// # Errors
/// As [`decode_initialize`] (but never `MUTATION_FAILED`).
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{decode_connection, HttpReply, Json};
/// let reply = HttpReply::new(200, Json::parse(r#"{"data":{"connection":null}}"#).ok());
/// assert_eq!(decode_connection(reply).unwrap(), None);
/// ```
pub fn decode_connection(reply: HttpReply) -> Result<Option<Connection>, Error> {
    let status = reply.status;
    let record = graphql::query_field(reply, "connection")?;
    match record.is_null() {
        true => Ok(None),
        false => Connection::decode(&record, "data.connection")
            .map(Some)
            .map_err(|e| e.with_status(status)),
    }
}

/// Decodes the reply of `connection(id)` asked for `id`: a connection of another id is
/// `BAD_RESPONSE`.
pub(crate) fn decode_connection_of(
    reply: HttpReply,
    id: &str,
) -> Result<Option<Connection>, Error> {
    let status = reply.status;
    match decode_connection(reply)? {
        Some(connection) if connection.id != id => Err(Error::new(
            ErrorCode::BadResponse,
            "unexpected response from Quiltt: data.connection is another connection than the one asked for",
        )
        .with_status(status)),
        found => Ok(found),
    }
}

/// Decodes a `connections(filter)` reply.
///
/// # Errors
/// As [`decode_connection`].
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{decode_connections, HttpReply, Json};
/// let reply = HttpReply::new(200, Json::parse(r#"{"data":{"connections":[{"id":"c1"}]}}"#).ok());
/// assert_eq!(decode_connections(reply).unwrap()[0].id, "c1");
/// ```
pub fn decode_connections(reply: HttpReply) -> Result<Vec<Connection>, Error> {
    let status = reply.status;
    let list = graphql::query_field(reply, "connections")?;
    if list.is_null() {
        return Ok(Vec::new());
    }
    let items = list.items().ok_or_else(|| {
        Error::new(
            ErrorCode::BadResponse,
            format!(
                "unexpected response from Quiltt: data.connections is {}, expected an array",
                list.kind()
            ),
        )
        .with_status(status)
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, c)| Connection::decode(c, &format!("data.connections[{i}]")))
        .collect::<Result<_, _>>()
        .map_err(|e| e.with_status(status))
}

/// A `connectorPlaidClose` that failed after Link succeeded, kept so it can be sent again
/// (the very same request, so the same `clientMutationId`) while its public token is valid.
/// Its tokens stay private; `Debug` redacts them.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingClose {
    pub(crate) connection_id: String,
    pub(crate) input: ConnectorPlaidCloseInput,
    pub(crate) request: GraphqlRequest,
    /// Whether the connection needed repair when the flow began (then a failed close is
    /// checked by reading the connection back).
    pub(crate) was_broken: bool,
    /// The record the flow saved the close in (forgotten once the close succeeds).
    pub(crate) flow: Option<FlowId>,
}

impl PendingClose {
    /// The connection the close repairs.
    pub fn connection_id(&self) -> &str {
        &self.connection_id
    }

    /// Link's success metadata, as the close sends it.
    pub fn link_metadata(&self) -> &Json {
        &self.input.metadata
    }
}

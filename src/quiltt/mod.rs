//! Quiltt's GraphQL API: the three documents, their typed inputs and records, and the
//! transport seam.

mod documents;
#[cfg(target_arch = "wasm32")]
pub(crate) mod fetch;
pub(crate) mod input;
pub(crate) mod records;
pub(crate) mod retry;
pub(crate) mod transport;

use crate::error::Error;
use crate::json::Json;
use input::{ConnectionUpdateInput, ConnectorPlaidCloseInput, ConnectorPlaidInitializeInput};
use records::{Connection, PlaidConnector};
use retry::post_with_retry;
use transport::{payload_record, GraphqlRequest, HttpReply, Transport};

fn input_variables(input: Json) -> Json {
    Json::fields(vec![("input", input)])
}

/// The `connectorPlaidInitialize` request for `input`.
pub(crate) fn initialize_request(input: &ConnectorPlaidInitializeInput) -> GraphqlRequest {
    GraphqlRequest {
        operation_name: "ConnectorPlaidInitialize",
        query: documents::CONNECTOR_PLAID_INITIALIZE,
        variables: input_variables(input.to_json()),
        keepalive: false,
    }
}

/// The `connectorPlaidClose` request for `input`. It asks the browser to finish it even if the
/// page is being left: Link has succeeded, and the close is the user's work.
pub(crate) fn close_request(input: &ConnectorPlaidCloseInput) -> GraphqlRequest {
    GraphqlRequest {
        operation_name: "ConnectorPlaidClose",
        query: documents::CONNECTOR_PLAID_CLOSE,
        variables: input_variables(input.to_json()),
        keepalive: true,
    }
}

/// Sends `connectorPlaidClose` and decodes the repaired connection.
pub(crate) async fn close<T: Transport>(
    transport: &T,
    input: &ConnectorPlaidCloseInput,
) -> Result<Connection, Error> {
    decode_close(post_with_retry(transport, &close_request(input)).await?)
}

/// The `connectionUpdate` request for `input`. The input is moved into the request, so a
/// large metadata is held once on the way out (and once more as Quiltt's echo).
pub(crate) fn update_request(input: ConnectionUpdateInput) -> GraphqlRequest {
    GraphqlRequest {
        operation_name: "ConnectionUpdate",
        query: documents::CONNECTION_UPDATE,
        variables: input_variables(input.into_json()),
        keepalive: false,
    }
}

/// Sends `connectionUpdate` and decodes the updated connection.
pub(crate) async fn update_connection<T: Transport>(
    transport: &T,
    input: ConnectionUpdateInput,
) -> Result<Connection, Error> {
    decode_update(post_with_retry(transport, &update_request(input)).await?)
}

/// Decodes a `connectorPlaidInitialize` reply: the record, or the typed error the reply means.
///
/// # Errors
/// `UNAUTHORIZED`, `HTTP`, `GRAPHQL`, `MUTATION_FAILED` or `BAD_RESPONSE`; never a panic.
///
/// # Examples
/// ```
/// use quiltt_reconnect::{decode_initialize, ErrorCode, HttpReply};
/// let reply = HttpReply::new(503, None);
/// assert_eq!(decode_initialize(reply).unwrap_err().code(), ErrorCode::Http);
/// ```
pub fn decode_initialize(reply: HttpReply) -> Result<PlaidConnector, Error> {
    PlaidConnector::decode(&payload_record(reply, "connectorPlaidInitialize")?)
}

/// Decodes a `connectorPlaidClose` reply into the repaired connection.
///
/// # Errors
/// As [`decode_initialize`].
///
/// # Examples
/// ```
/// use quiltt_reconnect::{decode_close, ErrorCode, HttpReply};
/// let reply = HttpReply::new(401, None);
/// assert_eq!(decode_close(reply).unwrap_err().code(), ErrorCode::Unauthorized);
/// ```
pub fn decode_close(reply: HttpReply) -> Result<Connection, Error> {
    Connection::decode(
        payload_record(reply, "connectorPlaidClose")?,
        "connectorPlaidClose.record",
    )
}

/// Decodes a `connectionUpdate` reply into the updated connection.
///
/// # Errors
/// As [`decode_initialize`].
///
/// # Examples
/// ```
/// use quiltt_reconnect::{decode_update, ErrorCode, HttpReply, Json};
/// let reply = HttpReply::new(200, Some(Json::Null));
/// assert_eq!(decode_update(reply).unwrap_err().code(), ErrorCode::BadResponse);
/// ```
pub fn decode_update(reply: HttpReply) -> Result<Connection, Error> {
    Connection::decode(
        payload_record(reply, "connectionUpdate")?,
        "connectionUpdate.record",
    )
}

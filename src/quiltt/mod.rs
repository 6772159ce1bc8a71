//! Quiltt's GraphQL API: the three documents, their typed inputs and records, and the
//! transport seam.

mod documents;
#[cfg(target_arch = "wasm32")]
pub(crate) mod fetch;
pub(crate) mod input;
pub(crate) mod records;
pub(crate) mod transport;

use crate::error::Error;
use crate::json::Json;
use input::{ConnectionUpdateInput, ConnectorPlaidCloseInput, ConnectorPlaidInitializeInput};
use records::{Connection, PlaidConnector};
use transport::{payload_record, GraphqlRequest, Transport};

fn input_variables(input: Json) -> Json {
    Json::object([("input", input)])
}

/// Sends `connectorPlaidInitialize` and decodes its record.
pub(crate) async fn initialize<T: Transport>(
    transport: &T,
    input: &ConnectorPlaidInitializeInput,
) -> Result<PlaidConnector, Error> {
    let request = GraphqlRequest {
        operation_name: "ConnectorPlaidInitialize",
        query: documents::CONNECTOR_PLAID_INITIALIZE,
        variables: input_variables(input.to_json()),
        keepalive: false,
    };
    let reply = transport.post(&request).await?;
    PlaidConnector::decode(&payload_record(reply, "connectorPlaidInitialize")?)
}

/// Sends `connectorPlaidClose` and decodes the repaired connection.
pub(crate) async fn close<T: Transport>(
    transport: &T,
    input: &ConnectorPlaidCloseInput,
) -> Result<Connection, Error> {
    let request = GraphqlRequest {
        operation_name: "ConnectorPlaidClose",
        query: documents::CONNECTOR_PLAID_CLOSE,
        variables: input_variables(input.to_json()),
        keepalive: true,
    };
    let reply = transport.post(&request).await?;
    Connection::decode(
        &payload_record(reply, "connectorPlaidClose")?,
        "connectorPlaidClose.record",
    )
}

/// Sends `connectionUpdate` and decodes the updated connection.
pub(crate) async fn update_connection<T: Transport>(
    transport: &T,
    input: &ConnectionUpdateInput,
) -> Result<Connection, Error> {
    let request = GraphqlRequest {
        operation_name: "ConnectionUpdate",
        query: documents::CONNECTION_UPDATE,
        variables: input_variables(input.to_json()),
        keepalive: false,
    };
    let reply = transport.post(&request).await?;
    Connection::decode(
        &payload_record(reply, "connectionUpdate")?,
        "connectionUpdate.record",
    )
}

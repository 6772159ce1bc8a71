//! The GraphQL documents, as on Quiltt's reference page, plus `clientMutationId` and the
//! connection's `status` and `metadata`.

/// Initializes Plaid Link in update mode for a connection.
pub(crate) const CONNECTOR_PLAID_INITIALIZE: &str = "mutation ConnectorPlaidInitialize($input: ConnectorPlaidInitializeInput) { connectorPlaidInitialize(input: $input) { success clientMutationId record { connectorStatus connectorToken expiration linkToken requestId } errors { code message } } }";

/// Hands Link's public token and metadata to Quiltt, which repairs the connection.
pub(crate) const CONNECTOR_PLAID_CLOSE: &str = "mutation ConnectorPlaidClose($input: ConnectorPlaidCloseInput) { connectorPlaidClose(input: $input) { success clientMutationId record { id status metadata accounts { id name } institution { name logo } } errors { code message } } }";

/// Stores custom metadata on a connection. Its `Error` type has no `code`.
pub(crate) const CONNECTION_UPDATE: &str = "mutation ConnectionUpdate($input: ConnectionUpdateInput!) { connectionUpdate(input: $input) { success clientMutationId record { id status metadata accounts { id name } institution { name logo } } errors { message path } } }";

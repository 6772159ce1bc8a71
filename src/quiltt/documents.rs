//! The GraphQL documents the bridge sends, one `.graphql` file each in `documents/`: valid on
//! both published generations of Quiltt's live schema (`$input: …Input!`, `logo { url }`,
//! `PlaidMutationError`'s fields), which `tests/schema/validate.mjs` checks in the test suite.

/// Initializes Plaid Link in update mode for a connection.
pub(crate) const CONNECTOR_PLAID_INITIALIZE: &str =
    include_str!("documents/connector_plaid_initialize.graphql");

/// Hands Link's public token and metadata to Quiltt, which repairs the connection.
pub(crate) const CONNECTOR_PLAID_CLOSE: &str =
    include_str!("documents/connector_plaid_close.graphql");

/// Stores custom metadata on a connection.
pub(crate) const CONNECTION_UPDATE: &str = include_str!("documents/connection_update.graphql");

/// Reads one connection.
pub(crate) const CONNECTION: &str = include_str!("documents/connection.graphql");

/// Lists connections, by status.
pub(crate) const CONNECTIONS: &str = include_str!("documents/connections.graphql");

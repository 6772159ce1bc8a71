//! The GraphQL documents the bridge sends, one `.graphql` file each in `documents/`, with
//! `$input: …Input!`, `logo { url }` and `PlaidMutationError`'s fields as the live schema has
//! them. The initialize document is one a generation of Quiltt's schema (`_2025_04`, …); the
//! others are valid on every generation. `tests/schema/validate.mjs` checks each against the
//! generations it is for, in the test suite.

/// Initializes Plaid Link in update mode for a connection: the 2025-04 generation
/// (`PlaidConnectorSession { status token … }`).
pub(crate) const CONNECTOR_PLAID_INITIALIZE_2025_04: &str =
    include_str!("documents/connector_plaid_initialize_2025_04.graphql");

/// The same for the 2024-08 generation (`PlaidConnectorSession { connectorStatus … }`).
pub(crate) const CONNECTOR_PLAID_INITIALIZE_2024_08: &str =
    include_str!("documents/connector_plaid_initialize_2024_08.graphql");

/// The same for the 2023-08 generation (`PlaidConnector`, without `hostedLinkUrl`).
pub(crate) const CONNECTOR_PLAID_INITIALIZE_2023_08: &str =
    include_str!("documents/connector_plaid_initialize_2023_08.graphql");

/// Hands Link's public token and metadata to Quiltt, which repairs the connection.
pub(crate) const CONNECTOR_PLAID_CLOSE: &str =
    include_str!("documents/connector_plaid_close.graphql");

/// Stores custom metadata on a connection.
pub(crate) const CONNECTION_UPDATE: &str = include_str!("documents/connection_update.graphql");

/// Reads one connection.
pub(crate) const CONNECTION: &str = include_str!("documents/connection.graphql");

/// Lists connections, by status.
pub(crate) const CONNECTIONS: &str = include_str!("documents/connections.graphql");

//! The 2023-08 generation of Quiltt's live schema (`quiltt/fintech-devcon-2023`,
//! `src/gql/graphql.ts`): the reference page's initialize input with `features` as an optional
//! list, `redirectUri` and `additionalConsentedProducts`; record `PlaidConnector`.

use std::sync::Arc;

use async_graphql::{
    Context, EmptySubscription, Enum, InputObject, Object, Schema, SimpleObject, ID,
};

use super::{
    AccountState, AccountType, ConnectionUpdateInput, DateTime, ErrorType, Failure, Json,
    LinkTokens, Url,
};
use crate::store;
use crate::AppState;

pub(super) type Schema2023 = Schema<QueryRoot, MutationRoot, EmptySubscription>;

pub(super) fn build(state: Option<Arc<AppState>>) -> Schema2023 {
    let builder = Schema::build(QueryRoot, MutationRoot, EmptySubscription);
    match state {
        Some(state) => builder.data(state).finish(),
        None => builder.finish(),
    }
}

/// Represents the status of a Connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(super) enum ConnectionStatus {
    /// The Connection provider is indicating an issue with the institution.
    ErrorInstitution,
    /// The Connection provider is experiencing a service interruption.
    ErrorProvider,
    /// The Connection has a repairable error. Initialize a Connector session for the user to
    /// repair the connection.
    ErrorRepairable,
    /// Quiltt is experiencing a service interruption.
    ErrorService,
    /// The Connection is being initialized.
    Initializing,
    /// The Connection is up to date.
    Synced,
    /// The Connection is currently syncing.
    Syncing,
}

impl ConnectionStatus {
    /// This generation's name for a stored status: it has no `UPGRADING` (reported as
    /// `SYNCING`) and no `DISCONNECTING`/`DISCONNECTED` (reported as `ERROR_PROVIDER`).
    fn of(status: store::ConnectionStatus) -> Self {
        use store::ConnectionStatus as S;
        match status {
            S::Initializing => Self::Initializing,
            S::Syncing | S::Upgrading => Self::Syncing,
            S::Synced => Self::Synced,
            S::ErrorRepairable => Self::ErrorRepairable,
            S::ErrorService => Self::ErrorService,
            S::ErrorProvider | S::Disconnecting | S::Disconnected => Self::ErrorProvider,
            S::ErrorInstitution => Self::ErrorInstitution,
        }
    }

    fn stored(self) -> store::ConnectionStatus {
        use store::ConnectionStatus as S;
        match self {
            Self::ErrorInstitution => S::ErrorInstitution,
            Self::ErrorProvider => S::ErrorProvider,
            Self::ErrorRepairable => S::ErrorRepairable,
            Self::ErrorService => S::ErrorService,
            Self::Initializing => S::Initializing,
            Self::Synced => S::Synced,
            Self::Syncing => S::Syncing,
        }
    }
}

/// Represents the requested Connection features for initializing a Connector session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(super) enum ConnectionFeature {
    /// Verify account numbers to support money movement operations.
    AccountVerification,
    /// Verify account-holder identity information.
    Identity,
    /// Access deep transaction history.
    Transactions,
}

/// Represents a data source for the Connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(super) enum ConnectionSourceType {
    /// Mock
    Mock,
    /// Plaid
    Plaid,
}

/// Represents a data source for the Account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(super) enum AccountSourceType {
    /// Mock
    Mock,
    /// Plaid
    Plaid,
}

/// Represents the next step with initializing a Connector session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(super) enum ConnectorStatus {
    /// Indicates that the end-user should be prompted to continue with the Connector flow.
    ActionRequired,
    /// Indicates that no action is required from the end-user.
    Continue,
}

/// Represents the data source for the Image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(super) enum ImageSource {
    /// Plaid
    Plaid,
    /// Spade
    Spade,
}

/// Represents an Image.
#[derive(Clone, Debug, SimpleObject)]
pub(super) struct Image {
    /// The source of the Image.
    #[graphql(name = "_sourcename")]
    sourcename: ImageSource,
    /// The URL for the Image (here a `data:image/png;base64,` URL).
    url: Option<Url>,
}

/// Represents an Institution.
pub(super) struct Institution(store::Institution);

impl Institution {
    fn image(&self) -> Image {
        Image {
            sourcename: ImageSource::Plaid,
            url: Some(Url(self.0.logo_url())),
        }
    }
}

#[Object]
impl Institution {
    /// A single Logo.
    async fn logo(&self) -> Option<Image> {
        Some(self.image())
    }

    /// A list of Logos.
    async fn logos(&self) -> Option<Vec<Image>> {
        Some(vec![self.image()])
    }

    /// The name of the Institution.
    async fn name(&self) -> &str {
        &self.0.name
    }
}

/// An Account represents the accounting of a banking relationship.
pub(super) struct Account {
    account: store::Account,
    institution: store::Institution,
}

#[Object]
impl Account {
    /// The ID of the Account.
    async fn id(&self) -> ID {
        ID(self.account.id.clone())
    }

    /// The Institution where the Account is held.
    async fn institution(&self) -> Institution {
        Institution(self.institution.clone())
    }

    /// Use `mask` instead.
    #[graphql(deprecation = "Use `mask` instead.")]
    async fn last_four_digits(&self) -> Option<&str> {
        self.account.mask.as_deref()
    }

    /// A mostly unique identifier, typically the last 4 numbers of the Account.
    async fn mask(&self) -> Option<&str> {
        self.account.mask.as_deref()
    }

    /// Custom metadata about the Account.
    async fn metadata(&self) -> Option<Json> {
        None
    }

    /// The Name of the Account
    async fn name(&self) -> &str {
        &self.account.name
    }

    /// The original source of the Account.
    async fn origin(&self) -> AccountSourceType {
        AccountSourceType::Plaid
    }

    /// The State of the Account
    async fn state(&self) -> AccountState {
        AccountState::Open
    }

    /// Represents the classification of an Account.
    #[graphql(name = "type")]
    async fn kind(&self) -> AccountType {
        AccountType::of(&self.account)
    }

    /// Specifies whether the Account is verified for money movements.
    async fn verified(&self) -> bool {
        false
    }
}

/// A Connection represents the data source for a Profile's accounts and transactions.
pub(super) struct Connection(store::Connection);

#[Object]
impl Connection {
    /// A list of Accounts.
    async fn accounts(&self) -> Vec<Account> {
        self.0
            .accounts
            .iter()
            .map(|a| Account {
                account: a.clone(),
                institution: self.0.institution.clone(),
            })
            .collect()
    }

    /// Specifies whether this Connection is managed by an external system.
    async fn externally_managed(&self) -> bool {
        false
    }

    /// The ID of the Connection.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The Institution of the Connection.
    async fn institution(&self) -> Institution {
        Institution(self.0.institution.clone())
    }

    /// Custom metadata about the Connection, stored in a 'key-value' format.
    async fn metadata(&self) -> Option<Json> {
        self.0.metadata.clone().map(Json)
    }

    /// The source of the Connection.
    async fn source_type(&self) -> ConnectionSourceType {
        ConnectionSourceType::Plaid
    }

    /// The status of the Connection.
    async fn status(&self) -> ConnectionStatus {
        ConnectionStatus::of(self.0.status)
    }
}

/// Options for filtering inside Plaid's API payload.
#[derive(Clone, Debug, InputObject)]
pub(super) struct ConnectionSourcePlaidFilter {
    /// Products available for the Item that have not yet been accessed.
    available_products: Option<Vec<String>>,
    /// Products that have been billed for the Item.
    billed_products: Option<Vec<String>>,
    /// When the consent provided by the end user expires.
    consent_expiration_time: Option<DateTime>,
    /// Products that have gone through consent collection for the Item.
    consented_products: Option<Vec<String>>,
    /// The Plaid Institution ID associated with the Item (the sandbox filters on it).
    institution_id: Option<String>,
    /// The Plaid Item ID.
    item_id: Option<String>,
    /// Authorized products for the Item.
    products: Option<Vec<String>>,
    /// `background` or `user_present_required`.
    update_type: Option<String>,
    /// The URL registered to receive webhooks for the Item.
    webhook: Option<String>,
}

/// Source-specific filters.
#[derive(Clone, Debug, InputObject)]
pub(super) struct ConnectionSourceFilter {
    /// Plaid Item data.
    plaid: Option<ConnectionSourcePlaidFilter>,
}

/// Options for filtering Connections.
#[derive(Clone, Debug, InputObject)]
pub(super) struct ConnectionFilter {
    /// Specifies the source of the Connection (the sandbox applies `plaid.institutionId`).
    source: Option<ConnectionSourceFilter>,
    /// The status of the Connection.
    status: Option<Vec<ConnectionStatus>>,
}

impl ConnectionFilter {
    fn matches(&self, c: &store::Connection) -> bool {
        let status = ConnectionStatus::of(c.status);
        let institution = self
            .source
            .as_ref()
            .and_then(|s| s.plaid.as_ref())
            .and_then(|p| p.institution_id.as_deref());
        self.status
            .as_ref()
            .is_none_or(|list| list.contains(&status))
            && institution.is_none_or(|id| id == c.institution.institution_id)
    }
}

/// Queries.
pub(super) struct QueryRoot;

#[Object(name = "Query")]
impl QueryRoot {
    /// Look up a Connection by its ID.
    async fn connection(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Connection>> {
        Ok(super::connection(ctx, &id)?.map(Connection))
    }

    /// Get a list of Connections. You can apply filters to refine the list.
    async fn connections(
        &self,
        ctx: &Context<'_>,
        filter: Option<ConnectionFilter>,
    ) -> async_graphql::Result<Option<Vec<Connection>>> {
        let list = super::connections(ctx)?
            .into_iter()
            .filter(|c| filter.as_ref().is_none_or(|f| f.matches(c)))
            .map(Connection)
            .collect();
        Ok(Some(list))
    }
}

/// A filter to apply to `credit`-type accounts
#[derive(Clone, Debug, InputObject)]
pub(super) struct PlaidCreditFilter {
    /// Account subtypes to display in Link.
    account_subtypes: Option<Vec<String>>,
}

/// A filter to apply to `depository`-type accounts
#[derive(Clone, Debug, InputObject)]
pub(super) struct PlaidDepositoryFilter {
    /// Account subtypes to display in Link.
    account_subtypes: Option<Vec<String>>,
}

/// A filter to apply to `investment`-type accounts
#[derive(Clone, Debug, InputObject)]
pub(super) struct PlaidInvestmentFilter {
    /// Account subtypes to display in Link.
    account_subtypes: Option<Vec<String>>,
}

/// A filter to apply to `loan`-type accounts
#[derive(Clone, Debug, InputObject)]
pub(super) struct PlaidLoanFilter {
    /// Account subtypes to display in Link.
    account_subtypes: Option<Vec<String>>,
}

/// Account subtypes shown in Link.
#[derive(Clone, Debug, InputObject)]
pub(super) struct PlaidLinkTokenAccountFilters {
    /// A filter to apply to `credit`-type accounts
    credit: Option<PlaidCreditFilter>,
    /// A filter to apply to `depository`-type accounts
    depository: Option<PlaidDepositoryFilter>,
    /// A filter to apply to `investment`-type accounts
    investment: Option<PlaidInvestmentFilter>,
    /// A filter to apply to `loan`-type accounts
    loan: Option<PlaidLoanFilter>,
}

/// Specifies options for initializing Link for use with the Auth product.
#[derive(Clone, Debug, InputObject)]
pub(super) struct PlaidLinkTokenCreateRequestAuth {
    /// Whether Auth Type Select is enabled.
    auth_type_select_enabled: Option<bool>,
    /// Whether the Automated Micro-deposits flow is enabled.
    automated_microdeposits_enabled: Option<bool>,
    /// Deprecated in favor of `auth_type_select_enabled`.
    flow_type: Option<String>,
    /// Whether the Instant Match flow is enabled.
    instant_match_enabled: Option<bool>,
    /// Whether the Same Day Micro-deposits flow is enabled.
    same_day_microdeposits_enabled: Option<bool>,
}

/// Specifies options for initializing Link for update mode.
#[derive(Clone, Debug, InputObject)]
pub(super) struct PlaidLinkTokenCreateRequestUpdate {
    /// If `true`, enables update mode with Account Select.
    account_selection_enabled: Option<bool>,
}

/// Configuration parameters for EU flows
#[derive(Clone, Debug, InputObject)]
#[graphql(name = "PlaidLinkTokenEUConfig")]
pub(super) struct PlaidLinkTokenEuConfig {
    /// If `true`, open Link without an initial UI.
    headless: Option<bool>,
}

/// Autogenerated input type of ConnectorPlaidInitialize
#[derive(Clone, Debug, InputObject)]
pub(super) struct ConnectorPlaidInitializeInput {
    /// Account subtypes shown in Link.
    account_filters: Option<PlaidLinkTokenAccountFilters>,
    /// (Beta) Additional Plaid products to collect consent for.
    additional_consented_products: Option<Vec<String>>,
    /// The name of your app's Android package.
    android_package_name: Option<String>,
    /// Options for the Auth product.
    auth: Option<PlaidLinkTokenCreateRequestAuth>,
    /// A unique identifier for the client performing the mutation.
    client_mutation_id: Option<String>,
    /// The name of your application, as it should be displayed in Link.
    client_name: Option<String>,
    /// The ID of the Connection that will be updated with Plaid Link.
    connection_id: Option<ID>,
    /// Plaid-supported country codes (ISO-3166-1 alpha-2).
    country_codes: Option<Vec<String>>,
    /// Configuration parameters for EU flows
    eu_config: Option<PlaidLinkTokenEuConfig>,
    /// The Connection features to be enabled.
    features: Option<Vec<ConnectionFeature>>,
    /// The language that Link should be displayed in.
    language: Option<String>,
    /// The name of the Link customization to apply.
    link_customization_name: Option<String>,
    /// List of Plaid product(s) you wish to use.
    products: Option<Vec<String>>,
    /// Where the user is forwarded after an OAuth login at their bank.
    redirect_uri: Option<String>,
    /// Options for initializing Link for update mode.
    update: Option<PlaidLinkTokenCreateRequestUpdate>,
}

/// A Plaid API error encountered while executing the mutation.
#[derive(Clone, Debug, SimpleObject)]
pub(super) struct PlaidMutationError {
    /// The particular Plaid error code.
    code: String,
    /// A user-friendly representation of the Plaid error code.
    display_message: Option<String>,
    /// A developer-friendly representation of the Plaid error code.
    message: String,
    /// A unique ID identifying the request, to be used for troubleshooting purposes.
    request_id: Option<String>,
    /// A broad categorization of the Plaid error.
    #[graphql(name = "type")]
    kind: String,
}

impl From<Failure> for PlaidMutationError {
    fn from(f: Failure) -> Self {
        Self {
            code: f.code.to_owned(),
            display_message: Some(f.display_message.to_owned()),
            message: f.message,
            request_id: Some(f.request_id),
            kind: f.kind.to_owned(),
        }
    }
}

/// The Connector response for Plaid Link.
#[derive(Clone, Debug, SimpleObject)]
pub(super) struct PlaidConnector {
    /// The status of the Connector Session.
    connector_status: ConnectorStatus,
    /// The Token for the Connector Session.
    connector_token: Option<String>,
    /// The expiration date for the `link_token`, in ISO 8601 format.
    expiration: Option<DateTime>,
    /// A `link_token` to open Plaid Link with.
    link_token: Option<String>,
    /// A unique identifier for the request.
    request_id: Option<String>,
}

impl PlaidConnector {
    /// `ACTION_REQUIRED` with the Link session's tokens, `CONTINUE` with them (a healthy
    /// connection opened to add accounts), or `CONTINUE` without any.
    fn new(request_id: String, tokens: Option<LinkTokens>) -> Self {
        let connector_status = match &tokens {
            Some(t) if !t.healthy => ConnectorStatus::ActionRequired,
            _ => ConnectorStatus::Continue,
        };
        let (link_token, connector_token, expiration) = match tokens {
            Some(t) => (
                Some(t.link_token),
                Some(t.connector_token),
                Some(t.expiration),
            ),
            None => (None, None, None),
        };
        Self {
            connector_status,
            connector_token,
            expiration,
            link_token,
            request_id: Some(request_id),
        }
    }
}

/// Autogenerated return type of ConnectorPlaidInitialize.
#[derive(SimpleObject)]
pub(super) struct ConnectorPlaidInitializePayload {
    /// A unique identifier for the client performing the mutation.
    client_mutation_id: Option<String>,
    /// A list of Plaid API errors from the mutation.
    errors: Option<Vec<PlaidMutationError>>,
    /// Connector payload for Plaid Link.
    record: Option<PlaidConnector>,
    /// Specifies whether the mutation was successful.
    success: bool,
}

/// Autogenerated input type of ConnectorPlaidClose
#[derive(Clone, Debug, InputObject)]
pub(super) struct ConnectorPlaidCloseInput {
    /// A unique identifier for the client performing the mutation.
    client_mutation_id: Option<String>,
    /// The `connectorToken` string from the Connector session initialization response.
    connector_token: String,
    /// The `metadata` object from Plaid Link's `onSuccess` callback.
    metadata: Json,
    /// The `public_token` string from Plaid Link's `onSuccess` callback.
    public_token: String,
}

/// Autogenerated return type of ConnectorPlaidClose.
#[derive(SimpleObject)]
pub(super) struct ConnectorPlaidClosePayload {
    /// A unique identifier for the client performing the mutation.
    client_mutation_id: Option<String>,
    /// A list of Plaid API errors from the mutation.
    errors: Option<Vec<PlaidMutationError>>,
    /// The Connection.
    record: Option<Connection>,
    /// Specifies whether the mutation was successful.
    success: bool,
}

/// Autogenerated return type of ConnectionUpdate.
#[derive(SimpleObject)]
pub(super) struct ConnectionUpdatePayload {
    /// A unique identifier for the client performing the mutation.
    client_mutation_id: Option<String>,
    /// List of errors from an unsuccessful mutation.
    errors: Option<Vec<ErrorType>>,
    /// The updated Connection.
    record: Option<Connection>,
    /// Specifies whether the mutation was successful.
    success: bool,
}

/// Autogenerated input type of ConnectionSimulateError (the sandbox adds `status`).
#[derive(Clone, Debug, InputObject)]
pub(super) struct ConnectionSimulateErrorInput {
    /// A unique identifier for the client performing the mutation.
    client_mutation_id: Option<String>,
    /// The ID of the Connection to be updated.
    id: ID,
    /// Sandbox only: the error status to set; default `ERROR_REPAIRABLE`.
    status: Option<ConnectionStatus>,
}

/// Autogenerated return type of ConnectionSimulateError.
#[derive(SimpleObject)]
pub(super) struct ConnectionSimulateErrorPayload {
    /// A unique identifier for the client performing the mutation.
    client_mutation_id: Option<String>,
    /// List of errors from an unsuccessful mutation.
    errors: Option<Vec<ErrorType>>,
    /// The updated Connection.
    record: Option<Connection>,
    /// Specifies whether the mutation was successful.
    success: bool,
}

/// Mutations.
pub(super) struct MutationRoot;

#[Object(name = "Mutation")]
impl MutationRoot {
    /// Update a Connection's metadata.
    async fn connection_update(
        &self,
        ctx: &Context<'_>,
        input: ConnectionUpdateInput,
    ) -> async_graphql::Result<Option<ConnectionUpdatePayload>> {
        let result = super::update(ctx, &input)?;
        Ok(Some(ConnectionUpdatePayload {
            client_mutation_id: input.client_mutation_id,
            success: result.is_ok(),
            record: result.as_ref().ok().cloned().map(Connection),
            errors: result.err().map(|e| vec![e]),
        }))
    }

    /// Create or update a Plaid-sourced Connection from a successful Plaid Link submission.
    async fn connector_plaid_close(
        &self,
        ctx: &Context<'_>,
        input: ConnectorPlaidCloseInput,
    ) -> async_graphql::Result<Option<ConnectorPlaidClosePayload>> {
        let result = super::close(
            ctx,
            &input.connector_token,
            &input.public_token,
            input.client_mutation_id.as_deref(),
        )?;
        Ok(Some(match result {
            Ok(outcome) => ConnectorPlaidClosePayload {
                client_mutation_id: input.client_mutation_id,
                errors: None,
                record: Some(Connection(outcome.connection)),
                success: true,
            },
            Err(failure) => ConnectorPlaidClosePayload {
                client_mutation_id: input.client_mutation_id,
                errors: Some(vec![failure.into()]),
                record: None,
                success: false,
            },
        }))
    }

    /// Generate a Plaid Link token to initialize Plaid Link.
    async fn connector_plaid_initialize(
        &self,
        ctx: &Context<'_>,
        input: ConnectorPlaidInitializeInput,
    ) -> async_graphql::Result<Option<ConnectorPlaidInitializePayload>> {
        let account_selection = input
            .update
            .as_ref()
            .and_then(|u| u.account_selection_enabled)
            .unwrap_or(false);
        let (request_id, outcome) = super::initialize(
            ctx,
            input.connection_id.as_ref(),
            input.redirect_uri.as_deref(),
            account_selection,
        )?;
        Ok(Some(match outcome {
            Ok(tokens) => ConnectorPlaidInitializePayload {
                client_mutation_id: input.client_mutation_id,
                errors: None,
                record: Some(PlaidConnector::new(request_id, tokens)),
                success: true,
            },
            Err(failure) => ConnectorPlaidInitializePayload {
                client_mutation_id: input.client_mutation_id,
                errors: Some(vec![failure.into()]),
                record: None,
                success: false,
            },
        }))
    }

    /// Sandbox: force a connection into an error state (default `ERROR_REPAIRABLE`).
    async fn connection_simulate_error(
        &self,
        ctx: &Context<'_>,
        input: ConnectionSimulateErrorInput,
    ) -> async_graphql::Result<Option<ConnectionSimulateErrorPayload>> {
        let status = input.status.unwrap_or(ConnectionStatus::ErrorRepairable);
        let result = super::simulate_error(ctx, &input.id, status.stored())?;
        Ok(Some(ConnectionSimulateErrorPayload {
            client_mutation_id: input.client_mutation_id,
            success: result.is_ok(),
            record: result.as_ref().ok().cloned().map(Connection),
            errors: result.err().map(|e| vec![e]),
        }))
    }
}

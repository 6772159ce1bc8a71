//! The 2024-08 generation of Quiltt's live schema (`quiltt/quiltt-nextjs-template`,
//! `src/generated/graphql.ts`): `featuresRequired`/`featuresOptional` instead of `features`,
//! no `euConfig`, the nested Plaid inputs renamed `RemoteDataPlaid…Input`; record
//! `PlaidConnectorSession`; `ConnectorStatus` with `ABORT` and `WAIT`.

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

pub(super) type Schema2024 = Schema<QueryRoot, MutationRoot, EmptySubscription>;

pub(super) fn build(state: Option<Arc<AppState>>) -> Schema2024 {
    let builder = Schema::build(QueryRoot, MutationRoot, EmptySubscription);
    match state {
        Some(state) => builder.data(state).finish(),
        None => builder.finish(),
    }
}

/// Represents the status of a Connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(super) enum ConnectionStatus {
    /// The Connection has been disconnected from all providers.
    Disconnected,
    /// The Connection provider is reporting an error with the Institution.
    ErrorInstitution,
    /// The Connection provider is reporting an error with the Connection.
    ErrorProvider,
    /// The Connection needs to be repaired by the user completing the Reconnect flow.
    ErrorRepairable,
    /// Quiltt is experiencing an error attempting to sync this Connection.
    ErrorService,
    /// The Connection is being initialized.
    Initializing,
    /// The Connection is synced and up to date with the provider.
    Synced,
    /// The Connection is currently syncing with the provider.
    Syncing,
    /// The Connection is attempting to add new features.
    Upgrading,
}

impl ConnectionStatus {
    /// This generation's name for a stored status (`DISCONNECTING` is reported as
    /// `DISCONNECTED`).
    fn of(status: store::ConnectionStatus) -> Self {
        use store::ConnectionStatus as S;
        match status {
            S::Initializing => Self::Initializing,
            S::Syncing => Self::Syncing,
            S::Synced => Self::Synced,
            S::Upgrading => Self::Upgrading,
            S::Disconnecting | S::Disconnected => Self::Disconnected,
            S::ErrorRepairable => Self::ErrorRepairable,
            S::ErrorService => Self::ErrorService,
            S::ErrorProvider => Self::ErrorProvider,
            S::ErrorInstitution => Self::ErrorInstitution,
        }
    }

    fn stored(self) -> store::ConnectionStatus {
        use store::ConnectionStatus as S;
        match self {
            Self::Disconnected => S::Disconnected,
            Self::ErrorInstitution => S::ErrorInstitution,
            Self::ErrorProvider => S::ErrorProvider,
            Self::ErrorRepairable => S::ErrorRepairable,
            Self::ErrorService => S::ErrorService,
            Self::Initializing => S::Initializing,
            Self::Synced => S::Synced,
            Self::Syncing => S::Syncing,
            Self::Upgrading => S::Upgrading,
        }
    }
}

/// Represents a feature of a Connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(super) enum ConnectionFeature {
    /// Access to verified account numbers to support money movement operations.
    AccountNumbers,
    /// Access to account-holder information to validate identity and account ownership.
    AccountOwners,
    /// Access to account balance data.
    Balances,
    /// Access to account investments holdings and transactions.
    Investments,
    /// Access to detailed account liabilities data.
    Liabilities,
    /// Access to historical account statements in PDF format.
    Statements,
    /// Access to account transactions.
    Transactions,
}

/// Represents a data provider for the Connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(super) enum ConnectionProvider {
    /// Akoya
    Akoya,
    /// Disconnected
    Disconnected,
    /// Mock data
    Mock,
    /// MX
    Mx,
    /// Plaid
    Plaid,
}

/// Represents the classification of an Account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(super) enum AccountKind {
    /// Credit cards, and Lines of Credit.
    Credit,
    /// Checking, Savings and cash management.
    Depository,
    /// Brokerage, retirement and other investments.
    Investment,
    /// Mortgage, student and installment loans.
    Loan,
}

impl AccountKind {
    fn of(account: &store::Account) -> Option<Self> {
        match account.kind.as_deref()? {
            "credit" => Some(Self::Credit),
            "depository" => Some(Self::Depository),
            "investment" | "brokerage" => Some(Self::Investment),
            "loan" => Some(Self::Loan),
            _ => None,
        }
    }
}

/// Represents the next step with initializing a Connector session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(super) enum ConnectorStatus {
    /// Unable to upgrade feature as it is not supported by the Institution.
    Abort,
    /// The end-user must interact with the Connection provider.
    ActionRequired,
    /// No end-user interaction is required.
    Continue,
    /// An asynchronous operation is occurring that may need further end-user interaction.
    Wait,
}

/// Represents the data provider for the Image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(super) enum ImageSource {
    /// Akoya
    Akoya,
    /// Mock data
    Mock,
    /// MX
    Mx,
    /// Pave
    Pave,
    /// Plaid
    Plaid,
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
    /// The ID of the Institution (Plaid's institution id).
    async fn id(&self) -> ID {
        ID(self.0.institution_id.clone())
    }

    /// A single Logo.
    async fn logo(&self) -> Option<Image> {
        Some(self.image())
    }

    /// A list of Logos.
    #[graphql(deprecation = "Use `logo` instead.`")]
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

    /// Represents the classification of an Account.
    async fn kind(&self) -> Option<AccountKind> {
        AccountKind::of(&self.account)
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

    /// The original provider of the Account.
    #[graphql(deprecation = "Use `provider`")]
    async fn origin(&self) -> ConnectionProvider {
        ConnectionProvider::Plaid
    }

    /// The original provider of the Account.
    async fn provider(&self) -> ConnectionProvider {
        ConnectionProvider::Plaid
    }

    /// The State of the Account
    async fn state(&self) -> AccountState {
        AccountState::Open
    }

    /// Represents the classification of an Account.
    #[graphql(name = "type", deprecation = "Use `kind`")]
    async fn account_type(&self) -> AccountType {
        AccountType::of(&self.account)
    }

    /// Specifies whether the Account has been verified for money movement.
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

    /// The features currently enabled on the Connection.
    async fn features(&self) -> Vec<ConnectionFeature> {
        vec![ConnectionFeature::Balances, ConnectionFeature::Transactions]
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

    /// Whether the Connection is currently established via OAuth.
    async fn oauth(&self) -> Option<bool> {
        Some(self.0.oauth)
    }

    /// Represents a data provider for the Connection.
    async fn provider(&self) -> ConnectionProvider {
        ConnectionProvider::Plaid
    }

    /// The status of the Connection.
    async fn status(&self) -> ConnectionStatus {
        ConnectionStatus::of(self.0.status)
    }
}

/// Options for filtering Connections.
#[derive(Clone, Debug, InputObject)]
pub(super) struct ConnectionFilter {
    /// Filter by the contents of Connection `metadata`.
    metadata: Option<Json>,
    /// The Connection providers to include.
    provider: Option<Vec<ConnectionProvider>>,
    /// The Connection statuses to include.
    status: Option<Vec<ConnectionStatus>>,
    /// The Connection statuses to exclude.
    #[graphql(name = "status_not")]
    status_not: Option<Vec<ConnectionStatus>>,
}

impl ConnectionFilter {
    fn matches(&self, c: &store::Connection) -> bool {
        let status = ConnectionStatus::of(c.status);
        self.status.as_ref().is_none_or(|l| l.contains(&status))
            && self
                .status_not
                .as_ref()
                .is_none_or(|l| !l.contains(&status))
            && self
                .provider
                .as_ref()
                .is_none_or(|l| l.contains(&ConnectionProvider::Plaid))
            && self
                .metadata
                .as_ref()
                .is_none_or(|Json(m)| super::metadata_matches(c.metadata.as_ref(), m))
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
pub(super) struct RemoteDataPlaidCreditFilterInput {
    /// Account subtypes to display in Link.
    account_subtypes: Option<Vec<String>>,
}

/// A filter to apply to `depository`-type accounts
#[derive(Clone, Debug, InputObject)]
pub(super) struct RemoteDataPlaidDepositoryFilterInput {
    /// Account subtypes to display in Link.
    account_subtypes: Option<Vec<String>>,
}

/// A filter to apply to `investment`-type accounts
#[derive(Clone, Debug, InputObject)]
pub(super) struct RemoteDataPlaidInvestmentFilterInput {
    /// Account subtypes to display in Link.
    account_subtypes: Option<Vec<String>>,
}

/// A filter to apply to `loan`-type accounts
#[derive(Clone, Debug, InputObject)]
pub(super) struct RemoteDataPlaidLoanFilterInput {
    /// Account subtypes to display in Link.
    account_subtypes: Option<Vec<String>>,
}

/// A filter to apply to `other`-type accounts
#[derive(Clone, Debug, InputObject)]
pub(super) struct RemoteDataPlaidOtherFilterInput {
    /// Account subtypes to display in Link.
    account_subtypes: Option<Vec<String>>,
}

/// Account subtypes shown in Link.
#[derive(Clone, Debug, InputObject)]
pub(super) struct RemoteDataPlaidAccountFiltersInput {
    /// A filter to apply to `credit`-type accounts
    credit: Option<RemoteDataPlaidCreditFilterInput>,
    /// A filter to apply to `depository`-type accounts
    depository: Option<RemoteDataPlaidDepositoryFilterInput>,
    /// A filter to apply to `investment`-type accounts
    investment: Option<RemoteDataPlaidInvestmentFilterInput>,
    /// A filter to apply to `loan`-type accounts
    loan: Option<RemoteDataPlaidLoanFilterInput>,
    /// A filter to apply to `other`-type accounts
    other: Option<RemoteDataPlaidOtherFilterInput>,
}

/// Specifies options for initializing Link for use with the Auth product.
#[derive(Clone, Debug, InputObject)]
pub(super) struct RemoteDataPlaidAuthInput {
    /// Whether Auth Type Select is enabled.
    auth_type_select_enabled: Option<bool>,
    /// Whether the Automated Micro-deposits flow is enabled.
    automated_microdeposits_enabled: Option<bool>,
    /// Whether the Database Insights flow is enabled.
    database_insights_enabled: Option<bool>,
    /// Whether the Database Match flow is enabled.
    database_match_enabled: Option<bool>,
    /// Deprecated in favor of `auth_type_select_enabled`.
    flow_type: Option<String>,
    /// Whether the Instant Match flow is enabled.
    instant_match_enabled: Option<bool>,
    /// Whether the Instant Micro-deposits flow is enabled.
    instant_microdeposits_enabled: Option<bool>,
    /// Which Reroute to Credentials pane Same Day Micro-deposits use.
    reroute_to_credentials: Option<String>,
    /// Whether the Same Day Micro-deposits flow is enabled.
    same_day_microdeposits_enabled: Option<bool>,
    /// Whether SMS micro-deposits verification is enabled.
    sms_microdeposits_verification_enabled: Option<bool>,
}

/// A map containing data used to highlight institutions in Link.
#[derive(Clone, Debug, InputObject)]
pub(super) struct RemoteDataPlaidInstitutionDataInput {
    /// The routing number of the bank to highlight in Link.
    routing_number: Option<String>,
}

/// Configuration parameters for the Transactions product
#[derive(Clone, Debug, InputObject)]
pub(super) struct RemoteDataPlaidTransactionsInput {
    /// The maximum number of days of transaction history to request.
    days_requested: Option<i32>,
}

/// Specifies options for initializing Link for update mode.
#[derive(Clone, Debug, InputObject)]
pub(super) struct RemoteDataPlaidUpdateInput {
    /// If `true`, enables update mode with Account Select.
    account_selection_enabled: Option<bool>,
}

/// Autogenerated input type of ConnectorPlaidInitialize
#[derive(Clone, Debug, InputObject)]
pub(super) struct ConnectorPlaidInitializeInput {
    /// Account subtypes shown in Link.
    account_filters: Option<RemoteDataPlaidAccountFiltersInput>,
    /// The name of your app's Android package.
    android_package_name: Option<String>,
    /// Options for the Auth product.
    auth: Option<RemoteDataPlaidAuthInput>,
    /// A unique identifier for the client performing the mutation.
    client_mutation_id: Option<String>,
    /// The name of your application, as it should be displayed in Link.
    client_name: Option<String>,
    /// The ID of the Connection that will be updated with Plaid Link.
    connection_id: Option<ID>,
    /// Plaid-supported country codes (ISO-3166-1 alpha-2).
    country_codes: Option<Vec<String>>,
    /// The Connection features to be attempted to be enabled.
    features_optional: Option<Vec<ConnectionFeature>>,
    /// The Connection features to be enabled.
    features_required: Vec<ConnectionFeature>,
    /// A map containing data used to highlight institutions in Link.
    institution_data: Option<RemoteDataPlaidInstitutionDataInput>,
    /// The language that Link should be displayed in.
    language: Option<String>,
    /// The name of the Link customization to apply.
    link_customization_name: Option<String>,
    /// Plaid products to fetch on a best-effort basis.
    optional_products: Option<Vec<String>>,
    /// The ID of the Portal that will used to create a new Connection.
    portal_id: Option<ID>,
    /// List of Plaid product(s) you wish to use.
    products: Option<Vec<String>>,
    /// The URI to redirect to after an OAuth Handshake
    redirect_uri: Option<String>,
    /// Configuration parameters for the Transactions product
    transactions: Option<RemoteDataPlaidTransactionsInput>,
    /// Options for initializing Link for update mode.
    update: Option<RemoteDataPlaidUpdateInput>,
}

/// A Plaid API error encountered while executing the mutation.
#[derive(Clone, Debug, SimpleObject)]
pub(super) struct PlaidMutationError {
    /// The particular Plaid error code.
    code: Option<String>,
    /// A user-friendly representation of the Plaid error code.
    display_message: Option<String>,
    /// A developer-friendly representation of the Plaid error code.
    message: Option<String>,
    /// A unique ID identifying the request, to be used for troubleshooting purposes.
    request_id: Option<String>,
    /// A broad categorization of the Plaid error.
    #[graphql(name = "type")]
    kind: Option<String>,
}

impl From<Failure> for PlaidMutationError {
    fn from(f: Failure) -> Self {
        Self {
            code: Some(f.code.to_owned()),
            display_message: Some(f.display_message.to_owned()),
            message: Some(f.message),
            request_id: Some(f.request_id),
            kind: Some(f.kind.to_owned()),
        }
    }
}

/// The Connector configuration for Plaid Link.
#[derive(Clone, Debug, SimpleObject)]
pub(super) struct PlaidConnectorSession {
    /// The status of the Plaid Connector Session.
    connector_status: ConnectorStatus,
    /// The token to pass to `connectorPlaidClose` after Plaid Link.
    connector_token: Option<String>,
    /// The expiration date for the `link_token`, in ISO 8601 format.
    expiration: Option<DateTime>,
    /// A URL of a Plaid-hosted Link flow (only for clients enabled for Hosted Link: null here).
    hosted_link_url: Option<String>,
    /// A `link_token` to open Plaid Link with.
    link_token: Option<String>,
    /// A unique identifier for the request.
    request_id: Option<String>,
}

impl PlaidConnectorSession {
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
            hosted_link_url: None,
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
    record: Option<PlaidConnectorSession>,
    /// Specifies whether the mutation was successful.
    success: bool,
}

/// Autogenerated input type of ConnectorPlaidClose
#[derive(Clone, Debug, InputObject)]
pub(super) struct ConnectorPlaidCloseInput {
    /// A unique identifier for the client performing the mutation.
    client_mutation_id: Option<String>,
    /// The `connectorToken` from the `connectorPlaidInitialize` response.
    connector_token: String,
    /// The `metadata` object from Plaid Link's `onSuccess` callback.
    metadata: Option<Json>,
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
    /// The ID of the Connection to be put in a repairable state.
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
    /// The Connection put in a repairable state.
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

    /// Generate a Plaid Link token or Hosted Link URL to launch Plaid Link.
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
                record: Some(PlaidConnectorSession::new(request_id, tokens)),
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

    /// Sandbox: put a Connection into an error state (default `ERROR_REPAIRABLE`).
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

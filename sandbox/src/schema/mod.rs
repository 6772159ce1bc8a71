//! The GraphQL schemas: one per generation of Quiltt's live API, following the types Quiltt
//! published for it (`tests/schema/quiltt-2023-08.graphql`, `tests/schema/quiltt-2024-08.graphql`
//! at the repository root), plus `connectionSimulateError` with a `status` for tests.
//!
//! The two generations differ in their inputs, enums and records (see `v2023` and `v2024`); what
//! they share is here: the scalars, `Error`, `ConnectionUpdateInput`, the account enums and the
//! resolvers' work on the store.

mod usage;
mod v2023;
mod v2024;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use async_graphql::{
    Context, Enum, InputObject, InputValueError, InputValueResult, MaybeUndefined, Scalar,
    ScalarType, SimpleObject, Value, ID,
};

use crate::endpoint::RequestSeq;
use crate::store::{self, CloseOutcome, InitializeOutcome, PlaidFailure};
use crate::util::{iso8601, random_id};
use crate::AppState;

/// Which generation of Quiltt's live schema the sandbox serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SchemaGeneration {
    /// The 2023-08 generation (`quiltt/fintech-devcon-2023`): `features: [ConnectionFeature!]`,
    /// `euConfig`, record `PlaidConnector`, `ConnectorStatus` `CONTINUE`/`ACTION_REQUIRED`.
    V2023,
    /// The 2024-08 generation (`quiltt/quiltt-nextjs-template`), the default:
    /// `featuresRequired: [ConnectionFeature!]!`, record `PlaidConnectorSession`,
    /// `ConnectorStatus` adds `ABORT` and `WAIT`.
    #[default]
    V2024,
}

impl SchemaGeneration {
    /// Both generations, oldest first.
    pub const ALL: [SchemaGeneration; 2] = [SchemaGeneration::V2023, SchemaGeneration::V2024];

    /// `"2023"` or `"2024"`, as `--schema` and `/__sandbox/config` spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaGeneration::V2023 => "2023",
            SchemaGeneration::V2024 => "2024",
        }
    }
}

impl fmt::Display for SchemaGeneration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SchemaGeneration {
    type Err = String;

    /// Accepts `2023`, `2023-08`, `2024`, `2024-08`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "2023" | "2023-08" => Ok(SchemaGeneration::V2023),
            "2024" | "2024-08" => Ok(SchemaGeneration::V2024),
            other => Err(format!(
                "unknown schema generation {other:?}: use 2023 or 2024"
            )),
        }
    }
}

/// The executable schemas of both generations.
#[derive(Clone)]
pub(crate) struct Schemas {
    v2023: v2023::Schema2023,
    v2024: v2024::Schema2024,
    /// Argument and input field types, for the variable usage rule async-graphql skips.
    types: Arc<[usage::Types; 2]>,
}

impl Schemas {
    /// Builds both; `state` is the store the resolvers read and write.
    pub(crate) fn build(state: Option<Arc<AppState>>) -> Self {
        let v2023 = v2023::build(state.clone());
        let v2024 = v2024::build(state);
        let types = Arc::new([
            usage::Types::from_sdl(&v2023.sdl()),
            usage::Types::from_sdl(&v2024.sdl()),
        ]);
        Self {
            v2023,
            v2024,
            types,
        }
    }

    /// Runs a request on the schema of `generation`.
    pub(crate) async fn execute(
        &self,
        generation: SchemaGeneration,
        request: async_graphql::Request,
    ) -> async_graphql::Response {
        let types = match generation {
            SchemaGeneration::V2023 => &self.types[0],
            SchemaGeneration::V2024 => &self.types[1],
        };
        if let Ok(document) = async_graphql::parser::parse_query(&request.query) {
            let errors = types.check(&document);
            if !errors.is_empty() {
                return async_graphql::Response::from_errors(errors);
            }
        }
        match generation {
            SchemaGeneration::V2023 => self.v2023.execute(request).await,
            SchemaGeneration::V2024 => self.v2024.execute(request).await,
        }
    }

    /// The SDL of `generation`.
    pub(crate) fn sdl(&self, generation: SchemaGeneration) -> String {
        match generation {
            SchemaGeneration::V2023 => self.v2023.sdl(),
            SchemaGeneration::V2024 => self.v2024.sdl(),
        }
    }
}

/// The schema of `generation` in SDL, as committed in `sandbox/schema-<generation>.graphql`.
pub fn sdl(generation: SchemaGeneration) -> String {
    Schemas::build(None).sdl(generation)
}

/// Represents untyped JSON
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Json(pub serde_json::Value);

#[Scalar(name = "JSON")]
impl ScalarType for Json {
    fn parse(value: Value) -> InputValueResult<Self> {
        value
            .into_json()
            .map(Json)
            .map_err(|e| InputValueError::custom(format!("invalid JSON: {e}")))
    }

    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}

/// Represents an ISO 8601-encoded datetime.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DateTime(pub String);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(DateTime(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// Represents a valid URL, transported as a string.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Url(pub String);

#[Scalar(name = "URL")]
impl ScalarType for Url {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(Url(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// Represents the classification of an Account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(crate) enum AccountType {
    /// Checking and cash management.
    Checking,
    /// Credit cards.
    Credit,
    /// Brokerage, retirement and other investments.
    Investment,
    /// Lines of credit, mortgage, student and installment loans.
    Loan,
    /// All other Account types.
    Other,
    /// Savings and money market.
    Savings,
}

impl AccountType {
    /// Quiltt's classification of a Plaid account type and subtype.
    pub(crate) fn of(account: &store::Account) -> Self {
        match (account.kind.as_deref(), account.subtype.as_deref()) {
            (Some("depository"), Some("savings" | "money market" | "cd" | "hsa")) => Self::Savings,
            (Some("depository"), _) => Self::Checking,
            (Some("credit"), _) => Self::Credit,
            (Some("loan"), _) => Self::Loan,
            (Some("investment" | "brokerage"), _) => Self::Investment,
            _ => Self::Other,
        }
    }
}

/// The State of an Account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(crate) enum AccountState {
    /// Terminated
    Closed,
    /// Open
    Open,
}

/// Represents an Error.
#[derive(Clone, Debug, SimpleObject)]
#[graphql(name = "Error")]
pub(crate) struct ErrorType {
    /// A description of the error.
    pub message: Option<String>,
    /// Which input value this error came from.
    pub path: Option<Vec<String>>,
}

impl ErrorType {
    fn at(message: String, path: &[&str]) -> Self {
        Self {
            message: Some(message),
            path: Some(path.iter().map(|s| (*s).to_owned()).collect()),
        }
    }
}

/// Autogenerated input type of ConnectionUpdate
#[derive(Clone, Debug, InputObject)]
#[graphql(name = "ConnectionUpdateInput")]
pub(crate) struct ConnectionUpdateInput {
    /// A unique identifier for the client performing the mutation.
    pub client_mutation_id: Option<String>,
    /// The ID of the Connection to be updated.
    pub id: ID,
    /// Customizable metadata (null clears it).
    pub metadata: MaybeUndefined<Json>,
}

/// A Plaid-like failure as the payloads report it, with the request id of the operation.
pub(crate) struct Failure {
    pub code: &'static str,
    pub kind: &'static str,
    pub message: String,
    pub display_message: &'static str,
    pub request_id: String,
}

impl Failure {
    fn new(failure: PlaidFailure, request_id: &str) -> Self {
        Self {
            code: failure.code,
            kind: failure.kind,
            message: failure.message,
            display_message: failure.display_message,
            request_id: request_id.to_owned(),
        }
    }
}

fn state<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Arc<AppState>> {
    ctx.data::<Arc<AppState>>()
}

/// A Link session made by `connectorPlaidInitialize`: `ACTION_REQUIRED`, or `CONTINUE` on a
/// healthy connection opened to add accounts.
pub(crate) struct LinkTokens {
    pub link_token: String,
    pub connector_token: String,
    pub expiration: DateTime,
    /// Whether the connection is healthy (the record says `CONTINUE`).
    pub healthy: bool,
}

/// `connectorPlaidInitialize`'s work: the request id, and the Link session to open (none:
/// `CONTINUE`) or the failure.
pub(crate) fn initialize(
    ctx: &Context<'_>,
    connection_id: Option<&ID>,
    redirect_uri: Option<&str>,
    account_selection: bool,
) -> async_graphql::Result<(String, Result<Option<LinkTokens>, Failure>)> {
    let request_id = random_id("req-sandbox");
    let outcome = state(ctx)?
        .store()
        .initialize(
            connection_id.map(|id| id.as_str()),
            redirect_uri,
            &request_id,
            account_selection,
        )
        .map(|outcome| {
            let (healthy, link_token, connector_token, expiration) = match outcome {
                InitializeOutcome::Continue => return None,
                InitializeOutcome::ActionRequired {
                    link_token,
                    connector_token,
                    expiration,
                } => (false, link_token, connector_token, expiration),
                InitializeOutcome::AddAccounts {
                    link_token,
                    connector_token,
                    expiration,
                } => (true, link_token, connector_token, expiration),
            };
            Some(LinkTokens {
                link_token,
                connector_token,
                expiration: DateTime(iso8601(expiration)),
                healthy,
            })
        })
        .map_err(|f| Failure::new(f, &request_id));
    Ok((request_id, outcome))
}

/// `connectorPlaidClose`'s work.
pub(crate) fn close(
    ctx: &Context<'_>,
    connector_token: &str,
    public_token: &str,
    client_mutation_id: Option<&str>,
) -> async_graphql::Result<Result<CloseOutcome, Failure>> {
    let request_id = random_id("req-sandbox");
    let app = state(ctx)?;
    let result = app
        .store()
        .close(connector_token, public_token, client_mutation_id);
    if let (Ok(outcome), Some(RequestSeq(seq))) = (&result, ctx.data_opt::<RequestSeq>()) {
        if outcome.replayed {
            app.requests().set_replayed(*seq);
        }
    }
    Ok(result.map_err(|f| Failure::new(f, &request_id)))
}

/// `connectionUpdate`'s work: stores, clears (`null`) or keeps (absent) the metadata.
pub(crate) fn update(
    ctx: &Context<'_>,
    input: &ConnectionUpdateInput,
) -> async_graphql::Result<Result<store::Connection, ErrorType>> {
    let metadata = match &input.metadata {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(Json(v)) => Some(Some(v.clone())),
    };
    Ok(state(ctx)?
        .store()
        .update_metadata(&input.id, metadata)
        .map_err(|message| {
            let field = if message.contains("metadata") {
                "metadata"
            } else {
                "id"
            };
            ErrorType::at(message, &["input", field])
        }))
}

/// `connectionSimulateError`'s work.
pub(crate) fn simulate_error(
    ctx: &Context<'_>,
    id: &ID,
    status: store::ConnectionStatus,
) -> async_graphql::Result<Result<store::Connection, ErrorType>> {
    Ok(state(ctx)?
        .store()
        .set_status(id, status)
        .map_err(|message| ErrorType::at(message, &["input", "id"])))
}

/// One connection, by id.
pub(crate) fn connection(
    ctx: &Context<'_>,
    id: &ID,
) -> async_graphql::Result<Option<store::Connection>> {
    Ok(state(ctx)?.store().connection(id))
}

/// Every connection, ordered by id.
pub(crate) fn connections(ctx: &Context<'_>) -> async_graphql::Result<Vec<store::Connection>> {
    Ok(state(ctx)?.store().connections())
}

/// Whether `metadata` contains every key of `filter` with an equal value (Quiltt's "filter by
/// the contents of metadata"); a filter that is not an object matches nothing.
pub(crate) fn metadata_matches(
    metadata: Option<&serde_json::Value>,
    filter: &serde_json::Value,
) -> bool {
    let Some(filter) = filter.as_object() else {
        return filter.is_null();
    };
    let Some(metadata) = metadata.and_then(serde_json::Value::as_object) else {
        return filter.is_empty();
    };
    filter.iter().all(|(k, v)| metadata.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generations_parse_and_print() {
        assert_eq!("2023".parse(), Ok(SchemaGeneration::V2023));
        assert_eq!("2024-08".parse(), Ok(SchemaGeneration::V2024));
        assert!("2025".parse::<SchemaGeneration>().is_err());
        assert_eq!(SchemaGeneration::default().to_string(), "2024");
    }

    #[test]
    fn metadata_filters_by_contents() {
        let m = json!({ "a": 1, "b": { "c": true } });
        assert!(metadata_matches(Some(&m), &json!({ "a": 1 })));
        assert!(metadata_matches(Some(&m), &json!({ "b": { "c": true } })));
        assert!(!metadata_matches(Some(&m), &json!({ "a": 2 })));
        assert!(!metadata_matches(None, &json!({ "a": 1 })));
        assert!(metadata_matches(None, &json!({})));
    }

    #[test]
    fn account_types_follow_plaid_types_and_subtypes() {
        let a = |kind: &str, subtype: &str| store::Account {
            id: String::new(),
            name: String::new(),
            mask: None,
            kind: Some(kind.into()),
            subtype: Some(subtype.into()),
        };
        assert_eq!(
            AccountType::of(&a("depository", "checking")),
            AccountType::Checking
        );
        assert_eq!(
            AccountType::of(&a("depository", "savings")),
            AccountType::Savings
        );
        assert_eq!(
            AccountType::of(&a("credit", "credit card")),
            AccountType::Credit
        );
        assert_eq!(AccountType::of(&a("loan", "auto")), AccountType::Loan);
        assert_eq!(AccountType::of(&a("other", "")), AccountType::Other);
    }
}

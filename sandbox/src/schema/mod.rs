//! The GraphQL schemas: one per generation of Quiltt's live API, each built at start from the
//! subset SDL of the types Quiltt published for it (`tests/schema/quiltt-*.graphql` at the
//! repository root) plus the sandbox's `connectionSimulateError` (`sandbox.graphql`).
//!
//! - [`build`]: the SDL as an async-graphql dynamic schema. Types, fields, arguments, input
//!   fields, enum values, nullability, descriptions and deprecations all come from the SDL, so
//!   the sandbox validates documents exactly as the published schema does.
//! - [`resolvers`]: the root fields the sandbox implements, doing the store work below and
//!   answering JSON; every other field reads its key from its parent's JSON.
//! - [`json`]: that JSON, with the values of the generation's [`Row`] and enums.
//! - [`usage`]: the variable usage rule async-graphql skips.
//!
//! What differs between generations beyond their SDL is one [`Row`] each (`ROWS`): a new
//! generation is one SDL file and one row.

mod build;
mod json;
mod resolvers;
mod usage;

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_graphql::Context;

use crate::endpoint::RequestSeq;
use crate::log::Refusal;
use crate::store::{self, CloseOutcome, InitializeOutcome, PlaidFailure};
use crate::util::{iso8601, random_id};
use crate::AppState;

/// Which generation of Quiltt's live schema the sandbox serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SchemaGeneration {
    /// The 2023-08 generation (`quiltt/fintech-devcon-2023`): `features: [ConnectionFeature!]`,
    /// `euConfig`, record `PlaidConnector`, `ConnectorStatus` `CONTINUE`/`ACTION_REQUIRED`.
    V2023,
    /// The 2024-08 generation (`quiltt/quiltt-nextjs-template`):
    /// `featuresRequired: [ConnectionFeature!]!`, record `PlaidConnectorSession` with
    /// `connectorStatus`/`connectorToken`, `ConnectorStatus` adds `ABORT` and `WAIT`.
    V2024,
    /// The 2025-04 generation, the default: `PlaidConnectorSession { status token … }`, the
    /// close input's `token`, `portalsProviderId`, `ConnectionFeature` values such as
    /// `ACCOUNT_BALANCES_AND_TRANSACTIONS`, `ConnectionStatus` adds `DISCONNECTING`.
    #[default]
    V2025,
    /// The 2025-04 generation as published for an environment without Plaid (only the Finicity
    /// and Mock connectors): no `connectorPlaid*` mutation at all. `connection(s)` and
    /// `connectionUpdate` work; the other connector mutations answer "not implemented".
    NoPlaid,
}

impl SchemaGeneration {
    /// Every generation, oldest first, the Plaid-less variant last.
    pub const ALL: [SchemaGeneration; 4] = [
        SchemaGeneration::V2023,
        SchemaGeneration::V2024,
        SchemaGeneration::V2025,
        SchemaGeneration::NoPlaid,
    ];

    /// `"2023"`, `"2024"`, `"2025"` or `"no-plaid"`, as `--schema` and `/__sandbox/config`
    /// spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaGeneration::V2023 => "2023",
            SchemaGeneration::V2024 => "2024",
            SchemaGeneration::V2025 => "2025",
            SchemaGeneration::NoPlaid => "no-plaid",
        }
    }

    /// What Quiltt published, for people: `"2024-08"`, `"2025-04 without Plaid"`.
    pub fn published(self) -> &'static str {
        match self {
            SchemaGeneration::V2023 => "2023-08",
            SchemaGeneration::V2024 => "2024-08",
            SchemaGeneration::V2025 => "2025-04",
            SchemaGeneration::NoPlaid => "2025-04 without Plaid",
        }
    }

    /// Whether the schema has the `connectorPlaid*` mutations (all but [`Self::NoPlaid`]).
    pub fn has_plaid(self) -> bool {
        self != SchemaGeneration::NoPlaid
    }

    fn row(self) -> &'static Row {
        &ROWS[self as usize]
    }
}

impl fmt::Display for SchemaGeneration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SchemaGeneration {
    type Err = String;

    /// Accepts `2023`, `2023-08`, `2024`, `2024-08`, `2025`, `2025-04`, `no-plaid`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "2023" | "2023-08" => Ok(SchemaGeneration::V2023),
            "2024" | "2024-08" => Ok(SchemaGeneration::V2024),
            "2025" | "2025-04" => Ok(SchemaGeneration::V2025),
            "no-plaid" => Ok(SchemaGeneration::NoPlaid),
            other => Err(format!(
                "unknown schema generation {other:?}: use 2023, 2024, 2025 or no-plaid"
            )),
        }
    }
}

/// A generation beyond its SDL: the values the sandbox answers that the SDL does not decide.
/// (Which statuses, features or taxonomy members exist comes from the SDL's enums; a stored
/// status a generation lacks reads as its nearest one, see `json::Dialect::status`.)
struct Row {
    /// The published subset SDL the schema is built from.
    sdl: &'static str,
    /// `Connection.features` of every connection (2023 has no such field).
    features: &'static [&'static str],
    /// The provider of every connection, account and logo: `Connection.provider`/`sourceType`,
    /// `Account.provider`/`origin`, `Image._sourcename`.
    provider: &'static str,
    /// The Plaid session record's name for its `ConnectorStatus`.
    status_field: &'static str,
    /// The record's name for the connector token, which is also the close input's.
    token_field: &'static str,
}

/// One row per [`SchemaGeneration`], in [`SchemaGeneration::ALL`]'s order.
const ROWS: [Row; 4] = [
    Row {
        sdl: include_str!("../../../tests/schema/quiltt-2023-08.graphql"),
        features: &[],
        provider: "PLAID",
        status_field: "connectorStatus",
        token_field: "connectorToken",
    },
    Row {
        sdl: include_str!("../../../tests/schema/quiltt-2024-08.graphql"),
        features: &["BALANCES", "TRANSACTIONS"],
        provider: "PLAID",
        status_field: "connectorStatus",
        token_field: "connectorToken",
    },
    Row {
        sdl: include_str!("../../../tests/schema/quiltt-2025-04.graphql"),
        features: &["ACCOUNT_BALANCES_AND_TRANSACTIONS"],
        provider: "PLAID",
        status_field: "status",
        token_field: "token",
    },
    Row {
        sdl: include_str!("../../../tests/schema/quiltt-no-plaid.graphql"),
        features: &["ACCOUNT_BALANCES_AND_TRANSACTIONS"],
        // Its ConnectionProvider and ImageSource have no PLAID.
        provider: "MOCK",
        status_field: "status",
        token_field: "token",
    },
];

/// One generation, ready to serve.
struct Served {
    schema: async_graphql::dynamic::Schema,
    /// Argument and input field types, for the variable usage rule async-graphql skips.
    types: usage::Types,
}

/// The executable schemas of every generation.
#[derive(Clone)]
pub(crate) struct Schemas(Arc<[Served; 4]>);

/// Set by the root resolvers: the request ran (it was not refused before execution).
#[derive(Clone, Default)]
pub(crate) struct Ran(Arc<AtomicBool>);

impl Ran {
    fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Schemas {
    /// Builds every generation; `state` is the store the resolvers read and write.
    pub(crate) fn build(state: Option<Arc<AppState>>) -> Self {
        Self(Arc::new(SchemaGeneration::ALL.map(|generation| {
            let schema = build::schema(generation, state.clone());
            let types = usage::Types::from_sdl(&schema.sdl());
            Served { schema, types }
        })))
    }

    /// Runs a request on the schema of `generation`; also says what it refused when it answered
    /// errors before any resolver ran: the document (validation, the variable usage rule
    /// included), or the variables of a valid one.
    pub(crate) async fn execute(
        &self,
        generation: SchemaGeneration,
        request: async_graphql::Request,
    ) -> (async_graphql::Response, Option<Refusal>) {
        let served = &self.0[generation as usize];
        if let Ok(document) = async_graphql::parser::parse_query(&request.query) {
            let errors = served.types.check(&document);
            if !errors.is_empty() {
                let response = async_graphql::Response::from_errors(errors);
                return (response, Some(Refusal::Document));
            }
        }
        let ran = Ran::default();
        let response = served.schema.execute(request.data(ran.clone())).await;
        if !response.is_err() || ran.0.load(Ordering::Relaxed) {
            return (response, None);
        }
        // async-graphql checks variables while it validates, and words a value that does not fit
        // its argument so; every other error before execution is the document's.
        let input = response
            .errors
            .iter()
            .all(|e| e.message.starts_with("Invalid value for argument"));
        let refusal = if input {
            Refusal::Input
        } else {
            Refusal::Document
        };
        (response, Some(refusal))
    }

    /// The SDL of `generation`.
    pub(crate) fn sdl(&self, generation: SchemaGeneration) -> String {
        self.0[generation as usize].schema.sdl()
    }
}

/// The schema of `generation` in SDL, as committed in `sandbox/schema-<generation>.graphql`.
pub fn sdl(generation: SchemaGeneration) -> String {
    build::schema(generation, None).sdl()
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

/// An `Error { message path }` of `connectionUpdate` and `connectionSimulateError`.
pub(crate) struct ErrorAt {
    pub message: String,
    pub path: [&'static str; 2],
}

fn state<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Arc<AppState>> {
    ctx.data::<Arc<AppState>>()
}

/// A Link session made by `connectorPlaidInitialize`: `ACTION_REQUIRED`, or `CONTINUE` on a
/// healthy connection opened to add accounts.
pub(crate) struct LinkTokens {
    pub link_token: String,
    pub connector_token: String,
    /// ISO-8601 UTC.
    pub expiration: String,
    /// Whether the connection is healthy (the record says `CONTINUE`).
    pub healthy: bool,
}

/// `connectorPlaidInitialize`'s work: the request id, and the Link session to open (none:
/// `CONTINUE`) or the failure.
pub(crate) fn initialize(
    ctx: &Context<'_>,
    connection_id: Option<&str>,
    redirect_uri: Option<&str>,
    account_selection: bool,
) -> async_graphql::Result<(String, Result<Option<LinkTokens>, Failure>)> {
    let request_id = random_id("req-sandbox");
    let outcome = state(ctx)?
        .store()
        .initialize(connection_id, redirect_uri, &request_id, account_selection)
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
                expiration: iso8601(expiration),
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

/// `connectionUpdate`'s work: stores (`Some(Some(_))`), clears (`Some(None)`) or keeps (`None`)
/// the metadata.
pub(crate) fn update(
    ctx: &Context<'_>,
    id: &str,
    metadata: Option<Option<serde_json::Value>>,
) -> async_graphql::Result<Result<store::Connection, ErrorAt>> {
    Ok(state(ctx)?
        .store()
        .update_metadata(id, metadata)
        .map_err(|message| {
            let field = if message.contains("metadata") {
                "metadata"
            } else {
                "id"
            };
            ErrorAt {
                message,
                path: ["input", field],
            }
        }))
}

/// `connectionSimulateError`'s work.
pub(crate) fn simulate_error(
    ctx: &Context<'_>,
    id: &str,
    status: store::ConnectionStatus,
) -> async_graphql::Result<Result<store::Connection, ErrorAt>> {
    Ok(state(ctx)?
        .store()
        .set_status(id, status)
        .map_err(|message| ErrorAt {
            message,
            path: ["input", "id"],
        }))
}

/// One connection, by id.
pub(crate) fn connection(
    ctx: &Context<'_>,
    id: &str,
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
        assert_eq!("2025-04".parse(), Ok(SchemaGeneration::V2025));
        assert_eq!("no-plaid".parse(), Ok(SchemaGeneration::NoPlaid));
        assert!("2026".parse::<SchemaGeneration>().is_err());
        assert_eq!(SchemaGeneration::default().to_string(), "2025");
        for generation in SchemaGeneration::ALL {
            assert_eq!(generation.as_str().parse(), Ok(generation));
            assert_eq!(SchemaGeneration::ALL[generation as usize], generation);
        }
    }

    /// A selection of every field of `ty` (as the SDL of `generation` has it), objects `depth`
    /// levels deep.
    fn everything(types: &usage::Types, ty: &str, depth: usize) -> String {
        let fields = types.fields(ty);
        let mut selection: Vec<String> = Vec::new();
        for (name, field_ty) in fields {
            match types.fields(field_ty).is_empty() {
                true => selection.push(name.to_owned()),
                false if depth > 0 => selection.push(format!(
                    "{name} {{ {} }}",
                    everything(types, field_ty, depth - 1)
                )),
                false => {}
            }
        }
        selection.join(" ")
    }

    #[tokio::test]
    async fn every_field_of_every_generation_resolves() {
        let app = Arc::new(AppState::new(crate::SandboxConfig::default()));
        let schemas = Schemas::build(Some(app.clone()));
        app.store()
            .seed(
                serde_json::from_value(json!({ "id": "c_gone", "status": "DISCONNECTING" }))
                    .unwrap(),
            )
            .unwrap();
        for generation in SchemaGeneration::ALL {
            let types = &schemas.0[generation as usize].types;
            let mut documents = vec![
                format!("{{ connections {{ {} }} }}", everything(types, "Connection", 3)),
                format!(
                    "mutation {{ connectionSimulateError(input: {{ id: \"conn_healthy\", status: ERROR_SERVICE }}) {{ {} }} }}",
                    everything(types, "ConnectionSimulateErrorPayload", 3)
                ),
                format!(
                    "mutation {{ connectionUpdate(input: {{ id: \"conn_healthy\", metadata: {{ a: 1 }} }}) {{ {} }} }}",
                    everything(types, "ConnectionUpdatePayload", 3)
                ),
            ];
            if generation.has_plaid() {
                let features = match generation {
                    SchemaGeneration::V2023 => "",
                    _ => "featuresRequired: []",
                };
                for id in ["conn_login_required", "conn_nope"] {
                    documents.push(format!(
                        "mutation {{ connectorPlaidInitialize(input: {{ connectionId: \"{id}\", {features} }}) {{ {} }} }}",
                        everything(types, "ConnectorPlaidInitializePayload", 3)
                    ));
                }
                let close = match generation.row().token_field {
                    "token" => "token: \"x\", publicToken: \"y\"",
                    _ => "connectorToken: \"x\", publicToken: \"y\", metadata: {}",
                };
                documents.push(format!(
                    "mutation {{ connectorPlaidClose(input: {{ {close} }}) {{ {} }} }}",
                    everything(types, "ConnectorPlaidClosePayload", 3)
                ));
            }
            for document in documents {
                let (response, refused) = schemas
                    .execute(generation, async_graphql::Request::new(&document))
                    .await;
                assert!(
                    response.errors.is_empty() && refused.is_none(),
                    "{generation}: {document}: {:?}",
                    response.errors
                );
            }
        }
    }

    #[tokio::test]
    async fn unimplemented_root_fields_answer_an_error_and_validation_refuses() {
        let schemas = Schemas::build(Some(Arc::new(AppState::new(
            crate::SandboxConfig::default(),
        ))));
        let (response, refused) = schemas
            .execute(
                SchemaGeneration::NoPlaid,
                async_graphql::Request::new("mutation { connectorMockInitialize(input: { featuresRequired: [] }) { success } }"),
            )
            .await;
        assert_eq!(refused, None);
        assert_eq!(
            response.errors[0].message,
            "connectorMockInitialize is not implemented by the sandbox"
        );
        let (response, refused) = schemas
            .execute(
                SchemaGeneration::NoPlaid,
                async_graphql::Request::new("mutation { connectorPlaidInitialize(input: { featuresRequired: [] }) { success } }"),
            )
            .await;
        assert_eq!(refused, Some(Refusal::Document), "{:?}", response.errors);
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
}

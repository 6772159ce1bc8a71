//! The root fields the sandbox implements. Each reads its arguments as JSON (validation already
//! held them to the generation's input types), does its work on the store (`super::initialize`,
//! …) and answers JSON shaped by `json` for the generation; the fields below a root field read
//! their keys from it.

use async_graphql::dynamic::ResolverContext;
use serde_json::{json, Value as Json};

use super::json::{self, Dialect};
use crate::store;

/// A root field's resolver: its answer (null, an object, or a list of objects).
pub(super) type Root = fn(&ResolverContext<'_>, &Dialect) -> async_graphql::Result<Json>;

/// The resolver of the root field `name`, if the sandbox implements it.
pub(super) fn root(name: &str) -> Option<Root> {
    Some(match name {
        "connection" => connection,
        "connections" => connections,
        "connectionUpdate" => connection_update,
        "connectorPlaidInitialize" => connector_plaid_initialize,
        "connectorPlaidClose" => connector_plaid_close,
        "connectionSimulateError" => connection_simulate_error,
        _ => return None,
    })
}

/// Argument `name` as JSON (null when absent).
fn arg(ctx: &ResolverContext<'_>, name: &str) -> Json {
    ctx.args
        .get(name)
        .and_then(|v| v.as_value().clone().into_json().ok())
        .unwrap_or(Json::Null)
}

fn text<'a>(input: &'a Json, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Json::as_str)
}

/// An `ID`: a string or, as GraphQL allows, an integer.
fn id(value: Option<&Json>) -> Option<String> {
    match value? {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A list of enum names; a single value stands for a list of one, as GraphQL coerces it.
fn names(value: Option<&Json>) -> Option<Vec<&str>> {
    match value? {
        Json::Null => None,
        Json::Array(items) => Some(items.iter().filter_map(Json::as_str).collect()),
        one => Some(one.as_str().into_iter().collect()),
    }
}

/// A mutation payload: `clientMutationId` echoed, `success`, `record` or `errors`.
fn payload(input: &Json, result: Result<Json, Json>) -> Json {
    let client_mutation_id = input.get("clientMutationId").cloned();
    match result {
        Ok(record) => json!({
            "clientMutationId": client_mutation_id,
            "success": true,
            "record": record,
            "errors": null,
        }),
        Err(error) => json!({
            "clientMutationId": client_mutation_id,
            "success": false,
            "record": null,
            "errors": [error],
        }),
    }
}

fn connection(ctx: &ResolverContext<'_>, d: &Dialect) -> async_graphql::Result<Json> {
    let id = id(Some(&arg(ctx, "id"))).unwrap_or_default();
    Ok(super::connection(ctx, &id)?.map_or(Json::Null, |c| json::connection(d, &c)))
}

fn connections(ctx: &ResolverContext<'_>, d: &Dialect) -> async_graphql::Result<Json> {
    let filter = arg(ctx, "filter");
    Ok(super::connections(ctx)?
        .iter()
        .filter(|c| matches(d, &filter, c))
        .map(|c| json::connection(d, c))
        .collect())
}

/// `ConnectionFilter`, whichever fields the generation has: `status`, `status_not`, `provider`
/// and `metadata` (2024+), `source.plaid.institutionId` (2023; its other fields do not filter).
fn matches(d: &Dialect, filter: &Json, c: &store::Connection) -> bool {
    let status = d.status(c.status);
    let institution = filter
        .pointer("/source/plaid/institutionId")
        .and_then(Json::as_str);
    names(filter.get("status")).is_none_or(|l| l.contains(&status))
        && names(filter.get("status_not")).is_none_or(|l| !l.contains(&status))
        && names(filter.get("provider")).is_none_or(|l| l.contains(&d.row.provider))
        && filter
            .get("metadata")
            .is_none_or(|m| super::metadata_matches(c.metadata.as_ref(), m))
        && institution.is_none_or(|id| id == c.institution.institution_id)
}

fn connection_update(ctx: &ResolverContext<'_>, d: &Dialect) -> async_graphql::Result<Json> {
    let input = arg(ctx, "input");
    let metadata = match input.get("metadata") {
        None => None,
        Some(Json::Null) => Some(None),
        Some(m) => Some(Some(m.clone())),
    };
    let id = id(input.get("id")).unwrap_or_default();
    let result = super::update(ctx, &id, metadata)?;
    Ok(payload(
        &input,
        result.map(|c| json::connection(d, &c)).map_err(json::error),
    ))
}

fn connector_plaid_initialize(
    ctx: &ResolverContext<'_>,
    d: &Dialect,
) -> async_graphql::Result<Json> {
    let input = arg(ctx, "input");
    let account_selection = input
        .pointer("/update/accountSelectionEnabled")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    let (request_id, outcome) = super::initialize(
        ctx,
        id(input.get("connectionId")).as_deref(),
        text(&input, "redirectUri"),
        account_selection,
    )?;
    Ok(payload(
        &input,
        outcome
            .map(|tokens| json::session(d, request_id, tokens))
            .map_err(json::plaid_error),
    ))
}

fn connector_plaid_close(ctx: &ResolverContext<'_>, d: &Dialect) -> async_graphql::Result<Json> {
    let input = arg(ctx, "input");
    let result = super::close(
        ctx,
        text(&input, d.row.token_field).unwrap_or_default(),
        text(&input, "publicToken").unwrap_or_default(),
        text(&input, "clientMutationId"),
    )?;
    Ok(payload(
        &input,
        result
            .map(|outcome| json::connection(d, &outcome.connection))
            .map_err(json::plaid_error),
    ))
}

fn connection_simulate_error(
    ctx: &ResolverContext<'_>,
    d: &Dialect,
) -> async_graphql::Result<Json> {
    let input = arg(ctx, "input");
    // The generation's status names are the store's (validation held it to them).
    let status = match input.get("status") {
        Some(name @ Json::String(_)) => serde_json::from_value(name.clone())?,
        _ => store::ConnectionStatus::ErrorRepairable,
    };
    let id = id(input.get("id")).unwrap_or_default();
    let result = super::simulate_error(ctx, &id, status)?;
    Ok(payload(
        &input,
        result.map(|c| json::connection(d, &c)).map_err(json::error),
    ))
}

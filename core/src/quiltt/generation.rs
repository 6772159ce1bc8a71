//! The generations of Quiltt's schema the bridge speaks, and what an endpoint's refusal of the
//! initialize document says about the one it speaks.
//!
//! Quiltt renamed the fields the flow needs twice (`PlaidConnector` → `PlaidConnectorSession`,
//! then `connectorStatus`/`connectorToken` → `status`/`token`), so no single initialize
//! document is valid everywhere. The bridge sends the newest generation's first. A GraphQL
//! server validates a document before it runs anything, and its errors point (`locations`, a
//! line and a column) at what it refused: when every refused name is a field of our own record
//! selection, the fields refused say which generation the endpoint speaks, and the bridge sends
//! that generation's document, once. Nothing ran the first time, so nothing happens twice.

use super::graphql::HttpReply;
use crate::json::Json;

/// A published generation of Quiltt's GraphQL schema.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::SchemaGeneration;
/// assert_eq!(SchemaGeneration::parse("2024-08"), Some(SchemaGeneration::V2024));
/// assert_eq!(SchemaGeneration::V2025.as_str(), "2025-04");
/// assert_eq!(SchemaGeneration::NEWEST, SchemaGeneration::V2025);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SchemaGeneration {
    /// 2025-04: the initialize record `PlaidConnectorSession { status token … }`, the close input's
    /// `token`; `portalsProviderId`; `ConnectionFeature` values such as
    /// `ACCOUNT_BALANCES_AND_TRANSACTIONS`.
    V2025,
    /// 2024-08: `PlaidConnectorSession { connectorStatus connectorToken … hostedLinkUrl }`;
    /// `featuresRequired` (required) and `featuresOptional`.
    V2024,
    /// 2023-08: `PlaidConnector { connectorStatus connectorToken … }`; `features`.
    V2023,
}

impl SchemaGeneration {
    /// The newest generation: what the bridge speaks to an endpoint it knows nothing of.
    pub const NEWEST: SchemaGeneration = SchemaGeneration::V2025;

    /// Every generation, newest first.
    pub const ALL: [SchemaGeneration; 3] = [
        SchemaGeneration::V2025,
        SchemaGeneration::V2024,
        SchemaGeneration::V2023,
    ];

    /// The generation as the `schema` option spells it (`"2025-04"`).
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaGeneration::V2025 => "2025-04",
            SchemaGeneration::V2024 => "2024-08",
            SchemaGeneration::V2023 => "2023-08",
        }
    }

    /// Reads `"2025-04"`, `"2024-08"` or `"2023-08"`; `None` for anything else.
    pub fn parse(text: &str) -> Option<SchemaGeneration> {
        SchemaGeneration::ALL
            .into_iter()
            .find(|g| g.as_str() == text)
    }

    /// The `connectorPlaidInitialize` document of this generation.
    pub(crate) fn initialize_document(self) -> &'static str {
        match self {
            SchemaGeneration::V2025 => super::documents::CONNECTOR_PLAID_INITIALIZE_2025_04,
            SchemaGeneration::V2024 => super::documents::CONNECTOR_PLAID_INITIALIZE_2024_08,
            SchemaGeneration::V2023 => super::documents::CONNECTOR_PLAID_INITIALIZE_2023_08,
        }
    }

    /// What this generation names the connector token in the close's input (and the
    /// initialize record): `token` from 2025-04, `connectorToken` before.
    pub(crate) fn token_name(self) -> &'static str {
        match self {
            SchemaGeneration::V2025 => "token",
            SchemaGeneration::V2024 | SchemaGeneration::V2023 => "connectorToken",
        }
    }

    /// The fields of the initialize record this generation has, each of which its document
    /// selects.
    fn record_fields(self) -> &'static [&'static str] {
        match self {
            SchemaGeneration::V2025 => &[
                "status",
                "token",
                "expiration",
                "hostedLinkUrl",
                "linkToken",
                "requestId",
            ],
            SchemaGeneration::V2024 => &[
                "connectorStatus",
                "connectorToken",
                "expiration",
                "hostedLinkUrl",
                "linkToken",
                "requestId",
            ],
            SchemaGeneration::V2023 => &[
                "connectorStatus",
                "connectorToken",
                "expiration",
                "linkToken",
                "requestId",
            ],
        }
    }
}

/// What an endpoint's refusal of the initialize document means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// It speaks this generation: its record lacks exactly the fields it refused.
    Speaks(SchemaGeneration),
    /// It has no `connectorPlaidInitialize` (nor its input type): Plaid is not enabled there.
    NoPlaid,
}

/// The mutation an endpoint without Plaid lacks.
const PLAID_MUTATION: &str = "connectorPlaidInitialize";

/// What such an endpoint refuses with it: the variable of the input type it lacks, located at
/// the type (graphql-js) or at the variable (async-graphql). Alone, a location at the variable is
/// no sign of it: graphql-js puts a refused input value there too.
const PLAID_INPUT: [&str; 2] = ["ConnectorPlaidInitializeInput", "$input"];

/// What `reply` says, when it is a refusal of the initialize document of `sent` in which every
/// error points at one of our own names; `None` for every other reply (a success, a refused
/// input value, an error that ran the operation, a server that gives no locations).
pub(crate) fn refusal(reply: &HttpReply, sent: SchemaGeneration) -> Option<Refusal> {
    let body = reply.body.as_ref()?;
    // A refused document ran nothing: no `data`, or `data: null`.
    if body.get("data").is_some_and(|data| !data.is_null()) {
        return None;
    }
    let errors = body.get("errors")?.items()?;
    let document = sent.initialize_document();
    let mut refused: Vec<&str> = Vec::new();
    for error in &errors {
        let locations = error.get("locations")?.items()?;
        if locations.is_empty() {
            return None;
        }
        for location in &locations {
            let name = name_at(document, location)?;
            if !refused.contains(&name) {
                refused.push(name);
            }
        }
    }
    if refused.is_empty() {
        return None;
    }
    if refused.contains(&PLAID_MUTATION)
        && refused
            .iter()
            .all(|name| *name == PLAID_MUTATION || PLAID_INPUT.contains(name))
    {
        return Some(Refusal::NoPlaid);
    }
    SchemaGeneration::ALL
        .into_iter()
        .find(|other| {
            let lacks = sent
                .record_fields()
                .iter()
                .filter(|field| !other.record_fields().contains(field));
            *other != sent
                && lacks.clone().count() == refused.len()
                && lacks.clone().all(|field| refused.contains(field))
        })
        .map(Refusal::Speaks)
}

/// The name (or `$variable`) that starts at a GraphQL error's `location` (`{ line, column }`,
/// from 1) in `document`.
fn name_at<'d>(document: &'d str, location: &Json) -> Option<&'d str> {
    let index = |key: &str| {
        let n = location.get(key)?.as_f64()?;
        ((1.0..=1e6).contains(&n) && n.fract() == 0.0).then(|| n as usize - 1)
    };
    let line = document.lines().nth(index("line")?)?;
    let rest = line.get(index("column")?..)?;
    let start = usize::from(rest.starts_with('$'));
    let end = rest[start..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(rest.len(), |end| start + end);
    (end > start).then(|| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refusal pointing at `names` of `sent`'s document, as a server writes one.
    fn refusing(sent: SchemaGeneration, names: &[&str], data: &str) -> HttpReply {
        let document = sent.initialize_document();
        let errors: Vec<String> = names
            .iter()
            .map(|name| {
                let (line, text) = document
                    .lines()
                    .enumerate()
                    .find(|(_, l)| {
                        l.contains(&format!(" {name}"))
                            || l.contains(&format!("{name}("))
                            || l.contains(&format!("({name}"))
                    })
                    .expect("the name is in the document");
                let column = text.find(name).unwrap() + 1;
                format!(
                    r#"{{"message":"Cannot query field","locations":[{{"line":{},"column":{column}}}]}}"#,
                    line + 1
                )
            })
            .collect();
        let text = format!(r#"{{{data}"errors":[{}]}}"#, errors.join(","));
        HttpReply::new(400, Some(Json::parse(&text).unwrap()))
    }

    #[test]
    fn the_fields_refused_name_the_generation_spoken() {
        use SchemaGeneration::*;
        let cases: [(SchemaGeneration, &[&str], SchemaGeneration); 5] = [
            (V2025, &["status", "token"], V2024),
            (V2025, &["status", "token", "hostedLinkUrl"], V2023),
            (V2024, &["connectorStatus", "connectorToken"], V2025),
            (V2024, &["hostedLinkUrl"], V2023),
            (V2023, &["connectorStatus", "connectorToken"], V2025),
        ];
        for (sent, names, speaks) in cases {
            for data in ["", r#""data":null,"#] {
                assert_eq!(
                    refusal(&refusing(sent, names, data), sent),
                    Some(Refusal::Speaks(speaks)),
                    "{sent:?} refused at {names:?}"
                );
            }
        }
    }

    #[test]
    fn a_refused_mutation_with_its_input_type_means_no_plaid() {
        let sent = SchemaGeneration::V2025;
        for names in [
            &["connectorPlaidInitialize"][..],
            // graphql-js: at the type; async-graphql: at the variable.
            &["ConnectorPlaidInitializeInput", "connectorPlaidInitialize"],
            &["$input", "connectorPlaidInitialize"],
        ] {
            assert_eq!(
                refusal(&refusing(sent, names, ""), sent),
                Some(Refusal::NoPlaid),
                "{names:?}"
            );
        }
        // Without the mutation it is something else: graphql-js locates a refused input value
        // at the variable.
        for names in [&["$input"][..], &["ConnectorPlaidInitializeInput"]] {
            assert_eq!(refusal(&refusing(sent, names, ""), sent), None, "{names:?}");
        }
    }

    #[test]
    fn other_refusals_and_answers_say_nothing_about_the_generation() {
        let sent = SchemaGeneration::V2025;
        let reply = |text: &str| HttpReply::new(200, Json::parse(text).ok());
        for text in [
            // A success, and an execution error (data present).
            r#"{"data":{"connectorPlaidInitialize":null},"errors":[{"message":"boom","locations":[{"line":2,"column":3}],"path":["connectorPlaidInitialize"]}]}"#,
            // A refused input value points at the variable's definition.
            r#"{"errors":[{"message":"Variable $input got invalid value","locations":[{"line":1,"column":35}]}]}"#,
            // No locations, or locations that are not numbers.
            r#"{"errors":[{"message":"Field 'status' doesn't exist"}]}"#,
            r#"{"errors":[{"message":"x","locations":[{"line":"5","column":14}]}]}"#,
            r#"{"errors":[{"message":"x","locations":[{"line":99,"column":1}]}]}"#,
            r#"{"errors":[]}"#,
            "[]",
        ] {
            assert_eq!(refusal(&reply(text), sent), None, "{text}");
        }
        assert_eq!(refusal(&HttpReply::new(502, None), sent), None);
        // Fields refused that no generation lacks (only `token`): not a generation we know.
        assert_eq!(refusal(&refusing(sent, &["token"], ""), sent), None);
        // A refused field together with one of ours that is not a record field.
        assert_eq!(
            refusal(&refusing(sent, &["status", "token", "success"], ""), sent),
            None
        );
    }

    #[test]
    fn every_generation_selects_its_record_fields_and_names_them() {
        for generation in SchemaGeneration::ALL {
            let document = generation.initialize_document();
            for field in generation.record_fields() {
                assert!(
                    document.contains(&format!(" {field} ")),
                    "{generation:?} selects {field}"
                );
            }
            assert!(generation
                .record_fields()
                .contains(&generation.token_name()));
            assert_eq!(
                SchemaGeneration::parse(generation.as_str()),
                Some(generation)
            );
        }
        assert_eq!(SchemaGeneration::parse("2025"), None);
    }
}

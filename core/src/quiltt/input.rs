//! The inputs of Quiltt's mutations and queries, named as Quiltt names them, with the checks the
//! client can make before any request is sent.

use std::collections::BTreeMap;

use serde::Serialize;

use super::generation::SchemaGeneration;
use super::graphql::GraphqlRequest;
use crate::error::Error;
use crate::json::{Json, Kind};
use crate::secret::{ConnectorToken, PublicToken};

/// `features` of the initialize input: one value (the reference page's `ConnectionFeature!`) or
/// a list (the 2023 schema's `[ConnectionFeature!]`, which also takes a single value).
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::Features;
/// assert_eq!(Features::from("TRANSACTIONS"), Features::One("TRANSACTIONS".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Features {
    /// One feature.
    One(String),
    /// Several features.
    List(Vec<String>),
}

impl From<&str> for Features {
    fn from(feature: &str) -> Self {
        Features::One(feature.to_owned())
    }
}

impl From<Vec<String>> for Features {
    fn from(features: Vec<String>) -> Self {
        Features::List(features)
    }
}

/// `ConnectorPlaidInitializeInput`: the fields of every published schema generation, typed, and
/// any other field passed through to Quiltt unchanged (the server checks what it accepts; its
/// message reaches the caller as a `GRAPHQL` error). Values are sent as given: feature values
/// and product names are strings, checked by the endpoint against its own generation.
///
/// The 2023 schema (and the reference page) take `features`, `euConfig` and
/// `additionalConsentedProducts`; the 2024 and 2025 schemas take `featuresRequired` (required
/// there), `featuresOptional`, `optionalProducts` and `institutionData`; 2025 renamed `portalId`
/// to `portalsProviderId` and the features (`ACCOUNT_BALANCES_AND_TRANSACTIONS`, ...). Nested
/// Plaid objects are passed through as given.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{ConnectorPlaidInitializeInput, Json};
///
/// let mut input = ConnectorPlaidInitializeInput::new("conn_123");
/// input.features_required = Some(vec!["ACCOUNT_BALANCES_AND_TRANSACTIONS".into()]);
/// input.update = Some(Json::parse(r#"{"accountSelectionEnabled":true}"#).unwrap());
/// assert!(input.validate().is_ok());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConnectorPlaidInitializeInput {
    /// Plaid account subtype filters (`PlaidLinkTokenAccountFilters`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_filters: Option<Json>,
    /// 2023 schema: Plaid products the user consents to beyond `products`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_consented_products: Option<Vec<String>>,
    /// Android package name (leave it unset on the web).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub android_package_name: Option<String>,
    /// Auth product options (`PlaidLinkTokenCreateRequestAuth`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<Json>,
    /// A unique identifier for the client performing the mutation; the close reuses it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_mutation_id: Option<String>,
    /// The application name Link displays (30 characters at most).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// The Quiltt connection to repair.
    pub connection_id: String,
    /// ISO-3166-1 alpha-2 country codes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_codes: Option<Vec<String>>,
    /// 2023 schema: EU flow options (`PlaidLinkTokenEUConfig`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eu_config: Option<Json>,
    /// 2023 schema and the reference page: the connection's features.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features: Option<Features>,
    /// 2024 and 2025 schemas: features to enable where the institution supports them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features_optional: Option<Vec<String>>,
    /// 2024 and 2025 schemas (required there): the connection's features, such as
    /// `ACCOUNT_BALANCES_AND_TRANSACTIONS` (2025) or `TRANSACTIONS` (2024).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features_required: Option<Vec<String>>,
    /// From the 2024 schema on: institution data for Link (`PlaidLinkTokenInstitutionData`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub institution_data: Option<Json>,
    /// Link's display language (`en`, `fr`, `es`, `nl`, `de`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The Link customization name from the Plaid Dashboard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_customization_name: Option<String>,
    /// From the 2024 schema on: Plaid products to add where the institution supports them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional_products: Option<Vec<String>>,
    /// 2024 schema only (2025 renamed it `portalsProviderId`): the Quiltt portal the connection belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portal_id: Option<String>,
    /// 2025 schema: the portal's provider (what 2024's `portalId` became).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portals_provider_id: Option<String>,
    /// Plaid products to use with Link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub products: Option<Vec<String>>,
    /// Where an OAuth bank sends the user back (a page of the app that calls `resume()`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// From the 2024 schema on: Transactions product options (`{ daysRequested }`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transactions: Option<Json>,
    /// Update-mode options (`PlaidLinkTokenCreateRequestUpdate`), e.g.
    /// `{ accountSelectionEnabled: true }` to let the user add accounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update: Option<Json>,
    /// Fields this version does not know, sent as given.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Json>,
}

/// Names of the typed fields, for reading an input given as JSON.
const STRING_FIELDS: [&str; 8] = [
    "androidPackageName",
    "clientMutationId",
    "clientName",
    "language",
    "linkCustomizationName",
    "portalId",
    "portalsProviderId",
    "redirectUri",
];
const LIST_FIELDS: [&str; 6] = [
    "additionalConsentedProducts",
    "countryCodes",
    "featuresOptional",
    "featuresRequired",
    "optionalProducts",
    "products",
];
const OBJECT_FIELDS: [&str; 6] = [
    "accountFilters",
    "auth",
    "euConfig",
    "institutionData",
    "transactions",
    "update",
];

fn text(value: &Json, name: &str) -> Result<Option<String>, Error> {
    if value.is_null() {
        return Ok(None);
    }
    if !value.is_well_formed_text() {
        return Err(Error::invalid(format!(
            "{name} must be a string of well-formed Unicode, got {}",
            value.kind()
        )));
    }
    Ok(value.as_string())
}

fn object(value: &Json, name: &str) -> Result<Option<Json>, Error> {
    match value.kind() {
        Kind::Null => Ok(None),
        Kind::Object => Ok(Some(value.clone())),
        other => Err(Error::invalid(format!(
            "{name} must be an object, got {other}"
        ))),
    }
}

fn texts(value: &Json, name: &str) -> Result<Option<Vec<String>>, Error> {
    if value.is_null() {
        return Ok(None);
    }
    let items = value.items().ok_or_else(|| {
        Error::invalid(format!(
            "{name} must be an array of strings, got {}",
            value.kind()
        ))
    })?;
    let mut strings = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match text(item, &format!("{name}[{i}]"))? {
            Some(s) => strings.push(s),
            None => {
                return Err(Error::invalid(format!(
                    "{name}[{i}] must be a string, got null"
                )))
            }
        }
    }
    Ok(Some(strings))
}

/// Checks a connection id is not blank: empty or only ASCII whitespace. Quiltt's ids are ASCII;
/// any other text is left for Quiltt to judge (it answers "not found").
pub(crate) fn check_connection_id(id: &str, name: &str) -> Result<(), Error> {
    if id.trim_ascii().is_empty() {
        return Err(Error::invalid(format!("{name} must be a non-empty string")));
    }
    Ok(())
}

impl ConnectorPlaidInitializeInput {
    /// An input for `connection_id` with every other field unset.
    ///
    /// # Examples
    /// ```
    /// let input = quiltt_reconnect_core::ConnectorPlaidInitializeInput::new("conn_1");
    /// assert_eq!(input.connection_id, "conn_1");
    /// ```
    pub fn new(connection_id: impl Into<String>) -> Self {
        ConnectorPlaidInitializeInput {
            connection_id: connection_id.into(),
            ..Default::default()
        }
    }

    /// Reads and checks an input given as JSON (what JavaScript passes), naming the first bad
    /// field. Typed fields must have their type (`null` leaves them unset); other fields are
    /// kept in [`extra`](Self::extra); the names in `skip` (such as `signal`) are left out.
    ///
    /// # Errors
    /// `INVALID_INPUT` when the value is not an object, a typed field has the wrong type, a
    /// field name starts with `__` (GraphQL reserves those), or `connectionId` is missing or
    /// blank.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect_core::{ConnectorPlaidInitializeInput, Json};
    /// let json = Json::parse(r#"{"connectionId":"c1","language":"fr","newField":1}"#).unwrap();
    /// let input = ConnectorPlaidInitializeInput::from_json(&json, &[]).unwrap();
    /// assert_eq!(input.language.as_deref(), Some("fr"));
    /// assert!(input.extra.contains_key("newField"));
    /// let bad = Json::parse(r#"{"connectionId":3}"#).unwrap();
    /// assert!(ConnectorPlaidInitializeInput::from_json(&bad, &[]).is_err());
    /// ```
    pub fn from_json(value: &Json, skip: &[&str]) -> Result<Self, Error> {
        let entries = value.entries().ok_or_else(|| {
            Error::invalid(format!(
                "reconnect() takes an object with a connectionId, got {}",
                value.kind()
            ))
        })?;
        let mut input = ConnectorPlaidInitializeInput::default();
        let mut has_id = false;
        for (key, value) in entries {
            let name = key.as_str();
            if skip.contains(&name) {
                continue;
            }
            if name.starts_with("__") {
                return Err(Error::invalid(format!(
                    "{name} is not a field name (GraphQL reserves names starting with __)"
                )));
            }
            if STRING_FIELDS.contains(&name) || name == "connectionId" {
                let value = text(&value, name)?;
                match name {
                    "androidPackageName" => input.android_package_name = value,
                    "clientMutationId" => input.client_mutation_id = value,
                    "clientName" => input.client_name = value,
                    "language" => input.language = value,
                    "linkCustomizationName" => input.link_customization_name = value,
                    "portalId" => input.portal_id = value,
                    "portalsProviderId" => input.portals_provider_id = value,
                    "redirectUri" => input.redirect_uri = value,
                    _ => {
                        input.connection_id = value.unwrap_or_default();
                        has_id = true;
                    }
                }
            } else if LIST_FIELDS.contains(&name) {
                let value = texts(&value, name)?;
                match name {
                    "additionalConsentedProducts" => input.additional_consented_products = value,
                    "countryCodes" => input.country_codes = value,
                    "featuresOptional" => input.features_optional = value,
                    "featuresRequired" => input.features_required = value,
                    "optionalProducts" => input.optional_products = value,
                    _ => input.products = value,
                }
            } else if OBJECT_FIELDS.contains(&name) {
                let value = object(&value, name)?;
                match name {
                    "accountFilters" => input.account_filters = value,
                    "auth" => input.auth = value,
                    "euConfig" => input.eu_config = value,
                    "institutionData" => input.institution_data = value,
                    "transactions" => input.transactions = value,
                    _ => input.update = value,
                }
            } else if name == "features" {
                input.features = match value.kind() {
                    Kind::String => text(&value, name)?.map(Features::One),
                    Kind::Array => texts(&value, name)?.map(Features::List),
                    Kind::Null => None,
                    other => {
                        return Err(Error::invalid(format!(
                            "features must be a string or an array of strings, got {other}"
                        )))
                    }
                };
            } else {
                input.extra.insert(key, value);
            }
        }
        if !has_id {
            return Err(Error::invalid("connectionId is required"));
        }
        input.validate()?;
        Ok(input)
    }

    /// Checks what the client can check before sending: a non-blank `connectionId`.
    ///
    /// # Errors
    /// `INVALID_INPUT` naming the field.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect_core::ConnectorPlaidInitializeInput;
    /// assert!(ConnectorPlaidInitializeInput::new(" ").validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        check_connection_id(&self.connection_id, "connectionId")
    }
}

/// `ConnectorPlaidCloseInput`: what `connectorPlaidClose` takes after Link's `onSuccess`, named
/// as the generation of the initialize that made its connector token names it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ConnectorPlaidCloseInput {
    pub client_mutation_id: Option<String>,
    pub connector_token: ConnectorToken,
    /// Link's success metadata, as plain data.
    pub metadata: Json,
    pub public_token: PublicToken,
    pub generation: SchemaGeneration,
}

impl Serialize for ConnectorPlaidCloseInput {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        if let Some(id) = &self.client_mutation_id {
            map.serialize_entry("clientMutationId", id)?;
        }
        map.serialize_entry(
            self.generation.token_name(),
            self.connector_token.expose_secret(),
        )?;
        map.serialize_entry("metadata", &self.metadata)?;
        map.serialize_entry("publicToken", self.public_token.expose_secret())?;
        map.end()
    }
}

/// A `connectorPlaidInitialize` input, checked once, as it is sent: the `input` variable (an app's
/// input object as given, or a [`ConnectorPlaidInitializeInput`] written as JSON) and the fields
/// the flow reads from it, both made of the one value, so they can't disagree.
#[derive(Clone, Debug, PartialEq)]
pub struct InitializeInput {
    /// The connection to repair.
    pub(crate) connection_id: String,
    /// The app's `clientMutationId`, which the close reuses.
    pub(crate) client_mutation_id: Option<String>,
    /// Where an OAuth bank sends the user back, when the input names it.
    redirect_uri: Option<String>,
    /// The `input` variable.
    sent: Json,
}

impl InitializeInput {
    /// `input`, checked, sent as its fields are written.
    ///
    /// # Errors
    /// `INVALID_INPUT` when `connectionId` is blank or the input can't be written as JSON.
    pub fn new(input: &ConnectorPlaidInitializeInput) -> Result<Self, Error> {
        input.validate()?;
        Ok(InitializeInput::of(input, Json::from_serde(input)?))
    }

    /// An app's own input object, read and checked as
    /// [`ConnectorPlaidInitializeInput::from_json`] does, and sent as it is (its fields, their
    /// order and nested values).
    ///
    /// # Errors
    /// `INVALID_INPUT` naming the field, as [`ConnectorPlaidInitializeInput::from_json`].
    pub fn read(sent: Json) -> Result<Self, Error> {
        let input = ConnectorPlaidInitializeInput::from_json(&sent, &[])?;
        Ok(InitializeInput::of(&input, sent))
    }

    fn of(input: &ConnectorPlaidInitializeInput, sent: Json) -> Self {
        InitializeInput {
            connection_id: input.connection_id.clone(),
            client_mutation_id: input.client_mutation_id.clone(),
            redirect_uri: input.redirect_uri.clone(),
            sent,
        }
    }

    /// The connection the input repairs.
    pub fn connection_id(&self) -> &str {
        &self.connection_id
    }

    /// Where an OAuth bank sends the user back (`redirectUri`), when the input names it.
    pub fn redirect_uri(&self) -> Option<&str> {
        self.redirect_uri.as_deref()
    }

    /// Whether the input names a `redirectUri`.
    pub(crate) fn redirects(&self) -> bool {
        self.redirect_uri.is_some()
    }

    /// The `connectorPlaidInitialize` request in `generation`'s document.
    ///
    /// # Errors
    /// `INVALID_INPUT` when the input can't be written as JSON (a cycle, a `BigInt`, a getter
    /// that throws), before anything is sent.
    pub(crate) fn request(&self, generation: SchemaGeneration) -> Result<GraphqlRequest, Error> {
        #[derive(Serialize)]
        struct Variables<'a> {
            input: &'a Json,
        }
        GraphqlRequest::new(
            "ConnectorPlaidInitialize",
            generation.initialize_document(),
            Json::from_serde(&Variables { input: &self.sent })?,
            false,
        )
    }
}

/// `ConnectionUpdateInput`: stores custom JSON on a connection.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{ConnectionUpdateInput, Json};
/// let input = ConnectionUpdateInput::new("conn_1", Json::parse(r#"{"tier":"gold"}"#).unwrap());
/// assert!(input.validate().is_ok());
/// assert!(ConnectionUpdateInput::new("conn_1", Json::from("x")).validate().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConnectionUpdateInput {
    /// A unique identifier for the client performing the mutation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_mutation_id: Option<String>,
    /// The connection's id.
    pub id: String,
    /// The metadata to store: an object, or `null` to clear it. Sent as `JSON.stringify`
    /// writes it.
    pub metadata: Json,
}

impl ConnectionUpdateInput {
    /// An update of `id`'s metadata.
    pub fn new(id: impl Into<String>, metadata: Json) -> Self {
        ConnectionUpdateInput {
            client_mutation_id: None,
            id: id.into(),
            metadata,
        }
    }

    /// Checks the id is not blank and the metadata is an object or `null`.
    ///
    /// # Errors
    /// `INVALID_INPUT` naming the field.
    pub fn validate(&self) -> Result<(), Error> {
        check_connection_id(&self.id, "connectionId")?;
        match self.metadata.kind() {
            Kind::Object | Kind::Null => Ok(()),
            other => Err(Error::invalid(format!(
                "metadata must be an object (or null to clear it), got {other}"
            ))),
        }
    }
}

/// The `filter` of the `connections` query: which statuses to list.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::ConnectionFilter;
/// let broken = ConnectionFilter::status(["ERROR_REPAIRABLE"]);
/// assert_eq!(broken.status.unwrap(), ["ERROR_REPAIRABLE"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ConnectionFilter {
    /// `ConnectionStatus` values to include (`ERROR_REPAIRABLE`, `SYNCED`, ...); `None` for all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Vec<String>>,
}

impl ConnectionFilter {
    /// Connections in any of `statuses`.
    pub fn status<S: Into<String>>(statuses: impl IntoIterator<Item = S>) -> Self {
        ConnectionFilter {
            status: Some(statuses.into_iter().map(Into::into).collect()),
        }
    }

    /// Reads `{ status: "X" | ["X", ...] }` (or nothing) as JavaScript passes it; the names in
    /// `skip` (such as `signal`) are left out.
    ///
    /// # Errors
    /// `INVALID_INPUT` naming the bad field.
    pub fn from_json(value: &Json, skip: &[&str]) -> Result<Self, Error> {
        if value.is_null() {
            return Ok(ConnectionFilter::default());
        }
        let entries = value.entries().ok_or_else(|| {
            Error::invalid(format!(
                "connections() takes an object like {{ status: [\"ERROR_REPAIRABLE\"] }}, got {}",
                value.kind()
            ))
        })?;
        let mut filter = ConnectionFilter::default();
        for (key, value) in entries
            .into_iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
        {
            match key.as_str() {
                "status" if value.kind() == Kind::String => {
                    filter.status = text(&value, "status")?.map(|s| vec![s])
                }
                "status" => filter.status = texts(&value, "status")?,
                other => {
                    return Err(Error::invalid(format!(
                        "unknown filter field \"{other}\"; connections() filters by status"
                    )))
                }
            }
        }
        Ok(filter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Json {
        Json::parse(text).unwrap()
    }

    fn sent(input: &ConnectorPlaidInitializeInput) -> String {
        Json::from_serde(input).unwrap().to_json_string().unwrap()
    }

    #[test]
    fn every_field_of_every_generation_is_read_and_sent_back_with_its_name() {
        let text = r#"{"accountFilters":{"depository":{"accountSubtypes":["checking"]}},"additionalConsentedProducts":["identity"],"androidPackageName":"com.x","auth":{"flowType":"FLEXIBLE_AUTH"},"clientMutationId":"m1","clientName":"Acme","connectionId":"c1","countryCodes":["US","CA"],"euConfig":{"headless":false},"features":["TRANSACTIONS"],"featuresOptional":["BALANCES"],"featuresRequired":["TRANSACTIONS"],"institutionData":{"routingNumber":"021000021"},"language":"fr","linkCustomizationName":"default","optionalProducts":["auth"],"portalId":"p1","portalsProviderId":"pp1","products":["transactions"],"redirectUri":"https://app.example/oauth","transactions":{"daysRequested":90},"update":{"accountSelectionEnabled":true}}"#;
        let input = ConnectorPlaidInitializeInput::from_json(&json(text), &[]).unwrap();
        assert!(input.extra.is_empty());
        assert_eq!(
            input.redirect_uri.as_deref(),
            Some("https://app.example/oauth")
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&sent(&input)).unwrap(),
            serde_json::from_str::<serde_json::Value>(text).unwrap()
        );
    }

    #[test]
    fn unknown_fields_pass_through_and_features_is_a_string_or_a_list() {
        let input = ConnectorPlaidInitializeInput::from_json(
            &json(r#"{"connectionId":"c1","features":"TRANSACTIONS","futureField":{"x":[1]},"signal":{}}"#),
            &["signal"],
        )
        .unwrap();
        assert_eq!(input.features, Some(Features::One("TRANSACTIONS".into())));
        assert_eq!(
            sent(&input),
            r#"{"connectionId":"c1","features":"TRANSACTIONS","futureField":{"x":[1]}}"#
        );
    }

    #[test]
    fn bad_fields_are_named() {
        for (text, expected) in [
            ("[]", "reconnect() takes an object"),
            (r#"{"language":"en"}"#, "connectionId is required"),
            (
                r#"{"connectionId":" "}"#,
                "connectionId must be a non-empty string",
            ),
            (
                r#"{"connectionId":"c","clientName":5}"#,
                "clientName must be a string",
            ),
            (
                r#"{"connectionId":"c","products":"x"}"#,
                "products must be an array of strings",
            ),
            (
                r#"{"connectionId":"c","countryCodes":["US",1]}"#,
                "countryCodes[1] must be a string",
            ),
            (
                r#"{"connectionId":"c","update":true}"#,
                "update must be an object, got boolean",
            ),
            (
                r#"{"connectionId":"c","features":3}"#,
                "features must be a string or an array",
            ),
            (
                r#"{"connectionId":"c","__proto__":{}}"#,
                "GraphQL reserves names starting with __",
            ),
        ] {
            let err = ConnectorPlaidInitializeInput::from_json(&json(text), &[]).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidInput);
            assert!(
                err.message().contains(expected),
                "{text}: {}",
                err.message()
            );
        }
    }

    #[test]
    fn the_close_sends_its_tokens_named_by_its_generation_and_debug_does_not() {
        let mut close = ConnectorPlaidCloseInput {
            client_mutation_id: Some("m".into()),
            connector_token: ConnectorToken::new("ct-secret"),
            metadata: json(r#"{"institution":null}"#),
            public_token: PublicToken::new("pt-secret"),
            generation: SchemaGeneration::V2024,
        };
        let text = Json::from_serde(&close).unwrap().to_json_string().unwrap();
        assert_eq!(
            text,
            r#"{"clientMutationId":"m","connectorToken":"ct-secret","metadata":{"institution":null},"publicToken":"pt-secret"}"#
        );
        assert!(!format!("{close:?}").contains("secret"));
        close.generation = SchemaGeneration::V2025;
        close.client_mutation_id = None;
        assert_eq!(
            Json::from_serde(&close).unwrap(),
            json(
                r#"{"token":"ct-secret","metadata":{"institution":null},"publicToken":"pt-secret"}"#
            )
        );
    }

    #[test]
    fn an_initialize_input_is_sent_in_each_generations_document() {
        let mut typed = ConnectorPlaidInitializeInput::new("c1");
        typed.portals_provider_id = Some("p1".into());
        let input = InitializeInput::new(&typed).unwrap();
        assert_eq!(input.connection_id, "c1");
        for generation in SchemaGeneration::ALL {
            let request = input.request(generation).unwrap();
            assert_eq!(request.query, generation.initialize_document());
            assert_eq!(
                request.variables.to_json_string().unwrap(),
                r#"{"input":{"connectionId":"c1","portalsProviderId":"p1"}}"#
            );
        }
        assert!(InitializeInput::new(&ConnectorPlaidInitializeInput::new(" ")).is_err());
    }

    #[test]
    fn metadata_is_an_object_or_null_to_clear_it() {
        assert!(ConnectionUpdateInput::new("c", json("{}"))
            .validate()
            .is_ok());
        assert!(ConnectionUpdateInput::new("c", Json::null())
            .validate()
            .is_ok());
        for bad in ["[1]", "\"x\"", "3"] {
            let err = ConnectionUpdateInput::new("c", json(bad))
                .validate()
                .unwrap_err();
            assert!(
                err.message().starts_with("metadata must be an object"),
                "{bad}"
            );
        }
        assert!(ConnectionUpdateInput::new("", json("{}"))
            .validate()
            .is_err());
    }

    #[test]
    fn a_connection_filter_takes_one_status_or_a_list() {
        let one =
            ConnectionFilter::from_json(&json(r#"{"status":"SYNCED","signal":{}}"#), &["signal"])
                .unwrap();
        assert_eq!(one, ConnectionFilter::status(["SYNCED"]));
        let all = ConnectionFilter::from_json(&Json::null(), &[]).unwrap();
        assert_eq!(all.status, None);
        assert!(ConnectionFilter::from_json(&json(r#"{"state":"x"}"#), &[]).is_err());
        assert!(ConnectionFilter::from_json(&json(r#"{"status":[1]}"#), &[]).is_err());
    }
}

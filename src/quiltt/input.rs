//! The inputs of the three mutations, named as on Quiltt's reference page, with their
//! validation (run before any request is sent) and their GraphQL `variables`.

use serde::Serialize;
use tsify::Tsify;

use crate::error::{Error, ErrorCode};
use crate::json::{Json, ToJson};
use crate::secret::{ConnectorToken, PublicToken};
use crate::text::{decimal, text};

/// `ConnectorPlaidInitializeInput`: every field of Quiltt's reference page. Only
/// `connectionId` is required here; what the schema requires besides (`features`) the server
/// checks, and its message reaches the caller as a `GRAPHQL` error.
///
/// Nested Plaid objects (`accountFilters`, `auth`, `euConfig`, `update`) are passed through as
/// given.
///
/// # Examples
/// ```
/// use quiltt_reconnect::{ConnectorPlaidInitializeInput, Json};
///
/// let mut input = ConnectorPlaidInitializeInput::new("conn_123");
/// input.features = Some("TRANSACTIONS".into());
/// input.update = Some(Json::object([("accountSelectionEnabled", Json::Bool(true))]));
/// assert!(input.validate().is_ok());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorPlaidInitializeInput {
    /// Plaid account subtype filters (`PlaidLinkTokenAccountFilters`).
    #[tsify(optional, type = "Record<string, unknown>")]
    pub account_filters: Option<Json>,
    /// Android package name (leave empty on the web).
    #[tsify(optional)]
    pub android_package_name: Option<String>,
    /// Auth product options (`PlaidLinkTokenCreateRequestAuth`).
    #[tsify(optional, type = "Record<string, unknown>")]
    pub auth: Option<Json>,
    /// A unique identifier for the client performing the mutation.
    #[tsify(optional)]
    pub client_mutation_id: Option<String>,
    /// The application name Link displays (30 characters at most).
    #[tsify(optional)]
    pub client_name: Option<String>,
    /// The Quiltt connection to repair.
    pub connection_id: String,
    /// ISO-3166-1 alpha-2 country codes.
    #[tsify(optional)]
    pub country_codes: Option<Vec<String>>,
    /// EU flow options (`PlaidLinkTokenEUConfig`).
    #[tsify(optional, type = "Record<string, unknown>")]
    pub eu_config: Option<Json>,
    /// The connection feature (`ConnectionFeature!`), e.g. `"TRANSACTIONS"`.
    #[tsify(optional, type = "ConnectionFeature")]
    pub features: Option<String>,
    /// Link's display language (`en`, `fr`, `es`, `nl`, `de`).
    #[tsify(optional)]
    pub language: Option<String>,
    /// The Link customization name from the Plaid Dashboard.
    #[tsify(optional)]
    pub link_customization_name: Option<String>,
    /// Plaid products to use with Link.
    #[tsify(optional)]
    pub products: Option<Vec<String>>,
    /// Update-mode options (`PlaidLinkTokenCreateRequestUpdate`).
    #[tsify(optional, type = "Record<string, unknown>")]
    pub update: Option<Json>,
}

/// The names of every `ConnectorPlaidInitializeInput` field, as sent.
const INITIALIZE_FIELDS: [&str; 13] = [
    "accountFilters",
    "androidPackageName",
    "auth",
    "clientMutationId",
    "clientName",
    "connectionId",
    "countryCodes",
    "euConfig",
    "features",
    "language",
    "linkCustomizationName",
    "products",
    "update",
];

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

fn optional_string(value: &Json, name: &str) -> Result<Option<String>, Error> {
    match value {
        Json::Null => Ok(None),
        Json::String(s) => Ok(Some(s.clone())),
        other => Err(invalid(text!(
            name,
            " must be a string, got ",
            other.type_name()
        ))),
    }
}

fn optional_object(value: &Json, name: &str) -> Result<Option<Json>, Error> {
    match value {
        Json::Null => Ok(None),
        Json::Object(_) => Ok(Some(value.clone())),
        other => Err(invalid(text!(
            name,
            " must be an object, got ",
            other.type_name()
        ))),
    }
}

fn optional_strings(value: &Json, name: &str) -> Result<Option<Vec<String>>, Error> {
    match value {
        Json::Null => Ok(None),
        Json::Array(items) => {
            let mut strings = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item {
                    Json::String(s) => strings.push(s.clone()),
                    other => {
                        return Err(invalid(text!(
                            name,
                            "[",
                            decimal(i as i64),
                            "] must be a string, got ",
                            other.type_name()
                        )))
                    }
                }
            }
            Ok(Some(strings))
        }
        other => Err(invalid(text!(
            name,
            " must be an array of strings, got ",
            other.type_name()
        ))),
    }
}

/// Checks a connection id is not blank: empty or only ASCII whitespace. Quiltt's ids are ASCII;
/// any other text is left for Quiltt to judge (it answers "not found").
pub(crate) fn check_connection_id(id: &str, name: &str) -> Result<(), Error> {
    if id.trim_ascii().is_empty() {
        return Err(invalid(text!(name, " must be a non-empty string")));
    }
    Ok(())
}

impl ConnectorPlaidInitializeInput {
    /// An input for `connection_id` with every other field unset.
    ///
    /// # Examples
    /// ```
    /// let input = quiltt_reconnect::ConnectorPlaidInitializeInput::new("conn_1");
    /// assert_eq!(input.connection_id, "conn_1");
    /// ```
    pub fn new(connection_id: impl Into<String>) -> Self {
        ConnectorPlaidInitializeInput {
            connection_id: connection_id.into(),
            ..Default::default()
        }
    }

    /// Reads and checks an input given as JSON (what JavaScript passes), naming the first bad
    /// field. Unknown fields are refused, so a typo such as `conectionId` is caught; the names in
    /// `allowed_extra` (such as `signal`) are skipped.
    ///
    /// # Errors
    /// `INVALID_INPUT` when the value is not an object, a field has the wrong JSON type, a field
    /// is unknown, or `connectionId` is missing or empty.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::{ConnectorPlaidInitializeInput, Json};
    /// let json = Json::object([("connectionId", Json::from("c1")), ("language", Json::from("fr"))]);
    /// let input = ConnectorPlaidInitializeInput::from_json(&json, &[]).unwrap();
    /// assert_eq!(input.language.as_deref(), Some("fr"));
    /// let bad = Json::object([("connectionId", Json::from(3.0))]);
    /// assert!(ConnectorPlaidInitializeInput::from_json(&bad, &[]).is_err());
    /// ```
    pub fn from_json(value: &Json, allowed_extra: &[&str]) -> Result<Self, Error> {
        let Json::Object(entries) = value else {
            return Err(invalid(text!(
                "reconnect() takes an object with a connectionId, got ",
                value.type_name()
            )));
        };
        let mut input = ConnectorPlaidInitializeInput::default();
        let mut has_id = false;
        for (key, value) in entries {
            let name = key.as_str();
            match name {
                "accountFilters" => input.account_filters = optional_object(value, name)?,
                "androidPackageName" => input.android_package_name = optional_string(value, name)?,
                "auth" => input.auth = optional_object(value, name)?,
                "clientMutationId" => input.client_mutation_id = optional_string(value, name)?,
                "clientName" => input.client_name = optional_string(value, name)?,
                "connectionId" => {
                    input.connection_id = optional_string(value, name)?.unwrap_or_default();
                    has_id = true;
                }
                "countryCodes" => input.country_codes = optional_strings(value, name)?,
                "euConfig" => input.eu_config = optional_object(value, name)?,
                "features" => input.features = optional_string(value, name)?,
                "language" => input.language = optional_string(value, name)?,
                "linkCustomizationName" => {
                    input.link_customization_name = optional_string(value, name)?
                }
                "products" => input.products = optional_strings(value, name)?,
                "update" => input.update = optional_object(value, name)?,
                _ if allowed_extra.contains(&name) => {}
                _ => {
                    // Pushed one by one: `join` would add its own kilobyte of wasm.
                    let mut message = text!("unknown field \"", name, "\"; the fields are ");
                    for (i, field) in INITIALIZE_FIELDS.iter().enumerate() {
                        if i > 0 {
                            message.push_str(", ");
                        }
                        message.push_str(field);
                    }
                    return Err(invalid(message));
                }
            }
        }
        if !has_id {
            return Err(invalid("connectionId is required".into()));
        }
        input.validate()?;
        Ok(input)
    }

    /// Checks what the client can check before sending: a non-empty `connectionId`.
    ///
    /// # Errors
    /// `INVALID_INPUT` naming the field.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::ConnectorPlaidInitializeInput;
    /// assert!(ConnectorPlaidInitializeInput::new(" ").validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        check_connection_id(&self.connection_id, "connectionId")
    }

    /// The GraphQL `input` object: every field the caller set, named as on the reference page.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::ConnectorPlaidInitializeInput;
    /// let json = ConnectorPlaidInitializeInput::new("c1").to_json();
    /// assert_eq!(json.get("connectionId").and_then(|v| v.as_str()), Some("c1"));
    /// assert!(json.get("language").is_none());
    /// ```
    pub fn to_json(&self) -> Json {
        // One small call per field rather than each field's clone and match written out.
        let mut out = Vec::new();
        field(&mut out, "accountFilters", self.account_filters.as_ref());
        field(
            &mut out,
            "androidPackageName",
            self.android_package_name.as_ref(),
        );
        field(&mut out, "auth", self.auth.as_ref());
        field(
            &mut out,
            "clientMutationId",
            self.client_mutation_id.as_ref(),
        );
        field(&mut out, "clientName", self.client_name.as_ref());
        out.push(("connectionId", self.connection_id.to_json()));
        field(&mut out, "countryCodes", self.country_codes.as_deref());
        field(&mut out, "euConfig", self.eu_config.as_ref());
        field(&mut out, "features", self.features.as_ref());
        field(&mut out, "language", self.language.as_ref());
        field(
            &mut out,
            "linkCustomizationName",
            self.link_customization_name.as_ref(),
        );
        field(&mut out, "products", self.products.as_deref());
        field(&mut out, "update", self.update.as_ref());
        Json::fields(out)
    }
}

/// Adds `key` to the fields of an object being built when `value` is set.
#[inline(never)]
fn field<T: ToJson + ?Sized>(
    out: &mut Vec<(&'static str, Json)>,
    key: &'static str,
    value: Option<&T>,
) {
    if let Some(value) = value {
        out.push((key, value.to_json()));
    }
}

/// `ConnectorPlaidCloseInput`: what `connectorPlaidClose` takes after Link's `onSuccess`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ConnectorPlaidCloseInput {
    pub client_mutation_id: Option<String>,
    pub connector_token: ConnectorToken,
    pub metadata: Json,
    pub public_token: PublicToken,
}

impl ConnectorPlaidCloseInput {
    pub(crate) fn to_json(&self) -> Json {
        let mut fields = vec![
            (
                "connectorToken",
                Json::from(self.connector_token.expose_secret()),
            ),
            ("metadata", self.metadata.clone()),
            ("publicToken", Json::from(self.public_token.expose_secret())),
        ];
        if let Some(id) = &self.client_mutation_id {
            fields.insert(0, ("clientMutationId", Json::from(id.as_str())));
        }
        Json::fields(fields)
    }
}

/// A `connectorPlaidClose` that failed after Link succeeded, kept so the app can send it again
/// (with the same `clientMutationId`). Its tokens stay private; `Debug` redacts them.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingClose(pub(crate) ConnectorPlaidCloseInput);

/// `ConnectionUpdateInput`: stores custom JSON on a connection.
///
/// # Examples
/// ```
/// use quiltt_reconnect::{ConnectionUpdateInput, Json};
/// let input = ConnectionUpdateInput::new("conn_1", Json::object([("tier", Json::from("gold"))]));
/// assert!(input.validate().is_ok());
/// assert!(ConnectionUpdateInput::new("conn_1", Json::from("x")).validate().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectionUpdateInput {
    /// A unique identifier for the client performing the mutation.
    pub client_mutation_id: Option<String>,
    /// The connection's id.
    pub id: String,
    /// The metadata to store: a JSON object.
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

    /// Checks the id is non-empty and the metadata is an object.
    ///
    /// # Errors
    /// `INVALID_INPUT` naming the field.
    pub fn validate(&self) -> Result<(), Error> {
        check_connection_id(&self.id, "connectionId")?;
        if !self.metadata.is_object() {
            return Err(invalid(text!(
                "metadata must be a plain object, got ",
                self.metadata.type_name()
            )));
        }
        Ok(())
    }

    /// The input as the mutation's variables take it, moving the metadata.
    pub(crate) fn into_json(self) -> Json {
        let mut fields = vec![("id", Json::String(self.id)), ("metadata", self.metadata)];
        if let Some(id) = self.client_mutation_id {
            fields.insert(0, ("clientMutationId", Json::String(id)));
        }
        Json::fields(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Json {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn every_field_is_read_and_sent_back_with_its_name() {
        let text = r#"{"accountFilters":{"depository":{"accountSubtypes":["checking"]}},
            "androidPackageName":"com.x","auth":{"flowType":"FLEXIBLE_AUTH"},
            "clientMutationId":"m1","clientName":"Acme","connectionId":"c1",
            "countryCodes":["US","CA"],"euConfig":{"headless":false},"features":"TRANSACTIONS",
            "language":"fr","linkCustomizationName":"blue","products":["transactions"],
            "update":{"accountSelectionEnabled":true}}"#;
        let source = json(text);
        let input = ConnectorPlaidInitializeInput::from_json(&source, &[]).unwrap();
        let sent = input.to_json();
        for name in INITIALIZE_FIELDS {
            assert_eq!(sent.get(name), source.get(name), "field {name}");
        }
    }

    #[test]
    fn nulls_are_treated_as_absent_and_omitted() {
        let input = ConnectorPlaidInitializeInput::from_json(
            &json(r#"{"connectionId":"c","language":null}"#),
            &[],
        )
        .unwrap();
        assert_eq!(input.language, None);
        assert_eq!(input.to_json(), json(r#"{"connectionId":"c"}"#));
    }

    #[test]
    fn wrong_types_name_the_field() {
        let cases = [
            (r#"{"connectionId":1}"#, "connectionId must be a string"),
            (
                r#"{"connectionId":"c","countryCodes":"US"}"#,
                "countryCodes must be an array",
            ),
            (
                r#"{"connectionId":"c","countryCodes":["US",2]}"#,
                "countryCodes[1] must be a string",
            ),
            (
                r#"{"connectionId":"c","update":true}"#,
                "update must be an object",
            ),
            (
                r#"{"connectionId":"c","features":["X"]}"#,
                "features must be a string",
            ),
            (
                r#"{"connectionId":""}"#,
                "connectionId must be a non-empty string",
            ),
            (r#"{"language":"en"}"#, "connectionId is required"),
            (r#"{"conectionId":"c"}"#, "unknown field \"conectionId\""),
            (r#"[1]"#, "takes an object"),
        ];
        for (text, expected) in cases {
            let err = ConnectorPlaidInitializeInput::from_json(&json(text), &[]).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidInput);
            assert!(
                err.message().contains(expected),
                "{text}: {}",
                err.message()
            );
        }
    }

    #[test]
    fn allowed_extra_fields_are_skipped() {
        let j = json(r#"{"connectionId":"c","signal":{}}"#);
        assert!(ConnectorPlaidInitializeInput::from_json(&j, &["signal"]).is_ok());
        assert!(ConnectorPlaidInitializeInput::from_json(&j, &[]).is_err());
    }

    #[test]
    fn close_and_update_inputs_carry_their_fields() {
        let close = ConnectorPlaidCloseInput {
            client_mutation_id: Some("m".into()),
            connector_token: ConnectorToken::new("ct"),
            metadata: json(r#"{"a":1}"#),
            public_token: PublicToken::new("pt"),
        };
        assert_eq!(
            close.to_json(),
            json(
                r#"{"clientMutationId":"m","connectorToken":"ct","metadata":{"a":1},"publicToken":"pt"}"#
            )
        );
        let update = ConnectionUpdateInput::new("c", json(r#"{"k":[1]}"#));
        assert_eq!(
            update.into_json(),
            json(r#"{"id":"c","metadata":{"k":[1]}}"#)
        );
        assert!(ConnectionUpdateInput::new("", json("{}"))
            .validate()
            .is_err());
        assert!(ConnectionUpdateInput::new("c", json("[]"))
            .validate()
            .is_err());
    }
}

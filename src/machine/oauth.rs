//! What a reconnect keeps across an OAuth bank's redirect.

use serde::Serialize;

use crate::error::Error;
use crate::quiltt::SchemaGeneration;
use crate::secret::{ConnectorToken, LinkToken};
use crate::value::Json;

/// What a flow keeps across an OAuth bank's redirect (in `sessionStorage` in the browser), so
/// `resume()` can open Link again with the same link token and close with the same connector
/// token. Kept only until the link token expires or the flow ends. `Debug` redacts its tokens.
#[derive(Clone, Debug, PartialEq)]
pub struct OAuthState {
    pub(super) connection_id: String,
    pub(super) link_token: LinkToken,
    pub(super) connector_token: ConnectorToken,
    pub(super) expires_at_ms: f64,
    pub(super) client_mutation_id: Option<String>,
    pub(super) was_broken: bool,
    /// The generation of Quiltt's schema the flow spoke, which its close speaks too.
    pub(super) generation: SchemaGeneration,
}

impl OAuthState {
    /// The connection the flow repairs.
    pub fn connection_id(&self) -> &str {
        &self.connection_id
    }

    /// Whether the link token has expired at `now_ms`.
    pub fn is_expired(&self, now_ms: f64) -> bool {
        now_ms >= self.expires_at_ms
    }

    /// The state as JSON, for an [`Io`](crate::driver::Io) to store (it holds the tokens:
    /// never show it).
    ///
    /// # Errors
    /// Only if the platform can't make JSON values.
    pub fn to_json(&self) -> Result<Json, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Stored<'a> {
            connection_id: &'a str,
            link_token: &'a str,
            connector_token: &'a str,
            expires_at_ms: f64,
            client_mutation_id: Option<&'a str>,
            was_broken: bool,
            schema: &'a str,
        }
        Json::from_serde(&Stored {
            connection_id: &self.connection_id,
            link_token: self.link_token.expose_secret(),
            connector_token: self.connector_token.expose_secret(),
            expires_at_ms: self.expires_at_ms,
            client_mutation_id: self.client_mutation_id.as_deref(),
            was_broken: self.was_broken,
            schema: self.generation.as_str(),
        })
    }

    /// Reads what [`OAuthState::to_json`] made; `None` for anything else. A state saved before
    /// the `schema` key existed was made by a version that spoke the 2024-08 documents.
    pub fn from_json(value: &Json) -> Option<Self> {
        let text = |key: &str| value.get(key).and_then(|v| v.as_string());
        Some(OAuthState {
            connection_id: text("connectionId")?,
            link_token: LinkToken::new(text("linkToken")?),
            connector_token: ConnectorToken::new(text("connectorToken")?),
            expires_at_ms: value.get("expiresAtMs")?.as_f64()?,
            client_mutation_id: text("clientMutationId"),
            was_broken: value.get("wasBroken")?.as_bool()?,
            generation: match text("schema") {
                Some(name) => SchemaGeneration::parse(&name)?,
                None => SchemaGeneration::V2024,
            },
        })
    }
}

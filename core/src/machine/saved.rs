//! What a reconnect keeps so that it can be finished after the page is reloaded or an OAuth bank
//! sent the user away and back: the Link session before Link opens, and the close once Link has
//! succeeded. The browser keeps it in `sessionStorage` (this tab only), one record a flow.

use serde::Serialize;

use crate::error::Error;
use crate::id::FlowId;
use crate::json::Json;
use crate::quiltt::{close_request, ConnectorPlaidCloseInput, PendingClose, SchemaGeneration};
use crate::secret::{ConnectorToken, LinkToken, PublicToken};

/// A public token lives 30 minutes: a saved close is kept no longer.
pub(crate) const PUBLIC_TOKEN_LIFETIME_MS: f64 = 30.0 * 60.0 * 1000.0;

/// How far a saved flow got.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SavedStage {
    /// Link was about to open (or open): the tokens it runs with.
    Link {
        link_token: LinkToken,
        connector_token: ConnectorToken,
        /// When the link token expires (Unix ms).
        expires_at_ms: f64,
        /// Whether the input named a `redirectUri`: an OAuth bank may send the page away and back.
        redirects: bool,
    },
    /// Link succeeded: the close to send, again if need be, with the same `clientMutationId`.
    Close {
        close: ConnectorPlaidCloseInput,
        /// When the public token expires (Unix ms).
        expires_at_ms: f64,
    },
}

/// What a flow keeps so that it can be finished on a later page of the tab. It holds tokens:
/// its `Debug` redacts them, and only the platform's storage ever sees its JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedFlow {
    pub(crate) id: FlowId,
    pub(crate) connection_id: String,
    pub(crate) generation: SchemaGeneration,
    /// The app's `clientMutationId` (Link stage; the close carries its own).
    pub(crate) client_mutation_id: Option<String>,
    /// Whether initialize said the connection needed repair (a failed close is then read back).
    pub(crate) was_broken: bool,
    pub(crate) stage: SavedStage,
}

impl SavedFlow {
    /// The flow's id.
    pub fn id(&self) -> FlowId {
        self.id
    }

    /// The connection the flow repairs.
    pub fn connection_id(&self) -> &str {
        &self.connection_id
    }

    /// When what the record holds stops being usable (Unix ms): the link token's expiry, or the
    /// public token's.
    pub fn expires_at_ms(&self) -> f64 {
        match &self.stage {
            SavedStage::Link { expires_at_ms, .. } | SavedStage::Close { expires_at_ms, .. } => {
                *expires_at_ms
            }
        }
    }

    /// Whether the record is of no use any more at `now_ms`.
    pub fn is_expired(&self, now_ms: f64) -> bool {
        now_ms >= self.expires_at_ms()
    }

    /// Whether Link had succeeded: the record holds a close to send.
    pub fn has_close(&self) -> bool {
        matches!(self.stage, SavedStage::Close { .. })
    }

    /// Whether an OAuth bank may have sent the page away from this flow (its input named a
    /// `redirectUri`, and Link had not succeeded).
    pub fn redirects(&self) -> bool {
        matches!(
            self.stage,
            SavedStage::Link {
                redirects: true,
                ..
            }
        )
    }

    /// The close this record holds, as a [`PendingClose`] to send (again).
    pub(crate) fn pending_close(&self) -> Option<PendingClose> {
        let SavedStage::Close { close, .. } = &self.stage else {
            return None;
        };
        Some(PendingClose {
            connection_id: self.connection_id.clone(),
            request: close_request(close).ok()?,
            input: close.clone(),
            was_broken: self.was_broken,
            flow: Some(self.id),
        })
    }

    /// The record as JSON, for an [`Io`](crate::driver::Io) to store (it holds the tokens:
    /// never show it).
    ///
    /// # Errors
    /// Only if the platform can't make JSON values.
    pub fn to_json(&self) -> Result<Json, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Stored<'a> {
            id: String,
            connection_id: &'a str,
            schema: &'a str,
            client_mutation_id: Option<&'a str>,
            was_broken: bool,
            expires_at_ms: f64,
            #[serde(skip_serializing_if = "Option::is_none")]
            link_token: Option<&'a str>,
            connector_token: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            redirects: Option<bool>,
            #[serde(skip_serializing_if = "Option::is_none")]
            public_token: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            close_mutation_id: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            metadata: Option<&'a Json>,
        }
        let mut stored = Stored {
            id: self.id.to_string(),
            connection_id: &self.connection_id,
            schema: self.generation.as_str(),
            client_mutation_id: self.client_mutation_id.as_deref(),
            was_broken: self.was_broken,
            expires_at_ms: self.expires_at_ms(),
            link_token: None,
            connector_token: "",
            redirects: None,
            public_token: None,
            close_mutation_id: None,
            metadata: None,
        };
        match &self.stage {
            SavedStage::Link {
                link_token,
                connector_token,
                redirects,
                ..
            } => {
                stored.link_token = Some(link_token.expose_secret());
                stored.connector_token = connector_token.expose_secret();
                stored.redirects = Some(*redirects);
            }
            SavedStage::Close { close, .. } => {
                stored.connector_token = close.connector_token.expose_secret();
                stored.public_token = Some(close.public_token.expose_secret());
                stored.close_mutation_id = close.client_mutation_id.as_deref();
                stored.metadata = Some(&close.metadata);
            }
        }
        Json::from_serde(&stored)
    }

    /// Reads what [`SavedFlow::to_json`] made; `None` for anything else.
    pub fn from_json(value: &Json) -> Option<Self> {
        let text = |key: &str| value.get(key).and_then(|v| v.as_string());
        let generation = SchemaGeneration::parse(&text("schema")?)?;
        let expires_at_ms = value.get("expiresAtMs")?.as_f64()?;
        let connector_token = ConnectorToken::new(text("connectorToken")?);
        let stage = match (text("linkToken"), text("publicToken")) {
            (Some(link_token), None) => SavedStage::Link {
                link_token: LinkToken::new(link_token),
                connector_token,
                expires_at_ms,
                redirects: value.get("redirects")?.as_bool()?,
            },
            (None, Some(public_token)) => SavedStage::Close {
                close: ConnectorPlaidCloseInput {
                    client_mutation_id: text("closeMutationId"),
                    connector_token,
                    metadata: value.get("metadata")?,
                    public_token: PublicToken::new(public_token),
                    generation,
                },
                expires_at_ms,
            },
            _ => return None,
        };
        Some(SavedFlow {
            id: FlowId::parse(&text("id")?)?,
            connection_id: text("connectionId")?,
            generation,
            client_mutation_id: text("clientMutationId"),
            was_broken: value.get("wasBroken")?.as_bool()?,
            stage,
        })
    }
}

/// The records a resume may finish, in the order it tries them: those of `connection_id` (of
/// any connection without one) that have not expired at `now_ms`; a close first (the user's
/// work is waiting for it), then a Link session; the latest first.
pub fn resumable_first(
    mut saved: Vec<SavedFlow>,
    connection_id: Option<&str>,
    now_ms: f64,
) -> Vec<SavedFlow> {
    saved.retain(|flow| {
        !flow.is_expired(now_ms) && connection_id.is_none_or(|c| flow.connection_id == c)
    });
    saved.sort_by(|a, b| {
        (b.has_close().cmp(&a.has_close())).then(b.expires_at_ms().total_cmp(&a.expires_at_ms()))
    });
    saved
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link_stage() -> SavedFlow {
        SavedFlow {
            id: FlowId::from_random(0.25),
            connection_id: "c1".into(),
            generation: SchemaGeneration::V2024,
            client_mutation_id: Some("m1".into()),
            was_broken: true,
            stage: SavedStage::Link {
                link_token: LinkToken::new("lt-secret"),
                connector_token: ConnectorToken::new("ct-secret"),
                expires_at_ms: 1000.0,
                redirects: true,
            },
        }
    }

    #[test]
    fn both_stages_round_trip_through_json_and_debug_shows_no_token() {
        let link = link_stage();
        assert_eq!(
            SavedFlow::from_json(&link.to_json().unwrap()),
            Some(link.clone())
        );
        assert!(!format!("{link:?}").contains("secret"));
        assert!(link.redirects() && !link.has_close());
        assert!(!link.is_expired(999.0) && link.is_expired(1000.0));

        let close = SavedFlow {
            stage: SavedStage::Close {
                close: ConnectorPlaidCloseInput {
                    client_mutation_id: Some("quiltt-reconnect-1".into()),
                    connector_token: ConnectorToken::new("ct-secret"),
                    metadata: Json::parse(r#"{"accounts":[]}"#).unwrap(),
                    public_token: PublicToken::new("pt-secret"),
                    generation: SchemaGeneration::V2024,
                },
                expires_at_ms: 2000.0,
            },
            ..link
        };
        assert_eq!(
            SavedFlow::from_json(&close.to_json().unwrap()),
            Some(close.clone())
        );
        assert!(!format!("{close:?}").contains("secret"));
        let pending = close.pending_close().unwrap();
        assert_eq!(
            pending.input.client_mutation_id.as_deref(),
            Some("quiltt-reconnect-1")
        );
        assert_eq!(pending.flow, Some(close.id));
        assert!(close.has_close() && !close.redirects());
    }

    #[test]
    fn a_resume_tries_closes_first_then_the_latest_link_session_of_its_connection() {
        let at = |id: f64, connection: &str, expires: f64, close: bool| {
            let mut flow = link_stage();
            flow.id = FlowId::from_random(id);
            flow.connection_id = connection.into();
            flow.stage = match close {
                false => SavedStage::Link {
                    link_token: LinkToken::new("l"),
                    connector_token: ConnectorToken::new("c"),
                    expires_at_ms: expires,
                    redirects: false,
                },
                true => SavedStage::Close {
                    close: ConnectorPlaidCloseInput {
                        client_mutation_id: None,
                        connector_token: ConnectorToken::new("c"),
                        metadata: Json::null(),
                        public_token: PublicToken::new("p"),
                        generation: SchemaGeneration::V2025,
                    },
                    expires_at_ms: expires,
                },
            };
            flow
        };
        let saved = vec![
            at(0.1, "c1", 50.0, false),
            at(0.2, "c1", 80.0, false),
            at(0.3, "c1", 30.0, true),
            at(0.4, "c2", 90.0, false),
            at(0.5, "c1", 5.0, true),
        ];
        let ids = |flows: Vec<SavedFlow>| flows.iter().map(|f| f.id).collect::<Vec<_>>();
        let order = ids(resumable_first(saved.clone(), Some("c1"), 10.0));
        assert_eq!(
            order,
            ids(vec![saved[2].clone(), saved[1].clone(), saved[0].clone()])
        );
        assert_eq!(
            resumable_first(saved, None, 10.0).len(),
            4,
            "the expired one is left out"
        );
    }

    #[test]
    fn anything_else_reads_as_nothing() {
        for text in [
            "null",
            "{}",
            r#"{"id":"xyz","connectionId":"c","schema":"2024-08","wasBroken":true,"expiresAtMs":1,"linkToken":"l","connectorToken":"c","redirects":false}"#,
            r#"{"id":"0000000000001","connectionId":"c","schema":"1999-01","wasBroken":true,"expiresAtMs":1,"linkToken":"l","connectorToken":"c","redirects":false}"#,
            r#"{"id":"0000000000001","connectionId":"c","schema":"2024-08","wasBroken":true,"expiresAtMs":1,"linkToken":"l","publicToken":"p","connectorToken":"c"}"#,
        ] {
            assert_eq!(
                SavedFlow::from_json(&Json::parse(text).unwrap()),
                None,
                "{text}"
            );
        }
    }
}

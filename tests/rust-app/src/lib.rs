//! An app's own bindings beside quiltt-reconnect's Rust API.

use quiltt_reconnect::{
    Client, ClientOptions, ConnectionUpdateInput, ConnectorPlaidInitializeInput, Json,
    ReconnectResult, SessionToken,
};
use wasm_bindgen::prelude::*;

/// The app's own `Job`: the crate must not export a class of the same name.
#[wasm_bindgen]
pub struct Job {
    id: u32,
}

#[wasm_bindgen]
impl Job {
    /// A job.
    #[wasm_bindgen(constructor)]
    pub fn new(id: u32) -> Job {
        Job { id }
    }

    /// Its id.
    pub fn id(&self) -> u32 {
        self.id
    }
}

fn client(endpoint: String, token: String) -> Result<Client, quiltt_reconnect::Error> {
    let mut options = ClientOptions::new(SessionToken::new(token));
    options.endpoint = endpoint;
    Client::new(options)
}

/// Repairs a connection; the crate's errors (`?` on any of them) reject as the package's
/// `QuilttReconnectError`.
#[wasm_bindgen]
pub async fn repair(
    endpoint: String,
    token: String,
    connection_id: String,
) -> Result<String, quiltt_reconnect::Error> {
    let client = client(endpoint, token)?;
    let mut input = ConnectorPlaidInitializeInput::new(connection_id);
    input.features_required = Some(vec!["TRANSACTIONS".into()]);
    let outcome = match client.reconnect(&input).await? {
        ReconnectResult::Repaired { .. } => "repaired",
        ReconnectResult::Reconnected { .. } => "reconnected",
        ReconnectResult::Exited { .. } => "exited",
    };
    Ok(outcome.to_owned())
}

/// Stores `{ tier }` on a connection, failing with the crate's error as a JS error.
#[wasm_bindgen]
pub async fn store_tier(
    endpoint: String,
    token: String,
    connection_id: String,
    tier: String,
) -> Result<(), quiltt_reconnect::Error> {
    let client = client(endpoint, token)?;
    let metadata = Json::parse(&format!(
        r#"{{"tier":{}}}"#,
        Json::from(tier).to_json_string()?
    ))?;
    client
        .update_metadata(&ConnectionUpdateInput::new(connection_id, metadata))
        .await?;
    Ok(())
}

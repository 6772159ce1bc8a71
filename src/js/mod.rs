//! The JavaScript contract: the `QuilttReconnect` class and its TypeScript types.
//! Methods return promises built from an `Rc` of the client, so no borrow of the class is held
//! across an `await` and `free()` during a flow is safe.

mod error;
mod options;

use std::future::Future;
use std::rc::Rc;

use js_sys::{Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::client::Client;
use crate::error::{Error, ErrorCode};
use crate::json::Json;
use crate::quiltt::fetch::{from_js, to_js};
use crate::quiltt::input::{ConnectionUpdateInput, ConnectorPlaidInitializeInput};
use error::to_js_error;

#[wasm_bindgen(typescript_custom_section)]
const OPTIONS_TS: &str = r#"
/** A Quiltt connection feature; the server checks the value. */
export type ConnectionFeature = "ACCOUNT_VERIFICATION" | "IDENTITY" | "TRANSACTIONS" | (string & {});

/** Options of `new QuilttReconnect(options)`. */
export interface QuilttReconnectOptions {
  /** Quiltt session token, sent as `Authorization: Bearer <token>`; a function is called when a
   *  request needs a token, and once more after a 401. */
  token: string | (() => string | Promise<string>);
  /** Quiltt's GraphQL endpoint. Default: https://api.quiltt.io/v1/graphql */
  endpoint?: string;
  /** Plaid's Link script. Default: https://cdn.plaid.com/link/v2/stable/link-initialize.js */
  plaidScriptUrl?: string;
  /** Per-request timeout in milliseconds (also bounds loading Plaid's script). Default: 30000 */
  timeoutMs?: number;
  /** Progress of every flow, plus Plaid's own events passed through. */
  onEvent?: (event: ReconnectEvent) => void;
}

/** What `reconnect()` takes: every field of `ConnectorPlaidInitializeInput`, and an optional signal. */
export type ReconnectInput = ConnectorPlaidInitializeInput & { signal?: AbortSignal };
"#;

fn promise<F>(work: F) -> Promise
where
    F: Future<Output = Result<JsValue, Error>> + 'static,
{
    future_to_promise(async move { work.await.map_err(to_js_error) })
}

fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

/// Whether `value` is a plain object (`{}` or `Object.create(null)`), not an array, a class
/// instance or a primitive.
fn is_plain_object(value: &JsValue) -> bool {
    if !value.is_object() || js_sys::Array::is_array(value) {
        return false;
    }
    let proto = Object::get_prototype_of(value);
    proto.is_null() || proto == Object::get_prototype_of(&Object::new().into())
}

/// Repairs Quiltt connections: runs the update flow for Plaid and stores metadata.
/// This is the JavaScript class; Rust apps use [`Client`].
#[wasm_bindgen]
#[derive(Debug)]
pub struct QuilttReconnect {
    client: Rc<Client>,
}

#[wasm_bindgen]
impl QuilttReconnect {
    /// Creates an instance. Throws a `QuilttReconnectError` (`INVALID_INPUT`) on bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "QuilttReconnectOptions")] options: JsValue,
    ) -> Result<QuilttReconnect, JsValue> {
        let client = options::read(&options)
            .and_then(Client::new)
            .map_err(to_js_error)?;
        Ok(QuilttReconnect {
            client: Rc::new(client),
        })
    }

    /// Loads Plaid's script ahead of time; idempotent and shared by every instance on the page.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn preload(&self) -> Promise {
        let client = Rc::clone(&self.client);
        promise(async move { client.preload().await.map(|_| JsValue::UNDEFINED) })
    }

    /// Runs the reconnect flow: initialize, then Plaid Link when `ACTION_REQUIRED`, then close.
    #[wasm_bindgen(unchecked_return_type = "Promise<ReconnectResult>")]
    pub fn reconnect(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ReconnectInput")] input: JsValue,
    ) -> Promise {
        let client = Rc::clone(&self.client);
        promise(async move {
            let json = from_js(input).ok_or_else(|| {
                invalid("reconnect() input must be a plain object of JSON values")
            })?;
            let input = ConnectorPlaidInitializeInput::from_json(&json, &["signal"])?;
            to_js(&client.reconnect(&input).await?)
        })
    }

    /// Stores `metadata` (a plain object) on the connection with `connectionUpdate`.
    #[wasm_bindgen(js_name = updateMetadata, unchecked_return_type = "Promise<Connection>")]
    pub fn update_metadata(
        &self,
        #[wasm_bindgen(js_name = connectionId, unchecked_param_type = "string")]
        connection_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown>")] metadata: JsValue,
    ) -> Promise {
        let client = Rc::clone(&self.client);
        promise(async move {
            let id = connection_id
                .as_string()
                .ok_or_else(|| invalid("connectionId must be a non-empty string"))?;
            if !is_plain_object(&metadata) {
                return Err(invalid("metadata must be a plain object"));
            }
            let metadata: Json =
                from_js(metadata).ok_or_else(|| invalid("metadata must hold only JSON values"))?;
            to_js(
                &client
                    .update_metadata(&ConnectionUpdateInput::new(id, metadata))
                    .await?,
            )
        })
    }
}

//! The crate's [`Error`] as the JavaScript `Error` apps see: named `QuilttReconnectError`, with a
//! stable `code`, Quiltt's `errors`, the HTTP `status`, the `displayMessage` Plaid wrote for the
//! user, and, after Link succeeded, Link's `metadata`. The JavaScript class throws these, and
//! `?` on the crate's errors in an app's own `#[wasm_bindgen]` function makes the same.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::error::Error;

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // The target is an Error the bridge just made: setting can't fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

impl From<&Error> for JsValue {
    fn from(error: &Error) -> Self {
        let js = js_sys::Error::new(error.message());
        js.set_name("QuilttReconnectError");
        let value = JsValue::from(js);
        set(&value, "code", &error.code().as_str().into());
        let errors = crate::value::Json::from_serde(error.errors()).unwrap_or_default();
        set(&value, "errors", errors.as_js());
        if let Some(status) = error.status() {
            set(&value, "status", &status.into());
        }
        if let Some(message) = error.display_message() {
            set(&value, "displayMessage", &message.into());
        }
        if let Some(metadata) = error.link_metadata() {
            set(&value, "metadata", metadata.as_js());
        }
        value
    }
}

impl From<Error> for JsValue {
    /// # Examples
    /// ```no_run
    /// use wasm_bindgen::prelude::*;
    /// #[wasm_bindgen]
    /// pub async fn store_tier(connection_id: String) -> Result<(), JsValue> {
    ///     let client = quiltt_reconnect::Client::new(quiltt_reconnect::ClientOptions::new(
    ///         quiltt_reconnect::SessionToken::new("session-token"),
    ///     ))?;
    ///     let metadata = quiltt_reconnect::Json::parse(r#"{"tier":"gold"}"#)?;
    ///     let input = quiltt_reconnect::ConnectionUpdateInput::new(connection_id, metadata);
    ///     client.update_metadata(&input).await?; // rejects with a QuilttReconnectError
    ///     Ok(())
    /// }
    /// ```
    fn from(error: Error) -> Self {
        JsValue::from(&error)
    }
}

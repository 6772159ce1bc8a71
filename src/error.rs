//! The crate's [`Error`]: the core's error ([`quiltt_reconnect_core::Error`], which it
//! dereferences to), and the JavaScript `Error` apps see: named `QuilttReconnectError`, with a
//! stable `code`, Quiltt's `errors`, the HTTP `status`, the `displayMessage` Plaid wrote for the
//! user, and, after Link succeeded, Link's `metadata`. The JavaScript class rejects with these,
//! and an app's own `#[wasm_bindgen]` function returning `Result<_, quiltt_reconnect::Error>`
//! rejects with the same.

use std::fmt;
use std::ops::Deref;

use quiltt_reconnect_core as core;

/// A failed operation: the core's [`Error`](core::Error) (its code, message, Quiltt's errors,
/// and after Link's success Link's metadata and the close to retry), which JavaScript sees as a
/// `QuilttReconnectError`.
///
/// # Examples
/// An app's own binding (`tests/rust-app` builds one like it):
/// ```ignore
/// use wasm_bindgen::prelude::*;
/// #[wasm_bindgen]
/// pub async fn store_tier(connection_id: String) -> Result<(), quiltt_reconnect::Error> {
///     let client = quiltt_reconnect::Client::new(quiltt_reconnect::ClientOptions::new(
///         quiltt_reconnect::SessionToken::new("session-token"),
///     ))?;
///     let metadata = quiltt_reconnect::Json::parse(r#"{"tier":"gold"}"#)?;
///     let input = quiltt_reconnect::ConnectionUpdateInput::new(connection_id, metadata);
///     client.update_metadata(&input).await?; // rejects with a QuilttReconnectError
///     Ok(())
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Error(core::Error);

impl Error {
    /// The core's error.
    pub fn into_inner(self) -> core::Error {
        self.0
    }
}

impl Deref for Error {
    type Target = core::Error;

    fn deref(&self) -> &core::Error {
        &self.0
    }
}

impl From<core::Error> for Error {
    fn from(error: core::Error) -> Self {
        Error(error)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Error {}

#[cfg(all(target_arch = "wasm32", feature = "js"))]
pub(crate) use browser::to_js;

#[cfg(target_arch = "wasm32")]
mod browser {
    use js_sys::Reflect;
    use quiltt_reconnect_core as core;
    use wasm_bindgen::JsValue;

    use super::Error;
    use crate::web::json::{to_js as json_to_js, to_js_value};

    fn set(target: &JsValue, key: &str, value: &JsValue) {
        // The target is an Error the bridge just made: setting can't fail.
        let _ = Reflect::set(target, &JsValue::from_str(key), value);
    }

    /// The `QuilttReconnectError` of `error`.
    pub(crate) fn to_js(error: &core::Error) -> JsValue {
        let js = js_sys::Error::new(error.message());
        js.set_name("QuilttReconnectError");
        let value = JsValue::from(js);
        set(&value, "code", &error.code().as_str().into());
        let errors = to_js_value(error.errors()).unwrap_or(JsValue::NULL);
        set(&value, "errors", &errors);
        if let Some(status) = error.status() {
            set(&value, "status", &status.into());
        }
        if let Some(message) = error.display_message() {
            set(&value, "displayMessage", &message.into());
        }
        if let Some(metadata) = error.link_metadata() {
            set(&value, "metadata", &json_to_js(metadata));
        }
        if let Some(trail) = error.trail() {
            set(
                &value,
                "trail",
                &to_js_value(trail).unwrap_or(JsValue::NULL),
            );
        }
        value
    }

    impl From<&Error> for JsValue {
        fn from(error: &Error) -> Self {
            to_js(error)
        }
    }

    impl From<Error> for JsValue {
        fn from(error: Error) -> Self {
            to_js(&error)
        }
    }
}

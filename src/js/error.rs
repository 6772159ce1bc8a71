//! Rust errors as JavaScript `Error`s with a stable `code`.

use wasm_bindgen::prelude::*;

use crate::error::Error;
use crate::interop::{set, to_js};
use crate::json::ToJson;

#[wasm_bindgen(typescript_custom_section)]
const ERROR_TS: &str = r#"
/** What every rejected promise and thrown error of this package is. */
export interface QuilttReconnectError extends Error {
  name: "QuilttReconnectError";
  /** A stable code to branch on. */
  code: ErrorCode;
  /** Quiltt's own errors, when the server sent some (payload `errors` or GraphQL `errors`). */
  errors: QuilttError[];
  /** The HTTP status, when the failure came with one. */
  status?: number;
  /** Plaid Link's success metadata, for failures after Link succeeded (CLOSE_FAILED, NO_PUBLIC_TOKEN). */
  metadata?: unknown;
  /** On CLOSE_FAILED: pass the error to `bridge.retryClose(error)` to send the close again
   *  (within 30 minutes; the public token is single use). */
  closeRetryId?: number;
}
"#;

/// Builds the `QuilttReconnectError` JavaScript sees.
pub(crate) fn to_js_error(error: &Error) -> JsValue {
    let js = js_sys::Error::new(error.message());
    js.set_name("QuilttReconnectError");
    let value = JsValue::from(js);
    set(&value, "code", &JsValue::from_str(error.code().as_str()));
    set(&value, "errors", &to_js(&error.errors().to_json()));
    if let Some(status) = error.status() {
        set(&value, "status", &JsValue::from(status));
    }
    if let Some(metadata) = error.link_metadata() {
        set(&value, "metadata", &to_js(metadata));
    }
    value
}

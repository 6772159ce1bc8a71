//! [`Json`] to and from JavaScript values, by walking them with `js_sys`. The browser's own
//! `JSON` does the text work; no serde machinery ships in the wasm.

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::json::Json;

/// Deeper values are refused: a cyclic object would otherwise never end.
const MAX_DEPTH: u32 = 256;

/// `target[key] = value`. The targets are objects the bridge made itself, so a failure (a
/// frozen object, a throwing setter) can't happen and is ignored.
pub(crate) fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// A JavaScript value for `json`: plain objects and arrays, `null`, numbers, strings, booleans.
pub(crate) fn to_js(json: &Json) -> JsValue {
    match json {
        Json::Null => JsValue::NULL,
        Json::Bool(b) => JsValue::from_bool(*b),
        Json::Number(n) => JsValue::from_f64(*n),
        Json::String(s) => JsValue::from_str(s),
        Json::Array(items) => {
            let array = Array::new();
            for item in items {
                array.push(&to_js(item));
            }
            array.into()
        }
        Json::Object(entries) => {
            let object = Object::new();
            for (key, value) in entries {
                let _ = Reflect::set(&object, &JsValue::from_str(key), &to_js(value));
            }
            object.into()
        }
    }
}

/// The JSON a JavaScript value holds, as `JSON.stringify` would see it: `undefined` members are
/// left out (in arrays they become `null`). `None` for what JSON can't hold: functions,
/// symbols, bigints, and values nested deeper than 256 levels (cycles).
pub(crate) fn from_js(value: &JsValue) -> Option<Json> {
    read(value, 0)
}

fn read(value: &JsValue, depth: u32) -> Option<Json> {
    if depth > MAX_DEPTH {
        return None;
    }
    if value.is_null() || value.is_undefined() {
        return Some(Json::Null);
    }
    if let Some(b) = value.as_bool() {
        return Some(Json::Bool(b));
    }
    if let Some(n) = value.as_f64() {
        // JSON has no NaN or Infinity; JSON.stringify writes them as null.
        return Some(if n.is_finite() {
            Json::Number(n)
        } else {
            Json::Null
        });
    }
    if let Some(s) = value.as_string() {
        return Some(Json::String(s));
    }
    if Array::is_array(value) {
        let array: &Array = value.unchecked_ref();
        let mut items = Vec::new();
        for item in array.iter() {
            items.push(read(&item, depth + 1)?);
        }
        return Some(Json::Array(items));
    }
    if !value.is_object() || value.is_function() {
        return None;
    }
    let object: &Object = value.unchecked_ref();
    let mut entries = Vec::new();
    for key in Object::keys(object).iter() {
        let member = Reflect::get(object, &key).ok()?;
        if member.is_undefined() {
            continue;
        }
        entries.push((key.as_string()?, read(&member, depth + 1)?));
    }
    Some(Json::Object(entries))
}

/// A promise and its `resolve` function, for JavaScript callbacks to settle: the function itself
/// can be handed to JS (as a listener or a timer's callback), so no Rust closure needs an owner.
///
/// Dropping it resolves the promise (with `undefined`) if nothing has yet. A `JsFuture` frees
/// its callbacks only once its promise settles, so without this every wait that ends early (a
/// lost race, a flow that ended before its signal aborted, a Link that never called `onExit`)
/// would leak them.
pub(crate) struct Deferred {
    pub(crate) promise: Promise,
    pub(crate) resolve: Function,
}

impl Deferred {
    /// A pending promise. (`new Promise` runs its executor at once, so this is `None` only if
    /// the engine misbehaves.)
    pub(crate) fn new() -> Option<Deferred> {
        let mut resolve_slot: Option<Function> = None;
        let promise = Promise::new(&mut |resolve, _reject| resolve_slot = Some(resolve));
        resolve_slot.map(|resolve| Deferred { promise, resolve })
    }

    /// Finishes when the promise settles.
    pub(crate) fn wait(&self) -> JsFuture {
        JsFuture::from(self.promise.clone())
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        let _ = self.resolve.call0(&JsValue::UNDEFINED);
    }
}

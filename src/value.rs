//! [`Json`]: a JSON value the bridge reads from or passes through without copying it, and the
//! one reader of outside values.
//!
//! In the browser it is the JavaScript value itself: app metadata, Plaid's metadata and the
//! replies' records cross as they are, `JSON.parse` and `JSON.stringify` do the text work, and
//! a result handed back to JavaScript holds the very object the reply held. Natively (the flow's
//! unit tests, and any host that drives the flow itself) it is a `serde_json::Value`.
//!
//! Reading is exception-proof: every JavaScript operation that can throw (a getter, a Proxy
//! trap, a revoked Proxy) is bound with `catch`, so no JavaScript exception crosses a wasm
//! frame. What can't be read reads as missing, and [`Json::snapshot`] turns an app's value into
//! plain data first, where every throw becomes an `INVALID_INPUT` error.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};

use crate::error::Error;

#[cfg(target_arch = "wasm32")]
type Inner = wasm_bindgen::JsValue;
#[cfg(not(target_arch = "wasm32"))]
type Inner = serde_json::Value;

/// A JSON value: in the browser a JavaScript value (passed through as it is), natively a
/// `serde_json::Value`.
///
/// Its `Debug` never prints the value (metadata may hold anything). In the browser it
/// serializes as itself with serde-wasm-bindgen (other serializers get an error:
/// [`Json::to_json_string`] gives its text), and equality is JavaScript's `===`; natively it is
/// a `serde_json::Value` in both respects.
///
/// # Examples
/// ```
/// use quiltt_reconnect::Json;
/// let metadata = Json::parse(r#"{"tier":"gold","seats":3}"#).unwrap();
/// assert_eq!(metadata.get("tier").and_then(|t| t.as_string()).as_deref(), Some("gold"));
/// assert!(metadata.is_object());
/// ```
#[derive(Clone)]
pub struct Json(Inner);

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Json(..)")
    }
}

impl Default for Json {
    fn default() -> Self {
        Json::null()
    }
}

impl PartialEq for Json {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl From<&str> for Json {
    fn from(text: &str) -> Self {
        Json(Inner::from(text))
    }
}

impl From<String> for Json {
    fn from(text: String) -> Self {
        Json(Inner::from(text))
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Self {
        Json(Inner::from(b))
    }
}

impl From<f64> for Json {
    fn from(n: f64) -> Self {
        Json(Inner::from(n))
    }
}

impl Json {
    /// `null`.
    ///
    /// # Examples
    /// ```
    /// assert!(quiltt_reconnect::Json::null().is_null());
    /// ```
    pub fn null() -> Json {
        #[cfg(target_arch = "wasm32")]
        return Json(Inner::NULL);
        #[cfg(not(target_arch = "wasm32"))]
        return Json(Inner::Null);
    }

    /// Parses JSON text (with the browser's `JSON.parse` in the browser).
    ///
    /// # Errors
    /// `INVALID_INPUT` when `text` is not JSON.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// assert!(Json::parse("[1, 2]").is_ok());
    /// assert!(Json::parse("{").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Json, Error> {
        #[cfg(target_arch = "wasm32")]
        let parsed = js_sys::JSON::parse(text).ok();
        #[cfg(not(target_arch = "wasm32"))]
        let parsed = serde_json::from_str(text).ok();
        parsed
            .map(Json)
            .ok_or_else(|| Error::invalid("the text is not JSON"))
    }

    /// The value as JSON text, as `JSON.stringify` writes it.
    ///
    /// # Errors
    /// `INVALID_INPUT` when the value can't be written as JSON (a cycle, a `BigInt`, a getter
    /// or Proxy trap that throws, or no JSON at all, such as a function).
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// assert_eq!(Json::from("a").to_json_string().unwrap(), r#""a""#);
    /// ```
    pub fn to_json_string(&self) -> Result<String, Error> {
        #[cfg(target_arch = "wasm32")]
        return web::stringify(&self.0)?
            .as_string()
            .ok_or_else(|| Error::invalid("the value is not JSON text"));
        #[cfg(not(target_arch = "wasm32"))]
        return serde_json::to_string(&self.0).map_err(|e| Error::invalid(e.to_string()));
    }

    /// Converts any serde value (with serde-wasm-bindgen's JSON-compatible serializer in the
    /// browser: plain objects and `null`).
    ///
    /// # Errors
    /// `INVALID_INPUT` when the value has no JSON form.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// let seats = Json::from_serde(&3_u32).unwrap();
    /// assert_eq!(seats.as_f64(), Some(3.0));
    /// ```
    pub fn from_serde<T: Serialize + ?Sized>(value: &T) -> Result<Json, Error> {
        #[cfg(target_arch = "wasm32")]
        let converted = value
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| Error::invalid(e.to_string()));
        #[cfg(not(target_arch = "wasm32"))]
        let converted = serde_json::to_value(value).map_err(|e| Error::invalid(e.to_string()));
        converted.map(Json)
    }

    /// Converts to any serde type.
    ///
    /// # Errors
    /// `INVALID_INPUT` when the value does not have the type's shape.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// let n: u32 = Json::from_serde(&3_u32).unwrap().to_serde().unwrap();
    /// assert_eq!(n, 3);
    /// ```
    pub fn to_serde<T: DeserializeOwned>(&self) -> Result<T, Error> {
        #[cfg(target_arch = "wasm32")]
        return serde_wasm_bindgen::from_value(self.0.clone())
            .map_err(|e| Error::invalid(e.to_string()));
        #[cfg(not(target_arch = "wasm32"))]
        return T::deserialize(&self.0).map_err(|e| Error::invalid(e.to_string()));
    }

    /// Whether this is `null` (or, in the browser, `undefined`).
    pub fn is_null(&self) -> bool {
        #[cfg(target_arch = "wasm32")]
        return self.0.is_null() || self.0.is_undefined();
        #[cfg(not(target_arch = "wasm32"))]
        return self.0.is_null();
    }

    /// Whether this is an object: not `null`, not an array, not a function.
    pub fn is_object(&self) -> bool {
        self.kind() == "object"
    }

    /// The member `key` of an object; `None` when this is not an object, the member is missing
    /// or `undefined`, or reading it threw.
    pub fn get(&self, key: &str) -> Option<Json> {
        #[cfg(target_arch = "wasm32")]
        return web::member(&self.0, key).map(Json);
        #[cfg(not(target_arch = "wasm32"))]
        return self.0.as_object()?.get(key).cloned().map(Json);
    }

    /// The text, when this is a string.
    pub fn as_string(&self) -> Option<String> {
        #[cfg(target_arch = "wasm32")]
        return self.0.as_string();
        #[cfg(not(target_arch = "wasm32"))]
        return self.0.as_str().map(str::to_owned);
    }

    /// Whether this is a string of well-formed Unicode (no lone UTF-16 surrogate), which Rust
    /// text can hold without loss.
    pub(crate) fn is_well_formed_text(&self) -> bool {
        #[cfg(target_arch = "wasm32")]
        return wasm_bindgen::JsCast::dyn_ref::<js_sys::JsString>(&self.0)
            .is_some_and(|s| s.is_valid_utf16());
        #[cfg(not(target_arch = "wasm32"))]
        return self.0.is_string();
    }

    /// The value's JSON text, as a string value (in the browser a JavaScript string, never
    /// copied into wasm memory).
    ///
    /// # Errors
    /// As [`Json::to_json_string`].
    pub(crate) fn stringified(&self) -> Result<Json, Error> {
        #[cfg(target_arch = "wasm32")]
        {
            let text = web::stringify(&self.0)?;
            match text.is_string() {
                true => Ok(Json(text)),
                false => Err(Error::invalid(format!("{} is not JSON", self.kind()))),
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        return self.to_json_string().map(Json::from);
    }

    /// The boolean, when this is one.
    pub fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }

    /// The number, when this is one.
    pub fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }

    /// The elements, when this is an array (elements that can't be read are `null`).
    pub fn items(&self) -> Option<Vec<Json>> {
        #[cfg(target_arch = "wasm32")]
        return web::items(&self.0).map(|items| items.into_iter().map(Json).collect());
        #[cfg(not(target_arch = "wasm32"))]
        return self
            .0
            .as_array()
            .map(|items| items.iter().cloned().map(Json).collect());
    }

    /// This object without its member `key`, deleted from this very object, which must be the
    /// bridge's own (such as a snapshot).
    #[cfg(all(target_arch = "wasm32", feature = "js"))]
    pub(crate) fn without(self, key: &str) -> Json {
        let object: &js_sys::Object = wasm_bindgen::JsCast::unchecked_ref(&self.0);
        let _ = js_sys::Reflect::delete_property(object, &key.into());
        self
    }

    /// The own enumerable members of an object, in their order.
    pub(crate) fn entries(&self) -> Option<Vec<(String, Json)>> {
        #[cfg(target_arch = "wasm32")]
        return web::entries(&self.0)
            .map(|entries| entries.into_iter().map(|(k, v)| (k, Json(v))).collect());
        #[cfg(not(target_arch = "wasm32"))]
        return self.0.as_object().map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), Json(v.clone())))
                .collect()
        });
    }

    /// What kind of value this is, for messages: `null`, `boolean`, `number`, `string`,
    /// `array`, `object` (or, in the browser, `function`, `symbol`, `bigint`).
    pub(crate) fn kind(&self) -> &'static str {
        #[cfg(target_arch = "wasm32")]
        return web::kind(&self.0);
        #[cfg(not(target_arch = "wasm32"))]
        return match &self.0 {
            Inner::Null => "null",
            Inner::Bool(_) => "boolean",
            Inner::Number(_) => "number",
            Inner::String(_) => "string",
            Inner::Array(_) => "array",
            Inner::Object(_) => "object",
        };
    }

    /// A plain-data copy of an app's value, as `JSON.parse(JSON.stringify(value))` makes it:
    /// getters run once, `toJSON` is applied, functions and `undefined` members are left out,
    /// and own `__proto__` keys stay own keys.
    ///
    /// # Errors
    /// `INVALID_INPUT` naming `what` when `JSON.stringify` throws (a cycle, a `BigInt`, a
    /// throwing getter or Proxy trap).
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// let copy = Json::parse(r#"{"a":[1]}"#).unwrap().snapshot("metadata").unwrap();
    /// assert!(copy.get("a").is_some());
    /// ```
    pub fn snapshot(&self, what: &str) -> Result<Json, Error> {
        #[cfg(target_arch = "wasm32")]
        {
            let text = web::stringify(&self.0)
                .map_err(|e| Error::invalid(format!("{what} can't be read as JSON: {e}")))?;
            if text.is_undefined() {
                return Ok(Json::null());
            }
            web::parse(&text)
                .map(Json)
                .map_err(|_| Error::invalid(format!("{what} can't be read as JSON")))
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = what;
            Ok(self.clone())
        }
    }

    /// A plain-data copy of a value the bridge must not lose (Link's success metadata): its
    /// [`Json::snapshot`], or, when that throws, what can be read of it (cycles, functions and
    /// members whose getters throw are left out).
    pub fn salvage(&self) -> Json {
        match self.snapshot("the value") {
            Ok(copy) => copy,
            #[cfg(target_arch = "wasm32")]
            Err(_) => Json(web::salvage(&self.0)),
            #[cfg(not(target_arch = "wasm32"))]
            Err(_) => Json::null(),
        }
    }

    /// This value with every occurrence of any of `secrets` in its JSON text replaced by
    /// `[redacted]`: the value itself when none occurs, else a plain-data copy.
    pub(crate) fn redacted(&self, secrets: &[&str]) -> Json {
        let Ok(text) = self.to_json_string() else {
            return self.clone();
        };
        let mut scrubbed = text.clone();
        crate::secret::redact_all(&mut scrubbed, secrets);
        match scrubbed == text {
            true => self.clone(),
            false => Json::parse(&scrubbed).unwrap_or_default(),
        }
    }

    /// This value when it is an object that `JSON.stringify` writes as an object (or `null`),
    /// checked without copying a plain object; other objects (a `Date`, a `String` object, a
    /// class with `toJSON`, a Proxy) are replaced by their [`Json::snapshot`], which must be an
    /// object too.
    ///
    /// # Errors
    /// `INVALID_INPUT` naming `what` when it is not an object or `null`, or can't be read.
    pub(crate) fn json_object_or_null(&self, what: &str) -> Result<Json, Error> {
        let refused = |kind: &str| {
            Err(Error::invalid(format!(
                "{what} must be an object (or null), got {kind}"
            )))
        };
        match self.kind() {
            "null" => return Ok(Json::null()),
            "object" => {}
            other => return refused(other),
        }
        #[cfg(target_arch = "wasm32")]
        if !web::is_plain(&self.0) {
            let copy = self.snapshot(what)?;
            return match copy.kind() {
                "object" | "null" => Ok(copy),
                other => refused(&format!("{other} once written as JSON")),
            };
        }
        Ok(self.clone())
    }

    /// The JavaScript value.
    #[cfg(target_arch = "wasm32")]
    pub fn as_js(&self) -> &wasm_bindgen::JsValue {
        &self.0
    }

    /// The JavaScript value, moved out.
    #[cfg(target_arch = "wasm32")]
    pub fn into_js(self) -> wasm_bindgen::JsValue {
        self.0
    }

    /// The `serde_json` value.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn as_serde_json(&self) -> &serde_json::Value {
        &self.0
    }
}

#[cfg(target_arch = "wasm32")]
impl From<wasm_bindgen::JsValue> for Json {
    fn from(value: wasm_bindgen::JsValue) -> Self {
        Json(value)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl From<serde_json::Value> for Json {
    fn from(value: serde_json::Value) -> Self {
        Json(value)
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[cfg(target_arch = "wasm32")]
        {
            // serde-wasm-bindgen takes the value itself (no copy, nothing rebuilt). Another
            // serializer would get a handle it can't read, so it gets an error instead (the
            // serializer's type is the only way serde offers to tell them apart;
            // serde-wasm-bindgen hands `&Serializer` down). `to_json_string` gives the text.
            let wasm_bindgen = std::any::type_name::<&serde_wasm_bindgen::Serializer>();
            if std::any::type_name::<S>() != wasm_bindgen {
                return Err(serde::ser::Error::custom(
                    "in the browser a Json serializes with serde-wasm-bindgen only; use Json::to_json_string for its text",
                ));
            }
            serde_wasm_bindgen::preserve::serialize(&self.0, serializer)
        }
        #[cfg(not(target_arch = "wasm32"))]
        self.0.serialize(serializer)
    }
}

/// The browser side of the reader: every call that can throw is a `catch` binding.
#[cfg(target_arch = "wasm32")]
mod web {
    use js_sys::{Array, Reflect};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    use crate::error::Error;

    /// Deeper values are cut off where a walk over them is needed (cycles never end).
    const MAX_DEPTH: u32 = 512;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
        fn is_array(value: &JsValue) -> Result<bool, JsValue>;
        #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
        fn object_keys(value: &JsValue) -> Result<Array, JsValue>;
        #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
        fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
        /// `JSON.parse` of a JavaScript string, without copying it through Rust.
        #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
        pub(crate) fn parse(text: &JsValue) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(js_namespace = Object, js_name = defineProperty, catch)]
        fn define_property(
            object: &js_sys::Object,
            key: &JsValue,
            descriptor: &js_sys::Object,
        ) -> Result<JsValue, JsValue>;
    }

    /// `JSON.stringify(value)`: a string, or `undefined` for what JSON can't hold.
    ///
    /// # Errors
    /// The exception's message when it throws.
    pub(super) fn stringify(value: &JsValue) -> Result<JsValue, Error> {
        json_stringify(value).map_err(|e| Error::invalid(thrown_message(&e)))
    }

    /// What a thrown value says, when it is an `Error` (never its stack or other properties).
    pub(crate) fn thrown_message(thrown: &JsValue) -> String {
        thrown
            .dyn_ref::<js_sys::Error>()
            .and_then(|e| Reflect::get(e, &"message".into()).ok())
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| "an exception was thrown".to_owned())
    }

    pub(super) fn kind(value: &JsValue) -> &'static str {
        if value.is_null() || value.is_undefined() {
            "null"
        } else if value.as_bool().is_some() {
            "boolean"
        } else if value.as_f64().is_some() {
            "number"
        } else if value.is_string() {
            "string"
        } else if value.is_function() {
            "function"
        } else if value.is_symbol() {
            "symbol"
        } else if value.is_bigint() {
            "bigint"
        } else if is_array(value).unwrap_or(false) {
            "array"
        } else {
            "object"
        }
    }

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = Object, js_name = getPrototypeOf, catch)]
        fn prototype_of(value: &JsValue) -> Result<JsValue, JsValue>;
    }

    /// Whether `value` is a plain object (`{}` or `Object.create(null)`) without `toJSON`: one
    /// `JSON.stringify` writes as an object of its own members. A Proxy that throws is not.
    pub(super) fn is_plain(value: &JsValue) -> bool {
        let Ok(prototype) = prototype_of(value) else {
            return false;
        };
        let plain_prototype = prototype.is_null()
            || prototype_of(&js_sys::Object::new())
                .is_ok_and(|object_prototype| object_prototype == prototype);
        plain_prototype
            && Reflect::get(value, &"toJSON".into()).is_ok_and(|to_json| to_json.is_undefined())
    }

    pub(super) fn member(value: &JsValue, key: &str) -> Option<JsValue> {
        if kind(value) != "object" {
            return None;
        }
        Reflect::get(value, &JsValue::from_str(key))
            .ok()
            .filter(|m| !m.is_undefined())
    }

    pub(super) fn items(value: &JsValue) -> Option<Vec<JsValue>> {
        if !is_array(value).ok()? {
            return None;
        }
        let length = Reflect::get(value, &"length".into()).ok()?.as_f64()? as u32;
        Some(
            (0..length)
                .map(|i| Reflect::get_u32(value, i).unwrap_or(JsValue::NULL))
                .collect(),
        )
    }

    pub(super) fn entries(value: &JsValue) -> Option<Vec<(String, JsValue)>> {
        if kind(value) != "object" {
            return None;
        }
        let keys = object_keys(value).ok()?;
        Some(
            keys.iter()
                .filter_map(|key| {
                    let member = Reflect::get(value, &key).ok()?;
                    Some((key.as_string()?, member))
                })
                .collect(),
        )
    }

    /// What can be read of `value` as plain data, as `JSON.stringify` would write it where it
    /// can: `toJSON` applied; functions, symbols and `undefined` members left out (`null` in
    /// arrays); and what makes `JSON.stringify` throw dropped instead: members whose getters
    /// (or `toJSON`) throw, `BigInt`s, a value met again inside itself (a cycle), anything deeper
    /// than [`MAX_DEPTH`]. Keys stay own data properties (`__proto__` included).
    pub(super) fn salvage(value: &JsValue) -> JsValue {
        copy(value, &mut Vec::new()).unwrap_or(JsValue::NULL)
    }

    /// [`salvage`] of one value below `ancestors`; `None` for what JSON leaves out.
    fn copy(value: &JsValue, ancestors: &mut Vec<JsValue>) -> Option<JsValue> {
        let to_json = match kind(value) {
            "object" | "array" => Reflect::get(value, &"toJSON".into()).ok(),
            _ => None,
        };
        if let Some(to_json) = to_json.and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
            let json = to_json.call1(value, &JsValue::from_str("")).ok()?;
            if !ancestors.contains(&json) && json != *value {
                return copy(&json, ancestors);
            }
        }
        match kind(value) {
            "null" => Some(JsValue::NULL),
            "boolean" | "string" => Some(value.clone()),
            "number" => Some(match value.as_f64().is_some_and(f64::is_finite) {
                true => value.clone(),
                false => JsValue::NULL,
            }),
            "array" | "object" => {
                if ancestors.len() >= MAX_DEPTH as usize || ancestors.iter().any(|a| a == value) {
                    return None;
                }
                ancestors.push(value.clone());
                let copied = match items(value) {
                    Some(items) => {
                        let array = Array::new();
                        for item in &items {
                            array.push(&copy(item, ancestors).unwrap_or(JsValue::NULL));
                        }
                        array.into()
                    }
                    None => {
                        let object = js_sys::Object::new();
                        for (key, member) in entries(value).unwrap_or_default() {
                            if let Some(member) = copy(&member, ancestors) {
                                define(&object, &key, &member);
                            }
                        }
                        object.into()
                    }
                };
                ancestors.pop();
                Some(copied)
            }
            _ => None,
        }
    }

    /// `object[key] = value` as an own data property, even for `__proto__`.
    fn define(object: &js_sys::Object, key: &str, value: &JsValue) {
        let descriptor = js_sys::Object::new();
        for flag in ["writable", "enumerable", "configurable"] {
            let _ = Reflect::set(&descriptor, &flag.into(), &JsValue::TRUE);
        }
        let _ = Reflect::set(&descriptor, &"value".into(), value);
        let _ = define_property(object, &JsValue::from_str(key), &descriptor);
    }
}

#[cfg(target_arch = "wasm32")]
pub(crate) use web::parse as parse_js;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_absent_or_mistyped_members_gives_none() {
        let v = Json::parse(r#"{"a":"x","n":2,"b":true,"l":[1,"y"],"o":{}}"#).unwrap();
        assert_eq!(v.get("a").and_then(|a| a.as_string()).as_deref(), Some("x"));
        assert_eq!(v.get("n").and_then(|n| n.as_f64()), Some(2.0));
        assert_eq!(v.get("b").and_then(|b| b.as_bool()), Some(true));
        assert_eq!(v.get("l").and_then(|l| l.items()).map(|i| i.len()), Some(2));
        assert!(v.get("missing").is_none());
        assert!(v.get("a").and_then(|a| a.get("x")).is_none());
        assert_eq!(
            ["a", "n", "b", "l", "o"].map(|k| v.get(k).unwrap().kind()),
            ["string", "number", "boolean", "array", "object"]
        );
        assert_eq!(v.entries().unwrap().len(), 5);
    }

    #[test]
    fn debug_never_shows_the_value() {
        let v = Json::from("public-sandbox-secret");
        assert_eq!(format!("{v:?}"), "Json(..)");
    }

    #[test]
    fn text_round_trips() {
        let v = Json::parse(r#"{"k":[null,1.5,"s"]}"#).unwrap();
        assert_eq!(v.to_json_string().unwrap(), r#"{"k":[null,1.5,"s"]}"#);
        assert!(Json::parse("nope").is_err());
    }
}

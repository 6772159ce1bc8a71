//! A small JSON value: the pass-through type for Plaid metadata, nested Quiltt inputs and
//! connection metadata.
//!
//! The bridge never parses JSON text itself: in the browser, values cross from JavaScript by a
//! walk over them with `js_sys` (`src/interop.rs`) and the browser's own `JSON` does the text
//! work, which keeps `serde_json` out of the wasm binary. [`Json`] implements `Serialize` and
//! `Deserialize`, so Rust users can build it from any serde data format they already have.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A JSON value. Objects keep their keys in the order they arrived.
///
/// # Examples
/// ```
/// use quiltt_reconnect::Json;
///
/// let metadata = Json::object([("plan", Json::from("gold")), ("seats", Json::from(3.0))]);
/// assert_eq!(metadata.get("plan").and_then(Json::as_str), Some("gold"));
/// assert!(metadata.is_object());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Json {
    /// `null`
    #[default]
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number (JSON numbers are IEEE doubles in the browser).
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, keys in arrival order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Builds an object from key/value pairs.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// let o = Json::object([("a", Json::Null)]);
    /// assert!(o.get("a").is_some());
    /// ```
    pub fn object<K: Into<String>>(entries: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// [`Json::object`] for the crate's own records: one copy of the code for every shape,
    /// where the generic one is compiled again for each array length.
    pub(crate) fn fields(entries: Vec<(&str, Json)>) -> Json {
        let mut object = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            object.push((key.to_owned(), value));
        }
        Json::Object(object)
    }

    /// The value under `key` when this is an object holding it.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// assert_eq!(Json::Null.get("a"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Moves the value under `key` out of this object, leaving `null` in its place; `null` when
    /// there is none. Decoders take big members (metadata) this way instead of cloning them.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// let mut o = Json::object([("a", Json::from("x"))]);
    /// assert_eq!(o.take("a"), Json::from("x"));
    /// assert_eq!(o.get("a"), Some(&Json::Null));
    /// assert_eq!(o.take("b"), Json::Null);
    /// ```
    pub fn take(&mut self, key: &str) -> Json {
        match self {
            Json::Object(entries) => entries
                .iter_mut()
                .find(|(k, _)| k == key)
                .map(|(_, v)| std::mem::take(v))
                .unwrap_or_default(),
            _ => Json::Null,
        }
    }

    /// The string, when this is a string.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// assert_eq!(Json::from("x").as_str(), Some("x"));
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, when this is one.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// assert_eq!(Json::Bool(true).as_bool(), Some(true));
    /// ```
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, when this is an array.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// assert_eq!(Json::Array(vec![]).as_array().map(<[Json]>::len), Some(0));
    /// ```
    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Whether this is `null`.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// assert!(Json::Null.is_null());
    /// ```
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// Whether this is an object.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// assert!(!Json::Null.is_object());
    /// ```
    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    /// The JSON type's name, for error messages (`"string"`, `"object"`, ...).
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::Json;
    /// assert_eq!(Json::Number(1.0).type_name(), "number");
    /// ```
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }
}

/// Converts a result type to the JSON JavaScript receives (the same shape as its `Serialize`
/// output). Hand-written rather than going through serde, to keep serde's machinery out of the
/// wasm binary; a test per type checks the two shapes agree.
///
/// # Examples
/// ```
/// use quiltt_reconnect::{Json, ReconnectResult, ToJson};
/// let exited = ReconnectResult::Exited { error: None, metadata: Json::Null };
/// assert_eq!(exited.to_json().get("outcome").and_then(Json::as_str), Some("exited"));
/// ```
pub trait ToJson {
    /// The value as JSON.
    fn to_json(&self) -> Json;

    /// The value as JSON, moving its members instead of copying them: what a result handed on
    /// to JavaScript uses, so a large `metadata` is never held twice.
    fn into_json(self) -> Json
    where
        Self: Sized,
    {
        self.to_json()
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Json {
        self.as_ref().map_or(Json::Null, ToJson::to_json)
    }
}

impl<T: ToJson> ToJson for [T] {
    fn to_json(&self) -> Json {
        Json::Array(self.iter().map(ToJson::to_json).collect())
    }
}

impl ToJson for String {
    fn to_json(&self) -> Json {
        Json::String(self.clone())
    }
}

impl ToJson for Json {
    fn to_json(&self) -> Json {
        self.clone()
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Self {
        Json::String(s.to_owned())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Self {
        Json::String(s)
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Self {
        Json::Bool(b)
    }
}

impl From<f64> for Json {
    fn from(n: f64) -> Self {
        Json::Number(n)
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(n) => serializer.serialize_f64(*n),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        Json::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Number(n as f64))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Number(n as f64))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
        Ok(Json::Number(n))
    }
    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries: Vec<(String, Json)> =
            Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Json::Object(entries))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Json, E> {
        Err(E::custom("binary data is not JSON"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_serde_keeping_key_order() {
        let text = r#"{"z":1,"a":[true,null,"s",{"k":2.5}],"m":{}}"#;
        let value: Json = serde_json::from_str(text).unwrap();
        assert_eq!(value.get("z"), Some(&Json::Number(1.0)));
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            r#"{"z":1.0,"a":[true,null,"s",{"k":2.5}],"m":{}}"#
        );
    }

    #[test]
    fn accessors_answer_none_for_other_types() {
        let n = Json::Number(2.0);
        assert_eq!(n.as_str(), None);
        assert_eq!(n.as_bool(), None);
        assert_eq!(n.as_array(), None);
        assert_eq!(n.get("x"), None);
        assert_eq!(Json::from(true).type_name(), "boolean");
    }
}

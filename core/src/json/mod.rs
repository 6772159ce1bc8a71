//! [`Json`]: a JSON value the bridge reads from or passes through without copying it, whatever
//! the host keeps it as.
//!
//! The core reads values through the [`Value`] trait and makes them through the host's
//! [`Backend`]: in the browser (the `quiltt-reconnect` crate) a value is the JavaScript value
//! itself, read by exception-proof bindings, and `JSON.parse`/`JSON.stringify` do the text work;
//! natively (the `serde_json` feature, on by default) it is a `serde_json::Value`. A host
//! installs its backend once with [`install`]; scalars and `null` need none.

mod build;
#[cfg(feature = "serde_json")]
mod native;
mod scalar;

use std::any::Any;
use std::fmt;
use std::rc::Rc;
use std::sync::OnceLock;

use serde::Serialize;

use crate::error::Error;
#[cfg(feature = "serde_json")]
pub use native::NativeBackend;
use scalar::Scalar;

/// What kind of value a [`Json`] is; its `Display` is the name messages use (`null`, `boolean`,
/// `number`, `string`, `array`, `object`, or, of a JavaScript value, `function`, `symbol`,
/// `bigint`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// `null` (or JavaScript's `undefined`).
    Null,
    /// `true` or `false`.
    Boolean,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object: not `null`, not an array, not a function.
    Object,
    /// A JavaScript function (no JSON).
    Function,
    /// A JavaScript symbol (no JSON).
    Symbol,
    /// A JavaScript `BigInt` (no JSON).
    BigInt,
}

impl Kind {
    /// The kind's name, as messages say it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Boolean => "boolean",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Array => "array",
            Kind::Object => "object",
            Kind::Function => "function",
            Kind::Symbol => "symbol",
            Kind::BigInt => "bigint",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A host's JSON value, as the core reads it. Reading never fails loudly: what can't be read
/// reads as missing.
pub trait Value: Any {
    /// What kind of value this is.
    fn kind(&self) -> Kind;
    /// The text, when this is a string.
    fn as_string(&self) -> Option<String>;
    /// The boolean, when this is one.
    fn as_bool(&self) -> Option<bool>;
    /// The number, when this is one.
    fn as_f64(&self) -> Option<f64>;
    /// Whether this is a string Rust text holds without loss (no lone UTF-16 surrogate).
    fn is_well_formed_text(&self) -> bool {
        self.kind() == Kind::String
    }
    /// The member `key` of an object; `None` when missing, `undefined` or unreadable.
    fn get(&self, key: &str) -> Option<Json>;
    /// The elements, when this is an array (unreadable elements are `null`).
    fn items(&self) -> Option<Vec<Json>>;
    /// The own enumerable members of an object, in their order.
    fn entries(&self) -> Option<Vec<(String, Json)>>;
    /// The value's JSON text.
    ///
    /// # Errors
    /// `INVALID_INPUT` when the value can't be written as JSON.
    fn to_json_string(&self) -> Result<String, Error>;
    /// The value's JSON text as a string value of the host (in the browser a JavaScript string,
    /// never copied into wasm memory).
    ///
    /// # Errors
    /// As [`Value::to_json_string`].
    fn stringified(&self) -> Result<Json, Error> {
        self.to_json_string().map(Json::from)
    }
    /// A plain-data copy, as `JSON.parse(JSON.stringify(value))` makes it.
    ///
    /// # Errors
    /// `INVALID_INPUT` naming `what` when the value can't be written as JSON.
    fn snapshot(&self, what: &str) -> Result<Json, Error>;
    /// What can be read of the value as plain data, when [`Value::snapshot`] fails.
    fn salvage(&self) -> Json {
        Json::null()
    }
    /// Whether this object is written by `JSON.stringify` as an object of its own members
    /// (a plain object without `toJSON`).
    fn is_plain(&self) -> bool {
        true
    }
    /// Whether `other` is this very value (JavaScript's `===`; natively, equal data).
    fn same(&self, other: &Json) -> bool;
    /// The value as `Any`, for the host to take its own kind back.
    fn as_any(&self) -> &dyn Any;
    /// How the host's serializer takes this very value, when one is serializing now: a
    /// newtype struct of this name holding this number (in the browser, serde-wasm-bindgen's
    /// way of passing a JavaScript value through). `None` (the default): the value serializes as
    /// its data.
    fn serde_handle(&self) -> Option<(&'static str, u32)> {
        None
    }
}

/// How a host makes values from text and from Rust data.
pub trait Backend: Sync {
    /// Parses JSON text.
    ///
    /// # Errors
    /// `INVALID_INPUT` when `text` is not JSON.
    fn parse(&self, text: &str) -> Result<Json, Error>;
    /// A string.
    fn string(&self, text: &str) -> Json;
    /// A number (finite).
    fn number(&self, n: f64) -> Json;
    /// `true` or `false`.
    fn boolean(&self, b: bool) -> Json;
    /// An array of `items`.
    fn array(&self, items: Vec<Json>) -> Json;
    /// An object of `members`, in their order, each an own data property (`__proto__`
    /// included).
    fn object(&self, members: Vec<(String, Json)>) -> Json;
}

static BACKEND: OnceLock<&'static dyn Backend> = OnceLock::new();

/// Installs the host's backend (once: a later call changes nothing and returns `false`).
pub fn install(backend: &'static dyn Backend) -> bool {
    BACKEND.set(backend).is_ok()
}

/// The installed backend, or the native one (feature `serde_json`).
fn backend() -> Result<&'static dyn Backend, Error> {
    if let Some(installed) = BACKEND.get() {
        return Ok(*installed);
    }
    #[cfg(feature = "serde_json")]
    return Ok(&NativeBackend);
    #[cfg(not(feature = "serde_json"))]
    Err(Error::invalid(
        "no JSON backend: the browser crate installs one when a Client or QuilttReconnect is made",
    ))
}

/// A JSON value: the host's value (passed through as it is), `null`, or a scalar made in Rust.
///
/// Its `Debug` never prints the value (metadata may hold anything). It serializes as itself
/// with the host's serializer (in the browser serde-wasm-bindgen's; [`Json::to_json_string`]
/// gives its text), and equality is the host's (JavaScript's `===` in the browser).
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::Json;
/// let metadata = Json::parse(r#"{"tier":"gold","seats":3}"#).unwrap();
/// assert_eq!(metadata.get("tier").and_then(|t| t.as_string()).as_deref(), Some("gold"));
/// assert!(metadata.is_object());
/// ```
#[derive(Clone, Default)]
pub struct Json(Option<Rc<dyn Value>>);

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Json(..)")
    }
}

impl PartialEq for Json {
    fn eq(&self, other: &Self) -> bool {
        match &self.0 {
            None => other.is_null(),
            Some(value) => value.same(other),
        }
    }
}

impl From<&str> for Json {
    fn from(text: &str) -> Self {
        Json::of(Scalar::Text(text.to_owned()))
    }
}

impl From<String> for Json {
    fn from(text: String) -> Self {
        Json::of(Scalar::Text(text))
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Self {
        Json::of(Scalar::Bool(b))
    }
}

impl From<f64> for Json {
    fn from(n: f64) -> Self {
        Json::of(Scalar::Number(n))
    }
}

impl Json {
    /// `null`.
    ///
    /// # Examples
    /// ```
    /// assert!(quiltt_reconnect_core::Json::null().is_null());
    /// ```
    pub const fn null() -> Json {
        Json(None)
    }

    /// A host's value.
    pub fn of(value: impl Value) -> Json {
        Json(Some(Rc::new(value)))
    }

    /// The host's value of kind `T`, when this is one.
    pub fn downcast_ref<T: Value>(&self) -> Option<&T> {
        self.0.as_deref()?.as_any().downcast_ref()
    }

    /// Parses JSON text (with the browser's `JSON.parse` in the browser).
    ///
    /// # Errors
    /// `INVALID_INPUT` when `text` is not JSON.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect_core::Json;
    /// assert!(Json::parse("[1, 2]").is_ok());
    /// assert!(Json::parse("{").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Json, Error> {
        backend()?.parse(text)
    }

    /// Converts any serde value (in the browser with serde-wasm-bindgen's JSON-compatible
    /// serializer: plain objects and `null`).
    ///
    /// # Errors
    /// `INVALID_INPUT` when the value has no JSON form.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect_core::Json;
    /// let seats = Json::from_serde(&3_u32).unwrap();
    /// assert_eq!(seats.as_f64(), Some(3.0));
    /// ```
    pub fn from_serde<T: Serialize + ?Sized>(value: &T) -> Result<Json, Error> {
        build::build(backend()?, value)
    }

    /// The value as JSON text, as `JSON.stringify` writes it.
    ///
    /// # Errors
    /// `INVALID_INPUT` when the value can't be written as JSON (a cycle, a `BigInt`, a getter
    /// or Proxy trap that throws, or no JSON at all, such as a function).
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect_core::Json;
    /// assert_eq!(Json::from("a").to_json_string().unwrap(), r#""a""#);
    /// ```
    pub fn to_json_string(&self) -> Result<String, Error> {
        match &self.0 {
            None => Ok("null".to_owned()),
            Some(value) => value.to_json_string(),
        }
    }

    /// The value's JSON text, as a string value (in the browser a JavaScript string, never
    /// copied into wasm memory).
    ///
    /// # Errors
    /// As [`Json::to_json_string`].
    pub fn stringified(&self) -> Result<Json, Error> {
        match &self.0 {
            None => Ok(Json::from("null")),
            Some(value) => value.stringified(),
        }
    }

    /// What kind of value this is.
    pub fn kind(&self) -> Kind {
        self.0.as_deref().map_or(Kind::Null, Value::kind)
    }

    /// Whether this is `null` (or, in the browser, `undefined`).
    pub fn is_null(&self) -> bool {
        self.kind() == Kind::Null
    }

    /// Whether this is an object: not `null`, not an array, not a function.
    pub fn is_object(&self) -> bool {
        self.kind() == Kind::Object
    }

    /// The member `key` of an object; `None` when this is not an object, the member is missing
    /// or `undefined`, or reading it threw.
    pub fn get(&self, key: &str) -> Option<Json> {
        self.0.as_deref()?.get(key)
    }

    /// The text, when this is a string.
    pub fn as_string(&self) -> Option<String> {
        self.0.as_deref()?.as_string()
    }

    /// Whether this is a string of well-formed Unicode (no lone UTF-16 surrogate), which Rust
    /// text can hold without loss.
    pub fn is_well_formed_text(&self) -> bool {
        self.0.as_deref().is_some_and(Value::is_well_formed_text)
    }

    /// The boolean, when this is one.
    pub fn as_bool(&self) -> Option<bool> {
        self.0.as_deref()?.as_bool()
    }

    /// The number, when this is one.
    pub fn as_f64(&self) -> Option<f64> {
        self.0.as_deref()?.as_f64()
    }

    /// The elements, when this is an array (elements that can't be read are `null`).
    pub fn items(&self) -> Option<Vec<Json>> {
        self.0.as_deref()?.items()
    }

    /// The own enumerable members of an object, in their order.
    pub fn entries(&self) -> Option<Vec<(String, Json)>> {
        self.0.as_deref()?.entries()
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
    /// use quiltt_reconnect_core::Json;
    /// let copy = Json::parse(r#"{"a":[1]}"#).unwrap().snapshot("metadata").unwrap();
    /// assert!(copy.get("a").is_some());
    /// ```
    pub fn snapshot(&self, what: &str) -> Result<Json, Error> {
        match &self.0 {
            None => Ok(Json::null()),
            Some(value) => value.snapshot(what),
        }
    }

    /// A plain-data copy of a value the bridge must not lose (Link's success metadata): its
    /// [`Json::snapshot`], or, when that throws, what can be read of it (cycles, functions and
    /// members whose getters throw are left out).
    pub fn salvage(&self) -> Json {
        match (self.snapshot("the value"), &self.0) {
            (Ok(copy), _) => copy,
            (Err(_), Some(value)) => value.salvage(),
            (Err(_), None) => Json::null(),
        }
    }

    /// This value with every occurrence of any of `secrets` in its JSON text replaced by
    /// `[redacted]`: the value itself when none occurs, else a plain-data copy.
    pub fn redacted(&self, secrets: &[&str]) -> Json {
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
    pub fn json_object_or_null(&self, what: &str) -> Result<Json, Error> {
        let refused = |kind: &dyn fmt::Display| {
            Err(Error::invalid(format!(
                "{what} must be an object (or null), got {kind}"
            )))
        };
        let value = match (self.kind(), &self.0) {
            (Kind::Null, _) | (_, None) => return Ok(Json::null()),
            (Kind::Object, Some(value)) => value,
            (other, _) => return refused(&other),
        };
        if value.is_plain() {
            return Ok(self.clone());
        }
        let copy = self.snapshot(what)?;
        match copy.kind() {
            Kind::Object | Kind::Null => Ok(copy),
            other => refused(&format_args!("{other} once written as JSON")),
        }
    }
}

#[cfg(all(test, feature = "serde_json"))]
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
            [
                Kind::String,
                Kind::Number,
                Kind::Boolean,
                Kind::Array,
                Kind::Object
            ]
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

    #[test]
    fn scalars_made_in_rust_equal_the_parsed_ones() {
        assert_eq!(Json::from("a"), Json::parse(r#""a""#).unwrap());
        assert_eq!(Json::parse("2").unwrap(), Json::from(2.0));
        assert_eq!(Json::from(true), Json::parse("true").unwrap());
        assert_ne!(Json::from("2"), Json::from(2.0));
        assert_eq!(Json::null(), Json::parse("null").unwrap());
        assert_eq!(Json::from("é\"").to_json_string().unwrap(), r#""é\"""#);
    }
}

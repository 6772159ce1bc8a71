//! The page's JSON backend: a [`Json`] here is the JavaScript value itself (app metadata, Plaid's
//! metadata and the replies' records cross as they are), `JSON.parse` and `JSON.stringify` do
//! the text work, and a result handed back to JavaScript holds the very object the reply held.
//!
//! Reading is exception-proof: every JavaScript operation that can throw (a getter, a Proxy
//! trap, a revoked Proxy) is bound with `catch` (`web::bindings`), so no JavaScript exception
//! crosses a wasm frame. What can't be read reads as missing, and [`Json::snapshot`] turns an
//! app's value into plain data first, where every throw becomes an `INVALID_INPUT` error.

use std::any::Any;
use std::cell::Cell;

use js_sys::{Array, Reflect};
use quiltt_reconnect_core::json::{install, Backend, Value};
use quiltt_reconnect_core::{Error, Json, Kind};
use serde::Serialize;
use wasm_bindgen::convert::IntoWasmAbi;
use wasm_bindgen::{JsCast, JsValue};

use super::bindings::{
    define_property, is_array, json_parse, json_stringify, object_keys, prototype_of,
};

/// Deeper values are cut off where a walk over them is needed (cycles never end).
const MAX_DEPTH: u32 = 512;

/// The page's backend: values are JavaScript values.
struct PageBackend;

static PAGE: PageBackend = PageBackend;

/// Installs the page's backend (idempotent; every entry point of the crate calls it).
pub(crate) fn use_page_json() {
    install(&PAGE);
}

thread_local! {
    /// Whether serde-wasm-bindgen is serializing (then a page value passes as itself).
    static TO_JS: Cell<bool> = const { Cell::new(false) };
    /// The newtype-struct name under which serde-wasm-bindgen passes a JavaScript value through
    /// (`serde_wasm_bindgen::preserve`), learned from it once; `None` if it takes none.
    static PRESERVE: Cell<Option<Option<&'static str>>> = const { Cell::new(None) };
}

/// The name `serde_wasm_bindgen::preserve::serialize` hands its serializer, asked of it once
/// through a serializer that only notes that name.
fn preserve_name() -> Option<&'static str> {
    if let Some(known) = PRESERVE.with(Cell::get) {
        return known;
    }
    let name = serde_wasm_bindgen::preserve::serialize(&JsValue::NULL, NameOnly).ok();
    PRESERVE.with(|p| p.set(Some(name)));
    name
}

/// A serializer that takes only a newtype struct, and gives its name.
struct NameOnly;

impl serde::Serializer for NameOnly {
    type Ok = &'static str;
    type Error = serde::de::value::Error;
    type SerializeSeq = serde::ser::Impossible<&'static str, Self::Error>;
    type SerializeTuple = serde::ser::Impossible<&'static str, Self::Error>;
    type SerializeTupleStruct = serde::ser::Impossible<&'static str, Self::Error>;
    type SerializeTupleVariant = serde::ser::Impossible<&'static str, Self::Error>;
    type SerializeMap = serde::ser::Impossible<&'static str, Self::Error>;
    type SerializeStruct = serde::ser::Impossible<&'static str, Self::Error>;
    type SerializeStructVariant = serde::ser::Impossible<&'static str, Self::Error>;

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _: &T,
    ) -> Result<&'static str, Self::Error> {
        Ok(name)
    }

    fn serialize_bool(self, _: bool) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_i8(self, _: i8) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_i16(self, _: i16) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_i32(self, _: i32) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_i64(self, _: i64) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_u8(self, _: u8) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_u16(self, _: u16) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_u32(self, _: u32) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_u64(self, _: u64) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_f32(self, _: f32) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_f64(self, _: f64) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_char(self, _: char) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_str(self, _: &str) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_none(self) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_unit(self) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Self::Error> {
        Err(not_a_newtype())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Self::Error> {
        Err(not_a_newtype())
    }
}

fn not_a_newtype() -> serde::de::value::Error {
    serde::ser::Error::custom("not a newtype struct")
}

/// `value` as a JavaScript value, with serde-wasm-bindgen's JSON-compatible serializer (plain
/// objects and `null`); the page's own values inside pass as themselves.
///
/// # Errors
/// `INVALID_INPUT` when the value has no JSON form.
pub(crate) fn to_js_value<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, Error> {
    let outer = TO_JS.with(|flag| flag.replace(true));
    let converted = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible());
    TO_JS.with(|flag| flag.set(outer));
    converted.map_err(|e| Error::invalid(e.to_string()))
}

/// The JavaScript value of `json`.
pub(crate) fn to_js(json: &Json) -> JsValue {
    match json.downcast_ref::<PageValue>() {
        Some(PageValue(value)) => value.clone(),
        None if json.is_null() => JsValue::NULL,
        None => to_js_value(json).unwrap_or(JsValue::NULL),
    }
}

/// `value` as a [`Json`].
pub(crate) fn from_js(value: JsValue) -> Json {
    match value.is_null() || value.is_undefined() {
        true => Json::null(),
        false => Json::of(PageValue(value)),
    }
}

impl Backend for PageBackend {
    fn parse(&self, text: &str) -> Result<Json, Error> {
        json_parse(&JsValue::from_str(text))
            .map(from_js)
            .map_err(|_| Error::invalid("the text is not JSON"))
    }

    fn string(&self, text: &str) -> Json {
        from_js(JsValue::from_str(text))
    }

    fn number(&self, n: f64) -> Json {
        from_js(JsValue::from_f64(n))
    }

    fn boolean(&self, b: bool) -> Json {
        from_js(JsValue::from_bool(b))
    }

    fn array(&self, items: Vec<Json>) -> Json {
        let array = Array::new_with_length(items.len() as u32);
        for (i, item) in items.iter().enumerate() {
            array.set(i as u32, to_js(item));
        }
        from_js(array.into())
    }

    fn object(&self, members: Vec<(String, Json)>) -> Json {
        let object = js_sys::Object::new();
        for (key, member) in &members {
            define(&object, key, &to_js(member));
        }
        from_js(object.into())
    }
}

/// A JavaScript value held by a [`Json`].
struct PageValue(JsValue);

impl Value for PageValue {
    fn kind(&self) -> Kind {
        kind(&self.0)
    }

    fn as_string(&self) -> Option<String> {
        self.0.as_string()
    }

    fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }

    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }

    fn is_well_formed_text(&self) -> bool {
        self.0
            .dyn_ref::<js_sys::JsString>()
            .is_some_and(|s| s.is_valid_utf16())
    }

    fn get(&self, key: &str) -> Option<Json> {
        if kind(&self.0) != Kind::Object {
            return None;
        }
        Reflect::get(&self.0, &JsValue::from_str(key))
            .ok()
            .filter(|m| !m.is_undefined())
            .map(from_js)
    }

    fn items(&self) -> Option<Vec<Json>> {
        Some(items(&self.0)?.into_iter().map(from_js).collect())
    }

    fn entries(&self) -> Option<Vec<(String, Json)>> {
        Some(
            entries(&self.0)?
                .into_iter()
                .map(|(key, value)| (key, from_js(value)))
                .collect(),
        )
    }

    fn to_json_string(&self) -> Result<String, Error> {
        stringify(&self.0)?
            .as_string()
            .ok_or_else(|| Error::invalid("the value is not JSON text"))
    }

    fn stringified(&self) -> Result<Json, Error> {
        let text = stringify(&self.0)?;
        match text.is_string() {
            true => Ok(Json::of(PageValue(text))),
            false => Err(Error::invalid(format!("{} is not JSON", self.kind()))),
        }
    }

    fn snapshot(&self, what: &str) -> Result<Json, Error> {
        let text = stringify(&self.0)
            .map_err(|e| Error::invalid(format!("{what} can't be read as JSON: {e}")))?;
        if text.is_undefined() {
            return Ok(Json::null());
        }
        json_parse(&text)
            .map(from_js)
            .map_err(|_| Error::invalid(format!("{what} can't be read as JSON")))
    }

    fn salvage(&self) -> Json {
        from_js(copy(&self.0, &mut Vec::new()).unwrap_or(JsValue::NULL))
    }

    fn is_plain(&self) -> bool {
        is_plain(&self.0)
    }

    fn same(&self, other: &Json) -> bool {
        to_js(other) == self.0
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn serde_handle(&self) -> Option<(&'static str, u32)> {
        // Only serde-wasm-bindgen takes the handle (the value itself, no copy, nothing rebuilt);
        // another serializer gets the value's data.
        if !TO_JS.with(Cell::get) {
            return None;
        }
        Some((preserve_name()?, (&self.0).into_abi()))
    }
}

/// `JSON.stringify(value)`: a string, or `undefined` for what JSON can't hold.
///
/// # Errors
/// The exception's message when it throws.
fn stringify(value: &JsValue) -> Result<JsValue, Error> {
    json_stringify(value).map_err(|e| Error::invalid(thrown_message(&e)))
}

/// `JSON.parse` of a JavaScript string, without copying it through Rust.
pub(crate) fn parse_js(text: &JsValue) -> Result<JsValue, JsValue> {
    json_parse(text)
}

/// What a thrown value says, when it is an `Error` (never its stack or other properties).
pub(crate) fn thrown_message(thrown: &JsValue) -> String {
    thrown
        .dyn_ref::<js_sys::Error>()
        .and_then(|e| Reflect::get(e, &"message".into()).ok())
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "an exception was thrown".to_owned())
}

fn kind(value: &JsValue) -> Kind {
    if value.is_null() || value.is_undefined() {
        Kind::Null
    } else if value.as_bool().is_some() {
        Kind::Boolean
    } else if value.as_f64().is_some() {
        Kind::Number
    } else if value.is_string() {
        Kind::String
    } else if value.is_function() {
        Kind::Function
    } else if value.is_symbol() {
        Kind::Symbol
    } else if value.is_bigint() {
        Kind::BigInt
    } else if is_array(value).unwrap_or(false) {
        Kind::Array
    } else {
        Kind::Object
    }
}

/// Whether `value` is a plain object (`{}` or `Object.create(null)`) without `toJSON`: one
/// `JSON.stringify` writes as an object of its own members. A Proxy that throws is not.
fn is_plain(value: &JsValue) -> bool {
    let Ok(prototype) = prototype_of(value) else {
        return false;
    };
    let plain_prototype = prototype.is_null()
        || prototype_of(&js_sys::Object::new())
            .is_ok_and(|object_prototype| object_prototype == prototype);
    plain_prototype
        && Reflect::get(value, &"toJSON".into()).is_ok_and(|to_json| to_json.is_undefined())
}

fn items(value: &JsValue) -> Option<Vec<JsValue>> {
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

fn entries(value: &JsValue) -> Option<Vec<(String, JsValue)>> {
    if kind(value) != Kind::Object {
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

/// This object without its member `key`, deleted from this very object, which must be the
/// bridge's own (such as a snapshot).
#[cfg(feature = "js")]
pub(crate) fn without(json: Json, key: &str) -> Json {
    if let Some(PageValue(value)) = json.downcast_ref::<PageValue>() {
        let object: &js_sys::Object = value.unchecked_ref();
        let _ = Reflect::delete_property(object, &key.into());
    }
    json
}

/// What can be read of `value` as plain data, as `JSON.stringify` would write it where it can:
/// `toJSON` applied; functions, symbols and `undefined` members left out (`null` in arrays); and
/// what makes `JSON.stringify` throw dropped instead: members whose getters (or `toJSON`)
/// throw, `BigInt`s, a value met again inside itself (a cycle), anything deeper than
/// [`MAX_DEPTH`]. Keys stay own data properties (`__proto__` included). `None` for what JSON
/// leaves out.
fn copy(value: &JsValue, ancestors: &mut Vec<JsValue>) -> Option<JsValue> {
    let to_json = match kind(value) {
        Kind::Object | Kind::Array => Reflect::get(value, &"toJSON".into()).ok(),
        _ => None,
    };
    if let Some(to_json) = to_json.and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
        let json = to_json.call1(value, &JsValue::from_str("")).ok()?;
        if !ancestors.contains(&json) && json != *value {
            return copy(&json, ancestors);
        }
    }
    match kind(value) {
        Kind::Null => Some(JsValue::NULL),
        Kind::Boolean | Kind::String => Some(value.clone()),
        Kind::Number => Some(match value.as_f64().is_some_and(f64::is_finite) {
            true => value.clone(),
            false => JsValue::NULL,
        }),
        Kind::Array | Kind::Object => {
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

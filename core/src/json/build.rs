//! [`Json::from_serde`]: a serde serializer that builds a value with the installed backend's
//! constructors, and [`Json`]'s own `Serialize`.
//!
//! Written here rather than taken from a crate: the core can't name the host's serializer, and
//! erasing it (erased-serde) cost 19 KB of the wasm build, measured (`twiggy top` of the release
//! module), for every `Serialize` compiled twice. With this one serializer every `Serialize` of
//! the core is compiled once, and a [`Json`] inside a serialized value is embedded as it is,
//! never copied.

use std::cell::RefCell;
use std::fmt;

use serde::ser::{self, Serialize, SerializeMap, SerializeSeq, Serializer};

use super::{Backend, Json, Kind};
use crate::error::Error;

/// The newtype-struct name under which a [`Json`] hands itself to [`Builder`].
const EMBEDDED: &str = "quiltt_reconnect_core::Json";

thread_local! {
    /// The values [`Json::serialize`] handed to the builder running now, by index.
    static EMBEDDING: RefCell<Option<Vec<Json>>> = const { RefCell::new(None) };
}

/// `value` built by `backend`.
pub(super) fn build<T: Serialize + ?Sized>(
    backend: &dyn Backend,
    value: &T,
) -> Result<Json, Error> {
    let outer = EMBEDDING.with(|e| e.replace(Some(Vec::new())));
    let built = value.serialize(Builder { backend });
    EMBEDDING.with(|e| *e.borrow_mut() = outer);
    built.map_err(|e| Error::invalid(e.0))
}

/// Why a value has no JSON form.
#[derive(Debug)]
pub(super) struct BuildError(String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

impl ser::Error for BuildError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        BuildError(message.to_string())
    }
}

impl Serialize for Json {
    /// Inside [`Json::from_serde`], the value itself; with the host's serializer, the host's
    /// handle of it ([`super::Value::serde_handle`]: in the browser serde-wasm-bindgen takes the
    /// JavaScript value itself); with any other serializer, its data.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(value) = self.0.as_deref() else {
            return serializer.serialize_unit();
        };
        let stashed = EMBEDDING.with(|e| {
            e.borrow_mut().as_mut().map(|stash| {
                stash.push(self.clone());
                stash.len() - 1
            })
        });
        if let Some(index) = stashed {
            return serializer.serialize_newtype_struct(EMBEDDED, &index);
        }
        if let Some((name, handle)) = value.serde_handle() {
            return serializer.serialize_newtype_struct(name, &handle);
        }
        serialize_data(self, serializer)
    }
}

/// A value's data, for a serializer that is neither [`Builder`] nor the host's (natively,
/// serde_json's). Without the native backend only scalars do: an array or object serializes
/// only into [`Json::from_serde`] or with the host's serializer (the browser's:
/// serde-wasm-bindgen), and another serializer gets an error saying so.
fn serialize_data<S: Serializer>(json: &Json, serializer: S) -> Result<S::Ok, S::Error> {
    match json.kind() {
        Kind::Boolean => serializer.serialize_bool(json.as_bool().unwrap_or_default()),
        Kind::Number => serializer.serialize_f64(json.as_f64().unwrap_or_default()),
        Kind::String => serializer.serialize_str(&json.as_string().unwrap_or_default()),
        #[cfg(feature = "serde_json")]
        Kind::Array => {
            let items = json.items().unwrap_or_default();
            let mut seq = serializer.serialize_seq(Some(items.len()))?;
            for item in &items {
                seq.serialize_element(item)?;
            }
            seq.end()
        }
        #[cfg(feature = "serde_json")]
        Kind::Object => {
            let entries = json.entries().unwrap_or_default();
            let mut map = serializer.serialize_map(Some(entries.len()))?;
            for (key, member) in &entries {
                map.serialize_entry(key, member)?;
            }
            map.end()
        }
        #[cfg(not(feature = "serde_json"))]
        Kind::Array | Kind::Object => Err(ser::Error::custom(
            "a Json serializes with serde-wasm-bindgen in the browser; use Json::to_json_string for its text",
        )),
        _ => serializer.serialize_unit(),
    }
}

/// Serializes into a [`Json`] made by `backend`.
struct Builder<'a> {
    backend: &'a dyn Backend,
}

impl<'a> Builder<'a> {
    fn text(&self, text: &str) -> Json {
        self.backend.string(text)
    }

    fn number(&self, n: f64) -> Json {
        match n.is_finite() {
            true => self.backend.number(n),
            false => Json::null(),
        }
    }
}

impl<'a> Serializer for Builder<'a> {
    type Ok = Json;
    type Error = BuildError;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Variant<'a, Seq<'a>>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = Map<'a>;
    type SerializeStructVariant = Variant<'a, Map<'a>>;

    fn serialize_bool(self, v: bool) -> Result<Json, BuildError> {
        Ok(self.backend.boolean(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Json, BuildError> {
        Ok(self.number(f64::from(v)))
    }
    fn serialize_i16(self, v: i16) -> Result<Json, BuildError> {
        Ok(self.number(f64::from(v)))
    }
    fn serialize_i32(self, v: i32) -> Result<Json, BuildError> {
        Ok(self.number(f64::from(v)))
    }
    fn serialize_i64(self, v: i64) -> Result<Json, BuildError> {
        Ok(self.number(v as f64))
    }
    fn serialize_u8(self, v: u8) -> Result<Json, BuildError> {
        Ok(self.number(f64::from(v)))
    }
    fn serialize_u16(self, v: u16) -> Result<Json, BuildError> {
        Ok(self.number(f64::from(v)))
    }
    fn serialize_u32(self, v: u32) -> Result<Json, BuildError> {
        Ok(self.number(f64::from(v)))
    }
    fn serialize_u64(self, v: u64) -> Result<Json, BuildError> {
        Ok(self.number(v as f64))
    }
    fn serialize_f32(self, v: f32) -> Result<Json, BuildError> {
        Ok(self.number(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> Result<Json, BuildError> {
        Ok(self.number(v))
    }
    fn serialize_char(self, v: char) -> Result<Json, BuildError> {
        Ok(self.text(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result<Json, BuildError> {
        Ok(self.text(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Json, BuildError> {
        let items = v.iter().map(|b| self.number(f64::from(*b))).collect();
        Ok(self.backend.array(items))
    }
    fn serialize_none(self) -> Result<Json, BuildError> {
        Ok(Json::null())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Json, BuildError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Json, BuildError> {
        Ok(Json::null())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Json, BuildError> {
        Ok(Json::null())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Json, BuildError> {
        Ok(self.text(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Json, BuildError> {
        if name != EMBEDDED {
            return value.serialize(self);
        }
        // The stash index, as a number.
        let index = value.serialize(Builder {
            backend: self.backend,
        })?;
        let index = index.as_f64().unwrap_or(-1.0);
        EMBEDDING
            .with(|e| {
                let stash = e.borrow();
                let stash = stash.as_ref()?;
                (index >= 0.0).then(|| stash.get(index as usize).cloned())?
            })
            .ok_or_else(|| BuildError("a value went missing while it was built".into()))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Json, BuildError> {
        let backend = self.backend;
        let inner = value.serialize(self)?;
        Ok(backend.object(vec![(variant.to_owned(), inner)]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq<'a>, BuildError> {
        Ok(Seq {
            backend: self.backend,
            items: Vec::with_capacity(len.unwrap_or(0)),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, BuildError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'a>, BuildError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<'a, Seq<'a>>, BuildError> {
        let backend = self.backend;
        Ok(Variant {
            variant,
            inner: self.serialize_seq(Some(len))?,
            backend,
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Map<'a>, BuildError> {
        Ok(Map {
            backend: self.backend,
            members: Vec::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Map<'a>, BuildError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<'a, Map<'a>>, BuildError> {
        let backend = self.backend;
        Ok(Variant {
            variant,
            inner: self.serialize_map(Some(len))?,
            backend,
        })
    }
}

/// An array being built.
pub(super) struct Seq<'a> {
    backend: &'a dyn Backend,
    items: Vec<Json>,
}

impl SerializeSeq for Seq<'_> {
    type Ok = Json;
    type Error = BuildError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BuildError> {
        let backend = self.backend;
        self.items.push(value.serialize(Builder { backend })?);
        Ok(())
    }

    fn end(self) -> Result<Json, BuildError> {
        Ok(self.backend.array(self.items))
    }
}

impl ser::SerializeTuple for Seq<'_> {
    type Ok = Json;
    type Error = BuildError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BuildError> {
        SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Json, BuildError> {
        SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Seq<'_> {
    type Ok = Json;
    type Error = BuildError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BuildError> {
        SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Json, BuildError> {
        SerializeSeq::end(self)
    }
}

/// An object being built; `None` members (skipped fields aside) are kept as `null`.
pub(super) struct Map<'a> {
    backend: &'a dyn Backend,
    members: Vec<(String, Json)>,
    key: Option<String>,
}

impl SerializeMap for Map<'_> {
    type Ok = Json;
    type Error = BuildError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), BuildError> {
        let backend = self.backend;
        let key = key.serialize(Builder { backend })?;
        match key.as_string() {
            Some(key) => {
                self.key = Some(key);
                Ok(())
            }
            None => Err(BuildError(format!(
                "a map key must be a string, not {}",
                key.kind()
            ))),
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BuildError> {
        let backend = self.backend;
        let key = self.key.take().unwrap_or_default();
        self.members
            .push((key, value.serialize(Builder { backend })?));
        Ok(())
    }

    fn end(self) -> Result<Json, BuildError> {
        Ok(self.backend.object(self.members))
    }
}

impl ser::SerializeStruct for Map<'_> {
    type Ok = Json;
    type Error = BuildError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), BuildError> {
        let backend = self.backend;
        self.members
            .push((key.to_owned(), value.serialize(Builder { backend })?));
        Ok(())
    }

    fn end(self) -> Result<Json, BuildError> {
        SerializeMap::end(self)
    }
}

/// An enum variant with data: `{ "Variant": … }`.
pub(super) struct Variant<'a, T> {
    variant: &'static str,
    inner: T,
    backend: &'a dyn Backend,
}

impl ser::SerializeTupleVariant for Variant<'_, Seq<'_>> {
    type Ok = Json;
    type Error = BuildError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BuildError> {
        SerializeSeq::serialize_element(&mut self.inner, value)
    }

    fn end(self) -> Result<Json, BuildError> {
        let inner = SerializeSeq::end(self.inner)?;
        Ok(self.backend.object(vec![(self.variant.to_owned(), inner)]))
    }
}

impl ser::SerializeStructVariant for Variant<'_, Map<'_>> {
    type Ok = Json;
    type Error = BuildError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), BuildError> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
    }

    fn end(self) -> Result<Json, BuildError> {
        let inner = SerializeMap::end(self.inner)?;
        Ok(self.backend.object(vec![(self.variant.to_owned(), inner)]))
    }
}

//! The native backend (feature `serde_json`): a value is a `serde_json::Value`. The flow's tests
//! run on it, and so can any host that drives the flow itself.

use std::any::Any;

use super::scalar::same_scalar;
use super::{Backend, Json, Kind, Value};
use crate::error::Error;

/// Makes values as `serde_json::Value`s; used when no other backend is installed.
#[derive(Clone, Copy, Debug, Default)]
pub struct NativeBackend;

impl Backend for NativeBackend {
    fn parse(&self, text: &str) -> Result<Json, Error> {
        serde_json::from_str(text)
            .map(native)
            .map_err(|_| Error::invalid("the text is not JSON"))
    }

    fn string(&self, text: &str) -> Json {
        native(serde_json::Value::from(text))
    }

    fn number(&self, n: f64) -> Json {
        native(serde_json::Value::from(n))
    }

    fn boolean(&self, b: bool) -> Json {
        native(serde_json::Value::from(b))
    }

    fn array(&self, items: Vec<Json>) -> Json {
        native(items.iter().map(Json::to_serde_json).collect())
    }

    fn object(&self, members: Vec<(String, Json)>) -> Json {
        let members = members
            .into_iter()
            .map(|(key, value)| (key, value.to_serde_json()));
        native(serde_json::Value::Object(members.collect()))
    }
}

/// A `serde_json::Value` as a [`Json`] (`null` as [`Json::null`]).
fn native(value: serde_json::Value) -> Json {
    match value {
        serde_json::Value::Null => Json::null(),
        value => Json::of(Native(value)),
    }
}

/// A `serde_json::Value` held by a [`Json`].
struct Native(serde_json::Value);

impl From<serde_json::Value> for Json {
    fn from(value: serde_json::Value) -> Self {
        native(value)
    }
}

impl Json {
    /// The value as a `serde_json::Value` (of any backend: through its JSON text when it is
    /// not one; `null` when that fails).
    pub fn to_serde_json(&self) -> serde_json::Value {
        match self.downcast_ref::<Native>() {
            Some(Native(value)) => value.clone(),
            None => self
                .to_json_string()
                .ok()
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or_default(),
        }
    }
}

impl Value for Native {
    fn kind(&self) -> Kind {
        match &self.0 {
            serde_json::Value::Null => Kind::Null,
            serde_json::Value::Bool(_) => Kind::Boolean,
            serde_json::Value::Number(_) => Kind::Number,
            serde_json::Value::String(_) => Kind::String,
            serde_json::Value::Array(_) => Kind::Array,
            serde_json::Value::Object(_) => Kind::Object,
        }
    }

    fn as_string(&self) -> Option<String> {
        self.0.as_str().map(str::to_owned)
    }

    fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }

    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }

    fn get(&self, key: &str) -> Option<Json> {
        self.0.as_object()?.get(key).cloned().map(native)
    }

    fn items(&self) -> Option<Vec<Json>> {
        Some(self.0.as_array()?.iter().cloned().map(native).collect())
    }

    fn entries(&self) -> Option<Vec<(String, Json)>> {
        let object = self.0.as_object()?;
        Some(
            object
                .iter()
                .map(|(k, v)| (k.clone(), native(v.clone())))
                .collect(),
        )
    }

    fn to_json_string(&self) -> Result<String, Error> {
        serde_json::to_string(&self.0).map_err(|e| Error::invalid(e.to_string()))
    }

    fn snapshot(&self, _: &str) -> Result<Json, Error> {
        Ok(Json::of(Native(self.0.clone())))
    }

    fn same(&self, other: &Json) -> bool {
        match other.downcast_ref::<Native>() {
            Some(Native(value)) => *value == self.0,
            None => same_scalar(self, other),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

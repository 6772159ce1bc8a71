//! Scalars made in Rust (`Json::from("text")`): values no backend made, read as themselves and
//! written by the installed backend.

use std::any::Any;

use super::{backend, Json, Kind, Value};
use crate::error::Error;

/// A string, boolean or number made in Rust.
pub(super) enum Scalar {
    Text(String),
    Bool(bool),
    Number(f64),
}

/// Whether `other` is the scalar of `kind` that `this` reads as (for the `same` of a value
/// compared with a value of another backend).
pub(super) fn same_scalar(this: &dyn Value, other: &Json) -> bool {
    match this.kind() {
        Kind::Null => other.is_null(),
        Kind::String => other.kind() == Kind::String && other.as_string() == this.as_string(),
        Kind::Boolean => other.as_bool().is_some() && other.as_bool() == this.as_bool(),
        Kind::Number => other.as_f64().is_some() && other.as_f64() == this.as_f64(),
        _ => false,
    }
}

impl Value for Scalar {
    fn kind(&self) -> Kind {
        match self {
            Scalar::Text(_) => Kind::String,
            Scalar::Bool(_) => Kind::Boolean,
            Scalar::Number(_) => Kind::Number,
        }
    }

    fn as_string(&self) -> Option<String> {
        match self {
            Scalar::Text(text) => Some(text.clone()),
            _ => None,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Scalar::Number(n) => Some(*n),
            _ => None,
        }
    }

    fn get(&self, _: &str) -> Option<Json> {
        None
    }

    fn items(&self) -> Option<Vec<Json>> {
        None
    }

    fn entries(&self) -> Option<Vec<(String, Json)>> {
        None
    }

    fn to_json_string(&self) -> Result<String, Error> {
        self.made()?.to_json_string()
    }

    fn stringified(&self) -> Result<Json, Error> {
        self.made()?.stringified()
    }

    fn snapshot(&self, _: &str) -> Result<Json, Error> {
        self.made()
    }

    fn same(&self, other: &Json) -> bool {
        same_scalar(self, other)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Scalar {
    /// The same value, made by the installed backend.
    fn made(&self) -> Result<Json, Error> {
        let backend = backend()?;
        Ok(match self {
            Scalar::Text(text) => backend.string(text),
            Scalar::Bool(b) => backend.boolean(*b),
            Scalar::Number(n) if n.is_finite() => backend.number(*n),
            Scalar::Number(_) => Json::null(),
        })
    }
}

//! What the property tests generate from, one table each, shared by the crate's (natively,
//! `core/tests/properties.rs`) and the package's (in the browser, `tests/wasm_properties.rs`).
#![allow(dead_code)]

use serde_json::Value;

/// Keys the decoders look at, so random objects often hit real code paths.
pub const KNOWN_KEYS: &[&str] = &[
    "data",
    "errors",
    "success",
    "record",
    "message",
    "code",
    "type",
    "displayMessage",
    "path",
    "extensions",
    "connectorPlaidInitialize",
    "connectorPlaidClose",
    "connectionUpdate",
    "connection",
    "connections",
    "connectorStatus",
    "connectorToken",
    "token",
    "hostedLinkUrl",
    "linkToken",
    "expiration",
    "requestId",
    "id",
    "status",
    "metadata",
    "accounts",
    "mask",
    "institution",
    "name",
    "logo",
    "url",
    "__typename",
    "__proto__",
];

/// The typed fields of `ConnectorPlaidInitializeInput`: every field of the three schema
/// generations (`connectionId` aside; `the_input_table_is_every_generation` checks
/// the list against [`SCHEMAS`]), with the JSON type each takes (`null` is also taken: it leaves
/// the field unset).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Str,
    Strings,
    Object,
    /// A string or a list of strings.
    Features,
}

pub const INPUT_FIELDS: &[(&str, Kind)] = &[
    ("accountFilters", Kind::Object),
    ("additionalConsentedProducts", Kind::Strings),
    ("androidPackageName", Kind::Str),
    ("auth", Kind::Object),
    ("clientMutationId", Kind::Str),
    ("clientName", Kind::Str),
    ("countryCodes", Kind::Strings),
    ("euConfig", Kind::Object),
    ("features", Kind::Features),
    ("featuresOptional", Kind::Strings),
    ("featuresRequired", Kind::Strings),
    ("institutionData", Kind::Object),
    ("language", Kind::Str),
    ("linkCustomizationName", Kind::Str),
    ("optionalProducts", Kind::Strings),
    ("portalId", Kind::Str),
    ("portalsProviderId", Kind::Str),
    ("products", Kind::Strings),
    ("redirectUri", Kind::Str),
    ("transactions", Kind::Object),
    ("update", Kind::Object),
];

/// The mutations and the queries the decoders read, by their `data` field.
pub const MUTATIONS: [&str; 3] = [
    "connectorPlaidInitialize",
    "connectorPlaidClose",
    "connectionUpdate",
];
pub const QUERIES: [&str; 2] = ["connection", "connections"];

// The model both suites check against, and the JSON tree they walk.

/// Whether `value` is what a typed field of `kind` takes (`null` always is).
pub fn is_of_kind(value: &Value, kind: Kind) -> bool {
    let strings = |v: &Value| {
        v.as_array()
            .is_some_and(|items| items.iter().all(Value::is_string))
    };
    match kind {
        _ if value.is_null() => true,
        Kind::Str => value.is_string(),
        Kind::Strings => strings(value),
        Kind::Object => value.is_object(),
        Kind::Features => value.is_string() || strings(value),
    }
}

/// Whether `name` is a field the input reader types (`connectionId` or one of [`INPUT_FIELDS`]).
pub fn is_typed_field(name: &str) -> bool {
    name == "connectionId" || INPUT_FIELDS.iter().any(|(f, _)| *f == name)
}

/// Whether `from_json` must take `value`: an object with a non-blank (by the ASCII rule)
/// string `connectionId`, every typed field of its type, and no name starting with `__`.
pub fn is_valid_input(value: &Value) -> bool {
    let Value::Object(entries) = value else {
        return false;
    };
    entries.contains_key("connectionId")
        && entries.iter().all(|(k, v)| {
            if k.starts_with("__") {
                false
            } else if k == "connectionId" {
                v.as_str().is_some_and(|id| !id.trim_ascii().is_empty())
            } else if let Some(&(_, kind)) = INPUT_FIELDS.iter().find(|(f, _)| f == k) {
                is_of_kind(v, kind)
            } else {
                true
            }
        })
}

/// Every node's path (child positions from the root, in the map's key order for objects), the
/// root first.
pub fn paths(value: &Value) -> Vec<Vec<usize>> {
    fn walk(value: &Value, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        out.push(here.clone());
        let children: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            Value::Object(entries) => entries.values().collect(),
            _ => Vec::new(),
        };
        for (i, child) in children.into_iter().enumerate() {
            here.push(i);
            walk(child, here, out);
            here.pop();
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

/// The node at `path` (a path of [`paths`]).
pub fn node_mut<'a>(value: &'a mut Value, path: &[usize]) -> &'a mut Value {
    path.iter().fold(value, |node, &i| match node {
        Value::Array(items) => &mut items[i],
        Value::Object(entries) => entries
            .values_mut()
            .nth(i)
            .expect("a path leads to a child"),
        _ => unreachable!("paths only lead through containers"),
    })
}

/// Removes the node at `path` from its parent (the root stays).
pub fn remove_node(value: &mut Value, path: &[usize]) {
    let Some((&last, parent)) = path.split_last() else {
        return;
    };
    match node_mut(value, parent) {
        Value::Array(items) => {
            items.remove(last);
        }
        Value::Object(entries) => {
            let key = entries.keys().nth(last).cloned().expect("a child's key");
            entries.remove(&key);
        }
        _ => unreachable!("paths only lead through containers"),
    }
}

/// Swaps the node at `path` for a value of a "close" type (string ⇄ number, a list for a string
/// that is no number, its first item for a list, ...).
pub fn swap_node(value: &mut Value, path: &[usize]) {
    let node = node_mut(value, path);
    *node = match node {
        Value::Null => Value::Object(serde_json::Map::new()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(n.to_string()),
        // `Value::from` of a float JSON can't hold ("inf", "1e999") is `null`.
        Value::String(s) => match s.parse::<f64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::Array(vec![Value::String(std::mem::take(s))]),
        },
        Value::Array(items) => items.first().cloned().unwrap_or(Value::Null),
        Value::Object(_) => Value::Null,
    };
}

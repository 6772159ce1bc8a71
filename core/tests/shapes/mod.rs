//! What the property tests generate from, one table each, shared by the crate's (natively,
//! `core/tests/properties.rs`) and the package's (in the browser, `tests/wasm_properties.rs`).
#![allow(dead_code)]

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

//! Property tests of the response decoding, the input validation and the redaction: arbitrary JSON, arbitrary
//! bytes and "almost valid" GraphQL replies (documented payloads with random mutations) never make
//! a decoder or a validator panic, and every outcome is the typed one the reply means.
//!
//! Native only (the browser suite is `tests/browser.rs`). `fuzz/` runs the same code under
//! libFuzzer (`cargo xtask fuzz`).
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use proptest::sample::Index;
use quiltt_reconnect::{
    decode_close, decode_initialize, decode_update, ConnectionUpdateInput,
    ConnectorPlaidInitializeInput, ConnectorStatus, Error, ErrorCode, HttpReply, Json, LinkToken,
    PlaidConnector,
};

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Keys the decoders and the validator look at, so random objects often hit real code paths.
const KNOWN_KEYS: &[&str] = &[
    "data",
    "errors",
    "success",
    "record",
    "message",
    "code",
    "path",
    "extensions",
    "connectorPlaidInitialize",
    "connectorPlaidClose",
    "connectionUpdate",
    "connectorStatus",
    "connectorToken",
    "linkToken",
    "expiration",
    "requestId",
    "id",
    "status",
    "metadata",
    "accounts",
    "institution",
    "name",
    "logo",
    "connectionId",
    "language",
    "countryCodes",
    "products",
    "update",
];

/// The fields of `ConnectorPlaidInitializeInput`, with the JSON type each takes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Str,
    Strings,
    Object,
}

const INPUT_FIELDS: &[(&str, Kind)] = &[
    ("accountFilters", Kind::Object),
    ("androidPackageName", Kind::Str),
    ("auth", Kind::Object),
    ("clientMutationId", Kind::Str),
    ("clientName", Kind::Str),
    ("countryCodes", Kind::Strings),
    ("euConfig", Kind::Object),
    ("features", Kind::Str),
    ("language", Kind::Str),
    ("linkCustomizationName", Kind::Str),
    ("products", Kind::Strings),
    ("update", Kind::Object),
];

fn short_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9_ -]{0,12}",
        1 => ".{0,8}",
        1 => prop::sample::select(KNOWN_KEYS).prop_map(str::to_owned),
        1 => prop::sample::select(&["CONTINUE", "ACTION_REQUIRED", "ABORT", "WAIT", ""][..])
            .prop_map(str::to_owned),
    ]
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<i32>().prop_map(f64::from),
        -1e9..1e9f64,
        Just(0.0),
        Just(-0.0),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KNOWN_KEYS).prop_map(str::to_owned),
        1 => short_string(),
    ]
}

/// Any JSON value (finite numbers only, as JSON text can hold), bounded in depth and size.
fn arb_json() -> BoxedStrategy<Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        number().prop_map(Json::Number),
        short_string().prop_map(Json::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(Json::Object),
        ]
    })
    .boxed()
}

/// Any JSON object.
fn arb_object() -> impl Strategy<Value = Json> {
    prop::collection::vec((key(), arb_json()), 0..6).prop_map(Json::Object)
}

/// A token-looking secret (long enough that no random string collides with it).
fn token(prefix: &'static str) -> impl Strategy<Value = String> {
    "(sandbox|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{12}"
        .prop_map(move |s| format!("{prefix}-{s}"))
}

fn opt<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    prop::option::of(s)
}

fn s(text: &str) -> Json {
    Json::from(text)
}

/// A documented `connectorPlaidInitialize` record, with the values it holds.
#[derive(Clone, Debug)]
struct InitializeRecord {
    status: ConnectorStatus,
    connector_token: Option<String>,
    link_token: Option<String>,
    expiration: Option<String>,
    request_id: Option<String>,
}

impl InitializeRecord {
    fn to_json(&self) -> Json {
        let str_or_null = |v: &Option<String>| v.as_deref().map_or(Json::Null, Json::from);
        Json::object([
            (
                "connectorStatus",
                s(match self.status {
                    ConnectorStatus::Continue => "CONTINUE",
                    ConnectorStatus::ActionRequired => "ACTION_REQUIRED",
                    ConnectorStatus::Wait => "WAIT",
                    ConnectorStatus::Abort => "ABORT",
                }),
            ),
            ("connectorToken", str_or_null(&self.connector_token)),
            ("expiration", str_or_null(&self.expiration)),
            ("linkToken", str_or_null(&self.link_token)),
            ("requestId", str_or_null(&self.request_id)),
        ])
    }

    fn tokens(&self) -> Vec<String> {
        [&self.connector_token, &self.link_token]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }
}

fn initialize_record() -> impl Strategy<Value = InitializeRecord> {
    (
        prop_oneof![
            Just(ConnectorStatus::Continue),
            Just(ConnectorStatus::ActionRequired),
            Just(ConnectorStatus::Wait),
            Just(ConnectorStatus::Abort),
        ],
        opt(token("connector")),
        opt(token("link")),
        opt("20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z"),
        opt("[a-zA-Z0-9]{5,16}"),
    )
        .prop_map(
            |(status, connector_token, link_token, expiration, request_id)| InitializeRecord {
                status,
                connector_token,
                link_token,
                expiration,
                request_id,
            },
        )
}

/// A documented `ConnectionType` record.
fn connection_record() -> impl Strategy<Value = Json> {
    (
        "conn_[a-zA-Z0-9]{1,12}",
        opt(prop::sample::select(
            &["SYNCED", "SYNCING", "ERROR_REPAIRABLE", "DISCONNECTED"][..],
        )),
        prop_oneof![Just(Json::Null), arb_object()],
        prop::collection::vec(("acct_[a-z0-9]{1,8}", "[A-Za-z ]{0,12}"), 0..4),
        opt(("[A-Za-z ]{1,12}", opt("[A-Za-z0-9+/]{0,16}"))),
    )
        .prop_map(|(id, status, metadata, accounts, institution)| {
            let mut fields = vec![("id", s(&id))];
            if let Some(st) = status {
                fields.push(("status", s(st)));
            }
            fields.push(("metadata", metadata));
            fields.push((
                "accounts",
                Json::Array(
                    accounts
                        .iter()
                        .map(|(id, name)| Json::object([("id", s(id)), ("name", s(name))]))
                        .collect(),
                ),
            ));
            fields.push((
                "institution",
                institution.map_or(Json::Null, |(name, logo)| {
                    Json::object([
                        ("name", s(&name)),
                        ("logo", logo.as_deref().map_or(Json::Null, Json::from)),
                    ])
                }),
            ));
            Json::object(fields)
        })
}

/// `{ "data": { field: { "success": true, "record": record, "errors": null } } }`.
fn success_body(field: &str, record: Json) -> Json {
    Json::object([(
        "data",
        Json::object([(
            field,
            Json::object([
                ("success", Json::Bool(true)),
                ("record", record),
                ("errors", Json::Null),
            ]),
        )]),
    )])
}

/// A list of Quiltt errors (`PlaidAPIError`, `Error` or a top-level GraphQL error).
fn quiltt_errors() -> impl Strategy<Value = Json> {
    let one = (
        "[A-Za-z ,.]{0,24}",
        opt("[A-Z_]{1,12}"),
        any::<bool>(),
        opt(prop::collection::vec(
            prop_oneof![
                "[a-z]{1,6}".prop_map(Json::String),
                (0..9u8).prop_map(|n| Json::Number(n.into()))
            ],
            0..3,
        )),
    )
        .prop_map(|(message, code, in_extensions, path)| {
            let mut fields = vec![("message", s(&message))];
            if let Some(code) = code {
                if in_extensions {
                    fields.push(("extensions", Json::object([("code", s(&code))])));
                } else {
                    fields.push(("code", s(&code)));
                }
            }
            if let Some(path) = path {
                fields.push(("path", Json::Array(path)));
            }
            Json::object(fields)
        });
    prop::collection::vec(one, 0..3).prop_map(Json::Array)
}

/// One random change to a document.
#[derive(Clone, Debug)]
enum Mutation {
    /// Removes an object entry or an array item.
    Remove(Index),
    /// Replaces a value (the root included) with any JSON value.
    Replace(Index, Json),
    /// Replaces a value with a value of another type chosen to be "close" (string ⇄ number, ...).
    Swap(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => any::<Index>().prop_map(Mutation::Remove),
        2 => (any::<Index>(), arb_json()).prop_map(|(i, j)| Mutation::Replace(i, j)),
        2 => any::<Index>().prop_map(Mutation::Swap),
    ]
}

/// Every node's path (child positions from the root), the root first.
fn paths(value: &Json) -> Vec<Vec<usize>> {
    fn walk(value: &Json, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        out.push(here.clone());
        let children: Vec<&Json> = match value {
            Json::Array(items) => items.iter().collect(),
            Json::Object(entries) => entries.iter().map(|(_, v)| v).collect(),
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

fn node_mut<'a>(value: &'a mut Json, path: &[usize]) -> &'a mut Json {
    path.iter().fold(value, |node, &i| match node {
        Json::Array(items) => &mut items[i],
        Json::Object(entries) => &mut entries[i].1,
        _ => unreachable!("paths only lead through containers"),
    })
}

fn apply(mut value: Json, mutation: &Mutation) -> Json {
    let all = paths(&value);
    match mutation {
        Mutation::Remove(i) => {
            let path = i.get::<Vec<usize>>(&all);
            if let Some((&last, parent)) = path.split_last() {
                match node_mut(&mut value, parent) {
                    Json::Array(items) => {
                        items.remove(last);
                    }
                    Json::Object(entries) => {
                        entries.remove(last);
                    }
                    _ => unreachable!(),
                }
            }
        }
        Mutation::Replace(i, with) => {
            *node_mut(&mut value, i.get::<Vec<usize>>(&all)) = with.clone()
        }
        Mutation::Swap(i) => {
            let node = node_mut(&mut value, i.get::<Vec<usize>>(&all));
            *node = match node {
                Json::Null => Json::Object(Vec::new()),
                Json::Bool(b) => Json::String(b.to_string()),
                Json::Number(n) => Json::String(n.to_string()),
                Json::String(s) => match s.parse::<f64>() {
                    Ok(n) => Json::Number(n),
                    Err(_) => Json::Array(vec![Json::String(std::mem::take(s))]),
                },
                Json::Array(items) => items.first().cloned().unwrap_or(Json::Null),
                Json::Object(_) => Json::Null,
            };
        }
    }
    value
}

/// A reply for one of the three mutations: a documented payload, maybe changed.
#[derive(Clone, Debug)]
struct AlmostValid {
    status: u16,
    body: Option<Json>,
    /// The token values the payload held before any change.
    tokens: Vec<String>,
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => Just(200u16),
        1 => prop::sample::select(&[201u16, 204, 400, 401, 403, 404, 422, 429, 500, 502, 503, 504][..]),
        2 => 100..600u16,
    ]
}

/// What the flow could get back from one of the mutations: a documented payload for `field`,
/// or one of the documented failure shapes, then zero to three random mutations.
fn almost_valid_reply(field: &'static str) -> impl Strategy<Value = AlmostValid> {
    let record = if field == "connectorPlaidInitialize" {
        initialize_record()
            .prop_map(|r| (r.to_json(), r.tokens()))
            .boxed()
    } else {
        connection_record().prop_map(|r| (r, Vec::new())).boxed()
    };
    let body = (
        record,
        prop_oneof![
            // success: true with the record
            6 => Just(0u8),
            // success: false with errors
            1 => Just(1),
            // data: null with top-level errors
            1 => Just(2),
            // success: true, record: null
            1 => Just(3),
            // a random connectorStatus
            1 => Just(4),
        ],
        quiltt_errors(),
        short_string(),
    )
        .prop_map(move |((record, tokens), shape, errors, random_status)| {
            let body = match shape {
                0 => success_body(field, record),
                1 => Json::object([(
                    "data",
                    Json::object([(
                        field,
                        Json::object([
                            ("success", Json::Bool(false)),
                            ("record", Json::Null),
                            ("errors", errors),
                        ]),
                    )]),
                )]),
                2 => Json::object([("data", Json::Null), ("errors", errors)]),
                3 => success_body(field, Json::Null),
                _ => {
                    let mut record = record;
                    if let Json::Object(entries) = &mut record {
                        entries.retain(|(k, _)| k != "connectorStatus");
                        entries.push(("connectorStatus".into(), Json::String(random_status)));
                    }
                    success_body(field, record)
                }
            };
            (body, tokens)
        });
    (
        status(),
        body,
        prop::collection::vec(mutation(), 0..4),
        prop_oneof![8 => Just(true), 1 => Just(false)],
    )
        .prop_map(|(status, (body, tokens), mutations, is_json)| AlmostValid {
            status,
            body: is_json.then(|| mutations.iter().fold(body, apply)),
            tokens,
        })
}

/// A valid `ConnectorPlaidInitializeInput` as JSON (fields in random order, some `null`).
fn valid_input_json() -> impl Strategy<Value = Json> {
    let field_value = |kind: Kind| -> BoxedStrategy<Json> {
        let value = match kind {
            Kind::Str => short_string().prop_map(Json::String).boxed(),
            Kind::Strings => prop::collection::vec(short_string().prop_map(Json::String), 0..4)
                .prop_map(Json::Array)
                .boxed(),
            Kind::Object => arb_object().boxed(),
        };
        prop_oneof![3 => value, 1 => Just(Json::Null)].boxed()
    };
    let fields: Vec<_> = INPUT_FIELDS
        .iter()
        .map(|&(name, kind)| opt(field_value(kind)).prop_map(move |v| v.map(|v| (name, v))))
        .collect();
    (fields, "[ ]{0,2}[a-zA-Z0-9_-]{1,16}[ ]{0,2}")
        .prop_flat_map(|(fields, id)| {
            let mut entries: Vec<(String, Json)> = fields
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            entries.push(("connectionId".into(), Json::String(id)));
            Just(entries).prop_shuffle()
        })
        .prop_map(Json::Object)
}

/// An `expiration` as Quiltt sends it, or something near it, or anything.
fn expiration_text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,4})?([Zz]|[+-][0-9]{1,2}:[0-9]{1,2}|[+-][0-9]{1,20}:[0-9]{1,20}|[+-][0-9]{0,3}.{0,3}|.{0,4})?",
        1 => "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z?[+-]?([0-9]{0,19}):([0-9]{0,19})",
        1 => "[0-9T:.Z+ -]{0,30}",
        1 => ".{0,30}",
    ]
}

/// A way to spoil a valid input.
#[derive(Clone, Debug)]
enum Spoil {
    /// A known field gets a value of the wrong JSON type.
    WrongType(Index, Json),
    /// An unknown field is added.
    UnknownField(String),
    /// `connectionId` is removed.
    NoId,
    /// `connectionId` becomes blank, `null` or not a string.
    BadId(Json),
    /// A `countryCodes`/`products` item is not a string.
    BadItem(Json),
    /// The input is not an object.
    NotObject(Json),
}

fn spoil() -> impl Strategy<Value = Spoil> {
    let non_string = arb_json().prop_filter("not a string or null", |j| {
        !matches!(j, Json::String(_) | Json::Null)
    });
    prop_oneof![
        (any::<Index>(), arb_json()).prop_map(|(i, j)| Spoil::WrongType(i, j)),
        "[a-zA-Z]{1,12}"
            .prop_filter("unknown", |k| {
                k != "connectionId" && !INPUT_FIELDS.iter().any(|(f, _)| f == k)
            })
            .prop_map(Spoil::UnknownField),
        Just(Spoil::NoId),
        prop_oneof![
            "[ \t\n]{0,3}".prop_map(Json::String),
            Just(Json::Null),
            non_string.clone()
        ]
        .prop_map(Spoil::BadId),
        non_string.prop_map(Spoil::BadItem),
        arb_json()
            .prop_filter("not an object", |j| !j.is_object())
            .prop_map(Spoil::NotObject),
    ]
}

fn is_of_kind(value: &Json, kind: Kind) -> bool {
    match (value, kind) {
        (Json::Null, _) | (Json::String(_), Kind::Str) | (Json::Object(_), Kind::Object) => true,
        (Json::Array(items), Kind::Strings) => items.iter().all(|i| matches!(i, Json::String(_))),
        _ => false,
    }
}

fn set(entries: &mut Vec<(String, Json)>, key: &str, value: Json) {
    entries.retain(|(k, _)| k != key);
    entries.push((key.to_owned(), value));
}

/// Applies `spoil` to a valid input; `None` when that spoil can't make it invalid.
fn apply_spoil(input: Json, spoil: &Spoil) -> Option<Json> {
    let Json::Object(mut entries) = input else {
        unreachable!("valid inputs are objects")
    };
    match spoil {
        Spoil::WrongType(i, value) => {
            let (name, kind) = *i.get(INPUT_FIELDS);
            if is_of_kind(value, kind) {
                return None;
            }
            set(&mut entries, name, value.clone());
        }
        Spoil::UnknownField(name) => entries.push((name.clone(), Json::Null)),
        Spoil::NoId => entries.retain(|(k, _)| k != "connectionId"),
        Spoil::BadId(value) => set(&mut entries, "connectionId", value.clone()),
        Spoil::BadItem(item) => set(
            &mut entries,
            "countryCodes",
            Json::Array(vec![s("US"), item.clone()]),
        ),
        Spoil::NotObject(value) => return Some(value.clone()),
    }
    Some(Json::Object(entries))
}

// ---------------------------------------------------------------------------------------------
// Invariants shared by every decoder
// ---------------------------------------------------------------------------------------------

/// Checks what every decoding error must satisfy for a reply with `status`, and that its
/// message and `Debug` hold none of `tokens`.
fn check_error(err: &Error, status: u16, tokens: &[String]) -> Result<(), TestCaseError> {
    match status {
        401 => {
            prop_assert_eq!(err.code(), ErrorCode::Unauthorized);
            prop_assert_eq!(err.status(), Some(401));
        }
        200..=299 => prop_assert!(
            matches!(
                err.code(),
                ErrorCode::BadResponse | ErrorCode::Graphql | ErrorCode::MutationFailed
            ),
            "2xx gave {:?}: {}",
            err.code(),
            err.message()
        ),
        _ => {
            prop_assert!(
                matches!(err.code(), ErrorCode::Http | ErrorCode::Graphql),
                "HTTP {} gave {:?}: {}",
                status,
                err.code(),
                err.message()
            );
            prop_assert_eq!(err.status(), Some(status));
        }
    }
    prop_assert!(!err.message().is_empty());
    prop_assert!(err.link_metadata().is_none());
    let debug = format!("{err:?}");
    for t in tokens {
        prop_assert!(
            !err.message().contains(t.as_str()),
            "token in message: {}",
            err.message()
        );
        prop_assert!(!debug.contains(t.as_str()), "token in Debug: {}", debug);
    }
    Ok(())
}

/// Runs the three decoders on one reply and checks every outcome.
fn check_all_decoders(
    status: u16,
    body: Option<Json>,
    tokens: &[String],
) -> Result<(), TestCaseError> {
    let reply = HttpReply::new(status, body);
    match decode_initialize(reply.clone()) {
        Ok(connector) => {
            prop_assert!((200..300).contains(&status));
            let debug = format!("{connector:?}");
            for t in tokens {
                prop_assert!(!debug.contains(t.as_str()), "token in Debug: {}", debug);
            }
        }
        Err(e) => check_error(&e, status, tokens)?,
    }
    for result in [decode_close(reply.clone()), decode_update(reply)] {
        match result {
            Ok(_) => prop_assert!((200..300).contains(&status)),
            Err(e) => check_error(&e, status, tokens)?,
        }
    }
    Ok(())
}

/// Runs the initialize validator on any value and checks the outcome.
fn check_from_json(value: &Json) -> Result<(), TestCaseError> {
    match ConnectorPlaidInitializeInput::from_json(value, &[]) {
        Ok(input) => {
            prop_assert!(value.is_object());
            prop_assert!(!input.connection_id.trim_ascii().is_empty());
            prop_assert!(input.validate().is_ok());
            let Json::Object(entries) = value else {
                unreachable!()
            };
            for (k, _) in entries {
                prop_assert!(
                    k == "connectionId" || INPUT_FIELDS.iter().any(|(f, _)| f == k),
                    "accepted unknown field {:?}",
                    k
                );
            }
        }
        Err(e) => prop_assert_eq!(e.code(), ErrorCode::InvalidInput),
    }
    Ok(())
}

fn config() -> ProptestConfig {
    // 256 cases unless `PROPTEST_CASES` asks for more (a soak run).
    ProptestConfig {
        // Failures found here are kept as plain `#[test]`s below rather than in a
        // `proptest-regressions` file.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions: inputs the properties found, kept as plain tests
// ---------------------------------------------------------------------------------------------

/// An `expiration` whose UTC offset is out of any range made `is_expired` overflow (a panic in
/// debug builds, a wrong answer in release); it must simply count as unparsed (unexpired).
#[test]
fn is_expired_survives_huge_utc_offsets() {
    for text in [
        "2000-01-01T00:00:00-3000000000000000:0",
        "2026-11-25T08:30:00+999999999999999999:0",
        "2026-11-25T08:30:00+0:999999999999999999",
    ] {
        let connector = PlaidConnector {
            connector_status: ConnectorStatus::ActionRequired,
            connector_token: None,
            expiration: Some(text.to_owned()),
            link_token: None,
            request_id: None,
        };
        let _ = connector.is_expired(0.0);
    }
}

/// A connection id of Unicode spaces only (found by `update_input_validation` on CI) is not blank
/// by the ASCII rule the client checks, so it goes to Quiltt, which answers "not found"; ids of
/// ASCII whitespace are refused before any request.
#[test]
fn only_ascii_whitespace_ids_are_blank() {
    let refused = |id: &str| {
        let update = ConnectionUpdateInput::new(id, Json::Object(Vec::new())).validate();
        let initialize = ConnectorPlaidInitializeInput::new(id).validate();
        let [update, initialize] = [update, initialize].map(|result| match result {
            Ok(()) => false,
            Err(e) => {
                assert_eq!(e.code(), ErrorCode::InvalidInput, "{id:?}");
                true
            }
        });
        assert_eq!(update, initialize, "both inputs judge {id:?} alike");
        update
    };
    for id in ["\u{3000}", "\u{a0}", "\u{2028}"] {
        assert!(!refused(id), "{id:?}");
    }
    for id in ["", " ", "\t\n\r ", "\u{c}"] {
        assert!(refused(id), "{id:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// Any status with any JSON body (or none): no panic, and the code the status means.
    #[test]
    fn decoders_take_any_json_body(status in 100..600u16, body in opt(arb_json())) {
        check_all_decoders(status, body, &[])?;
    }

    /// Documented payloads with fields removed, types swapped, random statuses and shapes: no
    /// panic, the code the status means, and no link or connector token in any message.
    #[test]
    fn decoders_take_almost_valid_replies(
        init in almost_valid_reply("connectorPlaidInitialize"),
        close in almost_valid_reply("connectorPlaidClose"),
        update in almost_valid_reply("connectionUpdate"),
    ) {
        for reply in [init, close, update] {
            check_all_decoders(reply.status, reply.body, &reply.tokens)?;
        }
    }

    /// 401 is `UNAUTHORIZED` whatever the body says.
    #[test]
    fn a_401_is_always_unauthorized(reply in almost_valid_reply("connectorPlaidInitialize")) {
        let reply = HttpReply::new(401, reply.body);
        prop_assert_eq!(decode_initialize(reply.clone()).unwrap_err().code(), ErrorCode::Unauthorized);
        prop_assert_eq!(decode_close(reply.clone()).unwrap_err().code(), ErrorCode::Unauthorized);
        prop_assert_eq!(decode_update(reply).unwrap_err().code(), ErrorCode::Unauthorized);
    }

    /// A well-formed `CONTINUE`/`ACTION_REQUIRED` payload always decodes, to the values it holds.
    #[test]
    fn a_documented_initialize_payload_decodes(record in initialize_record(), status in 200..300u16) {
        let body = success_body("connectorPlaidInitialize", record.to_json());
        let c = decode_initialize(HttpReply::new(status, Some(body))).unwrap();
        prop_assert_eq!(c.connector_status, record.status);
        prop_assert_eq!(c.connector_token.as_ref().map(|t| t.expose_secret()), record.connector_token.as_deref());
        prop_assert_eq!(c.link_token.as_ref().map(|t| t.expose_secret()), record.link_token.as_deref());
        prop_assert_eq!(&c.expiration, &record.expiration);
        prop_assert_eq!(&c.request_id, &record.request_id);
        let debug = format!("{c:?}");
        for t in record.tokens() {
            prop_assert!(!debug.contains(t.as_str()));
        }
    }

    /// A well-formed connection payload always decodes for close and update.
    #[test]
    fn a_documented_connection_payload_decodes(record in connection_record(), status in 200..300u16) {
        for field in ["connectorPlaidClose", "connectionUpdate"] {
            let reply = HttpReply::new(status, Some(success_body(field, record.clone())));
            let c = if field == "connectionUpdate" { decode_update(reply) } else { decode_close(reply) }.unwrap();
            prop_assert_eq!(Some(c.id.as_str()), record.get("id").and_then(Json::as_str));
            prop_assert_eq!(&c.metadata, record.get("metadata").unwrap());
            prop_assert_eq!(Some(c.accounts.len()), record.get("accounts").and_then(Json::as_array).map(<[Json]>::len));
            prop_assert_eq!(c.institution.is_some(), !record.get("institution").unwrap().is_null());
        }
    }

    /// Arbitrary bytes, and bytes of documented payloads with bytes changed: whatever parses as
    /// JSON goes through the decoders and the validators; what does not is a non-JSON body.
    #[test]
    fn decoders_take_any_bytes(
        status in status(),
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            (almost_valid_reply("connectorPlaidInitialize"), prop::collection::vec((any::<Index>(), any::<u8>()), 0..3))
                .prop_map(|(reply, edits)| {
                    let mut bytes = serde_json::to_vec(&reply.body.unwrap_or_default()).unwrap();
                    for (i, b) in edits {
                        if !bytes.is_empty() {
                            let at = i.index(bytes.len());
                            bytes[at] = b;
                        }
                    }
                    bytes
                }),
        ],
    ) {
        let body = serde_json::from_slice::<Json>(&bytes).ok();
        if let Some(value) = &body {
            check_from_json(value)?;
            let _ = ConnectionUpdateInput::new("conn_1", value.clone()).validate();
        }
        check_all_decoders(status, body, &[])?;
    }

    /// `from_json` takes any JSON value without panicking: `INVALID_INPUT` or an input with a
    /// non-empty `connectionId` and only known fields.
    #[test]
    fn from_json_takes_any_json(value in prop_oneof![arb_json(), arb_object(), valid_input_json()]) {
        check_from_json(&value)?;
    }

    /// A valid input is accepted, and `to_json` gives back exactly its non-null fields.
    #[test]
    fn from_json_accepts_valid_inputs_and_round_trips(value in valid_input_json()) {
        let input = ConnectorPlaidInitializeInput::from_json(&value, &[]).unwrap();
        let sent = input.to_json();
        let Json::Object(given) = &value else { unreachable!() };
        let Json::Object(sent_entries) = &sent else { unreachable!() };
        let expected: Vec<&(String, Json)> = given.iter().filter(|(_, v)| !v.is_null()).collect();
        prop_assert_eq!(sent_entries.len(), expected.len(), "sent {:?}", sent);
        for (k, v) in expected {
            prop_assert_eq!(sent.get(k), Some(v), "field {}", k);
        }
        prop_assert!(ConnectorPlaidInitializeInput::from_json(&sent, &[]).unwrap() == input);
        // An allowed extra field is skipped.
        let mut with_signal = given.clone();
        with_signal.push(("signal".into(), Json::object([("aborted", Json::Bool(false))])));
        prop_assert_eq!(ConnectorPlaidInitializeInput::from_json(&Json::Object(with_signal), &["signal"]).unwrap(), input);
    }

    /// Anything else is `INVALID_INPUT`.
    #[test]
    fn from_json_refuses_spoiled_inputs(value in valid_input_json(), spoil in spoil()) {
        if let Some(bad) = apply_spoil(value, &spoil) {
            let err = ConnectorPlaidInitializeInput::from_json(&bad, &[]).unwrap_err();
            prop_assert_eq!(err.code(), ErrorCode::InvalidInput, "{:?}", spoil);
            prop_assert!(!err.message().is_empty());
        }
    }

    /// `is_expired` takes any `expiration` text without panicking, and is monotonic in time.
    #[test]
    fn is_expired_takes_any_expiration(text in expiration_text(), a in number(), b in number()) {
        let connector = PlaidConnector {
            connector_status: ConnectorStatus::ActionRequired,
            connector_token: None,
            expiration: Some(text),
            link_token: None,
            request_id: None,
        };
        let (early, late) = if a <= b { (a, b) } else { (b, a) };
        if connector.is_expired(early) {
            prop_assert!(connector.is_expired(late));
        }
    }

    /// `ConnectionUpdateInput` is valid exactly when the id is not blank (empty or only ASCII
    /// whitespace: an id of other Unicode spaces goes to Quiltt) and the metadata is an object.
    #[test]
    fn update_input_validation(
        id in prop_oneof!["[ \t]{0,2}", "[ ]{0,1}[a-z0-9_]{1,12}[ ]{0,1}", ".{0,6}"],
        metadata in prop_oneof![arb_json(), arb_object()],
    ) {
        let result = ConnectionUpdateInput::new(id.clone(), metadata.clone()).validate();
        if !id.trim_ascii().is_empty() && metadata.is_object() {
            prop_assert!(result.is_ok());
        } else {
            prop_assert_eq!(result.unwrap_err().code(), ErrorCode::InvalidInput);
        }
    }

    /// A token's `redact` is `str::replace` with `[redacted]`, on any text: overlapping and
    /// adjacent matches, multi-byte characters, the token at either end.
    #[test]
    fn redact_is_replace(
        parts in proptest::collection::vec(prop_oneof!["[ab]{0,3}", "é|€|😀", "[a-z ]{0,8}"], 0..6),
        secret in prop_oneof!["[ab]{1,3}", "é|€a|😀", "[a-z]{1,4}"],
    ) {
        let text = parts.join(&secret);
        let mut redacted = text.clone();
        LinkToken::new(secret.clone()).redact(&mut redacted);
        prop_assert_eq!(redacted, text.replace(secret.as_str(), "[redacted]"));
    }
}

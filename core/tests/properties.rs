//! Property tests of the response decoding, the input validation and the redaction: arbitrary JSON, arbitrary
//! bytes and "almost valid" GraphQL replies (documented payloads with random mutations) never make
//! a decoder or a validator panic, and every outcome is the typed one the reply means.
//!
//! JSON is built as `serde_json::Value` and enters the crate as a [`Json`] (`Json::from`) at the
//! boundary, as a native host hands it over.
//!
//! Native only (the browser suite is `tests/browser.rs`). `fuzz/` runs the same code under
//! libFuzzer (`cargo xtask fuzz`).
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use proptest::sample::Index;
use quiltt_reconnect_core::{
    decode_close, decode_connection, decode_connections, decode_initialize, decode_update, Account,
    Connection, ConnectionUpdateInput, ConnectorPlaidInitializeInput, ConnectorStatus, Error,
    ErrorCode, Features, HttpReply, Institution, Json, LinkToken, PlaidConnector, QuilttError,
};
use serde_json::{json, Map, Value};

mod shapes;

use shapes::{
    is_of_kind, is_typed_field, is_valid_input, node_mut, paths, remove_node, swap_node, Kind,
    INPUT_FIELDS, KNOWN_KEYS, MUTATIONS, QUERIES,
};

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Quiltt's three schema generations (SDL subsets holding every field of the input).
const SCHEMAS: [(&str, &str); 3] = [
    (
        "2023-08",
        include_str!("../../tests/schema/quiltt-2023-08.graphql"),
    ),
    (
        "2024-08",
        include_str!("../../tests/schema/quiltt-2024-08.graphql"),
    ),
    (
        "2025-04",
        include_str!("../../tests/schema/quiltt-2025-04.graphql"),
    ),
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

/// A JSON number: an integer (serde_json keeps those apart from floats) or a finite float.
fn json_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        number().prop_map(Value::from),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KNOWN_KEYS).prop_map(str::to_owned),
        1 => prop::sample::select(INPUT_FIELDS).prop_map(|(name, _)| name.to_owned()),
        1 => Just("connectionId".to_owned()),
        1 => short_string(),
    ]
}

fn object(entries: Vec<(String, Value)>) -> Value {
    Value::Object(entries.into_iter().collect())
}

/// Any JSON value (finite numbers only, as JSON text can hold), bounded in depth and size.
fn arb_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number(),
        short_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(object),
        ]
    })
    .boxed()
}

/// Any JSON object.
fn arb_object() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), arb_json()), 0..6).prop_map(object)
}

/// A token-looking secret (long enough that no random string collides with it).
fn token(prefix: &'static str) -> impl Strategy<Value = String> {
    "(sandbox|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{12}"
        .prop_map(move |s| format!("{prefix}-{s}"))
}

fn opt<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    prop::option::of(s)
}

/// An optional string member of a record: absent (`None`), `null` (`Some(None)`) or a string.
type Member = Option<Option<String>>;

fn member(text: impl Strategy<Value = String>) -> impl Strategy<Value = Member> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(None)),
        3 => text.prop_map(|t| Some(Some(t))),
    ]
}

fn put(map: &mut Map<String, Value>, key: &str, value: &Member) {
    if let Some(value) = value {
        map.insert(
            key.to_owned(),
            value.clone().map_or(Value::Null, Value::from),
        );
    }
}

/// A documented `connectorPlaidInitialize` record, with the values it holds, named as 2025-04
/// names its fields (`status`, `token`) or as the generations before.
#[derive(Clone, Debug)]
struct InitializeRecord {
    named_2025: bool,
    status: ConnectorStatus,
    connector_token: Option<String>,
    link_token: Option<String>,
    expiration: Option<String>,
    request_id: Option<String>,
}

impl InitializeRecord {
    fn to_json(&self) -> Value {
        let (status, token) = match self.named_2025 {
            true => ("status", "token"),
            false => ("connectorStatus", "connectorToken"),
        };
        json!({
            status: self.status.as_str(),
            token: self.connector_token,
            "expiration": self.expiration,
            "linkToken": self.link_token,
            "requestId": self.request_id,
        })
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
            "[A-Z][A-Z_]{0,20}".prop_filter_map("a new value", |s| ConnectorStatus::parse(&s)),
        ],
        any::<bool>(),
        opt(token("connector")),
        opt(token("link")),
        opt("20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z"),
        opt("[a-zA-Z0-9]{5,16}"),
    )
        .prop_map(
            |(status, named_2025, connector_token, link_token, expiration, request_id)| {
                InitializeRecord {
                    named_2025,
                    status,
                    connector_token,
                    link_token,
                    expiration,
                    request_id,
                }
            },
        )
}

/// An institution's `logo`, in each form a reply may hold it.
#[derive(Clone, Debug)]
enum Logo {
    Absent,
    Null,
    /// A plain string (older schemas, the reference page's examples).
    Text(String),
    /// The live schema's `Image { url }` (`url` may be `null`).
    Image(Option<String>),
}

/// A documented account of a connection.
#[derive(Clone, Debug)]
struct AccountRecord {
    id: String,
    name: String,
    mask: Member,
    account_type: Member,
}

/// A documented `Connection` record, with the values it holds.
#[derive(Clone, Debug)]
struct ConnectionRecord {
    id: String,
    status: Member,
    /// `None` when absent.
    metadata: Option<Value>,
    /// `None` when absent.
    accounts: Option<Vec<AccountRecord>>,
    /// `None` is `"institution": null`.
    institution: Option<(String, Logo)>,
}

impl ConnectionRecord {
    fn to_json(&self) -> Value {
        let mut record = Map::new();
        record.insert("id".into(), Value::from(self.id.as_str()));
        put(&mut record, "status", &self.status);
        if let Some(metadata) = &self.metadata {
            record.insert("metadata".into(), metadata.clone());
        }
        if let Some(accounts) = &self.accounts {
            let accounts = accounts.iter().map(|a| {
                let mut account = Map::new();
                account.insert("id".into(), Value::from(a.id.as_str()));
                account.insert("name".into(), Value::from(a.name.as_str()));
                put(&mut account, "mask", &a.mask);
                put(&mut account, "type", &a.account_type);
                Value::Object(account)
            });
            record.insert("accounts".into(), accounts.collect());
        }
        let institution = self.institution.as_ref().map(|(name, logo)| {
            let mut institution = Map::new();
            institution.insert("name".into(), Value::from(name.as_str()));
            let logo = match logo {
                Logo::Absent => None,
                Logo::Null => Some(Value::Null),
                Logo::Text(url) => Some(Value::from(url.as_str())),
                Logo::Image(url) => Some(json!({ "url": url })),
            };
            if let Some(logo) = logo {
                institution.insert("logo".into(), logo);
            }
            Value::Object(institution)
        });
        record.insert("institution".into(), institution.unwrap_or(Value::Null));
        Value::Object(record)
    }

    /// The connection the record decodes to.
    fn expected(&self) -> Connection {
        let mut connection = Connection::new(self.id.as_str());
        connection.status = self.status.clone().flatten();
        connection.metadata = Json::from(self.metadata.clone().unwrap_or(Value::Null));
        connection.accounts = self
            .accounts
            .iter()
            .flatten()
            .map(|a| {
                let mut account = Account::new(a.id.as_str(), a.name.as_str());
                account.mask = a.mask.clone().flatten();
                account.account_type = a.account_type.clone().flatten();
                account
            })
            .collect();
        connection.institution = self.institution.as_ref().map(|(name, logo)| {
            let mut institution = Institution::new(name.as_str());
            institution.logo = match logo {
                Logo::Absent | Logo::Null => None,
                Logo::Text(url) => Some(url.clone()),
                Logo::Image(url) => url.clone(),
            };
            institution
        });
        connection
    }
}

fn connection_record() -> BoxedStrategy<ConnectionRecord> {
    let account = (
        "acct_[a-z0-9]{1,8}",
        "[A-Za-z ]{0,12}",
        member("[0-9]{4}"),
        member(
            prop::sample::select(&["CHECKING", "SAVINGS", "CREDIT"][..]).prop_map(str::to_owned),
        ),
    )
        .prop_map(|(id, name, mask, account_type)| AccountRecord {
            id,
            name,
            mask,
            account_type,
        });
    let url = prop_oneof![
        "https://[a-z]{1,8}\\.example/[a-z0-9]{0,8}\\.png",
        "[A-Za-z0-9+/]{0,16}"
    ];
    let logo = prop_oneof![
        Just(Logo::Absent),
        Just(Logo::Null),
        url.clone().prop_map(Logo::Text),
        opt(url).prop_map(Logo::Image),
    ];
    (
        "conn_[a-zA-Z0-9]{1,12}",
        member(
            prop::sample::select(&["SYNCED", "SYNCING", "ERROR_REPAIRABLE", "DISCONNECTED"][..])
                .prop_map(str::to_owned),
        ),
        prop_oneof![1 => Just(None), 2 => Just(Some(Value::Null)), 4 => arb_object().prop_map(Some)],
        prop_oneof![1 => Just(None), 4 => prop::collection::vec(account, 0..4).prop_map(Some)],
        opt(("[A-Za-z ]{1,12}", logo)),
    )
        .prop_map(
            |(id, status, metadata, accounts, institution)| ConnectionRecord {
                id,
                status,
                metadata,
                accounts,
                institution,
            },
        )
        .boxed()
}

/// `{ "data": { field: { "success": true, "record": record, "errors": null } } }`.
fn success_body(field: &str, record: Value) -> Value {
    json!({ "data": { field: { "success": true, "record": record, "errors": null } } })
}

/// `{ "data": { field: value } }`: a query's reply.
fn query_body(field: &str, value: Value) -> Value {
    json!({ "data": { field: value } })
}

/// One Quiltt error (`PlaidMutationError`, `Error` or a top-level GraphQL error), with the
/// values it holds.
#[derive(Clone, Debug)]
struct ErrorRecord {
    message: String,
    code: Option<String>,
    /// Whether `code` is in `extensions` (a top-level GraphQL error) rather than beside `message`.
    in_extensions: bool,
    error_type: Option<String>,
    display_message: Option<String>,
    request_id: Option<String>,
    /// Segments: strings, or small integer indices.
    path: Option<Vec<Result<String, u8>>>,
}

impl ErrorRecord {
    fn to_json(&self) -> Value {
        let mut error = Map::new();
        error.insert("message".into(), Value::from(self.message.as_str()));
        if let Some(code) = &self.code {
            match self.in_extensions {
                true => error.insert("extensions".into(), json!({ "code": code })),
                false => error.insert("code".into(), Value::from(code.as_str())),
            };
        }
        for (key, value) in [
            ("type", &self.error_type),
            ("displayMessage", &self.display_message),
            ("requestId", &self.request_id),
        ] {
            if let Some(value) = value {
                error.insert(key.into(), Value::from(value.as_str()));
            }
        }
        if let Some(path) = &self.path {
            let segments = path.iter().map(|s| match s {
                Ok(name) => Value::from(name.as_str()),
                Err(index) => Value::from(*index),
            });
            error.insert("path".into(), segments.collect());
        }
        Value::Object(error)
    }

    fn expected(&self) -> QuilttError {
        let mut error = QuilttError::new(self.message.as_str());
        error.code = self.code.clone();
        error.error_type = self.error_type.clone();
        error.display_message = self.display_message.clone();
        error.request_id = self.request_id.clone();
        error.path = self.path.as_ref().map(|path| {
            path.iter()
                .map(|s| match s {
                    Ok(name) => name.clone(),
                    Err(index) => index.to_string(),
                })
                .collect()
        });
        error
    }
}

fn error_record() -> impl Strategy<Value = ErrorRecord> {
    (
        "[A-Za-z ,.]{0,24}",
        opt("[A-Z_]{1,12}"),
        any::<bool>(),
        opt("[A-Z_]{1,12}"),
        opt("[A-Za-z ,.]{0,24}"),
        opt("[a-zA-Z0-9]{5,16}"),
        opt(prop::collection::vec(
            prop_oneof!["[a-z]{1,6}".prop_map(Ok), (0..9u8).prop_map(Err)],
            0..3,
        )),
    )
        .prop_map(
            |(message, code, in_extensions, error_type, display_message, request_id, path)| {
                ErrorRecord {
                    message,
                    code,
                    in_extensions,
                    error_type,
                    display_message,
                    request_id,
                    path,
                }
            },
        )
}

/// A list of Quiltt errors.
fn quiltt_errors() -> impl Strategy<Value = Value> {
    prop::collection::vec(error_record(), 0..3)
        .prop_map(|errors| errors.iter().map(ErrorRecord::to_json).collect())
}

/// One random change to a document.
#[derive(Clone, Debug)]
enum Mutation {
    /// Removes an object entry or an array item.
    Remove(Index),
    /// Replaces a value (the root included) with any JSON value.
    Replace(Index, Value),
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

fn apply(mut value: Value, mutation: &Mutation) -> Value {
    let all = paths(&value);
    match mutation {
        Mutation::Remove(i) => remove_node(&mut value, i.get::<Vec<usize>>(&all)),
        Mutation::Replace(i, with) => {
            *node_mut(&mut value, i.get::<Vec<usize>>(&all)) = with.clone()
        }
        Mutation::Swap(i) => swap_node(&mut value, i.get::<Vec<usize>>(&all)),
    }
    value
}

/// A reply for one of the mutations or queries: a documented payload, maybe changed.
#[derive(Clone, Debug)]
struct AlmostValid {
    status: u16,
    body: Option<Value>,
    /// The token values the payload held before any change: no error may quote them.
    tokens: Vec<String>,
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => Just(200u16),
        1 => prop::sample::select(&[201u16, 204, 400, 401, 403, 404, 422, 429, 500, 502, 503, 504][..]),
        2 => 100..600u16,
    ]
}

/// What the flow could get back from one of the mutations or queries: a documented payload for
/// `field`, or one of the documented failure shapes, then zero to three random mutations.
fn almost_valid_reply(field: &'static str) -> BoxedStrategy<AlmostValid> {
    let record = match field {
        "connectorPlaidInitialize" => initialize_record()
            .prop_map(|r| (r.to_json(), r.tokens()))
            .boxed(),
        "connections" => prop::collection::vec(connection_record(), 0..4)
            .prop_map(|records| {
                let list = records.iter().map(ConnectionRecord::to_json).collect();
                (list, Vec::new())
            })
            .boxed(),
        _ => connection_record()
            .prop_map(|r| (r.to_json(), Vec::new()))
            .boxed(),
    };
    let query = QUERIES.contains(&field);
    // An unknown `connectorStatus`: near the documented ones, or a secret no error may quote.
    let random_status = prop_oneof![
        3 => short_string().prop_map(|s| (s, false)),
        1 => token("status").prop_map(|s| (s, true)),
    ];
    let body = (
        record,
        prop_oneof![
            // success: true with the record (a query: data.field is the record)
            6 => Just(0u8),
            // success: false with errors (a query: data.field null, with top-level errors)
            1 => Just(1),
            // data: null with top-level errors
            1 => Just(2),
            // success: true, record: null (a query: data.field null)
            1 => Just(3),
            // a random connectorStatus in the record
            1 => Just(4),
        ],
        quiltt_errors(),
        random_status,
    )
        .prop_map(
            move |((record, mut tokens), shape, errors, (random_status, secret))| {
                let wrap = |record| match query {
                    true => query_body(field, record),
                    false => success_body(field, record),
                };
                let body = match shape {
                    0 => wrap(record),
                    1 if query => json!({ "data": { field: null }, "errors": errors }),
                    1 => json!({
                        "data": { field: { "success": false, "record": null, "errors": errors } }
                    }),
                    2 => json!({ "data": null, "errors": errors }),
                    3 => wrap(Value::Null),
                    _ => {
                        let mut record = record;
                        if let Value::Object(entries) = &mut record {
                            let key = match entries.contains_key("status") {
                                true => "status",
                                false => "connectorStatus",
                            };
                            entries.insert(key.into(), Value::from(random_status.as_str()));
                            if secret {
                                tokens.push(random_status);
                            }
                        }
                        wrap(record)
                    }
                };
                (body, tokens)
            },
        );
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
        .boxed()
}

/// An almost-valid reply of any of the five operations.
fn any_almost_valid_reply() -> impl Strategy<Value = AlmostValid> {
    prop_oneof![
        almost_valid_reply(MUTATIONS[0]),
        almost_valid_reply(MUTATIONS[1]),
        almost_valid_reply(MUTATIONS[2]),
        almost_valid_reply(QUERIES[0]),
        almost_valid_reply(QUERIES[1]),
    ]
}

/// A list of strings.
fn strings() -> BoxedStrategy<Value> {
    prop::collection::vec(short_string().prop_map(Value::String), 0..4)
        .prop_map(Value::Array)
        .boxed()
}

/// The name of a field the input does not type (passed through in `extra`).
fn extra_key() -> impl Strategy<Value = String> {
    "_?[a-z][a-zA-Z0-9_]{0,11}".prop_filter("not a typed field, not skipped", |k| {
        !is_typed_field(k) && k != "signal"
    })
}

/// A valid `ConnectorPlaidInitializeInput` as JSON: any typed fields (some `null`), a few
/// untyped ones (any value, `null` too), and a non-blank `connectionId`.
fn valid_input_json() -> BoxedStrategy<Value> {
    let field_value = |kind: Kind| -> BoxedStrategy<Value> {
        let value = match kind {
            Kind::Str => short_string().prop_map(Value::String).boxed(),
            Kind::Strings => strings(),
            Kind::Object => arb_object().boxed(),
            Kind::Features => {
                prop_oneof![short_string().prop_map(Value::String), strings()].boxed()
            }
        };
        prop_oneof![3 => value, 1 => Just(Value::Null)].boxed()
    };
    let fields: Vec<_> = INPUT_FIELDS
        .iter()
        .map(|&(name, kind)| opt(field_value(kind)).prop_map(move |v| v.map(|v| (name, v))))
        .collect();
    (
        fields,
        prop::collection::vec((extra_key(), arb_json()), 0..3),
        "[ ]{0,2}[a-zA-Z0-9_-]{1,16}[ ]{0,2}",
    )
        .prop_map(|(fields, extra, id)| {
            let mut entries: Map<String, Value> = extra.into_iter().collect();
            for (name, value) in fields.into_iter().flatten() {
                entries.insert(name.to_owned(), value);
            }
            entries.insert("connectionId".into(), Value::String(id));
            Value::Object(entries)
        })
        .boxed()
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
    /// A typed field gets a value of the wrong JSON type.
    WrongType(Index, Value),
    /// A field whose name starts with `__` (GraphQL reserves those) is added, with any value.
    ReservedField(String, Value),
    /// `connectionId` is removed.
    NoId,
    /// `connectionId` becomes blank, `null` or not a string.
    BadId(Value),
    /// An item of a list field (or of a `features` list) is not a string.
    BadItem(Index, Value),
    /// The input is not an object.
    NotObject(Value),
}

fn spoil() -> impl Strategy<Value = Spoil> {
    let non_string =
        arb_json().prop_filter("not a string or null", |j| !(j.is_string() || j.is_null()));
    prop_oneof![
        (
            any::<Index>(),
            prop_oneof![
                arb_json(),
                short_string().prop_map(Value::String),
                strings(),
                arb_object()
            ]
        )
            .prop_map(|(i, j)| Spoil::WrongType(i, j)),
        ("__[a-zA-Z_]{0,10}", arb_json()).prop_map(|(k, v)| Spoil::ReservedField(k, v)),
        Just(Spoil::NoId),
        prop_oneof![
            "[ \t\n\r\u{c}]{0,3}".prop_map(Value::String),
            Just(Value::Null),
            non_string.clone()
        ]
        .prop_map(Spoil::BadId),
        (any::<Index>(), prop_oneof![Just(Value::Null), non_string])
            .prop_map(|(i, item)| Spoil::BadItem(i, item)),
        arb_json()
            .prop_filter("not an object", |j| !j.is_object())
            .prop_map(Spoil::NotObject),
    ]
}

/// Applies `spoil` to a valid input; `None` when that spoil can't make it invalid.
fn apply_spoil(input: Value, spoil: &Spoil) -> Option<Value> {
    let Value::Object(mut entries) = input else {
        unreachable!("valid inputs are objects")
    };
    match spoil {
        Spoil::WrongType(i, value) => {
            let (name, kind) = *i.get(INPUT_FIELDS);
            if is_of_kind(value, kind) {
                return None;
            }
            entries.insert(name.to_owned(), value.clone());
        }
        Spoil::ReservedField(name, value) => {
            entries.insert(name.clone(), value.clone());
        }
        Spoil::NoId => {
            entries.remove("connectionId");
        }
        Spoil::BadId(value) => {
            entries.insert("connectionId".into(), value.clone());
        }
        Spoil::BadItem(i, item) => {
            let lists: Vec<&str> = INPUT_FIELDS
                .iter()
                .filter(|(_, kind)| matches!(kind, Kind::Strings | Kind::Features))
                .map(|(name, _)| *name)
                .collect();
            let name = *i.get(&lists);
            entries.insert(name.to_owned(), json!(["US", item]));
        }
        Spoil::NotObject(value) => return Some(value.clone()),
    }
    Some(Value::Object(entries))
}

/// What `input` sends, as plain JSON.
fn sent(input: &ConnectorPlaidInitializeInput) -> Value {
    Json::from_serde(input)
        .expect("an input is always JSON")
        .to_serde_json()
        .clone()
}

/// What an accepted input object must send: its fields as given, but typed fields that are
/// `null` (unset). Untyped fields are passed through as given, `null` too.
fn expected_sent(given: &Map<String, Value>) -> Value {
    let kept = given
        .iter()
        .filter(|(k, v)| !(v.is_null() && is_typed_field(k)))
        .map(|(k, v)| (k.clone(), v.clone()));
    Value::Object(kept.collect())
}

// ---------------------------------------------------------------------------------------------
// Invariants shared by every decoder
// ---------------------------------------------------------------------------------------------

/// Checks what every decoding error must satisfy for a reply with `status`, and that its
/// message and `Debug` hold none of `tokens`. A query (`connection`, `connections`) never says
/// `MUTATION_FAILED`.
fn check_error(
    err: &Error,
    status: u16,
    tokens: &[String],
    query: bool,
) -> Result<(), TestCaseError> {
    match status {
        401 => {
            prop_assert_eq!(err.code(), ErrorCode::Unauthorized);
            prop_assert_eq!(err.status(), Some(401));
        }
        200..=299 => prop_assert!(
            matches!(err.code(), ErrorCode::BadResponse | ErrorCode::Graphql)
                || (!query && err.code() == ErrorCode::MutationFailed),
            "2xx gave {:?} (query: {}): {}",
            err.code(),
            query,
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

/// Runs the five decoders on one reply and checks every outcome.
fn check_all_decoders(
    status: u16,
    body: Option<Value>,
    tokens: &[String],
) -> Result<(), TestCaseError> {
    let reply = HttpReply::new(status, body.map(Json::from));
    match decode_initialize(reply.clone()) {
        Ok(connector) => {
            prop_assert!((200..300).contains(&status));
            let debug = format!("{connector:?}");
            for t in tokens {
                prop_assert!(!debug.contains(t.as_str()), "token in Debug: {}", debug);
            }
        }
        Err(e) => check_error(&e, status, tokens, false)?,
    }
    for result in [decode_close(reply.clone()), decode_update(reply.clone())] {
        match result {
            Ok(_) => prop_assert!((200..300).contains(&status)),
            Err(e) => check_error(&e, status, tokens, false)?,
        }
    }
    match decode_connection(reply.clone()) {
        Ok(_) => prop_assert!((200..300).contains(&status)),
        Err(e) => check_error(&e, status, tokens, true)?,
    }
    match decode_connections(reply) {
        Ok(_) => prop_assert!((200..300).contains(&status)),
        Err(e) => check_error(&e, status, tokens, true)?,
    }
    Ok(())
}

/// Runs the initialize validator on any value and checks the outcome: it accepts exactly the
/// valid inputs, types the typed fields, keeps every other field in `extra` with its value, and
/// sends the fields as given (typed `null`s left out).
fn check_from_json(value: &Value) -> Result<(), TestCaseError> {
    let result = ConnectorPlaidInitializeInput::from_json(&Json::from(value.clone()), &[]);
    prop_assert_eq!(
        result.is_ok(),
        is_valid_input(value),
        "from_json said {:?}",
        result.as_ref().map_err(|e| e.message().to_owned()).err()
    );
    match result {
        Ok(input) => {
            let Value::Object(given) = value else {
                unreachable!("only objects are valid")
            };
            prop_assert!(!input.connection_id.trim_ascii().is_empty());
            prop_assert!(input.validate().is_ok());
            prop_assert_eq!(
                given.get("connectionId").and_then(Value::as_str),
                Some(input.connection_id.as_str())
            );
            for (k, v) in given {
                if is_typed_field(k) {
                    prop_assert!(!input.extra.contains_key(k), "typed field {:?} in extra", k);
                } else {
                    prop_assert_eq!(
                        input.extra.get(k).map(Json::to_serde_json),
                        Some(v.clone()),
                        "untyped field {:?} not passed through",
                        k
                    );
                }
            }
            prop_assert!(input.extra.keys().all(|k| given.contains_key(k)));
            prop_assert_eq!(sent(&input), expected_sent(given));
        }
        Err(e) => prop_assert_eq!(e.code(), ErrorCode::InvalidInput),
    }
    Ok(())
}

/// Checks a decoded connection against the record it came from.
fn check_connection(actual: &Connection, record: &ConnectionRecord) -> Result<(), TestCaseError> {
    let expected = record.expected();
    prop_assert_eq!(&actual.id, &expected.id);
    prop_assert_eq!(&actual.status, &expected.status);
    prop_assert_eq!(
        actual.metadata.to_serde_json(),
        expected.metadata.to_serde_json()
    );
    prop_assert_eq!(&actual.accounts, &expected.accounts);
    prop_assert_eq!(&actual.institution, &expected.institution);
    prop_assert!(*actual == expected);
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
        let mut connector = PlaidConnector::new(ConnectorStatus::ActionRequired);
        connector.expiration = Some(text.to_owned());
        assert!(!connector.is_expired(0.0), "{text}");
        assert!(!connector.is_expired(f64::MAX), "{text}");
    }
}

/// A connection id of Unicode spaces only (found by `update_input_validation` on CI) is not blank
/// by the ASCII rule the client checks, so it goes to Quiltt, which answers "not found"; ids of
/// ASCII whitespace are refused before any request.
#[test]
fn only_ascii_whitespace_ids_are_blank() {
    let refused = |id: &str| {
        let update = ConnectionUpdateInput::new(id, Json::from(json!({}))).validate();
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

/// The fields of `input ConnectorPlaidInitializeInput` in an SDL text, `connectionId` aside, with
/// the JSON type each takes: `String`/`ID` or an enum a string, a list of those a list of strings
/// (`features` also a single string, as Quiltt's reference page takes it), an input type an
/// object.
fn schema_input_fields(sdl: &str) -> Vec<(String, Kind)> {
    let declares = |keyword: &str, name: &str| sdl.contains(&format!("\n{keyword} {name} {{"));
    let is_text = |ty: &str| matches!(ty, "String" | "ID") || declares("enum", ty);
    let block = sdl
        .split("input ConnectorPlaidInitializeInput {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .expect("the schema declares ConnectorPlaidInitializeInput");
    let mut in_description = false;
    let mut fields = Vec::new();
    for line in block.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("\"\"\"") {
            if rest.is_empty() || !rest.ends_with("\"\"\"") {
                in_description = !in_description;
            }
            continue;
        }
        if in_description || line.is_empty() || line.starts_with('#') || line.starts_with('"') {
            continue;
        }
        let (name, ty) = line.split_once(':').expect("a field is `name: Type`");
        let (name, ty) = (name.trim(), ty.trim().trim_end_matches('!'));
        let kind = match ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            _ if name == "features" => Kind::Features,
            Some(item) if is_text(item.trim_end_matches('!')) => Kind::Strings,
            Some(item) => panic!("{name}: a list of {item} has no kind here yet"),
            None if is_text(ty) => Kind::Str,
            None if declares("input", ty) => Kind::Object,
            None => panic!("{name}: {ty} has no kind here yet"),
        };
        if name != "connectionId" {
            fields.push((name.to_owned(), kind));
        }
    }
    fields
}

/// `INPUT_FIELDS` lists exactly the fields of the three generations, each with the kind its
/// schema type means.
#[test]
fn the_input_table_is_every_generation() {
    let mut published: Vec<(String, Kind)> = Vec::new();
    for (generation, sdl) in SCHEMAS {
        let fields = schema_input_fields(sdl);
        assert!(fields.len() > 10, "{generation}: {fields:?}");
        for (name, kind) in fields {
            match published.iter().find(|(f, _)| *f == name) {
                Some((_, seen)) => assert_eq!(*seen, kind, "{name} in {generation}"),
                None => published.push((name, kind)),
            }
        }
    }
    published.sort_by(|a, b| a.0.cmp(&b.0));
    let table: Vec<(String, Kind)> = INPUT_FIELDS
        .iter()
        .map(|&(name, kind)| (name.to_owned(), kind))
        .collect();
    assert_eq!(table, published);
}

/// `INPUT_FIELDS` (which the strategies and the oracles read) is the crate's list: every typed
/// field, set from Rust, is sent under a name the table holds, with a value of the table's kind,
/// and reads back as a typed field; and each name of the table is typed, taking exactly its kind.
#[test]
fn the_input_table_lists_every_typed_field_with_its_kind() {
    let list = || Some(vec!["x".to_owned()]);
    let object = || Some(Json::from(json!({ "k": [1] })));
    let mut input = ConnectorPlaidInitializeInput::new("conn_1");
    input.account_filters = object();
    input.additional_consented_products = list();
    input.android_package_name = Some("com.example".into());
    input.auth = object();
    input.client_mutation_id = Some("m1".into());
    input.client_name = Some("Acme".into());
    input.country_codes = list();
    input.eu_config = object();
    input.features = Some(Features::List(vec!["TRANSACTIONS".into()]));
    input.features_optional = list();
    input.features_required = list();
    input.institution_data = object();
    input.language = Some("fr".into());
    input.link_customization_name = Some("default".into());
    input.optional_products = list();
    input.portal_id = Some("p1".into());
    input.portals_provider_id = Some("pp1".into());
    input.products = list();
    input.redirect_uri = Some("https://app.example/oauth".into());
    input.transactions = object();
    input.update = object();
    let sent = sent(&input);
    let Value::Object(fields) = &sent else {
        panic!("an input is sent as an object")
    };
    assert_eq!(
        fields.len(),
        INPUT_FIELDS.len() + 1,
        "every field set is sent"
    );
    for (name, value) in fields.iter().filter(|(name, _)| *name != "connectionId") {
        let kind = INPUT_FIELDS
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, kind)| *kind);
        assert!(kind.is_some(), "{name} is not in the table");
        assert!(is_of_kind(value, kind.unwrap()), "{name}");
    }
    let read = ConnectorPlaidInitializeInput::from_json(&Json::from(sent.clone()), &[]).unwrap();
    assert!(read.extra.is_empty());
    assert!(read == input);
    // Each typed field takes exactly the values of its kind (and null).
    let candidates = [
        json!(null),
        json!("x"),
        json!([]),
        json!(["x", "y"]),
        json!(["x", 1]),
        json!([null]),
        json!({}),
        json!({ "k": "v" }),
        json!(1),
        json!(true),
    ];
    for &(name, kind) in INPUT_FIELDS {
        for value in &candidates {
            let given = json!({ "connectionId": "conn_1", name: value });
            let result = ConnectorPlaidInitializeInput::from_json(&Json::from(given), &[]);
            assert_eq!(result.is_ok(), is_of_kind(value, kind), "{name}: {value}");
        }
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
    /// panic, the code the status means, and no token (nor a secret-looking unknown
    /// `connectorStatus`) in any message.
    #[test]
    fn decoders_take_almost_valid_replies(
        init in almost_valid_reply("connectorPlaidInitialize"),
        close in almost_valid_reply("connectorPlaidClose"),
        update in almost_valid_reply("connectionUpdate"),
        connection in almost_valid_reply("connection"),
        connections in almost_valid_reply("connections"),
    ) {
        for reply in [init, close, update, connection, connections] {
            check_all_decoders(reply.status, reply.body, &reply.tokens)?;
        }
    }

    /// 401 is `UNAUTHORIZED` whatever the body says, for every decoder.
    #[test]
    fn a_401_is_always_unauthorized(reply in any_almost_valid_reply()) {
        let reply = HttpReply::new(401, reply.body.map(Json::from));
        prop_assert_eq!(decode_initialize(reply.clone()).unwrap_err().code(), ErrorCode::Unauthorized);
        prop_assert_eq!(decode_close(reply.clone()).unwrap_err().code(), ErrorCode::Unauthorized);
        prop_assert_eq!(decode_update(reply.clone()).unwrap_err().code(), ErrorCode::Unauthorized);
        prop_assert_eq!(decode_connection(reply.clone()).unwrap_err().code(), ErrorCode::Unauthorized);
        prop_assert_eq!(decode_connections(reply).unwrap_err().code(), ErrorCode::Unauthorized);
    }

    /// A well-formed initialize payload always decodes, to the values it holds.
    #[test]
    fn a_documented_initialize_payload_decodes(record in initialize_record(), status in 200..300u16) {
        let body = success_body("connectorPlaidInitialize", record.to_json());
        let c = decode_initialize(HttpReply::new(status, Some(Json::from(body)))).unwrap();
        prop_assert_eq!(&c.status, &record.status);
        prop_assert_eq!(c.connector_token.as_ref().map(|t| t.expose_secret()), record.connector_token.as_deref());
        prop_assert_eq!(c.link_token.as_ref().map(|t| t.expose_secret()), record.link_token.as_deref());
        prop_assert_eq!(&c.expiration, &record.expiration);
        prop_assert_eq!(&c.request_id, &record.request_id);
        let debug = format!("{c:?}");
        for t in record.tokens() {
            prop_assert!(!debug.contains(t.as_str()));
        }
    }

    /// A well-formed connection payload always decodes, to the values it holds, for the close,
    /// the update and the `connection` query (whose `null` is no connection).
    #[test]
    fn a_documented_connection_payload_decodes(record in connection_record(), status in 200..300u16) {
        let json = record.to_json();
        let reply = |body: Value| HttpReply::new(status, Some(Json::from(body)));
        let fail = |field: &str, e: Error| {
            TestCaseError::fail(format!("{field}: {:?} {}", e.code(), e.message()))
        };
        let close = decode_close(reply(success_body("connectorPlaidClose", json.clone())))
            .map_err(|e| fail("close", e))?;
        check_connection(&close, &record)?;
        let update = decode_update(reply(success_body("connectionUpdate", json.clone())))
            .map_err(|e| fail("update", e))?;
        check_connection(&update, &record)?;
        let found = decode_connection(reply(query_body("connection", json)))
            .map_err(|e| fail("connection", e))?;
        prop_assert!(found.is_some(), "data.connection is a record");
        check_connection(&found.unwrap(), &record)?;
        let none = decode_connection(reply(query_body("connection", Value::Null)))
            .map_err(|e| fail("connection: null", e))?;
        prop_assert!(none.is_none());
    }

    /// A well-formed `connections` list always decodes, to the connections it holds, in order.
    #[test]
    fn a_documented_connection_list_decodes(
        records in prop::collection::vec(connection_record(), 0..5),
        status in 200..300u16,
    ) {
        let list = records.iter().map(ConnectionRecord::to_json).collect();
        let reply = HttpReply::new(status, Some(Json::from(query_body("connections", list))));
        let connections = decode_connections(reply)
            .map_err(|e| TestCaseError::fail(format!("{:?} {}", e.code(), e.message())))?;
        prop_assert_eq!(connections.len(), records.len());
        for (connection, record) in connections.iter().zip(&records) {
            check_connection(connection, record)?;
        }
    }

    /// A mutation refused with `success: false` is `MUTATION_FAILED` with Quiltt's errors read
    /// field by field (`code` beside the message or in `extensions`, `type`, `displayMessage`,
    /// `requestId`, `path`), and the first `displayMessage` as the error's.
    #[test]
    fn a_refused_mutation_carries_quiltt_errors(
        field in prop::sample::select(&MUTATIONS[..]),
        errors in prop::collection::vec(error_record(), 0..4),
        status in 200..300u16,
    ) {
        let list: Value = errors.iter().map(ErrorRecord::to_json).collect();
        let body = json!({ "data": { field: { "success": false, "record": null, "errors": list } } });
        let reply = HttpReply::new(status, Some(Json::from(body)));
        let err = match field {
            "connectorPlaidInitialize" => decode_initialize(reply).err(),
            "connectorPlaidClose" => decode_close(reply).err(),
            _ => decode_update(reply).err(),
        };
        prop_assert!(err.is_some(), "success: false decoded");
        let err = err.unwrap();
        prop_assert_eq!(err.code(), ErrorCode::MutationFailed);
        prop_assert_eq!(err.status(), Some(status));
        let expected: Vec<QuilttError> = errors.iter().map(ErrorRecord::expected).collect();
        prop_assert_eq!(err.errors(), &expected[..]);
        prop_assert_eq!(
            err.display_message(),
            errors.iter().find_map(|e| e.display_message.as_deref())
        );
        if let Some(first) = errors.first() {
            prop_assert!(err.message().contains(first.message.as_str()), "{}", err.message());
        }
    }

    /// Arbitrary bytes, and bytes of documented payloads with bytes changed: whatever parses as
    /// JSON goes through the decoders and the validators; what does not is a non-JSON body.
    #[test]
    fn decoders_take_any_bytes(
        status in status(),
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            (any_almost_valid_reply(), prop::collection::vec((any::<Index>(), any::<u8>()), 0..3))
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
        let body = serde_json::from_slice::<Value>(&bytes).ok();
        if let Some(value) = &body {
            check_from_json(value)?;
            let update = ConnectionUpdateInput::new("conn_1", Json::from(value.clone())).validate();
            prop_assert_eq!(update.is_ok(), value.is_object() || value.is_null());
        }
        check_all_decoders(status, body, &[])?;
    }

    /// `from_json` takes any JSON value without panicking: `INVALID_INPUT`, or (exactly for the
    /// valid ones) an input with a non-blank `connectionId`, its typed fields, and every other
    /// field kept in `extra` as given.
    #[test]
    fn from_json_takes_any_json(
        value in prop_oneof![
            arb_json(),
            arb_object(),
            valid_input_json(),
            (valid_input_json(), spoil()).prop_filter_map("spoiled", |(v, s)| apply_spoil(v, &s)),
        ],
    ) {
        check_from_json(&value)?;
    }

    /// A valid input is accepted, and what is sent is exactly its fields but the typed `null`s,
    /// which reads back as the same input.
    #[test]
    fn from_json_accepts_valid_inputs_and_round_trips(value in valid_input_json()) {
        let input = ConnectorPlaidInitializeInput::from_json(&Json::from(value.clone()), &[]).unwrap();
        let Value::Object(given) = &value else { unreachable!() };
        let sent = sent(&input);
        prop_assert_eq!(&sent, &expected_sent(given));
        for (name, _) in INPUT_FIELDS {
            prop_assert!(!input.extra.contains_key(*name), "typed field {} in extra", name);
        }
        prop_assert!(ConnectorPlaidInitializeInput::from_json(&Json::from(sent), &[]).unwrap() == input);
        // A field named in `skip` is left out.
        let mut with_signal = given.clone();
        with_signal.insert("signal".into(), json!({ "aborted": false }));
        prop_assert!(
            ConnectorPlaidInitializeInput::from_json(&Json::from(Value::Object(with_signal)), &["signal"]).unwrap()
                == input
        );
    }

    /// Anything else is `INVALID_INPUT`.
    #[test]
    fn from_json_refuses_spoiled_inputs(value in valid_input_json(), spoil in spoil()) {
        if let Some(bad) = apply_spoil(value, &spoil) {
            let result = ConnectorPlaidInitializeInput::from_json(&Json::from(bad), &[]);
            prop_assert!(result.is_err(), "accepted {:?}", spoil);
            let err = result.unwrap_err();
            prop_assert_eq!(err.code(), ErrorCode::InvalidInput, "{:?}", spoil);
            prop_assert!(!err.message().is_empty());
        }
    }

    /// `is_expired` takes any `expiration` text without panicking, and is monotonic in time.
    #[test]
    fn is_expired_takes_any_expiration(text in expiration_text(), a in number(), b in number()) {
        let mut connector = PlaidConnector::new(ConnectorStatus::ActionRequired);
        connector.expiration = Some(text);
        let (early, late) = if a <= b { (a, b) } else { (b, a) };
        if connector.is_expired(early) {
            prop_assert!(connector.is_expired(late));
        }
    }

    /// `ConnectionUpdateInput` is valid exactly when the id is not blank (empty or only ASCII
    /// whitespace: an id of other Unicode spaces goes to Quiltt) and the metadata is an object,
    /// or `null` (which clears it).
    #[test]
    fn update_input_validation(
        id in prop_oneof!["[ \t]{0,2}", "[ ]{0,1}[a-z0-9_]{1,12}[ ]{0,1}", ".{0,6}"],
        metadata in prop_oneof![arb_json(), arb_object(), Just(Value::Null)],
    ) {
        let result = ConnectionUpdateInput::new(id.clone(), Json::from(metadata.clone())).validate();
        if !id.trim_ascii().is_empty() && (metadata.is_object() || metadata.is_null()) {
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

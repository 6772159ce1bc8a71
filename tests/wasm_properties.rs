//! The property tests of `core/tests/properties.rs` on the path the package ships: in the browser a
//! [`Json`] is a JavaScript value, so replies and inputs are parsed by `JSON.parse` and read
//! through the wasm build's exception-proof reader, not serde_json. A seeded xorshift generator
//! (no proptest in wasm) makes the same shapes: arbitrary JSON, almost-valid replies of the five
//! operations (documented payloads in both record namings, `status`/`token` and
//! `connectorStatus`/`connectorToken`, with fields removed, replaced or retyped), bytes of
//! payloads with bytes changed, and valid, spoiled and arbitrary initialize inputs. Every case
//! must give a typed result or a typed error (a panic aborts the test), and no error may quote a
//! token-looking value planted in the reply.
//!
//! It needs no sandbox. A failure names its case's seed and JSON text.
#![cfg(target_arch = "wasm32")]

use quiltt_reconnect_core::{
    decode_close, decode_connection, decode_connections, decode_initialize, decode_update,
    ConnectionUpdateInput, ConnectorPlaidInitializeInput, Error, ErrorCode, HttpReply, Json,
};
use serde_json::{json, Map, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "../core/tests/shapes/mod.rs"]
mod shapes;

use shapes::{
    is_typed_field, is_valid_input, node_mut, paths, remove_node, swap_node, Kind, INPUT_FIELDS,
    KNOWN_KEYS, MUTATIONS, QUERIES,
};

// ---------------------------------------------------------------------------------------------
// A seeded generator
// ---------------------------------------------------------------------------------------------

/// xorshift64*: small, seeded, and the same sequence on every run.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True `num` times in `den`.
    fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// One of `weights.len()` branches, each as likely as its weight.
    fn weighted(&mut self, weights: &[usize]) -> usize {
        let mut at = self.below(weights.iter().sum());
        for (i, w) in weights.iter().enumerate() {
            if at < *w {
                return i;
            }
            at -= w;
        }
        unreachable!()
    }

    /// `len` characters drawn from `chars`.
    fn string_of(&mut self, chars: &[char], len: usize) -> String {
        (0..len).map(|_| *self.pick(chars)).collect()
    }

    fn option<T>(&mut self, make: impl FnOnce(&mut Self) -> T) -> Option<T> {
        match self.chance(1, 2) {
            true => Some(make(self)),
            false => None,
        }
    }
}

const ALNUM: &[char] = &[
    'a', 'b', 'c', 'x', 'y', 'z', 'A', 'B', 'Z', '0', '1', '9', '_', '-', ' ',
];
const HEX: &[char] = &[
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f',
];
const UPPER: &[char] = &['A', 'B', 'C', 'N', 'Q', 'R', 'W', 'Z', '_'];
/// Anything JSON text can carry: quotes, escapes, controls, non-ASCII, astral characters.
const ANY: &[char] = &[
    'a', '"', '\\', '/', '\n', '\t', '\u{0}', '\u{1f}', 'é', '€', '\u{2028}', '😀', '{', ']', ':',
    ',',
];

// ---------------------------------------------------------------------------------------------
// Values (the shapes of core/tests/properties.rs)
// ---------------------------------------------------------------------------------------------

fn short_string(r: &mut Rng) -> String {
    match r.weighted(&[3, 1, 1, 1]) {
        0 => {
            let len = r.below(13);
            r.string_of(ALNUM, len)
        }
        1 => {
            let len = r.below(9);
            r.string_of(ANY, len)
        }
        2 => (*r.pick(KNOWN_KEYS)).to_owned(),
        _ => (*r.pick(&["CONTINUE", "ACTION_REQUIRED", "ABORT", "WAIT", ""])).to_owned(),
    }
}

/// A JSON number: an integer, or a finite float.
fn number(r: &mut Rng) -> Value {
    match r.below(8) {
        0 => Value::from(r.next() as i32),
        1 => Value::from(r.next() as i64),
        2 => Value::from(u64::MAX),
        3 => Value::from((r.next() % 2_000_000_000) as f64 / 1_000.0 - 1e6),
        4 => Value::from(0.0),
        5 => Value::from(-0.0),
        6 => Value::from(f64::MAX),
        _ => Value::from(f64::MIN_POSITIVE),
    }
}

fn key(r: &mut Rng) -> String {
    match r.weighted(&[3, 1, 1, 1]) {
        0 => (*r.pick(KNOWN_KEYS)).to_owned(),
        1 => r.pick(INPUT_FIELDS).0.to_owned(),
        2 => "connectionId".to_owned(),
        _ => short_string(r),
    }
}

/// Any JSON value, at most `depth` containers deep.
fn any_json(r: &mut Rng, depth: usize) -> Value {
    let leaf = depth == 0 || r.chance(1, 2);
    match (leaf, r.below(4)) {
        (true, 0) => Value::Null,
        (true, 1) => Value::Bool(r.chance(1, 2)),
        (true, 2) => number(r),
        (true, _) => Value::String(short_string(r)),
        (false, 0 | 1) => {
            let len = r.below(6);
            Value::Array((0..len).map(|_| any_json(r, depth - 1)).collect())
        }
        (false, _) => any_object(r, depth - 1),
    }
}

fn any_object(r: &mut Rng, depth: usize) -> Value {
    let len = r.below(6);
    Value::Object((0..len).map(|_| (key(r), any_json(r, depth))).collect())
}

/// A token-looking secret (long enough that no random string collides with it).
fn token(r: &mut Rng, prefix: &str) -> String {
    let env = *r.pick(&["sandbox", "production"]);
    let (a, b, c) = (
        r.string_of(HEX, 8),
        r.string_of(HEX, 4),
        r.string_of(HEX, 12),
    );
    format!("{prefix}-{env}-{a}-{b}-{c}")
}

/// An optional string member: absent, `null` or a string.
fn put(
    r: &mut Rng,
    map: &mut Map<String, Value>,
    key: &str,
    text: impl FnOnce(&mut Rng) -> String,
) {
    match r.weighted(&[1, 1, 3]) {
        0 => {}
        1 => {
            map.insert(key.into(), Value::Null);
        }
        _ => {
            let text = text(r);
            map.insert(key.into(), Value::String(text));
        }
    }
}

/// A documented `connectorPlaidInitialize` record, named as 2025-04 names its fields (`status`,
/// `token`) or as the generations before (`connectorStatus`, `connectorToken`), and the tokens
/// it holds.
fn initialize_record(r: &mut Rng) -> (Value, Vec<String>) {
    let status = match r.below(5) {
        4 => {
            let first = *r.pick(&['A', 'N', 'Q', 'Z']);
            let len = r.below(21);
            format!("{first}{}", r.string_of(UPPER, len))
        }
        i => ["CONTINUE", "ACTION_REQUIRED", "WAIT", "ABORT"][i].to_owned(),
    };
    let (status_key, token_key) = match r.chance(1, 2) {
        true => ("status", "token"),
        false => ("connectorStatus", "connectorToken"),
    };
    let connector = r.option(|r| token(r, "connector"));
    let link = r.option(|r| token(r, "link"));
    let expiration = r.option(|r| {
        format!(
            "20{}{}-{}{}-{}{}T{}{}:{}{}:{}{}Z",
            r.below(10),
            r.below(10),
            r.below(2),
            r.below(10),
            r.below(4),
            r.below(10),
            r.below(3),
            r.below(10),
            r.below(6),
            r.below(10),
            r.below(6),
            r.below(10)
        )
    });
    let request_id = r.option(|r| {
        let len = 5 + r.below(12);
        r.string_of(ALNUM, len)
    });
    let record = json!({
        status_key: status,
        token_key: connector,
        "expiration": expiration,
        "linkToken": link,
        "requestId": request_id,
    });
    (record, [connector, link].into_iter().flatten().collect())
}

/// A documented `Connection` record.
fn connection_record(r: &mut Rng) -> Value {
    let mut record = Map::new();
    let len = 1 + r.below(12);
    record.insert(
        "id".into(),
        Value::from(format!("conn_{}", r.string_of(ALNUM, len))),
    );
    put(r, &mut record, "status", |r| {
        (*r.pick(&["SYNCED", "SYNCING", "ERROR_REPAIRABLE", "DISCONNECTED"])).to_owned()
    });
    match r.weighted(&[1, 2, 4]) {
        0 => {}
        1 => {
            record.insert("metadata".into(), Value::Null);
        }
        _ => {
            let metadata = any_object(r, 3);
            record.insert("metadata".into(), metadata);
        }
    }
    if r.chance(4, 5) {
        let n = r.below(4);
        let accounts = (0..n)
            .map(|_| {
                let mut account = Map::new();
                let len = 1 + r.below(8);
                account.insert(
                    "id".into(),
                    Value::from(format!("acct_{}", r.string_of(HEX, len))),
                );
                let len = r.below(13);
                account.insert("name".into(), Value::from(r.string_of(ALNUM, len)));
                put(r, &mut account, "mask", |r| r.string_of(HEX, 4));
                put(r, &mut account, "type", |r| {
                    (*r.pick(&["CHECKING", "SAVINGS", "CREDIT"])).to_owned()
                });
                Value::Object(account)
            })
            .collect();
        record.insert("accounts".into(), accounts);
    }
    let institution = match r.chance(1, 2) {
        true => {
            let mut institution = Map::new();
            let len = 1 + r.below(12);
            institution.insert("name".into(), Value::from(r.string_of(ALNUM, len)));
            let url = |r: &mut Rng| {
                let len = r.below(9);
                format!("https://bank.example/{}.png", r.string_of(HEX, len))
            };
            match r.below(4) {
                0 => {}
                1 => {
                    institution.insert("logo".into(), Value::Null);
                }
                2 => {
                    let url = url(r);
                    institution.insert("logo".into(), Value::from(url));
                }
                _ => {
                    let url = r.option(url);
                    institution.insert("logo".into(), json!({ "url": url }));
                }
            }
            Value::Object(institution)
        }
        false => Value::Null,
    };
    record.insert("institution".into(), institution);
    Value::Object(record)
}

/// One Quiltt error (`PlaidMutationError`, `Error` or a top-level GraphQL error).
fn error_record(r: &mut Rng) -> Value {
    let mut error = Map::new();
    let len = r.below(25);
    error.insert("message".into(), Value::from(r.string_of(ALNUM, len)));
    if r.chance(1, 2) {
        let len = 1 + r.below(12);
        let code = r.string_of(UPPER, len);
        match r.chance(1, 2) {
            true => error.insert("extensions".into(), json!({ "code": code })),
            false => error.insert("code".into(), Value::from(code)),
        };
    }
    for key in ["type", "displayMessage", "requestId"] {
        if r.chance(1, 2) {
            let len = 1 + r.below(16);
            error.insert(key.into(), Value::from(r.string_of(ALNUM, len)));
        }
    }
    if r.chance(1, 2) {
        let n = r.below(3);
        let path = (0..n)
            .map(|_| match r.chance(1, 2) {
                true => {
                    let len = 1 + r.below(6);
                    Value::from(r.string_of(HEX, len))
                }
                false => Value::from(r.below(9)),
            })
            .collect();
        error.insert("path".into(), path);
    }
    Value::Object(error)
}

fn quiltt_errors(r: &mut Rng) -> Value {
    let n = r.below(3);
    (0..n).map(|_| error_record(r)).collect()
}

/// One random change: a node removed, replaced with any JSON value, or swapped for a value of
/// a "close" type (string ⇄ number, ...).
fn mutate(r: &mut Rng, mut value: Value) -> Value {
    let all = paths(&value);
    let path = r.pick(&all).clone();
    match r.below(3) {
        0 => remove_node(&mut value, &path),
        1 => *node_mut(&mut value, &path) = any_json(r, 3),
        _ => swap_node(&mut value, &path),
    }
    value
}

fn http_status(r: &mut Rng) -> u16 {
    match r.weighted(&[4, 1, 2]) {
        0 => 200,
        1 => *r.pick(&[201, 204, 400, 401, 403, 404, 422, 429, 500, 502, 503, 504]),
        _ => 100 + r.below(500) as u16,
    }
}

/// A reply for `field`: a documented payload or a documented failure shape, then zero to three
/// random changes (or, once in nine, no JSON body at all); with the token values the payload
/// held before any change, which no error may quote.
fn almost_valid_reply(r: &mut Rng, field: &str) -> (u16, Option<Value>, Vec<String>) {
    let query = QUERIES.contains(&field);
    let (record, mut tokens) = match field {
        "connectorPlaidInitialize" => initialize_record(r),
        "connections" => {
            let n = r.below(4);
            ((0..n).map(|_| connection_record(r)).collect(), Vec::new())
        }
        _ => (connection_record(r), Vec::new()),
    };
    let wrap = |record: Value| match query {
        true => json!({ "data": { field: record } }),
        false => {
            json!({ "data": { field: { "success": true, "record": record, "errors": null } } })
        }
    };
    let body = match r.weighted(&[6, 1, 1, 1, 1]) {
        0 => wrap(record),
        1 if query => json!({ "data": { field: null }, "errors": quiltt_errors(r) }),
        1 => json!({
            "data": { field: { "success": false, "record": null, "errors": quiltt_errors(r) } }
        }),
        2 => json!({ "data": null, "errors": quiltt_errors(r) }),
        3 => wrap(Value::Null),
        // An unknown status in the record: near the documented ones, or a secret.
        _ => {
            let mut record = record;
            if let Value::Object(entries) = &mut record {
                let key = match entries.contains_key("status") {
                    true => "status",
                    false => "connectorStatus",
                };
                let status = match r.chance(1, 4) {
                    true => {
                        let secret = token(r, "status");
                        tokens.push(secret.clone());
                        secret
                    }
                    false => short_string(r),
                };
                entries.insert(key.into(), Value::from(status));
            }
            wrap(record)
        }
    };
    let changes = r.below(4);
    let body = (0..changes).fold(body, |body, _| mutate(r, body));
    let body = (!r.chance(1, 9)).then_some(body);
    (http_status(r), body, tokens)
}

// ---------------------------------------------------------------------------------------------
// Through the browser: JSON.parse, then the crate
// ---------------------------------------------------------------------------------------------

/// `JSON.parse(text)` as a [`Json`]: a JavaScript value, as the browser `Io` hands replies over.
fn parsed(text: &str) -> Option<Json> {
    js_sys::JSON::parse(text)
        .ok()
        .map(quiltt_reconnect::json_from_js)
}

fn parsed_value(value: &Value) -> Json {
    parsed(&serde_json::to_string(value).unwrap()).expect("serde_json's text parses")
}

/// Checks what every decoding error must satisfy for a reply with `status`, and that neither
/// its message, its `Debug` nor the `QuilttReconnectError` it becomes holds one of `tokens`.
fn check_error(
    err: &Error,
    status: u16,
    tokens: &[String],
    query: bool,
    case: &str,
) -> Result<(), String> {
    let fail = |why: String| Err(format!("{why} ({case})"));
    let code = err.code();
    let expected = match status {
        401 => code == ErrorCode::Unauthorized && err.status() == Some(401),
        200..=299 => {
            matches!(code, ErrorCode::BadResponse | ErrorCode::Graphql)
                || (!query && code == ErrorCode::MutationFailed)
        }
        _ => matches!(code, ErrorCode::Http | ErrorCode::Graphql) && err.status() == Some(status),
    };
    if !expected {
        return fail(format!(
            "HTTP {status} gave {code:?} (status {:?}, query: {query}): {}",
            err.status(),
            err.message()
        ));
    }
    if err.message().is_empty() {
        return fail("an empty message".into());
    }
    if err.link_metadata().is_some() {
        return fail("Link metadata on a decoding error".into());
    }
    let js = JsValue::from(quiltt_reconnect::Error::from(err.clone()));
    let seen = format!(
        "{} {err:?} {}",
        err.message(),
        js_sys::JSON::stringify(&js)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    );
    match tokens.iter().find(|t| seen.contains(t.as_str())) {
        Some(t) => fail(format!("a planted token ({t}) in the error: {seen}")),
        None => Ok(()),
    }
}

/// Runs the five decoders on one reply (its body a `JSON.parse`d value, or none) and checks
/// every outcome.
fn check_all_decoders(
    status: u16,
    body: Option<Json>,
    tokens: &[String],
    case: &str,
) -> Result<(), String> {
    let reply = HttpReply::new(status, body);
    let ok_only_for_2xx = |ok: bool, what: &str| match ok && !(200..300).contains(&status) {
        true => Err(format!("{what} decoded an HTTP {status} ({case})")),
        false => Ok(()),
    };
    match decode_initialize(reply.clone()) {
        Ok(connector) => {
            ok_only_for_2xx(true, "initialize")?;
            let debug = format!("{connector:?}");
            if let Some(t) = tokens.iter().find(|t| debug.contains(t.as_str())) {
                return Err(format!("a token ({t}) in Debug: {debug} ({case})"));
            }
        }
        Err(e) => check_error(&e, status, tokens, false, case)?,
    }
    for (what, result) in [
        ("close", decode_close(reply.clone()).map(|_| ())),
        ("update", decode_update(reply.clone()).map(|_| ())),
    ] {
        match result {
            Ok(()) => ok_only_for_2xx(true, what)?,
            Err(e) => check_error(&e, status, tokens, false, case)?,
        }
    }
    match decode_connection(reply.clone()) {
        Ok(_) => ok_only_for_2xx(true, "connection")?,
        Err(e) => check_error(&e, status, tokens, true, case)?,
    }
    match decode_connections(reply) {
        Ok(_) => ok_only_for_2xx(true, "connections")?,
        Err(e) => check_error(&e, status, tokens, true, case)?,
    }
    Ok(())
}

thread_local! {
    /// The seed of the case being checked, for the panic hook to name.
    static CURRENT: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Runs `check` on `cases` cases from `seed`, panicking with the first failure. A panic inside
/// the crate (the very thing these tests look for) is reported with the seed of its case, which
/// makes the same case again.
fn for_cases(seed: u64, cases: usize, mut check: impl FnMut(&mut Rng, &str) -> Result<(), String>) {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Some(seed) = CURRENT.with(|c| c.get()) {
                console_log!("the panic below came from the case of seed {seed}");
            }
            previous(info);
        }));
    });
    for case in 0..cases {
        let case_seed = seed.wrapping_mul(1_000_003).wrapping_add(case as u64);
        CURRENT.with(|c| c.set(Some(case_seed)));
        let mut r = Rng::new(case_seed);
        if let Err(why) = check(&mut r, &format!("seed {case_seed}")) {
            panic!("case {case}: {why}");
        }
    }
    CURRENT.with(|c| c.set(None));
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// Any status with any JSON body (or none): no panic, and the code the status means.
#[wasm_bindgen_test]
fn decoders_take_any_json_body() {
    for_cases(1, 1_000, |r, seed| {
        let status = 100 + r.below(500) as u16;
        let body = r.option(|r| any_json(r, 4));
        let text = body.as_ref().map(|b| serde_json::to_string(b).unwrap());
        let case = format!("{seed}, HTTP {status}, {text:?}");
        check_all_decoders(status, body.as_ref().map(parsed_value), &[], &case)
    });
}

/// Documented payloads of the five operations, in both record namings, with fields removed,
/// replaced or retyped, random statuses and shapes: no panic, the code the status means, and
/// no planted token in any error; a 401 is `UNAUTHORIZED` whatever the body says.
#[wasm_bindgen_test]
fn decoders_take_almost_valid_replies() {
    let fields = [MUTATIONS.as_slice(), QUERIES.as_slice()].concat();
    for_cases(2, 3_000, |r, seed| {
        let field = *r.pick(&fields);
        let (status, body, tokens) = almost_valid_reply(r, field);
        let text = body.as_ref().map(|b| serde_json::to_string(b).unwrap());
        let case = format!("{seed}, {field}, HTTP {status}, {text:?}");
        let json = body.as_ref().map(parsed_value);
        check_all_decoders(status, json.clone(), &tokens, &case)?;
        let reply = HttpReply::new(401, json);
        let codes = [
            decode_initialize(reply.clone()).err().map(|e| e.code()),
            decode_close(reply.clone()).err().map(|e| e.code()),
            decode_update(reply.clone()).err().map(|e| e.code()),
            decode_connection(reply.clone()).err().map(|e| e.code()),
            decode_connections(reply).err().map(|e| e.code()),
        ];
        match codes.iter().all(|c| *c == Some(ErrorCode::Unauthorized)) {
            true => Ok(()),
            false => Err(format!("a 401 gave {codes:?} ({case})")),
        }
    });
}

/// Arbitrary bytes, and bytes of almost-valid payloads with bytes changed, as text: whatever
/// `JSON.parse` takes goes through the decoders and both input readers; what it refuses is a
/// reply without a JSON body.
#[wasm_bindgen_test]
fn decoders_and_readers_take_any_bytes() {
    let fields = [MUTATIONS.as_slice(), QUERIES.as_slice()].concat();
    for_cases(3, 1_000, |r, seed| {
        let bytes: Vec<u8> = match r.chance(1, 2) {
            true => {
                let len = r.below(256);
                (0..len).map(|_| r.next() as u8).collect()
            }
            false => {
                let field = *r.pick(&fields);
                let (_, body, _) = almost_valid_reply(r, field);
                let mut bytes = serde_json::to_vec(&body.unwrap_or_default()).unwrap();
                for _ in 0..r.below(3) {
                    if !bytes.is_empty() {
                        let at = r.below(bytes.len());
                        bytes[at] = r.next() as u8;
                    }
                }
                bytes
            }
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let status = http_status(r);
        let case = format!("{seed}, HTTP {status}, {text:?}");
        let body = parsed(&text);
        if let Some(value) = &body {
            check_from_json(value, &case)?;
            let update = ConnectionUpdateInput::new("conn_1", value.clone()).validate();
            let takes = value.is_object() || value.is_null();
            if update.is_ok() != takes {
                return Err(format!(
                    "connectionUpdate's metadata check said {update:?} ({case})"
                ));
            }
        }
        check_all_decoders(status, body, &[], &case)
    });
}

// ---------------------------------------------------------------------------------------------
// The initialize input
// ---------------------------------------------------------------------------------------------

fn strings(r: &mut Rng) -> Value {
    let n = r.below(4);
    (0..n).map(|_| Value::String(short_string(r))).collect()
}

/// A valid input: any typed fields (some `null`), a few untyped ones, a non-blank id.
fn valid_input(r: &mut Rng) -> Map<String, Value> {
    let mut entries = Map::new();
    for _ in 0..r.below(3) {
        let len = r.below(12);
        let name = format!("x{}", r.string_of(ALNUM, len).replace(' ', "_"));
        let value = any_json(r, 2);
        entries.insert(name, value);
    }
    for &(name, kind) in INPUT_FIELDS {
        if r.chance(1, 2) {
            continue;
        }
        let value = match (r.chance(1, 4), kind) {
            (true, _) => Value::Null,
            (false, Kind::Str) => Value::String(short_string(r)),
            (false, Kind::Strings) => strings(r),
            (false, Kind::Object) => any_object(r, 2),
            (false, Kind::Features) => match r.chance(1, 2) {
                true => Value::String(short_string(r)),
                false => strings(r),
            },
        };
        entries.insert(name.into(), value);
    }
    let len = 1 + r.below(16);
    let id = format!("{}{}", " ".repeat(r.below(3)), r.string_of(HEX, len));
    entries.insert("connectionId".into(), Value::String(id));
    entries
}

/// A valid input spoiled one way (maybe still valid: the oracle decides).
fn spoiled_input(r: &mut Rng) -> Value {
    let mut entries = valid_input(r);
    match r.below(6) {
        0 => {
            let (name, _) = *r.pick(INPUT_FIELDS);
            let value = match r.below(3) {
                0 => any_json(r, 2),
                1 => strings(r),
                _ => any_object(r, 1),
            };
            entries.insert(name.into(), value);
        }
        1 => {
            let name = match r.chance(1, 3) {
                true => "__proto__".to_owned(),
                false => {
                    let len = r.below(10);
                    format!("__{}", r.string_of(UPPER, len))
                }
            };
            let value = any_json(r, 2);
            entries.insert(name, value);
        }
        2 => {
            entries.remove("connectionId");
        }
        3 => {
            let id = match r.below(3) {
                0 => {
                    let len = r.below(4);
                    Value::String(r.string_of(&[' ', '\t', '\n', '\r', '\u{c}'], len))
                }
                1 => Value::Null,
                _ => number(r),
            };
            entries.insert("connectionId".into(), id);
        }
        4 => {
            let lists: Vec<&str> = INPUT_FIELDS
                .iter()
                .filter(|(_, kind)| matches!(kind, Kind::Strings | Kind::Features))
                .map(|(name, _)| *name)
                .collect();
            let name = *r.pick(&lists);
            let item = match r.chance(1, 2) {
                true => Value::Null,
                false => number(r),
            };
            entries.insert(name.into(), json!(["US", item]));
        }
        _ => return any_json(r, 2),
    }
    Value::Object(entries)
}

/// `from_json` on a `JSON.parse`d value: `INVALID_INPUT`, or, exactly for the valid ones, an
/// input with the same `connectionId` and every untyped field kept in `extra`.
fn check_from_json(value: &Json, case: &str) -> Result<(), String> {
    let result = ConnectorPlaidInitializeInput::from_json(value, &[]);
    // The oracle reads the value as serde_json does; a value it can't read (a lone surrogate
    // escaped in the text) is only checked for a typed outcome.
    let Some(plain) = value
        .to_json_string()
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
    else {
        return match result {
            Ok(_) => Ok(()),
            Err(e) if e.code() == ErrorCode::InvalidInput => Ok(()),
            Err(e) => Err(format!("{:?}: {} ({case})", e.code(), e.message())),
        };
    };
    if result.is_ok() != is_valid_input(&plain) {
        return Err(format!(
            "from_json said {:?} ({case})",
            result.as_ref().map_err(|e| e.message().to_owned()).err()
        ));
    }
    match result {
        Ok(input) => {
            let Value::Object(given) = &plain else {
                unreachable!("only objects are valid")
            };
            if given.get("connectionId").and_then(Value::as_str) != Some(&input.connection_id) {
                return Err(format!("the connectionId changed ({case})"));
            }
            let untyped = given.keys().filter(|k| !is_typed_field(k)).count();
            let kept = given
                .keys()
                .filter(|k| !is_typed_field(k))
                .all(|k| input.extra.contains_key(k.as_str()));
            match kept && input.extra.len() == untyped {
                true => Ok(()),
                false => Err(format!("extra holds {:?} ({case})", input.extra.keys())),
            }
        }
        Err(e) if e.code() == ErrorCode::InvalidInput && !e.message().is_empty() => Ok(()),
        Err(e) => Err(format!("{:?}: {} ({case})", e.code(), e.message())),
    }
}

/// `from_json` takes any value `JSON.parse` makes: `INVALID_INPUT`, or exactly for the valid
/// inputs an input with their id and their untyped fields.
#[wasm_bindgen_test]
fn from_json_takes_any_parsed_json() {
    for_cases(4, 2_000, |r, seed| {
        let value = match r.below(4) {
            0 => any_json(r, 4),
            1 => any_object(r, 3),
            2 => Value::Object(valid_input(r)),
            _ => spoiled_input(r),
        };
        let text = serde_json::to_string(&value).unwrap();
        check_from_json(&parsed_value(&value), &format!("{seed}, {text}"))
    });
}

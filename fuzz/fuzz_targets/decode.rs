//! Fuzzes what the bridge reads from outside: Quiltt's replies (the five decoders: the three
//! mutations and the `connection`/`connections` queries, and the expiration check on a decoded
//! connector) and the caller's inputs (the two validators).
//!
//! Input layout: the first byte picks the HTTP status (high 5 bits) and the target (low 3 bits);
//! the rest is the body, parsed as JSON with serde_json into a `serde_json::Value` and handed
//! over as a `Json` (`None` when it is not JSON, as the transport does). Invariants: no panic;
//! 401 is always `UNAUTHORIZED`; any other non-2xx is `HTTP` or `GRAPHQL` carrying the status; a
//! 2xx failure is `BAD_RESPONSE`, `GRAPHQL` or (mutations only, never a query)
//! `MUTATION_FAILED`; a validator either accepts or says `INVALID_INPUT`: the initialize input
//! keeps every field it does not type in `extra` as given and what it sends reads back as the
//! same input, and the update input is valid exactly when its id is not ASCII-blank and its
//! metadata is an object or `null`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quiltt_reconnect_core::{
    decode_close, decode_connection, decode_connections, decode_initialize, decode_update,
    ConnectionUpdateInput, ConnectorPlaidInitializeInput, ConnectorStatus, Error, ErrorCode,
    HttpReply, Json, PlaidConnector,
};

/// Statuses by the high five bits of the first byte: mostly 200, then 401 and the usual others.
const STATUSES: [u16; 32] = [
    200, 200, 200, 200, 200, 200, 200, 200, 201, 204, 299, 401, 401, 401, 400, 403, 404, 409, 422,
    429, 500, 502, 503, 504, 100, 101, 199, 300, 302, 304, 451, 599,
];

/// Times (Unix milliseconds) the expiration check is asked about.
const NOWS: [f64; 5] = [0.0, -1.0, 1_795_595_400_000.0, f64::MAX, f64::NAN];

/// The decoders `decode_all` runs, as bits.
const INITIALIZE: u8 = 1;
const CLOSE: u8 = 2;
const UPDATE: u8 = 4;
const CONNECTION: u8 = 8;
const CONNECTIONS: u8 = 16;
const ALL: u8 = INITIALIZE | CLOSE | UPDATE | CONNECTION | CONNECTIONS;

fn check_error(err: &Error, status: u16, query: bool) {
    assert!(!err.message().is_empty());
    assert!(err.link_metadata().is_none());
    match status {
        401 => {
            assert_eq!(err.code(), ErrorCode::Unauthorized, "{}", err.message());
            assert_eq!(err.status(), Some(401));
        }
        200..=299 => assert!(
            matches!(err.code(), ErrorCode::BadResponse | ErrorCode::Graphql)
                || (!query && err.code() == ErrorCode::MutationFailed),
            "HTTP {status} gave {:?} (query: {query}): {}",
            err.code(),
            err.message()
        ),
        _ => {
            assert!(
                matches!(err.code(), ErrorCode::Http | ErrorCode::Graphql),
                "HTTP {status} gave {:?}: {}",
                err.code(),
                err.message()
            );
            assert_eq!(err.status(), Some(status));
        }
    }
}

fn check_connector(connector: &PlaidConnector) {
    let mut expired_before = false;
    for now in [0.0, 1_795_595_400_000.0, f64::MAX] {
        let expired = connector.is_expired(now);
        assert!(expired || !expired_before, "is_expired went back in time");
        expired_before = expired;
    }
    for now in NOWS {
        let _ = connector.is_expired(now);
    }
    let _ = format!("{connector:?}");
}

/// Checks the outcome of a decoder that has no record-specific check.
fn check_outcome<T: std::fmt::Debug>(result: Result<T, Error>, status: u16, query: bool) {
    match result {
        Ok(record) => {
            assert!((200..300).contains(&status));
            let _ = format!("{record:?}");
        }
        Err(e) => check_error(&e, status, query),
    }
}

fn decode_all(status: u16, body: &Option<Json>, which: u8) {
    let reply = HttpReply::new(status, body.clone());
    if which & INITIALIZE != 0 {
        match decode_initialize(reply.clone()) {
            Ok(connector) => {
                assert!((200..300).contains(&status));
                check_connector(&connector);
            }
            Err(e) => check_error(&e, status, false),
        }
    }
    if which & CLOSE != 0 {
        check_outcome(decode_close(reply.clone()), status, false);
    }
    if which & UPDATE != 0 {
        check_outcome(decode_update(reply.clone()), status, false);
    }
    if which & CONNECTION != 0 {
        check_outcome(decode_connection(reply.clone()), status, true);
    }
    if which & CONNECTIONS != 0 {
        check_outcome(decode_connections(reply), status, true);
    }
}

fn validate_initialize(value: &Json, skip: &[&str]) {
    match ConnectorPlaidInitializeInput::from_json(value, skip) {
        Ok(input) => {
            assert!(value.is_object());
            assert!(!input.connection_id.trim_ascii().is_empty());
            assert!(input.validate().is_ok());
            // Fields it does not type pass through as given; reserved and skipped ones don't.
            for (key, kept) in &input.extra {
                assert!(!key.starts_with("__"), "kept reserved field {key:?}");
                assert!(!skip.contains(&key.as_str()), "kept skipped field {key:?}");
                assert!(value.get(key).as_ref() == Some(kept), "{key:?} changed");
            }
            // What is sent reads back as the same input.
            let sent = Json::from_serde(&input).expect("an input is JSON");
            match ConnectorPlaidInitializeInput::from_json(&sent, &[]) {
                Ok(again) => assert!(again == input, "what is sent reads back differently"),
                Err(e) => panic!("what is sent is refused: {}", e.message()),
            }
        }
        Err(e) => assert_eq!(e.code(), ErrorCode::InvalidInput, "{}", e.message()),
    }
}

fn validate_update(value: &Json) {
    let id = value
        .get("id")
        .and_then(|id| id.as_string())
        .unwrap_or_else(|| "conn_1".to_owned());
    let metadata = value.get("metadata").unwrap_or_else(|| value.clone());
    // Blank is the client's ASCII rule: other Unicode spaces are left for Quiltt to judge.
    let valid = !id.trim_ascii().is_empty() && (metadata.is_object() || metadata.is_null());
    match ConnectionUpdateInput::new(id, metadata).validate() {
        Ok(()) => assert!(valid),
        Err(e) => {
            assert!(!valid);
            assert_eq!(e.code(), ErrorCode::InvalidInput);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(selector >> 3)];
    let body = serde_json::from_slice::<serde_json::Value>(rest)
        .ok()
        .map(Json::from);
    match selector & 7 {
        0 => decode_all(status, &body, INITIALIZE),
        1 => decode_all(status, &body, CLOSE),
        2 => decode_all(status, &body, UPDATE),
        3 => {
            if let Some(value) = &body {
                validate_initialize(value, &[]);
            }
        }
        4 => {
            if let Some(value) = &body {
                validate_initialize(value, &["signal"]);
                validate_update(value);
            }
        }
        5 => {
            // The rest as an `expiration` string, straight into the expiry check.
            let mut connector = PlaidConnector::new(ConnectorStatus::ActionRequired);
            connector.expiration = Some(String::from_utf8_lossy(rest).into_owned());
            check_connector(&connector);
        }
        // 6 and 7: every decoder (the two queries have no target of their own), then the
        // validators.
        _ => {
            decode_all(status, &body, ALL);
            if let Some(value) = &body {
                validate_initialize(value, &[]);
                validate_update(value);
            }
        }
    }
});

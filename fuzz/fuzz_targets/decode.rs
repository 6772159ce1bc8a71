//! Fuzzes what the bridge reads from outside: Quiltt's replies (the three decoders, and the
//! expiration check on a decoded connector) and the caller's inputs (the two validators).
//!
//! Input layout: the first byte picks the HTTP status (high 5 bits) and the target (low 3 bits);
//! the rest is the body, parsed as JSON with serde_json (`None` when it is not JSON, as the
//! transport does). Invariants: no panic; 401 is always `UNAUTHORIZED`; any other non-2xx is
//! `HTTP` or `GRAPHQL` carrying the status; a 2xx failure is `BAD_RESPONSE`, `GRAPHQL` or
//! `MUTATION_FAILED`; a validator either accepts or says `INVALID_INPUT`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quiltt_reconnect::{
    decode_close, decode_initialize, decode_update, ConnectionUpdateInput,
    ConnectorPlaidInitializeInput, ConnectorStatus, Error, ErrorCode, HttpReply, Json,
    PlaidConnector,
};

/// Statuses by the high five bits of the first byte: mostly 200, then 401 and the usual others.
const STATUSES: [u16; 32] = [
    200, 200, 200, 200, 200, 200, 200, 200, 201, 204, 299, 401, 401, 401, 400, 403, 404, 409, 422,
    429, 500, 502, 503, 504, 100, 101, 199, 300, 302, 304, 451, 599,
];

/// Times (Unix milliseconds) the expiration check is asked about.
const NOWS: [f64; 5] = [0.0, -1.0, 1_795_595_400_000.0, f64::MAX, f64::NAN];

fn check_error(err: &Error, status: u16) {
    assert!(!err.message().is_empty());
    assert!(err.link_metadata().is_none());
    match status {
        401 => {
            assert_eq!(err.code(), ErrorCode::Unauthorized, "{}", err.message());
            assert_eq!(err.status(), Some(401));
        }
        200..=299 => assert!(
            matches!(
                err.code(),
                ErrorCode::BadResponse | ErrorCode::Graphql | ErrorCode::MutationFailed
            ),
            "HTTP {status} gave {:?}: {}",
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

fn decode_all(status: u16, body: &Option<Json>, which: u8) {
    let reply = HttpReply::new(status, body.clone());
    if which & 1 != 0 {
        match decode_initialize(reply.clone()) {
            Ok(connector) => {
                assert!((200..300).contains(&status));
                check_connector(&connector);
            }
            Err(e) => check_error(&e, status),
        }
    }
    if which & 2 != 0 {
        match decode_close(reply.clone()) {
            Ok(_) => assert!((200..300).contains(&status)),
            Err(e) => check_error(&e, status),
        }
    }
    if which & 4 != 0 {
        match decode_update(reply) {
            Ok(_) => assert!((200..300).contains(&status)),
            Err(e) => check_error(&e, status),
        }
    }
}

fn validate_initialize(value: &Json, allowed_extra: &[&str]) {
    match ConnectorPlaidInitializeInput::from_json(value, allowed_extra) {
        Ok(input) => {
            assert!(value.is_object());
            assert!(!input.connection_id.trim().is_empty());
            assert!(input.validate().is_ok());
            // What is sent reads back as the same input.
            let again = ConnectorPlaidInitializeInput::from_json(&input.to_json(), &[]);
            assert_eq!(again.as_ref(), Ok(&input));
        }
        Err(e) => assert_eq!(e.code(), ErrorCode::InvalidInput, "{}", e.message()),
    }
}

fn validate_update(value: &Json) {
    let id = value.get("id").and_then(Json::as_str).unwrap_or("conn_1");
    let metadata = value
        .get("metadata")
        .cloned()
        .unwrap_or_else(|| value.clone());
    let valid = !id.trim().is_empty() && metadata.is_object();
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
    let body = serde_json::from_slice::<Json>(rest).ok();
    match selector & 7 {
        0 => decode_all(status, &body, 1),
        1 => decode_all(status, &body, 2),
        2 => decode_all(status, &body, 4),
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
            let connector = PlaidConnector {
                connector_status: ConnectorStatus::ActionRequired,
                connector_token: None,
                expiration: Some(String::from_utf8_lossy(rest).into_owned()),
                link_token: None,
                request_id: None,
            };
            check_connector(&connector);
        }
        _ => {
            decode_all(status, &body, 7);
            if let Some(value) = &body {
                validate_initialize(value, &[]);
                validate_update(value);
            }
        }
    }
});

//! The records the mutations return, decoded from JSON with errors that name the bad field.

use serde::Serialize;
use tsify::Tsify;

use crate::error::{Error, ErrorCode};
use crate::json::{Json, ToJson};
use crate::secret::{ConnectorToken, LinkToken};
use crate::text::{decimal, text};

fn bad(path: &str, what: &str) -> Error {
    Error::new(
        ErrorCode::BadResponse,
        text!("unexpected response from Quiltt: ", path, " ", what),
    )
}

/// Reads a required string field.
pub(crate) fn required_str<'a>(obj: &'a Json, key: &str, path: &str) -> Result<&'a str, Error> {
    match obj.get(key) {
        Some(Json::String(s)) => Ok(s),
        Some(other) => Err(bad(
            &text!(path, ".", key),
            &text!("is ", other.type_name(), ", expected a string"),
        )),
        None => Err(bad(&text!(path, ".", key), "is missing")),
    }
}

/// Reads an optional string field (`null` or absent is `None`).
pub(crate) fn optional_str(obj: &Json, key: &str, path: &str) -> Result<Option<String>, Error> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(bad(
            &text!(path, ".", key),
            &text!("is ", other.type_name(), ", expected a string"),
        )),
    }
}

/// `ConnectorStatus`: what initialize says about the connection.
///
/// # Examples
/// ```
/// use quiltt_reconnect::ConnectorStatus;
/// assert_eq!(ConnectorStatus::parse("CONTINUE"), Some(ConnectorStatus::Continue));
/// assert_eq!(ConnectorStatus::parse("SOMETHING_NEW"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectorStatus {
    /// The connection is already repaired; no user action.
    Continue,
    /// The user must go through Plaid Link in update mode.
    ActionRequired,
    /// Newer schemas: the provider is busy; the bridge waits and initializes again.
    Wait,
    /// Newer schemas: the repair can't go on; the bridge rejects `CONNECTOR_ABORTED`.
    Abort,
}

impl ConnectorStatus {
    /// The enum value as Quiltt spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorStatus::Continue => "CONTINUE",
            ConnectorStatus::ActionRequired => "ACTION_REQUIRED",
            ConnectorStatus::Wait => "WAIT",
            ConnectorStatus::Abort => "ABORT",
        }
    }

    /// Parses Quiltt's enum value; `None` for values this version does not know.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "CONTINUE" => Some(ConnectorStatus::Continue),
            "ACTION_REQUIRED" => Some(ConnectorStatus::ActionRequired),
            "WAIT" => Some(ConnectorStatus::Wait),
            "ABORT" => Some(ConnectorStatus::Abort),
            _ => None,
        }
    }
}

/// `PlaidConnector`: the record of `connectorPlaidInitialize`.
///
/// The link and connector tokens stay inside the bridge: they are skipped when the record is
/// handed to JavaScript, and `Debug` redacts them.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
#[tsify(missing_as_null)]
pub struct PlaidConnector {
    /// `CONTINUE` or `ACTION_REQUIRED`.
    pub connector_status: ConnectorStatus,
    /// Quiltt's connector token (kept out of JavaScript results).
    #[serde(skip)]
    #[tsify(type = "never")]
    pub connector_token: Option<ConnectorToken>,
    /// When the link token expires (ISO-8601).
    pub expiration: Option<String>,
    /// The Plaid Link token (kept out of JavaScript results).
    #[serde(skip)]
    #[tsify(type = "never")]
    pub link_token: Option<LinkToken>,
    /// Plaid's request id, for support.
    pub request_id: Option<String>,
}

impl PlaidConnector {
    pub(crate) fn decode(record: &Json) -> Result<Self, Error> {
        const PATH: &str = "connectorPlaidInitialize.record";
        if !record.is_object() {
            return Err(bad(
                PATH,
                &text!("is ", record.type_name(), ", expected an object"),
            ));
        }
        let status = required_str(record, "connectorStatus", PATH)?;
        let connector_status = ConnectorStatus::parse(status).ok_or_else(|| {
            bad(
                &text!(PATH, ".connectorStatus"),
                &text!("is \"", status, "\", which this version does not handle (expected CONTINUE, ACTION_REQUIRED, WAIT or ABORT)"),
            )
        })?;
        Ok(PlaidConnector {
            connector_status,
            connector_token: optional_str(record, "connectorToken", PATH)?.map(ConnectorToken::new),
            expiration: optional_str(record, "expiration", PATH)?,
            link_token: optional_str(record, "linkToken", PATH)?.map(LinkToken::new),
            request_id: optional_str(record, "requestId", PATH)?,
        })
    }
}

impl PlaidConnector {
    /// Whether the link token has expired at `now_ms` (Unix milliseconds). An expiration that
    /// is missing or not ISO-8601 counts as unexpired: Link itself will say if it is not.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect::{ConnectorStatus, PlaidConnector};
    /// let c = PlaidConnector { connector_status: ConnectorStatus::ActionRequired, connector_token: None,
    ///     expiration: Some("2026-11-25T08:30:00Z".into()), link_token: None, request_id: None };
    /// assert!(!c.is_expired(1_795_595_399_000.0));
    /// assert!(c.is_expired(1_795_595_400_000.0));
    /// ```
    pub fn is_expired(&self, now_ms: f64) -> bool {
        self.expiration
            .as_deref()
            .and_then(parse_timestamp_ms)
            .is_some_and(|expires| now_ms >= expires)
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` into Unix milliseconds.
///
/// Plain loops over bytes with checked access only: no `str` slicing, number parsing or
/// iterator chains, whose panic paths and inlined adaptors cost kilobytes of wasm.
fn parse_timestamp_ms(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    if at(4) != b'-'
        || at(7) != b'-'
        || !matches!(at(10), b'T' | b't' | b' ')
        || at(13) != b':'
        || at(16) != b':'
    {
        return None;
    }
    let (year, month, day) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    // Milliseconds from the first three digits of a fraction, padded with zeros.
    let mut end = 19;
    let mut millis = 0;
    if at(end) == b'.' {
        end += 1;
        let start = end;
        while at(end).is_ascii_digit() {
            if end - start < 3 {
                millis = millis * 10 + i64::from(at(end) - b'0');
            }
            end += 1;
        }
        if end == start {
            return None;
        }
        for _ in (end - start)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match b.get(end..)? {
        b"Z" | b"z" | b"" => 0,
        rest @ [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (digits(rest, 1, 2)?, digits(rest, 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            if *sign == b'+' {
                h * 60 + m
            } else {
                -(h * 60 + m)
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some((seconds * 1000 + millis) as f64)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The decimal number in `b[start..start + len]`, all ASCII digits; `None` otherwise.
#[inline(never)]
fn digits(b: &[u8], start: usize, len: usize) -> Option<i64> {
    let mut n = 0;
    for i in start..start + len {
        let c = *b.get(i)?;
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(c - b'0');
    }
    Some(n)
}

impl ToJson for PlaidConnector {
    fn to_json(&self) -> Json {
        Json::fields(vec![
            (
                "connectorStatus",
                Json::from(self.connector_status.as_str()),
            ),
            ("expiration", self.expiration.to_json()),
            ("requestId", self.request_id.to_json()),
        ])
    }
}

impl ToJson for Account {
    fn to_json(&self) -> Json {
        Json::fields(vec![
            ("id", self.id.to_json()),
            ("name", self.name.to_json()),
        ])
    }
}

impl ToJson for Institution {
    fn to_json(&self) -> Json {
        Json::fields(vec![
            ("name", self.name.to_json()),
            ("logo", self.logo.to_json()),
        ])
    }
}

impl ToJson for Connection {
    fn to_json(&self) -> Json {
        self.clone().into_json()
    }

    fn into_json(self) -> Json {
        Json::fields(vec![
            ("id", Json::String(self.id)),
            ("status", self.status.to_json()),
            ("metadata", self.metadata),
            ("accounts", self.accounts.to_json()),
            ("institution", self.institution.to_json()),
        ])
    }
}

/// An account of a connection.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
pub struct Account {
    /// Quiltt's account id.
    pub id: String,
    /// The account's display name.
    pub name: String,
}

/// The institution behind a connection.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[tsify(missing_as_null)]
pub struct Institution {
    /// The institution's name.
    pub name: String,
    /// Its logo as a base64 PNG, where Quiltt has one.
    pub logo: Option<String>,
}

/// `ConnectionType`: a Quiltt connection as the close and update mutations return it.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[tsify(missing_as_null)]
pub struct Connection {
    /// The connection's id.
    pub id: String,
    /// The connection's status (`SYNCED`, `ERROR_REPAIRABLE`, ...), where selected.
    pub status: Option<String>,
    /// The custom metadata stored on the connection.
    #[tsify(type = "Record<string, unknown> | null")]
    pub metadata: Json,
    /// The connection's accounts.
    pub accounts: Vec<Account>,
    /// The institution, where known.
    pub institution: Option<Institution>,
}

impl Connection {
    pub(crate) fn decode(mut record: Json, path: &str) -> Result<Self, Error> {
        if !record.is_object() {
            return Err(bad(
                path,
                &text!("is ", record.type_name(), ", expected an object"),
            ));
        }
        let accounts = match record.get("accounts") {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Array(items)) => {
                let mut accounts = Vec::with_capacity(items.len());
                for (i, a) in items.iter().enumerate() {
                    let p = text!(path, ".accounts[", decimal(i as i64), "]");
                    accounts.push(Account {
                        id: required_str(a, "id", &p)?.to_owned(),
                        name: required_str(a, "name", &p)?.to_owned(),
                    });
                }
                accounts
            }
            Some(other) => {
                return Err(bad(
                    &text!(path, ".accounts"),
                    &text!("is ", other.type_name(), ", expected an array"),
                ))
            }
        };
        let institution = match record.get("institution") {
            None | Some(Json::Null) => None,
            Some(inst) => {
                let p = text!(path, ".institution");
                Some(Institution {
                    name: required_str(inst, "name", &p)?.to_owned(),
                    logo: optional_str(inst, "logo", &p)?,
                })
            }
        };
        let id = required_str(&record, "id", path)?.to_owned();
        let status = optional_str(&record, "status", path)?;
        Ok(Connection {
            id,
            status,
            metadata: record.take("metadata"),
            accounts,
            institution,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Json {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn decodes_a_documented_connector() {
        let c = PlaidConnector::decode(&json(
            r#"{"connectorStatus":"ACTION_REQUIRED","connectorToken":"ct","expiration":"2026-11-25T09:00:00Z","linkToken":"lt","requestId":"r"}"#,
        ))
        .unwrap();
        assert_eq!(c.connector_status, ConnectorStatus::ActionRequired);
        assert_eq!(c.link_token.unwrap().expose_secret(), "lt");
        assert_eq!(c.connector_token.unwrap().expose_secret(), "ct");
        assert_eq!(c.request_id.as_deref(), Some("r"));
    }

    #[test]
    fn connector_problems_are_bad_response_errors_naming_the_field() {
        let cases = [
            ("[]", "record is array"),
            ("{}", "connectorStatus is missing"),
            (r#"{"connectorStatus":5}"#, "connectorStatus is number"),
            (
                r#"{"connectorStatus":"LATER"}"#,
                "is \"LATER\", which this version does not handle",
            ),
            (
                r#"{"connectorStatus":"CONTINUE","linkToken":3}"#,
                "linkToken is number",
            ),
        ];
        for (text, expected) in cases {
            let err = PlaidConnector::decode(&json(text)).unwrap_err();
            assert_eq!(err.code(), ErrorCode::BadResponse);
            assert!(
                err.message().contains(expected),
                "{text}: {}",
                err.message()
            );
        }
    }

    #[test]
    fn serializing_a_connector_leaves_the_tokens_out() {
        let c = PlaidConnector::decode(&json(
            r#"{"connectorStatus":"CONTINUE","connectorToken":"ct-secret","linkToken":"lt-secret"}"#,
        ))
        .unwrap();
        let text = serde_json::to_string(&c).unwrap();
        assert!(!text.contains("secret"), "{text}");
        assert!(!format!("{c:?}").contains("secret"));
        assert!(text.contains("\"connectorStatus\":\"CONTINUE\""));
    }

    #[test]
    fn to_json_matches_the_serialize_shape() {
        let connector = PlaidConnector::decode(&json(
            r#"{"connectorStatus":"ACTION_REQUIRED","connectorToken":"ct","expiration":"2026-11-25T09:00:00Z","linkToken":"lt","requestId":null}"#,
        ))
        .unwrap();
        let connection = Connection::decode(
            json(r#"{"id":"c1","status":"SYNCED","metadata":{"a":[1,null]},"accounts":[{"id":"a1","name":"Checking"}],"institution":{"name":"Chase","logo":null}}"#),
            "x",
        )
        .unwrap();
        let bare = Connection::decode(json(r#"{"id":"c2"}"#), "x").unwrap();
        for (serialized, by_hand) in [
            (serde_json::to_value(&connector), connector.to_json()),
            (serde_json::to_value(&connection), connection.to_json()),
            (serde_json::to_value(&bare), bare.to_json()),
        ] {
            assert_eq!(serialized.unwrap(), serde_json::to_value(&by_hand).unwrap());
        }
    }

    #[test]
    fn timestamps_parse_as_the_previous_parser_did() {
        // Valid timestamps and mutations of them (a byte replaced, cut or added), from a
        // fixed-seed generator, so a failure reproduces.
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % n
        };
        const BYTES: &[u8] = b"0123456789-:T tZz+-.X";
        let mut valid = 0;
        for _ in 0..20_000 {
            let mut t = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                next(10_000),
                next(14),
                next(33),
                next(25),
                next(61),
                next(62)
            );
            match next(4) {
                0 => t.push_str(&format!(".{}", next(100_000))),
                1 => t.push_str(&format!("+{:02}:{:02}", next(25), next(61))),
                2 => t.push('Z'),
                _ => {}
            }
            let mut bytes = t.into_bytes();
            match next(4) {
                0 => {
                    let i = next(bytes.len() as u64) as usize;
                    bytes[i] = BYTES[next(BYTES.len() as u64) as usize];
                }
                1 => bytes.truncate(next(bytes.len() as u64) as usize),
                2 => bytes.push(BYTES[next(BYTES.len() as u64) as usize]),
                _ => {}
            }
            let t = String::from_utf8(bytes).unwrap();
            assert_eq!(parse_timestamp_ms(&t), reference_parse(&t), "{t}");
            valid += usize::from(reference_parse(&t).is_some());
        }
        // Both sides are exercised: thousands parse, thousands don't.
        assert!((2_000..18_000).contains(&valid), "{valid} of 20,000 parsed");
    }

    /// The parser as it was before it was rewritten for size: the oracle for the new one.
    ///
    /// Works on bytes with checked access only: no `str` slicing or number parsing, whose panic and
    /// parsing paths would add kilobytes to the wasm.
    fn reference_parse(text: &str) -> Option<f64> {
        let b = text.as_bytes();
        let num = |range: std::ops::Range<usize>| -> Option<i64> {
            b.get(range)?.iter().try_fold(0, |n: i64, c| {
                c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
            })
        };
        let at = |i: usize| b.get(i).copied();
        if at(4) != Some(b'-')
            || at(7) != Some(b'-')
            || !matches!(at(10), Some(b'T' | b't' | b' '))
            || at(13) != Some(b':')
            || at(16) != Some(b':')
        {
            return None;
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        let mut rest = b.get(19..)?;
        let mut millis = 0.0;
        if let Some(fraction) = rest.strip_prefix(b".") {
            let len = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            if len == 0 {
                return None;
            }
            // Milliseconds from the first three digits, without float parsing.
            millis = fraction
                .iter()
                .take(len.min(3))
                .chain(std::iter::repeat(&b'0'))
                .take(3)
                .fold(0.0, |ms, digit| ms * 10.0 + f64::from(digit - b'0'));
            rest = fraction.get(len..)?;
        }
        let offset_minutes = match rest {
            b"Z" | b"z" | b"" => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let digit = |c: &u8| c.is_ascii_digit().then(|| i64::from(c - b'0'));
                let (h, m) = (digit(h1)? * 10 + digit(h2)?, digit(m1)? * 10 + digit(m2)?);
                if h > 23 || m > 59 {
                    return None;
                }
                if *sign == b'+' {
                    h * 60 + m
                } else {
                    -(h * 60 + m)
                }
            }
            _ => return None,
        };
        // The calendar arithmetic is shared; the parsing above is what was rewritten.
        let days = days_from_civil(year, month, day);
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
        Some(seconds as f64 * 1000.0 + millis)
    }

    #[test]
    fn timestamps_parse_to_unix_milliseconds() {
        assert_eq!(parse_timestamp_ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            parse_timestamp_ms("2000-03-01T00:00:00.250Z"),
            Some(951_868_800_250.0)
        );
        assert_eq!(
            parse_timestamp_ms("2026-11-25T09:30:00+01:00"),
            parse_timestamp_ms("2026-11-25T08:30:00Z")
        );
        for bad in [
            "2026-11-25T08:30:00+99:00",
            "2026-11-25T08:30:00+999999999999999999:0",
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-25T08:30:00.Z",
            "2026-11-25T08:30:00X",
            "２０２６-11-25T08:30:00Z",
        ] {
            assert_eq!(parse_timestamp_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn decodes_connections_and_names_bad_fields() {
        let c = Connection::decode(
            json(r#"{"id":"c1","status":"SYNCED","metadata":{"a":1},"accounts":[{"id":"a1","name":"Checking"}],"institution":{"name":"Chase","logo":"iVBOR"}}"#),
            "x.record",
        )
        .unwrap();
        assert_eq!(c.accounts[0].name, "Checking");
        assert_eq!(c.institution.unwrap().logo.as_deref(), Some("iVBOR"));
        let minimal = Connection::decode(json(r#"{"id":"c1"}"#), "x").unwrap();
        assert!(minimal.accounts.is_empty() && minimal.metadata.is_null());
        for (text, expected) in [
            (r#"{"id":"c1","accounts":{}}"#, "x.accounts is object"),
            (
                r#"{"id":"c1","accounts":[{"id":"a"}]}"#,
                "x.accounts[0].name is missing",
            ),
            (
                r#"{"id":"c1","institution":{"logo":null}}"#,
                "x.institution.name is missing",
            ),
            (r#"{"accounts":[]}"#, "x.id is missing"),
            ("null", "x is null"),
        ] {
            let err = Connection::decode(json(text), "x").unwrap_err();
            assert!(
                err.message().contains(expected),
                "{text}: {}",
                err.message()
            );
        }
    }
}

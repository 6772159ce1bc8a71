//! The records Quiltt returns, decoded from replies with errors that name the bad field and
//! never quote a server's value (it could echo a token).

use serde::Serialize;

use crate::error::{Error, ErrorCode};
use crate::json::Json;
use crate::secret::{ConnectorToken, LinkToken};

fn bad(path: &str, what: &str) -> Error {
    Error::new(
        ErrorCode::BadResponse,
        format!("unexpected response from Quiltt: {path} {what}"),
    )
}

/// Reads a required string member.
fn required_str(obj: &Json, key: &str, path: &str) -> Result<String, Error> {
    match obj.get(key) {
        Some(value) => value.as_string().ok_or_else(|| {
            bad(
                &format!("{path}.{key}"),
                &format!("is {}, expected a string", value.kind()),
            )
        }),
        None => Err(bad(&format!("{path}.{key}"), "is missing")),
    }
}

/// Reads an optional string member (`null` or absent is `None`).
fn optional_str(obj: &Json, key: &str, path: &str) -> Result<Option<String>, Error> {
    match obj.get(key).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(value) => value.as_string().map(Some).ok_or_else(|| {
            bad(
                &format!("{path}.{key}"),
                &format!("is {}, expected a string", value.kind()),
            )
        }),
    }
}

/// `ConnectorStatus`: what initialize says about the connection.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::ConnectorStatus;
/// assert_eq!(ConnectorStatus::parse("CONTINUE"), Some(ConnectorStatus::Continue));
/// assert_eq!(
///     ConnectorStatus::parse("SOMETHING_NEW"),
///     Some(ConnectorStatus::Other("SOMETHING_NEW".into()))
/// );
/// assert_eq!(ConnectorStatus::parse("not an enum value"), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ConnectorStatus {
    /// The connection is healthy; no user action is needed.
    Continue,
    /// The user must go through Plaid Link in update mode.
    ActionRequired,
    /// 2024 schema on: the provider is busy; the bridge waits and initializes again.
    Wait,
    /// 2024 schema on: the repair can't go on; the bridge rejects `CONNECTOR_ABORTED`.
    Abort,
    /// A value a newer generation added, as Quiltt spells it: the bridge opens Link when the
    /// record has a link token, and otherwise fails `BAD_RESPONSE`.
    #[strum(default)]
    Other(String),
}

impl ConnectorStatus {
    /// The enum value as Quiltt spells it.
    pub fn as_str(&self) -> &str {
        match self {
            ConnectorStatus::Other(value) => value,
            known => known.into(),
        }
    }

    /// Parses Quiltt's enum value: a value this version does not know is [`Other`](Self::Other);
    /// `None` for text that is not a GraphQL enum value in Quiltt's style (`A_Z0_9`), which is
    /// never passed on (it could be a token a server echoed).
    pub fn parse(value: &str) -> Option<Self> {
        // `from_str` can't fail: a value it doesn't know is `Other`.
        let status: ConnectorStatus = value.parse().ok()?;
        match &status {
            ConnectorStatus::Other(other) if !is_enum_value(other) => None,
            _ => Some(status),
        }
    }
}

/// Whether `text` is an enum value as Quiltt writes them: capitals, digits and `_`, starting
/// with a capital, 64 characters at most.
fn is_enum_value(text: &str) -> bool {
    text.len() <= 64
        && text.starts_with(|c: char| c.is_ascii_uppercase())
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

impl Serialize for ConnectorStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The record of `connectorPlaidInitialize` (`PlaidConnector` in the 2023 schema,
/// `PlaidConnectorSession` from 2024 on), in one shape whatever the generation.
///
/// The link and connector tokens stay inside the bridge: they are skipped when the record is
/// handed to JavaScript, and `Debug` redacts them. (`hostedLinkUrl` is selected, so that a
/// refused document tells the 2023 generation from the 2024 one, and not kept: like a link
/// token, it opens the user's Link session.)
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::{ConnectorStatus, PlaidConnector};
/// let c = PlaidConnector::new(ConnectorStatus::Continue);
/// assert!(c.link_token.is_none());
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PlaidConnector {
    /// `CONTINUE`, `ACTION_REQUIRED`, `WAIT`, `ABORT`, or a newer value (`status` from 2025,
    /// `connectorStatus` before).
    pub status: ConnectorStatus,
    /// Quiltt's connector token (`token` from 2025, `connectorToken` before; kept out of
    /// JavaScript results).
    pub connector_token: Option<ConnectorToken>,
    /// When the link token expires (ISO-8601).
    pub expiration: Option<String>,
    /// The Plaid Link token (kept out of JavaScript results).
    pub link_token: Option<LinkToken>,
    /// Plaid's request id, for support.
    pub request_id: Option<String>,
}

/// What JavaScript gets: `{ status, connectorStatus, expiration, requestId }`, no token.
/// `connectorStatus` repeats `status` for apps written before 2025's rename.
impl Serialize for PlaidConnector {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("status", &self.status)?;
        map.serialize_entry("connectorStatus", &self.status)?;
        map.serialize_entry("expiration", &self.expiration)?;
        map.serialize_entry("requestId", &self.request_id)?;
        map.end()
    }
}

impl PlaidConnector {
    /// A record with `status` and nothing else.
    pub fn new(status: ConnectorStatus) -> Self {
        PlaidConnector {
            status,
            connector_token: None,
            expiration: None,
            link_token: None,
            request_id: None,
        }
    }

    /// Reads a record of any generation: `status` and `token` (2025), or `connectorStatus` and
    /// `connectorToken` (before).
    pub(crate) fn decode(record: &Json) -> Result<Self, Error> {
        const PATH: &str = "data.connectorPlaidInitialize.record";
        if !record.is_object() {
            return Err(bad(
                PATH,
                &format!("is {}, expected an object", record.kind()),
            ));
        }
        let (status_key, token_key) = match record.get("status") {
            Some(_) => ("status", "token"),
            None => ("connectorStatus", "connectorToken"),
        };
        let text = required_str(record, status_key, PATH)?;
        let status = ConnectorStatus::parse(&text).ok_or_else(|| {
            bad(
                &format!("{PATH}.{status_key}"),
                "is not an enum value (capitals, digits and _)",
            )
        })?;
        Ok(PlaidConnector {
            status,
            connector_token: optional_str(record, token_key, PATH)?.map(ConnectorToken::new),
            expiration: optional_str(record, "expiration", PATH)?,
            link_token: optional_str(record, "linkToken", PATH)?.map(LinkToken::new),
            request_id: optional_str(record, "requestId", PATH)?,
        })
    }

    /// Whether the link token has expired at `now_ms` (Unix milliseconds). An expiration that
    /// is missing or not ISO-8601 counts as unexpired: Link itself will say if it is not.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect_core::{ConnectorStatus, PlaidConnector};
    /// let mut c = PlaidConnector::new(ConnectorStatus::ActionRequired);
    /// c.expiration = Some("2026-11-25T08:30:00Z".into());
    /// assert!(!c.is_expired(1_795_595_399_000.0));
    /// assert!(c.is_expired(1_795_595_400_000.0));
    /// ```
    pub fn is_expired(&self, now_ms: f64) -> bool {
        self.expiration
            .as_deref()
            .and_then(parse_timestamp_ms)
            .is_some_and(|expires| now_ms >= expires)
    }

    /// The expiration as Unix milliseconds, when it is ISO-8601.
    pub(crate) fn expires_at_ms(&self) -> Option<f64> {
        self.expiration.as_deref().and_then(parse_timestamp_ms)
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` into Unix milliseconds.
///
/// Written by hand rather than with a date crate: the bridge needs this one format, and a
/// calendar crate would add more to the package than the whole parser.
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

/// An account of a connection.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::Account;
/// let a = Account::new("acct_1", "Checking");
/// assert_eq!(a.mask, None);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Account {
    /// Quiltt's account id.
    pub id: String,
    /// The account's display name.
    pub name: String,
    /// Usually the last four digits of the account number.
    pub mask: Option<String>,
    /// The account's classification (`CHECKING`, `SAVINGS`, `CREDIT`, ...).
    #[serde(rename = "type")]
    pub account_type: Option<String>,
}

impl Account {
    /// An account with an id and a name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Account {
            id: id.into(),
            name: name.into(),
            mask: None,
            account_type: None,
        }
    }

    fn decode(value: &Json, path: &str) -> Result<Self, Error> {
        Ok(Account {
            id: required_str(value, "id", path)?,
            name: required_str(value, "name", path)?,
            mask: optional_str(value, "mask", path)?,
            account_type: optional_str(value, "type", path)?,
        })
    }
}

/// The institution behind a connection.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::Institution;
/// let i = Institution::new("Chase");
/// assert!(i.logo.is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Institution {
    /// The institution's name.
    pub name: String,
    /// The URL of its logo (`logo { url }` in the live schema; a plain string in older ones).
    pub logo: Option<String>,
}

impl Institution {
    /// An institution with a name and no logo.
    pub fn new(name: impl Into<String>) -> Self {
        Institution {
            name: name.into(),
            logo: None,
        }
    }

    fn decode(value: &Json, path: &str) -> Result<Self, Error> {
        let logo = match value.get("logo").filter(|l| !l.is_null()) {
            None => None,
            // The live schema's `Image { url }`; the reference page's examples select a leaf.
            Some(image) if image.is_object() => {
                optional_str(&image, "url", &format!("{path}.logo"))?
            }
            Some(_) => optional_str(value, "logo", path)?,
        };
        Ok(Institution {
            name: required_str(value, "name", path)?,
            logo,
        })
    }
}

/// A Quiltt connection, as the close, the update and the two queries return it.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::Connection;
/// let c = Connection::new("conn_1");
/// assert!(c.accounts.is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Connection {
    /// The connection's id.
    pub id: String,
    /// The connection's status (`SYNCED`, `ERROR_REPAIRABLE`, ...).
    pub status: Option<String>,
    /// The custom metadata stored on the connection (`null` when there is none), passed through
    /// as Quiltt sent it.
    pub metadata: Json,
    /// The connection's accounts.
    pub accounts: Vec<Account>,
    /// The institution, where known.
    pub institution: Option<Institution>,
}

impl Connection {
    /// A connection with an id and nothing else.
    pub fn new(id: impl Into<String>) -> Self {
        Connection {
            id: id.into(),
            status: None,
            metadata: Json::null(),
            accounts: Vec::new(),
            institution: None,
        }
    }

    /// Whether the status is one of Quiltt's error states (`ERROR_*`, `DISCONNECTED`).
    pub fn needs_repair(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| s.starts_with("ERROR_") || s == "DISCONNECTED")
    }

    pub(crate) fn decode(record: &Json, path: &str) -> Result<Self, Error> {
        if !record.is_object() {
            return Err(bad(
                path,
                &format!("is {}, expected an object", record.kind()),
            ));
        }
        let accounts = match record.get("accounts").filter(|a| !a.is_null()) {
            None => Vec::new(),
            Some(list) => match list.items() {
                Some(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, a)| Account::decode(a, &format!("{path}.accounts[{i}]")))
                    .collect::<Result<_, _>>()?,
                None => {
                    return Err(bad(
                        &format!("{path}.accounts"),
                        &format!("is {}, expected an array", list.kind()),
                    ))
                }
            },
        };
        let institution = match record.get("institution").filter(|i| !i.is_null()) {
            None => None,
            Some(inst) => Some(Institution::decode(&inst, &format!("{path}.institution"))?),
        };
        Ok(Connection {
            id: required_str(record, "id", path)?,
            status: optional_str(record, "status", path)?,
            metadata: record.get("metadata").unwrap_or_default(),
            accounts,
            institution,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Json {
        Json::parse(text).unwrap()
    }

    #[test]
    fn decodes_a_documented_connector() {
        let c = PlaidConnector::decode(&json(
            r#"{"connectorStatus":"ACTION_REQUIRED","connectorToken":"ct","expiration":"2026-11-25T09:00:00Z","linkToken":"lt","requestId":"r"}"#,
        ))
        .unwrap();
        assert_eq!(c.status, ConnectorStatus::ActionRequired);
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
                r#"{"connectorStatus":"later, maybe"}"#,
                "connectorStatus is not an enum value",
            ),
            (r#"{"status":null}"#, "status is null"),
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
    fn a_server_value_is_never_quoted_in_a_message() {
        let err = PlaidConnector::decode(&json(r#"{"connectorStatus":"link-sandbox-echo"}"#))
            .unwrap_err();
        assert!(
            !err.message().contains("link-sandbox-echo"),
            "{}",
            err.message()
        );
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
        assert!(text.contains("\"status\":\"CONTINUE\""));
    }

    #[test]
    fn a_2025_record_reads_into_the_same_shape_and_new_statuses_pass_through() {
        let c = PlaidConnector::decode(&json(
            r#"{"status":"ACTION_REQUIRED","token":"ct","expiration":null,"hostedLinkUrl":"https://hosted/x","linkToken":"lt","requestId":"r"}"#,
        ))
        .unwrap();
        assert_eq!(c.status, ConnectorStatus::ActionRequired);
        assert_eq!(c.connector_token.unwrap().expose_secret(), "ct");
        let text = serde_json::to_string(
            &PlaidConnector::decode(&json(r#"{"status":"HOSTED_ONLY","linkToken":"lt"}"#)).unwrap(),
        )
        .unwrap();
        assert!(text.contains("\"status\":\"HOSTED_ONLY\""), "{text}");
        assert!(!text.contains("hosted/x") && !text.contains("lt"), "{text}");
    }

    #[test]
    fn decodes_connections_of_both_schema_generations_and_names_bad_fields() {
        let live = Connection::decode(
            &json(r#"{"id":"c1","status":"SYNCED","metadata":{"a":1},"accounts":[{"id":"a1","name":"Checking","mask":"0000","type":"CHECKING"}],"institution":{"name":"Chase","logo":{"url":"https://x/logo.png"}}}"#),
            "x.record",
        )
        .unwrap();
        assert_eq!(live.accounts[0].mask.as_deref(), Some("0000"));
        assert_eq!(live.accounts[0].account_type.as_deref(), Some("CHECKING"));
        assert_eq!(
            live.institution.unwrap().logo.as_deref(),
            Some("https://x/logo.png")
        );
        let page = Connection::decode(
            &json(r#"{"id":"c1","institution":{"name":"Chase","logo":"iVBOR"}}"#),
            "x",
        )
        .unwrap();
        assert_eq!(page.institution.unwrap().logo.as_deref(), Some("iVBOR"));
        let minimal = Connection::decode(&json(r#"{"id":"c1"}"#), "x").unwrap();
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
            (
                r#"{"id":"c1","institution":{"name":"n","logo":{"url":5}}}"#,
                "x.institution.logo.url is number",
            ),
            (r#"{"accounts":[]}"#, "x.id is missing"),
            ("null", "x is null"),
        ] {
            let err = Connection::decode(&json(text), "x").unwrap_err();
            assert!(
                err.message().contains(expected),
                "{text}: {}",
                err.message()
            );
        }
    }

    #[test]
    fn repair_is_needed_in_error_states_only() {
        let mut c = Connection::new("c");
        assert!(!c.needs_repair());
        for (status, needs) in [
            ("SYNCED", false),
            ("ERROR_REPAIRABLE", true),
            ("DISCONNECTED", true),
            ("SYNCING", false),
        ] {
            c.status = Some(status.into());
            assert_eq!(c.needs_repair(), needs, "{status}");
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
}

//! Messages built without `core::fmt`. `format!` brings the formatting machinery (padding,
//! integer formatting, `fmt::write`) into the wasm, several kilobytes; every message here only
//! joins strings and integers, which [`text!`] and [`decimal`] do directly.

/// Joins string pieces (`&str`, `String`, anything `AsRef<str>`) into a new `String`:
/// `text!("data.", field, " is missing")`.
macro_rules! text {
    ($($piece:expr),+ $(,)?) => {{
        let mut text = ::std::string::String::new();
        $(text.push_str(::core::convert::AsRef::<str>::as_ref(&$piece));)+
        text
    }};
}
pub(crate) use text;

/// `n` in decimal, as `n.to_string()` would write it.
pub(crate) fn decimal(n: i64) -> String {
    let mut magnitude = n.unsigned_abs();
    let mut digits = Vec::with_capacity(20);
    loop {
        digits.push(char::from(b'0' + (magnitude % 10) as u8));
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if n < 0 {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_is_to_string() {
        for n in [0, 7, 10, 429, 65_535, -1, -40, i64::MAX, i64::MIN] {
            assert_eq!(decimal(n), n.to_string());
        }
    }

    #[test]
    fn text_joins_its_pieces() {
        let field = String::from("connectorPlaidClose");
        assert_eq!(
            text!("data.", field, " failed: HTTP ", decimal(503)),
            "data.connectorPlaidClose failed: HTTP 503"
        );
    }
}

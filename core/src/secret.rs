//! Token newtypes. Their `Debug` never prints the value, and the value is only reachable through
//! an explicitly named `expose_secret()`, so a token cannot slip into a log line or an error by
//! accident.

use std::fmt;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps a token value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The raw token, for the one place that must send it.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }

            /// Replaces every occurrence of this token in `text` with `[redacted]`.
            pub fn redact(&self, text: &mut String) {
                redact_all(text, &[&self.0]);
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

/// Replaces every occurrence of any of `secrets` in `text` with `[redacted]`, in one pass from
/// left to right (the longest secret first where several match), so one secret is never found
/// inside another's replacement.
pub fn redact_all(text: &mut String, secrets: &[&str]) {
    let mut out = String::new();
    let mut found = false;
    let mut rest = text.as_str();
    while let Some(c) = rest.chars().next() {
        let secret = secrets
            .iter()
            .filter(|s| !s.is_empty() && rest.starts_with(**s))
            .max_by_key(|s| s.len());
        match secret {
            Some(secret) => {
                out.push_str("[redacted]");
                rest = &rest[secret.len()..];
                found = true;
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if found {
        *text = out;
    }
}

secret_type!(
    /// A Quiltt session token, sent only as `Authorization: Bearer <token>`.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect_core::SessionToken;
    /// let t = SessionToken::new("ey.secret");
    /// assert!(!format!("{t:?}").contains("secret"));
    /// ```
    SessionToken
);
secret_type!(
    /// A Plaid Link token from `connectorPlaidInitialize`.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect_core::LinkToken;
    /// assert_eq!(format!("{:?}", LinkToken::new("link-x")), "LinkToken([redacted])");
    /// ```
    LinkToken
);
secret_type!(
    /// Quiltt's connector token, binding a close to its initialize.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect_core::ConnectorToken;
    /// assert_eq!(ConnectorToken::new("c").expose_secret(), "c");
    /// ```
    ConnectorToken
);
secret_type!(
    /// The single-use public token Plaid Link hands to `onSuccess`.
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect_core::PublicToken;
    /// let mut s = String::from("got public-1 back");
    /// PublicToken::new("public-1").redact(&mut s);
    /// assert_eq!(s, "got [redacted] back");
    /// ```
    PublicToken
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let all = format!(
            "{:?} {:?} {:?} {:?}",
            SessionToken::new("s3cr3t-a"),
            LinkToken::new("s3cr3t-b"),
            ConnectorToken::new("s3cr3t-c"),
            PublicToken::new("s3cr3t-d")
        );
        assert!(!all.contains("s3cr3t"), "{all}");
    }

    #[test]
    fn redact_replaces_every_occurrence_and_ignores_empty_tokens() {
        let mut text = String::from("a tok b tok");
        LinkToken::new("tok").redact(&mut text);
        assert_eq!(text, "a [redacted] b [redacted]");
        let mut untouched = String::from("abc");
        LinkToken::new("").redact(&mut untouched);
        assert_eq!(untouched, "abc");
        let mut both = String::from("t and tok, é t");
        redact_all(&mut both, &["t", "tok"]);
        assert_eq!(both, "[redacted] and [redacted], é [redacted]");
    }
}

//! The tokens an operation has seen, to scrub from what it hands back.

use crate::error::Error;
use crate::json::Json;
use crate::secret::{redact_all, ConnectorToken, LinkToken, PublicToken, SessionToken};

/// The tokens an operation has seen, scrubbed from any error it returns.
#[derive(Default)]
pub(crate) struct Secrets {
    session: Vec<SessionToken>,
    link: Vec<LinkToken>,
    connector: Vec<ConnectorToken>,
    public: Vec<PublicToken>,
}

impl Secrets {
    pub(crate) fn session(&mut self, token: &SessionToken) {
        if !self.session.contains(token) {
            self.session.push(token.clone());
        }
    }

    pub(crate) fn link(&mut self, token: &LinkToken) {
        self.link.push(token.clone());
    }

    pub(crate) fn connector(&mut self, token: &ConnectorToken) {
        self.connector.push(token.clone());
    }

    pub(crate) fn public(&mut self, token: &PublicToken) {
        self.public.push(token.clone());
    }

    /// Every token seen.
    fn all(&self) -> Vec<&str> {
        (self.session.iter().map(SessionToken::expose_secret))
            .chain(self.link.iter().map(LinkToken::expose_secret))
            .chain(self.connector.iter().map(ConnectorToken::expose_secret))
            .chain(self.public.iter().map(PublicToken::expose_secret))
            .collect()
    }

    /// `error` with every token seen replaced by `[redacted]`, in every text it carries and in
    /// Link's metadata on it.
    pub(crate) fn scrub(&self, error: Error) -> Error {
        let secrets = self.all();
        error
            .redact(|text| redact_all(text, &secrets))
            .scrub_link_metadata(|metadata| metadata.redacted(&secrets))
    }

    /// `text` with every token seen replaced by `[redacted]`.
    pub(crate) fn scrub_text(&self, text: &mut String) {
        redact_all(text, &self.all());
    }

    /// `value` with every token seen replaced by `[redacted]` (itself when none occurs).
    pub(crate) fn scrub_json(&self, value: &Json) -> Json {
        value.redacted(&self.all())
    }

    /// The tokens seen so far, owned (for a callback that outlives this borrow).
    pub(crate) fn snapshot(&self) -> Vec<String> {
        self.all().into_iter().map(str::to_owned).collect()
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets([redacted])")
    }
}

//! One GraphQL request's life, as every operation runs it: a session token, the request, one
//! fresh token and one more request after a 401 (when the token can be refreshed), and retries
//! of transient failures under the [`RetryPolicy`](super::retry::RetryPolicy).

use super::retry::Attempts;
use super::secrets::Secrets;
use super::step::{Clock, Settings};
use crate::error::{Error, ErrorCode};
use crate::quiltt::{GraphqlRequest, HttpReply};
use crate::secret::SessionToken;

/// What the exchange needs next.
#[derive(Debug)]
pub(crate) enum Next {
    /// A session token.
    Token,
    /// To send the request with the token.
    Send,
    /// To wait this long, then a token again.
    Sleep(u32),
    /// Nothing: this is its outcome.
    Finished(Result<HttpReply, Error>),
}

/// Refuses a token that can't be sent as `Authorization: Bearer <token>`: a header value is
/// bytes without NUL, CR or LF (the Fetch standard's ByteString).
pub fn check_header_value(token: &SessionToken) -> Result<(), Error> {
    let text = token.expose_secret();
    if text
        .chars()
        .any(|c| matches!(c, '\0' | '\r' | '\n') || c > '\u{ff}')
    {
        return Err(Error::invalid(
            "the session token is not a valid HTTP header value",
        ));
    }
    Ok(())
}

/// One request, sent until it has an answer worth keeping.
#[derive(Debug)]
pub(crate) struct Exchange {
    request: GraphqlRequest,
    attempts: Attempts,
    token: Option<SessionToken>,
    /// Whether a fresh token was asked for after a 401 (once per exchange).
    refreshed: bool,
}

impl Exchange {
    /// An exchange of `request`; [`Exchange::begin`] starts it.
    pub(crate) fn new(request: GraphqlRequest) -> Self {
        Exchange {
            request,
            attempts: Attempts::first(0.0),
            token: None,
            refreshed: false,
        }
    }

    /// Starts the exchange at `now_ms` (its retries' time budget counts from here).
    pub(crate) fn begin(&mut self, now_ms: f64) -> Next {
        self.attempts = Attempts::first(now_ms);
        Next::Token
    }

    /// Sends `request` instead, with the token it has (a token first if it has none), as a
    /// first attempt at `now_ms`.
    pub(crate) fn resend(&mut self, request: GraphqlRequest, now_ms: f64) -> Next {
        self.request = request;
        self.attempts = Attempts::first(now_ms);
        match self.token {
            Some(_) => Next::Send,
            None => Next::Token,
        }
    }

    /// The request and the token to send it with, once there is one.
    pub(crate) fn outgoing(&self) -> Option<(&GraphqlRequest, &SessionToken)> {
        Some((&self.request, self.token.as_ref()?))
    }

    /// The request.
    pub(crate) fn request(&self) -> &GraphqlRequest {
        &self.request
    }

    /// A token arrived (or did not): send, or finish with why not. A token function that gave
    /// a blank token, or one that can't be an HTTP header value, ends the exchange before any
    /// request.
    pub(crate) fn on_token(
        &mut self,
        result: Result<SessionToken, Error>,
        secrets: &mut Secrets,
    ) -> Next {
        let token = match result {
            Ok(token) => token,
            Err(e) => return Next::Finished(Err(e)),
        };
        secrets.session(&token);
        let text = token.expose_secret();
        if text.trim_ascii().is_empty() {
            return Next::Finished(Err(Error::new(
                ErrorCode::Unauthorized,
                "the session token is blank: the token function gave no usable token",
            )));
        }
        if let Err(e) = check_header_value(&token) {
            return Next::Finished(Err(e));
        }
        self.token = Some(token);
        Next::Send
    }

    /// The reply (or the transport's failure): a fresh token after a 401, a retry, or the end.
    pub(crate) fn on_reply(
        &mut self,
        result: Result<HttpReply, Error>,
        settings: &Settings,
        clock: Clock,
    ) -> Next {
        let unauthorized = matches!(&result, Ok(reply) if reply.status == 401);
        if unauthorized && settings.token_refreshes && !self.refreshed {
            self.refreshed = true;
            return Next::Token;
        }
        match self
            .attempts
            .retry(&settings.policy, &result, clock.now_ms, clock.random)
        {
            Some(delay) => Next::Sleep(delay),
            None => Next::Finished(result),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Json;
    use crate::RetryPolicy;

    fn exchange() -> Exchange {
        let request = GraphqlRequest::new("Op", "query Op { x }", Json::null(), false).unwrap();
        let mut e = Exchange::new(request);
        assert!(matches!(e.begin(0.0), Next::Token));
        e
    }

    fn settings(token_refreshes: bool) -> Settings {
        Settings {
            policy: RetryPolicy::default(),
            token_refreshes,
            link_load_timeout_ms: 1000,
            schema: Default::default(),
        }
    }

    const CLOCK: Clock = Clock {
        now_ms: 0.0,
        random: 0.5,
    };

    #[test]
    fn a_401_asks_a_refreshable_token_once_more_and_a_fixed_one_never() {
        let mut secrets = Secrets::default();
        let mut e = exchange();
        assert!(matches!(
            e.on_token(Ok(SessionToken::new("old")), &mut secrets),
            Next::Send
        ));
        let refused = || Ok(HttpReply::new(401, None));
        assert!(matches!(
            e.on_reply(refused(), &settings(true), CLOCK),
            Next::Token
        ));
        assert!(matches!(
            e.on_token(Ok(SessionToken::new("new")), &mut secrets),
            Next::Send
        ));
        assert_eq!(e.outgoing().unwrap().1.expose_secret(), "new");
        assert!(
            matches!(e.on_reply(refused(), &settings(true), CLOCK), Next::Finished(Ok(r)) if r.status == 401)
        );

        let mut fixed = exchange();
        fixed.on_token(Ok(SessionToken::new("t")), &mut secrets);
        assert!(matches!(
            fixed.on_reply(refused(), &settings(false), CLOCK),
            Next::Finished(_)
        ));
        let scrubbed = secrets.scrub(Error::new(ErrorCode::Http, "old new t"));
        assert_eq!(scrubbed.message(), "[redacted] [redacted] [redacted]");
    }

    #[test]
    fn blank_or_unsendable_tokens_end_the_exchange_before_any_request() {
        let mut secrets = Secrets::default();
        for (token, code) in [
            ("", ErrorCode::Unauthorized),
            (" \t", ErrorCode::Unauthorized),
            ("a\nb", ErrorCode::InvalidInput),
            ("tok\u{2028}", ErrorCode::InvalidInput),
        ] {
            let next = exchange().on_token(Ok(SessionToken::new(token)), &mut secrets);
            assert!(
                matches!(next, Next::Finished(Err(e)) if e.code() == code),
                "{token:?}"
            );
        }
    }

    #[test]
    fn transient_failures_sleep_and_a_timeout_ends_the_exchange() {
        let mut secrets = Secrets::default();
        let mut e = exchange();
        e.on_token(Ok(SessionToken::new("t")), &mut secrets);
        let busy = Ok(HttpReply::new(503, None));
        assert!(matches!(
            e.on_reply(busy, &settings(false), CLOCK),
            Next::Sleep(_)
        ));
        let timeout = Err(Error::new(ErrorCode::Timeout, "slow"));
        assert!(matches!(
            e.on_reply(timeout, &settings(false), CLOCK),
            Next::Finished(Err(_))
        ));
    }
}

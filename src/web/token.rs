//! Where the session token comes from: the app's fixed token, or a function asked when a
//! request needs one.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use quiltt_reconnect_core::SessionToken;

use crate::error::Error;

/// A future that yields a fresh session token.
pub type TokenFuture = Pin<Box<dyn Future<Output = Result<SessionToken, Error>>>>;

/// Where the session token comes from: a fixed token, or a function asked when a request needs
/// one (and once more after a 401, whereupon the request is sent once more).
///
/// # Examples
/// ```
/// use quiltt_reconnect::{SessionToken, TokenSource};
/// let fixed = TokenSource::from(SessionToken::new("session-token"));
/// assert!(format!("{fixed:?}").contains("redacted"));
/// ```
#[derive(Clone)]
pub enum TokenSource {
    /// A fixed token; a 401 rejects `UNAUTHORIZED`.
    Static(SessionToken),
    /// A function returning a fresh token. It is bounded by the client's timeout.
    Provider(Rc<dyn Fn() -> TokenFuture>),
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Static(_) => f.write_str("TokenSource::Static([redacted])"),
            TokenSource::Provider(_) => f.write_str("TokenSource::Provider(..)"),
        }
    }
}

impl From<SessionToken> for TokenSource {
    fn from(token: SessionToken) -> Self {
        TokenSource::Static(token)
    }
}

impl TokenSource {
    /// A token now (a function is called).
    pub(crate) async fn get(&self) -> Result<SessionToken, quiltt_reconnect_core::Error> {
        match self {
            TokenSource::Static(token) => Ok(token.clone()),
            TokenSource::Provider(provide) => provide().await.map_err(Error::into_inner),
        }
    }

    /// Whether asking again can give a fresh token.
    pub(crate) fn refreshes(&self) -> bool {
        matches!(self, TokenSource::Provider(_))
    }
}

//! An operation that is one request: `connectionUpdate`, `connection(id)`, `connections`.

use std::rc::Rc;

use super::exchange::{Exchange, Next};
use super::secrets::Secrets;
use super::step::{out_of_turn, Clock, Operation, Seen, Settings, Step, Steps};
use crate::error::Error;
use crate::plaid::PlaidEvent;
use crate::quiltt::{GraphqlRequest, HttpReply};
use crate::secret::SessionToken;

/// One request, with its retries, decoded by `decode`.
pub struct Request<T> {
    exchange: Exchange,
    decode: Box<dyn Fn(HttpReply) -> Result<T, Error>>,
    settings: Settings,
    secrets: Secrets,
    result: Option<Result<T, Error>>,
}

impl<T> std::fmt::Debug for Request<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("operation", &self.exchange.request().operation_name)
            .finish_non_exhaustive()
    }
}

impl<T> Request<T> {
    /// An operation sending `request` and decoding its reply with `decode`.
    pub(crate) fn new(
        request: GraphqlRequest,
        decode: impl Fn(HttpReply) -> Result<T, Error> + 'static,
        settings: Settings,
    ) -> Self {
        Request {
            exchange: Exchange::new(request),
            decode: Box::new(decode),
            settings,
            secrets: Secrets::default(),
            result: None,
        }
    }

    fn step(&mut self, next: Next) -> Step {
        match next {
            Next::Token => Step::Token,
            Next::Send => Step::Send,
            Next::Sleep(ms) => Step::Sleep(ms),
            Next::Finished(result) => {
                self.result = Some(result.and_then(&self.decode));
                Step::Done
            }
        }
    }
}

impl<T> Steps for Request<T> {
    fn begin(&mut self, clock: Clock) -> Step {
        let next = self.exchange.begin(clock.now_ms);
        self.step(next)
    }

    fn on(&mut self, seen: Seen, clock: Clock) -> Step {
        let next = match seen {
            Seen::Token(result) => self.exchange.on_token(result, &mut self.secrets),
            Seen::Reply(result) => self.exchange.on_reply(result, &self.settings, clock),
            Seen::Woke => Next::Token,
            _ => Next::Finished(Err(out_of_turn())),
        };
        self.step(next)
    }

    fn outgoing(&self) -> Option<(&GraphqlRequest, &SessionToken)> {
        self.exchange.outgoing()
    }

    fn cancellable(&self) -> bool {
        true
    }

    fn stop(&mut self, error: Error) -> Step {
        self.step(Next::Finished(Err(error)))
    }

    fn plaid_events(&self) -> Rc<dyn Fn(PlaidEvent)> {
        Rc::new(|_| {})
    }
}

impl<T> Operation for Request<T> {
    type Output = T;

    fn end(self) -> Result<T, Error> {
        let result = self.result.unwrap_or_else(|| Err(out_of_turn()));
        result.map_err(|e| self.secrets.scrub(e))
    }
}

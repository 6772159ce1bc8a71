//! [`Client::watch`](crate::Client::watch)'s stream: each status change of a connection as a
//! [`Stream`] item, then the end.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;
use quiltt_reconnect_core::Connection;

use crate::error::Error;

/// The running watch: it resolves with the last connection, or its error.
type Running<'a> = Pin<Box<dyn Future<Output = Result<Connection, Error>> + 'a>>;

/// The status changes of one connection, read on a backed-off schedule: an item for each change
/// (the first read's connection too), ending after the one whose status the watch waits for, or
/// with one `Err` (`TIMEOUT` past the bound, a request's failure). Dropping it stops the watch,
/// and aborts a read in flight.
pub struct WatchStream<'a> {
    changes: Rc<RefCell<VecDeque<Connection>>>,
    running: Option<Running<'a>>,
    failure: Option<Error>,
}

impl fmt::Debug for WatchStream<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchStream")
            .field("queued", &self.changes.borrow().len())
            .field("running", &self.running.is_some())
            .finish()
    }
}

impl<'a> WatchStream<'a> {
    /// A stream of the changes `changes` receives while `running` runs.
    pub(crate) fn new(
        changes: Rc<RefCell<VecDeque<Connection>>>,
        running: impl Future<Output = Result<Connection, Error>> + 'a,
    ) -> Self {
        WatchStream {
            changes,
            running: Some(Box::pin(running)),
            failure: None,
        }
    }
}

impl Stream for WatchStream<'_> {
    type Item = Result<Connection, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(change) = self.changes.borrow_mut().pop_front() {
                return Poll::Ready(Some(Ok(change)));
            }
            let Some(running) = self.running.as_mut() else {
                return Poll::Ready(self.failure.take().map(Err));
            };
            match running.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => {
                    self.running = None;
                    // The last connection was handed on as a change already.
                    self.failure = result.err();
                }
            }
        }
    }
}

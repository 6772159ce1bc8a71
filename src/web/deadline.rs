//! A bound on how long the browser layer waits for anything.

use std::future::Future;

use gloo_timers::future::TimeoutFuture;

/// `work`'s output if it finishes within `ms` milliseconds; `None` (and `work` dropped) if not.
pub(crate) async fn within<T>(ms: u32, work: impl Future<Output = T>) -> Option<T> {
    quiltt_reconnect_core::driver::unless(work, TimeoutFuture::new(ms)).await
}

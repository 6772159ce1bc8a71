//! Retries of transient failures: capped, jittered exponential backoff, bounded in attempts and
//! in total time, honouring `Retry-After` on 429.

use crate::error::{Error, ErrorCode};
use crate::quiltt::HttpReply;

/// How transient failures (network errors, HTTP 502/503/504 and 429) are retried.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::RetryPolicy;
/// let policy = RetryPolicy::default();
/// assert!(policy.attempts >= 2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The first backoff delay in milliseconds; each next one doubles.
    pub base_delay_ms: u32,
    /// The longest single delay in milliseconds (a longer `Retry-After` ends the retries).
    pub max_delay_ms: u32,
    /// No retry starts once this many milliseconds have passed since the first attempt.
    pub budget_ms: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            base_delay_ms: 300,
            max_delay_ms: 5_000,
            budget_ms: 20_000,
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (1 for the first retry): exponential, capped, with
    /// "equal jitter" (`jitter` in `[0, 1)` picks a point in the upper half).
    ///
    /// # Examples
    /// ```
    /// use quiltt_reconnect_core::RetryPolicy;
    /// let p = RetryPolicy { attempts: 5, base_delay_ms: 100, max_delay_ms: 1000, budget_ms: 10_000 };
    /// assert_eq!(p.backoff_ms(1, 0.0), 50);
    /// assert_eq!(p.backoff_ms(1, 0.999), 99);
    /// assert_eq!(p.backoff_ms(10, 0.0), 500);
    /// ```
    pub fn backoff_ms(&self, retry: u32, jitter: f64) -> u32 {
        let exponential = u64::from(self.base_delay_ms) << retry.saturating_sub(1).min(20);
        let capped = exponential.min(u64::from(self.max_delay_ms)) as f64;
        let jitter = jitter.clamp(0.0, 1.0);
        (capped / 2.0 + capped / 2.0 * jitter) as u32
    }
}

/// Whether a result is worth retrying, and the server's `Retry-After` if it gave one. A timeout
/// is not: the request may still be running at the server, and the flow's time is bounded.
fn transient(result: &Result<HttpReply, Error>) -> Option<Option<u32>> {
    match result {
        Err(e) if e.code() == ErrorCode::Network => Some(None),
        Ok(reply) if matches!(reply.status, 502..=504) => Some(reply.retry_after_ms),
        Ok(reply) if reply.status == 429 => Some(reply.retry_after_ms),
        _ => None,
    }
}

/// The delay before attempt `attempt + 1` of a request first sent at `started_ms`, or `None`
/// when `result` is final: it is not transient, the attempts are spent, the server's
/// `Retry-After` is longer than a single delay may be, or the delay would end past the
/// policy's time budget. `random` in `[0, 1)` is the backoff's jitter.
fn retry_delay(
    policy: &RetryPolicy,
    attempt: u32,
    started_ms: f64,
    now_ms: f64,
    result: &Result<HttpReply, Error>,
    random: f64,
) -> Option<u32> {
    let retry_after = transient(result)?;
    if attempt >= policy.attempts {
        return None;
    }
    let delay = match retry_after {
        Some(ms) if ms > policy.max_delay_ms => return None,
        Some(ms) => ms,
        None => policy.backoff_ms(attempt, random),
    };
    (now_ms - started_ms + f64::from(delay) <= f64::from(policy.budget_ms)).then_some(delay)
}

/// A request's attempts so far: what any driver keeps to retry it under a policy. The request
/// itself is the same at every attempt (and so its `clientMutationId`).
#[derive(Debug)]
pub(crate) struct Attempts {
    attempt: u32,
    started_ms: f64,
}

impl Attempts {
    /// A request about to be sent for the first time at `now_ms`.
    pub(crate) fn first(now_ms: f64) -> Self {
        Attempts {
            attempt: 1,
            started_ms: now_ms,
        }
    }

    /// The delay before the next attempt, counting it, or `None` when `result` is final
    /// (see [`retry_delay`]).
    pub(crate) fn retry(
        &mut self,
        policy: &RetryPolicy,
        result: &Result<HttpReply, Error>,
        now_ms: f64,
        random: f64,
    ) -> Option<u32> {
        let delay = retry_delay(
            policy,
            self.attempt,
            self.started_ms,
            now_ms,
            result,
            random,
        )?;
        self.attempt += 1;
        Some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Result<HttpReply, Error> {
        Ok(HttpReply::new(code, None))
    }

    #[test]
    fn only_network_errors_gateway_errors_and_rate_limits_are_retried() {
        let policy = RetryPolicy::default();
        for (result, retried) in [
            (Err(Error::new(ErrorCode::Network, "reset")), true),
            (Err(Error::new(ErrorCode::Timeout, "slow")), false),
            (status(502), true),
            (status(503), true),
            (status(504), true),
            (status(429), true),
            (status(500), false),
            (status(401), false),
            (status(200), false),
        ] {
            let mut attempts = Attempts::first(0.0);
            assert_eq!(
                attempts.retry(&policy, &result, 0.0, 0.5).is_some(),
                retried
            );
        }
    }

    #[test]
    fn retries_stop_at_the_attempt_bound_the_cap_and_the_budget() {
        let policy = RetryPolicy::default();
        let mut attempts = Attempts::first(0.0);
        let delays: Vec<_> = (0..10)
            .map_while(|_| attempts.retry(&policy, &status(503), 0.0, 0.0))
            .collect();
        assert_eq!(delays.len() as u32, policy.attempts - 1);
        let slow = Ok(HttpReply::new(429, None).with_retry_after_ms(policy.max_delay_ms + 1));
        assert_eq!(Attempts::first(0.0).retry(&policy, &slow, 0.0, 0.5), None);
        let late = f64::from(policy.budget_ms);
        assert_eq!(
            Attempts::first(0.0).retry(&policy, &status(503), late, 0.5),
            None
        );
    }
}

//! How long to wait between attempts, and when to stop.
//!
//! Exponential backoff with "equal jitter" (half the ceiling fixed, the other
//! half random), so that a fleet of workers hit by the same outage does not
//! come back in lockstep, while no retry comes back almost at once; a server's `Retry-After` wins
//! when it asks for longer. Bounded both in attempts and in total time.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::error::Error;

/// Retry bounds for transient failures (connection errors, 429, 5xx).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included. 1 disables retries.
    pub max_attempts: u32,
    /// Backoff ceiling before jitter for the first retry; doubles each retry.
    pub initial_backoff: Duration,
    /// No single wait is longer than this, `Retry-After` included.
    pub max_backoff: Duration,
    /// No retry starts after this much time has passed since the first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(20),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first retry), or `None`
    /// when the budget is spent. `elapsed` is the time since the first attempt.
    pub fn next_delay(
        &self,
        retry: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if retry >= self.max_attempts {
            return None;
        }
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
            .min(self.max_backoff);
        // Equal jitter: a uniform wait between half the ceiling and the ceiling
        // (not "full" jitter, 0..ceiling, which allows near-zero waits).
        let half = ceiling / 2;
        let jitter = Duration::from_micros(fastrand::u64(0..=half.as_micros() as u64));
        let mut delay = half + jitter;
        if let Some(asked) = retry_after {
            if asked > self.max_backoff {
                return None;
            }
            delay = delay.max(asked);
        }
        (elapsed + delay <= self.max_elapsed).then_some(delay)
    }
}

/// One operation's way through a [`RetryPolicy`]: counts the retries and the
/// time since the first attempt; after each transient failure it either waits
/// (with a warning that says what failed) or hands the error back once the
/// budget is spent. The one retry loop step of the token endpoint, the
/// exchange, revoke and API calls.
pub(crate) struct Backoff<'p> {
    policy: &'p RetryPolicy,
    started: Instant,
    retries: u32,
}

impl<'p> Backoff<'p> {
    /// Starts counting now: call it just before the first attempt.
    pub(crate) fn start(policy: &'p RetryPolicy) -> Self {
        Backoff {
            policy,
            started: Instant::now(),
            retries: 0,
        }
    }

    /// After `err` (transient), waits before the next attempt, honouring the
    /// `Retry-After` it carries; `Err(err)` when the budget is spent. `what`
    /// names what failed in the warning ("token refresh").
    pub(crate) async fn wait_or_give_up(&mut self, err: Error, what: &str) -> Result<(), Error> {
        self.retries += 1;
        let Some(delay) =
            self.policy
                .next_delay(self.retries, self.started.elapsed(), err.retry_after())
        else {
            return Err(err);
        };
        tracing::warn!(
            retry = self.retries,
            ?delay,
            "{what} failed ({err}); retrying"
        );
        tokio::time::sleep(delay).await;
        Ok(())
    }
}

/// `Retry-After` as seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_after_max_attempts() {
        let policy = RetryPolicy::default();
        assert!(policy.next_delay(1, Duration::ZERO, None).is_some());
        assert!(policy.next_delay(3, Duration::ZERO, None).is_some());
        assert!(policy.next_delay(4, Duration::ZERO, None).is_none());
    }

    #[test]
    fn backoff_grows_within_jitter_bounds() {
        let policy = RetryPolicy::default();
        for _ in 0..100 {
            let first = policy.next_delay(1, Duration::ZERO, None).unwrap();
            assert!(first >= Duration::from_millis(125) && first <= Duration::from_millis(250));
            let third = policy.next_delay(3, Duration::ZERO, None).unwrap();
            assert!(third >= Duration::from_millis(500) && third <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn retry_after_wins_and_is_bounded() {
        let policy = RetryPolicy::default();
        let d = policy
            .next_delay(1, Duration::ZERO, Some(Duration::from_secs(3)))
            .unwrap();
        assert_eq!(d, Duration::from_secs(3));
        assert!(policy
            .next_delay(1, Duration::ZERO, Some(Duration::from_secs(3600)))
            .is_none());
        assert!(policy
            .next_delay(1, Duration::from_secs(59), Some(Duration::from_secs(3)))
            .is_none());
    }

    #[test]
    fn parses_retry_after_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let future = std::time::SystemTime::now() + Duration::from_secs(120);
        headers.insert(
            RETRY_AFTER,
            httpdate::fmt_http_date(future).parse().unwrap(),
        );
        let parsed = retry_after(&headers).unwrap();
        assert!(parsed > Duration::from_secs(100) && parsed <= Duration::from_secs(120));
    }
}

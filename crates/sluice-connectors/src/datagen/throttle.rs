//! `RateLimiter`: a token bucket that keeps a generating source at `rows-per-second` over
//! time. Rows are granted in chunks of about 50 ms worth rather than one by one, and up
//! to one second of unused allowance is kept, so short stalls are caught up.

use std::thread;
use std::time::{Duration, Instant};

/// The longest a source sleeps inside one poll before returning `Pending`.
const MAX_SLEEP: Duration = Duration::from_millis(100);

pub(crate) struct RateLimiter {
    per_second: f64,
    tokens: f64,
    /// The most tokens kept: one second of rows (at least one chunk).
    capacity: f64,
    /// The fewest rows granted at once (about 50 ms worth), so batches are not tiny.
    chunk: f64,
    last: Instant,
}

impl RateLimiter {
    /// A limiter of `per_second` rows (at least 1) starting at `now` with one chunk ready.
    pub(crate) fn new(per_second: u64, now: Instant) -> Self {
        let per_second = per_second.max(1) as f64;
        let chunk = (per_second / 20.0).floor().max(1.0);
        RateLimiter { per_second, tokens: chunk, capacity: per_second.max(chunk), chunk, last: now }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.last = now;
    }

    /// How many of `want` rows may go out at `now` (at least one), or how long to wait
    /// until some may.
    pub(crate) fn grant(&mut self, want: usize, now: Instant) -> Result<usize, Duration> {
        if want == 0 {
            return Ok(0);
        }
        self.refill(now);
        let needed = self.chunk.min(want as f64);
        if self.tokens < needed {
            return Err(Duration::from_secs_f64((needed - self.tokens) / self.per_second));
        }
        let granted = (self.tokens.floor() as usize).min(want);
        self.tokens -= granted as f64;
        Ok(granted)
    }

    /// Like `grant` at the current time, but sleeps (up to 100 ms) when nothing may go
    /// out yet. Returns 0 if still nothing may go out, and the caller reports `Pending`.
    pub(crate) fn acquire(&mut self, want: usize) -> usize {
        match self.grant(want, Instant::now()) {
            Ok(n) => n,
            Err(wait) => {
                thread::sleep(wait.min(MAX_SLEEP));
                self.grant(want, Instant::now()).unwrap_or(0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_rate_over_simulated_time() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(1000, t0);
        // One chunk (50 rows) right away, then nothing until time passes.
        assert_eq!(limiter.grant(10_000, t0), Ok(50));
        let wait = limiter.grant(10_000, t0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(50));
        let mut total = 50;
        for tick in 1..=1000 {
            let now = t0 + Duration::from_millis(10 * tick);
            total += limiter.grant(10_000, now).unwrap_or(0);
        }
        // Ten simulated seconds at 1000 rows per second, plus the first chunk.
        assert_eq!(total, 10_050);
    }

    #[test]
    fn small_requests_and_catch_up_limit() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(10, t0);
        assert_eq!(limiter.grant(5, t0), Ok(1));
        assert!(limiter.grant(5, t0).is_err());
        // A long stall gives at most one second of rows.
        let later = t0 + Duration::from_secs(60);
        assert_eq!(limiter.grant(100, later), Ok(10));
        assert_eq!(limiter.grant(0, later), Ok(0));
    }
}

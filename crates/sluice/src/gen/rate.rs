//! `TokenBucket`: holds `--rate` over time without a sleep per message.
//!
//! Tokens accrue continuously at the rate; each message spends one. The producer asks
//! for a batch of tokens at once and writes that many messages before it looks at the
//! clock again, so at 100,000 messages per second it checks the clock a few hundred
//! times a second, not 100,000 times. When the bucket is empty it says how long until
//! the next token, and the caller waits that long while polling Kafka.
//!
//! The bucket holds at most a tenth of a second of tokens (and at least one): after a
//! stall (a full queue, a slow terminal) the producer catches up by that much and no
//! more, so it never bursts far above the rate.

use std::time::{Duration, Instant};

/// What `TokenBucket::take` grants.
#[derive(Debug, PartialEq, Eq)]
pub enum Grant {
    /// Send this many messages now (at least one).
    Send(u64),
    /// Nothing to send yet: the next token comes after this long.
    Wait(Duration),
}

/// A token bucket for a fixed rate in messages per second.
#[derive(Debug)]
pub struct TokenBucket {
    per_second: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A bucket that starts with one token, so the first message goes out at once.
    /// `None` for rate 0, which means as fast as possible.
    pub fn new(per_second: u64, now: Instant) -> Option<TokenBucket> {
        if per_second == 0 {
            return None;
        }
        let per_second = per_second as f64;
        Some(TokenBucket { per_second, capacity: (per_second / 10.0).max(1.0), tokens: 1.0, last: now })
    }

    /// Takes up to `most` whole tokens (at least one is asked for).
    pub fn take(&mut self, most: u64, now: Instant) -> Grant {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now.max(self.last);
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        let whole = self.tokens.floor();
        if whole >= 1.0 {
            let granted = (whole as u64).min(most.max(1));
            self.tokens -= granted as f64;
            return Grant::Send(granted);
        }
        // Whole milliseconds, at least one: librdkafka's poll timeout and the OS sleep
        // have millisecond granularity (a shorter poll would spin), and the bucket
        // holds enough tokens to make up for the longer wait.
        let missing_micros = ((1.0 - self.tokens) / self.per_second * 1e6).ceil() as u64;
        Grant::Wait(Duration::from_millis(missing_micros.div_ceil(1000).max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives a bucket with a simulated clock: whenever it says wait, the clock moves on
    /// by exactly that much. Returns how many messages were sent by `end`.
    fn simulate(rate: u64, batch: u64, end: Duration) -> u64 {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(rate, start).expect("a positive rate");
        let (mut now, mut sent) = (start, 0u64);
        while now < start + end {
            match bucket.take(batch, now) {
                Grant::Send(n) => sent += n,
                Grant::Wait(wait) => now += wait.max(Duration::from_nanos(1)),
            }
        }
        sent
    }

    #[test]
    fn holds_the_rate_over_time_at_low_and_high_rates() {
        // Ten seconds of simulated time: the count is the rate times ten, give or take
        // the starting token and the last partial token.
        assert!((100..=101).contains(&simulate(10, 1024, Duration::from_secs(10))));
        let high = simulate(250_000, 1024, Duration::from_secs(10));
        assert!((2_499_000..=2_500_001).contains(&high), "{high}");
    }

    #[test]
    fn waits_are_whole_milliseconds() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(100_000, start).expect("a positive rate");
        assert_eq!(bucket.take(10, start), Grant::Send(1));
        assert_eq!(bucket.take(10, start), Grant::Wait(Duration::from_millis(1)));
        let mut slow = TokenBucket::new(3, start).expect("a positive rate");
        assert_eq!(slow.take(10, start), Grant::Send(1));
        assert_eq!(slow.take(10, start), Grant::Wait(Duration::from_millis(334)));
    }

    #[test]
    fn zero_means_unlimited() {
        assert!(TokenBucket::new(0, Instant::now()).is_none());
    }

    #[test]
    fn a_stall_catches_up_by_at_most_a_tenth_of_a_second() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(1000, start).expect("a positive rate");
        assert_eq!(bucket.take(u64::MAX, start), Grant::Send(1));
        assert_eq!(bucket.take(u64::MAX, start + Duration::from_secs(60)), Grant::Send(100));
    }

    #[test]
    fn grants_no_more_than_asked_and_keeps_the_rest() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(1000, start).expect("a positive rate");
        let later = start + Duration::from_millis(50);
        assert_eq!(bucket.take(10, later), Grant::Send(10));
        assert_eq!(bucket.take(1000, later), Grant::Send(41));
        assert!(matches!(bucket.take(1000, later), Grant::Wait(_)));
    }
}

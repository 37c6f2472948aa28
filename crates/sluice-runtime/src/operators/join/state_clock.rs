//! Processing time for state TTL (`table.exec.state.ttl`), shared by the updating
//! operators (regular join, Top-N, deduplication, upsert materializer).
//!
//! Flink's state TTL forgets an entry once it has not been written for the TTL, measured
//! on the processing-time clock; reads do not refresh it and expired entries are never
//! returned. The clock can be replaced so that tests move time by hand instead of
//! sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A processing-time clock in milliseconds.
#[derive(Clone)]
pub struct ProcessingClock(Arc<dyn Fn() -> u64 + Send + Sync>);

impl ProcessingClock {
    /// The machine's wall clock.
    pub fn system() -> Self {
        ProcessingClock(Arc::new(|| {
            SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
        }))
    }

    /// A clock that only moves when the returned handle is advanced (for tests).
    pub fn manual(start: u64) -> (Self, ManualTime) {
        let time = Arc::new(AtomicU64::new(start));
        let read = time.clone();
        (ProcessingClock(Arc::new(move || read.load(Ordering::SeqCst))), ManualTime(time))
    }

    pub fn now(&self) -> u64 {
        (self.0)()
    }
}

impl Default for ProcessingClock {
    fn default() -> Self {
        ProcessingClock::system()
    }
}

/// The hand of a manual clock.
#[derive(Clone)]
pub struct ManualTime(Arc<AtomicU64>);

impl ManualTime {
    pub fn advance(&self, millis: u64) {
        self.0.fetch_add(millis, Ordering::SeqCst);
    }
}

/// The TTL of an operator's state and the clock it is measured on.
#[derive(Clone)]
pub(crate) struct StateTtl {
    ttl: Option<u64>,
    clock: ProcessingClock,
    last_sweep: u64,
}

impl StateTtl {
    pub fn new(ttl: Option<Duration>) -> Self {
        // A zero TTL means "never expire" in Flink.
        let ttl = ttl.map(|d| d.as_millis() as u64).filter(|t| *t > 0);
        StateTtl { ttl, clock: ProcessingClock::system(), last_sweep: 0 }
    }

    pub fn set_clock(&mut self, clock: ProcessingClock) {
        self.clock = clock;
    }

    /// The current processing time (0 when there is no TTL: nothing reads it then).
    pub fn now(&self) -> u64 {
        if self.ttl.is_some() {
            self.clock.now()
        } else {
            0
        }
    }

    /// Whether an entry last written at `written` is gone at `now`.
    pub fn expired(&self, written: u64, now: u64) -> bool {
        self.ttl.is_some_and(|ttl| written.saturating_add(ttl) <= now)
    }

    /// Whether it is time for a full pass over the state to drop expired entries (at
    /// most once per TTL, so the cost is spread thin).
    pub fn sweep_due(&mut self, now: u64) -> bool {
        match self.ttl {
            Some(ttl) if now >= self.last_sweep.saturating_add(ttl) => {
                self.last_sweep = now;
                true
            }
            _ => false,
        }
    }
}

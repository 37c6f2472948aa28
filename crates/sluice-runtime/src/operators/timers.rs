//! The event-time timers of an operator instance, as Flink's timer service keeps them:
//! (time, key) pairs that fire in time order (ties in key order) once the watermark
//! reaches their time. Every operator that waits for event time keeps its timers here:
//! the SESSION TVF and session windows (a session per key closes at its end), interval
//! and temporal joins (state cleanup and version probes per key), OVER windows (rows
//! per key released in time order) and keep-first deduplication on event time.
//!
//! What a key is stays the operator's (a key's index in its state, or its bytes, with
//! whatever tells its timers apart); saving them in checkpoints too, because each
//! operator saves its keys its own way (`state::save_timers` serves those keyed by
//! index).

use std::collections::BTreeSet;

#[derive(Debug)]
pub(crate) struct EventTimers<K> {
    queue: BTreeSet<(i64, K)>,
}

impl<K: Ord> Default for EventTimers<K> {
    fn default() -> Self {
        EventTimers { queue: BTreeSet::new() }
    }
}

impl<K: Ord> EventTimers<K> {
    /// Sets a timer for `key` at `time` (a second one at the same time is the same timer).
    pub fn set(&mut self, time: i64, key: K) {
        self.queue.insert((time, key));
    }

    /// Removes the timer for `key` at `time`, if set.
    pub fn cancel(&mut self, time: i64, key: K) {
        self.queue.remove(&(time, key));
    }

    /// The time of the earliest timer.
    pub fn next_time(&self) -> Option<i64> {
        self.queue.first().map(|(t, _)| *t)
    }

    /// Removes and returns the earliest timer if `reached` says the watermark reached
    /// its time (`time <= watermark` for most operators; windows in a local time zone
    /// ask their clock).
    pub fn pop_reached(&mut self, reached: impl Fn(i64) -> bool) -> Option<(i64, K)> {
        let (time, _) = self.queue.first()?;
        if !reached(*time) {
            return None;
        }
        self.queue.pop_first()
    }

    /// Removes and returns the earliest timer at or before `watermark`.
    pub fn pop_until(&mut self, watermark: i64) -> Option<(i64, K)> {
        self.pop_reached(|time| time <= watermark)
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Every timer, in firing order.
    pub fn iter(&self) -> impl Iterator<Item = &(i64, K)> {
        self.queue.iter()
    }

    /// Sets every timer of `timers` (restored from a checkpoint).
    pub fn extend(&mut self, timers: impl IntoIterator<Item = (i64, K)>) {
        self.queue.extend(timers);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_fire_in_time_then_key_order_once_reached() {
        let mut timers = EventTimers::default();
        timers.set(20, 1usize);
        timers.set(10, 2);
        timers.set(10, 1);
        timers.set(10, 1);
        timers.set(30, 0);
        timers.cancel(30, 0);
        assert_eq!(timers.len(), 3);
        assert_eq!(timers.next_time(), Some(10));
        let mut fired = Vec::new();
        while let Some(t) = timers.pop_until(20) {
            fired.push(t);
        }
        assert_eq!(fired, vec![(10, 1), (10, 2), (20, 1)]);
        assert_eq!(timers.pop_until(i64::MAX), None);
    }
}

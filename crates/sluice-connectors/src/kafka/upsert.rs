//! The reducing buffer of the `upsert-kafka` sink (`sink.buffer-flush.max-rows` and
//! `sink.buffer-flush.interval`), as Flink's `ReducingUpsertSink`: rows are kept by
//! their encoded key, a later change of a key replaces the earlier one, and the buffer is
//! sent when it holds `max-rows` keys or `interval` has passed since it was last sent.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A message ready to send: encoded key and value (`None` value: a tombstone), the
/// timestamp in epoch milliseconds and the headers.
#[derive(Clone, Debug)]
pub struct PendingMessage {
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub timestamp: Option<i64>,
    pub headers: Option<Vec<(String, Option<Vec<u8>>)>>,
}

pub struct UpsertBuffer {
    /// Index into `messages` by key, so the send order follows first arrival.
    by_key: HashMap<Option<Vec<u8>>, usize>,
    messages: Vec<PendingMessage>,
    max_rows: usize,
    interval: Duration,
    last_sent: Instant,
}

impl UpsertBuffer {
    pub fn new(max_rows: usize, interval: Duration) -> UpsertBuffer {
        UpsertBuffer {
            by_key: HashMap::new(),
            messages: Vec::new(),
            max_rows: max_rows.max(1),
            interval,
            last_sent: Instant::now(),
        }
    }

    /// Keeps `message` as the latest change of its key.
    pub fn put(&mut self, message: PendingMessage) {
        match self.by_key.get(&message.key) {
            Some(&i) => self.messages[i] = message,
            None => {
                self.by_key.insert(message.key.clone(), self.messages.len());
                self.messages.push(message);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether the buffer should be sent now.
    pub fn is_due(&self) -> bool {
        self.messages.len() >= self.max_rows || (!self.messages.is_empty() && self.last_sent.elapsed() >= self.interval)
    }

    /// Takes every buffered message, the latest per key.
    pub fn take(&mut self) -> Vec<PendingMessage> {
        self.last_sent = Instant::now();
        self.by_key.clear();
        std::mem::take(&mut self.messages)
    }
}

//! `DeliveryTracker`: the producer's context. librdkafka calls it back (from
//! `BaseProducer::poll`, on the producing thread) with each message's delivery result
//! and with client-wide errors such as "all brokers down"; it keeps the counts and the
//! latest error for the progress lines and for deciding when to give up.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use rdkafka::client::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{DeliveryResult, ProducerContext};

pub struct DeliveryTracker {
    start: Instant,
    delivered: AtomicU64,
    failed: AtomicU64,
    /// Milliseconds after `start` of the latest successful delivery (0 before any).
    last_success_millis: AtomicU64,
    /// The latest error not yet taken by `take_error`.
    error: Mutex<Option<String>>,
}

impl DeliveryTracker {
    pub fn new(start: Instant) -> DeliveryTracker {
        DeliveryTracker {
            start,
            delivered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            last_success_millis: AtomicU64::new(0),
            error: Mutex::new(None),
        }
    }

    pub fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }

    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    /// How long no message has been delivered: since the latest delivery, or since the
    /// start when none has been.
    pub fn millis_without_delivery(&self, now: Instant) -> u64 {
        let now_millis = now.saturating_duration_since(self.start).as_millis() as u64;
        now_millis.saturating_sub(self.last_success_millis.load(Ordering::Relaxed))
    }

    /// The latest error since the previous call, if any.
    pub fn take_error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|mut error| error.take())
    }

    fn record_error(&self, message: String) {
        if let Ok(mut error) = self.error.lock() {
            *error = Some(message);
        }
    }
}

impl ClientContext for DeliveryTracker {
    /// librdkafka's own log lines are dropped: the errors that matter arrive through
    /// `error` and the delivery results, and are reported from there.
    fn log(&self, _level: rdkafka::config::RDKafkaLogLevel, _facility: &str, _message: &str) {}

    /// Keeps a pending specific error (a refused connection) over the generic "all
    /// brokers are down" that librdkafka raises right after it.
    fn error(&self, error: KafkaError, reason: &str) {
        let generic = matches!(error, KafkaError::Global(RDKafkaErrorCode::AllBrokersDown));
        let message = if reason.is_empty() { error.to_string() } else { reason.to_string() };
        if let Ok(mut pending) = self.error.lock() {
            if !(generic && pending.is_some()) {
                *pending = Some(message);
            }
        }
    }
}

impl ProducerContext for DeliveryTracker {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _opaque: ()) {
        match result {
            Ok(_) => {
                self.delivered.fetch_add(1, Ordering::Relaxed);
                let millis = self.start.elapsed().as_millis() as u64;
                self.last_success_millis.fetch_max(millis, Ordering::Relaxed);
            }
            Err((error, _)) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                self.record_error(format!("a message was not delivered: {error}"));
            }
        }
    }
}

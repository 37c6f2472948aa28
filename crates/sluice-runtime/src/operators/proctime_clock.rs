//! The clock of processing-time windows.
//!
//! A window over a `PROCTIME()` attribute fires when the wall clock passes its end, as
//! Flink's processing-time timers do. Sluice's window operators fire on watermarks, so
//! this operator, placed right before a processing-time window, turns the wall clock
//! into a watermark: after each batch, and whenever the executor finds every source
//! waiting (`on_quiet`), it emits "now" less one microsecond. Rows get their processing
//! time upstream, before they reach this operator, so none is ever behind the clock.
//!
//! Upstream watermarks (event time) mean nothing here and are dropped, including the
//! final one of a bounded input: as in Flink, whose processing-time timers are quiesced
//! when the input ends, windows still open at the end of a bounded input never fire.

use std::time::{SystemTime, UNIX_EPOCH};

use sluice_connector_api::ChangeBatch;

use crate::{Operator, Output, RuntimeError};

/// Emits the wall clock as the watermark of a processing-time window.
pub struct ProcTimeClock {
    /// Returns the current time in microseconds since the epoch (replaced in tests).
    now: Box<dyn FnMut() -> i64 + Send>,
}

impl Default for ProcTimeClock {
    fn default() -> Self {
        ProcTimeClock::with_clock(|| {
            SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
        })
    }
}

impl ProcTimeClock {
    /// A clock reading time from `now` (microseconds since the epoch).
    pub fn with_clock(now: impl FnMut() -> i64 + Send + 'static) -> Self {
        ProcTimeClock { now: Box::new(now) }
    }

    fn tick(&mut self, out: &mut Output) {
        let now = (self.now)();
        out.emit_watermark(now.saturating_sub(1));
    }
}

impl Operator for ProcTimeClock {
    fn name(&self) -> &str {
        "ProcTimeClock"
    }

    fn is_stateless(&self) -> bool {
        true
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        out.emit(batch);
        self.tick(out);
        Ok(())
    }

    fn on_watermark(&mut self, _watermark: i64, _out: &mut Output) -> Result<(), RuntimeError> {
        Ok(())
    }

    fn on_quiet(&mut self, out: &mut Output) -> Result<(), RuntimeError> {
        self.tick(out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    use arrow_array::{Int64Array, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};

    use super::*;

    #[test]
    fn the_wall_clock_is_the_watermark_and_the_end_of_input_is_ignored() {
        let time = Arc::new(AtomicI64::new(5_000));
        let t = time.clone();
        let mut op = ProcTimeClock::with_clock(move || t.load(Ordering::Relaxed));
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from(vec![1, 2]))]).unwrap();
        let mut out = Output::default();
        op.on_batch(0, ChangeBatch::inserts(batch), &mut out).unwrap();
        assert_eq!(out.batches().count(), 1);
        assert_eq!(out.watermark(), Some(4_999));
        time.store(9_000, Ordering::Relaxed);
        op.on_quiet(&mut out).unwrap();
        assert_eq!(out.watermark(), Some(8_999));
        op.on_watermark(crate::WATERMARK_END, &mut out).unwrap();
        assert_eq!(out.watermark(), Some(8_999));
    }
}

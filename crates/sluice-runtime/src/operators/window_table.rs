//! The window table-valued functions `TUMBLE`, `HOP` and `CUMULATE` on their own: each
//! row is copied once per window it belongs to, with `window_start`, `window_end` and
//! `window_time` appended.
//!
//! As in Flink's `AlignedWindowTableFunctionOperator`, rows are emitted as they arrive
//! (the operator holds no state), rows behind the watermark are kept (only a window
//! aggregate or Top-N on top decides lateness), and rows with a NULL rowtime are dropped.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, TimestampMicrosecondArray, UInt32Array};
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::ChangeBatch;
use sluice_types::temporal::SessionTimeZone;

use crate::spec::{WindowKind, WindowTableSpec, MILLI};
use crate::{Operator, Output, RuntimeError};

const NAME: &str = "WindowTableOperator";

pub struct WindowTableOperator {
    spec: WindowTableSpec,
    /// The rowtime's Arrow time zone, which `window_time` keeps.
    rowtime_tz: Option<Arc<str>>,
    null_rowtimes_dropped: u64,
}

impl WindowTableOperator {
    pub fn new(spec: WindowTableSpec) -> Result<Self, RuntimeError> {
        validate_window(&spec.window)?;
        let input_len = spec.output_schema.fields().len().checked_sub(3).ok_or_else(|| {
            RuntimeError::Internal("window table output schema lacks the three window columns".into())
        })?;
        if spec.time.column >= input_len {
            return Err(RuntimeError::Internal(format!("rowtime column {} is out of range", spec.time.column)));
        }
        let rowtime_tz = match spec.output_schema.field(input_len + 2).data_type() {
            ArrowType::Timestamp(_, tz) => tz.clone(),
            other => return Err(RuntimeError::Internal(format!("window_time has type {other}, not a timestamp"))),
        };
        Ok(WindowTableOperator { spec, rowtime_tz, null_rowtimes_dropped: 0 })
    }
}

/// Rejects window shapes that cannot be computed: non-positive sizes and sessions.
pub(crate) fn validate_window(window: &WindowKind) -> Result<(), RuntimeError> {
    let positive = match *window {
        WindowKind::Tumble { size, .. } => size > 0,
        WindowKind::Hop { size, slide, .. } => size > 0 && slide > 0,
        WindowKind::Cumulate { step, max_size, .. } => step > 0 && max_size > 0 && max_size % step == 0,
        WindowKind::Session { .. } => {
            return Err(RuntimeError::Internal("a SESSION window cannot be a window table function on its own".into()))
        }
    };
    if positive {
        Ok(())
    } else {
        Err(RuntimeError::Operator { node: NAME.into(), message: format!("window sizes must be positive (and a CUMULATE size a multiple of its step), got {window:?}") })
    }
}

/// The start of the window of `size` (aligned to `offset`) that contains `ts`.
fn aligned_start(ts: i64, offset: i64, size: i64) -> i64 {
    ts.saturating_sub(ts.wrapping_sub(offset).rem_euclid(size))
}

/// Calls `f(start, end)` for every window containing `ts`, in Flink's order: one for
/// `TUMBLE`, latest start first for `HOP`, smallest end first for `CUMULATE`.
pub(crate) fn for_each_window(window: &WindowKind, ts: i64, mut f: impl FnMut(i64, i64)) {
    match *window {
        WindowKind::Tumble { size, offset } => {
            let start = aligned_start(ts, offset, size);
            f(start, start.saturating_add(size));
        }
        WindowKind::Hop { size, slide, offset } => {
            let mut start = aligned_start(ts, offset, slide);
            let lowest = ts.saturating_sub(size);
            while start > lowest {
                f(start, start.saturating_add(size));
                match start.checked_sub(slide) {
                    Some(s) => start = s,
                    None => break,
                }
            }
        }
        WindowKind::Cumulate { step, max_size, offset } => {
            let start = aligned_start(ts, offset, max_size);
            let last_end = start.saturating_add(max_size);
            let mut end = aligned_start(ts, offset, step).saturating_add(step);
            while end <= last_end {
                f(start, end);
                match end.checked_add(step) {
                    Some(e) => end = e,
                    None => break,
                }
            }
        }
        WindowKind::Session { .. } => {}
    }
}

/// An instant read on the wall clock of `tz`, saturating at the ends of time.
pub(crate) fn to_local(tz: &SessionTimeZone, instant: i64) -> i64 {
    instant.saturating_add(tz.offset_at_instant(instant).saturating_mul(1_000_000))
}

/// A wall-clock time of `tz` as an instant, saturating at the ends of time.
pub(crate) fn to_instant(tz: &SessionTimeZone, local: i64) -> i64 {
    match tz {
        SessionTimeZone::Fixed(secs) => local.saturating_sub(*secs as i64 * 1_000_000),
        // Outside chrono's range the zone leaves the value as it is; inside, subtracting
        // an offset of at most a day cannot overflow.
        SessionTimeZone::Region(_) => tz.to_instant(local),
    }
}

impl Operator for WindowTableOperator {
    fn name(&self) -> &str {
        NAME
    }

    /// Each row is emitted (once per window) or dropped within the call.
    fn is_stateless(&self) -> bool {
        true
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        if !batch.is_append_only() {
            return Err(RuntimeError::Operator {
                node: NAME.into(),
                message: "window table function does not support updating input".into(),
            });
        }
        let data = &batch.data;
        let rowtimes = data
            .column(self.spec.time.column)
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(|| RuntimeError::Internal("rowtime column is not a timestamp".into()))?;
        let tz = self.spec.time.time_zone;
        let n = data.num_rows();
        let mut indices = Vec::with_capacity(n);
        let mut starts = Vec::with_capacity(n);
        let mut ends = Vec::with_capacity(n);
        let mut times = Vec::with_capacity(n);
        for i in 0..n {
            if rowtimes.is_null(i) {
                self.null_rowtimes_dropped += 1;
                continue;
            }
            let ts = rowtimes.value(i);
            let local = match &tz {
                Some(tz) => to_local(tz, ts),
                None => ts,
            };
            for_each_window(&self.spec.window, local, |start, end| {
                indices.push(i as u32);
                starts.push(start);
                ends.push(end);
                let end_instant = match &tz {
                    Some(tz) => to_instant(tz, end),
                    None => end,
                };
                times.push(end_instant.saturating_sub(MILLI));
            });
        }
        if indices.is_empty() {
            return Ok(());
        }
        let identity = indices.len() == n && indices.iter().enumerate().all(|(i, &j)| i as u32 == j);
        let mut columns: Vec<ArrayRef> = if identity {
            data.columns().to_vec()
        } else {
            let indices = UInt32Array::from(indices);
            data.columns()
                .iter()
                .map(|c| arrow_select::take::take(c.as_ref(), &indices, None))
                .collect::<Result<_, _>>()
                .map_err(|e| RuntimeError::Internal(format!("{NAME}: {e}")))?
        };
        let len = starts.len();
        columns.push(Arc::new(TimestampMicrosecondArray::from(starts)));
        columns.push(Arc::new(TimestampMicrosecondArray::from(ends)));
        columns.push(Arc::new(TimestampMicrosecondArray::from(times).with_timezone_opt(self.rowtime_tz.clone())));
        let options = RecordBatchOptions::new().with_row_count(Some(len));
        let data = RecordBatch::try_new_with_options(self.spec.output_schema.clone(), columns, &options)
            .map_err(|e| RuntimeError::Internal(format!("{NAME} output: {e}")))?;
        out.emit(ChangeBatch::inserts(data));
        Ok(())
    }

    fn late_rows_dropped(&self) -> u64 {
        self.null_rowtimes_dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows(window: WindowKind, ts: i64) -> Vec<(i64, i64)> {
        let mut v = Vec::new();
        for_each_window(&window, ts, |s, e| v.push((s, e)));
        v
    }

    #[test]
    fn assigns_windows() {
        assert_eq!(windows(WindowKind::Tumble { size: 10, offset: 0 }, 25), vec![(20, 30)]);
        assert_eq!(windows(WindowKind::Tumble { size: 10, offset: 0 }, -5), vec![(-10, 0)]);
        assert_eq!(windows(WindowKind::Tumble { size: 10, offset: 3 }, 2), vec![(-7, 3)]);
        assert_eq!(windows(WindowKind::Hop { size: 10, slide: 5, offset: 0 }, 12), vec![(10, 20), (5, 15)]);
        assert_eq!(
            windows(WindowKind::Cumulate { step: 5, max_size: 15, offset: 0 }, 21),
            vec![(15, 25), (15, 30)]
        );
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        for ts in [i64::MIN, i64::MAX, i64::MIN + 1, i64::MAX - 1] {
            windows(WindowKind::Tumble { size: 7, offset: 3 }, ts);
            windows(WindowKind::Hop { size: 10, slide: 3, offset: 1 }, ts);
            windows(WindowKind::Cumulate { step: 3, max_size: 9, offset: 2 }, ts);
            to_local(&SessionTimeZone::Fixed(8 * 3600), ts);
            to_instant(&SessionTimeZone::Fixed(-8 * 3600), ts);
        }
    }
}

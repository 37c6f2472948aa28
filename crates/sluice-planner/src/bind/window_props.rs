//! Window properties of a plan's columns, as Flink's `RelWindowProperties`: which columns
//! hold the `window_start`, `window_end` and `window_time` of one windowing, followed
//! through renames, projections, filters, views and subqueries.
//!
//! A window TVF and a window aggregation produce them; a window join keeps both inputs'
//! and a window Top-N its input's. A `GROUP BY` over a start and an end column of one
//! windowing is a window aggregation again, and a join on equal starts and ends of two
//! inputs with the same windowing is a window join.

use sluice_runtime::spec::WindowKind;
use sluice_types::TypeKind;

use crate::logical::{LogicalPlan, TimeAttribute};

/// The columns of a plan that carry one windowing's bounds.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowProps {
    pub starts: Vec<usize>,
    pub ends: Vec<usize>,
    /// `window_time` columns (still rowtime attributes).
    pub times: Vec<usize>,
    pub kind: WindowKind,
    /// The window's time attribute is processing time.
    pub proctime: bool,
    /// The window's time attribute is a TIMESTAMP_LTZ (bounds are then wall-clock time in
    /// the session time zone).
    pub ltz: bool,
}

impl WindowProps {
    /// The same windowing and time attribute, so that two inputs' windows are the same
    /// windows (Flink's condition for a window join).
    pub fn same_windowing(&self, other: &WindowProps) -> bool {
        self.kind == other.kind && self.proctime == other.proctime && self.ltz == other.ltz
    }

    fn shifted(mut self, by: usize) -> WindowProps {
        for c in self.starts.iter_mut().chain(self.ends.iter_mut()).chain(self.times.iter_mut()) {
            *c += by;
        }
        self
    }
}

/// The window properties of `plan`'s output, if it has both a start and an end column.
pub fn window_props(plan: &LogicalPlan) -> Option<WindowProps> {
    let props = match plan {
        LogicalPlan::WindowTvf { input, kind, time_column, schema, .. } => {
            if matches!(kind, WindowKind::Session { .. }) {
                // Flink's session TVF on its own has no aligned windows to join or nest.
                return None;
            }
            let n = input.schema().len();
            let time = &input.schema().fields[*time_column];
            WindowProps {
                starts: vec![n],
                ends: vec![n + 1],
                times: vec![n + 2],
                kind: *kind,
                proctime: time.time_attribute == Some(TimeAttribute::Proctime),
                ltz: matches!(schema.fields[n + 2].data_type.kind, TypeKind::TimestampLtz { .. }),
            }
        }
        LogicalPlan::Aggregate { keys, aggregates, window: Some(w), schema, .. } if !w.legacy => {
            let base = keys.len() + aggregates.len();
            let start = match &w.attached {
                Some(a) => a.start_key,
                None => base,
            };
            WindowProps {
                starts: vec![start],
                ends: vec![base + 1],
                times: vec![base + 2],
                kind: w.kind,
                proctime: w.proctime,
                ltz: matches!(schema.fields[base + 2].data_type.kind, TypeKind::TimestampLtz { .. }),
            }
        }
        LogicalPlan::Project { input, exprs, .. } => {
            let inner = window_props(input)?;
            let map = |cols: &[usize]| -> Vec<usize> {
                exprs
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| matches!(e, sluice_expr::ScalarExpr::Column { index, .. } if cols.contains(index)))
                    .map(|(i, _)| i)
                    .collect()
            };
            WindowProps { starts: map(&inner.starts), ends: map(&inner.ends), times: map(&inner.times), ..inner }
        }
        LogicalPlan::Filter { input, .. } | LogicalPlan::WindowRank { input, .. } => window_props(input)?,
        // Grouping sets: the columns every projection copies as they are.
        LogicalPlan::Expand { input, projections, schema } => {
            let inner = window_props(input)?;
            let map = |cols: &[usize]| -> Vec<usize> {
                (0..schema.len())
                    .filter(|i| {
                        projections.iter().all(|p| matches!(p.get(*i), Some(sluice_expr::ScalarExpr::Column { index, .. }) if cols.contains(index)))
                    })
                    .collect()
            };
            WindowProps { starts: map(&inner.starts), ends: map(&inner.ends), times: map(&inner.times), ..inner }
        }
        LogicalPlan::WindowJoin { left, right, semi, .. } => {
            let l = window_props(left)?;
            if semi.is_some() {
                l
            } else {
                let r = window_props(right)?.shifted(left.schema().len());
                WindowProps {
                    starts: [l.starts, r.starts].concat(),
                    ends: [l.ends, r.ends].concat(),
                    times: [l.times, r.times].concat(),
                    ..l
                }
            }
        }
        _ => return None,
    };
    (!props.starts.is_empty() && !props.ends.is_empty()).then_some(props)
}

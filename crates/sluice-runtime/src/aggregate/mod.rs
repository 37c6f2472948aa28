//! Aggregate functions and the state behind windowed aggregation.
//!
//! Aggregates are computed for many groups at once (`GroupAccumulator`): a group is a
//! small integer id, each accumulator keeps its state in vectors indexed by it, and
//! batches arrive column by column with a group id per row, so no per-row dynamic
//! dispatch or `ScalarValue` is involved. `AggregateSet` bundles the calls of one
//! operator over one id space; `KeyTable` turns `GROUP BY` keys into ids;
//! `PaneAssigner` and `WindowClock` hold the window arithmetic. `retract` has the
//! row-at-a-time, retractable accumulators of the updating (non-windowed) `GROUP BY`.
//! A few functions serve both kinds with one type (`PERCENTILE`, `ARRAY_AGG`, the JSON
//! and the `BITMAP_*_AGG` aggregates).

mod accumulator;
mod aggregate_set;
mod array_agg;
mod avg;
mod bitmap;
mod collect;
mod count;
mod distinct;
mod error;
mod factory;
mod first_last;
mod json_agg;
mod key_table;
mod lag;
mod list_agg;
mod min_max;
mod numeric;
mod pane_assigner;
mod percentile;
pub mod retract;
mod selection;
pub(crate) mod state;
mod sum;
mod value_codec;
mod variance;
mod window_clock;

pub use accumulator::GroupAccumulator;
pub use aggregate_set::{state_shape, AggregateSet};
pub use error::AggregateError;
pub use factory::{create_accumulator, function_name};
pub use key_table::KeyTable;
pub use pane_assigner::{align, PaneAssigner, Steps};
pub use selection::true_rows;
pub(crate) use state::corrupt;
pub use window_clock::WindowClock;

#[cfg(test)]
mod tests;

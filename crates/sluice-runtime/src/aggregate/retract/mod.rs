//! Aggregates that can take rows back, for the updating (non-windowed) `GROUP BY`.
//!
//! Window aggregation only ever adds rows and evaluates a group once, so its
//! `GroupAccumulator`s fold whole columns at a time. An updating aggregation is
//! different: every input row may add or retract (`+I`/`+U` add, `-U`/`-D` retract) and,
//! without mini-batching, each row's effect on its group must be emitted on its own
//! (`-U` old result, `+U` new result). So a `RetractAccumulator` works a row at a time on
//! columns bound once per batch (typed then, so no per-row downcast), and records the
//! results the operator asks for into a column that grows with the output batch.
//!
//! Functions that need more state to retract keep it: `MIN`/`MAX` a sorted multiset of
//! values, `LISTAGG` and `FIRST_VALUE`/`LAST_VALUE` the list of values in arrival order,
//! `agg(DISTINCT x)` a count per distinct value, `COLLECT` a count per value. When the
//! planner knows the input never retracts, `MIN`/`MAX` of fixed-width types and
//! `FIRST_VALUE`/`LAST_VALUE` keep a single value instead (`insert_only`).

mod distinct;
mod factory;
mod min_max;
mod numeric;
mod results;
mod set;
mod values;

pub use factory::create_retract_accumulator;
pub use numeric::AvgSum;
pub use set::RetractAggregates;
/// For accumulators outside this module that also take rows back (BITMAP, JSON).
pub(crate) use results::{delegate_results, Results};

use arrow_array::ArrayRef;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::AggregateError;

/// Where the calls are computed, which decides the arithmetic of `AVG` and of the
/// variance family: Flink runs its own aggregate functions for a `GROUP BY` (`AVG` sums
/// integers as a BIGINT, the variances work in doubles), while Calcite expands
/// `AVG(x) OVER w` into `SUM(x) OVER w / COUNT(x) OVER w` (`AvgSum`) and the variances
/// into sums of `x` and `x * x` before Flink sees them, all in the argument's type
/// (`integer_variance_result`, `float32_variance_result`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallSite {
    /// An updating (non-windowed) `GROUP BY`.
    GroupBy,
    /// An `OVER` window.
    Over,
}

/// The state of one aggregate call for many groups (small integer ids), fed a row at a
/// time from columns bound once per batch.
///
/// The operator's protocol per batch: `bind` the argument columns, then for each row
/// `apply` it to its group, and `push_result` a group's current result whenever an output
/// row needs it. `take_results` hands over the column of pushed results (one per output
/// row, in push order). `pop_results`, `remove_before_last` and `last_two_equal` let the
/// operator drop results it pushed speculatively (an unchanged result emits nothing).
pub trait RetractAccumulator: Send {
    /// Makes room for group ids `0..num_groups`. New groups start empty.
    fn resize(&mut self, num_groups: usize);

    /// Makes `args` (the call's argument columns of one batch) the columns that `apply`
    /// reads rows from.
    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError>;

    /// Adds row `row` of the bound columns to `group`, or takes it back when `retract`.
    /// Rows whose argument is NULL are skipped where the function ignores NULLs.
    fn apply(&mut self, row: usize, group: u32, retract: bool);

    /// Records the current result of `group` as the next output value.
    fn push_result(&mut self, group: u32);

    /// Drops the last `n` recorded results.
    fn pop_results(&mut self, n: usize);

    /// Drops the second-to-last recorded result, keeping the last.
    fn remove_before_last(&mut self);

    /// Whether the last two recorded results are equal (as Flink compares result rows:
    /// NULL equals NULL, doubles by their bits).
    fn last_two_equal(&self) -> bool;

    /// The recorded results as a column of the call's output type; the record starts
    /// empty again.
    fn take_results(&mut self) -> Result<ArrayRef, AggregateError>;

    /// Empties a group so that its id can be given to a new group.
    fn reset(&mut self, group: u32);

    /// Writes the state of `groups`, in that order, for a checkpoint.
    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError>;

    /// Reads what `save` wrote into `groups` (empty ones, in the same order).
    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError>;
}

use arrow_array::ArrayRef;
use arrow_buffer::BooleanBuffer;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::AggregateError;

/// The state of one aggregate call for many groups at once, in the style of DataFusion's
/// `GroupsAccumulator`: each group is a small integer id, state lives in vectors indexed
/// by it, and rows arrive a column at a time with the group id of each row.
///
/// Dispatch happens once per batch (the trait object), never per row.
pub trait GroupAccumulator: Send {
    /// Makes room for group ids `0..num_groups`. New groups start empty.
    fn resize(&mut self, num_groups: usize);

    /// Accumulates row `i` of `args` into group `group_ids[i]`, for the rows where
    /// `selected` (when given) is set. Rows with a NULL argument are skipped where the
    /// function ignores NULLs.
    fn update(
        &mut self,
        args: &[ArrayRef],
        group_ids: &[u32],
        selected: Option<&BooleanBuffer>,
    ) -> Result<(), AggregateError>;

    /// Folds group `src` into group `dst`, as if the rows of `src` had arrived after
    /// those of `dst`. `src` is left unchanged.
    fn merge(&mut self, src: u32, dst: u32);

    /// The result of each group in `groups`, in that order, as an array of the call's
    /// output type.
    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError>;

    /// Empties a group so that its id can be given to a new group.
    fn reset(&mut self, group: u32);

    /// Writes the state of `groups`, in that order, for a checkpoint.
    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError>;

    /// Reads what `save` wrote into `groups` (empty ones, in the same order).
    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError>;
}

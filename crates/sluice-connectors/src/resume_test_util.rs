//! For the sources' checkpoint tests: cut a run, restore a fresh reader, finish.

use arrow_array::RecordBatch;
use sluice_connector_api::{SourcePoll, SourceReader};

/// Polls a fresh reader `polls` times, snapshots it, restores a second fresh reader from
/// the snapshot and reads it to the end: the batches before the cut and after it.
pub(crate) fn cut_and_resume(make: impl Fn() -> Box<dyn SourceReader>, polls: usize) -> (Vec<RecordBatch>, Vec<RecordBatch>) {
    let mut first = make();
    let mut before = Vec::new();
    for _ in 0..polls {
        if let SourcePoll::Batch(b) = first.poll_next().expect("a poll") {
            before.push(b.data);
        }
    }
    let position = first.snapshot().expect("a snapshot");
    let mut second = make();
    second.restore(&position).expect("a restore");
    let mut after = Vec::new();
    loop {
        match second.poll_next().expect("a poll") {
            SourcePoll::Batch(b) => after.push(b.data),
            SourcePoll::Finished => return (before, after),
            _ => {}
        }
    }
}

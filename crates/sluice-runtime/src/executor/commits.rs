//! Commits of a job with several transactional outputs.
//!
//! A checkpoint's output becomes visible when each transactional output commits it:
//! each exactly-once Kafka sink instance its transaction, each `jdbc` sink instance its
//! PostgreSQL transaction, each Kafka dead-letter topic its own. These are separate
//! systems, and separate transactions cannot commit as one: a crash between two commits
//! leaves one output with the checkpoint committed and the other without. With one
//! output the checkpoint simply counts as complete exactly when it committed, and the
//! job resumes from the checkpoint before it otherwise. With several, neither checkpoint
//! is right: resuming from the earlier one writes the committed output's rows twice,
//! resuming from the later one loses the other output's rows.
//!
//! So in a job with more than one transactional output, each transactional sink keeps
//! the rows it was given since its last pre-commit (`SinkLog`: the batches themselves,
//! reference-counted, not copies) and saves them with the checkpoint as its state. A
//! crash between the commits then no longer matters: the checkpoint counts as complete
//! once saved, and on restart every sink that had not committed it writes the saved rows
//! into a new transaction and commits them with the checkpoint's id (`complete_commit`),
//! the writer of a subtask the restored job no longer has included (`for_subtask`).
//! Outputs that cannot do this (the dead-letter topics of sources) commit first, before
//! any sink, so that when they did not commit a checkpoint no sink did either; with more
//! than one of them the job warns that a crash between their commits can repeat rows.
//!
//! At parallelism above 1 a sink instance may be given rows that passed the barrier
//! (another subtask went on) before its checkpoint commits. Those belong to the next
//! checkpoint, so `SinkLog` holds them back until the commit, for every sink, and hands
//! them over after it: written earlier, they would go into the transaction being
//! committed.

use std::sync::Arc;

use arrow_select::concat::concat_batches;
use sluice_connector_api::state::{StateReader, StateWriter};
use sluice_connector_api::{ChangeBatch, ConnectorError, SinkWriter};
use sluice_types::RowKind;

use crate::checkpoint::{NodeState as SavedNode, SavedCheckpoint};
use crate::RuntimeError;

/// The version of a sink's saved rows.
const REDO_VERSION: u8 = 1;

/// What a sink node keeps for checkpoints besides its writer.
#[derive(Default)]
pub(super) struct SinkLog {
    /// The writer commits in transactions (it reported a committed checkpoint).
    pub(super) transactional: bool,
    /// In a job with several transactional outputs: the batches written since the last
    /// pre-commit, saved with the next checkpoint.
    redo: Option<Vec<ChangeBatch>>,
    /// Between a pre-commit and its checkpoint's commit: what arrived meanwhile.
    deferred: Option<Vec<Deferred>>,
}

/// What a sink was given between a pre-commit and the commit.
enum Deferred {
    Batch(ChangeBatch),
    Watermark(i64),
}

impl SinkLog {
    /// Keeps the rows of each checkpoint from now on (see the module doc).
    pub(super) fn keep_redo(&mut self) {
        if self.transactional && self.redo.is_none() {
            self.redo = Some(Vec::new());
        }
    }

    /// Whether the sink saves its rows with each checkpoint, and so commits after the
    /// outputs that cannot.
    pub(super) fn keeps_redo(&self) -> bool {
        self.redo.is_some()
    }

    /// Writes `batch`, or holds it back until the pending checkpoint committed.
    pub(super) fn write(&mut self, writer: &mut dyn SinkWriter, batch: &ChangeBatch) -> Result<(), ConnectorError> {
        if let Some(deferred) = &mut self.deferred {
            deferred.push(Deferred::Batch(batch.clone()));
            return Ok(());
        }
        writer.write(batch)?;
        if let Some(redo) = &mut self.redo {
            redo.push(batch.clone());
        }
        Ok(())
    }

    /// Hands the writer a watermark, or holds it back behind held rows.
    pub(super) fn watermark(&mut self, writer: &mut dyn SinkWriter, watermark: i64) -> Result<(), ConnectorError> {
        match &mut self.deferred {
            Some(deferred) => {
                deferred.push(Deferred::Watermark(watermark));
                Ok(())
            }
            None => writer.on_watermark(watermark),
        }
    }

    /// The writer pre-committed a checkpoint: from now until its commit, what arrives
    /// waits. Returns what the checkpoint saves for the sink: its rows since the last
    /// pre-commit, when it keeps them.
    pub(super) fn prepared(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        self.deferred.get_or_insert_with(Vec::new);
        let Some(redo) = &mut self.redo else { return Ok(None) };
        encode_rows(&std::mem::take(redo)).map(Some)
    }

    /// The checkpoint committed: writes what was held back meanwhile.
    pub(super) fn release(&mut self, writer: &mut dyn SinkWriter) -> Result<(), ConnectorError> {
        let Some(deferred) = self.deferred.take() else { return Ok(()) };
        for event in deferred {
            match event {
                Deferred::Batch(batch) => self.write(writer, &batch)?,
                Deferred::Watermark(w) => writer.on_watermark(w)?,
            }
        }
        Ok(())
    }
}

/// One transactional output of a job about to resume: the newest checkpoint it says it
/// committed, and for a sink, which node and subtask it is (its saved rows, if any, are
/// under that name).
pub(super) struct Participant {
    pub(super) committed: u64,
    pub(super) sink: Option<(String, usize)>,
}

impl Participant {
    /// Whether `saved` (saved, never marked complete) may count as complete as far as
    /// this output goes: it committed it, or it can complete the commit from rows saved
    /// with it.
    pub(super) fn allows(&self, saved: &SavedCheckpoint) -> bool {
        self.committed >= saved.id
            || self.sink.as_ref().is_some_and(|(node, subtask)| {
                saved.nodes.iter().any(|n| n.id == *node && n.subtask == *subtask)
            })
    }
}

/// The rows of one checkpoint as one blob (one batch, concatenated).
fn encode_rows(batches: &[ChangeBatch]) -> Result<Vec<u8>, RuntimeError> {
    let fail = |e: String| RuntimeError::Internal(format!("cannot save a sink's rows in the checkpoint: {e}"));
    let mut w = StateWriter::new(REDO_VERSION);
    w.bool(!batches.is_empty());
    if let Some(first) = batches.first() {
        let data = concat_batches(&first.data.schema(), batches.iter().map(|b| &b.data)).map_err(|e| fail(e.to_string()))?;
        let batch = if batches.iter().all(|b| b.kinds.is_none()) {
            ChangeBatch::inserts(data)
        } else {
            let kinds: Vec<RowKind> = batches
                .iter()
                .flat_map(|b| (0..b.data.num_rows()).map(move |row| b.kind(row)))
                .collect();
            ChangeBatch { data, kinds: Some(Arc::from(kinds)) }
        };
        w.change_batch(&batch).map_err(fail)?;
    }
    Ok(w.finish())
}

/// After a restart from checkpoint `id`: completes the commits of `id` that a crash cut
/// off, from the rows saved with it (`states`), for `writer` (subtask `own`) and for the
/// removed subtasks it settles, each through a writer opened as that subtask.
pub(super) fn complete_saved_commits<'a>(
    writer: &mut dyn SinkWriter,
    node: &str,
    id: u64,
    own: usize,
    states: impl Iterator<Item = &'a SavedNode>,
) -> Result<(), ConnectorError> {
    for state in states {
        let rows = decode_rows(&state.state, node).map_err(|e| ConnectorError::External(e.to_string()))?;
        let done = if state.subtask == own {
            complete_commit(writer, id, &rows)?
        } else {
            let mut other = writer.for_subtask(state.subtask)?;
            other.recover(Some(id))?;
            let done = complete_commit(other.as_mut(), id, &rows)?;
            other.finish()?;
            done
        };
        if let Some(rows) = done {
            tracing::info!(target: "sluice::checkpoint",
                "completed the commit of checkpoint {id} by sink \"{node}\" (subtask {}) that a crash interrupted: \
                 {rows} rows",
                state.subtask
            );
        }
    }
    Ok(())
}

/// The rows `encode_rows` saved for sink `node`.
fn decode_rows(bytes: &[u8], node: &str) -> Result<Vec<ChangeBatch>, RuntimeError> {
    let what = format!("sink \"{node}\"");
    let fail = |message: String| RuntimeError::Operator { node: node.to_string(), message };
    let (mut r, _) = StateReader::open(bytes, &what, &[REDO_VERSION]).map_err(fail)?;
    let batches = if r.bool().map_err(fail)? { vec![r.change_batch().map_err(fail)?] } else { Vec::new() };
    r.end().map_err(fail)?;
    Ok(batches)
}

/// Completes checkpoint `id`'s commit for `writer` with the rows saved for it, unless
/// the writer committed it already. Returns how many rows it wrote.
fn complete_commit(
    writer: &mut dyn SinkWriter,
    id: u64,
    rows: &[ChangeBatch],
) -> Result<Option<usize>, ConnectorError> {
    if writer.committed_checkpoint()?.is_none_or(|committed| committed >= id) {
        return Ok(None);
    }
    for batch in rows {
        writer.write(batch)?;
    }
    writer.pre_commit(id)?;
    writer.commit(id)?;
    Ok(Some(rows.iter().map(|b| b.data.num_rows()).sum()))
}

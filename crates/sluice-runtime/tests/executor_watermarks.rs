//! How the executor combines watermarks: the minimum over inputs, and idle sources that
//! stop holding the others back.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use arrow_array::{ArrayRef, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType as ArrowType, Field, Schema, TimeUnit};
use sluice_connector_api::{ChangeBatch, ConnectorError, SinkWriter, SourcePoll, SourceReader};
use sluice_expr::{EvalContext, ScalarExpr};
use sluice_runtime::operators::WatermarkAssigner;
use sluice_runtime::{Dataflow, Executor, ExecutorOptions, Operator, Output, RuntimeError, WATERMARK_END};
use sluice_types::{DataType, TypeKind};

type Log = Arc<Mutex<Vec<String>>>;

fn batch(times: &[i64]) -> ChangeBatch {
    let schema = Arc::new(Schema::new(vec![Field::new("ts", ArrowType::Timestamp(TimeUnit::Microsecond, None), true)]));
    let col: ArrayRef = Arc::new(TimestampMicrosecondArray::from(times.to_vec()));
    ChangeBatch::inserts(RecordBatch::try_new(schema, vec![col]).unwrap())
}

/// Emits its batches, then reports `Pending` a number of times, then ends (and logs it).
struct ScriptedSource {
    batches: Vec<ChangeBatch>,
    pending_rounds: usize,
    log: Log,
}

impl SourceReader for ScriptedSource {
    fn poll_next(&mut self) -> Result<SourcePoll, ConnectorError> {
        if !self.batches.is_empty() {
            return Ok(SourcePoll::Batch(self.batches.remove(0)));
        }
        if self.pending_rounds > 0 {
            self.pending_rounds -= 1;
            return Ok(SourcePoll::Pending);
        }
        self.log.lock().unwrap().push("quiet source finished".into());
        Ok(SourcePoll::Finished)
    }
}

/// Logs the watermarks it is handed.
struct Recorder {
    log: Log,
}

impl Operator for Recorder {
    fn name(&self) -> &str {
        "Recorder"
    }
    fn on_batch(&mut self, _input: usize, _batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        Ok(())
    }
    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        let text = if watermark == WATERMARK_END { "watermark end".to_string() } else { format!("watermark {watermark}") };
        self.log.lock().unwrap().push(text);
        out.emit_watermark(watermark);
        Ok(())
    }
}

fn assigner() -> Box<dyn Operator> {
    let ts = ScalarExpr::Column { index: 0, data_type: DataType::new(TypeKind::Timestamp { precision: 3 }) };
    Box::new(WatermarkAssigner::new(ts, 0, EvalContext::default()))
}

struct NullSink;
impl SinkWriter for NullSink {
    fn write(&mut self, _batch: &ChangeBatch) -> Result<(), ConnectorError> {
        Ok(())
    }
    fn finish(&mut self) -> Result<(), ConnectorError> {
        Ok(())
    }
}

fn run(idle_timeout: Option<Duration>) -> Vec<String> {
    let log: Log = Arc::default();
    let mut df = Dataflow::default();
    let busy = ScriptedSource { batches: vec![batch(&[10, 20]), batch(&[30])], pending_rounds: 0, log: Arc::default() };
    let busy = df.add_source("busy", Box::new(busy));
    // The quiet source has one early row, then waits a long while before it ends.
    let quiet = ScriptedSource { batches: vec![batch(&[5])], pending_rounds: 30, log: log.clone() };
    let quiet = df.add_source("quiet", Box::new(quiet));
    if let Some(t) = idle_timeout {
        df.set_idle_timeout(quiet, t);
    }
    let a = df.add_operator(assigner(), vec![busy]);
    let b = df.add_operator(assigner(), vec![quiet]);
    let rec = df.add_operator(Box::new(Recorder { log: log.clone() }), vec![a, b]);
    df.add_sink("sink", Box::new(NullSink), rec);
    Executor::new(df, ExecutorOptions::default()).run().unwrap();
    let v = log.lock().unwrap().clone();
    v
}

#[test]
fn the_slowest_input_holds_the_watermark_back() {
    assert_eq!(run(None), ["watermark 5", "quiet source finished", "watermark end"]);
}

#[test]
fn an_idle_source_stops_holding_the_watermark_back() {
    // Once the quiet source is idle, the busy one's watermark (+inf after its end) goes
    // through without waiting for the quiet one.
    assert_eq!(run(Some(Duration::from_millis(1))), ["watermark 5", "watermark end", "quiet source finished"]);
}

/// Holds batches back until told that the sources are quiet (as a mini-batch does).
struct Buffering {
    held: Vec<ChangeBatch>,
    log: Log,
}

impl Operator for Buffering {
    fn name(&self) -> &str {
        "Buffering"
    }
    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        self.held.push(batch);
        Ok(())
    }
    fn on_quiet(&mut self, out: &mut Output) -> Result<(), RuntimeError> {
        if !self.held.is_empty() {
            self.log.lock().unwrap().push(format!("flushed {} batches", self.held.len()));
        }
        self.held.drain(..).for_each(|b| out.emit(b));
        Ok(())
    }
}

/// Logs the batches it writes.
struct LoggingSink {
    log: Log,
}
impl SinkWriter for LoggingSink {
    fn write(&mut self, batch: &ChangeBatch) -> Result<(), ConnectorError> {
        self.log.lock().unwrap().push(format!("wrote {} rows", batch.num_rows()));
        Ok(())
    }
    fn finish(&mut self) -> Result<(), ConnectorError> {
        Ok(())
    }
}

#[test]
fn buffered_rows_flow_once_every_source_waits() {
    let log: Log = Arc::default();
    let mut df = Dataflow::default();
    let source = ScriptedSource { batches: vec![batch(&[10, 20]), batch(&[30])], pending_rounds: 3, log: log.clone() };
    let source = df.add_source("source", Box::new(source));
    let buffering = df.add_operator(Box::new(Buffering { held: Vec::new(), log: log.clone() }), vec![source]);
    df.add_sink("sink", Box::new(LoggingSink { log: log.clone() }), buffering);
    Executor::new(df, ExecutorOptions::default()).run().unwrap();
    let log = log.lock().unwrap().clone();
    assert_eq!(log, ["flushed 2 batches", "wrote 2 rows", "wrote 1 rows", "quiet source finished"]);
}

/// A job with checkpoints on refuses, before reading a row, a source or an operator that
/// cannot take part, naming it.
#[test]
fn checkpoints_refuse_a_source_or_operator_that_cannot_save_its_state() {
    let dir = std::env::temp_dir().join(format!("sluice-refusal-{}", std::process::id()));
    let options = |job: &str| ExecutorOptions {
        checkpoints: Some(sluice_runtime::checkpoint::CheckpointConfig {
            job: job.into(),
            interval: Duration::from_secs(1),
            root: dir.display().to_string(),
            retained: 1,
            recovery_path: None,
            ignore_unclaimed_state: false,
            fresh: true,
            savepoint_dir: None,
            storage_options: Default::default(),
        }),
        ..ExecutorOptions::default()
    };
    let mut df = Dataflow::default();
    let source = ScriptedSource { batches: vec![batch(&[1])], pending_rounds: 0, log: Arc::default() };
    let s = df.add_source("scripted", Box::new(source));
    df.add_sink("sink", Box::new(NullSink), s);
    let e = Executor::new(df, options("a")).run().unwrap_err().to_string();
    assert!(e.contains("scripted") && e.contains("cannot resume from a checkpoint yet"), "{e}");

    let mut df = Dataflow::default();
    let values = sluice_runtime::operators::ValuesSource::new(batch(&[1]).data);
    let s = df.add_source("values", Box::new(values));
    let log: Log = Arc::default();
    let r = df.add_operator(Box::new(Recorder { log }), vec![s]);
    df.add_sink("sink", Box::new(NullSink), r);
    let e = Executor::new(df, options("b")).run().unwrap_err().to_string();
    assert!(e.contains("Recorder") && e.contains("cannot save its state in a checkpoint yet"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

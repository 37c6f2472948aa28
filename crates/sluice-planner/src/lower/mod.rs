//! Lowering: a job's logical plans become a runtime `Dataflow` of sources, operators and
//! sinks. Adjacent filters and projections fuse into one `CalcOperator`.

use std::sync::Arc;

use arrow_array::{new_empty_array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{Field, Schema};
use sluice_connector_api::{SourceChangelogMode, ConnectorRegistry, SinkChangelogMode, SinkContext, SinkWriter, SourceContext};
use sluice_expr::{EvalContext, ScalarExpr};
use sluice_runtime::operators::{
    CalcOperator, EmptySource, ProcTimeClock, ReplicateRowsOperator, SpareSink, UnionOperator, UnnestOperator, ValuesSource,
    WatermarkAssigner,
};
use sluice_runtime::exchange::Distribution;
use sluice_runtime::{Dataflow, NodeId};
use sluice_sql::{Diagnostic, ErrorClass};
use sluice_types::DataType;

use crate::catalog::{CatalogTable, TableColumnKind};
use crate::changelog::ChangelogInference;
use crate::config::SessionConfig;
use crate::ddl::connector_diagnostic;
use crate::error::not_supported;
use crate::logical::{LogicalPlan, PlanSchema};
use crate::session::{Job, JobSink};

mod expand;
mod join;
mod lookup;
mod rank;
mod semi_join;
mod update;
mod window;

/// Rows per batch a source is asked for.
const DEFAULT_BATCH_SIZE: usize = 8192;

/// Which instance of a parallel job a dataflow is lowered for.
#[derive(Clone, Copy, Debug)]
pub struct Instance {
    /// Which of `parallelism` subtasks.
    pub subtask: usize,
    pub parallelism: usize,
    /// Whether to open the connectors' readers and writers; EXPLAIN lowers only the
    /// shape of the job, with none.
    pub connect: bool,
}

/// Lowers `job` for one subtask: every subtask's dataflow has the same nodes in the same
/// order, with the readers and writers of that subtask (a source that cannot be split is
/// read on subtask 0 only, a sink that needs one writer gets its rows on subtask 0 only).
pub fn lower_job(
    job: &Job,
    registry: &ConnectorRegistry,
    ctx: &EvalContext,
    mut collect: Option<Box<dyn SinkWriter>>,
    config: &SessionConfig,
    instance: Instance,
) -> Result<Dataflow, Diagnostic> {
    let Instance { subtask, parallelism, connect } = instance;
    let batch_size = config
        .get("sluice.exec.batch-size")
        .and_then(|v| v.parse().ok())
        .filter(|b: &usize| *b > 0)
        .unwrap_or(DEFAULT_BATCH_SIZE);
    let idle_timeout = match config.get(crate::config::IDLE_TIMEOUT_KEY) {
        Some(v) => crate::duration::parse_duration(v).map_err(|e| {
            Diagnostic::without_span(ErrorClass::User, format!("invalid duration \"{v}\" for \"{}\": {e}", crate::config::IDLE_TIMEOUT_KEY))
        })?,
        None => std::time::Duration::ZERO,
    };
    let grid = job.pipelines.iter().filter_map(|(plan, _)| slice_grid(plan)).reduce(gcd);
    let watermark_per_row = job.pipelines.iter().any(|(plan, _)| reads_watermark(plan));
    let eager_watermark = if job.pipelines.iter().any(|(plan, _)| has_interval_join(plan)) {
        let interval = match config.get(AUTO_WATERMARK_INTERVAL_KEY) {
            Some(v) => crate::duration::parse_duration(v).map_err(|e| {
                Diagnostic::without_span(ErrorClass::User, format!("invalid duration \"{v}\" for \"{AUTO_WATERMARK_INTERVAL_KEY}\": {e}"))
            })?,
            None => std::time::Duration::from_millis(200),
        };
        Some(i64::try_from(interval.as_micros()).unwrap_or(i64::MAX))
    } else {
        None
    };
    let min_cleanup_interval = match config.get(MIN_CLEANUP_INTERVAL_KEY) {
        Some(v) => crate::duration::parse_duration(v).map_err(|e| {
            Diagnostic::without_span(ErrorClass::User, format!("invalid duration \"{v}\" for \"{MIN_CLEANUP_INTERVAL_KEY}\": {e}"))
        })?,
        None => std::time::Duration::ZERO,
    };
    let min_cleanup_interval = i64::try_from(min_cleanup_interval.as_micros()).unwrap_or(i64::MAX);
    let mini_batch = config.mini_batch().map_err(|e| Diagnostic::without_span(ErrorClass::User, e))?;
    let mut lowering = Lowering {
        registry,
        ctx: ctx.clone(),
        dataflow: Dataflow::default(),
        batch_size,
        idle_timeout,
        grid,
        watermark_per_row,
        eager_watermark,
        min_cleanup_interval,
        scans: Vec::new(),
        state_ttl: config.state_ttl(),
        mini_batch,
        max_partial_matches: config.max_partial_matches(),
        checkpointing: config.checkpointing(),
        job: job.name.clone(),
        subtask,
        parallelism: parallelism.max(1),
        connect,
    };
    for (plan, sink) in &job.pipelines {
        match sink {
            JobSink::Table(table) => lowering.sink(table, plan)?,
            JobSink::Collect => {
                lowering.changelog().mode(plan)?;
                let input = lowering.lower(plan, true)?;
                let writer: Box<dyn SinkWriter> = match collect.take() {
                    Some(writer) if subtask == 0 => writer,
                    _ if subtask > 0 || !connect => Box::new(SpareSink),
                    _ => return Err(internal("a job with two collected results")),
                };
                let id = lowering.dataflow.add_sink("Sink: collect", writer, input);
                lowering.dataflow.set_distribution(id, Distribution::Single);
            }
        }
    }
    Ok(lowering.dataflow)
}

pub(crate) fn internal(message: &str) -> Diagnostic {
    Diagnostic::without_span(ErrorClass::Internal, message.to_string())
}

struct Lowering<'a> {
    registry: &'a ConnectorRegistry,
    ctx: EvalContext,
    dataflow: Dataflow,
    batch_size: usize,
    /// `table.exec.source.idle-timeout` (zero: sources never go idle).
    idle_timeout: std::time::Duration,
    /// The slice size of the job's two-phase window aggregations (their gcd), for
    /// `WatermarkAssigner::with_grid`.
    grid: Option<i64>,
    /// Whether an expression of the job calls `CURRENT_WATERMARK`
    /// (`WatermarkAssigner::with_watermark_per_row`).
    watermark_per_row: bool,
    /// When the job has an interval join: `pipeline.auto-watermark-interval` in µs
    /// (`WatermarkAssigner::with_eager_interval`).
    eager_watermark: Option<i64>,
    /// `table.exec.interval-join.min-cleanup-interval` in µs.
    min_cleanup_interval: i64,
    /// The tables scanned so far, with whether their consumer needs `-U` rows, and the
    /// node their rows come out of: a table scanned twice is read once, as Flink's
    /// `table.optimizer.reuse-source-enabled` (on by default) does, so both readers see
    /// its rows and watermarks in the same order.
    scans: Vec<(Arc<CatalogTable>, bool, NodeId)>,
    /// `table.exec.state.ttl`.
    state_ttl: Option<std::time::Duration>,
    /// `table.exec.mini-batch.size` when mini-batching is on.
    mini_batch: Option<usize>,
    /// `sluice.match-recognize.max-partial-matches`.
    max_partial_matches: usize,
    /// Whether the job takes checkpoints (for `SinkContext::checkpointing`).
    checkpointing: bool,
    /// The job's name (for `SinkContext::job`).
    job: String,
    /// Which of `parallelism` subtasks this dataflow is for.
    subtask: usize,
    parallelism: usize,
    /// Whether readers and writers are opened (not for EXPLAIN).
    connect: bool,
}

/// The slice size of the two-phase (window TVF) aggregations in a plan, if any.
fn slice_grid(plan: &LogicalPlan) -> Option<i64> {
    use sluice_runtime::spec::WindowKind;
    let own = match plan {
        LogicalPlan::Aggregate { window: Some(w), .. } if !w.legacy => match w.kind {
            WindowKind::Tumble { size, .. } => Some(size),
            WindowKind::Hop { size, slide, .. } => Some(gcd(size, slide)),
            WindowKind::Cumulate { step, .. } => Some(step),
            WindowKind::Session { .. } => None,
        },
        _ => None,
    };
    plan_inputs(plan).into_iter().filter_map(slice_grid).chain(own).reduce(gcd)
}

/// Flink's option for how much later than it must an interval join cleans up a row.
const MIN_CLEANUP_INTERVAL_KEY: &str = "table.exec.interval-join.min-cleanup-interval";

/// Flink's option for how often a source's watermark is emitted (200 ms by default).
const AUTO_WATERMARK_INTERVAL_KEY: &str = "pipeline.auto-watermark-interval";

/// Whether the plan has an event-time interval join.
fn has_interval_join(plan: &LogicalPlan) -> bool {
    matches!(plan, LogicalPlan::Join { interval: Some(_), .. }) || plan_inputs(plan).into_iter().any(has_interval_join)
}

/// Whether a projection or a filter of `plan` calls `CURRENT_WATERMARK`.
fn reads_watermark(plan: &LogicalPlan) -> bool {
    let own = match plan {
        LogicalPlan::Project { exprs, .. } => exprs.iter().any(|e| e.reads_watermark()),
        LogicalPlan::Filter { predicate, .. } => predicate.reads_watermark(),
        _ => false,
    };
    own || plan_inputs(plan).into_iter().any(reads_watermark)
}

/// The inputs of a logical plan node.
fn plan_inputs(plan: &LogicalPlan) -> Vec<&LogicalPlan> {
    match plan {
        LogicalPlan::Scan { .. } | LogicalPlan::Values { .. } => vec![],
        LogicalPlan::Project { input, .. }
        | LogicalPlan::Filter { input, .. }
        | LogicalPlan::Unnest { input, .. }
        | LogicalPlan::Aggregate { input, .. }
        | LogicalPlan::WindowTvf { input, .. }
        | LogicalPlan::OverAggregate { input, .. }
        | LogicalPlan::RowNumber { input, .. }
        | LogicalPlan::WindowRank { input, .. }
        | LogicalPlan::Rank { input, .. }
        | LogicalPlan::Deduplicate { input, .. }
        | LogicalPlan::TemporalSort { input, .. }
        | LogicalPlan::Expand { input, .. }
        | LogicalPlan::LookupJoin { input, .. }
        | LogicalPlan::MatchRecognize { input, .. }
        | LogicalPlan::ReplicateRows { input, .. } => vec![input],
        LogicalPlan::Union { inputs, .. } => inputs.iter().collect(),
        LogicalPlan::Join { left, right, .. }
        | LogicalPlan::TemporalJoin { left, right, .. }
        | LogicalPlan::SemiJoin { left, right, .. }
        | LogicalPlan::WindowJoin { left, right, .. } => vec![left, right],
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

impl Lowering<'_> {
    fn changelog(&self) -> ChangelogInference<'_> {
        ChangelogInference { registry: self.registry }
    }

    /// Lowers `plan`. `before` says whether its consumer needs the `-U` row before each
    /// `+U` (a retracting consumer does; an upsert sink keyed by the result's upsert key
    /// does not), as Flink's `UpdateKindTrait` does.
    fn lower(&mut self, plan: &LogicalPlan, before: bool) -> Result<NodeId, Diagnostic> {
        match plan {
            LogicalPlan::Scan { table, .. } => self.scan(table, before),
            LogicalPlan::Values { rows, schema } => self.values(rows, schema),
            LogicalPlan::Project { input, exprs, schema } => {
                if let LogicalPlan::Filter { input: inner, predicate } = input.as_ref() {
                    let id = self.lower(inner, before)?;
                    return Ok(self.calc(id, Some(predicate.clone()), exprs.clone(), schema));
                }
                let id = self.lower(input, before)?;
                if is_identity(exprs, input.schema()) && input.schema().names() == schema.names() {
                    return Ok(id);
                }
                Ok(self.calc(id, None, exprs.clone(), schema))
            }
            LogicalPlan::Filter { input, predicate } => {
                let id = self.lower(input, before)?;
                let schema = input.schema();
                Ok(self.calc(id, Some(predicate.clone()), identity(schema), schema))
            }
            LogicalPlan::Unnest { input, collection, with_ordinality, outer, schema } => {
                let id = self.lower(input, before)?;
                let op = UnnestOperator::new(collection.clone(), *with_ordinality, *outer, schema.to_arrow(), self.ctx.clone());
                Ok(self.dataflow.add_operator(Box::new(op), vec![id]))
            }
            LogicalPlan::Union { inputs, .. } => {
                let ids = inputs.iter().map(|i| self.lower(i, before)).collect::<Result<Vec<_>, _>>()?;
                Ok(self.dataflow.add_operator(Box::new(UnionOperator), ids))
            }
            LogicalPlan::Aggregate { input, keys, aggregates, window, schema, state_ttl, .. } => {
                let Some(window) = window else {
                    let insert_only = !self.changelog().mode(input)?.updating;
                    let id = self.lower(input, true)?;
                    let ttl = state_ttl.or(self.state_ttl);
                    let op = self.group_aggregate(keys, aggregates, schema, insert_only, before, ttl)?;
                    return Ok(self.dataflow.add_operator(op, vec![id]));
                };
                let mut id = self.lower(input, false)?;
                if window.proctime {
                    id = self.dataflow.add_operator(Box::new(ProcTimeClock::default()), vec![id]);
                }
                let op = window::window_aggregate(input.schema(), keys, aggregates, window, schema, &self.ctx)?;
                Ok(self.dataflow.add_operator(op, vec![id]))
            }
            LogicalPlan::OverAggregate { input, keys, time_column, frame, aggregates, schema, .. } => {
                let id = self.lower(input, false)?;
                let op = window::over_aggregate(keys, *time_column, *frame, aggregates, schema)?;
                Ok(self.dataflow.add_operator(op, vec![id]))
            }
            LogicalPlan::RowNumber { span, .. } => Err(not_supported(
                "ROW_NUMBER without a filter on the row number",
                *span,
            )
            .with_hint("As in Flink, a streaming ROW_NUMBER runs only as a Top-N or a deduplication, which the enclosing query marks by filtering on the row number: WHERE rn <= N for the first N rows per partition, or WHERE rn = 1 with ORDER BY a time attribute to keep the first or last row per key.")),
            LogicalPlan::WindowRank { input, window_start, window_end, keys, order, limit, ltz, schema } => {
                let id = self.lower(input, false)?;
                let spec = sluice_runtime::spec::WindowRankSpec {
                    window_start: *window_start,
                    window_end: *window_end,
                    keys: keys.clone(),
                    order: order.clone(),
                    limit: *limit,
                    emit_rank: true,
                    time_zone: ltz.then_some(self.ctx.time_zone),
                    output_schema: schema.to_arrow(),
                };
                let op = window::window_rank(spec)?;
                Ok(self.dataflow.add_operator(op, vec![id]))
            }
            LogicalPlan::Rank { .. } | LogicalPlan::Deduplicate { .. } => self.rank(plan, before),
            LogicalPlan::TemporalSort { input, rowtime, then_by, schema, .. } => {
                let id = self.lower(input, false)?;
                let op = sluice_runtime::operators::TemporalSortOperator::new(schema.to_arrow(), *rowtime, then_by.clone())
                    .map_err(|e| window::operator_error("sort", e))?;
                Ok(self.dataflow.add_operator(Box::new(op), vec![id]))
            }
            LogicalPlan::Expand { .. } => self.expand(plan, before),
            LogicalPlan::Join { interval: None, .. } => self.regular_join(plan, before),
            LogicalPlan::LookupJoin { .. } => self.lookup_join(plan, before),
            LogicalPlan::SemiJoin { .. } => self.semi_join(plan),
            LogicalPlan::WindowJoin { left, right, join_type, semi, left_keys, right_keys, null_safe, left_window, right_window, ltz, residual, schema, .. } => {
                let l = self.lower(left, false)?;
                let r = self.lower(right, false)?;
                let kind = match semi {
                    Some(false) => sluice_runtime::spec::WindowJoinKind::Semi,
                    Some(true) => sluice_runtime::spec::WindowJoinKind::Anti,
                    None => sluice_runtime::spec::WindowJoinKind::Join(*join_type),
                };
                let spec = sluice_runtime::spec::WindowJoinSpec {
                    kind,
                    left_keys: left_keys.clone(),
                    right_keys: right_keys.clone(),
                    null_safe: null_safe.clone(),
                    left_end: left_window.1,
                    right_end: right_window.1,
                    time_zone: ltz.then_some(self.ctx.time_zone),
                    residual: residual.clone(),
                    ctx: self.ctx.clone(),
                    left_schema: left.schema().to_arrow(),
                    right_schema: right.schema().to_arrow(),
                    output_schema: schema.to_arrow(),
                };
                let op = sluice_runtime::operators::WindowJoinOperator::new(spec).map_err(|e| window::operator_error("a window join", e))?;
                Ok(self.dataflow.add_operator(Box::new(op), vec![l, r]))
            }
            LogicalPlan::ReplicateRows { input, count, columns, schema } => {
                let id = self.lower(input, before)?;
                let op = ReplicateRowsOperator::new(*count, columns.clone(), schema.to_arrow());
                Ok(self.dataflow.add_operator(Box::new(op), vec![id]))
            }
            LogicalPlan::MatchRecognize { input, spec, schema, .. } => {
                let id = self.lower(input, false)?;
                let input_schema = input.schema();
                let spec = sluice_runtime::spec::MatchRecognizeSpec {
                    definition: (**spec).clone(),
                    partition_types: spec.partition_keys.iter().map(|k| input_schema.fields[*k].data_type.clone()).collect(),
                    max_partial_matches: self.max_partial_matches,
                    ctx: self.ctx.clone(),
                    input_schema: input_schema.to_arrow(),
                    output_schema: schema.to_arrow(),
                };
                let op = sluice_runtime::operators::MatchRecognizeOperator::new(spec)
                    .map_err(|e| window::operator_error("MATCH_RECOGNIZE", e))?;
                Ok(self.dataflow.add_operator(Box::new(op), vec![id]))
            }
            LogicalPlan::TemporalJoin { left, right, left_join, left_keys, right_keys, left_time, right_time, residual, schema, .. } => {
                let l = self.lower(left, false)?;
                // The versioned table needs no -U rows: an update is its +U.
                let r = self.lower(right, false)?;
                let spec = sluice_runtime::operators::TemporalJoinSpec {
                    left_keys: left_keys.clone(),
                    right_keys: right_keys.clone(),
                    left_time: *left_time,
                    right_time: *right_time,
                    left: *left_join,
                    residual: residual.clone(),
                    left_schema: left.schema().to_arrow(),
                    right_schema: right.schema().to_arrow(),
                    output_schema: schema.to_arrow(),
                    ctx: self.ctx.clone(),
                };
                let op = sluice_runtime::operators::TemporalJoinOperator::new(spec)
                    .map_err(|e| internal(&format!("temporal join: {e}")))?;
                Ok(self.dataflow.add_operator(Box::new(op), vec![l, r]))
            }
            LogicalPlan::Join { left, right, join_type, left_keys, right_keys, interval, residual, schema, .. } => {
                let Some(interval) = interval else { return Err(internal("a regular join reached the interval join")) };
                let l = self.lower(left, false)?;
                let r = self.lower(right, false)?;
                let spec = sluice_runtime::spec::IntervalJoinSpec {
                    join_type: *join_type,
                    left_keys: left_keys.clone(),
                    right_keys: right_keys.clone(),
                    left_time: interval.left_time,
                    right_time: interval.right_time,
                    lower: interval.lower,
                    upper: interval.upper,
                    min_cleanup_interval: self.min_cleanup_interval,
                    residual: residual.clone(),
                    ctx: self.ctx.clone(),
                    left_schema: left.schema().to_arrow(),
                    right_schema: right.schema().to_arrow(),
                    output_schema: schema.to_arrow(),
                };
                let op = window::interval_join(spec)?;
                Ok(self.dataflow.add_operator(op, vec![l, r]))
            }
            LogicalPlan::WindowTvf { input, time_column, span, .. }
                if input.schema().fields[*time_column].time_attribute == Some(crate::logical::TimeAttribute::Proctime) =>
            {
                Err(not_supported("a window table-valued function on processing time that is not aggregated", *span)
                    .with_hint("As in Flink, a window on processing time must be aggregated: group its rows by window_start and window_end."))
            }
            LogicalPlan::WindowTvf { input, kind, time_column, partition_keys, schema, .. } => {
                if let sluice_runtime::spec::WindowKind::Session { gap } = kind {
                    let id = self.lower(input, false)?;
                    let spec = sluice_runtime::spec::SessionTableSpec {
                        gap: *gap,
                        time: window::window_time(input.schema(), *time_column, &self.ctx),
                        partition_keys: partition_keys.clone(),
                        input_schema: input.schema().to_arrow(),
                        output_schema: schema.to_arrow(),
                    };
                    let op = sluice_runtime::operators::SessionTableOperator::new(spec)
                        .map_err(|e| window::operator_error("a SESSION window table-valued function", e))?;
                    return Ok(self.dataflow.add_operator(Box::new(op), vec![id]));
                }
                let id = self.lower(input, false)?;
                let op = window::window_table(input.schema(), *kind, *time_column, schema, &self.ctx)?;
                Ok(self.dataflow.add_operator(op, vec![id]))
            }
        }
    }

    fn calc(&mut self, input: NodeId, filter: Option<ScalarExpr>, exprs: Vec<ScalarExpr>, schema: &PlanSchema) -> NodeId {
        let op = CalcOperator::new(filter, exprs, schema.to_arrow(), self.ctx.clone());
        self.dataflow.add_operator(Box::new(op), vec![input])
    }

    /// A table scan: the connector's reader, then the declared row (computed columns),
    /// then the watermark. An upsert source (`upsert-kafka`) is followed by Flink's
    /// ChangelogNormalize, which turns its upserts into `+I`/`-U`/`+U`/`-D` per primary
    /// key (`before`: the consumer needs the `-U` rows).
    fn scan(&mut self, table: &Arc<CatalogTable>, before: bool) -> Result<NodeId, Diagnostic> {
        if let Some((_, _, node)) = self.scans.iter().find(|(t, b, _)| Arc::ptr_eq(t, table) && *b == before) {
            return Ok(*node);
        }
        let node = self.scan_once(table, before)?;
        self.scans.push((table.clone(), before, node));
        Ok(node)
    }

    fn scan_once(&mut self, table: &Arc<CatalogTable>, before: bool) -> Result<NodeId, Diagnostic> {
        let factory = self
            .registry
            .get(&table.connector)
            .ok_or_else(|| internal("connector vanished from the registry"))?;
        let spec = table.spec();
        factory.validate(&spec, true).map_err(|e| connector_diagnostic(e, table))?;
        let physical: Vec<(String, DataType)> = spec.physical_columns.clone();
        let metadata: Vec<(String, String, DataType)> = table
            .columns
            .iter()
            .filter_map(|c| match &c.kind {
                TableColumnKind::Metadata { key, .. } => Some((c.name.clone(), key.clone(), c.data_type.clone())),
                _ => None,
            })
            .collect();
        let fields: Vec<Field> = physical
            .iter()
            .map(|(n, t)| t.to_field(n).with_nullable(true))
            .chain(metadata.iter().map(|(n, _, t)| t.to_field(n).with_nullable(true)))
            .collect();
        let mut source_ctx = SourceContext {
            projection: (0..physical.len()).collect(),
            metadata: metadata.iter().map(|(_, k, t)| (k.clone(), t.clone())).collect(),
            output_schema: Arc::new(Schema::new(fields)),
            batch_size: self.batch_size,
            time_zone: self.ctx.time_zone,
            subtask: 0,
            parallelism: 1,
            job: self.job.clone(),
            source_index: self.dataflow.source_count(),
            checkpointing: self.checkpointing,
        };
        let split = self.parallelism > 1 && factory.splits_across_readers(&spec);
        if split {
            source_ctx.subtask = self.subtask;
            source_ctx.parallelism = self.parallelism;
        }
        let reader = if (self.subtask > 0 && !split) || !self.connect {
            Box::new(EmptySource)
        } else {
            factory.create_source(&spec, &source_ctx).map_err(|e| connector_diagnostic(e, table))?
        };
        let mut node = self.dataflow.add_source(format!("Source: {}", table.name), reader);
        if !split {
            self.dataflow.set_single_instance(node);
        }
        let idle_timeout = crate::ddl::idle_timeout_option(table)?.unwrap_or(self.idle_timeout);
        if !idle_timeout.is_zero() {
            self.dataflow.set_idle_timeout(node, idle_timeout);
        }

        // The declared row, in declaration order.
        let np = physical.len();
        let (mut pi, mut mi) = (0, 0);
        let mut exprs = Vec::with_capacity(table.columns.len());
        for c in &table.columns {
            exprs.push(match &c.kind {
                TableColumnKind::Physical => {
                    pi += 1;
                    ScalarExpr::Column { index: pi - 1, data_type: c.data_type.clone() }
                }
                TableColumnKind::Metadata { .. } => {
                    mi += 1;
                    ScalarExpr::Column { index: np + mi - 1, data_type: c.data_type.clone() }
                }
                TableColumnKind::Computed { expr, .. } => expr.clone(),
            });
        }
        let declared = crate::bind::scan(table.clone());
        let schema = declared.schema();
        let identity = exprs.iter().enumerate().all(|(i, e)| matches!(e, ScalarExpr::Column { index, .. } if *index == i));
        match &table.watermark {
            // The assigner evaluates the computed columns itself, so that it sits right
            // after the source and sees each split's rows (per-partition watermarks).
            Some(w) => {
                let mut op = WatermarkAssigner::new(w.expr.clone(), w.column, self.ctx.clone())
                    .with_split_idle_timeout(idle_timeout);
                if !identity {
                    op = op.with_projection(exprs, schema.to_arrow());
                }
                if let Some(grid) = self.grid {
                    op = op.with_grid(grid);
                }
                if self.watermark_per_row {
                    op = op.with_watermark_per_row();
                }
                if let Some(interval) = self.eager_watermark {
                    op = op.with_eager_interval(interval);
                }
                node = self.dataflow.add_operator(Box::new(op), vec![node]);
            }
            None if !identity => node = self.calc(node, None, exprs, schema),
            None => {}
        }
        if factory.source_changelog_mode(&spec) == SourceChangelogMode::Upsert {
            let keys: Vec<usize> = table
                .primary_key
                .iter()
                .filter_map(|k| schema.fields.iter().position(|f| f.name == *k))
                .collect();
            if keys.len() != table.primary_key.len() || keys.is_empty() {
                return Err(internal("an upsert source without its primary key columns"));
            }
            let spec = sluice_runtime::spec::DeduplicateSpec {
                keys,
                keep_last: true,
                generate_update_before: before,
                state_ttl: self.state_ttl,
                output_schema: schema.to_arrow(),
            };
            let op = sluice_runtime::operators::DeduplicateOperator::new(spec)
                .and_then(|op| op.as_changelog_normalize())
                .map_err(|e| internal(&format!("ChangelogNormalize: {e}")))?;
            node = self.dataflow.add_operator(Box::new(op), vec![node]);
        }
        Ok(node)
    }

    fn values(&mut self, rows: &[Vec<ScalarExpr>], schema: &PlanSchema) -> Result<NodeId, Diagnostic> {
        let arrow_schema = schema.to_arrow();
        let one_row = RecordBatch::try_new_with_options(
            Arc::new(Schema::empty()),
            vec![],
            &RecordBatchOptions::new().with_row_count(Some(1)),
        )
        .map_err(|e| internal(&e.to_string()))?;
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.len());
        for (i, field) in arrow_schema.fields().iter().enumerate() {
            let mut parts = Vec::with_capacity(rows.len());
            for row in rows {
                let value = row[i].evaluate(&one_row, &self.ctx).map_err(|e| {
                    Diagnostic::without_span(ErrorClass::User, format!("cannot evaluate VALUES: {e}"))
                })?;
                parts.push(value);
            }
            let column = if parts.is_empty() {
                new_empty_array(field.data_type())
            } else {
                let refs: Vec<&dyn arrow_array::Array> = parts.iter().map(|a| a.as_ref()).collect();
                arrow_select::concat::concat(&refs).map_err(|e| internal(&e.to_string()))?
            };
            columns.push(column);
        }
        let batch = RecordBatch::try_new_with_options(
            arrow_schema,
            columns,
            &RecordBatchOptions::new().with_row_count(Some(rows.len())),
        )
        .map_err(|e| internal(&format!("VALUES: {e}")))?;
        let reader: Box<dyn sluice_connector_api::SourceReader> =
            if self.subtask > 0 { Box::new(EmptySource) } else { Box::new(ValuesSource::new(batch)) };
        let id = self.dataflow.add_source("Source: VALUES", reader);
        self.dataflow.set_single_instance(id);
        Ok(id)
    }

    /// An `INSERT INTO table`: the query, checked against the changes the sink accepts,
    /// with an upsert materialiser when an upsert sink's key is not the result's.
    fn sink(&mut self, table: &Arc<CatalogTable>, plan: &LogicalPlan) -> Result<(), Diagnostic> {
        let factory = self
            .registry
            .get(&table.connector)
            .ok_or_else(|| internal("connector vanished from the registry"))?;
        let spec = table.spec();
        let mode = self.changelog().mode(plan)?;
        let sink_key: Vec<usize> = table
            .primary_key
            .iter()
            .filter_map(|k| spec.physical_columns.iter().position(|(name, _)| name == k))
            .collect();
        let (before, materialize) = match factory.sink_changelog_mode(&spec) {
            SinkChangelogMode::InsertOnly if mode.updating => return Err(update::append_only_sink(table, &mode)),
            SinkChangelogMode::InsertOnly | SinkChangelogMode::All => (true, false),
            SinkChangelogMode::Upsert => {
                let keyed_alike = mode.upsert_key.as_ref().is_some_and(|key| same_columns(key, &sink_key));
                if !mode.updating || sink_key.is_empty() {
                    (true, false)
                } else if keyed_alike {
                    (false, false)
                } else {
                    (true, true)
                }
            }
        };
        let mut input = self.lower(plan, before)?;
        if materialize {
            input = self.upsert_materialize(input, sink_key.clone(), plan.schema())?;
        }
        let metadata = table
            .sink_columns()
            .filter_map(|c| match &c.kind {
                TableColumnKind::Metadata { key, .. } => Some((key.clone(), c.data_type.clone())),
                _ => None,
            })
            .collect();
        // One writer per instance where the connector allows it, keyed by the table's
        // primary key for upserts (so each key's changes stay in order); else one writer.
        let distribution = if !factory.writes_in_parallel(&spec) {
            Distribution::Single
        } else if mode.updating && !sink_key.is_empty() && factory.sink_changelog_mode(&spec) == SinkChangelogMode::Upsert {
            Distribution::Hash(sink_key.clone())
        } else {
            Distribution::Forward
        };
        let parallel = self.parallelism > 1 && distribution != Distribution::Single;
        let ctx = SinkContext {
            input_schema: plan.schema().to_arrow(),
            metadata,
            time_zone: self.ctx.time_zone,
            subtask: if parallel { self.subtask } else { 0 },
            parallelism: if parallel { self.parallelism } else { 1 },
            checkpointing: self.checkpointing,
            job: self.job.clone(),
            sink_index: self.dataflow.sink_count(),
        };
        let writer: Box<dyn SinkWriter> = if (self.subtask > 0 && !parallel) || !self.connect {
            Box::new(SpareSink)
        } else {
            factory.create_sink(&spec, &ctx).map_err(|e| connector_diagnostic(e, table))?
        };
        let id = self.dataflow.add_sink(format!("Sink: {}", table.name), writer, input);
        self.dataflow.set_distribution(id, distribution);
        Ok(())
    }
}

/// Whether two column lists name the same set of columns.
fn same_columns(a: &[usize], b: &[usize]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort_unstable();
    a.dedup();
    b.sort_unstable();
    b.dedup();
    a == b
}

fn identity(schema: &PlanSchema) -> Vec<ScalarExpr> {
    schema
        .fields
        .iter()
        .enumerate()
        .map(|(index, f)| ScalarExpr::Column { index, data_type: f.data_type.clone() })
        .collect()
}

fn is_identity(exprs: &[ScalarExpr], input: &PlanSchema) -> bool {
    exprs.len() == input.len()
        && exprs.iter().enumerate().all(|(i, e)| matches!(e, ScalarExpr::Column { index, .. } if *index == i))
}

/// What the lowering tests of joins share: the changelog mode a query plans to, and two
/// small inputs.
#[cfg(test)]
mod changelog_tests {
    use sluice_connector_api::ConnectorRegistry;

    use crate::changelog::{ChangelogInference, ChangelogMode};
    use crate::session::{Session, StatementOutcome};

    /// The changelog mode of the query that ends `sql`.
    pub(super) fn mode_of(sql: &str) -> ChangelogMode {
        let mut session = Session::new(ConnectorRegistry::default());
        let mut outcome = None;
        for statement in sluice_sql::parse_statements(sql).expect("parses") {
            outcome = Some(session.execute(&statement, sql).expect("plans"));
        }
        let Some(StatementOutcome::Job(job)) = outcome else { panic!("not a query") };
        ChangelogInference { registry: session.registry() }.mode(&job.pipelines[0].0).expect("a mode")
    }

    pub(super) const A: &str = "(VALUES (1, 10), (2, 20)) AS a(k, v)";
    pub(super) const B: &str = "(VALUES (1, 'x'), (3, 'y')) AS b(k, w)";
}

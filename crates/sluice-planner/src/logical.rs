use std::sync::Arc;

use arrow_schema::{Field, Schema, SchemaRef};
use sluice_expr::ScalarExpr;
use sluice_runtime::spec::{AggregateCall, JoinType, OverFrame, SortKey, WindowKind};
use sluice_sql::Span;
use sluice_types::DataType;

use crate::catalog::CatalogTable;

/// Whether a column is a time attribute, as Flink's `*ROWTIME*` / `*PROCTIME*` markers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeAttribute {
    Rowtime,
    Proctime,
}

/// One output column of a plan node.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanField {
    pub name: String,
    pub data_type: DataType,
    pub time_attribute: Option<TimeAttribute>,
}

impl PlanField {
    pub fn new(name: impl Into<String>, data_type: DataType) -> Self {
        PlanField { name: name.into(), data_type, time_attribute: None }
    }
}

/// The columns a plan node produces, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanSchema {
    pub fields: Vec<PlanField>,
}

impl PlanSchema {
    pub fn new(fields: Vec<PlanField>) -> Self {
        PlanSchema { fields }
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.name.as_str()).collect()
    }

    /// The Arrow schema of batches with these columns. Every field is nullable at the
    /// top level: nullability is tracked by the planner in `DataType`, not checked by Arrow.
    pub fn to_arrow(&self) -> SchemaRef {
        let fields: Vec<Field> = self
            .fields
            .iter()
            .map(|f| f.data_type.to_field(&f.name).with_nullable(true))
            .collect();
        Arc::new(Schema::new(fields))
    }
}

/// A logical plan: what a query computes, with every name resolved and every expression
/// typed. Expressions refer to the columns of the node's input by index.
#[derive(Clone, Debug)]
pub enum LogicalPlan {
    /// Reads a table: every declared column (physical, metadata, computed) in order, with
    /// the table's watermark applied.
    Scan { table: Arc<CatalogTable>, schema: PlanSchema },
    /// Constant rows.
    Values { rows: Vec<Vec<ScalarExpr>>, schema: PlanSchema },
    Project { input: Box<LogicalPlan>, exprs: Vec<ScalarExpr>, schema: PlanSchema },
    Filter { input: Box<LogicalPlan>, predicate: ScalarExpr },
    /// The input's columns followed by the unnested collection's element columns.
    Unnest {
        input: Box<LogicalPlan>,
        collection: ScalarExpr,
        with_ordinality: bool,
        outer: bool,
        schema: PlanSchema,
    },
    /// `UNION ALL`; inputs already have this schema.
    Union { inputs: Vec<LogicalPlan>, schema: PlanSchema },
    /// `GROUP BY`: one row per distinct value of the `keys` columns, with the aggregates.
    /// Output: the key columns, then one column per aggregate, then (with a window)
    /// `window_start`, `window_end` and `window_time`. Without a window it is an updating
    /// aggregation; `span` points at the query for errors found while lowering.
    Aggregate {
        input: Box<LogicalPlan>,
        keys: Vec<usize>,
        aggregates: Vec<AggregateCall>,
        window: Option<GroupWindow>,
        schema: PlanSchema,
        span: Span,
        /// A `STATE_TTL` hint of the query, overriding `table.exec.state.ttl`.
        state_ttl: Option<std::time::Duration>,
    },
    /// A window table-valued function on its own (`TABLE(TUMBLE(TABLE t, ...))`): the
    /// input columns (the descriptor column still a time attribute, as in Flink), then
    /// `window_start`, `window_end` and `window_time`.
    WindowTvf {
        input: Box<LogicalPlan>,
        kind: WindowKind,
        time_column: usize,
        /// `SESSION(TABLE t PARTITION BY k, ...)`: the input columns sessions are per.
        partition_keys: Vec<usize>,
        schema: PlanSchema,
        span: Span,
    },
    /// `agg(...) OVER (PARTITION BY keys ORDER BY rowtime <frame>)`: the input columns,
    /// then one column per aggregate.
    OverAggregate {
        input: Box<LogicalPlan>,
        keys: Vec<usize>,
        time_column: usize,
        frame: OverFrame,
        aggregates: Vec<AggregateCall>,
        schema: PlanSchema,
        span: Span,
    },
    /// `ROW_NUMBER() OVER (PARTITION BY keys ORDER BY order)`: the input columns, then the
    /// row number. Only runnable as a window Top-N, once a filter on the row number
    /// turns it into a `WindowRank`.
    RowNumber { input: Box<LogicalPlan>, keys: Vec<usize>, order: Vec<SortKey>, schema: PlanSchema, span: Span },
    /// Unbounded Top-N: the `limit` first rows per `keys` in `order`, revised as rows
    /// arrive (an updating result). Output: the input columns, then the row number when
    /// `emit_rank`.
    Rank {
        input: Box<LogicalPlan>,
        keys: Vec<usize>,
        order: Vec<SortKey>,
        limit: usize,
        emit_rank: bool,
        schema: PlanSchema,
        span: Span,
    },
    /// `ORDER BY rowtime [, then_by]` over an insert-only stream: rows leave in order once
    /// the watermark reaches their rowtime (Flink's TemporalSort). Output: the input
    /// columns.
    TemporalSort { input: Box<LogicalPlan>, rowtime: usize, then_by: Vec<SortKey>, schema: PlanSchema, span: Span },
    /// Deduplication without a window: the first (or with `keep_last` the last) row per
    /// `keys`, by processing time, or by the `rowtime` column when it is set. Output: the
    /// input columns.
    Deduplicate {
        input: Box<LogicalPlan>,
        keys: Vec<usize>,
        keep_last: bool,
        rowtime: Option<usize>,
        schema: PlanSchema,
        span: Span,
    },
    /// Each input row once per projection list (Flink's Expand, for GROUPING SETS,
    /// ROLLUP and CUBE): every list has this schema.
    Expand { input: Box<LogicalPlan>, projections: Vec<Vec<ScalarExpr>>, schema: PlanSchema },
    /// Window Top-N / deduplication: the `limit` first rows per window and key, in
    /// `order`. Output: the input columns, then the row number.
    WindowRank {
        input: Box<LogicalPlan>,
        window_start: usize,
        window_end: usize,
        keys: Vec<usize>,
        order: Vec<SortKey>,
        limit: usize,
        /// The window's rowtime is a TIMESTAMP_LTZ: `window_end` is then wall-clock time in
        /// the session time zone while watermarks are instants.
        ltz: bool,
        schema: PlanSchema,
    },
    /// A join of two inputs: the left columns, then the right ones (nullable on a side
    /// an outer join pads). Rows match when their `left_keys` equal their `right_keys`
    /// (same types on both sides; NULL never matches), their times fall in `interval`
    /// if there is one, and `residual` (over the output columns) holds. Without an
    /// interval it is a regular join.
    Join {
        left: Box<LogicalPlan>,
        right: Box<LogicalPlan>,
        join_type: JoinType,
        left_keys: Vec<usize>,
        right_keys: Vec<usize>,
        interval: Option<JoinInterval>,
        residual: Option<ScalarExpr>,
        schema: PlanSchema,
        span: Span,
        /// A `STATE_TTL` hint's TTL for the left and the right rows of a regular join,
        /// overriding `table.exec.state.ttl`.
        state_ttl: [Option<std::time::Duration>; 2],
    },
    /// A semi join (`IN`/`EXISTS` subqueries, `INTERSECT`) or an anti join (`NOT IN`,
    /// `NOT EXISTS`, `EXCEPT`): the left rows that have (semi) or have not (anti) a right
    /// row whose `right_keys` equal their `left_keys` and for which `residual` (over the
    /// left columns, then the right ones) holds. A key pair marked in `null_safe`
    /// compares with `IS NOT DISTINCT FROM`, the others never match NULL. Output: the
    /// left columns, time attributes materialised as in a regular join.
    SemiJoin {
        left: Box<LogicalPlan>,
        right: Box<LogicalPlan>,
        anti: bool,
        left_keys: Vec<usize>,
        right_keys: Vec<usize>,
        null_safe: Vec<bool>,
        residual: Option<ScalarExpr>,
        schema: PlanSchema,
        span: Span,
    },
    /// Each input row as many times as its BIGINT column `count` says, with the input
    /// columns `columns` (Flink's `ReplicateRows`, for `INTERSECT ALL` and `EXCEPT ALL`).
    ReplicateRows { input: Box<LogicalPlan>, count: usize, columns: Vec<usize>, schema: PlanSchema },
    /// A window join (Flink's WindowJoin): rows of `left` and `right` in the same window
    /// (a join on equal `window_start` and `window_end` of two inputs with the same
    /// windowing) whose `left_keys` equal their `right_keys` (compared with
    /// `IS NOT DISTINCT FROM` where `null_safe`) and for which `residual` (over the left
    /// columns, then the right ones) holds, emitted once the watermark passes the
    /// window's end: insert-only, outer rows padded then. Output: the left columns, then
    /// the right ones (none for a semi or anti join), time attributes kept.
    WindowJoin {
        left: Box<LogicalPlan>,
        right: Box<LogicalPlan>,
        join_type: JoinType,
        /// `Some(anti)`: a semi join (`false`) or an anti join (`true`).
        semi: Option<bool>,
        left_keys: Vec<usize>,
        right_keys: Vec<usize>,
        null_safe: Vec<bool>,
        /// The `window_start` and `window_end` columns of each input.
        left_window: (usize, usize),
        right_window: (usize, usize),
        kind: WindowKind,
        /// The windows are on a TIMESTAMP_LTZ (their bounds are wall-clock times).
        ltz: bool,
        residual: Option<ScalarExpr>,
        schema: PlanSchema,
        span: Span,
    },
    /// An event-time temporal join (`JOIN r FOR SYSTEM_TIME AS OF o.rowtime`): each left
    /// row, once the watermark passes it, joined with the version of the right row (of a
    /// versioned table: primary key and watermark) valid at its rowtime. Output: left
    /// columns (keeping the left rowtime), then right columns.
    TemporalJoin {
        left: Box<LogicalPlan>,
        right: Box<LogicalPlan>,
        /// LEFT rather than inner.
        left_join: bool,
        left_keys: Vec<usize>,
        right_keys: Vec<usize>,
        left_time: usize,
        right_time: usize,
        /// Over the joined row.
        residual: Option<ScalarExpr>,
        schema: PlanSchema,
        span: Span,
    },
    /// A lookup join (`JOIN t FOR SYSTEM_TIME AS OF o.proc_time`): each input row joined
    /// with the rows `table` holds for its key when the row arrives. Output: the input's
    /// columns, then the table's physical columns.
    LookupJoin {
        input: Box<LogicalPlan>,
        table: std::sync::Arc<crate::catalog::CatalogTable>,
        /// LEFT rather than inner.
        left: bool,
        /// Key values over the input row, cast to the types of `key_columns`.
        keys: Vec<ScalarExpr>,
        /// The table's physical column each key equals.
        key_columns: Vec<usize>,
        /// Checked on each joined row.
        residual: Option<ScalarExpr>,
        schema: PlanSchema,
        span: Span,
    },
    /// `MATCH_RECOGNIZE`: output is the partition columns, then the measures.
    MatchRecognize { input: Box<LogicalPlan>, spec: Box<sluice_runtime::spec::MatchDefinition>, schema: PlanSchema, span: Span },
}

/// The time condition of an interval join: `right time - left time` lies in
/// `[lower, upper]` (microseconds, both inclusive; strict bounds already shifted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JoinInterval {
    /// The rowtime column of the left input.
    pub left_time: usize,
    /// The rowtime column of the right input.
    pub right_time: usize,
    pub lower: i64,
    pub upper: i64,
}

/// The window of a window aggregation: its shape and the input's rowtime column.
#[derive(Clone, Debug)]
pub struct GroupWindow {
    pub kind: WindowKind,
    pub time_column: usize,
    /// A legacy `GROUP BY TUMBLE(...)` rather than a window TVF: Flink runs it as one
    /// phase, which changes floating-point sums (see `WindowAggregateSpec::two_phase`).
    pub legacy: bool,
    /// A window on processing time: it fires when the wall clock passes its end.
    pub proctime: bool,
    /// The window comes with the input rows (a window aggregation over an earlier
    /// window's bounds, Flink's `WindowAttachedWindowingStrategy`) rather than from
    /// `time_column`, which is then that window's `window_time`.
    pub attached: Option<AttachedWindow>,
}

/// The bounds a window aggregation finds in its input rows. Each row's window ends at
/// the end of the slice (of the windowing's pane size) its `window_time` falls in, and
/// its `window_start` is a group key, so that the aggregation runs as a TUMBLE of one
/// slice grouped by the start as well.
#[derive(Clone, Debug)]
pub struct AttachedWindow {
    /// The group key (a position in `keys`) holding `window_start`.
    pub start_key: usize,
    /// The input's names of the bounds, for EXPLAIN.
    pub start: String,
    pub end: String,
}

impl GroupWindow {
    /// The window the runtime computes: for an attached window, the TUMBLE of one slice
    /// (Flink's pane: the gcd of HOP's size and slide, CUMULATE's step) that ends where
    /// the input row's window ends.
    pub fn runtime_kind(&self) -> WindowKind {
        if self.attached.is_none() {
            return self.kind;
        }
        match self.kind {
            WindowKind::Hop { size, slide, offset } => WindowKind::Tumble { size: gcd(size, slide), offset },
            WindowKind::Cumulate { step, offset, .. } => WindowKind::Tumble { size: step, offset },
            kind => kind,
        }
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

impl LogicalPlan {
    pub fn schema(&self) -> &PlanSchema {
        match self {
            LogicalPlan::Scan { schema, .. }
            | LogicalPlan::Values { schema, .. }
            | LogicalPlan::Project { schema, .. }
            | LogicalPlan::Unnest { schema, .. }
            | LogicalPlan::Union { schema, .. }
            | LogicalPlan::Aggregate { schema, .. }
            | LogicalPlan::WindowTvf { schema, .. }
            | LogicalPlan::OverAggregate { schema, .. }
            | LogicalPlan::RowNumber { schema, .. }
            | LogicalPlan::WindowRank { schema, .. }
            | LogicalPlan::Rank { schema, .. }
            | LogicalPlan::Deduplicate { schema, .. }
            | LogicalPlan::TemporalSort { schema, .. }
            | LogicalPlan::Expand { schema, .. }
            | LogicalPlan::Join { schema, .. }
            | LogicalPlan::LookupJoin { schema, .. }
            | LogicalPlan::MatchRecognize { schema, .. }
            | LogicalPlan::SemiJoin { schema, .. }
            | LogicalPlan::WindowJoin { schema, .. }
            | LogicalPlan::ReplicateRows { schema, .. }
            | LogicalPlan::TemporalJoin { schema, .. } => schema,
            LogicalPlan::Filter { input, .. } => input.schema(),
        }
    }

    /// A projection of `exprs` named `names`, keeping a column's time attribute when the
    /// expression is a plain reference to it; `PROCTIME()` makes a new one.
    pub fn project(self, exprs: Vec<ScalarExpr>, names: Vec<String>) -> LogicalPlan {
        let input_schema = self.schema();
        let fields = exprs
            .iter()
            .zip(names)
            .map(|(e, name)| PlanField {
                name,
                data_type: e.data_type().clone(),
                time_attribute: match e {
                    ScalarExpr::Column { index, .. } => input_schema.fields[*index].time_attribute,
                    // `PROCTIME()` in a SELECT is a processing-time attribute, as in Flink.
                    ScalarExpr::Call { func: sluice_expr::Func::Proctime, .. } => Some(TimeAttribute::Proctime),
                    _ => None,
                },
            })
            .collect();
        LogicalPlan::Project { input: Box::new(self), exprs, schema: PlanSchema::new(fields) }
    }
}

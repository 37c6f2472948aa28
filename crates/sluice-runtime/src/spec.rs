//! What the planner tells the time-based operators: aggregate calls, window shapes and
//! the layout of each operator's input and output. These are plain data; the operators
//! that read them live in `operators/`.
//!
//! Conventions shared by every spec here:
//! - Column references are indices into the operator's input batch. The planner puts a
//!   projection in front of an operator so that group keys, aggregate arguments and
//!   `FILTER` conditions are plain columns.
//! - Times are microseconds, as stored in Arrow `Timestamp(Microsecond, _)` columns. A
//!   watermark is in the same unit as the rowtime column it was generated from.
//! - Durations (window sizes, gaps, interval bounds) are microseconds too.
//! - A window `[start, end)` fires once the watermark reaches `end - 1 ms`, as in Flink;
//!   its rowtime (`window_time`) is `end - 1 ms`.

use arrow_schema::SchemaRef;
use sluice_expr::{EvalContext, ScalarExpr};
use sluice_types::temporal::SessionTimeZone;
use sluice_types::DataType;

/// One millisecond in microseconds: windows end and fire on millisecond boundaries.
pub const MILLI: i64 = 1_000;

/// The aggregate functions of Flink SQL that the runtime computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggregateKind {
    /// `COUNT(*)` (no argument) or `COUNT(x)` (counts non-null `x`).
    Count,
    Sum,
    Avg,
    Min,
    Max,
    /// `LISTAGG(x [, separator])`: non-null values joined in arrival order; `,` by default.
    ListAgg,
    FirstValue,
    LastValue,
    StddevPop,
    StddevSamp,
    VarPop,
    VarSamp,
    /// `COLLECT(x)`: a MULTISET of the non-null values.
    Collect,
    /// `ARRAY_AGG(x)`: the values in arrival order, NULLs kept; NULL without values.
    ArrayAgg,
    /// `LAG(x [, offset [, default]])`, in OVER windows only: the value `offset` rows
    /// back (arguments: the value, then the INT offset, then the default).
    Lag,
    /// `JSON_ARRAYAGG(x [NULL|ABSENT ON NULL])`: the argument is each value's JSON text.
    JsonArrayAgg { absent_on_null: bool },
    /// `JSON_OBJECTAGG(KEY k VALUE v [..])`: the arguments are the key and the value's
    /// JSON text.
    JsonObjectAgg { absent_on_null: bool },
    /// `PERCENTILE(x, p [, frequency])`: the arguments are the value, the percentage (a
    /// DOUBLE, or an array of them for an array result) and the frequency.
    Percentile,
    /// `BITMAP_BUILD_AGG(int)`, `BITMAP_AND_AGG(bitmap)`, `BITMAP_OR_AGG(bitmap)`,
    /// `BITMAP_XOR_AGG(bitmap)`, and with `cardinality` their `*_CARDINALITY_AGG` forms,
    /// which give the size of the bitmap as BIGINT.
    Bitmap { op: BitmapAggOp, cardinality: bool },
}

/// What a `BITMAP_*_AGG` aggregate does with its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitmapAggOp {
    /// Collects INT values (as unsigned 32-bit members) into a bitmap.
    Build,
    /// Intersects the input bitmaps.
    And,
    /// Unites the input bitmaps.
    Or,
    /// Symmetric difference of the input bitmaps.
    Xor,
}

impl BitmapAggOp {
    /// Flink's name of the aggregate.
    pub fn function_name(self, cardinality: bool) -> &'static str {
        match (self, cardinality) {
            (BitmapAggOp::Build, false) => "BITMAP_BUILD_AGG",
            (BitmapAggOp::Build, true) => "BITMAP_BUILD_CARDINALITY_AGG",
            (BitmapAggOp::And, false) => "BITMAP_AND_AGG",
            (BitmapAggOp::And, true) => "BITMAP_AND_CARDINALITY_AGG",
            (BitmapAggOp::Or, false) => "BITMAP_OR_AGG",
            (BitmapAggOp::Or, true) => "BITMAP_OR_CARDINALITY_AGG",
            (BitmapAggOp::Xor, false) => "BITMAP_XOR_AGG",
            (BitmapAggOp::Xor, true) => "BITMAP_XOR_CARDINALITY_AGG",
        }
    }
}

/// One aggregate call in a `GROUP BY`.
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateCall {
    pub kind: AggregateKind,
    /// Argument columns; empty for `COUNT(*)`.
    pub args: Vec<usize>,
    /// `COUNT(DISTINCT x)` and the like: each distinct argument value counts once.
    pub distinct: bool,
    /// `FILTER (WHERE ...)`: a BOOLEAN column; rows where it is not TRUE are skipped.
    pub filter: Option<usize>,
    /// `LISTAGG`'s separator when given (a literal in Flink).
    pub separator: Option<String>,
    /// The argument's type (first argument), `None` for `COUNT(*)`.
    pub arg_type: Option<DataType>,
    /// The result type, decided by the planner with Flink's rules (`AVG` of INT is INT,
    /// `SUM` of DECIMAL(p, s) is DECIMAL(38, s), `COUNT` is BIGINT NOT NULL, ...).
    pub output_type: DataType,
}

/// The shape of a time window. Windows are aligned to the epoch (plus `offset`) in the
/// time the rowtime column is read in (see `WindowTime::time_zone`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowKind {
    Tumble { size: i64, offset: i64 },
    /// `HOP(..., slide, size)`: windows of `size` starting every `slide`.
    Hop { size: i64, slide: i64, offset: i64 },
    /// `CUMULATE(..., step, max_size)`: windows `[start, start + k * step)` for
    /// `k = 1..=max_size / step`, with `start` aligned to `max_size`.
    Cumulate { step: i64, max_size: i64, offset: i64 },
    /// Sessions per key, closed after `gap` without rows.
    Session { gap: i64 },
}

/// Which column carries time, and how to read it.
#[derive(Clone, Debug)]
pub struct WindowTime {
    /// The rowtime column of the input.
    pub column: usize,
    /// `Some` when the rowtime is a TIMESTAMP_LTZ: windows are then computed on the
    /// wall-clock time in this zone (Flink's `table.local-time-zone`), `window_start` and
    /// `window_end` are wall-clock TIMESTAMPs and `window_time` is an instant.
    pub time_zone: Option<SessionTimeZone>,
}

/// `GROUP BY window_start, window_end, keys...` over a window TVF, or a legacy
/// `GROUP BY TUMBLE(...)`: one row per key and window, emitted when the window fires.
///
/// Output columns, in order: `keys...`, one per aggregate, then `window_start`
/// (TIMESTAMP(3)), `window_end` (TIMESTAMP(3)) and `window_time` (the rowtime's type,
/// `window_end - 1 ms`). The planner projects what the query asks for on top.
///
/// Rows whose last window has already fired are late: they are dropped and counted. For
/// `HOP` and `CUMULATE` a row still counts towards its windows that have not fired.
#[derive(Clone, Debug)]
pub struct WindowAggregateSpec {
    pub window: WindowKind,
    pub time: WindowTime,
    pub keys: Vec<usize>,
    pub aggregates: Vec<AggregateCall>,
    /// Flink plans a window TVF aggregation in two phases (a local pre-aggregation whose
    /// buffer is flushed into the global state each time the watermark fires a slice),
    /// and a legacy group window in one. The results differ only in the last bits of
    /// floating-point sums; `true` reproduces the two-phase order of additions. It
    /// applies to TUMBLE, HOP and CUMULATE when every aggregate can be merged (no
    /// DISTINCT, FIRST_VALUE, LAST_VALUE, LISTAGG or COLLECT), as in Flink.
    pub two_phase: bool,
    pub output_schema: SchemaRef,
}

/// A window table-valued function on its own (not merged into an aggregate or a
/// Top-N): appends `window_start`, `window_end` and `window_time` to each row, one copy
/// per window the row belongs to (`HOP` and `CUMULATE` rows belong to several). Not for
/// `SESSION`, whose windows are only known after the fact.
#[derive(Clone, Debug)]
pub struct WindowTableSpec {
    pub window: WindowKind,
    pub time: WindowTime,
    pub output_schema: SchemaRef,
}

/// The `SESSION` window table-valued function on its own: each row, once its session
/// (per `partition_keys`, rows at most `gap` apart) has fired, with `window_start`,
/// `window_end` and `window_time` appended. Late rows are dropped.
#[derive(Clone, Debug)]
pub struct SessionTableSpec {
    pub gap: i64,
    pub time: WindowTime,
    pub partition_keys: Vec<usize>,
    pub input_schema: SchemaRef,
    pub output_schema: SchemaRef,
}

/// A sort key: column, ascending, nulls first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortKey {
    pub column: usize,
    pub ascending: bool,
    pub nulls_first: bool,
}

/// Window Top-N and window deduplication:
/// `ROW_NUMBER() OVER (PARTITION BY window_start, window_end, keys... ORDER BY ...)`
/// filtered by `rn <= limit` (deduplication is `limit = 1` ordered by the rowtime).
///
/// The input already has window columns (from a window aggregate or a window TVF). Rows
/// are held per window and emitted once, in rank order, when the window fires (the
/// watermark reaches `window_end - 1 ms`); rows of a fired window are late: dropped and
/// counted. Ties keep arrival order.
///
/// Output: the input columns, then the row number (BIGINT NOT NULL) when `emit_rank`.
#[derive(Clone, Debug)]
pub struct WindowRankSpec {
    pub window_start: usize,
    pub window_end: usize,
    /// Further partition keys (besides the window).
    pub keys: Vec<usize>,
    pub order: Vec<SortKey>,
    pub limit: usize,
    pub emit_rank: bool,
    /// `window_end` is a TIMESTAMP on the wall clock of this zone when the rowtime was
    /// a TIMESTAMP_LTZ (the watermark is an instant then).
    pub time_zone: Option<SessionTimeZone>,
    pub output_schema: SchemaRef,
}

/// The frame of an OVER aggregation, always ending at the current row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverFrame {
    /// `RANGE BETWEEN INTERVAL ... PRECEDING AND CURRENT ROW` (`None`: UNBOUNDED):
    /// rows of the same key whose rowtime is within `preceding` of the current row's,
    /// including every row with the same rowtime.
    Range { preceding: Option<i64> },
    /// `ROWS BETWEEN n PRECEDING AND CURRENT ROW` (`None`: UNBOUNDED).
    Rows { preceding: Option<u64> },
}

/// `agg(...) OVER (PARTITION BY keys ORDER BY rowtime <frame>)` with one frame shared by
/// every call. Rows are buffered until the watermark passes their rowtime, then emitted
/// in rowtime order with the aggregates of their frame. Late rows are dropped and
/// counted as in Flink: for an UNBOUNDED frame a row at or behind the watermark, for a
/// bounded frame a row at or behind the last rowtime its key has already emitted.
///
/// Output: the input columns, then one column per aggregate.
#[derive(Clone, Debug)]
pub struct OverAggregateSpec {
    pub keys: Vec<usize>,
    pub time_column: usize,
    pub frame: OverFrame,
    pub aggregates: Vec<AggregateCall>,
    pub output_schema: SchemaRef,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinType {
    Inner,
    Left,
    Right,
    Full,
}

/// An interval join: `l.k = r.k AND r.ts BETWEEN l.ts + lower AND l.ts + upper` (both
/// bounds inclusive; `lower` may be negative), plus an optional residual condition.
///
/// Output: left columns then right columns. Both time columns stay rowtimes; the output
/// watermark is the combined input watermark held back as Flink holds it (by the larger
/// interval bound), so joined rows are never late downstream. Rows are kept until the
/// other side's watermark guarantees they can no longer match; outer joins then emit
/// the unmatched row padded with NULLs.
#[derive(Clone, Debug)]
pub struct IntervalJoinSpec {
    pub join_type: JoinType,
    pub left_keys: Vec<usize>,
    pub right_keys: Vec<usize>,
    pub left_time: usize,
    pub right_time: usize,
    pub lower: i64,
    pub upper: i64,
    /// `table.exec.interval-join.min-cleanup-interval` (µs, 0 by default since Flink 1.18):
    /// how much later than it must a cached row's cleanup timer fires.
    pub min_cleanup_interval: i64,
    /// Evaluated over the concatenated row (left columns, then right columns).
    pub residual: Option<ScalarExpr>,
    pub ctx: EvalContext,
    pub left_schema: SchemaRef,
    pub right_schema: SchemaRef,
    pub output_schema: SchemaRef,
}

/// Which rows a window join emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowJoinKind {
    /// Joined pairs, and with an outer join the unmatched rows padded with NULLs.
    Join(JoinType),
    /// The left rows with a match in their window.
    Semi,
    /// The left rows without a match in their window.
    Anti,
}

/// A window join (Flink's `WindowJoinOperator`): rows of both inputs in the same window,
/// told by their `window_end` columns, are joined when the watermark fires the window
/// (reaches `end - 1 ms`); rows of a window that has fired are late and dropped. Rows
/// match when their keys are equal (NULL never matches, except in the pairs marked
/// `null_safe`: `IS NOT DISTINCT FROM`) and the residual condition holds.
///
/// Output: left columns then right columns (the left columns only for semi and anti
/// joins), all inserts; the watermark passes through after the window's rows.
#[derive(Clone, Debug)]
pub struct WindowJoinSpec {
    pub kind: WindowJoinKind,
    pub left_keys: Vec<usize>,
    pub right_keys: Vec<usize>,
    pub null_safe: Vec<bool>,
    pub left_end: usize,
    pub right_end: usize,
    /// `Some` when the windows are on a TIMESTAMP_LTZ: `window_end` is then wall-clock
    /// time in this zone while watermarks are instants.
    pub time_zone: Option<SessionTimeZone>,
    /// Evaluated over the concatenated row (left columns, then right columns).
    pub residual: Option<ScalarExpr>,
    pub ctx: EvalContext,
    pub left_schema: SchemaRef,
    pub right_schema: SchemaRef,
    pub output_schema: SchemaRef,
}

// ---------------------------------------------------------------------------------------
// Updating (changelog) operators. Their inputs may carry `+I`, `-U`, `+U` and `-D` rows
// (`ChangeBatch::kinds`) and they emit changelogs as Flink's operators do.
// ---------------------------------------------------------------------------------------

/// Mini-batching (`table.exec.mini-batch.enabled` / `.size`): rows are buffered and folded
/// per key, and at most one change per key is emitted per flush. A flush happens when
/// `size` rows are buffered, on every watermark and at the end of input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MiniBatch {
    pub size: usize,
}

/// A non-windowed `GROUP BY` (Flink's GroupAggFunction): for each key, the first row
/// emits `+I`; a change of the result emits `-U` old then `+U` new (only `+U` when
/// `generate_update_before` is false, for upsert consumers keyed by the group keys); an
/// unchanged result emits nothing; when the key's row count drops to zero the last
/// result is retracted with `-D` and the state is freed. `-U`/`-D` input rows retract.
///
/// Output: `keys...`, then one column per aggregate. With no keys (a global aggregate)
/// there is one group.
#[derive(Clone, Debug)]
pub struct GroupAggregateSpec {
    pub keys: Vec<usize>,
    pub aggregates: Vec<AggregateCall>,
    pub generate_update_before: bool,
    pub mini_batch: Option<MiniBatch>,
    /// `table.exec.state.ttl`: a key untouched for this long (processing time) is
    /// forgotten, as Flink's state TTL does.
    pub state_ttl: Option<std::time::Duration>,
    pub output_schema: SchemaRef,
}

/// A regular join of two changelog streams (Flink's StreamingJoinOperator): each side's
/// rows are kept per join key (with a count per distinct row, or per unique key when the
/// side has one), every input change is joined with the other side's state and emitted
/// with the input's kind; outer joins emit and retract NULL-padded rows as matches come
/// and go.
///
/// Output: left columns then right columns.
#[derive(Clone, Debug)]
pub struct JoinSpec {
    pub join_type: JoinType,
    pub left_keys: Vec<usize>,
    pub right_keys: Vec<usize>,
    /// Non-equi part of the condition, over the concatenated row (left, then right).
    pub residual: Option<ScalarExpr>,
    pub ctx: EvalContext,
    /// A unique key of a side's rows when the planner knows one (an upsert source's
    /// primary key, a group aggregate's keys), so state holds one row per key.
    pub left_unique_key: Option<Vec<usize>>,
    pub right_unique_key: Option<Vec<usize>>,
    /// Whether a side's input never retracts: without a unique key, its rows then need
    /// no identity (nothing will ask for a row back), so each row is kept as it came,
    /// a repeated row twice, and state holds no encoded copy of every row.
    pub left_insert_only: bool,
    pub right_insert_only: bool,
    /// State TTL of the left rows (`table.exec.state.ttl`, or a `STATE_TTL` hint naming
    /// the left input).
    pub state_ttl: Option<std::time::Duration>,
    /// State TTL of the right rows when it differs from the left's (a `STATE_TTL` hint
    /// naming the right input); `None` means the same as `state_ttl`.
    pub right_state_ttl: Option<std::time::Duration>,
    pub left_schema: SchemaRef,
    pub right_schema: SchemaRef,
    pub output_schema: SchemaRef,
}

/// Unbounded Top-N: `ROW_NUMBER() OVER (PARTITION BY keys ORDER BY ...)` filtered by
/// `rn <= limit`, over an append-only or updating input. As the ranking changes the
/// operator retracts rows that leave the top N (`-D`, or `-U`/`+U` when `emit_rank` and a
/// row's rank changes) and inserts the ones that enter, as Flink's
/// AppendOnlyTopNFunction / RetractableTopNFunction do.
///
/// Output: input columns, then the row number (BIGINT NOT NULL) when `emit_rank`.
#[derive(Clone, Debug)]
pub struct RankSpec {
    pub keys: Vec<usize>,
    pub order: Vec<SortKey>,
    pub limit: usize,
    pub emit_rank: bool,
    pub generate_update_before: bool,
    pub state_ttl: Option<std::time::Duration>,
    pub output_schema: SchemaRef,
}

/// Deduplication on processing time (`ROW_NUMBER() OVER (PARTITION BY keys ORDER BY
/// PROCTIME() ASC|DESC) = 1`): keep the first row per key (append-only output) or the
/// last (an update of the previous row each time).
///
/// Output: the input columns.
#[derive(Clone, Debug)]
pub struct DeduplicateSpec {
    pub keys: Vec<usize>,
    pub keep_last: bool,
    pub generate_update_before: bool,
    pub state_ttl: Option<std::time::Duration>,
    pub output_schema: SchemaRef,
}

/// In front of an upsert sink whose primary key differs from the upsert key of its input
/// (Flink's SinkUpsertMaterializer): turns the changelog into correct upserts on the sink
/// key. Flink keeps every row ever seen per key; this keeps only the rows currently
/// alive per key (a retraction removes one), so state does not grow with the history.
///
/// Output: the input columns, as `+U` (or `+I`) upserts and `-D` deletes on `sink_key`.
#[derive(Clone, Debug)]
pub struct UpsertMaterializeSpec {
    pub sink_key: Vec<usize>,
    pub state_ttl: Option<std::time::Duration>,
    pub output_schema: SchemaRef,
}

/// A row pattern of `MATCH_RECOGNIZE`, over variable numbers (indexes into
/// `MatchRecognizeSpec::variables`).
#[derive(Clone, Debug, PartialEq)]
pub enum MatchPattern {
    Var(usize),
    Concat(Vec<MatchPattern>),
    Alternation(Vec<MatchPattern>),
    /// `max: None` is unbounded. `greedy: false` is the reluctant form (`+?`, `{n,m}?`).
    Quantified { pattern: Box<MatchPattern>, min: u32, max: Option<u32>, greedy: bool },
}

/// `AFTER MATCH SKIP ...`; `ToFirst`/`ToLast` name a variable by number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchSkip {
    PastLastRow,
    ToNextRow,
    ToFirst(usize),
    ToLast(usize),
}

/// A value a `DEFINE` condition or a measure reads besides the current row's columns.
/// `var: None` is every row of the match (the universal pattern variable).
#[derive(Clone, Debug, PartialEq)]
pub enum MatchInput {
    /// `FIRST(v.expr, offset)` (`from_first`) or `LAST(v.expr, offset)`: `expr` over the
    /// input columns of that row, NULL when there is no such row.
    Navigate { var: Option<usize>, from_first: bool, offset: usize, expr: ScalarExpr },
    /// An aggregate over the rows of `var` (so far, in a `DEFINE`). `call.args` index
    /// `args`, which are evaluated over each row's input columns.
    Aggregate { var: Option<usize>, call: AggregateCall, args: Vec<ScalarExpr> },
    /// `MATCH_ROWTIME()`: the rowtime of the match's last row, in `data_type`.
    MatchRowtime { data_type: DataType },
    /// `MATCH_PROCTIME()`: the wall clock, as a TIMESTAMP_LTZ.
    MatchProctime,
}

/// A `DEFINE` condition or a measure: `expr` reads the input columns (of the current row
/// in a `DEFINE`, of the last row in a measure) followed by one column per `inputs`.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchExpr {
    pub expr: ScalarExpr,
    pub inputs: Vec<MatchInput>,
}

/// What a `MATCH_RECOGNIZE` clause says, bound: the planner's logical node holds it, and
/// `MatchRecognizeSpec` adds what running it needs.
#[derive(Clone, Debug)]
pub struct MatchDefinition {
    pub partition_keys: Vec<usize>,
    pub time_column: usize,
    /// `ORDER BY` a processing-time attribute: rows run through the pattern as they
    /// arrive (none is late), as Flink's `CepOperator` does in processing time.
    pub proctime: bool,
    /// Further `ORDER BY` columns after the time attribute.
    pub order: Vec<SortKey>,
    pub variables: Vec<String>,
    pub pattern: MatchPattern,
    /// Per variable; `None` is TRUE (a variable without a `DEFINE`).
    pub conditions: Vec<Option<MatchExpr>>,
    pub measures: Vec<MatchExpr>,
    pub skip: MatchSkip,
    /// `WITHIN`: a match's last row is less than this many microseconds after its first.
    pub within: Option<i64>,
}

/// `MATCH_RECOGNIZE` with `ONE ROW PER MATCH`.
///
/// On a rowtime, rows wait per partition until the watermark passes them (rows at or
/// behind the watermark are late: dropped and counted), then run through the pattern's
/// automaton in the order of the time column, then `order`, then arrival.
///
/// Output: the partition columns, then the measures; append-only.
#[derive(Clone, Debug)]
pub struct MatchRecognizeSpec {
    pub definition: MatchDefinition,
    /// The SQL types of the partition keys, to name a partition in errors.
    pub partition_types: Vec<DataType>,
    /// The most partial matches one partition may hold before the job fails.
    pub max_partial_matches: usize,
    pub ctx: EvalContext,
    pub input_schema: SchemaRef,
    pub output_schema: SchemaRef,
}

//! The syntax tree of the Flink SQL dialect.
//!
//! Every node a diagnostic may point at carries a `Span` into the script text. The tree
//! is purely syntactic: names are not resolved and types are not checked (that is the
//! planner's job). `Display` prints a node back as SQL that parses to the same tree.

use sluice_types::DataType;

use crate::span::Span;

/// An identifier: `hostname`, `` `occurred_at` ``. `quoted` records back-quotes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub value: String,
    pub quoted: bool,
    pub span: Span,
}

/// A possibly qualified name: `catalog.db.table` or just `table`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectName {
    pub parts: Vec<Ident>,
}

impl ObjectName {
    /// The last part: the object's own name.
    pub fn base(&self) -> &Ident {
        self.parts.last().expect("an object name has at least one part")
    }
    pub fn span(&self) -> Span {
        let first = self.parts.first().map(|p| p.span).unwrap_or_default();
        let last = self.parts.last().map(|p| p.span).unwrap_or_default();
        first.to(last)
    }
}

/// One statement of a script. Scripts are split on `;`.
#[derive(Clone, Debug, PartialEq)]
pub enum Statement {
    /// `SET 'key' = 'value'`, or bare `SET` (list the settings).
    Set { key: Option<(String, Span)>, value: Option<(String, Span)>, span: Span },
    /// `RESET 'key'` or bare `RESET`.
    Reset { key: Option<(String, Span)>, span: Span },
    CreateTable(Box<CreateTable>),
    CreateView(Box<CreateView>),
    CreateFunction(Box<CreateFunction>),
    /// `DROP [TEMPORARY] TABLE|VIEW|FUNCTION [IF EXISTS] name`.
    Drop { object: ObjectKind, temporary: bool, if_exists: bool, name: ObjectName, span: Span },
    /// `SHOW TABLES` / `SHOW VIEWS` / `SHOW FUNCTIONS` / `SHOW CREATE TABLE t` etc.
    Show { what: ShowKind, span: Span },
    /// `DESCRIBE t` / `DESC t`.
    Describe { name: ObjectName, span: Span },
    Insert(Box<Insert>),
    /// `EXECUTE STATEMENT SET BEGIN insert; insert; END` (also `BEGIN STATEMENT SET; ... END;`).
    StatementSet { inserts: Vec<Insert>, span: Span },
    /// `EXPLAIN [PLAN FOR | ESTIMATED_COST, CHANGELOG_MODE, ...] statement`.
    Explain { details: Vec<Ident>, statement: Box<Statement>, span: Span },
    /// A bare query, whose rows are printed.
    Query(Box<Query>),
    /// `USE name` / `USE CATALOG name`: accepted for scripts that set up a catalog.
    Use { catalog: bool, name: ObjectName, span: Span },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    Table,
    View,
    Function,
    Catalog,
    Database,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShowKind {
    Tables,
    Views,
    Functions,
    Catalogs,
    Databases,
    /// `SHOW CURRENT CATALOG`.
    CurrentCatalog,
    /// `SHOW CURRENT DATABASE`.
    CurrentDatabase,
    CreateTable(ObjectName),
    CreateView(ObjectName),
}

/// `CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name (columns, watermark, key) [COMMENT ..]
/// [PARTITIONED BY (..)] WITH (options) [AS query]`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateTable {
    pub name: ObjectName,
    pub temporary: bool,
    pub if_not_exists: bool,
    pub columns: Vec<ColumnDef>,
    pub watermark: Option<WatermarkDef>,
    /// From a `PRIMARY KEY (..) NOT ENFORCED` constraint, or a column-level one.
    pub primary_key: Option<PrimaryKey>,
    pub comment: Option<String>,
    pub partitioned_by: Vec<Ident>,
    pub options: Vec<TableOption>,
    /// `CREATE TABLE t WITH (..) AS SELECT ..`.
    pub as_query: Option<Box<Query>>,
    /// `LIKE other_table [(options)]`.
    pub like: Option<ObjectName>,
    /// The like-options, in the order written (`INCLUDING ALL`, `EXCLUDING OPTIONS`, ...).
    pub like_options: Vec<LikeOption>,
    pub span: Span,
}

/// One like-option of `CREATE TABLE .. LIKE t (..)`: how a feature of `t` is merged.
#[derive(Clone, Debug, PartialEq)]
pub struct LikeOption {
    pub strategy: LikeStrategy,
    pub feature: LikeFeature,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LikeStrategy {
    Including,
    Excluding,
    Overwriting,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LikeFeature {
    All,
    Constraints,
    Generated,
    Metadata,
    Options,
    Partitions,
    Watermarks,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDef {
    pub name: Ident,
    pub kind: ColumnKind,
    pub comment: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ColumnKind {
    /// `name TYPE [NOT NULL]`.
    Physical { data_type: DataType, type_span: Span },
    /// `name TYPE METADATA [FROM 'key'] [VIRTUAL]`.
    Metadata { data_type: DataType, type_span: Span, from: Option<(String, Span)>, is_virtual: bool },
    /// `name AS expr`.
    Computed { expr: Expr },
}

/// `WATERMARK FOR column AS expr`.
#[derive(Clone, Debug, PartialEq)]
pub struct WatermarkDef {
    pub column: Ident,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrimaryKey {
    /// `CONSTRAINT name`, when given.
    pub name: Option<Ident>,
    pub columns: Vec<Ident>,
    pub span: Span,
}

/// `'key' = 'value'` in a `WITH (...)` clause or an `OPTIONS` hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableOption {
    pub key: String,
    pub key_span: Span,
    pub value: String,
    pub value_span: Span,
}

/// `CREATE [TEMPORARY] VIEW [IF NOT EXISTS] name [(columns)] AS query`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateView {
    pub name: ObjectName,
    pub temporary: bool,
    pub if_not_exists: bool,
    pub columns: Vec<Ident>,
    pub query: Box<Query>,
    pub span: Span,
}

/// `CREATE [TEMPORARY] [SYSTEM] FUNCTION [IF NOT EXISTS] name AS 'identifier'
/// [LANGUAGE JAVA|SCALA|PYTHON] [USING JAR '...']`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateFunction {
    pub name: ObjectName,
    pub temporary: bool,
    pub system: bool,
    pub if_not_exists: bool,
    pub class_name: (String, Span),
    pub language: Option<Ident>,
    pub span: Span,
}

/// `INSERT INTO|OVERWRITE table [PARTITION (..)] [(columns)] query`.
#[derive(Clone, Debug, PartialEq)]
pub struct Insert {
    pub table: ObjectName,
    pub overwrite: bool,
    /// Static partition values `PARTITION (k = 'v')`.
    pub partition: Vec<(Ident, Expr)>,
    pub columns: Vec<Ident>,
    pub table_hints: Vec<Hint>,
    pub source: Box<Query>,
    pub span: Span,
}

/// A query: `[WITH ctes] body [ORDER BY ..] [LIMIT n] [OFFSET m]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub with: Vec<Cte>,
    pub body: SetExpr,
    pub order_by: Vec<OrderByExpr>,
    pub limit: Option<Expr>,
    pub offset: Option<Expr>,
    pub span: Span,
}

/// `name [(columns)] AS (query)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cte {
    pub name: Ident,
    pub columns: Vec<Ident>,
    pub query: Box<Query>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SetExpr {
    Select(Box<Select>),
    /// A parenthesised query.
    Query(Box<Query>),
    SetOperation { op: SetOperator, all: bool, left: Box<SetExpr>, right: Box<SetExpr>, span: Span },
    /// `VALUES (..), (..)`.
    Values { rows: Vec<Vec<Expr>>, span: Span },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOperator {
    Union,
    Intersect,
    Except,
}

/// `SELECT [/*+ hints */] [ALL|DISTINCT] items FROM .. WHERE .. GROUP BY .. HAVING ..
/// WINDOW w AS (..)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Select {
    pub hints: Vec<Hint>,
    pub distinct: bool,
    pub projection: Vec<SelectItem>,
    /// The FROM clause as one tree; `FROM a, b` is a cross join.
    pub from: Option<TableRef>,
    pub selection: Option<Expr>,
    pub group_by: Vec<GroupByItem>,
    pub having: Option<Expr>,
    pub windows: Vec<NamedWindow>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SelectItem {
    Expr { expr: Expr, alias: Option<Ident> },
    /// `*`
    Wildcard(Span),
    /// `t.*`
    QualifiedWildcard(ObjectName, Span),
}

#[derive(Clone, Debug, PartialEq)]
pub enum GroupByItem {
    Expr(Expr),
    GroupingSets(Vec<Vec<Expr>>, Span),
    Rollup(Vec<Expr>, Span),
    Cube(Vec<Expr>, Span),
}

/// `WINDOW name AS (spec)`.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedWindow {
    pub name: Ident,
    pub spec: WindowSpec,
    pub span: Span,
}

/// A SQL hint: `/*+ OPTIONS('k'='v') */`, `/*+ STATE_TTL('t'='1d') */`,
/// `/*+ LOOKUP('table'='r', 'async'='true') */`, `/*+ BROADCAST(t) */`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hint {
    pub name: Ident,
    /// Key-value arguments (`'k' = 'v'`).
    pub options: Vec<TableOption>,
    /// Plain arguments (identifiers or literals), as written.
    pub args: Vec<(String, Span)>,
    pub span: Span,
}

/// An item of the FROM clause.
#[derive(Clone, Debug, PartialEq)]
pub enum TableRef {
    /// A table, view or CTE: `name [/*+ OPTIONS(..) */] [FOR SYSTEM_TIME AS OF expr] [[AS] alias]`.
    Named {
        name: ObjectName,
        hints: Vec<Hint>,
        /// `FOR SYSTEM_TIME AS OF expr` (temporal and lookup joins).
        system_time: Option<Box<Expr>>,
        alias: Option<TableAlias>,
        span: Span,
    },
    /// `[LATERAL] (query) [AS] alias`.
    Derived { lateral: bool, subquery: Box<Query>, alias: Option<TableAlias>, span: Span },
    /// A table function: `TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '5' MINUTE))`
    /// or `LATERAL TABLE(udtf(x))`.
    Function { lateral: bool, name: ObjectName, args: Vec<FunctionArg>, alias: Option<TableAlias>, span: Span },
    /// `UNNEST(expr, ..) [WITH ORDINALITY] [AS] alias(columns)`.
    Unnest { exprs: Vec<Expr>, with_ordinality: bool, alias: Option<TableAlias>, span: Span },
    Join(Box<Join>),
    /// `input MATCH_RECOGNIZE (..) [AS] alias`.
    MatchRecognize { input: Box<TableRef>, spec: Box<MatchRecognize>, alias: Option<TableAlias>, span: Span },
}

impl TableRef {
    pub fn span(&self) -> Span {
        match self {
            TableRef::Named { span, .. }
            | TableRef::Derived { span, .. }
            | TableRef::Function { span, .. }
            | TableRef::Unnest { span, .. }
            | TableRef::MatchRecognize { span, .. } => *span,
            TableRef::Join(j) => j.span,
        }
    }
}

/// `AS alias [(col, ..)]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableAlias {
    pub name: Ident,
    pub columns: Vec<Ident>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Join {
    pub left: TableRef,
    pub right: TableRef,
    pub kind: JoinKind,
    pub constraint: JoinConstraint,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
    /// `CROSS JOIN` or a comma.
    Cross,
}

#[derive(Clone, Debug, PartialEq)]
pub enum JoinConstraint {
    On(Expr),
    Using(Vec<Ident>),
    /// `LEFT JOIN LATERAL TABLE(f(x)) ON TRUE` keeps `On(TRUE)`; this is for cross joins.
    None,
}

/// An argument of a table function call.
#[derive(Clone, Debug, PartialEq)]
pub enum FunctionArg {
    /// `TABLE name [PARTITION BY cols]` (window TVFs; `PARTITION BY` for `SESSION`).
    Table { name: ObjectName, partition_by: Vec<Expr>, span: Span },
    /// `DESCRIPTOR(col, ..)`.
    Descriptor { columns: Vec<Ident>, span: Span },
    Expr(Expr),
    /// `name => arg`.
    Named { name: Ident, arg: Box<FunctionArg>, span: Span },
}

/// The body of `MATCH_RECOGNIZE ( .. )`.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchRecognize {
    pub partition_by: Vec<Expr>,
    pub order_by: Vec<OrderByExpr>,
    pub measures: Vec<Measure>,
    pub rows_per_match: RowsPerMatch,
    /// `AFTER MATCH SKIP ...`; without the clause, `TO NEXT ROW` as in Flink.
    pub after_match: AfterMatchSkip,
    pub pattern: Pattern,
    pub within: Option<Expr>,
    /// `SUBSET name = (a, b)`.
    pub subsets: Vec<(Ident, Vec<Ident>)>,
    pub define: Vec<(Ident, Expr)>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Measure {
    pub expr: Expr,
    pub alias: Ident,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowsPerMatch {
    OneRow,
    AllRows,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterMatchSkip {
    PastLastRow,
    ToNextRow,
    ToFirst(Ident),
    ToLast(Ident),
}

/// A row pattern: `A B+ C*?`, `(A | B) C{2,}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pattern {
    Var(Ident),
    Concat(Vec<Pattern>),
    Alternation(Vec<Pattern>),
    /// `p*` is `{0, None}`, `p+` is `{1, None}`, `p?` is `{0, Some(1)}`; a trailing `?`
    /// after the quantifier makes it reluctant.
    Quantified { pattern: Box<Pattern>, min: u32, max: Option<u32>, reluctant: bool, span: Span },
    /// `( p )`
    Group(Box<Pattern>),
}

/// `expr [ASC|DESC] [NULLS FIRST|LAST]`.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderByExpr {
    pub expr: Expr,
    pub asc: Option<bool>,
    pub nulls_first: Option<bool>,
}

/// The inside of `OVER ( .. )` or `WINDOW w AS ( .. )`.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowSpec {
    /// `OVER (w ...)` refining a named window.
    pub base: Option<Ident>,
    pub partition_by: Vec<Expr>,
    pub order_by: Vec<OrderByExpr>,
    pub frame: Option<WindowFrame>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WindowFrame {
    pub units: FrameUnits,
    pub start: FrameBound,
    /// `None` for `ROWS n PRECEDING` without `BETWEEN` (the end is CURRENT ROW).
    pub end: Option<FrameBound>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameUnits {
    Rows,
    Range,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FrameBound {
    UnboundedPreceding,
    Preceding(Box<Expr>),
    CurrentRow,
    Following(Box<Expr>),
    UnboundedFollowing,
}

/// `OVER w` or `OVER ( spec )`.
#[derive(Clone, Debug, PartialEq)]
pub enum Over {
    Named(Ident),
    Spec(WindowSpec),
}

/// An expression with the span of its whole text.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `a` or `` `a` ``.
    Identifier(Ident),
    /// `t.a`, `b.additionalToppings`, `t.r.f`: resolved by the planner (table or field).
    CompoundIdentifier(Vec<Ident>),
    Literal(Literal),
    /// `INTERVAL '10' SECOND`, `INTERVAL '1 02:03' DAY TO MINUTE`, `INTERVAL '5' MINUTES`
    /// (plural units accepted as Flink does), `INTERVAL 5 SECOND`.
    Interval { value: String, negative: bool, qualifier: IntervalQualifier },
    Unary { op: UnaryOp, expr: Box<Expr> },
    Binary { op: BinaryOp, left: Box<Expr>, right: Box<Expr> },
    /// `expr IS [NOT] NULL`.
    IsNull { expr: Box<Expr>, negated: bool },
    /// `expr IS [NOT] TRUE|FALSE|UNKNOWN`.
    IsBool { expr: Box<Expr>, value: Option<bool>, negated: bool },
    /// `a IS [NOT] DISTINCT FROM b`.
    IsDistinctFrom { left: Box<Expr>, right: Box<Expr>, negated: bool },
    /// `expr [NOT] BETWEEN [ASYMMETRIC|SYMMETRIC] low AND high`.
    Between { expr: Box<Expr>, low: Box<Expr>, high: Box<Expr>, negated: bool, symmetric: bool },
    /// `expr [NOT] IN (a, b, ..)`.
    InList { expr: Box<Expr>, list: Vec<Expr>, negated: bool },
    /// `expr [NOT] IN (query)`.
    InSubquery { expr: Box<Expr>, query: Box<Query>, negated: bool },
    /// `[NOT] EXISTS (query)`.
    Exists { query: Box<Query>, negated: bool },
    /// `(query)` used as a value.
    ScalarSubquery(Box<Query>),
    /// `expr [NOT] LIKE|SIMILAR TO pattern [ESCAPE 'c']`.
    Like { expr: Box<Expr>, pattern: Box<Expr>, escape: Option<Box<Expr>>, negated: bool, similar: bool },
    /// `CASE [operand] WHEN .. THEN .. [ELSE ..] END`.
    Case { operand: Option<Box<Expr>>, branches: Vec<(Expr, Expr)>, else_result: Option<Box<Expr>> },
    /// `CAST(expr AS type)` / `TRY_CAST(..)`.
    Cast { expr: Box<Expr>, data_type: DataType, type_span: Span, try_cast: bool },
    /// Any call `name(args)`, including aggregates and `OVER` windows.
    Function(Box<FunctionCall>),
    /// `EXTRACT(unit FROM expr)`.
    Extract { unit: TimeUnit, expr: Box<Expr> },
    /// `TRIM([BOTH|LEADING|TRAILING] [chars] FROM expr)` or `TRIM(expr)`.
    Trim { side: TrimSide, chars: Option<Box<Expr>>, expr: Box<Expr> },
    /// `POSITION(needle IN haystack)`.
    Position { needle: Box<Expr>, haystack: Box<Expr> },
    /// `SUBSTRING(expr FROM start [FOR len])`; the comma form is a plain `Function`.
    Substring { expr: Box<Expr>, from: Box<Expr>, length: Option<Box<Expr>> },
    /// `OVERLAY(expr PLACING s FROM start [FOR len])`.
    Overlay { expr: Box<Expr>, placing: Box<Expr>, from: Box<Expr>, length: Option<Box<Expr>> },
    /// `FLOOR(expr TO unit)` / `CEIL(expr TO unit)`; plain `FLOOR(x)` is a `Function`.
    FloorCeil { expr: Box<Expr>, unit: TimeUnit, ceil: bool },
    /// A time unit keyword used as a function argument: `TIMESTAMPDIFF(SECOND, a, b)`.
    TimeUnit(TimeUnit),
    /// `expr[index]` (arrays are 1-based; maps take a key).
    Index { expr: Box<Expr>, index: Box<Expr> },
    /// `(expr).field`.
    Field { expr: Box<Expr>, field: Ident },
    /// `ROW(a, b)` or `(a, b)`.
    Row(Vec<Expr>),
    /// `ARRAY[a, b]`.
    Array(Vec<Expr>),
    /// `MAP[k1, v1, k2, v2]`.
    Map(Vec<Expr>),
    /// `( expr )`: kept so that printing preserves grouping.
    Nested(Box<Expr>),
    /// `(start, end) OVERLAPS (start, end)`; an end may be an interval.
    Overlaps { left: Box<(Expr, Expr)>, right: Box<(Expr, Expr)> },
    /// `expr IS [NOT] JSON [VALUE|SCALAR|ARRAY|OBJECT]`.
    IsJson { expr: Box<Expr>, kind: JsonType, negated: bool },
    /// `JSON_VALUE`, `JSON_QUERY`, `JSON_EXISTS`, `JSON_OBJECT` or `JSON_ARRAY` with
    /// their SQL/JSON clauses.
    Json(Box<JsonCall>),
}

/// A JSON function call with its clauses (`RETURNING`, wrappers, `ON EMPTY`, `ON ERROR`,
/// `ON NULL`); a clause left out is `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonCall {
    pub function: JsonFunctionName,
    /// The document and the path; for `JSON_OBJECT` keys and values alternating; for
    /// `JSON_ARRAY` the values.
    pub args: Vec<Expr>,
    pub returning: Option<(DataType, Span)>,
    pub wrapper: Option<JsonWrapper>,
    pub on_empty: Option<JsonBehavior>,
    pub on_error: Option<JsonBehavior>,
    /// `ABSENT ON NULL` (true) or `NULL ON NULL` (false).
    pub absent_on_null: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonFunctionName {
    Value,
    Query,
    Exists,
    Object,
    Array,
}

impl JsonFunctionName {
    pub fn as_str(self) -> &'static str {
        match self {
            JsonFunctionName::Value => "JSON_VALUE",
            JsonFunctionName::Query => "JSON_QUERY",
            JsonFunctionName::Exists => "JSON_EXISTS",
            JsonFunctionName::Object => "JSON_OBJECT",
            JsonFunctionName::Array => "JSON_ARRAY",
        }
    }
}

/// What `.. ON EMPTY` / `.. ON ERROR` choose.
#[derive(Clone, Debug, PartialEq)]
pub enum JsonBehavior {
    Null,
    Error,
    Default(Box<Expr>),
    True,
    False,
    Unknown,
    EmptyArray,
    EmptyObject,
}

/// `WITHOUT [ARRAY] WRAPPER`, `WITH CONDITIONAL [ARRAY] WRAPPER`, `WITH [UNCONDITIONAL]
/// [ARRAY] WRAPPER`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonWrapper {
    Without,
    Conditional,
    Unconditional,
}

/// The kind after `IS JSON`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    Value,
    Scalar,
    Array,
    Object,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// The number as written: `42`, `1.5`, `1e3`.
    Number(String),
    String(String),
    Boolean(bool),
    Null,
    /// `DATE '2021-01-01'`.
    Date(String),
    /// `TIME '10:00:00'`.
    Time(String),
    /// `TIMESTAMP '2021-01-01 10:00:00'`.
    Timestamp(String),
    /// `TIMESTAMP_LTZ '...'` is not Flink syntax; kept out. `X'0AFF'`:
    Binary(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Plus,
    Minus,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Plus,
    Minus,
    Multiply,
    Divide,
    /// `%`
    Modulo,
    /// `||`
    Concat,
    Eq,
    /// `<>` or `!=`
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
}

impl BinaryOp {
    /// The operator as written in SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Plus => "+",
            BinaryOp::Minus => "-",
            BinaryOp::Multiply => "*",
            BinaryOp::Divide => "/",
            BinaryOp::Modulo => "%",
            BinaryOp::Concat => "||",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrimSide {
    Both,
    Leading,
    Trailing,
}

/// Units of time, as used by `INTERVAL`, `EXTRACT`, `FLOOR .. TO`, `TIMESTAMPDIFF`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    Millennium,
    Century,
    Decade,
    Year,
    Quarter,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
    /// `DOW` (EXTRACT only)
    DayOfWeek,
    /// `DOY` (EXTRACT only)
    DayOfYear,
    Epoch,
}

impl TimeUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeUnit::Millennium => "MILLENNIUM",
            TimeUnit::Century => "CENTURY",
            TimeUnit::Decade => "DECADE",
            TimeUnit::Year => "YEAR",
            TimeUnit::Quarter => "QUARTER",
            TimeUnit::Month => "MONTH",
            TimeUnit::Week => "WEEK",
            TimeUnit::Day => "DAY",
            TimeUnit::Hour => "HOUR",
            TimeUnit::Minute => "MINUTE",
            TimeUnit::Second => "SECOND",
            TimeUnit::Millisecond => "MILLISECOND",
            TimeUnit::Microsecond => "MICROSECOND",
            TimeUnit::Nanosecond => "NANOSECOND",
            TimeUnit::DayOfWeek => "DOW",
            TimeUnit::DayOfYear => "DOY",
            TimeUnit::Epoch => "EPOCH",
        }
    }
}

/// `unit [(precision)] [TO unit [(precision)]]` after an interval literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntervalQualifier {
    pub leading: TimeUnit,
    pub trailing: Option<TimeUnit>,
}

/// `name([DISTINCT] args) [FILTER (WHERE ..)] [OVER ..]`, `COUNT(*)`,
/// `LISTAGG(x, ',')`, `PROCTIME()`.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionCall {
    pub name: ObjectName,
    pub args: Vec<Expr>,
    pub distinct: bool,
    /// `COUNT(*)`.
    pub star: bool,
    pub filter: Option<Expr>,
    pub over: Option<Over>,
    /// `IGNORE NULLS` / `RESPECT NULLS` after the arguments (e.g. `LAST_VALUE`).
    pub ignore_nulls: Option<bool>,
}

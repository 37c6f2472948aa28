//! The expression tree, its evaluation context and its errors.

use arrow_schema::ArrowError;
use sluice_types::temporal::SessionTimeZone;
use sluice_types::{DataType, ScalarValue};

/// A typed expression over the columns of one input batch.
#[derive(Clone, Debug, PartialEq)]
pub enum ScalarExpr {
    /// The input column at `index`.
    Column { index: usize, data_type: DataType },
    Literal { value: ScalarValue, data_type: DataType },
    /// A built-in function or operator, made by `resolve_call`.
    Call { func: crate::Func, args: Vec<ScalarExpr>, data_type: DataType },
    /// `CAST` / `TRY_CAST` (`try_cast` gives NULL instead of an error), also used for
    /// implicit casts the planner inserts.
    Cast { expr: Box<ScalarExpr>, data_type: DataType, try_cast: bool },
    /// Searched `CASE WHEN c THEN v .. ELSE e END` (the planner rewrites the simple form).
    Case { branches: Vec<(ScalarExpr, ScalarExpr)>, else_result: Option<Box<ScalarExpr>>, data_type: DataType },
    /// Field `index` of a `ROW` value.
    Field { expr: Box<ScalarExpr>, index: usize, data_type: DataType },
}

/// What an evaluation may need beyond its input batch.
#[derive(Clone, Debug, Default)]
pub struct EvalContext {
    /// `table.local-time-zone`.
    pub time_zone: SessionTimeZone,
    /// The wall clock for `CURRENT_TIMESTAMP`, `NOW()`, `PROCTIME()` and friends, as epoch
    /// microseconds. `None` reads the system clock once per evaluated batch (Flink reads it
    /// per record in streaming mode; a batch is read at one instant).
    pub now_micros: Option<i64>,
    /// The watermark of the evaluating operator's input, for `CURRENT_WATERMARK`: epoch
    /// microseconds (the wall clock for a `TIMESTAMP` rowtime), `None` before the first.
    pub watermark: Option<i64>,
}

impl EvalContext {
    /// The current instant in epoch microseconds.
    pub fn now(&self) -> i64 {
        match self.now_micros {
            Some(t) => t,
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_micros() as i64)
                .unwrap_or(0),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A runtime failure Flink would also raise (a bad cast, division by zero): the job fails.
    #[error("{0}")]
    Runtime(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ArrowError> for EvalError {
    fn from(e: ArrowError) -> Self {
        match e {
            ArrowError::DivideByZero => EvalError::Runtime("division by zero".into()),
            ArrowError::ArithmeticOverflow(m) => EvalError::Runtime(format!("arithmetic overflow: {m}")),
            ArrowError::CastError(m) => EvalError::Runtime(m),
            other => EvalError::Internal(other.to_string()),
        }
    }
}

/// Why a call could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum FunctionError {
    #[error("no function named \"{0}\"")]
    NotFound(String),
    /// The arguments do not fit; `expected` lists the signatures, e.g. `UPPER(STRING)`.
    #[error("cannot apply \"{name}\" to arguments of type {got}")]
    NoMatchingSignature { name: String, got: String, expected: Vec<String> },
    /// Known to Flink but not built yet.
    #[error("function \"{0}\" is not supported yet")]
    NotSupportedYet(String),
    /// An argument must be a literal (e.g. a `DATE_FORMAT` pattern) or has a bad value.
    #[error("{0}")]
    BadArgument(String),
}

impl ScalarExpr {
    pub fn data_type(&self) -> &DataType {
        match self {
            ScalarExpr::Column { data_type, .. }
            | ScalarExpr::Literal { data_type, .. }
            | ScalarExpr::Call { data_type, .. }
            | ScalarExpr::Cast { data_type, .. }
            | ScalarExpr::Case { data_type, .. }
            | ScalarExpr::Field { data_type, .. } => data_type,
        }
    }

    /// A typed literal.
    pub fn literal(value: ScalarValue, data_type: DataType) -> Self {
        ScalarExpr::Literal { value, data_type }
    }

    /// The literal value, if this is a literal.
    pub fn as_literal(&self) -> Option<&ScalarValue> {
        match self {
            ScalarExpr::Literal { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The direct children of this node.
    pub fn children(&self) -> Vec<&ScalarExpr> {
        match self {
            ScalarExpr::Column { .. } | ScalarExpr::Literal { .. } => vec![],
            ScalarExpr::Call { args, .. } => args.iter().collect(),
            ScalarExpr::Cast { expr, .. } | ScalarExpr::Field { expr, .. } => vec![expr],
            ScalarExpr::Case { branches, else_result, .. } => {
                let mut v: Vec<&ScalarExpr> = branches.iter().flat_map(|(c, r)| [c, r]).collect();
                if let Some(e) = else_result {
                    v.push(e);
                }
                v
            }
        }
    }

    /// Whether the expression never changes (all literals, no `CURRENT_TIMESTAMP`, `RAND`
    /// or `PROCTIME`).
    pub fn is_constant(&self) -> bool {
        match self {
            ScalarExpr::Column { .. } => false,
            ScalarExpr::Literal { .. } => true,
            ScalarExpr::Call { func, args, .. } => func.is_deterministic() && args.iter().all(|a| a.is_constant()),
            _ => self.children().iter().all(|c| c.is_constant()),
        }
    }

    /// Whether the expression calls `CURRENT_WATERMARK` anywhere.
    pub fn reads_watermark(&self) -> bool {
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            if matches!(e, ScalarExpr::Call { func: crate::Func::CurrentWatermark, .. }) {
                return true;
            }
            stack.extend(e.children());
        }
        false
    }

    /// The input columns this expression reads, sorted and without duplicates.
    pub fn referenced_columns(&self) -> Vec<usize> {
        fn walk(e: &ScalarExpr, out: &mut Vec<usize>) {
            if let ScalarExpr::Column { index, .. } = e {
                out.push(*index);
            }
            for c in e.children() {
                walk(c, out);
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
}

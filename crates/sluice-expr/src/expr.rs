use arrow_array::{ArrayRef, RecordBatch};
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
}

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A runtime failure Flink would also raise (a bad cast, division by zero): the job fails.
    #[error("{0}")]
    Runtime(String),
    #[error("internal error: {0}")]
    Internal(String),
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

    /// Evaluates over every row of `batch`; the result has `batch.num_rows()` values.
    pub fn evaluate(&self, batch: &RecordBatch, ctx: &EvalContext) -> Result<ArrayRef, EvalError> {
        let _ = (batch, ctx);
        todo!("sluice-expr evaluation")
    }
}

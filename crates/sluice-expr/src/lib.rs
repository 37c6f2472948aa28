//! Typed scalar expressions (`ScalarExpr`) and Flink's built-in scalar functions,
//! evaluated a column at a time on Arrow record batches.
//!
//! The planner builds `ScalarExpr` trees with `resolve_call` and `cast` (which apply
//! Flink's typing and implicit-cast rules); the runtime evaluates them with
//! `ScalarExpr::evaluate`. Evaluation is vectorised: every operator works on whole Arrow
//! arrays, literals stay single values (Arrow `Scalar`s) so that `usage > 90.0` is one
//! comparison kernel over the column, and `CASE`/`IF`/`AND`/`OR` evaluate fallible
//! branches only on the rows that reach them. Nothing here knows SQL text or spans.

mod cast;
mod coercion;
mod eval;
mod expr;
mod functions;
mod scalar;
mod to_string;
mod udf;
mod value;

pub use cast::{assignment_cast, cast};
pub use coercion::common_type;
pub use expr::{EvalContext, EvalError, FunctionError, ScalarExpr};
pub use functions::{
    function_names, resolve_call, resolve_java_call, resolve_json, JAVA_FUNCTIONS, DigestAlgorithm, Func, JsonBehavior, JsonFunction, JsonQuerySpec,
    JsonReturning, JsonType, JsonValueSpec, JsonWrapper, TimeUnit, TrimSide,
};
pub use scalar::{array_value, scalar_to_array};
pub use to_string::write_value_as_string;
pub use udf::{ScalarUdf, UdfRef};

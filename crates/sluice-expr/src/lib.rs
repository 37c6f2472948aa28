//! Typed scalar expressions (`ScalarExpr`) and Flink's built-in scalar functions,
//! evaluated a column at a time on Arrow record batches.
//!
//! The planner builds `ScalarExpr` trees with `resolve_call` (which applies Flink's
//! typing and implicit-cast rules); the runtime evaluates them with
//! `ScalarExpr::evaluate`. Nothing here knows SQL text or spans.

mod expr;
mod functions;

pub use expr::{EvalContext, EvalError, FunctionError, ScalarExpr};
pub use functions::Func;

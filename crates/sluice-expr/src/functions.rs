//! Flink's built-in scalar functions and operators: how a call is typed (`resolve_call`)
//! and how it is computed.

/// A resolved built-in function or operator.
#[derive(Clone, Debug, PartialEq)]
pub enum Func {}

//! User-defined scalar functions: functions implemented outside the engine (Python UDFs),
//! called once per batch with whole argument columns.

use std::fmt;
use std::sync::Arc;

use arrow_array::ArrayRef;

use crate::EvalError;

/// A function the planner resolved to user code. `invoke` receives the argument columns of
/// one batch (each `rows` long) and returns the result column, of the Arrow type of the
/// call's `DataType`.
pub trait ScalarUdf: Send + Sync {
    /// The name the function was registered under, for errors and EXPLAIN.
    fn name(&self) -> &str;
    /// Whether the same arguments always give the same result (PyFlink's `deterministic`).
    fn is_deterministic(&self) -> bool;
    fn invoke(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef, EvalError>;
}

/// A shared handle to a `ScalarUdf`; two handles are equal when they are the same function.
#[derive(Clone)]
pub struct UdfRef(pub Arc<dyn ScalarUdf>);

impl UdfRef {
    pub fn name(&self) -> &str {
        self.0.name()
    }
}

impl PartialEq for UdfRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for UdfRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

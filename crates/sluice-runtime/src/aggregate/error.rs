/// Why an aggregate could not be built or computed.
#[derive(Debug, thiserror::Error)]
pub enum AggregateError {
    /// The planner asked for a combination this runtime does not compute.
    #[error("aggregate {function} does not support arguments of type \"{data_type}\"")]
    UnsupportedType { function: String, data_type: String },
    #[error("aggregate {function} expects {expected} argument(s), got {actual}")]
    Arity { function: String, expected: usize, actual: usize },
    #[error("aggregation does not support {0}")]
    Unsupported(String),
    /// A value the function refuses, as Flink does at run time (the job fails).
    #[error("{0}")]
    Runtime(String),
    /// Saved state that cannot be read back.
    #[error("{0}")]
    State(String),
    /// An argument column does not have the Arrow layout of its declared type.
    #[error("internal error in aggregate {function}: {message}")]
    Internal { function: String, message: String },
}

impl AggregateError {
    pub(crate) fn internal(function: &str, message: impl Into<String>) -> Self {
        AggregateError::Internal { function: function.to_string(), message: message.into() }
    }
}

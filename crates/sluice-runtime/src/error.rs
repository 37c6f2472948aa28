use sluice_connector_api::ConnectorError;
use sluice_expr::EvalError;

/// Why a running job failed, with the node it failed in.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("{node}: {source}")]
    Connector {
        node: String,
        #[source]
        source: ConnectorError,
    },
    #[error("{node}: {source}")]
    Eval {
        node: String,
        #[source]
        source: EvalError,
    },
    #[error("{node}: {message}")]
    Operator { node: String, message: String },
    #[error("internal error: {0}")]
    Internal(String),
}

impl RuntimeError {
    /// Whether a user can fix it by changing the script or the input, as opposed to an
    /// external failure worth retrying.
    pub fn is_user_error(&self) -> bool {
        match self {
            RuntimeError::Connector { source, .. } => {
                source.is_user_error() || matches!(source, ConnectorError::BadRecord { .. })
            }
            RuntimeError::Eval { .. } | RuntimeError::Operator { .. } => true,
            RuntimeError::Internal(_) => false,
        }
    }
}

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

    /// Whether running the job again cannot mend it: refused credentials or a setting the
    /// connector cannot use. A restart strategy does not restart these.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            RuntimeError::Connector {
                source: ConnectorError::Credentials(_)
                    | ConnectorError::InvalidOption { .. }
                    | ConnectorError::UnknownOption { .. }
                    | ConnectorError::MissingOption { .. },
                ..
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_credentials_and_bad_settings_are_permanent_outages_are_not() {
        let connector = |source| RuntimeError::Connector { node: "src".into(), source };
        assert!(connector(ConnectorError::Credentials("cannot log in".into())).is_permanent());
        assert!(connector(ConnectorError::InvalidOption { key: "k".into(), value: "v".into(), reason: "r".into() }).is_permanent());
        assert!(!connector(ConnectorError::External("cannot reach Kafka".into())).is_permanent());
        assert!(!RuntimeError::Operator { node: "n".into(), message: "m".into() }.is_permanent());
    }
}

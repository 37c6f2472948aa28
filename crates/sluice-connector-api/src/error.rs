/// An error from a connector or a format. The planner attaches the span of the option or
/// table it concerns when it reports one.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// An option key the connector (or its format) does not know.
    #[error("unknown option \"{key}\" for connector \"{connector}\"")]
    UnknownOption { connector: String, key: String, known: Vec<String> },
    /// A required option is missing.
    #[error("option \"{key}\" is required by connector \"{connector}\"")]
    MissingOption { connector: String, key: String },
    /// An option has a value the connector cannot use.
    #[error("invalid value \"{value}\" for option \"{key}\": {reason}")]
    InvalidOption { key: String, value: String, reason: String },
    /// The table's schema does not fit the connector or format (a type it cannot read).
    #[error("{0}")]
    Schema(String),
    /// A connector is asked for a role it does not have (a sink-only connector as source).
    #[error("connector \"{connector}\" cannot be used as a {role}")]
    Unsupported { connector: String, role: &'static str },
    /// A record that cannot be decoded: where it is and why.
    #[error("malformed record at {location}: {reason}")]
    BadRecord { location: String, reason: String },
    /// The outside world failed: a file, a server, a network.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// A service refused the credentials (a SASL login, a TLS handshake, a password):
    /// which one, and what to check. Retrying will not mend it.
    #[error("{0}")]
    Credentials(String),
    /// Any other failure from an external system, with what was being done.
    #[error("{0}")]
    External(String),
    /// Checkpoints are on and this source or sink cannot take part in them (yet): what
    /// cannot, and how to run the job anyway.
    #[error("{0}")]
    NotCheckpointable(String),
}

impl ConnectorError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ConnectorError::Io { context: context.into(), source }
    }

    /// Whether the user can fix this by changing the script (as opposed to the outside world).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            ConnectorError::UnknownOption { .. }
                | ConnectorError::MissingOption { .. }
                | ConnectorError::InvalidOption { .. }
                | ConnectorError::Schema(_)
                | ConnectorError::Unsupported { .. }
                | ConnectorError::NotCheckpointable(_)
                | ConnectorError::Credentials(_)
        )
    }
}

use sluice_connector_api::ConnectorError;

/// An error from setting up a format: an option it does not know or cannot use, or a
/// column type it cannot read or write. Record-level problems are not `FormatError`s:
/// decoders report them as a reason string so the caller can skip or fail the record.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// A `format` value no format answers to.
    #[error("unknown format \"{name}\"")]
    UnknownFormat { name: String },
    /// An option key (with its prefix) the format does not know.
    #[error("unknown option \"{key}\" for format \"{format}\"")]
    UnknownOption { format: String, key: String, known: Vec<String> },
    /// An option value the format cannot use.
    #[error("invalid value \"{value}\" for option \"{key}\": {reason}")]
    InvalidOption { key: String, value: String, reason: String },
    /// A column type the format cannot read or write.
    #[error("format cannot handle columns of type {ty}")]
    UnsupportedType { ty: String },
    /// A bug in Sluice: an invariant of the builders did not hold.
    #[error("internal error in format: {0}")]
    Internal(String),
}

impl From<FormatError> for ConnectorError {
    fn from(e: FormatError) -> Self {
        match e {
            FormatError::UnknownOption { format, key, known } => {
                ConnectorError::UnknownOption { connector: format, key, known }
            }
            FormatError::InvalidOption { key, value, reason } => {
                ConnectorError::InvalidOption { key, value, reason }
            }
            FormatError::UnknownFormat { name } => ConnectorError::InvalidOption {
                key: "format".into(),
                value: name,
                reason: "no such format; use \"json\", \"csv\" or \"raw\"".into(),
            },
            other @ FormatError::UnsupportedType { .. } => ConnectorError::Schema(other.to_string()),
            other @ FormatError::Internal(_) => ConnectorError::External(other.to_string()),
        }
    }
}

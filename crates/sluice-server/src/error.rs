//! `ApiError`: every failure of a request, classified, and its JSON answer.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::api::{ErrorBody, SqlError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The client sent something wrong; `field` names the part of the request at fault.
    #[error("{message}")]
    BadRequest { message: String, field: Option<String> },
    /// A version whose SQL does not validate. The message names the first problem, for
    /// clients that show only the message (Aiven's `avn`).
    #[error("the version does not validate: {}", first_problem(errors))]
    InvalidSql { errors: Vec<SqlError> },
    #[error("{what} \"{id}\" not found")]
    NotFound { what: &'static str, id: String },
    #[error("{message}")]
    Conflict { message: String },
    #[error("a bearer token is required (Authorization: Bearer <token>)")]
    Unauthorized,
    #[error("this token can only read")]
    Forbidden,
    /// The store or the machine failed; a bug or an outage, never the client's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

fn first_problem(errors: &[SqlError]) -> String {
    let Some(e) = errors.first() else { return "no problem was named".into() };
    let at = match (e.line, e.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", e.field),
        _ => e.field.clone(),
    };
    let more = if errors.len() > 1 { format!(" (and {} more)", errors.len() - 1) } else { String::new() };
    let hint = e.hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default();
    format!("{at}: {}{hint}{more}", e.message)
}

impl ApiError {
    pub fn bad(field: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest { message: message.into(), field: Some(field.to_string()) }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::BadRequest { .. } | ApiError::InvalidSql { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if let ApiError::Internal(m) = &self {
            tracing::error!("{m}");
        }
        let message = self.to_string();
        let body = match self {
            ApiError::BadRequest { field, .. } => ErrorBody { message, field, errors: vec![] },
            ApiError::InvalidSql { errors } => {
                let field = errors.first().map(|e| e.field.clone());
                ErrorBody { message, field, errors }
            }
            _ => ErrorBody { message, field: None, errors: vec![] },
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert("www-authenticate", axum::http::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

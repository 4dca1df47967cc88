//! One error type for every handler. A handler returns `Err(AppError)`; the response carries the
//! error as an extension and the request-context middleware renders it once, as an HTML page for
//! the browser planes or as RFC 9457 problem JSON for `/api`, in the user's language.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use std::sync::Arc;

/// A field-level validation failure: which input, and the message key (en/de) that explains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid {
    /// Name of the form field or JSON property.
    pub field: &'static str,
    /// Fluent message id; also the stable machine-readable code.
    pub key: &'static str,
}

/// Why a service refused or failed; handlers and the CLI turn it into their own output.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input failed the rules; one entry per field.
    #[error("invalid input: {}", .0.iter().map(|i| format!("{} ({})", i.field, i.key)).collect::<Vec<_>>().join(", "))]
    Invalid(Vec<Invalid>),
    /// A referenced record does not exist (or is outside scope).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The record changed underneath the caller or can no longer change; the key explains which.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

impl ServiceError {
    /// One invalid field.
    pub fn invalid(field: &'static str, key: &'static str) -> ServiceError {
        ServiceError::Invalid(vec![Invalid { field, key }])
    }

    /// A unique-constraint violation becomes a field error ("already taken"); anything else
    /// stays a database error.
    pub fn unique_as(
        field: &'static str,
        key: &'static str,
    ) -> impl FnOnce(sqlx::Error) -> ServiceError {
        move |e| {
            if crate::db::is_unique_violation(&e) {
                ServiceError::invalid(field, key)
            } else {
                ServiceError::Db(e)
            }
        }
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(v) => AppError::Validation(v),
            ServiceError::NotFound(_) => AppError::NotFound,
            ServiceError::Conflict(key) => AppError::Conflict(key),
            ServiceError::Db(e) => e.into(),
        }
    }
}

/// Everything a request can fail with; each variant maps to one status and one problem type.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not there, or outside the caller's workspace/tenant scope: the same answer for both.
    #[error("not found")]
    NotFound,
    /// Inside scope, but the thing asked about has no record yet (e.g. no support request for
    /// a context): `404` with its own problem slug, so clients can tell it from "no access".
    #[error("not found: {0}")]
    NoRecord(&'static str),
    /// Inside scope but the role lacks the capability named.
    #[error("forbidden: requires {0}")]
    Forbidden(&'static str),
    /// No valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// A state-changing browser request without a valid CSRF token or from another site.
    #[error("cross-site request rejected")]
    CsrfRejected,
    /// Input failed validation; one entry per field.
    #[error("validation failed")]
    Validation(Vec<Invalid>),
    /// Malformed request with a stable code and an explanation.
    #[error("bad request: {detail}")]
    BadRequest {
        /// Stable problem slug, e.g. `malformed-json`.
        code: &'static str,
        /// What was wrong and how to fix it.
        detail: String,
    },
    /// The change collides with the record's current state; the Fluent key says how.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Too many attempts; try again after the given seconds.
    #[error("too many requests")]
    TooManyRequests(u64),
    /// Body larger than the configured limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// Body is not the media type the endpoint accepts.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request took longer than the configured limit.
    #[error("request timeout")]
    Timeout,
    /// The database is not reachable.
    #[error("service unavailable")]
    Unavailable,
    /// The request headers together exceed the configured limit.
    #[error("request header fields too large")]
    HeadersTooLarge,
    /// A bug or an infrastructure failure; logged once with the request id.
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if crate::db::is_unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            AppError::Unavailable
        } else {
            AppError::Internal(e.into())
        }
    }
}

impl AppError {
    /// HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::NoRecord(_) => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Timeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable slug used in the problem `type` URI and as the message key prefix.
    pub fn slug(&self) -> &'static str {
        match self {
            AppError::NotFound => "not-found",
            AppError::NoRecord(code) => code,
            AppError::Forbidden(_) => "forbidden",
            AppError::Unauthenticated => "unauthenticated",
            AppError::CsrfRejected => "csrf-rejected",
            AppError::Validation(_) => "validation-failed",
            AppError::BadRequest { code, .. } => code,
            AppError::Conflict(_) => "conflict",
            AppError::TooManyRequests(_) => "too-many-requests",
            AppError::PayloadTooLarge => "payload-too-large",
            AppError::UnsupportedMediaType => "unsupported-media-type",
            AppError::MethodNotAllowed => "method-not-allowed",
            AppError::Timeout => "request-timeout",
            AppError::Unavailable => "service-unavailable",
            AppError::HeadersTooLarge => "request-header-fields-too-large",
            AppError::Internal(_) => "internal-error",
        }
    }

    /// Maps a bare error status produced outside our handlers (router fallback, body limit,
    /// timeout layer) to the matching error so it is rendered like every other.
    pub fn from_status(status: StatusCode) -> AppError {
        match status {
            StatusCode::NOT_FOUND => AppError::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
            StatusCode::REQUEST_TIMEOUT => AppError::Timeout,
            StatusCode::UNAUTHORIZED => AppError::Unauthenticated,
            StatusCode::FORBIDDEN => AppError::Forbidden("access"),
            StatusCode::TOO_MANY_REQUESTS => AppError::TooManyRequests(60),
            StatusCode::SERVICE_UNAVAILABLE => AppError::Unavailable,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => AppError::HeadersTooLarge,
            s if s.is_client_error() => AppError::BadRequest {
                code: "bad-request",
                detail: "The request could not be understood.".into(),
            },
            _ => AppError::Internal(anyhow::anyhow!("unexpected status {status}")),
        }
    }

    /// Shorthand for a malformed-input error.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> AppError {
        AppError::BadRequest {
            code,
            detail: detail.into(),
        }
    }
}

/// Marker carried on a response so the context middleware renders the error in the right form.
#[derive(Clone, Debug)]
pub struct ErrorMarker(pub Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response
            .extensions_mut()
            .insert(ErrorMarker(Arc::new(self)));
        response
    }
}

/// Result alias for handlers and services.
pub type AppResult<T> = Result<T, AppError>;

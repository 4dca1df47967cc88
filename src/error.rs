//! One error type for every handler. A handler returns `Err(AppError)`; the response carries the
//! error as an extension and the request-context middleware renders it once, as an HTML page for
//! the browser planes or as RFC 9457 problem JSON for `/api`, in the user's language.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use std::sync::Arc;

/// Base of every problem `type` URI; the slug after it is stable.
pub const PROBLEM_TYPE_BASE: &str = "urn:tenantpilot:problem:";

/// A field-level validation failure: which input, and the message key (en/de) that explains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid {
    /// Name of the form field or JSON property.
    pub field: &'static str,
    /// Fluent message id; also the stable machine-readable code.
    pub key: &'static str,
}

/// Why one property of a JSON body or query string was refused before any rule ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldFault {
    /// A required property is absent.
    Required,
    /// The value has another JSON type than the schema says (`null` for a string included).
    InvalidType,
    /// The type fits but the value does not (unknown enum spelling, number out of range).
    InvalidValue,
    /// The property is not part of the schema.
    UnknownField,
}

impl FieldFault {
    /// Stable machine-readable code, as `errors[].code` carries it.
    pub fn code(self) -> &'static str {
        match self {
            FieldFault::Required => "required",
            FieldFault::InvalidType => "invalid_type",
            FieldFault::InvalidValue => "invalid_value",
            FieldFault::UnknownField => "unknown_field",
        }
    }

    /// Fluent message id of the explanation.
    pub fn key(self) -> &'static str {
        match self {
            FieldFault::Required => "field-required",
            FieldFault::InvalidType => "field-invalid-type",
            FieldFault::InvalidValue => "field-invalid-value",
            FieldFault::UnknownField => "field-unknown",
        }
    }
}

/// One property a deserializer refused, named by its path (`a.b[0].c`; the property itself
/// for missing and unknown fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the property; empty for the document itself.
    pub field: String,
    /// What was wrong with it.
    pub fault: FieldFault,
}

impl FieldError {
    /// Classifies a serde data error raised at `path`. Serde reports the kind only in its
    /// message, whose openings are fixed by `serde::de::Error`'s provided constructors
    /// (`missing_field`, `unknown_field`, `invalid_type`, `invalid_value`, `unknown_variant`);
    /// anything else a `Deserialize` impl raised is an invalid value.
    pub fn from_serde(path: &str, message: &str) -> FieldError {
        let path = if path == "." { "" } else { path };
        let named = |prefix: &str| {
            message
                .strip_prefix(prefix)
                .and_then(|rest| rest.split('`').next())
                .map(|name| match path {
                    "" => name.to_string(),
                    p if p.ends_with(name) => p.to_string(),
                    p => format!("{p}.{name}"),
                })
        };
        if let Some(field) = named("missing field `") {
            FieldError {
                field,
                fault: FieldFault::Required,
            }
        } else if let Some(field) = named("unknown field `") {
            FieldError {
                field,
                fault: FieldFault::UnknownField,
            }
        } else {
            FieldError {
                field: path.to_string(),
                fault: if message.starts_with("invalid type") {
                    FieldFault::InvalidType
                } else {
                    FieldFault::InvalidValue
                },
            }
        }
    }
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
    /// A body or query the deserializer refused, per property: `422` when a required property
    /// is missing (like any rule failure), `400` for a wrong shape (type, value, unknown field).
    #[error("invalid fields: {}", .fields.iter().map(|f| format!("{} ({})", f.field, f.fault.code())).collect::<Vec<_>>().join(", "))]
    InvalidFields {
        /// Problem slug of the shape error: `invalid-json-fields` or `invalid-query`.
        code: &'static str,
        /// One entry per refused property.
        fields: Vec<FieldError>,
    },
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
            AppError::InvalidFields { fields, .. } => {
                if fields.iter().all(|f| f.fault == FieldFault::Required) {
                    StatusCode::UNPROCESSABLE_ENTITY
                } else {
                    StatusCode::BAD_REQUEST
                }
            }
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
            AppError::InvalidFields { .. } if self.status() == StatusCode::UNPROCESSABLE_ENTITY => {
                "validation-failed"
            }
            AppError::InvalidFields { code, .. } => code,
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

#[cfg(test)]
mod tests {
    use super::{FieldError, FieldFault};

    #[test]
    fn serde_messages_classify() {
        let cases = [
            (
                ".",
                "missing field `severity`",
                "severity",
                FieldFault::Required,
            ),
            ("a", "missing field `b`", "a.b", FieldFault::Required),
            (
                ".",
                "unknown field `x`, expected one of `a`",
                "x",
                FieldFault::UnknownField,
            ),
            (
                "x",
                "unknown field `x`, expected `a`",
                "x",
                FieldFault::UnknownField,
            ),
            (
                "summary",
                "invalid type: null, expected a string",
                "summary",
                FieldFault::InvalidType,
            ),
            (
                "severity",
                "unknown variant `x`, expected `low`",
                "severity",
                FieldFault::InvalidValue,
            ),
            (
                "page",
                "invalid digit found in string",
                "page",
                FieldFault::InvalidValue,
            ),
        ];
        for (path, message, field, fault) in cases {
            assert_eq!(
                FieldError::from_serde(path, message),
                FieldError {
                    field: field.into(),
                    fault
                },
                "{message}"
            );
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

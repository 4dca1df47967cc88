//! Renders an [`AppError`] as the plane expects: problem JSON for the API, an HTML page (or a
//! login redirect) for browsers. 5xx errors are logged here, once, with the request id.

use super::{
    context::{Plane, RequestContext},
    found,
    shell::Shell,
};
use crate::api::problem::{FieldProblem, ProblemDoc};
use crate::error::AppError;
use crate::error::PROBLEM_TYPE_BASE;
use crate::i18n::{CATALOG, Tr};
use crate::outbound::urlencode;
use askama::Template;
use axum::{
    Json,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    shell: Shell,
    status: u16,
    title: String,
    detail: String,
    request_id: String,
}

fn detail(t: Tr, error: &AppError) -> String {
    match error {
        AppError::Forbidden(capability) => t.t1("error-forbidden-detail", "capability", capability),
        AppError::TooManyRequests(secs) => t.t1(
            "error-too-many-requests-detail",
            "minutes",
            secs.div_ceil(60).max(1),
        ),
        AppError::BadRequest { code, detail } => {
            let key = format!("error-{code}-detail");
            if CATALOG.has(&key) {
                t.t(&key)
            } else {
                detail.clone()
            }
        }
        AppError::Conflict(key) => t.t(key),
        AppError::NoRecord(code) => t.t(&format!("error-{code}-detail")),
        other => t.t(&format!("error-{}-detail", generic_slug(other))),
    }
}

/// The detail an HTML error page shows: as the problem document's, except that a refusal says
/// the role it needs in words instead of naming the capability id (which the API keeps).
fn page_detail(t: Tr, error: &AppError) -> String {
    match error {
        AppError::Forbidden(capability) => match crate::access::Capability::parse(capability) {
            Some(cap) => t.t1(
                "error-forbidden-page-detail",
                "reason",
                t.t(cap.missing_reason_key()),
            ),
            None => t.t("error-forbidden-title"),
        },
        other => detail(t, other),
    }
}

fn generic_slug(error: &AppError) -> &'static str {
    match error {
        AppError::BadRequest { .. } => "bad-request",
        AppError::NoRecord(_) => "not-found",
        other => other.slug(),
    }
}

/// The problem `type`: the help topic's URI where one explains the problem (an internal error
/// needs a manual support handoff), else `urn:tenantpilot:problem:<slug>`.
fn problem_type(error: &AppError) -> String {
    match error {
        AppError::Internal(_) => crate::features::help::problem_type_for(
            crate::features::operations::model::ReasonCode::InternalError,
        ),
        other => format!("{PROBLEM_TYPE_BASE}{}", other.slug()),
    }
}

/// The response for `error` in the context's plane and language.
pub fn error(ctx: &RequestContext, error: AppError) -> Response {
    let status = error.status();
    if status.is_server_error() {
        tracing::error!(
            request_id = %ctx.request_id,
            error = %crate::redact::text(&error.to_string()),
            "request failed"
        );
    }
    let t = Tr(ctx.locale);
    if ctx.plane == Plane::Browser && matches!(error, AppError::Unauthenticated) {
        let next = urlencode(&ctx.uri);
        return found(&format!("/login?next={next}"));
    }
    let title = t.t(&format!("error-{}-title", generic_slug(&error)));
    let detail = detail(t, &error);
    let mut response = if ctx.plane == Plane::Api {
        let errors = match &error {
            AppError::Validation(fields) => Some(
                fields
                    .iter()
                    .map(|f| FieldProblem {
                        field: f.field.to_string(),
                        code: f.key.to_string(),
                        message: t.t(f.key),
                    })
                    .collect(),
            ),
            AppError::InvalidFields { fields, .. } => Some(
                fields
                    .iter()
                    .map(|f| FieldProblem {
                        field: f.field.clone(),
                        code: f.fault.code().to_string(),
                        message: t.t(f.fault.key()),
                    })
                    .collect(),
            ),
            _ => None,
        };
        let body = ProblemDoc {
            kind: problem_type(&error),
            title,
            status: status.as_u16(),
            detail,
            instance: ctx.uri.clone(),
            request_id: ctx.request_id.clone(),
            errors,
        };
        let mut r = (status, Json(body)).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(crate::api::PROBLEM_JSON),
        );
        r
    } else {
        let page = ErrorPage {
            shell: Shell::public(ctx),
            status: status.as_u16(),
            title,
            detail: page_detail(t, &error),
            request_id: ctx.request_id.clone(),
        };
        let mut r = super::html(&page);
        *r.status_mut() = status;
        r
    };
    // The body of a refused request may still be on the wire: closing the connection
    // explicitly tells a keep-alive client not to reuse it (hyper closes after this response).
    if matches!(error, AppError::PayloadTooLarge | AppError::HeadersTooLarge) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if let AppError::TooManyRequests(secs) = error
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_with_a_help_topic_point_at_it() {
        assert_eq!(
            problem_type(&AppError::Internal(anyhow::anyhow!("boom"))),
            "urn:tenantpilot:help:manual-handoff-required"
        );
        assert_eq!(
            problem_type(&AppError::NotFound),
            "urn:tenantpilot:problem:not-found"
        );
    }
}

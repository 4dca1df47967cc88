//! JSON API plumbing: the strict JSON body extractor, the problem schema, the OpenAPI document
//! generated from the handlers' annotations, and the ops endpoints.

use crate::{error::AppError, state::AppState};
use axum::{
    Json,
    extract::{FromRequest, Request, State, rejection::JsonRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

/// JSON body extractor: malformed JSON, bad UTF-8, unknown fields, wrong media type and
/// oversized bodies all become 4xx problem responses, never 500.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::UnsupportedMediaType),
            Err(JsonRejection::JsonDataError(e)) => Err(AppError::bad_request(
                "invalid-json-fields",
                format!(
                    "The JSON body does not match the expected shape: {}",
                    e.body_text()
                ),
            )),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(AppError::bad_request(
                "malformed-json",
                format!("The body is not valid JSON: {}", e.body_text()),
            )),
            Err(other) if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::PayloadTooLarge)
            }
            Err(other) => Err(AppError::bad_request("unreadable-body", other.body_text())),
        }
    }
}

/// RFC 9457 problem document, as every API error is returned.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDoc {
    /// Stable URI `urn:tenantpilot:problem:<slug>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary in the caller's language.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What happened and what to do.
    pub detail: String,
    /// Request path.
    pub instance: String,
    /// Correlation id.
    pub request_id: String,
    /// Field errors (validation only).
    pub errors: Option<Vec<FieldProblem>>,
}

/// One invalid field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Field name.
    pub field: String,
    /// Stable code.
    pub code: String,
    /// Message in the caller's language.
    pub message: String,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document; every `/api/v1` handler is listed here (a test checks the router
/// and this list agree).
#[derive(OpenApi)]
#[openapi(
    info(title = "TenantPilot API", version = "1"),
    paths(
        crate::features::account::api::get,
        crate::features::account::api::patch,
        crate::features::account::tokens_api::list,
        crate::features::account::tokens_api::create,
        crate::features::account::tokens_api::revoke,
        crate::features::tenants::api::list,
        crate::features::tenants::api::get,
        crate::audit::api::list,
        crate::features::operations::api::list,
        crate::features::operations::api::start,
        crate::features::operations::api::get,
        crate::features::help::api::topics,
        crate::features::diagnostics::api::tenant,
        crate::features::diagnostics::api::run,
        crate::features::support_requests::api::tenant_submit,
        crate::features::support_requests::api::tenant_latest,
        crate::features::support_requests::api::run_submit,
        crate::features::support_requests::api::run_latest,
        crate::features::telemetry::api::summary,
        openapi_json,
    ),
    components(schemas(
        ProblemDoc,
        FieldProblem,
        crate::features::help::HelpCatalogDoc,
        crate::features::help::HelpCatalogExport,
        crate::features::help::ResolvedTopic,
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// This document, generated from the code.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi_json() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

/// How long `/readyz` waits for the database: under a second, whatever the pool's acquire
/// timeout, so a probe never hangs on a database that is gone.
const READY_BUDGET: std::time::Duration = std::time::Duration::from_millis(800);

/// `GET /readyz`: the database answers within [`READY_BUDGET`].
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping_within(READY_BUDGET).await {
        Ok(()) => Json(serde_json::json!({"status": "ready"})).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable", "reason": "database"})),
            )
                .into_response()
        }
    }
}

//! Support requests as JSON: `POST …/support-requests` answers `SupportRequestHandoffResult`,
//! `GET …/support-requests/latest` answers `LatestSupportRequestHandoffSummary` (or a `404` of
//! type `no-support-request` when the context has none). Scope first (`404`), then
//! `support_requests.create` (`403`) — the latest summary follows the same boundary.

use super::model::Target;
use super::model::{LatestSummary, Submission, SubmissionResult};
use super::service;
use crate::{
    access::{Capability, RunScope, TenantScope},
    api::{ApiJson, problem},
    error::{AppError, AppResult},
    state::AppState,
    web::context::RequestContext,
};
use axum::{Json, extract::State};
use utoipa_axum::{router::OpenApiRouter, routes};

async fn submit(
    state: &AppState,
    ctx: &RequestContext,
    target: Target<'_>,
    role: crate::access::Role,
    body: &Submission,
) -> AppResult<Json<SubmissionResult>> {
    let identity = ctx.identity.as_ref().ok_or(AppError::Unauthenticated)?;
    let result = service::submit(state, &ctx.audit(), &identity.user, role, target, body).await?;
    Ok(Json(result))
}

async fn latest(state: &AppState, target: Target<'_>) -> AppResult<Json<LatestSummary>> {
    service::latest_summary(state, &target)
        .await?
        .map(Json)
        .ok_or(AppError::NoRecord("no-support-request"))
}

/// Files a tenant-context support request and performs the requested handoff. A failed
/// external create still answers `200` with `handoff_outcome = external_handoff_failed`: the
/// internal request exists either way.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/support-requests", operation_id = "submit_tenant_support_request", tag = "support",
    params(("tenant" = String, Path, description = "Tenant external id")),
    request_body = Submission,
    responses((status = 200, description = "The request and its handoff outcome", body = SubmissionResult), problem::Common, problem::InScope,
        problem::Capability, problem::Body),
    security(("bearer" = [])))]
pub async fn tenant_submit(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    ApiJson(body): ApiJson<Submission>,
) -> AppResult<Json<SubmissionResult>> {
    scope.require(Capability::SupportRequestsCreate)?;
    submit(
        &state,
        &ctx,
        Target::Tenant(&scope.tenant),
        scope.role,
        &body,
    )
    .await
}

/// Files a run-context support request; the run must belong to a tenant the caller may see.
#[utoipa::path(post, path = "/api/v1/operations/{run}/support-requests", operation_id = "submit_run_support_request", tag = "support",
    params(("run" = i64, Path, description = "Run id")),
    request_body = Submission,
    responses((status = 200, description = "The request and its handoff outcome", body = SubmissionResult), problem::Common, problem::InScope,
        problem::Capability, problem::Body),
    security(("bearer" = [])))]
pub async fn run_submit(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: RunScope,
    ApiJson(body): ApiJson<Submission>,
) -> AppResult<Json<SubmissionResult>> {
    scope.require(Capability::SupportRequestsCreate)?;
    submit(&state, &ctx, Target::Run(&scope.run), scope.role, &body).await
}

/// The tenant context's latest support request and its handoff.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/support-requests/latest", operation_id = "get_latest_tenant_support_request", tag = "support",
    params(("tenant" = String, Path, description = "Tenant external id")),
    responses((status = 200, description = "The latest request", body = LatestSummary), problem::Common, problem::Capability,
        problem::InScope),
    security(("bearer" = [])))]
pub async fn tenant_latest(
    State(state): State<AppState>,
    scope: TenantScope,
) -> AppResult<Json<LatestSummary>> {
    scope.require(Capability::SupportRequestsCreate)?;
    latest(&state, Target::Tenant(&scope.tenant)).await
}

/// The run's latest support request and its handoff.
#[utoipa::path(get, path = "/api/v1/operations/{run}/support-requests/latest", operation_id = "get_latest_run_support_request", tag = "support",
    params(("run" = i64, Path, description = "Run id")),
    responses((status = 200, description = "The latest request", body = LatestSummary), problem::Common, problem::Capability,
        problem::InScope),
    security(("bearer" = [])))]
pub async fn run_latest(
    State(state): State<AppState>,
    scope: RunScope,
) -> AppResult<Json<LatestSummary>> {
    scope.require(Capability::SupportRequestsCreate)?;
    latest(&state, Target::Run(&scope.run)).await
}

/// Filing a support request and reading the latest one, for a tenant or a run.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tenant_submit))
        .routes(routes!(tenant_latest))
        .routes(routes!(run_submit))
        .routes(routes!(run_latest))
}

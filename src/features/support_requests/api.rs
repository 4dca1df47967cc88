//! Support requests as JSON: `POST …/support-requests` answers `SupportRequestHandoffResult`,
//! `GET …/support-requests/latest` answers `LatestSupportRequestHandoffSummary` (or a `404` of
//! type `no-support-request` when the context has none), `GET …/support-requests` a page of
//! past requests, `GET /api/v1/support-requests/{reference}` one request with its desk attempts,
//! and `POST …/{reference}/handoff/retry` retries a failed handoff. Scope first (`404`: a
//! reference resolves to its tenant, then the caller's scope on that tenant decides), then
//! `support_requests.create` (`403`) — reading follows the same boundary as filing.

use super::model::Target;
use super::model::{LatestSummary, RequestDetail, RequestList, Submission, SubmissionResult};
use super::service::{self, ListOf};
use crate::{
    access::{Capability, RunScope, TenantScope},
    api::{self, ApiJson, problem},
    error::{AppError, AppResult},
    state::AppState,
    web::{
        Q,
        context::{CurrentUser, RequestContext},
    },
};
use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Paging of a request list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// 1-based page (1–100000, default 1).
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
}

async fn list(state: &AppState, of: ListOf, q: &ListQuery) -> AppResult<Json<RequestList>> {
    let mut errors = Vec::new();
    let page = api::page_number(q.page, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (rows, has_more) = service::list(state, of, page).await?;
    Ok(Json(RequestList {
        items: rows.iter().map(|r| r.view()).collect(),
        page,
        has_more,
    }))
}

/// The caller's scope on the tenant of request `reference`, with `support_requests.create`:
/// an unknown reference and one of a tenant outside scope are the same `404`.
async fn reference_scope(
    state: &AppState,
    CurrentUser(identity): CurrentUser,
    reference: &str,
) -> AppResult<TenantScope> {
    let tenant = service::tenant_of_reference(state, reference)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = TenantScope::resolve(state, identity, &tenant).await?;
    scope.require(Capability::SupportRequestsCreate)?;
    Ok(scope)
}

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

/// The tenant's support requests (filed from the tenant and from its runs), newest first.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/support-requests", operation_id = "list_tenant_support_requests", tag = "support",
    params(("tenant" = String, Path, description = "Tenant external id"), ListQuery),
    responses((status = 200, description = "A page of requests", body = RequestList), problem::Common, problem::InScope,
        problem::Capability, problem::Query),
    security(("bearer" = [])))]
pub async fn tenant_list(
    State(state): State<AppState>,
    scope: TenantScope,
    Q(q): Q<ListQuery>,
) -> AppResult<Json<RequestList>> {
    scope.require(Capability::SupportRequestsCreate)?;
    list(&state, ListOf::Tenant(scope.tenant.id), &q).await
}

/// The support requests filed from a run, newest first.
#[utoipa::path(get, path = "/api/v1/operations/{run}/support-requests", operation_id = "list_run_support_requests", tag = "support",
    params(("run" = i64, Path, description = "Run id"), ListQuery),
    responses((status = 200, description = "A page of requests", body = RequestList), problem::Common, problem::InScope,
        problem::Capability, problem::Query),
    security(("bearer" = [])))]
pub async fn run_list(
    State(state): State<AppState>,
    scope: RunScope,
    Q(q): Q<ListQuery>,
) -> AppResult<Json<RequestList>> {
    scope.require(Capability::SupportRequestsCreate)?;
    list(&state, ListOf::Run(scope.run.run.id), &q).await
}

/// One support request as filed, its latest handoff outcome and every desk attempt. The stored
/// context is included when the caller may see it (a diagnostic snapshot needs
/// `support_diagnostics.view`).
#[utoipa::path(get, path = "/api/v1/support-requests/{reference}", operation_id = "get_support_request", tag = "support",
    params(("reference" = String, Path, description = "The request's SR- reference")),
    responses((status = 200, description = "The request", body = RequestDetail), problem::Common, problem::InScope,
        problem::Capability),
    security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(reference): Path<String>,
) -> AppResult<Json<RequestDetail>> {
    let scope = reference_scope(&state, user, &reference).await?;
    let (row, attempts) = service::find_with_attempts(&state, &scope.tenant, &reference)
        .await?
        .ok_or(AppError::NotFound)?;
    let detail = service::detail(&row, &attempts, &scope.tenant.external_id, scope.role);
    Ok(Json(detail))
}

/// Retries a failed external handoff: the same desk, the same `SR-…` reference (idempotency key
/// and search term), the same 5-second budget; one new attempt, audited. Answers `200` with the
/// request as it now stands, also when the retry fails again (see its latest attempt). `409`
/// when the handoff did not fail, no desk is configured, ticket creation is paused, or another
/// attempt for this request is running.
#[utoipa::path(post, path = "/api/v1/support-requests/{reference}/handoff/retry", operation_id = "retry_support_request_handoff", tag = "support",
    params(("reference" = String, Path, description = "The request's SR- reference")),
    responses((status = 200, description = "The request after the attempt", body = RequestDetail), problem::Common, problem::InScope,
        problem::Capability, problem::Conflict),
    security(("bearer" = [])))]
pub async fn retry(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: CurrentUser,
    Path(reference): Path<String>,
) -> AppResult<Json<RequestDetail>> {
    let scope = reference_scope(&state, user, &reference).await?;
    let actor = &scope.identity.user;
    let (row, attempts) =
        service::retry_handoff(&state, &ctx.audit(), actor, &scope.tenant, &reference).await?;
    let detail = service::detail(&row, &attempts, &scope.tenant.external_id, scope.role);
    Ok(Json(detail))
}

/// Filing a support request and reading the latest one, for a tenant or a run.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tenant_submit, tenant_list))
        .routes(routes!(tenant_latest))
        .routes(routes!(run_submit, run_list))
        .routes(routes!(run_latest))
        .routes(routes!(get_one))
        .routes(routes!(retry))
}

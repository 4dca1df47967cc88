//! `POST /api/v1/tenants/{tenant}/support-diagnostics` and
//! `POST /api/v1/operations/{run}/support-diagnostics`: open a bundle (audited).

use super::service::{self, Context};
use crate::{
    access::{Capability, RunScope, TenantScope},
    api::problem,
    error::AppResult,
    state::AppState,
    web::context::RequestContext,
};
use axum::{Json, extract::State};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Opens the tenant's diagnostics bundle. Each call is an audited open.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/support-diagnostics", operation_id = "open_tenant_diagnostics", tag = "support",
    params(("tenant" = String, Path, description = "Tenant external id")),
    responses((status = 200, description = "The redacted bundle (schema_version 1)", body = Object),
        problem::Common, problem::InScope, problem::Capability),
    security(("bearer" = [])))]
pub async fn tenant(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
) -> AppResult<Json<Value>> {
    scope.require(Capability::SupportDiagnosticsView)?;
    let context = Context::Tenant(&scope.tenant);
    let bundle = service::build(&state, context.clone()).await?;
    service::record_open(
        &state,
        &ctx.audit(),
        scope.tenant.workspace_id,
        scope.tenant.id,
        &context,
        "api",
    )
    .await?;
    Ok(Json(bundle.json))
}

/// Opens a run's diagnostics bundle; the run must belong to a tenant the caller may see.
#[utoipa::path(post, path = "/api/v1/operations/{run}/support-diagnostics", operation_id = "open_run_diagnostics", tag = "support",
    params(("run" = i64, Path, description = "Run id")),
    responses((status = 200, description = "The redacted bundle (schema_version 1)", body = Object),
        problem::Common, problem::InScope, problem::Capability),
    security(("bearer" = [])))]
pub async fn run(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: RunScope,
) -> AppResult<Json<Value>> {
    scope.require(Capability::SupportDiagnosticsView)?;
    let context = Context::Run(&scope.run);
    let bundle = service::build(&state, context.clone()).await?;
    service::record_open(
        &state,
        &ctx.audit(),
        scope.run.run.workspace_id,
        scope.run.run.tenant_id,
        &context,
        "api",
    )
    .await?;
    Ok(Json(bundle.json))
}

/// Support diagnostics of a tenant or a run.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tenant))
        .routes(routes!(run))
}

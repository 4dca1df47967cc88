//! Admin-plane pages: the entry point, a workspace's tenant list, and the tenant dashboard.

use super::service;
use super::views::{self, FleetParams, NoWorkspacePage, workspace_page};
use crate::features::{
    operations::service as runs, providers, providers::model::VerificationState,
};
use crate::web::routing::Routes;
use crate::{
    access::{TenantScope, WorkspaceScope},
    error::AppResult,
    state::AppState,
    web::{
        Q,
        context::CurrentUser,
        context::RequestContext,
        found, html,
        shell::{Shell, member_workspaces},
    },
};
use axum::{extract::State, response::Response};

/// Runs shown on the dashboard.
const DASHBOARD_RUNS: i64 = 10;

/// `GET /admin`: platform users go to the system plane; members to their first workspace.
pub async fn admin_home(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
) -> AppResult<Response> {
    if identity.user.is_platform {
        return Ok(found("/system"));
    }
    let member_of = member_workspaces(&state, &ctx).await?;
    if let Some(first) = member_of.first() {
        return Ok(found(&format!("/admin/w/{}", first.slug)));
    }
    let shell = Shell::admin(&state, &ctx, None, None, "").await?;
    Ok(html(&NoWorkspacePage { shell }))
}

/// `GET /admin/w/{workspace}`: the fleet view, one page of the tenants of a workspace the
/// caller may see with their verdicts, blocked first unless asked otherwise.
pub async fn workspace_home(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    Q(params): Q<FleetParams>,
) -> AppResult<Response> {
    let slug = scope.workspace.slug.as_str();
    let filter = params.filter();
    let now = state.now();
    let fleet = service::fleet(
        &state.db,
        scope.identity.user.id,
        scope.workspace.id,
        state.config.providers.verification_freshness_hours,
        &filter,
        now,
    )
    .await?;
    let shell = Shell::admin(&state, &ctx, Some((slug, scope.role)), None, "tenants").await?;
    let name = scope.workspace.name.clone();
    Ok(html(&workspace_page(shell, name, slug, filter, fleet, now)))
}

/// The shell of a tenant page and the tenant's verification state, which every tenant page
/// here decides from.
async fn tenant_context(
    state: &AppState,
    ctx: &RequestContext,
    scope: &TenantScope,
) -> AppResult<(Shell, VerificationState)> {
    let shell = Shell::for_tenant(state, ctx, scope, "tenants").await?;
    let verification = providers::service::current_state(state, scope.tenant.id).await?;
    Ok((shell, verification))
}

/// `GET /admin/t/{tenant}`: the tenant dashboard, decision first.
pub async fn dashboard(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
) -> AppResult<Response> {
    let (shell, verification) = tenant_context(&state, &ctx, &scope).await?;
    let runs = runs::recent_for_tenant(&state.db, scope.tenant.id, DASHBOARD_RUNS).await?;
    Ok(html(&views::tenant_page(shell, scope, verification, runs)))
}

/// `GET /admin/t/{tenant}/permissions`: the tenant's required permissions as the newest
/// verification found them, with the run that produced them.
pub async fn permissions(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
) -> AppResult<Response> {
    let (shell, verification) = tenant_context(&state, &ctx, &scope).await?;
    Ok(html(&views::permissions_page(shell, scope, verification)))
}

/// The admin start page, the workspace home and the tenant dashboard.
pub fn router() -> Routes {
    Routes::new()
        .get("/admin", admin_home)
        .get("/admin/w/{workspace}", workspace_home)
        .get("/admin/t/{tenant}", dashboard)
        .get("/admin/t/{tenant}/permissions", permissions)
}

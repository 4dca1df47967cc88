//! Admin-plane pages: the entry point, a workspace's tenant list, and the tenant dashboard.

use super::service;
use super::views::{FleetParams, NoWorkspacePage, TenantPage, workspace_page};
use crate::features::{
    operations::model::RunType, operations::service as runs, providers, reports,
};
use crate::web::routing::Routes;
use crate::{
    access::{TenantScope, WorkspaceScope},
    error::AppResult,
    features::workspaces,
    state::AppState,
    web::{Q, context::CurrentUser, context::RequestContext, found, html, shell::Shell},
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
    let member_of = workspaces::service::list_for_user(&state.db, identity.user.id).await?;
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

/// `GET /admin/t/{tenant}`: the tenant dashboard.
pub async fn dashboard(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
) -> AppResult<Response> {
    let shell = Shell::for_tenant(&state, &ctx, &scope, "tenants").await?;
    let verification = providers::service::state_for_tenant(
        &state.db,
        &state.config,
        scope.tenant.id,
        state.now(),
    )
    .await?;
    let runs = runs::recent_for_tenant(&state.db, scope.tenant.id, DASHBOARD_RUNS).await?;
    let actions = reports::views::start_actions(
        &scope,
        &shell,
        &[RunType::ProviderConnectionVerify, RunType::InventorySync],
    );
    let denied = |cap| crate::access::missing_capability_reason(scope.role, cap, shell.t);
    let diagnostics_denied = denied(crate::access::Capability::SupportDiagnosticsView);
    let support_denied = denied(crate::access::Capability::SupportRequestsCreate);
    Ok(html(&TenantPage {
        diagnostics_denied,
        support_denied,
        shell,
        dominant: verification.dominant_reason(),
        verification,
        runs,
        actions,
        role: match scope.role {
            crate::access::Role::Owner => "role-owner",
            crate::access::Role::Manager => "role-manager",
            crate::access::Role::Operator => "role-operator",
            crate::access::Role::Readonly => "role-readonly",
        },
        tenant: scope.tenant,
    }))
}

/// The admin start page, the workspace home and the tenant dashboard.
pub fn router() -> Routes {
    Routes::new()
        .get("/admin", admin_home)
        .get("/admin/w/{workspace}", workspace_home)
        .get("/admin/t/{tenant}", dashboard)
}

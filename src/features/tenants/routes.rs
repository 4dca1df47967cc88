//! Admin-plane pages: the entry point, a workspace's tenant list, and the tenant dashboard.

use super::{model::Tenant, repo};
use crate::features::{
    operations::model::{ReasonCode, RunRow, RunType},
    operations::repo as runs,
    providers, reports,
};
use crate::{
    access::{TenantScope, WorkspaceScope},
    error::AppResult,
    features::workspaces,
    state::AppState,
    web::{context::CurrentUser, context::RequestContext, found, html, shell::Shell},
};
use askama::Template;
use axum::{extract::State, response::Response};

#[derive(Template)]
#[template(path = "admin_home.html")]
struct NoWorkspacePage {
    shell: Shell,
}

#[derive(Template)]
#[template(path = "workspace.html")]
struct WorkspacePage {
    shell: Shell,
    workspace_name: String,
    tenants: Vec<Tenant>,
}

#[derive(Template)]
#[template(path = "tenant.html")]
struct TenantPage {
    shell: Shell,
    tenant: super::model::ScopedTenant,
    role: &'static str,
    verification: providers::model::VerificationState,
    dominant: Option<ReasonCode>,
    runs: Vec<RunRow>,
    actions: Vec<reports::routes::StartAction>,
    diagnostics_denied: Option<String>,
    support_denied: Option<String>,
}

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
    let member_of = workspaces::repo::list_for_user(&state.db, identity.user.id).await?;
    if let Some(first) = member_of.first() {
        return Ok(found(&format!("/admin/w/{}", first.slug)));
    }
    let shell = Shell::admin(&state, &ctx, None, None, "").await?;
    Ok(html(&NoWorkspacePage { shell }))
}

/// `GET /admin/w/{workspace}`: the tenants of a workspace the caller may see.
pub async fn workspace_home(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
) -> AppResult<Response> {
    let slug = scope.workspace.slug.as_str();
    let tenants = repo::list_visible(&state.db, scope.identity.user.id, slug).await?;
    let shell = Shell::admin(&state, &ctx, Some((slug, scope.role)), None, "tenants").await?;
    Ok(html(&WorkspacePage {
        shell,
        workspace_name: scope.workspace.name.clone(),
        tenants,
    }))
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
    let actions = reports::routes::start_actions(
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

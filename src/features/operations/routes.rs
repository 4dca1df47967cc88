//! Operation pages: the list across the caller's tenants, the run viewer, and starting a run
//! from a tenant's dashboard.

use super::api::{PAGE_SIZE, check_filters};
use super::model::RunType;
use super::service;
use super::views::{self, RunPage};
use crate::outbound::urlencode;
use crate::web::routing::Routes;
use crate::{
    access::{Capability, RunScope, TenantScope},
    error::{AppError, AppResult},
    features::{providers, reports, workspaces},
    state::AppState,
    web::{
        CsrfForm, Q, context::CurrentUser, context::RequestContext, html, see_other, shell::Shell,
    },
};
use axum::{extract::State, response::Response};
use serde::Deserialize;

/// Filters of the operations list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Tenant external id.
    pub tenant: Option<String>,
    /// Type id.
    #[serde(rename = "type")]
    pub run_type: Option<String>,
    /// Outcome id.
    pub outcome: Option<String>,
    /// 1-based page.
    pub page: Option<u32>,
}

/// `GET /admin/operations`: runs of every tenant the caller may see, newest first.
pub async fn list(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    Q(q): Q<ListQuery>,
) -> AppResult<Response> {
    if identity.user.is_platform {
        return Err(AppError::NotFound);
    }
    check_filters(q.run_type.as_deref(), q.outcome.as_deref())?;
    let page = i64::from(q.page.unwrap_or(1).clamp(1, 100_000));
    let tenant = q.tenant.clone().unwrap_or_default();
    let run_type = q.run_type.clone().unwrap_or_default();
    let outcome = q.outcome.clone().unwrap_or_default();
    let data = service::list_page(
        &state.db,
        identity.user.id,
        &tenant,
        &run_type,
        &outcome,
        page,
        PAGE_SIZE,
    )
    .await?;
    let filters = format!(
        "tenant={}&type={}&outcome={}",
        urlencode(&tenant),
        urlencode(&run_type),
        urlencode(&outcome)
    );
    let href = move |p: i64| format!("/admin/operations?{filters}&page={p}");
    let workspace = workspaces::service::list_for_user(&state.db, identity.user.id).await?;
    let ws = workspace.first().map(|w| (w.slug.clone(), w.role));
    let shell = Shell::admin(
        &state,
        &ctx,
        ws.as_ref().map(|(s, r)| (s.as_str(), *r)),
        None,
        "operations",
    )
    .await?;
    Ok(html(&views::list_page(
        shell, data, tenant, run_type, outcome, page, href,
    )))
}

/// `GET /admin/operations/{run}`: one run; refreshes itself while the run is active.
pub async fn show(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: RunScope,
) -> AppResult<Response> {
    scope.require(Capability::OperationsView)?;
    let r = scope.run;
    let shell = Shell::admin_known(
        &state,
        &ctx,
        Some((&r.workspace_slug, scope.role)),
        Some((&r.tenant_external_id, Some(&r.tenant_name))),
        "operations",
    )
    .await?;
    let report = match r.run.kind() {
        Some(RunType::ProviderConnectionVerify) => {
            providers::service::report_for_run(&state.db, r.run.id).await?
        }
        _ => None,
    };
    let pack = match r.run.kind() {
        Some(RunType::ReviewPackGenerate) => {
            reports::service::pack_for_run(&state.db, r.run.id).await?
        }
        _ => None,
    };
    let denied = |cap| crate::access::missing_capability_reason(scope.role, cap, shell.t);
    let diagnostics_denied = denied(Capability::SupportDiagnosticsView);
    let support_denied = denied(Capability::SupportRequestsCreate);
    Ok(html(&RunPage {
        diagnostics_denied,
        support_denied,
        shell,
        counts: r.run.counts().0.into_iter().collect(),
        report,
        pack,
        progress_percent: r.run.progress_percent(),
        r,
    }))
}

/// Form of the start buttons.
#[derive(Debug, Deserialize)]
pub struct StartForm {
    /// Type id.
    #[serde(rename = "type")]
    pub run_type: String,
}

/// `POST /admin/t/{tenant}/operations`: starts a run and opens its viewer.
pub async fn start(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    CsrfForm(form): CsrfForm<StartForm>,
) -> AppResult<Response> {
    let run = service::start_in_scope(&state, &ctx.audit(), &scope, &form.run_type).await?;
    Ok(see_other(&format!("/admin/operations/{}", run.id)))
}

/// Starting a run from the tenant dashboard, the run list and the run viewer.
pub fn router() -> Routes {
    Routes::new()
        .post("/admin/t/{tenant}/operations", start)
        .get("/admin/operations", list)
        .get("/admin/operations/{run}", show)
}

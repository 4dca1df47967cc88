//! Diagnostics pages. Opening is a POST (audited) that redirects to a preview addressed by the
//! audit row of that opening; rendering or reloading the preview writes nothing. The preview
//! only shows to the user who opened it, for the context they opened.

use super::service::{self, Bundle, Context};
use super::views::{self, PreviewPage};
use crate::web::routing::Routes;
use crate::{
    access::{Capability, RunScope, TenantScope},
    error::{AppError, AppResult},
    state::AppState,
    web::{Q, context::RequestContext, html, see_other, shell::Shell},
};
use axum::{
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

/// How long a preview link stays valid after the opening.
pub const PREVIEW_HOURS: i64 = 24;

/// Path of a preview.
#[derive(Debug, Deserialize)]
pub struct PreviewPath {
    /// Tenant external id (tenant context).
    pub tenant: Option<String>,
    /// Run id (run context).
    pub run: Option<String>,
    /// Audit id of the opening.
    pub opening: String,
}

/// `?format=json` downloads the bundle instead of showing it.
#[derive(Debug, Default, Deserialize)]
pub struct PreviewQuery {
    /// `json` for the download.
    pub format: Option<String>,
}

/// Records an audited opening of `context` (after the capability check) and redirects to its
/// preview under `preview_base`.
async fn open(
    state: &AppState,
    ctx: &RequestContext,
    (workspace_id, tenant_id): (i64, i64),
    context: &Context<'_>,
    surface: &'static str,
    preview_base: String,
) -> AppResult<Response> {
    let id = service::record_open(
        state,
        &ctx.audit(),
        workspace_id,
        tenant_id,
        context,
        surface,
    )
    .await?;
    Ok(see_other(&format!(
        "{preview_base}/support-diagnostics/{id}"
    )))
}

/// `POST /admin/t/{tenant}/support-diagnostics`: the explicit open from the tenant dashboard.
pub async fn open_tenant(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    _csrf: crate::web::CsrfForm,
) -> AppResult<Response> {
    scope.require(Capability::SupportDiagnosticsView)?;
    let t = &scope.tenant;
    let base = format!("/admin/t/{}", t.external_id);
    let ids = (t.workspace_id, t.id);
    open(
        &state,
        &ctx,
        ids,
        &Context::Tenant(t),
        "tenant_dashboard",
        base,
    )
    .await
}

/// `POST /admin/operations/{run}/support-diagnostics`: the explicit open from the run viewer.
pub async fn open_run(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: RunScope,
    _csrf: crate::web::CsrfForm,
) -> AppResult<Response> {
    scope.require(Capability::SupportDiagnosticsView)?;
    let run = &scope.run;
    let base = format!("/admin/operations/{}", run.run.id);
    let ids = (run.run.workspace_id, run.run.tenant_id);
    open(
        &state,
        &ctx,
        ids,
        &Context::Run(run),
        "operation_run_viewer",
        base,
    )
    .await
}

async fn check_opening(
    state: &AppState,
    user_id: i64,
    opening: &str,
    target_type: &str,
    target_id: &str,
) -> AppResult<()> {
    let id: i64 = opening.parse().map_err(|_| AppError::NotFound)?;
    let opened = service::find_open(&state.db, id, user_id, target_type, target_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if state.now() - opened > chrono::Duration::hours(PREVIEW_HOURS) {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Where a preview sits: its title, the page it came from, its own address, and the tenant and
/// role its help actions are for.
struct Preview {
    title: String,
    back_href: String,
    base_href: String,
    tenant_ext: String,
    role: crate::access::Role,
}

fn render(shell: Shell, preview: Preview, bundle: Bundle, format: Option<&str>) -> Response {
    let Preview {
        title,
        back_href,
        base_href,
        tenant_ext,
        role,
    } = preview;
    if format == Some("json") {
        let body = serde_json::to_vec_pretty(&bundle.json).unwrap_or_default();
        let mut r = body.into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"support-diagnostics.json\""),
        );
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        return r;
    }
    let manifest = bundle.json["redaction"]["rules"]
        .as_array()
        .map(|rules| {
            rules
                .iter()
                .map(|r| {
                    (
                        r["rule"].as_str().unwrap_or("").to_string(),
                        r["count"].to_string(),
                        r["replacement"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let not_collected = bundle.json["not_collected"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|n| {
                    views::not_collected_line(
                        shell.t,
                        n["item"].as_str().unwrap_or(""),
                        n["reason"].as_str().unwrap_or(""),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let run_outcome = bundle.json["operation_run"]["outcome"]
        .as_str()
        .and_then(crate::features::operations::model::RunOutcome::parse);
    let help = crate::features::help::topic_for_support_diagnostics(
        bundle.dominant.reason,
        bundle.dominant.evidence_incomplete,
        run_outcome,
    )
    .map(|k| crate::features::help::resolve_for_tenant(k, shell.t.0, &tenant_ext).for_role(role));
    let mut response = html(&PreviewPage {
        help,
        shell,
        title,
        back_href,
        download_href: format!("{base_href}?format=json"),
        pretty: serde_json::to_string_pretty(&bundle.json).unwrap_or_default(),
        reason_key: bundle.dominant.reason.map(|r| r.label_key()),
        reason_code: bundle.dominant.reason.map(|r| r.as_str()),
        manifest,
        not_collected,
        bundle,
    });
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// `GET /admin/t/{tenant}/support-diagnostics/{opening}`: the read-only preview.
pub async fn show_tenant(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    Path(path): Path<PreviewPath>,
    Q(q): Q<PreviewQuery>,
) -> AppResult<Response> {
    scope.require(Capability::SupportDiagnosticsView)?;
    let ext = scope.tenant.external_id.clone();
    check_opening(
        &state,
        scope.identity.user.id,
        &path.opening,
        "tenant",
        &ext,
    )
    .await?;
    let bundle = service::build(&state, Context::Tenant(&scope.tenant)).await?;
    let shell = Shell::for_tenant(&state, &ctx, &scope, "tenants").await?;
    let preview = Preview {
        title: format!("{} · {}", shell.t.t("diagnostics-title"), scope.tenant.name),
        back_href: format!("/admin/t/{ext}"),
        base_href: format!("/admin/t/{ext}/support-diagnostics/{}", path.opening),
        tenant_ext: ext,
        role: scope.role,
    };
    Ok(render(shell, preview, bundle, q.format.as_deref()))
}

/// `GET /admin/operations/{run}/support-diagnostics/{opening}`: the read-only preview.
pub async fn show_run(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: RunScope,
    Path(path): Path<PreviewPath>,
    Q(q): Q<PreviewQuery>,
) -> AppResult<Response> {
    scope.require(Capability::SupportDiagnosticsView)?;
    let run_id = scope.run.run.id;
    check_opening(
        &state,
        scope.identity.user.id,
        &path.opening,
        "operation_run",
        &run_id.to_string(),
    )
    .await?;
    let bundle = service::build(&state, Context::Run(&scope.run)).await?;
    let shell = Shell::admin_known(
        &state,
        &ctx,
        Some((&scope.run.workspace_slug, scope.role)),
        Some((&scope.run.tenant_external_id, Some(&scope.run.tenant_name))),
        "operations",
    )
    .await?;
    let preview = Preview {
        title: format!("{} · #{run_id}", shell.t.t("diagnostics-title")),
        back_href: format!("/admin/operations/{run_id}"),
        base_href: format!(
            "/admin/operations/{run_id}/support-diagnostics/{}",
            path.opening
        ),
        tenant_ext: scope.run.tenant_external_id.clone(),
        role: scope.role,
    };
    Ok(render(shell, preview, bundle, q.format.as_deref()))
}

/// Opening and previewing support diagnostics of a tenant or a run.
pub fn router() -> Routes {
    Routes::new()
        .post("/admin/t/{tenant}/support-diagnostics", open_tenant)
        .get(
            "/admin/t/{tenant}/support-diagnostics/{opening}",
            show_tenant,
        )
        .post("/admin/operations/{run}/support-diagnostics", open_run)
        .get(
            "/admin/operations/{run}/support-diagnostics/{opening}",
            show_run,
        )
}

//! Report pages of a tenant: the list of stored reports and review packs with the actions that
//! produce them, one report, and the review pack download.

use super::service;
use super::views::{IndexPage, ReportPage, start_actions};
use crate::web::routing::Routes;
use crate::{
    access::{Capability, TenantScope},
    error::{AppError, AppResult},
    features::operations::{model::RunType, service as runs},
    features::providers,
    state::AppState,
    web::{context::RequestContext, html, shell::Shell},
};
use axum::{
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

/// Items listed per kind.
const LIST_LIMIT: i64 = 50;

/// `GET /admin/t/{tenant}/reports`.
pub async fn index(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
) -> AppResult<Response> {
    scope.require(Capability::TenantsView)?;
    let shell = Shell::for_tenant(&state, &ctx, &scope, "reports").await?;
    let latest_pack_run = runs::latest_of_type(
        &state.db,
        scope.tenant.id,
        RunType::ReviewPackGenerate.as_str(),
    )
    .await?;
    let verification = providers::service::state_for_tenant(
        &state.db,
        &state.config,
        scope.tenant.id,
        state.now(),
    )
    .await?;
    Ok(html(&IndexPage {
        actions: start_actions(&scope, &shell, &super::views::REPORT_TYPES, &verification),
        shell,
        reports: service::list_reports(&state.db, scope.tenant.id, LIST_LIMIT).await?,
        packs: service::list_packs(&state.db, scope.tenant.id, LIST_LIMIT).await?,
        pending_pack_run: latest_pack_run.filter(|r| r.is_active()).map(|r| r.id),
        tenant_ext: scope.tenant.external_id,
        tenant_name: scope.tenant.name,
    }))
}

/// Path of a report or pack under a tenant.
#[derive(Debug, Deserialize)]
pub struct ItemPath {
    /// Tenant external id (resolved by the scope extractor).
    pub tenant: String,
    /// Report id.
    pub report: Option<String>,
    /// Pack id.
    pub pack: Option<String>,
}

fn id_of(s: Option<&str>) -> AppResult<i64> {
    s.and_then(|v| v.parse().ok()).ok_or(AppError::NotFound)
}

/// `GET /admin/t/{tenant}/reports/{report}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    Path(path): Path<ItemPath>,
) -> AppResult<Response> {
    scope.require(Capability::TenantsView)?;
    let id = id_of(path.report.as_deref())?;
    let report = service::find_report(&state.db, scope.tenant.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let shell = Shell::for_tenant(&state, &ctx, &scope, "reports").await?;
    Ok(html(&ReportPage {
        shell,
        pretty: serde_json::to_string_pretty(&report.payload.0).unwrap_or_default(),
        report,
        tenant_ext: scope.tenant.external_id,
        tenant_name: scope.tenant.name,
    }))
}

/// `GET /admin/t/{tenant}/review-packs/{pack}`: the ZIP as an attachment.
pub async fn download(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(path): Path<ItemPath>,
) -> AppResult<Response> {
    scope.require(Capability::TenantsView)?;
    let id = id_of(path.pack.as_deref())?;
    let (file_name, content) = service::pack_content(&state.db, scope.tenant.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let safe_name: String = file_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let mut response = content.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// A tenant's stored reports and review pack downloads.
pub fn router() -> Routes {
    Routes::new()
        .get("/admin/t/{tenant}/reports", index)
        .get("/admin/t/{tenant}/reports/{report}", show)
        .get("/admin/t/{tenant}/review-packs/{pack}", download)
}

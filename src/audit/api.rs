//! `GET /api/v1/audit`.

use super::service::{self, AuditQuery};
use crate::{
    access::{Capability, WorkspaceScope, scope::require},
    api::{self, problem},
    error::{AppError, AppResult},
    features::workspaces,
    state::AppState,
    web::{
        Q,
        context::{CurrentUser, RequestContext},
    },
};
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Query parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditApiQuery {
    /// Workspace slug; may be omitted when the caller belongs to exactly one workspace.
    pub workspace: Option<String>,
    /// Only this action id.
    pub action: Option<String>,
    /// Only this tenant (external id).
    pub tenant: Option<String>,
    /// Only this actor, as the log records it: a member's e-mail address, `system` or `cli`.
    pub actor: Option<String>,
    /// First day, `YYYY-MM-DD` in UTC, inclusive.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` in UTC, inclusive.
    #[param(format = Date)]
    pub to: Option<String>,
    /// 1-based page (1–100000, default 1).
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Rows per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

/// One audit event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    /// Event id.
    pub id: i64,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Who did it.
    pub actor: String,
    /// Action id.
    pub action: String,
    /// Tenant external id, when tenant-bound.
    pub tenant: Option<String>,
    /// Kind of record.
    pub target_type: String,
    /// Record id or key.
    pub target_id: String,
    /// Bounded metadata.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// Correlation id.
    pub request_id: Option<String>,
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPageView {
    /// Events, newest first.
    pub items: Vec<AuditEventView>,
    /// This page.
    pub page: i64,
    /// Next page number, when there is one.
    pub next_page: Option<i64>,
}

/// The page size asked for (default 50), checked with the page number: both wrong at once
/// are reported together.
fn per_page(q: &AuditApiQuery) -> AppResult<i64> {
    let mut errors = Vec::new();
    api::page_number(q.page, &mut errors);
    let per_page = api::in_range(
        "per_page",
        "validation-per-page-range",
        q.per_page,
        50,
        api::MAX_PER_PAGE,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(per_page)
}

/// The caller's workspace when `?workspace=` is left out: their only one; `404` with none, and
/// a clear `400` with several.
async fn only_workspace(state: &AppState, user_id: i64) -> AppResult<String> {
    let mine = workspaces::service::list_for_user(&state.db, user_id).await?;
    match mine.as_slice() {
        [only] => Ok(only.slug.clone()),
        [] => Err(AppError::NotFound),
        _ => Err(AppError::bad_request(
            "workspace-required",
            "You belong to several workspaces: add ?workspace=<slug>.",
        )),
    }
}

impl From<service::AuditRow> for AuditEventView {
    fn from(r: service::AuditRow) -> Self {
        AuditEventView {
            id: r.id,
            occurred_at: r.occurred_at,
            actor: r.actor_label,
            action: r.action,
            tenant: r.tenant,
            target_type: r.target_type,
            target_id: r.target_id,
            metadata: r.metadata.0,
            request_id: r.request_id,
        }
    }
}

/// Whether the caller asked for CSV (`Accept: text/csv`, with or without parameters).
fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|range| {
            range
                .split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"))
        })
}

/// A workspace's audit log, newest first; requires `audit.view`. With `Accept: text/csv` the
/// answer is the whole filtered log as a streamed CSV file instead of a page (the same as
/// `/admin/w/{workspace}/audit.csv`: `page` and `per_page` do not apply, at most
/// `audit.export_max_rows` rows, a last line saying so when cut, audited as `audit.exported`).
#[utoipa::path(get, path = "/api/v1/audit", operation_id = "list_audit_events", tag = "audit", params(AuditApiQuery),
    responses((status = 200, description = "A page of events (JSON), or with `Accept: text/csv` the filtered log as CSV: header row `time,actor,action,action_label,tenant,target_type,target_id,request_id,metadata`, RFC 4180 quoting, CRLF line ends, cells starting with `=`, `+`, `-`, `@`, tab or CR prefixed with `'`; at most `audit.export_max_rows` rows, newest first, and when cut a last line saying so. The headers `x-export-rows`, `x-export-matched` and `x-export-truncated` give the counts.",
        content((AuditPageView = "application/json"), (String = "text/csv")),
        headers(("content-disposition" = String, description = "CSV only: `attachment; filename=\"audit-<workspace>-<YYYY-MM-DD>.csv\"`"))),
        problem::Common, problem::InScope, problem::Capability, problem::Query),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    headers: HeaderMap,
    Q(q): Q<AuditApiQuery>,
) -> AppResult<Response> {
    let slug = match q.workspace.clone() {
        Some(s) => s,
        None => only_workspace(&state, identity.user.id).await?,
    };
    let workspace = workspaces::service::find_for_user(&state.db, identity.user.id, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = workspace.role;
    require(role, Capability::AuditView)?;
    let per_page = per_page(&q)?;
    // The page's form sends blank dates for "no bound"; the API documents `from` and `to` as
    // dates, so a blank one is not a date and says so.
    let blank_dates: Vec<crate::error::Invalid> = [("from", &q.from), ("to", &q.to)]
        .into_iter()
        .filter(|(_, v)| v.as_deref().is_some_and(|v| v.trim().is_empty()))
        .map(|(field, _)| crate::error::Invalid {
            field,
            key: "audit-filter-date-invalid",
        })
        .collect();
    if !blank_dates.is_empty() {
        return Err(AppError::Validation(blank_dates));
    }
    let scope = WorkspaceScope {
        identity,
        workspace,
        role,
    };
    let filter_query = AuditQuery {
        action: q.action,
        tenant: q.tenant,
        actor: q.actor,
        from: q.from,
        to: q.to,
        page: q.page,
    };
    if wants_csv(&headers) {
        let export = super::routes::start_export(&state, &ctx, &scope, &filter_query).await?;
        return Ok(super::routes::csv_response(export, ctx.request_id.clone()));
    }
    let user_id = scope.identity.user.id;
    let events = service::events_page(
        &state.db,
        user_id,
        scope.workspace.id,
        &filter_query,
        per_page,
    )
    .await?;
    Ok(Json(AuditPageView {
        items: events.rows.into_iter().map(AuditEventView::from).collect(),
        page: events.page,
        next_page: events.has_next.then_some(events.page + 1),
    })
    .into_response())
}

/// The audit log.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

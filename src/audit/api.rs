//! `GET /api/v1/audit`.

use super::service::{self, AuditQuery};
use crate::{
    access::{Capability, WorkspaceScope, scope::require},
    api::{self, problem},
    error::{AppError, AppResult},
    features::workspaces,
    state::AppState,
    web::{Q, context::CurrentUser},
};
use axum::{Json, extract::State};
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

/// A workspace's audit log, newest first; requires `audit.view`.
#[utoipa::path(get, path = "/api/v1/audit", operation_id = "list_audit_events", tag = "audit", params(AuditApiQuery),
    responses((status = 200, description = "A page of events", body = AuditPageView), problem::Common, problem::InScope,
        problem::Capability, problem::Query),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(identity): CurrentUser,
    Q(q): Q<AuditApiQuery>,
) -> AppResult<Json<AuditPageView>> {
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
    let scope = WorkspaceScope {
        identity,
        workspace,
        role,
    };
    let filter_query = AuditQuery {
        action: q.action,
        tenant: q.tenant,
        page: q.page,
    };
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
    }))
}

/// The audit log.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

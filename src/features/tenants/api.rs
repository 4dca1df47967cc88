//! `/api/v1/tenants` JSON endpoints.

use super::{model::ScopedTenant, service};
use crate::{
    access::{Role, TenantScope},
    api::problem,
    error::AppResult,
    state::AppState,
    web::context::CurrentUser,
};
use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// A tenant as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantView {
    /// URL key.
    pub external_id: String,
    /// Display name.
    pub name: String,
    /// Owning workspace's slug.
    pub workspace: String,
    /// Caller's role in that workspace.
    pub role: Role,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

impl TenantView {
    fn from(t: ScopedTenant) -> Self {
        TenantView {
            role: t.role,
            external_id: t.external_id,
            name: t.name,
            workspace: t.workspace_slug,
            created_at: t.created_at,
        }
    }
}

/// List wrapper.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantList {
    /// Tenants the caller may see.
    pub items: Vec<TenantView>,
}

/// Tenants the caller may see, across their workspaces.
#[utoipa::path(get, path = "/api/v1/tenants", operation_id = "list_tenants", tag = "tenants",
    responses((status = 200, description = "Tenants the caller may see", body = TenantList), problem::Common),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(identity): CurrentUser,
) -> AppResult<Json<TenantList>> {
    let items = service::list_all_visible(&state.db, identity.user.id)
        .await?
        .into_iter()
        .map(TenantView::from)
        .collect();
    Ok(Json(TenantList { items }))
}

/// One tenant; `404` when it does not exist or is outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}", operation_id = "get_tenant", tag = "tenants",
    params(("tenant" = String, Path, description = "Tenant external id")),
    responses((status = 200, description = "The tenant", body = TenantView), problem::Common, problem::InScope),
    security(("bearer" = [])))]
pub async fn get(scope: TenantScope) -> Json<TenantView> {
    Json(TenantView::from(scope.tenant))
}

/// The tenant list and one tenant.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get))
}

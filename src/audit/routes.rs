//! The audit page of a workspace.

use super::service::{self, AuditFilter};
use super::views::AuditPage;
use crate::outbound::urlencode;
use crate::web::routing::Routes;
use crate::{
    access::{Capability, WorkspaceScope},
    error::AppResult,
    features::tenants,
    state::AppState,
    web::{Q, context::RequestContext, html, shell::Shell},
};
use axum::{extract::State, response::Response};
use serde::Deserialize;

/// Rows per page.
pub const PAGE_SIZE: i64 = 50;

/// Filters from the query string (shared with the API).
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    /// Only this action id.
    pub action: Option<String>,
    /// Only this tenant (external id).
    pub tenant: Option<String>,
    /// 1-based page number.
    pub page: Option<u32>,
}

/// Resolved filter plus the page number, or `None` when the tenant filter names a tenant the
/// caller cannot see (an empty result, never a hint that it exists).
pub async fn resolve_filter(
    state: &AppState,
    scope: &WorkspaceScope,
    q: &AuditQuery,
    page_size: i64,
) -> AppResult<Option<(AuditFilter, i64)>> {
    let page = i64::from(q.page.unwrap_or(1).clamp(1, 100_000));
    let action = q.action.clone().filter(|a| !a.is_empty());
    let tenant_id = match q.tenant.as_deref().filter(|t| !t.is_empty()) {
        Some(ext) => {
            match tenants::service::find_scoped(&state.db, scope.identity.user.id, ext).await? {
                Some(t) if t.workspace_id == scope.workspace.id => Some(t.id),
                _ => return Ok(None),
            }
        }
        None => None,
    };
    Ok(Some((
        AuditFilter {
            action,
            tenant_id,
            offset: (page - 1) * page_size,
            limit: page_size,
        },
        page,
    )))
}

/// `GET /admin/w/{workspace}/audit`.
pub async fn page(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    Q(q): Q<AuditQuery>,
) -> AppResult<Response> {
    scope.require(Capability::AuditView)?;
    let slug = scope.workspace.slug.clone();
    let (mut rows, page) = match resolve_filter(&state, &scope, &q, PAGE_SIZE).await? {
        Some((filter, page)) => (
            service::list(&state.db, scope.workspace.id, &filter).await?,
            page,
        ),
        None => (Vec::new(), 1),
    };
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let action = q.action.clone().unwrap_or_default();
    let tenant = q.tenant.clone().unwrap_or_default();
    let href = |p: i64| {
        format!(
            "/admin/w/{slug}/audit?action={}&tenant={}&page={p}",
            urlencode(&action),
            urlencode(&tenant)
        )
    };
    let shell = Shell::admin(&state, &ctx, Some((&slug, scope.role)), None, "audit").await?;
    let tenants = tenants::service::list_visible(&state.db, scope.identity.user.id, &slug)
        .await?
        .into_iter()
        .map(|t| (t.external_id, t.name))
        .collect();
    Ok(html(&AuditPage {
        actions: service::actions(&state.db, scope.workspace.id).await?,
        tenants,
        prev_href: (page > 1).then(|| href(page - 1)),
        next_href: has_next.then(|| href(page + 1)),
        shell,
        rows,
        action,
        tenant,
        page,
    }))
}

/// The workspace audit page.
pub fn router() -> Routes {
    Routes::new().get("/admin/w/{workspace}/audit", page)
}

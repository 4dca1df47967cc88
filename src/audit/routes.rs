//! The audit page of a workspace.

use super::service::{self, AuditQuery};
use super::views::AuditPage;
use crate::web::routing::Routes;
use crate::{
    access::{Capability, WorkspaceScope},
    error::AppResult,
    state::AppState,
    web::{Q, context::RequestContext, html, shell::Shell},
};
use axum::{extract::State, response::Response};

/// Rows per page.
pub const PAGE_SIZE: i64 = 50;

/// `GET /admin/w/{workspace}/audit`.
pub async fn page(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    Q(q): Q<AuditQuery>,
) -> AppResult<Response> {
    scope.require(Capability::AuditView)?;
    let (user_id, workspace) = (scope.identity.user.id, &scope.workspace);
    let data = service::page_data(
        &state.db,
        user_id,
        workspace.id,
        &workspace.slug,
        &q,
        PAGE_SIZE,
    )
    .await?;
    let shell = Shell::admin(
        &state,
        &ctx,
        Some((&workspace.slug, scope.role)),
        None,
        "audit",
    )
    .await?;
    Ok(html(&AuditPage::new(shell, &workspace.slug, q, data)))
}

/// The workspace audit page.
pub fn router() -> Routes {
    Routes::new().get("/admin/w/{workspace}/audit", page)
}

//! The audit page of a workspace and its CSV export.

use super::service::{self, AuditQuery, CsvExport, ExportRequest};
use super::views::AuditPage;
use crate::web::routing::Routes;
use crate::{
    access::{Capability, WorkspaceScope},
    error::{AppError, AppResult},
    i18n::Tr,
    state::AppState,
    web::{Q, context::RequestContext, html, shell::Shell},
};
use axum::{
    body::Body,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::TryStreamExt;

/// Rows per page.
pub const PAGE_SIZE: i64 = 50;

/// `GET /admin/w/{workspace}/audit`. Invalid filters (a date that is none, a range backwards)
/// show their messages on the page with `422`, and no events.
pub async fn page(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    Q(q): Q<AuditQuery>,
) -> AppResult<Response> {
    render(&state, &ctx, &scope, q).await
}

/// The audit page for `q`.
async fn render(
    state: &AppState,
    ctx: &RequestContext,
    scope: &WorkspaceScope,
    q: AuditQuery,
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
        state,
        ctx,
        Some((&workspace.slug, scope.role)),
        None,
        "audit",
    )
    .await?;
    let invalid = !data.errors.is_empty();
    let max_rows = state.config.audit.export_max_rows;
    let page = html(&AuditPage::new(shell, &workspace.slug, q, data, max_rows));
    Ok(if invalid {
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    } else {
        page
    })
}

/// Starts the export of `q` for the caller in `scope` (which must hold `audit.view`).
pub(super) async fn start_export(
    state: &AppState,
    ctx: &RequestContext,
    scope: &WorkspaceScope,
    q: &AuditQuery,
) -> AppResult<CsvExport> {
    scope.require(Capability::AuditView)?;
    let request = ExportRequest {
        user_id: scope.identity.user.id,
        workspace_id: scope.workspace.id,
        slug: &scope.workspace.slug,
        query: q,
        max_rows: state.config.audit.export_max_rows,
        t: Tr(ctx.locale),
        now: state.now(),
    };
    Ok(service::export_csv(&state.db, &ctx.audit(), request).await?)
}

/// The streamed CSV response of `export`: an attachment named after the workspace and the
/// day, with the row counts in headers (the body's last line says so too when the cap cut it).
pub(super) fn csv_response(export: CsvExport, request_id: String) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", export.filename);
    let truncated = export.truncated();
    let (rows, matched) = (export.rows, export.matched);
    let body = Body::from_stream(export.body.inspect_err(move |e| {
        tracing::error!(request_id = %request_id, error = %e, "audit export stopped");
    }));
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert("x-export-rows", HeaderValue::from(rows));
    headers.insert("x-export-matched", HeaderValue::from(matched));
    headers.insert(
        "x-export-truncated",
        HeaderValue::from_static(if truncated { "true" } else { "false" }),
    );
    response
}

/// `GET /admin/w/{workspace}/audit.csv`: the page's filters as a CSV file. Invalid filters
/// answer with the audit page and its messages (`422`), as the page itself would.
pub async fn csv(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    Q(q): Q<AuditQuery>,
) -> AppResult<Response> {
    match start_export(&state, &ctx, &scope, &q).await {
        Ok(export) => Ok(csv_response(export, ctx.request_id.clone())),
        Err(AppError::Validation(_)) => render(&state, &ctx, &scope, q).await,
        Err(e) => Err(e),
    }
}

/// The workspace audit page and its export.
pub fn router() -> Routes {
    Routes::new()
        .get("/admin/w/{workspace}/audit", page)
        .get("/admin/w/{workspace}/audit.csv", csv)
}

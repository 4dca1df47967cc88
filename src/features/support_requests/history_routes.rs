//! Past support requests in the admin plane: the tenant's list (`/admin/t/{tenant}/support-requests`,
//! requests filed from the tenant and from its runs) and a run's
//! (`/admin/operations/{run}/support-requests`), newest first and paged; a read-only page per
//! request (`…/support-requests/{reference}`: the immutable fields, the context as stored, every
//! desk attempt); and **Retry handoff** (`POST …/{reference}/retry`), which answers with a
//! redirect back to the request's page and a notice of what came of it. Same boundary as filing:
//! out of scope `404`, without `support_requests.create` `403`.

use super::handoff;
use super::model::{
    AttemptRow, DeskAvailability, HandoffMode, HandoffOutcome, ListRow, SupportRequestRow,
};
use super::service::{self, ListOf};
use crate::web::routing::Routes;
use crate::{
    access::{Capability, RunScope, TenantScope},
    error::{AppError, AppResult, ServiceError},
    state::AppState,
    web::{
        CsrfForm, Q,
        context::RequestContext,
        flash::{self, Flash},
        html, see_other,
        shell::Shell,
    },
};
use askama::Template;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

/// `?page=` of a list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// 1-based page.
    pub page: Option<i64>,
}

/// A list of requests, for a tenant or a run.
#[derive(Template)]
#[template(path = "support_requests.html")]
struct ListPage {
    shell: Shell,
    heading: String,
    context_line: String,
    context_href: String,
    form_href: String,
    tenant: String,
    rows: Vec<ListRow>,
    page: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
}

impl ListPage {
    fn outcome_key(&self, row: &ListRow) -> &'static str {
        row.outcome().label_key()
    }
}

/// One request.
#[derive(Template)]
#[template(path = "support_request_detail.html")]
struct DetailPage {
    shell: Shell,
    tenant: String,
    tenant_name: String,
    row: SupportRequestRow,
    attempts: Vec<AttemptRow>,
    /// The stored context, pretty-printed, when the reader may see it.
    context: Option<String>,
    /// Whether the retry button is offered at all (a create whose latest attempt failed).
    retryable: bool,
    desk: DeskAvailability,
    retry_action: String,
}

impl DetailPage {
    fn attempt_failure(&self, a: &AttemptRow) -> Option<String> {
        a.failure_message(&self.shell.t, &self.row.internal_reference)
    }

    fn attempt_outcome_key(&self, a: &AttemptRow) -> &'static str {
        match a.outcome {
            Some(o) => o.label_key(),
            None => "support-attempt-running",
        }
    }

    fn lookup_key(&self, a: &AttemptRow) -> Option<&'static str> {
        a.lookup.map(super::model::lookup_label_key)
    }
}

fn pager(base: &str, page: i64, has_more: bool) -> (Option<String>, Option<String>) {
    let href = |p: i64| format!("{base}?page={p}");
    (
        (page > 1).then(|| href(page - 1)),
        has_more.then(|| href(page + 1)),
    )
}

/// `GET /admin/t/{tenant}/support-requests`.
pub async fn tenant_list(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    Q(q): Q<ListQuery>,
) -> AppResult<Response> {
    scope.require(Capability::SupportRequestsCreate)?;
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let (rows, has_more) = service::list(&state, ListOf::Tenant(scope.tenant.id), page).await?;
    let shell = Shell::for_tenant(&state, &ctx, &scope, "tenants").await?;
    let t = &scope.tenant;
    let base = format!("/admin/t/{}/support-requests", t.external_id);
    let (prev_href, next_href) = pager(&base, page, has_more);
    let heading = shell.t.t("support-history-title");
    let context_line = shell.t.t1("support-context-tenant", "tenant", &t.name);
    Ok(html(&ListPage {
        shell,
        heading,
        context_line,
        context_href: format!("/admin/t/{}", t.external_id),
        form_href: format!("/admin/t/{}/support-requests/new", t.external_id),
        tenant: t.external_id.clone(),
        rows,
        page,
        prev_href,
        next_href,
    }))
}

/// `GET /admin/operations/{run}/support-requests`.
pub async fn run_list(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: RunScope,
    Q(q): Q<ListQuery>,
) -> AppResult<Response> {
    scope.require(Capability::SupportRequestsCreate)?;
    let r = &scope.run;
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let (rows, has_more) = service::list(&state, ListOf::Run(r.run.id), page).await?;
    let shell = Shell::admin_known(
        &state,
        &ctx,
        Some((&r.workspace_slug, scope.role)),
        Some((&r.tenant_external_id, Some(&r.tenant_name))),
        "operations",
    )
    .await?;
    let base = format!("/admin/operations/{}/support-requests", r.run.id);
    let (prev_href, next_href) = pager(&base, page, has_more);
    let heading = shell.t.t("support-history-title");
    let context_line = shell.t.t1("support-history-context-run", "run", r.run.id);
    Ok(html(&ListPage {
        shell,
        heading,
        context_line,
        context_href: format!("/admin/operations/{}", r.run.id),
        form_href: format!("/admin/operations/{}/support-requests/new", r.run.id),
        tenant: r.tenant_external_id.clone(),
        rows,
        page,
        prev_href,
        next_href,
    }))
}

/// `GET /admin/t/{tenant}/support-requests/{reference}`.
pub async fn detail(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    Path((_, reference)): Path<(String, String)>,
) -> AppResult<Response> {
    scope.require(Capability::SupportRequestsCreate)?;
    let (row, attempts) = service::find_with_attempts(&state, &scope.tenant, &reference)
        .await?
        .ok_or(AppError::NotFound)?;
    let retryable = row.external_handoff_mode == HandoffMode::CreateExternalTicket
        && row.outcome() == HandoffOutcome::ExternalHandoffFailed;
    let desk = if retryable {
        handoff::availability(&state, row.workspace_id).await?
    } else {
        DeskAvailability::Available
    };
    let context = service::context_visible(&row, scope.role)
        .then(|| serde_json::to_string_pretty(&row.context.0).unwrap_or_default());
    let shell = Shell::for_tenant(&state, &ctx, &scope, "tenants").await?;
    let t = &scope.tenant;
    let retry_action = format!(
        "/admin/t/{}/support-requests/{}/retry",
        t.external_id, row.internal_reference
    );
    Ok(html(&DetailPage {
        shell,
        tenant: t.external_id.clone(),
        tenant_name: t.name.clone(),
        row,
        attempts,
        context,
        retryable,
        desk,
        retry_action,
    }))
}

/// `POST /admin/t/{tenant}/support-requests/{reference}/retry`: back to the request's page with
/// the outcome as a notice; a refusal (`409`: running, paused, no desk, nothing to retry) comes
/// back the same way, never as a bare error page.
pub async fn retry(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    jar: CookieJar,
    Path((_, reference)): Path<(String, String)>,
    _csrf: CsrfForm,
) -> AppResult<Response> {
    scope.require(Capability::SupportRequestsCreate)?;
    let t = &scope.tenant;
    let actor = &scope.identity.user;
    let back = format!("/admin/t/{}/support-requests/{}", t.external_id, reference);
    match service::retry_handoff(&state, &ctx.audit(), actor, t, &reference).await {
        Ok((row, _)) => {
            let notice = match row.outcome() {
                HandoffOutcome::ExternalHandoffFailed => Flash::HandoffRetryFailed,
                _ => Flash::HandoffRetryCreated,
            };
            Ok((jar.add(flash::set(notice)), see_other(&back)).into_response())
        }
        Err(ServiceError::NotFound(_)) => Err(AppError::NotFound),
        Err(e) => flash::refused_back(e.into(), jar, &back),
    }
}

/// Past requests and their retry.
pub fn router() -> Routes {
    Routes::new()
        .get("/admin/t/{tenant}/support-requests", tenant_list)
        .get("/admin/operations/{run}/support-requests", run_list)
        .get("/admin/t/{tenant}/support-requests/{reference}", detail)
        .post(
            "/admin/t/{tenant}/support-requests/{reference}/retry",
            retry,
        )
}

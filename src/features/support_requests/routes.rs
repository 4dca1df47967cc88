//! "Request support" from the tenant dashboard and the run viewer: one form page per context
//! (`…/support-requests/new`) and its submit (`POST …/support-requests`). A submit redirects
//! back to the form with `?submitted=<id>`, which shows the outcome banner (only to the creator,
//! only in the same context) with a "File another request" link *instead of* the form, so a
//! reload or a second look never offers a blank form that invites a duplicate; the context's
//! latest handoff summary stays beside it. The form previews the context that will be attached
//! ([`super::preview`]).

use super::model::{Submission, Target};
use super::service;
use super::views;
use super::views::RequestForm;
use crate::web::routing::Routes;
use crate::{
    access::{Capability, Role, RunScope, TenantScope},
    error::{AppError, AppResult, Invalid, ServiceError},
    state::AppState,
    web::{CsrfForm, Q, context::RequestContext, html, see_other, shell::Shell},
};
use axum::{extract::State, http::StatusCode, response::Response};
use serde::Deserialize;

/// `?submitted=<id>` after a submit.
#[derive(Debug, Default, Deserialize)]
pub struct FormQuery {
    /// The request just filed.
    pub submitted: Option<i64>,
}

/// Where a request is filed from and by whom: the page chrome, the context, the filer's role.
struct Filing<'a> {
    shell: Shell,
    target: Target<'a>,
    role: Role,
    viewer: i64,
}

impl<'a> Filing<'a> {
    async fn tenant(
        state: &AppState,
        ctx: &RequestContext,
        scope: &'a TenantScope,
    ) -> AppResult<Self> {
        scope.require(Capability::SupportRequestsCreate)?;
        Ok(Filing {
            shell: Shell::for_tenant(state, ctx, scope, "tenants").await?,
            target: Target::Tenant(&scope.tenant),
            role: scope.role,
            viewer: scope.identity.user.id,
        })
    }

    async fn run(state: &AppState, ctx: &RequestContext, scope: &'a RunScope) -> AppResult<Self> {
        scope.require(Capability::SupportRequestsCreate)?;
        let r = &scope.run;
        let shell = Shell::admin_known(
            state,
            ctx,
            Some((&r.workspace_slug, scope.role)),
            Some((&r.tenant_external_id, Some(&r.tenant_name))),
            "operations",
        )
        .await?;
        Ok(Filing {
            shell,
            target: Target::Run(&scope.run),
            role: scope.role,
            viewer: scope.identity.user.id,
        })
    }
}

async fn render(
    state: &AppState,
    filing: Filing<'_>,
    submitted: Option<i64>,
    form: RequestForm,
    errors: Vec<Invalid>,
) -> AppResult<Response> {
    let Filing {
        shell,
        target,
        role,
        viewer,
    } = filing;
    let submitted = match submitted {
        Some(id) => service::submitted_by(state, &target, viewer, id).await?,
        None => None,
    };
    let latest = service::latest_summary(state, &target).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    // The result page shows what was filed, not a preview of another request.
    let preview = match submitted {
        Some(_) => None,
        None => Some(super::preview::build(state, &target, role).await?),
    };
    let desk = super::handoff::availability(state, target.workspace_id()).await?;
    let desk_kind = state.support_desk().map(|d| d.kind());
    let page = views::form_page(
        shell, &target, preview, desk_kind, desk, latest, submitted, form, errors,
    );
    let mut response = html(&page);
    *response.status_mut() = status;
    Ok(response)
}

async fn submit(
    state: &AppState,
    ctx: &RequestContext,
    filing: Filing<'_>,
    form: RequestForm,
) -> AppResult<Response> {
    let identity = ctx.identity.as_ref().ok_or(AppError::Unauthenticated)?;
    let submission = form.submission();
    let audit = ctx.audit();
    let filed = service::submit(
        state,
        &audit,
        &identity.user,
        filing.role,
        filing.target,
        &submission,
    );
    match filed.await {
        Ok(result) => Ok(see_other(&format!(
            "{}?submitted={}",
            filing.target.form_path(),
            result.support_request_id
        ))),
        Err(ServiceError::Invalid(errors)) => render(state, filing, None, form, errors).await,
        Err(e) => Err(e.into()),
    }
}

/// `GET /admin/t/{tenant}/support-requests/new`.
pub async fn tenant_form(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    Q(q): Q<FormQuery>,
) -> AppResult<Response> {
    let filing = Filing::tenant(&state, &ctx, &scope).await?;
    render(&state, filing, q.submitted, RequestForm::default(), vec![]).await
}

/// `POST /admin/t/{tenant}/support-requests`.
pub async fn tenant_submit(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    CsrfForm(form): CsrfForm<RequestForm>,
) -> AppResult<Response> {
    submit(
        &state,
        &ctx,
        Filing::tenant(&state, &ctx, &scope).await?,
        form,
    )
    .await
}

/// `GET /admin/operations/{run}/support-requests/new`.
pub async fn run_form(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: RunScope,
    Q(q): Q<FormQuery>,
) -> AppResult<Response> {
    let filing = Filing::run(&state, &ctx, &scope).await?;
    render(&state, filing, q.submitted, RequestForm::default(), vec![]).await
}

/// `POST /admin/operations/{run}/support-requests`.
pub async fn run_submit(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: RunScope,
    CsrfForm(form): CsrfForm<RequestForm>,
) -> AppResult<Response> {
    submit(&state, &ctx, Filing::run(&state, &ctx, &scope).await?, form).await
}

/// Filing a support request from a tenant or a run, and the system plane's desk console.
pub fn router() -> Routes {
    Routes::new()
        .get("/admin/t/{tenant}/support-requests/new", tenant_form)
        .post("/admin/t/{tenant}/support-requests", tenant_submit)
        .get("/admin/operations/{run}/support-requests/new", run_form)
        .post("/admin/operations/{run}/support-requests", run_submit)
        .get("/system/support-desk", super::desk_console_routes::page)
        .post(
            "/system/support-desk/test-ticket",
            super::desk_console_routes::send_test_ticket,
        )
}

impl RequestForm {
    fn submission(&self) -> Submission {
        let some = |v: &str| (!v.trim().is_empty()).then(|| v.to_string());
        Submission {
            severity: self.severity.clone(),
            summary: self.summary.clone(),
            reproduction_notes: some(&self.reproduction_notes),
            contact_name: some(&self.contact_name),
            contact_email: some(&self.contact_email),
            handoff_mode: self.handoff_mode.clone(),
            external_ticket_reference: some(&self.external_ticket_reference),
            external_ticket_url: some(&self.external_ticket_url),
            target_available: None,
        }
    }
}

//! Pages of the admin-consent flow.
//!
//! - `GET /admin/t/{tenant}/consent`: what will be granted, the button and the link action
//!   (disabled with the reason in words without `onboarding.manage`). `404` out of scope.
//! - `POST /admin/t/{tenant}/consent` (`mode` = `button` | `link`): the button answers `303`
//!   to the authority; the link is shown once on the page, with its expiry.
//! - `GET /admin/consent/callback`: the authority's answer; signed in or anonymous.
//! - `GET /admin/t/{tenant}/consent/requests/{request}`: the initiator's result page.
//! - `GET /admin/consent/done`: the thank-you page of the customer's administrator.
//! - `GET /simulated-authority/{directory}/v2.0/adminconsent`: the simulated kind's stand-in
//!   for Microsoft's consent prompt.

use super::model::{CallbackParams, ConsentMode};
use super::service;
use super::views::{self, AuthorityPage, CreatedLink};
use crate::access::TenantScope;
use crate::error::{AppError, AppResult};
use crate::features::providers::{model::REQUIRED_PERMISSIONS, service::AuthorityRequest};
use crate::state::AppState;
use crate::web::routing::Routes;
use crate::web::{CsrfForm, Q, context::RequestContext, html, see_other, shell::Shell};
use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::Response,
};
use serde::Deserialize;

/// `GET /admin/t/{tenant}/consent`.
pub async fn page(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
) -> AppResult<Response> {
    render_page(&state, &ctx, &scope, None).await
}

async fn render_page(
    state: &AppState,
    ctx: &RequestContext,
    scope: &TenantScope,
    created_link: Option<CreatedLink>,
) -> AppResult<Response> {
    let shell = Shell::for_tenant(state, ctx, scope, "tenants").await?;
    let data = service::page_data(state, scope).await?;
    let origin = data
        .connection
        .as_ref()
        .and_then(|c| service::authority_origin(&state.config, c));
    let page = views::consent_page(shell, scope, data, created_link, state.now());
    let mut response = html(&page);
    // The button's form is answered by a redirect to the authority; a browser applies this
    // page's `form-action` to that redirect too, so the authority's origin is allowed here.
    let policy = format!(
        "default-src 'self'; frame-ancestors 'none'; form-action 'self' {}",
        origin.unwrap_or_default()
    );
    if let Ok(value) = HeaderValue::from_str(policy.trim()) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(response)
}

/// The posted start form.
#[derive(Debug, Default, Deserialize)]
pub struct StartForm {
    #[serde(default)]
    mode: String,
}

/// `POST /admin/t/{tenant}/consent`.
pub async fn start(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    CsrfForm(form): CsrfForm<StartForm>,
) -> AppResult<Response> {
    let mode = ConsentMode::parse(form.mode.trim())
        .ok_or_else(|| AppError::bad_request("invalid-form", "Unknown consent mode."))?;
    let started = service::start(&state, &ctx.audit(), &scope, mode).await?;
    match mode {
        ConsentMode::Button => Ok(see_other(&started.url)),
        ConsentMode::Link => {
            let link = CreatedLink {
                url: started.url,
                expires_at: started.expires_at,
            };
            render_page(&state, &ctx, &scope, Some(link)).await
        }
    }
}

/// `GET /admin/consent/callback`: records the answer, then sends the initiator to the
/// tenant's result page and anyone else to the thank-you page; refusals are a page of their
/// own (`404` unknown state, `400` otherwise) and write nothing.
pub async fn callback(
    State(state): State<AppState>,
    ctx: RequestContext,
    Q(params): Q<CallbackParams>,
) -> AppResult<Response> {
    let visitor = ctx.identity.as_ref().map(|i| i.user.id);
    let answered = service::answer(&state, Some(ctx.request_id.clone()), visitor, &params).await?;
    match answered {
        Ok(a) if a.by_initiator => Ok(see_other(&format!(
            "/admin/t/{}/consent/requests/{}",
            a.request.tenant_external_id, a.request.id
        ))),
        Ok(a) => Ok(see_other(&format!(
            "/admin/consent/done?outcome={}",
            a.outcome
        ))),
        Err(refusal) => {
            let mut response = html(&views::refused_page(Shell::public(&ctx), refusal));
            *response.status_mut() =
                StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
            Ok(response)
        }
    }
}

/// `GET /admin/t/{tenant}/consent/requests/{request}`.
pub async fn result(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    Path((_, raw_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let request = service::answered_in_scope(&state, &scope, &raw_id).await?;
    let shell = Shell::for_tenant(&state, &ctx, &scope, "tenants").await?;
    Ok(html(&views::result_page(shell, &scope, request)))
}

/// Query of the thank-you page.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    outcome: Option<String>,
}

/// `GET /admin/consent/done`.
pub async fn done(ctx: RequestContext, Q(q): Q<DoneQuery>) -> AppResult<Response> {
    let granted = q.outcome.as_deref() == Some(super::model::ConsentOutcome::Granted.as_str());
    Ok(html(&views::thanks_page(Shell::public(&ctx), granted)))
}

/// Query Microsoft's `adminconsent` endpoint takes.
#[derive(Debug, Default, Deserialize)]
pub struct AuthorityQuery {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: String,
}

/// `GET /simulated-authority/{directory}/v2.0/adminconsent`: the prompt, or `400` with the
/// reason for a request it refuses (another `redirect_uri` among them: no open redirect).
pub async fn simulated_authority(
    State(state): State<AppState>,
    ctx: RequestContext,
    Path(directory): Path<String>,
    Q(q): Q<AuthorityQuery>,
) -> AppResult<Response> {
    let checked = AuthorityRequest::check(
        &directory,
        &q.client_id,
        &q.scope,
        &q.redirect_uri,
        &q.state,
        &service::callback_url(&state.config),
    );
    let (request, fault_key) = match checked {
        Ok(r) => (Some(r), None),
        Err(fault) => (None, Some(fault.message_key())),
    };
    let mut response = html(&AuthorityPage {
        shell: Shell::public(&ctx),
        request,
        fault_key,
        permissions: REQUIRED_PERMISSIONS.to_vec(),
    });
    if fault_key.is_some() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

/// The admin-consent flow.
pub fn router() -> Routes {
    Routes::new()
        .get("/admin/t/{tenant}/consent", page)
        .post("/admin/t/{tenant}/consent", start)
        .get("/admin/t/{tenant}/consent/requests/{request}", result)
        .get("/admin/consent/callback", callback)
        .get("/admin/consent/done", done)
        .get(
            "/simulated-authority/{directory}/v2.0/adminconsent",
            simulated_authority,
        )
}

//! `/admin/w/{workspace}/members` (owners) and the invitation acceptance page
//! `/invitations/{token}` (anyone holding the link).

use super::model::{InvitationRefusal, IssuedInvitation};
use super::service::{self, Acceptor, InvitationInput, Inviter, MemberChange};
use super::views::{
    AcceptOffer, EntitlementChoice, InvitationPage, IssuedLink, IssuedResetLink, MemberForm,
    MembersPage, invitation_row, member_row,
};
use crate::web::routing::Routes;
use crate::{
    access::{Capability, Role, WorkspaceScope},
    auth::{routes as auth_routes, sign_in, users},
    error::{AppError, AppResult, Invalid, ServiceError},
    features::{tenants, workspaces::model::TenantSelection},
    state::AppState,
    web::{
        CsrfForm, context::RequestContext, csrf, flash, form_html, html, see_other, shell::Shell,
    },
};
use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

/// Tenants offered as entitlement choices on the page.
const TENANT_CHOICES: i64 = 500;

async fn members_page(
    state: &AppState,
    ctx: &RequestContext,
    scope: &WorkspaceScope,
) -> AppResult<MembersPage> {
    scope.require(Capability::WorkspaceManage)?;
    let slug = scope.workspace.slug.as_str();
    let shell = Shell::admin(state, ctx, Some((slug, scope.role)), None, "members").await?;
    let overview = service::overview(&state.db, scope.workspace.id).await?;
    let choices = tenants::service::list_visible_first(
        &state.db,
        scope.identity.user.id,
        slug,
        TENANT_CHOICES,
    )
    .await?;
    let t = shell.t;
    let now = state.now();
    let you = scope.identity.user.id;
    Ok(MembersPage {
        slug: slug.to_string(),
        workspace_name: scope.workspace.name.clone(),
        members: overview
            .members
            .into_iter()
            .map(|m| member_row(t, m, you))
            .collect(),
        invitations: overview
            .invitations
            .into_iter()
            .map(|i| invitation_row(t, i, now))
            .collect(),
        tenant_choices: choices.into_iter().map(|c| c.external_id).collect(),
        issued: None,
        issued_reset: None,
        form: MemberForm::default(),
        errors: Vec::new(),
        errors_for_member: None,
        shell,
    })
}

/// `GET /admin/w/{workspace}/members`.
pub async fn page(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
) -> AppResult<Response> {
    Ok(html(&members_page(&state, &ctx, &scope).await?))
}

/// The form's role and tenants as the service takes them; an unknown role is a field error.
fn parse_form(form: &MemberForm) -> Result<(Role, TenantSelection), ServiceError> {
    let role = Role::parse(form.role.trim())
        .ok_or_else(|| ServiceError::invalid("role", "validation-unknown-role"))?;
    let selection = match form.entitlement {
        EntitlementChoice::All => TenantSelection::All,
        EntitlementChoice::Only => TenantSelection::Only(
            form.tenants
                .split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        ),
    };
    Ok((role, selection))
}

/// The page showing a link once: answered directly (no redirect, `no-store`), so the link
/// travels in no URL, cookie or later request.
fn with_link(mut page: MembersPage, issued: IssuedInvitation) -> Response {
    page.issued = Some(IssuedLink {
        email: issued.invitation.email.clone(),
        expires: page.shell.t.datetime(issued.invitation.expires_at),
        link: issued.link,
        mailed: issued.mailed,
        mail_error: issued.mail_error,
    });
    let mut r = html(&page);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `POST /admin/w/{workspace}/invitations`: invites, then shows the link once.
pub async fn invite(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    CsrfForm(form): CsrfForm<MemberForm>,
) -> AppResult<Response> {
    scope.require(Capability::WorkspaceManage)?;
    let user = &scope.identity.user;
    let issued = match parse_form(&form) {
        Ok((role, selection)) => {
            service::invite(
                &state.db,
                &ctx.audit(),
                state.now(),
                &state.config,
                scope.workspace.id,
                &Inviter {
                    user_id: Some(user.id),
                    label: &user.email,
                    locale: ctx.locale,
                },
                &InvitationInput {
                    email: &form.email,
                    role,
                    selection,
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    let mut page = members_page(&state, &ctx, &scope).await?;
    match issued {
        Ok(issued) => Ok(with_link(page, issued)),
        Err(ServiceError::Invalid(errors)) => {
            (page.form, page.errors) = (form, errors);
            Ok(form_html(&page, true))
        }
        Err(e) => Err(e.into()),
    }
}

/// The id in a path: anything but a positive number names nothing (404).
fn path_id(raw: &str) -> AppResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

/// `POST /admin/w/{workspace}/invitations/{id}/resend`: a new link, shown once.
pub async fn resend(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
    _csrf: CsrfForm,
) -> AppResult<Response> {
    scope.require(Capability::WorkspaceManage)?;
    let id = path_id(&id)?;
    let issued = service::resend(
        &state.db,
        &ctx.audit(),
        state.now(),
        &state.config,
        scope.workspace.id,
        id,
    )
    .await?;
    Ok(with_link(members_page(&state, &ctx, &scope).await?, issued))
}

fn back_to_members(jar: CookieJar, scope: &WorkspaceScope, news: flash::Flash) -> Response {
    let to = format!("/admin/w/{}/members", scope.workspace.slug);
    (jar.add(flash::set(news)), see_other(&to)).into_response()
}

/// `POST /admin/w/{workspace}/invitations/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    jar: CookieJar,
    Path((_, id)): Path<(String, String)>,
    _csrf: CsrfForm,
) -> AppResult<Response> {
    scope.require(Capability::WorkspaceManage)?;
    let id = path_id(&id)?;
    service::revoke(&state.db, &ctx.audit(), state.now(), scope.workspace.id, id).await?;
    Ok(back_to_members(
        jar,
        &scope,
        flash::Flash::InvitationRevoked,
    ))
}

/// Re-renders the page with `errors` beside member `id`'s form.
async fn member_errors(
    state: &AppState,
    ctx: &RequestContext,
    scope: &WorkspaceScope,
    id: i64,
    errors: Vec<Invalid>,
) -> AppResult<Response> {
    let mut page = members_page(state, ctx, scope).await?;
    page.errors = errors;
    page.errors_for_member = Some(id);
    Ok(form_html(&page, true))
}

/// `POST /admin/w/{workspace}/members/{id}`: a new role and entitlement.
pub async fn change(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    jar: CookieJar,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<MemberForm>,
) -> AppResult<Response> {
    scope.require(Capability::WorkspaceManage)?;
    let id = path_id(&id)?;
    let result = match parse_form(&form) {
        Ok((role, selection)) => {
            let change = MemberChange {
                role: Some(role),
                selection: Some(selection),
            };
            let audit = ctx.audit();
            service::change(
                &state.db,
                &audit,
                state.now(),
                scope.workspace.id,
                id,
                &change,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(back_to_members(jar, &scope, flash::Flash::MemberChanged)),
        Err(ServiceError::Invalid(errors)) => member_errors(&state, &ctx, &scope, id, errors).await,
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/w/{workspace}/members/{id}/password-reset`: a single-use reset link for the
/// member, shown once (answered directly, `no-store`) and mailed when mail is configured.
pub async fn password_reset(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
    _csrf: CsrfForm,
) -> AppResult<Response> {
    scope.require(Capability::WorkspaceManage)?;
    let id = path_id(&id)?;
    let (member, issued) = service::issue_password_reset(
        &state.db,
        &ctx.audit(),
        state.now(),
        &state.config,
        scope.workspace.id,
        id,
    )
    .await?;
    let mut page = members_page(&state, &ctx, &scope).await?;
    page.issued_reset = Some(IssuedResetLink {
        email: member.email,
        expires: page.shell.t.datetime(issued.expires_at),
        mailed: issued.mail.sent(),
        mail_error: issued.mail.error(),
        link: issued.link,
    });
    let mut r = html(&page);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `POST /admin/w/{workspace}/members/{id}/remove`.
pub async fn remove(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    jar: CookieJar,
    Path((_, id)): Path<(String, String)>,
    _csrf: CsrfForm,
) -> AppResult<Response> {
    scope.require(Capability::WorkspaceManage)?;
    let id = path_id(&id)?;
    match service::remove(&state.db, &ctx.audit(), state.now(), scope.workspace.id, id).await {
        Ok(()) => Ok(back_to_members(jar, &scope, flash::Flash::MemberRemoved)),
        Err(ServiceError::Conflict(key)) => {
            let errors = vec![Invalid {
                field: "member",
                key,
            }];
            let mut r = member_errors(&state, &ctx, &scope, id, errors).await?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

/// The acceptance page for `token`: what its holder may do now.
async fn invitation_page(
    state: &AppState,
    ctx: &RequestContext,
    token: &str,
) -> AppResult<(InvitationPage, StatusCode)> {
    let signed_in = ctx.identity.as_deref().map(|i| &i.user);
    let now = state.now();
    let mut shell = Shell::public(ctx);
    if shell.csrf.is_empty() {
        shell.csrf = ctx.pre_session_csrf.clone().unwrap_or_default();
    }
    let (invitation, offer, status) =
        match service::open_invitation(&state.db, now, token, signed_in).await? {
            Err(refusal) => (
                None,
                AcceptOffer::Refused(refusal.message_key()),
                StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::GONE),
            ),
            Ok(invitation) => {
                let offer = if signed_in.is_some() {
                    AcceptOffer::Join
                } else if users::find_by_email(&state.db, &invitation.email)
                    .await?
                    .is_some()
                {
                    AcceptOffer::SignIn {
                        login_href: format!(
                            "/login?next={}",
                            crate::outbound::urlencode(&format!(
                                "{}{token}",
                                service::INVITATION_PATH
                            ))
                        ),
                    }
                } else {
                    AcceptOffer::CreateAccount
                };
                (Some(invitation), offer, StatusCode::OK)
            }
        };
    Ok((
        InvitationPage {
            shell,
            token: token.to_string(),
            invitation,
            offer,
            display_name: String::new(),
            errors: Vec::new(),
        },
        status,
    ))
}

/// Gives an anonymous visitor the pre-session CSRF cookie the account form needs.
fn with_pre_session(
    state: &AppState,
    jar: CookieJar,
    mut page: InvitationPage,
    status: StatusCode,
) -> Response {
    let jar = if page.shell.csrf.is_empty() {
        let token = crate::auth::random_token();
        page.shell.csrf = token.clone();
        jar.add(csrf::pre_session_cookie(
            token,
            state.config.secure_cookies(),
        ))
    } else {
        jar
    };
    let mut r = html(&page);
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    (jar, r).into_response()
}

/// `GET /invitations/{token}`.
pub async fn accept_page(
    State(state): State<AppState>,
    ctx: RequestContext,
    jar: CookieJar,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let (page, status) = invitation_page(&state, &ctx, &token).await?;
    Ok(with_pre_session(&state, jar, page, status))
}

/// Posted acceptance form: empty when signed in, the new account's fields otherwise.
#[derive(Debug, Default, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
}

/// `POST /invitations/{token}`: joins (signed in) or creates the account, joins and signs in.
pub async fn accept(
    State(state): State<AppState>,
    ctx: RequestContext,
    jar: CookieJar,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<AcceptForm>,
) -> AppResult<Response> {
    let signed_in = ctx.identity.as_deref().map(|i| &i.user);
    let acceptor = match signed_in {
        Some(user) => Acceptor::SignedIn(user),
        None => {
            let (page, status) = invitation_page(&state, &ctx, &token).await?;
            if let AcceptOffer::SignIn { .. } = page.offer {
                // The address has an account: only signing in proves it is theirs.
                return Ok(with_pre_session(&state, jar, page, status));
            }
            Acceptor::NewAccount {
                display_name: Some(form.display_name.clone()),
                password: form.password.clone(),
            }
        }
    };
    let outcome = service::accept(&state.db, &ctx.audit(), state.now(), &token, acceptor).await;
    let (invitation, user) = match outcome {
        Ok(Ok(done)) => done,
        Ok(Err(refusal)) => return refused(&state, &ctx, jar, &token, refusal).await,
        Err(ServiceError::Invalid(errors)) => {
            let (mut page, _) = invitation_page(&state, &ctx, &token).await?;
            page.display_name = form.display_name;
            page.errors = errors;
            return Ok(with_pre_session(
                &state,
                jar,
                page,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let to = format!("/admin/w/{}", invitation.workspace_slug);
    let jar = jar.add(flash::set(flash::Flash::Joined));
    if signed_in.is_some() {
        return Ok((jar, see_other(&to)).into_response());
    }
    let token =
        sign_in::open_session(&state, &user, &ctx.client_ip, ctx.user_agent.as_deref()).await?;
    Ok((
        auth_routes::with_session(&state, jar, token),
        see_other(&to),
    )
        .into_response())
}

async fn refused(
    state: &AppState,
    ctx: &RequestContext,
    jar: CookieJar,
    token: &str,
    refusal: InvitationRefusal,
) -> AppResult<Response> {
    let (mut page, _) = invitation_page(state, ctx, token).await?;
    page.offer = AcceptOffer::Refused(refusal.message_key());
    page.invitation = None;
    let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::GONE);
    Ok(with_pre_session(state, jar, page, status))
}

/// The members pages.
pub fn router() -> Routes {
    Routes::new()
        .get("/admin/w/{workspace}/members", page)
        .post("/admin/w/{workspace}/invitations", invite)
        .post("/admin/w/{workspace}/invitations/{id}/resend", resend)
        .post("/admin/w/{workspace}/invitations/{id}/revoke", revoke)
        .post("/admin/w/{workspace}/members/{id}", change)
        .post("/admin/w/{workspace}/members/{id}/remove", remove)
        .post(
            "/admin/w/{workspace}/members/{id}/password-reset",
            password_reset,
        )
        .get("/invitations/{token}", accept_page)
        .post("/invitations/{token}", accept)
}

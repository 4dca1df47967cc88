//! `GET/POST /account` (profile) and the account page's API tokens section:
//! `POST /account/tokens`, `GET/POST /account/tokens/{id}/revoke`.

use super::views::{
    AccountPage, NewSecret, ResetPage, RevokePage, SessionItem, device_of, token_item, when,
};
use super::views::{ExpiryChoice, TokenForm};
use crate::web::routing::Routes;
use crate::{
    auth::{
        Via,
        credentials::{self, SessionsToEnd},
        sessions,
        tokens::{self, Expiry, Whose},
        users,
    },
    error::{AppError, AppResult, ServiceError},
    state::AppState,
    web::{
        CsrfForm,
        context::{CurrentUser, RequestContext},
        csrf, flash, form_html, html, see_other,
        shell::Shell,
    },
};
use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

/// Posted profile form.
#[derive(Debug, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    locale: String,
}

async fn shell_for(state: &AppState, ctx: &RequestContext, is_platform: bool) -> AppResult<Shell> {
    if is_platform {
        Ok(Shell::system(ctx, "account"))
    } else {
        Shell::admin(state, ctx, None, None, "account").await
    }
}

/// The stored hash of the request's own session ("" for a bearer token).
fn own_session_hash(ctx: &RequestContext) -> &str {
    match ctx.identity.as_deref().map(|i| &i.via) {
        Some(Via::Session { token_hash, .. }) => token_hash,
        _ => "",
    }
}

/// The page with the stored profile, the caller's tokens and sessions, and empty forms.
async fn account_page(
    state: &AppState,
    ctx: &RequestContext,
    user: &users::User,
) -> AppResult<AccountPage> {
    let shell = shell_for(state, ctx, user.is_platform).await?;
    let now = state.now();
    let own = sessions::handle_of(own_session_hash(ctx)).to_string();
    let unknown = shell.t.t("account-session-unknown-device");
    let sessions = sessions::list_for_user(&state.db, user.id, now, &state.config.session)
        .await?
        .into_iter()
        .map(|s| SessionItem {
            current: s.handle == own,
            device: device_of(s.user_agent.as_deref()).unwrap_or_else(|| unknown.clone()),
            address: s.client_ip.unwrap_or_default(),
            opened: when(ctx.locale, s.created_at),
            last_seen: when(ctx.locale, s.last_seen_at),
            handle: s.handle,
        })
        .collect();
    let tokens = tokens::list(&state.db, user.id)
        .await?
        .into_iter()
        .map(|t| token_item(ctx.locale, now, t))
        .collect();
    Ok(AccountPage {
        shell,
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        locale: user.locale.clone().unwrap_or_default(),
        errors: Vec::new(),
        tokens,
        new_secret: None,
        token_form: TokenForm::default(),
        token_errors: Vec::new(),
        default_days: state.config.api_tokens.default_days,
        password_errors: Vec::new(),
        sessions,
    })
}

/// `GET /account`.
pub async fn page(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
) -> AppResult<Response> {
    Ok(html(&account_page(&state, &ctx, &identity.user).await?))
}

/// `POST /account`: saves, or re-renders with field messages and the typed values kept.
pub async fn save(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<AccountForm>,
) -> AppResult<Response> {
    let (locale, mut errors) = users::check_profile(&form.display_name, Some(&form.locale));
    let result = if errors.is_empty() {
        users::update_profile(
            &state.db,
            &ctx.audit(),
            state.now(),
            identity.user.id,
            &form.display_name,
            locale,
        )
        .await
    } else {
        Err(ServiceError::Invalid(Vec::new()))
    };
    match result {
        Ok(_) => Ok((
            jar.add(flash::set(flash::Flash::ProfileSaved)),
            see_other("/account"),
        )
            .into_response()),
        Err(ServiceError::Invalid(more)) => {
            errors.extend(more);
            let mut page = account_page(&state, &ctx, &identity.user).await?;
            page.display_name = form.display_name;
            page.locale = form.locale;
            page.errors = errors;
            let mut r = html(&page);
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(AppError::from(e)),
    }
}

/// `POST /account/tokens`: creates a token and answers with the page showing its secret once.
/// No redirect: the secret must not travel through a URL, a cookie or a later request, and the
/// answer is `no-store` so the browser keeps no copy.
pub async fn create_token(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> AppResult<Response> {
    let created = match form.expiry(&state) {
        Ok(expiry) => {
            let audit = ctx.audit();
            let user_id = identity.user.id;
            tokens::create(&state.db, &audit, state.now(), user_id, &form.name, expiry).await
        }
        Err(e) => Err(e),
    };
    let mut page = account_page(&state, &ctx, &identity.user).await?;
    match created {
        Ok(created) => {
            page.new_secret = Some(NewSecret {
                secret: created.secret,
                name: created.token.name,
                expires: created.token.expires_at.map(|at| when(ctx.locale, at)),
            });
            let mut r = html(&page);
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(r)
        }
        Err(ServiceError::Invalid(errors)) => {
            (page.token_form, page.token_errors) = (form, errors);
            Ok(form_html(&page, true))
        }
        Err(e) => Err(AppError::from(e)),
    }
}

/// `GET /account/tokens/{id}/revoke`: asks before revoking (works without JavaScript).
pub async fn confirm_revoke(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let token = tokens::find(
        &state.db,
        Whose::User(identity.user.id),
        tokens::parse_id(&id)?,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if token.revoked_at.is_some() {
        return Ok((
            jar.add(flash::set(flash::Flash::TokenAlreadyRevoked)),
            see_other("/account"),
        )
            .into_response());
    }
    let shell = shell_for(&state, &ctx, identity.user.is_platform).await?;
    Ok(html(&RevokePage {
        shell,
        token: token_item(ctx.locale, state.now(), token),
    }))
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    _csrf: CsrfForm,
) -> AppResult<Response> {
    let outcome = tokens::revoke(
        &state.db,
        &ctx.audit(),
        state.now(),
        Whose::User(identity.user.id),
        tokens::parse_id(&id)?,
    )
    .await?;
    let key = match outcome {
        tokens::Revoked::Now(_) => flash::Flash::TokenRevoked,
        tokens::Revoked::Already(_) => flash::Flash::TokenAlreadyRevoked,
    };
    Ok((jar.add(flash::set(key)), see_other("/account")).into_response())
}

/// Posted password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// `POST /account/password`: the current password is required; the user's other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    let changed = credentials::change_password(
        &state.db,
        &ctx.audit(),
        state.now(),
        identity.user.id,
        form.current_password,
        form.new_password,
        own_session_hash(&ctx),
    )
    .await;
    match changed {
        Ok(_) => Ok((
            jar.add(flash::set(flash::Flash::PasswordChanged)),
            see_other("/account"),
        )
            .into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let mut page = account_page(&state, &ctx, &identity.user).await?;
            page.password_errors = errors;
            Ok(form_html(&page, true))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /account/sessions/{handle}/revoke`: signs one of the caller's sessions out (their own
/// included, which lands them on the login page).
pub async fn end_session(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    jar: CookieJar,
    Path(handle): Path<String>,
    _csrf: CsrfForm,
) -> AppResult<Response> {
    let which = SessionsToEnd::One(&handle);
    credentials::end_sessions(
        &state.db,
        &ctx.audit(),
        state.now(),
        identity.user.id,
        which,
    )
    .await?;
    let own = sessions::handle_of(own_session_hash(&ctx)) == handle;
    Ok(after_sign_out(jar, own))
}

/// `POST /account/sessions/revoke-all`: signs every session of the caller out, this one too.
pub async fn end_all_sessions(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    jar: CookieJar,
    _csrf: CsrfForm,
) -> AppResult<Response> {
    let which = SessionsToEnd::All;
    credentials::end_sessions(
        &state.db,
        &ctx.audit(),
        state.now(),
        identity.user.id,
        which,
    )
    .await?;
    Ok(after_sign_out(jar, true))
}

fn after_sign_out(jar: CookieJar, own_ended: bool) -> Response {
    if own_ended {
        let jar = jar
            .remove(axum_extra::extract::cookie::Cookie::build(sessions::COOKIE).path("/"))
            .add(flash::set(flash::Flash::SignedOut));
        return (jar, see_other("/login")).into_response();
    }
    (
        jar.add(flash::set(flash::Flash::SessionsEnded)),
        see_other("/account"),
    )
        .into_response()
}

/// The reset page for `token`, with a pre-session CSRF token for its form.
async fn reset_page(
    state: &AppState,
    ctx: &RequestContext,
    jar: CookieJar,
    token: String,
    errors: Vec<crate::error::Invalid>,
) -> AppResult<Response> {
    let usable = credentials::reset_is_open(&state.db, &token, state.now())
        .await?
        .is_some();
    let mut shell = Shell::public(ctx);
    let jar = match ctx.pre_session_csrf.clone() {
        Some(t) if shell.csrf.is_empty() => {
            shell.csrf = t;
            jar
        }
        None if shell.csrf.is_empty() => {
            let t = crate::auth::random_token();
            shell.csrf = t.clone();
            jar.add(csrf::pre_session_cookie(t, state.config.secure_cookies()))
        }
        _ => jar,
    };
    let status = match (usable, errors.is_empty()) {
        (false, _) => StatusCode::GONE,
        (true, false) => StatusCode::UNPROCESSABLE_ENTITY,
        (true, true) => StatusCode::OK,
    };
    let mut r = html(&ResetPage {
        shell,
        token,
        usable,
        errors,
    });
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok((jar, r).into_response())
}

/// `GET /password-reset/{token}`.
pub async fn reset_form(
    State(state): State<AppState>,
    ctx: RequestContext,
    jar: CookieJar,
    Path(token): Path<String>,
) -> AppResult<Response> {
    reset_page(&state, &ctx, jar, token, Vec::new()).await
}

/// Posted reset form.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    new_password: String,
}

/// `POST /password-reset/{token}`: sets the password, ends every session, back to sign-in.
pub async fn reset(
    State(state): State<AppState>,
    ctx: RequestContext,
    jar: CookieJar,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> AppResult<Response> {
    let audit = ctx.audit();
    match credentials::reset_password(&state.db, &audit, state.now(), &token, form.new_password)
        .await
    {
        Ok(Some(_)) => Ok((
            jar.add(flash::set(flash::Flash::PasswordReset))
                .remove(axum_extra::extract::cookie::Cookie::build(sessions::COOKIE).path("/")),
            see_other("/login"),
        )
            .into_response()),
        Ok(None) => reset_page(&state, &ctx, jar, token, Vec::new()).await,
        Err(ServiceError::Invalid(errors)) => reset_page(&state, &ctx, jar, token, errors).await,
        Err(e) => Err(e.into()),
    }
}

/// The account pages.
pub fn router() -> Routes {
    Routes::new()
        .get("/account", page)
        .post("/account", save)
        .post("/account/password", change_password)
        .post("/account/sessions/revoke-all", end_all_sessions)
        .post("/account/sessions/{handle}/revoke", end_session)
        .get("/password-reset/{token}", reset_form)
        .post("/password-reset/{token}", reset)
        .post("/account/tokens", create_token)
        .get("/account/tokens/{id}/revoke", confirm_revoke)
        .post("/account/tokens/{id}/revoke", revoke_token)
}

impl TokenForm {
    fn expiry(&self, state: &AppState) -> Result<Expiry, ServiceError> {
        let cfg = &state.config.api_tokens;
        match self.expiry {
            ExpiryChoice::Default => Expiry::choose(None, false, cfg),
            ExpiryChoice::Never => Expiry::choose(None, true, cfg),
            ExpiryChoice::Days => {
                let days = self.expires_in_days.trim().parse::<i64>().map_err(|_| {
                    ServiceError::invalid("expires_in_days", "validation-token-days-range")
                })?;
                Expiry::choose(Some(days), false, cfg)
            }
        }
    }
}

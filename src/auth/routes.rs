//! Sign-in and sign-out pages.

use super::sign_in::{self, Refusal};
use super::views::LoginPage;
use super::{sessions, users::User};
use crate::i18n::Tr;
use crate::web::routing::Routes;
use crate::{
    audit::{self, AuditEntry},
    error::AppResult,
    state::AppState,
    web::{
        CsrfForm, Q, context::RequestContext, csrf, flash, found, html, safe_next, see_other,
        shell::Shell,
    },
};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use serde_json::json;

/// Query of the login page.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Posted login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Where a user lands after signing in when no `next` was given.
pub fn home_for(user: &User) -> &'static str {
    if user.is_platform {
        "/system"
    } else {
        "/admin"
    }
}

fn page(
    state: &AppState,
    ctx: &RequestContext,
    jar: CookieJar,
    status: StatusCode,
    email: String,
    next: String,
    error: Option<String>,
) -> Response {
    let mut shell = Shell::public(ctx);
    let (jar, token) = match ctx.pre_session_csrf.clone() {
        Some(token) => (jar, token),
        None => {
            let token = super::random_token();
            let cookie = csrf::pre_session_cookie(token.clone(), state.config.secure_cookies());
            (jar.add(cookie), token)
        }
    };
    shell.csrf = token;
    let mut response = html(&LoginPage {
        shell,
        email,
        next,
        error,
    });
    *response.status_mut() = status;
    (jar, response).into_response()
}

/// `GET /login`.
pub async fn login_form(
    State(state): State<AppState>,
    ctx: RequestContext,
    jar: CookieJar,
    Q(query): Q<LoginQuery>,
) -> Response {
    if let Some(identity) = ctx.identity.as_deref() {
        return found(home_for(&identity.user));
    }
    let next = safe_next(query.next.as_deref(), &state.config.public_url).unwrap_or_default();
    page(&state, &ctx, jar, StatusCode::OK, String::new(), next, None)
}

/// The login page again after a refused sign-in: the reason in the caller's language, the
/// typed e-mail kept, and `Retry-After` when throttled.
fn refused(
    state: &AppState,
    ctx: &RequestContext,
    jar: CookieJar,
    typed_email: String,
    next: String,
    refusal: Refusal,
) -> Response {
    let t = Tr(ctx.locale);
    let (status, msg) = match refusal {
        Refusal::MissingFields => (
            StatusCode::UNPROCESSABLE_ENTITY,
            t.t("login-missing-fields"),
        ),
        Refusal::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, t.t("login-invalid")),
        Refusal::Throttled {
            retry_after_seconds,
        } => (
            StatusCode::TOO_MANY_REQUESTS,
            t.t1(
                "login-throttled",
                "minutes",
                retry_after_seconds.div_ceil(60).max(1),
            ),
        ),
    };
    let mut r = page(state, ctx, jar, status, typed_email, next, Some(msg));
    if let Refusal::Throttled {
        retry_after_seconds,
    } = refusal
        && let Ok(v) = retry_after_seconds.to_string().parse()
    {
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    r
}

/// `POST /login`: throttled, enumeration-safe sign-in that rotates the session id.
pub async fn login(
    State(state): State<AppState>,
    ctx: RequestContext,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<Response> {
    let next = safe_next(Some(&form.next), &state.config.public_url).unwrap_or_default();
    let typed_email = form.email.trim().chars().take(254).collect::<String>();
    let previous = jar.get(sessions::COOKIE).map(|c| c.value().to_owned());
    let outcome = sign_in::sign_in(
        &state,
        ctx.audit(),
        &form.email,
        form.password,
        &ctx.client_ip,
        ctx.user_agent.as_deref(),
        previous.as_deref(),
    )
    .await?;
    let signed_in = match outcome {
        Ok(signed_in) => signed_in,
        Err(refusal) => return Ok(refused(&state, &ctx, jar, typed_email, next, refusal)),
    };
    let jar = with_session(&state, jar, signed_in.session_token);
    let target = if next.is_empty() {
        home_for(&signed_in.user).to_string()
    } else {
        next
    };
    Ok((jar, see_other(&target)).into_response())
}

/// `jar` with the session cookie for `token` set, and the pre-session CSRF cookie gone.
pub fn with_session(state: &AppState, jar: CookieJar, token: String) -> CookieJar {
    let cookie = Cookie::build((sessions::COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(state.config.secure_cookies())
        .same_site(SameSite::Lax)
        .build();
    jar.add(cookie)
        .remove(Cookie::build(csrf::PRE_SESSION_COOKIE).path("/"))
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    ctx: RequestContext,
    jar: CookieJar,
    _csrf: CsrfForm,
) -> AppResult<Response> {
    if let Some(identity) = ctx.identity.as_deref()
        && let super::Via::Session { token_hash, .. } = &identity.via
    {
        let now = state.now();
        let mut tx = state.db.begin().await?;
        sessions::delete(&mut tx, token_hash).await?;
        let entry =
            AuditEntry::new("auth.logout", "user", identity.user.id.to_string()).with(json!({}));
        audit::record(&mut tx, &ctx.audit(), now, entry).await?;
        tx.commit().await?;
    }
    let jar = jar
        .remove(Cookie::build(sessions::COOKIE).path("/"))
        .add(flash::set(flash::Flash::SignedOut));
    Ok((jar, see_other("/login")).into_response())
}

/// Signing in and out.
pub fn router() -> Routes {
    Routes::new()
        .get("/login", login_form)
        .post("/login", login)
        .post("/logout", logout)
}

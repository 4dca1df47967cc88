//! `GET/POST /account` (profile) and the account page's API tokens section:
//! `POST /account/tokens`, `GET/POST /account/tokens/{id}/revoke`.

use super::views::{AccountPage, NewSecret, RevokePage, token_item, when};
use super::views::{ExpiryChoice, TokenForm};
use crate::web::routing::Routes;
use crate::{
    auth::{
        tokens::{self, Expiry, Whose},
        users,
    },
    error::{AppError, AppResult, ServiceError},
    state::AppState,
    web::{
        CsrfForm,
        context::{CurrentUser, RequestContext},
        flash, form_html, html, see_other,
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

/// The page with the stored profile, the caller's tokens and empty forms.
async fn account_page(
    state: &AppState,
    ctx: &RequestContext,
    user: &users::User,
) -> AppResult<AccountPage> {
    let shell = shell_for(state, ctx, user.is_platform).await?;
    let now = state.now();
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

/// The account pages.
pub fn router() -> Routes {
    Routes::new()
        .get("/account", page)
        .post("/account", save)
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

//! `GET/POST /account`.

use crate::{
    auth::users,
    error::{AppError, AppResult, Invalid, ServiceError},
    state::AppState,
    web::{
        FormData, context::CurrentUser, context::RequestContext, flash, html, see_other,
        shell::Shell,
    },
};
use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    shell: Shell,
    email: String,
    display_name: String,
    locale: String,
    errors: Vec<Invalid>,
}

impl AccountPage {
    fn error_for(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| self.shell.t.t(e.key))
    }
}

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

/// `GET /account`.
pub async fn page(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
) -> AppResult<Response> {
    let shell = shell_for(&state, &ctx, identity.user.is_platform).await?;
    Ok(html(&AccountPage {
        shell,
        email: identity.user.email.clone(),
        display_name: identity.user.display_name.clone(),
        locale: identity.user.locale.clone().unwrap_or_default(),
        errors: Vec::new(),
    }))
}

/// `POST /account`: saves, or re-renders with field messages and the typed values kept.
pub async fn save(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    jar: CookieJar,
    FormData(form): FormData<AccountForm>,
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
            jar.add(flash::set("flash-profile-saved")),
            see_other("/account"),
        )
            .into_response()),
        Err(ServiceError::Invalid(more)) => {
            errors.extend(more);
            let shell = shell_for(&state, &ctx, identity.user.is_platform).await?;
            let mut r = html(&AccountPage {
                shell,
                email: identity.user.email.clone(),
                display_name: form.display_name,
                locale: form.locale,
                errors,
            });
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(AppError::from(e)),
    }
}

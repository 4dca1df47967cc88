//! `GET/PATCH /api/v1/me`.

use crate::{
    api::{ApiJson, problem},
    auth::users,
    error::{AppError, AppResult},
    features::workspaces,
    state::AppState,
    web::{context::CurrentUser, context::RequestContext},
};
use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// A workspace membership as `/me` lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipView {
    /// Workspace slug.
    pub workspace: String,
    /// Workspace name.
    pub name: String,
    /// Role there.
    pub role: String,
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// Sign-in address.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Preferred language, when set.
    pub locale: Option<String>,
    /// Platform operator.
    pub is_platform: bool,
    /// Workspaces the caller belongs to.
    pub workspaces: Vec<MembershipView>,
}

async fn me_view(state: &AppState, user: &users::User) -> AppResult<MeView> {
    let workspaces = workspaces::service::list_for_user(&state.db, user.id)
        .await?
        .into_iter()
        .map(|w| MembershipView {
            workspace: w.slug,
            name: w.name,
            role: w.role.as_str().to_string(),
        })
        .collect();
    Ok(MeView {
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        locale: user.locale.clone(),
        is_platform: user.is_platform,
        workspaces,
    })
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", operation_id = "get_me", tag = "me",
    responses((status = 200, description = "The caller", body = MeView), problem::Common),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(identity): CurrentUser,
) -> AppResult<Json<MeView>> {
    Ok(Json(me_view(&state, &identity.user).await?))
}

/// Profile changes; omitted fields stay as they are, `locale: null` clears the preference.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    /// New display name (at most 120 characters once trimmed); `null` keeps it.
    #[schema(schema_with = display_name_schema)]
    pub display_name: Option<String>,
    /// `en`, `de`, or `null` / empty for "follow the browser".
    #[serde(default, with = "double_option")]
    #[schema(schema_with = locale_schema)]
    pub locale: Option<Option<String>>,
}

fn display_name_schema() -> utoipa::openapi::Object {
    let mut schema = crate::validate::schema::line(120);
    schema.schema_type = utoipa::openapi::schema::SchemaType::from_iter([
        utoipa::openapi::Type::String,
        utoipa::openapi::Type::Null,
    ]);
    schema
}

fn locale_schema() -> utoipa::openapi::Object {
    let mut schema = crate::validate::schema::filter(["en", "de"]);
    schema.schema_type = utoipa::openapi::schema::SchemaType::from_iter([
        utoipa::openapi::Type::String,
        utoipa::openapi::Type::Null,
    ]);
    if let Some(values) = schema.enum_values.as_mut() {
        values.push(serde_json::Value::Null);
    }
    schema
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

/// Updates the caller's display name or language.
#[utoipa::path(patch, path = "/api/v1/me", operation_id = "update_me", tag = "me", request_body = MePatch,
    responses((status = 200, description = "The updated caller", body = MeView), problem::Common, problem::Body),
    security(("bearer" = [])))]
pub async fn patch(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    ApiJson(body): ApiJson<MePatch>,
) -> AppResult<Json<MeView>> {
    let current = &identity.user;
    let display_name = body
        .display_name
        .as_deref()
        .unwrap_or(&current.display_name);
    let locale_tag = match &body.locale {
        None => current.locale.as_deref(),
        Some(tag) => Some(tag.as_deref().unwrap_or("")),
    };
    let (locale, errors) = users::check_profile(display_name, locale_tag);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let updated = users::update_profile(
        &state.db,
        &ctx.audit(),
        state.now(),
        current.id,
        display_name,
        locale,
    )
    .await?;
    Ok(Json(me_view(&state, &updated).await?))
}

/// `/api/v1/me` and the caller's tokens.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get, patch))
        .routes(routes!(super::tokens_api::list, super::tokens_api::create))
        .routes(routes!(super::tokens_api::revoke))
}

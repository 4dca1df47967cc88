//! `GET/POST /api/v1/me/tokens`, `DELETE /api/v1/me/tokens/{id}`: the caller's own API tokens.

use crate::{
    api::{ApiJson, problem},
    auth::tokens::{self, ApiToken, Expiry, TokenState, Whose},
    error::AppResult,
    state::AppState,
    web::context::{CurrentUser, RequestContext},
};
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A token as its owner sees it; never the secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Id, for `DELETE /api/v1/me/tokens/{id}`.
    pub id: i64,
    /// Label.
    pub name: String,
    /// First characters of the secret, to tell tokens apart.
    pub prefix: String,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last use, to the minute; null = never used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Expiry; null = no expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// State now.
    pub state: TokenState,
}

impl TokenView {
    fn of(t: ApiToken, now: DateTime<Utc>) -> TokenView {
        TokenView {
            state: t.state(now),
            id: t.id,
            name: t.name,
            prefix: t.token_prefix,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// The caller's tokens, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    /// Revoked and expired ones included.
    pub items: Vec<TokenView>,
}

/// A new token. Without `expires_in_days` and `no_expiry` it lives the configured default
/// (`api_tokens.default_days`, 90 unless changed); giving both is a 422.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// Label, 1 to 80 characters once trimmed.
    #[schema(schema_with = name_schema)]
    pub name: String,
    /// Days until it expires, 1 to 3650; not together with `no_expiry: true`.
    #[serde(default, deserialize_with = "crate::api::optional_whole_number")]
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<i64>,
    /// True for a token that never expires.
    #[serde(default)]
    pub no_expiry: bool,
}

fn name_schema() -> utoipa::openapi::Object {
    crate::validate::schema::line(tokens::NAME_MAX)
}

/// The new token: `secret` is returned this once and cannot be read again.
#[derive(Serialize, ToSchema)]
pub struct CreatedTokenView {
    /// The bearer token (`tp_…`).
    pub secret: String,
    /// What is stored about it.
    pub token: TokenView,
}

/// Lists the caller's API tokens.
#[utoipa::path(get, path = "/api/v1/me/tokens", operation_id = "list_my_tokens", tag = "me",
    responses((status = 200, description = "The caller's tokens", body = TokenList), problem::Common),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(identity): CurrentUser,
) -> AppResult<Json<TokenList>> {
    let now = state.now();
    let items = tokens::list(&state.db, identity.user.id)
        .await?
        .into_iter()
        .map(|t| TokenView::of(t, now))
        .collect();
    Ok(Json(TokenList { items }))
}

/// Creates an API token for the caller; the answer carries its secret once (and `no-store`).
#[utoipa::path(post, path = "/api/v1/me/tokens", operation_id = "create_my_token", tag = "me", request_body = NewTokenBody,
    responses((status = 201, description = "The new token with its secret, shown this once", body = CreatedTokenView),
        problem::Common, problem::Body),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> AppResult<(
    StatusCode,
    [(header::HeaderName, HeaderValue); 1],
    Json<CreatedTokenView>,
)> {
    let expiry = Expiry::choose(
        body.expires_in_days,
        body.no_expiry,
        &state.config.api_tokens,
    )?;
    let now = state.now();
    let created = tokens::create(
        &state.db,
        &ctx.audit(),
        now,
        identity.user.id,
        &body.name,
        expiry,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(CreatedTokenView {
            secret: created.secret,
            token: TokenView::of(created.token, now),
        }),
    ))
}

/// Revokes one of the caller's tokens; revoking it again is also 204. Another user's token
/// id is 404, like an unknown one.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", operation_id = "revoke_my_token", tag = "me",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked (also when it already was)"), problem::Common, problem::InScope),
    security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let id = tokens::parse_id(&id)?;
    tokens::revoke(
        &state.db,
        &ctx.audit(),
        state.now(),
        Whose::User(identity.user.id),
        id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

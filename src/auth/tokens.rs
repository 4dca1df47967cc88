//! API bearer tokens: shown once at creation, stored as SHA-256, resolved per API request.

use super::{Identity, Via, random_token, token_hash, users::User};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::db::Db;
use crate::error::ServiceError;
use crate::{validate, with_db, with_tx};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// Prefix that makes our tokens recognisable to secret scanners.
pub const PREFIX: &str = "tp_";

/// Creates a token for the user with `email`; returns the plaintext, which is never stored.
pub async fn create(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    email: &str,
    name: &str,
) -> Result<String, ServiceError> {
    let mut errors = Vec::new();
    validate::text("name", name, 80, &mut errors);
    validate::finish(errors)?;
    let user = super::users::find_by_email(db, &validate::normalize_email(email))
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    let token = format!("{PREFIX}{}", random_token());
    let mut tx = db.begin().await?;
    let id: i64 = with_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, token_prefix, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(user.id)
    .bind(name.trim())
    .bind(token_hash(&token))
    .bind(&token[..PREFIX.len() + 6])
    .bind(now)
    .fetch_one(c)
    .await)?;
    audit::record(
        &mut tx,
        actx,
        now,
        AuditEntry {
            action: "api_token.created",
            workspace_id: None,
            tenant_id: None,
            target_type: "api_token",
            target_id: id.to_string(),
            metadata: json!({ "user_id": user.id, "name": name.trim() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

#[derive(sqlx::FromRow)]
struct TokenUser {
    token_id: i64,
    last_used_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    user: User,
}

/// Resolves a bearer token to its user; unknown or revoked tokens resolve to nothing.
pub async fn resolve(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Identity>, sqlx::Error> {
    if !token.starts_with(PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    let row: Option<TokenUser> = with_db!(db, |p| sqlx::query_as(
        "SELECT t.id AS token_id, t.last_used_at, u.id, u.email, u.display_name, u.is_platform,
                u.locale, u.created_at
         FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
    )
    .bind(token_hash(token))
    .fetch_optional(p)
    .await)?;
    let Some(row) = row else { return Ok(None) };
    if row
        .last_used_at
        .is_none_or(|t| now - t >= Duration::seconds(60))
    {
        with_db!(db, |p| sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2"
        )
        .bind(now)
        .bind(row.token_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(Some(Identity {
        user: row.user,
        via: Via::Token {
            token_id: row.token_id,
        },
    }))
}

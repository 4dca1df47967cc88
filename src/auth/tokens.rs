//! API bearer tokens: shown once at creation, stored as SHA-256, resolved per API request.
//! A token lives until it expires or is revoked; after either it resolves exactly like a token
//! that never existed, so a caller learns nothing from the difference.

use super::tokens_repo::{self as repo, NewRow};
use super::{Identity, Via, random_token, token_hash};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::config::ApiTokensConfig;
use crate::db::Db;
use crate::error::ServiceError;
use crate::validate;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use utoipa::ToSchema;

pub use super::tokens_repo::TokenRow as ApiToken;

/// Prefix that makes our tokens recognisable to secret scanners.
pub const PREFIX: &str = "tp_";

/// `last_used_at` is written at most once per this many seconds per token.
pub const TOUCH_INTERVAL_SECS: i64 = 60;

/// Longest token name, in characters once trimmed.
pub const NAME_MAX: usize = 80;

/// How long a new token lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Expires this many days after creation.
    Days(i64),
    /// Never expires; only ever chosen explicitly.
    Never,
}

impl Expiry {
    /// The caller's choice: a number of days, explicitly none, or neither (the configured
    /// default). Days and no expiry together, or days outside 1..=MAX_DAYS, are field errors on
    /// `expires_in_days`.
    pub fn choose(
        days: Option<i64>,
        no_expiry: bool,
        cfg: &ApiTokensConfig,
    ) -> Result<Expiry, ServiceError> {
        match (days, no_expiry) {
            (Some(_), true) => Err(ServiceError::invalid(
                "expires_in_days",
                "validation-token-expiry-conflict",
            )),
            (Some(d), false) if !(1..=ApiTokensConfig::MAX_DAYS).contains(&d) => Err(
                ServiceError::invalid("expires_in_days", "validation-token-days-range"),
            ),
            (Some(d), false) => Ok(Expiry::Days(d)),
            (None, true) => Ok(Expiry::Never),
            (None, false) => Ok(Expiry::Days(cfg.default_days)),
        }
    }

    fn at(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Expiry::Days(d) => Some(now + Duration::days(d)),
            Expiry::Never => None,
        }
    }
}

crate::text_enum!(
    /// Where a token stands at a moment.
    TokenState [ToSchema] {
        /// Accepted by the API.
        Active = "active",
        /// Past its expiry.
        Expired = "expired",
        /// Revoked by its owner or an operator.
        Revoked = "revoked",
    }
);

impl TokenState {
    /// Fluent id of the label.
    pub fn label_key(self) -> &'static str {
        match self {
            TokenState::Active => "tokens-state-active",
            TokenState::Expired => "tokens-state-expired",
            TokenState::Revoked => "tokens-state-revoked",
        }
    }
}

impl ApiToken {
    /// State at `now`; revoked wins over expired.
    pub fn state(&self, now: DateTime<Utc>) -> TokenState {
        if self.revoked_at.is_some() {
            TokenState::Revoked
        } else if self.expires_at.is_some_and(|e| e <= now) {
            TokenState::Expired
        } else {
            TokenState::Active
        }
    }
}

/// A token just created: the secret (never stored, shown this once) and its record.
/// Deliberately not `Debug`, so the secret cannot end up in a log line by accident.
pub struct CreatedToken {
    /// The plaintext bearer token.
    pub secret: String,
    /// What is stored about it.
    pub token: ApiToken,
}

/// Creates a token for `user_id`, auditing `api_token.created` in the same transaction.
pub async fn create(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    user_id: i64,
    name: &str,
    expiry: Expiry,
) -> Result<CreatedToken, ServiceError> {
    let mut errors = Vec::new();
    validate::text("name", name, NAME_MAX, &mut errors);
    validate::finish(errors)?;
    let secret = format!("{PREFIX}{}", random_token());
    let mut tx = db.begin().await?;
    let token = repo::insert(
        &mut tx,
        &NewRow {
            user_id,
            name: name.trim(),
            token_hash: &token_hash(&secret),
            token_prefix: &secret[..PREFIX.len() + 6],
            created_at: now,
            expires_at: expiry.at(now),
        },
    )
    .await?;
    let entry =
        AuditEntry::new("api_token.created", "api_token", token.id.to_string()).with(json!({
            "user_id": user_id,
            "name": token.name,
            "expires_at": token.expires_at,
        }));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(CreatedToken { secret, token })
}

/// [`create`] for the user with `email` (the CLI's way of naming the owner).
pub async fn create_for_email(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    email: &str,
    name: &str,
    expiry: Expiry,
) -> Result<CreatedToken, ServiceError> {
    let user = owner_by_email(db, email).await?;
    create(db, actx, now, user, name, expiry).await
}

async fn owner_by_email(db: &Db, email: &str) -> Result<i64, ServiceError> {
    super::users::find_by_email(db, &validate::normalize_email(email))
        .await?
        .map(|u| u.id)
        .ok_or(ServiceError::NotFound("user"))
}

/// A user's tokens, newest first, including revoked and expired ones.
pub async fn list(db: &Db, user_id: i64) -> Result<Vec<ApiToken>, sqlx::Error> {
    repo::list_for_user(db, user_id).await
}

/// The tokens of the user with `email`.
pub async fn list_for_email(db: &Db, email: &str) -> Result<Vec<ApiToken>, ServiceError> {
    let user = owner_by_email(db, email).await?;
    Ok(list(db, user).await?)
}

/// Whose token a revoke may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    /// Only this user's: another user's token id is "not found".
    User(i64),
    /// Any user's (the operator at the command line).
    Anyone,
}

impl Whose {
    fn owner(self) -> Option<i64> {
        match self {
            Whose::User(id) => Some(id),
            Whose::Anyone => None,
        }
    }
}

/// A token id from a URL; anything but a number is "not found", like an unknown id.
pub fn parse_id(raw: &str) -> Result<i64, ServiceError> {
    raw.parse().map_err(|_| ServiceError::NotFound("api_token"))
}

/// One token, if `whose` may see it.
pub async fn find(db: &Db, whose: Whose, id: i64) -> Result<Option<ApiToken>, sqlx::Error> {
    repo::find(db, id, whose.owner()).await
}

/// What a revoke did.
#[derive(Debug, Clone)]
pub enum Revoked {
    /// Revoked now (and audited).
    Now(ApiToken),
    /// It had been revoked before; nothing changed and nothing was audited.
    Already(ApiToken),
}

/// Revokes token `id`, auditing `api_token.revoked` in the same transaction.
/// `NotFound` when it does not exist or `whose` may not touch it.
pub async fn revoke(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    whose: Whose,
    id: i64,
) -> Result<Revoked, ServiceError> {
    let mut tx = db.begin().await?;
    let Some(token) = repo::revoke(&mut tx, id, whose.owner(), now).await? else {
        tx.rollback().await?;
        return match find(db, whose, id).await? {
            Some(token) => Ok(Revoked::Already(token)),
            None => Err(ServiceError::NotFound("api_token")),
        };
    };
    let entry = AuditEntry::new("api_token.revoked", "api_token", token.id.to_string())
        .with(json!({ "user_id": token.user_id, "name": token.name }));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(Revoked::Now(token))
}

/// Whether `token` can be one of ours at all (prefix and length); anything else resolves to
/// nobody without a lookup.
pub fn plausible(token: &str) -> bool {
    token.starts_with(PREFIX) && token.len() <= 128
}

/// Records the use of live token `token_id`, last used at `last_used`, at most once per
/// [`TOUCH_INTERVAL_SECS`].
pub async fn keep_fresh(
    db: &Db,
    token_id: i64,
    last_used: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let since = now - Duration::seconds(TOUCH_INTERVAL_SECS);
    if last_used.is_none_or(|t| t <= since) {
        repo::touch(db, token_id, now, since).await?;
    }
    Ok(())
}

/// Resolves a bearer token to its user. Unknown, revoked and expired tokens all resolve to
/// nothing, so the caller answers each with the same 401.
pub async fn resolve(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Identity>, sqlx::Error> {
    if !plausible(token) {
        return Ok(None);
    }
    let Some(row) = repo::find_live(db, &token_hash(token), now).await? else {
        return Ok(None);
    };
    keep_fresh(db, row.token_id, row.last_used_at, now).await?;
    Ok(Some(Identity {
        user: row.user,
        via: Via::Token {
            token_id: row.token_id,
        },
    }))
}

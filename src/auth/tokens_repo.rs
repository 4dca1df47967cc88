//! SQL of API bearer tokens; the rules live in [`super::tokens`].

use super::users::User;
use crate::db::{Db, Tx};
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};
use std::sync::LazyLock;

/// A stored token as its owner and the CLI see it (never the hash).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    /// Id, what `DELETE /api/v1/me/tokens/{id}` and `token revoke ID` take.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Label the owner gave it.
    pub name: String,
    /// The first characters of the secret, so an owner can tell tokens apart.
    pub token_prefix: String,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last request made with it, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// End of its life; `None` = no expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, user_id, name, token_prefix, created_at, last_used_at, expires_at, revoked_at";

/// The fields of a new token row.
pub struct NewRow<'a> {
    /// Owner.
    pub user_id: i64,
    /// Label.
    pub name: &'a str,
    /// SHA-256 hex of the secret.
    pub token_hash: &'a str,
    /// Visible start of the secret.
    pub token_prefix: &'a str,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Expiry, if any.
    pub expires_at: Option<DateTime<Utc>>,
}

/// SQL of [`insert`].
pub static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO api_tokens (user_id, name, token_hash, token_prefix, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    )
});

/// Stores a new token.
pub async fn insert(tx: &mut Tx, row: &NewRow<'_>) -> Result<TokenRow, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as(INSERT.as_str())
        .bind(row.user_id)
        .bind(row.name)
        .bind(row.token_hash)
        .bind(row.token_prefix)
        .bind(row.created_at)
        .bind(row.expires_at)
        .fetch_one(c)
        .await)
}

/// SQL of [`list_for_user`].
pub static LIST_FOR_USER: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC")
});

/// A user's tokens, newest first, revoked and expired ones included.
pub async fn list_for_user(db: &Db, user_id: i64) -> Result<Vec<TokenRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_FOR_USER.as_str())
        .bind(user_id)
        .fetch_all(p)
        .await)
}

/// SQL of [`find`].
pub static FIND: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1 AND ($2 IS NULL OR user_id = $2)")
});

/// One token by id, limited to `owner` when given.
pub async fn find(db: &Db, id: i64, owner: Option<i64>) -> Result<Option<TokenRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND.as_str())
        .bind(id)
        .bind(owner)
        .fetch_optional(p)
        .await)
}

/// SQL of [`revoke`].
pub static REVOKE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE api_tokens SET revoked_at = $1
         WHERE id = $2 AND ($3 IS NULL OR user_id = $3) AND revoked_at IS NULL
         RETURNING {COLUMNS}"
    )
});

/// Marks a token revoked unless it already is; returns the row when this call revoked it.
pub async fn revoke(
    tx: &mut Tx,
    id: i64,
    owner: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<TokenRow>, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as(REVOKE.as_str())
        .bind(now)
        .bind(id)
        .bind(owner)
        .fetch_optional(c)
        .await)
}

/// A live token's id, when it was last used, and its owner.
#[derive(sqlx::FromRow)]
pub struct LiveToken {
    /// Token id.
    pub token_id: i64,
    /// Last use.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Owner.
    #[sqlx(flatten)]
    pub user: User,
}

/// SQL of [`find_live`].
pub const FIND_LIVE: &str =
    "SELECT t.id AS token_id, t.last_used_at, u.id, u.email, u.display_name, u.is_platform,
                u.locale, u.created_at
         FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL
           AND (t.expires_at IS NULL OR t.expires_at > $2)";

/// The token with this hash if it is neither revoked nor expired at `now`.
pub async fn find_live(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<LiveToken>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_LIVE)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(p)
        .await)
}

/// SQL of [`touch`].
pub const TOUCH: &str = "UPDATE api_tokens SET last_used_at = $1
         WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)";

/// Records a use at `now` unless one later than `since` is already recorded, so concurrent
/// requests on many instances write at most once per interval.
pub async fn touch(
    db: &Db,
    id: i64,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    crate::execute!(db, sqlx::query(TOUCH).bind(now).bind(id).bind(since))
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("INSERT", INSERT.as_str()),
        ("LIST_FOR_USER", LIST_FOR_USER.as_str()),
        ("FIND", FIND.as_str()),
        ("REVOKE", REVOKE.as_str()),
        ("FIND_LIVE", FIND_LIVE),
        ("TOUCH", TOUCH),
    ]
}

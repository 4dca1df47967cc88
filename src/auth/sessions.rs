//! Browser sessions live in the database so any instance can serve any request. The cookie holds
//! a random token; the table holds only its SHA-256, so a database leak yields no sessions.

use super::{Identity, Via, random_token, token_hash, users::User};
use crate::config::SessionConfig;
use crate::db::{Db, Exec, Tx};
use crate::with_db;
use chrono::{DateTime, Duration, Utc};

/// Name of the session cookie.
pub const COOKIE: &str = "tp_session";

/// A freshly created session: the token goes into the cookie, never into storage.
pub struct NewSession {
    /// Cookie value.
    pub token: String,
}

/// SQL of [`create`].
pub const CREATE: &str =
    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $4, $4, $5)";

/// SQL of [`create`].
pub const CREATE_2: &str = "DELETE FROM sessions WHERE expires_at <= $1";

/// Creates a session for `user_id` (always a new id: sign-in rotates the session).
pub async fn create(
    tx: &mut Tx,
    user_id: i64,
    now: DateTime<Utc>,
    cfg: &SessionConfig,
) -> Result<NewSession, sqlx::Error> {
    let token = random_token();
    let expires = now + Duration::hours(cfg.absolute_hours);
    crate::execute!(
        &mut *tx,
        sqlx::query(CREATE)
            .bind(token_hash(&token))
            .bind(user_id)
            .bind(random_token())
            .bind(now)
            .bind(expires)
    )?;
    // Sessions past their absolute expiry are removed opportunistically at each sign-in.
    crate::execute!(&mut *tx, sqlx::query(CREATE_2).bind(now))?;
    Ok(NewSession { token })
}

#[derive(sqlx::FromRow)]
struct SessionUser {
    token_hash: String,
    csrf_token: String,
    last_seen_at: DateTime<Utc>,
    #[sqlx(flatten)]
    user: User,
}

/// SQL of [`resolve`].
pub const RESOLVE: &str =
    "SELECT s.token_hash, s.csrf_token, s.last_seen_at, u.id, u.email, u.display_name,
                u.is_platform, u.locale, u.created_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2";

/// SQL of [`resolve`].
pub const RESOLVE_2: &str = "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2";

/// Resolves a cookie token to its user, enforcing idle and absolute expiry; touches the
/// session at most once a minute so reads do not turn into writes on every request.
pub async fn resolve(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
    cfg: &SessionConfig,
) -> Result<Option<Identity>, sqlx::Error> {
    let hash = token_hash(token);
    let row: Option<SessionUser> = with_db!(db, |p| sqlx::query_as(RESOLVE)
        .bind(&hash)
        .bind(now)
        .fetch_optional(p)
        .await)?;
    let Some(row) = row else { return Ok(None) };
    if row.last_seen_at + Duration::minutes(cfg.idle_minutes) <= now {
        delete(db, &hash).await?;
        return Ok(None);
    }
    if now - row.last_seen_at >= Duration::seconds(60) {
        crate::execute!(db, sqlx::query(RESOLVE_2).bind(now).bind(&hash))?;
    }
    Ok(Some(Identity {
        user: row.user,
        via: Via::Session {
            token_hash: row.token_hash,
            csrf_token: row.csrf_token,
        },
    }))
}

/// SQL of [`delete`].
pub const DELETE: &str = "DELETE FROM sessions WHERE token_hash = $1";

/// Ends a session by its stored hash, on the pool or inside the caller's transaction (sign-out,
/// audited together).
pub async fn delete<'a>(on: impl Into<Exec<'a>>, token_hash: &str) -> Result<(), sqlx::Error> {
    crate::execute!(on, sqlx::query(DELETE).bind(token_hash))?;
    Ok(())
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("CREATE", CREATE),
        ("CREATE_2", CREATE_2),
        ("RESOLVE", RESOLVE),
        ("RESOLVE_2", RESOLVE_2),
        ("DELETE", DELETE),
    ]
}

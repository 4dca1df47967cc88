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
pub const CREATE: &str = "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at,
         last_seen_at, expires_at, user_agent, client_ip)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7)";

/// Longest `User-Agent` kept for the account page's session list, in characters.
pub const MAX_USER_AGENT: usize = 200;

/// Where a session was opened from, as the account page shows it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionOrigin<'a> {
    /// The browser's `User-Agent` (bounded to [`MAX_USER_AGENT`] when stored).
    pub user_agent: Option<&'a str>,
    /// The client address.
    pub client_ip: Option<&'a str>,
}

/// SQL of [`create`].
pub const CREATE_2: &str = "DELETE FROM sessions WHERE expires_at <= $1";

/// Creates a session for `user_id` (always a new id: sign-in rotates the session).
pub async fn create(
    tx: &mut Tx,
    user_id: i64,
    now: DateTime<Utc>,
    cfg: &SessionConfig,
    origin: SessionOrigin<'_>,
) -> Result<NewSession, sqlx::Error> {
    let token = random_token();
    let expires = now + Duration::hours(cfg.absolute_hours);
    let user_agent: Option<String> = origin.user_agent.map(|ua| {
        ua.chars()
            .filter(|c| !c.is_control())
            .take(MAX_USER_AGENT)
            .collect()
    });
    crate::execute!(
        &mut *tx,
        sqlx::query(CREATE)
            .bind(token_hash(&token))
            .bind(user_id)
            .bind(random_token())
            .bind(now)
            .bind(expires)
            .bind(user_agent)
            .bind(origin.client_ip)
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
    if !keep_alive(db, &hash, row.last_seen_at, now, cfg).await? {
        return Ok(None);
    }
    Ok(Some(Identity {
        user: row.user,
        via: Via::Session {
            token_hash: row.token_hash,
            csrf_token: row.csrf_token,
        },
    }))
}

/// Applies idle expiry to a session found live by its absolute expiry, last seen at
/// `last_seen`: false (and the session deleted) once idle for `cfg.idle_minutes`; otherwise
/// true, touching it when its last touch is a minute old or more.
pub async fn keep_alive(
    db: &Db,
    token_hash: &str,
    last_seen: DateTime<Utc>,
    now: DateTime<Utc>,
    cfg: &SessionConfig,
) -> Result<bool, sqlx::Error> {
    if last_seen + Duration::minutes(cfg.idle_minutes) <= now {
        delete(db, token_hash).await?;
        return Ok(false);
    }
    if now - last_seen >= Duration::seconds(60) {
        crate::execute!(db, sqlx::query(RESOLVE_2).bind(now).bind(token_hash))?;
    }
    Ok(true)
}

/// SQL of [`delete`].
pub const DELETE: &str = "DELETE FROM sessions WHERE token_hash = $1";

/// Ends a session by its stored hash, on the pool or inside the caller's transaction (sign-out,
/// audited together).
pub async fn delete<'a>(on: impl Into<Exec<'a>>, token_hash: &str) -> Result<(), sqlx::Error> {
    crate::execute!(on, sqlx::query(DELETE).bind(token_hash))?;
    Ok(())
}

/// A browser session as its user sees it on the account page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionInfo {
    /// First 16 hex characters of the stored token hash: names the session in forms and URLs
    /// without revealing anything that signs in (the hash itself cannot).
    pub handle: String,
    /// Browser it was opened from.
    pub user_agent: Option<String>,
    /// Address it was opened from.
    pub client_ip: Option<String>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// Its last request, to the minute.
    pub last_seen_at: DateTime<Utc>,
}

/// Characters of the token hash that make a session's handle.
pub const HANDLE_CHARS: usize = 16;

/// The handle of the session whose token hashes to `token_hash`.
pub fn handle_of(token_hash: &str) -> &str {
    token_hash.get(..HANDLE_CHARS).unwrap_or(token_hash)
}

/// SQL of [`list_for_user`].
pub const LIST_FOR_USER: &str = "SELECT substr(token_hash, 1, 16) AS handle, user_agent,
         client_ip, created_at, last_seen_at FROM sessions
         WHERE user_id = $1 AND expires_at > $2 AND last_seen_at > $3
         ORDER BY last_seen_at DESC, created_at DESC LIMIT 100";

/// The user's live sessions, most recently used first (at most 100).
pub async fn list_for_user(
    db: &Db,
    user_id: i64,
    now: DateTime<Utc>,
    cfg: &SessionConfig,
) -> Result<Vec<SessionInfo>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_FOR_USER)
        .bind(user_id)
        .bind(now)
        .bind(now - Duration::minutes(cfg.idle_minutes))
        .fetch_all(p)
        .await)
}

/// SQL of [`delete_by_handle`].
pub const DELETE_BY_HANDLE: &str =
    "DELETE FROM sessions WHERE user_id = $1 AND substr(token_hash, 1, 16) = $2";

/// Ends the user's session named `handle`; false when they have none by that name.
pub async fn delete_by_handle(
    tx: &mut Tx,
    user_id: i64,
    handle: &str,
) -> Result<bool, sqlx::Error> {
    let n = crate::execute!(
        &mut *tx,
        sqlx::query(DELETE_BY_HANDLE).bind(user_id).bind(handle)
    )?;
    Ok(n > 0)
}

/// SQL of [`delete_all_for_user`].
pub const DELETE_ALL_FOR_USER: &str =
    "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2";

/// Ends every session of the user except the one whose hash is `keep` (pass `""` to end all);
/// returns how many ended.
pub async fn delete_all_for_user(
    tx: &mut Tx,
    user_id: i64,
    keep: &str,
) -> Result<u64, sqlx::Error> {
    crate::execute!(
        &mut *tx,
        sqlx::query(DELETE_ALL_FOR_USER).bind(user_id).bind(keep)
    )
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
        ("LIST_FOR_USER", LIST_FOR_USER),
        ("DELETE_BY_HANDLE", DELETE_BY_HANDLE),
        ("DELETE_ALL_FOR_USER", DELETE_ALL_FOR_USER),
    ]
}

//! Login throttling per account and per client address, stored in the database so every
//! instance enforces the same limit. Unknown accounts are throttled like known ones, so the
//! throttle never reveals which addresses are registered.

use crate::config::ThrottleConfig;
use crate::db::Db;
use crate::with_db;
use chrono::{DateTime, Duration, Utc};

/// SQL of [`check`].
pub const CHECK: &str = "SELECT
            (SELECT COUNT(*) FROM login_failures WHERE account_key = $1 AND attempted_at > $3),
            (SELECT COUNT(*) FROM login_failures WHERE client_ip = $2 AND attempted_at > $3),
            (SELECT MIN(attempted_at) FROM login_failures
              WHERE (account_key = $1 OR client_ip = $2) AND attempted_at > $3)";

/// Whether another attempt is allowed now, or after how many seconds.
pub async fn check(
    db: &Db,
    account_key: &str,
    client_ip: &str,
    now: DateTime<Utc>,
    cfg: &ThrottleConfig,
) -> Result<Option<u64>, sqlx::Error> {
    let since = now - Duration::minutes(cfg.window_minutes);
    let (account, ip, oldest): (i64, i64, Option<DateTime<Utc>>) =
        with_db!(db, |p| sqlx::query_as(CHECK)
            .bind(account_key)
            .bind(client_ip)
            .bind(since)
            .fetch_one(p)
            .await)?;
    if account >= cfg.max_account_failures || ip >= cfg.max_ip_failures {
        let free_at = oldest.unwrap_or(now) + Duration::minutes(cfg.window_minutes);
        let wait = (free_at - now).num_seconds().max(1);
        return Ok(Some(wait as u64));
    }
    Ok(None)
}

/// SQL of [`record_failure`].
pub const RECORD_FAILURE: &str =
    "INSERT INTO login_failures (account_key, client_ip, attempted_at) VALUES ($1, $2, $3)";

/// SQL of [`record_failure`].
pub const RECORD_FAILURE_2: &str = "DELETE FROM login_failures WHERE attempted_at <= $1";

/// Records a failed attempt and forgets failures older than the window.
pub async fn record_failure(
    db: &Db,
    account_key: &str,
    client_ip: &str,
    now: DateTime<Utc>,
    cfg: &ThrottleConfig,
) -> Result<(), sqlx::Error> {
    crate::execute!(
        db,
        sqlx::query(RECORD_FAILURE)
            .bind(account_key)
            .bind(client_ip)
            .bind(now)
    )?;
    crate::execute!(
        db,
        sqlx::query(RECORD_FAILURE_2).bind(now - Duration::minutes(cfg.window_minutes))
    )?;
    Ok(())
}

/// SQL of [`clear_account`].
pub const CLEAR_ACCOUNT: &str = "DELETE FROM login_failures WHERE account_key = $1";

/// Forgets an account's failures after a successful sign-in.
pub async fn clear_account(db: &Db, account_key: &str) -> Result<(), sqlx::Error> {
    crate::execute!(db, sqlx::query(CLEAR_ACCOUNT).bind(account_key))?;
    Ok(())
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("CHECK", CHECK),
        ("RECORD_FAILURE", RECORD_FAILURE),
        ("RECORD_FAILURE_2", RECORD_FAILURE_2),
        ("CLEAR_ACCOUNT", CLEAR_ACCOUNT),
    ]
}

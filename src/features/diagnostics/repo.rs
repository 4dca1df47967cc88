//! SQL for diagnostics: looking up the audited opening a preview URL refers to. (The tenant's
//! connection with its newest report, what a bundle decides from, is the providers repo's.)

use crate::db::Db;
use crate::with_db;
use chrono::{DateTime, Utc};

/// SQL of [`find_open`].
pub const FIND_OPEN: &str = "SELECT occurred_at FROM audit_events
         WHERE id = $1 AND actor_user_id = $2 AND action = 'support_diagnostics.opened'
           AND target_type = $3 AND target_id = $4";

/// When user `user_id` opened diagnostics for `target_type`/`target_id` in audit row `id`, if
/// that row is such an opening; `None` otherwise (someone else's, another target, not an open).
pub async fn find_open(
    db: &Db,
    id: i64,
    user_id: i64,
    target_type: &str,
    target_id: &str,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(FIND_OPEN)
        .bind(id)
        .bind(user_id)
        .bind(target_type)
        .bind(target_id)
        .fetch_optional(p)
        .await)
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![("FIND_OPEN", FIND_OPEN)]
}

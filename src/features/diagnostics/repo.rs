//! SQL for diagnostics: looking up the audited opening a preview URL refers to.

use crate::db::Db;
use crate::with_db;
use chrono::{DateTime, Utc};

/// When user `user_id` opened diagnostics for `target_type`/`target_id` in audit row `id`, if
/// that row is such an opening; `None` otherwise (someone else's, another target, not an open).
pub async fn find_open(
    db: &Db,
    id: i64,
    user_id: i64,
    target_type: &str,
    target_id: &str,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(
        "SELECT occurred_at FROM audit_events
         WHERE id = $1 AND actor_user_id = $2 AND action = 'support_diagnostics.opened'
           AND target_type = $3 AND target_id = $4"
    )
    .bind(id)
    .bind(user_id)
    .bind(target_type)
    .bind(target_id)
    .fetch_optional(p)
    .await)
}

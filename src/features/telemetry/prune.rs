//! Retention: deletes ledger rows older than the window, in bounded batches (being built).

use crate::db::Db;
use chrono::{DateTime, Utc};

/// Deletes ledger rows older than `days` before `now`; returns how many went.
pub async fn prune(
    _db: &Db,
    _days: i64,
    _batch_size: i64,
    _now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    Ok(0)
}

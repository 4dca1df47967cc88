//! SQL of the ledger's retention on PostgreSQL: its partitions and the batched delete by time
//! range that suits them (SQLite has no partitions and keeps the batches of [`super::repo`]; see
//! [`super::partitions`]). The DDL itself lives in functions of migration 15
//! (`product_usage_partitions.ensure_day` and the steps of a drop, whose order its comments
//! explain), so each statement here is a fixed text with binds like every other repo statement.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

/// SQL of [`ensure_day`].
pub const ENSURE_DAY: &str = "SELECT product_usage_partitions.ensure_day($1)";

/// Creates the partition of `day`, moving that day's rows out of the default partition;
/// whether this call created it (false: it, or its month's, existed).
pub async fn ensure_day(pool: &PgPool, day: NaiveDate) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(ENSURE_DAY)
        .bind(day)
        .fetch_one(pool)
        .await
}

/// SQL of [`detach`].
pub const DETACH: &str = "SELECT product_usage_partitions.detach($1)";

/// Detaches the partition `name` from the ledger; whether this call did (false: absent or
/// already detached). Fails with lock_not_available when the ledger's lock stays busy.
pub async fn detach(pool: &PgPool, name: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(DETACH).bind(name).fetch_one(pool).await
}

/// SQL of [`drop_detached`].
pub const DROP_DETACHED: &str = "SELECT product_usage_partitions.drop_detached($1)";

/// Counts and drops the detached partition `name` (refused while it has foreign keys, which
/// migration 16 removed); the rows it held (0 when absent).
pub async fn drop_detached(pool: &PgPool, name: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(DROP_DETACHED)
        .bind(name)
        .fetch_one(pool)
        .await
}

/// SQL of [`partitions`].
pub const PARTITIONS: &str = "SELECT c.relname::text,
                EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid
                        AND i.inhparent = 'public.product_usage_events'::regclass)
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'product_usage_partitions' AND c.relkind = 'r'
           AND c.relname ~ '^events_[0-9]{4}_[0-9]{2}(_[0-9]{2})?$'";

/// Every day and month table of the partition schema (not the default partition), in no
/// order, with whether it is attached to the ledger (false: a drop was interrupted).
pub async fn partitions(pool: &PgPool) -> Result<Vec<(String, bool)>, sqlx::Error> {
    sqlx::query_as(PARTITIONS).fetch_all(pool).await
}

/// SQL of [`oldest_before`].
pub const OLDEST_BEFORE: &str =
    "SELECT MIN(occurred_at) FROM product_usage_events WHERE occurred_at < $1";

/// Time of the oldest row before `cutoff`, if any.
pub async fn oldest_before(
    pool: &PgPool,
    cutoff: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar(OLDEST_BEFORE)
        .bind(cutoff)
        .fetch_one(pool)
        .await
}

/// SQL of [`batch_end`].
pub const BATCH_END: &str = "SELECT occurred_at FROM product_usage_events
         WHERE occurred_at >= $1 AND occurred_at < $2
         ORDER BY occurred_at OFFSET $3 LIMIT 1";

/// Time of the row after the first `batch` rows of `[from, cutoff)` in time order (`None`: the
/// range holds at most `batch`).
pub async fn batch_end(
    pool: &PgPool,
    from: DateTime<Utc>,
    cutoff: DateTime<Utc>,
    batch: i64,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar(BATCH_END)
        .bind(from)
        .bind(cutoff)
        .bind(batch)
        .fetch_optional(pool)
        .await
}

/// SQL of [`delete_range`].
pub const DELETE_RANGE: &str =
    "DELETE FROM product_usage_events WHERE occurred_at >= $1 AND occurred_at < $2";

/// Deletes the rows with `from <= occurred_at < to`; how many.
pub async fn delete_range(
    pool: &PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(DELETE_RANGE)
        .bind(from)
        .bind(to)
        .execute(pool)
        .await?
        .rows_affected())
}

/// Every statement above by name, for the test that prepares each on PostgreSQL.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("ENSURE_DAY", ENSURE_DAY),
        ("DETACH", DETACH),
        ("DROP_DETACHED", DROP_DETACHED),
        ("PARTITIONS", PARTITIONS),
        ("OLDEST_BEFORE", OLDEST_BEFORE),
        ("BATCH_END", BATCH_END),
        ("DELETE_RANGE", DELETE_RANGE),
    ]
}

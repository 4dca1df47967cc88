//! SQL of the ledger's retention on PostgreSQL: its monthly partitions and the batched delete
//! by time range that suits them (SQLite has no partitions and keeps the batches of
//! [`super::repo`]; see [`super::partitions`]). The DDL itself lives in the two functions migration 13 defines
//! (`product_usage_partitions.ensure_month` / `drop_month`), so each statement here is a fixed
//! text with binds like every other repo statement.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

/// SQL of [`ensure_month`].
pub const ENSURE_MONTH: &str = "SELECT product_usage_partitions.ensure_month($1)";

/// Creates the partition of the month `month` lies in, moving that month's rows out of the
/// default partition; whether this call created it (false: it existed).
pub async fn ensure_month(pool: &PgPool, month: NaiveDate) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(ENSURE_MONTH)
        .bind(month)
        .fetch_one(pool)
        .await
}

/// SQL of [`drop_month`].
pub const DROP_MONTH: &str = "SELECT product_usage_partitions.drop_month($1)";

/// Detaches and drops the partition of the month `month` lies in; the rows it held (0 when
/// there was none).
pub async fn drop_month(pool: &PgPool, month: NaiveDate) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(DROP_MONTH)
        .bind(month)
        .fetch_one(pool)
        .await
}

/// SQL of [`months`].
pub const MONTHS: &str = "SELECT to_date(substr(c.relname, 8), 'YYYY_MM')
         FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE i.inhparent = 'public.product_usage_events'::regclass AND c.relkind = 'r'
           AND n.nspname = 'product_usage_partitions' AND c.relname ~ '^events_[0-9]{4}_[0-9]{2}$'
         ORDER BY 1";

/// First day of every month that has a partition, oldest first (not the default partition).
pub async fn months(pool: &PgPool) -> Result<Vec<NaiveDate>, sqlx::Error> {
    sqlx::query_scalar(MONTHS).fetch_all(pool).await
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
        ("ENSURE_MONTH", ENSURE_MONTH),
        ("DROP_MONTH", DROP_MONTH),
        ("MONTHS", MONTHS),
        ("OLDEST_BEFORE", OLDEST_BEFORE),
        ("BATCH_END", BATCH_END),
        ("DELETE_RANGE", DELETE_RANGE),
    ]
}

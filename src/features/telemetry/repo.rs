//! SQL of the telemetry ledger and its two rollups.
//!
//! * `product_usage_events`: one row per event (the ledger).
//! * `product_usage_hourly`: events per UTC hour and event name, for family counts and the
//!   daily chart (a 30-day window reads at most 720 × 5 rows instead of millions of events).
//! * `product_usage_workspace_days`: which workspaces had events on a UTC day, with the first
//!   and last event time that day, so distinct active workspaces of a window that starts and
//!   ends inside a day are still exact.
//!
//! Both rollups are written in the same transaction as the ledger row and trimmed by the same
//! cutoff as the ledger, so they always describe exactly the rows the ledger holds.

use super::model::{UsageEvent, day_start, hour_floor};
use crate::db::{Db, Tx};
use crate::{with_db, with_tx};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::types::Json;

/// SQL of [`insert`].
pub const INSERT: &str =
    "INSERT INTO product_usage_events (workspace_id, tenant_id, actor_user_id, event_name,
            feature_area, subject_type, subject_id, metadata, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";

/// SQL of [`insert`].
pub const INSERT_2: &str =
    "INSERT INTO product_usage_hourly (bucket_start, day, event_name, events)
         VALUES ($1, $2, $3, 1)
         ON CONFLICT (bucket_start, event_name)
         DO UPDATE SET events = product_usage_hourly.events + 1";

/// SQL of [`insert`].
pub const INSERT_3: &str =
    "INSERT INTO product_usage_workspace_days (day, workspace_id, first_at, last_at)
         VALUES ($1, $2, $3, $3)
         ON CONFLICT (day, workspace_id) DO UPDATE SET
            first_at = CASE WHEN excluded.first_at < product_usage_workspace_days.first_at
                            THEN excluded.first_at ELSE product_usage_workspace_days.first_at END,
            last_at = CASE WHEN excluded.last_at > product_usage_workspace_days.last_at
                           THEN excluded.last_at ELSE product_usage_workspace_days.last_at END
         WHERE excluded.first_at < product_usage_workspace_days.first_at
            OR excluded.last_at > product_usage_workspace_days.last_at";

/// Writes the ledger row and bumps both rollups; returns the row id.
pub async fn insert(tx: &mut Tx, ev: &UsageEvent) -> Result<i64, sqlx::Error> {
    let metadata = ev.metadata.to_json();
    let id: i64 = with_tx!(tx, |c| sqlx::query_scalar(INSERT)
        .bind(ev.workspace_id)
        .bind(ev.tenant_id)
        .bind(ev.actor_user_id)
        .bind(ev.event.name())
        .bind(ev.event.feature_area())
        .bind(ev.subject_type)
        .bind(ev.subject_id.to_string())
        .bind(Json(&metadata))
        .bind(ev.occurred_at)
        .fetch_one(c)
        .await)?;
    crate::execute!(
        &mut *tx,
        sqlx::query(INSERT_2)
            .bind(hour_floor(ev.occurred_at))
            .bind(ev.occurred_at.date_naive())
            .bind(ev.event.name())
    )?;
    crate::execute!(
        &mut *tx,
        sqlx::query(INSERT_3)
            .bind(ev.occurred_at.date_naive())
            .bind(ev.workspace_id)
            .bind(ev.occurred_at)
    )?;
    Ok(id)
}

/// SQL of [`hourly_by_day`].
pub const HOURLY_BY_DAY: &str =
    "SELECT day, event_name, CAST(SUM(events) AS BIGINT) FROM product_usage_hourly
         WHERE bucket_start >= $1 AND bucket_start < $2 GROUP BY day, event_name";

/// Events per UTC day and event name over the hourly buckets with
/// `from <= bucket_start < to` (both on the hour).
pub async fn hourly_by_day(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(NaiveDate, String, i64)>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(HOURLY_BY_DAY)
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await)
}

/// SQL of [`counts_between`].
pub const COUNTS_BETWEEN: &str = "SELECT event_name, COUNT(*) FROM product_usage_events
         WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY event_name";

/// Ledger counts per event name with `from <= occurred_at < to` (used for the partial hours
/// at the window's edges, so at most two hours of rows).
pub async fn counts_between(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(COUNTS_BETWEEN)
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await)
}

/// SQL of [`active_workspaces`].
pub const ACTIVE_WORKSPACES: &str =
    "SELECT COUNT(DISTINCT workspace_id) FROM product_usage_workspace_days
         WHERE day >= $1 AND day <= $2 AND last_at >= $3 AND first_at < $4";

/// Distinct workspaces with an event in `[from, to)`, from the day rollup. Exact when `from`
/// and `to` lie on different days (`first_day` = day of `from`, `last_day` = day of the last
/// instant before `to`): on the first day a workspace counts if its last event is at or after
/// `from`, on the last day if its first event is before `to`, in between if it has a row.
pub async fn active_workspaces(
    db: &Db,
    first_day: NaiveDate,
    last_day: NaiveDate,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(ACTIVE_WORKSPACES)
        .bind(first_day)
        .bind(last_day)
        .bind(from)
        .bind(to)
        .fetch_one(p)
        .await)
}

/// SQL of [`active_workspaces_between`].
pub const ACTIVE_WORKSPACES_BETWEEN: &str =
    "SELECT COUNT(DISTINCT workspace_id) FROM product_usage_events
         WHERE occurred_at >= $1 AND occurred_at < $2";

/// Distinct workspaces with an event in `[from, to)`, from the ledger (windows inside one day).
pub async fn active_workspaces_between(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(ACTIVE_WORKSPACES_BETWEEN)
        .bind(from)
        .bind(to)
        .fetch_one(p)
        .await)
}

/// SQL of [`delete_batch`].
pub const DELETE_BATCH: &str = "DELETE FROM product_usage_events WHERE id IN (
                SELECT id FROM product_usage_events
                WHERE occurred_at >= $1 AND occurred_at < $2
                ORDER BY occurred_at LIMIT $3)
             RETURNING occurred_at";

/// SQL of [`delete_batch`].
pub const DELETE_BATCH_2: &str = "DELETE FROM product_usage_events WHERE id IN (
                SELECT id FROM product_usage_events
                WHERE occurred_at < $1
                ORDER BY occurred_at LIMIT $2)
             RETURNING occurred_at";

/// Deletes up to `limit` of the oldest ledger rows with `occurred_at < cutoff` (and at or
/// after `after`, where an earlier batch stopped, so each batch starts where the last one
/// ended instead of rescanning deleted index entries). Returns the deleted rows' times.
pub async fn delete_batch(
    db: &Db,
    after: Option<DateTime<Utc>>,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<DateTime<Utc>>, sqlx::Error> {
    match after {
        Some(after) => with_db!(db, |p| sqlx::query_scalar(DELETE_BATCH)
            .bind(after)
            .bind(cutoff)
            .bind(limit)
            .fetch_all(p)
            .await),
        None => with_db!(db, |p| sqlx::query_scalar(DELETE_BATCH_2)
            .bind(cutoff)
            .bind(limit)
            .fetch_all(p)
            .await),
    }
}

/// SQL of [`prune_rollups`].
pub const PRUNE_ROLLUPS: &str = "DELETE FROM product_usage_hourly WHERE bucket_start < $1";

/// SQL of [`prune_rollups`].
pub const PRUNE_ROLLUPS_2: &str = "DELETE FROM product_usage_hourly WHERE bucket_start = $1";

/// SQL of [`prune_rollups`].
pub const PRUNE_ROLLUPS_3: &str =
    "INSERT INTO product_usage_hourly (bucket_start, day, event_name, events)
             SELECT $1, $3, event_name, COUNT(*) FROM product_usage_events
             WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY event_name";

/// SQL of [`prune_rollups`].
pub const PRUNE_ROLLUPS_4: &str = "DELETE FROM product_usage_workspace_days WHERE day < $1";

/// SQL of [`prune_rollups`].
pub const PRUNE_ROLLUPS_5: &str = "DELETE FROM product_usage_workspace_days WHERE day = $1";

/// SQL of [`prune_rollups`].
pub const PRUNE_ROLLUPS_6: &str =
    "INSERT INTO product_usage_workspace_days (day, workspace_id, first_at, last_at)
             SELECT $1, workspace_id, MIN(occurred_at), MAX(occurred_at)
             FROM product_usage_events
             WHERE occurred_at >= $2 AND occurred_at < $3 GROUP BY workspace_id";

/// Trims both rollups to the ledger after a prune at `cutoff`: buckets and days entirely before
/// the cutoff go, and the one hour and the one day the cutoff falls inside are recounted from
/// the ledger rows that remain. One transaction, so readers see the old or the new state.
pub async fn prune_rollups(db: &Db, cutoff: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let hour = hour_floor(cutoff);
    let day = cutoff.date_naive();
    let day_from = day_start(day);
    let mut tx = db.begin().await?;
    crate::execute!(&mut tx, sqlx::query(PRUNE_ROLLUPS).bind(hour))?;
    if hour < cutoff {
        crate::execute!(&mut tx, sqlx::query(PRUNE_ROLLUPS_2).bind(hour))?;
        crate::execute!(
            &mut tx,
            sqlx::query(PRUNE_ROLLUPS_3)
                .bind(hour)
                .bind(hour + Duration::hours(1))
                .bind(hour.date_naive())
        )?;
    }
    crate::execute!(&mut tx, sqlx::query(PRUNE_ROLLUPS_4).bind(day))?;
    if day_from < cutoff {
        crate::execute!(&mut tx, sqlx::query(PRUNE_ROLLUPS_5).bind(day))?;
        crate::execute!(
            &mut tx,
            sqlx::query(PRUNE_ROLLUPS_6)
                .bind(day)
                .bind(day_from)
                .bind(day_from + Duration::days(1))
        )?;
    }
    tx.commit().await
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("INSERT", INSERT),
        ("INSERT_2", INSERT_2),
        ("INSERT_3", INSERT_3),
        ("HOURLY_BY_DAY", HOURLY_BY_DAY),
        ("COUNTS_BETWEEN", COUNTS_BETWEEN),
        ("ACTIVE_WORKSPACES", ACTIVE_WORKSPACES),
        ("ACTIVE_WORKSPACES_BETWEEN", ACTIVE_WORKSPACES_BETWEEN),
        ("DELETE_BATCH", DELETE_BATCH),
        ("DELETE_BATCH_2", DELETE_BATCH_2),
        ("PRUNE_ROLLUPS", PRUNE_ROLLUPS),
        ("PRUNE_ROLLUPS_2", PRUNE_ROLLUPS_2),
        ("PRUNE_ROLLUPS_3", PRUNE_ROLLUPS_3),
        ("PRUNE_ROLLUPS_4", PRUNE_ROLLUPS_4),
        ("PRUNE_ROLLUPS_5", PRUNE_ROLLUPS_5),
        ("PRUNE_ROLLUPS_6", PRUNE_ROLLUPS_6),
    ]
}

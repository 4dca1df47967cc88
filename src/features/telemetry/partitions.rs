//! Monthly partitions of the telemetry ledger on PostgreSQL (issue 17): a prune drops every
//! month that lies entirely before its cutoff instead of deleting those rows one by one, which
//! wrote gigabytes of WAL and forced checkpoints that slowed every writer on the server.
//!
//! Months are created ahead of time: the current month and [`MONTHS_AHEAD`] after it, by every
//! instance at start-up ([`crate::jobs::spawn`]) and by each prune, so the recorder's rows
//! (written at the current time) always find their month. A row of a month without a partition
//! (back-dated, or after a long outage of every instance) lands in the default partition; it is
//! moved into its month when that month is created, and pruned by the batched delete until
//! then. On SQLite every function here does nothing: it keeps the batched delete alone.

use super::partitions_repo as repo;
use crate::db::Db;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use sqlx::PgPool;

/// Months created after the current one, so a month never starts without its partition even
/// when no instance runs for a while.
pub const MONTHS_AHEAD: u32 = 2;

/// Attempts per month to drop: a drop waits at most 2 s for the writers' lock (then gives up
/// rather than queue them all behind it) and is tried again after a pause.
const DROP_ATTEMPTS: u32 = 3;

/// What [`drop_before`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Whole months dropped.
    pub months: u32,
    /// Rows they held.
    pub rows: u64,
}

/// First day of the month `day` lies in.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// First day of the month after the one `month` lies in.
fn next_month(month: NaiveDate) -> NaiveDate {
    month_of(month)
        .checked_add_months(Months::new(1))
        .unwrap_or(NaiveDate::MAX)
}

/// Start of the month `month` lies in, as an instant (UTC midnight).
fn month_start(month: NaiveDate) -> DateTime<Utc> {
    super::model::day_start(month_of(month))
}

/// Months of `[from, to]` (both any day of their month), oldest first.
pub fn months_between(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut m = month_of(from);
    while m <= to {
        out.push(m);
        m = next_month(m);
    }
    out
}

/// Creates the partition of each month of `[from, to]` that has none; returns how many this
/// call created. Safe to run from several instances at once.
pub async fn ensure_between(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<u32, sqlx::Error> {
    match db {
        Db::Sqlite(_) => Ok(0),
        Db::Postgres(pool) => {
            let mut created = 0;
            for month in months_between(from, to) {
                created += u32::from(repo::ensure_month(pool, month).await?);
            }
            Ok(created)
        }
    }
}

/// Creates the current month of `now` and the [`MONTHS_AHEAD`] after it where missing.
pub async fn ensure_ahead(db: &Db, now: DateTime<Utc>) -> Result<u32, sqlx::Error> {
    let this = month_of(now.date_naive());
    let last = this
        .checked_add_months(Months::new(MONTHS_AHEAD))
        .unwrap_or(this);
    ensure_between(db, this, last).await
}

/// The months of `months` whose every instant is before `cutoff`.
fn entirely_before(months: &[NaiveDate], cutoff: DateTime<Utc>) -> Vec<NaiveDate> {
    months
        .iter()
        .copied()
        .filter(|m| month_start(next_month(*m)) <= cutoff)
        .collect()
}

/// Drops every month partition that lies entirely before `cutoff` (all its rows have
/// `occurred_at < cutoff`). A month whose lock stays busy is left to the batched delete that
/// follows in [`super::prune::prune_with`], so the result is the same either way.
pub async fn drop_before(pool: &PgPool, cutoff: DateTime<Utc>) -> Result<Dropped, sqlx::Error> {
    let mut dropped = Dropped::default();
    for month in entirely_before(&repo::months(pool).await?, cutoff) {
        let mut attempt = 1;
        loop {
            match repo::drop_month(pool, month).await {
                Ok(rows) => {
                    dropped.months += 1;
                    dropped.rows += rows.max(0) as u64;
                    break;
                }
                Err(e) if is_lock_timeout(&e) && attempt < DROP_ATTEMPTS => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
                Err(e) if is_lock_timeout(&e) => {
                    tracing::warn!(%month, "telemetry partition stayed locked; its rows go by the batched delete");
                    break;
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(dropped)
}

/// Deletes the rows with `occurred_at < cutoff` that no dropped month took, oldest first, in
/// time ranges of about `batch` rows (each its own short transaction, with the same pause as
/// the SQLite batches); returns how many went. A range ends before the time of the first row
/// past the batch, so rows sharing one instant stay together (more than `batch` of them at
/// the range's start go in one statement).
pub async fn delete_batches(
    pool: &PgPool,
    cutoff: DateTime<Utc>,
    batch: i64,
    pause_ratio: f64,
) -> Result<u64, sqlx::Error> {
    let Some(mut from) = repo::oldest_before(pool, cutoff).await? else {
        return Ok(0);
    };
    let mut deleted = 0;
    loop {
        let started = std::time::Instant::now();
        let next = repo::batch_end(pool, from, cutoff, batch).await?;
        let to = match next {
            Some(t) if t == from => from + Duration::microseconds(1),
            Some(t) => t,
            None => cutoff,
        };
        deleted += repo::delete_range(pool, from, to).await?;
        if next.is_none() {
            return Ok(deleted);
        }
        from = to;
        super::model::pause_after(started, pause_ratio).await;
    }
}

/// PostgreSQL's lock_not_available (the drop's `lock_timeout` ran out).
fn is_lock_timeout(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("55P03"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_span_year_ends() {
        assert_eq!(
            months_between(d(2026, 11, 30), d(2027, 1, 1)),
            vec![d(2026, 11, 1), d(2026, 12, 1), d(2027, 1, 1)]
        );
        assert_eq!(
            months_between(d(2026, 3, 5), d(2026, 3, 31)),
            vec![d(2026, 3, 1)]
        );
        assert!(months_between(d(2026, 4, 1), d(2026, 3, 31)).is_empty());
    }

    #[test]
    fn only_months_ending_at_or_before_the_cutoff_are_whole() {
        let months = [d(2026, 9, 1), d(2026, 10, 1), d(2026, 11, 1)];
        let at = |m, day, h| Utc.with_ymd_and_hms(2026, m, day, h, 0, 0).unwrap();
        // The cutoff on a month boundary: the month ending there goes whole.
        assert_eq!(
            entirely_before(&months, at(11, 1, 0)),
            vec![d(2026, 9, 1), d(2026, 10, 1)]
        );
        // Inside a month: that month stays for the batched delete.
        assert_eq!(
            entirely_before(&months, at(10, 31, 23)),
            vec![d(2026, 9, 1)]
        );
        assert!(entirely_before(&months, at(9, 30, 0)).is_empty());
    }
}

//! Partitions of the telemetry ledger on PostgreSQL (issue 17): a prune drops every partition
//! that lies entirely before its cutoff instead of deleting those rows one by one, which wrote
//! gigabytes of WAL and forced checkpoints that slowed every writer on the server.
//!
//! A partition holds one UTC day (migration 15). Months partitioned before that version and
//! holding rows stay whole until they expire; a day inside such a month belongs to it. A drop
//! is two short steps ([`drop_partition`]), so that the ledger's lock, which the writers need,
//! is not held while the partition's files are freed: migration 13's one-transaction drop of a
//! month held it (and, through the foreign keys the ledger had then, those of tenants,
//! workspaces and users) through the truncation of about 100 MB at its commit, and stalled
//! every writer for 20-60 ms. Since migration 16 the ledger has no foreign keys, so no step
//! touches those tables at all. Days rather than months, because the freeing itself still
//! competes with the writers' WAL flushes on the same disk, for a time that grows with the
//! files.
//!
//! Days are created ahead of time: the current day and [`DAYS_AHEAD`] after it, by every
//! instance at start-up ([`crate::jobs::spawn`]) and by each prune, so the recorder's rows
//! (written at the current time) always find their day. A row of a day without a partition
//! (back-dated, or after a long outage of every instance) lands in the default partition; it is
//! moved into its day when that day is created, and pruned by the batched delete until then.
//! On SQLite every function here does nothing: it keeps the batched delete alone.

use super::partitions_repo as repo;
use crate::db::Db;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use sqlx::PgPool;

/// Days created after the current one, so a day never starts without its partition even when
/// no instance runs for a while (the daily prune creates one more each day).
pub const DAYS_AHEAD: u32 = 14;

/// Attempts per step of a drop: a step waits at most 200 ms for a lock (then gives up rather
/// than queue the writers behind it, and before a lock cycle could make a writer the deadlock's
/// victim) and is tried again a second later.
const DROP_ATTEMPTS: u32 = 3;

/// What [`drop_before`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Whole partitions dropped (days, and months from before day partitions).
    pub partitions: u32,
    /// Rows they held.
    pub rows: u64,
}

/// One partition of the ledger, by the span of time it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Partition {
    /// `events_YYYY_MM`, from the first day of its month: made before migration 15.
    Month(NaiveDate),
    /// `events_YYYY_MM_DD`.
    Day(NaiveDate),
}

impl Partition {
    /// The partition a table name of the partition schema stands for (`None`: the default
    /// partition, or a name not of this scheme).
    pub fn from_name(name: &str) -> Option<Self> {
        let rest = name.strip_prefix("events_")?;
        match rest.len() {
            7 => NaiveDate::parse_from_str(&format!("{rest}_01"), "%Y_%m_%d")
                .ok()
                .map(Partition::Month),
            10 => NaiveDate::parse_from_str(rest, "%Y_%m_%d")
                .ok()
                .map(Partition::Day),
            _ => None,
        }
    }

    /// Its table's name in the partition schema.
    pub fn name(self) -> String {
        match self {
            Partition::Month(m) => m.format("events_%Y_%m").to_string(),
            Partition::Day(d) => d.format("events_%Y_%m_%d").to_string(),
        }
    }

    /// First instant after it (UTC midnight).
    pub fn end(self) -> DateTime<Utc> {
        super::model::day_start(match self {
            Partition::Month(m) => next_month(m),
            Partition::Day(d) => d.succ_opt().unwrap_or(NaiveDate::MAX),
        })
    }
}

/// First day of the month `day` lies in.
fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// First day of the month after the one `month` lies in.
fn next_month(month: NaiveDate) -> NaiveDate {
    month_of(month)
        .checked_add_months(Months::new(1))
        .unwrap_or(NaiveDate::MAX)
}

/// Creates the partition of each day of `[from, to]` that has none (neither its own nor its
/// month's); returns how many this call created. Safe to run from several instances at once.
/// Each day is its own short transaction: writers of the ledger wait while a day is attached.
pub async fn ensure_between(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<u32, sqlx::Error> {
    match db {
        Db::Sqlite(_) => Ok(0),
        Db::Postgres(pool) => {
            let mut created = 0;
            for day in from.iter_days().take_while(|d| *d <= to) {
                created += u32::from(repo::ensure_day(pool, day).await?);
            }
            Ok(created)
        }
    }
}

/// Creates the current day of `now` and the [`DAYS_AHEAD`] after it where missing.
pub async fn ensure_ahead(db: &Db, now: DateTime<Utc>) -> Result<u32, sqlx::Error> {
    let today = now.date_naive();
    let last = today + Duration::days(i64::from(DAYS_AHEAD));
    ensure_between(db, today, last).await
}

/// The partitions of `tables` (name, attached) to drop for `cutoff`, oldest first: every
/// attached one whose every instant is before `cutoff`, and every detached one (an interrupted
/// drop).
fn to_drop(tables: &[(String, bool)], cutoff: DateTime<Utc>) -> Vec<Partition> {
    let mut out: Vec<Partition> = tables
        .iter()
        .filter_map(|(name, attached)| {
            Partition::from_name(name).filter(|p| !attached || p.end() <= cutoff)
        })
        .collect();
    out.sort_by_key(|p| p.end());
    out
}

/// Drops every partition that lies entirely before `cutoff` (all its rows have
/// `occurred_at < cutoff`), oldest first, pausing `pause_ratio` times a drop's own time after
/// it so that a backlog's file-system work does not come in one burst. A partition whose lock
/// stays busy is left attached to the batched delete that follows in
/// [`super::prune::prune_with`], so the result is the same either way.
pub async fn drop_before(
    pool: &PgPool,
    cutoff: DateTime<Utc>,
    pause_ratio: f64,
) -> Result<Dropped, sqlx::Error> {
    let mut dropped = Dropped::default();
    let doomed = to_drop(&repo::partitions(pool).await?, cutoff);
    let last = doomed.len().saturating_sub(1);
    for (i, partition) in doomed.into_iter().enumerate() {
        let started = std::time::Instant::now();
        let name = partition.name();
        let (rows, finished) = drop_partition(pool, &name).await?;
        dropped.rows += rows;
        if finished {
            dropped.partitions += 1;
        } else {
            tracing::warn!(partition = %name, "telemetry partition stayed locked; the next prune finishes it (its rows go by the batched delete while it is attached)");
        }
        if i < last {
            super::model::pause_after(started, pause_ratio).await;
        }
    }
    Ok(dropped)
}

/// The steps of migration 15 that drop the partition `name` (detach; count and drop), each its
/// own transaction, so the ledger's lock is not held while its files are freed. Returns the
/// rows it held and whether it is gone; when a step's lock stays busy it stops there, and the
/// next prune goes on from that step. (Migration 15's step between them, dropping the detached
/// table's foreign keys, has nothing left to do since migration 16.)
async fn drop_partition(pool: &PgPool, name: &str) -> Result<(u64, bool), sqlx::Error> {
    if retrying(|| repo::detach(pool, name)).await?.is_none() {
        return Ok((0, false));
    }
    Ok(match retrying(|| repo::drop_detached(pool, name)).await? {
        Some(rows) => (rows.max(0) as u64, true),
        None => (0, false),
    })
}

/// Runs `step` up to [`DROP_ATTEMPTS`] times while it fails for a busy lock, a second apart;
/// `None` when every attempt did.
async fn retrying<T, F, Fut>(mut step: F) -> Result<Option<T>, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, sqlx::Error>>,
{
    for attempt in 1..=DROP_ATTEMPTS {
        match step().await {
            Ok(v) => return Ok(Some(v)),
            Err(e) if is_lock_timeout(&e) => {
                if attempt < DROP_ATTEMPTS {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// Deletes the rows with `occurred_at < cutoff` that no dropped partition took, oldest first, in
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
    fn names_stand_for_days_and_months() {
        for p in [
            Partition::Day(d(2026, 12, 31)),
            Partition::Day(d(2027, 2, 28)),
            Partition::Month(d(2026, 11, 1)),
        ] {
            assert_eq!(Partition::from_name(&p.name()), Some(p), "{}", p.name());
        }
        assert_eq!(Partition::Day(d(2026, 3, 5)).name(), "events_2026_03_05");
        assert_eq!(Partition::Month(d(2026, 3, 1)).name(), "events_2026_03");
        for other in [
            "events_default",
            "events_2026_13",
            "events_2026_02_30",
            "runs_2026_01",
        ] {
            assert_eq!(Partition::from_name(other), None, "{other}");
        }
        let midnight = |y, m, day| Utc.with_ymd_and_hms(y, m, day, 0, 0, 0).unwrap();
        assert_eq!(Partition::Day(d(2026, 12, 31)).end(), midnight(2027, 1, 1));
        assert_eq!(Partition::Month(d(2026, 12, 1)).end(), midnight(2027, 1, 1));
    }

    #[test]
    fn only_partitions_ending_at_or_before_the_cutoff_are_whole() {
        let tables: Vec<(String, bool)> = [
            "events_2026_11_02",
            "events_2026_09",
            "events_default",
            "events_2026_11_01",
            "events_2026_10",
        ]
        .map(|n| (n.to_string(), true))
        .to_vec();
        let at = |m, day, h| Utc.with_ymd_and_hms(2026, m, day, h, 0, 0).unwrap();
        // The cutoff on a day boundary: the day ending there goes whole, oldest first.
        assert_eq!(
            to_drop(&tables, at(11, 2, 0)),
            vec![
                Partition::Month(d(2026, 9, 1)),
                Partition::Month(d(2026, 10, 1)),
                Partition::Day(d(2026, 11, 1)),
            ]
        );
        // Inside a day or a month: it stays for the batched delete.
        assert_eq!(
            to_drop(&tables, at(11, 1, 23)),
            vec![
                Partition::Month(d(2026, 9, 1)),
                Partition::Month(d(2026, 10, 1))
            ]
        );
        assert_eq!(
            to_drop(&tables, at(10, 31, 23)),
            vec![Partition::Month(d(2026, 9, 1))]
        );
        assert!(to_drop(&tables, at(9, 30, 0)).is_empty());
        // A table an interrupted drop left detached goes whatever the cutoff.
        let mut left = tables.clone();
        left.push(("events_2026_12_24".into(), false));
        assert_eq!(
            to_drop(&left, at(9, 30, 0)),
            vec![Partition::Day(d(2026, 12, 24))]
        );
    }
}

//! Retention: removes ledger rows older than the window, then trims the rollups to the same
//! cutoff. On PostgreSQL whole days (and older whole months) before the cutoff go as partitions
//! ([`super::partitions`]); the rest (the day the cutoff falls in, the default partition, and
//! everything on SQLite) goes in bounded batches. Nothing else is touched: audit rows, runs,
//! reports and packs keep their own lifecycles.

use super::{partitions, repo};
use crate::db::Db;
use chrono::{DateTime, Duration, Utc};

/// How a prune paces itself.
#[derive(Debug, Clone, Copy)]
pub struct PruneOptions {
    /// Rows per `DELETE` (each is its own short transaction).
    pub batch_size: i64,
    /// Pause after each batch and each dropped partition, as a fraction of the time it took
    /// (0 = none): keeps a large prune from starving the writers that share the database.
    pub pause_ratio: f64,
}

/// Pause after each batch and each dropped partition used by [`prune`]: as long as the step
/// took, so a prune uses at most half of the database's time and leaves room for writers
/// sharing it. Deleting 10,000,000 rows
/// in batches on a quiet 2-core PostgreSQL still raised a concurrent writer's p99 to 2.5× its
/// idle value (2.3× with a pause ratio of 3): the WAL volume and checkpoints, not lock waits,
/// dominate; hence the partitions there. A daily prune deletes about one day of events, so the
/// pause costs seconds.
pub const DEFAULT_PAUSE_RATIO: f64 = 1.0;

/// What a prune removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Whole partitions dropped (PostgreSQL only).
    pub dropped: partitions::Dropped,
    /// Rows deleted in batches.
    pub deleted: u64,
}

impl Pruned {
    /// Ledger rows removed in all.
    pub fn rows(&self) -> u64 {
        self.dropped.rows + self.deleted
    }
}

/// Deletes ledger rows older than `days` before `now`; returns how many went. A row exactly at
/// the cutoff (`now - days`) stays. Used by the daily job and `tenantpilot product-usage prune`;
/// on PostgreSQL it first creates the partitions of the coming days where missing.
pub async fn prune(
    db: &Db,
    days: i64,
    batch_size: i64,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    partitions::ensure_ahead(db, now).await?;
    let pruned = prune_with(
        db,
        now - Duration::days(days.max(1)),
        PruneOptions {
            batch_size,
            pause_ratio: DEFAULT_PAUSE_RATIO,
        },
    )
    .await?;
    Ok(pruned.rows())
}

/// Removes ledger rows with `occurred_at < cutoff`, then trims the rollups to the cutoff.
///
/// * SQLite: deletes them in batches of `options.batch_size`, oldest first, each batch starting
///   at the time where the previous one stopped (so no batch walks over the index entries its
///   predecessors deleted).
/// * PostgreSQL: drops the partitions entirely before the cutoff, then deletes the rest (the
///   cutoff's day or month, the default partition) in batches by time range
///   ([`partitions::delete_batches`]: an `id IN (…)` batch would make the planner scan every
///   partition).
///
/// A row written *during* the prune with a time older than the batch position (only
/// back-dated writes could do that; the recorder writes at the current time) is left for the
/// next prune.
pub async fn prune_with(
    db: &Db,
    cutoff: DateTime<Utc>,
    options: PruneOptions,
) -> Result<Pruned, sqlx::Error> {
    let batch = options.batch_size.max(1);
    let (dropped, deleted) = match db {
        Db::Sqlite(_) => (
            partitions::Dropped::default(),
            delete_batches(db, cutoff, batch, options.pause_ratio).await?,
        ),
        Db::Postgres(pool) => (
            partitions::drop_before(pool, cutoff, options.pause_ratio).await?,
            partitions::delete_batches(pool, cutoff, batch, options.pause_ratio).await?,
        ),
    };
    repo::prune_rollups(db, cutoff).await?;
    Ok(Pruned { dropped, deleted })
}

/// The batched delete (SQLite); returns the rows deleted.
async fn delete_batches(
    db: &Db,
    cutoff: DateTime<Utc>,
    batch: i64,
    pause_ratio: f64,
) -> Result<u64, sqlx::Error> {
    let mut deleted: u64 = 0;
    let mut after: Option<DateTime<Utc>> = None;
    loop {
        let started = std::time::Instant::now();
        let times = repo::delete_batch(db, after, cutoff, batch).await?;
        deleted += times.len() as u64;
        let full = times.len() as i64 >= batch;
        match times.into_iter().max() {
            Some(max) if full => after = Some(max),
            _ => break,
        }
        super::model::pause_after(started, pause_ratio).await;
    }
    Ok(deleted)
}

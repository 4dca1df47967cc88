//! Retention: deletes ledger rows older than the window, in bounded batches, then trims the
//! rollups to the same cutoff. Nothing else is touched: audit rows, runs, reports and packs
//! keep their own lifecycles.

use super::repo;
use crate::db::Db;
use chrono::{DateTime, Duration, Utc};

/// How a prune paces itself.
#[derive(Debug, Clone, Copy)]
pub struct PruneOptions {
    /// Rows per `DELETE` (each is its own short transaction).
    pub batch_size: i64,
    /// Pause after each batch, as a fraction of the time the batch took (0 = none): keeps a
    /// large prune from starving the writers that share the database.
    pub pause_ratio: f64,
}

/// Pause after each batch used by [`prune`]: as long as the batch took, so a prune uses at most
/// half of the database's time and leaves room for writers sharing it. Pruning 10,000,000 rows
/// on a quiet 2-core machine still raised a concurrent writer's p99 to 2.5× its idle value
/// (2.3× with a pause ratio of 3): the WAL volume and checkpoints, not lock waits, dominate.
/// A daily prune deletes about one day of events, so the pause costs seconds.
pub const DEFAULT_PAUSE_RATIO: f64 = 1.0;

/// Deletes ledger rows older than `days` before `now`; returns how many went. A row exactly at
/// the cutoff (`now - days`) stays. Used by the daily job and `tenantpilot product-usage prune`.
pub async fn prune(
    db: &Db,
    days: i64,
    batch_size: i64,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    prune_with(
        db,
        now - Duration::days(days.max(1)),
        PruneOptions {
            batch_size,
            pause_ratio: DEFAULT_PAUSE_RATIO,
        },
    )
    .await
}

/// Deletes ledger rows with `occurred_at < cutoff` in batches of `options.batch_size`, oldest
/// first, each batch starting at the time where the previous one stopped (so no batch walks
/// over the index entries its predecessors deleted); then trims the rollups to the cutoff.
///
/// A row written *during* the prune with a time older than the batch position (only
/// back-dated writes could do that; the recorder writes at the current time) is left for the
/// next prune.
pub async fn prune_with(
    db: &Db,
    cutoff: DateTime<Utc>,
    options: PruneOptions,
) -> Result<u64, sqlx::Error> {
    let batch = options.batch_size.max(1);
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
        if options.pause_ratio > 0.0 {
            tokio::time::sleep(started.elapsed().mul_f64(options.pause_ratio)).await;
        }
    }
    repo::prune_rollups(db, cutoff).await?;
    Ok(deleted)
}

//! `tenantpilot-bench telemetry`: proves the telemetry speed targets on PostgreSQL, where they
//! matter (many instances, millions of events), instead of with timed assertions in tests.
//!
//! 1. Creates (or with `--reuse` keeps) a database whose name must contain `bench`, migrates it
//!    and bulk-loads workspaces, tenants, users and `--events` ledger rows spread over
//!    `--days` days with set-based SQL, then builds the rollups from them exactly as the
//!    recorder would have.
//! 2. Times `summarize` for the 30-day window (median and p99 over `--runs` runs) against
//!    the naive alternative, a `GROUP BY` over the raw ledger, and checks both give the same
//!    numbers. Target: < 50 ms and at least 20× faster.
//! 3. Loads `--expired` rows older than the retention window, then prunes them while a writer
//!    task records events through the real recorder at `--writer-rate` events per second, and
//!    compares the writer's latency before and during the prune. Target (issue 17): p99 during
//!    ≤ 1.5× idle, with the ledger partitioned by day, so the prune drops the whole expired
//!    days and deletes only the rest of the cutoff's day in batches. Afterwards it checks
//!    that the rollups still equal the ledger.
//!
//! It measures library functions, not HTTP, so it runs them in this process (no server).
//! The phases live in [`load`], [`summary`], [`prune`] and [`report`].

mod load;
mod prune;
mod report;
mod summary;

use crate::target::{BenchTarget, pg_pool};
use anyhow::bail;
use chrono::{DateTime, Duration, DurationRound, Utc};
use sqlx::PgPool;
use std::time::Instant;
use tenantpilot::db::{Db, migrate};

/// Benchmark options.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// PostgreSQL URL of the benchmark database; its name must contain `bench` (it is dropped
    /// and recreated unless `--reuse` finds it loaded with the same sizes).
    #[arg(long)]
    pub database_url: String,
    /// Ledger rows inside the measured history.
    #[arg(long, default_value_t = 10_000_000)]
    pub events: i64,
    /// Days the measured history is spread over (ending now).
    #[arg(long, default_value_t = 120)]
    pub days: i64,
    /// Tenants the events belong to.
    #[arg(long, default_value_t = 1000)]
    pub tenants: i64,
    /// Workspaces the tenants are spread over.
    #[arg(long, default_value_t = 200)]
    pub workspaces: i64,
    /// Expired rows (older than the retention) loaded for the prune phase.
    #[arg(long, default_value_t = 10_000_000)]
    pub expired: i64,
    /// Measured `summarize` runs.
    #[arg(long, default_value_t = 50)]
    pub runs: usize,
    /// Measured runs of the raw `GROUP BY` baseline (each scans millions of rows).
    #[arg(long, default_value_t = 5)]
    pub baseline_runs: usize,
    /// Rows per prune batch.
    #[arg(long, default_value_t = 10_000)]
    pub batch_size: i64,
    /// Pause after each prune batch and each dropped partition, as a fraction of its own time
    /// (default: what `prune` and the daily job use).
    #[arg(long, default_value_t = tenantpilot::features::telemetry::prune::DEFAULT_PAUSE_RATIO)]
    pub pause_ratio: f64,
    /// Events per second the writer records during the prune phase.
    #[arg(long, default_value_t = 200)]
    pub writer_rate: u32,
    /// Seconds the writer runs alone before and again after the prune (the idle baseline).
    #[arg(long, default_value_t = 30)]
    pub idle_secs: u64,
    /// Keep an existing, already loaded database (the expired rows are reloaded each run).
    #[arg(long)]
    pub reuse: bool,
}

/// Retention the prune phase uses: the measured history (`--days`) stays, the expired rows
/// (older than this) go.
pub(crate) fn retention_days(args: &BenchArgs) -> i64 {
    args.days + 5
}

/// Milliseconds of a duration.
pub(crate) fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `p`-th percentile (0–100) of `samples` (nearest rank).
pub(crate) fn percentile(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * s.len() as f64).ceil().max(1.0) as usize;
    s[rank.min(s.len()) - 1]
}

pub(crate) fn step(phase: &str, started: Instant) {
    println!("  {phase:<52} {:>9.2} s", started.elapsed().as_secs_f64());
}

/// Runs the whole benchmark.
pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if args.events < 1 || args.tenants < 1 || args.workspaces < 1 || args.days < 31 {
        bail!("--events, --tenants and --workspaces must be at least 1 and --days at least 31");
    }
    if args.runs == 0 || args.baseline_runs == 0 || args.batch_size < 1 || args.writer_rate == 0 {
        bail!("--runs, --baseline-runs, --batch-size and --writer-rate must be at least 1");
    }
    let target = BenchTarget::parse(&args.database_url)?;
    println!(
        "telemetry benchmark database {} ({} events over {} days, {} tenants in {} workspaces)",
        target.db_name, args.events, args.days, args.tenants, args.workspaces
    );
    let (db, anchor) = prepare(&target, args).await?;
    let pool = pg_pool(&db)?;

    let summary = summary::bench_summary(&db, &pool, args, anchor).await?;
    let prune = prune::bench_prune(&db, &pool, args, anchor).await?;
    report::report(args, &summary, &prune);
    db.close().await;
    Ok(())
}

/// Creates or reuses the database; returns the pool and the time the history ends at.
async fn prepare(target: &BenchTarget, args: &BenchArgs) -> anyhow::Result<(Db, DateTime<Utc>)> {
    let (admin, admin_pool) = target.admin().await?;
    let exists = target.exists(&admin_pool).await?;
    if exists && args.reuse {
        let db = Db::connect(&target.url).await?;
        if let Db::Postgres(pool) = &db
            && let Some(anchor) = loaded_anchor(pool, args).await?
        {
            println!("reusing {} (loaded with the same sizes)", target.db_name);
            migrate::run(&db).await?;
            admin.close().await;
            return Ok((db, anchor));
        }
        println!(
            "{} is not loaded with these sizes; recreating it",
            target.db_name
        );
        db.close().await;
    }
    println!("loading:");
    let started = Instant::now();
    target.recreate(&admin_pool, exists).await?;
    admin.close().await;
    step("create database", started);
    let db = Db::connect(&target.url).await?;
    let started = Instant::now();
    migrate::run(&db).await?;
    step("migrate", started);
    let pool = pg_pool(&db)?;
    let anchor = Utc::now().duration_trunc(Duration::seconds(1))?;
    // The days of the history have their partitions, as in production.
    tenantpilot::features::telemetry::partitions::ensure_between(
        &db,
        (anchor - Duration::days(args.days)).date_naive(),
        anchor.date_naive(),
    )
    .await?;
    load::load_history(&pool, args, anchor).await?;
    Ok((db, anchor))
}

/// The history's end time, when the database holds exactly the requested sizes.
async fn loaded_anchor(pool: &PgPool, args: &BenchArgs) -> anyhow::Result<Option<DateTime<Utc>>> {
    let meta: Option<(DateTime<Utc>, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT anchor, events, days, tenants, workspaces FROM telemetry_bench_meta LIMIT 1",
    )
    .fetch_optional(pool)
    .await
    .unwrap_or(None);
    Ok(match meta {
        Some((anchor, events, days, tenants, workspaces))
            if (events, days, tenants, workspaces)
                == (args.events, args.days, args.tenants, args.workspaces) =>
        {
            Some(anchor)
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&[3.0], 99.0), 3.0);
    }
}

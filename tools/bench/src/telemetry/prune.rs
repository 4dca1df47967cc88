//! The telemetry benchmark's prune phase: expired rows pruned in batches while a writer records
//! events through the real recorder, and the writer's latency before, during and after.

use super::{BenchArgs, ms, percentile, retention_days, step};
use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Instant,
};
use tenantpilot::{
    db::Db,
    features::telemetry::{
        catalog::Event,
        partitions,
        prune::{PruneOptions, prune_with},
        recorder::{MetaValue, Metadata, TenantRef, UsageEvent, record},
    },
};

/// Results of the prune phase.
pub(super) struct PruneResult {
    /// Checkpoints and MiB of WAL the server wrote during the prune.
    pub(super) server: (i64, f64),
    pub(super) expired_loaded: i64,
    /// Partitions the prune dropped whole, and the rows they held.
    pub(super) dropped_partitions: u32,
    pub(super) dropped_rows: u64,
    /// Rows the prune deleted in batches (the cutoff's day, the default partition).
    pub(super) batch_deleted: u64,
    pub(super) deleted: u64,
    /// Partitions entirely before the cutoff holding rows before the prune (the control: they
    /// existed).
    pub(super) expired_partitions: usize,
    pub(super) prune_secs: f64,
    pub(super) idle_ms: Vec<f64>,
    pub(super) during_ms: Vec<f64>,
    pub(super) writer_errors: usize,
    pub(super) consistent: bool,
    pub(super) old_left: i64,
}

/// Records events through the recorder at `rate` per second until `stop`; returns latencies.
fn writer(
    db: Db,
    tenants: Vec<(i64, i64)>,
    actor: i64,
    rate: u32,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(Vec<f64>, usize)> {
    tokio::spawn(async move {
        let mut interval =
            tokio::time::interval(std::time::Duration::from_secs_f64(1.0 / f64::from(rate)));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut latencies = Vec::new();
        let mut errors = 0;
        let mut i: usize = 0;
        while !stop.load(Ordering::Relaxed) {
            interval.tick().await;
            let (workspace_id, tenant_id) = tenants[i % tenants.len()];
            i += 1;
            let t = Instant::now();
            let result = async {
                let metadata = Metadata::new(Event::OperationsStarted)
                    .with(
                        "operation_type",
                        MetaValue::TypeName("inventory.sync".into()),
                    )
                    .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
                let event = UsageEvent::new(
                    metadata,
                    Some(TenantRef {
                        workspace_id,
                        tenant_id,
                    }),
                    Some(actor),
                    "operation_run",
                    i as i64,
                    Utc::now(),
                )
                .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
                let mut tx = db.begin().await?;
                record(&mut tx, &event).await?;
                tx.commit().await
            }
            .await;
            match result {
                Ok(()) => latencies.push(ms(t.elapsed())),
                Err(_) => errors += 1,
            }
        }
        (latencies, errors)
    })
}

/// Checkpoints so far and the current WAL position in bytes, to report what a prune costs the
/// server beyond its own statements.
async fn server_counters(pool: &PgPool) -> anyhow::Result<(i64, f64)> {
    Ok(sqlx::query_as(
        "SELECT (checkpoints_timed + checkpoints_req)::bigint,
                pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8
         FROM pg_stat_bgwriter",
    )
    .fetch_one(pool)
    .await?)
}

/// Partitions (not the default one) holding rows of the days entirely before `cutoff`: the ones
/// the prune should drop whole.
async fn expired_partitions(pool: &PgPool, cutoff: DateTime<Utc>) -> anyhow::Result<usize> {
    let whole_before = cutoff
        .date_naive()
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT tableoid::regclass::text FROM product_usage_events
         WHERE occurred_at < $1 AND tableoid::regclass::text <> 'product_usage_partitions.events_default'",
    )
    .bind(whole_before)
    .fetch_all(pool)
    .await?;
    Ok(names.len())
}

/// Loads expired rows and prunes them under a steady writer.
pub(super) async fn bench_prune(
    db: &Db,
    pool: &PgPool,
    args: &BenchArgs,
    anchor: DateTime<Utc>,
) -> anyhow::Result<PruneResult> {
    println!("prune:");
    let keep = retention_days(args);
    let cutoff = anchor - Duration::days(keep);
    // Leftovers of an earlier, interrupted run.
    prune_with(
        db,
        cutoff,
        PruneOptions {
            batch_size: 50_000,
            pause_ratio: 0.0,
        },
    )
    .await?;
    let expired_to = cutoff - Duration::days(5);
    let expired_from = expired_to - Duration::days(270);
    // As in production, where each day got its partition ahead of time.
    let created =
        partitions::ensure_between(db, expired_from.date_naive(), expired_to.date_naive()).await?;
    println!("  {created} day partitions created for the expired rows");
    super::load::load_events(pool, args.expired, expired_from, expired_to, "expired").await?;
    let expired_loaded: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM product_usage_events WHERE occurred_at < $1")
            .bind(cutoff)
            .fetch_one(pool)
            .await?;
    let expired_partitions = expired_partitions(pool, cutoff).await?;
    let tenants: Vec<(i64, i64)> =
        sqlx::query_as("SELECT workspace_id, id FROM tenants ORDER BY id")
            .fetch_all(pool)
            .await?;
    let actor: i64 = sqlx::query_scalar("SELECT MIN(id) FROM users")
        .fetch_one(pool)
        .await?;
    sqlx::query("CHECKPOINT").execute(pool).await?;

    let idle_alone = |label: &'static str| {
        let (db, tenants) = (db.clone(), tenants.clone());
        async move {
            let stop = Arc::new(AtomicBool::new(false));
            let idle = writer(db, tenants, actor, args.writer_rate, stop.clone());
            tokio::time::sleep(std::time::Duration::from_secs(args.idle_secs)).await;
            stop.store(true, Ordering::Relaxed);
            let (ms, errors) = idle.await?;
            println!(
                "  writer alone {label}: {} events, p99 {:.2} ms",
                ms.len(),
                percentile(&ms, 99.0)
            );
            anyhow::Ok((ms, errors))
        }
    };
    let (mut idle_ms, mut idle_errors) = idle_alone("before the prune").await?;

    let stop = Arc::new(AtomicBool::new(false));
    let during = writer(
        db.clone(),
        tenants.clone(),
        actor,
        args.writer_rate,
        stop.clone(),
    );
    let server_before = server_counters(pool).await?;
    let started = Instant::now();
    let deleted = prune_with(
        db,
        cutoff,
        PruneOptions {
            batch_size: args.batch_size,
            pause_ratio: args.pause_ratio,
        },
    )
    .await;
    let prune_secs = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let (during_ms, during_errors) = during.await?;
    let server_after = server_counters(pool).await?;
    let pruned = deleted?;
    let deleted = pruned.rows();
    println!(
        "  pruned {deleted} rows in {prune_secs:.1} s: {} partitions dropped ({} rows), {} rows deleted in batches",
        pruned.dropped.partitions, pruned.dropped.rows, pruned.deleted
    );
    let server = (
        server_after.0 - server_before.0,
        (server_after.1 - server_before.1) / (1024.0 * 1024.0),
    );

    // The idle baseline is taken before and after the prune (after a vacuum, so the dead rows
    // the prune left do not count against it), so background load on a shared machine weighs
    // on both sides of the comparison alike.
    let started = Instant::now();
    sqlx::query("VACUUM ANALYZE product_usage_events")
        .execute(pool)
        .await?;
    step("vacuum after the prune", started);
    let (after_ms, after_errors) = idle_alone("after the prune").await?;
    idle_ms.extend(after_ms);
    idle_errors += after_errors;

    let old_left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM product_usage_events WHERE occurred_at < $1")
            .bind(cutoff)
            .fetch_one(pool)
            .await?;
    let ledger: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM product_usage_events")
        .fetch_one(pool)
        .await?;
    let rolled: i64 =
        sqlx::query_scalar("SELECT COALESCE(SUM(events), 0)::bigint FROM product_usage_hourly")
            .fetch_one(pool)
            .await?;
    let stale_days: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM product_usage_workspace_days WHERE last_at < $1")
            .bind(cutoff)
            .fetch_one(pool)
            .await?;
    Ok(PruneResult {
        server,
        expired_loaded,
        dropped_partitions: pruned.dropped.partitions,
        dropped_rows: pruned.dropped.rows,
        batch_deleted: pruned.deleted,
        deleted,
        expired_partitions,
        prune_secs,
        idle_ms,
        during_ms,
        writer_errors: idle_errors + during_errors,
        consistent: ledger == rolled && stale_days == 0,
        old_left,
    })
}

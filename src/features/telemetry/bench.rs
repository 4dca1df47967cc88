//! `tenantpilot bench-telemetry`: proves the telemetry speed targets on PostgreSQL, where they
//! matter (many instances, millions of events), instead of with timed assertions in tests.
//!
//! 1. Creates (or with `--reuse` keeps) a database whose name must contain `bench`, migrates it
//!    and bulk-loads workspaces, tenants, users and `--events` ledger rows spread over
//!    `--days` days with set-based SQL, then builds the rollups from them exactly as the
//!    recorder would have.
//! 2. Times [`summarize`] for the 30-day window (median and p99 over `--runs` runs) against
//!    the naive alternative, a `GROUP BY` over the raw ledger, and checks both give the same
//!    numbers. Target: < 50 ms and at least 20× faster.
//! 3. Loads `--expired` rows older than the retention window, then prunes them while a writer
//!    task records events through the real recorder at `--writer-rate` events per second, and
//!    compares the writer's latency before and during the prune. Target: p99 during ≤ 2× idle.
//!    Afterwards it checks that the rollups still equal the ledger.

use super::catalog::Event;
use super::prune::{PruneOptions, prune_with};
use super::recorder::{MetaValue, Metadata, TenantRef, UsageEvent, record};
use super::summary::{TelemetrySummary, summarize};
use crate::bench::BenchTarget;
use crate::console_window::ConsoleWindow;
use crate::db::{Db, migrate};
use anyhow::{Context, bail};
use chrono::{DateTime, Duration, DurationRound, Utc};
use sqlx::{AssertSqlSafe, PgPool};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

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
    /// Pause after each prune batch, as a fraction of the batch's own time (default: what
    /// `prune` and the daily job use).
    #[arg(long, default_value_t = super::prune::DEFAULT_PAUSE_RATIO)]
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
fn retention_days(args: &BenchArgs) -> i64 {
    args.days + 5
}

/// Milliseconds of a duration.
fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `p`-th percentile (0–100) of `samples` (nearest rank).
fn percentile(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * s.len() as f64).ceil().max(1.0) as usize;
    s[rank.min(s.len()) - 1]
}

fn step(phase: &str, started: Instant) {
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
    let Db::Postgres(pool) = &db else {
        bail!("the benchmark needs PostgreSQL");
    };
    let pool = pool.clone();

    let summary = bench_summary(&db, &pool, args, anchor).await?;
    let prune = bench_prune(&db, &pool, args, anchor).await?;
    report(args, &summary, &prune);
    db.close().await;
    Ok(())
}

/// Creates or reuses the database; returns the pool and the time the history ends at.
async fn prepare(target: &BenchTarget, args: &BenchArgs) -> anyhow::Result<(Db, DateTime<Utc>)> {
    let admin = Db::connect(&target.admin_url)
        .await
        .with_context(|| format!("connecting to {}", crate::db::redact_url(&target.admin_url)))?;
    let Db::Postgres(admin_pool) = &admin else {
        bail!("the benchmark needs PostgreSQL");
    };
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&target.db_name)
            .fetch_one(admin_pool)
            .await?;
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
    if exists {
        sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE \"{}\" WITH (FORCE)",
            target.db_name
        )))
        .execute(admin_pool)
        .await?;
    }
    sqlx::query(AssertSqlSafe(format!(
        "CREATE DATABASE \"{}\"",
        target.db_name
    )))
    .execute(admin_pool)
    .await?;
    admin.close().await;
    step("create database", started);
    let db = Db::connect(&target.url).await?;
    let started = Instant::now();
    migrate::run(&db).await?;
    step("migrate", started);
    let Db::Postgres(pool) = &db else {
        bail!("the benchmark needs PostgreSQL");
    };
    let anchor = Utc::now().duration_trunc(Duration::seconds(1))?;
    load_history(pool, args, anchor).await?;
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

/// The event mix of the load: family, share in percent.
const MIX: [(Event, i64); 5] = [
    (Event::OnboardingCheckpointCompleted, 12),
    (Event::SupportDiagnosticsOpened, 25),
    (Event::OperationsStarted, 40),
    (Event::StoredReportCreated, 15),
    (Event::ReviewPackRequested, 8),
];

/// `CASE` expression choosing the event name (and feature area, subject type, metadata) from
/// `r`, a number in 0..100.
fn mix_case(column: &str) -> String {
    let mut acc = 0;
    let mut out = String::from("CASE");
    for (event, share) in MIX {
        acc += share;
        let value = match column {
            "event_name" => format!("'{}'", event.name()),
            "feature_area" => format!("'{}'", event.feature_area()),
            "subject_type" => format!("'{}'", event.subject_types()[0]),
            _ => match event {
                Event::OnboardingCheckpointCompleted => "jsonb_build_object('checkpoint_key', \
                    'connect', 'lifecycle_state', 'draft', 'completed_at', s.at)"
                    .to_string(),
                Event::SupportDiagnosticsOpened => {
                    "jsonb_build_object('source_surface', 'tenant_dashboard')".to_string()
                }
                Event::OperationsStarted => {
                    "jsonb_build_object('operation_type', 'inventory.sync')".to_string()
                }
                Event::StoredReportCreated => {
                    "jsonb_build_object('report_type', 'permission_posture')".to_string()
                }
                Event::ReviewPackRequested => {
                    "jsonb_build_object('source_surface', 'admin')".to_string()
                }
            },
        };
        out.push_str(&format!(" WHEN s.r < {acc} THEN {value}"));
    }
    out.push_str(" END");
    out
}

/// Inserts `count` events evenly spread over `[from, to)` (ids grow with time, as in
/// production), in chunks, then adds them to the rollups.
async fn load_events(
    pool: &PgPool,
    count: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    label: &str,
) -> anyhow::Result<()> {
    const CHUNK: i64 = 1_000_000;
    let span_us = (to - from).num_microseconds().context("span too long")? as f64;
    let sql = format!(
        "INSERT INTO product_usage_events (workspace_id, tenant_id, actor_user_id, event_name,
            feature_area, subject_type, subject_id, metadata, occurred_at)
         SELECT t.ws[s.ti], t.ids[s.ti], u.ids[s.ui], {name}, {area}, {subject},
                (1000000 + s.g)::text, {meta}, s.at
         FROM (SELECT array_agg(id ORDER BY id) AS ids, array_agg(workspace_id ORDER BY id) AS ws,
                      count(*) AS n FROM tenants) t,
              (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM users) u,
              LATERAL (SELECT g,
                    $1::timestamptz + make_interval(secs => (g::float8 * $2) / 1e6) AS at,
                    ((g * 7919) % 100)::int AS r,
                    (1 + (g * 104729) % t.n)::int AS ti,
                    (1 + (g * 15485863) % u.n)::int AS ui
                 FROM generate_series($3::bigint, $4::bigint) g) s",
        name = mix_case("event_name"),
        area = mix_case("feature_area"),
        subject = mix_case("subject_type"),
        meta = mix_case("metadata"),
    );
    let started = Instant::now();
    let mut lo = 0;
    while lo < count {
        let hi = (lo + CHUNK).min(count) - 1;
        sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(from)
            .bind(span_us / count as f64)
            .bind(lo)
            .bind(hi)
            .execute(pool)
            .await
            .with_context(|| format!("loading events {lo}..{hi}"))?;
        lo = hi + 1;
    }
    step(&format!("{label}: {count} events"), started);
    let started = Instant::now();
    sqlx::query(
        "INSERT INTO product_usage_hourly (bucket_start, day, event_name, events)
         SELECT date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                (occurred_at AT TIME ZONE 'UTC')::date, event_name, COUNT(*)
         FROM product_usage_events WHERE occurred_at >= $1 AND occurred_at < $2
         GROUP BY 1, 2, 3
         ON CONFLICT (bucket_start, event_name)
         DO UPDATE SET events = product_usage_hourly.events + excluded.events",
    )
    .bind(from)
    .bind(to)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO product_usage_workspace_days (day, workspace_id, first_at, last_at)
         SELECT (occurred_at AT TIME ZONE 'UTC')::date, workspace_id,
                MIN(occurred_at), MAX(occurred_at)
         FROM product_usage_events WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY 1, 2
         ON CONFLICT (day, workspace_id) DO UPDATE SET
            first_at = LEAST(product_usage_workspace_days.first_at, excluded.first_at),
            last_at = GREATEST(product_usage_workspace_days.last_at, excluded.last_at)",
    )
    .bind(from)
    .bind(to)
    .execute(pool)
    .await?;
    step(&format!("{label}: rollups"), started);
    let started = Instant::now();
    for table in [
        "product_usage_events",
        "product_usage_hourly",
        "product_usage_workspace_days",
    ] {
        sqlx::query(AssertSqlSafe(format!("VACUUM ANALYZE {table}")))
            .execute(pool)
            .await?;
    }
    step(&format!("{label}: vacuum analyze"), started);
    Ok(())
}

/// Workspaces, tenants, users and the measured history ending at `anchor`.
async fn load_history(
    pool: &PgPool,
    args: &BenchArgs,
    anchor: DateTime<Utc>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    sqlx::query(
        "INSERT INTO workspaces (slug, name, created_at)
         SELECT 'bench-ws-' || g, 'Bench workspace ' || g, $1 FROM generate_series(1, $2) g",
    )
    .bind(anchor)
    .bind(args.workspaces)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO tenants (workspace_id, external_id, name, created_at)
         SELECT w.id, 'bench-t-' || g, 'Bench tenant ' || g, $1
         FROM generate_series(0, $2 - 1) g
         JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM workspaces) w
           ON w.i = g % $3",
    )
    .bind(anchor)
    .bind(args.tenants)
    .bind(args.workspaces)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO users (email, display_name, password_hash, created_at)
         SELECT 'bench-user-' || g || '@bench.test', 'Bench user ' || g, 'x', $1
         FROM generate_series(1, 100) g",
    )
    .bind(anchor)
    .execute(pool)
    .await?;
    step(
        &format!(
            "{} workspaces, {} tenants, 100 users",
            args.workspaces, args.tenants
        ),
        started,
    );
    load_events(
        pool,
        args.events,
        anchor - Duration::days(args.days),
        anchor,
        "history",
    )
    .await?;
    sqlx::query(
        "CREATE TABLE telemetry_bench_meta (anchor TIMESTAMPTZ NOT NULL, events BIGINT NOT NULL,
            days BIGINT NOT NULL, tenants BIGINT NOT NULL, workspaces BIGINT NOT NULL)",
    )
    .execute(pool)
    .await?;
    sqlx::query("INSERT INTO telemetry_bench_meta VALUES ($1, $2, $3, $4, $5)")
        .bind(anchor)
        .bind(args.events)
        .bind(args.days)
        .bind(args.tenants)
        .bind(args.workspaces)
        .execute(pool)
        .await?;
    Ok(())
}

/// Results of the summary phase.
struct SummaryResult {
    summarize_ms: Vec<f64>,
    other_windows: Vec<(ConsoleWindow, f64)>,
    baseline_ms: Vec<f64>,
    seq_scan_ms: Vec<f64>,
    baseline_plan: String,
    equal: bool,
    summary: TelemetrySummary,
}

/// The naive summary: every number straight from the ledger with `GROUP BY`. With
/// `seq_scan`, index scans are disabled so the ledger is read in full.
async fn raw_summary(
    pool: &PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    seq_scan: bool,
) -> anyhow::Result<(BTreeMap<(chrono::NaiveDate, String), i64>, i64)> {
    let mut tx = pool.begin().await?;
    if seq_scan {
        for setting in [
            "enable_indexscan",
            "enable_bitmapscan",
            "enable_indexonlyscan",
        ] {
            sqlx::query(AssertSqlSafe(format!("SET LOCAL {setting} = off")))
                .execute(&mut *tx)
                .await?;
        }
    }
    let rows: Vec<(chrono::NaiveDate, String, i64)> = sqlx::query_as(
        "SELECT (occurred_at AT TIME ZONE 'UTC')::date, event_name, COUNT(*)
         FROM product_usage_events WHERE occurred_at >= $1 AND occurred_at < $2
         GROUP BY 1, 2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    let active: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT workspace_id) FROM product_usage_events
         WHERE occurred_at >= $1 AND occurred_at < $2",
    )
    .bind(from)
    .bind(to)
    .fetch_one(&mut *tx)
    .await?;
    tx.rollback().await?;
    Ok((
        rows.into_iter().map(|(d, e, n)| ((d, e), n)).collect(),
        active,
    ))
}

async fn bench_summary(
    db: &Db,
    pool: &PgPool,
    args: &BenchArgs,
    anchor: DateTime<Utc>,
) -> anyhow::Result<SummaryResult> {
    println!("summary:");
    let window = ConsoleWindow::Last30Days;
    // Mid-hour, so both partial edge hours are read from the ledger.
    let now = anchor - Duration::minutes(29) - Duration::seconds(17);
    for _ in 0..5 {
        summarize(db, window, now).await?;
    }
    let mut summarize_ms = Vec::with_capacity(args.runs);
    let mut summary = None;
    for _ in 0..args.runs {
        let t = Instant::now();
        let s = summarize(db, window, now).await?;
        summarize_ms.push(ms(t.elapsed()));
        summary = Some(s);
    }
    let summary = summary.context("no summarize run")?;
    let mut other_windows = Vec::new();
    for w in [ConsoleWindow::Last24Hours, ConsoleWindow::Last7Days] {
        let mut samples = Vec::new();
        for _ in 0..args.runs.min(20) {
            let t = Instant::now();
            summarize(db, w, now).await?;
            samples.push(ms(t.elapsed()));
        }
        other_windows.push((w, percentile(&samples, 50.0)));
    }
    println!(
        "  summarize 30d: p50 {:.2} ms over {} runs",
        percentile(&summarize_ms, 50.0),
        args.runs
    );

    let (from, to) = (summary.from, summary.to);
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT (occurred_at AT TIME ZONE 'UTC')::date, event_name, COUNT(*)
         FROM product_usage_events WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY 1, 2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let baseline_plan = plan
        .iter()
        .find(|l| l.contains("Scan"))
        .map(|l| l.trim().trim_start_matches("->").trim().to_string())
        .unwrap_or_default();
    let mut baseline_ms = Vec::new();
    let mut seq_scan_ms = Vec::new();
    let mut raw = None;
    raw_summary(pool, from, to, false).await?; // warm the cache like summarize's warm-up
    for _ in 0..args.baseline_runs {
        let t = Instant::now();
        raw = Some(raw_summary(pool, from, to, false).await?);
        baseline_ms.push(ms(t.elapsed()));
        let t = Instant::now();
        raw_summary(pool, from, to, true).await?;
        seq_scan_ms.push(ms(t.elapsed()));
    }
    let (raw_counts, raw_active) = raw.context("no baseline run")?;
    println!(
        "  raw GROUP BY 30d: p50 {:.1} ms (planner's plan), {:.1} ms (full scan) over {} runs",
        percentile(&baseline_ms, 50.0),
        percentile(&seq_scan_ms, 50.0),
        args.baseline_runs
    );
    let mut equal = raw_active == summary.active_workspaces;
    for d in &summary.daily {
        for (i, e) in Event::ALL.iter().enumerate() {
            let want = raw_counts
                .get(&(d.day, e.name().to_string()))
                .copied()
                .unwrap_or(0);
            equal &= d.counts[i] == want;
        }
    }
    let raw_total: i64 = raw_counts.values().sum();
    let total: i64 = summary.families.iter().map(|f| f.count).sum();
    equal &= raw_total == total;
    Ok(SummaryResult {
        summarize_ms,
        other_windows,
        baseline_ms,
        seq_scan_ms,
        baseline_plan,
        equal,
        summary,
    })
}

/// Results of the prune phase.
struct PruneResult {
    /// Checkpoints and MiB of WAL the server wrote during the prune.
    server: (i64, f64),
    expired_loaded: i64,
    deleted: u64,
    prune_secs: f64,
    idle_ms: Vec<f64>,
    during_ms: Vec<f64>,
    writer_errors: usize,
    consistent: bool,
    old_left: i64,
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

async fn bench_prune(
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
    load_events(
        pool,
        args.expired,
        expired_to - Duration::days(270),
        expired_to,
        "expired",
    )
    .await?;
    let expired_loaded: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM product_usage_events WHERE occurred_at < $1")
            .bind(cutoff)
            .fetch_one(pool)
            .await?;
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
    let deleted = deleted?;
    println!("  pruned {deleted} rows in {prune_secs:.1} s");
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
        deleted,
        prune_secs,
        idle_ms,
        during_ms,
        writer_errors: idle_errors + during_errors,
        consistent: ledger == rolled && stale_days == 0,
        old_left,
    })
}

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

fn report(args: &BenchArgs, s: &SummaryResult, p: &PruneResult) {
    let p50 = percentile(&s.summarize_ms, 50.0);
    let p99 = percentile(&s.summarize_ms, 99.0);
    let base = percentile(&s.baseline_ms, 50.0);
    let seq = percentile(&s.seq_scan_ms, 50.0);
    // Judged against the faster of the two raw variants.
    let ratio = base.min(seq) / p50;
    let idle99 = percentile(&p.idle_ms, 99.0);
    let during99 = percentile(&p.during_ms, 99.0);
    let events: i64 = s.summary.families.iter().map(|f| f.count).sum();
    println!();
    println!(
        "== telemetry benchmark: {} events over {} days, {} tenants / {} workspaces ==",
        args.events, args.days, args.tenants, args.workspaces
    );
    println!(
        "{:<46} {:>22} {:>16} {:>6}",
        "measure", "value", "target", ""
    );
    let row = |m: &str, v: String, t: &str, ok: Option<bool>| {
        println!(
            "{m:<46} {v:>22} {t:>16} {:>6}",
            ok.map(verdict).unwrap_or("")
        );
    };
    row(
        "30d window: events / active workspaces",
        format!("{events} / {}", s.summary.active_workspaces),
        "",
        None,
    );
    row(
        "summarize 30d p50 / p99",
        format!("{p50:.2} / {p99:.2} ms"),
        "< 50 ms",
        Some(p99 < 50.0),
    );
    for (w, v) in &s.other_windows {
        row(
            &format!("summarize {} p50", w.as_str()),
            format!("{v:.2} ms"),
            "",
            None,
        );
    }
    row(
        "raw GROUP BY 30d p50, planner's plan",
        format!("{base:.1} ms"),
        "",
        None,
    );
    row(
        "  that plan",
        s.baseline_plan.chars().take(22).collect(),
        "",
        None,
    );
    row(
        "raw GROUP BY 30d p50, full (seq) scan",
        format!("{seq:.1} ms"),
        "",
        None,
    );
    row(
        "speed-up (faster raw p50 / summarize p50)",
        format!("{ratio:.0}x"),
        ">= 20x",
        Some(ratio >= 20.0),
    );
    row(
        "summarize equals raw GROUP BY",
        (if s.equal { "yes" } else { "NO" }).into(),
        "equal",
        Some(s.equal),
    );
    row(
        "expired rows loaded / deleted",
        format!("{} / {}", p.expired_loaded, p.deleted),
        "all",
        Some(p.deleted as i64 == p.expired_loaded && p.old_left == 0),
    );
    row(
        "prune duration / rows per second",
        format!(
            "{:.1} s / {:.0}",
            p.prune_secs,
            p.deleted as f64 / p.prune_secs.max(f64::EPSILON)
        ),
        "",
        None,
    );
    row(
        "writer idle p50 / p99",
        format!("{:.2} / {idle99:.2} ms", percentile(&p.idle_ms, 50.0)),
        "",
        None,
    );
    row(
        "writer during prune p50 / p99",
        format!("{:.2} / {during99:.2} ms", percentile(&p.during_ms, 50.0)),
        "",
        None,
    );
    row(
        "writer during prune p90 / p99.9 / max",
        format!(
            "{:.1} / {:.1} / {:.1} ms",
            percentile(&p.during_ms, 90.0),
            percentile(&p.during_ms, 99.9),
            percentile(&p.during_ms, 100.0)
        ),
        "",
        None,
    );
    row(
        "server during prune: checkpoints / WAL",
        format!("{} / {:.0} MiB", p.server.0, p.server.1),
        "",
        None,
    );
    row(
        "writer p99 during / idle",
        format!("{:.2}x", during99 / idle99),
        "<= 2x",
        Some(during99 <= 2.0 * idle99),
    );
    row(
        "writer events idle / during / errors",
        format!(
            "{} / {} / {}",
            p.idle_ms.len(),
            p.during_ms.len(),
            p.writer_errors
        ),
        "0 errors",
        Some(p.writer_errors == 0),
    );
    row(
        "rollups equal the ledger after prune",
        (if p.consistent { "yes" } else { "NO" }).into(),
        "equal",
        Some(p.consistent),
    );
    println!(
        "(prune batch {} rows, pause ratio {}, writer {} events/s through the recorder)",
        args.batch_size, args.pause_ratio, args.writer_rate
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_mix() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&[3.0], 99.0), 3.0);
        assert_eq!(MIX.iter().map(|(_, s)| s).sum::<i64>(), 100);
        assert!(mix_case("event_name").contains("product.review_pack.requested"));
    }
}

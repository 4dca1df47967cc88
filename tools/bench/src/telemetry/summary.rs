//! The telemetry benchmark's summary phase: `summarize` over the 30-day window against the
//! naive `GROUP BY` over the raw ledger, and whether both give the same numbers.

use super::{BenchArgs, ms, percentile};
use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sqlx::{AssertSqlSafe, PgPool};
use std::{collections::BTreeMap, time::Instant};
use tenantpilot::{
    console_window::ConsoleWindow,
    db::Db,
    features::telemetry::{
        catalog::Event,
        summary::{TelemetrySummary, summarize},
    },
};

/// Results of the summary phase.
pub(super) struct SummaryResult {
    pub(super) summarize_ms: Vec<f64>,
    pub(super) other_windows: Vec<(ConsoleWindow, f64)>,
    pub(super) baseline_ms: Vec<f64>,
    pub(super) seq_scan_ms: Vec<f64>,
    pub(super) baseline_plan: String,
    pub(super) equal: bool,
    pub(super) summary: TelemetrySummary,
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

/// Times `summarize` and the raw baselines and compares their numbers.
pub(super) async fn bench_summary(
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

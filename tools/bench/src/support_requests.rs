//! `tenantpilot-bench support-requests`: throughput and latency of `internal_only` support
//! request submits through the real HTTP API on PostgreSQL, beside `pgbench` inserting single
//! rows into the same server with the same number of clients. The point of the comparison: a
//! submit is one durable write (request + audit row in one transaction) plus the reads that
//! authorize and answer it, so its ceiling is the server's single-row commit rate.
//!
//! Two scenarios: an operator (context = safe canonical references) and an owner (context =
//! the redacted diagnostics bundle, which reads the tenant's provider state and recent runs).
//! The server is `tenantpilot serve` in its own process with the built-in configuration (and a
//! 60-second request timeout); each scenario prints its CPU and memory per process.

use crate::http::{http_client, percentile_ms};
use crate::procstat::{self, CpuSnapshot};
use crate::server::{self, Server, ServerArgs, ServerConfig};
use crate::target::{BenchTarget, pg_pool};
use anyhow::{Context, anyhow, bail};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tenantpilot::db::{Db, migrate};

/// Benchmark options.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// PostgreSQL URL of the benchmark database; its name must contain `bench` (it is dropped
    /// and recreated).
    #[arg(long)]
    pub database_url: String,
    /// Concurrent clients for both our load and pgbench (closed loop).
    #[arg(long, default_value_t = 50)]
    pub clients: usize,
    /// Measured submits per scenario.
    #[arg(long, default_value_t = 20_000)]
    pub requests: usize,
    /// Unmeasured warm-up submits per scenario.
    #[arg(long, default_value_t = 1_000)]
    pub warmup: usize,
    /// How long pgbench runs, in seconds.
    #[arg(long, default_value_t = 15)]
    pub pgbench_seconds: u32,
    /// Path of the `pgbench` binary.
    #[arg(long, default_value = "pgbench")]
    pub pgbench: String,
    /// Where the server under test comes from.
    #[command(flatten)]
    pub server: ServerArgs,
}

const PASSWORD: &str = "bench-demo-pass";

/// One measured load.
#[derive(Debug, Clone)]
struct Measured {
    name: String,
    requests: usize,
    per_second: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    failures: usize,
}

impl Measured {
    fn print(&self) {
        println!(
            "  {:<44} {:>8} req  {:>8.0}/s  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  failures {}",
            self.name,
            self.requests,
            self.per_second,
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.max_ms,
            self.failures
        );
    }
}

/// Drops and recreates the database, migrated and with the demo data.
async fn recreate(target: &BenchTarget) -> anyhow::Result<Db> {
    let (admin, admin_pool) = target.admin().await?;
    let exists = target.exists(&admin_pool).await?;
    target.recreate(&admin_pool, exists).await?;
    admin.close().await;
    let db = Db::connect(&target.url).await?;
    migrate::run(&db).await?;
    tenantpilot::demo::seed(&db, chrono::Utc::now(), PASSWORD).await?;
    Ok(db)
}

/// A one-day API token of `email`, created through the library (not over HTTP).
async fn token_for(db: &Db, email: &str) -> anyhow::Result<String> {
    tenantpilot::auth::tokens::create_for_email(
        db,
        &tenantpilot::audit::AuditContext::cli(),
        chrono::Utc::now(),
        email,
        "bench",
        tenantpilot::auth::tokens::Expiry::Days(1),
    )
    .await
    .map(|t| t.secret)
    .map_err(|e| anyhow!("token for {email}: {e}"))
}

/// Closed loop: each client sends its next submit when the previous answer arrived.
async fn submits(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    clients: usize,
    total: usize,
    name: &str,
) -> anyhow::Result<Measured> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for i in 0..clients {
        let client = client.clone();
        let next = next.clone();
        let token = token.to_string();
        let tenant = if i % 2 == 0 { "contoso" } else { "fabrikam" };
        let url = format!("{base}/api/v1/tenants/{tenant}/support-requests");
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0usize;
            let mut n = 0usize;
            while next.fetch_add(1, Ordering::Relaxed) < total {
                n += 1;
                let body = serde_json::json!({
                    "severity": "normal",
                    "summary": format!("Benchmark request {i}/{n}"),
                    "handoff_mode": "internal_only",
                });
                let t0 = Instant::now();
                let ok = match client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(resp) => {
                        let status = resp.status();
                        resp.bytes().await.is_ok() && status == reqwest::StatusCode::OK
                    }
                    Err(_) => false,
                };
                latencies.push(t0.elapsed());
                if !ok {
                    failures += 1;
                }
            }
            (latencies, failures)
        });
    }
    let mut all = Vec::with_capacity(total);
    let mut failures = 0;
    while let Some(joined) = tasks.join_next().await {
        let (l, f) = joined.context("a client task panicked")?;
        all.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed();
    all.sort_unstable();
    Ok(Measured {
        name: name.to_string(),
        requests: all.len(),
        per_second: all.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: percentile_ms(&all, 50.0),
        p90_ms: percentile_ms(&all, 90.0),
        p99_ms: percentile_ms(&all, 99.0),
        max_ms: all.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        failures,
    })
}

/// `pgbench` inserting one row per transaction with `clients` clients; per-transaction
/// latencies come from its `--log` files.
fn pgbench(args: &BenchArgs, target: &BenchTarget) -> anyhow::Result<Measured> {
    let dir = std::env::temp_dir().join(format!("tenantpilot-pgbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let script = dir.join("insert.sql");
    std::fs::write(
        &script,
        "INSERT INTO pgbench_single_row (payload, created_at) VALUES ('support request', now());\n",
    )?;
    let url = reqwest::Url::parse(&target.url)?;
    let run = std::process::Command::new(&args.pgbench)
        .current_dir(&dir)
        .args([
            "-n",
            "-M",
            "prepared",
            "-c",
            &args.clients.to_string(),
            "-j",
            "2",
            "-T",
            &args.pgbench_seconds.to_string(),
            "-l",
            "-f",
        ])
        .arg(&script)
        .args(["-h", url.host_str().unwrap_or("127.0.0.1")])
        .args(["-p", &url.port().unwrap_or(5432).to_string()])
        .args([
            "-U",
            if url.username().is_empty() {
                "postgres"
            } else {
                url.username()
            },
        ])
        .arg(&target.db_name)
        .output()
        .with_context(|| {
            format!(
                "running {} (install postgresql-client or pass --pgbench)",
                args.pgbench
            )
        })?;
    let out = String::from_utf8_lossy(&run.stdout).to_string();
    if !run.status.success() {
        bail!(
            "pgbench failed: {}{}",
            out,
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let tps = out
        .lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| anyhow!("pgbench printed no tps line:\n{out}"))?;
    let mut latencies = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("pgbench_log"))
        {
            for line in std::fs::read_to_string(&path)?.lines() {
                // client_id transaction_no time script_no time_epoch time_us
                if let Some(us) = line
                    .split_whitespace()
                    .nth(2)
                    .and_then(|v| v.parse::<u64>().ok())
                {
                    latencies.push(Duration::from_micros(us));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    latencies.sort_unstable();
    Ok(Measured {
        name: "pgbench single-row INSERT".into(),
        requests: latencies.len(),
        per_second: tps,
        p50_ms: percentile_ms(&latencies, 50.0),
        p90_ms: percentile_ms(&latencies, 90.0),
        p99_ms: percentile_ms(&latencies, 99.0),
        max_ms: latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        failures: 0,
    })
}

/// Runs the benchmark and prints the comparison.
pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let target = BenchTarget::parse(&args.database_url)?;
    println!(
        "support-request submit benchmark on {} ({} clients)",
        tenantpilot::db::redact_url(&target.url),
        args.clients
    );
    let db = recreate(&target).await?;
    let pool = &pg_pool(&db)?;
    sqlx::query(
        "CREATE TABLE pgbench_single_row (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            payload TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)",
    )
    .execute(pool)
    .await?;
    let baseline = pgbench(args, &target)?;

    let operator = token_for(&db, "operator@contoso.test").await?;
    let owner = token_for(&db, "owner@contoso.test").await?;
    server::pause_run_execution(&db).await?;
    let server =
        Server::start(&args.server, &target.url, ServerConfig::DefaultsLongTimeout).await?;
    let base = server.base();
    let client = http_client(args.clients)?;
    let mut results = Vec::new();
    for (token, name) in [
        (&operator, "submit internal_only (canonical context)"),
        (&owner, "submit internal_only (diagnostic snapshot)"),
    ] {
        submits(&client, &base, token, args.clients, args.warmup, "warm-up").await?;
        let before = CpuSnapshot::take(server.pid());
        let measured = submits(&client, &base, token, args.clients, args.requests, name).await?;
        let after = CpuSnapshot::take(server.pid());
        println!("{name}: {} submits", measured.requests);
        let backends = procstat::backends(pool).await?;
        if let (Some(before), Some(after)) = (before, after) {
            let elapsed = std::time::Duration::from_secs_f64(
                measured.requests as f64 / measured.per_second.max(f64::EPSILON),
            );
            procstat::print_cpu(&before, &after, &backends, measured.requests, elapsed);
        }
        results.push(measured);
    }
    server.stop().await;
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM support_requests")
        .fetch_one(pool)
        .await?;
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'support_request.created'",
    )
    .fetch_one(pool)
    .await?;

    println!();
    baseline.print();
    for r in &results {
        r.print();
    }
    println!();
    for r in &results {
        let ratio = r.per_second / baseline.per_second * 100.0;
        println!(
            "  {:<44} {:>5.1} % of pgbench TPS (target ≥ 50 %: {}), p99 {:.2} ms (target < 5 ms: {})",
            r.name,
            ratio,
            if ratio >= 50.0 { "met" } else { "NOT met" },
            r.p99_ms,
            if r.p99_ms < 5.0 { "met" } else { "NOT met" }
        );
    }
    println!(
        "  rows stored: {stored} support requests, {audited} support_request.created audit rows"
    );
    if stored != audited {
        bail!("every stored request must have exactly one audit row ({stored} vs {audited})");
    }
    Ok(())
}

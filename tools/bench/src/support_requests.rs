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

use crate::closed_loop::{Budget, MakeRequest, ScenarioReport, drive};
use crate::http::http_client;
use crate::pgbench::{self, Pgbench};
use crate::procstat::{self, CpuSnapshot};
use crate::server::{self, Server, ServerArgs, ServerConfig, api_token};
use crate::target::{BenchTarget, pg_pool};
use anyhow::bail;
use rand::{RngExt, rngs::StdRng};
use std::sync::Arc;
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

/// One line of the comparison: requests, throughput and latency percentiles.
fn print_line(r: &ScenarioReport) {
    println!(
        "  {:<44} {:>8} req  {:>8.0}/s  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  failures {}",
        r.name,
        r.requests,
        r.per_second,
        r.p50_ms,
        r.p90_ms,
        r.p99_ms,
        r.max_ms,
        r.failed()
    );
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

/// `POST /api/v1/tenants/{t}/support-requests` (`internal_only`) with `token`'s bearer, `t`
/// drawn from `tenants`: the submit every support-request scenario sends.
pub(crate) fn submit_request(base: &str, token: &str, tenants: Arc<Vec<String>>) -> MakeRequest {
    let base = base.to_string();
    let token = token.to_string();
    Arc::new(
        move |client: &reqwest::Client, rng: &mut StdRng, i: usize, n: usize| {
            let tenant = &tenants[rng.random_range(0..tenants.len())];
            let path = format!("/api/v1/tenants/{tenant}/support-requests");
            let body = serde_json::json!({
                "severity": "normal",
                "summary": format!("Benchmark request {i}/{n}"),
                "handoff_mode": "internal_only",
            });
            let req = client
                .post(format!("{base}{path}"))
                .bearer_auth(&token)
                .json(&body);
            (path, req)
        },
    )
}

/// Closed loop: each client sends its next submit when the previous answer arrived.
async fn submits(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    clients: usize,
    total: usize,
    name: &str,
) -> anyhow::Result<ScenarioReport> {
    let tenants = Arc::new(vec!["contoso".to_string(), "fabrikam".to_string()]);
    drive(
        client,
        clients,
        Budget::Requests(total),
        7,
        name,
        submit_request(base, token, tenants),
    )
    .await
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
    pgbench::create_insert_table(pool).await?;
    let baseline = Pgbench {
        bin: args.pgbench.clone(),
        clients: args.clients,
        seconds: args.pgbench_seconds,
    }
    .run(&target, "pgbench single-row INSERT", pgbench::INSERT_SCRIPT)?;

    let operator = api_token(&db, "operator@contoso.test").await?;
    let owner = api_token(&db, "owner@contoso.test").await?;
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
        measured.print_failures();
        if let (Some(before), Some(after)) = (before, after) {
            procstat::print_cpu(
                &before,
                &after,
                &backends,
                measured.requests,
                measured.elapsed,
            );
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
    print_line(&baseline);
    for r in &results {
        print_line(r);
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

//! `tenantpilot-bench pages`: the load benchmark behind the "run viewer and tenant dashboard
//! p99" requirement, against a realistic PostgreSQL database and the real HTTP stack.
//!
//! The command (1) creates (or, with `--reuse`, reuses) a PostgreSQL database whose name must
//! contain `bench`, migrates it, seeds the demo users and bulk-loads extra tenants, provider
//! connections, operation runs and verification reports with set-based SQL ([`load`]);
//! (2) pauses run execution there and starts `tenantpilot serve` as a child process on a
//! loopback port ([`crate::server`]); (3) signs in as the demo owner over HTTP and drives two
//! closed-loop scenarios (run viewer, tenant dashboard) with concurrent clients from this
//! process, printing throughput, latency percentiles against the p99 target and each
//! process's CPU and memory ([`scenario`], [`crate::procstat`]); and (4) prints
//! `EXPLAIN (ANALYZE, BUFFERS)` timings of the SQL behind both pages ([`explain`]).

pub(crate) mod explain;
pub(crate) mod load;
pub(crate) mod scenario;

use crate::{
    http::{http_client, login},
    procstat::{self, CpuSnapshot},
    server::{self, Server, ServerArgs, ServerConfig},
    target::{BenchTarget, pg_pool, quiet_pool},
};
use anyhow::bail;
use load::Fixture;
use scenario::{Load, print_report, print_table};
use sqlx::PgPool;
use std::{sync::Arc, time::Instant};
use tenantpilot::{
    clock::{Clock, SystemClock},
    db::{Db, migrate},
};

/// Password every demo user gets in the benchmark database.
pub const PASSWORD: &str = "bench-pass-123";

/// The user the scenarios sign in as (owner of `contoso-msp`, sees every tenant there).
pub const USER: &str = "owner@contoso.test";

/// Workspace the extra tenants are created in.
pub const WORKSPACE: &str = "contoso-msp";

/// Days of run history the loaded runs are spread over.
pub const HISTORY_DAYS: i64 = 40;

/// The size of a loaded data set: bench tenants in `contoso-msp` and operation runs over them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataSet {
    /// Extra tenants in the `contoso-msp` workspace.
    pub tenants: u32,
    /// Operation runs spread over them and the last 40 days.
    pub runs: u32,
}

/// Options of `tenantpilot-bench pages`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// PostgreSQL URL of the benchmark database; its name must contain `bench` (it is dropped
    /// and recreated unless `--reuse` finds it already loaded with the same sizes).
    #[arg(long)]
    pub database_url: String,
    /// Extra tenants to create in the `contoso-msp` workspace.
    #[arg(long, default_value_t = 1000)]
    pub tenants: u32,
    /// Operation runs to spread over those tenants and the last 40 days.
    #[arg(long, default_value_t = 1_000_000)]
    pub runs: u32,
    /// Concurrent clients (closed loop: each sends its next request when the last one ended).
    #[arg(long, default_value_t = 20)]
    pub clients: usize,
    /// Measured requests per scenario.
    #[arg(long, default_value_t = 20_000)]
    pub requests: usize,
    /// Unmeasured warm-up requests before each scenario.
    #[arg(long, default_value_t = 500)]
    pub warmup: usize,
    /// Keep an existing database when it already holds the same number of tenants and runs.
    #[arg(long)]
    pub reuse: bool,
    /// The p99 latency target in milliseconds each scenario is judged against.
    #[arg(long, default_value_t = 10.0)]
    pub target_p99_ms: f64,
    /// Send `Accept-Encoding: gzip` like a browser (the response is then compressed).
    #[arg(long)]
    pub gzip: bool,
    /// Parameter samples per query for the `EXPLAIN (ANALYZE, BUFFERS)` summary.
    #[arg(long, default_value_t = 20)]
    pub explain_samples: usize,
    /// Where the server under test comes from.
    #[command(flatten)]
    pub server: ServerArgs,
}

/// Runs the whole benchmark; fails when any measured or warm-up request did not answer 200.
pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if args.tenants == 0 || args.runs == 0 || args.clients == 0 || args.requests == 0 {
        bail!("--tenants, --runs, --clients and --requests must be at least 1");
    }
    let target = BenchTarget::parse(&args.database_url)?;
    println!(
        "benchmark database {} ({} tenants, {} runs)",
        target.db_name, args.tenants, args.runs
    );
    let total = Instant::now();
    let data = DataSet {
        tenants: args.tenants,
        runs: args.runs,
    };
    let db = prepare(&target, data, args.reuse).await?;
    let pool = pg_pool(&db)?;
    println!("database ready in {:.1} s", total.elapsed().as_secs_f64());

    let fixture = Fixture::load(&pool).await?;
    println!(
        "fixture: {} tenants visible to {USER} in {WORKSPACE}, {} bench tenants, {} runs there",
        fixture.visible_tenants,
        fixture.tenants.len(),
        fixture.run_ids.len()
    );

    server::pause_run_execution(&db).await?;
    let server = Server::start(&args.server, &args.database_url, ServerConfig::Inherited).await?;
    let base = server.base();
    let session = login(&http_client(1)?, &base, USER, PASSWORD).await?;
    let cookie = format!("{}={session}", tenantpilot::auth::sessions::COOKIE);
    let client = http_client(args.clients)?;

    let fixture = Arc::new(fixture);
    let viewer = fixture.random_path(|f, rng| {
        let id = f.random_run(rng);
        format!("/admin/operations/{id}")
    });
    let dashboard = fixture.random_path(|f, rng| {
        let ext = f.random_tenant(rng);
        format!("/admin/t/{ext}")
    });
    let load = Load {
        client,
        base,
        cookie,
        gzip: args.gzip,
        clients: args.clients,
    };
    let mut reports = Vec::new();
    for (name, picker, seed) in [
        ("run viewer GET /admin/operations/{id}", viewer, 1_u64),
        ("tenant dashboard GET /admin/t/{tenant}", dashboard, 2_u64),
    ] {
        let warm = load
            .scenario(name, picker.clone(), args.warmup, seed ^ 0xabcd)
            .await?;
        if warm.failed() > 0 {
            println!(
                "warm-up of {name}: {} non-200 responses {:?}",
                warm.failed(),
                warm.failure_examples
            );
        }
        let before = CpuSnapshot::take(server.pid());
        let report = load.scenario(name, picker, args.requests, seed).await?;
        let after = CpuSnapshot::take(server.pid());
        print_report(&report, args);
        let backends = procstat::backends(&pool).await?;
        if let (Some(before), Some(after)) = (before, after) {
            procstat::print_cpu(&before, &after, &backends, report.requests, report.elapsed);
        }
        reports.push((report, warm.failed()));
    }
    println!();
    print_table(&reports, args);

    println!();
    explain::explain_all(&pool, &fixture, args.explain_samples).await?;

    drop(load);
    server.stop().await;
    db.close().await;

    let failed: usize = reports.iter().map(|(r, w)| r.failed() + w).sum();
    if failed > 0 {
        bail!("{failed} requests did not answer 200; see the failures above");
    }
    Ok(())
}

/// Prints how long `phase` took.
pub(crate) fn done(phase: &str, started: Instant) {
    println!("  {phase:<44} {:>9.2} s", started.elapsed().as_secs_f64());
}

/// Creates or (with `reuse`, when it holds the same sizes) reuses the database and returns a
/// migrated, loaded pool with the demo users' password set to [`PASSWORD`].
pub(crate) async fn prepare(
    target: &BenchTarget,
    args: DataSet,
    reuse: bool,
) -> anyhow::Result<Db> {
    let (admin, admin_pool) = target.admin().await?;
    let exists = target.exists(&admin_pool).await?;
    if exists && reuse {
        let db = Db::connect(&target.url).await?;
        let quiet = quiet_pool(&target.url).await?;
        let sizes = loaded_sizes(&quiet).await;
        quiet.close().await;
        match sizes? {
            Some((tenants, runs))
                if tenants == i64::from(args.tenants) && runs == i64::from(args.runs) =>
            {
                println!(
                    "reusing {} (already loaded with the same sizes)",
                    target.db_name
                );
                migrate::run(&db).await?;
                // Resets the demo users' passwords to the benchmark's one; creates nothing.
                tenantpilot::demo::seed(&db, SystemClock.now(), PASSWORD).await?;
                admin.close().await;
                return Ok(db);
            }
            found => {
                println!(
                    "{} holds {found:?} (tenants, runs), not ({}, {}); recreating it",
                    target.db_name, args.tenants, args.runs
                );
                db.close().await;
            }
        }
    }
    println!("loading:");
    let started = Instant::now();
    target.recreate(&admin_pool, exists).await?;
    admin.close().await;
    done(
        if exists {
            "drop + create database"
        } else {
            "create database"
        },
        started,
    );

    let db = Db::connect(&target.url).await?;
    let started = Instant::now();
    migrate::run(&db).await?;
    done("migrate", started);

    let now = SystemClock.now();
    let started = Instant::now();
    tenantpilot::demo::seed(&db, now, PASSWORD).await?;
    done("demo seed (users, demo tenants, demo runs)", started);

    let loader = quiet_pool(&target.url).await?;
    load::bulk_load(&loader, args, now).await?;
    loader.close().await;
    Ok(db)
}

/// Bench tenants and their runs already in the database, or `None` before migrations.
async fn loaded_sizes(pool: &PgPool) -> anyhow::Result<Option<(i64, i64)>> {
    let migrated: bool =
        sqlx::query_scalar("SELECT to_regclass('public.operation_runs') IS NOT NULL")
            .fetch_one(pool)
            .await?;
    if !migrated {
        return Ok(None);
    }
    let tenants: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM tenants WHERE external_id LIKE 'bench-%'")
            .fetch_one(pool)
            .await?;
    let runs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM operation_runs r JOIN tenants t ON t.id = r.tenant_id
         WHERE t.external_id LIKE 'bench-%'",
    )
    .fetch_one(pool)
    .await?;
    Ok(Some((tenants, runs)))
}

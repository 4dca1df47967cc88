//! `tenantpilot bench`: the load benchmark behind the "run viewer and tenant dashboard p99"
//! requirement. Speed targets are proven here, against a realistic PostgreSQL database and the
//! real HTTP stack, never by timed assertions in tests.
//!
//! The command (1) creates (or, with `--reuse`, reuses) a PostgreSQL database whose name must
//! contain `bench`, migrates it, seeds the demo users and bulk-loads extra tenants, provider
//! connections, operation runs and verification reports with set-based SQL; (2) serves the real
//! application in-process on a loopback port (without the run executor); (3) signs in as the demo
//! owner over HTTP and drives two closed-loop scenarios (run viewer, tenant dashboard) with
//! concurrent clients, printing throughput and latency percentiles against the p99 target; and
//! (4) prints `EXPLAIN (ANALYZE, BUFFERS)` timings of the SQL behind both pages.

use crate::{
    clock::{Clock, SystemClock},
    config::Config,
    db::{Db, migrate},
    features::providers::{model::REQUIRED_PERMISSIONS, simulated::WITHHELD},
    state::AppState,
};
use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Utc};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, PgPool, types::Json};
use std::{
    collections::BTreeMap,
    net::SocketAddr,
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

/// Password every demo user gets in the benchmark database.
pub const PASSWORD: &str = "bench-pass-123";

/// The user the scenarios sign in as (owner of `contoso-msp`, sees every tenant there).
pub const USER: &str = "owner@contoso.test";

/// Workspace the extra tenants are created in.
pub const WORKSPACE: &str = "contoso-msp";

/// Prefix of the extra tenants' external ids (`bench-0001`, …).
pub const TENANT_PREFIX: &str = "bench-";

/// Days of run history the loaded runs are spread over.
pub const HISTORY_DAYS: i64 = 40;

/// Options of `tenantpilot bench`.
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
}

/// Latency and throughput of one scenario.
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    /// Scenario name.
    pub name: &'static str,
    /// Requests measured.
    pub requests: usize,
    /// Wall-clock time of the measured part.
    pub elapsed: Duration,
    /// Median latency in milliseconds.
    pub p50_ms: f64,
    /// 90th percentile in milliseconds.
    pub p90_ms: f64,
    /// 99th percentile in milliseconds.
    pub p99_ms: f64,
    /// Slowest request in milliseconds.
    pub max_ms: f64,
    /// Mean response body size in bytes.
    pub mean_bytes: f64,
    /// Responses other than 200 (and transport errors), by status text.
    pub failures: BTreeMap<String, usize>,
    /// A few failing paths with their status, for diagnosis.
    pub failure_examples: Vec<String>,
}

impl ScenarioReport {
    /// Requests per second over the measured part.
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// Number of non-200 responses and transport errors.
    pub fn failed(&self) -> usize {
        self.failures.values().sum()
    }
}

/// Runs the whole benchmark; fails when any measured or warm-up request did not answer 200.
pub async fn run(config: Config, args: &BenchArgs) -> anyhow::Result<()> {
    if args.tenants == 0 || args.runs == 0 || args.clients == 0 || args.requests == 0 {
        bail!("--tenants, --runs, --clients and --requests must be at least 1");
    }
    let target = BenchTarget::parse(&args.database_url)?;
    println!(
        "benchmark database {} ({} tenants, {} runs)",
        target.db_name, args.tenants, args.runs
    );
    let total = Instant::now();
    let db = prepare(&target, args).await?;
    let Db::Postgres(pool) = &db else {
        bail!("the benchmark needs PostgreSQL");
    };
    let pool = pool.clone();
    println!("database ready in {:.1} s", total.elapsed().as_secs_f64());

    let fixture = Fixture::load(&pool).await?;
    println!(
        "fixture: {} tenants visible to {USER} in {WORKSPACE}, {} bench tenants, {} runs there",
        fixture.visible_tenants,
        fixture.tenants.len(),
        fixture.run_ids.len()
    );

    let mut config = config;
    config.database_url = args.database_url.clone();
    let server = Server::start(db.clone(), config).await?;
    let base = format!("http://{}", server.addr);
    let session = login(&http_client(1)?, &base).await?;
    let cookie = format!("{}={session}", crate::auth::sessions::COOKIE);
    // The load generator gets its own runtime and named threads, so its CPU use can be told
    // apart from the server's (both share this machine's cores, as a separate process would).
    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(CLIENT_THREAD)
        .enable_all()
        .build()
        .context("starting the load generator's runtime")?;
    let client = http_client(args.clients)?;

    let fixture = Arc::new(fixture);
    let viewer: Picker = {
        let f = fixture.clone();
        Arc::new(move |rng: &mut StdRng| {
            let id = f.run_ids[rng.gen_range(0..f.run_ids.len())];
            format!("/admin/operations/{id}")
        })
    };
    let dashboard: Picker = {
        let f = fixture.clone();
        Arc::new(move |rng: &mut StdRng| {
            let (_, ext) = &f.tenants[rng.gen_range(0..f.tenants.len())];
            format!("/admin/t/{ext}")
        })
    };
    let load = Load {
        client: client.clone(),
        runtime: client_runtime.handle().clone(),
        base: base.clone(),
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
        let before = CpuSnapshot::take();
        let report = load.scenario(name, picker, args.requests, seed).await?;
        let after = CpuSnapshot::take();
        print_report(&report, args);
        // Only this database's backends count as the benchmark's PostgreSQL time; other
        // databases on the same server (and exited processes) land in "other processes".
        let backends: Vec<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()",
        )
        .fetch_all(&pool)
        .await?;
        if let (Some(before), Some(after)) = (before, after) {
            print_cpu(&before, &after, &backends, &report);
        }
        reports.push((report, warm.failed()));
    }
    println!();
    print_table(&reports, args);

    println!();
    explain_all(&pool, &fixture, args.explain_samples).await?;

    drop(load);
    drop(client);
    client_runtime.shutdown_background();
    server.stop().await;
    db.close().await;

    let failed: usize = reports.iter().map(|(r, w)| r.failed() + w).sum();
    if failed > 0 {
        bail!("{failed} requests did not answer 200; see the failures above");
    }
    Ok(())
}

/// Where the benchmark database lives: its name and the URL of the `postgres` maintenance
/// database used to create or drop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchTarget {
    /// The benchmark database URL as given.
    pub url: String,
    /// The same server's `postgres` database.
    pub admin_url: String,
    /// Name of the benchmark database.
    pub db_name: String,
}

impl BenchTarget {
    /// Checks `url`: PostgreSQL, a database name of letters, digits and `_` that contains
    /// `bench` (so a typo can never drop real data).
    pub fn parse(url: &str) -> anyhow::Result<BenchTarget> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            bail!("--database-url must be a postgres:// URL");
        }
        let mut parsed =
            reqwest::Url::parse(url).with_context(|| "--database-url is not a valid URL")?;
        let db_name = parsed.path().trim_start_matches('/').to_string();
        if db_name.is_empty() {
            bail!("--database-url must name a database, e.g. …/tenantpilot_bench");
        }
        if !db_name.contains("bench") {
            bail!(
                "refusing database {db_name:?}: the benchmark drops and recreates its database, \
                 so the name must contain \"bench\""
            );
        }
        if !db_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            bail!("database name {db_name:?} may only use letters, digits and '_'");
        }
        parsed.set_path("/postgres");
        Ok(BenchTarget {
            url: url.to_string(),
            admin_url: parsed.to_string(),
            db_name,
        })
    }
}

/// Prints how long `phase` took.
fn done(phase: &str, started: Instant) {
    println!("  {phase:<44} {:>9.2} s", started.elapsed().as_secs_f64());
}

/// Creates or reuses the database and returns a migrated, loaded pool.
async fn prepare(target: &BenchTarget, args: &BenchArgs) -> anyhow::Result<Db> {
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
                crate::demo::seed(&db, SystemClock.now(), PASSWORD).await?;
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
    crate::demo::seed(&db, now, PASSWORD).await?;
    done("demo seed (users, demo tenants, demo runs)", started);

    let loader = quiet_pool(&target.url).await?;
    bulk_load(&loader, args, now).await?;
    loader.close().await;
    Ok(db)
}

/// A one-connection pool for the bulk statements and counts, without sqlx's slow-statement
/// warnings (every statement there is slow on purpose).
async fn quiet_pool(url: &str) -> anyhow::Result<PgPool> {
    let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
    Ok(sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(sqlx::ConnectOptions::disable_statement_logging(options))
        .await?)
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

/// `[{key, granted}]` for every required permission; `granted(key)` decides each value.
fn permission_list(granted: impl Fn(&str) -> Value) -> Value {
    Value::Array(
        REQUIRED_PERMISSIONS
            .iter()
            .map(|k| json!({"key": k, "granted": granted(k)}))
            .collect(),
    )
}

/// Inserts the bench tenants, their connections, the runs and the verification reports with a
/// handful of set-based statements, then vacuums and analyzes.
async fn bulk_load(pool: &PgPool, args: &BenchArgs, now: DateTime<Utc>) -> anyhow::Result<()> {
    let workspace_id: i64 = sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = $1")
        .bind(WORKSPACE)
        .fetch_one(pool)
        .await
        .with_context(|| format!("workspace {WORKSPACE} missing after the demo seed"))?;

    let started = Instant::now();
    let width = args.tenants.to_string().len().max(4) as i32;
    let n = sqlx::query(
        "INSERT INTO tenants (workspace_id, external_id, name, created_at)
         SELECT $1, 'bench-' || lpad(g::text, $3, '0'), 'Bench Customer ' || lpad(g::text, $3, '0'),
                $4 - interval '90 days'
         FROM generate_series(1, $2::int) g",
    )
    .bind(workspace_id)
    .bind(args.tenants as i32)
    .bind(width)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    done(&format!("tenants ({n})"), started);

    let all: Vec<String> = REQUIRED_PERMISSIONS.iter().map(|p| p.to_string()).collect();
    let partial: Vec<String> = REQUIRED_PERMISSIONS
        .iter()
        .filter(|p| !WITHHELD.contains(p))
        .map(|p| p.to_string())
        .collect();
    let started = Instant::now();
    // Scenario mix: 85 % healthy, 5 % consent missing, 5 % permissions missing, 3 % unhealthy,
    // 2 % throttled.
    let n = sqlx::query(
        "INSERT INTO provider_connections (tenant_id, kind, directory_id, display_name,
            simulated_scenario, consent_state, health, granted_permissions, created_at, updated_at)
         SELECT s.id, 'simulated', s.external_id || '.onmicrosoft.com', 'Simulated Microsoft 365',
                s.scenario,
                CASE s.scenario WHEN 'consent_missing' THEN 'missing' WHEN 'throttled' THEN 'unknown'
                     ELSE 'granted' END,
                CASE s.scenario WHEN 'unhealthy' THEN 'unhealthy' WHEN 'consent_missing' THEN 'unknown'
                     WHEN 'throttled' THEN 'unknown' ELSE 'healthy' END,
                CASE s.scenario WHEN 'permissions_missing' THEN $3
                     WHEN 'consent_missing' THEN '[]'::jsonb WHEN 'throttled' THEN '[]'::jsonb
                     ELSE $2 END,
                $4 - interval '60 days', $4
         FROM (SELECT t.id, t.external_id,
                      CASE WHEN t.id % 100 < 85 THEN 'healthy'
                           WHEN t.id % 100 < 90 THEN 'consent_missing'
                           WHEN t.id % 100 < 95 THEN 'permissions_missing'
                           WHEN t.id % 100 < 98 THEN 'unhealthy'
                           ELSE 'throttled' END AS scenario
               FROM tenants t WHERE t.workspace_id = $1 AND t.external_id LIKE 'bench-%') s",
    )
    .bind(workspace_id)
    .bind(Json(&all))
    .bind(Json(&partial))
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    done(&format!("provider connections ({n})"), started);

    let tenant_ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM tenants WHERE workspace_id = $1 AND external_id LIKE 'bench-%' ORDER BY id",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await?;
    let mut initiator_ids: Vec<Option<i64>> = Vec::new();
    let mut initiator_labels: Vec<String> = Vec::new();
    for email in [
        "owner@contoso.test",
        "manager@contoso.test",
        "operator@contoso.test",
    ] {
        let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(pool)
            .await
            .with_context(|| format!("demo user {email} missing"))?;
        initiator_ids.push(Some(id));
        initiator_labels.push(email.to_string());
    }
    initiator_ids.push(None);
    initiator_labels.push("system".to_string());
    let types: Vec<&str> = crate::features::operations::model::RunType::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    let fail_reasons = [
        "admin_consent_required",
        "connection_unhealthy",
        "retryable_provider_failure",
        "verification_failed",
        "orphaned",
        "internal_error",
    ];
    let runs = i64::from(args.runs);
    // Newest runs are still in flight; just before them every tenant got a verification sweep,
    // so each tenant has a recent report.
    let open = (runs / 5000).max(1).min(runs);
    let sweep = i64::from(args.tenants).min(runs - open);
    let sweep_hi = runs - open;
    let sweep_lo = sweep_hi - sweep;
    let step_secs = (HISTORY_DAYS * 86_400) as f64 / runs as f64;
    let start = now - chrono::Duration::days(HISTORY_DAYS);

    let started = Instant::now();
    // Three levels, each fenced with OFFSET 0 so the planner neither inlines nor re-evaluates the
    // volatile random() columns: draw per row, then decide outcome and reason, then shape.
    // generate_series yields rows in order, so ids grow with created_at as in production.
    let n = sqlx::query(
        "INSERT INTO operation_runs (workspace_id, tenant_id, run_type, status, outcome, reason_code,
            summary_message, summary_counts, progress_done, progress_total, initiator_user_id,
            initiator_label, context, created_at, started_at, completed_at, heartbeat_at, claimed_by)
         SELECT $1, o.tenant_id, o.run_type, o.status, o.outcome, o.reason_code,
            CASE o.reason_code
                WHEN 'admin_consent_required' THEN
                    'AADSTS65001: The user or administrator has not consented to use the application.'
                WHEN 'connection_unhealthy' THEN 'Graph answered 503 Service Unavailable.'
                WHEN 'retryable_provider_failure' THEN
                    'The provider throttled the request; it asked to retry after 30 s.'
                WHEN 'orphaned' THEN
                    'The instance running this operation stopped before it finished.'
                WHEN 'verification_failed' THEN
                    'The provider answered with an error the check could not interpret.'
                WHEN 'internal_error' THEN 'The run hit an unexpected error; it is logged.'
                WHEN 'required_permissions_missing' THEN
                    CASE WHEN o.run_type = 'inventory.sync' THEN
                        'Part of the inventory could not be read; grant the missing permissions and sync again.'
                    END
            END,
            CASE
                WHEN o.outcome IS NULL OR o.outcome = 'failed' THEN '{}'::jsonb
                WHEN o.run_type = 'provider.connection.verify' THEN jsonb_build_object(
                    'permissions_required', 6,
                    'permissions_granted', CASE o.outcome WHEN 'succeeded' THEN 6 ELSE 4 END,
                    'permissions_missing', CASE o.outcome WHEN 'succeeded' THEN 0 ELSE 2 END)
                WHEN o.run_type = 'inventory.sync' THEN jsonb_build_object(
                    'managed_devices', 20 + floor(o.u1 * 4000)::int,
                    'configuration_profiles', 3 + floor(o.u2 * 120)::int)
                WHEN o.run_type = 'permission_posture.report' THEN jsonb_build_object(
                    'permissions_granted', CASE o.outcome WHEN 'succeeded' THEN 6 ELSE 4 END,
                    'permissions_missing', CASE o.outcome WHEN 'succeeded' THEN 0 ELSE 2 END)
                WHEN o.run_type = 'entra_admin_roles.report' THEN jsonb_build_object(
                    'roles', 8 + floor(o.u1 * 30)::int,
                    'high_privilege_roles', 1 + floor(o.u2 * 5)::int)
                ELSE jsonb_build_object('files', 5, 'bytes', 8000 + floor(o.u1 * 60000)::int)
            END,
            CASE o.status WHEN 'completed' THEN 1 ELSE 0 END,
            CASE o.status WHEN 'queued' THEN 0 ELSE 1 END,
            ($5::bigint[])[o.who + 1], ($6::text[])[o.who + 1],
            jsonb_build_object('bench', true),
            o.created_at,
            CASE WHEN o.status <> 'queued' THEN o.created_at + make_interval(secs => 1 + o.u1 * 4) END,
            CASE WHEN o.status = 'completed' THEN o.created_at + make_interval(secs => 6 + o.u2 * 170) END,
            CASE o.status
                WHEN 'completed' THEN o.created_at + make_interval(secs => 6 + o.u2 * 170)
                WHEN 'running' THEN o.created_at + make_interval(secs => 2)
            END,
            CASE WHEN o.status <> 'queued' THEN 'bench-executor' END
         FROM (
            SELECT d.*,
                CASE WHEN d.status <> 'completed' THEN NULL
                     WHEN d.u_out < 0.80 THEN 'succeeded'
                     WHEN d.u_out < 0.90 AND d.run_type IN ('provider.connection.verify',
                          'inventory.sync', 'permission_posture.report') THEN 'partially_succeeded'
                     WHEN d.u_out < 0.90 THEN 'succeeded'
                     ELSE 'failed' END AS outcome,
                CASE WHEN d.status <> 'completed' OR d.u_out < 0.80 THEN NULL
                     WHEN d.u_out < 0.90 AND d.run_type IN ('provider.connection.verify',
                          'inventory.sync', 'permission_posture.report')
                          THEN 'required_permissions_missing'
                     WHEN d.u_out < 0.90 THEN NULL
                     WHEN d.run_type = 'review_pack.generate' THEN 'internal_error'
                     ELSE ($8::text[])[d.fail_kind + 1] END AS reason_code
            FROM (
                SELECT g,
                    CASE WHEN g > $9 AND g <= $10 THEN ($4::bigint[])[(g - $9)::int]
                         ELSE ($4::bigint[])[1 + floor(random() * $3::int)::int] END AS tenant_id,
                    CASE WHEN g > $9 AND g <= $10 THEN 'provider.connection.verify'
                         ELSE ($7::text[])[1 + floor(random() * 5)::int] END AS run_type,
                    CASE WHEN g > $10 THEN CASE WHEN g % 2 = 0 THEN 'running' ELSE 'queued' END
                         ELSE 'completed' END AS status,
                    random() AS u_out,
                    floor(random() * 6)::int AS fail_kind,
                    floor(random() * 4)::int AS who,
                    random() AS u1,
                    random() AS u2,
                    $11::timestamptz + make_interval(secs => (g - 1) * $12::float8) AS created_at
                FROM generate_series(1, $2::bigint) g
                OFFSET 0
            ) d
            OFFSET 0
         ) o",
    )
    .bind(workspace_id)
    .bind(runs)
    .bind(tenant_ids.len() as i32)
    .bind(&tenant_ids)
    .bind(&initiator_ids)
    .bind(&initiator_labels)
    .bind(&types)
    .bind(&fail_reasons[..])
    .bind(sweep_lo)
    .bind(sweep_hi)
    .bind(start)
    .bind(step_secs)
    .execute(pool)
    .await?
    .rows_affected();
    done(&format!("operation runs ({n})"), started);

    let started = Instant::now();
    let n = sqlx::query(
        "INSERT INTO verification_reports (tenant_id, connection_id, run_id, overall, consent_state,
            health, reason_code, permissions, checked_at)
         SELECT r.tenant_id, c.id, r.id,
            CASE WHEN r.outcome = 'succeeded' THEN 'ready'
                 WHEN r.reason_code IN ('required_permissions_missing', 'admin_consent_required')
                      THEN 'blocked'
                 ELSE 'failed' END,
            CASE WHEN r.reason_code = 'admin_consent_required' THEN 'missing'
                 WHEN r.reason_code IN ('retryable_provider_failure', 'verification_failed')
                      THEN 'unknown'
                 ELSE 'granted' END,
            CASE WHEN r.reason_code = 'connection_unhealthy' THEN 'unhealthy'
                 WHEN r.outcome = 'succeeded' OR r.reason_code = 'required_permissions_missing'
                      THEN 'healthy'
                 ELSE 'unknown' END,
            r.reason_code,
            CASE WHEN r.outcome = 'succeeded' OR r.reason_code = 'connection_unhealthy' THEN $2
                 WHEN r.reason_code = 'required_permissions_missing' THEN $3
                 ELSE $4 END,
            r.completed_at
         FROM operation_runs r
         JOIN provider_connections c ON c.tenant_id = r.tenant_id
         WHERE r.workspace_id = $1 AND r.run_type = 'provider.connection.verify'
           AND r.status = 'completed' AND r.context ? 'bench'
           AND r.reason_code IS DISTINCT FROM 'orphaned'
           AND r.reason_code IS DISTINCT FROM 'internal_error'
         ORDER BY r.id",
    )
    .bind(workspace_id)
    .bind(Json(permission_list(|_| Value::Bool(true))))
    .bind(Json(permission_list(|k| Value::Bool(!WITHHELD.contains(&k)))))
    .bind(Json(permission_list(|_| Value::Null)))
    .execute(pool)
    .await?
    .rows_affected();
    done(&format!("verification reports ({n})"), started);

    let started = Instant::now();
    // VACUUM sets the visibility map (as autovacuum would on a live system) and ANALYZE gives
    // the planner statistics; without them the first minutes after a bulk load are atypical.
    sqlx::raw_sql("VACUUM (ANALYZE)").execute(pool).await?;
    done("VACUUM (ANALYZE)", started);
    Ok(())
}

/// What the scenarios draw from.
struct Fixture {
    /// The signed-in user's id.
    user_id: i64,
    /// Tenants of the workspace the user sees (the switcher's length).
    visible_tenants: i64,
    /// Bench tenants: id and external id.
    tenants: Vec<(i64, String)>,
    /// Every run of the workspace.
    run_ids: Vec<i64>,
}

impl Fixture {
    async fn load(pool: &PgPool) -> anyhow::Result<Fixture> {
        let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(USER)
            .fetch_one(pool)
            .await
            .with_context(|| format!("user {USER} missing"))?;
        let workspace_id: i64 = sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = $1")
            .bind(WORKSPACE)
            .fetch_one(pool)
            .await?;
        let visible_tenants: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM tenants WHERE workspace_id = $1")
                .bind(workspace_id)
                .fetch_one(pool)
                .await?;
        let tenants: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, external_id FROM tenants
             WHERE workspace_id = $1 AND external_id LIKE 'bench-%' ORDER BY id",
        )
        .bind(workspace_id)
        .fetch_all(pool)
        .await?;
        let run_ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM operation_runs WHERE workspace_id = $1")
                .bind(workspace_id)
                .fetch_all(pool)
                .await?;
        if tenants.is_empty() || run_ids.is_empty() {
            bail!("the benchmark database has no bench tenants or runs");
        }
        Ok(Fixture {
            user_id,
            visible_tenants,
            tenants,
            run_ids,
        })
    }
}

/// The application served in-process on a loopback port.
pub(crate) struct Server {
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Serves `tenantpilot::app` exactly as `serve` does, minus the run executor.
    pub(crate) async fn start(db: Db, config: Config) -> anyhow::Result<Server> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding a loopback port")?;
        let addr = listener.local_addr()?;
        let state = AppState::new(db, config, Arc::new(SystemClock));
        let app = crate::app(state);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
        });
        println!("serving the app at http://{addr}/ (no run executor)");
        Ok(Server { addr, stop, task })
    }

    /// Stops serving and waits (briefly) for open connections.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}

/// A loopback HTTP client: no redirects followed, keep-alive pool as large as the load.
pub(crate) fn http_client(clients: usize) -> anyhow::Result<reqwest::Client> {
    // reqwest is built without a default rustls provider; plain HTTP never uses it, but the
    // builder insists on one being installed. Err means one already is.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(clients.max(1))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()
        .context("building the HTTP client")
}

/// The value of cookie `name` among a response's `Set-Cookie` headers.
fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let pair = v.split(';').next()?.trim();
            let (k, val) = pair.split_once('=')?;
            (k == name && !val.is_empty()).then(|| val.to_string())
        })
}

/// The `value` of the hidden input named `field` in `html`.
fn hidden_value(html: &str, field: &str) -> Option<String> {
    let marker = format!("name=\"{field}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_string())
}

/// Signs in as [`USER`] through the login form and returns the session cookie's value.
async fn login(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    use crate::web::csrf::{FIELD, PRE_SESSION_COOKIE};
    let form = client.get(format!("{base}/login")).send().await?;
    if form.status() != reqwest::StatusCode::OK {
        bail!("GET /login answered {}", form.status());
    }
    let pre = set_cookie(&form, PRE_SESSION_COOKIE)
        .ok_or_else(|| anyhow!("GET /login set no {PRE_SESSION_COOKIE} cookie"))?;
    let html = form.text().await?;
    let token =
        hidden_value(&html, FIELD).ok_or_else(|| anyhow!("the login form has no {FIELD} field"))?;
    let answer = client
        .post(format!("{base}/login"))
        .header(
            reqwest::header::COOKIE,
            format!("{PRE_SESSION_COOKIE}={pre}"),
        )
        .form(&[("email", USER), ("password", PASSWORD), (FIELD, &token)])
        .send()
        .await?;
    if answer.status() != reqwest::StatusCode::SEE_OTHER {
        bail!(
            "POST /login answered {} instead of 303 (wrong password or CSRF?)",
            answer.status()
        );
    }
    let session = set_cookie(&answer, crate::auth::sessions::COOKIE).ok_or_else(|| {
        anyhow!(
            "POST /login set no {} cookie",
            crate::auth::sessions::COOKIE
        )
    })?;
    println!("signed in as {USER}");
    Ok(session)
}

/// Picks the path of the next request.
type Picker = Arc<dyn Fn(&mut StdRng) -> String + Send + Sync>;

/// Everything a scenario's clients share.
struct Load {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
    base: String,
    cookie: String,
    gzip: bool,
    clients: usize,
}

/// What one client task measured.
#[derive(Default)]
struct Sample {
    latencies: Vec<Duration>,
    bytes: u64,
    failures: BTreeMap<String, usize>,
    examples: Vec<String>,
}

impl Load {
    /// Sends `total` GETs from `self.clients` concurrent tasks, each request as soon as the
    /// task's previous one finished (body read completely), and summarises the latencies.
    async fn scenario(
        &self,
        name: &'static str,
        pick: Picker,
        total: usize,
        seed: u64,
    ) -> anyhow::Result<ScenarioReport> {
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        let started = Instant::now();
        for i in 0..self.clients {
            let client = self.client.clone();
            let base = self.base.clone();
            let cookie = self.cookie.clone();
            let gzip = self.gzip;
            let next = next.clone();
            let pick = pick.clone();
            let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(1_000_003) + i as u64);
            tasks.spawn_on(
                async move {
                    let mut s = Sample::default();
                    while next.fetch_add(1, Ordering::Relaxed) < total {
                        let path = pick(&mut rng);
                        let mut req = client
                            .get(format!("{base}{path}"))
                            .header(reqwest::header::COOKIE, &cookie);
                        if gzip {
                            req = req.header(reqwest::header::ACCEPT_ENCODING, "gzip");
                        }
                        let t0 = Instant::now();
                        let outcome = match req.send().await {
                            Ok(resp) => {
                                let status = resp.status();
                                match resp.bytes().await {
                                    Ok(body) => Ok((status, body.len())),
                                    Err(e) => Err(format!("body error: {e}")),
                                }
                            }
                            Err(e) => Err(format!("transport error: {e}")),
                        };
                        s.latencies.push(t0.elapsed());
                        let failure = match outcome {
                            Ok((status, len)) => {
                                s.bytes += len as u64;
                                (status != reqwest::StatusCode::OK).then(|| status.to_string())
                            }
                            Err(e) => Some(e),
                        };
                        if let Some(f) = failure {
                            if s.examples.len() < 5 {
                                s.examples.push(format!("{path}: {f}"));
                            }
                            *s.failures.entry(f).or_default() += 1;
                        }
                    }
                    s
                },
                &self.runtime,
            );
        }
        let mut all = Sample::default();
        while let Some(joined) = tasks.join_next().await {
            let s = joined.context("a client task panicked")?;
            all.latencies.extend(s.latencies);
            all.bytes += s.bytes;
            for (k, v) in s.failures {
                *all.failures.entry(k).or_default() += v;
            }
            all.examples.extend(s.examples);
        }
        let elapsed = started.elapsed();
        all.latencies.sort_unstable();
        all.examples.truncate(5);
        let n = all.latencies.len();
        Ok(ScenarioReport {
            name,
            requests: n,
            elapsed,
            p50_ms: percentile_ms(&all.latencies, 50.0),
            p90_ms: percentile_ms(&all.latencies, 90.0),
            p99_ms: percentile_ms(&all.latencies, 99.0),
            max_ms: all.latencies.last().map_or(0.0, ms),
            mean_bytes: all.bytes as f64 / n.max(1) as f64,
            failures: all.failures,
            failure_examples: all.examples,
        })
    }
}

/// Name of the load generator's threads.
const CLIENT_THREAD: &str = "bench-client";

/// CPU time counters from Linux `/proc`, in clock ticks (`None` elsewhere).
#[derive(Debug, Clone)]
struct CpuSnapshot {
    /// Non-idle ticks of the whole machine.
    busy: u64,
    /// All ticks of the whole machine (all cores).
    total: u64,
    /// Cores.
    cores: usize,
    /// This process (server and load generator).
    process: u64,
    /// The load generator's threads.
    client: u64,
    /// Ticks of every `postgres` process, by pid.
    postgres: BTreeMap<i32, u64>,
}

/// User plus system ticks from a `/proc/…/stat` line.
fn stat_ticks(stat: &str) -> Option<u64> {
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // After the command name: state is field 3, utime 14 and stime 15.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn read(path: impl AsRef<std::path::Path>) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

impl CpuSnapshot {
    fn take() -> Option<CpuSnapshot> {
        let stat = read("/proc/stat")?;
        let counters: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .take(8)
            .filter_map(|v| v.parse().ok())
            .collect();
        let total: u64 = counters.iter().sum();
        let idle = counters.get(3)? + counters.get(4).copied().unwrap_or(0);
        let cores = stat
            .lines()
            .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
            .count();
        let process = stat_ticks(&read("/proc/self/stat")?)?;
        let mut client = 0;
        for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
            let dir = task.path();
            if read(dir.join("comm")).is_some_and(|c| c.trim() == CLIENT_THREAD) {
                client += read(dir.join("stat"))
                    .and_then(|s| stat_ticks(&s))
                    .unwrap_or(0);
            }
        }
        let mut postgres = BTreeMap::new();
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let dir = entry.path();
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            if read(dir.join("comm")).is_some_and(|c| c.trim() == "postgres")
                && let Some(ticks) = read(dir.join("stat")).and_then(|s| stat_ticks(&s))
            {
                postgres.insert(pid, ticks);
            }
        }
        Some(CpuSnapshot {
            busy: total.saturating_sub(idle),
            total,
            cores: cores.max(1),
            process,
            client,
            postgres,
        })
    }
}

/// Where the CPU went during a measured scenario: cores used and CPU milliseconds per request.
fn print_cpu(before: &CpuSnapshot, after: &CpuSnapshot, backends: &[i32], r: &ScenarioReport) {
    let wall = after.total.saturating_sub(before.total) as f64 / after.cores as f64;
    if wall <= 0.0 || r.requests == 0 {
        return;
    }
    let cores = |ticks: u64| ticks as f64 / wall;
    let per_request = |c: f64| c * r.elapsed.as_secs_f64() * 1000.0 / r.requests as f64;
    let client = after.client.saturating_sub(before.client);
    let server = after
        .process
        .saturating_sub(before.process)
        .saturating_sub(client);
    let pg: u64 = backends
        .iter()
        .filter_map(|pid| {
            let now = after.postgres.get(pid)?;
            Some(now.saturating_sub(before.postgres.get(pid).copied().unwrap_or(0)))
        })
        .sum();
    let busy = after.busy.saturating_sub(before.busy);
    let others = busy.saturating_sub(server + pg + client);
    println!(
        "  CPU: machine {:.2} of {} cores busy; app server {:.2} cores = {:.2} ms/request, \
         PostgreSQL backends {:.2} cores = {:.2} ms/request, load generator {:.2} cores = {:.2} ms/request, \
         other processes {:.2} cores{}",
        cores(busy),
        after.cores,
        cores(server),
        per_request(cores(server)),
        cores(pg),
        per_request(cores(pg)),
        cores(client),
        per_request(cores(client)),
        cores(others),
        if cores(others) > 0.1 {
            " (the machine was not quiet: figures are pessimistic)"
        } else {
            ""
        },
    );
}

fn ms(d: &Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile of sorted latencies, in milliseconds.
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    ms(&sorted[rank.clamp(1, sorted.len()) - 1])
}

fn verdict(r: &ScenarioReport, args: &BenchArgs) -> &'static str {
    if r.failed() > 0 {
        "FAIL (non-200)"
    } else if r.p99_ms < args.target_p99_ms {
        "PASS"
    } else {
        "FAIL"
    }
}

fn print_report(r: &ScenarioReport, args: &BenchArgs) {
    println!();
    println!(
        "{}: {} requests, {} clients{} in {:.2} s = {:.0} req/s; mean body {:.1} KiB",
        r.name,
        r.requests,
        args.clients,
        if args.gzip { " (gzip)" } else { "" },
        r.elapsed.as_secs_f64(),
        r.throughput(),
        r.mean_bytes / 1024.0
    );
    println!(
        "  latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}  -> {} (target p99 < {} ms)",
        r.p50_ms,
        r.p90_ms,
        r.p99_ms,
        r.max_ms,
        verdict(r, args),
        args.target_p99_ms
    );
    if r.failed() > 0 {
        println!("  non-200: {:?}", r.failures);
        for e in &r.failure_examples {
            println!("    {e}");
        }
    }
}

fn print_table(reports: &[(ScenarioReport, usize)], args: &BenchArgs) {
    println!(
        "{:<40} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}  p99 < {} ms",
        "scenario",
        "requests",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "non-200",
        args.target_p99_ms
    );
    for (r, warm) in reports {
        println!(
            "{:<40} {:>8} {:>8.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8}  {}",
            r.name,
            r.requests,
            r.throughput(),
            r.p50_ms,
            r.p90_ms,
            r.p99_ms,
            r.max_ms,
            r.failed() + warm,
            verdict(r, args)
        );
    }
}

/// A bind parameter of an explained query.
#[derive(Debug, Clone)]
enum Param {
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

/// One query behind a page, copied from its repository function (for EXPLAIN only).
struct Explained {
    page: &'static str,
    source: &'static str,
    sql: String,
}

/// Columns of `RunRow`, as `operations::repo` selects them.
const RUN_COLUMNS: &str = "r.id, r.workspace_id, r.tenant_id, r.run_type, r.status, r.outcome,
    r.reason_code, r.summary_message, r.summary_counts, r.progress_done, r.progress_total,
    r.initiator_user_id, r.initiator_label, r.context, r.created_at, r.started_at,
    r.completed_at, r.heartbeat_at";

/// The visibility rule of `tenants::repo` and `operations::repo`.
const VISIBLE: &str = "(m.all_tenants OR EXISTS (SELECT 1 FROM tenant_entitlements e
    WHERE e.membership_id = m.id AND e.tenant_id = t.id))";

const REPORT_COLUMNS: &str = "id, tenant_id, connection_id, run_id, overall, consent_state, health, reason_code, permissions, checked_at";

const CONNECTION_COLUMNS: &str = "id, tenant_id, kind, directory_id, display_name,
    simulated_scenario, consent_state, health, granted_permissions, created_at, updated_at";

/// Every query the two pages issue, in request order.
fn explained_queries() -> Vec<Explained> {
    vec![
        Explained {
            page: "both",
            source: "auth::sessions::resolve",
            sql: "SELECT s.token_hash, s.csrf_token, s.last_seen_at, u.id, u.email, u.display_name,
                u.is_platform, u.locale, u.created_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2"
                .into(),
        },
        Explained {
            page: "viewer",
            source: "operations::repo::find_scoped",
            sql: format!(
                "SELECT {RUN_COLUMNS}, t.external_id AS tenant_external_id, t.name AS tenant_name,
                w.slug AS workspace_slug, m.role
             FROM operation_runs r
             JOIN tenants t ON t.id = r.tenant_id
             JOIN workspaces w ON w.id = t.workspace_id
             JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
             WHERE r.id = $2 AND {VISIBLE}"
            ),
        },
        Explained {
            page: "viewer",
            source: "providers::repo::report_for_run",
            sql: format!(
                "SELECT {REPORT_COLUMNS} FROM verification_reports WHERE run_id = $1 LIMIT 1"
            ),
        },
        Explained {
            page: "dashboard",
            source: "tenants::repo::find_scoped",
            sql: format!(
                "SELECT t.id, t.workspace_id, t.external_id, t.name, t.created_at,
                w.slug AS workspace_slug, w.name AS workspace_name, m.role
             FROM tenants t
             JOIN workspaces w ON w.id = t.workspace_id
             JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
             WHERE t.external_id = $2 AND {VISIBLE}"
            ),
        },
        Explained {
            page: "dashboard",
            source: "providers::repo::find_for_tenant",
            sql: format!(
                "SELECT {CONNECTION_COLUMNS} FROM provider_connections WHERE tenant_id = $1"
            ),
        },
        Explained {
            page: "dashboard",
            source: "providers::repo::latest_report",
            sql: format!(
                "SELECT {REPORT_COLUMNS} FROM verification_reports WHERE tenant_id = $1
             ORDER BY checked_at DESC, id DESC LIMIT 1"
            ),
        },
        Explained {
            page: "dashboard",
            source: "operations::repo::recent_for_tenant",
            sql: format!(
                "SELECT {RUN_COLUMNS} FROM operation_runs r WHERE r.tenant_id = $1
             ORDER BY r.id DESC LIMIT $2"
            ),
        },
        Explained {
            page: "both (shell)",
            source: "workspaces::repo::list_for_user",
            sql: "SELECT w.id, w.slug, w.name, m.role FROM memberships m
             JOIN workspaces w ON w.id = m.workspace_id
             WHERE m.user_id = $1 ORDER BY w.name, w.id"
                .into(),
        },
        Explained {
            page: "both (shell)",
            source: "tenants::repo::list_visible_first",
            sql: format!(
                "SELECT t.id, t.workspace_id, t.external_id, t.name, t.created_at
             FROM tenants t
             JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
             WHERE t.workspace_id = (SELECT w.id FROM workspaces w WHERE w.slug = $2) AND {VISIBLE}
             ORDER BY t.name, t.id LIMIT $3"
            ),
        },
    ]
}

/// One EXPLAIN (ANALYZE, BUFFERS) result, reduced to what the summary prints.
struct PlanSummary {
    execution_ms: f64,
    planning_ms: f64,
    rows: f64,
    hit: i64,
    read: i64,
    top: String,
    indexes: Vec<String>,
}

fn collect_indexes(plan: &Value, out: &mut Vec<String>) {
    if let Some(name) = plan.get("Index Name").and_then(Value::as_str)
        && !out.iter().any(|n| n == name)
    {
        out.push(name.to_string());
    }
    if let Some(relation) = plan.get("Relation Name").and_then(Value::as_str)
        && plan.get("Node Type").and_then(Value::as_str) == Some("Seq Scan")
    {
        let seq = format!("Seq Scan on {relation}");
        if !out.contains(&seq) {
            out.push(seq);
        }
    }
    if let Some(children) = plan.get("Plans").and_then(Value::as_array) {
        for child in children {
            collect_indexes(child, out);
        }
    }
}

async fn explain_once(pool: &PgPool, sql: &str, params: &[Param]) -> anyhow::Result<PlanSummary> {
    let mut q = sqlx::query_scalar::<_, Json<Value>>(AssertSqlSafe(format!(
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}"
    )));
    for p in params {
        q = match p {
            Param::Int(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.clone()),
            Param::Time(v) => q.bind(*v),
        };
    }
    let Json(doc) = q.fetch_one(pool).await?;
    let root = doc
        .get(0)
        .ok_or_else(|| anyhow!("EXPLAIN returned no plan"))?;
    let plan = root.get("Plan").cloned().unwrap_or(Value::Null);
    let mut indexes = Vec::new();
    collect_indexes(&plan, &mut indexes);
    let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    Ok(PlanSummary {
        execution_ms: num(root, "Execution Time"),
        planning_ms: num(root, "Planning Time"),
        rows: num(&plan, "Actual Rows"),
        hit: num(&plan, "Shared Hit Blocks") as i64,
        read: num(&plan, "Shared Read Blocks") as i64,
        top: plan
            .get("Node Type")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string(),
        indexes,
    })
}

/// Explains every query of both pages with `samples` random parameter sets each and prints the
/// median and maximum execution time.
async fn explain_all(pool: &PgPool, fixture: &Fixture, samples: usize) -> anyhow::Result<()> {
    let samples = samples.max(1);
    let token_hash: String = sqlx::query_scalar(
        "SELECT token_hash FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(fixture.user_id)
    .fetch_one(pool)
    .await
    .context("the benchmark's session is missing")?;
    let verify_runs: Vec<i64> = sqlx::query_scalar(
        "SELECT run_id FROM verification_reports ORDER BY run_id DESC LIMIT 10000",
    )
    .fetch_all(pool)
    .await?;
    let mut rng = StdRng::seed_from_u64(42);
    println!(
        "EXPLAIN (ANALYZE, BUFFERS), {samples} random parameter sets per query (warm cache): \
         execution time median / max, planning median"
    );
    println!(
        "{:<13} {:<40} {:>8} {:>8} {:>8} {:>6} {:>7}  plan",
        "page", "query", "exec p50", "exec max", "planning", "rows", "buffers"
    );
    for q in explained_queries() {
        let mut results = Vec::with_capacity(samples);
        for _ in 0..samples {
            let (tenant_id, external_id) =
                fixture.tenants[rng.gen_range(0..fixture.tenants.len())].clone();
            let run_id = fixture.run_ids[rng.gen_range(0..fixture.run_ids.len())];
            let params = match q.source {
                "auth::sessions::resolve" => {
                    vec![Param::Text(token_hash.clone()), Param::Time(Utc::now())]
                }
                "operations::repo::find_scoped" => {
                    vec![Param::Int(fixture.user_id), Param::Int(run_id)]
                }
                "providers::repo::report_for_run" => {
                    let id = if verify_runs.is_empty() {
                        run_id
                    } else {
                        verify_runs[rng.gen_range(0..verify_runs.len())]
                    };
                    vec![Param::Int(id)]
                }
                "tenants::repo::find_scoped" => {
                    vec![Param::Int(fixture.user_id), Param::Text(external_id)]
                }
                "operations::repo::recent_for_tenant" => {
                    vec![Param::Int(tenant_id), Param::Int(10)]
                }
                "workspaces::repo::list_for_user" => vec![Param::Int(fixture.user_id)],
                "tenants::repo::list_visible_first" => vec![
                    Param::Int(fixture.user_id),
                    Param::Text(WORKSPACE.to_string()),
                    // The switcher's 25 entries plus one to learn whether there are more.
                    Param::Int(crate::web::shell::SWITCHER_LIMIT + 1),
                ],
                _ => vec![Param::Int(tenant_id)],
            };
            results.push(explain_once(pool, &q.sql, &params).await?);
        }
        let mut exec: Vec<f64> = results.iter().map(|r| r.execution_ms).collect();
        let mut plan: Vec<f64> = results.iter().map(|r| r.planning_ms).collect();
        exec.sort_by(f64::total_cmp);
        plan.sort_by(f64::total_cmp);
        let last = results
            .last()
            .ok_or_else(|| anyhow!("no EXPLAIN samples"))?;
        println!(
            "{:<13} {:<40} {:>6.3}ms {:>6.3}ms {:>6.3}ms {:>6} {:>7}  {} [{}]",
            q.page,
            q.source,
            exec[exec.len() / 2],
            exec[exec.len() - 1],
            plan[plan.len() / 2],
            last.rows,
            format!("{}h/{}r", last.hit, last.read),
            last.top,
            last.indexes.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bench_databases_are_accepted() {
        let t = BenchTarget::parse("postgres://postgres@127.0.0.1:5432/tenantpilot_bench")
            .expect("valid bench URL");
        assert_eq!(t.db_name, "tenantpilot_bench");
        assert_eq!(t.admin_url, "postgres://postgres@127.0.0.1:5432/postgres");
        assert!(BenchTarget::parse("postgres://postgres@127.0.0.1/tenantpilot").is_err());
        assert!(BenchTarget::parse("postgres://postgres@127.0.0.1/").is_err());
        assert!(BenchTarget::parse("postgres://h/bench\"; DROP").is_err());
        assert!(BenchTarget::parse("sqlite://bench.db").is_err());
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile_ms(&v, 50.0), 50.0);
        assert_eq!(percentile_ms(&v, 99.0), 99.0);
        assert_eq!(percentile_ms(&v, 100.0), 100.0);
        assert_eq!(percentile_ms(&[], 99.0), 0.0);
    }

    #[test]
    fn reads_cookies_and_hidden_fields() {
        assert_eq!(
            hidden_value(
                r#"<input type="hidden" name="_csrf" value="abc-1">"#,
                "_csrf"
            ),
            Some("abc-1".into())
        );
        assert_eq!(hidden_value("<form></form>", "_csrf"), None);
    }
}

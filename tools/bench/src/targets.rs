//! `tenantpilot-bench all`: issue 17's targets in one run, one table and a verdict per target.
//!
//! Against one PostgreSQL benchmark database (loaded like `pages` does, or reused):
//! 1. the baselines, `pgbench` with the same client count: a `-S` equivalent on our own data
//!    (one `operation_runs` row by primary key, [`pgbench::select_script`]) and a single-row
//!    `INSERT` ([`pgbench::INSERT_SCRIPT`]);
//! 2. the real server as its own process, driven closed-loop for `--seconds` per scenario: the
//!    run viewer, tenant dashboard and fleet list (HTML, signed in as the owner), the API reads
//!    of a run, a tenant and a tenant's runs (the owner's bearer token), and the `internal_only`
//!    submit as operator (canonical context) and as owner (diagnostic snapshot);
//! 3. one table: req/s, share of the scenario's baseline, p50/p99/max, failures, server CPU per
//!    request and peak RSS, and the verdict against the targets; then, with
//!    `--growth-database-url`, the one-client median of every read on both data sets.
//!
//! Missed targets are a result, not an error: the command exits 0 and says which were missed.
//! It fails only when the run itself is invalid (requests that did not answer 200, no data).

use crate::{
    closed_loop::{Budget, MakeRequest, ScenarioReport, drive},
    http::{http_client, login},
    pages::{self, DataSet, PASSWORD, USER, WORKSPACE, load::Fixture, scenario::Load},
    pgbench::{self, Pgbench},
    procstat::{self, CpuSnapshot, Usage},
    server::{self, Server, ServerArgs, ServerConfig, api_token},
    support_requests::submit_request,
    target::{BenchTarget, pg_pool},
};
use anyhow::bail;
use rand::rngs::StdRng;
use std::{sync::Arc, time::Duration};
use tenantpilot::db::Db;

/// The user the canonical-context submit is sent as (operator: no diagnostic snapshot).
const OPERATOR: &str = "operator@contoso.test";

/// RSS every load must stay under, in MiB.
const RSS_TARGET_MIB: f64 = 64.0;

/// How much slower than pgbench's own p99 a scenario's p99 may be.
const P99_FACTOR: f64 = 3.0;

/// How much slower a page may get on the larger data set (one client, median).
const GROWTH_FACTOR: f64 = 1.2;

/// Options of `tenantpilot-bench all`.
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
    /// Keep an existing database when it already holds the same number of tenants and runs
    /// (for both data sets).
    #[arg(long)]
    pub reuse: bool,
    /// Concurrent closed-loop clients, for pgbench and for every HTTP scenario.
    #[arg(long, default_value_t = 20)]
    pub clients: usize,
    /// Measured seconds per scenario (and per pgbench baseline, and per one-client read of
    /// the growth comparison).
    #[arg(long, default_value_t = 15)]
    pub seconds: u32,
    /// Unmeasured warm-up seconds before each HTTP scenario.
    #[arg(long, default_value_t = 2)]
    pub warmup_seconds: u32,
    /// Path of the `pgbench` binary.
    #[arg(long, default_value = "pgbench")]
    pub pgbench: String,
    /// A second, larger benchmark database for the growth target (name must contain `bench`);
    /// without it the growth comparison is skipped.
    #[arg(long)]
    pub growth_database_url: Option<String>,
    /// Tenants of the growth data set.
    #[arg(long, default_value_t = 10_000)]
    pub growth_tenants: u32,
    /// Runs of the growth data set.
    #[arg(long, default_value_t = 10_000_000)]
    pub growth_runs: u32,
    /// Parameter samples per query for the `EXPLAIN (ANALYZE, BUFFERS)` summary of the run
    /// viewer's and dashboard's statements (0: skip it).
    #[arg(long, default_value_t = 20)]
    pub explain_samples: usize,
    /// Only the growth comparison (needs `--growth-database-url`): no baselines, no loaded
    /// scenarios, no EXPLAIN pass.
    #[arg(long, requires = "growth_database_url")]
    pub growth_only: bool,
    /// Where the server under test comes from.
    #[command(flatten)]
    pub server: ServerArgs,
}

/// What a scenario is judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An HTML page: ≥ 25 % of `pgbench -S`.
    Page,
    /// An API read: ≥ 35 % of `pgbench -S`.
    ApiRead,
    /// The submit with canonical context: ≥ 25 % of the single-row insert.
    SubmitCanonical,
    /// The submit with a diagnostic snapshot: ≥ 10 % of the single-row insert.
    SubmitSnapshot,
}

impl Kind {
    /// The share of its baseline the scenario must reach, in percent.
    fn target_share(self) -> f64 {
        match self {
            Kind::Page => 25.0,
            Kind::ApiRead => 35.0,
            Kind::SubmitCanonical => 25.0,
            Kind::SubmitSnapshot => 10.0,
        }
    }

    /// Whether the baseline is the single-row insert (else `pgbench -S`).
    fn is_write(self) -> bool {
        matches!(self, Kind::SubmitCanonical | Kind::SubmitSnapshot)
    }
}

/// One scenario: its name, what it is judged against and the requests it sends.
pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    kind: Kind,
    pub(crate) make: MakeRequest,
}

/// A GET of `pick`'s paths with a bearer token.
fn api_get(
    base: &str,
    token: &str,
    pick: impl Fn(&mut StdRng) -> String + Send + Sync + 'static,
) -> MakeRequest {
    let base = base.to_string();
    let token = token.to_string();
    Arc::new(move |client: &reqwest::Client, rng: &mut StdRng, _, _| {
        let path = pick(rng);
        let req = client.get(format!("{base}{path}")).bearer_auth(&token);
        (path, req)
    })
}

/// The read scenarios (HTML pages with the owner's session, API reads with the owner's
/// token), in table order.
pub(crate) fn reads(fixture: &Arc<Fixture>, load: &Load, owner_token: &str) -> Vec<Scenario> {
    let page = |name, pick| Scenario {
        name,
        kind: Kind::Page,
        make: load.get(pick),
    };
    let api = |name, pick: fn(&Fixture, &mut StdRng) -> String| {
        let f = fixture.clone();
        Scenario {
            name,
            kind: Kind::ApiRead,
            make: api_get(&load.base, owner_token, move |rng| pick(&f, rng)),
        }
    };
    vec![
        page(
            "run viewer GET /admin/operations/{id}",
            fixture.random_path(|f, rng| format!("/admin/operations/{}", f.random_run(rng))),
        ),
        page(
            "tenant dashboard GET /admin/t/{tenant}",
            fixture.random_path(|f, rng| format!("/admin/t/{}", f.random_tenant(rng))),
        ),
        page(
            "fleet list GET /admin/w/{workspace}",
            fixture.random_path(|_, _| format!("/admin/w/{WORKSPACE}")),
        ),
        api("API GET /api/v1/operations/{run}", |f, rng| {
            format!("/api/v1/operations/{}", f.random_run(rng))
        }),
        api("API GET /api/v1/tenants/{tenant}", |f, rng| {
            format!("/api/v1/tenants/{}", f.random_tenant(rng))
        }),
        api("API GET /api/v1/tenants/{tenant}/operations", |f, rng| {
            format!("/api/v1/tenants/{}/operations", f.random_tenant(rng))
        }),
    ]
}

/// A server started on one data set, signed in, with the fixture and the read scenarios.
pub(crate) struct Session {
    pub(crate) server: Server,
    pub(crate) client: reqwest::Client,
    pub(crate) fixture: Arc<Fixture>,
    pub(crate) load: Load,
    pub(crate) owner_token: String,
    operator_token: String,
}

impl Session {
    /// Pauses run execution in `db`, creates the API tokens, starts the server on `url` and
    /// signs in as the owner through the login form.
    async fn start(args: &BenchArgs, db: &Db, url: &str) -> anyhow::Result<Session> {
        let fixture = Arc::new(Fixture::load(&pg_pool(db)?).await?);
        Session::serve(&args.server, args.clients, db, url, fixture).await
    }

    /// [`Session::start`] with the fixture already read (e.g. from a copy of `db`'s data).
    pub(crate) async fn serve(
        server: &ServerArgs,
        clients: usize,
        db: &Db,
        url: &str,
        fixture: Arc<Fixture>,
    ) -> anyhow::Result<Session> {
        println!(
            "fixture: {} tenants visible to {USER} in {WORKSPACE}, {} bench tenants, {} runs there",
            fixture.visible_tenants,
            fixture.tenants.len(),
            fixture.run_ids.len()
        );
        let owner_token = api_token(db, USER).await?;
        let operator_token = api_token(db, OPERATOR).await?;
        server::pause_run_execution(db).await?;
        let server = Server::start(server, url, ServerConfig::DefaultsLongTimeout).await?;
        let base = server.base();
        let session = login(&http_client(1)?, &base, USER, PASSWORD).await?;
        let client = http_client(clients)?;
        let load = Load {
            client: client.clone(),
            base,
            cookie: format!("{}={session}", tenantpilot::auth::sessions::COOKIE),
            gzip: false,
            clients,
        };
        Ok(Session {
            server,
            client,
            fixture,
            load,
            owner_token,
            operator_token,
        })
    }

    /// Every scenario of the table: the reads, then the two submits.
    fn scenarios(&self) -> Vec<Scenario> {
        let mut all = reads(&self.fixture, &self.load, &self.owner_token);
        let tenants: Arc<Vec<String>> = Arc::new(
            self.fixture
                .tenants
                .iter()
                .map(|(_, e)| e.clone())
                .collect(),
        );
        all.push(Scenario {
            name: "submit internal_only, operator (canonical)",
            kind: Kind::SubmitCanonical,
            make: submit_request(&self.load.base, &self.operator_token, tenants.clone()),
        });
        all.push(Scenario {
            name: "submit internal_only, owner (snapshot)",
            kind: Kind::SubmitSnapshot,
            make: submit_request(&self.load.base, &self.owner_token, tenants),
        });
        all
    }
}

/// A measured scenario with its CPU and memory.
struct Row {
    kind: Kind,
    report: ScenarioReport,
    warmup_failures: usize,
    usage: Option<Usage>,
    /// Database statements the server sent per request (repo statements, BEGIN, COMMIT).
    statements: Option<f64>,
}

/// The server's statement counter from `/metrics`, `None` when it cannot be read.
async fn server_statements(client: &reqwest::Client, base: &str) -> Option<u64> {
    let body = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    body.lines()
        .find_map(|line| line.strip_prefix(tenantpilot::web::metrics::STATEMENTS))
        .and_then(|rest| rest.trim().parse().ok())
}

/// Seconds as a [`Duration`].
pub(crate) fn secs(s: u32) -> Duration {
    Duration::from_secs(u64::from(s))
}

/// Runs every target's measurement and prints the table and verdicts.
pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if args.tenants == 0 || args.runs == 0 || args.clients == 0 || args.seconds == 0 {
        bail!("--tenants, --runs, --clients and --seconds must be at least 1");
    }
    let target = BenchTarget::parse(&args.database_url)?;
    let growth = match &args.growth_database_url {
        Some(url) => {
            let growth = BenchTarget::parse(url)?;
            if growth.db_name == target.db_name {
                bail!("--growth-database-url must name another database than --database-url");
            }
            if args.growth_tenants <= args.tenants || args.growth_runs <= args.runs {
                println!(
                    "note: the growth data set ({} tenants, {} runs) is not larger than the \
                     main one; the growth comparison then shows noise, not growth",
                    args.growth_tenants, args.growth_runs
                );
            }
            Some(growth)
        }
        None => None,
    };
    if cfg!(debug_assertions) {
        println!(
            "note: this is a DEBUG build; its figures say nothing about the targets \
             (build with --release for a real measurement)"
        );
    }
    let data = DataSet {
        tenants: args.tenants,
        runs: args.runs,
    };
    println!(
        "benchmark database {} ({} tenants, {} runs), {} clients, {} s per scenario",
        target.db_name, args.tenants, args.runs, args.clients, args.seconds
    );
    let db = pages::prepare(&target, data, args.reuse).await?;
    let pool = pg_pool(&db)?;

    if args.growth_only {
        let session = Session::start(args, &db, &target.url).await?;
        let failures = compare_growth(args, data, &db, growth.as_ref(), session).await?;
        db.close().await;
        if failures > 0 {
            bail!("{failures} requests did not answer 200 in the growth comparison");
        }
        return Ok(());
    }

    // 1. The baselines, before the server starts, with the same client count.
    let fixture = Fixture::load(&pool).await?;
    let (lo, hi) = fixture
        .run_ids
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), &id| {
            (lo.min(id), hi.max(id))
        });
    pgbench::create_insert_table(&pool).await?;
    let bench = Pgbench {
        bin: args.pgbench.clone(),
        clients: args.clients,
        seconds: args.seconds,
    };
    println!("\nbaselines (pgbench, {} clients):", args.clients);
    let select = bench.run(
        &target,
        "pgbench -S equivalent (operation_runs by id)",
        &pgbench::select_script(lo, hi),
    )?;
    print_line(&select);
    let insert = bench.run(&target, "pgbench single-row INSERT", pgbench::INSERT_SCRIPT)?;
    print_line(&insert);

    // 2. Every scenario against the real server.
    let session = Session::start(args, &db, &target.url).await?;
    let mut rows = Vec::new();
    for (seed, s) in (1_u64..).zip(session.scenarios()) {
        let warm = drive(
            &session.client,
            args.clients,
            Budget::For(secs(args.warmup_seconds)),
            seed ^ 0xabcd,
            s.name,
            s.make.clone(),
        )
        .await?;
        let peak_reset = procstat::reset_peak(session.server.pid());
        let statements_before = server_statements(&session.client, &session.load.base).await;
        let before = CpuSnapshot::take(session.server.pid());
        let report = drive(
            &session.client,
            args.clients,
            Budget::For(secs(args.seconds)),
            seed,
            s.name,
            s.make,
        )
        .await?;
        let after = CpuSnapshot::take(session.server.pid());
        let statements = match (
            statements_before,
            server_statements(&session.client, &session.load.base).await,
        ) {
            (Some(before), Some(after)) if report.requests > 0 => {
                Some(after.saturating_sub(before) as f64 / report.requests as f64)
            }
            _ => None,
        };
        println!();
        print_line(&report);
        if let Some(per_request) = statements {
            println!("  database statements per request (server's own count): {per_request:.2}");
        }
        if warm.failed() > 0 {
            println!("  warm-up: {} non-200 answers", warm.failed());
            warm.print_failures();
        }
        report.print_failures();
        let backends = procstat::backends(&pool).await?;
        let usage = match (before, after) {
            (Some(before), Some(after)) => {
                procstat::print_cpu(&before, &after, &backends, report.requests, report.elapsed)
            }
            _ => None,
        };
        if !peak_reset {
            println!("  (the server's peak RSS could not be reset: the peak includes start-up)");
        }
        rows.push(Row {
            kind: s.kind,
            report,
            warmup_failures: warm.failed(),
            usage,
            statements,
        });
    }
    println!();
    print_table(&select, &insert, &rows);

    if args.explain_samples > 0 {
        println!();
        pages::explain::explain_all(&pool, &session.fixture, args.explain_samples).await?;
    }

    // 3. The growth target: one client, median, both data sets in this run.
    let growth_failures = compare_growth(args, data, &db, growth.as_ref(), session).await?;
    db.close().await;

    let failed: usize = rows
        .iter()
        .map(|r| r.report.failed() + r.warmup_failures)
        .sum::<usize>()
        + growth_failures;
    if failed > 0 {
        bail!(
            "{failed} requests did not answer 200, so the figures are not a measurement of \
             the product; see the failures above"
        );
    }
    Ok(())
}

/// The growth target: the one-client median of every read on `session`'s data set (`db`) and
/// on the growth data set, in this run, each followed by the EXPLAIN pass on its data (the
/// main one only with `--growth-only`: the full run explained it already); stops `session`'s
/// server. Returns the non-200 answers.
async fn compare_growth(
    args: &BenchArgs,
    data: DataSet,
    db: &Db,
    growth: Option<&BenchTarget>,
    session: Session,
) -> anyhow::Result<usize> {
    let Some(growth) = growth else {
        println!(
            "\ngrowth target: skipped (no --growth-database-url; give a second, larger data \
             set to compare one-client latencies)"
        );
        session.server.stop().await;
        return Ok(0);
    };
    let small = one_client(args, &session).await?;
    session.server.stop().await;
    // (The full run explained the main data set already, after its scenarios.)
    if args.growth_only && args.explain_samples > 0 {
        println!();
        let pool = pg_pool(db)?;
        pages::explain::explain_all(&pool, &session.fixture, args.explain_samples).await?;
    }
    let large_data = DataSet {
        tenants: args.growth_tenants,
        runs: args.growth_runs,
    };
    println!(
        "\ngrowth data set {} ({} tenants, {} runs)",
        growth.db_name, large_data.tenants, large_data.runs
    );
    let large_db = pages::prepare(growth, large_data, args.reuse).await?;
    let large_session = Session::start(args, &large_db, &growth.url).await?;
    let large = one_client(args, &large_session).await?;
    large_session.server.stop().await;
    if args.explain_samples > 0 {
        println!();
        let pool = pg_pool(&large_db)?;
        pages::explain::explain_all(&pool, &large_session.fixture, args.explain_samples).await?;
    }
    large_db.close().await;
    println!();
    print_growth(data, large_data, &small, &large);
    Ok(small.iter().chain(&large).map(|r| r.failed()).sum())
}

/// The one-client median of every read scenario of `session` (after a short warm-up).
async fn one_client(args: &BenchArgs, session: &Session) -> anyhow::Result<Vec<ScenarioReport>> {
    let mut out = Vec::new();
    for (seed, s) in (100_u64..).zip(reads(&session.fixture, &session.load, &session.owner_token)) {
        drive(
            &session.client,
            1,
            Budget::For(secs(args.warmup_seconds)),
            seed ^ 0xabcd,
            s.name,
            s.make.clone(),
        )
        .await?;
        let r = drive(
            &session.client,
            1,
            Budget::For(secs(args.seconds)),
            seed,
            s.name,
            s.make,
        )
        .await?;
        r.print_failures();
        out.push(r);
    }
    Ok(out)
}

/// One line of a measured load.
pub(crate) fn print_line(r: &ScenarioReport) {
    println!(
        "{}: {} requests in {:.1} s = {:.0}/s; p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
         {} failures",
        r.name,
        r.requests,
        r.elapsed.as_secs_f64(),
        r.per_second,
        r.p50_ms,
        r.p90_ms,
        r.p99_ms,
        r.max_ms,
        r.failed()
    );
}

/// What a scenario missed of its targets; empty when it met them all.
fn misses(
    kind: Kind,
    r: &ScenarioReport,
    baseline: &ScenarioReport,
    usage: Option<&Usage>,
) -> Vec<String> {
    let mut out = Vec::new();
    let share = share(r, baseline);
    if share < kind.target_share() {
        out.push(format!("share < {:.0} %", kind.target_share()));
    }
    if r.p99_ms > P99_FACTOR * baseline.p99_ms {
        out.push(format!("p99 > {P99_FACTOR:.0}× pgbench"));
    }
    match usage {
        Some(u) if u.server_peak_mib > RSS_TARGET_MIB => {
            out.push(format!("RSS > {RSS_TARGET_MIB:.0} MiB"));
        }
        Some(_) => {}
        None => out.push("RSS not measured".into()),
    }
    if r.failed() > 0 {
        out.push(format!("{} failures", r.failed()));
    }
    out
}

/// `r`'s throughput as a percentage of `baseline`'s.
fn share(r: &ScenarioReport, baseline: &ScenarioReport) -> f64 {
    r.per_second / baseline.per_second.max(f64::EPSILON) * 100.0
}

/// The one table: baselines, then each scenario with its share, latencies, CPU, RSS and verdict.
fn print_table(select: &ScenarioReport, insert: &ScenarioReport, rows: &[Row]) {
    println!(
        "targets: HTML pages ≥ 25 % of -S, API reads ≥ 35 % of -S, submits ≥ 25 % (canonical) / \
         ≥ 10 % (snapshot) of INSERT, p99 ≤ {P99_FACTOR:.0}× the baseline's p99, server peak RSS \
         during the scenario ≤ {RSS_TARGET_MIB:.0} MiB"
    );
    println!(
        "{:<46} {:>8} {:>15} {:>8} {:>8} {:>8} {:>6} {:>9} {:>8} {:>7}  verdict",
        "scenario",
        "req/s",
        "share",
        "p50 ms",
        "p99 ms",
        "max ms",
        "fail",
        "CPU ms/r",
        "RSS MiB",
        "stmts/r"
    );
    for b in [select, insert] {
        println!(
            "{:<46} {:>8.0} {:>15} {:>8.2} {:>8.2} {:>8.2} {:>6} {:>9} {:>8} {:>7}  baseline",
            b.name,
            b.per_second,
            "100 %",
            b.p50_ms,
            b.p99_ms,
            b.max_ms,
            b.failed(),
            "",
            "",
            "1"
        );
    }
    let mut met = 0;
    for row in rows {
        let (baseline, of) = if row.kind.is_write() {
            (insert, "INSERT")
        } else {
            (select, "-S")
        };
        let r = &row.report;
        let missed = misses(row.kind, r, baseline, row.usage.as_ref());
        if missed.is_empty() {
            met += 1;
        }
        println!(
            "{:<46} {:>8.0} {:>15} {:>8.2} {:>8.2} {:>8.2} {:>6} {:>9} {:>8} {:>7}  {}",
            r.name,
            r.per_second,
            format!("{:.1} % of {of}", share(r, baseline)),
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.failed() + row.warmup_failures,
            row.usage.map_or("-".to_string(), |u| format!(
                "{:.2}",
                u.server_ms_per_request
            )),
            row.usage
                .map_or("-".to_string(), |u| format!("{:.1}", u.server_peak_mib)),
            row.statements
                .map_or("-".to_string(), |n| format!("{n:.2}")),
            if missed.is_empty() {
                "met".to_string()
            } else {
                format!("NOT met: {}", missed.join(", "))
            }
        );
    }
    println!(
        "{met} of {} scenarios meet every target (missed targets are a measurement, not an error)",
        rows.len()
    );
}

/// The growth comparison: one-client medians on both data sets and their ratio.
fn print_growth(
    small: DataSet,
    large: DataSet,
    at_small: &[ScenarioReport],
    at_large: &[ScenarioReport],
) {
    println!(
        "growth target: one client, median, {} tenants / {} runs against {} / {} (≤ {GROWTH_FACTOR}×)",
        small.tenants, small.runs, large.tenants, large.runs
    );
    println!(
        "{:<46} {:>10} {:>10} {:>7}  verdict",
        "read", "small ms", "large ms", "ratio"
    );
    let mut met = 0;
    for (s, l) in at_small.iter().zip(at_large) {
        let ratio = l.p50_ms / s.p50_ms.max(f64::EPSILON);
        let ok = ratio <= GROWTH_FACTOR && s.failed() + l.failed() == 0;
        if ok {
            met += 1;
        }
        println!(
            "{:<46} {:>10.2} {:>10.2} {:>6.2}×  {}",
            s.name,
            s.p50_ms,
            l.p50_ms,
            ratio,
            if ok { "met" } else { "NOT met" }
        );
    }
    println!("{met} of {} reads meet the growth target", at_small.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(per_second: f64, p99_ms: f64) -> ScenarioReport {
        let mut r = ScenarioReport::from_latencies("x", Vec::new(), secs(1), Some(per_second));
        r.p99_ms = p99_ms;
        r
    }

    #[test]
    fn verdicts_name_each_missed_target() {
        let select = report(1000.0, 2.0);
        let usage = |peak| Usage {
            cores: 2,
            busy_cores: 0.0,
            server_cores: 0.0,
            server_ms_per_request: 0.0,
            postgres_cores: 0.0,
            postgres_ms_per_request: 0.0,
            client_cores: 0.0,
            client_ms_per_request: 0.0,
            other_cores: 0.0,
            server_rss_before_mib: 0.0,
            server_rss_mib: peak,
            server_peak_mib: peak,
            client_rss_mib: (0.0, 0.0, 0.0),
        };
        // 30 % of -S with p99 at 3× and 40 MiB: a page meets every target, an API read not.
        let r = report(300.0, 6.0);
        assert!(misses(Kind::Page, &r, &select, Some(&usage(40.0))).is_empty());
        assert_eq!(
            misses(Kind::ApiRead, &r, &select, Some(&usage(40.0))),
            vec!["share < 35 %"]
        );
        let slow = report(300.0, 6.1);
        assert_eq!(
            misses(Kind::Page, &slow, &select, Some(&usage(65.0))),
            vec!["p99 > 3× pgbench", "RSS > 64 MiB"]
        );
        assert_eq!(
            misses(Kind::SubmitSnapshot, &report(99.0, 1.0), &select, None),
            vec!["share < 10 %", "RSS not measured"]
        );
        assert!(Kind::SubmitCanonical.is_write() && !Kind::Page.is_write());
    }
}

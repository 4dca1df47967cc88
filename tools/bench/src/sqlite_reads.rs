//! `tenantpilot-bench sqlite-reads`: issue 17's embedded-default target, "on SQLite, the same
//! read pages at least as fast as on PostgreSQL", measured on the same data in one run.
//!
//! 1. The PostgreSQL benchmark database is loaded like `all` does (reused when it holds the
//!    same sizes).
//! 2. A SQLite file gets the product's own migrations, then every table's rows are copied from
//!    PostgreSQL generically (columns from the SQLite schema, each PostgreSQL value decoded by
//!    its type and bound through sqlx, so it is stored exactly as the app stores it), in
//!    batches of [`BATCH`] rows per transaction. The telemetry event ledger is left out: no read
//!    page touches it. `--reuse` keeps the file when its data tables hold PostgreSQL's counts.
//! 3. Two release servers, one per database, serve the same read scenarios as `all`
//!    ([`targets::reads`]) with the same clients, seconds and random paths; the scenarios
//!    alternate between the two servers so a busy machine's drift hits both alike.
//! 4. One table: req/s, ratio, p50/p99 and CPU per request of both, and "met" where SQLite
//!    serves at least PostgreSQL's req/s.

use crate::{
    closed_loop::{Budget, ScenarioReport, drive},
    pages::{self, DataSet, load::Fixture},
    procstat::{self, CpuSnapshot, Usage},
    server::ServerArgs,
    target::{BenchTarget, pg_pool},
    targets::{self, Session, print_line, secs},
};
use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{
    AssertSqlSafe, Column, ConnectOptions, Connection, PgPool, Row, SqliteConnection, TypeInfo,
    postgres::PgRow,
    sqlite::{SqliteConnectOptions, SqliteSynchronous},
    types::Json,
};
use std::{
    path::{Path, PathBuf},
    str::FromStr,
    sync::Arc,
    time::Instant,
};
use tenantpilot::db::{Db, migrate};

/// Rows copied per SQLite transaction (and fetched per PostgreSQL cursor step).
const BATCH: usize = 5_000;

/// Tables not copied: the telemetry event ledger, which no read page reads.
const SKIPPED: &[&str] = &["product_usage_events"];

/// The tables whose counts must match for `--reuse` to keep the SQLite file (the loaded data;
/// sessions, tokens and audit rows grow with every run on either side).
const DATA_TABLES: &[&str] = &[
    "tenants",
    "provider_connections",
    "operation_runs",
    "verification_reports",
];

/// Options of `tenantpilot-bench sqlite-reads`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// PostgreSQL URL of the benchmark database (name must contain `bench`); reused when it
    /// holds the same sizes, else loaded as by `all`.
    #[arg(long)]
    pub database_url: String,
    /// The SQLite file the data is copied into (its name must contain `bench`: it is replaced).
    #[arg(long, default_value = "target/bench/tenantpilot-bench.db")]
    pub sqlite_path: PathBuf,
    /// Bench tenants of the PostgreSQL data set.
    #[arg(long, default_value_t = 1000)]
    pub tenants: u32,
    /// Operation runs of the PostgreSQL data set.
    #[arg(long, default_value_t = 1_000_000)]
    pub runs: u32,
    /// Keep the SQLite file when its data tables already hold PostgreSQL's row counts.
    #[arg(long)]
    pub reuse: bool,
    /// Concurrent closed-loop clients per scenario, on both databases.
    #[arg(long, default_value_t = 20)]
    pub clients: usize,
    /// Measured seconds per scenario and database.
    #[arg(long, default_value_t = 15)]
    pub seconds: u32,
    /// Unmeasured warm-up seconds before each measurement.
    #[arg(long, default_value_t = 2)]
    pub warmup_seconds: u32,
    /// Where the server under test comes from.
    #[command(flatten)]
    pub server: ServerArgs,
}

/// One column value read from PostgreSQL, in the Rust type the app binds for it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Bool(bool),
    Float(f64),
    Text(String),
    Time(DateTime<Utc>),
    Date(NaiveDate),
    Json(serde_json::Value),
    Bytes(Vec<u8>),
}

/// Column `i` of `row`, decoded by its PostgreSQL type.
fn decode(row: &PgRow, i: usize) -> anyhow::Result<Cell> {
    let column = row.column(i);
    let cell = match column.type_info().name() {
        "INT8" => row.try_get::<Option<i64>, _>(i)?.map(Cell::Int),
        "INT4" => row
            .try_get::<Option<i32>, _>(i)?
            .map(|v| Cell::Int(v.into())),
        "INT2" => row
            .try_get::<Option<i16>, _>(i)?
            .map(|v| Cell::Int(v.into())),
        "BOOL" => row.try_get::<Option<bool>, _>(i)?.map(Cell::Bool),
        "FLOAT8" => row.try_get::<Option<f64>, _>(i)?.map(Cell::Float),
        "TEXT" | "VARCHAR" | "BPCHAR" => row.try_get::<Option<String>, _>(i)?.map(Cell::Text),
        "TIMESTAMPTZ" => row.try_get::<Option<DateTime<Utc>>, _>(i)?.map(Cell::Time),
        "DATE" => row.try_get::<Option<NaiveDate>, _>(i)?.map(Cell::Date),
        "JSON" | "JSONB" => row
            .try_get::<Option<Json<serde_json::Value>>, _>(i)?
            .map(|j| Cell::Json(j.0)),
        "BYTEA" => row.try_get::<Option<Vec<u8>>, _>(i)?.map(Cell::Bytes),
        other => bail!(
            "column {} has PostgreSQL type {other}, which the copy does not map",
            column.name()
        ),
    };
    Ok(cell.unwrap_or(Cell::Null))
}

type SqliteQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

/// `query` with `cell` bound as the app binds such a value (sqlx's own SQLite encoding).
fn bind(query: SqliteQuery<'_>, cell: Cell) -> SqliteQuery<'_> {
    match cell {
        Cell::Null => query.bind(None::<i64>),
        Cell::Int(v) => query.bind(v),
        Cell::Bool(v) => query.bind(v),
        Cell::Float(v) => query.bind(v),
        Cell::Text(v) => query.bind(v),
        Cell::Time(v) => query.bind(v),
        Cell::Date(v) => query.bind(v),
        Cell::Json(v) => query.bind(Json(v)),
        Cell::Bytes(v) => query.bind(v),
    }
}

/// `sqlite://` URL of `path`, made absolute (the server runs from the same directory anyway).
fn sqlite_url(path: &Path) -> anyhow::Result<String> {
    let absolute =
        std::path::absolute(path).with_context(|| format!("resolving {}", path.display()))?;
    Ok(format!("sqlite://{}", absolute.display()))
}

/// Refuses paths whose file name lacks `bench`: the copy deletes the file first.
fn check_path(path: &Path) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !name.contains("bench") {
        bail!(
            "refusing --sqlite-path {}: the copy replaces the file, so its name must contain \
             \"bench\"",
            path.display()
        );
    }
    Ok(())
}

/// The product tables of the migrated SQLite schema, in name order, without sqlx's ledger and
/// [`SKIPPED`].
async fn tables(conn: &mut SqliteConnection) -> anyhow::Result<Vec<String>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(names
        .into_iter()
        .filter(|n| {
            !migrate::BOOKKEEPING_TABLES.contains(&n.as_str()) && !SKIPPED.contains(&n.as_str())
        })
        .collect())
}

/// `table`'s columns in SQLite's order.
async fn columns(conn: &mut SqliteConnection, table: &str) -> anyhow::Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
            .bind(table)
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// Rows of `table` on PostgreSQL.
async fn pg_count(pg: &PgPool, table: &str) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM \"{table}\"")))
            .fetch_one(pg)
            .await?,
    )
}

/// Rows of `table` in the SQLite file.
async fn sqlite_count(conn: &mut SqliteConnection, table: &str) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM \"{table}\"")))
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// A connection for the copy: no foreign-key checks while tables fill in name order, no
/// fsync per batch (the file is a benchmark copy, checked with `foreign_key_check` after).
async fn copy_connection(url: &str) -> anyhow::Result<SqliteConnection> {
    Ok(SqliteConnectOptions::from_str(url)?
        .foreign_keys(false)
        .synchronous(SqliteSynchronous::Off)
        .disable_statement_logging()
        .connect()
        .await?)
}

/// Whether the SQLite file at `url` holds PostgreSQL's counts in [`DATA_TABLES`].
async fn same_counts(pg: &PgPool, url: &str) -> anyhow::Result<bool> {
    let db = Db::connect(url).await?;
    migrate::run(&db).await?;
    db.close().await;
    let mut conn = copy_connection(url).await?;
    for table in DATA_TABLES {
        let (theirs, ours) = (
            pg_count(pg, table).await?,
            sqlite_count(&mut conn, table).await?,
        );
        if theirs != ours {
            println!("  {table}: {ours} rows in the SQLite file, {theirs} on PostgreSQL");
            conn.close().await?;
            return Ok(false);
        }
    }
    conn.close().await?;
    Ok(true)
}

/// Copies every row of `table` from PostgreSQL through a cursor, [`BATCH`] rows per SQLite
/// transaction; returns the rows copied.
async fn copy_table(
    pg: &PgPool,
    conn: &mut SqliteConnection,
    table: &str,
    columns: &[String],
) -> anyhow::Result<u64> {
    let list = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let marks = vec!["?"; columns.len()].join(", ");
    let insert = format!("INSERT INTO \"{table}\" ({list}) VALUES ({marks})");
    let cursor = format!("bench_copy_{table}");
    let fetch = format!("FETCH {BATCH} FROM {cursor}");
    let mut source = pg.begin().await?;
    sqlx::query(AssertSqlSafe(format!(
        "DECLARE {cursor} NO SCROLL CURSOR FOR SELECT {list} FROM \"{table}\""
    )))
    .execute(&mut *source)
    .await?;
    let mut copied = 0_u64;
    loop {
        let rows = sqlx::query(AssertSqlSafe(fetch.clone()))
            .persistent(false)
            .fetch_all(&mut *source)
            .await
            .with_context(|| format!("reading {table} from PostgreSQL"))?;
        if rows.is_empty() {
            break;
        }
        let mut tx = conn.begin().await?;
        for row in &rows {
            let mut query = sqlx::query(AssertSqlSafe(insert.clone()));
            for i in 0..columns.len() {
                query = bind(query, decode(row, i)?);
            }
            query
                .execute(&mut *tx)
                .await
                .with_context(|| format!("inserting into {table} on SQLite"))?;
        }
        tx.commit().await?;
        copied += rows.len() as u64;
    }
    source.rollback().await?;
    Ok(copied)
}

/// Creates the SQLite file with the product's migrations and copies PostgreSQL's rows into
/// it, or keeps it (`reuse`) when it already holds the same data.
async fn prepare_sqlite(pg: &PgPool, path: &Path, reuse: bool) -> anyhow::Result<String> {
    check_path(path)?;
    let url = sqlite_url(path)?;
    if reuse && path.is_file() {
        if same_counts(pg, &url).await? {
            println!("reusing {} (same row counts as PostgreSQL)", path.display());
            return Ok(url);
        }
        println!("{} differs from PostgreSQL; copying again", path.display());
    }
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", file.display())),
        }
    }
    println!("copying PostgreSQL's rows into {}:", path.display());
    let started = Instant::now();
    let db = Db::connect(&url).await?;
    migrate::run(&db).await?;
    db.close().await;
    pages::done("migrate (SQLite)", started);

    let mut conn = copy_connection(&url).await?;
    for table in tables(&mut conn).await? {
        let started = Instant::now();
        let columns = columns(&mut conn, &table).await?;
        // The migrations' own seed rows (if any) give way to PostgreSQL's.
        sqlx::query(AssertSqlSafe(format!("DELETE FROM \"{table}\"")))
            .execute(&mut conn)
            .await?;
        let n = copy_table(pg, &mut conn, &table, &columns).await?;
        pages::done(&format!("{table} ({n} rows)"), started);
    }
    let broken: Vec<(String, i64)> =
        sqlx::query_as("SELECT \"table\", rowid FROM pragma_foreign_key_check LIMIT 5")
            .fetch_all(&mut conn)
            .await?;
    if !broken.is_empty() {
        bail!("the copy breaks foreign keys (table, rowid): {broken:?}");
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    pages::done("copy", started);
    Ok(url)
}

/// One backend's measurement of one scenario.
struct Measured {
    report: ScenarioReport,
    warmup_failures: usize,
    usage: Option<Usage>,
}

impl Measured {
    /// Server plus PostgreSQL backend CPU per request, or "-".
    fn cpu(&self) -> String {
        self.usage.map_or("-".into(), |u| {
            format!("{:.2}", u.server_ms_per_request + u.postgres_ms_per_request)
        })
    }

    fn failed(&self) -> usize {
        self.report.failed() + self.warmup_failures
    }
}

/// Warms up and measures scenario `index` of `session`'s reads; `backends` are the PostgreSQL
/// backends whose CPU counts (none for SQLite).
async fn measure(
    args: &BenchArgs,
    session: &Session,
    index: usize,
    seed: u64,
    pg: Option<&PgPool>,
) -> anyhow::Result<Measured> {
    let scenario = targets::reads(&session.fixture, &session.load, &session.owner_token)
        .into_iter()
        .nth(index)
        .context("no such read scenario")?;
    let warm = drive(
        &session.client,
        args.clients,
        Budget::For(secs(args.warmup_seconds)),
        seed ^ 0xabcd,
        scenario.name,
        scenario.make.clone(),
    )
    .await?;
    let before = CpuSnapshot::take(session.server.pid());
    let report = drive(
        &session.client,
        args.clients,
        Budget::For(secs(args.seconds)),
        seed,
        scenario.name,
        scenario.make,
    )
    .await?;
    let after = CpuSnapshot::take(session.server.pid());
    let backends = match pg {
        Some(pool) => procstat::backends(pool).await?,
        None => Vec::new(),
    };
    let usage = match (before, after) {
        (Some(b), Some(a)) => procstat::usage(&b, &a, &backends, report.requests, report.elapsed),
        _ => None,
    };
    print_line(&report);
    warm.print_failures();
    report.print_failures();
    Ok(Measured {
        report,
        warmup_failures: warm.failed(),
        usage,
    })
}

/// Runs the comparison and prints its table.
pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if args.tenants == 0 || args.runs == 0 || args.clients == 0 || args.seconds == 0 {
        bail!("--tenants, --runs, --clients and --seconds must be at least 1");
    }
    let target = BenchTarget::parse(&args.database_url)?;
    if cfg!(debug_assertions) {
        println!(
            "note: this is a DEBUG build; its figures say nothing about the target \
             (build with --release for a real measurement)"
        );
    }
    let data = DataSet {
        tenants: args.tenants,
        runs: args.runs,
    };
    println!(
        "benchmark database {} ({} tenants, {} runs) and its SQLite copy {}, {} clients, {} s \
         per scenario and database",
        target.db_name,
        args.tenants,
        args.runs,
        args.sqlite_path.display(),
        args.clients,
        args.seconds
    );
    let pg_db = pages::prepare(&target, data, true).await?;
    let pool = pg_pool(&pg_db)?;
    let url = prepare_sqlite(&pool, &args.sqlite_path, args.reuse).await?;
    let sqlite_db = Db::connect(&url).await?;

    // The same runs and tenants on both sides: the copy kept PostgreSQL's ids.
    let fixture = Arc::new(Fixture::load(&pool).await?);
    let sqlite = Session::serve(
        &args.server,
        args.clients,
        &sqlite_db,
        &url,
        fixture.clone(),
    )
    .await?;
    let postgres = Session::serve(&args.server, args.clients, &pg_db, &target.url, fixture).await?;

    let count = targets::reads(&sqlite.fixture, &sqlite.load, &sqlite.owner_token).len();
    let mut rows = Vec::new();
    for (index, seed) in (0..count).zip(1_u64..) {
        println!();
        let on_sqlite = measure(args, &sqlite, index, seed, None).await?;
        let on_postgres = measure(args, &postgres, index, seed, Some(&pool)).await?;
        rows.push((on_sqlite, on_postgres));
    }
    sqlite.server.stop().await;
    postgres.server.stop().await;
    sqlite_db.close().await;
    pg_db.close().await;

    println!();
    print_table(&rows);
    let failed: usize = rows.iter().map(|(s, p)| s.failed() + p.failed()).sum();
    if failed > 0 {
        bail!(
            "{failed} requests did not answer 200, so the figures are not a measurement of \
             the product; see the failures above"
        );
    }
    Ok(())
}

/// Whether SQLite served at least PostgreSQL's throughput without failures.
fn met(sqlite: &Measured, postgres: &Measured) -> bool {
    sqlite.failed() + postgres.failed() == 0
        && sqlite.report.per_second >= postgres.report.per_second
}

fn print_table(rows: &[(Measured, Measured)]) {
    println!(
        "target: on SQLite, every read at least PostgreSQL's req/s (same data, clients and \
         seconds, scenarios alternating between the two servers); CPU = server + PostgreSQL \
         backends, ms per request"
    );
    println!(
        "{:<46} {:>9} {:>9} {:>6} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7}  verdict",
        "scenario",
        "SQLite/s",
        "PG/s",
        "ratio",
        "SQ p50",
        "SQ p99",
        "PG p50",
        "PG p99",
        "SQ CPU",
        "PG CPU"
    );
    let mut count = 0;
    for (s, p) in rows {
        let ok = met(s, p);
        count += usize::from(ok);
        println!(
            "{:<46} {:>9.0} {:>9.0} {:>5.2}× {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>7}  {}",
            s.report.name,
            s.report.per_second,
            p.report.per_second,
            s.report.per_second / p.report.per_second.max(f64::EPSILON),
            s.report.p50_ms,
            s.report.p99_ms,
            p.report.p50_ms,
            p.report.p99_ms,
            s.cpu(),
            p.cpu(),
            if ok { "met" } else { "NOT met" }
        );
    }
    println!(
        "{count} of {} reads are at least as fast on SQLite (a miss is a measurement, not an \
         error)",
        rows.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(per_second: f64) -> Measured {
        Measured {
            report: ScenarioReport::from_latencies("x", Vec::new(), secs(1), Some(per_second)),
            warmup_failures: 0,
            usage: None,
        }
    }

    #[test]
    fn sqlite_meets_the_target_only_at_postgres_throughput_without_failures() {
        assert!(met(&measured(1000.0), &measured(1000.0)));
        assert!(!met(&measured(999.0), &measured(1000.0)));
        let mut failing = measured(2000.0);
        failing.warmup_failures = 1;
        assert!(!met(&failing, &measured(1000.0)));
        assert_eq!(measured(1.0).cpu(), "-");
    }

    #[test]
    fn only_bench_files_are_replaced() {
        assert!(check_path(Path::new("target/bench/tenantpilot-bench.db")).is_ok());
        assert!(check_path(Path::new("data/tenantpilot.db")).is_err());
        assert!(check_path(Path::new("/")).is_err());
    }

    #[tokio::test]
    async fn copied_values_read_back_as_the_app_reads_them() -> anyhow::Result<()> {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await?;
        sqlx::query("CREATE TABLE t (a BIGINT, b BOOLEAN, c TEXT, d TEXT, e TEXT, f BLOB, g TEXT)")
            .execute(&mut conn)
            .await?;
        let at = DateTime::parse_from_rfc3339("2026-12-02T13:45:01.123456Z")?.to_utc();
        let cells = [
            Cell::Int(7),
            Cell::Bool(true),
            Cell::Time(at),
            Cell::Json(serde_json::json!({"a": [1, 2]})),
            Cell::Null,
            Cell::Bytes(vec![0, 255]),
            Cell::Date(NaiveDate::from_ymd_opt(2026, 12, 2).context("date")?),
        ];
        cells
            .into_iter()
            .fold(
                sqlx::query("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)"),
                bind,
            )
            .execute(&mut conn)
            .await?;
        let row = sqlx::query("SELECT a, b, c, d, e, f, g FROM t")
            .fetch_one(&mut conn)
            .await?;
        assert_eq!(row.try_get::<i64, _>(0)?, 7);
        assert!(row.try_get::<bool, _>(1)?);
        assert_eq!(row.try_get::<DateTime<Utc>, _>(2)?, at);
        assert_eq!(
            row.try_get::<Json<serde_json::Value>, _>(3)?.0,
            serde_json::json!({"a": [1, 2]})
        );
        assert_eq!(row.try_get::<Option<String>, _>(4)?, None);
        assert_eq!(row.try_get::<Vec<u8>, _>(5)?, vec![0, 255]);
        assert_eq!(row.try_get::<String, _>(6)?, "2026-12-02");
        Ok(())
    }
}

//! Schema migrations, embedded in the binary so one file is all an operator ships. Each version
//! exists once per dialect under `migrations/{sqlite,postgres}/`; a test keeps the two in step.

use super::Db;
use crate::with_db;
use chrono::Utc;

/// One schema version in both dialects.
pub struct Migration {
    /// Monotonic version number, the file name prefix.
    pub version: i64,
    /// Short name, the rest of the file name.
    pub name: &'static str,
    /// SQL for SQLite.
    pub sqlite: &'static str,
    /// SQL for PostgreSQL.
    pub postgres: &'static str,
}

macro_rules! migration {
    ($version:expr, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!(
                "../../migrations/sqlite/",
                stringify!($version),
                "_",
                $name,
                ".sql"
            )),
            postgres: include_str!(concat!(
                "../../migrations/postgres/",
                stringify!($version),
                "_",
                $name,
                ".sql"
            )),
        }
    };
}

/// Every migration, in order. File names are `{version}_{name}.sql` in both folders.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "foundation"),
    migration!(2, "operations"),
    migration!(3, "support_requests"),
    migration!(4, "telemetry"),
    migration!(5, "operational_controls"),
    migration!(6, "api_token_lifecycle"),
    migration!(7, "handoff_finalizer"),
];

/// Lock key that serialises migrations across instances sharing one PostgreSQL.
const PG_MIGRATION_LOCK: i64 = 0x7465_6e61_6e74;

/// Applies every migration not yet recorded; safe to call from several instances at once.
pub async fn run(db: &Db) -> Result<Vec<i64>, sqlx::Error> {
    const CREATE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
        version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
    let mut applied_now = Vec::new();
    match db {
        Db::Sqlite(pool) => {
            sqlx::query(CREATE).execute(pool).await?;
            for m in MIGRATIONS {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let done: Option<i64> =
                    sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                        .bind(m.version)
                        .fetch_optional(&mut *tx)
                        .await?;
                if done.is_none() {
                    sqlx::raw_sql(m.sqlite).execute(&mut *tx).await?;
                    sqlx::query(RECORD)
                        .bind(m.version)
                        .bind(m.name)
                        .bind(Utc::now().to_rfc3339())
                        .execute(&mut *tx)
                        .await?;
                    applied_now.push(m.version);
                }
                tx.commit().await?;
            }
        }
        Db::Postgres(pool) => {
            let mut conn = pool.acquire().await?;
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
            let result = async {
                sqlx::query(CREATE).execute(&mut *conn).await?;
                for m in MIGRATIONS {
                    let done: Option<i64> = sqlx::query_scalar(
                        "SELECT version FROM schema_migrations WHERE version = $1",
                    )
                    .bind(m.version)
                    .fetch_optional(&mut *conn)
                    .await?;
                    if done.is_none() {
                        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                        sqlx::raw_sql(m.postgres).execute(&mut *tx).await?;
                        sqlx::query(RECORD)
                            .bind(m.version)
                            .bind(m.name)
                            .bind(Utc::now().to_rfc3339())
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await?;
                        applied_now.push(m.version);
                    }
                }
                Ok::<_, sqlx::Error>(())
            }
            .await;
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
            result?;
        }
    }
    Ok(applied_now)
}

const RECORD: &str =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";

/// Versions recorded as applied, for `tenantpilot migrate` output and tests.
pub async fn applied_versions(db: &Db) -> Result<Vec<i64>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(
        "SELECT version FROM schema_migrations ORDER BY version"
    )
    .fetch_all(p)
    .await)
}

//! Schema migrations through sqlx's migrator, with one embedded set per dialect
//! (`migrations/sqlite/` and `migrations/postgres/`, same `{version}_{name}.sql` file names, a
//! test keeps the two in step), so one binary is all an operator ships.
//!
//! sqlx records every applied version with the SHA-384 of its SQL text in `_sqlx_migrations`
//! and refuses to start ([`MigrateError::VersionMismatch`]) when an applied file was edited
//! afterwards, or ([`MigrateError::VersionMissing`]) when the database knows a version this
//! binary does not.
//!
//! **Serialising instances.** On PostgreSQL the whole run (adoption included, see below) holds
//! sqlx's per-database advisory lock, so instances starting together queue and the later ones
//! find nothing to do. sqlx's SQLite driver takes no lock and opens each migration with a plain
//! (deferred) `BEGIN`, which two processes on one file could both pass before either writes; so
//! on SQLite the whole run is one `BEGIN IMMEDIATE` transaction (sqlx turns its per-migration
//! transactions into savepoints inside it): a second process waits for the write lock (the
//! pool's busy timeout), then sees every version recorded. A failing migration rolls the whole
//! run back on SQLite; on PostgreSQL the versions before it stay applied.
//!
//! **In-place upgrade.** Databases created before sqlx's migrator have a `schema_migrations`
//! ledger (version, name, applied_at) and no `_sqlx_migrations`. Such a ledger is adopted once,
//! inside the same lock / transaction: each recorded version is entered into `_sqlx_migrations`
//! with the checksum of the embedded file (the SQL text is unchanged, so it is the checksum
//! sqlx would have recorded), then the migrator applies only the newer versions. The old ledger
//! stays as it was, for rollback to an older binary.

use super::Db;
use sqlx::migrate::{Migrate, MigrateError, Migrator};
use std::sync::LazyLock;

/// sqlx's ledger of applied versions (its default table name).
const LEDGER: &str = "_sqlx_migrations";
/// The ledger the hand-written runner kept before sqlx's migrator took over.
const LEGACY_LEDGER: &str = "schema_migrations";
/// Tables that record migrations rather than product data (left out of schema comparisons).
pub const BOOKKEEPING_TABLES: &[&str] = &[LEDGER, LEGACY_LEDGER];

const SQLITE_TABLE_EXISTS: &str =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1";
const PG_TABLE_EXISTS: &str = "SELECT COUNT(*) FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_name = $1";
const LEGACY_VERSIONS: &str = "SELECT version FROM schema_migrations ORDER BY version";
const APPLIED: &str = "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version";

/// The SQLite set. Locking is off because [`run`] holds the lock itself across adoption.
static SQLITE: LazyLock<Migrator> =
    LazyLock::new(|| without_own_lock(sqlx::migrate!("./migrations/sqlite")));
/// The PostgreSQL set, likewise.
static POSTGRES: LazyLock<Migrator> =
    LazyLock::new(|| without_own_lock(sqlx::migrate!("./migrations/postgres")));

fn without_own_lock(mut migrator: Migrator) -> Migrator {
    migrator.set_locking(false);
    migrator
}

/// One schema version in both dialects, as embedded in the binary.
pub struct Migration {
    /// Monotonic version number, the file name prefix.
    pub version: i64,
    /// The rest of the file name without `.sql` (sqlx stores it with spaces for underscores).
    pub name: String,
    /// SQL for SQLite.
    pub sqlite: &'static str,
    /// SQL for PostgreSQL; empty if the PostgreSQL set lacks this version (a test fails then).
    pub postgres: &'static str,
}

/// Every embedded migration in version order, paired across the two dialects (tests, tools).
pub static MIGRATIONS: LazyLock<Vec<Migration>> = LazyLock::new(|| {
    SQLITE
        .iter()
        .map(|s| Migration {
            version: s.version,
            name: s.description.replace(' ', "_"),
            sqlite: s.sql.as_str(),
            postgres: POSTGRES
                .iter()
                .find(|p| p.version == s.version)
                .map_or("", |p| p.sql.as_str()),
        })
        .collect()
});

/// Adopts a legacy ledger if there is one, runs the migrator and returns the versions applied
/// now. `$conn` must already hold the lock (PostgreSQL) or the write transaction (SQLite).
macro_rules! migrate_locked {
    ($migrator:expr, $conn:expr, $table_exists:expr) => {
        async {
            let migrator: &Migrator = $migrator;
            let conn = $conn;
            let legacy: i64 = sqlx::query_scalar($table_exists)
                .bind(LEGACY_LEDGER)
                .fetch_one(&mut *conn)
                .await?;
            let ledger: i64 = sqlx::query_scalar($table_exists)
                .bind(LEDGER)
                .fetch_one(&mut *conn)
                .await?;
            if legacy > 0 && ledger == 0 {
                let versions: Vec<i64> = sqlx::query_scalar(LEGACY_VERSIONS)
                    .fetch_all(&mut *conn)
                    .await?;
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                Migrate::ensure_migrations_table(&mut *tx, LEDGER).await?;
                for version in versions {
                    let migration = migrator
                        .iter()
                        .find(|m| m.version == version)
                        .ok_or(MigrateError::VersionMissing(version))?;
                    Migrate::skip(&mut *tx, LEDGER, migration).await?;
                }
                tx.commit().await?;
                tracing::info!("adopted the schema_migrations ledger into _sqlx_migrations");
            }
            Migrate::ensure_migrations_table(&mut *conn, LEDGER).await?;
            let before: Vec<i64> = sqlx::query_scalar(APPLIED).fetch_all(&mut *conn).await?;
            migrator.run(&mut *conn).await?;
            let after: Vec<i64> = sqlx::query_scalar(APPLIED).fetch_all(&mut *conn).await?;
            Ok::<Vec<i64>, MigrateError>(
                after.into_iter().filter(|v| !before.contains(v)).collect(),
            )
        }
    };
}

/// Applies every embedded migration not yet recorded and returns the versions applied by this
/// call (empty when the schema was current); safe to call from several instances at once.
pub async fn run(db: &Db) -> Result<Vec<i64>, MigrateError> {
    match db {
        Db::Sqlite(pool) => {
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            let applied = migrate_locked!(&SQLITE, &mut *tx, SQLITE_TABLE_EXISTS).await?;
            tx.commit().await?;
            Ok(applied)
        }
        Db::Postgres(pool) => {
            let mut conn = pool.acquire().await?;
            conn.lock().await?;
            let result = migrate_locked!(&POSTGRES, &mut *conn, PG_TABLE_EXISTS).await;
            match conn.unlock().await {
                Ok(()) => result,
                Err(unlock) => {
                    // Closing the session releases its advisory lock on the server, so a
                    // pooled connection never keeps it; the close error adds nothing to report.
                    let _ = conn.close().await;
                    result.and(Err(unlock))
                }
            }
        }
    }
}

/// Versions recorded as applied, for `tenantpilot migrate` output and tests.
pub async fn applied_versions(db: &Db) -> Result<Vec<i64>, sqlx::Error> {
    crate::with_db!(db, |p| sqlx::query_scalar(APPLIED).fetch_all(p).await)
}

#[cfg(test)]
mod tests {
    use super::{MIGRATIONS, POSTGRES, SQLITE};

    #[test]
    fn both_sets_embed_the_same_versions_and_names() {
        let sqlite: Vec<_> = SQLITE.iter().map(|m| (m.version, &m.description)).collect();
        let postgres: Vec<_> = POSTGRES
            .iter()
            .map(|m| (m.version, &m.description))
            .collect();
        assert_eq!(sqlite, postgres);
        assert!(MIGRATIONS.len() >= 7, "embedded: {}", MIGRATIONS.len());
        assert!(MIGRATIONS.iter().all(|m| !m.postgres.is_empty()));
        assert_eq!(MIGRATIONS[0].name, "foundation");
    }
}

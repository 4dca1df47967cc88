//! One query layer over two databases. Every query is written once in the SQL both dialects
//! share and run through [`with_db!`] (pool), [`with_tx!`] (transaction) or [`with_exec!`] /
//! [`execute!`] (either, via [`Exec`]); the few real dialect differences (write-transaction
//! start, advisory locks, whether other instances share the database) are explicit `match`es
//! in this module and [`migrate`].

pub mod migrate;
pub mod round_trips;

use crate::config::DatabaseConfig;
use sqlx::{
    PgPool, Postgres, Sqlite, SqlitePool, Transaction,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use std::{str::FromStr, time::Duration};

/// A pool on whichever backend `DATABASE_URL` chose.
#[derive(Clone, Debug)]
pub enum Db {
    /// Embedded SQLite (laptop, single instance).
    Sqlite(SqlitePool),
    /// PostgreSQL (one or many instances).
    Postgres(PgPool),
}

/// An open write transaction on either backend.
pub enum Tx {
    /// SQLite transaction, begun with `BEGIN IMMEDIATE` so writers queue instead of failing.
    Sqlite(Transaction<'static, Sqlite>),
    /// PostgreSQL transaction.
    Postgres(Transaction<'static, Postgres>),
}

/// Where a repo statement runs: the pool, or the caller's open transaction. A repo function
/// takes `impl Into<Exec<'_>>`, so one function serves both `&Db` and `&mut Tx` callers (no
/// `delete` / `delete_in` twins); its body runs the query through [`with_exec!`] or
/// [`execute!`].
pub enum Exec<'a> {
    /// Straight on the pool (each statement commits by itself).
    Db(&'a Db),
    /// Inside the caller's transaction.
    Tx(&'a mut Tx),
}

impl<'a> From<&'a Db> for Exec<'a> {
    fn from(db: &'a Db) -> Self {
        Exec::Db(db)
    }
}

impl<'a> From<&'a mut Tx> for Exec<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        Exec::Tx(tx)
    }
}

/// Runs the same expression against whichever pool `$db` holds.
#[macro_export]
macro_rules! with_db {
    ($db:expr, |$p:ident| $body:expr) => {{
        $crate::db::round_trips::note();
        match $db {
            $crate::db::Db::Sqlite($p) => $body,
            $crate::db::Db::Postgres($p) => $body,
        }
    }};
}

/// Runs the same expression against whichever transaction `$tx` holds; `$c` is the connection.
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, |$c:ident| $body:expr) => {{
        $crate::db::round_trips::note();
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    }};
}

/// Runs the same expression on whatever `$on` is (`&Db`, `&mut Tx` or an [`Exec`]); `$c` is
/// the pool or the transaction's connection, either of which a sqlx query accepts.
#[macro_export]
macro_rules! with_exec {
    ($on:expr, |$c:ident| $body:expr) => {{
        $crate::db::round_trips::note();
        match ::std::convert::Into::<$crate::db::Exec<'_>>::into($on) {
            $crate::db::Exec::Db($crate::db::Db::Sqlite($c)) => $body,
            $crate::db::Exec::Db($crate::db::Db::Postgres($c)) => $body,
            $crate::db::Exec::Tx($crate::db::Tx::Sqlite(t)) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Exec::Tx($crate::db::Tx::Postgres(t)) => {
                let $c = &mut **t;
                $body
            }
        }
    }};
}

/// Executes `$query` (a `sqlx::query(..)` with its binds) on `$on` (`&Db`, `&mut Tx` or an
/// [`Exec`]) and gives `Result<u64, sqlx::Error>`, the number of rows it changed; the two
/// backends' query-result types never reach the caller.
#[macro_export]
macro_rules! execute {
    ($on:expr, $query:expr) => {
        $crate::with_exec!($on, |c| $query.execute(c).await.map(|r| r.rows_affected()))
    };
}

/// The database could not be reached or opened; the message says which URL part is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL's scheme is neither sqlite nor postgres.
    #[error(
        "unsupported database URL {0:?}: use sqlite://path/to/file.db or postgres://user@host/db"
    )]
    UnsupportedUrl(String),
    /// The driver refused the URL or the connection.
    #[error("could not open the database: {0}")]
    Driver(#[from] sqlx::Error),
    /// The folder for the SQLite file could not be created.
    #[error("could not create the folder for the SQLite database: {0}")]
    Folder(#[from] std::io::Error),
}

impl Db {
    /// Opens a pool for `url` with the default pool settings (tools, tests, benchmarks).
    pub async fn connect(url: &str) -> Result<Db, ConnectError> {
        Self::connect_with(url, &DatabaseConfig::default()).await
    }

    /// Opens a pool for `url`, creating the SQLite file (and its folder) when missing.
    ///
    /// A request waits at most `acquire_timeout_ms` for a connection, then fails as
    /// unavailable. A pooled connection that broke while the database was away fails the one
    /// query that used it and is dropped when it is returned (sqlx pings on release), so the
    /// pool recovers by itself once the database is back.
    pub async fn connect_with(url: &str, settings: &DatabaseConfig) -> Result<Db, ConnectError> {
        let acquire_timeout = Duration::from_millis(settings.acquire_timeout_ms);
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let path = options.get_filename();
            if let Some(parent) = path.parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(acquire_timeout)
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(32)
                // A ping before every checkout doubles the round trips of short page queries;
                // a dead connection surfaces as an error on use and is replaced by the pool.
                .test_before_acquire(false)
                .acquire_timeout(acquire_timeout)
                .connect(url)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(ConnectError::UnsupportedUrl(redact_url(url)))
        }
    }

    /// Whether other instances may share this database: PostgreSQL can serve many, embedded
    /// SQLite belongs to this one process (so, e.g., a run still `running` at start-up was left
    /// by an earlier process of ours, not by a live neighbour).
    pub fn is_shared(&self) -> bool {
        match self {
            Db::Sqlite(_) => false,
            Db::Postgres(_) => true,
        }
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite so concurrent writers wait for
    /// the lock up front rather than failing on upgrade).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        round_trips::note();
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Cheap round trip for `/readyz`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        crate::execute!(self, sqlx::query("SELECT 1")).map(|_| ())
    }

    /// [`Db::ping`] bounded by `budget` (shorter than the pool's acquire timeout), so a
    /// readiness probe answers in time whatever the database does.
    pub async fn ping_within(&self, budget: Duration) -> Result<(), PingError> {
        match tokio::time::timeout(budget, self.ping()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(PingError::Failed(e)),
            Err(_) => Err(PingError::TimedOut),
        }
    }

    /// Closes every connection (tests, shutdown).
    pub async fn close(&self) {
        with_db!(self, |p| p.close().await)
    }
}

impl Tx {
    /// Makes the transaction's changes durable.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        round_trips::note();
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }

    /// Discards the transaction's changes.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Postgres(t) => t.rollback().await,
        }
    }
}

/// Why a bounded ping failed.
#[derive(Debug, thiserror::Error)]
pub enum PingError {
    /// The database answered with an error or the connection failed.
    #[error("database ping failed: {0}")]
    Failed(sqlx::Error),
    /// No answer within the budget.
    #[error("database ping timed out")]
    TimedOut,
}

/// Whether `err` means the database is unreachable or going away (pool timeout, I/O, or a
/// server shutting down, starting up or cut off: SQLSTATE classes 08 and 57), as opposed to a
/// bug in a query.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57")),
        _ => false,
    }
}

/// Whether `err` is a unique-constraint violation (same meaning on both backends).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// A database URL with any password replaced, safe to print or log.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/tp"),
            "postgres://app:***@db:5432/tp"
        );
        assert_eq!(redact_url("postgres://app@db/tp"), "postgres://app@db/tp");
        assert_eq!(redact_url("sqlite://./x.db"), "sqlite://./x.db");
    }
}

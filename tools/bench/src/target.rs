//! The benchmark database: a PostgreSQL database whose name contains `bench` (so a typo can
//! never drop real data), created, dropped and connected to from here.

use anyhow::{Context, bail};
use sqlx::{AssertSqlSafe, PgPool};
use std::str::FromStr;
use tenantpilot::db::{Db, redact_url};

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

    /// Connects to the maintenance database (`postgres`) of the same server.
    pub async fn admin(&self) -> anyhow::Result<(Db, PgPool)> {
        let admin = Db::connect(&self.admin_url)
            .await
            .with_context(|| format!("connecting to {}", redact_url(&self.admin_url)))?;
        let Db::Postgres(pool) = &admin else {
            bail!("the benchmark needs PostgreSQL");
        };
        let pool = pool.clone();
        Ok((admin, pool))
    }

    /// Whether the benchmark database exists already.
    pub async fn exists(&self, admin: &PgPool) -> anyhow::Result<bool> {
        Ok(
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(&self.db_name)
                .fetch_one(admin)
                .await?,
        )
    }

    /// Drops the benchmark database (when `exists`) and creates it empty.
    pub async fn recreate(&self, admin: &PgPool, exists: bool) -> anyhow::Result<()> {
        if exists {
            sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE \"{}\" WITH (FORCE)",
                self.db_name
            )))
            .execute(admin)
            .await?;
        }
        sqlx::query(AssertSqlSafe(format!(
            "CREATE DATABASE \"{}\"",
            self.db_name
        )))
        .execute(admin)
        .await?;
        Ok(())
    }
}

/// The PostgreSQL pool inside `db` (every benchmark needs PostgreSQL).
pub fn pg_pool(db: &Db) -> anyhow::Result<PgPool> {
    match db {
        Db::Postgres(pool) => Ok(pool.clone()),
        _ => bail!("the benchmark needs PostgreSQL"),
    }
}

/// A one-connection pool for the bulk statements and counts, without sqlx's slow-statement
/// warnings (every statement there is slow on purpose).
pub async fn quiet_pool(url: &str) -> anyhow::Result<PgPool> {
    let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
    Ok(sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(sqlx::ConnectOptions::disable_statement_logging(options))
        .await?)
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
}

//! Fresh, isolated databases for tests: a temporary SQLite file by default, or a new PostgreSQL
//! database per test when `TEST_DATABASE_URL` is set, dropped again when the test ends.

use tenantpilot::db::Db;

/// A database that exists for one test and is removed afterwards.
pub struct TestDatabase {
    /// The migrated pool.
    pub db: Db,
    /// The URL the pool was opened with (for starting a real server process against it).
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// Where tests run: `TEST_DATABASE_URL` if set (PostgreSQL), else SQLite.
pub fn backend_from_env() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

impl TestDatabase {
    /// Creates and migrates a fresh database on the backend the environment selects.
    pub async fn new() -> TestDatabase {
        let created = match backend_from_env() {
            Some(admin_url) => Self::postgres(admin_url).await,
            None => Self::sqlite().await,
        };
        let tdb = created.unwrap_or_else(|e| panic!("test database setup failed: {e}"));
        tenantpilot::db::migrate::run(&tdb.db)
            .await
            .unwrap_or_else(|e| panic!("migrations failed on a fresh test database: {e}"));
        tdb
    }

    async fn sqlite() -> Result<TestDatabase, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let db = Db::connect(&url).await?;
        Ok(TestDatabase {
            db,
            url,
            cleanup: Cleanup::Sqlite(dir),
        })
    }

    async fn postgres(admin_url: String) -> Result<TestDatabase, Box<dyn std::error::Error>> {
        let name = format!(
            "tp_test_{}",
            ulid::Ulid::generate().to_string().to_lowercase()
        );
        let admin = Db::connect(&admin_url).await?;
        tenantpilot::with_db!(&admin, |p| sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name}"
        )))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        admin.close().await;
        let url = replace_database(&admin_url, &name);
        let db = Db::connect(&url).await?;
        Ok(TestDatabase {
            db,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }
}

/// `postgres://u@h:p/old?x` → `postgres://u@h:p/{name}?x`.
pub fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_start..]
        .find('/')
        .map(|i| i + authority_start)
        .unwrap_or(base.len());
    format!("{}/{}{}", &base[..path_start], name, query)
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let admin_url = admin_url.clone();
            let name = name.clone();
            // Drop runs inside the test's runtime; a separate thread with its own runtime can
            // block on the async cleanup without stalling that runtime.
            let handle = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                // No pool close here: its connections are driven by the (now blocked) test
                // runtime; `WITH (FORCE)` terminates them instead.
                rt.block_on(async move {
                    if let Ok(admin) = Db::connect(&admin_url).await {
                        let _ =
                            tenantpilot::with_db!(&admin, |p| sqlx::query(sqlx::AssertSqlSafe(
                                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                            ))
                            .execute(p)
                            .await
                            .map(|r| r.rows_affected()));
                        admin.close().await;
                    }
                });
            });
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            super::replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_database("postgres://u@h/db?sslmode=disable", "y"),
            "postgres://u@h/y?sslmode=disable"
        );
        assert_eq!(
            super::replace_database("postgres://u@h", "z"),
            "postgres://u@h/z"
        );
    }
}

//! Every repo statement is prepared on a freshly migrated database of the backend under test
//! (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set): a misspelt column, a table a
//! migration renamed or SQL one dialect does not accept fails here, naming the repo and the
//! statement, instead of on the first request that runs it. The SQL is plain runtime strings
//! (sqlx's compile-time macros would need a live database or an offline cache per dialect),
//! so this test gives that checking back.
//!
//! Each repo lists its statements in `statements()`; statements built from constant fragments
//! (a shared column list or visibility rule) are listed with their fragments filled in. No repo
//! builds SQL from request data, so there are no variants to enumerate.

use crate::support::TestDatabase;
use chrono::{DateTime, Utc};
use sqlx::SqlStr;
use sqlx::postgres::{PgPool, PgTypeInfo, Postgres, types::Oid};
use std::{collections::BTreeSet, future::Future, pin::Pin};
use tenantpilot::db::Db;

type Statements = fn() -> Vec<(&'static str, &'static str)>;

/// Each repo by its source file and its statement list.
const REPOS: &[(&str, Statements)] = &[
    ("src/access/repo.rs", tenantpilot::access::repo::statements),
    ("src/audit/repo.rs", tenantpilot::audit::repo::statements),
    (
        "src/auth/credentials.rs",
        tenantpilot::auth::credentials::statements,
    ),
    (
        "src/auth/sessions.rs",
        tenantpilot::auth::sessions::statements,
    ),
    (
        "src/auth/throttle.rs",
        tenantpilot::auth::throttle::statements,
    ),
    (
        "src/auth/tokens_repo.rs",
        tenantpilot::auth::tokens_repo::statements,
    ),
    ("src/auth/users.rs", tenantpilot::auth::users::statements),
    (
        "src/features/consent/repo.rs",
        tenantpilot::features::consent::repo::statements,
    ),
    (
        "src/features/diagnostics/repo.rs",
        tenantpilot::features::diagnostics::repo::statements,
    ),
    (
        "src/features/members/repo.rs",
        tenantpilot::features::members::repo::statements,
    ),
    (
        "src/features/onboarding/repo.rs",
        tenantpilot::features::onboarding::repo::statements,
    ),
    (
        "src/features/operations/repo.rs",
        tenantpilot::features::operations::repo::statements,
    ),
    (
        "src/features/providers/repo.rs",
        tenantpilot::features::providers::repo::statements,
    ),
    (
        "src/features/reports/repo.rs",
        tenantpilot::features::reports::repo::statements,
    ),
    (
        "src/features/support_requests/repo.rs",
        tenantpilot::features::support_requests::repo::statements,
    ),
    (
        "src/features/system/repo.rs",
        tenantpilot::features::system::repo::statements,
    ),
    (
        "src/features/telemetry/repo.rs",
        tenantpilot::features::telemetry::repo::statements,
    ),
    (
        "src/features/tenants/repo.rs",
        tenantpilot::features::tenants::repo::statements,
    ),
    (
        "src/features/workspaces/repo.rs",
        tenantpilot::features::workspaces::repo::statements,
    ),
    ("src/jobs/repo.rs", tenantpilot::jobs::repo::statements),
];

/// Prepares `sql` (parse, name resolution, parameter typing) without running it.
async fn prepare(db: &Db, sql: &'static str) -> Result<(), sqlx::Error> {
    match db {
        Db::Sqlite(p) => sqlx::Executor::prepare(p, SqlStr::from_static(sql))
            .await
            .map(|_| ()),
        Db::Postgres(p) => prepare_pg(p, sql, Vec::new()).await,
    }
}

/// PostgreSQL cannot infer the type of a parameter whose first use is `$n IS NULL` (an optional
/// filter); at run time the bind supplies it. For such a parameter this tries the types repos
/// bind (BIGINT, TEXT, TIMESTAMPTZ, BOOLEAN) until one prepares, so the rest of the statement
/// is still checked; any other error is the statement's own.
fn prepare_pg<'a>(
    pool: &'a PgPool,
    sql: &'static str,
    types: Vec<PgTypeInfo>,
) -> Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'a>> {
    Box::pin(async move {
        let err = match sqlx::Executor::prepare_with(pool, SqlStr::from_static(sql), &types).await {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        let Some(n) = undetermined_parameter(&err) else {
            return Err(err);
        };
        if types.len() >= n {
            return Err(err);
        }
        let candidates = [
            <i64 as sqlx::Type<Postgres>>::type_info(),
            <String as sqlx::Type<Postgres>>::type_info(),
            <DateTime<Utc> as sqlx::Type<Postgres>>::type_info(),
            <bool as sqlx::Type<Postgres>>::type_info(),
        ];
        for candidate in candidates {
            let mut tried = types.clone();
            tried.resize(n - 1, PgTypeInfo::with_oid(Oid(0)));
            tried.push(candidate);
            if prepare_pg(pool, sql, tried).await.is_ok() {
                return Ok(());
            }
        }
        Err(err)
    })
}

/// `Some(n)` for PostgreSQL's "could not determine data type of parameter $n" (SQLSTATE 42P08
/// ambiguous parameter, or 42P18 indeterminate datatype).
fn undetermined_parameter(err: &sqlx::Error) -> Option<usize> {
    let sqlx::Error::Database(d) = err else {
        return None;
    };
    if !matches!(d.code().as_deref(), Some("42P08" | "42P18")) {
        return None;
    }
    let message = d.message();
    let digits: String = message[message.rfind('$')? + 1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[tokio::test]
async fn every_repo_statement_prepares_on_a_migrated_database() {
    let tdb = TestDatabase::new().await;
    // Positive control: a wrong statement does fail to prepare on this backend.
    assert!(
        prepare(&tdb.db, "SELECT no_such_column FROM users")
            .await
            .is_err()
    );
    let mut failures = Vec::new();
    let mut prepared = 0;
    for (repo, statements) in REPOS {
        for (name, sql) in statements() {
            match prepare(&tdb.db, sql).await {
                Ok(()) => prepared += 1,
                Err(e) => failures.push(format!("{repo} {name}: {e}\n    {sql}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(prepared > 100, "only {prepared} statements listed");
}

/// The lists are complete: every constant a repo hands to sqlx is in its list, and no repo
/// passes SQL text straight to sqlx (which would escape the preparing test above).
#[test]
fn every_repo_statement_is_listed() {
    const CALLS: [&str; 4] = ["query(", "query_as(", "query_scalar(", "raw_sql("];
    let mut problems = Vec::new();
    for (repo, statements) in REPOS {
        let source = std::fs::read_to_string(repo).unwrap_or_else(|e| panic!("{repo}: {e}"));
        let listed: BTreeSet<String> = statements().iter().map(|(n, _)| n.to_string()).collect();
        let compact: String = source.split_whitespace().collect();
        let mut used = BTreeSet::new();
        for call in CALLS {
            for (at, _) in compact.match_indices(&format!("sqlx::{call}")) {
                let arg = &compact[at + "sqlx::".len() + call.len()..];
                let name: String = arg
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                if name.is_empty() {
                    let shown: String = arg.chars().take(40).collect();
                    problems.push(format!(
                        "{repo}: sqlx::{call}{shown}… is not a named constant"
                    ));
                } else {
                    used.insert(name);
                }
            }
        }
        let unlisted: Vec<_> = used.difference(&listed).collect();
        if !unlisted.is_empty() {
            problems.push(format!(
                "{repo}: used but not in statements(): {unlisted:?}"
            ));
        }
        if used.is_empty() {
            problems.push(format!(
                "{repo}: no statements found (is the file still a repo?)"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

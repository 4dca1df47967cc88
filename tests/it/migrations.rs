//! sqlx's migrator over the two embedded sets: databases created by the hand-written runner
//! that came before upgrade in place, an edited applied migration is refused, and instances
//! starting together on one fresh database both succeed. Runs on SQLite, or on PostgreSQL when
//! `TEST_DATABASE_URL` is set.

use crate::support::{TestDatabase, backend_from_env};
use chrono::Utc;
use sqlx::migrate::MigrateError;
use tenantpilot::db::{
    Db,
    migrate::{self, MIGRATIONS},
};
use tenantpilot::{execute, with_db};

/// An empty database (no tables at all) and what keeps it alive until the test ends.
struct Blank {
    url: String,
    _keep: Keep,
}

enum Keep {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(#[allow(dead_code)] TestDatabase),
}

impl Blank {
    async fn new() -> Blank {
        if backend_from_env().is_some() {
            // A fresh test database (dropped at the end), emptied of the schema it came with.
            let tdb = TestDatabase::new().await;
            execute!(
                &tdb.db,
                sqlx::raw_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            )
            .expect("empty the schema");
            Blank {
                url: tdb.url.clone(),
                _keep: Keep::Postgres(tdb),
            }
        } else {
            let dir = tempfile::tempdir().expect("temp dir");
            Blank {
                url: format!("sqlite://{}", dir.path().join("blank.db").display()),
                _keep: Keep::Sqlite(dir),
            }
        }
    }

    async fn connect(&self) -> Db {
        Db::connect(&self.url).await.expect("connect")
    }
}

/// Frozen copy of the runner on main before sqlx's migrator (do not "fix" it: it stands for
/// databases that exist in the field). It applies versions up to `upto` and records them in
/// `schema_migrations`, each in its own transaction, exactly as that runner did.
async fn legacy_runner(db: &Db, upto: i64) {
    const CREATE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
        version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
    const RECORD: &str =
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";
    execute!(db, sqlx::query(CREATE)).unwrap();
    for m in MIGRATIONS.iter().filter(|m| m.version <= upto) {
        let sql = match db {
            Db::Sqlite(_) => m.sqlite,
            Db::Postgres(_) => m.postgres,
        };
        // `Db::begin` is `BEGIN IMMEDIATE` on SQLite, a plain `BEGIN` on PostgreSQL, as there.
        let mut tx = db.begin().await.unwrap();
        execute!(&mut tx, sqlx::raw_sql(sql)).unwrap();
        execute!(
            &mut tx,
            sqlx::query(RECORD)
                .bind(m.version)
                .bind(&m.name)
                .bind(Utc::now().to_rfc3339())
        )
        .unwrap();
        tx.commit().await.unwrap();
    }
}

fn all_versions() -> Vec<i64> {
    MIGRATIONS.iter().map(|m| m.version).collect()
}

async fn scalar(db: &Db, sql: &'static str) -> i64 {
    with_db!(db, |p| sqlx::query_scalar(sql).fetch_one(p).await).expect(sql)
}

async fn sqlx_ledger(db: &Db) -> Vec<(i64, bool, Vec<u8>)> {
    with_db!(db, |p| sqlx::query_as(
        "SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version"
    )
    .fetch_all(p)
    .await)
    .expect("read _sqlx_migrations")
}

/// Whether the index created by migration 7 (the newest on the main the upgrade starts from)
/// exists.
async fn has_finalizer_index(db: &Db) -> bool {
    has_index(db, "support_requests_unfinalized_create").await
}

/// Whether index `name` exists.
async fn has_index(db: &Db, name: &str) -> bool {
    let sql = match db {
        Db::Sqlite(_) => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = $1",
        Db::Postgres(_) => "SELECT COUNT(*) FROM pg_indexes WHERE indexname = $1",
    };
    let n: i64 = with_db!(db, |p| sqlx::query_scalar(sql)
        .bind(name)
        .fetch_one(p)
        .await)
    .expect(sql);
    n == 1
}

/// Tables, indexes and columns of the schema: every migration adds some.
async fn schema_objects(db: &Db) -> i64 {
    match db {
        Db::Sqlite(_) => {
            scalar(
                db,
                "SELECT (SELECT COUNT(*) FROM sqlite_master WHERE type IN ('table', 'index'))
                      + (SELECT COUNT(*) FROM sqlite_master m, pragma_table_info(m.name) c
                         WHERE m.type = 'table')",
            )
            .await
        }
        Db::Postgres(_) => scalar(
            db,
            "SELECT (SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i'))
                      + (SELECT COUNT(*) FROM information_schema.columns
                         WHERE table_schema = current_schema())",
        )
        .await,
    }
}

async fn seed_rows(db: &Db) {
    execute!(
        db,
        sqlx::query(
            "INSERT INTO users (email, display_name, password_hash, created_at)
             VALUES ('keep@example.test', 'Keep Me', 'x', $1)",
        )
        .bind(Utc::now())
    )
    .expect("seed a user");
    execute!(
        db,
        sqlx::query("INSERT INTO workspaces (slug, name, created_at) VALUES ('kept', 'Kept', $1)")
            .bind(Utc::now())
    )
    .expect("seed a workspace");
}

#[tokio::test]
async fn a_database_created_by_the_old_runner_upgrades_in_place() {
    let blank = Blank::new().await;
    let db = blank.connect().await;
    let newest = *all_versions().last().unwrap();
    legacy_runner(&db, newest).await;
    seed_rows(&db).await;
    assert!(has_finalizer_index(&db).await);

    // Every version is already there: adopting them applies nothing.
    assert_eq!(migrate::run(&db).await.unwrap(), Vec::<i64>::new());
    let ledger = sqlx_ledger(&db).await;
    assert_eq!(
        ledger.iter().map(|r| r.0).collect::<Vec<_>>(),
        all_versions()
    );
    assert!(ledger.iter().all(|r| r.1 && r.2.len() == 48), "{ledger:?}");
    assert_eq!(
        migrate::applied_versions(&db).await.unwrap(),
        all_versions()
    );

    // Data intact, the old ledger left as it was.
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM users WHERE email = 'keep@example.test'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM workspaces WHERE slug = 'kept'").await,
        1
    );
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM schema_migrations").await,
        all_versions().len() as i64
    );

    // A second run is a no-op and keeps the adopted checksums (sqlx verified them against the
    // embedded files, which is what makes the adoption correct).
    assert_eq!(migrate::run(&db).await.unwrap(), Vec::<i64>::new());
    assert_eq!(sqlx_ledger(&db).await, ledger);
}

#[tokio::test]
async fn an_old_database_missing_the_newest_migration_gets_only_it() {
    let blank = Blank::new().await;
    let db = blank.connect().await;
    let versions = all_versions();
    let newest = versions[versions.len() - 1];
    legacy_runner(&db, versions[versions.len() - 2]).await;
    seed_rows(&db).await;
    let objects_before = schema_objects(&db).await;

    assert_eq!(migrate::run(&db).await.unwrap(), vec![newest]);
    // The newest migration's tables, indexes or columns now exist, whichever is newest.
    assert!(schema_objects(&db).await > objects_before);
    assert_eq!(
        migrate::applied_versions(&db).await.unwrap(),
        all_versions()
    );
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(migrate::run(&db).await.unwrap(), Vec::<i64>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_adopting_one_old_database_at_once_both_succeed() {
    let blank = Blank::new().await;
    let db = blank.connect().await;
    let newest = *all_versions().last().unwrap();
    legacy_runner(&db, newest - 1).await;
    let (a, b) = (blank.connect().await, blank.connect().await);
    let (ra, rb) = tokio::join!(migrate::run(&a), migrate::run(&b));
    let mut applied = [ra.unwrap(), rb.unwrap()].concat();
    applied.sort();
    assert_eq!(applied, vec![newest], "exactly one instance applied it");
    assert_eq!(
        migrate::applied_versions(&db).await.unwrap(),
        all_versions()
    );
}

#[tokio::test]
async fn a_database_knowing_a_version_this_binary_lacks_is_refused() {
    let blank = Blank::new().await;
    let db = blank.connect().await;
    legacy_runner(&db, *all_versions().last().unwrap()).await;
    execute!(
        &db,
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 'x')"
        )
    )
    .unwrap();
    let err = migrate::run(&db).await.unwrap_err();
    assert!(matches!(err, MigrateError::VersionMissing(9999)), "{err:?}");
}

#[tokio::test]
async fn an_edited_applied_migration_is_refused() {
    let blank = Blank::new().await;
    let db = blank.connect().await;
    assert_eq!(migrate::run(&db).await.unwrap(), all_versions());
    // Stands for a file edited after it was applied: the recorded checksum no longer matches.
    execute!(
        &db,
        sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = 2")
            .bind(vec![0u8; 48])
    )
    .unwrap();
    let err = migrate::run(&db).await.unwrap_err();
    assert!(matches!(err, MigrateError::VersionMismatch(2)), "{err:?}");
    assert!(err.to_string().contains("modified"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_migrating_one_fresh_database_at_once_both_succeed() {
    let blank = Blank::new().await;
    let (a, b) = (blank.connect().await, blank.connect().await);
    let (ra, rb) = tokio::join!(migrate::run(&a), migrate::run(&b));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(
        (ra == all_versions() && rb.is_empty()) || (rb == all_versions() && ra.is_empty()),
        "one applied all, the other found nothing to do: {ra:?} {rb:?}"
    );
    assert_eq!(migrate::applied_versions(&a).await.unwrap(), all_versions());
}

/// Migration 11 gives requests filed before it the failure code their English summary was
/// written from, so their pages speak the reader's language too; a summary naming no known
/// code keeps none (the page shows it as stored).
#[tokio::test]
async fn stored_handoff_failures_get_their_code_on_upgrade() {
    let blank = Blank::new().await;
    let db = blank.connect().await;
    legacy_runner(&db, 10).await;
    seed_rows(&db).await;
    execute!(
        &db,
        sqlx::query(
            "INSERT INTO tenants (workspace_id, external_id, name, created_at)
             SELECT id, 'kept-tenant', 'Kept tenant', $1 FROM workspaces WHERE slug = 'kept'",
        )
        .bind(Utc::now())
    )
    .expect("seed a tenant");
    let summaries = [
        (
            "SR-1",
            Some("The support desk did not answer within 5000 ms."),
        ),
        (
            "SR-2",
            Some("The support desk refused the ticket (HTTP 503)"),
        ),
        ("SR-3", Some("Something this version never wrote")),
        ("SR-4", None),
    ];
    for (reference, summary) in summaries {
        execute!(
            &db,
            sqlx::query(
                "INSERT INTO support_requests (internal_reference, workspace_id, tenant_id,
                    primary_context_type, created_by_label, severity, summary, attachment_mode,
                    context, created_at, external_handoff_mode, handoff_outcome,
                    external_handoff_failure_summary, handoff_finalized_at)
                 SELECT $1, workspace_id, id, 'tenant', 'keep@example.test', 'normal', 'Help',
                    'canonical_context_only', '{}', $2, 'create_external_ticket',
                    CASE WHEN $3 IS NULL THEN NULL ELSE 'external_handoff_failed' END, $3,
                    CASE WHEN $3 IS NULL THEN NULL ELSE $2 END
                 FROM tenants WHERE external_id = 'kept-tenant'",
            )
            .bind(reference)
            .bind(Utc::now())
            .bind(summary)
        )
        .expect("seed a request");
    }

    migrate::run(&db).await.expect("upgrade");
    let codes: Vec<(String, Option<String>)> = with_db!(&db, |p| sqlx::query_as(
        "SELECT internal_reference, external_handoff_failure_code FROM support_requests
         ORDER BY internal_reference"
    )
    .fetch_all(p)
    .await)
    .expect("codes");
    let codes: Vec<(&str, Option<&str>)> = codes
        .iter()
        .map(|(r, c)| (r.as_str(), c.as_deref()))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("SR-1", Some("timeout")),
            ("SR-2", Some("rejected")),
            ("SR-3", None),
            ("SR-4", None),
        ]
    );
    // The code is a handoff field: once written, the trigger keeps it.
    let rewrite = execute!(
        &db,
        sqlx::query(
            "UPDATE support_requests SET external_handoff_failure_code = 'unreachable'
             WHERE internal_reference = 'SR-1'"
        )
    );
    assert!(rewrite.is_err(), "a second handoff write is refused");
}

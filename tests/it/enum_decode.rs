//! Issue 12, point 3: every stored enum is one `text_enum!` definition that sqlx binds and
//! decodes as TEXT on both databases. Each representative enum round-trips through a TEXT
//! column with its one spelling, and a stored value that names no variant is a decode error
//! (never a silent default) — on SQLite by default, on PostgreSQL with `TEST_DATABASE_URL`.

use crate::support::TestDatabase;
use tenantpilot::access::Role;
use tenantpilot::db::Db;
use tenantpilot::features::onboarding::model::{DraftStatus, Step};
use tenantpilot::features::operations::model::{ReasonCode, RunOutcome, RunStatus};
use tenantpilot::features::providers::model::Overall;
use tenantpilot::features::providers::model::{ConsentState, Health, ProviderKind};
use tenantpilot::features::support_requests::model::{
    AttachmentMode, HandoffMode, HandoffOutcome, PrimaryContextType, Severity,
};
use tenantpilot::features::system::controls::ControlKey;
use tenantpilot::with_db;

async fn probe_table() -> TestDatabase {
    let tdb = TestDatabase::new().await;
    with_db!(&tdb.db, |p| sqlx::query(
        "CREATE TABLE enum_probe (id BIGINT PRIMARY KEY, v TEXT NULL)"
    )
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .expect("probe table");
    tdb
}

async fn clear(db: &Db) {
    with_db!(db, |p| sqlx::query("DELETE FROM enum_probe")
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .expect("clear probe");
}

async fn store_text(db: &Db, text: &str) {
    clear(db).await;
    with_db!(db, |p| sqlx::query(
        "INSERT INTO enum_probe (id, v) VALUES (1, $1)"
    )
    .bind(text)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .expect("store text");
}

async fn read_text(db: &Db) -> String {
    with_db!(db, |p| sqlx::query_scalar::<_, String>(
        "SELECT v FROM enum_probe WHERE id = 1"
    )
    .fetch_one(p)
    .await)
    .expect("read text")
}

/// For every variant of each listed enum: bind it, read it back as text (its one spelling) and
/// as the enum (itself); then store a spelling no variant has and expect a decode error.
macro_rules! round_trip {
    ($db:expr, $($ty:ty),+ $(,)?) => {$(
        for value in <$ty>::ALL {
            clear($db).await;
            with_db!($db, |p| sqlx::query("INSERT INTO enum_probe (id, v) VALUES (1, $1)")
                .bind(value)
                .execute(p)
                .await
                .map(|r| r.rows_affected()))
            .expect("bind enum");
            assert_eq!(read_text($db).await, value.as_str(), "{} spelling", stringify!($ty));
            let back = with_db!($db, |p| sqlx::query_scalar::<_, $ty>(
                "SELECT v FROM enum_probe WHERE id = 1"
            )
            .fetch_one(p)
            .await)
            .expect("decode enum");
            assert_eq!(back, value, "{} round trip", stringify!($ty));
            let optional = with_db!($db, |p| sqlx::query_scalar::<_, Option<$ty>>(
                "SELECT v FROM enum_probe WHERE id = 1"
            )
            .fetch_one(p)
            .await)
            .expect("decode optional enum");
            assert_eq!(optional, Some(value), "{} as an option", stringify!($ty));
        }
        store_text($db, "not_a_variant").await;
        let unknown = with_db!($db, |p| sqlx::query_scalar::<_, $ty>(
            "SELECT v FROM enum_probe WHERE id = 1"
        )
        .fetch_one(p)
        .await);
        assert!(
            matches!(unknown, Err(sqlx::Error::ColumnDecode { .. })),
            "{}: an unknown stored value must fail to decode, got {unknown:?}",
            stringify!($ty)
        );
    )+};
}

#[tokio::test]
async fn stored_enums_round_trip_and_unknown_values_fail_to_decode() {
    let tdb = probe_table().await;
    let db = &tdb.db;
    round_trip!(
        db,
        Severity,
        HandoffMode,
        HandoffOutcome,
        AttachmentMode,
        PrimaryContextType,
        Role,
        RunStatus,
        RunOutcome,
        ReasonCode,
        ControlKey,
        ConsentState,
        Health,
        ProviderKind,
        Overall,
        Step,
        DraftStatus,
    );
}

#[tokio::test]
async fn a_row_struct_with_an_unknown_stored_role_fails_to_decode() {
    let tdb = TestDatabase::new().await;
    let db = &tdb.db;
    // A real row type through its real query: the member's role is decoded as `Role`.
    let decoded = with_db!(db, |p| sqlx::query_as::<
        _,
        tenantpilot::features::workspaces::model::MemberWorkspace,
    >(
        "SELECT CAST(1 AS BIGINT) AS id, 'acme' AS slug, 'Acme' AS name, 'superuser' AS role"
    )
    .fetch_one(p)
    .await);
    assert!(
        matches!(decoded, Err(sqlx::Error::ColumnDecode { ref index, .. }) if index.contains("role")),
        "got {decoded:?}"
    );
    let decoded = with_db!(db, |p| sqlx::query_as::<
        _,
        tenantpilot::features::workspaces::model::MemberWorkspace,
    >(
        "SELECT CAST(1 AS BIGINT) AS id, 'acme' AS slug, 'Acme' AS name, 'manager' AS role"
    )
    .fetch_one(p)
    .await)
    .expect("a known role decodes");
    assert_eq!(decoded.role, Role::Manager);
}

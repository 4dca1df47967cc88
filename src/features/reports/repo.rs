//! SQL for stored reports and review packs.

use super::model::{NewReviewPack, NewStoredReport, ReportKind, ReviewPack, StoredReport};
use crate::db::{Db, Tx};
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::types::Json;
use std::sync::LazyLock;

/// Ids of the run's tenant and workspace, for artifact rows.
#[derive(Debug, Clone, Copy)]
pub struct Owner {
    /// Workspace.
    pub workspace_id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Producing run.
    pub run_id: i64,
}

/// SQL of [`insert_report`].
pub const INSERT_REPORT: &str =
    "INSERT INTO stored_reports (workspace_id, tenant_id, kind, run_id, summary, payload,
            created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";

/// Stores a report.
pub async fn insert_report(
    tx: &mut Tx,
    owner: Owner,
    report: &NewStoredReport,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(INSERT_REPORT)
        .bind(owner.workspace_id)
        .bind(owner.tenant_id)
        .bind(report.kind.as_str())
        .bind(owner.run_id)
        .bind(Json(&report.summary))
        .bind(Json(&report.payload))
        .bind(now)
        .fetch_one(c)
        .await)
}

const REPORT_COLUMNS: &str = "id, tenant_id, kind, run_id, summary, payload, created_at";

/// SQL of [`list_reports`].
pub static LIST_REPORTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {REPORT_COLUMNS} FROM stored_reports WHERE tenant_id = $1
         ORDER BY id DESC LIMIT $2"
    )
});

/// A tenant's reports, newest first.
pub async fn list_reports(
    db: &Db,
    tenant_id: i64,
    limit: i64,
) -> Result<Vec<StoredReport>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_REPORTS.as_str())
        .bind(tenant_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// SQL of [`find_report`].
pub static FIND_REPORT: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {REPORT_COLUMNS} FROM stored_reports WHERE tenant_id = $1 AND id = $2")
});

/// One report of the tenant.
pub async fn find_report(
    db: &Db,
    tenant_id: i64,
    report_id: i64,
) -> Result<Option<StoredReport>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_REPORT.as_str())
        .bind(tenant_id)
        .bind(report_id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`latest_report`].
pub static LATEST_REPORT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {REPORT_COLUMNS} FROM stored_reports WHERE tenant_id = $1 AND kind = $2
         ORDER BY id DESC LIMIT 1"
    )
});

/// The tenant's newest report of a kind.
pub async fn latest_report(
    db: &Db,
    tenant_id: i64,
    kind: ReportKind,
) -> Result<Option<StoredReport>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LATEST_REPORT.as_str())
        .bind(tenant_id)
        .bind(kind)
        .fetch_optional(p)
        .await)
}

/// SQL of [`insert_pack`].
pub const INSERT_PACK: &str =
    "INSERT INTO review_packs (workspace_id, tenant_id, run_id, file_name, content,
            size_bytes, sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";

/// Stores a review pack.
pub async fn insert_pack(
    tx: &mut Tx,
    owner: Owner,
    pack: &NewReviewPack,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let sha = hex::encode(Sha256::digest(&pack.content));
    with_tx!(tx, |c| sqlx::query_scalar(INSERT_PACK)
        .bind(owner.workspace_id)
        .bind(owner.tenant_id)
        .bind(owner.run_id)
        .bind(&pack.file_name)
        .bind(&pack.content)
        .bind(pack.content.len() as i64)
        .bind(sha)
        .bind(now)
        .fetch_one(c)
        .await)
}

const PACK_COLUMNS: &str = "id, tenant_id, run_id, file_name, size_bytes, sha256, created_at";

/// SQL of [`list_packs`].
pub static LIST_PACKS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {PACK_COLUMNS} FROM review_packs WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2"
    )
});

/// A tenant's review packs, newest first (without content).
pub async fn list_packs(
    db: &Db,
    tenant_id: i64,
    limit: i64,
) -> Result<Vec<ReviewPack>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_PACKS.as_str())
        .bind(tenant_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// SQL of [`pack_for_run`].
pub static PACK_FOR_RUN: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {PACK_COLUMNS} FROM review_packs WHERE run_id = $1"));

/// The pack a run generated.
pub async fn pack_for_run(db: &Db, run_id: i64) -> Result<Option<ReviewPack>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(PACK_FOR_RUN.as_str())
        .bind(run_id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`pack_content`].
pub const PACK_CONTENT: &str =
    "SELECT file_name, content FROM review_packs WHERE tenant_id = $1 AND id = $2";

/// File name and bytes of one pack of the tenant.
pub async fn pack_content(
    db: &Db,
    tenant_id: i64,
    pack_id: i64,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(PACK_CONTENT)
        .bind(tenant_id)
        .bind(pack_id)
        .fetch_optional(p)
        .await)
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("LIST_REPORTS", LIST_REPORTS.as_str()),
        ("FIND_REPORT", FIND_REPORT.as_str()),
        ("LATEST_REPORT", LATEST_REPORT.as_str()),
        ("LIST_PACKS", LIST_PACKS.as_str()),
        ("PACK_FOR_RUN", PACK_FOR_RUN.as_str()),
        ("INSERT_REPORT", INSERT_REPORT),
        ("INSERT_PACK", INSERT_PACK),
        ("PACK_CONTENT", PACK_CONTENT),
    ]
}

//! SQL for the audit log.

use super::AuditEntry;
use crate::db::{Db, Tx};
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

/// SQL of [`insert`].
pub const INSERT: &str =
    "INSERT INTO audit_events (occurred_at, actor_user_id, actor_label, workspace_id,
            tenant_id, action, target_type, target_id, metadata, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";

/// Appends one row.
pub async fn insert(
    tx: &mut Tx,
    actor_user_id: Option<i64>,
    actor_label: &str,
    request_id: Option<&str>,
    now: DateTime<Utc>,
    entry: &AuditEntry,
    metadata: Value,
) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(INSERT)
        .bind(now)
        .bind(actor_user_id)
        .bind(actor_label)
        .bind(entry.workspace_id)
        .bind(entry.tenant_id)
        .bind(entry.action)
        .bind(entry.target_type)
        .bind(&entry.target_id)
        .bind(Json(&metadata))
        .bind(request_id)
        .fetch_one(c)
        .await)
}

/// One row of the audit page or API.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    /// Row id (also the stable order).
    pub id: i64,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Who did it.
    pub actor_label: String,
    /// Action id.
    pub action: String,
    /// Tenant external id, when tenant-bound.
    pub tenant: Option<String>,
    /// Kind of record.
    pub target_type: String,
    /// Record id or key.
    pub target_id: String,
    /// Bounded metadata.
    pub metadata: Json<Value>,
    /// Request id, when done over HTTP.
    pub request_id: Option<String>,
}

/// Filters of a workspace's audit log, shared by its page, the API and the CSV export.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this action id.
    pub action: Option<String>,
    /// Only this tenant (internal id).
    pub tenant_id: Option<i64>,
    /// Only this actor, as the log records it (an e-mail address, `system` or `cli`).
    pub actor: Option<String>,
    /// Only rows at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only rows before this instant (exclusive: the start of the day after the last one).
    pub until: Option<DateTime<Utc>>,
}

/// Which rows of a filtered log to read: a numbered page (`offset`) or, for the export, the
/// next chunk below a keyset cursor (`before_id`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    /// Only rows with an id below this one.
    pub before_id: Option<i64>,
    /// Rows skipped first (page number times page size; 0 for keyset reads).
    pub offset: i64,
    /// Rows returned at most.
    pub limit: i64,
}

/// The `FROM … WHERE …` every filtered read shares: `$1` workspace, `$2` action, `$3` tenant,
/// `$4` actor, `$5` from, `$6` until, `$7` highest id (the export's snapshot, or NULL).
macro_rules! filtered {
    ($select:literal, $rest:literal) => {
        concat!(
            $select,
            " FROM audit_events a LEFT JOIN tenants t ON t.id = a.tenant_id
         WHERE a.workspace_id = $1
           AND ($2 IS NULL OR a.action = $2)
           AND ($3 IS NULL OR a.tenant_id = $3)
           AND ($4 IS NULL OR a.actor_label = $4)
           AND ($5 IS NULL OR a.occurred_at >= $5)
           AND ($6 IS NULL OR a.occurred_at < $6)
           AND ($7 IS NULL OR a.id <= $7)",
            $rest
        )
    };
}

/// Binds `$1`–`$7` of a [`filtered!`] statement.
macro_rules! bind_filter {
    ($query:expr, $workspace_id:expr, $f:expr, $upto_id:expr) => {
        $query
            .bind($workspace_id)
            .bind($f.action.as_deref())
            .bind($f.tenant_id)
            .bind($f.actor.as_deref())
            .bind($f.from)
            .bind($f.until)
            .bind($upto_id)
    };
}

/// SQL of [`list`].
pub const LIST: &str = filtered!(
    "SELECT a.id, a.occurred_at, a.actor_label, a.action, t.external_id AS tenant,
                a.target_type, a.target_id, a.metadata, a.request_id",
    " AND ($8 IS NULL OR a.id < $8) ORDER BY a.id DESC LIMIT $9 OFFSET $10"
);

/// Rows of `f` in `window`, newest first, among rows with an id up to `upto_id` (when given).
pub async fn list(
    db: &Db,
    workspace_id: i64,
    f: &AuditFilter,
    upto_id: Option<i64>,
    window: Window,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    with_db!(db, |p| bind_filter!(
        sqlx::query_as(LIST),
        workspace_id,
        f,
        upto_id
    )
    .bind(window.before_id)
    .bind(window.limit)
    .bind(window.offset)
    .fetch_all(p)
    .await)
}

/// SQL of [`snapshot`].
pub const SNAPSHOT: &str = filtered!("SELECT COUNT(*), MAX(a.id)", "");

/// How many rows `f` matches and the highest id among them, read once: an export writes the
/// rows up to that id, so rows appended while it streams (its own `audit.exported` among them)
/// are not in it.
pub async fn snapshot(
    db: &Db,
    workspace_id: i64,
    f: &AuditFilter,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    with_db!(db, |p| bind_filter!(
        sqlx::query_as(SNAPSHOT),
        workspace_id,
        f,
        None::<i64>
    )
    .fetch_one(p)
    .await)
}

/// SQL of [`actors`].
pub const ACTORS: &str =
    "SELECT DISTINCT actor_label FROM audit_events WHERE workspace_id = $1 ORDER BY actor_label";

/// Every actor a workspace's log names, as it names them, for the filter menu.
pub async fn actors(db: &Db, workspace_id: i64) -> Result<Vec<String>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(ACTORS)
        .bind(workspace_id)
        .fetch_all(p)
        .await)
}

/// SQL of [`actions`].
pub const ACTIONS: &str =
    "SELECT DISTINCT action FROM audit_events WHERE workspace_id = $1 ORDER BY action";

/// Distinct action ids in a workspace's log, for the filter menu.
pub async fn actions(db: &Db, workspace_id: i64) -> Result<Vec<String>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(ACTIONS)
        .bind(workspace_id)
        .fetch_all(p)
        .await)
}

/// SQL of [`actor_user_id`].
pub const ACTOR_USER_ID: &str =
    "SELECT MAX(actor_user_id) FROM audit_events WHERE workspace_id = $1 AND actor_label = $2";

/// The user id the log records for actor `label` in a workspace (`None` for `system`, `cli`
/// or a label it does not hold), so an export's audit row can name a filtered actor without
/// storing an e-mail address in metadata.
pub async fn actor_user_id(
    db: &Db,
    workspace_id: i64,
    label: &str,
) -> Result<Option<i64>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(ACTOR_USER_ID)
        .bind(workspace_id)
        .bind(label)
        .fetch_one(p)
        .await)
}

/// SQL of [`count_action`].
pub const COUNT_ACTION: &str = "SELECT COUNT(*) FROM audit_events WHERE action = $1";

/// Count of rows with `action` (tests and diagnostics).
pub async fn count_action(db: &Db, action: &str) -> Result<i64, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(COUNT_ACTION)
        .bind(action)
        .fetch_one(p)
        .await)
}

/// SQL of [`latest_global`].
pub const LATEST_GLOBAL: &str =
    "SELECT a.id, a.occurred_at, a.actor_label, a.action, NULL AS tenant,
                a.target_type, a.target_id, a.metadata, a.request_id
         FROM audit_events a
         WHERE a.workspace_id IS NULL AND a.action = $1
         ORDER BY a.id DESC LIMIT 1";

/// The newest installation-wide row (no workspace) with `action`, e.g. the last support-desk
/// test on the system plane.
pub async fn latest_global(db: &Db, action: &str) -> Result<Option<AuditRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LATEST_GLOBAL)
        .bind(action)
        .fetch_optional(p)
        .await)
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("INSERT", INSERT),
        ("LIST", LIST),
        ("SNAPSHOT", SNAPSHOT),
        ("ACTORS", ACTORS),
        ("ACTOR_USER_ID", ACTOR_USER_ID),
        ("ACTIONS", ACTIONS),
        ("COUNT_ACTION", COUNT_ACTION),
        ("LATEST_GLOBAL", LATEST_GLOBAL),
    ]
}

//! SQL for onboarding drafts. Every change goes through [`claim`], which bumps the version only
//! when the caller saw the current one and the draft is still open.

use super::model::{Draft, DraftState, Step};
use crate::db::{Db, Tx};
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use std::sync::LazyLock;

/// Same visibility rule as tenants, for a draft's linked tenant `t` (unlinked drafts are
/// visible to every member of their workspace).
const VISIBLE: &str = "(d.tenant_id IS NULL OR m.all_tenants OR EXISTS (
    SELECT 1 FROM tenant_entitlements e WHERE e.membership_id = m.id AND e.tenant_id = t.id))";

/// Columns of [`Draft`] for queries joining `workspaces w`, `memberships m`, `tenants t` and
/// `users u`.
const DRAFT_COLUMNS: &str = "d.id, d.workspace_id, d.tenant_id, d.current_step, d.status,
    d.state, d.version, d.started_by, d.updated_by, d.created_at, d.updated_at, d.completed_at,
    w.slug AS workspace_slug, w.name AS workspace_name, m.role,
    t.external_id AS tenant_external_id, t.name AS tenant_name, u.email AS started_by_label";

const DRAFT_FROM: &str = "FROM onboarding_drafts d
    JOIN workspaces w ON w.id = d.workspace_id
    JOIN memberships m ON m.workspace_id = d.workspace_id AND m.user_id = $1
    LEFT JOIN tenants t ON t.id = d.tenant_id
    LEFT JOIN users u ON u.id = d.started_by";

/// A draft to create.
#[derive(Debug, Clone)]
pub struct NewDraft<'a> {
    /// Workspace.
    pub workspace_id: i64,
    /// Linked tenant (re-onboarding), or `None` for a tenant that does not exist yet.
    pub tenant_id: Option<i64>,
    /// First step to work on.
    pub current_step: Step,
    /// Initial state.
    pub state: &'a DraftState,
    /// Who starts it.
    pub user_id: i64,
}

/// SQL of [`insert`].
pub const INSERT: &str =
    "INSERT INTO onboarding_drafts (workspace_id, tenant_id, current_step, status, state,
            version, started_by, updated_by, created_at, updated_at)
         VALUES ($1, $2, $3, 'draft', $4, 1, $5, $5, $6, $6) RETURNING id";

/// Inserts a draft at version 1; returns its id.
pub async fn insert(
    tx: &mut Tx,
    draft: &NewDraft<'_>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(INSERT)
        .bind(draft.workspace_id)
        .bind(draft.tenant_id)
        .bind(draft.current_step.as_str())
        .bind(Json(draft.state))
        .bind(draft.user_id)
        .bind(now)
        .fetch_one(c)
        .await)
}

/// SQL of [`find_scoped`].
pub static FIND_SCOPED: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {DRAFT_COLUMNS} {DRAFT_FROM} WHERE d.id = $2 AND {VISIBLE}"));

/// Draft `id` if `user_id` is a member of its workspace and may see its linked tenant (if any);
/// `None` both when it does not exist and when it is out of scope.
pub async fn find_scoped(db: &Db, user_id: i64, id: i64) -> Result<Option<Draft>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_SCOPED.as_str())
        .bind(user_id)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`list_visible`].
pub static LIST_VISIBLE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {DRAFT_COLUMNS} {DRAFT_FROM} WHERE {VISIBLE}
         ORDER BY CASE WHEN d.status = 'draft' THEN 0 ELSE 1 END, d.updated_at DESC, d.id DESC
         LIMIT $2"
    )
});

/// Drafts (open and completed) `user_id` may see across their workspaces, newest change first.
/// Callers filter by role; the list is bounded.
pub async fn list_visible(db: &Db, user_id: i64, limit: i64) -> Result<Vec<Draft>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_VISIBLE.as_str())
        .bind(user_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// SQL of [`open_for_tenant`].
pub const OPEN_FOR_TENANT: &str =
    "SELECT id FROM onboarding_drafts WHERE tenant_id = $1 AND status = 'draft'
         ORDER BY id DESC LIMIT 1";

/// The open draft of `tenant_id`, if one exists (re-onboarding resumes it instead of starting a
/// second one).
pub async fn open_for_tenant(db: &Db, tenant_id: i64) -> Result<Option<i64>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(OPEN_FOR_TENANT)
        .bind(tenant_id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`claim`].
pub const CLAIM: &str =
    "UPDATE onboarding_drafts SET version = version + 1, updated_by = $3, updated_at = $4
         WHERE id = $1 AND version = $2 AND status = 'draft'";

/// Takes the draft for one change: bumps the version from `version` and records who changed
/// it. `false` when the version moved on or the draft is no longer open; nothing was written
/// then. On PostgreSQL the row stays locked until the transaction ends, so a racing writer
/// waits and then finds the new version.
pub async fn claim(
    tx: &mut Tx,
    id: i64,
    version: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let n = crate::execute!(
        &mut *tx,
        sqlx::query(CLAIM)
            .bind(id)
            .bind(version)
            .bind(user_id)
            .bind(now)
    )?;
    Ok(n == 1)
}

/// What a claimed change writes.
#[derive(Debug, Clone)]
pub struct DraftChange<'a> {
    /// Linked tenant.
    pub tenant_id: Option<i64>,
    /// Step to work on next.
    pub current_step: Step,
    /// Whether the draft is finished.
    pub completed_at: Option<DateTime<Utc>>,
    /// New state.
    pub state: &'a DraftState,
}

/// SQL of [`save`].
pub const SAVE: &str =
    "UPDATE onboarding_drafts SET tenant_id = $2, current_step = $3, status = $4, state = $5,
            completed_at = $6
         WHERE id = $1";

/// Writes a change to a draft this transaction has [`claim`]ed (the version is already bumped).
pub async fn save(tx: &mut Tx, id: i64, change: &DraftChange<'_>) -> Result<(), sqlx::Error> {
    let status = if change.completed_at.is_some() {
        "completed"
    } else {
        "draft"
    };
    crate::execute!(
        &mut *tx,
        sqlx::query(SAVE)
            .bind(id)
            .bind(change.tenant_id)
            .bind(change.current_step.as_str())
            .bind(status)
            .bind(Json(change.state))
            .bind(change.completed_at)
    )?;
    Ok(())
}

/// SQL of [`version_and_status`].
pub const VERSION_AND_STATUS: &str = "SELECT version, status FROM onboarding_drafts WHERE id = $1";

/// Current version and status of a draft (to tell a conflict from a completed draft).
pub async fn version_and_status(db: &Db, id: i64) -> Result<Option<(i64, String)>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(VERSION_AND_STATUS)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`entitle_creator`].
pub const ENTITLE_CREATOR: &str = "INSERT INTO tenant_entitlements (membership_id, tenant_id)
         SELECT m.id, $3 FROM memberships m
         WHERE m.workspace_id = $1 AND m.user_id = $2 AND NOT m.all_tenants
         ON CONFLICT DO NOTHING";

/// Lets a member whose membership is limited to some tenants see the tenant they just created
/// through onboarding (members who see all tenants need nothing).
pub async fn entitle_creator(
    tx: &mut Tx,
    workspace_id: i64,
    user_id: i64,
    tenant_id: i64,
) -> Result<(), sqlx::Error> {
    crate::execute!(
        &mut *tx,
        sqlx::query(ENTITLE_CREATOR)
            .bind(workspace_id)
            .bind(user_id)
            .bind(tenant_id)
    )?;
    Ok(())
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("FIND_SCOPED", FIND_SCOPED.as_str()),
        ("LIST_VISIBLE", LIST_VISIBLE.as_str()),
        ("INSERT", INSERT),
        ("OPEN_FOR_TENANT", OPEN_FOR_TENANT),
        ("CLAIM", CLAIM),
        ("SAVE", SAVE),
        ("VERSION_AND_STATUS", VERSION_AND_STATUS),
        ("ENTITLE_CREATOR", ENTITLE_CREATOR),
    ]
}

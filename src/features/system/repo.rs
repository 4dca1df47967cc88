//! SQL of the system console: installation totals, the Control Tower reads over
//! `operation_runs`, and the operational-control pauses. Every query is written once for both
//! databases, takes its time bounds as parameters (never `now()`), and is bounded: counts are
//! aggregates, lists carry a `LIMIT`. Indexes (migration 5 unless noted):
//! `operation_runs_created` (window counts, covering), `operation_runs_failed` (failure lists,
//! partial on `outcome = 'failed'`), `operation_runs_open` (open runs, migration 2),
//! `audit_events_target` (control history), the pause table's primary key.

use crate::db::{Db, Tx};
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use std::sync::LazyLock;

/// Counts shown on the system overview.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Totals {
    /// Workspaces.
    pub workspaces: i64,
    /// Tenants.
    pub tenants: i64,
    /// Workspace users (platform users excluded).
    pub users: i64,
}

/// SQL of [`totals`].
pub const TOTALS: &str = "SELECT (SELECT COUNT(*) FROM workspaces) AS workspaces,
                (SELECT COUNT(*) FROM tenants) AS tenants,
                (SELECT COUNT(*) FROM users WHERE NOT is_platform) AS users";

/// One query for all three counts.
pub async fn totals(db: &Db) -> Result<Totals, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(TOTALS).fetch_one(p).await)
}

/// Runs created in a window, by how they ended (the Control Tower KPIs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct RunCounts {
    /// Runs created in the window.
    pub started: i64,
    /// Of those, completed (any outcome).
    pub completed: i64,
    /// Completed with outcome `succeeded`.
    pub succeeded: i64,
    /// Completed with outcome `partially_succeeded`.
    pub partially_succeeded: i64,
    /// Completed with outcome `failed`.
    pub failed: i64,
    /// Failed because their executor went silent (reason `orphaned`).
    pub orphaned: i64,
}

/// SQL of [`run_counts`].
pub const RUN_COUNTS: &str = "SELECT COUNT(*) AS started,
            COALESCE(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0) AS completed,
            COALESCE(SUM(CASE WHEN outcome = 'succeeded' THEN 1 ELSE 0 END), 0) AS succeeded,
            COALESCE(SUM(CASE WHEN outcome = 'partially_succeeded' THEN 1 ELSE 0 END), 0)
                AS partially_succeeded,
            COALESCE(SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END), 0) AS failed,
            COALESCE(SUM(CASE WHEN outcome = 'failed' AND reason_code = 'orphaned'
                THEN 1 ELSE 0 END), 0) AS orphaned
         FROM operation_runs WHERE created_at >= $1";

/// Outcome counts of the runs created at or after `from` (one index range scan).
pub async fn run_counts(db: &Db, from: DateTime<Utc>) -> Result<RunCounts, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(RUN_COUNTS)
        .bind(from)
        .fetch_one(p)
        .await)
}

/// Runs that have not completed, right now (not windowed: a queue is a present-tense fact).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenRuns {
    /// Waiting for an executor.
    pub queued: i64,
    /// Held by an executor.
    pub running: i64,
    /// Queued since before the queue cutoff, or running without a heartbeat since the silence
    /// cutoff: what the orphan sweep will fail or what no executor picks up.
    pub stuck: i64,
}

/// SQL of [`open_runs`].
pub const OPEN_RUNS: &str =
    "SELECT COALESCE(SUM(CASE WHEN status = 'queued' THEN 1 ELSE 0 END), 0) AS queued,
            COALESCE(SUM(CASE WHEN status = 'running' THEN 1 ELSE 0 END), 0) AS running,
            COALESCE(SUM(CASE
                WHEN status = 'queued' AND created_at < $1 THEN 1
                WHEN status = 'running'
                     AND COALESCE(heartbeat_at, started_at, created_at) < $2 THEN 1
                ELSE 0 END), 0) AS stuck
         FROM operation_runs WHERE status <> 'completed'";

/// Open runs, and which of them look stuck: queued before `queued_before`, or running with
/// the last sign of life before `silent_before`. Reads only the partial `operation_runs_open`
/// index's rows.
pub async fn open_runs(
    db: &Db,
    queued_before: DateTime<Utc>,
    silent_before: DateTime<Utc>,
) -> Result<OpenRuns, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(OPEN_RUNS)
        .bind(queued_before)
        .bind(silent_before)
        .fetch_one(p)
        .await)
}

/// A failed run as the recent-failures list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FailedRun {
    /// Run id.
    pub id: i64,
    /// Type id.
    pub run_type: String,
    /// Reason code id, if any.
    pub reason_code: Option<String>,
    /// Workspace display name.
    pub workspace_name: String,
    /// Tenant display name.
    pub tenant_name: String,
    /// Tenant URL key.
    pub tenant_external_id: String,
    /// When it was queued (the window is over creation time).
    pub created_at: DateTime<Utc>,
    /// When it ended.
    pub completed_at: Option<DateTime<Utc>>,
}

/// SQL of [`recent_failures`].
pub const RECENT_FAILURES: &str =
    "SELECT r.id, r.run_type, r.reason_code, w.name AS workspace_name,
            t.name AS tenant_name, t.external_id AS tenant_external_id, r.created_at,
            r.completed_at
         FROM operation_runs r
         JOIN tenants t ON t.id = r.tenant_id
         JOIN workspaces w ON w.id = t.workspace_id
         WHERE r.outcome = 'failed' AND r.created_at >= $1
         ORDER BY r.created_at DESC, r.id DESC
         LIMIT $2";

/// The latest `limit` failed runs created at or after `from`, newest first.
pub async fn recent_failures(
    db: &Db,
    from: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<FailedRun>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(RECENT_FAILURES)
        .bind(from)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// A tenant and run type with failures in the window.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Offender {
    /// Workspace display name.
    pub workspace_name: String,
    /// Tenant display name.
    pub tenant_name: String,
    /// Tenant URL key.
    pub tenant_external_id: String,
    /// Type id.
    pub run_type: String,
    /// Failed runs of that type for that tenant in the window.
    pub failures: i64,
    /// Creation time of the latest of them.
    pub last_failed_at: DateTime<Utc>,
}

/// SQL of [`top_offenders`].
pub const TOP_OFFENDERS: &str = "SELECT w.name AS workspace_name, t.name AS tenant_name,
            t.external_id AS tenant_external_id, g.run_type, g.failures, g.last_failed_at
         FROM (SELECT tenant_id, run_type, COUNT(*) AS failures,
                      MAX(created_at) AS last_failed_at
               FROM operation_runs
               WHERE outcome = 'failed' AND created_at >= $1
               GROUP BY tenant_id, run_type) g
         JOIN tenants t ON t.id = g.tenant_id
         JOIN workspaces w ON w.id = t.workspace_id
         ORDER BY g.failures DESC, g.last_failed_at DESC, g.tenant_id, g.run_type
         LIMIT $2";

/// The `limit` tenant × run type pairs with the most failed runs created at or after `from`;
/// ties go to the most recent failure, then to the lower tenant id and type id so the order
/// is stable.
pub async fn top_offenders(
    db: &Db,
    from: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Offender>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(TOP_OFFENDERS)
        .bind(from)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// An active (or expired but not yet overwritten) pause of one control in one scope.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PauseRow {
    /// Control key (see [`super::controls::ControlKey`]).
    pub control_key: String,
    /// `global` or `workspace:<id>`.
    pub scope_key: String,
    /// The workspace of a workspace-scoped pause.
    pub workspace_id: Option<i64>,
    /// Its URL key.
    pub workspace_slug: Option<String>,
    /// Its display name.
    pub workspace_name: Option<String>,
    /// Why the operator paused it.
    pub reason: String,
    /// Who paused it (e-mail).
    pub paused_by_label: String,
    /// When.
    pub paused_at: DateTime<Utc>,
    /// When the pause ends by itself; `None` = until resumed.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Columns of [`PauseRow`] over `operational_control_pauses p LEFT JOIN workspaces w`.
const PAUSE_COLUMNS: &str = "p.control_key, p.scope_key, p.workspace_id,
    w.slug AS workspace_slug, w.name AS workspace_name, p.reason, p.paused_by_label,
    p.paused_at, p.expires_at";

/// SQL of [`active_pauses`].
pub static ACTIVE_PAUSES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {PAUSE_COLUMNS}
         FROM operational_control_pauses p LEFT JOIN workspaces w ON w.id = p.workspace_id
         WHERE p.expires_at IS NULL OR p.expires_at > $1
         ORDER BY p.control_key, p.workspace_id IS NOT NULL, w.name, p.scope_key
         LIMIT $2"
    )
});

/// Pauses in effect at `now` (expired ones left out), by control and scope, at most `limit`.
pub async fn active_pauses(
    db: &Db,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<PauseRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(ACTIVE_PAUSES.as_str())
        .bind(now)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// SQL of [`effective_pause`].
pub static EFFECTIVE_PAUSE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {PAUSE_COLUMNS}
         FROM operational_control_pauses p LEFT JOIN workspaces w ON w.id = p.workspace_id
         WHERE p.control_key = $1 AND p.scope_key IN ('global', $2)
           AND (p.expires_at IS NULL OR p.expires_at > $3)
         ORDER BY CASE WHEN p.scope_key = 'global' THEN 0 ELSE 1 END
         LIMIT 1"
    )
});

/// The pause of `control_key` in effect at `now` for `workspace_scope` (`workspace:<id>`) or
/// globally: a global pause wins over a workspace one. Two primary-key lookups at most.
pub async fn effective_pause(
    db: &Db,
    control_key: &str,
    workspace_scope: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<PauseRow>, sqlx::Error> {
    let scope = workspace_scope.unwrap_or("global");
    with_db!(db, |p| sqlx::query_as(EFFECTIVE_PAUSE.as_str())
        .bind(control_key)
        .bind(scope)
        .bind(now)
        .fetch_optional(p)
        .await)
}

/// SQL of [`pauses_for_workspace`].
pub static WORKSPACE_PAUSES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {PAUSE_COLUMNS}
         FROM operational_control_pauses p LEFT JOIN workspaces w ON w.id = p.workspace_id
         WHERE (p.scope_key = 'global' OR p.workspace_id = $1)
           AND (p.expires_at IS NULL OR p.expires_at > $2)
         ORDER BY p.control_key, CASE WHEN p.scope_key = 'global' THEN 0 ELSE 1 END
         LIMIT $3"
    )
});

/// Every pause in effect at `now` that covers `workspace_id` (global ones, and that
/// workspace's own; only global ones for `None`), by control with the global pause first: the
/// page frame's one read of what is paused.
pub async fn pauses_for_workspace(
    db: &Db,
    workspace_id: Option<i64>,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<PauseRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(WORKSPACE_PAUSES.as_str())
        .bind(workspace_id)
        .bind(now)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// A pause to write.
#[derive(Debug, Clone)]
pub struct NewPause<'a> {
    /// Control key.
    pub control_key: &'a str,
    /// `global` or `workspace:<id>`.
    pub scope_key: &'a str,
    /// Workspace of a workspace-scoped pause.
    pub workspace_id: Option<i64>,
    /// Why.
    pub reason: &'a str,
    /// Who (user id).
    pub paused_by_user_id: Option<i64>,
    /// Who (e-mail).
    pub paused_by_label: &'a str,
    /// When.
    pub paused_at: DateTime<Utc>,
    /// Automatic end, if any.
    pub expires_at: Option<DateTime<Utc>>,
}

/// SQL of [`upsert_pause`].
pub const UPSERT_PAUSE: &str = "SELECT COUNT(*) FROM operational_control_pauses
         WHERE control_key = $1 AND scope_key = $2
           AND (expires_at IS NULL OR expires_at > $3)";

/// SQL of [`upsert_pause`].
pub const UPSERT_PAUSE_2: &str =
    "INSERT INTO operational_control_pauses (control_key, scope_key, workspace_id, reason,
            paused_by_user_id, paused_by_label, paused_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (control_key, scope_key) DO UPDATE SET
            workspace_id = excluded.workspace_id, reason = excluded.reason,
            paused_by_user_id = excluded.paused_by_user_id,
            paused_by_label = excluded.paused_by_label, paused_at = excluded.paused_at,
            expires_at = excluded.expires_at";

/// Pauses a control in a scope, replacing any earlier pause (active or expired) of the same
/// control and scope. Returns whether an active pause was replaced (its reason/expiry changed).
pub async fn upsert_pause(tx: &mut Tx, pause: &NewPause<'_>) -> Result<bool, sqlx::Error> {
    let replaced: i64 = with_tx!(tx, |c| sqlx::query_scalar(UPSERT_PAUSE)
        .bind(pause.control_key)
        .bind(pause.scope_key)
        .bind(pause.paused_at)
        .fetch_one(c)
        .await)?;
    crate::execute!(
        &mut *tx,
        sqlx::query(UPSERT_PAUSE_2)
            .bind(pause.control_key)
            .bind(pause.scope_key)
            .bind(pause.workspace_id)
            .bind(pause.reason)
            .bind(pause.paused_by_user_id)
            .bind(pause.paused_by_label)
            .bind(pause.paused_at)
            .bind(pause.expires_at)
    )?;
    Ok(replaced > 0)
}

/// The facts of a pause a resume ended, for its audit row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EndedPause {
    /// Why it had been paused.
    pub reason: String,
    /// Who had paused it.
    pub paused_by_label: String,
    /// Since when.
    pub paused_at: DateTime<Utc>,
}

/// SQL of [`delete_active_pause`].
pub const DELETE_ACTIVE_PAUSE: &str = "DELETE FROM operational_control_pauses
         WHERE control_key = $1 AND scope_key = $2
           AND (expires_at IS NULL OR expires_at > $3)
         RETURNING reason, paused_by_label, paused_at";

/// Ends the pause of `control_key` in `scope_key` if one is in effect at `now`; `None` when
/// there was nothing to resume (never paused, already resumed, or expired).
pub async fn delete_active_pause(
    tx: &mut Tx,
    control_key: &str,
    scope_key: &str,
    now: DateTime<Utc>,
) -> Result<Option<EndedPause>, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as(DELETE_ACTIVE_PAUSE)
        .bind(control_key)
        .bind(scope_key)
        .bind(now)
        .fetch_optional(c)
        .await)
}

/// A workspace as the scope picker offers it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkspaceChoice {
    /// URL key (what the form submits).
    pub slug: String,
    /// Display name.
    pub name: String,
}

/// SQL of [`workspace_choices`].
pub const WORKSPACE_CHOICES: &str = "SELECT slug, name FROM workspaces ORDER BY name, id LIMIT $1";

/// The first `limit` workspaces by name, as suggestions for the scope field (any existing slug
/// is accepted, listed or not).
pub async fn workspace_choices(db: &Db, limit: i64) -> Result<Vec<WorkspaceChoice>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(WORKSPACE_CHOICES)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// A workspace as `/system/workspaces` lists it, with its counts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkspaceOverview {
    /// URL key.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Memberships (owners included).
    pub members: i64,
    /// Tenants.
    pub tenants: i64,
    /// Invitations that can still be accepted (neither accepted, revoked nor expired).
    pub pending_invitations: i64,
}

/// SQL of [`workspace_overviews`]: the counts are correlated subqueries, each answered from an
/// index that starts with `workspace_id` (the memberships' unique key, `tenants_workspace`,
/// `invitations_workspace`), so the list is one statement whatever the number of workspaces.
pub const WORKSPACE_OVERVIEWS: &str = "SELECT w.slug, w.name, w.created_at,
            (SELECT COUNT(*) FROM memberships m WHERE m.workspace_id = w.id) AS members,
            (SELECT COUNT(*) FROM tenants t WHERE t.workspace_id = w.id) AS tenants,
            (SELECT COUNT(*) FROM invitations i WHERE i.workspace_id = w.id
                AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $1)
                AS pending_invitations
         FROM workspaces w ORDER BY w.name, w.id LIMIT $2";

/// The first `limit` workspaces by name with their member, tenant and pending-invitation
/// counts as of `now`.
pub async fn workspace_overviews(
    db: &Db,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<WorkspaceOverview>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(WORKSPACE_OVERVIEWS)
        .bind(now)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// SQL of [`workspace_overview`].
pub const WORKSPACE_OVERVIEW: &str = "SELECT w.slug, w.name, w.created_at,
            (SELECT COUNT(*) FROM memberships m WHERE m.workspace_id = w.id) AS members,
            (SELECT COUNT(*) FROM tenants t WHERE t.workspace_id = w.id) AS tenants,
            (SELECT COUNT(*) FROM invitations i WHERE i.workspace_id = w.id
                AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $1)
                AS pending_invitations
         FROM workspaces w WHERE w.id = $2";

/// One workspace's row of [`workspace_overviews`].
pub async fn workspace_overview(
    db: &Db,
    now: DateTime<Utc>,
    id: i64,
) -> Result<Option<WorkspaceOverview>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(WORKSPACE_OVERVIEW)
        .bind(now)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// One change of an operational control, from the audit log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ControlChange {
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// Who (e-mail).
    pub actor_label: String,
    /// `operational_control.paused` or `operational_control.resumed`.
    pub action: String,
    /// Control key.
    pub target_id: String,
    /// Scope, reason, expiry as recorded.
    pub metadata: Json<Value>,
}

/// SQL of [`control_changes`].
pub const CONTROL_CHANGES: &str =
    "SELECT occurred_at, actor_label, action, target_id, metadata FROM audit_events
         WHERE target_type = 'operational_control'
         ORDER BY id DESC LIMIT $1";

/// The latest `limit` audited changes of operational controls, newest first.
pub async fn control_changes(db: &Db, limit: i64) -> Result<Vec<ControlChange>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(CONTROL_CHANGES)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("ACTIVE_PAUSES", ACTIVE_PAUSES.as_str()),
        ("EFFECTIVE_PAUSE", EFFECTIVE_PAUSE.as_str()),
        ("WORKSPACE_PAUSES", WORKSPACE_PAUSES.as_str()),
        ("TOTALS", TOTALS),
        ("RUN_COUNTS", RUN_COUNTS),
        ("OPEN_RUNS", OPEN_RUNS),
        ("RECENT_FAILURES", RECENT_FAILURES),
        ("TOP_OFFENDERS", TOP_OFFENDERS),
        ("UPSERT_PAUSE", UPSERT_PAUSE),
        ("UPSERT_PAUSE_2", UPSERT_PAUSE_2),
        ("DELETE_ACTIVE_PAUSE", DELETE_ACTIVE_PAUSE),
        ("WORKSPACE_CHOICES", WORKSPACE_CHOICES),
        ("WORKSPACE_OVERVIEWS", WORKSPACE_OVERVIEWS),
        ("WORKSPACE_OVERVIEW", WORKSPACE_OVERVIEW),
        ("CONTROL_CHANGES", CONTROL_CHANGES),
    ]
}

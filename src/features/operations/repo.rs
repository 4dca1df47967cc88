//! SQL for operation runs: creation, the claim an executor takes, heartbeats, completion,
//! orphan recovery, and the scoped reads pages and the API use.

use super::model::{Completion, RunRow, RunWithTenant};
use crate::db::{Db, Tx};
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use std::sync::LazyLock;

/// Columns of [`RunRow`], prefixed with `r.`.
pub const RUN_COLUMNS: &str = "r.id, r.workspace_id, r.tenant_id, r.run_type, r.status, r.outcome,
    r.reason_code, r.summary_message, r.summary_counts, r.progress_done, r.progress_total,
    r.initiator_user_id, r.initiator_label, r.context, r.created_at, r.started_at,
    r.completed_at, r.heartbeat_at";

/// Visibility rule shared by every query below (see [`crate::access::TENANT_VISIBLE`]).
pub const VISIBLE: &str = crate::access::TENANT_VISIBLE;

/// The tail of a run query joined to its tenant and the caller's membership (`$1` = user
/// id), after `SELECT {RUN_COLUMNS},`; callers add the visibility rule.
pub const SCOPED_JOIN: &str = "t.external_id AS tenant_external_id, t.name AS tenant_name,
    w.slug AS workspace_slug, m.role
    FROM operation_runs r
    JOIN tenants t ON t.id = r.tenant_id
    JOIN workspaces w ON w.id = t.workspace_id
    JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1";

/// A run to queue.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    /// Workspace of the tenant.
    pub workspace_id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Type id.
    pub run_type: &'a str,
    /// Initiating user, `None` for the system.
    pub initiator_user_id: Option<i64>,
    /// E-mail or `system`.
    pub initiator_label: &'a str,
    /// Type-specific inputs.
    pub context: Value,
}

/// SQL of [`insert`].
pub const INSERT: &str =
    "INSERT INTO operation_runs (workspace_id, tenant_id, run_type, status, summary_counts,
            progress_done, progress_total, initiator_user_id, initiator_label, context, created_at)
         VALUES ($1, $2, $3, 'queued', $4, 0, 0, $5, $6, $7, $8) RETURNING id";

/// Inserts a queued run.
pub async fn insert(tx: &mut Tx, run: &NewRun<'_>, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(INSERT)
        .bind(run.workspace_id)
        .bind(run.tenant_id)
        .bind(run.run_type)
        .bind(Json(Value::Object(Default::default())))
        .bind(run.initiator_user_id)
        .bind(run.initiator_label)
        .bind(Json(&run.context))
        .bind(now)
        .fetch_one(c)
        .await)
}

/// SQL of [`claim_next`] (returning the run columns without the `r.` alias).
pub static CLAIM_NEXT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE operation_runs SET status = 'running', started_at = $1, heartbeat_at = $1,
                claimed_by = $2
         WHERE id = (SELECT q.id FROM operation_runs q WHERE q.status = 'queued'
                     ORDER BY q.id LIMIT 1)
           AND status = 'queued'
         RETURNING {}",
        RUN_COLUMNS.replace("r.", "")
    )
});

/// Claims the oldest queued run for executor `instance`. Two instances racing for the same row:
/// the second `UPDATE` re-checks `status = 'queued'` after the first commits and gets nothing.
pub async fn claim_next(
    db: &Db,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<Option<RunRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(CLAIM_NEXT.as_str())
        .bind(now)
        .bind(instance)
        .fetch_optional(p)
        .await)
}

/// SQL of [`heartbeat`].
pub const HEARTBEAT: &str = "UPDATE operation_runs SET heartbeat_at = $2,
            progress_done = CASE WHEN $3 >= 0 THEN $3 ELSE progress_done END,
            progress_total = CASE WHEN $4 >= 0 THEN $4 ELSE progress_total END
         WHERE id = $1 AND status = 'running'";

/// Records that the executor of `run_id` is alive, with optional progress.
pub async fn heartbeat(
    db: &Db,
    run_id: i64,
    now: DateTime<Utc>,
    progress: Option<(i32, i32)>,
) -> Result<(), sqlx::Error> {
    let (done, total) = progress.unwrap_or((-1, -1));
    crate::execute!(
        db,
        sqlx::query(HEARTBEAT)
            .bind(run_id)
            .bind(now)
            .bind(done)
            .bind(total)
    )?;
    Ok(())
}

/// SQL of [`complete`].
pub const COMPLETE: &str =
    "UPDATE operation_runs SET status = 'completed', outcome = $2, reason_code = $3,
            summary_message = $4, summary_counts = $5, completed_at = $6, heartbeat_at = $6,
            started_at = COALESCE(started_at, $6),
            progress_done = CASE WHEN progress_total > 0 THEN progress_total ELSE progress_done END
         WHERE id = $1 AND status <> 'completed'";

/// Completes a running (or still queued) run; returns whether this call completed it, so a run
/// already failed as orphaned is never overwritten.
pub async fn complete(
    tx: &mut Tx,
    run_id: i64,
    done: &Completion,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let message = done.stored_message();
    let n = crate::execute!(
        &mut *tx,
        sqlx::query(COMPLETE)
            .bind(run_id)
            .bind(done.outcome.as_str())
            .bind(done.reason.map(|r| r.as_str()))
            .bind(message)
            .bind(Json(done.counts.to_json()))
            .bind(now)
    )?;
    Ok(n == 1)
}

/// SQL of [`fail_orphans`].
pub const FAIL_ORPHANS: &str = "UPDATE operation_runs SET status = 'completed', outcome = 'failed',
            reason_code = 'orphaned', completed_at = $2,
            summary_message = 'The instance running this operation stopped before it finished.'
         WHERE status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $1)
         RETURNING id";

/// Fails every running run whose executor has been silent since before `cutoff`.
pub async fn fail_orphans(
    db: &Db,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(FAIL_ORPHANS)
        .bind(cutoff)
        .bind(now)
        .fetch_all(p)
        .await)
}

/// SQL of [`find`].
pub static FIND: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {RUN_COLUMNS} FROM operation_runs r WHERE r.id = $1"));

/// One run by id, unscoped (executors and services that already checked scope).
pub async fn find(db: &Db, run_id: i64) -> Result<Option<RunRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND.as_str())
        .bind(run_id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`find_scoped`].
pub static FIND_SCOPED: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {RUN_COLUMNS}, {SCOPED_JOIN} WHERE r.id = $2 AND {VISIBLE}"));

/// Run `run_id` if `user_id` may see its tenant; `None` otherwise (same as missing).
pub async fn find_scoped(
    db: &Db,
    user_id: i64,
    run_id: i64,
) -> Result<Option<RunWithTenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_SCOPED.as_str())
        .bind(user_id)
        .bind(run_id)
        .fetch_optional(p)
        .await)
}

/// Filters for run lists.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// Only this tenant.
    pub tenant_id: Option<i64>,
    /// Only this type id.
    pub run_type: Option<String>,
    /// Only this outcome id.
    pub outcome: Option<String>,
    /// Rows to skip.
    pub offset: i64,
    /// Page size (one more row is fetched to know whether a next page exists).
    pub limit: i64,
}

/// The run filters and order both run lists share, after the list's own condition: type,
/// outcome, limit and offset are `${n}` to `${n + 3}`.
fn list_tail(n: usize) -> String {
    format!(
        "AND (${n} IS NULL OR r.run_type = ${n})
           AND (${o} IS NULL OR r.outcome = ${o})
         ORDER BY r.id DESC LIMIT ${l} OFFSET ${f}",
        o = n + 1,
        l = n + 2,
        f = n + 3
    )
}

/// SQL of [`list_visible`] without a tenant filter.
pub static LIST_VISIBLE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {RUN_COLUMNS}, {SCOPED_JOIN} WHERE {VISIBLE} {}",
        list_tail(2)
    )
});

/// SQL of [`list_visible`] for one tenant (`$2`). Its own statement so that the tenant is an
/// index condition: under `($2 IS NULL OR r.tenant_id = $2)` a cached generic plan cannot use
/// `operation_runs_tenant` and walks the installation's runs newest first until it has a
/// page of this tenant's, a walk that grows with the number of tenants.
pub static LIST_VISIBLE_FOR_TENANT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {RUN_COLUMNS}, {SCOPED_JOIN} WHERE r.tenant_id = $2 AND {VISIBLE} {}",
        list_tail(3)
    )
});

/// Runs of tenants `user_id` may see (of `f.tenant_id` only, when given), newest first.
pub async fn list_visible(
    db: &Db,
    user_id: i64,
    f: &RunFilter,
) -> Result<Vec<RunWithTenant>, sqlx::Error> {
    let run_type = f.run_type.as_deref();
    let outcome = f.outcome.as_deref();
    let (limit, offset) = (f.limit + 1, f.offset);
    match f.tenant_id {
        Some(tenant_id) => with_db!(db, |p| sqlx::query_as(LIST_VISIBLE_FOR_TENANT.as_str())
            .bind(user_id)
            .bind(tenant_id)
            .bind(run_type)
            .bind(outcome)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await),
        None => with_db!(db, |p| sqlx::query_as(LIST_VISIBLE.as_str())
            .bind(user_id)
            .bind(run_type)
            .bind(outcome)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await),
    }
}

/// SQL of [`recent_for_tenant`].
pub static RECENT_FOR_TENANT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {RUN_COLUMNS} FROM operation_runs r WHERE r.tenant_id = $1
         ORDER BY r.id DESC LIMIT $2"
    )
});

/// Latest runs of one tenant (dashboards, bundles), newest first; scope checked by the caller.
pub async fn recent_for_tenant(
    db: &Db,
    tenant_id: i64,
    limit: i64,
) -> Result<Vec<RunRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(RECENT_FOR_TENANT.as_str())
        .bind(tenant_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// SQL of [`latest_of_type`].
pub static LATEST_OF_TYPE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {RUN_COLUMNS} FROM operation_runs r WHERE r.tenant_id = $1 AND r.run_type = $2
         ORDER BY r.id DESC LIMIT 1"
    )
});

/// Latest run of a type for a tenant.
pub async fn latest_of_type(
    db: &Db,
    tenant_id: i64,
    run_type: &str,
) -> Result<Option<RunRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LATEST_OF_TYPE.as_str())
        .bind(tenant_id)
        .bind(run_type)
        .fetch_optional(p)
        .await)
}

/// SQL of [`count_tenant_runs`].
pub const COUNT_TENANT_RUNS: &str = "SELECT COUNT(*) FROM operation_runs WHERE tenant_id = $1";

/// Number of runs a tenant has (the demo seed adds history only to tenants without any).
pub async fn count_tenant_runs(db: &Db, tenant_id: i64) -> Result<i64, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(COUNT_TENANT_RUNS)
        .bind(tenant_id)
        .fetch_one(p)
        .await)
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("CLAIM_NEXT", CLAIM_NEXT.as_str()),
        ("FIND", FIND.as_str()),
        ("FIND_SCOPED", FIND_SCOPED.as_str()),
        ("LIST_VISIBLE", LIST_VISIBLE.as_str()),
        ("LIST_VISIBLE_FOR_TENANT", LIST_VISIBLE_FOR_TENANT.as_str()),
        ("RECENT_FOR_TENANT", RECENT_FOR_TENANT.as_str()),
        ("LATEST_OF_TYPE", LATEST_OF_TYPE.as_str()),
        ("INSERT", INSERT),
        ("HEARTBEAT", HEARTBEAT),
        ("COMPLETE", COMPLETE),
        ("FAIL_ORPHANS", FAIL_ORPHANS),
        ("COUNT_TENANT_RUNS", COUNT_TENANT_RUNS),
    ]
}

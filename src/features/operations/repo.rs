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

/// SQL of a run list with exactly the filters given (tenant, type, outcome), each an equality
/// on a bound parameter, then the limit and, past the first page, the offset. One statement
/// per combination, so that PostgreSQL can keep one generic plan for each prepared statement
/// instead of planning every execution again (the API run list spent about half of its
/// PostgreSQL time planning): a condition `($n IS NULL OR r.run_type = $n)` or an unknown
/// `OFFSET $n` makes the generic plan's estimate worse than any custom plan's, so it is never
/// chosen; a tenant written that way could not even be an index condition of the generic plan.
fn list_visible_sql(tenant: bool, run_type: bool, outcome: bool, paged: bool) -> String {
    let mut conditions = vec![VISIBLE.to_owned()];
    let mut n = 1;
    let mut next = || {
        n += 1;
        n
    };
    if tenant {
        conditions.insert(0, format!("r.tenant_id = ${}", next()));
    }
    if run_type {
        conditions.push(format!("r.run_type = ${}", next()));
    }
    if outcome {
        conditions.push(format!("r.outcome = ${}", next()));
    }
    let limit = next();
    let offset = if paged {
        format!(" OFFSET ${}", next())
    } else {
        String::new()
    };
    format!(
        "SELECT {RUN_COLUMNS}, {SCOPED_JOIN} WHERE {}
         ORDER BY r.id DESC LIMIT ${limit}{offset}",
        conditions.join(" AND ")
    )
}

/// Index into [`LIST_VISIBLE`] of a combination of [`list_visible_sql`].
pub fn list_variant(tenant: bool, run_type: bool, outcome: bool, paged: bool) -> usize {
    usize::from(tenant) * 8
        + usize::from(run_type) * 4
        + usize::from(outcome) * 2
        + usize::from(paged)
}

/// SQL of [`list_visible`], every combination (indexed by [`list_variant`]).
pub static LIST_VISIBLE: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut all = vec![String::new(); 16];
    for tenant in [false, true] {
        for run_type in [false, true] {
            for outcome in [false, true] {
                for paged in [false, true] {
                    all[list_variant(tenant, run_type, outcome, paged)] =
                        list_visible_sql(tenant, run_type, outcome, paged);
                }
            }
        }
    }
    all
});

/// SQL of the first page of one tenant's unfiltered run list (`$1` user, `$2` tenant, `$3`
/// limit): the API's `GET /api/v1/tenants/{tenant}/operations`.
pub fn list_visible_for_tenant_sql() -> &'static str {
    LIST_VISIBLE[list_variant(true, false, false, false)].as_str()
}

/// Runs of tenants `user_id` may see (of `f.tenant_id` only, when given), newest first.
pub async fn list_visible(
    db: &Db,
    user_id: i64,
    f: &RunFilter,
) -> Result<Vec<RunWithTenant>, sqlx::Error> {
    let run_type = f.run_type.as_deref();
    let outcome = f.outcome.as_deref();
    let (limit, offset) = (f.limit + 1, f.offset);
    let variant = list_variant(
        f.tenant_id.is_some(),
        run_type.is_some(),
        outcome.is_some(),
        offset > 0,
    );
    with_db!(db, |p| {
        let mut query = sqlx::query_as(LIST_VISIBLE[variant].as_str()).bind(user_id);
        if let Some(tenant_id) = f.tenant_id {
            query = query.bind(tenant_id);
        }
        if let Some(run_type) = run_type {
            query = query.bind(run_type);
        }
        if let Some(outcome) = outcome {
            query = query.bind(outcome);
        }
        query = query.bind(limit);
        if offset > 0 {
            query = query.bind(offset);
        }
        query.fetch_all(p).await
    })
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
    let mut all = vec![
        ("CLAIM_NEXT", CLAIM_NEXT.as_str()),
        ("FIND", FIND.as_str()),
        ("FIND_SCOPED", FIND_SCOPED.as_str()),
        ("RECENT_FOR_TENANT", RECENT_FOR_TENANT.as_str()),
        ("LATEST_OF_TYPE", LATEST_OF_TYPE.as_str()),
        ("INSERT", INSERT),
        ("HEARTBEAT", HEARTBEAT),
        ("COMPLETE", COMPLETE),
        ("FAIL_ORPHANS", FAIL_ORPHANS),
        ("COUNT_TENANT_RUNS", COUNT_TENANT_RUNS),
    ];
    all.extend(
        LIST_VISIBLE
            .iter()
            .map(|sql| ("LIST_VISIBLE", sql.as_str())),
    );
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each run-list statement filters only on what it binds and reads an offset only past the
    /// first page: the shapes PostgreSQL keeps one generic plan for (measured with
    /// `tenantpilot-bench all`; on a test database's few rows every shape's plan is cheap, so a
    /// plan-cache test there could not tell them apart).
    #[test]
    fn run_lists_bind_only_the_filters_they_use() {
        for tenant in [false, true] {
            for run_type in [false, true] {
                for outcome in [false, true] {
                    for paged in [false, true] {
                        let sql = &LIST_VISIBLE[list_variant(tenant, run_type, outcome, paged)];
                        assert!(!sql.contains("IS NULL OR"), "{sql}");
                        assert_eq!(sql.contains("r.tenant_id = $2"), tenant, "{sql}");
                        assert_eq!(sql.contains("r.run_type = $"), run_type, "{sql}");
                        assert_eq!(sql.contains("r.outcome = $"), outcome, "{sql}");
                        assert_eq!(sql.contains("OFFSET"), paged, "{sql}");
                        let params = 3
                            + usize::from(tenant)
                            + usize::from(run_type)
                            + usize::from(outcome)
                            + usize::from(paged);
                        assert!(sql.contains(&format!("${}", params - 1)), "{sql}");
                        assert!(!sql.contains(&format!("${params}")), "{sql}");
                    }
                }
            }
        }
    }
}

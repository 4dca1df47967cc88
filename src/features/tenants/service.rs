//! Rules for adding tenants.

use super::fleet::{FleetPage, FleetSort, SortDir};
use super::model::Tenant;
use super::repo::{self, FleetQuery, TimedRead};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::db::{Db, Tx};
use crate::error::ServiceError;
use crate::features::providers::model::TenantVerdict;
use crate::validate;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// Adds tenant `external_id` to workspace `workspace_slug`, auditing `tenant.created`.
pub async fn create(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    workspace_slug: &str,
    external_id: &str,
    name: &str,
) -> Result<Tenant, ServiceError> {
    let mut errors = Vec::new();
    validate::slug("external_id", external_id, &mut errors);
    validate::text("name", name, 120, &mut errors);
    validate::finish(errors)?;
    let workspace_id = repo::workspace_id_by_slug(db, workspace_slug)
        .await?
        .ok_or(ServiceError::NotFound("workspace"))?;
    let mut tx = db.begin().await?;
    let tenant = repo::insert(&mut tx, workspace_id, external_id, name.trim(), now)
        .await
        .map_err(ServiceError::unique_as(
            "external_id",
            "validation-external-id-taken",
        ))?;
    let entry = AuditEntry::new("tenant.created", "tenant", tenant.external_id.clone())
        .scoped(Some(workspace_id), Some(tenant.id))
        .with(json!({ "name": tenant.name }));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(tenant)
}

/// Tenants per fleet page.
pub const FLEET_PAGE_SIZE: i64 = repo::FLEET_PAGE_ROWS;

/// The window of the fleet's failed-runs count.
pub const FAILED_RUNS_DAYS: i64 = 7;

/// What the fleet list is asked for.
#[derive(Debug, Clone)]
pub struct FleetFilter {
    /// Only this verdict.
    pub verdict: Option<TenantVerdict>,
    /// Part of a name, external id or directory id (case-insensitive); empty for all.
    pub search: String,
    /// Order.
    pub sort: FleetSort,
    /// Direction.
    pub dir: SortDir,
    /// 1-based page.
    pub page: i64,
}

/// The `LIKE` pattern matching `search` anywhere, lower case, with `%`, `_` and `\` taken
/// literally; empty when there is nothing to search for.
pub fn search_pattern(search: &str) -> String {
    let needle: String = search.trim().chars().take(200).collect();
    if needle.is_empty() {
        return String::new();
    }
    let mut pattern = String::from("%");
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// One page of the tenants of workspace `workspace_id` that `user_id` may see, with the verdict
/// counts: one query for the counts (the kept ones when the caller sees every tenant and does
/// not search, else counted over what they see), then one for the rows, which reads stale and
/// ready tenants the way their counts make cheapest ([`TimedRead::choose`]). A ready
/// verification older than `freshness_hours` is stale.
pub async fn fleet(
    db: &Db,
    user_id: i64,
    workspace_id: i64,
    freshness_hours: i64,
    filter: &FleetFilter,
    now: DateTime<Utc>,
) -> Result<FleetPage, sqlx::Error> {
    let pattern = search_pattern(&filter.search);
    let cutoff = now - Duration::hours(freshness_hours);
    let page = filter.page.max(1);
    let stored = match pattern.as_str() {
        "" => repo::stored_fleet_counts(db, user_id, workspace_id, cutoff).await?,
        _ => None,
    };
    let by_rank = match stored {
        Some(counts) => counts,
        None => repo::fleet_counts(db, user_id, workspace_id, cutoff, &pattern).await?,
    };
    let mut counts: Vec<(TenantVerdict, i64)> = TenantVerdict::ALL
        .into_iter()
        .map(|v| {
            let n = by_rank.iter().find(|(r, _)| *r == v.attention_rank());
            (v, n.map_or(0, |(_, n)| *n))
        })
        .collect();
    counts.sort_by_key(|(v, _)| v.attention_rank());
    let count_of = |verdict| {
        counts
            .iter()
            .find(|(v, _)| *v == verdict)
            .map_or(0, |(_, n)| *n)
    };
    let offset = (page - 1) * FLEET_PAGE_SIZE;
    let (stale, ready) = (
        count_of(TenantVerdict::Stale),
        count_of(TenantVerdict::Ready),
    );
    let need = offset + FLEET_PAGE_SIZE;
    let rows = repo::fleet_page_rows(
        db,
        &FleetQuery {
            user_id,
            workspace_id,
            cutoff,
            verdict: filter.verdict,
            pattern: &pattern,
            sort: filter.sort,
            dir: filter.dir,
            limit: FLEET_PAGE_SIZE,
            offset,
            failed_since: now - Duration::days(FAILED_RUNS_DAYS),
            stale_read: TimedRead::choose(stale, stale + ready, need),
            ready_read: TimedRead::choose(ready, stale + ready, need),
        },
    )
    .await?;
    let total = counts
        .iter()
        .filter(|(v, _)| filter.verdict.is_none_or(|f| f == *v))
        .map(|(_, n)| n)
        .sum();
    Ok(FleetPage {
        has_next: page * FLEET_PAGE_SIZE < total,
        rows,
        counts,
        total,
    })
}

/// Brings tenant `tenant_id`'s verdict columns up to date after a verification report was
/// stored in `tx` (the providers service calls it in the same transaction).
pub async fn refresh_report_verdict(tx: &mut Tx, tenant_id: i64) -> Result<(), sqlx::Error> {
    repo::refresh_report_verdict(tx, tenant_id).await
}

/// Reads with no rules of their own, offered to other features and to the web layer as they are
/// (only a feature's own service touches its repo).
pub use super::repo::{
    find_by_external_id, find_in_workspace, find_scoped, insert, list_all_visible, list_visible,
    list_visible_first,
};

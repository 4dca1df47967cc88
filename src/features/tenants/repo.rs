//! SQL for tenants, including the scope query every tenant route goes through.

use super::model::{ScopedTenant, Tenant};
use crate::db::{Db, Tx};
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};

/// Visibility rule shared by every query below: the user is a member of the tenant's workspace
/// and either sees all tenants or holds an entitlement for this one.
pub const VISIBLE: &str = "(m.all_tenants OR EXISTS (SELECT 1 FROM tenant_entitlements e
    WHERE e.membership_id = m.id AND e.tenant_id = t.id))";

/// Inserts a tenant.
pub async fn insert(
    tx: &mut Tx,
    workspace_id: i64,
    external_id: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Tenant, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as(
        "INSERT INTO tenants (workspace_id, external_id, name, created_at) VALUES ($1, $2, $3, $4)
         RETURNING id, workspace_id, external_id, name, created_at"
    )
    .bind(workspace_id)
    .bind(external_id)
    .bind(name)
    .bind(now)
    .fetch_one(c)
    .await)
}

/// Finds a tenant by external id regardless of scope (CLI and seeding only).
pub async fn find_by_external_id(
    db: &Db,
    external_id: &str,
) -> Result<Option<Tenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(
        "SELECT id, workspace_id, external_id, name, created_at FROM tenants WHERE external_id = $1"
    )
    .bind(external_id)
    .fetch_optional(p)
    .await)
}

/// The tenant `external_id` if `user_id` may see it; `None` both when it does not exist and
/// when it is out of scope, so callers cannot tell the two apart.
pub async fn find_scoped(
    db: &Db,
    user_id: i64,
    external_id: &str,
) -> Result<Option<ScopedTenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT t.id, t.workspace_id, t.external_id, t.name, t.created_at,
                w.slug AS workspace_slug, w.name AS workspace_name, m.role
         FROM tenants t
         JOIN workspaces w ON w.id = t.workspace_id
         JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
         WHERE t.external_id = $2 AND {VISIBLE}"
    )))
    .bind(user_id)
    .bind(external_id)
    .fetch_optional(p)
    .await)
}

/// Tenants of workspace `slug` that `user_id` may see, by name.
pub async fn list_visible(db: &Db, user_id: i64, slug: &str) -> Result<Vec<Tenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT t.id, t.workspace_id, t.external_id, t.name, t.created_at
         FROM tenants t
         JOIN workspaces w ON w.id = t.workspace_id
         JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
         WHERE w.slug = $2 AND {VISIBLE}
         ORDER BY t.name, t.id"
    )))
    .bind(user_id)
    .bind(slug)
    .fetch_all(p)
    .await)
}

/// The first `limit` tenants (by name) of workspace `slug` that `user_id` may see; the header's
/// tenant switcher stays small however many tenants a workspace manages.
pub async fn list_visible_first(
    db: &Db,
    user_id: i64,
    slug: &str,
    limit: i64,
) -> Result<Vec<Tenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        // Filtering on the workspace id (not the joined slug) lets the planner walk the
        // (workspace_id, name) index and stop after `limit` rows instead of sorting them all.
        "SELECT t.id, t.workspace_id, t.external_id, t.name, t.created_at
         FROM tenants t
         JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
         WHERE t.workspace_id = (SELECT w.id FROM workspaces w WHERE w.slug = $2) AND {VISIBLE}
         ORDER BY t.name, t.id LIMIT $3"
    )))
    .bind(user_id)
    .bind(slug)
    .bind(limit)
    .fetch_all(p)
    .await)
}

/// Every tenant `user_id` may see across workspaces (API list).
pub async fn list_all_visible(db: &Db, user_id: i64) -> Result<Vec<ScopedTenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT t.id, t.workspace_id, t.external_id, t.name, t.created_at,
                w.slug AS workspace_slug, w.name AS workspace_name, m.role
         FROM tenants t
         JOIN workspaces w ON w.id = t.workspace_id
         JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
         WHERE {VISIBLE}
         ORDER BY w.name, t.name, t.id"
    )))
    .bind(user_id)
    .fetch_all(p)
    .await)
}

/// Tenants of a workspace with the given external ids (for entitlement assignment).
pub async fn find_in_workspace(
    db: &Db,
    workspace_id: i64,
    external_ids: &[String],
) -> Result<Vec<Tenant>, sqlx::Error> {
    let mut found = Vec::with_capacity(external_ids.len());
    for external_id in external_ids {
        if let Some(t) = find_by_external_id(db, external_id).await?
            && t.workspace_id == workspace_id
        {
            found.push(t);
        }
    }
    Ok(found)
}

/// A tenant by internal id regardless of scope (run executors, which act for the system).
pub async fn find_by_id(db: &Db, id: i64) -> Result<Option<Tenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(
        "SELECT id, workspace_id, external_id, name, created_at FROM tenants WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)
}

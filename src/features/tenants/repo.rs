//! SQL for tenants, including the scope query every tenant route goes through.

use super::model::{ScopedTenant, Tenant};
use crate::db::{Db, Tx};
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};
use std::sync::LazyLock;

/// Visibility rule shared by every query below: the user is a member of the tenant's workspace
/// and either sees all tenants or holds an entitlement for this one.
pub const VISIBLE: &str = "(m.all_tenants OR EXISTS (SELECT 1 FROM tenant_entitlements e
    WHERE e.membership_id = m.id AND e.tenant_id = t.id))";

/// SQL of [`insert`].
pub const INSERT: &str =
    "INSERT INTO tenants (workspace_id, external_id, name, created_at) VALUES ($1, $2, $3, $4)
         RETURNING id, workspace_id, external_id, name, created_at";

/// Inserts a tenant.
pub async fn insert(
    tx: &mut Tx,
    workspace_id: i64,
    external_id: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Tenant, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as(INSERT)
        .bind(workspace_id)
        .bind(external_id)
        .bind(name)
        .bind(now)
        .fetch_one(c)
        .await)
}

/// SQL of [`find_by_external_id`].
pub const FIND_BY_EXTERNAL_ID: &str =
    "SELECT id, workspace_id, external_id, name, created_at FROM tenants WHERE external_id = $1";

/// Finds a tenant by external id regardless of scope (CLI and seeding only).
pub async fn find_by_external_id(
    db: &Db,
    external_id: &str,
) -> Result<Option<Tenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_BY_EXTERNAL_ID)
        .bind(external_id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`find_scoped`].
pub static FIND_SCOPED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT t.id, t.workspace_id, t.external_id, t.name, t.created_at,
                w.slug AS workspace_slug, w.name AS workspace_name, m.role
         FROM tenants t
         JOIN workspaces w ON w.id = t.workspace_id
         JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
         WHERE t.external_id = $2 AND {VISIBLE}"
    )
});

/// The tenant `external_id` if `user_id` may see it; `None` both when it does not exist and
/// when it is out of scope, so callers cannot tell the two apart.
pub async fn find_scoped(
    db: &Db,
    user_id: i64,
    external_id: &str,
) -> Result<Option<ScopedTenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_SCOPED.as_str())
        .bind(user_id)
        .bind(external_id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`list_visible`].
pub static LIST_VISIBLE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT t.id, t.workspace_id, t.external_id, t.name, t.created_at
         FROM tenants t
         JOIN workspaces w ON w.id = t.workspace_id
         JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
         WHERE w.slug = $2 AND {VISIBLE}
         ORDER BY t.name, t.id"
    )
});

/// Tenants of workspace `slug` that `user_id` may see, by name.
pub async fn list_visible(db: &Db, user_id: i64, slug: &str) -> Result<Vec<Tenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_VISIBLE.as_str())
        .bind(user_id)
        .bind(slug)
        .fetch_all(p)
        .await)
}

/// SQL of [`list_visible_first`]. Filtering on the workspace id (not the joined slug) lets the
/// planner walk the (workspace_id, name) index and stop after `limit` rows instead of sorting
/// them all.
pub static LIST_VISIBLE_FIRST: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT t.id, t.workspace_id, t.external_id, t.name, t.created_at
         FROM tenants t
         JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
         WHERE t.workspace_id = (SELECT w.id FROM workspaces w WHERE w.slug = $2) AND {VISIBLE}
         ORDER BY t.name, t.id LIMIT $3"
    )
});

/// The first `limit` tenants (by name) of workspace `slug` that `user_id` may see; the header's
/// tenant switcher stays small however many tenants a workspace manages.
pub async fn list_visible_first(
    db: &Db,
    user_id: i64,
    slug: &str,
    limit: i64,
) -> Result<Vec<Tenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_VISIBLE_FIRST.as_str())
        .bind(user_id)
        .bind(slug)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// SQL of [`list_all_visible`].
pub static LIST_ALL_VISIBLE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT t.id, t.workspace_id, t.external_id, t.name, t.created_at,
                w.slug AS workspace_slug, w.name AS workspace_name, m.role
         FROM tenants t
         JOIN workspaces w ON w.id = t.workspace_id
         JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
         WHERE {VISIBLE}
         ORDER BY w.name, t.name, t.id"
    )
});

/// Every tenant `user_id` may see across workspaces (API list).
pub async fn list_all_visible(db: &Db, user_id: i64) -> Result<Vec<ScopedTenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_ALL_VISIBLE.as_str())
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

/// SQL of [`find_by_id`].
pub const FIND_BY_ID: &str =
    "SELECT id, workspace_id, external_id, name, created_at FROM tenants WHERE id = $1";

/// A tenant by internal id regardless of scope (run executors, which act for the system).
pub async fn find_by_id(db: &Db, id: i64) -> Result<Option<Tenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_BY_ID)
        .bind(id)
        .fetch_optional(p)
        .await)
}

pub const WORKSPACE_ID_BY_SLUG: &str = "SELECT id FROM workspaces WHERE slug = $1";

/// The id of the workspace a new tenant joins. Read here rather than through the workspaces
/// service, which itself reads tenants (entitlements): one direction between the two.
pub async fn workspace_id_by_slug(db: &Db, slug: &str) -> Result<Option<i64>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(WORKSPACE_ID_BY_SLUG)
        .bind(slug)
        .fetch_optional(p)
        .await)
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("LIST_VISIBLE_FIRST", LIST_VISIBLE_FIRST.as_str()),
        ("FIND_SCOPED", FIND_SCOPED.as_str()),
        ("LIST_VISIBLE", LIST_VISIBLE.as_str()),
        ("LIST_ALL_VISIBLE", LIST_ALL_VISIBLE.as_str()),
        ("INSERT", INSERT),
        ("FIND_BY_EXTERNAL_ID", FIND_BY_EXTERNAL_ID),
        ("FIND_BY_ID", FIND_BY_ID),
        ("WORKSPACE_ID_BY_SLUG", WORKSPACE_ID_BY_SLUG),
    ]
}

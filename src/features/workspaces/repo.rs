//! SQL for workspaces and memberships.

use super::model::{MemberWorkspace, Workspace};
use crate::db::{Db, Tx};
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};

/// SQL of [`insert`].
pub const INSERT: &str = "INSERT INTO workspaces (slug, name, created_at) VALUES ($1, $2, $3)
         RETURNING id, slug, name, created_at";

/// Inserts a workspace.
pub async fn insert(
    tx: &mut Tx,
    slug: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Workspace, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as(INSERT)
        .bind(slug)
        .bind(name)
        .bind(now)
        .fetch_one(c)
        .await)
}

/// SQL of [`find_by_slug`].
pub const FIND_BY_SLUG: &str = "SELECT id, slug, name, created_at FROM workspaces WHERE slug = $1";

/// Finds a workspace by slug.
pub async fn find_by_slug(db: &Db, slug: &str) -> Result<Option<Workspace>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_BY_SLUG)
        .bind(slug)
        .fetch_optional(p)
        .await)
}

/// SQL of [`name_taken`].
pub const NAME_TAKEN: &str = "SELECT COUNT(*) FROM workspaces WHERE lower(name) = lower($1)";

/// Whether a workspace already has this display name, ignoring ASCII case.
pub async fn name_taken(db: &Db, name: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = with_db!(db, |p| sqlx::query_scalar(NAME_TAKEN)
        .bind(name)
        .fetch_one(p)
        .await)?;
    Ok(n > 0)
}

/// SQL of [`list_for_user`].
pub const LIST_FOR_USER: &str = "SELECT w.id, w.slug, w.name, m.role FROM memberships m
         JOIN workspaces w ON w.id = m.workspace_id
         WHERE m.user_id = $1 ORDER BY w.name, w.id";

/// Workspaces a user belongs to, by name.
pub async fn list_for_user(db: &Db, user_id: i64) -> Result<Vec<MemberWorkspace>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_FOR_USER)
        .bind(user_id)
        .fetch_all(p)
        .await)
}

/// SQL of [`find_for_user`].
pub const FIND_FOR_USER: &str = "SELECT w.id, w.slug, w.name, m.role FROM memberships m
         JOIN workspaces w ON w.id = m.workspace_id
         WHERE m.user_id = $1 AND w.slug = $2";

/// Workspace `slug` with the caller's role, if the caller is a member; `None` otherwise.
pub async fn find_for_user(
    db: &Db,
    user_id: i64,
    slug: &str,
) -> Result<Option<MemberWorkspace>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_FOR_USER)
        .bind(user_id)
        .bind(slug)
        .fetch_optional(p)
        .await)
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("INSERT", INSERT),
        ("FIND_BY_SLUG", FIND_BY_SLUG),
        ("NAME_TAKEN", NAME_TAKEN),
        ("LIST_FOR_USER", LIST_FOR_USER),
        ("FIND_FOR_USER", FIND_FOR_USER),
    ]
}

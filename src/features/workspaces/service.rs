//! Rules for workspaces and memberships.

use super::{model::Workspace, repo};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::db::Db;
use crate::error::ServiceError;
use crate::validate;
use chrono::{DateTime, Utc};
use serde_json::json;

/// Creates a workspace, auditing `workspace.created`.
pub async fn create(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    slug: &str,
    name: &str,
) -> Result<Workspace, ServiceError> {
    let mut errors = Vec::new();
    validate::slug("slug", slug, &mut errors);
    validate::text("name", name, 120, &mut errors);
    validate::finish(errors)?;
    let mut tx = db.begin().await?;
    let workspace = repo::insert(&mut tx, slug, name.trim(), now)
        .await
        .map_err(ServiceError::unique_as("slug", "validation-slug-taken"))?;
    let entry = AuditEntry::new("workspace.created", "workspace", workspace.slug.clone())
        .scoped(Some(workspace.id), None)
        .with(json!({ "name": workspace.name }));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(workspace)
}

/// Reads with no rules of their own, offered to other features and to the web layer as they are
/// (only a feature's own service touches its repo).
pub use super::repo::{find_by_slug, find_for_user, list_for_user, name_taken};

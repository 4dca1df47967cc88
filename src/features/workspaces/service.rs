//! Rules for workspaces and memberships.

use super::{
    model::{TenantSelection, Workspace},
    repo,
};
use crate::access::Role;
use crate::audit::{self, AuditContext, AuditEntry};
use crate::auth::users;
use crate::db::Db;
use crate::error::ServiceError;
use crate::features::tenants;
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

/// Adds (or updates) a member with a role and tenant entitlements, auditing
/// `membership.granted`. Platform users cannot be members: the planes stay separate.
pub async fn add_member(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    workspace_slug: &str,
    email: &str,
    role: Role,
    selection: TenantSelection,
) -> Result<i64, ServiceError> {
    let workspace = repo::find_by_slug(db, workspace_slug)
        .await?
        .ok_or(ServiceError::NotFound("workspace"))?;
    let user = users::find_by_email(db, &validate::normalize_email(email))
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    if user.is_platform {
        return Err(ServiceError::invalid(
            "email",
            "validation-platform-user-not-member",
        ));
    }
    let (all_tenants, tenant_ids) = match &selection {
        TenantSelection::All => (true, Vec::new()),
        TenantSelection::Only(ids) => {
            let found = tenants::service::find_in_workspace(db, workspace.id, ids).await?;
            if found.len() != ids.len() {
                return Err(ServiceError::invalid(
                    "tenants",
                    "validation-unknown-tenant",
                ));
            }
            (false, found.into_iter().map(|t| t.id).collect())
        }
    };
    let mut tx = db.begin().await?;
    let membership_id = repo::upsert_membership(
        &mut tx,
        workspace.id,
        user.id,
        role.as_str(),
        all_tenants,
        now,
    )
    .await?;
    repo::replace_entitlements(&mut tx, membership_id, &tenant_ids).await?;
    let entry = AuditEntry::new(
        "membership.granted",
        "membership",
        membership_id.to_string(),
    )
    .scoped(Some(workspace.id), None)
    .with(json!({
        "user_id": user.id,
        "role": role.as_str(),
        "all_tenants": all_tenants,
        "tenant_count": tenant_ids.len(),
    }));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(membership_id)
}

/// Reads with no rules of their own, offered to other features and to the web layer as they are
/// (only a feature's own service touches its repo).
pub use super::repo::{find_by_slug, find_for_user, list_for_user};

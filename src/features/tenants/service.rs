//! Rules for adding tenants.

use super::{model::Tenant, repo};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::db::Db;
use crate::error::ServiceError;
use crate::validate;
use chrono::{DateTime, Utc};
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
    audit::record(
        &mut tx,
        actx,
        now,
        AuditEntry {
            action: "tenant.created",
            workspace_id: Some(workspace_id),
            tenant_id: Some(tenant.id),
            target_type: "tenant",
            target_id: tenant.external_id.clone(),
            metadata: json!({ "name": tenant.name }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(tenant)
}

/// Reads with no rules of their own, offered to other features and to the web layer as they are
/// (only a feature's own service touches its repo).
pub use super::repo::{
    find_by_external_id, find_in_workspace, find_scoped, insert, list_all_visible, list_visible,
    list_visible_first,
};

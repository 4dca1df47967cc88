//! Workspace and membership records.

use chrono::{DateTime, Utc};

/// A workspace: the unit of ownership for tenants and members.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Workspace {
    /// Internal id.
    #[serde(skip)]
    pub id: i64,
    /// URL key.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A workspace the caller belongs to, with the caller's role there.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberWorkspace {
    /// Internal id.
    pub id: i64,
    /// URL key.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Caller's role (an unknown stored role fails to decode).
    pub role: crate::access::Role,
}

/// Which tenants of the workspace a new member may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantSelection {
    /// Every tenant, including ones created later.
    All,
    /// Only these tenants, by external id.
    Only(Vec<String>),
}

//! Tenant records.

use chrono::{DateTime, Utc};

/// A managed tenant; `external_id` is its URL key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Tenant {
    /// Internal id.
    pub id: i64,
    /// Owning workspace.
    pub workspace_id: i64,
    /// URL key (slug), unique across the installation.
    pub external_id: String,
    /// Display name.
    pub name: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// A tenant resolved inside the caller's scope, with the caller's role in its workspace.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScopedTenant {
    /// Internal id.
    pub id: i64,
    /// Owning workspace.
    pub workspace_id: i64,
    /// URL key.
    pub external_id: String,
    /// Display name.
    pub name: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// Workspace URL key.
    pub workspace_slug: String,
    /// Workspace display name.
    pub workspace_name: String,
    /// Caller's role (an unknown stored role fails to decode).
    pub role: crate::access::Role,
}

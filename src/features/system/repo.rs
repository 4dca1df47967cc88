//! Installation-wide counts for the system overview.

use crate::db::Db;
use crate::with_db;

/// Counts shown on the system overview.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Totals {
    /// Workspaces.
    pub workspaces: i64,
    /// Tenants.
    pub tenants: i64,
    /// Workspace users (platform users excluded).
    pub users: i64,
}

/// One query for all three counts.
pub async fn totals(db: &Db) -> Result<Totals, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM workspaces) AS workspaces,
                (SELECT COUNT(*) FROM tenants) AS tenants,
                (SELECT COUNT(*) FROM users WHERE NOT is_platform) AS users"
    )
    .fetch_one(p)
    .await)
}

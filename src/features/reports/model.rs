//! Stored reports and review packs: what report runs leave behind for a tenant.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use utoipa::ToSchema;

crate::text_enum!(
    /// Kinds of stored report.
    ReportKind [ToSchema] {
        /// Granted versus required application permissions.
        PermissionPosture = "permission_posture",
        /// Entra directory roles and their members.
        EntraAdminRoles = "entra_admin_roles",
    }
);

impl ReportKind {
    /// Fluent id of the kind's title.
    pub fn label_key(self) -> &'static str {
        match self {
            ReportKind::PermissionPosture => "report-kind-permission-posture",
            ReportKind::EntraAdminRoles => "report-kind-entra-admin-roles",
        }
    }
}

/// A stored report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredReport {
    /// Id.
    pub id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Kind id.
    pub kind: String,
    /// Run that produced it.
    pub run_id: i64,
    /// Headline counts.
    pub summary: Json<Value>,
    /// Full content.
    pub payload: Json<Value>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

impl StoredReport {
    /// Fluent id of the kind's title.
    pub fn label_key(&self) -> &'static str {
        ReportKind::parse(&self.kind)
            .map(ReportKind::label_key)
            .unwrap_or("report-kind-unknown")
    }

    /// Summary as `(key, value)` pairs for display.
    pub fn summary_pairs(&self) -> Vec<(String, String)> {
        self.summary
            .0
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.to_string())).collect())
            .unwrap_or_default()
    }
}

/// A report about to be stored.
#[derive(Debug, Clone)]
pub struct NewStoredReport {
    /// Kind.
    pub kind: ReportKind,
    /// Headline counts.
    pub summary: Value,
    /// Full content.
    pub payload: Value,
}

/// A generated review pack (without its bytes).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReviewPack {
    /// Id.
    pub id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Run that generated it.
    pub run_id: i64,
    /// Download file name.
    pub file_name: String,
    /// Size of the ZIP.
    pub size_bytes: i64,
    /// SHA-256 of the ZIP, hex.
    pub sha256: String,
    /// When it was generated.
    pub created_at: DateTime<Utc>,
}

/// A review pack about to be stored.
#[derive(Debug, Clone)]
pub struct NewReviewPack {
    /// Download file name.
    pub file_name: String,
    /// ZIP bytes.
    pub content: Vec<u8>,
}

//! Stored reports and review packs: what report runs leave behind for a tenant.

use crate::features::operations::model::{count_label, format_count};
use crate::i18n::Tr;
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
    /// Kind (a stored kind this version does not know fails to decode).
    pub kind: ReportKind,
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
        self.kind.label_key()
    }

    /// Summary as `(label, value)` pairs in `t`'s language, in key order: each key through
    /// the one count label helper (`count-<key>`, else readable words), numbers formatted for
    /// the language, text as it is, anything else as its JSON text.
    pub fn summary_pairs(&self, t: &Tr) -> Vec<(String, String)> {
        let Some(map) = self.summary.0.as_object() else {
            return Vec::new();
        };
        map.iter()
            .map(|(k, v)| {
                let value = match (v.as_i64(), v.as_str()) {
                    (Some(n), _) => format_count(n, *t),
                    (None, Some(text)) => text.to_string(),
                    (None, None) => v.to_string(),
                };
                (count_label(k, *t), value)
            })
            .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn summaries_show_labels_and_numbers_not_keys() {
        let report = StoredReport {
            id: 1,
            tenant_id: 1,
            kind: ReportKind::EntraAdminRoles,
            run_id: 1,
            summary: Json(serde_json::json!({
                "high_privilege_members": 4, "members": 1200, "note": "x", "brand_new": 2
            })),
            payload: Json(Value::Null),
            created_at: Utc::now(),
        };
        let mut en = report.summary_pairs(&Tr(Locale::En));
        en.sort();
        assert_eq!(
            en,
            vec![
                ("Brand new".to_string(), "2".to_string()),
                (
                    "Members of high-privilege roles".to_string(),
                    "4".to_string()
                ),
                ("Note".to_string(), "x".to_string()),
                ("Role members".to_string(), "1,200".to_string()),
            ]
        );
        let de = report.summary_pairs(&Tr(Locale::De));
        assert!(de.contains(&("Rollenmitglieder".to_string(), "1.200".to_string())));
    }
}

//! Append-only audit log. `record` takes the caller's open transaction so an audit row exists
//! exactly when the change it describes was committed.

pub mod api;
pub mod csv;
pub mod labels;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;

use crate::db::Tx;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// Who performed an audited action.
#[derive(Debug, Clone)]
pub enum Actor {
    /// A signed-in user or token holder.
    User {
        /// User id.
        id: i64,
        /// E-mail, shown in the log.
        label: String,
    },
    /// An operator at the command line.
    Cli,
    /// The service itself (jobs, recovery).
    System,
}

impl Actor {
    fn id(&self) -> Option<i64> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Actor::User { label, .. } => label,
            Actor::Cli => "cli",
            Actor::System => "system",
        }
    }
}

/// Actor plus request id, threaded from the handler into services.
#[derive(Debug, Clone)]
pub struct AuditContext {
    /// Who acts.
    pub actor: Actor,
    /// Correlates the audit row with logs.
    pub request_id: Option<String>,
}

impl AuditContext {
    /// Context for CLI commands.
    pub fn cli() -> Self {
        Self {
            actor: Actor::Cli,
            request_id: None,
        }
    }
}

/// One audited change.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// Stable dotted action id, e.g. `tenant.created`.
    pub action: &'static str,
    /// Workspace the change belongs to, if any.
    pub workspace_id: Option<i64>,
    /// Tenant the change belongs to, if any.
    pub tenant_id: Option<i64>,
    /// Kind of record changed.
    pub target_type: &'static str,
    /// Id or key of the record changed.
    pub target_id: String,
    /// Small, secret-free facts about the change; bounded by [`bound_metadata`].
    pub metadata: Value,
}

impl AuditEntry {
    /// An entry for `action` on the record `target_type` `target_id`, outside any workspace
    /// until [`AuditEntry::scoped`] says otherwise, with no metadata until [`AuditEntry::with`].
    pub fn new(
        action: &'static str,
        target_type: &'static str,
        target_id: impl Into<String>,
    ) -> AuditEntry {
        AuditEntry {
            action,
            workspace_id: None,
            tenant_id: None,
            target_type,
            target_id: target_id.into(),
            metadata: Value::Null,
        }
    }

    /// The workspace and tenant the change belongs to.
    pub fn scoped(mut self, workspace_id: Option<i64>, tenant_id: Option<i64>) -> AuditEntry {
        self.workspace_id = workspace_id;
        self.tenant_id = tenant_id;
        self
    }

    /// The change's facts (bounded by [`bound_metadata`] when written).
    pub fn with(mut self, metadata: Value) -> AuditEntry {
        self.metadata = metadata;
        self
    }
}

/// Writes `entry` inside `tx`; if the transaction rolls back, so does the audit row. Returns the
/// row's id (diagnostics previews are addressed by the audit row of their opening).
pub async fn record(
    tx: &mut Tx,
    ctx: &AuditContext,
    now: DateTime<Utc>,
    entry: AuditEntry,
) -> Result<i64, sqlx::Error> {
    repo::insert(
        tx,
        ctx.actor.id(),
        ctx.actor.label(),
        ctx.request_id.as_deref(),
        now,
        &entry,
        bound_metadata(entry.metadata.clone()),
    )
    .await
}

const MAX_KEYS: usize = 20;
const MAX_KEY_LEN: usize = 64;
const MAX_STRING: usize = 256;
const MAX_ARRAY: usize = 20;
const SECRET_HINTS: [&str; 7] = [
    "secret",
    "password",
    "token",
    "authorization",
    "cookie",
    "credential",
    "key",
];

/// Keeps audit metadata small and free of secrets: every string value (at any depth) passes
/// the shared redactor before it is cut, since metadata carries free text (pause reasons,
/// ticket references, tenant and workspace names); then a flat object of at most 20 keys,
/// strings cut to 256 characters, arrays to 20 scalars, nested objects dropped, and the value
/// of any key that sounds secret replaced by `[redacted]`.
pub fn bound_metadata(value: Value) -> Value {
    let Value::Object(map) = crate::redact::json_strings(value) else {
        return Value::Object(Map::new());
    };
    let mut out = Map::new();
    for (key, value) in map.into_iter().take(MAX_KEYS) {
        let key: String = key.chars().take(MAX_KEY_LEN).collect();
        let lower = key.to_lowercase();
        let bounded = if SECRET_HINTS.iter().any(|h| lower.contains(h)) {
            Value::String("[redacted]".into())
        } else {
            match value {
                Value::String(s) => Value::String(s.chars().take(MAX_STRING).collect()),
                Value::Array(items) => Value::Array(
                    items
                        .into_iter()
                        .filter(|v| !v.is_object() && !v.is_array())
                        .take(MAX_ARRAY)
                        .map(|v| match v {
                            Value::String(s) => Value::String(s.chars().take(MAX_STRING).collect()),
                            other => other,
                        })
                        .collect(),
                ),
                Value::Object(_) => Value::String("[omitted]".into()),
                scalar => scalar,
            }
        };
        out.insert(key, bounded);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::bound_metadata;
    use serde_json::json;

    #[test]
    fn metadata_is_bounded_and_secret_free() {
        let long = "x".repeat(1000);
        let out = bound_metadata(json!({
            "role": "owner",
            "client_secret": "abc",
            "apiToken": "t",
            "note": long,
            "nested": {"a": 1},
            "list": [1, {"x": 1}, "y"],
        }));
        assert_eq!(out["role"], "owner");
        assert_eq!(out["client_secret"], "[redacted]");
        assert_eq!(out["apiToken"], "[redacted]");
        assert_eq!(out["note"].as_str().map(str::len), Some(256));
        assert_eq!(out["nested"], "[omitted]");
        assert_eq!(out["list"], json!([1, "y"]));
        assert_eq!(bound_metadata(json!("scalar")), json!({}));
        let many: serde_json::Map<_, _> = (0..50).map(|i| (format!("k{i}"), json!(i))).collect();
        assert_eq!(
            bound_metadata(many.into()).as_object().map(|m| m.len()),
            Some(20)
        );
    }

    #[test]
    fn free_text_is_redacted_before_it_is_cut() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        let out = bound_metadata(json!({
            "reason": format!("{} then password=Winter2026! for ops@customer.example", "x".repeat(200)),
            "external_ticket_reference": format!("INC-42 {jwt}"),
            "names": ["Contoso tp_0123456789abcdef", 7],
            "role": "owner",
            "run_id": 17,
            "tenant": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        }));
        let text = out.to_string();
        for absent in [
            "Winter2026",
            "ops@customer.example",
            "eyJhbGci",
            "tp_0123456789abcdef",
        ] {
            assert!(!text.contains(absent), "{absent} in {text}");
        }
        // Positive controls: the words around the secrets, ids and enum values stay.
        assert!(
            out["reason"]
                .as_str()
                .unwrap_or("")
                .contains("then password="),
            "{text}"
        );
        assert!(
            out["reason"]
                .as_str()
                .is_some_and(|s| s.chars().count() <= 256)
        );
        assert_eq!(out["external_ticket_reference"], "INC-42 [redacted:jwt]");
        assert_eq!(out["names"], json!(["Contoso [redacted:token]", 7]));
        assert_eq!(out["role"], "owner");
        assert_eq!(out["run_id"], 17);
        assert_eq!(out["tenant"], "72f988bf-86f1-41af-91ab-2d7cd011db47");
    }

    #[test]
    fn redaction_does_not_touch_plain_metadata() {
        let plain = json!({
            "name": "Contoso Ltd – Zürich",
            "from": "draft",
            "to": "verified",
            "internal_reference": "SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C",
            "control": "support_desk_handoff",
            "has_external_ticket_url": true,
            "duration_ms": 1200,
        });
        assert_eq!(bound_metadata(plain.clone()), plain);
    }
}

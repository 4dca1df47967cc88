//! Operation runs: the tenant-bound jobs every other feature reads state from.

use crate::access::Capability;
use crate::i18n::Tr;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::types::Json;
use utoipa::ToSchema;

crate::text_enum!(
    /// What a run does. Stored as its dotted id; a stored id the code no longer knows fails the
    /// run (so [`RunRow::run_type`] stays text and is parsed by [`RunRow::kind`]).
    RunType [ToSchema] {
        /// Checks consent, permissions and health of the tenant's provider connection.
        ProviderConnectionVerify = "provider.connection.verify",
        /// Counts the tenant's managed inventory.
        InventorySync = "inventory.sync",
        /// Stores a report of granted versus required permissions.
        PermissionPostureReport = "permission_posture.report",
        /// Stores a report of Entra directory roles and their members.
        EntraAdminRolesReport = "entra_admin_roles.report",
        /// Bundles the latest reports and recent runs into a downloadable ZIP.
        ReviewPackGenerate = "review_pack.generate",
    }
);

impl RunType {
    /// Capability a user needs to start a run of this type: reports and review packs have their
    /// own, everything else is `operations.start`.
    pub fn required_capability(self) -> Capability {
        match self {
            RunType::PermissionPostureReport | RunType::EntraAdminRolesReport => {
                Capability::ReportsCreate
            }
            RunType::ReviewPackGenerate => Capability::ReviewPacksCreate,
            _ => Capability::OperationsStart,
        }
    }

    /// Fluent id of the type's label.
    pub fn label_key(self) -> &'static str {
        match self {
            RunType::ProviderConnectionVerify => "run-type-provider-connection-verify",
            RunType::InventorySync => "run-type-inventory-sync",
            RunType::PermissionPostureReport => "run-type-permission-posture-report",
            RunType::EntraAdminRolesReport => "run-type-entra-admin-roles-report",
            RunType::ReviewPackGenerate => "run-type-review-pack-generate",
        }
    }
}

crate::text_enum!(
    /// Lifecycle: queued → running → completed.
    RunStatus [ToSchema] {
        /// Waiting for an executor.
        Queued = "queued",
        /// An executor holds it.
        Running = "running",
        /// Done; see the outcome.
        Completed = "completed",
    }
);

crate::text_enum!(
    /// How a completed run ended.
    RunOutcome [ToSchema] {
        /// Everything worked.
        Succeeded = "succeeded",
        /// Finished with gaps (e.g. some permissions missing).
        PartiallySucceeded = "partially_succeeded",
        /// Did not achieve its purpose; see the reason code.
        Failed = "failed",
    }
);

impl RunOutcome {
    /// Fluent id of the label.
    pub fn label_key(self) -> &'static str {
        match self {
            RunOutcome::Succeeded => "outcome-succeeded",
            RunOutcome::PartiallySucceeded => "outcome-partially_succeeded",
            RunOutcome::Failed => "outcome-failed",
        }
    }
}

crate::text_enum!(
    /// Why a run ended the way it did. The first six are the vocabulary contextual help keys
    /// on; the rest describe faults of the run itself.
    ReasonCode [ToSchema] {
        /// The tenant's administrator has not consented to the app.
        AdminConsentRequired = "admin_consent_required",
        /// Consent exists but required application permissions are not granted.
        RequiredPermissionsMissing = "required_permissions_missing",
        /// The connection answers with errors (wrong app, disabled, Graph failing).
        ConnectionUnhealthy = "connection_unhealthy",
        /// The latest verification is older than the freshness window.
        VerificationStale = "verification_stale",
        /// Verification could not reach a conclusion.
        VerificationFailed = "verification_failed",
        /// The provider throttled or timed out; trying again later should work.
        RetryableProviderFailure = "retryable_provider_failure",
        /// The tenant has no provider connection to run against.
        ProviderConnectionMissing = "provider_connection_missing",
        /// The executor that held the run stopped before finishing it.
        Orphaned = "orphaned",
        /// The stored run type is not one this version knows.
        UnknownOperationType = "unknown_operation_type",
        /// The run hit a bug; it is logged.
        InternalError = "internal_error",
    }
);

impl ReasonCode {
    /// Fluent id of the readable explanation.
    pub fn label_key(self) -> &'static str {
        match self {
            ReasonCode::AdminConsentRequired => "reason-admin-consent-required",
            ReasonCode::RequiredPermissionsMissing => "reason-required-permissions-missing",
            ReasonCode::ConnectionUnhealthy => "reason-connection-unhealthy",
            ReasonCode::VerificationStale => "reason-verification-stale",
            ReasonCode::VerificationFailed => "reason-verification-failed",
            ReasonCode::RetryableProviderFailure => "reason-retryable-provider-failure",
            ReasonCode::ProviderConnectionMissing => "reason-provider-connection-missing",
            ReasonCode::Orphaned => "reason-orphaned",
            ReasonCode::UnknownOperationType => "reason-unknown-operation-type",
            ReasonCode::InternalError => "reason-internal-error",
        }
    }

    /// The page's sentence for a run that ended with this reason. The stored summary message is
    /// English technical detail (provider answers), kept for the API and logs; pages say it
    /// from the code in their own language.
    pub fn summary_key(self) -> &'static str {
        match self {
            ReasonCode::AdminConsentRequired => "run-summary-admin-consent-required",
            ReasonCode::RequiredPermissionsMissing => "run-summary-required-permissions-missing",
            ReasonCode::ConnectionUnhealthy => "run-summary-connection-unhealthy",
            ReasonCode::VerificationStale => "run-summary-verification-stale",
            ReasonCode::VerificationFailed => "run-summary-verification-failed",
            ReasonCode::RetryableProviderFailure => "run-summary-retryable-provider-failure",
            ReasonCode::ProviderConnectionMissing => "run-summary-provider-connection-missing",
            ReasonCode::Orphaned => "run-summary-orphaned",
            ReasonCode::UnknownOperationType => "run-summary-unknown-operation-type",
            ReasonCode::InternalError => "run-summary-internal-error",
        }
    }
}

/// Upper bound on summary count keys, so a run cannot grow its row without limit.
pub const MAX_SUMMARY_KEYS: usize = 12;

/// Named counts a run reports (`devices`, `permissions_missing`, …), bounded in size.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SummaryCounts(pub std::collections::BTreeMap<String, i64>);

impl SummaryCounts {
    /// Adds or replaces a count; keys beyond the bound or longer than 40 characters are dropped.
    pub fn set(&mut self, key: &str, value: i64) -> &mut Self {
        if key.len() <= 40 && (self.0.len() < MAX_SUMMARY_KEYS || self.0.contains_key(key)) {
            self.0.insert(key.to_string(), value);
        }
        self
    }

    /// Builds counts from pairs.
    pub fn of(pairs: &[(&str, i64)]) -> SummaryCounts {
        let mut c = SummaryCounts::default();
        for (k, v) in pairs {
            c.set(k, *v);
        }
        c
    }

    /// Reads counts back from stored JSON, ignoring anything that is not a number.
    pub fn from_json(value: &Value) -> SummaryCounts {
        let mut c = SummaryCounts::default();
        if let Some(map) = value.as_object() {
            for (k, v) in map {
                if let Some(n) = v.as_i64() {
                    c.set(k, n);
                }
            }
        }
        c
    }

    /// Stored JSON form.
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(*v)))
                .collect::<Map<_, _>>(),
        )
    }
}

impl SummaryCounts {
    /// The counts as pages show them: each key's label and its number formatted for `t`'s
    /// language, in key order.
    pub fn labelled(&self, t: Tr) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|(k, v)| (count_label(k, t), format_count(*v, t)))
            .collect()
    }
}

/// The label of a named count (a run's summary count or a stored report's summary key): the
/// locale's `count-<key>` message, else the key made readable (`high_privilege_members` →
/// "High privilege members"), so a key a newer producer writes never shows raw or fails.
pub fn count_label(key: &str, t: Tr) -> String {
    let id = format!("count-{key}");
    if crate::i18n::CATALOG.has(&id) {
        return t.t(&id);
    }
    let words = key.replace(['_', '-', '.'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "…".to_string(),
    }
}

/// A count in `t`'s language: digit groups of three, `1,234` in English and `1.234` in German.
pub fn format_count(n: i64, t: Tr) -> String {
    t.number(n)
}

/// A run row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    /// Id; also the URL key.
    pub id: i64,
    /// Owning workspace.
    pub workspace_id: i64,
    /// Tenant it runs for.
    pub tenant_id: i64,
    /// Type id as stored: text, because a type this version no longer knows is not a decode
    /// error but a run that fails with `unknown_operation_type` (see [`RunRow::kind`]).
    pub run_type: String,
    /// Status.
    pub status: RunStatus,
    /// Outcome when completed.
    pub outcome: Option<RunOutcome>,
    /// Reason code, if any.
    pub reason_code: Option<ReasonCode>,
    /// Technical detail in English (provider messages), bounded.
    pub summary_message: Option<String>,
    /// Named counts.
    pub summary_counts: Json<Value>,
    /// Steps done.
    pub progress_done: i32,
    /// Steps in total (0 = unknown).
    pub progress_total: i32,
    /// Who started it; `None` for the system.
    pub initiator_user_id: Option<i64>,
    /// E-mail of the initiator or `system`.
    pub initiator_label: String,
    /// Type-specific inputs (e.g. the onboarding draft that asked for it).
    pub context: Json<Value>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When an executor picked it up.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub completed_at: Option<DateTime<Utc>>,
    /// Last sign of life from its executor.
    pub heartbeat_at: Option<DateTime<Utc>>,
}

impl RunRow {
    /// Share of the run's items done, 0–100 (0 while the total is unknown).
    pub fn progress_percent(&self) -> i64 {
        if self.progress_total > 0 {
            i64::from(self.progress_done) * 100 / i64::from(self.progress_total)
        } else {
            0
        }
    }

    /// Parsed type, `None` for ids this version does not know.
    pub fn kind(&self) -> Option<RunType> {
        self.run_type.parse().ok()
    }

    /// Status (a copy of the field, for call chains).
    pub fn status(&self) -> RunStatus {
        self.status
    }

    /// Outcome (a copy of the field, for call chains).
    pub fn outcome(&self) -> Option<RunOutcome> {
        self.outcome
    }

    /// Reason (a copy of the field, for call chains).
    pub fn reason(&self) -> Option<ReasonCode> {
        self.reason_code
    }

    /// Whether the run is still going (pages refresh while it is).
    pub fn is_active(&self) -> bool {
        self.status() != RunStatus::Completed
    }

    /// Whether a retry may start: the run completed and did not fully succeed.
    pub fn is_retryable(&self) -> bool {
        self.status() == RunStatus::Completed
            && matches!(
                self.outcome(),
                Some(RunOutcome::Failed | RunOutcome::PartiallySucceeded)
            )
    }

    /// Seconds the run has taken so far (queued: since it was queued; running: since it
    /// started; completed: from start, or queueing, to completion), never negative.
    pub fn elapsed_secs(&self, now: DateTime<Utc>) -> i64 {
        let from = self.started_at.unwrap_or(self.created_at);
        let to = self.completed_at.unwrap_or(now);
        (to - from).num_seconds().max(0)
    }

    /// The facts every bundle (diagnostics, review pack) tells of a run; callers add their own.
    pub fn summary_json(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "type": self.run_type,
            "status": self.status,
            "outcome": self.outcome,
            "reason_code": self.reason_code,
            "summary_counts": self.summary_counts.0,
            "created_at": self.created_at,
            "completed_at": self.completed_at,
        })
    }

    /// Named counts.
    pub fn counts(&self) -> SummaryCounts {
        SummaryCounts::from_json(&self.summary_counts.0)
    }

    /// Fluent id of what the status pill says: the outcome once completed, else the status.
    pub fn state_label_key(&self) -> &'static str {
        match (self.status(), self.outcome()) {
            (_, Some(o)) => o.label_key(),
            (RunStatus::Queued, None) => "status-queued",
            (RunStatus::Running, None) => "status-running",
            (RunStatus::Completed, None) => "status-completed",
        }
    }

    /// CSS modifier of the status pill.
    pub fn state_class(&self) -> &'static str {
        self.outcome().map(RunOutcome::as_str).unwrap_or("active")
    }

    /// Fluent id of the type label (unknown types get a neutral label).
    pub fn type_label_key(&self) -> &'static str {
        self.kind()
            .map(RunType::label_key)
            .unwrap_or("run-type-unknown")
    }
}

/// A run together with the tenant it belongs to, as pages and the API show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunWithTenant {
    /// The run.
    #[sqlx(flatten)]
    pub run: RunRow,
    /// Tenant URL key.
    pub tenant_external_id: String,
    /// Tenant display name.
    pub tenant_name: String,
    /// Workspace URL key.
    pub workspace_slug: String,
    /// Caller's role in the workspace (scoped queries only; empty otherwise).
    pub role: String,
}

/// Longest stored run summary message.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// How a run finished, as the executor reports it.
#[derive(Debug, Clone)]
pub struct Completion {
    /// Outcome.
    pub outcome: RunOutcome,
    /// Reason, required for anything but success.
    pub reason: Option<ReasonCode>,
    /// Technical detail (English, secret-free, bounded to 500 characters on write).
    pub message: Option<String>,
    /// Named counts.
    pub counts: SummaryCounts,
}

impl Completion {
    /// A success with counts.
    pub fn succeeded(counts: SummaryCounts) -> Completion {
        Completion {
            outcome: RunOutcome::Succeeded,
            reason: None,
            message: None,
            counts,
        }
    }

    /// The message as stored and shown: redacted (it may quote a provider), at most
    /// [`MAX_MESSAGE_CHARS`] characters.
    pub fn stored_message(&self) -> Option<String> {
        self.message.as_deref().map(|m| {
            crate::redact::text(m)
                .chars()
                .take(MAX_MESSAGE_CHARS)
                .collect()
        })
    }

    /// A failure with a reason and detail.
    pub fn failed(reason: ReasonCode, message: impl Into<String>) -> Completion {
        Completion {
            outcome: RunOutcome::Failed,
            reason: Some(reason),
            message: Some(message.into()),
            counts: SummaryCounts::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for t in RunType::ALL {
            assert_eq!(RunType::parse(t.as_str()), Some(t));
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                Value::from(t.as_str()),
                "serde and as_str agree"
            );
        }
        for r in ReasonCode::ALL {
            assert_eq!(ReasonCode::parse(r.as_str()), Some(r));
        }
        assert_eq!(RunType::parse("inventory.nuke"), None);
    }

    #[test]
    fn every_reason_has_a_page_summary() {
        for reason in ReasonCode::ALL {
            assert!(crate::i18n::CATALOG.has(reason.summary_key()), "{reason:?}");
        }
    }

    #[test]
    fn summary_counts_are_bounded() {
        let mut c = SummaryCounts::default();
        for i in 0..50 {
            c.set(&format!("k{i}"), i);
        }
        assert_eq!(c.0.len(), MAX_SUMMARY_KEYS);
        c.set(&"x".repeat(41), 1);
        assert!(!c.0.contains_key(&"x".repeat(41)));
        let back = SummaryCounts::from_json(&serde_json::json!({"a": 1, "b": "two"}));
        assert_eq!(back, SummaryCounts::of(&[("a", 1)]));
    }

    #[test]
    fn counts_read_as_labels_and_numbers_in_the_language() {
        use crate::i18n::Locale;
        let (en, de) = (Tr(Locale::En), Tr(Locale::De));
        assert_eq!(format_count(1_234_567, en), "1,234,567");
        assert_eq!(format_count(1_234_567, de), "1.234.567");
        assert_eq!(format_count(-1000, en), "-1,000");
        assert_eq!(format_count(999, de), "999");
        assert_eq!(format_count(i64::MIN, en), "-9,223,372,036,854,775,808");
        assert_eq!(count_label("managed_devices", en), "Managed devices");
        assert_eq!(count_label("managed_devices", de), "Verwaltete Geräte");
        // A key no locale knows reads as words, never as the raw key.
        assert_eq!(count_label("new_thing.v2", en), "New thing v2");
        assert_eq!(count_label("", en), "…");
        let c = SummaryCounts::of(&[("bytes", 2048)]);
        assert_eq!(
            c.labelled(de),
            vec![("Größe (Bytes)".to_string(), "2.048".to_string())]
        );
    }

    #[test]
    fn report_runs_need_their_own_capability() {
        assert_eq!(
            RunType::ReviewPackGenerate.required_capability(),
            Capability::ReviewPacksCreate
        );
        assert_eq!(
            RunType::InventorySync.required_capability(),
            Capability::OperationsStart
        );
    }
}

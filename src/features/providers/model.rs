//! Provider connections: how TenantPilot reaches a managed tenant's Microsoft cloud, and the
//! shapes every provider kind answers in.

use crate::features::operations::model::{ReasonCode, RunType};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::types::Json;
use utoipa::ToSchema;

/// Application permissions TenantPilot needs in every managed tenant. Code-owned: verification,
/// posture reports and the onboarding wizard all compare against this one list.
pub const REQUIRED_PERMISSIONS: [&str; 6] = [
    "Directory.Read.All",
    "DeviceManagementConfiguration.Read.All",
    "DeviceManagementManagedDevices.Read.All",
    "DeviceManagementApps.Read.All",
    "RoleManagement.Read.Directory",
    "Policy.Read.All",
];

crate::text_enum!(
    /// Which implementation talks to the tenant.
    ProviderKind [ToSchema] {
        /// Deterministic, scriptable stand-in for demos and tests.
        Simulated = "simulated",
        /// Microsoft identity platform + Graph.
        Microsoft = "microsoft",
    }
);

impl ProviderKind {
    /// Fluent id of the kind's label.
    pub fn label_key(self) -> &'static str {
        match self {
            ProviderKind::Simulated => "onboarding-kind-simulated",
            ProviderKind::Microsoft => "onboarding-kind-microsoft",
        }
    }
}

crate::text_enum!(
    /// The simulated provider's scripted behaviour.
    SimulatedScenario [ToSchema] {
        /// Consent granted, every permission granted, Graph answers.
        Healthy = "healthy",
        /// The tenant's administrator has not consented (AADSTS65001).
        ConsentMissing = "consent_missing",
        /// Consent granted but two required permissions are not.
        PermissionsMissing = "permissions_missing",
        /// Token works, Graph fails.
        Unhealthy = "unhealthy",
        /// Every call is throttled (429 with Retry-After).
        Throttled = "throttled",
    }
);

crate::text_enum!(
    /// Admin consent as last observed.
    ConsentState [ToSchema] {
        /// Granted.
        Granted = "granted",
        /// Not granted (or revoked).
        Missing = "missing",
        /// Not checked yet, or the check could not tell.
        Unknown = "unknown",
    }
);

crate::text_enum!(
    /// Connection health as last observed.
    Health [ToSchema] {
        /// Calls succeed.
        Healthy = "healthy",
        /// Calls fail.
        Unhealthy = "unhealthy",
        /// Not checked yet, or the check could not tell.
        Unknown = "unknown",
    }
);

/// A tenant's provider connection as stored. Holds no secret: the client secret of the
/// `microsoft` kind comes from configuration.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Connection {
    /// Id.
    pub id: i64,
    /// Tenant it belongs to (one connection per tenant).
    pub tenant_id: i64,
    /// Kind id.
    pub kind: ProviderKind,
    /// Entra directory (tenant) id or verified domain the token is requested for.
    pub directory_id: String,
    /// Label shown to operators.
    pub display_name: String,
    /// Scenario id for the simulated kind.
    pub simulated_scenario: Option<SimulatedScenario>,
    /// Consent as last observed.
    pub consent_state: ConsentState,
    /// Health as last observed.
    pub health: Health,
    /// Application permissions granted as last observed (JSON list of strings).
    pub granted_permissions: Json<Value>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed (by an operator or a verification).
    pub updated_at: DateTime<Utc>,
}

impl Connection {
    /// The kind (always known: an unknown stored kind fails to decode).
    pub fn kind(&self) -> Option<ProviderKind> {
        Some(self.kind)
    }

    /// Consent as last observed.
    pub fn consent(&self) -> ConsentState {
        self.consent_state
    }

    /// Health as last observed.
    pub fn health(&self) -> Health {
        self.health
    }

    /// Scenario (simulated kind only).
    pub fn scenario(&self) -> Option<SimulatedScenario> {
        self.simulated_scenario
    }

    /// Granted permissions as last observed.
    pub fn granted(&self) -> Vec<String> {
        strings(&self.granted_permissions.0)
    }
}

/// Reads a JSON list of strings, ignoring anything else.
pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// What a successful access check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessCheck {
    /// Application permissions in the token's `roles` claim.
    pub granted_permissions: Vec<String>,
    /// Whether a Graph probe succeeded with the token.
    pub graph_healthy: bool,
    /// Secret-free detail when the probe failed.
    pub detail: Option<String>,
}

/// Why a provider call failed, already mapped to the reason vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderFault {
    /// AADSTS65001 / 90094 / 700016: consent missing for the app in this tenant.
    #[error("admin consent required: {0}")]
    AdminConsentRequired(String),
    /// AADSTS650056 or a 403 from Graph: permissions not granted.
    #[error("required permissions missing: {0}")]
    PermissionsMissing(String),
    /// Authentication or Graph failed for another reason (bad secret, disabled app, 5xx).
    #[error("connection unhealthy: {0}")]
    Unhealthy(String),
    /// Throttled (429/503); `retry_after` seconds when the provider said.
    #[error("throttled by the provider")]
    Throttled {
        /// Seconds the provider asked to wait.
        retry_after: Option<u64>,
    },
    /// No answer within the budget.
    #[error("the provider did not answer in time")]
    Timeout,
    /// An answer we cannot read (malformed token response, unexpected JSON).
    #[error("unreadable provider response: {0}")]
    InvalidResponse(String),
    /// The configuration is incomplete (no client id or secret for the microsoft kind).
    #[error("provider not configured: {0}")]
    NotConfigured(String),
}

impl ProviderFault {
    /// Reason code the run and the verification report carry.
    pub fn reason(&self) -> ReasonCode {
        match self {
            ProviderFault::AdminConsentRequired(_) => ReasonCode::AdminConsentRequired,
            ProviderFault::PermissionsMissing(_) => ReasonCode::RequiredPermissionsMissing,
            ProviderFault::Unhealthy(_) | ProviderFault::NotConfigured(_) => {
                ReasonCode::ConnectionUnhealthy
            }
            ProviderFault::Throttled { .. } | ProviderFault::Timeout => {
                ReasonCode::RetryableProviderFailure
            }
            ProviderFault::InvalidResponse(_) => ReasonCode::VerificationFailed,
        }
    }

    /// Readable, secret-free detail for the run summary (redacted whatever the variant).
    pub fn detail(&self) -> String {
        let text = match self {
            ProviderFault::Throttled {
                retry_after: Some(s),
            } => format!("The provider throttled the request; it asked to retry after {s} s."),
            ProviderFault::Throttled { retry_after: None } => {
                "The provider throttled the request.".to_string()
            }
            other => other.to_string(),
        };
        crate::redact::text(&text).chars().take(500).collect()
    }
}

/// Inventory counts from a sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    /// Managed devices.
    pub managed_devices: i64,
    /// Device configuration profiles.
    pub configuration_profiles: i64,
    /// Whether paging stopped at the bound before the end.
    pub truncated: bool,
}

/// One directory role with its member count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminRole {
    /// Role display name.
    pub display_name: String,
    /// Role template id.
    pub role_template_id: String,
    /// Number of members.
    pub member_count: i64,
    /// Whether TenantPilot treats the role as highly privileged.
    pub high_privilege: bool,
}

/// Role template ids treated as highly privileged (Global, Privileged Role, Security,
/// Intune, Exchange, SharePoint administrators).
pub const HIGH_PRIVILEGE_ROLE_TEMPLATES: [&str; 6] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "3a2c62db-5318-420d-8d74-23affee5d9d5",
    "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
];

crate::text_enum!(
    /// Overall verdict of a verification.
    Overall [utoipa::ToSchema] {
        /// Consent, permissions and health all fine.
        Ready = "ready",
        /// A conclusive blocker: consent or permissions.
        Blocked = "blocked",
        /// No conclusion or an unhealthy connection.
        Failed = "failed",
    }
);

/// One required permission and whether the verification found it granted (`None`: could not tell).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PermissionCheck {
    /// Permission id, e.g. `Directory.Read.All`.
    pub key: String,
    /// Granted, missing, or unknown.
    pub granted: Option<bool>,
}

/// A stored verification report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VerificationReport {
    /// Id (0 before it is stored).
    pub id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Connection checked.
    pub connection_id: i64,
    /// The `provider.connection.verify` run that wrote it.
    pub run_id: i64,
    /// Overall verdict.
    pub overall: Overall,
    /// Consent found.
    pub consent_state: ConsentState,
    /// Health found.
    pub health: Health,
    /// Reason code, when not ready.
    pub reason_code: Option<ReasonCode>,
    /// `[{key, granted}]` for every required permission.
    pub permissions: Json<Value>,
    /// When the check ran.
    pub checked_at: DateTime<Utc>,
}

impl VerificationReport {
    /// Verdict.
    pub fn overall(&self) -> Overall {
        self.overall
    }

    /// Consent found.
    pub fn consent(&self) -> ConsentState {
        self.consent_state
    }

    /// Health found.
    pub fn health(&self) -> Health {
        self.health
    }

    /// Reason, when not ready.
    pub fn reason(&self) -> Option<ReasonCode> {
        self.reason_code
    }

    /// Fluent id of the verdict label.
    pub fn overall_key(&self) -> &'static str {
        match self.overall() {
            Overall::Ready => "verification-overall-ready",
            Overall::Blocked => "verification-overall-blocked",
            Overall::Failed => "verification-overall-failed",
        }
    }

    /// Every required permission with its state.
    pub fn permissions(&self) -> Vec<PermissionCheck> {
        self.permissions
            .0
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| {
                        Some(PermissionCheck {
                            key: p.get("key")?.as_str()?.to_string(),
                            granted: p.get("granted").and_then(Value::as_bool),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Required permissions found missing.
    pub fn missing(&self) -> Vec<String> {
        self.permissions()
            .into_iter()
            .filter(|p| p.granted == Some(false))
            .map(|p| p.key)
            .collect()
    }

    /// Whether the report is older than the freshness window.
    pub fn is_stale(&self, now: DateTime<Utc>, freshness_hours: i64) -> bool {
        now - self.checked_at > Duration::hours(freshness_hours)
    }
}

crate::text_enum!(
    /// A tenant's verdict as the fleet list, the dashboard and onboarding show it: one word and
    /// one colour per verdict on every page (CSS class `verdict-pill verdict-{value}`).
    TenantVerdict [utoipa::ToSchema] {
        /// Verified, fresh and ready.
        Ready = "ready",
        /// The newest verification found a blocker (consent, permissions) or no conclusion.
        Blocked = "blocked",
        /// The newest verification was ready but is older than the freshness window.
        Stale = "stale",
        /// No connection, or never verified.
        NotVerified = "not_verified",
    }
);

impl TenantVerdict {
    /// Position in the default fleet order: what needs attention first.
    pub fn attention_rank(self) -> i64 {
        match self {
            TenantVerdict::Blocked => 0,
            TenantVerdict::Stale => 1,
            TenantVerdict::NotVerified => 2,
            TenantVerdict::Ready => 3,
        }
    }

    /// Fluent id of the verdict's label.
    pub fn label_key(self) -> &'static str {
        match self {
            TenantVerdict::Ready => "verdict-ready",
            TenantVerdict::Blocked => "verdict-blocked",
            TenantVerdict::Stale => "verdict-stale",
            TenantVerdict::NotVerified => "verdict-not-verified",
        }
    }
}

/// A simulated, healthy, never-checked connection for unit tests; each test overrides what it
/// is about.
#[cfg(test)]
pub(crate) fn sample_connection() -> Connection {
    Connection {
        id: 1,
        tenant_id: 1,
        kind: ProviderKind::Simulated,
        directory_id: "contoso.onmicrosoft.com".into(),
        display_name: "x".into(),
        simulated_scenario: Some(SimulatedScenario::Healthy),
        consent_state: ConsentState::Unknown,
        health: Health::Unknown,
        granted_permissions: Json(serde_json::json!([])),
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
    }
}

/// The verification state of a tenant as every surface shows it.
#[derive(Debug, Clone)]
pub struct VerificationState {
    /// The tenant's connection.
    pub connection: Option<Connection>,
    /// Its newest report.
    pub report: Option<VerificationReport>,
    /// Whether that report is stale.
    pub stale: bool,
}

impl VerificationState {
    /// The one issue that matters most: a missing connection, the report's own blocker, then
    /// staleness. `None` when the tenant is verified and fresh, or was never verified.
    pub fn dominant_reason(&self) -> Option<ReasonCode> {
        if self.connection.is_none() {
            return Some(ReasonCode::ProviderConnectionMissing);
        }
        let report = self.report.as_ref()?;
        report.reason().or(if self.stale {
            Some(ReasonCode::VerificationStale)
        } else {
            None
        })
    }

    /// The tenant's verdict: a blocked or inconclusive report stays blocked however old it is.
    pub fn verdict(&self) -> TenantVerdict {
        match (&self.connection, &self.report) {
            (None, _) | (_, None) => TenantVerdict::NotVerified,
            (Some(_), Some(r)) if r.overall() != Overall::Ready => TenantVerdict::Blocked,
            _ if self.stale => TenantVerdict::Stale,
            _ => TenantVerdict::Ready,
        }
    }

    /// Why a run of `run_type` cannot succeed now, said before it starts: verification needs a
    /// connection; every other type also needs admin consent not known to be missing.
    pub fn start_blocker(&self, run_type: RunType) -> Option<ReasonCode> {
        let Some(connection) = &self.connection else {
            return Some(ReasonCode::ProviderConnectionMissing);
        };
        let consent_missing = match connection.consent() {
            ConsentState::Missing => true,
            ConsentState::Granted => false,
            ConsentState::Unknown => self
                .report
                .as_ref()
                .is_some_and(|r| r.reason() == Some(ReasonCode::AdminConsentRequired)),
        };
        (run_type != RunType::ProviderConnectionVerify && consent_missing)
            .then_some(ReasonCode::AdminConsentRequired)
    }

    /// Fluent id of the words that say why a run of `run_type` cannot succeed now
    /// ([`Self::start_blocker`]), shown beside the disabled start and in the server's refusal.
    pub fn start_blocker_key(&self, run_type: RunType) -> Option<&'static str> {
        self.start_blocker(run_type).map(|reason| match reason {
            ReasonCode::ProviderConnectionMissing => "start-blocked-provider-connection-missing",
            _ => "start-blocked-admin-consent-required",
        })
    }

    /// Every required permission with what the newest report found (`None`: could not tell,
    /// or no report), in [`REQUIRED_PERMISSIONS`] order.
    pub fn required_permissions(&self) -> Vec<PermissionCheck> {
        let checks = self
            .report
            .as_ref()
            .map(VerificationReport::permissions)
            .unwrap_or_default();
        REQUIRED_PERMISSIONS
            .iter()
            .map(|key| PermissionCheck {
                key: key.to_string(),
                granted: checks
                    .iter()
                    .find(|p| p.key == *key)
                    .and_then(|p| p.granted),
            })
            .collect()
    }

    /// Whether the tenant is verified, fresh and ready.
    pub fn is_ready(&self) -> bool {
        self.report
            .as_ref()
            .is_some_and(|r| r.overall() == Overall::Ready)
            && !self.stale
    }
}

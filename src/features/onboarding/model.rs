//! Onboarding drafts: the wizard's steps, the draft row and the JSON state it carries between
//! steps.

use crate::features::operations::model::ReasonCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;

crate::text_enum!(
    /// A wizard step. The draft's `current_step` is the checkpoint the operator works on; the
    /// steps before it are completed checkpoints.
    Step [PartialOrd, Ord] {
        /// Name the tenant (new) or pick an existing one.
        Identify = "identify",
        /// Save the provider connection (creates the tenant when it is new).
        Connect = "connect",
        /// Run verification until the tenant is ready.
        Verify = "verify",
        /// Done; the draft is read-only.
        Complete = "complete",
    }
);

impl Step {
    /// Fluent id of the short label in the step indicator.
    pub fn label_key(self) -> &'static str {
        match self {
            Step::Identify => "onboarding-step-identify",
            Step::Connect => "onboarding-step-connect",
            Step::Verify => "onboarding-step-verify",
            Step::Complete => "onboarding-step-complete",
        }
    }

    /// Fluent id of the checkpoint label the readiness section shows next to "Step".
    pub fn checkpoint_key(self) -> &'static str {
        match self {
            Step::Identify => "onboarding-checkpoint-identify",
            Step::Connect => "onboarding-checkpoint-connect",
            Step::Verify => "onboarding-checkpoint-verify",
            Step::Complete => "onboarding-checkpoint-complete",
        }
    }
}

crate::text_enum!(
    /// Lifecycle of a draft.
    DraftStatus {
        /// Still being worked on.
        Draft = "draft",
        /// Finished; immutable from now on.
        Completed = "completed",
    }
);

/// Whether the draft onboards a new tenant or re-onboards one that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The tenant is created by the connect step.
    #[default]
    New,
    /// The tenant existed when the draft was started.
    Existing,
}

/// The provider connection as the connect step last saved it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectState {
    /// `simulated` or `microsoft`.
    pub kind: String,
    /// Entra directory id or verified domain.
    pub directory_id: String,
    /// Label.
    pub display_name: String,
    /// Scenario id (simulated kind).
    pub scenario: String,
    /// When the connect step saved it.
    pub saved_at: Option<DateTime<Utc>>,
}

/// Everything the wizard remembers between steps (the `state` JSON column). Holds no secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DraftState {
    /// New or existing tenant.
    pub mode: Mode,
    /// Tenant display name (typed at identify, or the existing tenant's name).
    pub tenant_name: String,
    /// Tenant URL key (typed at identify, or the existing tenant's).
    pub external_id: String,
    /// Entra directory id or domain typed at identify; prefills the connect step.
    pub directory_id: String,
    /// The connection saved by the connect step.
    pub connection: Option<ConnectState>,
    /// The `provider.connection.verify` run this draft queued after the connection was saved.
    /// Cleared whenever the connection is saved again, so an older report never counts.
    pub verification_run_id: Option<i64>,
}

/// A draft as stored, with the workspace and (when linked) tenant it belongs to and the
/// caller's role there (scoped reads only; empty otherwise).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Draft {
    /// Id; also the URL key.
    pub id: i64,
    /// Owning workspace.
    pub workspace_id: i64,
    /// Linked tenant; `None` until the connect step creates a new tenant.
    pub tenant_id: Option<i64>,
    /// Step id (see [`Step`]).
    pub current_step: Step,
    /// Status id (see [`DraftStatus`]).
    pub status: DraftStatus,
    /// Wizard state.
    pub state: Json<DraftState>,
    /// Optimistic-concurrency version; every change bumps it.
    pub version: i64,
    /// Who started it.
    pub started_by: Option<i64>,
    /// Who changed it last.
    pub updated_by: Option<i64>,
    /// Started.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Workspace URL key.
    pub workspace_slug: String,
    /// Workspace name.
    pub workspace_name: String,
    /// Caller's role in the workspace (an unknown stored role fails to decode).
    pub role: crate::access::Role,
    /// Linked tenant's URL key.
    pub tenant_external_id: Option<String>,
    /// Linked tenant's name.
    pub tenant_name: Option<String>,
    /// E-mail of the user who started it.
    pub started_by_label: Option<String>,
}

impl Draft {
    /// Current step.
    pub fn step(&self) -> Step {
        self.current_step
    }

    /// Lifecycle status.
    pub fn status(&self) -> DraftStatus {
        self.status
    }

    /// Whether it can no longer change.
    pub fn is_completed(&self) -> bool {
        self.status() == DraftStatus::Completed
    }

    /// The name to show: the linked tenant's, else the one typed at identify.
    pub fn display_name(&self) -> &str {
        self.tenant_name
            .as_deref()
            .unwrap_or(self.state.0.tenant_name.as_str())
    }

    /// The external id to show: the linked tenant's, else the one typed at identify.
    pub fn display_external_id(&self) -> &str {
        self.tenant_external_id
            .as_deref()
            .unwrap_or(self.state.0.external_id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_round_trip_in_order() {
        for s in Step::ALL {
            assert_eq!(Step::parse(s.as_str()), Some(s));
        }
        assert!(Step::Identify < Step::Connect && Step::Verify < Step::Complete);
        assert_eq!(Step::parse("done"), None);
    }

    #[test]
    fn state_reads_partial_json() {
        let s: DraftState = serde_json::from_str(r#"{"tenant_name":"X"}"#).unwrap();
        assert_eq!(s.mode, Mode::New);
        assert_eq!(s.tenant_name, "X");
        assert!(s.connection.is_none());
    }
}

/// The identify step's fields as submitted.
#[derive(Debug, Clone, Default)]
pub struct IdentifyInput {
    /// External id of an existing tenant to re-onboard; empty for a new tenant.
    pub existing_tenant: String,
    /// New tenant's display name.
    pub tenant_name: String,
    /// New tenant's URL key.
    pub external_id: String,
    /// New tenant's Entra directory id or domain.
    pub directory_id: String,
}

/// Result of the identify step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    /// A new draft.
    Created(i64),
    /// The tenant already had an open draft; continue that one.
    Resumed(i64),
}

impl Started {
    /// The draft to go to.
    pub fn id(self) -> i64 {
        match self {
            Started::Created(id) | Started::Resumed(id) => id,
        }
    }
}

/// One completed checkpoint of a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// The draft.
    pub draft_id: i64,
    /// Its workspace.
    pub workspace_id: i64,
    /// Its tenant, once linked.
    pub tenant_id: Option<i64>,
    /// The step that was completed.
    pub from: Step,
    /// The step the draft moved on to.
    pub to: Step,
}

impl Checkpoint {
    /// `draft` (linked to `tenant_id`) completed `from` and moved on to `to`.
    pub fn of(draft: &Draft, tenant_id: Option<i64>, from: Step, to: Step) -> Checkpoint {
        Checkpoint {
            draft_id: draft.id,
            workspace_id: draft.workspace_id,
            tenant_id,
            from,
            to,
        }
    }
}

/// The verification status the verify step leads with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationStatus {
    /// No verification since the connection was saved.
    NotRun,
    /// The draft's verification run is queued or running.
    Running,
    /// Consent, permissions and health fine.
    Ready,
    /// A conclusive blocker (consent or permissions).
    Blocked,
    /// No conclusion, or an unhealthy connection.
    Failed,
}

impl VerificationStatus {
    /// Fluent id of the label.
    pub fn label_key(self) -> &'static str {
        match self {
            VerificationStatus::NotRun => "onboarding-status-not-run",
            VerificationStatus::Running => "onboarding-status-running",
            VerificationStatus::Ready => "onboarding-status-ready",
            VerificationStatus::Blocked => "onboarding-status-blocked",
            VerificationStatus::Failed => "onboarding-status-failed",
        }
    }

    /// CSS modifier.
    pub fn class(self) -> &'static str {
        match self {
            VerificationStatus::NotRun | VerificationStatus::Running => "neutral",
            VerificationStatus::Ready => "ok",
            VerificationStatus::Blocked => "warn",
            VerificationStatus::Failed => "bad",
        }
    }
}

/// The one action the verify step puts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextAction {
    /// No connection yet: go to the connect step.
    ConnectProvider,
    /// Verification is running: watch it.
    WaitForVerification,
    /// Never ran, stale, outdated, failed or retryable: run it (again).
    RunVerification,
    /// Admin consent is the dominant blocker.
    GrantAdminConsent,
    /// Required permissions are missing.
    ReviewPermissions,
    /// The connection is unhealthy.
    ReviewConnection,
    /// Ready and fresh.
    CompleteOnboarding,
}

impl NextAction {
    /// Fluent id of the button label.
    pub fn label_key(self) -> &'static str {
        match self {
            NextAction::ConnectProvider => "onboarding-action-connect-provider",
            NextAction::WaitForVerification => "onboarding-action-view-run",
            NextAction::RunVerification => "onboarding-action-run-verification",
            NextAction::GrantAdminConsent => "onboarding-action-grant-consent",
            NextAction::ReviewPermissions => "onboarding-action-review-permissions",
            NextAction::ReviewConnection => "onboarding-action-review-connection",
            NextAction::CompleteOnboarding => "onboarding-action-complete",
        }
    }
}

/// What the verify step shows first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness {
    /// Lead status.
    pub status: VerificationStatus,
    /// The report describes the connection as saved (it came from a run queued after the
    /// connect step saved it).
    pub report_current: bool,
    /// The newest report predates the saved connection.
    pub report_outdated: bool,
    /// The report is older than the freshness window.
    pub stale: bool,
    /// The blocker the next action addresses, when there is one.
    pub reason: Option<ReasonCode>,
    /// Primary next action.
    pub next: NextAction,
    /// Fluent id of the one-sentence safe next step.
    pub safe_next_key: &'static str,
}

crate::text_enum!(
    /// What an update asks for (the submitted `action` field).
    Action {
        /// Save the provider connection (creating the tenant when new) and move to verify.
        Connect = "connect",
        /// Queue a verification run.
        Verify = "verify",
        /// Finish the onboarding.
        Complete = "complete",
        /// Go back to the connect step without losing anything.
        Back = "back",
    }
);

/// What the draft page reads besides the draft: its tenant's verification state (once a tenant
/// is linked) and the verification run it queued last.
pub struct DraftPageData {
    pub verification: Option<crate::features::providers::model::VerificationState>,
    pub run: Option<crate::features::operations::model::RunRow>,
}

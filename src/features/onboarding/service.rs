//! Rules of the onboarding wizard: starting a draft (identify), saving the connection (connect,
//! which creates a new tenant), queueing verification, completing, and going back. Every change
//! claims the draft's version first, in the same transaction as the change and its audit rows,
//! so two people working on one draft cannot overwrite each other.
//!
//! The verify step is decision-first: [`assess`] turns the tenant's verification state into one
//! status, one primary next action and one safe next step, in a fixed order of precedence.

use super::model::{ConnectState, Draft, DraftState, Mode, Step};
use super::repo::{self, DraftChange, NewDraft};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::auth::users::User;
use crate::db::Tx;
use crate::error::{Invalid, ServiceError};
use crate::features::operations::{
    self,
    model::{ReasonCode, RunOutcome, RunRow, RunType},
    service::Initiator,
};
use crate::features::providers::{
    model::{
        ConsentState, Overall, ProviderKind, SimulatedScenario, VerificationReport,
        VerificationState,
    },
    service::{self as providers, ConnectionForm},
};
use crate::features::tenants;
use crate::features::workspaces::model::MemberWorkspace;
use crate::state::AppState;
use crate::validate;
use chrono::{DateTime, Utc};
use serde_json::json;

/// Conflict key: the version the form carried is no longer current.
pub const CONFLICT: &str = "onboarding-conflict";
/// Conflict key: the draft is completed.
pub const IMMUTABLE: &str = "onboarding-immutable";

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

fn invalid(field: &'static str, key: &'static str) -> Invalid {
    Invalid { field, key }
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

/// Audits one completed checkpoint (`onboarding.checkpoint_completed` with `{from, to}`) and
/// records the product usage event (only once the draft has a tenant). The single place
/// checkpoint transitions are recorded.
pub async fn record_checkpoint(
    tx: &mut Tx,
    actx: &AuditContext,
    now: DateTime<Utc>,
    checkpoint: Checkpoint,
) -> Result<(), sqlx::Error> {
    audit::record(
        tx,
        actx,
        now,
        AuditEntry {
            action: "onboarding.checkpoint_completed",
            workspace_id: Some(checkpoint.workspace_id),
            tenant_id: checkpoint.tenant_id,
            target_type: "onboarding_draft",
            target_id: checkpoint.draft_id.to_string(),
            metadata: json!({"from": checkpoint.from.as_str(), "to": checkpoint.to.as_str()}),
        },
    )
    .await?;
    // Product usage telemetry, in the same transaction; skipped while the draft has no tenant.
    crate::features::telemetry::service::seams::onboarding_checkpoint(
        tx,
        actx,
        checkpoint.workspace_id,
        checkpoint.tenant_id,
        checkpoint.draft_id,
        checkpoint.from.as_str(),
        checkpoint.to == Step::Complete,
        now,
    )
    .await?;
    Ok(())
}

/// Identify: starts a draft in `workspace` (whose access the caller already checked) for an
/// existing tenant the user may see, or for a new tenant that does not exist yet (the draft
/// then has no tenant until the connect step creates it).
pub async fn start(
    state: &AppState,
    actx: &AuditContext,
    user: &User,
    workspace: &MemberWorkspace,
    input: &IdentifyInput,
) -> Result<Started, ServiceError> {
    let existing = input.existing_tenant.trim();
    let new_fields = [&input.tenant_name, &input.external_id, &input.directory_id];
    let typed_new = new_fields.iter().any(|f| !f.trim().is_empty());
    let (tenant_id, draft_state) = if !existing.is_empty() {
        if typed_new {
            return Err(ServiceError::invalid(
                "existing_tenant",
                "onboarding-validation-choose-one",
            ));
        }
        let tenant = tenants::service::find_scoped(&state.db, user.id, existing)
            .await?
            .filter(|t| t.workspace_id == workspace.id)
            .ok_or(ServiceError::invalid(
                "existing_tenant",
                "onboarding-validation-existing-tenant",
            ))?;
        if let Some(open) = repo::open_for_tenant(&state.db, tenant.id).await? {
            return Ok(Started::Resumed(open));
        }
        let directory_id =
            crate::features::providers::service::find_for_tenant(&state.db, tenant.id)
                .await?
                .map(|c| c.directory_id)
                .unwrap_or_default();
        (
            Some(tenant.id),
            DraftState {
                mode: Mode::Existing,
                tenant_name: tenant.name,
                external_id: tenant.external_id,
                directory_id,
                ..DraftState::default()
            },
        )
    } else {
        let mut errors = Vec::new();
        validate::text("tenant_name", &input.tenant_name, 120, &mut errors);
        let external_id = input.external_id.trim();
        if external_id.is_empty() {
            errors.push(invalid("external_id", "validation-required"));
        } else {
            validate::slug("external_id", external_id, &mut errors);
        }
        let directory_id = input.directory_id.trim();
        if directory_id.is_empty() {
            errors.push(invalid("directory_id", "validation-required"));
        } else if !crate::validate::is_directory_id(directory_id) {
            errors.push(invalid(
                "directory_id",
                "onboarding-validation-directory-id",
            ));
        }
        if errors.is_empty()
            && tenants::service::find_by_external_id(&state.db, external_id)
                .await?
                .is_some()
        {
            errors.push(invalid("external_id", "validation-external-id-taken"));
        }
        validate::finish(errors)?;
        (
            None,
            DraftState {
                mode: Mode::New,
                tenant_name: input.tenant_name.trim().to_string(),
                external_id: external_id.to_string(),
                directory_id: directory_id.to_string(),
                ..DraftState::default()
            },
        )
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let id = repo::insert(
        &mut tx,
        &NewDraft {
            workspace_id: workspace.id,
            tenant_id,
            current_step: Step::Connect,
            state: &draft_state,
            user_id: user.id,
        },
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actx,
        now,
        AuditEntry {
            action: "onboarding.draft_created",
            workspace_id: Some(workspace.id),
            tenant_id,
            target_type: "onboarding_draft",
            target_id: id.to_string(),
            metadata: json!({
                "mode": match draft_state.mode { Mode::New => "new", Mode::Existing => "existing" },
                "external_id": draft_state.external_id,
            }),
        },
    )
    .await?;
    record_checkpoint(
        &mut tx,
        actx,
        now,
        Checkpoint {
            draft_id: id,
            workspace_id: workspace.id,
            tenant_id,
            from: Step::Identify,
            to: Step::Connect,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Started::Created(id))
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

/// Checks the connect step's fields with onboarding's messages (so `save_connection`'s own
/// validation then always passes).
pub fn validate_connect(form: &ConnectionForm) -> Result<(), ServiceError> {
    let mut errors = Vec::new();
    let kind = ProviderKind::parse(form.kind.trim());
    if kind.is_none() {
        errors.push(invalid("kind", "onboarding-validation-kind"));
    }
    let directory_id = form.directory_id.trim();
    if directory_id.is_empty() {
        errors.push(invalid("directory_id", "validation-required"));
    } else if !crate::validate::is_directory_id(directory_id) {
        errors.push(invalid(
            "directory_id",
            "onboarding-validation-directory-id",
        ));
    }
    if !form.display_name.trim().is_empty() {
        validate::text("display_name", &form.display_name, 120, &mut errors);
    }
    if kind == Some(ProviderKind::Simulated)
        && SimulatedScenario::parse(form.scenario.trim()).is_none()
    {
        errors.push(invalid("scenario", "onboarding-validation-scenario"));
    }
    validate::finish(errors)
}

/// Claims the draft inside `tx`, or explains why not (the transaction is rolled back then).
async fn claim(
    state: &AppState,
    tx: Tx,
    draft: &Draft,
    version: i64,
    user: &User,
    now: DateTime<Utc>,
) -> Result<Tx, ServiceError> {
    let mut tx = tx;
    if repo::claim(&mut tx, draft.id, version, user.id, now).await? {
        return Ok(tx);
    }
    tx.rollback().await?;
    let current = repo::version_and_status(&state.db, draft.id).await?;
    Err(match current {
        Some((_, status)) if status != "draft" => ServiceError::Conflict(IMMUTABLE),
        _ => ServiceError::Conflict(CONFLICT),
    })
}

/// Applies `action` to `draft` (already resolved in the caller's scope, with the capability
/// checked). `version` is the version the caller's form was rendered from.
pub async fn update(
    state: &AppState,
    actx: &AuditContext,
    user: &User,
    draft: &Draft,
    version: i64,
    action: Action,
    connection: &ConnectionForm,
) -> Result<(), ServiceError> {
    if draft.is_completed() {
        return Err(ServiceError::Conflict(IMMUTABLE));
    }
    if draft.version != version {
        return Err(ServiceError::Conflict(CONFLICT));
    }
    let step = draft.step();
    let wrong_step = || ServiceError::invalid("action", "onboarding-validation-wrong-step");
    match action {
        Action::Connect => {
            if !matches!(step, Step::Connect | Step::Verify) {
                return Err(wrong_step());
            }
            connect(state, actx, user, draft, version, connection).await
        }
        Action::Verify => {
            if step != Step::Verify {
                return Err(wrong_step());
            }
            verify(state, actx, user, draft, version).await
        }
        Action::Complete => {
            if step != Step::Verify {
                return Err(wrong_step());
            }
            complete(state, actx, user, draft, version).await
        }
        Action::Back => {
            if step != Step::Verify {
                return Err(wrong_step());
            }
            let now = state.now();
            let tx = state.db.begin().await?;
            let mut tx = claim(state, tx, draft, version, user, now).await?;
            repo::save(
                &mut tx,
                draft.id,
                &DraftChange {
                    tenant_id: draft.tenant_id,
                    current_step: Step::Connect,
                    completed_at: None,
                    state: &draft.state.0,
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        }
    }
}

async fn connect(
    state: &AppState,
    actx: &AuditContext,
    user: &User,
    draft: &Draft,
    version: i64,
    form: &ConnectionForm,
) -> Result<(), ServiceError> {
    validate_connect(form)?;
    let now = state.now();
    let tx = state.db.begin().await?;
    let mut tx = claim(state, tx, draft, version, user, now).await?;
    let mut next = draft.state.0.clone();
    let tenant_id = match draft.tenant_id {
        Some(id) => id,
        None => {
            let tenant = match tenants::service::insert(
                &mut tx,
                draft.workspace_id,
                &next.external_id,
                &next.tenant_name,
                now,
            )
            .await
            {
                Ok(t) => t,
                Err(e) => {
                    tx.rollback().await?;
                    return Err(ServiceError::unique_as(
                        "external_id",
                        "onboarding-validation-external-id-taken",
                    )(e));
                }
            };
            audit::record(
                &mut tx,
                actx,
                now,
                AuditEntry {
                    action: "tenant.created",
                    workspace_id: Some(draft.workspace_id),
                    tenant_id: Some(tenant.id),
                    target_type: "tenant",
                    target_id: tenant.external_id.clone(),
                    metadata: json!({"name": tenant.name, "onboarding_draft_id": draft.id}),
                },
            )
            .await?;
            repo::entitle_creator(&mut tx, draft.workspace_id, user.id, tenant.id).await?;
            tenant.id
        }
    };
    providers::save_connection(&mut tx, actx, now, draft.workspace_id, tenant_id, form).await?;
    let kind = form.kind.trim().to_string();
    next.connection = Some(ConnectState {
        scenario: if kind == ProviderKind::Simulated.as_str() {
            form.scenario.trim().to_string()
        } else {
            String::new()
        },
        kind,
        directory_id: form.directory_id.trim().to_string(),
        display_name: form.display_name.trim().to_string(),
        saved_at: Some(now),
    });
    next.verification_run_id = None;
    repo::save(
        &mut tx,
        draft.id,
        &DraftChange {
            tenant_id: Some(tenant_id),
            current_step: Step::Verify,
            completed_at: None,
            state: &next,
        },
    )
    .await?;
    if draft.step() == Step::Connect {
        record_checkpoint(
            &mut tx,
            actx,
            now,
            Checkpoint {
                draft_id: draft.id,
                workspace_id: draft.workspace_id,
                tenant_id: Some(tenant_id),
                from: Step::Connect,
                to: Step::Verify,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn verify(
    state: &AppState,
    actx: &AuditContext,
    user: &User,
    draft: &Draft,
    version: i64,
) -> Result<(), ServiceError> {
    let connect_first = || ServiceError::invalid("action", "onboarding-validation-connect-first");
    let tenant_id = draft.tenant_id.ok_or_else(connect_first)?;
    if crate::features::providers::service::find_for_tenant(&state.db, tenant_id)
        .await?
        .is_none()
    {
        return Err(connect_first());
    }
    if let Some(run_id) = draft.state.0.verification_run_id
        && operations::service::find(&state.db, run_id)
            .await?
            .is_some_and(|r| r.is_active())
    {
        // Already running: asking again changes nothing.
        return Ok(());
    }
    let now = state.now();
    let tx = state.db.begin().await?;
    let mut tx = claim(state, tx, draft, version, user, now).await?;
    let run_id = operations::service::queue_in(
        &mut tx,
        actx,
        state,
        draft.workspace_id,
        tenant_id,
        RunType::ProviderConnectionVerify,
        &Initiator::User {
            id: user.id,
            email: user.email.clone(),
        },
        json!({"onboarding_draft_id": draft.id}),
    )
    .await?;
    let mut next = draft.state.0.clone();
    next.verification_run_id = Some(run_id);
    repo::save(
        &mut tx,
        draft.id,
        &DraftChange {
            tenant_id: Some(tenant_id),
            current_step: Step::Verify,
            completed_at: None,
            state: &next,
        },
    )
    .await?;
    tx.commit().await?;
    operations::service::wake(state);
    Ok(())
}

async fn complete(
    state: &AppState,
    actx: &AuditContext,
    user: &User,
    draft: &Draft,
    version: i64,
) -> Result<(), ServiceError> {
    let now = state.now();
    let not_ready = || ServiceError::invalid("action", "onboarding-validation-not-ready");
    let tenant_id = draft.tenant_id.ok_or_else(not_ready)?;
    let verification =
        providers::state_for_tenant(&state.db, &state.config, tenant_id, now).await?;
    let run = match draft.state.0.verification_run_id {
        Some(id) => operations::service::find(&state.db, id).await?,
        None => None,
    };
    let readiness = assess(&draft.state.0, &verification, run.as_ref());
    if readiness.next != NextAction::CompleteOnboarding {
        return Err(not_ready());
    }
    let tx = state.db.begin().await?;
    let mut tx = claim(state, tx, draft, version, user, now).await?;
    repo::save(
        &mut tx,
        draft.id,
        &DraftChange {
            tenant_id: Some(tenant_id),
            current_step: Step::Complete,
            completed_at: Some(now),
            state: &draft.state.0,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        actx,
        now,
        AuditEntry {
            action: "onboarding.completed",
            workspace_id: Some(draft.workspace_id),
            tenant_id: Some(tenant_id),
            target_type: "onboarding_draft",
            target_id: draft.id.to_string(),
            metadata: json!({
                "external_id": draft.display_external_id(),
                "verification_run_id": draft.state.0.verification_run_id,
            }),
        },
    )
    .await?;
    record_checkpoint(
        &mut tx,
        actx,
        now,
        Checkpoint {
            draft_id: draft.id,
            workspace_id: draft.workspace_id,
            tenant_id: Some(tenant_id),
            from: Step::Verify,
            to: Step::Complete,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
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

/// Whether `report` describes the connection the draft saved: it must come from the draft's own
/// verification run or a later one.
pub fn report_is_current(draft: &DraftState, report: &VerificationReport) -> bool {
    draft
        .verification_run_id
        .is_some_and(|run| report.run_id >= run)
}

/// Decides the verify step: status, primary next action and safe next step, from the draft,
/// the tenant's verification state and the draft's verification run.
///
/// Precedence: no connection → connect; run active → wait; no current report → run
/// verification; then the report's blocker: admin consent (reason or observed consent) →
/// grant consent; permissions → review permissions; unhealthy → review connection; stale →
/// run again; any other reason → run again; otherwise complete.
pub fn assess(
    draft: &DraftState,
    verification: &VerificationState,
    run: Option<&RunRow>,
) -> Readiness {
    let run_active = run.is_some_and(RunRow::is_active);
    let current = verification
        .report
        .as_ref()
        .filter(|r| report_is_current(draft, r));
    let outdated = verification.report.is_some() && current.is_none();
    let stale = current.is_some() && verification.stale;
    let run_failed = run.is_some_and(|r| !r.is_active() && r.outcome() == Some(RunOutcome::Failed));
    let status = if run_active {
        VerificationStatus::Running
    } else if let Some(report) = current {
        match report.overall() {
            Overall::Ready => VerificationStatus::Ready,
            Overall::Blocked => VerificationStatus::Blocked,
            Overall::Failed => VerificationStatus::Failed,
        }
    } else if run_failed {
        VerificationStatus::Failed
    } else {
        VerificationStatus::NotRun
    };
    let decide = |next, reason, safe_next_key| Readiness {
        status,
        report_current: current.is_some(),
        report_outdated: outdated,
        stale,
        reason,
        next,
        safe_next_key,
    };
    let Some(connection) = verification.connection.as_ref() else {
        return decide(
            NextAction::ConnectProvider,
            Some(ReasonCode::ProviderConnectionMissing),
            "onboarding-safe-connect",
        );
    };
    if run_active {
        return decide(
            NextAction::WaitForVerification,
            None,
            "onboarding-safe-running",
        );
    }
    let Some(report) = current else {
        if run_failed {
            let reason = run.and_then(RunRow::reason);
            return decide(
                NextAction::RunVerification,
                reason,
                "onboarding-safe-failed",
            );
        }
        return decide(
            NextAction::RunVerification,
            None,
            if outdated {
                "onboarding-safe-outdated"
            } else {
                "onboarding-safe-not-run"
            },
        );
    };
    let reason = report.reason();
    if reason == Some(ReasonCode::AdminConsentRequired)
        || report.consent() == ConsentState::Missing
        || connection.consent() == ConsentState::Missing
    {
        return decide(
            NextAction::GrantAdminConsent,
            Some(ReasonCode::AdminConsentRequired),
            "onboarding-safe-grant-consent",
        );
    }
    match reason {
        Some(ReasonCode::RequiredPermissionsMissing) => decide(
            NextAction::ReviewPermissions,
            reason,
            "onboarding-safe-review-permissions",
        ),
        Some(ReasonCode::ConnectionUnhealthy) => decide(
            NextAction::ReviewConnection,
            reason,
            "onboarding-safe-review-connection",
        ),
        _ if stale => decide(
            NextAction::RunVerification,
            Some(ReasonCode::VerificationStale),
            "onboarding-safe-stale",
        ),
        Some(ReasonCode::RetryableProviderFailure) => decide(
            NextAction::RunVerification,
            reason,
            "onboarding-safe-retryable",
        ),
        Some(_) => decide(
            NextAction::RunVerification,
            reason,
            "onboarding-safe-failed",
        ),
        None if report.overall() == Overall::Ready => decide(
            NextAction::CompleteOnboarding,
            None,
            "onboarding-safe-complete",
        ),
        None => decide(NextAction::RunVerification, None, "onboarding-safe-failed"),
    }
}

/// Reads with no rules of their own, offered to other features and to the web layer as they are
/// (only a feature's own service touches its repo).
pub use super::repo::{find_scoped, list_visible};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::providers::model::{
        AccessCheck, Connection, ProviderFault, REQUIRED_PERMISSIONS,
    };
    use serde_json::json;
    use sqlx::types::Json;

    fn connection() -> Connection {
        Connection {
            id: 1,
            tenant_id: 1,
            kind: crate::features::providers::model::ProviderKind::Simulated,
            directory_id: "contoso.onmicrosoft.com".into(),
            display_name: "x".into(),
            simulated_scenario: Some(crate::features::providers::model::SimulatedScenario::Healthy),
            consent_state: crate::features::providers::model::ConsentState::Unknown,
            health: crate::features::providers::model::Health::Unknown,
            granted_permissions: Json(json!([])),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn report(result: Result<AccessCheck, ProviderFault>, run_id: i64) -> VerificationReport {
        providers::judge(&connection(), run_id, result, Utc::now()).0
    }

    fn all_granted() -> AccessCheck {
        AccessCheck {
            granted_permissions: REQUIRED_PERMISSIONS.iter().map(|s| s.to_string()).collect(),
            graph_healthy: true,
            detail: None,
        }
    }

    fn state(report: Option<VerificationReport>, stale: bool) -> VerificationState {
        VerificationState {
            connection: Some(connection()),
            report,
            stale,
        }
    }

    fn draft(run: Option<i64>) -> DraftState {
        DraftState {
            verification_run_id: run,
            ..DraftState::default()
        }
    }

    #[test]
    fn the_dominant_blocker_decides_the_primary_action() {
        let consent = report(Err(ProviderFault::AdminConsentRequired("x".into())), 5);
        let r = assess(&draft(Some(5)), &state(Some(consent), false), None);
        assert_eq!(r.status, VerificationStatus::Blocked);
        assert_eq!(r.next, NextAction::GrantAdminConsent);
        assert_eq!(r.safe_next_key, "onboarding-safe-grant-consent");

        let ready = report(Ok(all_granted()), 5);
        let r = assess(&draft(Some(5)), &state(Some(ready.clone()), false), None);
        assert_eq!(r.status, VerificationStatus::Ready);
        assert_eq!(r.next, NextAction::CompleteOnboarding);

        let r = assess(&draft(Some(5)), &state(Some(ready.clone()), true), None);
        assert_eq!(r.next, NextAction::RunVerification);
        assert!(r.stale);

        // A report from before the connection was saved again does not count.
        let r = assess(&draft(None), &state(Some(ready.clone()), false), None);
        assert_eq!(r.status, VerificationStatus::NotRun);
        assert!(r.report_outdated);
        assert_eq!(r.next, NextAction::RunVerification);
        let r = assess(&draft(Some(6)), &state(Some(ready), false), None);
        assert!(!r.report_current);

        let partial = AccessCheck {
            granted_permissions: vec!["Directory.Read.All".into()],
            ..all_granted()
        };
        let r = assess(
            &draft(Some(5)),
            &state(Some(report(Ok(partial), 5)), false),
            None,
        );
        assert_eq!(r.status, VerificationStatus::Blocked);
        assert_eq!(r.next, NextAction::ReviewPermissions);

        let sick = AccessCheck {
            graph_healthy: false,
            ..all_granted()
        };
        let r = assess(
            &draft(Some(5)),
            &state(Some(report(Ok(sick), 5)), false),
            None,
        );
        assert_eq!(r.next, NextAction::ReviewConnection);

        let throttled = report(Err(ProviderFault::Throttled { retry_after: None }), 5);
        let r = assess(&draft(Some(5)), &state(Some(throttled), false), None);
        assert_eq!(r.next, NextAction::RunVerification);
        assert_eq!(r.safe_next_key, "onboarding-safe-retryable");

        let r = assess(&draft(None), &state(None, false), None);
        assert_eq!(r.status, VerificationStatus::NotRun);
        assert_eq!(r.next, NextAction::RunVerification);

        let none = VerificationState {
            connection: None,
            report: None,
            stale: false,
        };
        assert_eq!(
            assess(&draft(None), &none, None).next,
            NextAction::ConnectProvider
        );
    }
}

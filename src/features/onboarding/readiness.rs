//! The verify step's decision: [`assess`] turns a draft's verification state into one status,
//! one primary next action and one safe next step, in a fixed order of precedence; pure rules,
//! no I/O.

use super::model::DraftState;
use super::model::{NextAction, Readiness, VerificationStatus};
use crate::features::operations::model::{ReasonCode, RunOutcome, RunRow};
use crate::features::providers::model::{
    ConsentState, Overall, VerificationReport, VerificationState,
};

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

#[cfg(test)]
#[path = "readiness_tests.rs"]
mod tests;

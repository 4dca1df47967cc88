//! Unit tests of `readiness.rs`.

use super::*;
use crate::features::providers::model::{
    AccessCheck, Connection, ProviderFault, REQUIRED_PERMISSIONS,
};
use crate::features::providers::service as providers;
use chrono::Utc;

fn connection() -> Connection {
    crate::features::providers::model::sample_connection()
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

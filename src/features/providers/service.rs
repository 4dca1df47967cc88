//! Rules for provider connections and verification: saving a connection, turning an access
//! check into a verification report, freshness, and the dominant issue other features key on.

use super::model::{
    AccessCheck, Connection, ConsentState, Health, Overall, ProviderFault, ProviderKind,
    REQUIRED_PERMISSIONS, SimulatedScenario, VerificationReport, VerificationState,
};
use super::repo::{self, ConnectionInput};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::config::Config;
use crate::db::{Db, Tx};
use crate::error::ServiceError;
use crate::features::operations::model::{Completion, ReasonCode, RunOutcome, SummaryCounts};
use crate::validate;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::types::Json;

/// Loads the connection and newest report of a tenant and judges freshness.
pub async fn state_for_tenant(
    db: &Db,
    config: &Config,
    tenant_id: i64,
    now: DateTime<Utc>,
) -> Result<VerificationState, sqlx::Error> {
    let (connection, report) = match repo::connection_with_latest_report(db, tenant_id).await? {
        Some((connection, report)) => (Some(connection), report),
        None => (None, None),
    };
    let stale = report
        .as_ref()
        .is_some_and(|r| r.is_stale(now, config.providers.verification_freshness_hours));
    Ok(VerificationState {
        connection,
        report,
        stale,
    })
}

/// Input for saving a connection, as forms and the CLI submit it.
#[derive(Debug, Clone, Default)]
pub struct ConnectionForm {
    /// `simulated` or `microsoft`.
    pub kind: String,
    /// Entra directory id (GUID) or verified domain.
    pub directory_id: String,
    /// Label; defaults to the kind's name.
    pub display_name: String,
    /// Scenario id for the simulated kind.
    pub scenario: String,
}

/// Validates a connection form into repository input.
pub fn validate_connection(form: &ConnectionForm) -> Result<(), ServiceError> {
    let mut errors = Vec::new();
    let kind = ProviderKind::parse(form.kind.trim());
    if kind.is_none() {
        errors.push(crate::error::Invalid {
            field: "kind",
            key: "validation-provider-kind",
        });
    }
    if !validate::is_directory_id(form.directory_id.trim()) {
        errors.push(crate::error::Invalid {
            field: "directory_id",
            key: "validation-directory-id",
        });
    }
    if !form.display_name.trim().is_empty() {
        validate::text("display_name", &form.display_name, 120, &mut errors);
    }
    if kind == Some(ProviderKind::Simulated)
        && SimulatedScenario::parse(form.scenario.trim()).is_none()
    {
        errors.push(crate::error::Invalid {
            field: "scenario",
            key: "validation-scenario",
        });
    }
    validate::finish(errors)
}

/// Creates or replaces the tenant's connection inside `tx`, auditing `provider_connection.saved`.
pub async fn save_connection(
    tx: &mut Tx,
    actx: &AuditContext,
    now: DateTime<Utc>,
    workspace_id: i64,
    tenant_id: i64,
    form: &ConnectionForm,
) -> Result<Connection, ServiceError> {
    validate_connection(form)?;
    let kind = form.kind.trim();
    let scenario = (kind == "simulated").then(|| form.scenario.trim());
    let display_name = match form.display_name.trim() {
        "" if kind == "simulated" => "Simulated provider",
        "" => "Microsoft Graph",
        other => other,
    };
    let connection = repo::upsert(
        tx,
        tenant_id,
        &ConnectionInput {
            kind,
            directory_id: form.directory_id.trim(),
            display_name,
            simulated_scenario: scenario,
        },
        now,
    )
    .await?;
    let entry = AuditEntry::new(
        "provider_connection.saved",
        "provider_connection",
        connection.id.to_string(),
    )
    .scoped(Some(workspace_id), Some(tenant_id))
    .with(json!({"kind": kind, "scenario": scenario}));
    audit::record(tx, actx, now, entry).await?;
    Ok(connection)
}

/// Turns the result of an access check into a report (not yet stored) and the run completion.
pub fn judge(
    connection: &Connection,
    run_id: i64,
    result: Result<AccessCheck, ProviderFault>,
    now: DateTime<Utc>,
) -> (VerificationReport, Completion) {
    let (consent, health, granted, reason, message) = match &result {
        Ok(check) => {
            let missing = REQUIRED_PERMISSIONS
                .iter()
                .filter(|p| !check.granted_permissions.iter().any(|g| g == *p))
                .count();
            let reason = if !check.graph_healthy {
                Some(ReasonCode::ConnectionUnhealthy)
            } else if missing > 0 {
                Some(ReasonCode::RequiredPermissionsMissing)
            } else {
                None
            };
            let health = if check.graph_healthy {
                Health::Healthy
            } else {
                Health::Unhealthy
            };
            (
                ConsentState::Granted,
                health,
                Some(check.granted_permissions.clone()),
                reason,
                check.detail.clone(),
            )
        }
        Err(fault) => {
            let consent = match fault {
                ProviderFault::AdminConsentRequired(_) => ConsentState::Missing,
                _ => ConsentState::Unknown,
            };
            let health = match fault {
                ProviderFault::Unhealthy(_) | ProviderFault::NotConfigured(_) => Health::Unhealthy,
                _ => Health::Unknown,
            };
            (
                consent,
                health,
                None,
                Some(fault.reason()),
                Some(fault.detail()),
            )
        }
    };
    let permissions: Vec<Value> = REQUIRED_PERMISSIONS
        .iter()
        .map(|key| {
            let granted = granted.as_ref().map(|g| g.iter().any(|x| x == key));
            json!({"key": key, "granted": granted})
        })
        .collect();
    let missing = permissions
        .iter()
        .filter(|p| p["granted"] == Value::Bool(false))
        .count() as i64;
    let granted_count = permissions
        .iter()
        .filter(|p| p["granted"] == Value::Bool(true))
        .count() as i64;
    let overall = match reason {
        None => Overall::Ready,
        Some(ReasonCode::AdminConsentRequired | ReasonCode::RequiredPermissionsMissing) => {
            Overall::Blocked
        }
        Some(_) => Overall::Failed,
    };
    let outcome = match reason {
        None => RunOutcome::Succeeded,
        Some(ReasonCode::RequiredPermissionsMissing) => RunOutcome::PartiallySucceeded,
        Some(_) => RunOutcome::Failed,
    };
    let report = VerificationReport {
        id: 0,
        tenant_id: connection.tenant_id,
        connection_id: connection.id,
        run_id,
        overall,
        consent_state: consent,
        health,
        reason_code: reason,
        permissions: Json(Value::Array(permissions)),
        checked_at: now,
    };
    let completion = Completion {
        outcome,
        reason,
        message,
        counts: SummaryCounts::of(&[
            ("permissions_required", REQUIRED_PERMISSIONS.len() as i64),
            ("permissions_granted", granted_count),
            ("permissions_missing", missing),
        ]),
    };
    (report, completion)
}

/// Stores a report and what it observed on the connection, inside the run's completing `tx`.
pub async fn store_report(
    tx: &mut Tx,
    report: &VerificationReport,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let granted: Vec<String> = report
        .permissions()
        .into_iter()
        .filter(|p| p.granted == Some(true))
        .map(|p| p.key)
        .collect();
    repo::record_observation(
        tx,
        report.connection_id,
        report.consent(),
        report.health(),
        &granted,
        now,
    )
    .await?;
    let id = repo::insert_report(tx, report).await?;
    crate::features::tenants::service::refresh_report_verdict(tx, report.tenant_id).await?;
    Ok(id)
}

/// Reads with no rules of their own, offered to other features and to the web layer as they are
/// (only a feature's own service touches its repo), and the admin-consent flow's write of an
/// answer (its rules live in `consent::service`).
pub use super::repo::{
    connection_with_latest_report, find_for_tenant, latest_report, record_consent, report_for_run,
};
/// The simulated kind's consent prompt, which the consent flow serves for it.
pub use super::simulated::{AuthorityRequest, SIMULATED_CLIENT_ID};

/// [`state_for_tenant`] now, with the configured freshness window: what pages decide from.
pub async fn current_state(
    state: &crate::state::AppState,
    tenant_id: i64,
) -> Result<VerificationState, sqlx::Error> {
    state_for_tenant(&state.db, &state.config, tenant_id, state.now()).await
}

/// Refuses a start that cannot succeed (a sync or report on a tenant without admin consent,
/// anything without a connection) with a `409` that says why in words, instead of queueing a
/// run that must fail. Verification itself is refused only without a connection.
pub async fn refuse_start_that_cannot_succeed(
    state: &crate::state::AppState,
    tenant_id: i64,
    run_type: crate::features::operations::model::RunType,
) -> Result<(), crate::error::ServiceError> {
    match current_state(state, tenant_id)
        .await?
        .start_blocker_key(run_type)
    {
        Some(key) => Err(crate::error::ServiceError::Conflict(key)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate;

    fn connection() -> Connection {
        Connection {
            id: 7,
            tenant_id: 3,
            ..crate::features::providers::model::sample_connection()
        }
    }

    #[test]
    fn verdicts_follow_the_reason_vocabulary() {
        let now = Utc::now();
        let c = connection();
        let all = AccessCheck {
            granted_permissions: REQUIRED_PERMISSIONS.iter().map(|s| s.to_string()).collect(),
            graph_healthy: true,
            detail: None,
        };
        let (r, done) = judge(&c, 1, Ok(all.clone()), now);
        assert_eq!(r.overall(), Overall::Ready);
        assert_eq!(done.outcome, RunOutcome::Succeeded);
        assert!(r.missing().is_empty());

        let partial = AccessCheck {
            granted_permissions: vec!["Directory.Read.All".into()],
            ..all.clone()
        };
        let (r, done) = judge(&c, 1, Ok(partial), now);
        assert_eq!(r.overall(), Overall::Blocked);
        assert_eq!(r.reason(), Some(ReasonCode::RequiredPermissionsMissing));
        assert_eq!(done.outcome, RunOutcome::PartiallySucceeded);
        assert_eq!(r.missing().len(), REQUIRED_PERMISSIONS.len() - 1);

        let (r, done) = judge(
            &c,
            1,
            Err(ProviderFault::AdminConsentRequired("AADSTS65001".into())),
            now,
        );
        assert_eq!(r.consent(), ConsentState::Missing);
        assert_eq!(r.reason(), Some(ReasonCode::AdminConsentRequired));
        assert_eq!(done.outcome, RunOutcome::Failed);
        assert!(r.permissions().iter().all(|p| p.granted.is_none()));

        let (r, _) = judge(&c, 1, Err(ProviderFault::Timeout), now);
        assert_eq!(r.reason(), Some(ReasonCode::RetryableProviderFailure));
        assert_eq!(r.overall(), Overall::Failed);
    }

    #[test]
    fn staleness_and_dominant_reason() {
        let now = Utc::now();
        let c = connection();
        let ok = AccessCheck {
            granted_permissions: REQUIRED_PERMISSIONS.iter().map(|s| s.to_string()).collect(),
            graph_healthy: true,
            detail: None,
        };
        let (mut report, _) = judge(&c, 1, Ok(ok), now);
        report.checked_at = now - chrono::Duration::hours(25);
        assert!(report.is_stale(now, 24));
        assert!(!report.is_stale(now, 48));
        let state = VerificationState {
            connection: Some(c.clone()),
            report: Some(report),
            stale: true,
        };
        assert_eq!(state.dominant_reason(), Some(ReasonCode::VerificationStale));
        assert!(!state.is_ready());
        let none = VerificationState {
            connection: None,
            report: None,
            stale: false,
        };
        assert_eq!(
            none.dominant_reason(),
            Some(ReasonCode::ProviderConnectionMissing)
        );
    }

    #[test]
    fn directory_ids() {
        assert!(validate::is_directory_id(
            "72f988bf-86f1-41af-91ab-2d7cd011db47"
        ));
        assert!(validate::is_directory_id("contoso.onmicrosoft.com"));
        assert!(!validate::is_directory_id("contoso"));
        assert!(!validate::is_directory_id(
            "72f988bf-86f1-41af-91ab-2d7cd011db4"
        ));
        assert!(!validate::is_directory_id("a..b"));
    }
}

//! Rules for starting runs. Handlers check the type's capability; the service queues the run and
//! its audit row in one transaction and wakes this instance's executors.

use super::model::{RunRow, RunType};
use super::repo::{self, NewRun};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::db::Tx;
use crate::error::ServiceError;
use crate::state::AppState;
use serde_json::{Value, json};

/// Who asked for a run.
#[derive(Debug, Clone)]
pub enum Initiator {
    /// A user (their id and e-mail).
    User {
        /// User id.
        id: i64,
        /// E-mail shown as initiator.
        email: String,
    },
    /// The service itself (schedules, recovery, demo history).
    System,
}

impl Initiator {
    fn parts(&self) -> (Option<i64>, &str) {
        match self {
            Initiator::User { id, email } => (Some(*id), email),
            Initiator::System => (None, "system"),
        }
    }
}

/// Parses a submitted type id; unknown ids are a validation error on field `type`.
pub fn parse_type(value: &str) -> Result<RunType, ServiceError> {
    RunType::parse(value.trim()).ok_or(ServiceError::invalid("type", "validation-run-type"))
}

/// Queues a run inside `tx` (so callers such as onboarding can tie it to their own change) and
/// audits `operation.started`. Call [`wake`] after committing.
#[allow(clippy::too_many_arguments)] // one argument per column the caller decides
pub async fn queue_in(
    tx: &mut Tx,
    actx: &AuditContext,
    state: &AppState,
    workspace_id: i64,
    tenant_id: i64,
    run_type: RunType,
    initiator: &Initiator,
    context: Value,
) -> Result<i64, ServiceError> {
    let now = state.now();
    let (user_id, label) = initiator.parts();
    let id = repo::insert(
        tx,
        &NewRun {
            workspace_id,
            tenant_id,
            run_type: run_type.as_str(),
            initiator_user_id: user_id,
            initiator_label: label,
            context,
        },
        now,
    )
    .await?;
    audit::record(
        tx,
        actx,
        now,
        AuditEntry {
            action: "operation.started",
            workspace_id: Some(workspace_id),
            tenant_id: Some(tenant_id),
            target_type: "operation_run",
            target_id: id.to_string(),
            metadata: json!({ "type": run_type.as_str() }),
        },
    )
    .await?;
    Ok(id)
}

/// Wakes this instance's executors after a run was committed.
pub fn wake(state: &AppState) {
    state.runs_queued.notify_one();
}

/// Queues one run and returns it as stored.
pub async fn start(
    state: &AppState,
    actx: &AuditContext,
    workspace_id: i64,
    tenant_id: i64,
    run_type: RunType,
    initiator: &Initiator,
) -> Result<RunRow, ServiceError> {
    let mut tx = state.db.begin().await?;
    let id = queue_in(
        &mut tx,
        actx,
        state,
        workspace_id,
        tenant_id,
        run_type,
        initiator,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    wake(state);
    repo::find(&state.db, id)
        .await?
        .ok_or(ServiceError::NotFound("operation_run"))
}

/// Starts a run of the submitted type as the scope's user: unknown type → 422, a role without
/// the type's capability → 403, else the queued run.
pub async fn start_in_scope(
    state: &AppState,
    actx: &AuditContext,
    scope: &crate::access::TenantScope,
    requested_type: &str,
) -> crate::error::AppResult<RunRow> {
    let run_type = parse_type(requested_type)?;
    scope.require(run_type.required_capability())?;
    Ok(start(
        state,
        actx,
        scope.tenant.workspace_id,
        scope.tenant.id,
        run_type,
        &Initiator::User {
            id: scope.identity.user.id,
            email: scope.identity.user.email.clone(),
        },
    )
    .await?)
}

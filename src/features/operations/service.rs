//! Rules for starting runs. Handlers check the type's capability; the service queues the run, its
//! audit row and its product usage event (user-started runs only) in one transaction and wakes
//! this instance's executors.

use super::model::{RunRow, RunType};
use super::repo::{self, NewRun};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::db::Tx;
use crate::error::ServiceError;
use crate::features::telemetry::service::{TenantRef, seams as telemetry};
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
    queue_from(
        tx,
        actx,
        state,
        workspace_id,
        tenant_id,
        run_type,
        initiator,
        context,
        None,
    )
    .await
}

/// Refuses a user's start while a platform operator has paused it (operational controls
/// `operation_starts`, and `review_pack_generation` for review packs), globally or for this
/// workspace. System runs (recovery, demo) are never refused here.
async fn refuse_if_paused(
    state: &AppState,
    workspace_id: i64,
    run_type: RunType,
) -> Result<(), ServiceError> {
    use crate::features::system::{ControlKey, paused};
    let mut controls = vec![ControlKey::OperationStarts];
    if run_type == RunType::ReviewPackGenerate {
        controls.push(ControlKey::ReviewPackGeneration);
    }
    for control in controls {
        if paused(&state.db, control, Some(workspace_id), state.now())
            .await?
            .is_some()
            && let Some(key) = control.refusal_key()
        {
            return Err(ServiceError::Conflict(key));
        }
    }
    Ok(())
}

/// [`queue_in`], knowing where a user's start came from (`admin` or `api`) for the review
/// pack telemetry. Also records product usage telemetry in `tx`: `operations.started` for
/// user-started runs (system runs record nothing) and `review_pack.requested` for review packs.
#[allow(clippy::too_many_arguments)] // one argument per column the caller decides
async fn queue_from(
    tx: &mut Tx,
    actx: &AuditContext,
    state: &AppState,
    workspace_id: i64,
    tenant_id: i64,
    run_type: RunType,
    initiator: &Initiator,
    context: Value,
    surface: Option<&'static str>,
) -> Result<i64, ServiceError> {
    let now = state.now();
    let (user_id, label) = initiator.parts();
    if user_id.is_some() {
        refuse_if_paused(state, workspace_id, run_type).await?;
        crate::features::providers::service::refuse_start_that_cannot_succeed(
            state, tenant_id, run_type,
        )
        .await?;
    }
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
    let tenant = TenantRef {
        workspace_id,
        tenant_id,
    };
    telemetry::operation_started(tx, tenant, user_id, id, run_type.as_str(), now).await?;
    if run_type == RunType::ReviewPackGenerate {
        telemetry::review_pack_requested(tx, tenant, user_id, id, surface, now).await?;
    }
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
    start_from(
        state,
        actx,
        workspace_id,
        tenant_id,
        run_type,
        initiator,
        None,
    )
    .await
}

/// [`start`], knowing where a user's start came from (for review pack telemetry).
async fn start_from(
    state: &AppState,
    actx: &AuditContext,
    workspace_id: i64,
    tenant_id: i64,
    run_type: RunType,
    initiator: &Initiator,
    surface: Option<&'static str>,
) -> Result<RunRow, ServiceError> {
    let mut tx = state.db.begin().await?;
    let id = queue_from(
        &mut tx,
        actx,
        state,
        workspace_id,
        tenant_id,
        run_type,
        initiator,
        json!({}),
        surface,
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
    // Browser sessions start runs from the admin UI, tokens through the API.
    let surface = match scope.identity.via {
        crate::auth::Via::Session { .. } => "admin",
        crate::auth::Via::Token { .. } => "api",
    };
    Ok(start_from(
        state,
        actx,
        scope.tenant.workspace_id,
        scope.tenant.id,
        run_type,
        &Initiator::User {
            id: scope.identity.user.id,
            email: scope.identity.user.email.clone(),
        },
        Some(surface),
    )
    .await?)
}

/// One page of the run list: the tenants the user may filter by, the page's runs, and whether
/// another page follows.
pub struct RunListPage {
    pub visible_tenants: Vec<crate::features::tenants::model::ScopedTenant>,
    pub rows: Vec<super::model::RunWithTenant>,
    pub has_next: bool,
}

/// Runs the user may see, filtered by tenant external id, run type and outcome (empty: any),
/// `page_size` per 1-based `page`. A tenant the user cannot see filters to nothing, saying
/// nothing about whether it exists.
pub async fn list_page(
    db: &crate::db::Db,
    user_id: i64,
    tenant: &str,
    run_type: &str,
    outcome: &str,
    page: i64,
    page_size: i64,
) -> Result<RunListPage, sqlx::Error> {
    let visible_tenants = crate::features::tenants::service::list_all_visible(db, user_id).await?;
    let tenant_id = match tenant {
        "" => None,
        ext => Some(
            visible_tenants
                .iter()
                .find(|t| t.external_id == ext)
                .map_or(-1, |t| t.id),
        ),
    };
    let mut rows = repo::list_visible(
        db,
        user_id,
        &repo::RunFilter {
            tenant_id,
            run_type: (!run_type.is_empty()).then(|| run_type.to_owned()),
            outcome: (!outcome.is_empty()).then(|| outcome.to_owned()),
            offset: (page - 1) * page_size,
            limit: page_size,
        },
    )
    .await?;
    let has_next = rows.len() as i64 > page_size;
    rows.truncate(usize::try_from(page_size).unwrap_or(0));
    Ok(RunListPage {
        visible_tenants,
        rows,
        has_next,
    })
}

/// Reads with no rules of their own, offered to other features and to the web layer as they are
/// (only a feature's own service touches its repo).
pub use super::repo::{
    RunFilter, find, find_scoped, latest_of_type, list_visible, recent_for_tenant,
};

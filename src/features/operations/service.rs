//! Rules for starting runs. Handlers check the type's capability; the service queues the run, its
//! audit row and its product usage event (user-started runs only) in one transaction and wakes
//! this instance's executors.

use super::model::{ReasonCode, RunRow, RunStatus, RunType};
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

/// One start as the service queues it: what the caller decided, in one place.
struct Start<'a> {
    workspace_id: i64,
    tenant_id: i64,
    run_type: RunType,
    initiator: &'a Initiator,
    context: Value,
    /// Where a user's start came from (`admin` or `api`), for the review pack telemetry.
    surface: Option<&'static str>,
    /// The run this one retries; its audit row names it as `retry_of`.
    retry_of: Option<i64>,
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
    let start = Start {
        workspace_id,
        tenant_id,
        run_type,
        initiator,
        context,
        surface: None,
        retry_of: None,
    };
    queue_from(tx, actx, state, start).await
}

/// The key of the refusal while a platform operator has paused starting `run_type` (operational
/// controls `operation_starts`, and `review_pack_generation` for review packs), globally or for
/// this workspace; `None` while starts are open.
async fn start_pause(
    state: &AppState,
    workspace_id: i64,
    run_type: RunType,
) -> Result<Option<&'static str>, sqlx::Error> {
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
            return Ok(Some(key));
        }
    }
    Ok(None)
}

/// Queues `start` in `tx`: refuses a user's start while it is paused (system runs, recovery
/// and demo, are never refused), audits `operation.started` (with `retry_of` for retries) and
/// records product usage telemetry: `operations.started` for user-started runs (system runs
/// record nothing) and `review_pack.requested` for review packs.
async fn queue_from(
    tx: &mut Tx,
    actx: &AuditContext,
    state: &AppState,
    start: Start<'_>,
) -> Result<i64, ServiceError> {
    let now = state.now();
    let (user_id, label) = start.initiator.parts();
    if user_id.is_some() {
        if let Some(key) = start_pause(state, start.workspace_id, start.run_type).await? {
            return Err(ServiceError::Conflict(key));
        }
        crate::features::providers::service::refuse_start_that_cannot_succeed(
            state,
            start.tenant_id,
            start.run_type,
        )
        .await?;
    }
    let tenant = TenantRef {
        workspace_id: start.workspace_id,
        tenant_id: start.tenant_id,
    };
    let id = repo::insert(
        tx,
        &NewRun {
            workspace_id: tenant.workspace_id,
            tenant_id: tenant.tenant_id,
            run_type: start.run_type.as_str(),
            initiator_user_id: user_id,
            initiator_label: label,
            context: start.context,
        },
        now,
    )
    .await?;
    let mut metadata = json!({ "type": start.run_type.as_str() });
    if let Some(original) = start.retry_of {
        metadata["retry_of"] = json!(original);
    }
    let entry = AuditEntry {
        action: "operation.started",
        workspace_id: Some(tenant.workspace_id),
        tenant_id: Some(tenant.tenant_id),
        target_type: "operation_run",
        target_id: id.to_string(),
        metadata,
    };
    audit::record(tx, actx, now, entry).await?;
    let kind = start.run_type.as_str();
    telemetry::operation_started(tx, tenant, user_id, id, kind, now).await?;
    if start.run_type == RunType::ReviewPackGenerate {
        telemetry::review_pack_requested(tx, tenant, user_id, id, start.surface, now).await?;
    }
    Ok(id)
}

/// Wakes this instance's executors after a run was committed.
pub fn wake(state: &AppState) {
    state.runs_queued.notify_one();
}

/// Queues one run as the system (no user, never refused by a pause) and returns it as stored.
pub async fn start(
    state: &AppState,
    actx: &AuditContext,
    workspace_id: i64,
    tenant_id: i64,
    run_type: RunType,
    initiator: &Initiator,
) -> Result<RunRow, ServiceError> {
    let start = Start {
        workspace_id,
        tenant_id,
        run_type,
        initiator,
        context: json!({}),
        surface: None,
        retry_of: None,
    };
    start_from(state, actx, start).await
}

/// Queues `start` in its own transaction, wakes the executors and returns the stored run.
async fn start_from(
    state: &AppState,
    actx: &AuditContext,
    start: Start<'_>,
) -> Result<RunRow, ServiceError> {
    let mut tx = state.db.begin().await?;
    let id = queue_from(&mut tx, actx, state, start).await?;
    tx.commit().await?;
    wake(state);
    repo::find(&state.db, id)
        .await?
        .ok_or(ServiceError::NotFound("operation_run"))
}

/// The caller as a run's initiator and where their start came from: browser sessions start
/// runs from the admin UI (`admin`), tokens through the API (`api`).
fn user_start(identity: &crate::auth::Identity) -> (Initiator, &'static str) {
    let surface = match identity.via {
        crate::auth::Via::Session { .. } => "admin",
        crate::auth::Via::Token { .. } => "api",
    };
    let initiator = Initiator::User {
        id: identity.user.id,
        email: identity.user.email.clone(),
    };
    (initiator, surface)
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
    let (initiator, surface) = user_start(&scope.identity);
    let start = Start {
        workspace_id: scope.tenant.workspace_id,
        tenant_id: scope.tenant.id,
        run_type,
        initiator: &initiator,
        context: json!({}),
        surface: Some(surface),
        retry_of: None,
    };
    Ok(start_from(state, actx, start).await?)
}

/// Why a retry is refused before anything is queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RetryRefusal {
    /// The run is still going or succeeded.
    NotRetryable,
    /// The run's type is not one this version knows.
    UnknownType,
    /// The type cannot succeed on the tenant now ([`VerificationState::start_blocker`]).
    ///
    /// [`VerificationState::start_blocker`]: crate::features::providers::model::VerificationState::start_blocker
    Blocked(ReasonCode),
}

impl RetryRefusal {
    /// Fluent id of the `409`'s message.
    fn key(self) -> &'static str {
        match self {
            RetryRefusal::NotRetryable => "run-retry-not-retryable",
            RetryRefusal::UnknownType => "run-retry-unknown-type",
            RetryRefusal::Blocked(ReasonCode::AdminConsentRequired) => "run-retry-blocked-consent",
            RetryRefusal::Blocked(_) => "run-retry-blocked-connection",
        }
    }
}

/// Why `run` cannot be retried now, if it cannot (pauses aside: the start path checks those).
async fn retry_refusal(
    state: &AppState,
    run: &RunRow,
) -> Result<Option<RetryRefusal>, sqlx::Error> {
    if !run.is_retryable() {
        return Ok(Some(RetryRefusal::NotRetryable));
    }
    let Some(run_type) = run.kind() else {
        return Ok(Some(RetryRefusal::UnknownType));
    };
    let verification = crate::features::providers::service::state_for_tenant(
        &state.db,
        &state.config,
        run.tenant_id,
        state.now(),
    )
    .await?;
    Ok(verification
        .start_blocker(run_type)
        .map(RetryRefusal::Blocked))
}

/// Retries the scope's run: a new run of the same type for the same tenant, started through the
/// same path as any start (platform pauses, audit `operation.started` with `retry_of`, usage
/// telemetry). A role without the type's capability → 403; a run that cannot be retried, or
/// that cannot succeed now → 409 saying why.
pub async fn retry_in_scope(
    state: &AppState,
    actx: &AuditContext,
    scope: &crate::access::RunScope,
) -> crate::error::AppResult<RunRow> {
    let run = &scope.run.run;
    if let Some(kind) = run.kind() {
        scope.require(kind.required_capability())?;
    }
    let refused = retry_refusal(state, run).await?;
    let (None, Some(run_type)) = (refused, run.kind()) else {
        let refusal = refused.unwrap_or(RetryRefusal::UnknownType);
        return Err(ServiceError::Conflict(refusal.key()).into());
    };
    let (initiator, surface) = user_start(&scope.identity);
    let start = Start {
        workspace_id: run.workspace_id,
        tenant_id: run.tenant_id,
        run_type,
        initiator: &initiator,
        context: json!({}),
        surface: Some(surface),
        retry_of: Some(run.id),
    };
    Ok(start_from(state, actx, start).await?)
}

/// What the run viewer's next step is for a run that did not fully succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// Admin consent is missing: grant it (on the tenant's consent page) before anything else.
    GrantConsent,
    /// Retry the run; `refusal` is the key of why a retry is refused now (paused starts, or a
    /// tenant on which it cannot succeed), shown beside the disabled button.
    Retry {
        /// Why retrying is not possible now, if it is not.
        refusal: Option<&'static str>,
    },
}

/// Why a queued run has not started yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// A platform operator paused run execution (operational control `run_execution`).
    ExecutionPaused,
    /// Nothing holds it up; the next free worker claims it.
    ForWorker,
}

impl Waiting {
    /// Fluent id of the sentence the viewer shows.
    pub fn label_key(self) -> &'static str {
        match self {
            Waiting::ExecutionPaused => "run-waiting-paused",
            Waiting::ForWorker => "run-waiting-worker",
        }
    }
}

/// What the run viewer shows about where a run stands beyond its row, read in one place for
/// the page and its live progress fragment.
pub struct RunDetail {
    /// Why a queued run waits.
    pub waiting: Option<Waiting>,
    /// The next step of a run that failed or partially succeeded.
    pub next: Option<NextStep>,
}

/// Reads the [`RunDetail`] of `run`.
pub async fn detail(state: &AppState, run: &RunRow) -> Result<RunDetail, sqlx::Error> {
    let waiting = match run.status() {
        RunStatus::Queued => {
            let control = crate::features::system::ControlKey::RunExecution;
            let paused = crate::features::system::paused(&state.db, control, None, state.now());
            Some(if paused.await?.is_some() {
                Waiting::ExecutionPaused
            } else {
                Waiting::ForWorker
            })
        }
        _ => None,
    };
    Ok(RunDetail {
        waiting,
        next: next_step(state, run).await?,
    })
}

/// The next step of `run`, `None` unless it completed without fully succeeding.
async fn next_step(state: &AppState, run: &RunRow) -> Result<Option<NextStep>, sqlx::Error> {
    if !run.is_retryable() {
        return Ok(None);
    }
    if run.reason() == Some(ReasonCode::AdminConsentRequired) {
        return Ok(Some(NextStep::GrantConsent));
    }
    let refusal = match (retry_refusal(state, run).await?, run.kind()) {
        (Some(RetryRefusal::Blocked(ReasonCode::AdminConsentRequired)), _) => {
            return Ok(Some(NextStep::GrantConsent));
        }
        (Some(refusal), _) => Some(refusal.key()),
        (None, Some(kind)) => start_pause(state, run.workspace_id, kind).await?,
        (None, None) => Some(RetryRefusal::UnknownType.key()),
    };
    Ok(Some(NextStep::Retry { refusal }))
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

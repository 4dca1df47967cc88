//! `/api/v1` operation endpoints: list a tenant's runs, start one, read one, retry one.

use super::model::{ReasonCode, RunOutcome, RunRow, RunStatus, RunType, RunWithTenant};
use super::service;
use crate::{
    access::{RunScope, TenantScope},
    api::{self, ApiJson, problem},
    error::{AppError, AppResult},
    state::AppState,
    web::{Q, context::RequestContext},
};
use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Page size of run lists.
pub const PAGE_SIZE: i64 = 50;

/// A run as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    /// Id; `/admin/operations/{id}` shows it.
    pub id: i64,
    /// Tenant external id.
    pub tenant: String,
    /// Type id (unknown ids are passed through).
    #[serde(rename = "type")]
    pub run_type: String,
    /// queued, running or completed.
    pub status: RunStatus,
    /// Set once completed.
    pub outcome: Option<RunOutcome>,
    /// Why it ended as it did.
    pub reason_code: Option<ReasonCode>,
    /// Help topic URI (`urn:tenantpilot:help:<key>`) explaining the reason, when there is one.
    pub help_topic: Option<String>,
    /// Technical detail.
    pub summary_message: Option<String>,
    /// Named counts.
    pub summary_counts: BTreeMap<String, i64>,
    /// Steps done / total (0 total = not known).
    pub progress: Progress,
    /// `user` or `system`.
    pub initiator: String,
    /// E-mail of the initiating user, when a user started it.
    pub initiator_email: Option<String>,
    /// Queued at.
    pub created_at: DateTime<Utc>,
    /// Picked up at.
    pub started_at: Option<DateTime<Utc>>,
    /// Finished at.
    pub completed_at: Option<DateTime<Utc>>,
}

/// Progress of a run.
#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    /// Steps done.
    pub done: i32,
    /// Steps in total.
    pub total: i32,
}

impl RunView {
    /// The view of `run` for tenant `tenant`.
    pub fn of(run: &RunRow, tenant: &str) -> RunView {
        RunView {
            id: run.id,
            tenant: tenant.to_string(),
            run_type: run.run_type.clone(),
            status: run.status(),
            outcome: run.outcome(),
            reason_code: run.reason(),
            help_topic: run.reason().map(crate::features::help::problem_type_for),
            summary_message: run.summary_message.clone(),
            summary_counts: run.counts().0,
            progress: Progress {
                done: run.progress_done,
                total: run.progress_total,
            },
            initiator: if run.initiator_user_id.is_some() {
                "user".into()
            } else {
                "system".into()
            },
            initiator_email: run
                .initiator_user_id
                .is_some()
                .then(|| run.initiator_label.clone()),
            created_at: run.created_at,
            started_at: run.started_at,
            completed_at: run.completed_at,
        }
    }

    fn of_scoped(r: &RunWithTenant) -> RunView {
        RunView::of(&r.run, &r.tenant_external_id)
    }
}

/// A page of runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunList {
    /// Newest first.
    pub items: Vec<RunView>,
    /// Page number.
    pub page: i64,
    /// Whether another page follows.
    pub has_more: bool,
}

/// Filters for run lists.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    /// Only this type id; empty for all.
    #[serde(rename = "type")]
    #[param(schema_with = type_filter_schema)]
    pub run_type: Option<String>,
    /// Only this outcome; empty for all.
    #[param(schema_with = outcome_filter_schema)]
    pub outcome: Option<String>,
    /// 1-based page (1–100000, default 1).
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
}

/// Request body to start a run.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRun {
    /// Type id, e.g. `provider.connection.verify`.
    #[serde(rename = "type")]
    #[schema(schema_with = type_schema)]
    pub run_type: String,
}

fn type_schema() -> utoipa::openapi::Object {
    crate::validate::schema::one_of(RunType::ALL.iter().map(|t| t.as_str()))
}

fn type_filter_schema() -> utoipa::openapi::Object {
    crate::validate::schema::filter(RunType::ALL.iter().map(|t| t.as_str()))
}

fn outcome_filter_schema() -> utoipa::openapi::Object {
    crate::validate::schema::filter(RunOutcome::ALL.iter().map(|o| o.as_str()))
}

/// Checks list filters; unknown values are a validation error rather than an empty list.
pub fn check_filters(run_type: Option<&str>, outcome: Option<&str>) -> AppResult<()> {
    filter_errors(run_type, outcome, Vec::new())
}

fn filter_errors(
    run_type: Option<&str>,
    outcome: Option<&str>,
    mut errors: Vec<crate::error::Invalid>,
) -> AppResult<()> {
    if run_type.is_some_and(|t| !t.is_empty() && RunType::parse(t).is_none()) {
        errors.push(crate::error::Invalid {
            field: "type",
            key: "validation-run-type",
        });
    }
    if outcome.is_some_and(|o| !o.is_empty() && RunOutcome::parse(o).is_none()) {
        errors.push(crate::error::Invalid {
            field: "outcome",
            key: "validation-run-outcome",
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Runs of one tenant, newest first; filter by type and outcome.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/operations", operation_id = "list_runs", tag = "operations",
    params(("tenant" = String, Path, description = "Tenant external id"), RunQuery),
    responses((status = 200, description = "A page of runs", body = RunList), problem::Common, problem::InScope,
        problem::Capability, problem::Query),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    scope: TenantScope,
    Q(q): Q<RunQuery>,
) -> AppResult<Json<RunList>> {
    scope.require(crate::access::Capability::OperationsView)?;
    let mut errors = Vec::new();
    let page = api::page_number(q.page, &mut errors);
    filter_errors(q.run_type.as_deref(), q.outcome.as_deref(), errors)?;
    let mut rows = service::list_visible(
        &state.db,
        scope.identity.user.id,
        &service::RunFilter {
            tenant_id: Some(scope.tenant.id),
            run_type: q.run_type.filter(|s| !s.is_empty()),
            outcome: q.outcome.filter(|s| !s.is_empty()),
            offset: (page - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        },
    )
    .await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok(Json(RunList {
        items: rows.iter().map(RunView::of_scoped).collect(),
        page,
        has_more,
    }))
}

/// Starts a run for the tenant. The run executes in the background; poll
/// `GET /api/v1/operations/{id}` until `status` is `completed`.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/operations", operation_id = "start_run", tag = "operations",
    params(("tenant" = String, Path, description = "Tenant external id")),
    request_body = StartRun,
    responses((status = 202, description = "The queued run", body = RunView), problem::Common, problem::InScope,
        problem::Capability, problem::Body, problem::Conflict),
    security(("bearer" = [])))]
pub async fn start(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    ApiJson(body): ApiJson<StartRun>,
) -> AppResult<(StatusCode, Json<RunView>)> {
    let run = service::start_in_scope(&state, &ctx.audit(), &scope, &body.run_type).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(RunView::of(&run, &scope.tenant.external_id)),
    ))
}

/// One run; `404` when its tenant is outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/operations/{run}", operation_id = "get_run", tag = "operations",
    params(("run" = i64, Path, description = "Run id")),
    responses((status = 200, description = "The run", body = RunView), problem::Common, problem::InScope,
        problem::Capability),
    security(("bearer" = [])))]
pub async fn get(scope: RunScope) -> AppResult<Json<RunView>> {
    scope.require(crate::access::Capability::OperationsView)?;
    Ok(Json(RunView::of_scoped(&scope.run)))
}

/// Retries a run that completed as `failed` or `partially_succeeded`: starts a new run of the
/// same type for the same tenant, exactly like `POST /api/v1/tenants/{tenant}/operations`
/// (same capability, same refusal while the platform paused starts), its audit row naming
/// `retry_of`. `409` for a run still going or succeeded, or one that cannot succeed now
/// (no provider connection, admin consent missing).
#[utoipa::path(post, path = "/api/v1/operations/{run}/retry", operation_id = "retry_run", tag = "operations",
    params(("run" = i64, Path, description = "Id of the run to retry")),
    responses((status = 202, description = "The new, queued run", body = RunView), problem::Common, problem::InScope,
        problem::Capability, problem::Conflict),
    security(("bearer" = [])))]
pub async fn retry(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: RunScope,
) -> AppResult<(StatusCode, Json<RunView>)> {
    let run = service::retry_in_scope(&state, &ctx.audit(), &scope).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(RunView::of(&run, &scope.run.tenant_external_id)),
    ))
}

/// A tenant's runs, starting one, one run, and retrying one.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, start))
        .routes(routes!(get))
        .routes(routes!(retry))
}

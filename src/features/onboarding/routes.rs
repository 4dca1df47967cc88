//! Wizard pages: the draft list with the identify form, and one draft's page with the step
//! indicator and the current step (connect form, decision-first verify step, or the read-only
//! summary of a completed onboarding).
//!
//! Access: platform users get `404` (the admin plane does not exist for them). A draft exists
//! for a caller who is a member of its workspace and, once a tenant is linked, may see that
//! tenant; anything else is `404`. Inside scope, a role without `onboarding.manage` is `403`.

use super::model::{Draft, Step};
use super::repo;
use super::service::{self, Action, IdentifyInput, NextAction, Readiness};
use crate::{
    access::{Capability, Role, scope::require},
    auth::Identity,
    error::{AppError, AppResult, Invalid, ServiceError},
    features::{
        operations::{self, model::RunRow},
        providers::{
            model::{Connection, ConsentState, Overall, REQUIRED_PERMISSIONS, VerificationState},
            service::{self as providers, ConnectionForm},
        },
        tenants,
        workspaces::{self, model::MemberWorkspace},
    },
    state::AppState,
    web::{
        FormData, Q, context::CurrentUser, context::RequestContext, html, i18n::Tr, see_other,
        shell::Shell,
    },
};
use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Drafts listed on the index page.
const LIST_LIMIT: i64 = 200;

fn field_error(t: Tr, errors: &[Invalid], field: &str) -> Option<String> {
    errors.iter().find(|e| e.field == field).map(|e| t.t(e.key))
}

/// Workspaces where the caller may run onboarding; `404` for platform users, `403` when none.
async fn managed_workspaces(
    state: &AppState,
    identity: &Identity,
) -> AppResult<Vec<(MemberWorkspace, Role)>> {
    if identity.user.is_platform {
        return Err(AppError::NotFound);
    }
    let mut out = Vec::new();
    for w in workspaces::repo::list_for_user(&state.db, identity.user.id).await? {
        let role = w.role;
        if role.can(Capability::OnboardingManage) {
            out.push((w, role));
        }
    }
    if out.is_empty() {
        return Err(AppError::Forbidden(Capability::OnboardingManage.as_str()));
    }
    Ok(out)
}

/// A draft in the caller's scope with the capability checked.
async fn draft_in_scope(state: &AppState, identity: &Identity, raw_id: &str) -> AppResult<Draft> {
    if identity.user.is_platform {
        return Err(AppError::NotFound);
    }
    let id: i64 = raw_id.parse().map_err(|_| AppError::NotFound)?;
    let draft = repo::find_scoped(&state.db, identity.user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(draft.role, Capability::OnboardingManage)?;
    Ok(draft)
}

// ---------------------------------------------------------------------------------------------
// Index and identify
// ---------------------------------------------------------------------------------------------

/// One row of the draft list.
struct DraftRow {
    href: String,
    name: String,
    external_id: String,
    workspace_name: String,
    step_key: &'static str,
    completed: bool,
    tenant_linked: bool,
    updated_at: DateTime<Utc>,
    started_by: String,
}

/// A tenant offered for re-onboarding.
struct TenantOption {
    external_id: String,
    name: String,
    workspace_name: String,
}

/// The identify form's values.
#[derive(Debug, Default, Deserialize)]
pub struct IdentifyForm {
    #[serde(default)]
    workspace: String,
    #[serde(default)]
    existing_tenant: String,
    #[serde(default)]
    tenant_name: String,
    #[serde(default)]
    external_id: String,
    #[serde(default)]
    directory_id: String,
}

#[derive(Template)]
#[template(path = "onboarding.html")]
struct IndexPage {
    shell: Shell,
    workspaces: Vec<(String, String)>,
    tenants: Vec<TenantOption>,
    drafts: Vec<DraftRow>,
    form: IdentifyForm,
    errors: Vec<Invalid>,
}

impl IndexPage {
    fn error_for(&self, field: &str) -> Option<String> {
        field_error(self.shell.t, &self.errors, field)
    }
}

async fn index_page(
    state: &AppState,
    ctx: &RequestContext,
    identity: &Identity,
    form: IdentifyForm,
    errors: Vec<Invalid>,
) -> AppResult<Response> {
    let managed = managed_workspaces(state, identity).await?;
    let (first, first_role) = &managed[0];
    let shell = Shell::admin(
        state,
        ctx,
        Some((&first.slug, *first_role)),
        None,
        "onboarding",
    )
    .await?;
    let mut tenants = Vec::new();
    for (w, _) in &managed {
        for t in tenants::repo::list_visible(&state.db, identity.user.id, &w.slug).await? {
            tenants.push(TenantOption {
                external_id: t.external_id,
                name: t.name,
                workspace_name: w.name.clone(),
            });
        }
    }
    let drafts = repo::list_visible(&state.db, identity.user.id, LIST_LIMIT)
        .await?
        .into_iter()
        .filter(|d| d.role.can(Capability::OnboardingManage))
        .map(|d| DraftRow {
            href: format!("/admin/onboarding/{}", d.id),
            name: d.display_name().to_string(),
            external_id: d.display_external_id().to_string(),
            workspace_name: d.workspace_name.clone(),
            step_key: d.step().label_key(),
            completed: d.is_completed(),
            tenant_linked: d.tenant_id.is_some(),
            updated_at: d.updated_at,
            started_by: d.started_by_label.clone().unwrap_or_default(),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = html(&IndexPage {
        shell,
        workspaces: managed
            .iter()
            .map(|(w, _)| (w.slug.clone(), w.name.clone()))
            .collect(),
        tenants,
        drafts,
        form,
        errors,
    });
    if r.status().is_success() {
        *r.status_mut() = status;
    }
    Ok(r)
}

/// `GET /admin/onboarding`: drafts of every workspace where the caller may onboard, and the
/// form that starts a new one.
pub async fn index(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
) -> AppResult<Response> {
    index_page(&state, &ctx, &identity, IdentifyForm::default(), Vec::new()).await
}

/// `POST /admin/onboarding`: the identify step. Starts a draft (or resumes the open draft of an
/// existing tenant) and redirects to it; invalid input re-renders the form with `422`.
pub async fn create(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    FormData(form): FormData<IdentifyForm>,
) -> AppResult<Response> {
    if identity.user.is_platform {
        return Err(AppError::NotFound);
    }
    let workspace =
        workspaces::repo::find_for_user(&state.db, identity.user.id, form.workspace.trim())
            .await?
            .ok_or(AppError::NotFound)?;
    require(workspace.role, Capability::OnboardingManage)?;
    let input = IdentifyInput {
        existing_tenant: form.existing_tenant.clone(),
        tenant_name: form.tenant_name.clone(),
        external_id: form.external_id.clone(),
        directory_id: form.directory_id.clone(),
    };
    match service::start(&state, &ctx.audit(), &identity.user, &workspace, &input).await {
        Ok(started) => Ok(see_other(&format!("/admin/onboarding/{}", started.id()))),
        Err(ServiceError::Invalid(errors)) => {
            index_page(&state, &ctx, &identity, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// One draft
// ---------------------------------------------------------------------------------------------

/// One entry of the step indicator.
struct StepItem {
    label_key: &'static str,
    /// `done`, `current` or `todo`.
    state: &'static str,
}

/// The connect form's values.
#[derive(Debug, Clone, Default)]
struct ConnectValues {
    kind: String,
    directory_id: String,
    display_name: String,
    scenario: String,
}

/// Provider connection as the verify step shows it.
struct ConnectionView {
    kind_key: &'static str,
    display_name: String,
    directory_id: String,
    consent_key: &'static str,
    health_key: &'static str,
}

/// The primary next action: a link or a POST button.
struct NextView {
    label_key: &'static str,
    href: Option<String>,
    post_action: Option<&'static str>,
    external: bool,
}

/// One required permission with its state.
struct PermissionView {
    key: String,
    state_key: &'static str,
    class: &'static str,
}

/// The stored report as the "Stored verification details" card shows it.
struct ReportView {
    overall_key: &'static str,
    overall_class: &'static str,
    consent_key: &'static str,
    health_key: &'static str,
    checked_at: DateTime<Utc>,
    freshness_key: &'static str,
    reason_key: Option<String>,
    run_href: String,
    run_id: i64,
}

/// Everything the verify step shows.
struct VerifyView {
    status_key: &'static str,
    status_class: &'static str,
    stale: bool,
    outdated: bool,
    checkpoint_key: &'static str,
    connection: Option<ConnectionView>,
    next: NextView,
    safe_next_key: &'static str,
    reason_key: Option<String>,
    run_id: Option<i64>,
    run_active: bool,
    report: Option<ReportView>,
    permissions: Vec<PermissionView>,
}

/// The read-only summary of a completed draft.
struct CompletedView {
    completed_at: Option<DateTime<Utc>>,
    tenant_href: Option<String>,
    connection: Option<ConnectionView>,
    run_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "onboarding_draft.html")]
struct DraftPage {
    shell: Shell,
    draft_id: i64,
    version: i64,
    name: String,
    external_id: String,
    workspace_name: String,
    tenant_href: Option<String>,
    steps: Vec<StepItem>,
    /// `connect`, `verify` or `complete`.
    view: &'static str,
    /// A connection was saved before (the connect form replaces it).
    revisiting: bool,
    /// The draft is at verify and the connect form was opened from there.
    can_return: bool,
    errors: Vec<Invalid>,
    connect: ConnectValues,
    scenarios: Vec<(&'static str, String)>,
    verify: Option<VerifyView>,
    completed: Option<CompletedView>,
    refresh: bool,
    /// Contextual help for the verification's dominant issue (spec 244), after authorization.
    help: Option<crate::features::help::ResolvedTopic>,
}

impl DraftPage {
    fn error_for(&self, field: &str) -> Option<String> {
        field_error(self.shell.t, &self.errors, field)
    }

    /// Errors not tied to a form field (e.g. "not ready yet").
    fn general_errors(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter(|e| {
                !matches!(
                    e.field,
                    "kind" | "directory_id" | "display_name" | "scenario"
                ) || self.view != "connect"
            })
            .map(|e| self.shell.t.t(e.key))
            .collect()
    }
}

fn consent_key(c: ConsentState) -> &'static str {
    match c {
        ConsentState::Granted => "onboarding-consent-granted",
        ConsentState::Missing => "onboarding-consent-missing",
        ConsentState::Unknown => "onboarding-consent-unknown",
    }
}

fn health_key(h: crate::features::providers::model::Health) -> &'static str {
    use crate::features::providers::model::Health;
    match h {
        Health::Healthy => "onboarding-health-healthy",
        Health::Unhealthy => "onboarding-health-unhealthy",
        Health::Unknown => "onboarding-health-unknown",
    }
}

fn kind_key(kind: &str) -> &'static str {
    match kind {
        "simulated" => "onboarding-kind-simulated",
        "microsoft" => "onboarding-kind-microsoft",
        _ => "onboarding-kind-unknown",
    }
}

fn reason_key(reason: crate::features::operations::model::ReasonCode) -> String {
    format!("onboarding-reason-{}", reason.as_str().replace('_', "-"))
}

fn connection_view(c: &Connection) -> ConnectionView {
    ConnectionView {
        kind_key: kind_key(c.kind.as_str()),
        display_name: c.display_name.clone(),
        directory_id: c.directory_id.clone(),
        consent_key: consent_key(c.consent()),
        health_key: health_key(c.health()),
    }
}

fn permission_view(key: &str, granted: Option<bool>) -> PermissionView {
    let (state_key, class) = match granted {
        Some(true) => ("onboarding-permission-granted", "ok"),
        Some(false) => ("onboarding-permission-missing", "bad"),
        None => ("onboarding-permission-unknown", "neutral"),
    };
    PermissionView {
        key: key.to_string(),
        state_key,
        class,
    }
}

fn next_view(
    state: &AppState,
    draft: &Draft,
    readiness: &Readiness,
    connection: Option<&Connection>,
    run_id: Option<i64>,
) -> NextView {
    let draft_href = format!("/admin/onboarding/{}", draft.id);
    let link = |href: String| (Some(href), None, false);
    let (href, post_action, external) = match readiness.next {
        NextAction::ConnectProvider | NextAction::ReviewConnection => {
            link(format!("{draft_href}?step=connect"))
        }
        NextAction::WaitForVerification => match run_id {
            Some(id) => link(format!("/admin/operations/{id}")),
            None => link(draft_href.clone()),
        },
        NextAction::RunVerification => (None, Some("verify"), false),
        NextAction::CompleteOnboarding => (None, Some("complete"), false),
        NextAction::ReviewPermissions => link("#required-permissions".to_string()),
        NextAction::GrantAdminConsent => match connection {
            Some(c) if c.kind == "microsoft" => (
                Some(providers::admin_consent_url(&state.config, c)),
                None,
                true,
            ),
            // The simulated kind has no consent page: change its scenario on the connect step.
            _ => link(format!("{draft_href}?step=connect")),
        },
    };
    NextView {
        label_key: readiness.next.label_key(),
        href,
        post_action,
        external,
    }
}

fn verify_view(
    state: &AppState,
    draft: &Draft,
    verification: &VerificationState,
    run: Option<&RunRow>,
) -> VerifyView {
    let readiness = service::assess(&draft.state.0, verification, run);
    let connection = verification.connection.as_ref();
    let run_id = draft.state.0.verification_run_id;
    let report = verification.report.as_ref().map(|r| {
        let (overall_key, overall_class) = match r.overall() {
            Overall::Ready => ("onboarding-status-ready", "ok"),
            Overall::Blocked => ("onboarding-status-blocked", "warn"),
            Overall::Failed => ("onboarding-status-failed", "bad"),
        };
        ReportView {
            overall_key,
            overall_class,
            consent_key: consent_key(r.consent()),
            health_key: health_key(r.health()),
            checked_at: r.checked_at,
            freshness_key: if readiness.report_outdated {
                "onboarding-freshness-outdated"
            } else if verification.stale {
                "onboarding-freshness-stale"
            } else {
                "onboarding-freshness-fresh"
            },
            reason_key: r.reason().map(reason_key),
            run_href: format!("/admin/operations/{}", r.run_id),
            run_id: r.run_id,
        }
    });
    let permissions = match &verification.report {
        Some(r) => {
            let checks = r.permissions();
            REQUIRED_PERMISSIONS
                .iter()
                .map(|key| {
                    let granted = checks
                        .iter()
                        .find(|p| p.key == *key)
                        .and_then(|p| p.granted);
                    permission_view(key, granted)
                })
                .collect()
        }
        None => {
            // No report: what the connection last observed, if it observed anything.
            let observed = connection
                .filter(|c| c.consent() != ConsentState::Unknown || !c.granted().is_empty());
            REQUIRED_PERMISSIONS
                .iter()
                .map(|key| {
                    let granted = observed.map(|c| c.granted().iter().any(|g| g == key));
                    permission_view(key, granted)
                })
                .collect()
        }
    };
    VerifyView {
        status_key: readiness.status.label_key(),
        status_class: readiness.status.class(),
        stale: readiness.stale,
        outdated: readiness.report_outdated,
        checkpoint_key: Step::Verify.checkpoint_key(),
        connection: connection.map(connection_view),
        next: next_view(state, draft, &readiness, connection, run_id),
        safe_next_key: readiness.safe_next_key,
        reason_key: readiness.reason.map(reason_key),
        run_id: run_id.or(verification.report.as_ref().map(|r| r.run_id)),
        run_active: run.is_some_and(RunRow::is_active),
        report,
        permissions,
    }
}

/// Query of the draft page: `?step=connect` shows the connect form of a draft at verify.
#[derive(Debug, Default, Deserialize)]
pub struct DraftQuery {
    step: Option<String>,
}

async fn draft_page(
    state: &AppState,
    ctx: &RequestContext,
    draft: &Draft,
    requested: Option<&str>,
    errors: Vec<Invalid>,
    typed: Option<ConnectValues>,
) -> AppResult<Response> {
    let now = state.now();
    let role = draft.role;
    let shell = Shell::admin(
        state,
        ctx,
        Some((&draft.workspace_slug, role)),
        draft.tenant_external_id.as_deref(),
        "onboarding",
    )
    .await?;
    let step = draft.step();
    let verification = match draft.tenant_id {
        Some(id) => Some(providers::state_for_tenant(&state.db, &state.config, id, now).await?),
        None => None,
    };
    let connection = verification.as_ref().and_then(|v| v.connection.as_ref());
    let run = match draft.state.0.verification_run_id {
        Some(id) => operations::repo::find(&state.db, id).await?,
        None => None,
    };
    let view: &'static str = if draft.is_completed() {
        "complete"
    } else if step == Step::Verify && requested != Some("connect") {
        "verify"
    } else {
        "connect"
    };
    let steps = Step::ALL
        .into_iter()
        .map(|s| StepItem {
            label_key: s.label_key(),
            state: if draft.is_completed() || s < step {
                "done"
            } else if s == step {
                "current"
            } else {
                "todo"
            },
        })
        .collect();
    let saved = draft.state.0.connection.clone().unwrap_or_default();
    let connect = typed.unwrap_or_else(|| ConnectValues {
        kind: if !saved.kind.is_empty() {
            saved.kind.clone()
        } else {
            connection
                .map(|c| c.kind.as_str().to_string())
                .unwrap_or_else(|| "simulated".into())
        },
        directory_id: if !saved.directory_id.is_empty() {
            saved.directory_id.clone()
        } else {
            draft.state.0.directory_id.clone()
        },
        display_name: if !saved.display_name.is_empty() {
            saved.display_name.clone()
        } else {
            connection
                .map(|c| c.display_name.clone())
                .unwrap_or_default()
        },
        scenario: if !saved.scenario.is_empty() {
            saved.scenario.clone()
        } else {
            connection
                .and_then(|c| c.simulated_scenario.map(|s| s.as_str().to_string()))
                .unwrap_or_else(|| "healthy".into())
        },
    });
    let verify = match (&verification, view) {
        (Some(v), "verify") => Some(verify_view(state, draft, v, run.as_ref())),
        (None, "verify") => Some(verify_view(
            state,
            draft,
            &VerificationState {
                connection: None,
                report: None,
                stale: false,
            },
            run.as_ref(),
        )),
        _ => None,
    };
    let completed = draft.is_completed().then(|| CompletedView {
        completed_at: draft.completed_at,
        tenant_href: draft
            .tenant_external_id
            .as_ref()
            .map(|e| format!("/admin/t/{e}")),
        connection: connection.map(connection_view),
        run_id: draft.state.0.verification_run_id,
    });
    let refresh = view == "verify" && run.as_ref().is_some_and(RunRow::is_active);
    let t = shell.t;
    let help = match (&verification, view) {
        (Some(v), "verify") => {
            crate::features::help::topic_for_onboarding(v, run.as_ref().and_then(RunRow::outcome))
                .map(|k| crate::features::help::resolve_key(k, t.0))
        }
        _ => None,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = html(&DraftPage {
        help,
        draft_id: draft.id,
        version: draft.version,
        name: draft.display_name().to_string(),
        external_id: draft.display_external_id().to_string(),
        workspace_name: draft.workspace_name.clone(),
        tenant_href: draft
            .tenant_external_id
            .as_ref()
            .map(|e| format!("/admin/t/{e}")),
        steps,
        view,
        revisiting: draft.state.0.connection.is_some() || connection.is_some(),
        can_return: !draft.is_completed() && step == Step::Verify,
        errors,
        connect,
        scenarios: crate::features::providers::model::SimulatedScenario::ALL
            .into_iter()
            .map(|s| {
                (
                    s.as_str(),
                    t.t(&format!(
                        "onboarding-scenario-{}",
                        s.as_str().replace('_', "-")
                    )),
                )
            })
            .collect(),
        verify,
        completed,
        refresh,
        shell,
    });
    if r.status().is_success() {
        *r.status_mut() = status;
    }
    Ok(r)
}

/// `GET /admin/onboarding/{draft}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    Path(raw_id): Path<String>,
    Q(q): Q<DraftQuery>,
) -> AppResult<Response> {
    let draft = draft_in_scope(&state, &identity, &raw_id).await?;
    draft_page(&state, &ctx, &draft, q.step.as_deref(), Vec::new(), None).await
}

/// The posted update form.
#[derive(Debug, Default, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    directory_id: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    scenario: String,
}

/// `POST /admin/onboarding/{draft}`: `action` = connect | verify | complete | back, with the
/// `version` the form was rendered from. A stale version is `409`; a completed draft is `409`;
/// invalid input re-renders the step with `422`.
pub async fn update(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    Path(raw_id): Path<String>,
    FormData(form): FormData<UpdateForm>,
) -> AppResult<Response> {
    let draft = draft_in_scope(&state, &identity, &raw_id).await?;
    let version: i64 = form
        .version
        .trim()
        .parse()
        .map_err(|_| AppError::bad_request("invalid-form", "The form has no valid version."))?;
    let action = Action::parse(form.action.trim())
        .ok_or_else(|| AppError::bad_request("invalid-form", "Unknown onboarding action."))?;
    let connection = ConnectionForm {
        kind: form.kind.clone(),
        directory_id: form.directory_id.clone(),
        display_name: form.display_name.clone(),
        scenario: form.scenario.clone(),
    };
    match service::update(
        &state,
        &ctx.audit(),
        &identity.user,
        &draft,
        version,
        action,
        &connection,
    )
    .await
    {
        Ok(()) => Ok(see_other(&format!("/admin/onboarding/{}", draft.id))),
        Err(ServiceError::Invalid(errors)) => {
            let (requested, typed) = if action == Action::Connect {
                (
                    Some("connect"),
                    Some(ConnectValues {
                        kind: form.kind,
                        directory_id: form.directory_id,
                        display_name: form.display_name,
                        scenario: form.scenario,
                    }),
                )
            } else {
                (None, None)
            };
            draft_page(&state, &ctx, &draft, requested, errors, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

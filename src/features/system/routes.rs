//! `GET /system` (the console dashboard), `GET /system/controls` and
//! `POST /system/controls/{control}`. Every handler takes [`PlatformUser`] first, so anyone but
//! a platform user gets `404` before anything else is looked at.

use super::chart::{self, Chart};
use super::controls::{self, ActivePause, Applied, ControlForm, ControlKey, PauseDuration};
use super::repo::{self, ControlChange, FailedRun, Offender, WorkspaceChoice};
use super::tower::{self, ControlTower};
use super::window::ConsoleWindow;
use crate::{
    access::PlatformUser,
    error::{AppError, AppResult, Invalid, ServiceError},
    features::operations::model::{ReasonCode, RunType},
    features::telemetry::catalog,
    features::telemetry::summary::{self, TelemetrySummary},
    state::AppState,
    web::{
        CsrfForm, Q,
        context::RequestContext,
        flash, html,
        i18n::{CATALOG, Tr},
        see_other,
        shell::Shell,
    },
};
use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Utc};
use fluent_bundle::{FluentArgs, FluentValue};
use serde::Deserialize;

/// Suggestions in the workspace field of the controls page.
const WORKSPACE_CHOICES: i64 = 200;
/// Control changes the controls page lists.
const HISTORY_ROWS: i64 = 20;

/// A message with several named arguments (numbers stay numbers, so plurals select).
fn tn(t: Tr, id: &str, args: &[(&str, FluentValue<'static>)]) -> String {
    let mut fa = FluentArgs::new();
    for (name, value) in args {
        fa.set(*name, value.clone());
    }
    CATALOG.format(t.0, id, Some(&fa))
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Query of the dashboard.
#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    /// `24h`, `7d` or `30d`; anything else means the default.
    pub window: Option<String>,
}

/// A choice of the window selector.
struct WindowLink {
    value: &'static str,
    label: String,
    current: bool,
}

/// A KPI tile.
struct Kpi {
    id: &'static str,
    label: String,
    value: String,
    note: Option<String>,
}

/// A failed run as listed.
struct FailureView {
    id: i64,
    type_label: String,
    reason_label: String,
    workspace: String,
    tenant: String,
    created_at: String,
    created_iso: String,
}

/// A top-offender row as listed.
struct OffenderView {
    workspace: String,
    tenant: String,
    type_label: String,
    failures: i64,
    last_failed_at: String,
}

/// A telemetry family tile.
struct FamilyView {
    event: String,
    label: String,
    count: i64,
}

#[derive(Template)]
#[template(path = "system.html")]
struct DashboardPage {
    shell: Shell,
    active_workspaces_label: String,
    window: &'static str,
    window_label: String,
    range: String,
    windows: Vec<WindowLink>,
    health_id: &'static str,
    health_class: &'static str,
    health_label: String,
    tower_kpis: Vec<Kpi>,
    failures: Vec<FailureView>,
    offenders: Vec<OffenderView>,
    telemetry_empty: bool,
    telemetry_note: String,
    active_workspaces: i64,
    families: Vec<FamilyView>,
    chart: Chart,
    totals: repo::Totals,
}

fn type_label(t: Tr, run_type: &str) -> String {
    t.t(RunType::parse(run_type)
        .map(RunType::label_key)
        .unwrap_or("run-type-unknown"))
}

fn tower_kpis(t: Tr, tower: &ControlTower, window_label: &str) -> Vec<Kpi> {
    let c = &tower.counts;
    let in_window = Some(window_label.to_string());
    vec![
        Kpi {
            id: "runs-started",
            label: t.t("system-kpi-runs-started"),
            value: c.started.to_string(),
            note: in_window.clone(),
        },
        Kpi {
            id: "succeeded",
            label: t.t("system-kpi-succeeded"),
            value: c.succeeded.to_string(),
            note: Some(tn(
                t,
                "system-kpi-partial-note",
                &[("count", c.partially_succeeded.into())],
            )),
        },
        Kpi {
            id: "failed",
            label: t.t("system-kpi-failed"),
            value: c.failed.to_string(),
            note: Some(tn(
                t,
                "system-kpi-orphaned-note",
                &[("count", c.orphaned.into())],
            )),
        },
        Kpi {
            id: "success-rate",
            label: t.t("system-kpi-success-rate"),
            value: match tower.success_rate {
                Some(p) => format!("{p} %"),
                None => "–".into(),
            },
            note: Some(tn(
                t,
                "system-kpi-success-rate-note",
                &[("count", c.completed.into())],
            )),
        },
        Kpi {
            id: "active",
            label: t.t("system-kpi-active"),
            value: (tower.open.queued + tower.open.running).to_string(),
            note: Some(tn(
                t,
                "system-kpi-active-note",
                &[
                    ("queued", tower.open.queued.into()),
                    ("running", tower.open.running.into()),
                ],
            )),
        },
        Kpi {
            id: "stuck",
            label: t.t("system-kpi-stuck"),
            value: tower.open.stuck.to_string(),
            note: Some(t.t("system-kpi-stuck-note")),
        },
    ]
}

fn failure_view(t: Tr, r: FailedRun) -> FailureView {
    FailureView {
        id: r.id,
        type_label: type_label(t, &r.run_type),
        reason_label: r
            .reason_code
            .as_deref()
            .and_then(ReasonCode::parse)
            .map(|c| t.t(c.label_key()))
            .unwrap_or_default(),
        workspace: r.workspace_name,
        tenant: r.tenant_name,
        created_at: when(r.created_at),
        created_iso: r.created_at.to_rfc3339(),
    }
}

fn offender_view(t: Tr, o: Offender) -> OffenderView {
    OffenderView {
        type_label: type_label(t, &o.run_type),
        workspace: o.workspace_name,
        tenant: o.tenant_name,
        failures: o.failures,
        last_failed_at: when(o.last_failed_at),
    }
}

fn telemetry_note(t: Tr, s: &TelemetrySummary, window_label: &str) -> String {
    let total: i64 = s.families.iter().map(|f| f.count).sum();
    if s.is_empty() {
        tn(
            t,
            catalog::EMPTY_LABEL_KEY,
            &[("window", window_label.to_string().into())],
        )
    } else {
        tn(
            t,
            "system-telemetry-events",
            &[
                ("count", total.into()),
                ("window", window_label.to_string().into()),
            ],
        )
    }
}

/// The console dashboard for the window in `?window=` (default: last 24 hours); `404` for
/// anyone but platform users.
pub async fn overview(
    State(state): State<AppState>,
    ctx: RequestContext,
    _platform: PlatformUser,
    Q(q): Q<DashboardQuery>,
) -> AppResult<Response> {
    let window = ConsoleWindow::from_query(q.window.as_deref());
    let now = state.now();
    let mut shell = Shell::system(&ctx, "overview");
    let t = shell.t;
    // The side navigation's link to this page keeps the chosen window.
    for item in shell.nav.iter_mut().filter(|n| n.href == "/system") {
        item.href = format!("/system?window={}", window.as_str());
    }
    let window_label = t.t(window.label_key());
    let tower = tower::load(
        &state.db,
        window,
        now,
        state.config.operations.orphan_after_secs,
    )
    .await?;
    let telemetry = summary::summarize(&state.db, window, now).await?;
    let totals = repo::totals(&state.db).await?;
    Ok(html(&DashboardPage {
        window: window.as_str(),
        range: tn(
            t,
            "system-window-range",
            &[
                ("from", when(window.start(now)).into()),
                ("to", when(now).into()),
            ],
        ),
        windows: ConsoleWindow::ALL
            .into_iter()
            .map(|w| WindowLink {
                value: w.as_str(),
                label: t.t(w.label_key()),
                current: w == window,
            })
            .collect(),
        health_id: tower.health.as_str(),
        health_class: tower.health.pill_class(),
        health_label: t.t(tower.health.label_key()),
        tower_kpis: tower_kpis(t, &tower, &window_label),
        failures: tower
            .recent_failures
            .into_iter()
            .map(|r| failure_view(t, r))
            .collect(),
        offenders: tower
            .top_offenders
            .into_iter()
            .map(|o| offender_view(t, o))
            .collect(),
        telemetry_empty: telemetry.is_empty(),
        telemetry_note: telemetry_note(t, &telemetry, &window_label),
        active_workspaces: telemetry.active_workspaces,
        families: telemetry
            .families
            .iter()
            .map(|f| FamilyView {
                event: f.event.clone(),
                label: t.t(&f.label_key),
                count: f.count,
            })
            .collect(),
        chart: chart::build(&telemetry, t),
        active_workspaces_label: t.t(catalog::ACTIVE_WORKSPACES_LABEL_KEY),
        window_label,
        totals,
        shell,
    }))
}

/// One pause in effect, as listed under its control.
struct PauseView {
    /// `global` or `workspace` (the resume form posts it back).
    scope: &'static str,
    /// Workspace slug of a workspace pause.
    workspace: String,
    scope_label: String,
    reason: String,
    by_line: String,
}

/// One control card.
struct ControlView {
    key: &'static str,
    label: String,
    description: String,
    effect: String,
    enforced_at: &'static str,
    workspace_scope: bool,
    state: &'static str,
    state_class: &'static str,
    state_label: String,
    pauses: Vec<PauseView>,
    /// Values typed into the failed form, kept on a `422`.
    form: ControlForm,
    /// Field messages of the failed form.
    errors: Vec<(&'static str, String)>,
}

impl ControlView {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn scope_is_workspace(&self) -> bool {
        self.form.scope == "workspace"
    }
}

/// A duration choice.
struct DurationChoice {
    value: &'static str,
    label: String,
}

/// One audited control change.
struct ChangeView {
    when: String,
    when_iso: String,
    actor: String,
    action_label: String,
    control_label: String,
    scope_label: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "system_controls.html")]
struct ControlsPage {
    shell: Shell,
    controls: Vec<ControlView>,
    durations: Vec<DurationChoice>,
    workspaces: Vec<WorkspaceChoice>,
    history: Vec<ChangeView>,
}

fn scope_label(t: Tr, scope: &str) -> String {
    match scope.strip_prefix("workspace:") {
        Some(ws) => t.t1("system-controls-scope-workspace-named", "workspace", ws),
        None => t.t("system-controls-scope-global"),
    }
}

fn pause_view(t: Tr, p: &ActivePause) -> PauseView {
    let (scope, workspace, label) = match (&p.workspace_slug, &p.workspace_name) {
        (Some(slug), name) => (
            "workspace",
            slug.clone(),
            t.t1(
                "system-controls-scope-workspace-named",
                "workspace",
                name.as_deref().unwrap_or(slug),
            ),
        ),
        (None, _) => ("global", String::new(), t.t("system-controls-scope-global")),
    };
    let until = match p.expires_at {
        Some(at) => t.t1("system-controls-until", "time", when(at)),
        None => t.t("system-controls-until-resumed"),
    };
    PauseView {
        scope,
        workspace,
        scope_label: label,
        reason: p.reason.clone(),
        by_line: tn(
            t,
            "system-controls-paused-by",
            &[
                ("user", p.paused_by_label.clone().into()),
                ("time", when(p.paused_at).into()),
                ("until", until.into()),
            ],
        ),
    }
}

fn change_view(t: Tr, c: ControlChange) -> ChangeView {
    let meta = &c.metadata.0;
    let text = |k: &str| meta.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    ChangeView {
        when: when(c.occurred_at),
        when_iso: c.occurred_at.to_rfc3339(),
        actor: c.actor_label,
        action_label: t.t(match c.action.as_str() {
            "operational_control.paused" => "system-controls-history-paused",
            _ => "system-controls-history-resumed",
        }),
        control_label: ControlKey::parse(&c.target_id)
            .map(|k| t.t(k.label_key()))
            .unwrap_or(c.target_id),
        scope_label: scope_label(t, text("scope")),
        reason: text("reason").to_string(),
    }
}

/// Builds the controls page; `failed` carries the control whose form failed, its typed
/// values and field errors.
async fn controls_page(
    state: &AppState,
    ctx: &RequestContext,
    failed: Option<(ControlKey, ControlForm, Vec<Invalid>)>,
) -> AppResult<ControlsPage> {
    let shell = Shell::system(ctx, "controls");
    let t = shell.t;
    let now = state.now();
    let pauses = controls::active(&state.db, now).await?;
    let controls = controls::CATALOG
        .iter()
        .map(|d| {
            let mine: Vec<&ActivePause> = pauses
                .iter()
                .filter(|p| p.control_key == d.key.as_str())
                .collect();
            let global = mine.iter().any(|p| p.workspace_id.is_none());
            let (state_id, class, label) = if global {
                ("paused", "bad", t.t("system-controls-state-paused-global"))
            } else if !mine.is_empty() {
                (
                    "partially-paused",
                    "warn",
                    tn(
                        t,
                        "system-controls-state-paused-workspaces",
                        &[("count", (mine.len() as i64).into())],
                    ),
                )
            } else {
                ("running", "ok", t.t("system-controls-state-running"))
            };
            let (form, errors) = match &failed {
                Some((key, form, errors)) if *key == d.key => (
                    form.clone(),
                    errors.iter().map(|e| (e.field, t.t(e.key))).collect(),
                ),
                _ => (ControlForm::default(), Vec::new()),
            };
            ControlView {
                key: d.key.as_str(),
                label: t.t(d.key.label_key()),
                description: t.t(d.key.description_key()),
                effect: t.t(d.key.effect_key()),
                enforced_at: d.enforced_at,
                workspace_scope: d.scopes == controls::ScopeSupport::GlobalOrWorkspace,
                state: state_id,
                state_class: class,
                state_label: label,
                pauses: mine.iter().map(|p| pause_view(t, p)).collect(),
                form,
                errors,
            }
        })
        .collect();
    let workspaces = repo::workspace_choices(&state.db, WORKSPACE_CHOICES).await?;
    let history = repo::control_changes(&state.db, HISTORY_ROWS)
        .await?
        .into_iter()
        .map(|c| change_view(t, c))
        .collect();
    Ok(ControlsPage {
        durations: PauseDuration::ALL
            .into_iter()
            .map(|d| DurationChoice {
                value: d.as_str(),
                label: t.t(d.label_key()),
            })
            .collect(),
        shell,
        controls,
        workspaces,
        history,
    })
}

/// `GET /system/controls`: the catalog with each control's pauses, forms to pause and resume,
/// and the latest audited changes.
pub async fn controls(
    State(state): State<AppState>,
    ctx: RequestContext,
    _platform: PlatformUser,
) -> AppResult<Response> {
    Ok(html(&controls_page(&state, &ctx, None).await?))
}

/// `POST /system/controls/{control}`: pause or resume. Success answers `303` back to the page
/// with a flash; field errors re-render the page with `422`; an unknown control is `404`; a
/// resume of something not paused is `409`.
pub async fn update_control(
    State(state): State<AppState>,
    ctx: RequestContext,
    _platform: PlatformUser,
    Path(control): Path<String>,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<ControlForm>,
) -> AppResult<Response> {
    let key = ControlKey::parse(&control).ok_or(AppError::NotFound)?;
    match controls::apply(&state.db, &ctx.audit(), state.now(), key, &form).await {
        Ok(applied) => {
            let message = match applied {
                Applied::Paused => "flash-control-paused",
                Applied::PauseUpdated => "flash-control-pause-updated",
                Applied::Resumed => "flash-control-resumed",
            };
            Ok((jar.add(flash::set(message)), see_other("/system/controls")).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let page = controls_page(&state, &ctx, Some((key, form, errors))).await?;
            let mut r = html(&page);
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(AppError::from(e)),
    }
}

//! Page views of this feature: askama structs and the mapping from service data to them.

use super::chart::{self, Chart};
use super::controls::{self, ActivePause, ControlForm, ControlKey};
use super::service::{self, ControlChange, FailedRun, Offender, WorkspaceChoice};
use super::tower::ControlTower;
use crate::console_window::ConsoleWindow;
use crate::error::Invalid;
use crate::i18n::{CATALOG, Tr};
use crate::{
    features::operations::model::{ReasonCode, RunType},
    features::telemetry::service::catalog,
    features::telemetry::service::summary::TelemetrySummary,
    web::shell::Shell,
};
use askama::Template;
use chrono::{DateTime, Utc};
use fluent_bundle::{FluentArgs, FluentValue};

/// A message with several named arguments (numbers stay numbers, so plurals select).
pub(super) fn tn(t: Tr, id: &str, args: &[(&str, FluentValue<'static>)]) -> String {
    let mut fa = FluentArgs::new();
    for (name, value) in args {
        fa.set(*name, value.clone());
    }
    CATALOG.format(t.0, id, Some(&fa))
}

/// A choice of the window selector.
pub(super) struct WindowLink {
    pub(super) value: &'static str,
    pub(super) label: String,
    pub(super) current: bool,
}

/// A KPI tile.
pub(super) struct Kpi {
    pub(super) id: &'static str,
    pub(super) label: String,
    pub(super) value: String,
    pub(super) note: Option<String>,
}

/// A failed run as listed.
pub(super) struct FailureView {
    pub(super) id: i64,
    pub(super) type_label: String,
    pub(super) reason_label: String,
    pub(super) workspace: String,
    pub(super) tenant: String,
    pub(super) created_at: String,
    pub(super) created_iso: String,
}

/// A top-offender row as listed.
pub(super) struct OffenderView {
    pub(super) workspace: String,
    pub(super) tenant: String,
    pub(super) type_label: String,
    pub(super) failures: i64,
    pub(super) last_failed_at: String,
}

/// A telemetry family tile.
pub(super) struct FamilyView {
    pub(super) event: String,
    pub(super) label: String,
    pub(super) count: i64,
}

#[derive(Template)]
#[template(path = "system.html")]
pub(super) struct DashboardPage {
    pub(super) shell: Shell,
    pub(super) active_workspaces_label: String,
    pub(super) window: &'static str,
    pub(super) window_label: String,
    pub(super) range: String,
    pub(super) windows: Vec<WindowLink>,
    pub(super) health_id: &'static str,
    pub(super) health_class: &'static str,
    pub(super) health_label: String,
    pub(super) tower_kpis: Vec<Kpi>,
    pub(super) failures: Vec<FailureView>,
    pub(super) offenders: Vec<OffenderView>,
    pub(super) telemetry_empty: bool,
    pub(super) telemetry_note: String,
    pub(super) active_workspaces: i64,
    pub(super) families: Vec<FamilyView>,
    pub(super) chart: Chart,
    pub(super) totals: service::Totals,
}

pub(super) fn type_label(t: Tr, run_type: &str) -> String {
    t.t(RunType::parse(run_type)
        .map(RunType::label_key)
        .unwrap_or("run-type-unknown"))
}

pub(super) fn tower_kpis(t: Tr, tower: &ControlTower, window_label: &str) -> Vec<Kpi> {
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
                Some(p) => t.percent(p),
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

pub(super) fn failure_view(t: Tr, r: FailedRun) -> FailureView {
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
        created_at: t.datetime(r.created_at),
        created_iso: r.created_at.to_rfc3339(),
    }
}

pub(super) fn offender_view(t: Tr, o: Offender) -> OffenderView {
    OffenderView {
        type_label: type_label(t, &o.run_type),
        workspace: o.workspace_name,
        tenant: o.tenant_name,
        failures: o.failures,
        last_failed_at: t.datetime(o.last_failed_at),
    }
}

pub(super) fn telemetry_note(t: Tr, s: &TelemetrySummary, window_label: &str) -> String {
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

/// One pause in effect, as listed under its control.
pub(super) struct PauseView {
    /// `global` or `workspace` (the resume form posts it back).
    pub(super) scope: &'static str,
    /// Workspace slug of a workspace pause.
    pub(super) workspace: String,
    pub(super) scope_label: String,
    pub(super) reason: String,
    pub(super) by_line: String,
}

/// One control card.
pub(super) struct ControlView {
    pub(super) key: &'static str,
    pub(super) label: String,
    pub(super) description: String,
    pub(super) effect: String,
    pub(super) workspace_scope: bool,
    pub(super) state: &'static str,
    pub(super) state_class: &'static str,
    pub(super) state_label: String,
    pub(super) pauses: Vec<PauseView>,
    /// Values typed into the failed form, kept on a `422`.
    pub(super) form: ControlForm,
    /// Field messages of the failed form.
    pub(super) errors: Vec<(&'static str, String)>,
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
pub(super) struct DurationChoice {
    pub(super) value: &'static str,
    pub(super) label: String,
}

/// One audited control change.
pub(super) struct ChangeView {
    pub(super) when: String,
    pub(super) when_iso: String,
    pub(super) actor: String,
    pub(super) action_label: String,
    pub(super) control_label: String,
    pub(super) scope_label: String,
    pub(super) reason: String,
}

#[derive(Template)]
#[template(path = "system_controls.html")]
pub(super) struct ControlsPage {
    pub(super) shell: Shell,
    pub(super) controls: Vec<ControlView>,
    pub(super) durations: Vec<DurationChoice>,
    pub(super) workspaces: Vec<WorkspaceChoice>,
    pub(super) history: Vec<ChangeView>,
}

pub(super) fn scope_label(t: Tr, scope: &str) -> String {
    match scope.strip_prefix("workspace:") {
        Some(ws) => t.t1("system-controls-scope-workspace-named", "workspace", ws),
        None => t.t("system-controls-scope-global"),
    }
}

pub(super) fn pause_view(t: Tr, p: &ActivePause) -> PauseView {
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
        Some(at) => t.t1("system-controls-until", "time", t.datetime(at)),
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
                ("time", t.datetime(p.paused_at).into()),
                ("until", until.into()),
            ],
        ),
    }
}

pub(super) fn change_view(t: Tr, c: ControlChange) -> ChangeView {
    let meta = &c.metadata.0;
    let text = |k: &str| meta.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    ChangeView {
        when: t.datetime(c.occurred_at),
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

/// The system console's overview for one window, from the control tower, the telemetry
/// summary and the platform totals.
pub(super) fn dashboard_page(
    shell: Shell,
    window: ConsoleWindow,
    now: DateTime<Utc>,
    tower: ControlTower,
    telemetry: TelemetrySummary,
    totals: service::Totals,
) -> DashboardPage {
    let t = shell.t;
    let window_label = t.t(window.label_key());
    DashboardPage {
        window: window.as_str(),
        range: tn(
            t,
            "system-window-range",
            &[
                ("from", t.datetime(window.start(now)).into()),
                ("to", t.datetime(now).into()),
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
    }
}

/// One view per catalog control: its state from the active pauses (paused everywhere, in some
/// workspaces, or running), and the form that failed, if it is this control's, with its errors.
pub(super) fn control_views(
    t: Tr,
    pauses: &[ActivePause],
    failed: Option<&(ControlKey, ControlForm, Vec<Invalid>)>,
) -> Vec<ControlView> {
    controls::CATALOG
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
            let (form, errors) = match failed {
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
                workspace_scope: d.scopes == controls::ScopeSupport::GlobalOrWorkspace,
                state: state_id,
                state_class: class,
                state_label: label,
                pauses: mine.iter().map(|p| pause_view(t, p)).collect(),
                form,
                errors,
            }
        })
        .collect()
}

/// The confirmation step of a run-execution pause: what it affects, and the same form again
/// with `confirm=yes`.
#[derive(Template)]
#[template(path = "system_control_confirm.html")]
pub(super) struct ConfirmPage {
    pub(super) shell: Shell,
    pub(super) key: &'static str,
    pub(super) form: ControlForm,
    /// "N runs are queued now …".
    pub(super) queued: String,
    pub(super) duration_label: String,
}

/// The confirmation page of `form` for `control` with `queued` runs waiting now.
pub(super) fn confirm_page(
    shell: Shell,
    control: ControlKey,
    form: ControlForm,
    queued: i64,
) -> ConfirmPage {
    let t = shell.t;
    let duration = controls::PauseDuration::parse(&form.duration)
        .unwrap_or(controls::PauseDuration::UntilResumed);
    ConfirmPage {
        key: control.as_str(),
        queued: t.n("system-confirm-run-execution-queued", queued),
        duration_label: t.t(duration.label_key()),
        form,
        shell,
    }
}

/// The posted form of `/system/workspaces`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct WorkspaceForm {
    /// Display name.
    #[serde(default)]
    pub(super) name: String,
    /// URL key; empty: derived from the name.
    #[serde(default)]
    pub(super) slug: String,
    /// First owner's address.
    #[serde(default)]
    pub(super) email: String,
}

/// One row of the workspace list.
pub(super) struct WorkspaceRow {
    pub(super) slug: String,
    pub(super) name: String,
    pub(super) members: i64,
    pub(super) tenants: i64,
    pub(super) pending_invitations: i64,
    pub(super) created: String,
    pub(super) created_iso: String,
    /// No member and no invitation that can still be accepted: nobody can manage it yet.
    pub(super) without_owner: bool,
}

pub(super) fn workspace_row(t: Tr, w: service::WorkspaceOverview) -> WorkspaceRow {
    WorkspaceRow {
        without_owner: w.members == 0 && w.pending_invitations == 0,
        created: t.datetime(w.created_at),
        created_iso: w.created_at.to_rfc3339(),
        slug: w.slug,
        name: w.name,
        members: w.members,
        tenants: w.tenants,
        pending_invitations: w.pending_invitations,
    }
}

/// The workspace just created, with its owner's link shown this once.
pub(super) struct CreatedView {
    pub(super) name: String,
    pub(super) slug: String,
    pub(super) email: String,
    pub(super) link: String,
    pub(super) expires: String,
    pub(super) mailed: bool,
}

pub(super) fn created_view(t: Tr, c: service::CreatedWorkspace) -> CreatedView {
    CreatedView {
        expires: t.datetime(c.invitation.invitation.expires_at),
        email: c.invitation.invitation.email,
        link: c.invitation.link,
        mailed: c.invitation.mailed,
        name: c.workspace.name,
        slug: c.workspace.slug,
    }
}

#[derive(Template)]
#[template(path = "system_workspaces.html")]
pub(super) struct WorkspacesPage {
    pub(super) shell: Shell,
    pub(super) workspaces: Vec<WorkspaceRow>,
    /// The list stopped at its limit: more workspaces exist than are shown.
    pub(super) truncated: Option<i64>,
    pub(super) form: WorkspaceForm,
    pub(super) errors: Vec<Invalid>,
    pub(super) created: Option<CreatedView>,
    /// The link is an owner invitation for an existing workspace, not a new workspace's.
    pub(super) owner_only: bool,
    /// A refused owner invitation: the workspace's slug, the typed address, the errors.
    pub(super) owner_errors: Option<(String, String, Vec<Invalid>)>,
    pub(super) name_max: usize,
}

impl WorkspacesPage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| self.shell.t.t(e.key))
    }

    /// The error beside workspace `slug`'s owner form, if that form was refused.
    fn owner_error(&self, slug: &str) -> Option<String> {
        match &self.owner_errors {
            Some((s, _, errors)) if s == slug => errors.first().map(|e| self.shell.t.t(e.key)),
            _ => None,
        }
    }

    /// What was typed into workspace `slug`'s owner form, when it was refused.
    fn owner_email(&self, slug: &str) -> &str {
        match &self.owner_errors {
            Some((s, email, _)) if s == slug => email,
            _ => "",
        }
    }
}

//! Page views of this feature: askama structs and the mapping from service data to them.

use super::model::{Draft, DraftPageData, NextAction, Readiness, Step};
use super::service;
use crate::features::{tenants::model::Tenant, workspaces::model::MemberWorkspace};
use crate::i18n::Tr;
use crate::{
    access::{Capability, Role},
    error::Invalid,
    features::{
        help::{self, ActionResolver, ResolvedTopic},
        operations::model::RunRow,
        providers::model::{
            Connection, ConsentState, Overall, REQUIRED_PERMISSIONS, VerificationState,
        },
    },
    web::shell::Shell,
};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

pub(super) fn field_error(t: Tr, errors: &[Invalid], field: &str) -> Option<String> {
    errors.iter().find(|e| e.field == field).map(|e| t.t(e.key))
}

/// One row of the draft list.
pub(super) struct DraftRow {
    pub(super) href: String,
    pub(super) name: String,
    pub(super) external_id: String,
    pub(super) workspace_name: String,
    pub(super) step_key: &'static str,
    pub(super) completed: bool,
    pub(super) tenant_linked: bool,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) started_by: String,
}

/// A tenant offered for re-onboarding.
pub(super) struct TenantOption {
    pub(super) external_id: String,
    pub(super) name: String,
    pub(super) workspace_name: String,
}

#[derive(Template)]
#[template(path = "onboarding.html")]
pub(super) struct IndexPage {
    pub(super) shell: Shell,
    pub(super) workspaces: Vec<(String, String)>,
    pub(super) tenants: Vec<TenantOption>,
    pub(super) drafts: Vec<DraftRow>,
    pub(super) form: IdentifyForm,
    pub(super) errors: Vec<Invalid>,
}

/// The index page: the identify form for the `managed` workspaces, the tenants offered again and
/// the drafts whose workspace role may onboard.
pub(super) fn index_page(
    shell: Shell,
    managed: &[(MemberWorkspace, Role)],
    tenants: Vec<(Tenant, String)>,
    drafts: &[Draft],
    form: IdentifyForm,
    errors: Vec<Invalid>,
) -> IndexPage {
    IndexPage {
        shell,
        workspaces: managed
            .iter()
            .map(|(w, _)| (w.slug.clone(), w.name.clone()))
            .collect(),
        tenants: tenants
            .into_iter()
            .map(|(t, workspace_name)| TenantOption {
                external_id: t.external_id,
                name: t.name,
                workspace_name,
            })
            .collect(),
        drafts: drafts
            .iter()
            .filter(|d| d.role.can(Capability::OnboardingManage))
            .map(draft_row)
            .collect(),
        form,
        errors,
    }
}

impl IndexPage {
    fn error_for(&self, field: &str) -> Option<String> {
        field_error(self.shell.t, &self.errors, field)
    }
}

/// One entry of the step indicator.
pub(super) struct StepItem {
    pub(super) label_key: &'static str,
    /// `done`, `current` or `todo`.
    pub(super) state: &'static str,
}

/// The connect form's values.
#[derive(Debug, Clone, Default)]
pub(super) struct ConnectValues {
    pub(super) kind: String,
    pub(super) directory_id: String,
    pub(super) display_name: String,
    pub(super) scenario: String,
}

/// Provider connection as the verify step shows it.
pub(super) struct ConnectionView {
    pub(super) kind_key: &'static str,
    pub(super) display_name: String,
    pub(super) directory_id: String,
    pub(super) consent_key: &'static str,
    pub(super) health_key: &'static str,
}

/// The primary next action: a link or a POST button.
pub(super) struct NextView {
    pub(super) label_key: &'static str,
    pub(super) href: Option<String>,
    pub(super) post_action: Option<&'static str>,
    pub(super) external: bool,
}

/// One required permission with its state.
pub(super) struct PermissionView {
    pub(super) key: String,
    pub(super) state_key: &'static str,
    pub(super) class: &'static str,
}

/// The stored report as the "Stored verification details" card shows it.
pub(super) struct ReportView {
    pub(super) overall_key: &'static str,
    pub(super) overall_class: &'static str,
    pub(super) consent_key: &'static str,
    pub(super) health_key: &'static str,
    pub(super) checked_at: DateTime<Utc>,
    pub(super) freshness_key: &'static str,
    pub(super) reason_key: Option<String>,
    pub(super) run_href: String,
    pub(super) run_id: i64,
}

/// Everything the verify step shows.
pub(super) struct VerifyView {
    pub(super) status_key: &'static str,
    pub(super) status_class: &'static str,
    pub(super) stale: bool,
    pub(super) outdated: bool,
    pub(super) checkpoint_key: &'static str,
    pub(super) connection: Option<ConnectionView>,
    pub(super) next: NextView,
    /// "Re-run verification" is offered beside a blocker's own next action.
    pub(super) offer_rerun: bool,
    pub(super) safe_next_key: &'static str,
    pub(super) reason_key: Option<String>,
    pub(super) run_id: Option<i64>,
    pub(super) run_active: bool,
    pub(super) report: Option<ReportView>,
    pub(super) permissions: Vec<PermissionView>,
}

/// The read-only summary of a completed draft.
pub(super) struct CompletedView {
    pub(super) completed_at: Option<DateTime<Utc>>,
    pub(super) tenant_href: Option<String>,
    pub(super) connection: Option<ConnectionView>,
    pub(super) run_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "onboarding_draft.html")]
pub(super) struct DraftPage {
    pub(super) shell: Shell,
    pub(super) draft_id: i64,
    pub(super) version: i64,
    pub(super) name: String,
    pub(super) external_id: String,
    pub(super) workspace_name: String,
    pub(super) tenant_href: Option<String>,
    pub(super) steps: Vec<StepItem>,
    /// `connect`, `verify` or `complete`.
    pub(super) view: &'static str,
    /// A connection was saved before (the connect form replaces it).
    pub(super) revisiting: bool,
    /// The draft is at verify and the connect form was opened from there.
    pub(super) can_return: bool,
    pub(super) errors: Vec<Invalid>,
    pub(super) connect: ConnectValues,
    pub(super) scenarios: Vec<(&'static str, String)>,
    pub(super) verify: Option<VerifyView>,
    pub(super) completed: Option<CompletedView>,
    pub(super) refresh: bool,
    /// Contextual help for the verification's dominant issue (spec 244), after authorization.
    pub(super) help: Option<ResolvedTopic>,
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

pub(super) fn consent_key(c: ConsentState) -> &'static str {
    match c {
        ConsentState::Granted => "onboarding-consent-granted",
        ConsentState::Missing => "onboarding-consent-missing",
        ConsentState::Unknown => "onboarding-consent-unknown",
    }
}

pub(super) fn health_key(h: crate::features::providers::model::Health) -> &'static str {
    use crate::features::providers::model::Health;
    match h {
        Health::Healthy => "onboarding-health-healthy",
        Health::Unhealthy => "onboarding-health-unhealthy",
        Health::Unknown => "onboarding-health-unknown",
    }
}

pub(super) fn kind_key(kind: &str) -> &'static str {
    match kind {
        "simulated" => "onboarding-kind-simulated",
        "microsoft" => "onboarding-kind-microsoft",
        _ => "onboarding-kind-unknown",
    }
}

pub(super) fn reason_key(reason: crate::features::operations::model::ReasonCode) -> String {
    format!("onboarding-reason-{}", reason.as_str().replace('_', "-"))
}

pub(super) fn connection_view(c: &Connection) -> ConnectionView {
    ConnectionView {
        kind_key: kind_key(c.kind.as_str()),
        display_name: c.display_name.clone(),
        directory_id: c.directory_id.clone(),
        consent_key: consent_key(c.consent()),
        health_key: health_key(c.health()),
    }
}

pub(super) fn permission_view(key: &str, granted: Option<bool>) -> PermissionView {
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

pub(super) fn next_view(draft: &Draft, readiness: &Readiness, run_id: Option<i64>) -> NextView {
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
        // The tenant's consent flow, for every provider kind (it explains the simulated one).
        NextAction::GrantAdminConsent => match &draft.tenant_external_id {
            Some(ext) => link(ActionResolver::AdminConsentPrimary.href(ext)),
            None => link(format!("{draft_href}?step=connect")),
        },
    };
    NextView {
        label_key: readiness.next.label_key(),
        href,
        post_action,
        external,
    }
}

/// The tenant's verification as this draft may show it: the newest report only when it checked
/// the connection the draft saved (it came from the draft's own verification run or a later one,
/// for the same connection); after a connection change or a reset the old report is gone
/// from the page, so its blocker cannot sit beside "Verification has not run yet".
pub(super) fn draft_verification(
    draft: &Draft,
    verification: &VerificationState,
) -> VerificationState {
    let current = verification.report.as_ref().filter(|r| {
        service::report_is_current(&draft.state.0, r)
            && verification
                .connection
                .as_ref()
                .is_some_and(|c| c.id == r.connection_id)
    });
    VerificationState {
        connection: verification.connection.clone(),
        report: current.cloned(),
        stale: current.is_some() && verification.stale,
    }
}

/// Whether the verify step offers "Re-run verification" beside a blocker's own next action, so
/// a fix made elsewhere (consent granted, permissions added) is checked without going back
/// through Connect.
fn offers_rerun(readiness: &Readiness, has_connection: bool) -> bool {
    has_connection
        && !matches!(
            readiness.next,
            NextAction::RunVerification
                | NextAction::WaitForVerification
                | NextAction::CompleteOnboarding
                | NextAction::ConnectProvider
        )
}

pub(super) fn verify_view(
    draft: &Draft,
    verification: &VerificationState,
    run: Option<&RunRow>,
) -> VerifyView {
    let readiness = service::assess(&draft.state.0, verification, run);
    let shown = draft_verification(draft, verification);
    let connection = verification.connection.as_ref();
    let run_id = draft.state.0.verification_run_id;
    let report = shown.report.as_ref().map(|r| {
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
    let permissions = match &shown.report {
        Some(_) => shown
            .required_permissions()
            .into_iter()
            .map(|p| permission_view(&p.key, p.granted))
            .collect(),
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
        next: next_view(draft, &readiness, run_id),
        offer_rerun: offers_rerun(&readiness, connection.is_some()),
        safe_next_key: readiness.safe_next_key,
        reason_key: readiness.reason.map(reason_key),
        run_id: run_id.or(verification.report.as_ref().map(|r| r.run_id)),
        run_active: run.is_some_and(RunRow::is_active),
        report,
        permissions,
    }
}

/// The identify form's values.
#[derive(Debug, Default, Deserialize)]
pub struct IdentifyForm {
    #[serde(default)]
    pub(super) workspace: String,
    #[serde(default)]
    pub(super) existing_tenant: String,
    #[serde(default)]
    pub(super) tenant_name: String,
    #[serde(default)]
    pub(super) external_id: String,
    #[serde(default)]
    pub(super) directory_id: String,
}

/// The draft page from the draft and what the service read for it: the step indicator, the
/// connect form's values (what was typed, else what was saved, else the connection's), the
/// verify step's decision or the completed summary.
pub(super) fn draft_page(
    shell: Shell,
    draft: &Draft,
    data: DraftPageData,
    requested: Option<&str>,
    errors: Vec<Invalid>,
    typed: Option<ConnectValues>,
) -> DraftPage {
    let step = draft.step();
    let DraftPageData { verification, run } = data;
    let connection = verification.as_ref().and_then(|v| v.connection.as_ref());
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
        (Some(v), "verify") => Some(verify_view(draft, v, run.as_ref())),
        (None, "verify") => Some(verify_view(
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
        (Some(v), "verify") => onboarding_help(draft, v, run.as_ref(), t),
        _ => None,
    };
    DraftPage {
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
    }
}

/// The verify step's help card: from the draft's own verification (not the tenant's newest
/// report), its actions pointed at the draft's tenant; "Re-run verification" is left to the
/// readiness card, whose button re-verifies for this draft.
fn onboarding_help(
    draft: &Draft,
    verification: &VerificationState,
    run: Option<&RunRow>,
    t: Tr,
) -> Option<ResolvedTopic> {
    let shown = draft_verification(draft, verification);
    let key = help::topic_for_onboarding(&shown, run.and_then(RunRow::outcome))?;
    let topic = match &draft.tenant_external_id {
        Some(ext) => help::resolve_for_tenant(key, t.0, ext).for_role(draft.role),
        None => help::resolve_key(key, t.0),
    };
    Some(topic.without_actions(&[ActionResolver::RerunVerification]))
}

/// One row of the draft list.
pub(super) fn draft_row(d: &Draft) -> DraftRow {
    DraftRow {
        href: format!("/admin/onboarding/{}", d.id),
        name: d.display_name().to_string(),
        external_id: d.display_external_id().to_string(),
        workspace_name: d.workspace_name.clone(),
        step_key: d.step().label_key(),
        completed: d.is_completed(),
        tenant_linked: d.tenant_id.is_some(),
        updated_at: d.updated_at,
        started_by: d.started_by_label.clone().unwrap_or_default(),
    }
}

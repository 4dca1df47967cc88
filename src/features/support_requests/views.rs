//! Page views of this feature: askama structs and the mapping from service data to them.

use super::model::{
    AttachmentMode, DeskAvailability, HandoffMode, HandoffOutcome, LatestSummary, Severity,
    SupportRequestRow, Target,
};
use super::preview::ContextPreview;
use crate::features::help;
use crate::features::providers::model::TenantVerdict;
use crate::support_desk::DeskKind;
use crate::{error::Invalid, web::shell::Shell};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "support_request.html")]
pub(super) struct FormPage {
    pub(super) shell: Shell,
    pub(super) heading: String,
    pub(super) context_line: String,
    pub(super) back_href: String,
    pub(super) action: String,
    /// The context that will be attached (seed 246's summary); not on the result page.
    pub(super) preview: Option<PreviewView>,
    pub(super) desk: DeskAvailability,
    /// The create option's label, naming the configured desk.
    pub(super) create_label: String,
    /// What the submit button says while the request is on its way (JavaScript only): per
    /// handoff mode, since only a create calls the desk.
    pub(super) busy_create: String,
    pub(super) busy_other: String,
    /// The blank form of this context ("File another request").
    pub(super) form_href: String,
    /// The detail page of the request just submitted.
    pub(super) submitted_href: Option<String>,
    pub(super) latest: Option<LatestSummary>,
    /// The latest request's page, and its retry action when its handoff failed.
    pub(super) latest_href: Option<String>,
    pub(super) latest_retry: Option<String>,
    pub(super) submitted: Option<SupportRequestRow>,
    pub(super) form: RequestForm,
    pub(super) errors: Vec<Invalid>,
    pub(super) severities: Vec<(&'static str, &'static str)>,
    pub(super) modes: Vec<(&'static str, &'static str)>,
}

impl FormPage {
    fn error_for(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| self.shell.t.t(e.key))
    }

    fn severity_selected(&self, value: &str) -> bool {
        match self.form.severity.as_str() {
            "" => value == Severity::Normal.as_str(),
            s => s == value,
        }
    }

    /// Whether the external-ticket fields must show whatever the CSS says: the form came back
    /// with an error in them (or in the mode) while linking was asked for.
    fn link_fields_open(&self) -> bool {
        self.form.handoff_mode.trim() == HandoffMode::LinkExistingTicket.as_str()
            && self.errors.iter().any(|e| {
                matches!(
                    e.field,
                    "handoff_mode" | "external_ticket_reference" | "external_ticket_url"
                )
            })
    }

    fn mode_selected(&self, value: &str) -> bool {
        match self.form.handoff_mode.as_str() {
            "" => value == HandoffMode::InternalOnly.as_str(),
            m => m == value,
        }
    }
}

/// The posted form (the CSRF field is checked by the middleware and ignored here).
#[derive(Debug, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    pub(super) severity: String,
    #[serde(default)]
    pub(super) summary: String,
    #[serde(default)]
    pub(super) reproduction_notes: String,
    #[serde(default)]
    pub(super) contact_name: String,
    #[serde(default)]
    pub(super) contact_email: String,
    #[serde(default)]
    pub(super) handoff_mode: String,
    #[serde(default)]
    pub(super) external_ticket_reference: String,
    #[serde(default)]
    pub(super) external_ticket_url: String,
}

/// The help topic line of the preview: the topic's headline, linked to its documentation.
pub(super) struct HelpLine {
    pub(super) key: &'static str,
    pub(super) headline: String,
    pub(super) explanation: String,
    pub(super) href: Option<String>,
}

/// One run in the preview's failures (or the run of a run context).
pub(super) struct RunLine {
    pub(super) href: String,
    pub(super) label: String,
    pub(super) state: String,
    pub(super) state_class: &'static str,
    pub(super) at: DateTime<Utc>,
    pub(super) reason: Option<String>,
}

/// The attached-context preview in the page's language.
pub(super) struct PreviewView {
    pub(super) tenant_name: String,
    pub(super) tenant_href: String,
    pub(super) verdict: TenantVerdict,
    pub(super) issue: String,
    pub(super) issue_code: Option<&'static str>,
    pub(super) help: Option<HelpLine>,
    pub(super) runs: Vec<RunLine>,
    pub(super) run_context: bool,
    pub(super) attachment: AttachmentMode,
    /// Why that attachment applies, naming the filer's role.
    pub(super) attachment_why: String,
}

fn preview_view(t: crate::i18n::Tr, target: &Target<'_>, p: &ContextPreview) -> PreviewView {
    let issue = match p.dominant.reason {
        Some(reason) => t.t(reason.label_key()),
        None if p.verdict == TenantVerdict::NotVerified => t.t("dashboard-never-verified"),
        None => t.t("dashboard-no-blocker"),
    };
    let help = p.help_topic.map(|key| {
        let topic = help::resolve_key(key, t.0);
        HelpLine {
            key: key.as_str(),
            href: topic.docs_links.first().map(|l| l.url.clone()),
            headline: topic.headline,
            explanation: topic.short_explanation,
        }
    });
    let runs = p
        .failures
        .iter()
        .map(|r| RunLine {
            href: format!("/admin/operations/{}", r.id),
            label: format!("{} #{}", t.t(r.type_label_key()), r.id),
            state: t.t(r.state_label_key()),
            state_class: r.state_class(),
            at: r.created_at,
            reason: r.reason().map(|c| t.t(c.label_key())),
        })
        .collect();
    let role = t.t(p.role.label_key());
    let attachment_why = match p.attachment {
        AttachmentMode::DiagnosticSnapshotAttached => {
            t.t1("support-attachment-snapshot-why", "role", &role)
        }
        AttachmentMode::CanonicalContextOnly => {
            t.t1("support-attachment-canonical-why", "role", &role)
        }
    };
    PreviewView {
        attachment: p.attachment,
        attachment_why,
        tenant_name: target.tenant_name(),
        tenant_href: format!("/admin/t/{}", target.tenant_external_id()),
        verdict: p.verdict,
        issue,
        issue_code: p.dominant.reason.map(|r| r.as_str()),
        help,
        runs,
        run_context: p.run_context,
    }
}

/// The support request form for a tenant or a run: its heading and context line, the context
/// that will be attached, the desk (its name and availability), the latest request's summary,
/// and, after a submit, the request just submitted instead of the form.
#[allow(clippy::too_many_arguments)]
pub(super) fn form_page(
    shell: Shell,
    target: &Target<'_>,
    preview: Option<ContextPreview>,
    desk_kind: Option<DeskKind>,
    desk: DeskAvailability,
    latest: Option<LatestSummary>,
    submitted: Option<SupportRequestRow>,
    form: RequestForm,
    errors: Vec<Invalid>,
) -> FormPage {
    let t = shell.t;
    let desk_name = desk_kind.and_then(DeskKind::display_name);
    let (create_label, busy_create) = match desk_name {
        Some(name) => (
            t.t1("support-mode-create-in", "desk", name),
            t.t1("support-submit-busy-create-in", "desk", name),
        ),
        None => (
            t.t("support-mode-create"),
            t.t("support-submit-busy-create"),
        ),
    };
    let submitted_href = submitted.as_ref().map(|s| {
        format!(
            "/admin/t/{}/support-requests/{}",
            target.tenant_external_id(),
            s.internal_reference
        )
    });
    let latest_href = latest.as_ref().map(|l| {
        format!(
            "/admin/t/{}/support-requests/{}",
            target.tenant_external_id(),
            l.internal_reference
        )
    });
    let latest_retry = latest
        .as_ref()
        .filter(|l| {
            l.handoff_mode == HandoffMode::CreateExternalTicket
                && l.handoff_outcome == HandoffOutcome::ExternalHandoffFailed
        })
        .and(latest_href.as_ref())
        .map(|href| format!("{href}/retry"));
    let (heading, context_line) = match target {
        Target::Tenant(tenant) => (
            t.t("support-request-title"),
            t.t1("support-context-tenant", "tenant", &tenant.name),
        ),
        Target::Run(r) => (
            t.t("support-request-title"),
            format!(
                "{} · {} #{}",
                t.t1("support-context-tenant", "tenant", &r.tenant_name),
                t.t(r.run.type_label_key()),
                r.run.id
            ),
        ),
    };
    FormPage {
        heading,
        context_line,
        back_href: target.path(),
        action: format!("{}/support-requests", target.path()),
        preview: preview.map(|p| preview_view(t, target, &p)),
        desk,
        create_label,
        busy_create,
        busy_other: t.t("support-submit-busy"),
        form_href: target.form_path(),
        submitted_href,
        latest,
        latest_href,
        latest_retry,
        submitted,
        form,
        errors,
        severities: Severity::ALL
            .iter()
            .map(|s| (s.as_str(), s.label_key()))
            .collect(),
        modes: HandoffMode::ALL
            .iter()
            .map(|m| (m.as_str(), m.label_key()))
            .collect(),
        shell,
    }
}

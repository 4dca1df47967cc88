//! Page views of this feature: askama structs and the mapping from service data to them.

use super::model::{
    AttachmentMode, DeskAvailability, HandoffMode, HandoffOutcome, LatestSummary, Severity,
    SupportRequestRow, Target,
};
use crate::{error::Invalid, web::shell::Shell};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "support_request.html")]
pub(super) struct FormPage {
    pub(super) shell: Shell,
    pub(super) heading: String,
    pub(super) context_line: String,
    pub(super) back_href: String,
    pub(super) action: String,
    pub(super) attachment: AttachmentMode,
    pub(super) desk: DeskAvailability,
    pub(super) latest: Option<LatestSummary>,
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

/// The support request form for a tenant or a run: its heading and context line, the
/// attachment mode the caller's role gets, the desk's availability, the latest request's
/// summary and the one just submitted.
#[allow(clippy::too_many_arguments)]
pub(super) fn form_page(
    shell: Shell,
    target: &Target<'_>,
    attachment: AttachmentMode,
    desk: DeskAvailability,
    latest: Option<LatestSummary>,
    submitted: Option<SupportRequestRow>,
    form: RequestForm,
    errors: Vec<Invalid>,
) -> FormPage {
    let t = shell.t;
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
        attachment,
        desk,
        latest,
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

//! Page views of this feature: askama structs and the mapping from service data to them.

use super::model::{
    AttachmentMode, DeskAvailability, HandoffMode, HandoffOutcome, LatestSummary, Severity,
    SupportRequestRow,
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

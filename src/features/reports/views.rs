//! Page views of this feature: askama structs and the mapping from service data to them.

use super::model::{ReviewPack, StoredReport};
use crate::{
    access::TenantScope,
    features::{operations::model::RunType, providers::model::VerificationState},
    web::shell::Shell,
};
use askama::Template;

/// A start button: where it posts, run type id, label key, and why it is disabled (if it is).
pub struct StartAction {
    /// Form action.
    pub action_url: String,
    /// Type id.
    pub run_type: &'static str,
    /// Fluent id of the label.
    pub label_key: &'static str,
    /// Why the button is disabled, in words, shown beside it: the role lacks the capability,
    /// a platform operator paused such starts (with their reason), or the run cannot succeed
    /// now (e.g. no admin consent).
    pub disabled_reason: Option<String>,
}

#[derive(Template)]
#[template(path = "reports.html")]
pub(super) struct IndexPage {
    pub(super) shell: Shell,
    pub(super) tenant_ext: String,
    pub(super) tenant_name: String,
    pub(super) reports: Vec<StoredReport>,
    pub(super) packs: Vec<ReviewPack>,
    pub(super) actions: Vec<StartAction>,
    pub(super) pending_pack_run: Option<i64>,
}

/// The runs that produce a tenant's reports and review packs, offered on the reports page and
/// the dashboard.
pub const REPORT_TYPES: [RunType; 3] = [
    RunType::PermissionPostureReport,
    RunType::EntraAdminRolesReport,
    RunType::ReviewPackGenerate,
];

/// Start buttons for `types` as the caller's role allows them, as the platform pauses in the
/// `shell` leave them open and as the tenant's
/// `verification` lets them succeed: a role without the capability, a paused start, or a run that must fail
/// (sync without admin consent, anything without a connection), is disabled with the reason in
/// words, before the click.
pub fn start_actions(
    scope: &TenantScope,
    shell: &Shell,
    types: &[RunType],
    verification: &VerificationState,
) -> Vec<StartAction> {
    types
        .iter()
        .map(|t| StartAction {
            action_url: format!("/admin/t/{}/operations", scope.tenant.external_id),
            run_type: t.as_str(),
            label_key: t.label_key(),
            disabled_reason: crate::access::missing_capability_reason(
                scope.role,
                t.required_capability(),
                shell.t,
            )
            .or_else(|| shell.start_paused(*t))
            .or_else(|| verification.start_blocker_key(*t).map(|k| shell.t.t(k))),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "report.html")]
pub(super) struct ReportPage {
    pub(super) shell: Shell,
    pub(super) tenant_ext: String,
    pub(super) tenant_name: String,
    pub(super) report: StoredReport,
    pub(super) pretty: String,
}

//! Page views of this feature: askama structs and the mapping from service data to them.

use super::model::{ReviewPack, StoredReport};
use crate::{access::TenantScope, features::operations::model::RunType, web::shell::Shell};
use askama::Template;

/// A start button: where it posts, run type id, label key, and why it is disabled (if it is).
pub struct StartAction {
    /// Form action.
    pub action_url: String,
    /// Type id.
    pub run_type: &'static str,
    /// Fluent id of the label.
    pub label_key: &'static str,
    /// Translated reason when the role lacks the capability.
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

/// Start buttons for `types` as the caller's role allows them.
pub fn start_actions(scope: &TenantScope, shell: &Shell, types: &[RunType]) -> Vec<StartAction> {
    types
        .iter()
        .map(|t| StartAction {
            action_url: format!("/admin/t/{}/operations", scope.tenant.external_id),
            run_type: t.as_str(),
            label_key: t.label_key(),
            disabled_reason: (!scope.role.can(t.required_capability())).then(|| {
                shell.t.t1(
                    "reason-missing-capability",
                    "capability",
                    t.required_capability().as_str(),
                )
            }),
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

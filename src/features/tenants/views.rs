//! Page views of this feature: askama structs and the mapping from service data to them.

use super::model::Tenant;
use crate::features::{
    operations::model::{ReasonCode, RunRow},
    providers, reports,
};
use crate::web::shell::Shell;
use askama::Template;

#[derive(Template)]
#[template(path = "admin_home.html")]
pub(super) struct NoWorkspacePage {
    pub(super) shell: Shell,
}

#[derive(Template)]
#[template(path = "workspace.html")]
pub(super) struct WorkspacePage {
    pub(super) shell: Shell,
    pub(super) workspace_name: String,
    pub(super) tenants: Vec<Tenant>,
}

#[derive(Template)]
#[template(path = "tenant.html")]
pub(super) struct TenantPage {
    pub(super) shell: Shell,
    pub(super) tenant: super::model::ScopedTenant,
    pub(super) role: &'static str,
    pub(super) verification: providers::model::VerificationState,
    pub(super) dominant: Option<ReasonCode>,
    pub(super) runs: Vec<RunRow>,
    pub(super) actions: Vec<reports::views::StartAction>,
    pub(super) diagnostics_denied: Option<String>,
    pub(super) support_denied: Option<String>,
}

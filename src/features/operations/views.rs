//! Page views of this feature: askama structs and the mapping from service data to them.

use super::model::RunWithTenant;
use crate::{
    features::{providers, reports},
    web::shell::Shell,
};
use askama::Template;

#[derive(Template)]
#[template(path = "operations.html")]
pub(super) struct ListPage {
    pub(super) shell: Shell,
    pub(super) rows: Vec<RunWithTenant>,
    pub(super) tenants: Vec<(String, String)>,
    pub(super) types: Vec<(&'static str, &'static str)>,
    pub(super) outcomes: Vec<(&'static str, &'static str)>,
    pub(super) tenant: String,
    pub(super) run_type: String,
    pub(super) outcome: String,
    pub(super) page: i64,
    pub(super) prev_href: Option<String>,
    pub(super) next_href: Option<String>,
}

#[derive(Template)]
#[template(path = "run.html")]
pub(super) struct RunPage {
    pub(super) shell: Shell,
    pub(super) r: RunWithTenant,
    pub(super) counts: Vec<(String, i64)>,
    pub(super) report: Option<providers::model::VerificationReport>,
    pub(super) pack: Option<reports::model::ReviewPack>,
    pub(super) progress_percent: i64,
    pub(super) diagnostics_denied: Option<String>,
    pub(super) support_denied: Option<String>,
}

//! Page views of this feature: askama structs and the mapping from service data to them.

use super::model::{RunOutcome, RunType, RunWithTenant};
use super::service::RunListPage;
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

/// The run list page from one page of runs; `href` builds the link to another page with the
/// same filters.
pub(super) fn list_page(
    shell: Shell,
    data: RunListPage,
    tenant: String,
    run_type: String,
    outcome: String,
    page: i64,
    href: impl Fn(i64) -> String,
) -> ListPage {
    ListPage {
        shell,
        tenants: data
            .visible_tenants
            .iter()
            .map(|t| (t.external_id.clone(), t.name.clone()))
            .collect(),
        types: RunType::ALL
            .iter()
            .map(|t| (t.as_str(), t.label_key()))
            .collect(),
        outcomes: RunOutcome::ALL
            .iter()
            .map(|o| (o.as_str(), o.label_key()))
            .collect(),
        prev_href: (page > 1).then(|| href(page - 1)),
        next_href: data.has_next.then(|| href(page + 1)),
        rows: data.rows,
        tenant,
        run_type,
        outcome,
        page,
    }
}

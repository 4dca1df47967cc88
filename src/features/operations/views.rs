//! Page views of this feature: askama structs and the mapping from service data to them.

use super::model::{RunOutcome, RunType, RunWithTenant, format_count};
use super::service::{NextStep, RunDetail, RunListPage};
use crate::{
    access::{Capability, RunScope},
    features::help::{self, ResolvedTopic},
    features::{providers, reports},
    i18n::Tr,
    web::shell::Shell,
};
use askama::Template;
use chrono::{DateTime, Utc};

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
    pub(super) live: RunLive,
}

/// The changing parts of the run viewer alone (`GET /admin/operations/{run}/progress`).
#[derive(Template)]
#[template(path = "run_state.html")]
pub(super) struct RunFragment {
    pub(super) shell: Shell,
    pub(super) r: RunWithTenant,
    pub(super) live: RunLive,
}

/// What the run viewer shows beyond the run row, in the caller's language.
pub(super) struct RunLive {
    /// Count labels and numbers.
    pub(super) counts: Vec<(String, String)>,
    pub(super) progress_percent: i64,
    /// How long the run has taken so far, in words.
    pub(super) elapsed: String,
    pub(super) detail: RunDetail,
    /// What the run produced (a verification report, a review pack).
    pub(super) artifacts: RunArtifacts,
    /// The help topic of a failed run's reason.
    pub(super) help: Option<ResolvedTopic>,
    /// Why the caller may not retry (a missing capability), if they may not.
    pub(super) retry_denied: Option<String>,
    pub(super) diagnostics_denied: Option<String>,
    pub(super) support_denied: Option<String>,
}

/// What a completed run produced, as the viewer shows it.
#[derive(Default)]
pub(super) struct RunArtifacts {
    pub(super) report: Option<providers::model::VerificationReport>,
    pub(super) pack: Option<reports::model::ReviewPack>,
}

/// The viewer's changing parts of the scope's run, read as `detail` and `artifacts`, at `now`.
pub(super) fn run_live(
    scope: &RunScope,
    (detail, artifacts): (RunDetail, RunArtifacts),
    t: Tr,
    now: DateTime<Utc>,
) -> RunLive {
    let run = &scope.run.run;
    let denied = |cap| crate::access::missing_capability_reason(scope.role, cap, t);
    let help = match detail.next {
        Some(_) => run.reason().and_then(help::topic_for_reason),
        None => None,
    };
    RunLive {
        counts: run.counts().labelled(t),
        progress_percent: run.progress_percent(),
        elapsed: elapsed_text(run.elapsed_secs(now), t),
        help: help.map(|key| {
            let topic = help::resolve_for_tenant(key, t.0, &scope.run.tenant_external_id);
            // The what-next panel offers the consent flow itself: once per page.
            let offered: &[help::ActionResolver] = match detail.next {
                Some(NextStep::GrantConsent) => &[help::ActionResolver::AdminConsentPrimary],
                _ => &[],
            };
            topic.for_role(scope.role).without_actions(offered)
        }),
        retry_denied: run.kind().and_then(|k| denied(k.required_capability())),
        diagnostics_denied: denied(Capability::SupportDiagnosticsView),
        support_denied: denied(Capability::SupportRequestsCreate),
        detail,
        artifacts,
    }
}

/// `75` seconds as "1 min 15 s" (German "1 Min. 15 Sek.").
fn elapsed_text(secs: i64, t: Tr) -> String {
    let seconds = t.t1("run-elapsed-seconds", "seconds", secs % 60);
    match secs / 60 {
        0 => seconds,
        minutes => format!(
            "{} {seconds}",
            t.t1("run-elapsed-minutes", "minutes", format_count(minutes, t))
        ),
    }
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

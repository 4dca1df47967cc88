//! Page views of this feature: askama structs and the mapping from service data to them.

use super::labels;
use super::service::{AuditPageData, AuditQuery, AuditRow};
use crate::outbound::urlencode;
use crate::web::shell::Shell;
use askama::Template;

#[derive(Template)]
#[template(path = "audit.html")]
pub(super) struct AuditPage {
    pub(super) shell: Shell,
    pub(super) rows: Vec<AuditLine>,
    /// Action codes of the filter with their words (`None`: unknown to this version).
    pub(super) actions: Vec<(String, Option<String>)>,
    pub(super) tenants: Vec<(String, String)>,
    pub(super) action: String,
    pub(super) tenant: String,
    pub(super) page: i64,
    pub(super) prev_href: Option<String>,
    pub(super) next_href: Option<String>,
}

/// One row with its codes in words.
pub(super) struct AuditLine {
    pub(super) row: AuditRow,
    pub(super) when: String,
    pub(super) actor: String,
    pub(super) action: Option<String>,
    pub(super) target: Option<String>,
}

impl AuditPage {
    pub(super) fn new(shell: Shell, slug: &str, q: AuditQuery, data: AuditPageData) -> Self {
        let action = q.action.unwrap_or_default();
        let tenant = q.tenant.unwrap_or_default();
        let page = data.events.page;
        let href = |p: i64| {
            format!(
                "/admin/w/{slug}/audit?action={}&tenant={}&page={p}",
                urlencode(&action),
                urlencode(&tenant)
            )
        };
        AuditPage {
            prev_href: (page > 1).then(|| href(page - 1)),
            next_href: data.events.has_next.then(|| href(page + 1)),
            rows: data
                .events
                .rows
                .into_iter()
                .map(|row| AuditLine {
                    when: shell.t.datetime(row.occurred_at),
                    actor: labels::actor(shell.t, &row.actor_label),
                    action: labels::action(shell.t, &row.action),
                    target: labels::target(shell.t, &row.target_type),
                    row,
                })
                .collect(),
            actions: data
                .actions
                .into_iter()
                .map(|code| {
                    let label = labels::action(shell.t, &code);
                    (code, label)
                })
                .collect(),
            shell,
            tenants: data.tenants,
            action,
            tenant,
            page,
        }
    }
}

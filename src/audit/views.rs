//! Page views of this feature: askama structs and the mapping from service data to them.

use super::labels;
use super::service::{AuditPageData, AuditQuery, AuditRow};
use crate::outbound::urlencode;
use crate::web::shell::Shell;
use askama::Template;
use std::collections::HashSet;

#[derive(Template)]
#[template(path = "audit.html")]
pub(super) struct AuditPage {
    pub(super) shell: Shell,
    pub(super) rows: Vec<AuditLine>,
    /// Action codes of the filter with their words (`None`: unknown to this version).
    pub(super) actions: Vec<(String, Option<String>)>,
    /// Actors as the log records them, with their words.
    pub(super) actors: Vec<(String, String)>,
    pub(super) tenants: Vec<(String, String)>,
    pub(super) action: String,
    pub(super) tenant: String,
    pub(super) actor: String,
    pub(super) from: String,
    pub(super) to: String,
    /// `(field, message)` of each invalid filter.
    pub(super) errors: Vec<(&'static str, String)>,
    /// The CSV of the same filters.
    pub(super) export_href: String,
    /// What the export's cap means, in words.
    pub(super) export_cap: String,
    pub(super) page: i64,
    pub(super) prev_href: Option<String>,
    pub(super) next_href: Option<String>,
}

impl AuditPage {
    /// The message for `field`, when that filter is invalid.
    pub(super) fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// One row with its codes in words.
pub(super) struct AuditLine {
    pub(super) row: AuditRow,
    pub(super) when: String,
    pub(super) actor: String,
    pub(super) action: Option<String>,
    pub(super) target: Option<String>,
    /// Where the target is shown, when it is in the viewer's scope.
    pub(super) target_href: Option<String>,
}

/// The page a row's target is shown on, only when the viewer can see it (`visible`: the
/// external ids of the tenants they see; anything else is a 404 to them, so it gets no link).
/// Runs and support requests belong to the row's tenant; a tenant target is its external id.
fn target_href(row: &AuditRow, visible: &HashSet<&str>) -> Option<String> {
    let seen = |ext: &str| visible.contains(ext);
    let tenant = row.tenant.as_deref().filter(|t| seen(t));
    match row.target_type.as_str() {
        "operation_run" => {
            tenant.map(|_| format!("/admin/operations/{}", urlencode(&row.target_id)))
        }
        "support_request" => tenant.map(|t| {
            format!(
                "/admin/t/{}/support-requests/{}",
                urlencode(t),
                urlencode(&row.target_id)
            )
        }),
        "tenant" => seen(&row.target_id).then(|| format!("/admin/t/{}", urlencode(&row.target_id))),
        _ => None,
    }
}

impl AuditPage {
    pub(super) fn new(
        shell: Shell,
        slug: &str,
        q: AuditQuery,
        data: AuditPageData,
        max_rows: i64,
    ) -> Self {
        let page = data.events.page;
        let filters = q.filter_string();
        let href = |p: i64| format!("/admin/w/{slug}/audit?{filters}&page={p}");
        let visible: HashSet<&str> = data.tenants.iter().map(|(ext, _)| ext.as_str()).collect();
        let t = shell.t;
        let rows = data
            .events
            .rows
            .into_iter()
            .map(|row| AuditLine {
                when: t.datetime(row.occurred_at),
                actor: labels::actor(t, &row.actor_label),
                action: labels::action(t, &row.action),
                target: labels::target(t, &row.target_type),
                target_href: target_href(&row, &visible),
                row,
            })
            .collect();
        AuditPage {
            prev_href: (page > 1).then(|| href(page - 1)),
            next_href: data.events.has_next.then(|| href(page + 1)),
            export_href: format!("/admin/w/{slug}/audit.csv?{filters}"),
            export_cap: t.t1("audit-export-cap", "max", t.number(max_rows)),
            rows,
            actions: data
                .actions
                .into_iter()
                .map(|code| {
                    let label = labels::action(t, &code);
                    (code, label)
                })
                .collect(),
            actors: data
                .actors
                .into_iter()
                .map(|stored| {
                    let label = labels::actor(t, &stored);
                    (stored, label)
                })
                .collect(),
            errors: data.errors.iter().map(|e| (e.field, t.t(e.key))).collect(),
            tenants: data.tenants,
            action: q.action.unwrap_or_default(),
            tenant: q.tenant.unwrap_or_default(),
            actor: q.actor.unwrap_or_default(),
            from: q.from.unwrap_or_default(),
            to: q.to.unwrap_or_default(),
            shell,
            page,
        }
    }
}

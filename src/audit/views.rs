//! Page views of this feature: askama structs and the mapping from service data to them.

use super::service::{AuditPageData, AuditQuery, AuditRow};
use crate::outbound::urlencode;
use crate::web::shell::Shell;
use askama::Template;

#[derive(Template)]
#[template(path = "audit.html")]
pub(super) struct AuditPage {
    pub(super) shell: Shell,
    pub(super) rows: Vec<AuditRow>,
    pub(super) actions: Vec<String>,
    pub(super) tenants: Vec<(String, String)>,
    pub(super) action: String,
    pub(super) tenant: String,
    pub(super) page: i64,
    pub(super) prev_href: Option<String>,
    pub(super) next_href: Option<String>,
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
            shell,
            rows: data.events.rows,
            actions: data.actions,
            tenants: data.tenants,
            action,
            tenant,
            page,
        }
    }
}

//! Page views of this feature: askama structs and the mapping from service data to them.

use super::service::AuditRow;
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

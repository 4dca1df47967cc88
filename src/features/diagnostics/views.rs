//! Page views of this feature: askama structs and the mapping from service data to them.

use super::service::Bundle;
use crate::web::shell::Shell;
use askama::Template;

#[derive(Template)]
#[template(path = "diagnostics.html")]
pub(super) struct PreviewPage {
    pub(super) shell: Shell,
    pub(super) title: String,
    pub(super) back_href: String,
    pub(super) download_href: String,
    pub(super) bundle: Bundle,
    pub(super) pretty: String,
    pub(super) reason_key: Option<&'static str>,
    pub(super) reason_code: Option<&'static str>,
    pub(super) manifest: Vec<(String, String, String)>,
    pub(super) not_collected: Vec<(String, String)>,
    pub(super) help: Option<crate::features::help::ResolvedTopic>,
}

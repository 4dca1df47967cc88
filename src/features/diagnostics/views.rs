//! Page views of this feature: askama structs and the mapping from service data to them.

use super::service::{Bundle, MAX_BUNDLE_BYTES};
use crate::i18n::{CATALOG, Tr};
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
    pub(super) not_collected: Vec<NotCollected>,
    pub(super) help: Option<crate::features::help::ResolvedTopic>,
}

/// One thing the bundle left out, in the page's language. The bundle stores an item code and an
/// English reason (the JSON is for support tools); the page says both from the code.
pub(super) struct NotCollected {
    /// The item in words; `None` for an item this version does not know (shown as its code).
    pub(super) label: Option<String>,
    pub(super) code: String,
    pub(super) reason: String,
}

/// The page's line for the bundle's `item` (stored `reason` only for an unknown item).
pub(super) fn not_collected_line(t: Tr, item: &str, reason: &str) -> NotCollected {
    let id = format!("not-collected-{}", item.replace('_', "-"));
    if !CATALOG.has(&id) {
        return NotCollected {
            label: None,
            code: item.to_string(),
            reason: reason.to_string(),
        };
    }
    NotCollected {
        label: Some(t.t(&id)),
        code: item.to_string(),
        reason: t.t1(
            &format!("{id}-reason"),
            "size",
            t.size(MAX_BUNDLE_BYTES as i64),
        ),
    }
}

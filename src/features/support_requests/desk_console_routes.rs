//! `/system/support-desk`: platform operators see which desk is configured (never its
//! credentials) and can send one clearly marked test ticket through the real connector. The
//! outcome is audited (`support_desk.test_ticket`), and the page shows the last one, so the
//! result survives the redirect without echoing anything from the URL.

use super::service;
use crate::{
    access::PlatformUser,
    audit::{self, service::AuditRow},
    error::AppResult,
    state::AppState,
    support_desk::{DeskKind, HandoffFailure},
    web::{context::RequestContext, html, see_other, shell::Shell},
};
use askama::Template;
use axum::{extract::State, response::Response};

#[derive(Template)]
#[template(path = "system_support_desk.html")]
struct DeskPage {
    shell: Shell,
    kind: DeskKind,
    address: String,
    template: String,
    timeout_ms: u64,
    configured: bool,
    last: Option<AuditRow>,
}

impl DeskPage {
    fn last_ok(&self) -> Option<String> {
        let row = self.last.as_ref()?;
        row.metadata.0["external_ticket_reference"]
            .as_str()
            .map(str::to_string)
    }

    /// The last test's failure in the reader's language from its code; the stored English
    /// summary only for a code this version does not know.
    fn last_failure(&self) -> Option<String> {
        let metadata = &self.last.as_ref()?.metadata.0;
        let code = metadata["failure_code"]
            .as_str()
            .and_then(HandoffFailure::parse);
        match code {
            Some(code) => {
                let reference = metadata["test_reference"].as_str().unwrap_or_default();
                Some(self.shell.t.t1(code.message_key(), "reference", reference))
            }
            None => metadata["failure_summary"].as_str().map(str::to_string),
        }
    }
}

/// The desk's address without credentials, query or fragment.
fn display_address(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => String::new(),
    }
}

/// `GET /system/support-desk`.
pub async fn page(
    State(state): State<AppState>,
    ctx: RequestContext,
    _platform: PlatformUser,
) -> AppResult<Response> {
    let cfg = &state.config.support_desk;
    let last = audit::service::latest_global(&state.db, service::TEST_ACTION).await?;
    Ok(html(&DeskPage {
        shell: Shell::system(&ctx, "support-desk"),
        kind: cfg.kind,
        address: display_address(&cfg.url),
        template: cfg.ticket_url_template.clone(),
        timeout_ms: cfg.timeout_ms.min(5000),
        configured: state.support_desk().is_some(),
        last,
    }))
}

/// `POST /system/support-desk/test-ticket`: one test ticket through the configured connector.
pub async fn send_test_ticket(
    State(state): State<AppState>,
    ctx: RequestContext,
    _platform: PlatformUser,
    _csrf: crate::web::CsrfForm,
) -> AppResult<Response> {
    service::send_test_ticket(&state, &ctx.audit()).await?;
    Ok(see_other("/system/support-desk"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_displayed_address_never_carries_credentials() {
        assert_eq!(
            super::display_address("https://user:secret@desk.example/api?token=abc#x"),
            "https://desk.example/api"
        );
        assert_eq!(super::display_address(""), "");
    }
}

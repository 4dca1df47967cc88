//! `/system/support-desk`: platform operators see which desk is configured (never its
//! credentials) and can send one clearly marked test ticket through the real connector. The
//! outcome is audited (`support_desk.test_ticket`), and the page shows the last one, so the
//! result survives the redirect without echoing anything from the URL.

use crate::{
    access::PlatformUser,
    audit::{self, AuditEntry, service::AuditRow},
    error::AppResult,
    state::AppState,
    support_desk::{DeskKind, TicketDraft},
    web::{context::RequestContext, html, see_other, shell::Shell},
};
use askama::Template;
use axum::{extract::State, response::Response};
use serde_json::json;

/// Audit action of a test ticket attempt.
pub const TEST_ACTION: &str = "support_desk.test_ticket";

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

    fn last_failure(&self) -> Option<String> {
        let row = self.last.as_ref()?;
        row.metadata.0["failure_summary"]
            .as_str()
            .map(str::to_string)
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
    let last = audit::service::latest_global(&state.db, TEST_ACTION).await?;
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
    let reference = format!("SR-TEST-{}", ulid::Ulid::generate());
    let (kind, result) = match state.support_desk() {
        Some(desk) => {
            let draft = TicketDraft {
                internal_reference: reference.clone(),
                severity: "low".into(),
                summary: "TenantPilot test ticket (safe to close)".into(),
                reproduction_notes: Some(
                    "Sent by a platform operator from the TenantPilot system console to verify the support desk configuration.".into(),
                ),
                contact_name: None,
                contact_email: None,
                primary_context_type: "tenant".into(),
                tenant: "tenantpilot-test".into(),
                tenant_name: "TenantPilot configuration test".into(),
                workspace: "system".into(),
                operation_run_id: None,
                context_url: format!(
                    "{}/system/support-desk",
                    state.config.public_url.trim_end_matches('/')
                ),
                context: json!({"kind": "configuration_test"}),
            };
            (desk.kind(), desk.create_ticket(&draft).await)
        }
        None => (
            DeskKind::None,
            Err(crate::support_desk::DeskError::NotConfigured),
        ),
    };
    let metadata = match &result {
        Ok(ticket) => json!({
            "desk": kind.as_str(),
            "test_reference": reference,
            "external_ticket_reference": ticket.reference(),
        }),
        Err(e) => json!({
            "desk": kind.as_str(),
            "test_reference": reference,
            "failure_code": e.code(),
            "failure_summary": e.summary(),
        }),
    };
    let mut tx = state.db.begin().await?;
    audit::record(
        &mut tx,
        &ctx.audit(),
        state.now(),
        AuditEntry {
            action: TEST_ACTION,
            workspace_id: None,
            tenant_id: None,
            target_type: "support_desk",
            target_id: kind.as_str().to_string(),
            metadata,
        },
    )
    .await?;
    tx.commit().await?;
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

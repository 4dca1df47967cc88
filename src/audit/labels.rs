//! Words for the codes an audit row stores (action, record kind, non-user actor), so the log
//! page never shows a code as text. Message ids are the code with `.` and `_` spelled `-`.

use crate::i18n::{CATALOG, Tr};

/// Every action this version writes; a test checks each has a label in both languages.
pub const ACTIONS: &[&str] = &[
    "api_token.created",
    "api_token.revoked",
    "audit.exported",
    "auth.login",
    "auth.logout",
    "member.entitlement_changed",
    "member.invitation_revoked",
    "member.invited",
    "member.joined",
    "member.removed",
    "member.role_changed",
    "membership.granted",
    "onboarding.checkpoint_completed",
    "onboarding.completed",
    "onboarding.draft_created",
    "operation.started",
    "operational_control.paused",
    "operational_control.resumed",
    "provider.admin_consent_denied",
    "provider.admin_consent_granted",
    "provider.admin_consent_requested",
    "provider_connection.saved",
    "session.revoked",
    "support_desk.test_ticket",
    "support_diagnostics.opened",
    "support_request.created",
    "support_request.external_handoff_failed",
    "support_request.external_ticket_created",
    "support_request.external_ticket_linked",
    "tenant.created",
    "user.created",
    "user.password_changed",
    "user.password_reset_requested",
    "user.profile_updated",
    "workspace.created",
];

/// Every record kind this version writes as an audit target.
pub const TARGETS: &[&str] = &[
    "api_token",
    "invitation",
    "membership",
    "onboarding_draft",
    "operation_run",
    "operational_control",
    "provider_connection",
    "support_desk",
    "support_request",
    "tenant",
    "user",
    "workspace",
];

fn label(t: Tr, prefix: &str, code: &str) -> Option<String> {
    let id = format!("{prefix}-{}", code.replace(['.', '_'], "-"));
    CATALOG.has(&id).then(|| t.t(&id))
}

/// The action in words; `None` for an action this version does not know (a row written by a
/// newer version), which the page shows as its code.
pub fn action(t: Tr, code: &str) -> Option<String> {
    label(t, "audit-action", code)
}

/// The record kind in words; `None` when unknown.
pub fn target(t: Tr, code: &str) -> Option<String> {
    label(t, "audit-target", code)
}

/// The actor in words: the CLI and the service itself are stored as the words `cli` and
/// `system`; a user is stored as their e-mail address, shown as is.
pub fn actor(t: Tr, stored: &str) -> String {
    match stored {
        "cli" => t.t("audit-actor-cli"),
        "system" => t.t("audit-actor-system"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn every_written_code_has_a_label_in_both_languages() {
        for locale in Locale::ALL {
            let t = Tr(locale);
            for code in ACTIONS {
                assert!(action(t, code).is_some(), "{code} in {locale:?}");
            }
            for code in TARGETS {
                assert!(target(t, code).is_some(), "{code} in {locale:?}");
            }
        }
        assert_eq!(
            action(Tr(Locale::De), "provider.admin_consent_granted").as_deref(),
            Some("Administratorzustimmung erteilt")
        );
        assert_eq!(
            action(Tr(Locale::En), "provider.admin_consent_granted").as_deref(),
            Some("Admin consent granted")
        );
        assert_eq!(action(Tr(Locale::De), "from.a_newer_version"), None);
        assert_eq!(actor(Tr(Locale::De), "system"), "System");
        assert_eq!(actor(Tr(Locale::De), "cli"), "Befehlszeile");
        assert_eq!(actor(Tr(Locale::De), "a@b.example"), "a@b.example");
    }
}

//! Contextual help (spec 244): a code-owned catalog of topics, a resolver from reason codes to
//! topics, and the machine-readable export.
//!
//! How a host page shows help: pick a topic with [`topic_for_reason`],
//! [`topic_for_onboarding`] or [`topic_for_support_diagnostics`] *after* the page's own scope
//! checks passed, resolve it with [`resolve_key`] in the request's language, put it in an
//! `help: Option<ResolvedTopic>` template field, and include the partial:
//! `{% if let Some(help) = help %}{% include "help_topic.html" %}{% endif %}`.
//! On a tenant's page use [`resolve_for_tenant`] instead, chained with
//! [`ResolvedTopic::for_role`], so the topic's actions ("Grant admin consent", "Open required
//! permissions", "Re-run verification") point at that tenant and say why a role cannot take them.

pub mod api;
pub mod catalog;
pub mod export;
pub mod resolver;

pub use catalog::{
    ActionResolver, CATALOG_VERSION, HelpTopicKey, SCHEMA_VERSION, SurfaceFamily,
    is_approved_docs_url,
};
pub use export::{HelpCatalogDoc, HelpCatalogExport, catalog_doc, export_json};
pub use resolver::{
    GlossaryEntry, HELP_TYPE_BASE, LinkKind, ResolvedLink, ResolvedTopic, TopicAction,
    action_for_reason, all_topics, fallback, problem_type_for, resolve, resolve_for_tenant,
    resolve_key, topic_for_onboarding, topic_for_problem_type, topic_for_reason,
    topic_for_support_diagnostics, topic_type_uri,
};

#[cfg(test)]
mod template_tests {
    use super::*;
    use crate::i18n::{Locale, Tr};
    use askama::Template;

    /// Stands in for a page's `Shell`: the partial only needs `shell.t`.
    struct FakeShell {
        t: Tr,
        csrf: String,
    }

    /// A host page reduced to the documented include pattern.
    #[derive(Template)]
    #[template(
        source = r#"{% if let Some(help) = help %}{% include "help_topic.html" %}{% endif %}"#,
        ext = "html"
    )]
    struct Host {
        shell: FakeShell,
        help: Option<ResolvedTopic>,
    }

    fn render(locale: Locale, help: Option<ResolvedTopic>) -> String {
        Host {
            shell: FakeShell {
                t: Tr(locale),
                csrf: "token".into(),
            },
            help,
        }
        .render()
        .unwrap()
    }

    #[test]
    fn partial_renders_progressive_disclosure() {
        let html = render(
            Locale::En,
            Some(resolve_key(HelpTopicKey::AdminConsentRequired, Locale::En)),
        );
        assert!(html.contains(r#"<aside class="contextual-help" data-testid="contextual-help-block" data-help-topic="admin-consent-required""#));
        assert!(html.contains("Contextual help"));
        assert!(html.contains("Admin consent required"));
        assert!(html.contains(r#"<div class="callout" data-testid="help-safe-next-action"><strong>Safe next action</strong> Grant admin consent and re-run verification.</div>"#));
        assert!(html.contains(
            "<details class=\"contextual-help-more\" data-testid=\"help-troubleshooting\">"
        ));
        assert!(html.contains("<summary>Troubleshooting steps</summary>"));
        assert!(html.contains("<summary>Glossary</summary>"));
        assert!(html.contains(r#"href="https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent" rel="noopener noreferrer" target="_blank""#));
        assert!(
            !html.contains("help-reason-label"),
            "reason label equal to the headline is hidden"
        );
        assert!(
            !html.contains(">help-") && !html.contains('…'),
            "no raw Fluent id or missing translation on screen"
        );
    }

    #[test]
    fn partial_renders_tenant_actions_only_with_an_address() {
        let without = render(
            Locale::En,
            Some(resolve_key(HelpTopicKey::AdminConsentRequired, Locale::En)),
        );
        assert!(!without.contains("data-testid=\"help-actions\""));
        let with = render(
            Locale::En,
            Some(resolve_for_tenant(
                HelpTopicKey::AdminConsentRequired,
                Locale::En,
                "contoso",
            )),
        );
        assert!(with.contains(r#"<a class="button" href="/admin/t/contoso/consent" data-testid="help-action-admin_consent_primary">Grant admin consent</a>"#), "{with}");
        let stale = render(
            Locale::De,
            Some(
                resolve_for_tenant(HelpTopicKey::VerificationStale, Locale::De, "contoso")
                    .for_role(crate::access::Role::Readonly),
            ),
        );
        assert!(stale.contains("disabled aria-disabled=\"true\" data-testid=\"help-action-rerun_verification\">Überprüfung erneut ausführen</button>"), "{stale}");
        assert!(stale.contains("Erfordert die Rolle Operator"));
        let stale = render(
            Locale::En,
            Some(resolve_for_tenant(
                HelpTopicKey::VerificationStale,
                Locale::En,
                "contoso",
            )),
        );
        assert!(stale.contains(
            r#"<form method="post" action="/admin/t/contoso/operations" class="inline">"#
        ));
        assert!(
            stale.contains(
                r#"<input type="hidden" name="type" value="provider.connection.verify">"#
            )
        );
        assert!(stale.contains(r#"name="_csrf" value="token""#));
    }

    #[test]
    fn partial_is_translated_and_omits_the_fallback_key() {
        let html = render(Locale::De, Some(resolve("no-such-topic", Locale::De)));
        assert!(html.contains("Kontextbezogene Hilfe"));
        assert!(html.contains("<strong>Sicherer nächster Schritt</strong>"));
        assert!(!html.contains("no-such-topic"));
        assert!(!html.contains("data-help-topic"));
        assert!(!html.contains("help-docs-links"), "fallback has no links");
        assert!(!html.contains("help-glossary"), "fallback has no glossary");
        let html = render(
            Locale::De,
            Some(resolve_key(HelpTopicKey::VerificationStale, Locale::De)),
        );
        assert!(html.contains("data-testid=\"help-reason-label\">Überprüfung ist veraltet<"));
        assert_eq!(render(Locale::En, None), "");
    }
}

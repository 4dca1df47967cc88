//! The code-owned contextual-help catalog (spec 244).
//!
//! The catalog is deliberately code, not data: topic keys are a closed enum so a reviewer sees
//! every topic in one diff, hosts cannot invent page-local help, and the compiler checks that
//! every key has an entry. Text lives in `locales/{en,de}/help.ftl` (reason labels reuse the
//! operations vocabulary in `operations.ftl`) so the help never drifts from the words the rest of
//! the product uses. External links come only from the [`DocsLink`] allow-list.

use utoipa::ToSchema;

/// Version of the catalog's content; bump it whenever a topic, text id or link changes so
/// consumers of the exported knowledge source can tell two exports apart.
pub const CATALOG_VERSION: &str = "2026-12-01.1";

/// Version of the export's JSON shape; bump it only when fields are removed or change meaning,
/// so consumers can refuse a shape they do not understand.
pub const SCHEMA_VERSION: u32 = 1;

crate::text_enum!(
    custom_parse
    /// Stable key of a help topic. The set is locked by spec 244 to exactly these eight; the string
    /// form appears in URLs, problem `type` URIs and the export, so it must never change.
    HelpTopicKey [ToSchema] {
        /// The customer tenant has not consented to the provider app.
        AdminConsentRequired = "admin-consent-required",
        /// Consent exists but required application permissions are not granted.
        RequiredPermissionsMissing = "required-permissions-missing",
        /// The provider connection is missing, degraded or unreachable.
        ConnectionUnhealthy = "connection-unhealthy",
        /// The newest verification is older than the freshness window.
        VerificationStale = "verification-stale",
        /// Verification ran but reached no usable conclusion.
        VerificationFailed = "verification-failed",
        /// Support diagnostics could not collect enough to conclude.
        DiagnosticEvidenceIncomplete = "diagnostic-evidence-incomplete",
        /// A temporary provider failure (throttling, timeout) that a retry should clear.
        RetryableProviderFailure = "retryable-provider-failure",
        /// Nothing the operator can fix in the product; a person has to take the case over.
        ManualHandoffRequired = "manual-handoff-required",
    }
);

impl HelpTopicKey {
    /// Reads a key from a URL or request: trimmed, in any ASCII case.
    pub fn parse(s: &str) -> Option<HelpTopicKey> {
        let s = s.trim();
        HelpTopicKey::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }

    /// The catalog entry of this key.
    pub fn topic(self) -> &'static HelpTopic {
        match self {
            HelpTopicKey::AdminConsentRequired => &ADMIN_CONSENT_REQUIRED,
            HelpTopicKey::RequiredPermissionsMissing => &REQUIRED_PERMISSIONS_MISSING,
            HelpTopicKey::ConnectionUnhealthy => &CONNECTION_UNHEALTHY,
            HelpTopicKey::VerificationStale => &VERIFICATION_STALE,
            HelpTopicKey::VerificationFailed => &VERIFICATION_FAILED,
            HelpTopicKey::DiagnosticEvidenceIncomplete => &DIAGNOSTIC_EVIDENCE_INCOMPLETE,
            HelpTopicKey::RetryableProviderFailure => &RETRYABLE_PROVIDER_FAILURE,
            HelpTopicKey::ManualHandoffRequired => &MANUAL_HANDOFF_REQUIRED,
        }
    }
}

crate::text_enum!(
    /// A family of pages that shows help (the seed's `surface_families`): which hosts a topic
    /// is written for, so a reviewer of a topic knows where its text appears.
    SurfaceFamily [ToSchema] {
        /// The onboarding wizard's verify step.
        Onboarding = "onboarding",
        /// The support-diagnostics previews (tenant and run).
        SupportDiagnostics = "support_diagnostics",
        /// The tenant dashboard's decision card.
        TenantDashboard = "tenant_dashboard",
    }
);

crate::text_enum!(
    /// How a topic's tenant-aware action resolves to an address (the seed's link `resolver`).
    /// Without a tenant (API, export) an action has no address; on a tenant page it gets one.
    ActionResolver [ToSchema] {
        /// The tenant's admin-consent flow: `GET /admin/t/{tenant}/consent`.
        AdminConsentPrimary = "admin_consent_primary",
        /// The tenant's required-permissions view: `GET /admin/t/{tenant}/permissions`.
        RequiredPermissions = "required_permissions",
        /// Queue a new verification: `POST /admin/t/{tenant}/operations`
        /// with `type=provider.connection.verify`.
        RerunVerification = "rerun_verification",
        /// Review or replace the provider connection: the onboarding wizard.
        ProviderConnection = "provider_connection",
    }
);

impl ActionResolver {
    /// Fluent id of the action's label.
    pub fn label_id(self) -> &'static str {
        match self {
            ActionResolver::AdminConsentPrimary => "help-action-grant-admin-consent",
            ActionResolver::RequiredPermissions => "help-action-open-required-permissions",
            ActionResolver::RerunVerification => "help-action-rerun-verification",
            ActionResolver::ProviderConnection => "help-action-review-connection",
        }
    }

    /// The capability the action needs, so a page can disable it with the reason in words.
    pub fn required_capability(self) -> crate::access::Capability {
        use crate::access::Capability;
        match self {
            ActionResolver::AdminConsentPrimary | ActionResolver::ProviderConnection => {
                Capability::OnboardingManage
            }
            ActionResolver::RequiredPermissions => Capability::TenantsView,
            ActionResolver::RerunVerification => Capability::OperationsStart,
        }
    }

    /// Whether the action changes something (a `POST` form) rather than opening a page.
    pub fn is_post(self) -> bool {
        self == ActionResolver::RerunVerification
    }

    /// The address for the tenant with external id `tenant`.
    pub fn href(self, tenant: &str) -> String {
        match self {
            ActionResolver::AdminConsentPrimary => format!("/admin/t/{tenant}/consent"),
            ActionResolver::RequiredPermissions => format!("/admin/t/{tenant}/permissions"),
            ActionResolver::RerunVerification => format!("/admin/t/{tenant}/operations"),
            ActionResolver::ProviderConnection => "/admin/onboarding".to_string(),
        }
    }
}

/// A glossary term help topics may explain. One shared list keeps a term's definition identical
/// wherever it appears, instead of each topic defining "provider connection" its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlossaryTerm {
    /// A managed customer tenant.
    Tenant,
    /// An MSP or team grouping tenants.
    Workspace,
    /// How we reach the tenant's Microsoft cloud.
    ProviderConnection,
    /// Tenant-wide approval of the app.
    AdminConsent,
    /// App-only permission.
    ApplicationPermission,
    /// A check of a provider connection.
    Verification,
    /// How long a verification stays trustworthy.
    FreshnessWindow,
    /// Redacted troubleshooting summary.
    SupportDiagnostics,
    /// Records a diagnosis rests on.
    Evidence,
    /// Provider-side request limiting.
    Throttling,
    /// A tenant-bound job.
    OperationRun,
    /// Intake record for human support.
    SupportRequest,
}

impl GlossaryTerm {
    /// Every term (tests check each has text in both languages).
    pub const ALL: [GlossaryTerm; 12] = [
        GlossaryTerm::Tenant,
        GlossaryTerm::Workspace,
        GlossaryTerm::ProviderConnection,
        GlossaryTerm::AdminConsent,
        GlossaryTerm::ApplicationPermission,
        GlossaryTerm::Verification,
        GlossaryTerm::FreshnessWindow,
        GlossaryTerm::SupportDiagnostics,
        GlossaryTerm::Evidence,
        GlossaryTerm::Throttling,
        GlossaryTerm::OperationRun,
        GlossaryTerm::SupportRequest,
    ];

    fn slug(self) -> &'static str {
        match self {
            GlossaryTerm::Tenant => "tenant",
            GlossaryTerm::Workspace => "workspace",
            GlossaryTerm::ProviderConnection => "provider-connection",
            GlossaryTerm::AdminConsent => "admin-consent",
            GlossaryTerm::ApplicationPermission => "application-permission",
            GlossaryTerm::Verification => "verification",
            GlossaryTerm::FreshnessWindow => "freshness-window",
            GlossaryTerm::SupportDiagnostics => "support-diagnostics",
            GlossaryTerm::Evidence => "evidence",
            GlossaryTerm::Throttling => "throttling",
            GlossaryTerm::OperationRun => "operation-run",
            GlossaryTerm::SupportRequest => "support-request",
        }
    }

    /// Fluent id of the term's name.
    pub fn term_id(self) -> String {
        format!("help-term-{}", self.slug())
    }

    /// Fluent id of the term's one-sentence definition.
    pub fn definition_id(self) -> String {
        format!("help-term-{}-definition", self.slug())
    }
}

/// An approved external documentation page. This enum *is* the allow-list: a topic can only
/// link to a variant here, so a reviewer sees every outbound URL in one place and no tenant
/// data or unvetted host can reach a link. Only `learn.microsoft.com` pages, without a locale
/// segment, so Microsoft serves them in the reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocsLink {
    /// How a tenant administrator grants tenant-wide admin consent.
    GrantAdminConsent,
    /// Delegated vs. application permissions and how consent works.
    PermissionsConsentOverview,
    /// Every Microsoft Graph permission and what it allows.
    GraphPermissionsReference,
    /// Microsoft Graph throttling limits and retry guidance.
    GraphThrottling,
    /// Microsoft Graph error responses.
    GraphErrors,
    /// `AADSTS…` sign-in and consent error codes.
    EntraErrorCodes,
    /// Checking Microsoft 365 service health.
    ServiceHealth,
}

impl DocsLink {
    /// Every approved link.
    pub const ALL: [DocsLink; 7] = [
        DocsLink::GrantAdminConsent,
        DocsLink::PermissionsConsentOverview,
        DocsLink::GraphPermissionsReference,
        DocsLink::GraphThrottling,
        DocsLink::GraphErrors,
        DocsLink::EntraErrorCodes,
        DocsLink::ServiceHealth,
    ];

    /// The page's address.
    pub fn url(self) -> &'static str {
        match self {
            DocsLink::GrantAdminConsent => {
                "https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent"
            }
            DocsLink::PermissionsConsentOverview => {
                "https://learn.microsoft.com/entra/identity-platform/permissions-consent-overview"
            }
            DocsLink::GraphPermissionsReference => {
                "https://learn.microsoft.com/graph/permissions-reference"
            }
            DocsLink::GraphThrottling => "https://learn.microsoft.com/graph/throttling",
            DocsLink::GraphErrors => "https://learn.microsoft.com/graph/errors",
            DocsLink::EntraErrorCodes => {
                "https://learn.microsoft.com/entra/identity-platform/reference-error-codes"
            }
            DocsLink::ServiceHealth => {
                "https://learn.microsoft.com/microsoft-365/enterprise/view-service-health"
            }
        }
    }

    /// Fluent id of the link text.
    pub fn label_id(self) -> &'static str {
        match self {
            DocsLink::GrantAdminConsent => "help-link-grant-admin-consent",
            DocsLink::PermissionsConsentOverview => "help-link-permissions-consent-overview",
            DocsLink::GraphPermissionsReference => "help-link-graph-permissions-reference",
            DocsLink::GraphThrottling => "help-link-graph-throttling",
            DocsLink::GraphErrors => "help-link-graph-errors",
            DocsLink::EntraErrorCodes => "help-link-entra-error-codes",
            DocsLink::ServiceHealth => "help-link-service-health",
        }
    }
}

/// Whether `url` is on the docs allow-list; consumers that receive links from elsewhere (the
/// export, a cached payload) can re-check before rendering them.
pub fn is_approved_docs_url(url: &str) -> bool {
    DocsLink::ALL.iter().any(|l| l.url() == url)
}

/// One catalog entry: Fluent ids only, so the same entry serves every language and the
/// export carries no text that bypassed translation review.
#[derive(Debug)]
pub struct HelpTopic {
    /// The entry's key.
    pub key: HelpTopicKey,
    /// Fluent id of the headline (the topic's title).
    pub headline_id: &'static str,
    /// Fluent id of the one-line meaning.
    pub short_explanation_id: &'static str,
    /// Fluent id of the short reason label; the six provider topics reuse the operations
    /// reason vocabulary so a run's reason and its help read the same.
    pub reason_label_id: &'static str,
    /// Fluent ids of the troubleshooting steps, in order (2–5).
    pub step_ids: &'static [&'static str],
    /// Fluent id of the one safe next action.
    pub safe_next_action_id: &'static str,
    /// Terms the topic's text relies on.
    pub glossary: &'static [GlossaryTerm],
    /// Approved documentation, most useful first.
    pub docs_links: &'static [DocsLink],
    /// Tenant-aware actions, most useful first.
    pub actions: &'static [ActionResolver],
    /// Page families that show the topic.
    pub surfaces: &'static [SurfaceFamily],
}

/// The topics every host family shows (onboarding, diagnostics and the dashboard all map the
/// provider reasons to them).
const ALL_SURFACES: &[SurfaceFamily] = &[
    SurfaceFamily::Onboarding,
    SurfaceFamily::SupportDiagnostics,
    SurfaceFamily::TenantDashboard,
];

static ADMIN_CONSENT_REQUIRED: HelpTopic = HelpTopic {
    key: HelpTopicKey::AdminConsentRequired,
    headline_id: "help-admin-consent-required-headline",
    short_explanation_id: "help-admin-consent-required-explanation",
    reason_label_id: "reason-admin-consent-required",
    step_ids: &[
        "help-admin-consent-required-step-1",
        "help-admin-consent-required-step-2",
        "help-admin-consent-required-step-3",
    ],
    safe_next_action_id: "help-admin-consent-required-next",
    glossary: &[
        GlossaryTerm::AdminConsent,
        GlossaryTerm::ProviderConnection,
        GlossaryTerm::Tenant,
    ],
    docs_links: &[DocsLink::GrantAdminConsent, DocsLink::EntraErrorCodes],
    actions: &[ActionResolver::AdminConsentPrimary],
    surfaces: ALL_SURFACES,
};

static REQUIRED_PERMISSIONS_MISSING: HelpTopic = HelpTopic {
    key: HelpTopicKey::RequiredPermissionsMissing,
    headline_id: "help-required-permissions-missing-headline",
    short_explanation_id: "help-required-permissions-missing-explanation",
    reason_label_id: "reason-required-permissions-missing",
    step_ids: &[
        "help-required-permissions-missing-step-1",
        "help-required-permissions-missing-step-2",
        "help-required-permissions-missing-step-3",
    ],
    safe_next_action_id: "help-required-permissions-missing-next",
    glossary: &[
        GlossaryTerm::ApplicationPermission,
        GlossaryTerm::AdminConsent,
        GlossaryTerm::ProviderConnection,
    ],
    docs_links: &[
        DocsLink::GraphPermissionsReference,
        DocsLink::PermissionsConsentOverview,
    ],
    actions: &[ActionResolver::RequiredPermissions],
    surfaces: ALL_SURFACES,
};

static CONNECTION_UNHEALTHY: HelpTopic = HelpTopic {
    key: HelpTopicKey::ConnectionUnhealthy,
    headline_id: "help-connection-unhealthy-headline",
    short_explanation_id: "help-connection-unhealthy-explanation",
    reason_label_id: "reason-connection-unhealthy",
    step_ids: &[
        "help-connection-unhealthy-step-1",
        "help-connection-unhealthy-step-2",
        "help-connection-unhealthy-step-3",
    ],
    safe_next_action_id: "help-connection-unhealthy-next",
    glossary: &[
        GlossaryTerm::ProviderConnection,
        GlossaryTerm::Tenant,
        GlossaryTerm::Verification,
    ],
    docs_links: &[DocsLink::EntraErrorCodes, DocsLink::GraphErrors],
    actions: &[
        ActionResolver::RerunVerification,
        ActionResolver::ProviderConnection,
    ],
    surfaces: ALL_SURFACES,
};

static VERIFICATION_STALE: HelpTopic = HelpTopic {
    key: HelpTopicKey::VerificationStale,
    headline_id: "help-verification-stale-headline",
    short_explanation_id: "help-verification-stale-explanation",
    reason_label_id: "reason-verification-stale",
    step_ids: &[
        "help-verification-stale-step-1",
        "help-verification-stale-step-2",
    ],
    safe_next_action_id: "help-verification-stale-next",
    glossary: &[
        GlossaryTerm::Verification,
        GlossaryTerm::FreshnessWindow,
        GlossaryTerm::ProviderConnection,
    ],
    docs_links: &[],
    actions: &[ActionResolver::RerunVerification],
    surfaces: ALL_SURFACES,
};

static VERIFICATION_FAILED: HelpTopic = HelpTopic {
    key: HelpTopicKey::VerificationFailed,
    headline_id: "help-verification-failed-headline",
    short_explanation_id: "help-verification-failed-explanation",
    reason_label_id: "reason-verification-failed",
    step_ids: &[
        "help-verification-failed-step-1",
        "help-verification-failed-step-2",
        "help-verification-failed-step-3",
    ],
    safe_next_action_id: "help-verification-failed-next",
    glossary: &[
        GlossaryTerm::Verification,
        GlossaryTerm::OperationRun,
        GlossaryTerm::ProviderConnection,
    ],
    docs_links: &[DocsLink::EntraErrorCodes, DocsLink::GraphErrors],
    actions: &[ActionResolver::RerunVerification],
    surfaces: ALL_SURFACES,
};

static DIAGNOSTIC_EVIDENCE_INCOMPLETE: HelpTopic = HelpTopic {
    key: HelpTopicKey::DiagnosticEvidenceIncomplete,
    headline_id: "help-diagnostic-evidence-incomplete-headline",
    short_explanation_id: "help-diagnostic-evidence-incomplete-explanation",
    reason_label_id: "help-diagnostic-evidence-incomplete-reason",
    step_ids: &[
        "help-diagnostic-evidence-incomplete-step-1",
        "help-diagnostic-evidence-incomplete-step-2",
        "help-diagnostic-evidence-incomplete-step-3",
    ],
    safe_next_action_id: "help-diagnostic-evidence-incomplete-next",
    glossary: &[
        GlossaryTerm::SupportDiagnostics,
        GlossaryTerm::Evidence,
        GlossaryTerm::OperationRun,
    ],
    docs_links: &[],
    actions: &[],
    surfaces: &[SurfaceFamily::SupportDiagnostics],
};

static RETRYABLE_PROVIDER_FAILURE: HelpTopic = HelpTopic {
    key: HelpTopicKey::RetryableProviderFailure,
    headline_id: "help-retryable-provider-failure-headline",
    short_explanation_id: "help-retryable-provider-failure-explanation",
    reason_label_id: "reason-retryable-provider-failure",
    step_ids: &[
        "help-retryable-provider-failure-step-1",
        "help-retryable-provider-failure-step-2",
        "help-retryable-provider-failure-step-3",
    ],
    safe_next_action_id: "help-retryable-provider-failure-next",
    glossary: &[
        GlossaryTerm::Throttling,
        GlossaryTerm::ProviderConnection,
        GlossaryTerm::OperationRun,
    ],
    docs_links: &[DocsLink::GraphThrottling, DocsLink::ServiceHealth],
    actions: &[ActionResolver::RerunVerification],
    surfaces: ALL_SURFACES,
};

static MANUAL_HANDOFF_REQUIRED: HelpTopic = HelpTopic {
    key: HelpTopicKey::ManualHandoffRequired,
    headline_id: "help-manual-handoff-required-headline",
    short_explanation_id: "help-manual-handoff-required-explanation",
    reason_label_id: "help-manual-handoff-required-reason",
    step_ids: &[
        "help-manual-handoff-required-step-1",
        "help-manual-handoff-required-step-2",
        "help-manual-handoff-required-step-3",
    ],
    safe_next_action_id: "help-manual-handoff-required-next",
    glossary: &[
        GlossaryTerm::SupportRequest,
        GlossaryTerm::SupportDiagnostics,
        GlossaryTerm::Workspace,
    ],
    docs_links: &[],
    actions: &[],
    surfaces: &[
        SurfaceFamily::SupportDiagnostics,
        SurfaceFamily::TenantDashboard,
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{CATALOG, Locale, Tr};

    /// Every Fluent id a topic refers to.
    fn ids(topic: &HelpTopic) -> Vec<String> {
        let mut ids = vec![
            topic.headline_id.to_string(),
            topic.short_explanation_id.to_string(),
            topic.reason_label_id.to_string(),
            topic.safe_next_action_id.to_string(),
        ];
        ids.extend(topic.step_ids.iter().map(|s| s.to_string()));
        for term in topic.glossary {
            ids.push(term.term_id());
            ids.push(term.definition_id());
        }
        ids.extend(topic.docs_links.iter().map(|l| l.label_id().to_string()));
        ids.extend(topic.actions.iter().map(|a| a.label_id().to_string()));
        ids
    }

    #[test]
    fn exactly_the_eight_locked_keys_round_trip() {
        let keys: Vec<&str> = HelpTopicKey::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "admin-consent-required",
                "required-permissions-missing",
                "connection-unhealthy",
                "verification-stale",
                "verification-failed",
                "diagnostic-evidence-incomplete",
                "retryable-provider-failure",
                "manual-handoff-required",
            ]
        );
        for key in HelpTopicKey::ALL {
            assert_eq!(HelpTopicKey::parse(key.as_str()), Some(key));
            assert_eq!(key.topic().key, key, "entry filed under the wrong key");
            let json = serde_json::to_value(key).unwrap();
            assert_eq!(json, key.as_str(), "serde and as_str agree");
        }
        assert_eq!(
            HelpTopicKey::parse("  Verification-Stale "),
            Some(HelpTopicKey::VerificationStale)
        );
        for bad in ["", " ", "admin_consent_required", "unknown-topic", "help"] {
            assert_eq!(HelpTopicKey::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_topic_has_a_bounded_shape_and_text_in_both_languages() {
        for key in HelpTopicKey::ALL {
            let topic = key.topic();
            assert!(
                (2..=5).contains(&topic.step_ids.len()),
                "{key}: 2–5 troubleshooting steps"
            );
            assert!(!topic.glossary.is_empty(), "{key}: glossary terms");
            for id in ids(topic) {
                assert!(CATALOG.has(&id), "{key}: `{id}` missing in en");
                for locale in Locale::ALL {
                    let text = Tr(locale).t(&id);
                    assert!(!text.trim().is_empty() && text != "…", "{id} in {locale:?}");
                }
            }
        }
    }

    #[test]
    fn german_text_differs_from_english() {
        for key in HelpTopicKey::ALL {
            let topic = key.topic();
            for id in [
                topic.headline_id,
                topic.short_explanation_id,
                topic.safe_next_action_id,
            ]
            .into_iter()
            .chain(topic.step_ids.iter().copied())
            {
                assert_ne!(Tr(Locale::De).t(id), Tr(Locale::En).t(id), "{id}");
            }
        }
    }

    #[test]
    fn every_docs_link_is_https_on_learn_microsoft_com_and_approved() {
        for link in DocsLink::ALL {
            let url = link.url();
            let rest = url
                .strip_prefix("https://learn.microsoft.com/")
                .unwrap_or_else(|| panic!("{url} is not https on learn.microsoft.com"));
            assert!(
                !rest.is_empty()
                    && !rest.contains(['?', '#', ' ', '@'])
                    && !rest.starts_with("en-us"),
                "{url}: plain, locale-neutral page path"
            );
            assert!(is_approved_docs_url(url));
            for locale in Locale::ALL {
                assert_ne!(Tr(locale).t(link.label_id()), "…");
            }
        }
        for key in HelpTopicKey::ALL {
            for link in key.topic().docs_links {
                assert!(is_approved_docs_url(link.url()), "{key}: {link:?}");
            }
        }
        assert!(!is_approved_docs_url("https://example.com/"));
        assert!(!is_approved_docs_url(
            "http://learn.microsoft.com/graph/throttling"
        ));
    }

    #[test]
    fn every_glossary_term_has_text() {
        for term in GlossaryTerm::ALL {
            for id in [term.term_id(), term.definition_id()] {
                assert!(CATALOG.has(&id), "{id}");
            }
        }
    }
}

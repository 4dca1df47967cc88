//! From what a surface knows (a reason code, a verification state, a topic key string) to the
//! help it shows. Everything here is pure and infallible: help is progressive disclosure on top
//! of a page's own truth, so it must never turn a working page into an error, and an unknown
//! topic degrades to a neutral block instead of showing a raw key.

use super::catalog::{ActionResolver, HelpTopicKey, SurfaceFamily, is_approved_docs_url};
use crate::error::PROBLEM_TYPE_BASE;
use crate::features::operations::model::{ReasonCode, RunOutcome};
use crate::features::providers::model::{Overall, VerificationState};
use crate::i18n::{Locale, Tr};
use serde::Serialize;
use utoipa::ToSchema;

/// Base of the problem-type URIs that point at a help topic.
///
/// URI scheme: `urn:tenantpilot:help:<topic-key>`, where `<topic-key>` is one of the stable
/// [`HelpTopicKey`] strings (e.g. `urn:tenantpilot:help:admin-consent-required`). RFC 9457
/// problems whose cause has a help topic use it as their `type`, so a client can look the
/// explanation up in `GET /api/v1/help/topics` (match on `key`) without a second vocabulary.
/// Problems without a topic keep `urn:tenantpilot:problem:<slug>`. A URN rather than an
/// `https` URL because the catalog is served per deployment, not from one public host.
pub const HELP_TYPE_BASE: &str = "urn:tenantpilot:help:";

crate::text_enum!(
    /// What a link of a topic is (the seed's link `kind`).
    LinkKind [ToSchema] {
        /// A static, approved documentation page (`url` set, no `resolver`).
        Docs = "docs",
        /// A tenant-aware action (`resolver` set; an address only on a tenant page).
        Action = "action",
    }
);

/// A documentation link as a page or the export shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ResolvedLink {
    /// Link text in the requested language.
    pub label: String,
    /// Always `docs`.
    pub kind: LinkKind,
    /// Approved `https://learn.microsoft.com/…` address.
    pub url: String,
    /// Always `null`: a docs link resolves to its fixed `url`.
    pub resolver: Option<ActionResolver>,
}

/// A tenant-aware action of a topic: "Grant admin consent" opens the tenant's consent flow,
/// "Open required permissions" its permission view, "Re-run verification" queues a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TopicAction {
    /// Button text in the requested language.
    pub label: String,
    /// Always `action`.
    pub kind: LinkKind,
    /// How the address is found.
    pub resolver: ActionResolver,
    /// The address on a tenant page; `null` without a tenant (API, export).
    pub href: Option<String>,
    /// Whether the action is a `POST` form (it starts a run) rather than a link.
    pub post: bool,
    /// For a `POST`: the run type the form starts.
    pub run_type: Option<String>,
    /// Why the caller's role cannot take the action, in words; `null` when it can.
    pub disabled_reason: Option<String>,
}

impl TopicAction {
    /// The action `resolver` in `locale`, addressed for the tenant `tenant` when given.
    pub fn new(resolver: ActionResolver, locale: Locale, tenant: Option<&str>) -> TopicAction {
        TopicAction {
            label: Tr(locale).t(resolver.label_id()),
            kind: LinkKind::Action,
            resolver,
            href: tenant.map(|t| resolver.href(t)),
            post: resolver.is_post(),
            run_type: resolver.is_post().then(|| {
                crate::features::operations::model::RunType::ProviderConnectionVerify
                    .as_str()
                    .to_string()
            }),
            disabled_reason: None,
        }
    }

    /// The same action, disabled with the reason in words when `role` cannot take it.
    pub fn for_role(mut self, role: crate::access::Role, locale: Locale) -> TopicAction {
        self.disabled_reason = crate::access::missing_capability_reason(
            role,
            self.resolver.required_capability(),
            Tr(locale),
        );
        self
    }
}

/// A glossary entry in the requested language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct GlossaryEntry {
    /// The term.
    pub term: String,
    /// One-sentence definition.
    pub definition: String,
}

/// A help topic rendered in one language: what templates show and what the API and export
/// return. Only code-owned text and approved links; never tenant data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ResolvedTopic {
    /// Stable topic key (`admin-consent-required`, …); `null` for the neutral fallback, which
    /// is not a topic and must not be linked to as one.
    pub key: Option<String>,
    /// The same key under the seed's knowledge-source name.
    pub topic_key: Option<String>,
    /// Page families that show the topic (empty for the fallback).
    pub surface_families: Vec<SurfaceFamily>,
    /// Title of the help block.
    pub headline: String,
    /// Short label of the underlying reason, shared with run and verification pages; `null`
    /// for the fallback.
    pub reason_label: Option<String>,
    /// One-line meaning of the situation.
    pub short_explanation: String,
    /// Ordered troubleshooting steps.
    pub troubleshooting_steps: Vec<String>,
    /// The one action that is safe to take next.
    pub safe_next_action: String,
    /// Approved documentation, most useful first.
    pub docs_links: Vec<ResolvedLink>,
    /// Tenant-aware actions, most useful first (addresses only on a tenant page).
    pub actions: Vec<TopicAction>,
    /// Terms the text relies on.
    pub glossary: Vec<GlossaryEntry>,
    /// Whether this is the neutral fallback rather than a catalog topic.
    pub is_fallback: bool,
    /// Language of the text (actions added later use it).
    #[serde(skip)]
    pub locale: Locale,
}

impl ResolvedTopic {
    /// The reason label when it adds something: hidden when it merely repeats the headline
    /// (several provider topics share their wording with the reason vocabulary).
    pub fn visible_reason_label(&self) -> Option<&str> {
        self.reason_label
            .as_deref()
            .filter(|r| !r.trim().eq_ignore_ascii_case(self.headline.trim()))
    }

    /// Whether any action has an address (only then the page shows the actions row).
    pub fn has_addressed_actions(&self) -> bool {
        self.actions.iter().any(|a| a.href.is_some())
    }

    /// The topic with its actions disabled, with the reason in words, where `role` cannot take
    /// them.
    pub fn for_role(mut self, role: crate::access::Role) -> ResolvedTopic {
        let locale = self.locale;
        self.actions = self
            .actions
            .into_iter()
            .map(|a| a.for_role(role, locale))
            .collect();
        self
    }

    /// The topic without the actions `skip` (a page that already offers one as its primary
    /// action, or that does it its own way).
    pub fn without_actions(mut self, skip: &[ActionResolver]) -> ResolvedTopic {
        self.actions.retain(|a| !skip.contains(&a.resolver));
        self
    }
}

/// The topic `key` in `locale`, its actions without an address (API, export).
pub fn resolve_key(key: HelpTopicKey, locale: Locale) -> ResolvedTopic {
    resolve_topic(key, locale, None)
}

/// The topic `key` in `locale` on a page of the tenant with external id `tenant_external_id`:
/// its actions carry the tenant's addresses ("Grant admin consent" →
/// `/admin/t/{tenant}/consent`, "Open required permissions" → `/admin/t/{tenant}/permissions`,
/// "Re-run verification" → a `POST` to `/admin/t/{tenant}/operations`). Chain
/// [`ResolvedTopic::for_role`] to disable what the caller's role cannot do.
pub fn resolve_for_tenant(
    key: HelpTopicKey,
    locale: Locale,
    tenant_external_id: &str,
) -> ResolvedTopic {
    resolve_topic(key, locale, Some(tenant_external_id))
}

fn resolve_topic(key: HelpTopicKey, locale: Locale, tenant: Option<&str>) -> ResolvedTopic {
    let t = Tr(locale);
    let topic = key.topic();
    ResolvedTopic {
        key: Some(key.as_str().to_string()),
        topic_key: Some(key.as_str().to_string()),
        surface_families: topic.surfaces.to_vec(),
        actions: topic
            .actions
            .iter()
            .map(|a| TopicAction::new(*a, locale, tenant))
            .collect(),
        locale,
        headline: t.t(topic.headline_id),
        reason_label: Some(t.t(topic.reason_label_id)),
        short_explanation: t.t(topic.short_explanation_id),
        troubleshooting_steps: topic.step_ids.iter().map(|id| t.t(id)).collect(),
        safe_next_action: t.t(topic.safe_next_action_id),
        docs_links: topic
            .docs_links
            .iter()
            .filter(|l| is_approved_docs_url(l.url()))
            .map(|l| ResolvedLink {
                label: t.t(l.label_id()),
                kind: LinkKind::Docs,
                url: l.url().to_string(),
                resolver: None,
            })
            .collect(),
        glossary: topic
            .glossary
            .iter()
            .map(|g| GlossaryEntry {
                term: t.t(&g.term_id()),
                definition: t.t(&g.definition_id()),
            })
            .collect(),
        is_fallback: false,
    }
}

/// The neutral block shown when no topic applies: generic wording, no key, no links, so the
/// page stays coherent and nothing unresolved leaks onto the screen.
pub fn fallback(locale: Locale) -> ResolvedTopic {
    let t = Tr(locale);
    ResolvedTopic {
        key: None,
        topic_key: None,
        surface_families: Vec::new(),
        actions: Vec::new(),
        locale,
        headline: t.t("help-fallback-headline"),
        reason_label: None,
        short_explanation: t.t("help-fallback-explanation"),
        troubleshooting_steps: vec![t.t("help-fallback-step-1"), t.t("help-fallback-step-2")],
        safe_next_action: t.t("help-fallback-next"),
        docs_links: Vec::new(),
        glossary: Vec::new(),
        is_fallback: true,
    }
}

/// The topic named by `key_str` in `locale`, or the neutral [`fallback`] for an empty or
/// unknown key. Hosts that carry topic keys as strings (stored payloads, query strings) use
/// this; it never fails and never echoes the key it could not resolve.
pub fn resolve(key_str: &str, locale: Locale) -> ResolvedTopic {
    match HelpTopicKey::parse(key_str) {
        Some(key) => resolve_key(key, locale),
        None => fallback(locale),
    }
}

/// Every catalog topic in `locale`, in catalog order (the knowledge source).
pub fn all_topics(locale: Locale) -> Vec<ResolvedTopic> {
    HelpTopicKey::ALL
        .into_iter()
        .map(|k| resolve_key(k, locale))
        .collect()
}

/// The topic that explains a run or verification reason. The six provider reasons map 1:1; a
/// missing connection is a connection problem; run faults the operator cannot fix themselves
/// (interrupted executor, unknown type, bug) need a person. `Option` so a future reason
/// without a topic degrades to "no help" rather than a wrong one.
pub fn topic_for_reason(reason: ReasonCode) -> Option<HelpTopicKey> {
    Some(match reason {
        ReasonCode::AdminConsentRequired => HelpTopicKey::AdminConsentRequired,
        ReasonCode::RequiredPermissionsMissing => HelpTopicKey::RequiredPermissionsMissing,
        ReasonCode::ConnectionUnhealthy | ReasonCode::ProviderConnectionMissing => {
            HelpTopicKey::ConnectionUnhealthy
        }
        ReasonCode::VerificationStale => HelpTopicKey::VerificationStale,
        ReasonCode::VerificationFailed => HelpTopicKey::VerificationFailed,
        ReasonCode::RetryableProviderFailure => HelpTopicKey::RetryableProviderFailure,
        ReasonCode::Orphaned | ReasonCode::UnknownOperationType | ReasonCode::InternalError => {
            HelpTopicKey::ManualHandoffRequired
        }
    })
}

/// The one action that addresses a tenant's dominant issue `reason`, as the dashboard offers
/// it first: consent → the consent flow, permissions → the permission view, no connection →
/// the onboarding wizard, anything else (stale, failed, unhealthy, retryable) → verify again.
pub fn action_for_reason(reason: ReasonCode) -> ActionResolver {
    match reason {
        ReasonCode::AdminConsentRequired => ActionResolver::AdminConsentPrimary,
        ReasonCode::RequiredPermissionsMissing => ActionResolver::RequiredPermissions,
        ReasonCode::ProviderConnectionMissing => ActionResolver::ProviderConnection,
        _ => ActionResolver::RerunVerification,
    }
}

fn is_failure(outcome: Option<RunOutcome>) -> bool {
    matches!(
        outcome,
        Some(RunOutcome::Failed | RunOutcome::PartiallySucceeded)
    )
}

/// The topic for the onboarding verification step, after the seed's
/// `topicKeyForOnboardingVerification`, with the precedence of
/// [`VerificationState::dominant_reason`]:
///
/// 1. no provider connection → `connection-unhealthy`;
/// 2. the newest report's own reason → its topic (a specific blocker beats staleness); run
///    faults that would mean "hand off" elsewhere read as `verification-failed` here, because
///    on this step the operator's next move is still to verify again;
/// 3. a report that is not ready but names no reason → `verification-failed`;
/// 4. stale but otherwise ready → `verification-stale`;
/// 5. `run_outcome` (the latest verification run) failed without a more specific reason, e.g.
///    it stopped before writing a report → `verification-failed`;
/// 6. ready and fresh, or never verified → `None` (no help block).
///
/// Unlike the seed, a retryable provider failure keeps its own topic on onboarding: "retry
/// later" is more useful to the operator than a generic "verification failed".
pub fn topic_for_onboarding(
    state: &VerificationState,
    run_outcome: Option<RunOutcome>,
) -> Option<HelpTopicKey> {
    if state.connection.is_none() {
        return topic_for_reason(ReasonCode::ProviderConnectionMissing);
    }
    if let Some(report) = &state.report {
        if let Some(reason) = report.reason() {
            return match topic_for_reason(reason) {
                Some(HelpTopicKey::ManualHandoffRequired) | None => {
                    Some(HelpTopicKey::VerificationFailed)
                }
                topic => topic,
            };
        }
        if report.overall() != Overall::Ready {
            return Some(HelpTopicKey::VerificationFailed);
        }
        if state.stale {
            return Some(HelpTopicKey::VerificationStale);
        }
    }
    is_failure(run_outcome).then_some(HelpTopicKey::VerificationFailed)
}

/// The topic for a support-diagnostics bundle, after the seed's
/// `topicKeyForSupportDiagnostics`: the dominant reason's topic first; otherwise a failed run
/// → `verification-failed`; otherwise evidence the bundle could not collect →
/// `diagnostic-evidence-incomplete`; otherwise no help.
pub fn topic_for_support_diagnostics(
    reason: Option<ReasonCode>,
    evidence_incomplete: bool,
    run_outcome: Option<RunOutcome>,
) -> Option<HelpTopicKey> {
    if let Some(topic) = reason.and_then(topic_for_reason) {
        return Some(topic);
    }
    if is_failure(run_outcome) {
        return Some(HelpTopicKey::VerificationFailed);
    }
    evidence_incomplete.then_some(HelpTopicKey::DiagnosticEvidenceIncomplete)
}

/// The problem-type URI of a topic: `urn:tenantpilot:help:<topic-key>` (see [`HELP_TYPE_BASE`]).
pub fn topic_type_uri(key: HelpTopicKey) -> String {
    format!("{HELP_TYPE_BASE}{}", key.as_str())
}

/// The RFC 9457 `type` for a problem caused by `reason`: `urn:tenantpilot:help:<topic-key>` when
/// the reason has a help topic (every current reason does), so API clients can look the
/// explanation up in the help catalog; otherwise the generic
/// `urn:tenantpilot:problem:<reason-with-hyphens>`.
pub fn problem_type_for(reason: ReasonCode) -> String {
    match topic_for_reason(reason) {
        Some(key) => topic_type_uri(key),
        None => format!("{PROBLEM_TYPE_BASE}{}", reason.as_str().replace('_', "-")),
    }
}

/// The topic a problem `type` URI points at, for clients and tests that go the other way;
/// `None` for any URI outside the `urn:tenantpilot:help:` scheme or with an unknown key.
pub fn topic_for_problem_type(uri: &str) -> Option<HelpTopicKey> {
    uri.strip_prefix(HELP_TYPE_BASE)
        .filter(|k| !k.is_empty() && k.trim() == *k)
        .and_then(HelpTopicKey::parse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::providers::model::Connection;
    use crate::features::providers::model::VerificationReport;
    use chrono::Utc;
    use serde_json::json;
    use sqlx::types::Json;

    fn connection() -> Connection {
        Connection {
            id: 1,
            tenant_id: 1,
            kind: crate::features::providers::model::ProviderKind::Simulated,
            directory_id: "example.onmicrosoft.com".into(),
            display_name: "x".into(),
            simulated_scenario: Some(crate::features::providers::model::SimulatedScenario::Healthy),
            consent_state: crate::features::providers::model::ConsentState::Granted,
            health: crate::features::providers::model::Health::Healthy,
            granted_permissions: Json(json!([])),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn report(overall: Overall, reason: Option<ReasonCode>) -> VerificationReport {
        VerificationReport {
            id: 1,
            tenant_id: 1,
            connection_id: 1,
            run_id: 1,
            overall,
            consent_state: crate::features::providers::model::ConsentState::Granted,
            health: crate::features::providers::model::Health::Healthy,
            reason_code: reason,
            permissions: Json(json!([])),
            checked_at: Utc::now(),
        }
    }

    fn state(report: Option<VerificationReport>, stale: bool) -> VerificationState {
        VerificationState {
            connection: Some(connection()),
            report,
            stale,
        }
    }

    #[test]
    fn every_reason_code_has_its_topic() {
        use HelpTopicKey as K;
        use ReasonCode as R;
        let expected = [
            (R::AdminConsentRequired, K::AdminConsentRequired),
            (R::RequiredPermissionsMissing, K::RequiredPermissionsMissing),
            (R::ConnectionUnhealthy, K::ConnectionUnhealthy),
            (R::VerificationStale, K::VerificationStale),
            (R::VerificationFailed, K::VerificationFailed),
            (R::RetryableProviderFailure, K::RetryableProviderFailure),
            (R::ProviderConnectionMissing, K::ConnectionUnhealthy),
            (R::Orphaned, K::ManualHandoffRequired),
            (R::UnknownOperationType, K::ManualHandoffRequired),
            (R::InternalError, K::ManualHandoffRequired),
        ];
        assert_eq!(
            expected.len(),
            ReasonCode::ALL.len(),
            "a reason is untested"
        );
        for (reason, key) in expected {
            assert_eq!(topic_for_reason(reason), Some(key), "{reason:?}");
            assert_eq!(
                problem_type_for(reason),
                format!("urn:tenantpilot:help:{}", key.as_str())
            );
            assert_eq!(topic_for_problem_type(&problem_type_for(reason)), Some(key));
        }
    }

    #[test]
    fn problem_type_uris_parse_strictly() {
        assert_eq!(topic_for_problem_type("urn:tenantpilot:help:"), None);
        assert_eq!(topic_for_problem_type("urn:tenantpilot:help:nope"), None);
        assert_eq!(
            topic_for_problem_type("urn:tenantpilot:problem:not-found"),
            None
        );
        assert_eq!(
            topic_for_problem_type("urn:tenantpilot:help: verification-stale"),
            None
        );
    }

    #[test]
    fn onboarding_topics_follow_the_seed_precedence() {
        use HelpTopicKey as K;
        let no_connection = VerificationState {
            connection: None,
            report: None,
            stale: false,
        };
        assert_eq!(
            topic_for_onboarding(&no_connection, None),
            Some(K::ConnectionUnhealthy)
        );
        // Never verified: nothing to explain yet, unless the verification run failed.
        assert_eq!(topic_for_onboarding(&state(None, false), None), None);
        assert_eq!(
            topic_for_onboarding(&state(None, false), Some(RunOutcome::Failed)),
            Some(K::VerificationFailed)
        );
        // Ready and fresh: no help.
        let ready = || Some(report(Overall::Ready, None));
        assert_eq!(topic_for_onboarding(&state(ready(), false), None), None);
        assert_eq!(
            topic_for_onboarding(&state(ready(), false), Some(RunOutcome::Succeeded)),
            None
        );
        // Stale only matters when nothing more specific is wrong.
        assert_eq!(
            topic_for_onboarding(&state(ready(), true), None),
            Some(K::VerificationStale)
        );
        let consent = Some(report(
            Overall::Blocked,
            Some(ReasonCode::AdminConsentRequired),
        ));
        assert_eq!(
            topic_for_onboarding(&state(consent, true), None),
            Some(K::AdminConsentRequired)
        );
        let perms = Some(report(
            Overall::Blocked,
            Some(ReasonCode::RequiredPermissionsMissing),
        ));
        assert_eq!(
            topic_for_onboarding(&state(perms, false), Some(RunOutcome::PartiallySucceeded)),
            Some(K::RequiredPermissionsMissing)
        );
        let unhealthy = Some(report(
            Overall::Failed,
            Some(ReasonCode::ConnectionUnhealthy),
        ));
        assert_eq!(
            topic_for_onboarding(&state(unhealthy, false), Some(RunOutcome::Failed)),
            Some(K::ConnectionUnhealthy)
        );
        let retry = Some(report(
            Overall::Failed,
            Some(ReasonCode::RetryableProviderFailure),
        ));
        assert_eq!(
            topic_for_onboarding(&state(retry, false), None),
            Some(K::RetryableProviderFailure)
        );
        // Failed without a specific reason, or with a run fault: verification failed.
        let reasonless = Some(report(Overall::Failed, None));
        assert_eq!(
            topic_for_onboarding(&state(reasonless, false), None),
            Some(K::VerificationFailed)
        );
        let internal = Some(report(Overall::Failed, Some(ReasonCode::InternalError)));
        assert_eq!(
            topic_for_onboarding(&state(internal, false), Some(RunOutcome::Failed)),
            Some(K::VerificationFailed)
        );
        // A newer run failed before it could write a report.
        assert_eq!(
            topic_for_onboarding(&state(ready(), false), Some(RunOutcome::Failed)),
            Some(K::VerificationFailed)
        );
    }

    #[test]
    fn support_diagnostics_topics() {
        use HelpTopicKey as K;
        assert_eq!(
            topic_for_support_diagnostics(Some(ReasonCode::RetryableProviderFailure), true, None),
            Some(K::RetryableProviderFailure)
        );
        assert_eq!(
            topic_for_support_diagnostics(Some(ReasonCode::Orphaned), false, None),
            Some(K::ManualHandoffRequired)
        );
        assert_eq!(
            topic_for_support_diagnostics(None, true, Some(RunOutcome::Failed)),
            Some(K::VerificationFailed)
        );
        assert_eq!(
            topic_for_support_diagnostics(None, true, Some(RunOutcome::Succeeded)),
            Some(K::DiagnosticEvidenceIncomplete)
        );
        assert_eq!(topic_for_support_diagnostics(None, false, None), None);
    }

    #[test]
    fn unknown_or_empty_keys_fall_back_without_echoing_the_key() {
        for locale in Locale::ALL {
            for bad in [
                "",
                "   ",
                "unknown-topic",
                "admin_consent_required",
                "<script>",
            ] {
                let r = resolve(bad, locale);
                assert!(r.is_fallback);
                assert_eq!(r.key, None);
                assert_eq!(r.reason_label, None);
                assert!(r.docs_links.is_empty() && r.glossary.is_empty());
                assert!(!r.headline.is_empty() && !r.safe_next_action.is_empty());
                let json = serde_json::to_string(&r).unwrap();
                if !bad.trim().is_empty() {
                    assert!(!json.contains(bad), "{bad:?} leaked: {json}");
                }
                assert!(!json.contains("help-"), "raw Fluent id leaked: {json}");
                assert!(!json.contains('…'), "missing translation: {json}");
            }
        }
        assert_eq!(resolve("", Locale::En).headline, "Contextual help");
        assert_eq!(resolve("", Locale::De).headline, "Kontextbezogene Hilfe");
    }

    #[test]
    fn resolved_topics_carry_no_raw_ids() {
        for locale in Locale::ALL {
            for topic in all_topics(locale) {
                let json = serde_json::to_string(&topic).unwrap();
                assert!(!json.contains("\"help-"), "raw id in {json}");
                assert!(!json.contains("reason-"), "raw id in {json}");
                assert!(!json.contains('…'), "missing translation in {json}");
            }
        }
    }

    #[test]
    fn seed_copy_and_reason_label_deduplication() {
        let r = resolve("admin-consent-required", Locale::En);
        assert_eq!(r.headline, "Admin consent required");
        assert_eq!(
            r.safe_next_action,
            "Grant admin consent and re-run verification."
        );
        assert_eq!(r.visible_reason_label(), None, "same as the headline");
        let r = resolve_key(HelpTopicKey::VerificationStale, Locale::En);
        assert_eq!(
            r.visible_reason_label(),
            Some("Verification is out of date")
        );
        assert!(fallback(Locale::En).visible_reason_label().is_none());
    }
}

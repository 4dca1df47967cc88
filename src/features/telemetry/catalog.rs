//! The code-owned event catalog (spec 243, v1): exactly five adoption events, each with its
//! feature area, family label, allowed subject types and allowed metadata keys with their value
//! kinds. Anything not listed here cannot be recorded, so the ledger cannot drift into a general
//! analytics store or a second audit log.

crate::text_enum!(
    /// One of the five v1 product usage events. The stored names are the seed's
    /// (`product.onboarding.checkpoint_completed`, …); the enum order is the catalog order the
    /// console shows the families in.
    Event [PartialOrd, Ord] {
        /// An onboarding draft that already has a tenant completed a step.
        OnboardingCheckpointCompleted = "product.onboarding.checkpoint_completed",
        /// A user explicitly opened a support diagnostics bundle (tenant or run).
        SupportDiagnosticsOpened = "product.support_diagnostics.opened",
        /// A user started a tenant-bound operation run.
        OperationsStarted = "product.operations.started",
        /// A user-started report run stored its report.
        StoredReportCreated = "product.stored_report.created",
        /// A user requested a review pack (queued a `review_pack.generate` run).
        ReviewPackRequested = "product.review_pack.requested",
    }
);

/// What a metadata value may be. There is deliberately no free-text, object or array kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A positive integer id of one of our records.
    BoundedId,
    /// One value from a fixed, code-owned list.
    OneOf(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// A UTC timestamp (stored as RFC 3339).
    Timestamp,
    /// A canonical type id such as `inventory.sync`: `^[a-z][a-z0-9_.]{0,63}$`.
    CanonicalType,
}

impl ValueKind {
    /// Short name for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            ValueKind::BoundedId => "a positive id",
            ValueKind::OneOf(_) => "one of a fixed list of values",
            ValueKind::Bool => "a boolean",
            ValueKind::Timestamp => "a timestamp",
            ValueKind::CanonicalType => "a canonical type id",
        }
    }
}

/// One allowed metadata key of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    /// The key as stored.
    pub name: &'static str,
    /// What its value may be.
    pub kind: ValueKind,
}

/// Onboarding steps a checkpoint can complete (the draft then moves to the next one).
pub const CHECKPOINT_KEYS: &[&str] = &["identify", "connect", "verify"];
/// Draft lifecycle after a checkpoint.
pub const LIFECYCLE_STATES: &[&str] = &["draft", "completed"];
/// Where support diagnostics are opened from.
pub const DIAGNOSTICS_SURFACES: &[&str] = &["tenant_dashboard", "operation_run_viewer", "api"];
/// Stored report kinds (`ReportKind` ids; a unit test keeps the two in step).
pub const REPORT_TYPES: &[&str] = &["permission_posture", "entra_admin_roles"];
/// Where a review pack is requested from: the admin UI (browser session) or the API (token).
pub const REVIEW_PACK_SURFACES: &[&str] = &["admin", "api"];

const ONBOARDING_KEYS: &[KeySpec] = &[
    KeySpec {
        name: "checkpoint_key",
        kind: ValueKind::OneOf(CHECKPOINT_KEYS),
    },
    KeySpec {
        name: "lifecycle_state",
        kind: ValueKind::OneOf(LIFECYCLE_STATES),
    },
    KeySpec {
        name: "completed_at",
        kind: ValueKind::Timestamp,
    },
];
const DIAGNOSTICS_KEYS: &[KeySpec] = &[
    KeySpec {
        name: "source_surface",
        kind: ValueKind::OneOf(DIAGNOSTICS_SURFACES),
    },
    KeySpec {
        name: "operation_type",
        kind: ValueKind::CanonicalType,
    },
];
const OPERATIONS_KEYS: &[KeySpec] = &[KeySpec {
    name: "operation_type",
    kind: ValueKind::CanonicalType,
}];
const REPORT_KEYS: &[KeySpec] = &[KeySpec {
    name: "report_type",
    kind: ValueKind::OneOf(REPORT_TYPES),
}];
const REVIEW_PACK_KEYS: &[KeySpec] = &[KeySpec {
    name: "source_surface",
    kind: ValueKind::OneOf(REVIEW_PACK_SURFACES),
}];

impl Event {
    /// The stored event name (the seed's): its one spelling.
    pub fn name(self) -> &'static str {
        self.as_str()
    }

    /// Position in [`Event::ALL`] (index of the family in summaries).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Product area the event belongs to.
    pub fn feature_area(self) -> &'static str {
        match self {
            Event::OnboardingCheckpointCompleted => "onboarding",
            Event::SupportDiagnosticsOpened => "support_diagnostics",
            Event::OperationsStarted => "operations",
            Event::StoredReportCreated => "stored_reports",
            Event::ReviewPackRequested => "review_pack",
        }
    }

    /// Fluent id of the family label ("Onboarding checkpoints", …) in `system.ftl`.
    pub fn label_key(self) -> &'static str {
        match self {
            Event::OnboardingCheckpointCompleted => "telemetry-family-onboarding-checkpoints",
            Event::SupportDiagnosticsOpened => "telemetry-family-support-diagnostics",
            Event::OperationsStarted => "telemetry-family-operations-started",
            Event::StoredReportCreated => "telemetry-family-stored-reports",
            Event::ReviewPackRequested => "telemetry-family-review-packs-requested",
        }
    }

    /// Subject types an event of this kind may point at.
    pub fn subject_types(self) -> &'static [&'static str] {
        match self {
            Event::OnboardingCheckpointCompleted => &["onboarding_draft"],
            Event::SupportDiagnosticsOpened => &["tenant", "operation_run"],
            Event::OperationsStarted => &["operation_run"],
            Event::StoredReportCreated => &["stored_report"],
            // The pack row only exists once the run completes; the request is the run.
            Event::ReviewPackRequested => &["operation_run"],
        }
    }

    /// Metadata keys the event allows, with their value kinds. Keys are optional; no other
    /// key is accepted.
    pub fn metadata_keys(self) -> &'static [KeySpec] {
        match self {
            Event::OnboardingCheckpointCompleted => ONBOARDING_KEYS,
            Event::SupportDiagnosticsOpened => DIAGNOSTICS_KEYS,
            Event::OperationsStarted => OPERATIONS_KEYS,
            Event::StoredReportCreated => REPORT_KEYS,
            Event::ReviewPackRequested => REVIEW_PACK_KEYS,
        }
    }

    /// The spec of metadata key `name`, if the event allows it.
    pub fn key(self, name: &str) -> Option<&'static KeySpec> {
        self.metadata_keys().iter().find(|k| k.name == name)
    }
}

/// Fluent id of the "Active workspaces" label.
pub const ACTIVE_WORKSPACES_LABEL_KEY: &str = "telemetry-active-workspaces";
/// Fluent id of the zero state ("No telemetry recorded in { $window }.").
pub const EMPTY_LABEL_KEY: &str = "telemetry-empty";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::operations::model::RunType;
    use crate::features::reports::model::ReportKind;
    use crate::i18n::{CATALOG, Locale};
    use std::collections::HashSet;

    #[test]
    fn five_events_in_catalog_order_with_the_seed_names() {
        let names: Vec<&str> = Event::ALL.iter().map(|e| e.name()).collect();
        assert_eq!(
            names,
            [
                "product.onboarding.checkpoint_completed",
                "product.support_diagnostics.opened",
                "product.operations.started",
                "product.stored_report.created",
                "product.review_pack.requested",
            ]
        );
        for (i, e) in Event::ALL.iter().enumerate() {
            assert_eq!(e.index(), i);
            assert_eq!(Event::parse(e.name()), Some(*e));
        }
        assert_eq!(Event::parse("product.unknown"), None);
        assert_eq!(Event::parse("onboarding.checkpoint_completed"), None);
    }

    #[test]
    fn feature_areas_and_metadata_keys_follow_the_seed() {
        let areas: Vec<&str> = Event::ALL.iter().map(|e| e.feature_area()).collect();
        assert_eq!(
            areas,
            [
                "onboarding",
                "support_diagnostics",
                "operations",
                "stored_reports",
                "review_pack"
            ]
        );
        let keys = |e: Event| e.metadata_keys().iter().map(|k| k.name).collect::<Vec<_>>();
        assert_eq!(
            keys(Event::OnboardingCheckpointCompleted),
            ["checkpoint_key", "lifecycle_state", "completed_at"]
        );
        assert_eq!(
            keys(Event::SupportDiagnosticsOpened),
            ["source_surface", "operation_type"]
        );
        assert_eq!(keys(Event::OperationsStarted), ["operation_type"]);
        assert_eq!(keys(Event::StoredReportCreated), ["report_type"]);
        assert_eq!(keys(Event::ReviewPackRequested), ["source_surface"]);
        assert_eq!(
            Event::OnboardingCheckpointCompleted
                .key("completed_at")
                .map(|k| k.kind),
            Some(ValueKind::Timestamp)
        );
        assert!(Event::OperationsStarted.key("report_type").is_none());
    }

    #[test]
    fn keys_are_unique_and_no_kind_admits_free_text() {
        for e in Event::ALL {
            let mut seen = HashSet::new();
            for k in e.metadata_keys() {
                assert!(seen.insert(k.name), "{} repeats {}", e.name(), k.name);
                if let ValueKind::OneOf(values) = k.kind {
                    assert!(!values.is_empty());
                    for v in values {
                        assert!(
                            v.chars()
                                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.'),
                            "{v} is not a token"
                        );
                    }
                }
            }
            assert!(!e.subject_types().is_empty());
        }
    }

    #[test]
    fn lists_match_the_domain_types() {
        let kinds: Vec<&str> = ReportKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(kinds, REPORT_TYPES);
        for t in RunType::ALL {
            assert!(
                crate::features::telemetry::recorder::is_canonical_type(t.as_str()),
                "{} must be a canonical type id",
                t.as_str()
            );
        }
    }

    #[test]
    fn every_label_exists_in_both_languages() {
        let keys = Event::ALL
            .iter()
            .map(|e| e.label_key())
            .chain([ACTIVE_WORKSPACES_LABEL_KEY, EMPTY_LABEL_KEY]);
        for key in keys {
            for locale in Locale::ALL {
                assert!(
                    crate::i18n::Catalog::ids(locale).iter().any(|id| id == key),
                    "{key} missing in {locale:?}"
                );
            }
        }
        let labels: Vec<String> = Event::ALL
            .iter()
            .map(|e| CATALOG.format(Locale::En, e.label_key(), None))
            .collect();
        assert_eq!(
            labels,
            [
                "Onboarding checkpoints",
                "Support diagnostics",
                "Operations started",
                "Stored reports",
                "Review packs requested"
            ]
        );
        assert_eq!(
            CATALOG.format(Locale::En, ACTIVE_WORKSPACES_LABEL_KEY, None),
            "Active workspaces"
        );
    }
}

//! The machine-readable knowledge source (spec 244, user story 3): the catalog as versioned
//! JSON for internal support and AI tooling. Built only from the code-owned catalog, so by
//! construction it holds topic metadata and approved links and nothing from the database: no
//! tenant, user, token or secret can reach it. The API and `tenantpilot help export` share
//! these shapes so both consumers see one contract.

use super::catalog::{CATALOG_VERSION, HelpTopicKey, SCHEMA_VERSION};
use super::resolver::{ResolvedTopic, all_topics};
use crate::i18n::Locale;
use serde::Serialize;
use utoipa::ToSchema;

/// The catalog in one language, as `GET /api/v1/help/topics` returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HelpCatalogDoc {
    /// Version of this JSON shape (changes only when fields change meaning or disappear).
    pub schema_version: u32,
    /// Version of the catalog's content.
    pub catalog_version: String,
    /// Language of the text.
    pub locale: Locale,
    /// Number of topics (the seed's `topic_count`).
    pub topic_count: usize,
    /// Every topic, in catalog order: `topic_key`, the `surface_families` it serves, its text,
    /// `docs_links` (`kind: docs`, fixed `url`, no `resolver`) and `actions` (`kind: action`,
    /// a `resolver` naming how a tenant page addresses it, no `href` here).
    pub topics: Vec<ResolvedTopic>,
}

/// Topics per language, for the all-languages export.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HelpTopicsByLocale {
    /// English.
    pub en: Vec<ResolvedTopic>,
    /// German.
    pub de: Vec<ResolvedTopic>,
}

/// The catalog in every language, as `tenantpilot help export` writes it without `--locale`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HelpCatalogExport {
    /// Version of this JSON shape.
    pub schema_version: u32,
    /// Version of the catalog's content.
    pub catalog_version: String,
    /// Number of topics (per language; the seed's `topic_count`).
    pub topic_count: usize,
    /// Every topic per language, in catalog order.
    pub locales: HelpTopicsByLocale,
}

/// The catalog document for `locale`.
pub fn catalog_doc(locale: Locale) -> HelpCatalogDoc {
    HelpCatalogDoc {
        schema_version: SCHEMA_VERSION,
        catalog_version: CATALOG_VERSION.to_string(),
        locale,
        topic_count: HelpTopicKey::ALL.len(),
        topics: all_topics(locale),
    }
}

/// The all-languages export document.
pub fn catalog_export() -> HelpCatalogExport {
    HelpCatalogExport {
        schema_version: SCHEMA_VERSION,
        catalog_version: CATALOG_VERSION.to_string(),
        topic_count: HelpTopicKey::ALL.len(),
        locales: HelpTopicsByLocale {
            en: all_topics(Locale::En),
            de: all_topics(Locale::De),
        },
    }
}

/// Pretty JSON of the knowledge source, for the CLI: one language as the API returns it
/// (`{schema_version, catalog_version, locale, topics}`), or every language when `None`
/// (`{schema_version, catalog_version, locales: {en, de}}`). Ends with a newline so the output
/// is a well-formed text file.
pub fn export_json(locale: Option<Locale>) -> String {
    let json = match locale {
        Some(l) => serde_json::to_string_pretty(&catalog_doc(l)),
        None => serde_json::to_string_pretty(&catalog_export()),
    };
    // Plain structs of strings and numbers: serialization cannot fail.
    let mut out = json.expect("help catalog serializes");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn export_shapes() {
        let all: Value = serde_json::from_str(&export_json(None)).unwrap();
        assert_eq!(all["schema_version"], SCHEMA_VERSION);
        assert_eq!(all["catalog_version"], CATALOG_VERSION);
        assert_eq!(all["locales"]["en"].as_array().unwrap().len(), 8);
        assert_eq!(all["locales"]["de"].as_array().unwrap().len(), 8);
        let de: Value = serde_json::from_str(&export_json(Some(Locale::De))).unwrap();
        assert_eq!(de["locale"], "de");
        assert_eq!(de["topics"].as_array().unwrap().len(), 8);
        assert_eq!(de["topics"], all["locales"]["de"]);
        assert!(de["topics"][0]["is_fallback"] == false);
        assert_eq!(all["topic_count"], 8);
        assert_eq!(de["topic_count"], 8);
    }

    #[test]
    fn the_knowledge_source_carries_the_seed_fields() {
        let en: Value = serde_json::from_str(&export_json(Some(Locale::En))).unwrap();
        let consent = &en["topics"][0];
        assert_eq!(consent["topic_key"], "admin-consent-required");
        assert_eq!(
            consent["surface_families"],
            serde_json::json!(["onboarding", "support_diagnostics", "tenant_dashboard"])
        );
        assert_eq!(consent["actions"][0]["kind"], "action");
        assert_eq!(consent["actions"][0]["resolver"], "admin_consent_primary");
        assert_eq!(consent["actions"][0]["label"], "Grant admin consent");
        assert_eq!(
            consent["actions"][0]["href"],
            Value::Null,
            "no tenant in the export"
        );
        assert_eq!(consent["docs_links"][0]["kind"], "docs");
        assert_eq!(consent["docs_links"][0]["resolver"], Value::Null);
        let perms = &en["topics"][1];
        assert_eq!(perms["actions"][0]["resolver"], "required_permissions");
        let evidence = &en["topics"][5];
        assert_eq!(
            evidence["surface_families"],
            serde_json::json!(["support_diagnostics"])
        );
        let text = export_json(None);
        for forbidden in ["tenant_id", "/admin/t/", "secret", "\"locale\": null"] {
            assert!(!text.contains(forbidden), "{forbidden}");
        }
    }
}

//! Contextual help (spec 244): the catalog, its fallback, the reason mapping, the
//! `GET /api/v1/help/topics` endpoint and the `help export` knowledge source.

use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::Value;
use tenantpilot::features::help::{
    self, CATALOG_VERSION, HelpTopicKey, SCHEMA_VERSION, catalog::DocsLink, is_approved_docs_url,
};
use tenantpilot::features::operations::model::ReasonCode;
use tenantpilot::i18n::Locale;

const KEYS: [&str; 8] = [
    "admin-consent-required",
    "required-permissions-missing",
    "connection-unhealthy",
    "verification-stale",
    "verification-failed",
    "diagnostic-evidence-incomplete",
    "retryable-provider-failure",
    "manual-handoff-required",
];

/// Every string value anywhere in `v`.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// Asserts one topic object has the full shape with real text.
fn assert_topic_shape(topic: &Value) {
    let key = topic["key"].as_str().expect("key");
    for field in ["headline", "short_explanation", "safe_next_action"] {
        let text = topic[field].as_str().unwrap_or("");
        assert!(
            !text.trim().is_empty() && text != "…",
            "{key}.{field} empty"
        );
    }
    let steps = topic["troubleshooting_steps"].as_array().unwrap();
    assert!(steps.len() >= 2, "{key}: at least two steps");
    assert!(!topic["glossary"].as_array().unwrap().is_empty());
    assert_eq!(topic["is_fallback"], false);
    for link in topic["docs_links"].as_array().unwrap() {
        let url = link["url"].as_str().unwrap();
        assert!(url.starts_with("https://"), "{url}");
        assert!(is_approved_docs_url(url), "{url} not on the allow-list");
        assert!(!link["label"].as_str().unwrap().is_empty());
    }
}

#[test]
fn the_catalog_has_exactly_the_eight_topics() {
    let keys: Vec<&str> = HelpTopicKey::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(keys, KEYS);
    for locale in Locale::ALL {
        let topics = help::all_topics(locale);
        assert_eq!(topics.len(), 8);
        for topic in &topics {
            assert_topic_shape(&serde_json::to_value(topic).unwrap());
        }
    }
}

#[test]
fn german_topics_differ_from_english() {
    for key in HelpTopicKey::ALL {
        let en = help::resolve_key(key, Locale::En);
        let de = help::resolve_key(key, Locale::De);
        assert_ne!(en.headline, de.headline, "{key}");
        assert_ne!(en.short_explanation, de.short_explanation, "{key}");
        assert_ne!(en.safe_next_action, de.safe_next_action, "{key}");
        assert_eq!(
            en.troubleshooting_steps.len(),
            de.troubleshooting_steps.len()
        );
        for (e, d) in en
            .troubleshooting_steps
            .iter()
            .zip(&de.troubleshooting_steps)
        {
            assert_ne!(e, d, "{key}");
        }
        assert_eq!(en.docs_links.len(), de.docs_links.len());
        assert_eq!(en.glossary.len(), de.glossary.len());
    }
}

#[test]
fn seed_copy_is_kept() {
    let t = |k: &str| help::resolve(k, Locale::En);
    assert_eq!(
        t("admin-consent-required").headline,
        "Admin consent required"
    );
    assert_eq!(
        t("admin-consent-required").safe_next_action,
        "Grant admin consent and re-run verification."
    );
    assert_eq!(
        t("required-permissions-missing").safe_next_action,
        "Open required permissions and confirm the missing grants."
    );
    assert_eq!(
        t("connection-unhealthy").headline,
        "Provider connection needs review"
    );
    assert_eq!(
        t("connection-unhealthy").safe_next_action,
        "Review the provider connection before retrying."
    );
    assert_eq!(
        t("manual-handoff-required").headline,
        "Manual support handoff required"
    );
}

#[test]
fn unknown_and_empty_keys_degrade_to_the_neutral_fallback() {
    for locale in Locale::ALL {
        for bad in [
            "",
            "  ",
            "unknown-topic",
            "ADMIN_CONSENT",
            "verification-stale-x",
        ] {
            let topic = help::resolve(bad, locale);
            assert!(topic.is_fallback, "{bad:?}");
            assert_eq!(topic.key, None);
            let json = serde_json::to_value(&topic).unwrap();
            let mut texts = Vec::new();
            strings(&json, &mut texts);
            assert!(!texts.is_empty());
            for text in texts {
                assert!(!text.is_empty() && text != "…");
                assert!(!text.starts_with("help-"), "raw Fluent id: {text}");
                if !bad.trim().is_empty() {
                    assert!(!text.contains(bad.trim()), "raw key shown: {text}");
                }
                for key in KEYS {
                    assert!(!text.contains(key), "topic key shown: {text}");
                }
            }
        }
    }
    assert_eq!(
        help::resolve("nope", Locale::En).headline,
        "Contextual help"
    );
    assert_eq!(
        help::resolve("nope", Locale::De).headline,
        "Kontextbezogene Hilfe"
    );
}

#[test]
fn every_reason_code_resolves_to_a_topic_and_problem_type() {
    for reason in ReasonCode::ALL {
        let key = help::topic_for_reason(reason).expect("every reason has a topic");
        let uri = help::problem_type_for(reason);
        assert_eq!(uri, format!("urn:tenantpilot:help:{}", key.as_str()));
        assert_eq!(help::topic_for_problem_type(&uri), Some(key));
    }
    let expect = |r, k: &str| assert_eq!(help::topic_for_reason(r).unwrap().as_str(), k);
    expect(ReasonCode::AdminConsentRequired, "admin-consent-required");
    expect(
        ReasonCode::RequiredPermissionsMissing,
        "required-permissions-missing",
    );
    expect(ReasonCode::ConnectionUnhealthy, "connection-unhealthy");
    expect(ReasonCode::VerificationStale, "verification-stale");
    expect(ReasonCode::VerificationFailed, "verification-failed");
    expect(
        ReasonCode::RetryableProviderFailure,
        "retryable-provider-failure",
    );
    expect(
        ReasonCode::ProviderConnectionMissing,
        "connection-unhealthy",
    );
    expect(ReasonCode::Orphaned, "manual-handoff-required");
    expect(ReasonCode::UnknownOperationType, "manual-handoff-required");
    expect(ReasonCode::InternalError, "manual-handoff-required");
}

#[test]
fn every_docs_link_is_on_the_allow_list() {
    for link in DocsLink::ALL {
        assert!(
            link.url().starts_with("https://learn.microsoft.com/"),
            "{}",
            link.url()
        );
    }
    let export: Value = serde_json::from_str(&help::export_json(None)).unwrap();
    let mut count = 0;
    for locale in ["en", "de"] {
        for topic in export["locales"][locale].as_array().unwrap() {
            for link in topic["docs_links"].as_array().unwrap() {
                let url = link["url"].as_str().unwrap();
                assert!(
                    url.starts_with("https://") && is_approved_docs_url(url),
                    "{url}"
                );
                count += 1;
            }
        }
    }
    assert!(count > 0, "some topics link to documentation");
}

#[test]
fn the_export_is_versioned_json_without_tenant_data() {
    let raw = help::export_json(None);
    let doc: Value = serde_json::from_str(&raw).expect("valid JSON");
    assert_eq!(doc["schema_version"], SCHEMA_VERSION);
    assert_eq!(doc["catalog_version"], CATALOG_VERSION);
    let keys: Vec<&str> = doc["locales"]["en"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, KEYS);
    assert_eq!(doc["locales"]["de"].as_array().unwrap().len(), 8);
    for locale in Locale::ALL {
        let one: Value = serde_json::from_str(&help::export_json(Some(locale))).unwrap();
        assert_eq!(one["schema_version"], SCHEMA_VERSION);
        assert_eq!(one["locale"], locale.as_str());
        assert_eq!(one["topics"], doc["locales"][locale.as_str()]);
    }
    assert_no_tenant_data(&raw);
}

/// No demo tenant or workspace names, e-mail addresses, API tokens or secret-looking fields.
fn assert_no_tenant_data(raw: &str) {
    let lower = raw.to_lowercase();
    for needle in [
        "contoso",
        "fabrikam",
        "northwind",
        "tp_",
        "tenant_id",
        "workspace_id",
        "secret",
        "password",
        "client_id",
        "bearer",
    ] {
        assert!(!lower.contains(needle), "export contains {needle:?}");
    }
    let doc: Value = serde_json::from_str(raw).unwrap();
    let mut texts = Vec::new();
    strings(&doc, &mut texts);
    for text in texts {
        for word in text.split_whitespace() {
            let at = word.find('@');
            assert!(
                at.is_none_or(|i| !word[i + 1..].contains('.')),
                "e-mail address in export: {word}"
            );
        }
    }
}

#[tokio::test]
async fn the_api_lists_the_catalog_for_a_signed_in_caller() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let r = app
        .api(Method::GET, "/api/v1/help/topics", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("content-language"), Some("en"));
    let doc = r.json();
    assert_eq!(doc["schema_version"], SCHEMA_VERSION);
    assert_eq!(doc["catalog_version"], CATALOG_VERSION);
    assert_eq!(doc["locale"], "en");
    let topics = doc["topics"].as_array().unwrap();
    assert_eq!(topics.len(), 8);
    for (topic, key) in topics.iter().zip(KEYS) {
        assert_eq!(topic["key"], key);
        assert_topic_shape(topic);
    }
    assert_eq!(topics[0]["headline"], "Admin consent required");
    // Same content as the CLI export: nothing about the caller's tenants.
    assert_no_tenant_data(&r.body);
    let export: Value = serde_json::from_str(&help::export_json(Some(Locale::En))).unwrap();
    assert_eq!(doc, export);
}

#[tokio::test]
async fn the_api_speaks_german_on_request() {
    let app = TestApp::new().await;
    let token = app.token_for("operator@contoso.test").await;
    let r = app
        .api(
            Method::GET,
            "/api/v1/help/topics?locale=de",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("content-language"), Some("de"));
    let doc = r.json();
    assert_eq!(doc["locale"], "de");
    let topics = doc["topics"].as_array().unwrap();
    assert_eq!(topics.len(), 8);
    assert_eq!(
        topics[0]["headline"],
        "Administratorzustimmung erforderlich"
    );
    assert_eq!(
        topics[0]["safe_next_action"],
        "Erteilen Sie die Administratorzustimmung und führen Sie die Überprüfung erneut aus."
    );
}

#[tokio::test]
async fn the_api_rejects_unknown_locales_with_a_validation_problem() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let r = app
        .api(
            Method::GET,
            "/api/v1/help/topics?locale=fr",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    let problem = r.json();
    assert_eq!(problem["errors"][0]["field"], "locale");
    assert_eq!(problem["errors"][0]["code"], "validation-locale");
}

#[tokio::test]
async fn the_api_requires_authentication() {
    let app = TestApp::new().await;
    let r = app
        .api(Method::GET, "/api/v1/help/topics", None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert!(!r.body.contains("Admin consent required"));
    // Positive control: the same list, authenticated, does carry that topic's title.
    let token = app.token_for("owner@contoso.test").await;
    let listed = app
        .api(Method::GET, "/api/v1/help/topics", Some(&token), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(listed.body.contains("Admin consent required"));
    // Authentication is checked before the query: no hint about valid parameters.
    let r = app
        .api(Method::GET, "/api/v1/help/topics?locale=fr", None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn platform_users_may_read_the_catalog() {
    let app = TestApp::new().await;
    let token = app.token_for("platform@tenantpilot.test").await;
    let r = app
        .api(Method::GET, "/api/v1/help/topics", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["topics"].as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn the_openapi_document_describes_the_catalog() {
    let app = TestApp::new().await;
    let doc = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    let op = &doc["paths"]["/api/v1/help/topics"]["get"];
    assert!(op.is_object(), "path documented");
    assert!(op["responses"]["200"].is_object());
    assert!(op["responses"]["401"].is_object());
    assert!(op["responses"]["422"].is_object());
    let params = op["parameters"].as_array().unwrap();
    assert!(params.iter().any(|p| p["name"] == "locale"));
    for schema in ["HelpCatalogDoc", "ResolvedTopic", "HelpCatalogExport"] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} schema"
        );
    }
}

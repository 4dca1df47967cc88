//! The managed-tenant onboarding wizard through the router: identify → connect → verify →
//! complete, the decision-first verify step, optimistic concurrency, immutability, scope and
//! capability rules, language and CSRF. Every test creates its own provider connection through
//! the connect step, so none depends on what the demo seed connects.

use crate::support::{Resp, Session, TestApp};
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::Value;
use tenantpilot::features::operations::runner;
use tenantpilot::with_db;

const CONFLICT_EN: &str = "Someone else changed this onboarding draft while you were working on it. Nothing was overwritten — reload to see the current state.";
const IMMUTABLE_EN: &str = "This onboarding is completed and can no longer be changed.";

fn draft_path(r: &Resp) -> String {
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "expected a redirect: {}",
        r.body
    );
    let location = r.header("location").expect("location").to_string();
    assert!(
        location.starts_with("/admin/onboarding/"),
        "unexpected location {location}"
    );
    location
}

fn draft_id(path: &str) -> i64 {
    path.trim_start_matches("/admin/onboarding/")
        .parse()
        .expect("numeric draft id")
}

/// The `version` the page's forms carry.
fn version_in(html: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = html.find(marker).expect("version field") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_string()
}

/// Text of the first link or button after the "Primary next action" label, as a reader (or an
/// XPath `following::*[self::a or self::button][1]`) finds it.
fn primary_next_action(html: &str) -> (String, String) {
    let label = html
        .find(">Primary next action<")
        .expect("Primary next action label");
    let rest = &html[label..];
    let a = rest.find("<a ");
    let b = rest.find("<button");
    let start = match (a, b) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => panic!("no action after the label"),
    };
    let element = &rest[start..];
    let open_end = element.find('>').unwrap();
    let tag = element[..open_end].to_string();
    let close = element.find("</").unwrap();
    (tag, element[open_end + 1..close].trim().to_string())
}

async fn start_new(app: &TestApp, s: &Session, ext: &str, name: &str) -> String {
    let r = app
        .post_form(
            "/admin/onboarding",
            s,
            &[
                ("workspace", "contoso-msp"),
                ("existing_tenant", ""),
                ("tenant_name", name),
                ("external_id", ext),
                ("directory_id", &format!("{ext}.onmicrosoft.com")),
            ],
        )
        .await;
    draft_path(&r)
}

async fn connect(app: &TestApp, s: &Session, path: &str, scenario: &str, label: &str) -> Resp {
    let page = app.get(path, Some(s)).await;
    let version = version_in(&page.body);
    connect_at(app, s, path, &version, scenario, label).await
}

async fn connect_at(
    app: &TestApp,
    s: &Session,
    path: &str,
    version: &str,
    scenario: &str,
    label: &str,
) -> Resp {
    app.post_form(
        path,
        s,
        &[
            ("version", version),
            ("action", "connect"),
            ("kind", "simulated"),
            ("directory_id", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
            ("display_name", label),
            ("scenario", scenario),
        ],
    )
    .await
}

async fn act(app: &TestApp, s: &Session, path: &str, action: &str) -> Resp {
    let page = app.get(path, Some(s)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let version = version_in(&page.body);
    app.post_form(path, s, &[("version", &version), ("action", action)])
        .await
}

/// New tenant through connect and one drained verification with `scenario`.
async fn verified(app: &TestApp, s: &Session, ext: &str, scenario: &str) -> String {
    let path = start_new(app, s, ext, &format!("{ext} Ltd")).await;
    let r = connect(app, s, &path, scenario, "Sim").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = act(app, s, &path, "verify").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    runner::drain(&app.state).await.expect("drain");
    path
}

/// `(tenant_id, current_step, status, version, state)` of a draft.
async fn draft_row(app: &TestApp, id: i64) -> (Option<i64>, String, String, i64, Value) {
    let (tenant_id, step, status, version): (Option<i64>, String, String, i64) =
        with_db!(app.db(), |p| sqlx::query_as(
            "SELECT tenant_id, current_step, status, version FROM onboarding_drafts WHERE id = $1"
        )
        .bind(id)
        .fetch_one(p)
        .await)
        .unwrap();
    let state: sqlx::types::Json<Value> = with_db!(app.db(), |p| sqlx::query_scalar(
        "SELECT state FROM onboarding_drafts WHERE id = $1"
    )
    .bind(id)
    .fetch_one(p)
    .await)
    .unwrap();
    (tenant_id, step, status, version, state.0)
}

async fn get_de(app: &TestApp, path: &str, s: &Session) -> Resp {
    app.get_de(path, s).await
}

#[tokio::test]
async fn a_draft_exists_before_its_new_tenant() {
    let app = TestApp::new().await;
    let s = app.login("operator@contoso.test").await;
    let index = app.get("/admin/onboarding", Some(&s)).await;
    assert_eq!(index.status, StatusCode::OK, "{}", index.body);
    assert!(index.body.contains("Start onboarding"));

    let path = start_new(&app, &s, "tailspin", "Tailspin Toys").await;
    let id = draft_id(&path);
    let (tenant_id, step, status, version, state) = draft_row(&app, id).await;
    assert_eq!(tenant_id, None, "no tenant is linked yet");
    assert_eq!(
        (step.as_str(), status.as_str(), version),
        ("connect", "draft", 1)
    );
    assert_eq!(state["tenant_name"], "Tailspin Toys");
    assert_eq!(state["external_id"], "tailspin");
    assert_eq!(state["directory_id"], "tailspin.onmicrosoft.com");
    assert_eq!(
        app.find_tenant("tailspin").await.map(|t| t.id),
        None,
        "no tenant row yet"
    );
    assert_eq!(app.audit_count("onboarding.draft_created").await, 1);
    assert_eq!(app.audit_count("onboarding.checkpoint_completed").await, 1);

    let page = app.get(&path, Some(&s)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Connect a provider"));
    assert!(
        page.body.contains("value=\"tailspin.onmicrosoft.com\""),
        "directory id prefilled"
    );
    assert!(page.body.contains("aria-current=\"step\">Connect<"));
    let list = app.get("/admin/onboarding", Some(&s)).await;
    assert!(list.body.contains(&format!("href=\"{path}\"")));
    assert!(list.body.contains("Tailspin Toys"));
}

#[tokio::test]
async fn connect_creates_the_tenant_and_verify_queues_a_run() {
    let app = TestApp::new().await;
    let s = app.login("operator@contoso.test").await;
    let path = start_new(&app, &s, "tailspin", "Tailspin Toys").await;
    let id = draft_id(&path);

    let created_before = app.audit_count("tenant.created").await;
    let saved_before = app.audit_count("provider_connection.saved").await;
    let r = connect(&app, &s, &path, "healthy", "Tailspin sim").await;
    assert_eq!(draft_path(&r), path);
    assert_eq!(app.audit_count("tenant.created").await, created_before + 1);
    assert_eq!(
        app.audit_count("provider_connection.saved").await,
        saved_before + 1
    );
    let tenant = app.tenant_id("tailspin").await;
    let (tenant_id, step, _, version, state) = draft_row(&app, id).await;
    assert_eq!(tenant_id, Some(tenant));
    assert_eq!((step.as_str(), version), ("verify", 2));
    assert_eq!(state["connection"]["scenario"], "healthy");
    let connection = tenantpilot::features::providers::repo::find_for_tenant(app.db(), tenant)
        .await
        .unwrap()
        .expect("connection saved");
    assert_eq!(connection.kind, "simulated");
    assert_eq!(
        connection.simulated_scenario.map(|s| s.as_str()),
        Some("healthy")
    );
    assert_eq!(connection.display_name, "Tailspin sim");

    // Before any verification: diagnostics fallback, no evidence section.
    let page = app.get(&path, Some(&s)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Verification has not run yet"));
    assert!(page.body.contains("Permission diagnostics"));
    assert!(page.body.contains("data-testid=\"permission-diagnostics\""));
    assert!(!page.body.contains("Supporting evidence"));
    assert!(!page.body.contains("Stored verification details"));
    assert_eq!(primary_next_action(&page.body).1, "Run verification");

    let r = act(&app, &s, &path, "verify").await;
    assert_eq!(draft_path(&r), path);
    let (_, _, _, version, state) = draft_row(&app, id).await;
    assert_eq!(version, 3);
    let run_id = state["verification_run_id"].as_i64().expect("run stored");
    let run = tenantpilot::features::operations::repo::find(app.db(), run_id)
        .await
        .unwrap()
        .expect("run");
    assert_eq!(run.run_type, "provider.connection.verify");
    assert_eq!(run.status, "queued");
    assert_eq!(run.tenant_id, tenant);
    assert_eq!(run.context.0["onboarding_draft_id"], id);
    assert_eq!(run.initiator_label, "operator@contoso.test");

    let running = app.get(&path, Some(&s)).await;
    // The page polls itself (static/app.js) instead of a meta refresh, which axe refuses.
    assert!(running.body.contains("data-pending-poll"));
    assert!(!running.body.contains("http-equiv=\"refresh\""));
    assert!(running.body.contains("Verification is running…"));
    assert!(
        running
            .body
            .contains(&format!("href=\"/admin/operations/{run_id}\""))
    );

    runner::drain(&app.state).await.unwrap();
    let done = app.get(&path, Some(&s)).await;
    assert!(!done.body.contains("data-pending-poll"));
    assert!(!done.body.contains("Verification is running"));
    // Positive control for the "no evidence section yet" checks above: after the run, the
    // stored details are there.
    assert!(done.body.contains("Stored verification details"));
}

#[tokio::test]
async fn consent_missing_puts_grant_admin_consent_first() {
    let app = TestApp::new().await;
    let s = app.login("manager@contoso.test").await;
    let path = verified(&app, &s, "tailspin", "consent_missing").await;
    let page = app.get(&path, Some(&s)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;

    assert!(body.contains("Onboarding readiness"));
    assert!(body.contains(">Step<"));
    // A finished verification shows no running note; the same page shows one while a run is
    // queued (the positive control below, after "verify" and before the drain).
    assert!(!body.contains("data-testid=\"verification-running\""));
    assert!(body.contains("Verify access"));
    assert!(body.contains("data-testid=\"onboarding-readiness\""));
    assert!(body.contains("data-testid=\"verification-status\""));
    assert!(body.contains(">Blocked<"));
    assert!(body.contains("Provider connection"));

    let (tag, text) = primary_next_action(body);
    assert!(
        text.contains("Grant admin consent"),
        "primary action: {text}"
    );
    assert!(tag.contains("class=\"button primary\""));
    assert!(tag.contains("data-testid=\"primary-next-action\""));
    assert!(
        tag.contains("href=\"/admin/t/tailspin/consent\""),
        "consent goes to the tenant's consent flow for every kind: {tag}"
    );
    // A blocked step re-verifies without going back through Connect.
    assert!(body.contains("data-testid=\"rerun-verification\">Re-run verification</button>"));
    assert!(body.contains("<input type=\"hidden\" name=\"action\" value=\"verify\">"));

    // "Safe next action" once per page: the help card says it, the readiness card does not.
    assert_eq!(body.matches("Safe next action").count(), 1, "{body}");
    assert!(body.contains("data-testid=\"help-safe-next-action\""));
    assert!(!body.contains("data-testid=\"safe-next-action\""));
    assert!(body.contains("Grant admin consent and re-run verification."));

    assert_eq!(body.matches(">Stored verification details</h2>").count(), 1);
    assert_eq!(body.matches("Stored verification details").count(), 1);
    assert!(body.matches(">Verification report</h").count() <= 1);
    assert!(body.contains("data-testid=\"stored-verification-details\""));
    assert!(body.contains("<time datetime="));
    assert!(body.contains("Admin consent required"));
    assert!(body.contains("Supporting evidence"));
    assert!(body.contains(
        "Open canonical operation detail or secondary permission evidence when deeper diagnostics are needed."
    ));
    assert!(body.contains("data-testid=\"supporting-evidence\""));
    assert!(body.contains("<details id=\"required-permissions\""));
    assert!(body.contains("<summary>View required permissions</summary>"));
    for permission in tenantpilot::features::providers::model::REQUIRED_PERMISSIONS {
        assert!(
            body.contains(&format!("<code>{permission}</code>")),
            "{permission}"
        );
    }
    assert!(!body.contains("Permission diagnostics"));
    assert!(!body.contains("data-testid=\"permission-diagnostics\""));
    // Contextual help for the blocker sits beside readiness (spec 244).
    assert!(body.contains("data-help-topic=\"admin-consent-required\""));
    assert!(body.contains("Grant admin consent and re-run verification."));

    // The connect step opened from there keeps the saved values and offers the way back.
    let connect_page = app.get(&format!("{path}?step=connect"), Some(&s)).await;
    assert!(
        connect_page
            .body
            .contains("<option value=\"consent_missing\" selected>")
    );
    assert!(
        connect_page
            .body
            .contains("Back to verification without changes")
    );

    // Fixing the scenario and re-running verification makes the tenant ready.
    let r = connect(&app, &s, &path, "healthy", "Sim").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let outdated = app.get(&path, Some(&s)).await;
    assert_eq!(primary_next_action(&outdated.body).1, "Run verification");
    assert!(outdated.body.contains("Outdated"));
    act(&app, &s, &path, "verify").await;
    let queued = app.get(&path, Some(&s)).await;
    assert!(
        queued.body.contains("data-testid=\"verification-running\""),
        "the running note is rendered while verification is queued"
    );
    runner::drain(&app.state).await.unwrap();
    let ready = app.get(&path, Some(&s)).await;
    assert_eq!(primary_next_action(&ready.body).1, "Complete onboarding");
}

#[tokio::test]
async fn permissions_missing_and_unhealthy_lead_to_their_own_actions() {
    let app = TestApp::new().await;
    let s = app.login("owner@contoso.test").await;
    let path = verified(&app, &s, "perm-gap", "permissions_missing").await;
    let page = app.get(&path, Some(&s)).await;
    let (tag, text) = primary_next_action(&page.body);
    assert_eq!(text, "Review permissions");
    assert!(tag.contains("href=\"#required-permissions\""));
    assert!(page.body.contains("Blocked"));
    assert!(
        page.body
            .contains("Open required permissions and confirm the missing grants.")
    );
    assert!(
        page.body
            .contains("<details id=\"required-permissions\" open>")
    );
    assert!(
        page.body.contains(
            "<code>Policy.Read.All</code> <span class=\"status-pill bad\">Missing</span>"
        )
    );

    let path = verified(&app, &s, "sick", "unhealthy").await;
    let page = app.get(&path, Some(&s)).await;
    assert_eq!(
        primary_next_action(&page.body).1,
        "Review provider connection"
    );
    assert!(
        page.body
            .contains("Review the provider connection before retrying.")
    );

    let path = verified(&app, &s, "busy", "throttled").await;
    let page = app.get(&path, Some(&s)).await;
    let (tag, text) = primary_next_action(&page.body);
    assert_eq!(text, "Run verification");
    assert!(tag.starts_with("<button"));
}

#[tokio::test]
async fn microsoft_consent_links_to_the_tenants_consent_flow() {
    let app = TestApp::new().await;
    let s = app.login("owner@contoso.test").await;
    let path = start_new(&app, &s, "msft", "Msft Ltd").await;
    let page = app.get(&path, Some(&s)).await;
    let r = app
        .post_form(
            &path,
            &s,
            &[
                ("version", &version_in(&page.body)),
                ("action", "connect"),
                ("kind", "microsoft"),
                ("directory_id", "msft.onmicrosoft.com"),
                ("display_name", ""),
                ("scenario", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    act(&app, &s, &path, "verify").await;
    // Store what a consent-missing answer from Microsoft produces, for the draft's run.
    let (tenant_id, _, _, _, state) = draft_row(&app, draft_id(&path)).await;
    let run_id = state["verification_run_id"].as_i64().unwrap();
    runner::drain(&app.state).await.unwrap();
    let connection =
        tenantpilot::features::providers::repo::find_for_tenant(app.db(), tenant_id.unwrap())
            .await
            .unwrap()
            .unwrap();
    let (mut report, _) = tenantpilot::features::providers::service::judge(
        &connection,
        run_id,
        Err(
            tenantpilot::features::providers::model::ProviderFault::AdminConsentRequired(
                "AADSTS65001".into(),
            ),
        ),
        app.state.now(),
    );
    report.checked_at += chrono::Duration::seconds(1);
    let mut tx = app.db().begin().await.unwrap();
    tenantpilot::features::providers::service::store_report(&mut tx, &report, app.state.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let page = app.get(&path, Some(&s)).await;
    let (tag, text) = primary_next_action(&page.body);
    assert_eq!(text, "Grant admin consent");
    assert!(tag.contains("href=\"/admin/t/msft/consent\""), "{tag}");
    assert!(
        !tag.contains("target=\"_blank\""),
        "the consent flow is ours: {tag}"
    );
}

#[tokio::test]
async fn a_ready_tenant_completes_and_the_draft_becomes_immutable() {
    let app = TestApp::new().await;
    let s = app.login("operator@contoso.test").await;
    let path = verified(&app, &s, "tailspin", "healthy").await;
    let id = draft_id(&path);
    let page = app.get(&path, Some(&s)).await;
    assert!(page.body.contains(">Ready<"));
    let (tag, text) = primary_next_action(&page.body);
    assert_eq!(text, "Complete onboarding");
    assert!(tag.starts_with("<button"));
    assert!(
        page.body
            .contains("Complete onboarding to hand the tenant over to daily operations.")
    );

    let r = act(&app, &s, &path, "complete").await;
    assert_eq!(draft_path(&r), path);
    let (_, step, status, version, _) = draft_row(&app, id).await;
    assert_eq!((step.as_str(), status.as_str()), ("complete", "completed"));
    let completed_at: Option<String> =
        with_db!(app.db(), |p| sqlx::query_scalar::<_, Option<String>>(
            "SELECT CAST(completed_at AS TEXT) FROM onboarding_drafts WHERE id = $1"
        )
        .bind(id)
        .fetch_one(p)
        .await)
        .unwrap();
    assert!(completed_at.is_some());
    assert_eq!(app.audit_count("onboarding.completed").await, 1);
    // identify→connect, connect→verify, verify→complete.
    let transitions: Vec<String> = with_db!(app.db(), |p| sqlx::query_scalar::<_, String>(
        "SELECT CAST(metadata AS TEXT) FROM audit_events
         WHERE action = 'onboarding.checkpoint_completed' AND target_id = $1 ORDER BY id"
    )
    .bind(id.to_string())
    .fetch_all(p)
    .await)
    .unwrap();
    let pairs: Vec<(String, String)> = transitions
        .iter()
        .map(|m| {
            let v: Value = serde_json::from_str(m).unwrap();
            (
                v["from"].as_str().unwrap().into(),
                v["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("identify".to_string(), "connect".to_string()),
            ("connect".into(), "verify".into()),
            ("verify".into(), "complete".into())
        ]
    );

    let done = app.get(&path, Some(&s)).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains("Onboarding completed"));
    assert!(done.body.contains("href=\"/admin/t/tailspin\""));
    assert!(
        !done.body.contains("name=\"action\""),
        "read-only: no forms"
    );

    for action in ["complete", "verify", "back", "connect"] {
        let r = app
            .post_form(
                &path,
                &s,
                &[
                    ("version", &version.to_string()),
                    ("action", action),
                    ("kind", "simulated"),
                    ("directory_id", "x.onmicrosoft.com"),
                    ("scenario", "healthy"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{action}");
        assert!(r.body.contains(IMMUTABLE_EN), "{}", r.body);
    }
    assert_eq!(draft_row(&app, id).await.3, version, "nothing changed");
    let tenant = app.get("/admin/t/tailspin", Some(&s)).await;
    assert_eq!(tenant.status, StatusCode::OK);
}

#[tokio::test]
async fn completion_is_refused_while_not_ready() {
    let app = TestApp::new().await;
    let s = app.login("operator@contoso.test").await;
    // Connected but never verified.
    let path = start_new(&app, &s, "tailspin", "Tailspin").await;
    connect(&app, &s, &path, "healthy", "Sim").await;
    let r = act(&app, &s, &path, "complete").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(
        "Onboarding can only be completed when the latest verification is ready and not stale."
    ));
    assert!(
        r.body.contains("Onboarding readiness"),
        "the step is re-rendered"
    );

    // Verified but blocked.
    let path = verified(&app, &s, "blocked", "consent_missing").await;
    let r = act(&app, &s, &path, "complete").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(draft_row(&app, draft_id(&path)).await.2, "draft");

    // Ready but stale.
    let path = verified(&app, &s, "stale", "healthy").await;
    app.clock.advance(chrono::Duration::hours(25));
    let s = app.login("operator@contoso.test").await; // the old session idled out
    let page = app.get(&path, Some(&s)).await;
    assert!(page.body.contains("data-testid=\"stale-badge\""));
    assert_eq!(primary_next_action(&page.body).1, "Run verification");
    assert!(
        page.body
            .contains("Refresh verification before continuing onboarding.")
    );
    let r = act(&app, &s, &path, "complete").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.audit_count("onboarding.completed").await, 0);
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_the_first_change_stays() {
    let app = TestApp::new().await;
    let first = app.login("owner@contoso.test").await;
    let second = app.login("manager@contoso.test").await;
    let path = start_new(&app, &first, "tailspin", "Tailspin").await;
    let id = draft_id(&path);

    let r = connect_at(&app, &first, &path, "1", "healthy", "First").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = connect_at(&app, &second, &path, "1", "consent_missing", "Second").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains(CONFLICT_EN), "{}", r.body);

    let (tenant_id, step, _, version, state) = draft_row(&app, id).await;
    assert_eq!((step.as_str(), version), ("verify", 2));
    assert_eq!(state["connection"]["display_name"], "First");
    assert_eq!(state["connection"]["scenario"], "healthy");
    let connection =
        tenantpilot::features::providers::repo::find_for_tenant(app.db(), tenant_id.unwrap())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(connection.display_name, "First");
    assert_eq!(
        connection.simulated_scenario.map(|s| s.as_str()),
        Some("healthy")
    );

    // The same for a button on a page that went stale, in German.
    let r = app
        .post_form(&path, &second, &[("version", "1"), ("action", "verify")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(draft_row(&app, id).await.3, 2);
    let de = tenantpilot::i18n::Tr(tenantpilot::i18n::Locale::De);
    assert!(de.t("onboarding-conflict").contains("nichts überschrieben"));
}

#[tokio::test]
async fn going_back_keeps_the_saved_connection() {
    let app = TestApp::new().await;
    let s = app.login("operator@contoso.test").await;
    let path = verified(&app, &s, "tailspin", "permissions_missing").await;
    let id = draft_id(&path);
    let r = act(&app, &s, &path, "back").await;
    assert_eq!(draft_path(&r), path);
    let (_, step, _, _, state) = draft_row(&app, id).await;
    assert_eq!(step, "connect");
    assert!(state["verification_run_id"].is_i64(), "nothing lost");
    let page = app.get(&path, Some(&s)).await;
    assert!(
        page.body
            .contains("<option value=\"permissions_missing\" selected>")
    );
    assert!(page.body.contains("value=\"Sim\""));
    assert!(page.body.contains("aria-current=\"step\">Connect<"));
    // Verify is not available from the connect step.
    let r = act(&app, &s, &path, "verify").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn existing_tenants_can_be_onboarded_again() {
    let app = TestApp::new().await;
    let s = app.login("owner@contoso.test").await;
    let tenants_before = app.count("SELECT COUNT(*) FROM tenants").await;
    for ext in ["fabrikam", "contoso"] {
        let r = app
            .post_form(
                "/admin/onboarding",
                &s,
                &[("workspace", "contoso-msp"), ("existing_tenant", ext)],
            )
            .await;
        let path = draft_path(&r);
        let id = draft_id(&path);
        let (tenant_id, step, _, _, state) = draft_row(&app, id).await;
        assert_eq!(tenant_id, app.find_tenant(ext).await.map(|t| t.id));
        assert_eq!(step, "connect");
        assert_eq!(state["mode"], "existing");
        assert_eq!(state["external_id"], ext);

        // Starting again resumes the open draft instead of opening a second one.
        let again = app
            .post_form(
                "/admin/onboarding",
                &s,
                &[("workspace", "contoso-msp"), ("existing_tenant", ext)],
            )
            .await;
        assert_eq!(draft_path(&again), path);

        let r = connect(&app, &s, &path, "healthy", "Re-onboarded").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        act(&app, &s, &path, "verify").await;
        runner::drain(&app.state).await.unwrap();
        let page = app.get(&path, Some(&s)).await;
        assert_eq!(primary_next_action(&page.body).1, "Complete onboarding");
        let r = act(&app, &s, &path, "complete").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tenants").await,
        tenants_before,
        "no tenant was created"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM onboarding_drafts").await, 2);

    // A tenant of another workspace is not offered and not accepted.
    let r = app
        .post_form(
            "/admin/onboarding",
            &s,
            &[
                ("workspace", "contoso-msp"),
                ("existing_tenant", "northwind"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Choose a tenant of this workspace that you may see.")
    );
}

#[tokio::test]
async fn identify_validation_rerenders_the_form() {
    let app = TestApp::new().await;
    let s = app.login("operator@contoso.test").await;
    let r = app
        .post_form(
            "/admin/onboarding",
            &s,
            &[
                ("workspace", "contoso-msp"),
                ("existing_tenant", ""),
                ("tenant_name", ""),
                ("external_id", "Not A Slug"),
                ("directory_id", "nope"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("This field is required."));
    assert!(
        r.body
            .contains("Use 2–63 lowercase letters, digits or hyphens")
    );
    assert!(
        r.body
            .contains("Enter an Entra tenant id (GUID) or a domain")
    );
    assert!(
        r.body.contains("value=\"Not A Slug\""),
        "typed values are kept"
    );

    let r = app
        .post_form(
            "/admin/onboarding",
            &s,
            &[
                ("workspace", "contoso-msp"),
                ("tenant_name", "Dup"),
                ("external_id", "contoso"),
                ("directory_id", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("A tenant with this id already exists."));

    let r = app
        .post_form(
            "/admin/onboarding",
            &s,
            &[
                ("workspace", "contoso-msp"),
                ("existing_tenant", "contoso"),
                ("tenant_name", "Both"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("not both"));

    // Connect-step validation keeps the typed values.
    let path = start_new(&app, &s, "tailspin", "Tailspin").await;
    let page = app.get(&path, Some(&s)).await;
    let r = app
        .post_form(
            &path,
            &s,
            &[
                ("version", &version_in(&page.body)),
                ("action", "connect"),
                ("kind", "carrier-pigeon"),
                ("directory_id", "bad"),
                ("display_name", "<script>x</script>"),
                ("scenario", "healthy"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Choose the simulated provider or Microsoft Graph.")
    );
    assert!(
        r.body
            .contains("Enter an Entra tenant id (GUID) or a domain")
    );
    assert!(
        r.body.contains("x&#60;/script&#62;") || r.body.contains("x&lt;/script&gt;"),
        "escaped: {}",
        r.body
    );
    assert!(!r.body.contains("<script>x</script>"));
    assert_eq!(app.find_tenant("tailspin").await.map(|t| t.id), None);
    assert_eq!(draft_row(&app, draft_id(&path)).await.3, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'onboarding.draft_created'")
            .await,
        1
    );
    // Two drafts may name the same new tenant id; the second connect finds it taken.
    let first = start_new(&app, &s, "twin", "Twin").await;
    let second = start_new(&app, &s, "twin", "Twin again").await;
    assert_eq!(
        connect(&app, &s, &first, "healthy", "Sim").await.status,
        StatusCode::SEE_OTHER
    );
    let r = connect(&app, &s, &second, "healthy", "Sim").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("A tenant with this id was created in the meantime.")
    );
    let (tenant_id, step, _, version, _) = draft_row(&app, draft_id(&second)).await;
    assert_eq!(
        (tenant_id, step.as_str(), version),
        (None, "connect", 1),
        "rolled back"
    );
    // The same messages in German.
    let body = serde_urlencoded::to_string([
        ("_csrf", s.csrf.as_str()),
        ("workspace", "contoso-msp"),
        ("tenant_name", ""),
        ("external_id", "x"),
        ("directory_id", "nope"),
    ])
    .unwrap();
    let request = Request::builder()
        .method("POST")
        .uri("/admin/onboarding")
        .header(header::HOST, "localhost")
        .header(header::COOKIE, &s.cookie)
        .header(header::ACCEPT_LANGUAGE, "de")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let de = app.send(request).await;
    assert_eq!(de.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(de.body.contains("Onboarding starten"));
    assert!(de.body.contains("Dieses Feld ist erforderlich."));
    assert!(de.body.contains("Verwenden Sie 2–63 Kleinbuchstaben"));
    assert!(
        de.body
            .contains("Geben Sie eine Mandanten-ID (GUID) oder eine Domäne")
    );
}

#[tokio::test]
async fn scope_and_capability_rules() {
    let app = TestApp::new().await;
    let owner = app.login("owner@contoso.test").await;
    let unlinked = start_new(&app, &owner, "tailspin", "Tailspin").await;
    let fabrikam = draft_path(
        &app.post_form(
            "/admin/onboarding",
            &owner,
            &[
                ("workspace", "contoso-msp"),
                ("existing_tenant", "fabrikam"),
            ],
        )
        .await,
    );
    let contoso = draft_path(
        &app.post_form(
            "/admin/onboarding",
            &owner,
            &[("workspace", "contoso-msp"), ("existing_tenant", "contoso")],
        )
        .await,
    );

    // Read-only members may look at tenants but not onboard.
    let readonly = app.login("readonly@contoso.test").await;
    assert_eq!(
        app.get("/admin/onboarding", Some(&readonly)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&unlinked, Some(&readonly)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&contoso, Some(&readonly)).await.status,
        StatusCode::FORBIDDEN
    );
    // fabrikam is outside readonly's entitlement: the draft does not exist for them.
    assert_eq!(
        app.get(&fabrikam, Some(&readonly)).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post_form(&contoso, &readonly, &[("version", "1"), ("action", "back")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_form(
            "/admin/onboarding",
            &readonly,
            &[("workspace", "contoso-msp"), ("existing_tenant", "contoso")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Another workspace's owner: nothing exists.
    let northwind = app.login("owner@northwind.test").await;
    for path in [&unlinked, &fabrikam, &contoso] {
        assert_eq!(
            app.get(path, Some(&northwind)).await.status,
            StatusCode::NOT_FOUND
        );
        let r = app
            .post_form(path, &northwind, &[("version", "1"), ("action", "back")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let r = app
        .post_form(
            "/admin/onboarding",
            &northwind,
            &[
                ("workspace", "contoso-msp"),
                ("tenant_name", "X"),
                ("external_id", "xx"),
                ("directory_id", "x.onmicrosoft.com"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let list = app.get("/admin/onboarding", Some(&northwind)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("Tailspin"));
    assert!(!list.body.contains(&format!("href=\"{contoso}\"")));
    // Positive control: the same list, for the workspace's own owner, shows both.
    let own = app.get("/admin/onboarding", Some(&owner)).await;
    assert!(own.body.contains("Tailspin"));
    assert!(own.body.contains(&format!("href=\"{contoso}\"")));

    // Platform operators: the admin plane does not exist.
    let platform = app.login("platform@tenantpilot.test").await;
    assert_eq!(
        app.get("/admin/onboarding", Some(&platform)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&unlinked, Some(&platform)).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post_form(
            &unlinked,
            &platform,
            &[("version", "1"), ("action", "back")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Unknown and malformed ids.
    assert_eq!(
        app.get("/admin/onboarding/999999", Some(&owner))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/admin/onboarding/abc", Some(&owner)).await.status,
        StatusCode::NOT_FOUND
    );

    // Anonymous: sign in first.
    for path in ["/admin/onboarding", unlinked.as_str()] {
        let r = app.get(path, None).await;
        assert_eq!(r.status, StatusCode::FOUND);
        assert!(r.header("location").unwrap().starts_with("/login?next="));
    }
}

#[tokio::test]
async fn german_pages() {
    let app = TestApp::new().await;
    let s = app.login("operator@contoso.test").await;
    let path = verified(&app, &s, "tailspin", "consent_missing").await;
    let page = get_de(&app, &path, &s).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<html lang=\"de\">"));
    for text in [
        "Onboarding-Bereitschaft",
        ">Schritt<",
        "Zugriff überprüfen",
        "Wichtigster nächster Schritt",
        "Administratorzustimmung erteilen",
        "Sicherer nächster Schritt",
        "Gespeicherte Details der Überprüfung",
        "Belege",
        "Öffnen Sie die kanonische Vorgangsdetailansicht oder sekundäre Berechtigungsnachweise",
        "Erforderliche Berechtigungen anzeigen",
    ] {
        assert!(page.body.contains(text), "missing {text}");
    }
    assert!(!page.body.contains("Onboarding readiness"));
    assert!(!page.body.contains("Stored verification details"));

    let fresh = start_new(&app, &s, "second", "Second").await;
    connect(&app, &s, &fresh, "healthy", "Sim").await;
    let page = get_de(&app, &fresh, &s).await;
    assert!(page.body.contains("Berechtigungsdiagnose"));
    assert!(
        page.body
            .contains("Die Überprüfung wurde noch nicht ausgeführt")
    );
    let list = get_de(&app, "/admin/onboarding", &s).await;
    assert!(list.body.contains("Mandanten-Onboarding"));
    assert!(list.body.contains("Neuer Mandant"));
    assert!(!list.body.contains("Tenant-Onboarding"));
}

#[tokio::test]
async fn posts_without_the_csrf_token_are_rejected() {
    let app = TestApp::new().await;
    let s = app.login("owner@contoso.test").await;
    let path = start_new(&app, &s, "tailspin", "Tailspin").await;
    let no_token = Session {
        cookie: s.cookie.clone(),
        csrf: String::new(),
    };
    let r = app
        .post_form(
            "/admin/onboarding",
            &no_token,
            &[("workspace", "contoso-msp"), ("existing_tenant", "contoso")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_form(&path, &no_token, &[("version", "1"), ("action", "connect")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(draft_row(&app, draft_id(&path)).await.3, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM onboarding_drafts").await, 1);
}

#[tokio::test]
async fn the_verify_step_decision_block_matches_its_snapshot() {
    let app = TestApp::new().await;
    let s = app.login("manager@contoso.test").await;
    let path = verified(&app, &s, "tailspin", "consent_missing").await;
    let page = app.get(&path, Some(&s)).await;
    assert_eq!(page.status, StatusCode::OK);
    let block = crate::support::fragment(
        &page.body,
        "<section class=\"card readiness\"",
        "</section>",
    );
    insta::with_settings!({ filters => crate::support::html_filters() }, {
        insta::assert_snapshot!(block);
    });
}

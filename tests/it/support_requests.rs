//! Support requests (spec 246) and the external handoff (spec 256) through the router, on both
//! databases: every mode × outcome × context, the 404/403 boundary, audit rows, immutability,
//! the one-write rule, and that a desk failure never loses the internal request.

use crate::support::{Session, TestApp, fragment, webhook_desk};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tenantpilot::config::Config;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FABRIKAM_RUN: &str = "SELECT MAX(id) FROM operation_runs WHERE tenant_id = (SELECT id FROM tenants WHERE external_id = 'fabrikam')";
const CONTOSO_RUN: &str = "SELECT MAX(id) FROM operation_runs WHERE tenant_id = (SELECT id FROM tenants WHERE external_id = 'contoso')";
const HMAC_SECRET: &str = "hmac-key-that-must-never-leak-7f3a";

/// The webhook desk of these tests at `url`, with ticket links on `desk.example`.
fn webhook_config(url: &str, timeout_ms: u64) -> Config {
    let mut config = webhook_desk(url, timeout_ms, HMAC_SECRET);
    config.support_desk.ticket_url_template = "https://desk.example/tickets/{id}".into();
    config
}

async fn desk_app(desk: &MockServer, timeout_ms: u64) -> TestApp {
    TestApp::with_config(webhook_config(
        &format!("{}/tickets", desk.uri()),
        timeout_ms,
    ))
    .await
}

fn form<'a>(summary: &'a str, mode: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("severity", "high"),
        ("summary", summary),
        (
            "reproduction_notes",
            "1. Open the dashboard\n2. Click verify",
        ),
        ("contact_name", "Dana Admin"),
        ("contact_email", "dana@customer.example"),
        ("handoff_mode", mode),
    ]
}

/// Follows the submit's redirect and returns (location, page body).
async fn submit_form(
    app: &TestApp,
    session: &Session,
    path: &str,
    fields: &[(&str, &str)],
) -> (String, String) {
    let r = app.post_form(path, session, fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.header("location").expect("redirect").to_string();
    let page = app.get(&location, Some(session)).await;
    assert_eq!(page.status, StatusCode::OK);
    (location, page.body)
}

async fn row(app: &TestApp, reference: &str) -> Value {
    let id = app
        .int(
            "SELECT id FROM support_requests WHERE internal_reference = $1",
            &[reference.into()],
        )
        .await;
    let with_diagnostics = app
        .int(
            "SELECT COUNT(*) FROM support_requests WHERE id = $1 \
             AND CAST(context AS TEXT) LIKE '%\"diagnostics\"%'",
            &[id.into()],
        )
        .await;
    json!({
        "id": id,
        "has_diagnostics": with_diagnostics == 1,
    })
}

/// The reference the submit result shows. Read from its own element: a bare search for `SR-`
/// also matches inside the page's random CSRF token now and then.
fn reference_in(body: &str) -> String {
    let marker = "data-testid=\"support-result-reference\">";
    let start = body
        .find(marker)
        .expect("a submit result with its reference")
        + marker.len();
    let end = start
        + body[start..]
            .find('<')
            .expect("the reference element closes");
    body[start..end].to_string()
}

async fn audit_metadata(app: &TestApp, action: &str) -> String {
    let id = app
        .int(
            "SELECT MAX(id) FROM audit_events WHERE action = $1",
            &[action.into()],
        )
        .await;
    app.text(
        "SELECT CAST(metadata AS TEXT) FROM audit_events WHERE id = $1",
        &[id.into()],
    )
    .await
    .expect("metadata")
}

#[tokio::test]
async fn tenant_internal_only_request_is_stored_with_the_snapshot_and_audited() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let dashboard = app.get("/admin/t/fabrikam", Some(&owner)).await;
    assert!(
        dashboard
            .body
            .contains("/admin/t/fabrikam/support-requests/new")
    );
    let page = app
        .get("/admin/t/fabrikam/support-requests/new", Some(&owner))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("data-mode=\"diagnostic_snapshot_attached\"")
    );
    assert!(
        page.body
            .contains("data-testid=\"support-desk-unavailable\"")
    );
    assert!(page.body.contains("data-testid=\"support-latest-none\""));

    let (location, body) = submit_form(
        &app,
        &owner,
        "/admin/t/fabrikam/support-requests",
        &form("Consent seems revoked", "internal_only"),
    )
    .await;
    assert!(location.starts_with("/admin/t/fabrikam/support-requests/new?submitted="));
    assert!(body.contains("data-outcome=\"internal_only\""), "{body}");
    // Positive control for the other member's page below: the creator sees the banner.
    assert!(body.contains("data-testid=\"support-result\""), "{body}");
    let reference = reference_in(&body);
    assert!(
        ulid::Ulid::from_string(&reference[3..]).is_ok(),
        "{reference}"
    );
    assert!(
        body.contains(
            "data-testid=\"support-latest-reference\">"
                .to_string()
                .as_str()
        )
    );
    let r = row(&app, &reference).await;
    assert_eq!(r["has_diagnostics"], true);
    let id = r["id"].as_i64().unwrap_or_default();
    for (col, expected) in [
        ("severity", "high"),
        ("primary_context_type", "tenant"),
        ("attachment_mode", "diagnostic_snapshot_attached"),
        ("external_handoff_mode", "internal_only"),
        ("contact_email", "dana@customer.example"),
        ("created_by_label", "owner@contoso.test"),
    ] {
        assert_eq!(
            app.text(
                &format!("SELECT {col} FROM support_requests WHERE id = $1"),
                &[id.into()]
            )
            .await
            .as_deref(),
            Some(expected),
            "{col}"
        );
    }
    assert_eq!(
        app.text(
            "SELECT handoff_outcome FROM support_requests WHERE id = $1",
            &[id.into()]
        )
        .await,
        None
    );
    // The stored snapshot is the redacted bundle: the contact e-mail typed into the form is a
    // column, never part of the context, and no e-mail survives in the context.
    let context = app
        .text(
            "SELECT CAST(context AS TEXT) FROM support_requests WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap_or_default();
    assert!(!context.contains("@contoso.test"), "{context}");
    assert_eq!(app.audit_count("support_request.created").await, 1);
    let meta = audit_metadata(&app, "support_request.created").await;
    assert!(meta.contains(&reference) && meta.contains("diagnostic_snapshot_attached"));
    assert!(
        !meta.contains("Consent seems revoked"),
        "no free text in audit: {meta}"
    );
    assert_eq!(
        app.audit_count("support_request.external_ticket_created")
            .await,
        0
    );

    // The result banner is only for its creator: another member sees the latest summary but no
    // banner for someone else's request id.
    let manager = app.session_for("manager@contoso.test").await;
    let other = app.get(&location, Some(&manager)).await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(!other.body.contains("data-testid=\"support-result\""));
    assert!(
        other.body.contains(&reference),
        "latest summary is shared in scope"
    );
}

#[tokio::test]
async fn repeated_submits_create_new_rows_with_new_references() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let mut refs = std::collections::BTreeSet::new();
    for _ in 0..3 {
        let (_, body) = submit_form(
            &app,
            &owner,
            "/admin/t/fabrikam/support-requests",
            &form("Same problem again", "internal_only"),
        )
        .await;
        refs.insert(reference_in(&body));
    }
    assert_eq!(refs.len(), 3);
    assert_eq!(app.count("SELECT COUNT(*) FROM support_requests").await, 3);
    assert_eq!(app.audit_count("support_request.created").await, 3);
}

#[tokio::test]
async fn an_operator_files_with_canonical_context_only() {
    let app = TestApp::new().await;
    let operator = app.session_for("operator@contoso.test").await;
    let page = app
        .get("/admin/t/fabrikam/support-requests/new", Some(&operator))
        .await;
    assert!(page.body.contains("data-mode=\"canonical_context_only\""));
    let (_, body) = submit_form(
        &app,
        &operator,
        "/admin/t/fabrikam/support-requests",
        &form("Sync failed", "internal_only"),
    )
    .await;
    let reference = reference_in(&body);
    let r = row(&app, &reference).await;
    assert_eq!(r["has_diagnostics"], false);
    let id = r["id"].as_i64().unwrap_or_default();
    let context = app
        .text(
            "SELECT CAST(context AS TEXT) FROM support_requests WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap_or_default();
    assert!(context.contains("canonical_context"), "{context}");
    for absent in [
        "provider_connection",
        "verification",
        "directory_id",
        "granted_permissions",
    ] {
        assert!(!context.contains(absent), "{absent} in {context}");
    }
    assert_eq!(
        app.text(
            "SELECT attachment_mode FROM support_requests WHERE id = $1",
            &[id.into()]
        )
        .await
        .as_deref(),
        Some("canonical_context_only")
    );
}

#[tokio::test]
async fn run_context_link_existing_ticket_via_form_and_api() {
    let app = TestApp::new().await;
    let run = app.scalar(FABRIKAM_RUN).await;
    let owner = app.session_for("owner@contoso.test").await;
    let viewer = app
        .get(&format!("/admin/operations/{run}"), Some(&owner))
        .await;
    assert!(
        viewer
            .body
            .contains(&format!("/admin/operations/{run}/support-requests/new"))
    );

    let mut fields = form("Run failed with throttling", "link_existing_ticket");
    fields.push(("external_ticket_reference", "PSA-4711"));
    fields.push(("external_ticket_url", "https://psa.example/tickets/4711"));
    let (_, body) = submit_form(
        &app,
        &owner,
        &format!("/admin/operations/{run}/support-requests"),
        &fields,
    )
    .await;
    assert!(
        body.contains("data-outcome=\"external_ticket_linked\""),
        "{body}"
    );
    assert!(body.contains("PSA-4711"));
    assert!(body.contains("https://psa.example/tickets/4711"));
    assert_eq!(
        app.audit_count("support_request.external_ticket_linked")
            .await,
        1
    );
    let meta = audit_metadata(&app, "support_request.external_ticket_linked").await;
    assert!(
        meta.contains("PSA-4711") && !meta.contains("psa.example"),
        "{meta}"
    );

    // The API: link without URL, then the run's latest summary.
    let token = app.token_for("manager@contoso.test").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/operations/{run}/support-requests"),
            Some(&token),
            Some(r#"{"severity":"blocking","summary":"Still failing","handoff_mode":"link_existing_ticket","external_ticket_reference":"PSA-4712"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let result = r.json();
    assert_eq!(result["primary_context_type"], "operation_run");
    assert_eq!(result["primary_context_id"], run);
    assert_eq!(result["handoff_mode"], "link_existing_ticket");
    assert_eq!(result["handoff_outcome"], "external_ticket_linked");
    assert_eq!(result["external_ticket_reference"], "PSA-4712");
    assert_eq!(result["external_ticket_url"], Value::Null);
    assert_eq!(result["attachment_mode"], "diagnostic_snapshot_attached");
    assert!(
        result["internal_reference"]
            .as_str()
            .unwrap_or("")
            .starts_with("SR-")
    );
    assert_eq!(
        result["latest_summary"]["internal_reference"],
        result["internal_reference"]
    );
    assert_eq!(result["latest_summary"]["has_external_link"], true);
    assert_eq!(result["latest_summary"]["has_failure"], false);

    let latest = app
        .api(
            Method::GET,
            &format!("/api/v1/operations/{run}/support-requests/latest"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(latest.status, StatusCode::OK);
    assert_eq!(latest.json()["external_ticket_reference"], "PSA-4712");

    // Run-context requests are not the tenant context's latest.
    let tenant_latest = app
        .api(
            Method::GET,
            "/api/v1/tenants/fabrikam/support-requests/latest",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(tenant_latest.status, StatusCode::NOT_FOUND);
    assert_eq!(
        tenant_latest.json()["type"],
        "urn:tenantpilot:problem:no-support-request"
    );
    // Another run of the same tenant has its own (empty) latest.
    let other_run = app.int("SELECT MIN(id) FROM operation_runs WHERE tenant_id = (SELECT tenant_id FROM operation_runs WHERE id = $1)", &[run.into()])
        .await;
    let other = app
        .api(
            Method::GET,
            &format!("/api/v1/operations/{other_run}/support-requests/latest"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn create_external_ticket_calls_the_desk_once_and_stores_the_ticket() {
    let desk = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tickets"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "T-1001", "number": "1001", "url": "https://desk.example/t/1001"
        })))
        .expect(2)
        .mount(&desk)
        .await;
    let app = desk_app(&desk, 5000).await;
    let owner = app.session_for("owner@contoso.test").await;
    let page = app
        .get("/admin/t/fabrikam/support-requests/new", Some(&owner))
        .await;
    assert!(
        !page
            .body
            .contains("data-testid=\"support-desk-unavailable\"")
    );

    let (_, body) = submit_form(
        &app,
        &owner,
        "/admin/t/fabrikam/support-requests",
        &form("Please look at fabrikam", "create_external_ticket"),
    )
    .await;
    assert!(
        body.contains("data-outcome=\"external_ticket_created\""),
        "{body}"
    );
    assert!(body.contains("1001"));
    let reference = reference_in(&body);
    let requests = desk.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(
        sent.headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok()),
        Some(reference.as_str())
    );
    let sent_body: Value = serde_json::from_slice(&sent.body).unwrap_or_default();
    assert_eq!(sent_body["internal_reference"], reference.as_str());
    assert_eq!(sent_body["severity"], "high");
    assert_eq!(sent_body["tenant"], "fabrikam");
    assert_eq!(sent_body["primary_context_type"], "tenant");
    let id = row(&app, &reference).await["id"]
        .as_i64()
        .unwrap_or_default();
    let col = |c: &str| format!("SELECT {c} FROM support_requests WHERE id = $1");
    assert_eq!(
        app.text(&col("external_ticket_id"), &[id.into()])
            .await
            .as_deref(),
        Some("T-1001")
    );
    assert_eq!(
        app.text(&col("external_ticket_number"), &[id.into()])
            .await
            .as_deref(),
        Some("1001")
    );
    assert_eq!(
        app.text(&col("external_ticket_reference"), &[id.into()])
            .await
            .as_deref(),
        Some("1001")
    );
    assert_eq!(
        app.text(&col("external_ticket_url"), &[id.into()])
            .await
            .as_deref(),
        Some("https://desk.example/t/1001")
    );
    assert_eq!(
        app.text(&col("handoff_outcome"), &[id.into()])
            .await
            .as_deref(),
        Some("external_ticket_created")
    );
    assert_eq!(app.audit_count("support_request.created").await, 1);
    assert_eq!(
        app.audit_count("support_request.external_ticket_created")
            .await,
        1
    );
    let meta = audit_metadata(&app, "support_request.external_ticket_created").await;
    assert!(
        meta.contains("\"webhook\"") && !meta.contains(HMAC_SECRET),
        "{meta}"
    );

    // Run context through the API: the same desk, the run id in the payload.
    let run = app.scalar(FABRIKAM_RUN).await;
    let token = app.token_for("owner@contoso.test").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/operations/{run}/support-requests"),
            Some(&token),
            Some(r#"{"severity":"normal","summary":"Run needs a look","handoff_mode":"create_external_ticket","target_available":true}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["handoff_outcome"], "external_ticket_created");
    let requests = desk.received_requests().await.unwrap_or_default();
    let sent_body: Value = serde_json::from_slice(&requests[1].body).unwrap_or_default();
    assert_eq!(sent_body["operation_run_id"], run);
    assert_eq!(sent_body["primary_context_type"], "operation_run");
}

#[tokio::test]
async fn a_failing_desk_keeps_the_internal_request_and_says_so() {
    let desk = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream maintenance"))
        .mount(&desk)
        .await;
    let app = desk_app(&desk, 5000).await;
    let run = app.scalar(FABRIKAM_RUN).await;
    let owner = app.session_for("owner@contoso.test").await;
    let (_, body) = submit_form(
        &app,
        &owner,
        &format!("/admin/operations/{run}/support-requests"),
        &form("Desk is down", "create_external_ticket"),
    )
    .await;
    assert!(
        body.contains("data-outcome=\"external_handoff_failed\""),
        "{body}"
    );
    assert!(body.contains("role=\"alert\""));
    let reference = reference_in(&body);
    let id = row(&app, &reference).await["id"]
        .as_i64()
        .unwrap_or_default();
    let failure = app
        .text(
            "SELECT external_handoff_failure_summary FROM support_requests WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap_or_default();
    assert!(failure.contains("503"), "{failure}");
    assert!(
        !failure.contains("upstream maintenance"),
        "no response bodies: {failure}"
    );
    assert!(failure.chars().count() <= 300);
    assert_eq!(app.audit_count("support_request.created").await, 1);
    assert_eq!(
        app.audit_count("support_request.external_handoff_failed")
            .await,
        1
    );
    let meta = audit_metadata(&app, "support_request.external_handoff_failed").await;
    assert!(
        meta.contains("503") && !meta.contains("upstream maintenance"),
        "{meta}"
    );

    // Reopening the form shows the persisted failure in the latest summary.
    let reopened = app
        .get(
            &format!("/admin/operations/{run}/support-requests/new"),
            Some(&owner),
        )
        .await;
    assert!(
        reopened
            .body
            .contains("data-testid=\"support-latest-failure\"")
    );
    assert!(reopened.body.contains(&reference));
    // Pages say the failure from its stored code in the reader's language; the English
    // summary (with the status) stays for the API.
    assert_eq!(
        app.text(
            "SELECT external_handoff_failure_code FROM support_requests WHERE id = $1",
            &[id.into()],
        )
        .await
        .as_deref(),
        Some("rejected")
    );
    let english = "The support desk refused the ticket. Ask a platform operator";
    assert!(reopened.body.contains(english), "{}", reopened.body);
    let german = app
        .get_de(
            &format!("/admin/operations/{run}/support-requests/new"),
            &owner,
        )
        .await;
    let latest_failure = fragment(
        &german.body,
        r#"data-testid="support-latest-failure""#,
        "</dd>",
    );
    assert!(
        latest_failure.contains("Der Support-Desk hat das Ticket abgelehnt."),
        "{latest_failure}"
    );
    assert!(!latest_failure.contains("refused"), "{latest_failure}");
    let token = app.token_for("owner@contoso.test").await;
    let latest = app
        .api(
            Method::GET,
            &format!("/api/v1/operations/{run}/support-requests/latest"),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(latest["has_failure"], true);
    assert_eq!(latest["has_external_link"], false);
    assert_eq!(latest["handoff_outcome"], "external_handoff_failed");
    assert!(
        latest["external_handoff_failure_summary"]
            .as_str()
            .unwrap_or("")
            .contains("503")
    );
}

#[tokio::test]
async fn a_slow_desk_is_cut_off_at_the_budget() {
    let desk = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": "late"}))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&desk)
        .await;
    let app = desk_app(&desk, 400).await;
    let token = app.token_for("owner@contoso.test").await;
    let started = std::time::Instant::now();
    let r = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/support-requests",
            Some(&token),
            Some(r#"{"severity":"high","summary":"Slow desk","handoff_mode":"create_external_ticket"}"#),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let result = r.json();
    assert_eq!(result["handoff_outcome"], "external_handoff_failed");
    assert!(
        result["failure_summary"]
            .as_str()
            .unwrap_or("")
            .contains("400 ms"),
        "{result}"
    );
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM support_requests").await, 1);
}

#[tokio::test]
async fn a_refused_connection_is_a_failed_handoff_not_an_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(9);
    drop(listener);
    let app =
        TestApp::with_config(webhook_config(&format!("http://127.0.0.1:{port}/x"), 2000)).await;
    let token = app.token_for("manager@contoso.test").await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/support-requests",
            Some(&token),
            Some(r#"{"severity":"low","summary":"Nobody home","handoff_mode":"create_external_ticket"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["handoff_outcome"], "external_handoff_failed");
    assert_eq!(
        app.audit_count("support_request.external_handoff_failed")
            .await,
        1
    );
}

#[tokio::test]
async fn without_a_desk_create_is_refused_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let r = app
        .post_form(
            "/admin/t/fabrikam/support-requests",
            &owner,
            &form("Create please", "create_external_ticket"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("No external support desk is configured"));
    assert!(r.body.contains("value=\"Create please\""), "input kept");
    let token = app.token_for("owner@contoso.test").await;
    let api = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/support-requests",
            Some(&token),
            Some(r#"{"severity":"normal","summary":"x","handoff_mode":"create_external_ticket","target_available":true}"#),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.json()["errors"][0]["field"], "handoff_mode");
    assert_eq!(app.count("SELECT COUNT(*) FROM support_requests").await, 0);
    assert_eq!(app.audit_count("support_request.created").await, 0);
}

#[tokio::test]
async fn bad_input_is_refused_with_field_messages_in_both_languages() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let r = app
        .post_form(
            "/admin/t/fabrikam/support-requests",
            &owner,
            &[
                ("severity", "urgent"),
                ("summary", ""),
                ("contact_email", "not an address"),
                ("handoff_mode", "link_existing_ticket"),
                ("external_ticket_url", "javascript:alert(1)"),
                ("reproduction_notes", "<script>alert(1)</script>"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose low, normal, high or blocking."));
    assert!(
        r.body
            .contains("Enter the reference of the existing ticket")
    );
    assert!(r.body.contains("Enter a full http:// or https:// address"));
    assert!(!r.body.contains("<script>alert(1)</script>"), "escaped");
    assert!(r.body.contains("alert(1)"), "kept (escaped)");

    let token = app.token_for("owner@contoso.test").await;
    let api = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/support-requests",
            Some(&token),
            Some(&format!(
                r#"{{"severity":"normal","summary":"{}","handoff_mode":"internal_only"}}"#,
                "x".repeat(201)
            )),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.json()["errors"][0]["field"], "summary");
    let unknown = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/support-requests",
            Some(&token),
            Some(r#"{"severity":"normal","summary":"x","handoff_mode":"internal_only","status":"open"}"#),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT COUNT(*) FROM support_requests").await, 0);

    // German.
    let german = app
        .send(
            axum::http::Request::builder()
                .uri("/admin/t/fabrikam/support-requests/new")
                .header("cookie", &owner.cookie)
                .header("accept-language", "de-DE")
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert!(
        german.body.contains("Supportanfrage senden"),
        "{}",
        german.body
    );
}

#[tokio::test]
async fn scope_is_404_and_a_missing_capability_is_403() {
    let app = TestApp::new().await;
    let contoso_run = app.scalar(CONTOSO_RUN).await;
    let fabrikam_run = app.scalar(FABRIKAM_RUN).await;
    // readonly is entitled to contoso only and lacks support_requests.create.
    let readonly = app.session_for("readonly@contoso.test").await;
    let dashboard = app.get("/admin/t/contoso", Some(&readonly)).await;
    assert!(dashboard.body.contains("data-testid=\"request-support\""));
    assert!(
        dashboard
            .body
            .contains("Needs the operator role — ask a workspace owner."),
        "disabled with the reason in words"
    );
    assert!(
        !dashboard
            .body
            .contains("/admin/t/contoso/support-requests/new")
    );
    for (path, status) in [
        (
            "/admin/t/contoso/support-requests/new".to_string(),
            StatusCode::FORBIDDEN,
        ),
        (
            format!("/admin/operations/{contoso_run}/support-requests/new"),
            StatusCode::FORBIDDEN,
        ),
        (
            "/admin/t/fabrikam/support-requests/new".to_string(),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/admin/operations/{fabrikam_run}/support-requests/new"),
            StatusCode::NOT_FOUND,
        ),
    ] {
        assert_eq!(
            app.get(&path, Some(&readonly)).await.status,
            status,
            "{path}"
        );
    }
    let posted = app
        .post_form(
            "/admin/t/contoso/support-requests",
            &readonly,
            &form("Not allowed", "internal_only"),
        )
        .await;
    assert_eq!(posted.status, StatusCode::FORBIDDEN);
    let token = app.token_for("readonly@contoso.test").await;
    for (m, path) in [
        (
            Method::POST,
            "/api/v1/tenants/contoso/support-requests".to_string(),
        ),
        (
            Method::GET,
            "/api/v1/tenants/contoso/support-requests/latest".to_string(),
        ),
        (
            Method::POST,
            format!("/api/v1/operations/{contoso_run}/support-requests"),
        ),
        (
            Method::GET,
            format!("/api/v1/operations/{contoso_run}/support-requests/latest"),
        ),
    ] {
        let body = (m == Method::POST)
            .then_some(r#"{"severity":"low","summary":"x","handoff_mode":"internal_only"}"#);
        assert_eq!(
            app.api(m, &path, Some(&token), body).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // Another workspace's owner: the tenant and its runs do not exist for them.
    let northwind = app.token_for("owner@northwind.test").await;
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/operations/{fabrikam_run}/support-requests/latest"),
            Some(&northwind),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["type"], "urn:tenantpilot:problem:not-found");
    assert_eq!(app.count("SELECT COUNT(*) FROM support_requests").await, 0);
}

#[tokio::test]
async fn a_post_without_the_csrf_token_changes_nothing() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let forged = Session {
        cookie: owner.cookie.clone(),
        csrf: "forged".into(),
    };
    let r = app
        .post_form(
            "/admin/t/fabrikam/support-requests",
            &forged,
            &form("Forged", "internal_only"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM support_requests").await, 0);
}

#[tokio::test]
async fn requests_are_immutable_and_the_handoff_is_written_once() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/support-requests",
            Some(&token),
            Some(r#"{"severity":"low","summary":"Original","handoff_mode":"link_existing_ticket","external_ticket_reference":"A-1"}"#),
        )
        .await
        .json();
    let id = r["support_request_id"].as_i64().unwrap_or_default();
    // The database refuses edits of the request itself and a second handoff write.
    for sql in [
        format!("UPDATE support_requests SET summary = 'Edited' WHERE id = {id}"),
        format!("UPDATE support_requests SET severity = 'blocking' WHERE id = {id}"),
        format!("UPDATE support_requests SET external_ticket_reference = 'B-2' WHERE id = {id}"),
    ] {
        let result =
            tenantpilot::with_db!(app.db(), |p| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(p)
                .await
                .map(|r| r.rows_affected()));
        assert!(result.is_err(), "{sql} must be refused");
    }
    let mut tx = app.db().begin().await.expect("tx");
    let again = tenantpilot::features::support_requests::repo::finalize_handoff(
        &mut tx,
        id,
        &tenantpilot::features::support_requests::repo::HandoffWrite::failed(
            tenantpilot::support_desk::HandoffFailure::Timeout,
            "late",
        ),
        app.clock.now_for_tests(),
    )
    .await
    .expect("guarded update");
    assert!(again.is_none(), "the second handoff write is a no-op");
    tx.rollback().await.expect("rollback");
    assert_eq!(
        app.text(
            "SELECT summary FROM support_requests WHERE id = $1",
            &[id.into()]
        )
        .await
        .as_deref(),
        Some("Original")
    );
    assert_eq!(
        app.text(
            "SELECT external_ticket_reference FROM support_requests WHERE id = $1",
            &[id.into()]
        )
        .await
        .as_deref(),
        Some("A-1")
    );
    // An internal-only request gets its one write never; the first write still works for a
    // request whose handoff has not been written.
    let internal = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/support-requests",
            Some(&token),
            Some(r#"{"severity":"low","summary":"Internal","handoff_mode":"internal_only"}"#),
        )
        .await
        .json();
    assert_eq!(internal["handoff_outcome"], "internal_only");
    assert_eq!(internal["latest_summary"]["has_external_link"], false);
    // No edit or delete routes exist for support requests.
    let edit = app
        .api(
            Method::PATCH,
            &format!("/api/v1/tenants/fabrikam/support-requests/{id}"),
            Some(&token),
            Some("{}"),
        )
        .await;
    assert!(edit.status == StatusCode::NOT_FOUND || edit.status == StatusCode::METHOD_NOT_ALLOWED);
}

use crate::support::NowForTests;

#[tokio::test]
async fn secrets_never_reach_audit_rows_or_failure_summaries() {
    let desk = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": format!("bad signature for key {HMAC_SECRET}")
        })))
        .mount(&desk)
        .await;
    let app = desk_app(&desk, 2000).await;
    let token = app.token_for("owner@contoso.test").await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/support-requests",
            Some(&token),
            Some(r#"{"severity":"low","summary":"Leak check","handoff_mode":"create_external_ticket"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains(HMAC_SECRET), "{}", r.body);
    let all_audit = tenantpilot::with_db!(app.db(), |p| sqlx::query_scalar::<_, String>(
        "SELECT CAST(metadata AS TEXT) FROM audit_events"
    )
    .fetch_all(p)
    .await)
    .expect("audit");
    assert!(all_audit.iter().all(|m| !m.contains(HMAC_SECRET)));
    let stored = app
        .text(
            "SELECT external_handoff_failure_summary FROM support_requests",
            &[],
        )
        .await
        .unwrap_or_default();
    assert!(!stored.contains(HMAC_SECRET), "{stored}");
}

#[tokio::test]
async fn platform_users_check_the_desk_and_send_a_test_ticket() {
    let desk = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 77})))
        .expect(1)
        .mount(&desk)
        .await;
    let app = desk_app(&desk, 2000).await;
    let platform = app.session_for("platform@tenantpilot.test").await;
    let page = app.get("/system/support-desk", Some(&platform)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("webhook"));
    assert!(!page.body.contains(HMAC_SECRET));
    let sent = app
        .post_form("/system/support-desk/test-ticket", &platform, &[])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let page = app.get("/system/support-desk", Some(&platform)).await;
    assert!(
        page.body.contains("Test ticket 77 created."),
        "{}",
        page.body
    );
    let owner = app.session_for("owner@contoso.test").await;
    assert_eq!(
        app.get("/system/support-desk", Some(&owner)).await.status,
        StatusCode::NOT_FOUND
    );
    // Without a desk the page says so and the test fails cleanly.
    let bare = TestApp::new().await;
    let platform = bare.session_for("platform@tenantpilot.test").await;
    let page = bare.get("/system/support-desk", Some(&platform)).await;
    assert!(
        page.body
            .contains("No external support desk is configured.")
    );
    bare.post_form("/system/support-desk/test-ticket", &platform, &[])
        .await;
    let page = bare.get("/system/support-desk", Some(&platform)).await;
    assert!(page.body.contains("Test ticket failed"), "{}", page.body);
}

#[tokio::test]
async fn a_paused_handoff_control_refuses_ticket_creation_but_not_links() {
    let desk = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "T-9"})))
        .expect(0)
        .mount(&desk)
        .await;
    let app = desk_app(&desk, 2000).await;
    let platform = app.session_for("platform@tenantpilot.test").await;
    let paused = app
        .post_form(
            "/system/controls/support_desk_handoff",
            &platform,
            &[
                ("action", "pause"),
                ("reason", "Desk migration tonight"),
                ("scope", "workspace"),
                ("workspace", "contoso-msp"),
                ("duration", "24h"),
            ],
        )
        .await;
    assert_eq!(paused.status, StatusCode::SEE_OTHER, "{}", paused.body);
    let owner = app.session_for("owner@contoso.test").await;
    let page = app
        .get("/admin/t/fabrikam/support-requests/new", Some(&owner))
        .await;
    assert!(
        page.body.contains("data-reason=\"paused\""),
        "{}",
        page.body
    );
    let refused = app
        .post_form(
            "/admin/t/fabrikam/support-requests",
            &owner,
            &form("During the pause", "create_external_ticket"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("paused by the platform operator"));
    let mut link = form("Linked during the pause", "link_existing_ticket");
    link.push(("external_ticket_reference", "PSA-1"));
    let (_, body) = submit_form(&app, &owner, "/admin/t/fabrikam/support-requests", &link).await;
    assert!(body.contains("data-outcome=\"external_ticket_linked\""));
    // Another workspace is not affected.
    let northwind = app.token_for("owner@northwind.test").await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/tenants/northwind/support-requests",
            Some(&northwind),
            Some(
                r#"{"severity":"low","summary":"Not paused here","handoff_mode":"internal_only"}"#,
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_form_s_latest_request_summary_matches_its_snapshot() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    submit_form(
        &app,
        &owner,
        "/admin/t/fabrikam/support-requests",
        &form("Consent seems revoked", "internal_only"),
    )
    .await;
    let page = app
        .get("/admin/t/fabrikam/support-requests/new", Some(&owner))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let summary = crate::support::fragment(
        &page.body,
        "<dl class=\"facts\" data-testid=\"support-latest\">",
        "</dl>",
    );
    insta::with_settings!({ filters => crate::support::html_filters() }, {
        insta::assert_snapshot!(summary);
    });
}

// ---- The form and its result (issue 16, point 3) ----

/// The form's attached-context preview (between its opening tag and its end).
fn preview(body: &str) -> &str {
    fragment(
        body,
        "<section data-testid=\"support-preview\"",
        "</section>",
    )
}

/// The form's handoff fieldset.
fn handoff_fieldset(body: &str) -> &str {
    fragment(body, "<fieldset", "</fieldset>")
}

/// A desk of `kind` (its settings are never used: nothing is submitted to it here).
fn desk_of(kind: tenantpilot::support_desk::DeskKind) -> Config {
    let mut config = Config::default();
    config.support_desk.kind = kind;
    config.support_desk.url = "https://desk.invalid/api".into();
    config
}

#[tokio::test]
async fn the_form_previews_the_context_and_why_a_role_gets_snapshot_or_canonical_context() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let operator = app.session_for("operator@contoso.test").await;
    let latest_failed = app
        .scalar(
            "SELECT MAX(id) FROM operation_runs WHERE outcome = 'failed' \
             AND tenant_id = (SELECT id FROM tenants WHERE external_id = 'fabrikam')",
        )
        .await;
    let failed = app
        .scalar(
            "SELECT COUNT(*) FROM operation_runs WHERE outcome = 'failed' \
             AND tenant_id = (SELECT id FROM tenants WHERE external_id = 'fabrikam')",
        )
        .await;
    let succeeded = app
        .scalar(
            "SELECT MAX(id) FROM operation_runs WHERE outcome = 'succeeded' \
             AND tenant_id = (SELECT id FROM tenants WHERE external_id = 'fabrikam')",
        )
        .await;
    assert!(
        succeeded > 0,
        "the demo has a succeeded fabrikam run to leave out"
    );
    let path = "/admin/t/fabrikam/support-requests/new";

    let mut bodies = Vec::new();
    for (session, mode, role) in [
        (
            &owner,
            "diagnostic_snapshot_attached",
            "Your role (Owner) may view",
        ),
        (
            &operator,
            "canonical_context_only",
            "Your role (Operator) cannot view",
        ),
    ] {
        let page = app.get(path, Some(session)).await;
        assert_eq!(page.status, StatusCode::OK);
        let p = preview(&page.body).to_string();
        // The same context for both roles: tenant, verdict, dominant issue and its help topic.
        for expected in [
            r#"<a href="/admin/t/fabrikam">Fabrikam Inc</a>"#,
            r#"data-testid="support-preview-verification" data-verdict="blocked""#,
            r#"data-testid="support-preview-issue" data-reason="admin_consent_required">Admin consent required<"#,
            r#"data-help-topic="admin-consent-required"><a href="https://learn.microsoft.com/"#,
            &format!(r#"<a href="/admin/operations/{latest_failed}">"#),
        ] {
            assert!(p.contains(expected), "{expected} in {p}");
        }
        // Only failures, at most the bundle's five, newest first.
        let listed = p.matches("data-testid=\"support-preview-run\"").count();
        assert_eq!(listed, failed.min(5) as usize, "{p}");
        assert!(
            !p.contains(&format!("/admin/operations/{succeeded}\"")),
            "{p}"
        );
        assert!(!p.contains("support-preview-no-failures"), "{p}");
        // Which attachment applies, and why (the role in words).
        assert!(p.contains(&format!("data-mode=\"{mode}\"")), "{p}");
        assert!(p.contains(role), "{role} in {p}");
        bodies.push(p);
    }
    assert!(!bodies[0].contains("canonical_context_only"));
    assert!(!bodies[1].contains("diagnostic_snapshot_attached"));

    // German, with the glossary's words and no English left in the preview.
    let de = app.get_de(path, &owner).await;
    let p = preview(&de.body);
    for expected in [
        "Angehängter Kontext",
        "<dt>Mandant</dt>",
        "<dt>Überprüfung</dt>",
        "Blockiert",
        "Hauptproblem",
        "Hilfethema",
        "Letzte Fehlschläge",
        "Fehlgeschlagen",
        "Ihre Rolle (Inhaber) darf die Supportdiagnose sehen",
    ] {
        assert!(p.contains(expected), "{expected} in {p}");
    }
    for english in [
        "Attached context",
        "Dominant issue",
        "Recent failures",
        "Your role",
        "Failed<",
    ] {
        assert!(!p.contains(english), "{english} in {p}");
    }
    let de_operator = app.get_de(path, &operator).await;
    assert!(
        preview(&de_operator.body)
            .contains("Ihre Rolle (Operator) darf die Supportdiagnose nicht sehen")
    );
}

#[tokio::test]
async fn a_run_s_form_previews_the_run_itself_and_a_clean_tenant_says_so() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let run = app.scalar(FABRIKAM_RUN).await;
    let page = app
        .get(
            &format!("/admin/operations/{run}/support-requests/new"),
            Some(&owner),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let p = preview(&page.body);
    assert!(p.contains("<h3>This operation run</h3>"), "{p}");
    assert_eq!(
        p.matches("data-testid=\"support-preview-run\"").count(),
        1,
        "{p}"
    );
    assert!(
        p.contains(&format!(r#"<a href="/admin/operations/{run}">"#)),
        "{p}"
    );
    assert!(!p.contains("Recent failures"), "{p}");

    // A tenant without failures: the list is replaced by a sentence (control: fabrikam above
    // lists runs; here the failures are removed).
    let sql = "UPDATE operation_runs SET outcome = 'succeeded', reason_code = NULL \
               WHERE outcome = 'failed'";
    let updated = tenantpilot::with_db!(app.db(), |p| sqlx::query(sql)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .expect("update");
    assert!(updated > 0);
    let page = app
        .get("/admin/t/contoso/support-requests/new", Some(&owner))
        .await;
    let p = preview(&page.body);
    assert!(
        p.contains("data-testid=\"support-preview-no-failures\""),
        "{p}"
    );
    assert!(!p.contains("data-testid=\"support-preview-run\""), "{p}");
}

#[tokio::test]
async fn the_create_option_names_the_configured_desk() {
    use tenantpilot::support_desk::DeskKind;
    let path = "/admin/t/fabrikam/support-requests/new";
    for (kind, en, de, busy) in [
        (
            DeskKind::Halopsa,
            "Create a ticket in HaloPSA",
            "Ein Ticket in HaloPSA anlegen",
            "Creating the ticket in HaloPSA…",
        ),
        (
            DeskKind::Autotask,
            "Create a ticket in Autotask",
            "Ein Ticket in Autotask anlegen",
            "Creating the ticket in Autotask…",
        ),
        (
            DeskKind::Webhook,
            "TenantPilot + external support desk: create a new ticket",
            "TenantPilot + externer Support-Desk: neues Ticket anlegen",
            "Creating the ticket at the external support desk…",
        ),
    ] {
        let app = TestApp::with_config(desk_of(kind)).await;
        let owner = app.session_for("owner@contoso.test").await;
        let page = app.get(path, Some(&owner)).await;
        let fieldset = handoff_fieldset(&page.body);
        let create = fragment(
            fieldset,
            "<label><input type=\"radio\" name=\"handoff_mode\" value=\"create_external_ticket\"",
            "</label>",
        );
        assert!(create.contains(en), "{kind:?}: {create}");
        assert!(!create.contains("disabled"), "{kind:?}: {create}");
        assert!(
            create.contains(&format!("data-busy-label=\"{busy}\"")),
            "{create}"
        );
        for other in ["HaloPSA", "Autotask"] {
            if !en.contains(other) {
                assert!(
                    !fieldset.contains(other),
                    "{other} for {kind:?}: {fieldset}"
                );
            }
        }
        let german = app.get_de(path, &owner).await;
        assert!(handoff_fieldset(&german.body).contains(de), "{kind:?}");
        // The submit button's own busy text for the other modes.
        assert!(
            page.body
                .contains("data-busy-label=\"Submitting the support request…\""),
            "{kind:?}"
        );
    }
}

#[tokio::test]
async fn the_external_ticket_fields_are_wrapped_for_the_css_and_open_on_a_link_error() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let page = app
        .get("/admin/t/fabrikam/support-requests/new", Some(&owner))
        .await;
    let wrapper = fragment(
        &page.body,
        "<div class=\"link-fields\" data-testid=\"support-link-fields\">",
        "</div>",
    );
    for field in [
        "name=\"external_ticket_reference\"",
        "name=\"external_ticket_url\"",
    ] {
        assert!(wrapper.contains(field), "{field} in {wrapper}");
    }
    assert_eq!(
        page.body
            .matches("name=\"external_ticket_reference\"")
            .count(),
        1
    );
    // The stylesheet hides the wrapper unless linking is checked or the server opened it.
    let css_href = tenantpilot::web::assets::css_href();
    let css = app.get(css_href, None).await.body;
    for rule in [
        ".handoff-fieldset .link-fields { display:none; }",
        r#".handoff-fieldset:has(input[name="handoff_mode"][value="link_existing_ticket"]:checked) .link-fields"#,
        ".handoff-fieldset .link-fields.is-open { display:flex; }",
    ] {
        assert!(css.contains(rule), "{rule}");
    }

    // Linking without a reference: the form comes back with the fields open and the mode kept.
    let mut link = form("Link it", "link_existing_ticket");
    link.push(("external_ticket_url", "not a url"));
    let refused = app
        .post_form("/admin/t/fabrikam/support-requests", &owner, &link)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("<div class=\"link-fields is-open\" data-testid=\"support-link-fields\">"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains(
        "value=\"link_existing_ticket\" checked data-testid=\"handoff-link_existing_ticket\""
    ));
    assert!(
        refused
            .body
            .contains("Enter the reference of the existing ticket")
    );
    // Control: an error elsewhere in another mode leaves them to the CSS.
    let other = app
        .post_form(
            "/admin/t/fabrikam/support-requests",
            &owner,
            &form("", "internal_only"),
        )
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(other.body.contains("data-testid=\"support-link-fields\""));
    assert!(!other.body.contains("link-fields is-open"));
    assert_eq!(app.count("SELECT COUNT(*) FROM support_requests").await, 0);
}

#[tokio::test]
async fn the_result_page_replaces_the_form_and_offers_to_file_another() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let form_path = "/admin/t/fabrikam/support-requests/new";
    // Control: the form page has the form and no result.
    let blank = app.get(form_path, Some(&owner)).await;
    assert!(blank.body.contains("data-testid=\"support-request-form\""));
    assert!(blank.body.contains("data-testid=\"support-preview\""));
    assert!(!blank.body.contains("data-testid=\"support-file-another\""));

    let (location, body) = submit_form(
        &app,
        &owner,
        "/admin/t/fabrikam/support-requests",
        &form("Consent seems revoked", "internal_only"),
    )
    .await;
    let reference = reference_in(&body);
    assert!(body.contains("data-testid=\"support-result\""));
    assert!(
        !body.contains("data-testid=\"support-request-form\""),
        "{body}"
    );
    assert!(!body.contains("name=\"summary\""), "{body}");
    assert!(!body.contains("data-testid=\"support-preview\""), "{body}");
    assert!(body.contains(&format!(
        "<a class=\"button\" href=\"{form_path}\" data-testid=\"support-file-another\">File another request</a>"
    )));
    assert!(body.contains(&format!(
        "<a href=\"/admin/t/fabrikam/support-requests/{reference}\" data-testid=\"support-result-reference\">{reference}</a>"
    )), "{body}");
    // The latest-handoff summary stays beside the result.
    assert!(body.contains("data-testid=\"support-latest\""));
    let de = app.get_de(&location, &owner).await;
    assert!(de.body.contains("Weitere Anfrage stellen"));
    assert!(de.body.contains("Referenz <a href="));

    // Someone else opening the same address gets the form (the result is not theirs).
    let manager = app.session_for("manager@contoso.test").await;
    let other = app.get(&location, Some(&manager)).await;
    assert!(other.body.contains("data-testid=\"support-request-form\""));
    assert!(!other.body.contains("data-testid=\"support-file-another\""));

    // From a run, the reference links to the tenant's request detail page, and "file another"
    // goes back to the run's blank form.
    let run = app.scalar(FABRIKAM_RUN).await;
    let (_, body) = submit_form(
        &app,
        &owner,
        &format!("/admin/operations/{run}/support-requests"),
        &form("Run failed", "internal_only"),
    )
    .await;
    let reference = reference_in(&body);
    assert!(body.contains(&format!(
        "href=\"/admin/t/fabrikam/support-requests/{reference}\""
    )));
    assert!(body.contains(&format!(
        "href=\"/admin/operations/{run}/support-requests/new\" data-testid=\"support-file-another\""
    )));
    assert!(!body.contains("data-testid=\"support-request-form\""));
}

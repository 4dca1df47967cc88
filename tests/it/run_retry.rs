//! The run viewer's what-next panel and "Retry run" (issue 13 point 5), its live progress
//! fragment (point 6), and count labels on runs and stored reports: through the router, on
//! both databases.

use crate::support::{Resp, Session, TestApp, fragment};
use axum::http::{Method, StatusCode};
use serde_json::Value;
use tenantpilot::features::operations::runner;

const NOT_RETRYABLE: &str =
    "Only a completed run that failed or partially succeeded can be retried.";
const PAUSED: &str = "paused by the platform operators";
const EXECUTION_PAUSED: &str = "Run execution is paused by the platform operators";
const WAITING: &str = "Waiting for a worker";

/// The newest run of `ext` of `run_type` with `outcome`.
async fn run_of(app: &TestApp, ext: &str, run_type: &str, outcome: &str) -> i64 {
    let id = app
        .int(
            "SELECT COALESCE(MAX(r.id), 0) FROM operation_runs r JOIN tenants t ON t.id = r.tenant_id \
             WHERE t.external_id = $1 AND r.run_type = $2 AND r.outcome = $3",
            &[ext.into(), run_type.into(), outcome.into()],
        )
        .await;
    assert!(id > 0, "{ext} has a {outcome} {run_type} run");
    id
}

/// contoso's one failed demo run: a permission posture report whose instance stopped.
async fn contoso_failed(app: &TestApp) -> i64 {
    run_of(app, "contoso", "permission_posture.report", "failed").await
}

async fn retry(app: &TestApp, session: &Session, run: i64) -> Resp {
    app.post_form(&format!("/admin/operations/{run}/retry"), session, &[])
        .await
}

/// The id of the run a `303` to its viewer names.
fn new_run(r: &Resp) -> i64 {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.header("location").expect("location");
    location
        .strip_prefix("/admin/operations/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a run viewer: {location}"))
}

async fn api_retry(app: &TestApp, token: &str, run: i64) -> Resp {
    let path = format!("/api/v1/operations/{run}/retry");
    app.api(Method::POST, &path, Some(token), None).await
}

/// The run viewer of `run`.
async fn viewer(app: &TestApp, session: &Session, run: i64) -> Resp {
    app.get(&format!("/admin/operations/{run}"), Some(session))
        .await
}

/// The id of a run of `run_type` on contoso, just queued through the API.
async fn queued(app: &TestApp, token: &str, run_type: &str) -> i64 {
    let run = app.start_api(token, "contoso", run_type).await;
    run["id"].as_i64().expect("id")
}

async fn runs(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM operation_runs").await
}

/// Metadata of the `operation.started` audit row of `run`.
async fn started_metadata(app: &TestApp, run: i64) -> Value {
    let text = app
        .text(
            "SELECT CAST(metadata AS TEXT) FROM audit_events WHERE action = 'operation.started' AND target_id = $1",
            &[(&run.to_string()).into()],
        )
        .await
        .expect("operation.started audited");
    serde_json::from_str(&text).expect("metadata is JSON")
}

async fn usage_events(app: &TestApp, run: i64) -> i64 {
    app.int(
        "SELECT COUNT(*) FROM product_usage_events WHERE event_name = 'product.operations.started' AND subject_id = $1",
        &[(&run.to_string()).into()],
    )
    .await
}

#[tokio::test]
async fn retrying_a_failed_run_starts_the_same_type_audited_and_counted_like_any_start() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let failed = contoso_failed(&app).await;

    let page = viewer(&app, &owner, failed).await;
    let panel = fragment(&page.body, r#"data-testid="run-next""#, "</section>");
    assert!(panel.contains(r#"action="/admin/operations/"#) && panel.contains("Retry run"));
    assert!(
        panel.contains(r#"data-help-topic="manual-handoff-required""#),
        "{panel}"
    );
    assert!(panel.contains("Interrupted: the instance running it stopped"));
    // Support stays under More and is offered in the panel as well.
    assert!(panel.contains(r#"data-testid="next-request-support""#));
    assert!(panel.contains(r#"data-testid="next-open-support-diagnostics""#));
    let more = fragment(&page.body, r#"data-testid="run-more""#, "</details>");
    assert!(more.contains(r#"data-testid="request-support""#));
    assert!(more.contains(r#"data-testid="open-support-diagnostics""#));

    let id = new_run(&retry(&app, &owner, failed).await);
    assert!(id > failed);
    let token = app.token_for("owner@contoso.test").await;
    let view = app
        .api(
            Method::GET,
            &format!("/api/v1/operations/{id}"),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(view["type"], "permission_posture.report");
    assert_eq!(view["tenant"], "contoso");
    assert_eq!(view["status"], "queued");
    assert_eq!(view["initiator_email"], "owner@contoso.test");
    let audit = started_metadata(&app, id).await;
    assert_eq!(audit["retry_of"], failed, "{audit}");
    assert_eq!(audit["type"], "permission_posture.report");
    // Counted like any start: the same usage event a plain start records.
    let plain = queued(&app, &token, "inventory.sync").await;
    assert!(
        started_metadata(&app, plain)
            .await
            .get("retry_of")
            .is_none()
    );
    assert_eq!(
        usage_events(&app, id).await,
        usage_events(&app, plain).await
    );

    assert_eq!(runner::drain(&app.state).await.expect("drain"), 2);
    let done = viewer(&app, &owner, id).await;
    assert!(
        done.body.contains(r#"data-testid="run-state">Succeeded<"#),
        "{}",
        done.body
    );
    assert!(
        !done.body.contains(r#"data-testid="run-next""#),
        "a success has no next step"
    );
    // The original stays as it was.
    let original = viewer(&app, &owner, failed).await;
    assert!(original.body.contains(r#"data-testid="run-state">Failed<"#));
}

#[tokio::test]
async fn only_completed_runs_that_did_not_succeed_can_be_retried() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let token = app.token_for("owner@contoso.test").await;
    let succeeded = run_of(&app, "contoso", "inventory.sync", "succeeded").await;
    let active = queued(&app, &token, "inventory.sync").await;
    let before = runs(&app).await;
    for run in [succeeded, active] {
        let r = retry(&app, &owner, run).await;
        // The form goes back to the run with the refusal as a notice; the API keeps its 409.
        assert_eq!(r.status, StatusCode::SEE_OTHER, "run {run}");
        assert_eq!(
            r.cookie("tp_flash").as_deref(),
            Some("run-retry-not-retryable")
        );
        let api = api_retry(&app, &token, run).await;
        assert_eq!(api.status, StatusCode::CONFLICT);
        assert_eq!(api.header("content-type"), Some("application/problem+json"));
        assert!(api.body.contains(NOT_RETRYABLE), "{}", api.body);
    }
    assert_eq!(runs(&app).await, before, "nothing queued");
    // Control: a failed run is retried.
    new_run(&retry(&app, &owner, contoso_failed(&app).await).await);
    assert_eq!(runs(&app).await, before + 1);
}

#[tokio::test]
async fn a_retry_needs_the_capability_of_the_runs_type() {
    let app = TestApp::new().await;
    let posture = contoso_failed(&app).await;
    let readonly = app.session_for("readonly@contoso.test").await;
    let operator = app.session_for("operator@contoso.test").await;
    // Readonly may look but not start; operator may start runs but not reports.
    let page = viewer(&app, &readonly, posture).await;
    let panel = fragment(&page.body, r#"data-testid="run-next""#, "</section>");
    assert!(
        panel.contains(r#"data-testid="run-retry-reason">"#)
            && panel.contains("Needs the manager role"),
        "{panel}"
    );
    assert!(
        !panel.contains(r#"/retry""#),
        "no retry form without the capability"
    );
    for session in [&readonly, &operator] {
        let r = retry(&app, session, posture).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    // Control: the operator retries a failed inventory sync, which succeeds once the provider
    // stops throttling.
    app.set_scenario("contoso", "throttled").await;
    let token = app.token_for("operator@contoso.test").await;
    let sync = queued(&app, &token, "inventory.sync").await;
    runner::drain(&app.state).await.expect("drain");
    let page = viewer(&app, &operator, sync).await;
    assert!(
        page.body
            .contains(&format!(r#"action="/admin/operations/{sync}/retry""#)),
        "{}",
        page.body
    );
    app.set_scenario("contoso", "healthy").await;
    let id = new_run(&retry(&app, &operator, sync).await);
    runner::drain(&app.state).await.expect("drain");
    let done = app
        .api(
            Method::GET,
            &format!("/api/v1/operations/{id}"),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(
        (done["type"].as_str(), done["outcome"].as_str()),
        (Some("inventory.sync"), Some("succeeded"))
    );
}

#[tokio::test]
async fn runs_outside_the_callers_scope_are_not_found() {
    let app = TestApp::new().await;
    let fabrikam = run_of(&app, "fabrikam", "inventory.sync", "failed").await;
    let contoso = contoso_failed(&app).await;
    let readonly = app.session_for("readonly@contoso.test").await;
    let northwind = app.session_for("owner@northwind.test").await;
    let before = runs(&app).await;
    for (session, run) in [
        (&readonly, fabrikam),
        (&northwind, contoso),
        (&northwind, 999_999),
    ] {
        assert_eq!(
            retry(&app, session, run).await.status,
            StatusCode::NOT_FOUND
        );
        let progress = app
            .get(&format!("/admin/operations/{run}/progress"), Some(session))
            .await;
        assert_eq!(progress.status, StatusCode::NOT_FOUND);
    }
    let token = app.token_for("owner@northwind.test").await;
    let api = api_retry(&app, &token, contoso).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(runs(&app).await, before);
    // Control: inside scope the same run answers.
    let owner = app.session_for("owner@contoso.test").await;
    let progress = app
        .get(
            &format!("/admin/operations/{contoso}/progress"),
            Some(&owner),
        )
        .await;
    assert_eq!(progress.status, StatusCode::OK);
}

#[tokio::test]
async fn paused_starts_refuse_retries_with_the_start_message() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let token = app.token_for("owner@contoso.test").await;
    let failed = contoso_failed(&app).await;
    app.pause_contoso_starts().await;
    let before = runs(&app).await;
    let r = retry(&app, &owner, failed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.cookie("tp_flash").as_deref(),
        Some("system-controls-refused-operation-starts")
    );
    let start = app
        .api(
            Method::POST,
            "/api/v1/tenants/contoso/operations",
            Some(&token),
            Some(r#"{"type":"permission_posture.report"}"#),
        )
        .await;
    let api = api_retry(&app, &token, failed).await;
    assert_eq!(api.status, StatusCode::CONFLICT);
    assert_eq!(
        api.json()["detail"],
        start.json()["detail"],
        "the same message as a start"
    );
    assert_eq!(runs(&app).await, before);
    // The viewer says so beside a disabled Retry.
    let page = viewer(&app, &owner, failed).await;
    let reason = fragment(&page.body, r#"data-testid="run-retry-reason""#, "</span>");
    assert!(reason.contains(PAUSED), "{reason}");
    app.control(
        "operation_starts",
        &[
            ("action", "resume"),
            ("scope", "workspace"),
            ("workspace", "contoso-msp"),
        ],
    )
    .await;
    new_run(&retry(&app, &owner, failed).await);
}

#[tokio::test]
async fn a_retry_that_cannot_succeed_is_refused_and_the_viewer_offers_consent() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    // fabrikam's consent is missing: its failed inventory sync cannot succeed on retry.
    let sync = run_of(&app, "fabrikam", "inventory.sync", "failed").await;
    let before = runs(&app).await;
    let r = retry(&app, &owner, sync).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.cookie("tp_flash").as_deref(),
        Some("run-retry-blocked-consent")
    );
    assert_eq!(runs(&app).await, before);
    let page = viewer(&app, &owner, sync).await;
    let panel = fragment(&page.body, r#"data-testid="run-next""#, "</section>");
    assert!(
        panel.contains(r#"href="/admin/t/fabrikam/consent""#),
        "{panel}"
    );
    assert!(panel.contains("Grant admin consent"));
    assert!(panel.contains(r#"data-help-topic="admin-consent-required""#));
    assert!(!panel.contains(r#"data-testid="run-retry""#));
    // Control: a tenant with consent gets the Retry button instead.
    let contoso = contoso_failed(&app).await;
    let page = viewer(&app, &owner, contoso).await;
    let panel = fragment(&page.body, r#"data-testid="run-next""#, "</section>");
    assert!(panel.contains(r#"data-testid="run-retry""#));
    assert!(!panel.contains("/consent\""));
}

#[tokio::test]
async fn the_progress_fragment_carries_status_elapsed_time_and_counts() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let token = app.token_for("owner@contoso.test").await;
    let id = queued(&app, &token, "inventory.sync").await;
    let url = format!("/admin/operations/{id}/progress");
    let queued = app.get(&url, Some(&owner)).await;
    assert_eq!(queued.status, StatusCode::OK);
    assert!(!queued.body.contains("<html"), "a fragment, not a page");
    assert!(queued.body.contains(r#"data-run-active="true""#));
    assert!(
        queued.body.contains(r#"data-testid="run-state">Queued<"#),
        "{}",
        queued.body
    );
    assert!(queued.body.contains(r#"data-testid="run-elapsed">"#));
    assert!(queued.body.contains(WAITING));
    assert!(queued.body.contains(&format!(
        r#"href="/admin/operations/{id}" data-testid="run-refresh""#
    )));
    // The page holds the same parts and the polling target, and no meta refresh.
    let page = viewer(&app, &owner, id).await;
    assert!(page.body.contains(&format!(r#"data-run-progress="{url}""#)));
    assert!(page.body.contains(r#"aria-live="polite""#));
    assert!(!page.body.contains("http-equiv"));

    app.clock.advance(chrono::Duration::seconds(75));
    runner::drain(&app.state).await.expect("drain");
    let done = app.get(&url, Some(&owner)).await;
    assert!(done.body.contains(r#"data-run-active="false""#));
    assert!(done.body.contains(r#"data-testid="run-state">Succeeded<"#));
    assert!(done.body.contains("Managed devices"));
    assert!(!done.body.contains(WAITING) && !done.body.contains("run-refresh"));
    let anonymous = app.get(&url, None).await;
    assert_eq!(anonymous.status, StatusCode::FOUND, "sign in first");
}

#[tokio::test]
async fn counts_and_report_summaries_show_labels_in_the_users_language() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let sync = run_of(&app, "contoso", "inventory.sync", "succeeded").await;
    let roles = run_of(&app, "contoso", "entra_admin_roles.report", "succeeded").await;
    let counts = |r: &Resp| fragment(&r.body, r#"data-testid="run-counts""#, "</dl>").to_string();
    let en = viewer(&app, &owner, sync).await;
    let en = counts(&en);
    assert!(
        en.contains("<dt>Managed devices</dt>") && en.contains("<dt>Configuration profiles</dt>"),
        "{en}"
    );
    assert!(!en.contains("managed_devices") && !en.contains("configuration_profiles"));
    let reports = app.get("/admin/t/contoso/reports", Some(&owner)).await;
    let table = fragment(&reports.body, r#"data-testid="stored-reports""#, "</table>");
    assert!(
        table.contains("Members of high-privilege roles:"),
        "{table}"
    );
    assert!(!table.contains("high_privilege_members"));
    let roles_page = viewer(&app, &owner, roles).await;
    assert!(counts(&roles_page).contains("<dt>High-privilege roles</dt>"));

    let r = app
        .post_form(
            "/account",
            &owner,
            &[("display_name", "Olivia Owner"), ("locale", "de")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let de = viewer(&app, &owner, sync).await;
    let de = counts(&de);
    assert!(
        de.contains("<dt>Verwaltete Geräte</dt>") && de.contains("<dt>Konfigurationsprofile</dt>"),
        "{de}"
    );
    assert!(!de.contains("managed_devices"));
    let report_id = app
        .int(
            "SELECT MAX(id) FROM stored_reports WHERE kind = 'entra_admin_roles' AND tenant_id = $1",
            &[app.tenant_id("contoso").await.into()],
        )
        .await;
    let report = app
        .get(
            &format!("/admin/t/contoso/reports/{report_id}"),
            Some(&owner),
        )
        .await;
    let summary = fragment(&report.body, r#"data-testid="report-summary""#, "</dl>");
    assert!(
        summary.contains("<dt>Mitglieder von Rollen mit hohen Berechtigungen</dt>"),
        "{summary}"
    );
    assert!(!summary.contains("high_privilege_members"));
}

#[tokio::test]
async fn a_queued_run_says_why_it_waits() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let token = app.token_for("owner@contoso.test").await;
    let first = queued(&app, &token, "inventory.sync").await;
    let page = viewer(&app, &owner, first).await;
    assert!(page.body.contains(WAITING) && !page.body.contains(EXECUTION_PAUSED));
    app.control(
        "run_execution",
        &[("action", "pause"), ("reason", "Database failover")],
    )
    .await;
    let page = viewer(&app, &owner, first).await;
    let waiting = fragment(&page.body, r#"data-testid="run-waiting""#, "</p>");
    assert!(waiting.contains(EXECUTION_PAUSED), "{waiting}");
    assert!(!waiting.contains(WAITING));
}

#[tokio::test]
async fn a_verification_run_explains_its_permission_symbols() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let verify = run_of(&app, "contoso", "provider.connection.verify", "succeeded").await;
    let page = viewer(&app, &owner, verify).await;
    let legend = fragment(&page.body, r#"data-testid="run-permission-legend""#, "</p>");
    assert!(
        legend.contains("Granted") && legend.contains("Missing"),
        "{legend}"
    );
    assert!(legend.contains("Unknown: the provider did not say whether it is granted"));
    // Control: a run without permissions shows no legend.
    let sync = run_of(&app, "contoso", "inventory.sync", "succeeded").await;
    let page = viewer(&app, &owner, sync).await;
    assert!(!page.body.contains("run-permission-legend"));
}

#[tokio::test]
async fn the_api_retry_answers_with_the_new_run() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let failed = contoso_failed(&app).await;
    let r = api_retry(&app, &token, failed).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let body = r.json();
    let id = body["id"].as_i64().expect("id");
    assert!(id > failed);
    assert_eq!(body["type"], "permission_posture.report");
    assert_eq!(body["status"], "queued");
    assert_eq!(started_metadata(&app, id).await["retry_of"], failed);
    let readonly = app.token_for("readonly@contoso.test").await;
    let denied = api_retry(&app, &readonly, failed).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(
        denied.header("content-type"),
        Some("application/problem+json")
    );
    let doc = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert!(
        doc.body.contains("\"retry_run\""),
        "in the OpenAPI document"
    );
}

//! Operational controls take effect where they govern: paused starts are refused (409) for the
//! paused scope only, a paused review-pack control refuses only review packs, a paused executor
//! leaves queued runs queued until resumed.

use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use tenantpilot::features::operations::runner;

async fn runs(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM operation_runs").await
}

#[tokio::test]
async fn paused_operation_starts_are_refused_in_their_scope_only() {
    let app = TestApp::new().await;
    app.pause_contoso_starts().await;
    let before = runs(&app).await;
    let owner = app.session_for("owner@contoso.test").await;
    let r = app
        .post_form(
            "/admin/t/fabrikam/operations",
            &owner,
            &[("type", "inventory.sync")],
        )
        .await;
    // The form goes back to the tenant with the refusal as a notice (the API keeps its 409).
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.cookie("tp_flash").as_deref(),
        Some("system-controls-refused-operation-starts")
    );
    let token = app.token_for("owner@contoso.test").await;
    let api = app
        .api(
            Method::POST,
            "/api/v1/tenants/contoso/operations",
            Some(&token),
            Some(r#"{"type":"provider.connection.verify"}"#),
        )
        .await;
    assert_eq!(api.status, StatusCode::CONFLICT);
    assert_eq!(api.header("content-type"), Some("application/problem+json"));
    insta::assert_json_snapshot!(api.json(), { ".request_id" => "[request_id]" });
    assert_eq!(runs(&app).await, before, "nothing queued");
    // Another workspace starts as usual.
    let northwind = app.token_for("owner@northwind.test").await;
    let other = app
        .api(
            Method::POST,
            "/api/v1/tenants/northwind/operations",
            Some(&northwind),
            Some(r#"{"type":"inventory.sync"}"#),
        )
        .await;
    assert_eq!(other.status, StatusCode::ACCEPTED);
    // The pause expires after its hour.
    app.clock.advance(chrono::Duration::minutes(61));
    // (Verification: fabrikam lacks admin consent, so a sync would be refused for that.)
    let later = app
        .post_form(
            "/admin/t/fabrikam/operations",
            &owner,
            &[("type", "provider.connection.verify")],
        )
        .await;
    assert_eq!(later.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_paused_review_pack_control_refuses_review_packs_only() {
    let app = TestApp::new().await;
    app.control(
        "review_pack_generation",
        &[("action", "pause"), ("reason", "Storage maintenance")],
    )
    .await;
    let token = app.token_for("owner@contoso.test").await;
    let pack = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/operations",
            Some(&token),
            Some(r#"{"type":"review_pack.generate"}"#),
        )
        .await;
    assert_eq!(pack.status, StatusCode::CONFLICT);
    assert!(
        pack.json()["detail"]
            .as_str()
            .unwrap_or("")
            .contains("review packs")
    );
    let sync = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/operations",
            Some(&token),
            Some(r#"{"type":"provider.connection.verify"}"#),
        )
        .await;
    assert_eq!(sync.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn paused_run_execution_leaves_runs_queued_until_resumed() {
    let app = TestApp::new().await;
    app.control(
        "run_execution",
        &[("action", "pause"), ("reason", "Database failover")],
    )
    .await;
    let token = app.token_for("owner@contoso.test").await;
    let started = app
        .api(
            Method::POST,
            "/api/v1/tenants/contoso/operations",
            Some(&token),
            Some(r#"{"type":"inventory.sync"}"#),
        )
        .await;
    assert_eq!(
        started.status,
        StatusCode::ACCEPTED,
        "starting is not paused"
    );
    assert_eq!(runner::drain(&app.state).await.expect("drain"), 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operation_runs WHERE status = 'queued'")
            .await,
        1
    );
    app.control(
        "run_execution",
        &[("action", "resume"), ("reason", "Failover done")],
    )
    .await;
    assert_eq!(runner::drain(&app.state).await.expect("drain"), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operation_runs WHERE status = 'queued'")
            .await,
        0
    );
}

//! Support diagnostics through the router: bundle content per demo tenant state and per run
//! outcome, redaction of whatever secrets or addresses reach the data, the explicit (audited)
//! open versus the unaudited render, and who may see a preview.

use crate::support::{NowForTests, TestApp};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tenantpilot::features::operations::{
    model::Completion, model::ReasonCode, repo as runs, runner,
};

async fn open_api(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.api(Method::POST, path, Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

fn opens(app: &TestApp) -> impl std::future::Future<Output = i64> + '_ {
    app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'support_diagnostics.opened'")
}

#[tokio::test]
async fn tenant_bundles_reflect_each_demo_state() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;

    let fabrikam = open_api(&app, &token, "/api/v1/tenants/fabrikam/support-diagnostics").await;
    assert_eq!(fabrikam["schema_version"], 1);
    assert!(fabrikam["generated_at"].is_string());
    assert_eq!(fabrikam["context"]["type"], "tenant");
    assert_eq!(fabrikam["tenant"]["external_id"], "fabrikam");
    assert_eq!(fabrikam["workspace"]["slug"], "contoso-msp");
    assert_eq!(fabrikam["provider_connection"]["consent"], "missing");
    assert_eq!(fabrikam["verification"]["stale"], true);
    assert_eq!(fabrikam["verification"]["freshness_window_hours"], 24);
    assert_eq!(
        fabrikam["dominant_issue"]["reason_code"],
        "admin_consent_required"
    );
    assert_eq!(fabrikam["dominant_issue"]["source"], "verification");
    assert_eq!(
        fabrikam["dominant_issue"]["help_topic"],
        "admin-consent-required"
    );
    assert!(!fabrikam["recent_failures"].as_array().unwrap().is_empty());
    assert!(
        fabrikam["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["type"] == "verification_run"
                && r["url"].as_str().unwrap().starts_with("/admin/operations/"))
    );
    let not_collected: Vec<&str> = fabrikam["not_collected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["item"].as_str().unwrap())
        .collect();
    assert!(not_collected.contains(&"client_secret"));
    // Run initiators are users' e-mail addresses: they arrive as consistent placeholders.
    let text = fabrikam.to_string();
    assert!(!text.contains("@contoso.test"), "{text}");
    assert!(text.contains("<email-1>"));
    assert!(
        fabrikam["redaction"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"] == "email" && r["count"].as_u64().unwrap() > 0)
    );

    let contoso = open_api(&app, &token, "/api/v1/tenants/contoso/support-diagnostics").await;
    assert_eq!(contoso["verification"]["overall"], "ready");
    assert_eq!(contoso["verification"]["stale"], false);
    assert_eq!(contoso["provider_connection"]["consent"], "granted");

    // A tenant without a connection: the evidence is incomplete and says what is missing.
    tenantpilot::features::tenants::service::create(
        app.db(),
        &tenantpilot::audit::AuditContext::cli(),
        app.clock.now_for_tests(),
        "contoso-msp",
        "bare",
        "Bare Tenant",
    )
    .await
    .unwrap();
    let bare = open_api(&app, &token, "/api/v1/tenants/bare/support-diagnostics").await;
    assert!(bare["provider_connection"].is_null());
    assert_eq!(
        bare["dominant_issue"]["reason_code"],
        "provider_connection_missing"
    );
    assert_eq!(bare["dominant_issue"]["evidence_incomplete"], true);
    assert_eq!(bare["dominant_issue"]["help_topic"], "connection-unhealthy");
    assert!(
        bare.to_string()
            .contains("\"provider_connection\",\"reason\"")
    );
}

#[tokio::test]
async fn run_bundles_center_on_the_run_and_redact_what_providers_said() {
    let app = TestApp::new().await;
    let token = app.token_for("manager@contoso.test").await;
    let failed: i64 = app
        .scalar(
            "SELECT MAX(r.id) FROM operation_runs r JOIN tenants t ON t.id = r.tenant_id
             WHERE t.external_id = 'fabrikam' AND r.outcome = 'failed'",
        )
        .await;
    let bundle = open_api(
        &app,
        &token,
        &format!("/api/v1/operations/{failed}/support-diagnostics"),
    )
    .await;
    assert_eq!(bundle["context"]["type"], "operation_run");
    assert_eq!(bundle["context"]["operation_run_id"], failed);
    assert_eq!(bundle["operation_run"]["outcome"], "failed");
    assert_eq!(bundle["dominant_issue"]["source"], "operation_run");
    assert_eq!(
        bundle["dominant_issue"]["reason_code"],
        "admin_consent_required"
    );

    let succeeded: i64 = app
        .scalar(
            "SELECT MAX(r.id) FROM operation_runs r JOIN tenants t ON t.id = r.tenant_id
             WHERE t.external_id = 'contoso' AND r.outcome = 'succeeded'",
        )
        .await;
    let ok = open_api(
        &app,
        &token,
        &format!("/api/v1/operations/{succeeded}/support-diagnostics"),
    )
    .await;
    assert_eq!(ok["operation_run"]["outcome"], "succeeded");
    assert_ne!(ok["dominant_issue"]["source"], "operation_run");

    // A provider message carrying secrets, a foreign GUID and an address never survives.
    let tid = app
        .scalar("SELECT id FROM tenants WHERE external_id = 'contoso'")
        .await;
    let mut tx = app.db().begin().await.unwrap();
    let id = runs::insert(
        &mut tx,
        &runs::NewRun {
            workspace_id: 1,
            tenant_id: tid,
            run_type: "inventory.sync",
            initiator_user_id: None,
            initiator_label: "system",
            context: json!({}),
        },
        app.clock.now_for_tests(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let row = runs::find(app.db(), id).await.unwrap().unwrap();
    let message = "token eyJhbGciOiJub25lIn0.eyJyb2xlcyI6W119.c2ln for admin@customer.example \
                   client_secret=Sup3rS3cret! at https://svc:pa55word@desk.example.com/x \
                   correlation 0b9d5a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b";
    runner::finish_at(
        app.db(),
        &row,
        &runner::Finished {
            completion: Completion::failed(ReasonCode::ConnectionUnhealthy, message),
            artifact: runner::Artifact::None,
        },
        app.clock.now_for_tests(),
    )
    .await
    .unwrap();
    let bundle = open_api(
        &app,
        &token,
        &format!("/api/v1/operations/{id}/support-diagnostics"),
    )
    .await;
    let text = bundle.to_string();
    for secret in [
        "eyJhbGciOiJub25lIn0",
        "admin@customer.example",
        "Sup3rS3cret!",
        "pa55word",
        "0b9d5a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b",
    ] {
        assert!(!text.contains(secret), "{secret} survived");
    }
    assert!(
        text.contains("contoso.onmicrosoft.com"),
        "the tenant's own id stays readable"
    );
    let rules: Vec<&str> = bundle["redaction"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    // The run summary was redacted when it was stored (crate::redact); the bundle shows the
    // placeholders and its own pass adds what only bundles replace: foreign GUIDs.
    for placeholder in [
        "[redacted:jwt]",
        "<email-1>",
        "client_secret=[redacted:secret]",
        "https://[redacted:credentials]@desk.example.com",
    ] {
        assert!(text.contains(placeholder), "{placeholder} in {text}");
    }
    assert!(rules.contains(&"guid"), "guid in {rules:?}");
    assert!(text.len() <= tenantpilot::features::diagnostics::service::MAX_BUNDLE_BYTES);
}

#[tokio::test]
async fn opening_is_audited_once_and_rendering_is_not() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let dashboard = app.get("/admin/t/fabrikam", Some(&owner)).await;
    assert!(
        dashboard
            .body
            .contains("data-testid=\"open-support-diagnostics\"")
    );
    assert_eq!(
        opens(&app).await,
        0,
        "rendering the dashboard opens nothing"
    );

    let opened = app
        .post_form("/admin/t/fabrikam/support-diagnostics", &owner, &[])
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    let preview_url = opened.header("location").unwrap().to_string();
    assert_eq!(opens(&app).await, 1);
    for _ in 0..3 {
        let page = app.get(&preview_url, Some(&owner)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Admin consent required"));
        // Contextual help for the dominant issue, rendered after the page's own checks.
        assert!(page.body.contains("data-testid=\"contextual-help-block\""));
        assert!(
            page.body
                .contains("Grant admin consent and re-run verification.")
        );
        assert!(page.body.contains("data-testid=\"diagnostics-redaction\""));
        assert!(page.body.contains("client_secret"));
    }
    let download = app
        .get(&format!("{preview_url}?format=json"), Some(&owner))
        .await;
    assert_eq!(download.header("content-type"), Some("application/json"));
    assert!(
        download
            .header("content-disposition")
            .unwrap()
            .contains("attachment")
    );
    assert_eq!(download.json()["tenant"]["external_id"], "fabrikam");
    assert_eq!(
        opens(&app).await,
        1,
        "renders and downloads are not new opens"
    );
    let meta = app
        .scalar(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'support_diagnostics.opened'
             AND CAST(metadata AS TEXT) LIKE '%tenant_dashboard%'",
        )
        .await;
    assert_eq!(meta, 1);

    // Someone else's opening, another tenant's path, or a made-up id: 404.
    let manager = app.session_for("manager@contoso.test").await;
    assert_eq!(
        app.get(&preview_url, Some(&manager)).await.status,
        StatusCode::NOT_FOUND
    );
    let other = preview_url.replace("/fabrikam/", "/contoso/");
    assert_eq!(
        app.get(&other, Some(&owner)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/admin/t/fabrikam/support-diagnostics/999999", Some(&owner))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The run viewer groups the open under "More".
    let run: i64 = app
        .scalar(
            "SELECT MAX(r.id) FROM operation_runs r JOIN tenants t ON t.id = r.tenant_id
             WHERE t.external_id = 'fabrikam' AND r.outcome = 'failed'",
        )
        .await;
    let viewer = app
        .get(&format!("/admin/operations/{run}"), Some(&owner))
        .await;
    assert!(viewer.body.contains("data-testid=\"run-more\""));
    let opened = app
        .post_form(
            &format!("/admin/operations/{run}/support-diagnostics"),
            &owner,
            &[],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    let page = app
        .get(opened.header("location").unwrap(), Some(&owner))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'support_diagnostics.opened'
             AND CAST(metadata AS TEXT) LIKE '%operation_run_viewer%'",
        )
        .await,
        1
    );
}

#[tokio::test]
async fn operators_see_the_action_disabled_and_get_403() {
    let app = TestApp::new().await;
    let operator = app.session_for("operator@contoso.test").await;
    let page = app.get("/admin/t/contoso", Some(&operator)).await;
    // The reason is in words beside the disabled button, never the capability id.
    assert!(
        page.body
            .contains("Needs the manager role — ask a workspace owner.")
    );
    assert!(!page.body.contains("support_diagnostics.view"));
    let denied = app
        .post_form("/admin/t/contoso/support-diagnostics", &operator, &[])
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    // A run of a tenant outside scope is 404 before anything else is said.
    let northwind_run = app
        .scalar(
            "SELECT MAX(r.id) FROM operation_runs r JOIN tenants t ON t.id = r.tenant_id
             WHERE t.external_id = 'northwind'",
        )
        .await;
    let token = app.token_for("owner@contoso.test").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/operations/{northwind_run}/support-diagnostics"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(opens(&app).await, 0);
}

/// The evidence a bundle (and the support form's preview) decides from reads the connection
/// and its newest report in one statement: it must load what the providers service does, for
/// a verified tenant, a newer report with the same check time, a connection never verified and
/// no connection at all.
#[tokio::test]
async fn evidence_loads_the_providers_verification_state() {
    use tenantpilot::features::diagnostics::service::Evidence;
    use tenantpilot::features::providers::{repo as providers_repo, service as providers};
    let app = &TestApp::new().await;
    let state = &app.state;
    let same = |ext: &'static str, why: &'static str| async move {
        let id = app.tenant_id(ext).await;
        let evidence = Evidence::load(state, id).await.expect("evidence");
        let expected = providers::state_for_tenant(&state.db, &state.config, id, state.now())
            .await
            .expect("verification state");
        assert_eq!(
            format!("{:?}", evidence.verification),
            format!("{expected:?}"),
            "{ext}: {why}"
        );
        evidence
    };
    for ext in ["contoso", "fabrikam", "northwind"] {
        let evidence = same(ext, "demo state").await;
        assert!(evidence.verification.report.is_some(), "{ext} is verified");
    }

    let contoso = app.tenant_id("contoso").await;
    let newest = providers_repo::latest_report(app.db(), contoso)
        .await
        .expect("report")
        .expect("contoso is verified");
    let mut tx = app.db().begin().await.expect("tx");
    let tie = tenantpilot::features::providers::model::VerificationReport {
        overall: tenantpilot::features::providers::model::Overall::Failed,
        ..newest.clone()
    };
    let tie_id = providers_repo::insert_report(&mut tx, &tie)
        .await
        .expect("report");
    tx.commit().await.expect("commit");
    let evidence = same("contoso", "same check time, higher id").await;
    assert_eq!(evidence.verification.report.map(|r| r.id), Some(tie_id));

    let exec = |sql: String| async move {
        tenantpilot::with_db!(app.db(), |p| sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(p)
            .await
            .map(|_| ()))
        .expect("statement");
    };
    exec(format!(
        "DELETE FROM verification_reports WHERE tenant_id = {contoso}"
    ))
    .await;
    let evidence = same("contoso", "never verified").await;
    assert!(evidence.verification.connection.is_some());
    assert!(evidence.verification.report.is_none());

    exec(format!(
        "DELETE FROM provider_connections WHERE tenant_id = {contoso}"
    ))
    .await;
    let evidence = same("contoso", "no connection").await;
    assert!(evidence.verification.connection.is_none());
}

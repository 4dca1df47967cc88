//! Operation runs end to end through the router: starting, background execution, lifecycle,
//! orphan recovery, verification and staleness, reports and review packs, the demo states, and
//! the Microsoft kind through the executor against a stand-in identity platform.

use crate::support::{NowForTests, TestApp};
use axum::http::{Method, StatusCode};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use std::io::Read;
use tenantpilot::config::Config;
use tenantpilot::features::operations::{repo as runs, runner};
use tenantpilot::features::providers::{self, service::ConnectionForm};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn run_json(app: &TestApp, token: &str, id: i64) -> Value {
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/operations/{id}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn a_started_run_is_queued_then_executed_and_completed() {
    let app = TestApp::new().await;
    let token = app.token_for("operator@contoso.test").await;
    let run = app.start_api(&token, "contoso", "inventory.sync").await;
    assert_eq!(run["status"], "queued");
    assert_eq!(run["initiator"], "user");
    assert_eq!(run["initiator_email"], "operator@contoso.test");
    assert!(run["outcome"].is_null());
    let id = run["id"].as_i64().unwrap();

    // While the run is active the viewer polls its progress fragment (no meta refresh, which
    // resets scroll and focus); a Refresh link serves browsers without JavaScript.
    let owner = app.session_for("owner@contoso.test").await;
    let page = app
        .get(&format!("/admin/operations/{id}"), Some(&owner))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(r#"http-equiv="refresh""#));
    assert!(
        page.body.contains(r#"data-run-active="true""#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"data-testid="run-refresh""#));

    assert_eq!(runner::drain(&app.state).await.unwrap(), 1);
    let done = run_json(&app, &token, id).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["outcome"], "succeeded");
    assert!(done["summary_counts"]["managed_devices"].as_i64().unwrap() > 0);
    assert!(done["started_at"].is_string() && done["completed_at"].is_string());

    let page = app
        .get(&format!("/admin/operations/{id}"), Some(&owner))
        .await;
    assert!(page.body.contains(r#"data-run-active="false""#));
    assert!(!page.body.contains(r#"data-testid="run-refresh""#));
    assert!(page.body.contains("Managed devices"));
    assert_eq!(
        app.int("SELECT COUNT(*) FROM audit_events WHERE action = 'operation.started' AND target_id = $1", &[(&id.to_string()).into()])
        .await,
        1
    );
}

#[tokio::test]
async fn the_background_executor_runs_what_a_request_queued() {
    let app = TestApp::new().await;
    let workers = runner::spawn(app.state.clone()).await;
    let token = app.token_for("owner@contoso.test").await;
    let id = app
        .start_api(&token, "contoso", "provider.connection.verify")
        .await["id"]
        .as_i64()
        .unwrap();
    let mut status = Value::Null;
    for _ in 0..100 {
        status = run_json(&app, &token, id).await["status"].clone();
        if status == "completed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for w in workers {
        w.abort();
    }
    assert_eq!(status, "completed");
}

#[tokio::test]
async fn bad_input_and_faults_end_in_failed_runs_or_clear_errors_never_500() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    // Unknown type: a validation problem, no run.
    let before = app.count("SELECT COUNT(*) FROM operation_runs").await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/tenants/contoso/operations",
            Some(&token),
            Some(r#"{"type":"inventory.nuke"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "type");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operation_runs").await,
        before
    );

    // A tenant without a connection: a user's start is refused before it queues, saying why;
    // a run queued anyway (by the system) fails with a reason and a readable summary.
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
    let refused = app.try_start_api(&token, "bare", "inventory.sync").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(
        refused.json()["detail"],
        "Needs a provider connection — connect the tenant first."
    );
    let bare = app.tenant("bare").await;
    let id = tenantpilot::features::operations::service::start(
        &app.state,
        &tenantpilot::audit::AuditContext::cli(),
        bare.workspace_id,
        bare.id,
        tenantpilot::features::operations::model::RunType::InventorySync,
        &tenantpilot::features::operations::service::Initiator::System,
    )
    .await
    .unwrap()
    .id;
    runner::drain(&app.state).await.unwrap();
    let run = run_json(&app, &token, id).await;
    assert_eq!(run["outcome"], "failed");
    assert_eq!(run["reason_code"], "provider_connection_missing");
    assert!(
        run["summary_message"]
            .as_str()
            .unwrap()
            .contains("no provider connection")
    );

    // A stored type this version does not know fails instead of sticking.
    let tid = app.tenant_id("contoso").await;
    app.int(
        "SELECT COUNT(*) FROM (SELECT 1 FROM tenants WHERE id = $1) x",
        &[tid.into()],
    )
    .await;
    let mut tx = app.db().begin().await.unwrap();
    let odd = runs::insert(
        &mut tx,
        &runs::NewRun {
            workspace_id: 1,
            tenant_id: tid,
            run_type: "legacy.thing",
            initiator_user_id: None,
            initiator_label: "system",
            context: json!({}),
        },
        app.clock.now_for_tests(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    runner::drain(&app.state).await.unwrap();
    let run = run_json(&app, &token, odd).await;
    assert_eq!(run["status"], "completed");
    assert_eq!(run["reason_code"], "unknown_operation_type");
    assert_eq!(run["initiator"], "system");
    let page = app
        .get(
            &format!("/admin/operations/{odd}"),
            Some(&app.session_for("owner@contoso.test").await),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);

    // Throttling: failed as retryable with the provider's wait time in the summary.
    app.set_scenario("contoso", "throttled").await;
    let id = app.start_api(&token, "contoso", "inventory.sync").await["id"]
        .as_i64()
        .unwrap();
    runner::drain(&app.state).await.unwrap();
    let run = run_json(&app, &token, id).await;
    assert_eq!(run["reason_code"], "retryable_provider_failure");
    assert!(run["summary_message"].as_str().unwrap().contains("30 s"));
}

#[tokio::test]
async fn runs_left_running_by_a_dead_instance_are_failed_as_orphaned() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let id = app.start_api(&token, "contoso", "inventory.sync").await["id"]
        .as_i64()
        .unwrap();
    // An instance claims it, then dies without completing or beating.
    let claimed = runs::claim_next(app.db(), "dead-instance", app.clock.now_for_tests())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, id);
    assert_eq!(run_json(&app, &token, id).await["status"], "running");

    // Within the window a live executor is presumed: nothing happens.
    assert!(
        runner::recover_orphans(&app.state)
            .await
            .unwrap()
            .is_empty()
    );
    app.clock.advance(chrono::Duration::seconds(
        app.state.config.operations.orphan_after_secs + 1,
    ));
    assert_eq!(runner::recover_orphans(&app.state).await.unwrap(), vec![id]);
    let run = run_json(&app, &token, id).await;
    assert_eq!(run["status"], "completed");
    assert_eq!(run["outcome"], "failed");
    assert_eq!(run["reason_code"], "orphaned");

    // A late completion from the dead executor cannot overwrite the verdict.
    let late = tenantpilot::features::operations::model::Completion::succeeded(Default::default());
    let row = runs::find(app.db(), id).await.unwrap().unwrap();
    let finished = runner::Finished {
        completion: late,
        artifact: runner::Artifact::None,
    };
    assert!(
        !runner::finish_at(app.db(), &row, &finished, app.clock.now_for_tests())
            .await
            .unwrap()
    );
    assert_eq!(run_json(&app, &token, id).await["reason_code"], "orphaned");
}

#[tokio::test]
async fn start_up_recovery_fails_running_runs() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let id = app.start_api(&token, "contoso", "inventory.sync").await["id"]
        .as_i64()
        .unwrap();
    runs::claim_next(app.db(), "crashed", app.clock.now_for_tests())
        .await
        .unwrap();
    let recovered = runner::recover_at_startup(&app.state).await.unwrap();
    if matches!(app.db(), tenantpilot::db::Db::Sqlite(_)) {
        // Only this process uses the file: everything running belongs to a dead process.
        assert_eq!(recovered, vec![id]);
    } else {
        // Other instances may be alive on PostgreSQL: only silent runs are orphans.
        assert!(recovered.is_empty());
        app.clock.advance(chrono::Duration::seconds(
            app.state.config.operations.orphan_after_secs + 1,
        ));
        assert_eq!(
            runner::recover_at_startup(&app.state).await.unwrap(),
            vec![id]
        );
    }
    assert_eq!(run_json(&app, &token, id).await["reason_code"], "orphaned");
}

#[tokio::test]
async fn verification_writes_a_report_and_it_goes_stale_after_the_window() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let owner = app.session_for("owner@contoso.test").await;
    for (scenario, outcome, reason) in [
        (
            "permissions_missing",
            "partially_succeeded",
            Some("required_permissions_missing"),
        ),
        ("unhealthy", "failed", Some("connection_unhealthy")),
        ("consent_missing", "failed", Some("admin_consent_required")),
        ("healthy", "succeeded", None),
    ] {
        app.set_scenario("contoso", scenario).await;
        let id = app
            .start_api(&token, "contoso", "provider.connection.verify")
            .await["id"]
            .as_i64()
            .unwrap();
        runner::drain(&app.state).await.unwrap();
        let run = run_json(&app, &token, id).await;
        assert_eq!(run["outcome"], outcome, "{scenario}");
        assert_eq!(run["reason_code"].as_str(), reason, "{scenario}");
        let report = providers::repo::report_for_run(app.db(), id)
            .await
            .unwrap()
            .expect("report written");
        assert_eq!(report.reason_code.map(|r| r.as_str()), reason);
        assert_eq!(
            report.permissions().len(),
            providers::model::REQUIRED_PERMISSIONS.len()
        );
        if scenario == "permissions_missing" {
            assert_eq!(report.missing().len(), 2);
        }
    }
    let tid = app.tenant_id("contoso").await;
    let state = providers::service::state_for_tenant(
        app.db(),
        &app.state.config,
        tid,
        app.clock.now_for_tests(),
    )
    .await
    .unwrap();
    assert!(state.is_ready());
    let page = app.get("/admin/t/contoso", Some(&owner)).await;
    assert!(page.body.contains("data-testid=\"verification-state\""));
    assert!(!page.body.contains("data-testid=\"verification-stale\""));

    // One hour past the freshness window the same report is stale.
    let hours = app.state.config.providers.verification_freshness_hours;
    app.clock.advance(chrono::Duration::hours(hours + 1));
    let state = providers::service::state_for_tenant(
        app.db(),
        &app.state.config,
        tid,
        app.clock.now_for_tests(),
    )
    .await
    .unwrap();
    assert!(state.stale && !state.is_ready());
    // (A new session: the old one idled out while the clock moved.)
    let owner = app.session_for("owner@contoso.test").await;
    assert_eq!(
        state.dominant_reason().map(|r| r.as_str()),
        Some("verification_stale")
    );
    let page = app.get("/admin/t/contoso", Some(&owner)).await;
    assert!(page.body.contains("data-testid=\"verification-stale\""));
    assert!(
        page.body
            .contains("<strong>Verification is out of date</strong>")
    );
}

#[tokio::test]
async fn demo_data_holds_every_type_outcome_and_initiator_and_the_named_provider_states() {
    let app = TestApp::new().await;
    for t in [
        "provider.connection.verify",
        "inventory.sync",
        "permission_posture.report",
        "entra_admin_roles.report",
        "review_pack.generate",
    ] {
        assert!(
            app.int(
                "SELECT COUNT(*) FROM operation_runs WHERE run_type = $1",
                &[t.into()]
            )
            .await
                > 0,
            "{t}"
        );
    }
    for o in ["succeeded", "partially_succeeded", "failed"] {
        assert!(
            app.int(
                "SELECT COUNT(*) FROM operation_runs WHERE outcome = $1",
                &[o.into()]
            )
            .await
                > 0,
            "{o}"
        );
    }
    assert!(
        app.count("SELECT COUNT(*) FROM operation_runs WHERE initiator_user_id IS NULL")
            .await
            > 0
    );
    assert!(
        app.count("SELECT COUNT(*) FROM operation_runs WHERE initiator_user_id IS NOT NULL")
            .await
            > 0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operation_runs WHERE status <> 'completed'")
            .await,
        0
    );
    let now = app.clock.now_for_tests();
    let oldest: chrono::DateTime<chrono::Utc> = tenantpilot::with_db!(app.db(), |p| {
        sqlx::query_scalar("SELECT MIN(created_at) FROM operation_runs")
            .fetch_one(p)
            .await
    })
    .unwrap();
    assert!((now - oldest).num_days() >= 39);

    let config = &app.state.config;
    let contoso =
        providers::service::state_for_tenant(app.db(), config, app.tenant_id("contoso").await, now)
            .await
            .unwrap();
    assert!(contoso.is_ready(), "contoso is healthy and verified");
    let fabrikam = providers::service::state_for_tenant(
        app.db(),
        config,
        app.tenant_id("fabrikam").await,
        now,
    )
    .await
    .unwrap();
    let report = fabrikam.report.as_ref().unwrap();
    assert!(fabrikam.stale, "fabrikam's verification is stale");
    assert_eq!(report.overall(), providers::model::Overall::Blocked);
    assert_eq!(
        fabrikam.dominant_reason().map(|r| r.as_str()),
        Some("admin_consent_required")
    );
    assert_eq!(
        fabrikam.connection.as_ref().unwrap().consent(),
        providers::model::ConsentState::Missing
    );
    assert!(
        app.count(
            "SELECT COUNT(*) FROM operation_runs r JOIN tenants t ON t.id = r.tenant_id
             WHERE t.external_id = 'fabrikam' AND r.outcome = 'failed'"
        )
        .await
            > 0
    );

    // Seeding again adds nothing.
    let runs_before = app.count("SELECT COUNT(*) FROM operation_runs").await;
    tenantpilot::demo::seed(app.db(), now, crate::support::PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operation_runs").await,
        runs_before
    );
}

#[tokio::test]
async fn operations_list_filters_and_pages_within_scope() {
    let app = TestApp::new().await;
    let readonly = app.session_for("readonly@contoso.test").await;
    let page = app.get("/admin/operations", Some(&readonly)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Contoso Ltd"));
    assert!(
        !page.body.contains("Fabrikam Inc</td>"),
        "readonly sees contoso only"
    );
    // A tenant outside scope filters to nothing rather than erroring.
    let page = app
        .get("/admin/operations?tenant=fabrikam", Some(&readonly))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("data-testid=\"operations-table\""));
    // Positive control: a tenant in scope does show the table.
    let in_scope = app
        .get("/admin/operations?tenant=contoso", Some(&readonly))
        .await;
    assert!(in_scope.body.contains("data-testid=\"operations-table\""));

    let owner = app.session_for("owner@contoso.test").await;
    // Positive control for "readonly sees contoso only": the owner's list has fabrikam rows.
    let everything = app.get("/admin/operations", Some(&owner)).await;
    assert!(everything.body.contains("Fabrikam Inc</td>"));
    let page = app
        .get(
            "/admin/operations?tenant=fabrikam&outcome=failed",
            Some(&owner),
        )
        .await;
    assert!(page.body.contains("Admin consent required"));
    assert!(!page.body.contains("state-succeeded"));
    // Positive control: without the outcome filter the same list shows succeeded runs.
    let unfiltered = app.get("/admin/operations", Some(&owner)).await;
    assert!(unfiltered.body.contains("state-succeeded"));
    let bad = app
        .get("/admin/operations?outcome=exploded", Some(&owner))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // 60 new runs plus the demo runs visible to the owner: page 1 has a next link, page 2 has a previous one.
    let token = app.token_for("owner@contoso.test").await;
    for _ in 0..60 {
        app.start_api(&token, "contoso", "inventory.sync").await;
    }
    let first = app.get("/admin/operations", Some(&owner)).await;
    assert!(first.body.contains("rel=\"next\""));
    let second = app.get("/admin/operations?page=2", Some(&owner)).await;
    assert!(second.body.contains("rel=\"prev\""));

    let api = app
        .api(
            Method::GET,
            "/api/v1/tenants/contoso/operations?type=inventory.sync",
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(api["items"].as_array().unwrap().len(), 50);
    assert_eq!(api["has_more"], true);
    let only_contoso_syncs = |page: &Value| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["type"] == "inventory.sync" && r["tenant"] == "contoso")
    };
    assert!(only_contoso_syncs(&api));
    // A filtered later page (its own statement, the offset bound after the filters): the
    // rest of the same list, none of page 1 again.
    let next = app
        .api(
            Method::GET,
            "/api/v1/tenants/contoso/operations?type=inventory.sync&page=2",
            Some(&token),
            None,
        )
        .await
        .json();
    let ids = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    };
    let (first_ids, next_ids) = (ids(&api), ids(&next));
    assert!(!next_ids.is_empty(), "60 syncs fill more than one page");
    assert!(next_ids.iter().all(|id| !first_ids.contains(id)));
    assert!(
        next_ids.iter().max() < first_ids.iter().min(),
        "newest first"
    );
    assert!(only_contoso_syncs(&next));
    let german = app
        .send(
            axum::http::Request::builder()
                .uri("/admin/operations")
                .header("host", "localhost")
                .header("cookie", &owner.cookie)
                .header("accept-language", "de")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(german.body.contains("Vorgänge"));
}

#[tokio::test]
async fn reports_and_review_packs_need_their_capabilities_and_produce_artifacts() {
    let app = TestApp::new().await;
    let operator = app.token_for("operator@contoso.test").await;
    for t in [
        "permission_posture.report",
        "entra_admin_roles.report",
        "review_pack.generate",
    ] {
        let r = app
            .api(
                Method::POST,
                "/api/v1/tenants/contoso/operations",
                Some(&operator),
                Some(&json!({ "type": t }).to_string()),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{t}");
    }
    let operator_page = app
        .get(
            "/admin/t/contoso/reports",
            Some(&app.session_for("operator@contoso.test").await),
        )
        .await;
    assert!(
        operator_page
            .body
            .contains("disabled aria-disabled=\"true\"")
    );

    app.set_scenario("contoso", "permissions_missing").await;
    let manager = app.token_for("manager@contoso.test").await;
    let posture = app
        .start_api(&manager, "contoso", "permission_posture.report")
        .await;
    let roles = app
        .start_api(&manager, "contoso", "entra_admin_roles.report")
        .await;
    runner::drain(&app.state).await.unwrap();
    let posture = run_json(&app, &manager, posture["id"].as_i64().unwrap()).await;
    assert_eq!(posture["outcome"], "partially_succeeded");
    assert_eq!(posture["summary_counts"]["permissions_missing"], 2);
    assert_eq!(
        run_json(&app, &manager, roles["id"].as_i64().unwrap()).await["outcome"],
        "succeeded"
    );

    let session = app.session_for("manager@contoso.test").await;
    let list = app.get("/admin/t/contoso/reports", Some(&session)).await;
    assert!(list.body.contains("Permission posture"));
    assert!(list.body.contains("Entra admin roles"));
    let tid = app.tenant_id("contoso").await;
    let report_id = app.int("SELECT MAX(id) FROM stored_reports WHERE tenant_id = $1 AND kind = 'permission_posture'", &[tid.into()])
        .await;
    let view = app
        .get(
            &format!("/admin/t/contoso/reports/{report_id}"),
            Some(&session),
        )
        .await;
    assert_eq!(view.status, StatusCode::OK);
    assert!(view.body.contains("Policy.Read.All"));
    // The report id under another tenant's path is 404.
    let wrong = app
        .get(
            &format!("/admin/t/fabrikam/reports/{report_id}"),
            Some(&session),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);

    let pack_run = app
        .start_api(&manager, "contoso", "review_pack.generate")
        .await;
    let pack_run_id = pack_run["id"].as_i64().unwrap();
    let pending = app.get("/admin/t/contoso/reports", Some(&session)).await;
    assert!(pending.body.contains("data-testid=\"review-pack-pending\""));
    runner::drain(&app.state).await.unwrap();
    let done = run_json(&app, &manager, pack_run_id).await;
    assert_eq!(done["outcome"], "succeeded");
    assert_eq!(done["progress"]["done"], done["progress"]["total"]);
    let viewer = app
        .get(&format!("/admin/operations/{pack_run_id}"), Some(&session))
        .await;
    assert!(viewer.body.contains("data-testid=\"run-review-pack\""));
    let pack_id = app
        .int(
            "SELECT id FROM review_packs WHERE run_id = $1",
            &[pack_run_id.into()],
        )
        .await;
    let zip = app
        .get(
            &format!("/admin/t/contoso/review-packs/{pack_id}"),
            Some(&session),
        )
        .await;
    assert_eq!(zip.status, StatusCode::OK);
    assert_eq!(zip.header("content-type"), Some("application/zip"));
    assert!(
        zip.header("content-disposition")
            .unwrap()
            .contains("attachment")
    );
    // The body went through String::from_utf8_lossy; fetch the raw bytes from the database.
    let bytes = tenantpilot::features::reports::repo::pack_content(app.db(), tid, pack_id)
        .await
        .unwrap()
        .unwrap()
        .1;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    for expected in [
        "manifest.json",
        "reports/permission_posture.json",
        "reports/entra_admin_roles.json",
        "verification.json",
        "runs.json",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    let mut runs_json = String::new();
    archive
        .by_name("runs.json")
        .unwrap()
        .read_to_string(&mut runs_json)
        .unwrap();
    assert!(
        !runs_json.contains("@contoso.test"),
        "no initiator e-mails in packs"
    );
    let mut manifest = String::new();
    archive
        .by_name("manifest.json")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    let manifest: Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(manifest["tenant"]["external_id"], "contoso");
    assert_eq!(manifest["schema_version"], 1);
}

#[tokio::test]
async fn dashboard_actions_start_runs_and_respect_roles() {
    let app = TestApp::new().await;
    let readonly = app.session_for("readonly@contoso.test").await;
    let page = app.get("/admin/t/contoso", Some(&readonly)).await;
    assert!(page.body.contains("disabled aria-disabled=\"true\""));
    let denied = app
        .post_form(
            "/admin/t/contoso/operations",
            &readonly,
            &[("type", "inventory.sync")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    let operator = app.session_for("operator@contoso.test").await;
    let started = app
        .post_form(
            "/admin/t/contoso/operations",
            &operator,
            &[("type", "provider.connection.verify")],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    assert!(
        started
            .header("location")
            .unwrap()
            .starts_with("/admin/operations/")
    );
    let bad = app
        .post_form("/admin/t/contoso/operations", &operator, &[("type", "x")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let fabrikam = app
        .get(
            "/admin/t/fabrikam",
            Some(&app.session_for("owner@contoso.test").await),
        )
        .await;
    assert!(
        fabrikam
            .body
            .contains("<strong>Admin consent required</strong>")
    );
    assert!(fabrikam.body.contains("data-testid=\"verification-stale\""));
}

fn jwt(roles: &[&str]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(json!({ "roles": roles }).to_string());
    format!("{header}.{payload}.c2ln")
}

#[tokio::test]
async fn microsoft_connections_verify_through_the_executor() {
    let idp = MockServer::start().await;
    let mut config = Config::default();
    config.providers.microsoft.authority_url = idp.uri();
    config.providers.microsoft.graph_base_url = format!("{}/v1.0", idp.uri());
    config.providers.microsoft.client_id = "0b9d5a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b".into();
    config.providers.microsoft.client_secret = Some("never-in-the-db".to_string().into());
    config.providers.microsoft.request_timeout_secs = 2;
    let app = TestApp::with_config(config).await;
    let tid = app.tenant_id("contoso").await;
    let directory = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let mut tx = app.db().begin().await.unwrap();
    providers::service::save_connection(
        &mut tx,
        &tenantpilot::audit::AuditContext::cli(),
        app.clock.now_for_tests(),
        1,
        tid,
        &ConnectionForm {
            kind: "microsoft".into(),
            directory_id: directory.into(),
            display_name: String::new(),
            scenario: String::new(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // First: admin consent missing.
    let consent = Mock::given(method("POST"))
        .and(path(format!("/{directory}/oauth2/v2.0/token")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "AADSTS65001: The user or administrator has not consented to use the application. Trace ID: x",
            "error_codes": [65001]
        })))
        .up_to_n_times(1)
        .mount_as_scoped(&idp)
        .await;
    let token = app.token_for("owner@contoso.test").await;
    let id = app
        .start_api(&token, "contoso", "provider.connection.verify")
        .await["id"]
        .as_i64()
        .unwrap();
    runner::drain(&app.state).await.unwrap();
    drop(consent);
    let run = run_json(&app, &token, id).await;
    assert_eq!(run["reason_code"], "admin_consent_required");
    assert!(
        run["summary_message"]
            .as_str()
            .unwrap()
            .contains("AADSTS65001")
    );

    // Then: consent granted with every permission, Graph healthy.
    Mock::given(method("POST"))
        .and(path(format!("/{directory}/oauth2/v2.0/token")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599,
            "access_token": jwt(&providers::model::REQUIRED_PERMISSIONS)
        })))
        .mount(&idp)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/v1.0/organization$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"value": [{"id": directory, "displayName": "Contoso"}]})),
        )
        .mount(&idp)
        .await;
    let id = app
        .start_api(&token, "contoso", "provider.connection.verify")
        .await["id"]
        .as_i64()
        .unwrap();
    runner::drain(&app.state).await.unwrap();
    let run = run_json(&app, &token, id).await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    let connection = providers::repo::find_for_tenant(app.db(), tid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        connection.granted().len(),
        providers::model::REQUIRED_PERMISSIONS.len()
    );
    // The secret lives in configuration only.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM provider_connections WHERE CAST(granted_permissions AS TEXT) LIKE '%never-in-the-db%' OR directory_id LIKE '%never-in-the-db%'"
        )
        .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE CAST(metadata AS TEXT) LIKE '%never-in-the-db%'")
            .await,
        0
    );
}

#[tokio::test]
async fn the_tenant_switcher_stays_small_in_large_workspaces() {
    let app = TestApp::new().await;
    for i in 0..30 {
        tenantpilot::features::tenants::service::create(
            app.db(),
            &tenantpilot::audit::AuditContext::cli(),
            app.clock.now_for_tests(),
            "contoso-msp",
            &format!("zz-bulk-{i:02}"),
            &format!("Zz Bulk {i:02}"),
        )
        .await
        .unwrap();
    }
    let owner = app.session_for("owner@contoso.test").await;
    let page = app.get("/admin/t/zz-bulk-29", Some(&owner)).await;
    assert_eq!(page.status, StatusCode::OK);
    let limit = tenantpilot::web::shell::SWITCHER_LIMIT as usize;
    // The first entries, the current tenant although it sorts last, and a link to all.
    // Links to tenant dashboards themselves (not to their sub-pages such as reports).
    let dashboards = page
        .body
        .split("href=\"/admin/t/")
        .skip(1)
        .filter(|rest| {
            rest.split('"')
                .next()
                .is_some_and(|slug| !slug.contains('/'))
        })
        .count();
    assert_eq!(dashboards, limit + 1);
    assert!(page.body.contains("aria-current=\"true\">Zz Bulk 29"));
    assert!(page.body.contains("data-testid=\"all-tenants\""));
    // The workspace page and the audit filter still list every tenant.
    let ws = app.get("/admin/w/contoso-msp", Some(&owner)).await;
    assert!(ws.body.contains("Zz Bulk 29"));
    let audit = app.get("/admin/w/contoso-msp/audit", Some(&owner)).await;
    assert!(audit.body.contains("value=\"zz-bulk-29\""));
}

/// The plan of a tenant's run list (the API's `GET /api/v1/tenants/{tenant}/operations`) reads
/// that tenant's range of `operation_runs_tenant`, also as the generic plan PostgreSQL caches
/// for a prepared statement after a few executions (a tenant filter written as
/// `($2 IS NULL OR r.tenant_id = $2)` cannot be an index condition there, and the list then
/// walked every run of the installation newest first). Sequential scans are discouraged on
/// PostgreSQL: on a test-sized table it would rightly prefer them.
#[tokio::test]
async fn a_tenants_run_list_reads_its_index_range_in_every_plan() {
    let app = TestApp::new().await;
    let sql = runs::list_visible_for_tenant_sql();
    let plan = match app.db() {
        tenantpilot::db::Db::Sqlite(p) => {
            let q = sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(format!(
                "EXPLAIN QUERY PLAN {sql}"
            )));
            let rows = q.fetch_all(p).await.unwrap();
            rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
        }
        tenantpilot::db::Db::Postgres(p) => {
            let mut tx = p.begin().await.unwrap();
            for setup in [
                "SET LOCAL enable_seqscan = off".to_string(),
                "SET LOCAL plan_cache_mode = force_generic_plan".to_string(),
                format!("PREPARE tenant_runs (BIGINT, BIGINT, BIGINT) AS {sql}"),
            ] {
                sqlx::raw_sql(sqlx::AssertSqlSafe(setup))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            let q = sqlx::query_as::<_, (String,)>("EXPLAIN EXECUTE tenant_runs(1, 1, 51)");
            let rows = q.fetch_all(&mut *tx).await.unwrap();
            rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("\n")
        }
    };
    let index_cond = plan.lines().any(|l| {
        l.contains("Index Cond: (tenant_id = $2)")
            || l.contains("operation_runs_tenant (tenant_id=?")
            || l.contains("operation_runs_tenant_type (tenant_id=?")
    });
    assert!(index_cond, "the tenant is an index condition:\n{plan}");
}

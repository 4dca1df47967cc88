//! Product usage telemetry (spec 243) through the router and the services: one ledger row per
//! instrumented seam with exactly the allowed metadata, nothing on failures, pre-tenant drafts,
//! system runs or page renders; the aggregate summary per console window (service and API);
//! and retention at its exact boundary without touching any other table.

use crate::support::{NowForTests, Session, TestApp};
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use tenantpilot::audit::{Actor, AuditContext};
use tenantpilot::console_window::ConsoleWindow;
use tenantpilot::db::Db;
use tenantpilot::features::operations::{model::RunType, runner, service as operations};
use tenantpilot::features::telemetry::{
    catalog::Event,
    partitions, partitions_repo,
    prune::{PruneOptions, prune, prune_with},
    recorder::{TenantRef, seams},
    summary::summarize,
};
use tenantpilot::with_db;

/// One ledger row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    id: i64,
    workspace_id: i64,
    tenant_id: i64,
    actor_user_id: Option<i64>,
    event_name: String,
    feature_area: String,
    subject_type: String,
    subject_id: String,
    metadata: sqlx::types::Json<Value>,
    occurred_at: DateTime<Utc>,
}

async fn rows_after(app: &TestApp, after: i64) -> Vec<Row> {
    with_db!(app.db(), |p| sqlx::query_as(
        "SELECT id, workspace_id, tenant_id, actor_user_id, event_name, feature_area,
                subject_type, subject_id, metadata, occurred_at
         FROM product_usage_events WHERE id > $1 ORDER BY id"
    )
    .bind(after)
    .fetch_all(p)
    .await)
    .unwrap()
}

async fn last_id(app: &TestApp) -> i64 {
    app.count("SELECT COALESCE(MAX(id), 0) FROM product_usage_events")
        .await
}

async fn ledger_count(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM product_usage_events").await
}

async fn tenant(app: &TestApp, ext: &str) -> TenantRef {
    let t = app.tenant(ext).await;
    TenantRef {
        workspace_id: t.workspace_id,
        tenant_id: t.id,
    }
}

/// Asserts `row` is `event` for `tenant`, acted by `actor`, about `subject`, with `metadata`.
fn assert_row(
    row: &Row,
    event: Event,
    tenant: TenantRef,
    actor: i64,
    subject: (&str, i64),
    metadata: Value,
) {
    assert_eq!(row.event_name, event.name(), "{row:?}");
    assert_eq!(row.feature_area, event.feature_area());
    assert_eq!(
        (row.workspace_id, row.tenant_id),
        (tenant.workspace_id, tenant.tenant_id)
    );
    assert_eq!(row.actor_user_id, Some(actor));
    assert_eq!(
        (row.subject_type.as_str(), row.subject_id.as_str()),
        (subject.0, subject.1.to_string().as_str())
    );
    assert_eq!(row.metadata.0, metadata, "metadata of {}", row.event_name);
    let text = row.metadata.0.to_string();
    assert!(!text.contains('@'), "no e-mail in {text}");
}

fn run_id_from(location: Option<&str>) -> i64 {
    location
        .and_then(|l| l.strip_prefix("/admin/operations/"))
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a run viewer location: {location:?}"))
}

async fn start_form(app: &TestApp, s: &Session, tenant: &str, run_type: &str) -> i64 {
    let r = app
        .post_form(
            &format!("/admin/t/{tenant}/operations"),
            s,
            &[("type", run_type)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    run_id_from(r.header("location"))
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

// ---------------------------------------------------------------------------------------------
// Seams
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn onboarding_records_checkpoints_only_once_the_draft_has_a_tenant() {
    let app = TestApp::new().await;
    let s = app.session_for("operator@contoso.test").await;
    let operator = app.user_id("operator@contoso.test").await;
    let now = app.clock.now_for_tests();
    let before = last_id(&app).await;

    // Identify for a new tenant: the draft has no tenant yet, so nothing is recorded.
    let r = app
        .post_form(
            "/admin/onboarding",
            &s,
            &[
                ("workspace", "contoso-msp"),
                ("existing_tenant", ""),
                ("tenant_name", "Tailspin Toys"),
                ("external_id", "tailspin"),
                ("directory_id", "tailspin.onmicrosoft.com"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let path = r.header("location").unwrap().to_string();
    let draft: i64 = path
        .trim_start_matches("/admin/onboarding/")
        .parse()
        .unwrap();
    assert!(
        rows_after(&app, before).await.is_empty(),
        "pre-tenant draft"
    );

    // Connect creates the tenant: the connect checkpoint is recorded for it.
    let r = app
        .post_form(
            &path,
            &s,
            &[
                ("version", "1"),
                ("action", "connect"),
                ("kind", "simulated"),
                ("directory_id", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
                ("display_name", "Sim"),
                ("scenario", "healthy"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let tailspin = tenant(&app, "tailspin").await;
    let rows = rows_after(&app, before).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_row(
        &rows[0],
        Event::OnboardingCheckpointCompleted,
        tailspin,
        operator,
        ("onboarding_draft", draft),
        json!({"checkpoint_key": "connect", "lifecycle_state": "draft",
               "completed_at": stamp(now)}),
    );
    assert_eq!(rows[0].occurred_at, now);

    // A stale version is refused (409) and records nothing.
    let stale = app
        .post_form(&path, &s, &[("version", "1"), ("action", "verify")])
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(rows_after(&app, before).await.len(), 1);

    // Verify queues a user-started run (operations.started), then complete.
    let r = app
        .post_form(&path, &s, &[("version", "2"), ("action", "verify")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    runner::drain(&app.state).await.unwrap();
    let r = app
        .post_form(&path, &s, &[("version", "3"), ("action", "complete")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rows = rows_after(&app, before).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    let verify_run: i64 = app
        .int(
            "SELECT id FROM operation_runs WHERE tenant_id = $1 AND run_type = 'provider.connection.verify'",
            &[tailspin.tenant_id.into()],
        )
        .await;
    assert_row(
        &rows[1],
        Event::OperationsStarted,
        tailspin,
        operator,
        ("operation_run", verify_run),
        json!({"operation_type": "provider.connection.verify"}),
    );
    assert_row(
        &rows[2],
        Event::OnboardingCheckpointCompleted,
        tailspin,
        operator,
        ("onboarding_draft", draft),
        json!({"checkpoint_key": "verify", "lifecycle_state": "completed",
               "completed_at": stamp(now)}),
    );

    // Re-onboarding an existing tenant has a tenant from the start: identify is recorded.
    let before = last_id(&app).await;
    let r = app
        .post_form(
            "/admin/onboarding",
            &s,
            &[
                ("workspace", "contoso-msp"),
                ("existing_tenant", "fabrikam"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let draft: i64 = r
        .header("location")
        .unwrap()
        .trim_start_matches("/admin/onboarding/")
        .parse()
        .unwrap();
    let rows = rows_after(&app, before).await;
    assert_eq!(rows.len(), 1);
    assert_row(
        &rows[0],
        Event::OnboardingCheckpointCompleted,
        tenant(&app, "fabrikam").await,
        operator,
        ("onboarding_draft", draft),
        json!({"checkpoint_key": "identify", "lifecycle_state": "draft",
               "completed_at": stamp(now)}),
    );

    // A readonly user may not onboard: refused, nothing recorded.
    let readonly = app.session_for("readonly@contoso.test").await;
    let before = last_id(&app).await;
    let r = app
        .post_form(
            "/admin/onboarding",
            &readonly,
            &[("workspace", "contoso-msp"), ("existing_tenant", "contoso")],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(rows_after(&app, before).await.is_empty());
}

#[tokio::test]
async fn diagnostics_opens_are_recorded_with_their_surface() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let owner_id = app.user_id("owner@contoso.test").await;
    let fabrikam = tenant(&app, "fabrikam").await;
    let contoso = tenant(&app, "contoso").await;
    let before = last_id(&app).await;

    let r = app
        .post_form("/admin/t/fabrikam/support-diagnostics", &owner, &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (run, run_type): (i64, String) = with_db!(app.db(), |p| sqlx::query_as(
        "SELECT id, run_type FROM operation_runs WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1"
    )
    .bind(fabrikam.tenant_id)
    .fetch_one(p)
    .await)
    .unwrap();
    let r = app
        .post_form(
            &format!("/admin/operations/{run}/support-diagnostics"),
            &owner,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let token = app.token_for("owner@contoso.test").await;
    for path in [
        "/api/v1/tenants/contoso/support-diagnostics".to_string(),
        format!("/api/v1/operations/{run}/support-diagnostics"),
    ] {
        let r = app.api(Method::POST, &path, Some(&token), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    let rows = rows_after(&app, before).await;
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_row(
        &rows[0],
        Event::SupportDiagnosticsOpened,
        fabrikam,
        owner_id,
        ("tenant", fabrikam.tenant_id),
        json!({"source_surface": "tenant_dashboard"}),
    );
    assert_row(
        &rows[1],
        Event::SupportDiagnosticsOpened,
        fabrikam,
        owner_id,
        ("operation_run", run),
        json!({"source_surface": "operation_run_viewer", "operation_type": run_type}),
    );
    assert_row(
        &rows[2],
        Event::SupportDiagnosticsOpened,
        contoso,
        owner_id,
        ("tenant", contoso.tenant_id),
        json!({"source_surface": "api"}),
    );
    assert_row(
        &rows[3],
        Event::SupportDiagnosticsOpened,
        fabrikam,
        owner_id,
        ("operation_run", run),
        json!({"source_surface": "api", "operation_type": run_type}),
    );

    // Refused opens record nothing: an operator lacks the capability (403), another
    // workspace's owner does not see the tenant (404), anonymous callers are not signed in.
    let before = last_id(&app).await;
    let operator = app.session_for("operator@contoso.test").await;
    let r = app
        .post_form("/admin/t/contoso/support-diagnostics", &operator, &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let northwind = app.token_for("owner@northwind.test").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/operations/{run}/support-diagnostics"),
            Some(&northwind),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .api(
            Method::POST,
            "/api/v1/tenants/contoso/support-diagnostics",
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(rows_after(&app, before).await.is_empty());
}

#[tokio::test]
async fn user_started_runs_are_recorded_and_refused_or_system_runs_are_not() {
    let app = TestApp::new().await;
    let operator = app.session_for("operator@contoso.test").await;
    let operator_id = app.user_id("operator@contoso.test").await;
    let contoso = tenant(&app, "contoso").await;
    let before = last_id(&app).await;

    let from_form = start_form(&app, &operator, "contoso", "inventory.sync").await;
    let token = app.token_for("operator@contoso.test").await;
    let from_api = app
        .start_api(&token, "contoso", "provider.connection.verify")
        .await["id"]
        .as_i64()
        .expect("run id");
    let rows = rows_after(&app, before).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_row(
        &rows[0],
        Event::OperationsStarted,
        contoso,
        operator_id,
        ("operation_run", from_form),
        json!({"operation_type": "inventory.sync"}),
    );
    assert_row(
        &rows[1],
        Event::OperationsStarted,
        contoso,
        operator_id,
        ("operation_run", from_api),
        json!({"operation_type": "provider.connection.verify"}),
    );

    // Refused starts: readonly lacks operations.start (403), operators lack reports.create
    // (403), an unknown type (422), another workspace's tenant (404).
    let before = last_id(&app).await;
    let runs_before = app.count("SELECT COUNT(*) FROM operation_runs").await;
    let readonly = app.session_for("readonly@contoso.test").await;
    for (session, tenant_ext, run_type, status) in [
        (
            &readonly,
            "contoso",
            "inventory.sync",
            StatusCode::FORBIDDEN,
        ),
        (
            &operator,
            "contoso",
            "permission_posture.report",
            StatusCode::FORBIDDEN,
        ),
        (
            &operator,
            "contoso",
            "inventory.nuke",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &operator,
            "northwind",
            "inventory.sync",
            StatusCode::NOT_FOUND,
        ),
    ] {
        let r = app
            .post_form(
                &format!("/admin/t/{tenant_ext}/operations"),
                session,
                &[("type", run_type)],
            )
            .await;
        assert_eq!(r.status, status, "{run_type} on {tenant_ext}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operation_runs").await,
        runs_before
    );

    // A system run (no initiator) is tenant-bound but not product usage; neither is the
    // report it stores.
    operations::start(
        &app.state,
        &AuditContext {
            actor: Actor::System,
            request_id: None,
        },
        contoso.workspace_id,
        contoso.tenant_id,
        RunType::PermissionPostureReport,
        &operations::Initiator::System,
    )
    .await
    .unwrap();
    runner::drain(&app.state).await.unwrap();
    assert!(
        app.count("SELECT COUNT(*) FROM stored_reports").await > 0,
        "the system run stored its report"
    );
    assert!(rows_after(&app, before).await.is_empty());
}

#[tokio::test]
async fn stored_reports_and_review_pack_requests_are_recorded() {
    let app = TestApp::new().await;
    let manager = app.session_for("manager@contoso.test").await;
    let manager_id = app.user_id("manager@contoso.test").await;
    let contoso = tenant(&app, "contoso").await;
    let before = last_id(&app).await;

    let report_run = start_form(&app, &manager, "contoso", "entra_admin_roles.report").await;
    let pack_run = start_form(&app, &manager, "contoso", "review_pack.generate").await;
    let token = app.token_for("manager@contoso.test").await;
    let api_pack_run = app
        .start_api(&token, "contoso", "review_pack.generate")
        .await["id"]
        .as_i64()
        .expect("run id");
    let started = app.clock.now_for_tests();
    app.clock.advance(Duration::minutes(3));
    assert_eq!(runner::drain(&app.state).await.unwrap(), 3);
    let completed = app.clock.now_for_tests();
    let report_id: i64 = app
        .int(
            "SELECT id FROM stored_reports WHERE run_id = $1",
            &[report_run.into()],
        )
        .await;
    assert_eq!(
        app.int(
            "SELECT COUNT(*) FROM review_packs WHERE run_id IN ($1, $2)",
            &[pack_run.into(), api_pack_run.into()]
        )
        .await,
        2
    );

    let rows = rows_after(&app, before).await;
    let names: Vec<&str> = rows.iter().map(|r| r.event_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "product.operations.started",
            "product.operations.started",
            "product.review_pack.requested",
            "product.operations.started",
            "product.review_pack.requested",
            "product.stored_report.created",
        ]
    );
    assert_row(
        &rows[0],
        Event::OperationsStarted,
        contoso,
        manager_id,
        ("operation_run", report_run),
        json!({"operation_type": "entra_admin_roles.report"}),
    );
    assert_row(
        &rows[1],
        Event::OperationsStarted,
        contoso,
        manager_id,
        ("operation_run", pack_run),
        json!({"operation_type": "review_pack.generate"}),
    );
    assert_row(
        &rows[2],
        Event::ReviewPackRequested,
        contoso,
        manager_id,
        ("operation_run", pack_run),
        json!({"source_surface": "admin"}),
    );
    assert_row(
        &rows[4],
        Event::ReviewPackRequested,
        contoso,
        manager_id,
        ("operation_run", api_pack_run),
        json!({"source_surface": "api"}),
    );
    assert_row(
        &rows[5],
        Event::StoredReportCreated,
        contoso,
        manager_id,
        ("stored_report", report_id),
        json!({"report_type": "entra_admin_roles"}),
    );
    assert_eq!(rows[2].occurred_at, started);
    assert_eq!(
        rows[5].occurred_at, completed,
        "recorded when the report was stored"
    );

    // A start that cannot succeed (fabrikam lacks consent) is refused before it queues, so it
    // stores no report and records nothing.
    let before = last_id(&app).await;
    let refused = app
        .post_form(
            "/admin/t/fabrikam/operations",
            &manager,
            &[("type", "permission_posture.report")],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::SEE_OTHER,
        "back to its page with the reason"
    );
    runner::drain(&app.state).await.unwrap();
    assert!(rows_after(&app, before).await.is_empty());
}

#[tokio::test]
async fn a_rolled_back_source_leaves_no_event_and_no_rollup() {
    let app = TestApp::new().await;
    let contoso = tenant(&app, "contoso").await;
    let owner = app.user_id("owner@contoso.test").await;
    let ledger = ledger_count(&app).await;
    let hourly = app
        .count("SELECT CAST(COALESCE(SUM(events), 0) AS BIGINT) FROM product_usage_hourly")
        .await;
    let days = app
        .count("SELECT COUNT(*) FROM product_usage_workspace_days")
        .await;
    let mut tx = app.db().begin().await.unwrap();
    let written = seams::operation_started(
        &mut tx,
        contoso,
        Some(owner),
        1,
        "inventory.sync",
        app.clock.now_for_tests() + Duration::days(3),
    )
    .await
    .unwrap();
    assert!(written);
    tx.rollback().await.unwrap();
    assert_eq!(ledger_count(&app).await, ledger);
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(events), 0) AS BIGINT) FROM product_usage_hourly")
            .await,
        hourly
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM product_usage_workspace_days")
            .await,
        days
    );

    // Events without a tenant or without a user are skipped, not written.
    let mut tx = app.db().begin().await.unwrap();
    assert!(
        !seams::operation_started(&mut tx, contoso, None, 1, "inventory.sync", Utc::now())
            .await
            .unwrap()
    );
    assert!(
        !seams::onboarding_checkpoint(
            &mut tx,
            &AuditContext {
                actor: Actor::User {
                    id: owner,
                    label: "owner@contoso.test".into()
                },
                request_id: None
            },
            contoso.workspace_id,
            None,
            1,
            "identify",
            false,
            Utc::now()
        )
        .await
        .unwrap()
    );
    // A seam passing a value outside the catalog is refused, not stored.
    assert!(
        !seams::diagnostics_opened(
            &mut tx,
            &AuditContext::cli(),
            contoso,
            None,
            "api",
            Utc::now()
        )
        .await
        .unwrap(),
        "CLI is no user"
    );
    assert!(
        !seams::stored_report_created(&mut tx, contoso, Some(owner), 1, "Free text!", Utc::now())
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert_eq!(ledger_count(&app).await, ledger);
}

#[tokio::test]
async fn demo_seeding_records_only_the_reports_of_user_started_runs() {
    let app = TestApp::new().await;
    // Every demo event is a stored report of a run a demo user started.
    let total = ledger_count(&app).await;
    let user_reports = app
        .count(
            "SELECT COUNT(*) FROM stored_reports s JOIN operation_runs r ON r.id = s.run_id
             WHERE r.initiator_user_id IS NOT NULL",
        )
        .await;
    let system_reports = app
        .count(
            "SELECT COUNT(*) FROM stored_reports s JOIN operation_runs r ON r.id = s.run_id
             WHERE r.initiator_user_id IS NULL",
        )
        .await;
    assert!(
        user_reports > 0 && system_reports > 0,
        "demo has both kinds"
    );
    assert_eq!(total, user_reports);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM product_usage_events
             WHERE event_name <> 'product.stored_report.created' OR actor_user_id IS NULL"
        )
        .await,
        0
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM product_usage_events e
             JOIN stored_reports s ON CAST(s.id AS TEXT) = e.subject_id
             JOIN operation_runs r ON r.id = s.run_id
             WHERE r.initiator_user_id IS NULL"
        )
        .await,
        0,
        "no event for a system run"
    );
    // Seeding again (idempotent) adds nothing.
    tenantpilot::demo::seed(
        app.db(),
        app.clock.now_for_tests(),
        crate::support::PASSWORD,
    )
    .await
    .unwrap();
    assert_eq!(ledger_count(&app).await, total);
    // Telemetry never lands in the audit log.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'product.%'")
            .await,
        0
    );
}

#[tokio::test]
async fn page_renders_record_nothing() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    // An opening to render the preview of, and a draft to render.
    let r = app
        .post_form("/admin/t/contoso/support-diagnostics", &owner, &[])
        .await;
    let preview = r.header("location").unwrap().to_string();
    let r = app
        .post_form(
            "/admin/onboarding",
            &owner,
            &[("workspace", "contoso-msp"), ("existing_tenant", "contoso")],
        )
        .await;
    let draft = r.header("location").unwrap().to_string();
    let contoso = tenant(&app, "contoso").await;
    let run: i64 = app
        .int(
            "SELECT MAX(id) FROM operation_runs WHERE tenant_id = $1",
            &[contoso.tenant_id.into()],
        )
        .await;
    let before = ledger_count(&app).await;
    for path in [
        "/admin".to_string(),
        "/admin/t/contoso".into(),
        "/admin/t/contoso/reports".into(),
        "/admin/operations".into(),
        format!("/admin/operations/{run}"),
        "/admin/onboarding".into(),
        draft,
        preview.clone(),
        format!("{preview}?format=json"),
    ] {
        let r = app.get(&path, Some(&owner)).await;
        assert!(
            r.status.is_success() || r.status.is_redirection(),
            "{path}: {}",
            r.status
        );
    }
    let token = app.token_for("owner@contoso.test").await;
    for path in [
        "/api/v1/tenants/contoso".to_string(),
        format!("/api/v1/operations/{run}"),
    ] {
        let r = app.api(Method::GET, &path, Some(&token), None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    let platform = app.session_for("platform@tenantpilot.test").await;
    assert!(
        !app.get("/system", Some(&platform))
            .await
            .status
            .is_server_error()
    );
    assert_eq!(ledger_count(&app).await, before);
}

// ---------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------

/// Records `event` for `tenant` at `at` through the seam helpers.
async fn record_at(app: &TestApp, event: Event, tenant: TenantRef, actor: i64, at: DateTime<Utc>) {
    let mut tx = app.db().begin().await.unwrap();
    let actx = AuditContext {
        actor: Actor::User {
            id: actor,
            label: "someone".into(),
        },
        request_id: None,
    };
    let written = match event {
        Event::OnboardingCheckpointCompleted => {
            seams::onboarding_checkpoint(
                &mut tx,
                &actx,
                tenant.workspace_id,
                Some(tenant.tenant_id),
                7,
                "connect",
                false,
                at,
            )
            .await
        }
        Event::SupportDiagnosticsOpened => {
            seams::diagnostics_opened(&mut tx, &actx, tenant, None, "api", at).await
        }
        Event::OperationsStarted => {
            seams::operation_started(&mut tx, tenant, Some(actor), 7, "inventory.sync", at).await
        }
        Event::StoredReportCreated => {
            seams::stored_report_created(&mut tx, tenant, Some(actor), 7, "permission_posture", at)
                .await
        }
        Event::ReviewPackRequested => {
            seams::review_pack_requested(&mut tx, tenant, Some(actor), 7, Some("api"), at).await
        }
    }
    .unwrap();
    assert!(written);
    tx.commit().await.unwrap();
}

/// What the summary must say for `[from, to)`, computed from the raw ledger rows.
struct Expected {
    families: [i64; 5],
    daily: BTreeMap<NaiveDate, [i64; 5]>,
    active: i64,
}

async fn expected(app: &TestApp, from: DateTime<Utc>, to: DateTime<Utc>) -> Expected {
    let mut e = Expected {
        families: [0; 5],
        daily: BTreeMap::new(),
        active: 0,
    };
    let mut workspaces = BTreeSet::new();
    for row in rows_after(app, 0).await {
        if row.occurred_at >= from && row.occurred_at < to {
            let i = Event::parse(&row.event_name).unwrap().index();
            e.families[i] += 1;
            e.daily
                .entry(row.occurred_at.date_naive())
                .or_insert([0; 5])[i] += 1;
            workspaces.insert(row.workspace_id);
        }
    }
    e.active = workspaces.len() as i64;
    e
}

async fn assert_summary_matches_ledger(app: &TestApp, window: ConsoleWindow, now: DateTime<Utc>) {
    let s = summarize(app.db(), window, now).await.unwrap();
    let want = expected(app, s.from, s.to).await;
    assert_eq!(s.from, now - window.duration());
    assert_eq!(s.to, now);
    let families: Vec<(&str, i64)> = s
        .families
        .iter()
        .map(|f| (f.event.as_str(), f.count))
        .collect();
    let want_families: Vec<(&str, i64)> = Event::ALL
        .iter()
        .map(|e| (e.name(), want.families[e.index()]))
        .collect();
    assert_eq!(families, want_families, "{} at {now}", window.as_str());
    assert_eq!(
        s.active_workspaces,
        want.active,
        "{} at {now}",
        window.as_str()
    );
    let days: Vec<NaiveDate> = s.daily.iter().map(|d| d.day).collect();
    let first = s.from.date_naive();
    let last = (s.to - Duration::microseconds(1)).date_naive();
    assert_eq!(days.first(), Some(&first));
    assert_eq!(days.last(), Some(&last));
    assert_eq!(
        days.len() as i64,
        (last - first).num_days() + 1,
        "every day"
    );
    for d in &s.daily {
        assert_eq!(
            d.counts,
            want.daily.get(&d.day).copied().unwrap_or([0; 5]).to_vec(),
            "{} on {}",
            window.as_str(),
            d.day
        );
    }
}

#[tokio::test]
async fn summary_counts_per_window_with_exact_boundaries() {
    let app = TestApp::new().await;
    // Far past the demo history, mid-hour.
    app.clock
        .advance(Duration::days(200) + Duration::minutes(17) + Duration::seconds(3));
    let now = app.clock.now_for_tests();
    let contoso = tenant(&app, "contoso").await;
    let northwind = tenant(&app, "northwind").await;
    let owner = app.user_id("owner@contoso.test").await;
    let nora = app.user_id("owner@northwind.test").await;
    let us = Duration::microseconds(1);

    // Zero state: every window empty, all five families present with zero, every day listed.
    for window in ConsoleWindow::ALL {
        let s = summarize(app.db(), window, now).await.unwrap();
        assert!(s.is_empty());
        assert_eq!(s.active_workspaces, 0);
        assert_eq!(
            s.families
                .iter()
                .map(|f| f.event.as_str())
                .collect::<Vec<_>>(),
            Event::ALL.iter().map(|e| e.name()).collect::<Vec<_>>()
        );
        assert_eq!(
            s.families
                .iter()
                .map(|f| f.label_key.as_str())
                .collect::<Vec<_>>(),
            Event::ALL.iter().map(|e| e.label_key()).collect::<Vec<_>>()
        );
        let expected_days = match window {
            ConsoleWindow::Last24Hours => 2,
            ConsoleWindow::Last7Days => 8,
            ConsoleWindow::Last30Days => 31,
        };
        assert_eq!(s.daily.len(), expected_days);
        assert!(s.daily.iter().all(|d| d.counts == vec![0; 5]));
    }

    let day = now - Duration::hours(24);
    let week = now - Duration::days(7);
    let month = now - Duration::days(30);
    let cases = [
        // The 24h window's edges: its first instant is in, the one before it out.
        (Event::OnboardingCheckpointCompleted, contoso, owner, day),
        (Event::SupportDiagnosticsOpened, contoso, owner, day - us),
        // The window ends just before now.
        (Event::OperationsStarted, northwind, nora, now - us),
        (Event::OperationsStarted, contoso, owner, now),
        // The 7d and 30d edges.
        (Event::StoredReportCreated, northwind, nora, week),
        (Event::StoredReportCreated, contoso, owner, week - us),
        (Event::ReviewPackRequested, contoso, owner, month),
        (Event::ReviewPackRequested, northwind, nora, month - us),
        // Whole hours in the middle.
        (
            Event::OperationsStarted,
            contoso,
            owner,
            now - Duration::hours(5),
        ),
        (
            Event::OperationsStarted,
            contoso,
            owner,
            now - Duration::days(3),
        ),
    ];
    for (event, tenant, actor, at) in cases {
        record_at(&app, event, tenant, actor, at).await;
    }

    let s = summarize(app.db(), ConsoleWindow::Last24Hours, now)
        .await
        .unwrap();
    let counts: Vec<i64> = s.families.iter().map(|f| f.count).collect();
    assert_eq!(counts, [1, 0, 2, 0, 0]);
    assert_eq!(s.active_workspaces, 2);
    assert!(!s.is_empty());
    let s = summarize(app.db(), ConsoleWindow::Last7Days, now)
        .await
        .unwrap();
    let counts: Vec<i64> = s.families.iter().map(|f| f.count).collect();
    assert_eq!(counts, [1, 1, 3, 1, 0]);
    let s = summarize(app.db(), ConsoleWindow::Last30Days, now)
        .await
        .unwrap();
    let counts: Vec<i64> = s.families.iter().map(|f| f.count).collect();
    assert_eq!(counts, [1, 1, 3, 2, 1]);
    assert_eq!(s.active_workspaces, 2);
    let daily_total: i64 = s.daily.iter().flat_map(|d| d.counts.iter()).sum();
    assert_eq!(daily_total, 8, "daily counts add up to the families");
    for window in ConsoleWindow::ALL {
        assert_summary_matches_ledger(&app, window, now).await;
    }

    // Ending just before the northwind event: only contoso was active.
    let s = summarize(app.db(), ConsoleWindow::Last24Hours, now - us)
        .await
        .unwrap();
    assert_eq!(s.active_workspaces, 1);
    let counts: Vec<i64> = s.families.iter().map(|f| f.count).collect();
    assert_eq!(counts, [1, 1, 1, 0, 0]);
}

#[tokio::test]
async fn summary_equals_the_ledger_for_scattered_events_and_any_end_time() {
    let app = TestApp::new().await;
    app.clock.advance(Duration::days(120));
    let base = app.clock.now_for_tests();
    let tenants = [
        (
            tenant(&app, "contoso").await,
            app.user_id("owner@contoso.test").await,
        ),
        (
            tenant(&app, "fabrikam").await,
            app.user_id("manager@contoso.test").await,
        ),
        (
            tenant(&app, "northwind").await,
            app.user_id("owner@northwind.test").await,
        ),
    ];
    // Deterministic scatter over ±35 days, including exact hours and midnights.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..160 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let offset_us = (x % (70 * 86_400 * 1_000_000)) as i64 - 35 * 86_400 * 1_000_000;
        let mut at = base + Duration::microseconds(offset_us);
        if i % 10 == 0 {
            at = tenantpilot::features::telemetry::model::hour_floor(at);
        }
        if i % 15 == 0 {
            at = at.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
        }
        let (t, actor) = tenants[(x >> 20) as usize % tenants.len()];
        record_at(&app, Event::ALL[(x >> 40) as usize % 5], t, actor, at).await;
    }
    for end in [
        base,
        base - Duration::days(2) + Duration::minutes(1),
        tenantpilot::features::telemetry::model::hour_floor(base),
        base.date_naive().and_time(chrono::NaiveTime::MIN).and_utc(),
        base + Duration::days(10) + Duration::seconds(59),
    ] {
        for window in ConsoleWindow::ALL {
            assert_summary_matches_ledger(&app, window, end).await;
        }
    }
}

#[tokio::test]
async fn summary_api_is_for_platform_operators_only() {
    let app = TestApp::new().await;
    app.clock.advance(Duration::days(100));
    let now = app.clock.now_for_tests();
    let contoso = tenant(&app, "contoso").await;
    let owner = app.user_id("owner@contoso.test").await;
    record_at(
        &app,
        Event::OperationsStarted,
        contoso,
        owner,
        now - Duration::hours(2),
    )
    .await;
    record_at(
        &app,
        Event::StoredReportCreated,
        contoso,
        owner,
        now - Duration::days(3),
    )
    .await;

    let platform = app.token_for("platform@tenantpilot.test").await;
    let path = "/api/v1/system/telemetry/summary";
    let r = app.api(Method::GET, path, Some(&platform), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = r.json();
    assert_eq!(body["window"], "24h", "default window");
    let keys: BTreeSet<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "window",
            "from",
            "to",
            "active_workspaces",
            "families",
            "daily"
        ])
    );
    assert_eq!(body["active_workspaces"], 1);
    assert_eq!(body["families"].as_array().unwrap().len(), 5);
    assert_eq!(body["families"][2]["event"], "product.operations.started");
    assert_eq!(
        body["families"][2]["label_key"],
        "telemetry-family-operations-started"
    );
    assert_eq!(body["families"][2]["count"], 1);
    assert_eq!(body["families"][3]["count"], 0);
    assert_eq!(body["daily"].as_array().unwrap().len(), 2);
    assert!(!r.body.contains("tenant"), "no tenant ids: {}", r.body);

    let r = app
        .api(
            Method::GET,
            &format!("{path}?window=7d"),
            Some(&platform),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["window"], "7d");
    assert_eq!(r.json()["families"][3]["count"], 1);
    assert_eq!(r.json()["daily"].as_array().unwrap().len(), 8);

    let r = app
        .api(
            Method::GET,
            &format!("{path}?window=1y"),
            Some(&platform),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    let problem = r.json();
    assert_eq!(problem["errors"][0]["field"], "window");
    let message = problem["errors"][0]["message"].as_str().unwrap();
    for allowed in ["24h", "7d", "30d"] {
        assert!(message.contains(allowed), "{message}");
    }

    let owner_token = app.token_for("owner@contoso.test").await;
    let r = app
        .api(
            Method::GET,
            &format!("{path}?window=1y"),
            Some(&owner_token),
            None,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "workspace users: 404 first"
    );
    let r = app.api(Method::GET, path, None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

// ---------------------------------------------------------------------------------------------
// Retention
// ---------------------------------------------------------------------------------------------

/// Row counts of every table but the telemetry ones.
async fn other_table_counts(app: &TestApp) -> BTreeMap<String, i64> {
    let names: Vec<String> = match app.db() {
        Db::Sqlite(p) => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(p)
        .await
        .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
        )
        .fetch_all(p)
        .await
        .unwrap(),
    };
    let mut counts = BTreeMap::new();
    for name in names {
        if name.starts_with("product_usage_") {
            continue;
        }
        let n = app.int(&format!("SELECT COUNT(*) FROM {name}"), &[]).await;
        counts.insert(name, n);
    }
    assert!(counts.contains_key("audit_events") && counts.contains_key("operation_runs"));
    counts
}

/// What every prune at `cutoff` leaves: no row before it, the row at it, every other table as
/// `others` counted it, and rollups describing exactly the rows left (their sum, and the
/// summary of every window ending at each of `ends`). Returns the rows left.
async fn assert_pruned_to(
    app: &TestApp,
    cutoff: DateTime<Utc>,
    others: &BTreeMap<String, i64>,
    ends: &[DateTime<Utc>],
) -> Vec<Row> {
    let left = rows_after(app, 0).await;
    assert!(left.iter().all(|r| r.occurred_at >= cutoff));
    assert!(
        left.iter().any(|r| r.occurred_at == cutoff),
        "the row at the cutoff stays"
    );
    assert_eq!(
        &other_table_counts(app).await,
        others,
        "no other table changed"
    );
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(events), 0) AS BIGINT) FROM product_usage_hourly")
            .await,
        left.len() as i64,
        "the hourly rollup describes the rows left"
    );
    for end in ends {
        for window in ConsoleWindow::ALL {
            assert_summary_matches_ledger(app, window, *end).await;
        }
    }
    left
}

#[tokio::test]
async fn prune_deletes_only_rows_older_than_the_cutoff_and_keeps_rollups_exact() {
    let app = TestApp::new().await;
    let now = app.clock.now_for_tests() + Duration::minutes(23) + Duration::seconds(11);
    let days = 20;
    let cutoff = now - Duration::days(days);
    let contoso = tenant(&app, "contoso").await;
    let northwind = tenant(&app, "northwind").await;
    let owner = app.user_id("owner@contoso.test").await;
    let nora = app.user_id("owner@northwind.test").await;
    let us = Duration::microseconds(1);
    record_at(&app, Event::OperationsStarted, contoso, owner, cutoff).await;
    record_at(&app, Event::OperationsStarted, contoso, owner, cutoff - us).await;
    record_at(&app, Event::OperationsStarted, northwind, nora, cutoff + us).await;
    record_at(
        &app,
        Event::ReviewPackRequested,
        northwind,
        nora,
        cutoff - Duration::minutes(1),
    )
    .await;
    record_at(
        &app,
        Event::SupportDiagnosticsOpened,
        contoso,
        owner,
        cutoff - Duration::days(2),
    )
    .await;
    record_at(
        &app,
        Event::SupportDiagnosticsOpened,
        northwind,
        nora,
        cutoff + Duration::hours(3),
    )
    .await;

    let all = rows_after(&app, 0).await;
    let doomed: Vec<i64> = all
        .iter()
        .filter(|r| r.occurred_at < cutoff)
        .map(|r| r.id)
        .collect();
    assert!(doomed.len() >= 3, "demo history plus the old rows");
    let others = other_table_counts(&app).await;

    // Batches of two rows exercise the batch loop.
    let deleted = prune(app.db(), days, 2, now).await.unwrap();
    assert_eq!(deleted, doomed.len() as u64);
    let ends = [now, cutoff + Duration::days(1), cutoff + Duration::days(30)];
    let left = assert_pruned_to(&app, cutoff, &others, &ends).await;
    assert_eq!(left.len(), all.len() - doomed.len());
    assert!(left.iter().any(|r| r.occurred_at == cutoff + us));
    let oldest_day: Option<NaiveDate> = with_db!(app.db(), |p| sqlx::query_scalar(
        "SELECT MIN(day) FROM product_usage_workspace_days"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(oldest_day, Some(cutoff.date_naive()));

    // A second prune finds nothing; a longer retention deletes nothing.
    assert_eq!(prune(app.db(), days, 2, now).await.unwrap(), 0);
    assert_eq!(prune(app.db(), 365, 1000, now).await.unwrap(), 0);
    assert_eq!(rows_after(&app, 0).await.len(), left.len());
}

#[tokio::test]
async fn the_prune_command_deletes_old_events_and_says_so_in_the_seeds_words() {
    let app = TestApp::new().await;
    let contoso = tenant(&app, "contoso").await;
    let owner = app.user_id("owner@contoso.test").await;
    // The command prunes against the real clock, not the test's manual one.
    let now = Utc::now();
    record_at(
        &app,
        Event::OperationsStarted,
        contoso,
        owner,
        now - Duration::days(40),
    )
    .await;
    record_at(
        &app,
        Event::OperationsStarted,
        contoso,
        owner,
        now - Duration::days(10),
    )
    .await;
    let cutoff = now - Duration::days(30);
    let all = rows_after(&app, 0).await;
    let doomed = all.iter().filter(|r| r.occurred_at < cutoff).count();
    assert!(doomed >= 1, "the 40-day-old event is older than the window");
    assert!(
        all.len() > doomed,
        "a control: newer events exist and must stay"
    );

    let url = app.tdb.url.clone();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        crate::support::cli(&url, &["product-usage", "prune", "--days", "30"], &[], None)
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim_end(),
        format!("Deleted {doomed} product usage event(s) older than 30 days.")
    );
    let left = rows_after(&app, 0).await;
    assert_eq!(left.len(), all.len() - doomed);
    assert!(left.iter().all(|r| r.occurred_at >= cutoff));
}

// ---------------------------------------------------------------------------------------------
// Monthly partitions (PostgreSQL; on SQLite the same calls change nothing and the results
// are the same)
// ---------------------------------------------------------------------------------------------

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The partition each ledger row sits in (`product_usage_partitions.events_…`), by row id;
/// empty on SQLite.
async fn partition_of_rows(db: &Db) -> BTreeMap<i64, String> {
    match db {
        Db::Sqlite(_) => BTreeMap::new(),
        Db::Postgres(p) => sqlx::query_as::<_, (i64, String)>(
            "SELECT id, tableoid::regclass::text FROM product_usage_events",
        )
        .fetch_all(p)
        .await
        .unwrap()
        .into_iter()
        .collect(),
    }
}

/// Partitions attached to the ledger (`events_YYYY_MM_DD`, `events_YYYY_MM`, the default one),
/// read from the catalog rather than through the code under test; empty on SQLite.
async fn attached_partitions(db: &Db) -> BTreeSet<String> {
    match db {
        Db::Sqlite(_) => BTreeSet::new(),
        Db::Postgres(p) => sqlx::query_scalar::<_, String>(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'public.product_usage_events'::regclass AND c.relkind = 'r'",
        )
        .fetch_all(p)
        .await
        .unwrap()
        .into_iter()
        .collect(),
    }
}

/// Where a row of time `t` belongs among `attached`: its day, else its month, else the
/// default partition.
fn partition_for(t: DateTime<Utc>, attached: &BTreeSet<String>) -> String {
    let day = t.format("events_%Y_%m_%d").to_string();
    let month = t.format("events_%Y_%m").to_string();
    let name = if attached.contains(&day) {
        day
    } else if attached.contains(&month) {
        month
    } else {
        "events_default".into()
    };
    format!("product_usage_partitions.{name}")
}

/// Creates a month partition as migration 13 did (migration 15 keeps such a month while it
/// holds rows); PostgreSQL only.
async fn attach_legacy_month(db: &Db, month: NaiveDate) {
    if let Db::Postgres(p) = db {
        let next = month + chrono::Months::new(1);
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE product_usage_partitions.{} PARTITION OF public.product_usage_events
             FOR VALUES FROM ('{month} 00:00:00+00') TO ('{next} 00:00:00+00')",
            month.format("events_%Y_%m")
        )))
        .execute(p)
        .await
        .unwrap();
    }
}

fn is_pg(db: &Db) -> bool {
    matches!(db, Db::Postgres(_))
}

#[tokio::test]
async fn prune_drops_whole_old_days_and_keeps_the_same_result() {
    let app = TestApp::new().await;
    let now = app.clock.now_for_tests() + Duration::minutes(23) + Duration::seconds(11);
    let days = 20;
    let cutoff = now - Duration::days(days);
    let contoso = tenant(&app, "contoso").await;
    let owner = app.user_id("owner@contoso.test").await;
    // Days that got their partitions ahead of time, as in production, and a month partitioned
    // before there were days.
    partitions::ensure_between(app.db(), day(2026, 9, 14), now.date_naive())
        .await
        .unwrap();
    attach_legacy_month(app.db(), day(2026, 8, 1)).await;
    let us = Duration::microseconds(1);
    let at = |m, d, h| Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap();
    for t in [
        at(7, 3, 8),
        at(8, 10, 12),
        at(9, 15, 0),
        at(10, 1, 0),
        at(10, 31, 23) + Duration::minutes(59),
        cutoff - Duration::days(2),
        cutoff - us,
        cutoff,
        cutoff + us,
        now - Duration::hours(1),
        // Days without a partition: the default partition holds them.
        Utc.with_ymd_and_hms(2026, 3, 10, 6, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 9, 15, 6, 0, 0).unwrap(),
    ] {
        record_at(&app, Event::OperationsStarted, contoso, owner, t).await;
    }
    let all = rows_after(&app, 0).await;
    let doomed: BTreeSet<i64> = all
        .iter()
        .filter(|r| r.occurred_at < cutoff)
        .map(|r| r.id)
        .collect();
    let kept: BTreeSet<i64> = all
        .iter()
        .map(|r| r.id)
        .filter(|id| !doomed.contains(id))
        .collect();
    let others = other_table_counts(&app).await;

    // The control: on PostgreSQL the old days and the month exist and hold their rows, and the
    // rows of days without a partition sit in the default one.
    let where_before = partition_of_rows(app.db()).await;
    let before = attached_partitions(app.db()).await;
    let old = [
        "events_2026_08",
        "events_2026_09_14",
        "events_2026_09_15",
        "events_2026_10_01",
        "events_2026_10_31",
        "events_2026_11_02",
    ];
    if is_pg(app.db()) {
        for p in old
            .iter()
            .chain(&["events_2026_11_03", "events_2026_11_23", "events_default"])
        {
            assert!(before.contains(*p), "{p} in {before:?}");
        }
        for r in &all {
            assert_eq!(
                where_before[&r.id],
                partition_for(r.occurred_at, &before),
                "{r:?}"
            );
        }
        assert!(where_before.values().any(|p| p.ends_with("events_default")));
        assert!(where_before.values().any(|p| p.ends_with("events_2026_08")));
    }

    let deleted = prune(app.db(), days, 2, now).await.unwrap();
    assert_eq!(
        deleted,
        doomed.len() as u64,
        "every row before the cutoff counted"
    );

    // The same result as the batched delete alone: before the cutoff gone, from it kept.
    let left = assert_pruned_to(&app, cutoff, &others, &[now, cutoff + Duration::days(1)]).await;
    assert_eq!(left.iter().map(|r| r.id).collect::<BTreeSet<_>>(), kept);

    // On PostgreSQL every partition entirely before the cutoff is gone; the cutoff's day and
    // the default partition stay, with their kept rows where they were.
    let after = attached_partitions(app.db()).await;
    if is_pg(app.db()) {
        for p in old {
            assert!(!after.contains(p), "{p} dropped: {after:?}");
        }
        let cutoff_day = cutoff.format("events_%Y_%m_%d").to_string();
        for p in &after {
            assert!(p == "events_default" || *p >= cutoff_day, "{p} left");
        }
        assert!(after.contains(&cutoff_day) && after.contains("events_default"));
        let where_after = partition_of_rows(app.db()).await;
        for id in &kept {
            assert_eq!(where_after[id], where_before[id]);
        }
    }

    // A second prune finds nothing.
    assert_eq!(prune(app.db(), days, 2, now).await.unwrap(), 0);
    assert_eq!(rows_after(&app, 0).await.len(), left.len());
}

#[tokio::test]
async fn pruned_batches_and_dropped_partitions_are_reported_apart() {
    let app = TestApp::new().await;
    let contoso = tenant(&app, "contoso").await;
    let owner = app.user_id("owner@contoso.test").await;
    partitions::ensure_between(app.db(), day(2026, 6, 8), day(2026, 6, 30))
        .await
        .unwrap();
    let at = |d, h| Utc.with_ymd_and_hms(2026, 6, d, h, 0, 0).unwrap();
    for t in [
        Utc.with_ymd_and_hms(2026, 5, 10, 0, 0, 0).unwrap(),
        at(10, 0),
        at(14, 12),
        at(15, 6),
        at(20, 0),
    ] {
        record_at(&app, Event::OperationsStarted, contoso, owner, t).await;
    }
    let cutoff = at(15, 12);
    let rows = rows_after(&app, 0).await;
    let older = rows.iter().filter(|r| r.occurred_at < cutoff).count() as u64;
    let in_whole_days = rows
        .iter()
        .filter(|r| r.occurred_at >= at(8, 0) && r.occurred_at < at(15, 0))
        .count() as u64;
    let pruned = prune_with(
        app.db(),
        cutoff,
        PruneOptions {
            batch_size: 1,
            pause_ratio: 0.0,
        },
    )
    .await
    .unwrap();
    assert_eq!(pruned.rows(), older);
    if is_pg(app.db()) {
        // June 8-14 went whole (two of them with rows); the cutoff's day's older row and the
        // default partition's went in batches.
        assert_eq!(pruned.dropped.partitions, 7, "{pruned:?}");
        assert_eq!(pruned.dropped.rows, in_whole_days);
        assert_eq!(in_whole_days, 2);
    } else {
        assert_eq!(pruned.dropped, partitions::Dropped::default());
    }
    assert_eq!(pruned.deleted, older - pruned.dropped.rows);
}

#[tokio::test]
async fn creating_a_day_is_idempotent_and_takes_its_rows_out_of_the_default_partition() {
    let app = TestApp::new().await;
    let contoso = tenant(&app, "contoso").await;
    let owner = app.user_id("owner@contoso.test").await;
    let t = Utc.with_ymd_and_hms(2025, 5, 31, 23, 59, 59).unwrap();
    record_at(&app, Event::OperationsStarted, contoso, owner, t).await;
    let next = Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap();
    record_at(&app, Event::OperationsStarted, contoso, owner, next).await;
    let rows = rows_after(&app, 0).await;
    let may = rows.iter().find(|r| r.occurred_at == t).unwrap().id;
    let june = rows.iter().find(|r| r.occurred_at == next).unwrap().id;

    // Two instances create the day at once: one does, neither fails.
    let other = Db::connect(&app.tdb.url).await.unwrap();
    let (a, b) = tokio::join!(
        partitions::ensure_between(app.db(), day(2025, 5, 31), day(2025, 5, 31)),
        partitions::ensure_between(&other, day(2025, 5, 31), day(2025, 5, 31)),
    );
    let created = a.unwrap() + b.unwrap();
    assert_eq!(
        partitions::ensure_between(app.db(), day(2025, 5, 31), day(2025, 5, 31))
            .await
            .unwrap(),
        0,
        "the day exists"
    );
    let after = rows_after(&app, 0).await;
    assert_eq!(after.len(), rows.len(), "no row lost or doubled");
    if is_pg(app.db()) {
        assert_eq!(created, 1);
        let at = partition_of_rows(app.db()).await;
        assert_eq!(at[&may], "product_usage_partitions.events_2025_05_31");
        assert_eq!(
            at[&june], "product_usage_partitions.events_default",
            "its own day has none"
        );
        // A new row of the day now goes to the day.
        record_at(
            &app,
            Event::OperationsStarted,
            contoso,
            owner,
            t - Duration::hours(3),
        )
        .await;
        let newest = last_id(&app).await;
        assert_eq!(
            partition_of_rows(app.db()).await[&newest],
            "product_usage_partitions.events_2025_05_31"
        );
    } else {
        assert_eq!(created, 0, "SQLite has no partitions");
    }
    // The days ahead of the test clock exist after one call, and a second creates none.
    let now = app.clock.now_for_tests();
    let made = partitions::ensure_ahead(app.db(), now).await.unwrap();
    assert_eq!(partitions::ensure_ahead(app.db(), now).await.unwrap(), 0);
    if is_pg(app.db()) {
        assert_eq!(made, partitions::DAYS_AHEAD + 1);
        let attached = attached_partitions(app.db()).await;
        for p in [
            "events_2026_11_23",
            "events_2026_12_01",
            "events_2026_12_07",
        ] {
            assert!(attached.contains(p), "{p} in {attached:?}");
        }
        assert!(!attached.contains("events_2026_12_08"), "{attached:?}");
    }
}

#[tokio::test]
async fn every_partition_statement_is_listed_and_prepares_on_postgresql() {
    // Listed: every constant the PostgreSQL-only repo hands to sqlx (the db-layer test covers
    // the repos that run on both databases).
    let source = std::fs::read_to_string("src/features/telemetry/partitions_repo.rs").unwrap();
    let listed: BTreeSet<&str> = partitions_repo::statements()
        .iter()
        .map(|(n, _)| *n)
        .collect();
    let compact: String = source.split_whitespace().collect();
    let mut used = BTreeSet::new();
    for call in [
        "sqlx::query(",
        "sqlx::query_as(",
        "sqlx::query_scalar(",
        "sqlx::raw_sql(",
    ] {
        for (at, _) in compact.match_indices(call) {
            let name: String = compact[at + call.len()..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            assert!(!name.is_empty(), "{call}… is not a named constant");
            used.insert(name);
        }
    }
    assert!(used.len() >= 3, "found the statements: {used:?}");
    let used: BTreeSet<&str> = used.iter().map(String::as_str).collect();
    assert_eq!(used, listed);

    let tdb = crate::support::TestDatabase::new().await;
    let Db::Postgres(pool) = &tdb.db else {
        // SQLite has no partitions; these statements never run there.
        return;
    };
    assert!(
        sqlx::Executor::prepare(
            pool,
            sqlx::SqlStr::from_static("SELECT no_such_function(1)")
        )
        .await
        .is_err(),
        "control: a wrong statement fails"
    );
    for (name, sql) in partitions_repo::statements() {
        sqlx::Executor::prepare(pool, sqlx::SqlStr::from_static(sql))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// A database with every migration before 13 applied by hand, and what keeps it alive.
async fn database_before_partitions() -> (Db, Box<dyn std::any::Any>) {
    let tdb = crate::support::TestDatabase::new().await;
    let (db, keep): (Db, Box<dyn std::any::Any>) = match &tdb.db {
        Db::Postgres(_) => {
            tenantpilot::execute!(
                &tdb.db,
                sqlx::raw_sql(
                    "DROP SCHEMA public CASCADE; DROP SCHEMA product_usage_partitions CASCADE;
                     CREATE SCHEMA public;"
                )
            )
            .unwrap();
            (tdb.db.clone(), Box::new(tdb))
        }
        Db::Sqlite(_) => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("v12.db").display());
            (Db::connect(&url).await.unwrap(), Box::new((dir, tdb)))
        }
    };
    for m in tenantpilot::db::migrate::MIGRATIONS
        .iter()
        .filter(|m| m.version < 13)
    {
        let sql = if is_pg(&db) { m.postgres } else { m.sqlite };
        tenantpilot::execute!(&db, sqlx::raw_sql(sqlx::AssertSqlSafe(sql))).unwrap();
    }
    (db, keep)
}

/// One workspace with one tenant, written by hand (the database may predate the product's
/// repos); their ids.
async fn workspace_and_tenant(db: &Db) -> (i64, i64) {
    let created = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let ws: i64 = with_db!(db, |p| sqlx::query_scalar(
        "INSERT INTO workspaces (slug, name, created_at) VALUES ('w', 'W', $1) RETURNING id"
    )
    .bind(created)
    .fetch_one(p)
    .await)
    .unwrap();
    let tn: i64 = with_db!(db, |p| sqlx::query_scalar(
        "INSERT INTO tenants (workspace_id, external_id, name, created_at)
         VALUES ($1, 't', 'T', $2) RETURNING id"
    )
    .bind(ws)
    .bind(created)
    .fetch_one(p)
    .await)
    .unwrap();
    (ws, tn)
}

#[tokio::test]
async fn migration_13_keeps_every_ledger_row_and_the_id_sequence() {
    let (db, _keep) = database_before_partitions().await;
    let (ws, tn) = workspace_and_tenant(&db).await;
    const INSERT: &str = "INSERT INTO product_usage_events (workspace_id, tenant_id,
            actor_user_id, event_name, feature_area, subject_type, subject_id, metadata,
            occurred_at) VALUES ($1, $2, NULL, 'product.operations.started', 'operations',
            'operation_run', $3, $4, $5) RETURNING id";
    let mut before = Vec::new();
    for (i, t) in [
        Utc.with_ymd_and_hms(2025, 12, 31, 23, 59, 59).unwrap(),
        Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 2, 14, 12, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 6, 30, 8, 0, 0).unwrap(),
    ]
    .into_iter()
    .enumerate()
    {
        let id: i64 = with_db!(&db, |p| sqlx::query_scalar(INSERT)
            .bind(ws)
            .bind(tn)
            .bind(i.to_string())
            .bind(sqlx::types::Json(
                json!({"operation_type": "inventory.sync"})
            ))
            .bind(t)
            .fetch_one(p)
            .await)
        .unwrap();
        before.push((id, t));
    }
    let m13 = tenantpilot::db::migrate::MIGRATIONS
        .iter()
        .find(|m| m.version == 13)
        .expect("migration 13");
    let sql = if is_pg(&db) { m13.postgres } else { m13.sqlite };
    tenantpilot::execute!(&db, sqlx::raw_sql(sqlx::AssertSqlSafe(sql))).unwrap();

    let after: Vec<(i64, DateTime<Utc>)> = with_db!(&db, |p| sqlx::query_as(
        "SELECT id, occurred_at FROM product_usage_events ORDER BY id"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(after, before, "every row, with its id and time");
    let next: i64 = with_db!(&db, |p| sqlx::query_scalar(INSERT)
        .bind(ws)
        .bind(tn)
        .bind("9")
        .bind(sqlx::types::Json(json!({})))
        .bind(Utc.with_ymd_and_hms(2026, 2, 2, 0, 0, 0).unwrap())
        .fetch_one(p)
        .await)
    .unwrap();
    assert!(
        next > before.iter().map(|r| r.0).max().unwrap(),
        "ids go on: {next}"
    );
    if is_pg(&db) {
        let at = partition_of_rows(&db).await;
        assert_eq!(at[&before[0].0], "product_usage_partitions.events_2025_12");
        assert_eq!(at[&before[1].0], "product_usage_partitions.events_2026_02");
        assert_eq!(at[&before[3].0], "product_usage_partitions.events_2026_06");
        assert_eq!(at[&next], "product_usage_partitions.events_2026_02");
        // Tenant deletion still cascades into the partitions.
        tenantpilot::execute!(
            &db,
            sqlx::query("DELETE FROM tenants WHERE id = $1").bind(tn)
        )
        .unwrap();
        let left: i64 = with_db!(&db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM product_usage_events"
        )
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(left, 0);
    }
}

/// Runs the embedded migrations of the versions `versions` on `db`, in order.
async fn apply_migrations(db: &Db, versions: std::ops::RangeInclusive<i64>) {
    for m in tenantpilot::db::migrate::MIGRATIONS
        .iter()
        .filter(|m| versions.contains(&m.version))
    {
        let sql = if is_pg(db) { m.postgres } else { m.sqlite };
        tenantpilot::execute!(db, sqlx::raw_sql(sqlx::AssertSqlSafe(sql))).unwrap();
    }
}

#[tokio::test]
async fn migration_15_keeps_months_with_rows_and_makes_way_for_days() {
    let (db, _keep) = database_before_partitions().await;
    let (ws, tn) = workspace_and_tenant(&db).await;
    const INSERT: &str = "INSERT INTO product_usage_events (workspace_id, tenant_id,
            actor_user_id, event_name, feature_area, subject_type, subject_id, metadata,
            occurred_at) VALUES ($1, $2, NULL, 'product.operations.started', 'operations',
            'operation_run', '1', '{}', $3) RETURNING id";
    let insert = async |t: DateTime<Utc>| -> i64 {
        with_db!(&db, |p| sqlx::query_scalar(INSERT)
            .bind(ws)
            .bind(tn)
            .bind(t)
            .fetch_one(p)
            .await)
        .unwrap()
    };
    let feb = Utc.with_ymd_and_hms(2026, 2, 14, 12, 0, 0).unwrap();
    let june = Utc.with_ymd_and_hms(2026, 6, 30, 8, 0, 0).unwrap();
    insert(feb).await;
    insert(june).await;
    apply_migrations(&db, 13..=14).await;
    let months_with_rows = ["events_2026_02", "events_2026_06"];
    let before = attached_partitions(&db).await;
    let empty_months: Vec<&String> = before
        .iter()
        .filter(|p| {
            matches!(
                partitions::Partition::from_name(p),
                Some(partitions::Partition::Month(_))
            ) && !months_with_rows.contains(&p.as_str())
        })
        .collect();
    if is_pg(&db) {
        // The control: migration 13 made the current month and the two after it, empty.
        assert!(empty_months.len() >= 3, "{before:?}");
    }

    apply_migrations(&db, 15..=15).await;
    let after = attached_partitions(&db).await;
    let rows: i64 = with_db!(&db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM product_usage_events"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(rows, 2, "no row lost");
    let Db::Postgres(pool) = &db else {
        return;
    };
    for m in months_with_rows {
        assert!(after.contains(m), "{m} kept: {after:?}");
    }
    for m in &empty_months {
        assert!(!after.contains(*m), "{m} dropped: {after:?}");
    }

    // A day inside a kept month is the month's; a day outside gets its own partition.
    assert_eq!(
        partitions::ensure_between(&db, day(2026, 2, 10), day(2026, 2, 11))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        partitions::ensure_between(&db, day(2026, 3, 5), day(2026, 3, 5))
            .await
            .unwrap(),
        1
    );
    let march = insert(Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0).unwrap()).await;
    let feb_later = insert(feb + Duration::days(1)).await;
    let at = partition_of_rows(&db).await;
    assert_eq!(at[&march], "product_usage_partitions.events_2026_03_05");
    assert_eq!(at[&feb_later], "product_usage_partitions.events_2026_02");

    // An instance of the previous version asking for a month gets that month's days.
    let made: bool =
        sqlx::query_scalar("SELECT product_usage_partitions.ensure_month('2026-04-17')")
            .fetch_one(pool)
            .await
            .unwrap();
    assert!(made);
    let april = attached_partitions(&db)
        .await
        .into_iter()
        .filter(|p| p.starts_with("events_2026_04_"))
        .count();
    assert_eq!(april, 30);

    // A drop's steps refuse anything but a partition, dropping one still attached, and
    // dropping one that still references other tables.
    assert!(partitions_repo::detach(pool, "tenants").await.is_err());
    assert!(
        partitions_repo::drop_detached(pool, "events_2026_06")
            .await
            .is_err()
    );
    assert!(
        partitions_repo::detach(pool, "events_2026_06")
            .await
            .unwrap()
    );
    assert!(
        partitions_repo::drop_detached(pool, "events_2026_06")
            .await
            .is_err(),
        "its foreign keys are still there"
    );
    assert!(
        !partitions_repo::detach(pool, "events_2026_06")
            .await
            .unwrap(),
        "detached once"
    );

    // The prune (of the version after, whose migration 16 takes the foreign keys of the
    // detached June table too) drops the kept month and the day alike once they lie before its
    // cutoff, and finishes the drop of a partition left detached (June, after the cutoff).
    apply_migrations(&db, 16..=16).await;
    let dropped = partitions::drop_before(
        pool,
        Utc.with_ymd_and_hms(2026, 3, 6, 0, 0, 0).unwrap(),
        0.0,
    )
    .await
    .unwrap();
    assert_eq!(
        dropped,
        partitions::Dropped {
            partitions: 3,
            rows: 4
        }
    );
    let left = attached_partitions(&db).await;
    assert!(!left.contains("events_2026_02") && !left.contains("events_2026_03_05"));
    assert!(left.contains("events_2026_04_01"), "{left:?}");
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'product_usage_partitions'
           AND c.relname IN ('events_2026_02', 'events_2026_03_05', 'events_2026_06')",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(tables, 0, "the tables are gone, not only detached");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM product_usage_events")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

/// Foreign keys of the ledger and of every table in the partition schema (PostgreSQL).
async fn ledger_foreign_keys(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE c.contype = 'f' AND (t.relname = 'product_usage_events'
                                    OR n.nspname = 'product_usage_partitions')",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn migration_16_drops_partitions_without_locking_tenants_and_keeps_deletes_cascading() {
    let (db, _keep) = database_before_partitions().await;
    let (ws, tn) = workspace_and_tenant(&db).await;
    let user: i64 = with_db!(&db, |p| sqlx::query_scalar(
        "INSERT INTO users (email, display_name, password_hash, created_at)
         VALUES ('a@example.test', 'A', 'x', $1) RETURNING id"
    )
    .bind(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
    .fetch_one(p)
    .await)
    .unwrap();
    apply_migrations(&db, 13..=15).await;
    partitions::ensure_between(&db, day(2026, 3, 1), day(2026, 3, 3))
        .await
        .unwrap();
    const INSERT: &str = "INSERT INTO product_usage_events (workspace_id, tenant_id,
            actor_user_id, event_name, feature_area, subject_type, subject_id, metadata,
            occurred_at) VALUES ($1, $2, $3, 'product.operations.started', 'operations',
            'operation_run', '1', '{}', $4)";
    let insert = async |t: DateTime<Utc>| {
        tenantpilot::execute!(
            &db,
            sqlx::query(INSERT).bind(ws).bind(tn).bind(user).bind(t)
        )
        .unwrap();
    };
    for d in 1..=3 {
        insert(Utc.with_ymd_and_hms(2026, 3, d, 12, 0, 0).unwrap()).await;
    }

    // While other sessions read tenants, workspaces and users (every page does), a drop must
    // not need their tables: with migration 15's foreign keys it gives up (the control) ...
    let held = |pool: sqlx::PgPool| async move {
        let mut reader = pool.begin().await.unwrap();
        sqlx::raw_sql(
            "SELECT 1 FROM tenants LIMIT 1; SELECT 1 FROM workspaces LIMIT 1;
             SELECT 1 FROM users LIMIT 1;",
        )
        .execute(&mut *reader)
        .await
        .unwrap();
        reader
    };
    let cutoff = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    if let Db::Postgres(pool) = &db {
        assert!(ledger_foreign_keys(pool).await > 0);
        let reader = held(pool.clone()).await;
        let step = async |sql: &'static str| {
            sqlx::query(sql)
                .bind("events_2026_03_01")
                .execute(pool)
                .await
        };
        let blocked = match step("SELECT product_usage_partitions.detach($1)").await {
            Err(e) => e,
            Ok(_) => step("SELECT product_usage_partitions.drop_detached_reference($1)")
                .await
                .unwrap_err(),
        };
        assert!(
            matches!(&blocked, sqlx::Error::Database(d) if d.code().as_deref() == Some("55P03")),
            "{blocked}"
        );
        reader.rollback().await.unwrap();
    }
    // ... and after migration 16 it goes through (the day left detached above included).
    apply_migrations(&db, 16..=16).await;
    if let Db::Postgres(pool) = &db {
        assert_eq!(ledger_foreign_keys(pool).await, 0);
        let reader = held(pool.clone()).await;
        let dropped = partitions::drop_before(pool, cutoff, 0.0).await.unwrap();
        assert_eq!(
            dropped,
            partitions::Dropped {
                partitions: 1,
                rows: 1
            }
        );
        reader.rollback().await.unwrap();
    }
    let count = async |sql: &'static str| -> i64 {
        with_db!(&db, |p| sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
    };
    let (events, acted) = (
        "SELECT COUNT(*) FROM product_usage_events",
        "SELECT COUNT(*) FROM product_usage_events WHERE actor_user_id IS NOT NULL",
    );
    let left = if is_pg(&db) { 2 } else { 3 };
    assert_eq!((count(events).await, count(acted).await), (left, left));

    // Deleting a user clears the actor of their events; deleting a tenant deletes its events,
    // as the foreign keys' ON DELETE did (and still do on SQLite).
    tenantpilot::execute!(
        &db,
        sqlx::query("DELETE FROM users WHERE id = $1").bind(user)
    )
    .unwrap();
    assert_eq!((count(events).await, count(acted).await), (left, 0));
    tenantpilot::execute!(
        &db,
        sqlx::query("DELETE FROM tenants WHERE id = $1").bind(tn)
    )
    .unwrap();
    assert_eq!(count(events).await, 0);
}

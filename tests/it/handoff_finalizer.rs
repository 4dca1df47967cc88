//! Issue 11, point 6: a create handoff cut off by a crash is finalized as failed (`interrupted`)
//! once its budget and margin are over, exactly once across finalizers and instances, through
//! the job ledger and at start-up; internal-only and link requests are never touched; and a
//! client that disconnects mid-call cannot keep a created ticket from being recorded.

use crate::support::{NowForTests, TestApp, webhook_desk};
use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::json;
use std::net::SocketAddr;
use tenantpilot::config::Config;
use tenantpilot::features::support_requests::{handoff, model, repo};
use tenantpilot::jobs::{self, JobStatus, SUPPORT_HANDOFF_FINALIZE};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Desk budget of these tests; with the 30 s margin a handoff is interrupted after 32 s.
const BUDGET_MS: u64 = 2000;

fn desk_config(url: &str) -> Config {
    let mut config = webhook_desk(
        &format!("{url}/tickets"),
        BUDGET_MS,
        "finalizer-test-hmac-secret",
    );
    config.support_desk.ticket_url_template = "https://desk.example/tickets/{id}".into();
    config
}

/// An app whose desk must never be called (the finalizer only writes our own rows).
async fn app_with_silent_desk() -> (TestApp, MockServer) {
    let desk = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "never"})))
        .expect(0)
        .mount(&desk)
        .await;
    let app = TestApp::with_config(desk_config(&desk.uri())).await;
    (app, desk)
}

/// A request exactly as a crash during its handoff leaves it: committed with its first attempt
/// claimed, handoff never written.
async fn begun(app: &TestApp, tenant: &str, mode: &str) -> (i64, String) {
    let t = app.tenant(tenant).await;
    let owner = tenantpilot::auth::users::find_by_email(app.db(), "owner@contoso.test")
        .await
        .unwrap()
        .expect("demo owner");
    let reference = tenantpilot::features::support_requests::service::new_reference();
    let context = json!({"schema_version": 1, "kind": "canonical_context"});
    let mut tx = app.db().begin().await.unwrap();
    let row = repo::insert(
        &mut tx,
        &repo::NewRequest {
            internal_reference: &reference,
            workspace_id: t.workspace_id,
            tenant_id: t.id,
            primary_context_type: model::PrimaryContextType::Tenant,
            operation_run_id: None,
            created_by_user_id: owner.id,
            created_by_label: &owner.email,
            severity: model::Severity::High,
            summary: "Consent looks revoked",
            reproduction_notes: None,
            contact_name: None,
            contact_email: None,
            attachment_mode: model::AttachmentMode::CanonicalContextOnly,
            context: &context,
            external_handoff_mode: mode.parse().expect("a handoff mode"),
        },
        app.clock.now_for_tests(),
    )
    .await
    .unwrap();
    // A create request is stored with the claim of its first desk call, as the service does.
    if row.external_handoff_mode == model::HandoffMode::CreateExternalTicket {
        let now = app.clock.now_for_tests();
        repo::open_first_attempt(&mut tx, row.id, now, owner.id, &owner.email)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    (row.id, reference)
}

async fn column(app: &TestApp, id: i64, col: &str) -> Option<String> {
    app.text(
        &format!("SELECT {col} FROM support_requests WHERE id = $1"),
        &[id.into()],
    )
    .await
}

async fn finalized(app: &TestApp, id: i64) -> bool {
    app.int(
        "SELECT COUNT(*) FROM support_requests WHERE id = $1 AND handoff_finalized_at IS NOT NULL",
        &[id.into()],
    )
    .await
        == 1
}

async fn latest_of_fabrikam(app: &TestApp, token: &str) -> crate::support::Resp {
    app.api(
        Method::GET,
        "/api/v1/tenants/fabrikam/support-requests/latest",
        Some(token),
        None,
    )
    .await
}

const FAILED: &str = "support_request.external_handoff_failed";

#[tokio::test]
async fn an_interrupted_handoff_is_recorded_as_failed_once_and_shown() {
    let (app, desk) = app_with_silent_desk().await;
    let (internal, internal_ref) = begun(&app, "contoso", "internal_only").await;
    let (link, link_ref) = begun(&app, "contoso", "link_existing_ticket").await;
    let (create, reference) = begun(&app, "fabrikam", "create_external_ticket").await;
    let owner = app.session_for("owner@contoso.test").await;
    let token = app.token_for("owner@contoso.test").await;

    // Before anything is finalized the API derives the generic "did not finish" text.
    let latest = latest_of_fabrikam(&app, &token).await;
    assert_eq!(latest.status, StatusCode::OK, "{}", latest.body);
    let summary = latest.json()["external_handoff_failure_summary"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!summary.contains(&reference), "{summary}");

    // Within the budget and its margin (32 s): untouched, the handoff may still be alive.
    app.clock.advance(Duration::seconds(31));
    assert_eq!(handoff::finalize_interrupted(&app.state).await.unwrap(), 0);
    assert!(!finalized(&app, create).await);
    assert_eq!(app.audit_count_for(FAILED, &reference).await, 0);

    app.clock.advance(Duration::seconds(2));
    assert_eq!(handoff::finalize_interrupted(&app.state).await.unwrap(), 1);
    assert!(finalized(&app, create).await);
    assert_eq!(
        column(&app, create, "handoff_outcome").await.as_deref(),
        Some("external_handoff_failed")
    );
    let stored = column(&app, create, "external_handoff_failure_summary")
        .await
        .unwrap_or_default();
    assert!(stored.contains(&reference), "{stored}");
    assert!(stored.to_lowercase().contains("check the desk"), "{stored}");
    assert_eq!(column(&app, create, "external_ticket_id").await, None);
    assert_eq!(app.audit_count_for(FAILED, &reference).await, 1);
    let meta = app
        .text(
            "SELECT CAST(metadata AS TEXT) FROM audit_events
             WHERE action = $1 AND target_id = $2",
            &[FAILED.into(), (&reference).into()],
        )
        .await
        .unwrap_or_default();
    let meta: serde_json::Value = serde_json::from_str(&meta).expect("metadata JSON");
    assert_eq!(meta["failure_code"], "interrupted");
    assert_eq!(meta["internal_reference"], reference.as_str());
    assert_eq!(
        app.text(
            "SELECT actor_label FROM audit_events WHERE action = $1 AND target_id = $2",
            &[FAILED.into(), (&reference).into()]
        )
        .await
        .as_deref(),
        Some("system")
    );

    // The same run could have touched the other two (they are older still), and did not.
    for (id, r) in [(internal, &internal_ref), (link, &link_ref)] {
        assert!(!finalized(&app, id).await, "{r}");
        assert_eq!(column(&app, id, "handoff_outcome").await, None, "{r}");
        assert_eq!(app.audit_count_for(FAILED, r).await, 0, "{r}");
    }

    // A second run changes nothing and audits nothing.
    let before = column(&app, create, "CAST(handoff_finalized_at AS TEXT)").await;
    assert!(before.is_some());
    app.clock.advance(Duration::minutes(10));
    assert_eq!(handoff::finalize_interrupted(&app.state).await.unwrap(), 0);
    assert_eq!(
        column(&app, create, "CAST(handoff_finalized_at AS TEXT)").await,
        before
    );
    assert_eq!(app.audit_count_for(FAILED, &reference).await, 1);

    // The latest-handoff API and panel now show the stored summary.
    let latest = latest_of_fabrikam(&app, &token).await;
    let latest = latest.json();
    assert_eq!(latest["internal_reference"], reference.as_str());
    assert_eq!(latest["handoff_outcome"], "external_handoff_failed");
    assert_eq!(latest["has_failure"], true);
    assert_eq!(latest["external_handoff_failure_summary"], stored.as_str());
    let page = app
        .get("/admin/t/fabrikam/support-requests/new", Some(&owner))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"support-latest-failure\""));
    assert!(
        page.body.contains(&reference),
        "the panel names the request"
    );
    assert!(page.body.contains("Check the desk for a ticket with"));
    desk.verify().await;
}

#[tokio::test]
async fn concurrent_finalizers_record_each_handoff_once_in_bounded_batches() {
    let (app, _desk) = app_with_silent_desk().await;
    let b = app.second_instance().await;
    let mut references = Vec::new();
    // More than one batch of 100, so each finalizer needs several passes.
    for _ in 0..130 {
        references.push(begun(&app, "fabrikam", "create_external_ticket").await.1);
    }
    app.clock.advance(Duration::minutes(1));
    let (ra, rb) = tokio::join!(
        handoff::finalize_interrupted(&app.state),
        handoff::finalize_interrupted(&b)
    );
    assert_eq!(ra.unwrap() + rb.unwrap(), 130);
    assert_eq!(
        app.int(
            "SELECT COUNT(*) FROM audit_events WHERE action = $1",
            &[FAILED.into()]
        )
        .await,
        130
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM support_requests WHERE handoff_finalized_at IS NULL")
            .await,
        0
    );
    for r in [&references[0], &references[129]] {
        assert_eq!(app.audit_count_for(FAILED, r).await, 1, "{r}");
    }
    b.db.close().await;
}

#[tokio::test]
async fn the_job_ledger_runs_the_finalizer_once_per_slot_across_instances() {
    let (app, _desk) = app_with_silent_desk().await;
    let b = app.second_instance().await;
    let (id, reference) = begun(&app, "fabrikam", "create_external_ticket").await;
    app.clock.advance(Duration::seconds(40));

    let (ra, rb) = tokio::join!(
        jobs::tick(&app.state, "instance-a"),
        jobs::tick(&b, "instance-b")
    );
    let of_finalizer = |outcomes: Vec<jobs::JobOutcome>| {
        outcomes
            .into_iter()
            .find(|o| o.job == SUPPORT_HANDOFF_FINALIZE)
            .expect("the finalizer is scheduled")
    };
    let outcomes = [of_finalizer(ra.unwrap()), of_finalizer(rb.unwrap())];
    assert!(outcomes.iter().all(|o| o.slot == "2026-11-23T09:00"));
    let ran: Vec<_> = outcomes
        .iter()
        .filter_map(|o| match &o.status {
            JobStatus::Succeeded { detail } => Some(detail.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        ran,
        ["recorded 1 interrupted support desk handoffs as failed"]
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| o.status == JobStatus::AlreadyClaimed)
            .count(),
        1
    );
    assert!(finalized(&app, id).await);
    assert_eq!(app.audit_count_for(FAILED, &reference).await, 1);

    // The same slot again: nobody runs it. A new interrupted handoff waits for the next slot.
    let (later, later_ref) = begun(&app, "fabrikam", "create_external_ticket").await;
    app.clock.advance(Duration::seconds(40));
    let r = of_finalizer(jobs::tick(&b, "instance-b").await.unwrap());
    assert_eq!(r.status, JobStatus::AlreadyClaimed);
    assert!(!finalized(&app, later).await);

    app.clock.advance(Duration::minutes(4));
    let r = of_finalizer(jobs::tick(&b, "instance-b").await.unwrap());
    assert_eq!(r.slot, "2026-11-23T09:05");
    assert!(matches!(r.status, JobStatus::Succeeded { .. }), "{r:?}");
    assert!(finalized(&app, later).await);
    assert_eq!(app.audit_count_for(FAILED, &later_ref).await, 1);
    assert_eq!(app.audit_count_for(FAILED, &reference).await, 1);
    let slots = |runs: Vec<jobs::repo::JobRun>| -> Vec<String> {
        runs.into_iter().map(|r| r.slot).collect()
    };
    assert_eq!(
        slots(
            jobs::repo::runs_of(app.db(), SUPPORT_HANDOFF_FINALIZE)
                .await
                .unwrap()
        ),
        ["2026-11-23T09:00", "2026-11-23T09:05"]
    );

    // A week on, the finalizer's old ledger rows are gone; the daily prune keeps its own.
    app.clock.advance(Duration::days(8));
    jobs::tick(&app.state, "instance-a").await.unwrap();
    assert_eq!(
        slots(
            jobs::repo::runs_of(app.db(), SUPPORT_HANDOFF_FINALIZE)
                .await
                .unwrap()
        ),
        ["2026-12-01T09:05"]
    );
    assert_eq!(
        jobs::repo::runs_of(app.db(), jobs::PRODUCT_USAGE_PRUNE)
            .await
            .unwrap()
            .len(),
        2
    );
    b.db.close().await;
}

#[tokio::test]
async fn the_scheduler_finalizes_at_start_up_even_when_the_slot_is_taken() {
    let (app, _desk) = app_with_silent_desk().await;
    let (id, reference) = begun(&app, "fabrikam", "create_external_ticket").await;
    app.clock.advance(Duration::minutes(1));
    // The crashed process had already claimed the current slot before it died.
    let slot = jobs::Job::SupportHandoffFinalize.slot(app.clock.now_for_tests());
    assert!(
        jobs::repo::claim(
            app.db(),
            SUPPORT_HANDOFF_FINALIZE,
            &slot,
            "crashed-instance",
            app.clock.now_for_tests(),
        )
        .await
        .unwrap()
    );
    let handle = jobs::spawn(app.state.clone());
    let mut done = false;
    for _ in 0..200 {
        if finalized(&app, id).await {
            done = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    handle.abort();
    assert!(done, "the start-up pass finalized the interrupted handoff");
    assert_eq!(app.audit_count_for(FAILED, &reference).await, 1);
    let runs = jobs::repo::runs_of(app.db(), SUPPORT_HANDOFF_FINALIZE)
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0].claimed_by, "crashed-instance",
        "not through the ledger"
    );
}

#[tokio::test]
async fn a_client_that_disconnects_mid_call_still_gets_its_ticket_recorded() {
    let desk = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tickets"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_delay(std::time::Duration::from_millis(2000))
                .set_body_json(json!({"id": "T-77", "number": "77"})),
        )
        .expect(1)
        .mount(&desk)
        .await;
    let mut config = desk_config(&desk.uri());
    config.support_desk.timeout_ms = 5000;
    let app = TestApp::with_config(config).await;
    let token = app.token_for("owner@contoso.test").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = app
        .router
        .clone()
        .into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, service).await });

    let client = tenantpilot::outbound::client(
        std::time::Duration::from_secs(5),
        std::time::Duration::from_secs(30),
    )
    .unwrap();
    let submit = client
        .post(format!(
            "http://{addr}/api/v1/tenants/fabrikam/support-requests"
        ))
        .bearer_auth(&token)
        .json(&json!({
            "severity": "high",
            "summary": "Please look at fabrikam",
            "handoff_mode": "create_external_ticket",
        }))
        .send();
    let browser = tokio::spawn(submit);
    // Disconnect once the desk holds the call (it answers only 2 s later): dropping the client's
    // future closes its connection, and the server drops the handler future with it.
    let mut at_desk = false;
    for _ in 0..1000 {
        if !desk
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
        {
            at_desk = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(at_desk, "the submit reached the desk");
    assert!(!browser.is_finished(), "the client is still waiting");
    browser.abort();
    assert!(browser.await.unwrap_err().is_cancelled());

    // The request row exists; poll until its handoff is written (or give up after ~30 s).
    let mut outcome = None;
    for _ in 0..600 {
        outcome = app
            .text(
                "SELECT MAX(handoff_outcome) FROM support_requests
             WHERE external_handoff_mode = 'create_external_ticket'",
                &[],
            )
            .await;
        if outcome.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(outcome.as_deref(), Some("external_ticket_created"));
    let id = app
        .scalar(
            "SELECT MAX(id) FROM support_requests WHERE external_handoff_mode = 'create_external_ticket'",
        )
        .await;
    assert_eq!(
        column(&app, id, "external_ticket_id").await.as_deref(),
        Some("T-77")
    );
    let reference = column(&app, id, "internal_reference")
        .await
        .unwrap_or_default();
    assert_eq!(
        app.audit_count_for("support_request.external_ticket_created", &reference)
            .await,
        1
    );
    assert_eq!(desk.received_requests().await.unwrap_or_default().len(), 1);
    server.abort();
    desk.verify().await;
}

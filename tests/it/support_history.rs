//! Issue 16, points 1 and 4: a failed handoff is retried with the same reference (every attempt
//! kept and audited, never two at once, refused while paused or without a desk), neither a
//! submit nor a retry touches an operation run, and past requests have a list, a page and an
//! API under the same scope rules as filing. On both databases.

use crate::support::{NowForTests, TestApp, webhook_desk};
use crate::support_desk_connectors::{OLD_ID, VENDORS, Vendor};
use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::{Value, json};
use tenantpilot::config::Config;
use tenantpilot::features::support_requests::{handoff, model, repo};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const HMAC_SECRET: &str = "history-test-hmac-secret";
const CREATED: &str = "support_request.external_ticket_created";
const FAILED: &str = "support_request.external_handoff_failed";

fn desk_config(url: &str) -> Config {
    let mut config = webhook_desk(&format!("{url}/tickets"), 2000, HMAC_SECRET);
    config.support_desk.ticket_url_template = "https://desk.example/tickets/{id}".into();
    config
}

/// A desk that refuses the first call (HTTP 503) and creates ticket T-77 from then on.
async fn flaky_desk() -> MockServer {
    let desk = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tickets"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"error": "maintenance"})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&desk)
        .await;
    Mock::given(method("POST"))
        .and(path("/tickets"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "T-77"})))
        .with_priority(2)
        .mount(&desk)
        .await;
    desk
}

async fn file_create(app: &TestApp, token: &str, tenant: &str) -> Value {
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/tenants/{tenant}/support-requests"),
            Some(token),
            Some(r#"{"severity":"high","summary":"Consent looks revoked","handoff_mode":"create_external_ticket"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn retry_api(app: &TestApp, token: &str, reference: &str) -> crate::support::Resp {
    app.api(
        Method::POST,
        &format!("/api/v1/support-requests/{reference}/handoff/retry"),
        Some(token),
        None,
    )
    .await
}

/// Every operation run as comparable text: id, state, progress, heartbeat and claim.
async fn runs_fingerprint(app: &TestApp) -> Vec<String> {
    let sql = "SELECT CAST(id AS TEXT) || ':' || status || ':' || COALESCE(outcome, '') || ':'
                   || CAST(progress_done AS TEXT) || ':' || COALESCE(CAST(started_at AS TEXT), '')
                   || ':' || COALESCE(CAST(heartbeat_at AS TEXT), '') || ':'
                   || COALESCE(claimed_by, '')
               FROM operation_runs ORDER BY id";
    let rows: Vec<String> =
        tenantpilot::with_db!(app.db(), |p| sqlx::query_scalar(sql).fetch_all(p).await)
            .expect("runs");
    assert!(!rows.is_empty(), "the demo has runs to compare");
    rows
}

async fn attempts(app: &TestApp, reference: &str) -> Vec<(i64, String, Option<String>)> {
    let sql = "SELECT a.attempt, a.outcome, COALESCE(a.failure_code, a.lookup)
               FROM support_request_handoff_attempts a
               JOIN support_requests sr ON sr.id = a.support_request_id
               WHERE sr.internal_reference = $1 ORDER BY a.attempt";
    tenantpilot::with_db!(app.db(), |p| sqlx::query_as::<
        _,
        (i32, String, Option<String>),
    >(sql)
    .bind(reference)
    .fetch_all(p)
    .await)
    .expect("attempts")
    .into_iter()
    .map(|(n, o, d)| (i64::from(n), o, d))
    .collect()
}

fn idempotency_keys(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .filter_map(|r| r.headers.get("Idempotency-Key"))
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_retry_after_a_desk_failure_creates_the_ticket_with_the_same_reference() {
    let desk = flaky_desk().await;
    let app = TestApp::with_config(desk_config(&desk.uri())).await;
    let token = app.token_for("owner@contoso.test").await;
    let runs_before = runs_fingerprint(&app).await;

    let filed = file_create(&app, &token, "fabrikam").await;
    assert_eq!(filed["handoff_outcome"], "external_handoff_failed");
    let reference = filed["internal_reference"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        attempts(&app, &reference).await,
        vec![(1, "external_handoff_failed".into(), Some("rejected".into()))]
    );

    app.clock.advance(Duration::seconds(5));
    let retried = retry_api(&app, &token, &reference).await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    let detail = retried.json();
    assert_eq!(detail["internal_reference"], reference.as_str());
    assert_eq!(detail["handoff_outcome"], "external_ticket_created");
    assert_eq!(detail["external_ticket_reference"], "T-77");
    assert_eq!(
        detail["external_ticket_url"],
        "https://desk.example/tickets/T-77"
    );
    assert_eq!(detail["failure_summary"], Value::Null);
    let listed = detail["attempts"].as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 2, "{detail}");
    assert_eq!(listed[0]["outcome"], "external_handoff_failed");
    assert_eq!(listed[0]["failure_code"], "rejected");
    assert_eq!(listed[1]["attempt"], 2);
    assert_eq!(listed[1]["outcome"], "external_ticket_created");
    assert_eq!(listed[1]["lookup"], "created");
    assert_eq!(listed[1]["actor"], "owner@contoso.test");
    assert_eq!(
        attempts(&app, &reference).await,
        vec![
            (1, "external_handoff_failed".into(), Some("rejected".into())),
            (2, "external_ticket_created".into(), Some("created".into())),
        ]
    );

    // The desk saw the same reference as idempotency key both times.
    let requests = desk.received_requests().await.unwrap_or_default();
    assert_eq!(
        idempotency_keys(&requests),
        vec![reference.clone(), reference.clone()]
    );
    // One audit row per attempt, the retry's naming its number.
    assert_eq!(app.audit_count_for(FAILED, &reference).await, 1);
    assert_eq!(app.audit_count_for(CREATED, &reference).await, 1);
    let meta = app
        .text(
            "SELECT CAST(metadata AS TEXT) FROM audit_events WHERE action = $1 AND target_id = $2",
            &[CREATED.into(), (&reference).into()],
        )
        .await
        .unwrap_or_default();
    let meta: Value = serde_json::from_str(&meta).expect("metadata");
    assert_eq!(meta["attempt"], 2);
    assert_eq!(meta["lookup"], "created");

    // Nothing is left to retry now, and nothing was done to any run.
    let again = retry_api(&app, &token, &reference).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(
        again.json()["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("did not fail")
    );
    assert_eq!(desk.received_requests().await.unwrap_or_default().len(), 2);
    assert_eq!(runs_fingerprint(&app).await, runs_before);

    // The request's page shows both attempts and the ticket.
    let owner = app.session_for("owner@contoso.test").await;
    let page = app
        .get(
            &format!("/admin/t/fabrikam/support-requests/{reference}"),
            Some(&owner),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("data-testid=\"support-attempt\"").count(),
        2
    );
    assert!(
        page.body
            .contains("data-outcome=\"external_ticket_created\"")
    );
    assert!(page.body.contains(">T-77</a>"));
    assert!(
        !page.body.contains("data-testid=\"support-retry\""),
        "no retry once created"
    );
}

#[tokio::test]
async fn the_retry_button_posts_and_comes_back_with_the_outcome() {
    let desk = flaky_desk().await;
    let app = TestApp::with_config(desk_config(&desk.uri())).await;
    let token = app.token_for("owner@contoso.test").await;
    let reference = file_create(&app, &token, "fabrikam").await["internal_reference"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let owner = app.session_for("owner@contoso.test").await;
    let page_path = format!("/admin/t/fabrikam/support-requests/{reference}");
    let page = app.get(&page_path, Some(&owner)).await;
    assert!(
        page.body.contains("data-testid=\"support-retry\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("data-testid=\"support-retry-reason\""));
    let form = app
        .get("/admin/t/fabrikam/support-requests/new", Some(&owner))
        .await;
    assert!(
        form.body.contains(&format!("action=\"{page_path}/retry\"")),
        "{}",
        form.body
    );
    assert!(form.body.contains("data-testid=\"support-latest-retry\""));

    app.clock.advance(Duration::seconds(5));
    let r = app
        .post_form(&format!("{page_path}/retry"), &owner, &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), Some(page_path.as_str()));
    assert_eq!(
        r.cookie("tp_flash").as_deref(),
        Some("flash-handoff-retry-created")
    );
    let after = app.get(&page_path, Some(&owner)).await;
    assert!(
        after
            .body
            .contains("data-outcome=\"external_ticket_created\"")
    );
    // The form's latest-handoff summary offered the retry only while the handoff stood failed.
    let form = app
        .get("/admin/t/fabrikam/support-requests/new", Some(&owner))
        .await;
    assert!(
        form.body
            .contains(&format!("<a href=\"{page_path}\">{reference}</a>"))
    );
    assert!(!form.body.contains("data-testid=\"support-latest-retry\""));
}

#[tokio::test]
async fn a_second_concurrent_retry_is_refused() {
    let desk = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&desk)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": "T-88"}))
                .set_delay(std::time::Duration::from_millis(800)),
        )
        .with_priority(2)
        .mount(&desk)
        .await;
    let app = TestApp::with_config(desk_config(&desk.uri())).await;
    let token = app.token_for("owner@contoso.test").await;
    let reference = file_create(&app, &token, "fabrikam").await["internal_reference"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    app.clock.advance(Duration::seconds(5));

    let (a, b) = tokio::join!(
        retry_api(&app, &token, &reference),
        retry_api(&app, &token, &reference)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        a.body,
        b.body
    );
    let refused = if a.status == StatusCode::CONFLICT {
        a
    } else {
        b
    };
    let problem = refused.json();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("already running"),
        "{problem}"
    );
    // The submit's call and one retry reached the desk; two attempts, one ticket.
    assert_eq!(desk.received_requests().await.unwrap_or_default().len(), 2);
    assert_eq!(attempts(&app, &reference).await.len(), 2);
    assert_eq!(app.audit_count_for(CREATED, &reference).await, 1);
}

#[tokio::test]
async fn a_retry_is_refused_while_ticket_creation_is_paused() {
    let desk = flaky_desk().await;
    let app = TestApp::with_config(desk_config(&desk.uri())).await;
    let token = app.token_for("owner@contoso.test").await;
    let reference = file_create(&app, &token, "fabrikam").await["internal_reference"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    app.control(
        "support_desk_handoff",
        &[
            ("action", "pause"),
            ("reason", "Desk migration tonight"),
            ("scope", "workspace"),
            ("workspace", "contoso-msp"),
            ("duration", "24h"),
        ],
    )
    .await;
    app.clock.advance(Duration::seconds(5));
    let refused = retry_api(&app, &token, &reference).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("paused")
    );

    // The page shows the button disabled with the operator's reason, and a posted retry comes
    // back with the refusal as a notice.
    let owner = app.session_for("owner@contoso.test").await;
    let page_path = format!("/admin/t/fabrikam/support-requests/{reference}");
    let page = app.get(&page_path, Some(&owner)).await;
    assert!(
        page.body.contains("data-reason=\"paused\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("Desk migration tonight"));
    let r = app
        .post_form(&format!("{page_path}/retry"), &owner, &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.cookie("tp_flash").as_deref(),
        Some("support-retry-paused")
    );

    // Only the submit's call reached the desk; one attempt.
    assert_eq!(desk.received_requests().await.unwrap_or_default().len(), 1);
    assert_eq!(attempts(&app, &reference).await.len(), 1);

    // Control: once resumed, the same retry goes through.
    app.control(
        "support_desk_handoff",
        &[
            ("action", "resume"),
            ("scope", "workspace"),
            ("workspace", "contoso-msp"),
        ],
    )
    .await;
    let ok = retry_api(&app, &token, &reference).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["handoff_outcome"], "external_ticket_created");
}

/// A create request of fabrikam whose desk call was cut off, finalized as interrupted.
async fn interrupted_request(app: &TestApp) -> String {
    let reference = tenantpilot::features::support_requests::service::new_reference();
    interrupted_request_with(app, &reference).await;
    reference
}

/// A create request of fabrikam with `reference` whose desk call was cut off (the process
/// died before the desk's answer was recorded), finalized as interrupted.
pub(crate) async fn interrupted_request_with(app: &TestApp, reference: &str) {
    let t = app.tenant("fabrikam").await;
    let owner_id = app.user_id("owner@contoso.test").await;
    let context = json!({"schema_version": 1, "kind": "canonical_context"});
    let now = app.clock.now_for_tests();
    let mut tx = app.db().begin().await.expect("tx");
    let row = repo::insert(
        &mut tx,
        &repo::NewRequest {
            internal_reference: reference,
            workspace_id: t.workspace_id,
            tenant_id: t.id,
            primary_context_type: model::PrimaryContextType::Tenant,
            operation_run_id: None,
            created_by_user_id: owner_id,
            created_by_label: "owner@contoso.test",
            severity: model::Severity::High,
            summary: "Cut off",
            reproduction_notes: None,
            contact_name: None,
            contact_email: None,
            attachment_mode: model::AttachmentMode::CanonicalContextOnly,
            context: &context,
            external_handoff_mode: model::HandoffMode::CreateExternalTicket,
        },
        now,
    )
    .await
    .expect("insert");
    repo::open_first_attempt(&mut tx, row.id, now, owner_id, "owner@contoso.test")
        .await
        .expect("attempt");
    tx.commit().await.expect("commit");
    app.clock.advance(Duration::minutes(5));
    assert_eq!(
        handoff::finalize_interrupted(&app.state)
            .await
            .expect("finalize"),
        1
    );
}

#[tokio::test]
async fn without_a_desk_a_retry_is_refused_and_says_why() {
    let app = TestApp::new().await;
    let reference = interrupted_request(&app).await;
    assert_eq!(
        attempts(&app, &reference).await,
        vec![(
            1,
            "external_handoff_failed".into(),
            Some("interrupted".into())
        )]
    );
    let token = app.token_for("owner@contoso.test").await;
    let refused = retry_api(&app, &token, &reference).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("No external support desk is configured")
    );
    let owner = app.session_for("owner@contoso.test").await;
    let page = app
        .get(
            &format!("/admin/t/fabrikam/support-requests/{reference}"),
            Some(&owner),
        )
        .await;
    assert!(
        page.body.contains("data-reason=\"not_configured\""),
        "{}",
        page.body
    );
    assert!(page.body.contains(" disabled "), "the button is disabled");
    assert_eq!(attempts(&app, &reference).await.len(), 1);
}

#[tokio::test]
async fn an_interrupted_retry_is_finalized_and_can_be_retried_again() {
    let desk = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "T-5"})))
        .mount(&desk)
        .await;
    let app = TestApp::with_config(desk_config(&desk.uri())).await;
    let reference = interrupted_request(&app).await;
    let id = app
        .int(
            "SELECT id FROM support_requests WHERE internal_reference = $1",
            &[(&reference).into()],
        )
        .await;
    // A retry claimed by an instance that then died: its attempt stays open.
    let owner_id = app.user_id("owner@contoso.test").await;
    let claimed = repo::claim_retry(
        app.db(),
        id,
        app.clock.now_for_tests(),
        owner_id,
        "owner@contoso.test",
    )
    .await
    .expect("claim");
    assert_eq!(claimed.map(|a| a.attempt), Some(2));
    // While it is open, no second claim and no retry get through.
    let second = repo::claim_retry(app.db(), id, app.clock.now_for_tests(), owner_id, "x")
        .await
        .expect("claim");
    assert!(second.is_none());
    let token = app.token_for("owner@contoso.test").await;
    let running = retry_api(&app, &token, &reference).await;
    assert_eq!(running.status, StatusCode::CONFLICT);
    assert!(
        running.json()["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("already running")
    );
    assert!(
        desk.received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );

    app.clock.advance(Duration::minutes(5));
    assert_eq!(
        handoff::finalize_interrupted(&app.state)
            .await
            .expect("finalize"),
        1
    );
    assert_eq!(
        attempts(&app, &reference).await,
        vec![
            (
                1,
                "external_handoff_failed".into(),
                Some("interrupted".into())
            ),
            (
                2,
                "external_handoff_failed".into(),
                Some("interrupted".into())
            ),
        ]
    );
    assert_eq!(app.audit_count_for(FAILED, &reference).await, 2);
    app.clock.advance(Duration::seconds(1));
    let ok = retry_api(&app, &token, &reference).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["attempts"].as_array().map(Vec::len), Some(3));
}

async fn update(app: &TestApp, sql: &str) -> Result<u64, sqlx::Error> {
    let sql = sql.to_string();
    tenantpilot::with_db!(app.db(), |p| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
}

#[tokio::test]
async fn the_database_lets_only_a_retry_rewrite_a_failed_handoff() {
    let desk = flaky_desk().await;
    let app = TestApp::with_config(desk_config(&desk.uri())).await;
    let token = app.token_for("owner@contoso.test").await;
    let reference = file_create(&app, &token, "fabrikam").await["internal_reference"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // A failed handoff rewritten without a retry attempt: refused, with a new time or not.
    let forged = format!(
        "UPDATE support_requests SET handoff_outcome = 'external_ticket_created',
            external_ticket_reference = 'FORGED', handoff_finalized_at = created_at
         WHERE internal_reference = '{reference}'"
    );
    assert!(update(&app, &forged).await.is_err(), "{forged}");
    let same_time = format!(
        "UPDATE support_requests SET external_handoff_failure_code = 'timeout'
         WHERE internal_reference = '{reference}'"
    );
    assert!(update(&app, &same_time).await.is_err(), "{same_time}");
    // The retry itself is allowed (control), and the created handoff is final.
    app.clock.advance(Duration::seconds(5));
    assert_eq!(
        retry_api(&app, &token, &reference).await.status,
        StatusCode::OK
    );
    let rewrite = format!(
        "UPDATE support_requests SET external_ticket_reference = 'OTHER'
         WHERE internal_reference = '{reference}'"
    );
    assert!(update(&app, &rewrite).await.is_err(), "{rewrite}");
    assert_eq!(
        app.text(
            "SELECT external_ticket_reference FROM support_requests WHERE internal_reference = $1",
            &[(&reference).into()]
        )
        .await
        .as_deref(),
        Some("T-77")
    );
}

async fn file_internal(app: &TestApp, token: &str, path: &str, summary: &str) -> String {
    let body = json!({"severity": "low", "summary": summary, "handoff_mode": "internal_only"});
    let r = app
        .api(Method::POST, path, Some(token), Some(&body.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["internal_reference"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn past_requests_are_listed_newest_first_and_paged() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let run = app
        .scalar("SELECT MAX(id) FROM operation_runs WHERE tenant_id = (SELECT id FROM tenants WHERE external_id = 'fabrikam')")
        .await;
    let from_run = file_internal(
        &app,
        &token,
        &format!("/api/v1/operations/{run}/support-requests"),
        "From the run",
    )
    .await;
    let mut refs = vec![from_run.clone()];
    for i in 0..25 {
        refs.push(
            file_internal(
                &app,
                &token,
                "/api/v1/tenants/fabrikam/support-requests",
                &format!("Request {i}"),
            )
            .await,
        );
    }
    let other_tenant = file_internal(
        &app,
        &token,
        "/api/v1/tenants/contoso/support-requests",
        "Contoso's",
    )
    .await;

    let page1 = app
        .api(
            Method::GET,
            "/api/v1/tenants/fabrikam/support-requests",
            Some(&token),
            None,
        )
        .await
        .json();
    let items = page1["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 25);
    assert_eq!(page1["has_more"], true);
    assert_eq!(
        items[0]["internal_reference"],
        refs[25].as_str(),
        "newest first"
    );
    assert_eq!(items[0]["summary"], "Request 24");
    assert_eq!(items[0]["submitted_by"], "owner@contoso.test");
    assert_eq!(items[0]["handoff_outcome"], "internal_only");
    let page2 = app
        .api(
            Method::GET,
            "/api/v1/tenants/fabrikam/support-requests?page=2",
            Some(&token),
            None,
        )
        .await
        .json();
    let items2 = page2["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items2.len(), 1);
    assert_eq!(page2["has_more"], false);
    assert_eq!(items2[0]["internal_reference"], from_run.as_str());
    assert_eq!(items2[0]["primary_context_type"], "operation_run");
    assert_eq!(items2[0]["primary_context_id"], run);
    let all: Vec<Value> = items.iter().chain(items2.iter()).cloned().collect();
    assert!(
        all.iter()
            .all(|i| i["internal_reference"] != other_tenant.as_str())
    );

    // The run's list holds only the run's request.
    let of_run = app
        .api(
            Method::GET,
            &format!("/api/v1/operations/{run}/support-requests"),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(of_run["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(of_run["items"][0]["internal_reference"], from_run.as_str());

    // The page: the same order, each reference linking to its page, a pager.
    let owner = app.session_for("owner@contoso.test").await;
    let html = app
        .get("/admin/t/fabrikam/support-requests", Some(&owner))
        .await;
    assert_eq!(html.status, StatusCode::OK);
    assert_eq!(
        html.body
            .matches("data-testid=\"support-history-row\"")
            .count(),
        25
    );
    let first = html.body.find(&refs[25]).unwrap_or(usize::MAX);
    let second = html.body.find(&refs[24]).unwrap_or(0);
    assert!(first < second, "newest first");
    assert!(html.body.contains(&format!(
        "href=\"/admin/t/fabrikam/support-requests/{}\"",
        refs[25]
    )));
    assert!(
        html.body
            .contains("href=\"/admin/t/fabrikam/support-requests?page=2\"")
    );
    assert!(!html.body.contains(&other_tenant));
    let html2 = app
        .get("/admin/t/fabrikam/support-requests?page=2", Some(&owner))
        .await;
    assert!(html2.body.contains(&from_run));
    assert!(
        html2
            .body
            .contains(&format!("href=\"/admin/operations/{run}\""))
    );
    let run_html = app
        .get(
            &format!("/admin/operations/{run}/support-requests"),
            Some(&owner),
        )
        .await;
    assert_eq!(
        run_html
            .body
            .matches("data-testid=\"support-history-row\"")
            .count(),
        1
    );

    // Bad paging is a clear 422 on the API.
    let bad = app
        .api(
            Method::GET,
            "/api/v1/tenants/fabrikam/support-requests?page=0",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
}

#[tokio::test]
async fn a_request_is_visible_only_inside_its_scope() {
    let app = TestApp::new().await;
    let owner_token = app.token_for("owner@contoso.test").await;
    let fabrikam = file_internal(
        &app,
        &owner_token,
        "/api/v1/tenants/fabrikam/support-requests",
        "Fabrikam's",
    )
    .await;
    let contoso = file_internal(
        &app,
        &owner_token,
        "/api/v1/tenants/contoso/support-requests",
        "Contoso's",
    )
    .await;
    let owner = app.session_for("owner@contoso.test").await;

    // Control: the owner sees both, each under its own tenant.
    for (tenant, reference) in [("fabrikam", &fabrikam), ("contoso", &contoso)] {
        let page = app
            .get(
                &format!("/admin/t/{tenant}/support-requests/{reference}"),
                Some(&owner),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{tenant}");
        let api = app
            .api(
                Method::GET,
                &format!("/api/v1/support-requests/{reference}"),
                Some(&owner_token),
                None,
            )
            .await;
        assert_eq!(api.status, StatusCode::OK);
        assert_eq!(api.json()["tenant"], tenant);
    }
    // A reference under another tenant's path does not exist there.
    let crossed = app
        .get(
            &format!("/admin/t/fabrikam/support-requests/{contoso}"),
            Some(&owner),
        )
        .await;
    assert_eq!(crossed.status, StatusCode::NOT_FOUND);
    let unknown = app
        .api(
            Method::GET,
            "/api/v1/support-requests/SR-01NOTTHERE",
            Some(&owner_token),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // Another workspace's owner: 404 for the request, the list and the retry, as for a
    // reference that does not exist.
    let outsider = app.token_for("owner@northwind.test").await;
    for (m, p) in [
        (Method::GET, format!("/api/v1/support-requests/{fabrikam}")),
        (
            Method::POST,
            format!("/api/v1/support-requests/{fabrikam}/handoff/retry"),
        ),
        (
            Method::GET,
            "/api/v1/tenants/fabrikam/support-requests".to_string(),
        ),
    ] {
        let r = app.api(m.clone(), &p, Some(&outsider), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{m} {p}");
    }
    // The read-only member sees contoso but may not file or read requests: 403 inside scope,
    // 404 for fabrikam outside it.
    let readonly = app.token_for("readonly@contoso.test").await;
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/support-requests/{contoso}"),
            Some(&readonly),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/support-requests/{fabrikam}"),
            Some(&readonly),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_diagnostic_snapshot_is_shown_only_to_roles_that_may_view_diagnostics() {
    let app = TestApp::new().await;
    let owner_token = app.token_for("owner@contoso.test").await;
    let reference = file_internal(
        &app,
        &owner_token,
        "/api/v1/tenants/fabrikam/support-requests",
        "With snapshot",
    )
    .await;
    let as_owner = app
        .api(
            Method::GET,
            &format!("/api/v1/support-requests/{reference}"),
            Some(&owner_token),
            None,
        )
        .await
        .json();
    assert_eq!(as_owner["attachment_mode"], "diagnostic_snapshot_attached");
    assert_eq!(as_owner["context"]["kind"], "diagnostic_snapshot");
    let operator_token = app.token_for("operator@contoso.test").await;
    let as_operator = app
        .api(
            Method::GET,
            &format!("/api/v1/support-requests/{reference}"),
            Some(&operator_token),
            None,
        )
        .await
        .json();
    assert_eq!(as_operator["summary"], "With snapshot");
    assert_eq!(as_operator["context"], Value::Null);
    let operator = app.session_for("operator@contoso.test").await;
    let page = app
        .get(
            &format!("/admin/t/fabrikam/support-requests/{reference}"),
            Some(&operator),
        )
        .await;
    assert!(
        page.body
            .contains("data-testid=\"support-detail-context-hidden\"")
    );
    let owner = app.session_for("owner@contoso.test").await;
    let page = app
        .get(
            &format!("/admin/t/fabrikam/support-requests/{reference}"),
            Some(&owner),
        )
        .await;
    assert!(page.body.contains("data-testid=\"support-detail-context\""));
    // An operator's own request carries canonical references only, which they may see.
    let own = file_internal(
        &app,
        &operator_token,
        "/api/v1/tenants/fabrikam/support-requests",
        "Canonical",
    )
    .await;
    let own = app
        .api(
            Method::GET,
            &format!("/api/v1/support-requests/{own}"),
            Some(&operator_token),
            None,
        )
        .await
        .json();
    assert_eq!(own["context"]["kind"], "canonical_context");
}

#[tokio::test]
async fn the_pages_speak_german() {
    let desk = flaky_desk().await;
    let app = TestApp::with_config(desk_config(&desk.uri())).await;
    let token = app.token_for("owner@contoso.test").await;
    let reference = file_create(&app, &token, "fabrikam").await["internal_reference"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let owner = app.session_for("owner@contoso.test").await;
    let detail = app
        .get_de(
            &format!("/admin/t/fabrikam/support-requests/{reference}"),
            &owner,
        )
        .await;
    assert!(
        detail.body.contains("Übergabe wiederholen"),
        "{}",
        detail.body
    );
    assert!(detail.body.contains("Versuche beim Support-Desk"));
    assert!(detail.body.contains("Übergabe fehlgeschlagen"));
    assert!(!detail.body.contains("Retry handoff"));
    let list = app
        .get_de("/admin/t/fabrikam/support-requests", &owner)
        .await;
    assert!(list.body.contains("Supportanfragen"));
    assert!(list.body.contains("Eingereicht von"));
    assert!(!list.body.contains("Submitted by"));
}

/// A desk search that finds nothing the first time and, from then on, the ticket an earlier
/// attempt opened for whatever `SR-…` reference it is asked about.
struct SearchAfterLostAnswer {
    vendor: Vendor,
    calls: std::sync::atomic::AtomicUsize,
}

impl wiremock::Respond for SearchAfterLostAnswer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let first = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
        let text = format!("{} {}", request.url, String::from_utf8_lossy(&request.body));
        let text = text.replace("%2D", "-");
        let reference = text
            .find("SR-")
            .map(|at| text[at..].chars().take(29).collect::<String>())
            .unwrap_or_default();
        if first {
            self.vendor.list(vec![])
        } else {
            self.vendor
                .list(vec![self.vendor.ticket(OLD_ID, &reference)])
        }
    }
}

#[tokio::test]
async fn at_every_desk_a_retry_after_a_lost_answer_finds_the_ticket_instead_of_opening_another() {
    for vendor in VENDORS {
        let server = MockServer::start().await;
        vendor.prepare(&server).await;
        let (search_method, search_path) = vendor.search();
        Mock::given(method(search_method))
            .and(path(search_path))
            .respond_with(SearchAfterLostAnswer {
                vendor,
                calls: Default::default(),
            })
            .with_priority(1)
            .mount(&server)
            .await;
        // The desk opens the ticket but its answer arrives after our budget: lost.
        Mock::given(method("POST"))
            .and(path(vendor.create()))
            .respond_with(
                vendor
                    .create_answer()
                    .set_delay(std::time::Duration::from_millis(1500)),
            )
            .with_priority(2)
            .mount(&server)
            .await;
        let mut config = Config::default();
        config.support_desk = vendor.config(&server);
        config.support_desk.timeout_ms = 1000;
        let app = TestApp::with_config(config).await;
        let token = app.token_for("owner@contoso.test").await;
        let filed = file_create(&app, &token, "fabrikam").await;
        assert_eq!(
            filed["handoff_outcome"], "external_handoff_failed",
            "{vendor:?}"
        );
        let reference = filed["internal_reference"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert_eq!(
            attempts(&app, &reference).await,
            vec![(1, "external_handoff_failed".into(), Some("timeout".into()))],
            "{vendor:?}"
        );

        app.clock.advance(Duration::seconds(5));
        let retried = retry_api(&app, &token, &reference).await;
        assert_eq!(
            retried.status,
            StatusCode::OK,
            "{vendor:?}: {}",
            retried.body
        );
        let detail = retried.json();
        assert_eq!(
            detail["handoff_outcome"], "external_ticket_created",
            "{vendor:?}"
        );
        assert_eq!(
            detail["attempts"][1]["lookup"], "found_existing",
            "{vendor:?}"
        );
        let creates: Vec<Request> = server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == "POST" && r.url.path() == vendor.create())
            .collect();
        // Control: the first attempt did create (once); the retry did not create again.
        assert_eq!(creates.len(), 1, "{vendor:?}: one ticket at the desk");
        let searches = server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == search_method && r.url.path() == search_path)
            .filter(|r| {
                let text = format!("{} {}", r.url, String::from_utf8_lossy(&r.body));
                text.contains(&reference)
            })
            .count();
        assert_eq!(
            searches, 2,
            "{vendor:?}: each attempt searched for the reference"
        );
    }
}

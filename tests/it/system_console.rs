//! The system console through the router: the dashboard in each window (Control Tower KPIs,
//! recent failures, top offenders, product telemetry and its chart) against numbers computed
//! here straight from the tables, and the operational controls (list, pause, resume, expiry,
//! validation, audit, CSRF, 404s, German text).

use crate::support::{ACTORS, NowForTests, Session, TestApp};
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use tenantpilot::features::operations::model::{Completion, ReasonCode};
use tenantpilot::features::operations::repo as runs;
use tenantpilot::features::system::{ControlKey, paused};
use tenantpilot::features::telemetry::catalog::Event;
use tenantpilot::features::telemetry::recorder::{self, Metadata, TenantRef, UsageEvent};
use tenantpilot::features::workspaces;
use tenantpilot::with_db;

const PLATFORM: &str = "platform@tenantpilot.test";

/// A run row as these tests recompute the widgets from it.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Run {
    id: i64,
    tenant_id: i64,
    run_type: String,
    status: String,
    outcome: Option<String>,
    created_at: DateTime<Utc>,
}

async fn all_runs(app: &TestApp) -> Vec<Run> {
    with_db!(app.db(), |p| sqlx::query_as::<_, Run>(
        "SELECT id, tenant_id, run_type, status, outcome, created_at
         FROM operation_runs"
    )
    .fetch_all(p)
    .await)
    .expect("runs")
}

/// (workspace id, tenant id) of the tenant with URL key `ext`.
async fn workspace_and_tenant(app: &TestApp, ext: &str) -> (i64, i64) {
    let t = app.tenant(ext).await;
    (t.workspace_id, t.id)
}

async fn tenant_names(app: &TestApp) -> BTreeMap<i64, String> {
    with_db!(app.db(), |p| sqlx::query_as::<_, (i64, String)>(
        "SELECT id, name FROM tenants"
    )
    .fetch_all(p)
    .await)
    .expect("tenants")
    .into_iter()
    .collect()
}

/// Queues a run of `run_type` for tenant `ext` at `created`; completes it as `completion`
/// a minute later unless `None` (then it stays queued).
async fn add_run(
    app: &TestApp,
    ext: &str,
    run_type: &str,
    created: DateTime<Utc>,
    completion: Option<Completion>,
) -> i64 {
    let (workspace_id, tenant_id) = workspace_and_tenant(app, ext).await;
    let mut tx = app.db().begin().await.unwrap();
    let id = runs::insert(
        &mut tx,
        &runs::NewRun {
            workspace_id,
            tenant_id,
            run_type,
            initiator_user_id: None,
            initiator_label: "system",
            context: serde_json::json!({}),
        },
        created,
    )
    .await
    .unwrap();
    if let Some(done) = completion {
        assert!(
            runs::complete(&mut tx, id, &done, created + Duration::minutes(1))
                .await
                .unwrap()
        );
    }
    tx.commit().await.unwrap();
    id
}

fn failed(reason: ReasonCode) -> Option<Completion> {
    Some(Completion::failed(reason, "test failure"))
}

/// Text content of the first `<… class="kpi-value">` after `marker`.
fn value_after(body: &str, marker: &str) -> String {
    let at = body
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not on the page"));
    let rest = &body[at..];
    let start =
        rest.find("class=\"kpi-value\">").expect("kpi value") + "class=\"kpi-value\">".len();
    let end = rest[start..].find('<').expect("end of value") + start;
    rest[start..end].trim().to_string()
}

fn kpi(body: &str, id: &str) -> String {
    value_after(body, &format!("data-kpi=\"{id}\""))
}

fn family(body: &str, event: &str) -> i64 {
    value_after(body, &format!("data-family=\"{event}\""))
        .parse()
        .expect("family count")
}

/// Every `attr="…"` value in order of appearance.
fn attr_values(body: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    body.match_indices(&needle)
        .filter_map(|(i, _)| {
            let start = i + needle.len();
            body[start..]
                .find('"')
                .map(|end| body[start..start + end].to_string())
        })
        .collect()
}

/// The part of the page inside the element carrying `data-testid="{id}"` (up to the next
/// `</section>`).
fn section<'a>(body: &'a str, id: &str) -> &'a str {
    let marker = format!("data-testid=\"{id}\"");
    let at = body
        .find(&marker)
        .unwrap_or_else(|| panic!("{marker} not on the page"));
    let end = body[at..].find("</section>").map_or(body.len(), |e| at + e);
    &body[at..end]
}

/// Expected KPI values for runs created at or after `from`.
fn expected_kpis(runs: &[Run], from: DateTime<Utc>) -> BTreeMap<&'static str, String> {
    let w: Vec<&Run> = runs.iter().filter(|r| r.created_at >= from).collect();
    let outcome = |o: &str| w.iter().filter(|r| r.outcome.as_deref() == Some(o)).count() as i64;
    let completed = w.iter().filter(|r| r.status == "completed").count() as i64;
    let succeeded = outcome("succeeded");
    let rate = if completed == 0 {
        "–".to_string()
    } else {
        format!(
            "{} %",
            ((succeeded as f64) * 100.0 / completed as f64).round() as i64
        )
    };
    let active = runs.iter().filter(|r| r.status != "completed").count() as i64;
    BTreeMap::from([
        ("runs-started", w.len().to_string()),
        ("succeeded", succeeded.to_string()),
        ("failed", outcome("failed").to_string()),
        ("success-rate", rate),
        ("active", active.to_string()),
    ])
}

async fn platform(app: &TestApp) -> Session {
    app.session_for(PLATFORM).await
}

/// GET with `Accept-Language`.
async fn get_in(
    app: &TestApp,
    path: &str,
    session: &Session,
    language: &str,
) -> crate::support::Resp {
    app.send(
        Request::builder()
            .uri(path)
            .header(header::HOST, "localhost")
            .header(header::COOKIE, &session.cookie)
            .header(header::ACCEPT_LANGUAGE, language)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn each_window_shows_the_control_tower_counts_of_its_runs() {
    let app = TestApp::new().await;
    let now = app.clock.now_for_tests();
    // Failures and a stuck queue inside the 24 h, 7 d and 30 d windows, on top of the demo.
    add_run(
        &app,
        "fabrikam",
        "inventory.sync",
        now - Duration::hours(1),
        failed(ReasonCode::AdminConsentRequired),
    )
    .await;
    add_run(
        &app,
        "contoso",
        "inventory.sync",
        now - Duration::hours(5),
        failed(ReasonCode::Orphaned),
    )
    .await;
    add_run(
        &app,
        "contoso",
        "review_pack.generate",
        now - Duration::hours(6),
        Some(Completion::succeeded(Default::default())),
    )
    .await;
    add_run(
        &app,
        "northwind",
        "permission_posture.report",
        now - Duration::days(4),
        failed(ReasonCode::RetryableProviderFailure),
    )
    .await;
    add_run(
        &app,
        "fabrikam",
        "inventory.sync",
        now - Duration::days(20),
        failed(ReasonCode::AdminConsentRequired),
    )
    .await;
    add_run(
        &app,
        "contoso",
        "inventory.sync",
        now - Duration::hours(2),
        None,
    )
    .await;
    let runs = all_runs(&app).await;
    let session = platform(&app).await;

    for (window, length) in [
        ("24h", Duration::hours(24)),
        ("7d", Duration::days(7)),
        ("30d", Duration::days(30)),
    ] {
        let page = app
            .get(&format!("/system?window={window}"), Some(&session))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{window}: {}", page.body);
        let expected = expected_kpis(&runs, now - length);
        for (id, value) in &expected {
            assert_eq!(&kpi(&page.body, id), value, "{window}: KPI {id}");
        }
        // One stuck run: queued two hours ago, nobody picked it up.
        assert_eq!(kpi(&page.body, "stuck"), "1", "{window}");
        assert!(
            page.body
                .contains("data-testid=\"health\" data-health=\"critical\""),
            "stuck runs make the tower critical"
        );
        // The window is the selector's current entry and every window link keeps its value.
        assert!(page.body.contains(&format!(
            "href=\"/system?window={window}\" data-window=\"{window}\" aria-current=\"true\""
        )));
        assert_eq!(
            attr_values(section(&page.body, "window-selector"), "data-window"),
            [window, "24h", "7d", "30d"]
        );
        // The side navigation's overview link keeps the window too.
        assert!(page.body.contains(&format!(
            "<a href=\"/system?window={window}\" aria-current=\"page\">"
        )));
    }
    // Sanity: the windows really differ on this data.
    let day = expected_kpis(&runs, now - Duration::hours(24));
    let month = expected_kpis(&runs, now - Duration::days(30));
    assert_ne!(day["runs-started"], month["runs-started"]);
}

#[tokio::test]
async fn recent_failures_and_top_offenders_follow_the_window() {
    let app = TestApp::new().await;
    let now = app.clock.now_for_tests();
    let a = add_run(
        &app,
        "fabrikam",
        "inventory.sync",
        now - Duration::hours(3),
        failed(ReasonCode::AdminConsentRequired),
    )
    .await;
    let b = add_run(
        &app,
        "fabrikam",
        "inventory.sync",
        now - Duration::hours(2),
        failed(ReasonCode::ConnectionUnhealthy),
    )
    .await;
    let c = add_run(
        &app,
        "northwind",
        "permission_posture.report",
        now - Duration::hours(1),
        failed(ReasonCode::RetryableProviderFailure),
    )
    .await;
    let runs = all_runs(&app).await;
    let names = tenant_names(&app).await;
    let session = platform(&app).await;

    let day = app.get("/system?window=24h", Some(&session)).await;
    let listed = attr_values(section(&day.body, "recent-failures"), "data-run");
    assert_eq!(listed, [c, b, a].map(|id| id.to_string()), "newest first");
    let failures = section(&day.body, "recent-failures");
    assert!(
        failures.contains("Temporary provider failure"),
        "{failures}"
    );
    assert!(failures.contains("Fabrikam") && failures.contains("Northwind"));
    let offenders = section(&day.body, "top-offenders");
    let first = offenders
        .split("data-testid=\"offender\"")
        .nth(1)
        .expect("an offender");
    assert!(
        first.contains(&names[&workspace_and_tenant(&app, "fabrikam").await.1]),
        "{first}"
    );
    assert!(first.contains("<td class=\"count\">2</td>"), "{first}");

    for (window, length) in [("7d", Duration::days(7)), ("30d", Duration::days(30))] {
        let from = now - length;
        let page = app
            .get(&format!("/system?window={window}"), Some(&session))
            .await;
        // Recent failures: the ten latest failed runs of the window.
        let mut expected: Vec<&Run> = runs
            .iter()
            .filter(|r| r.created_at >= from && r.outcome.as_deref() == Some("failed"))
            .collect();
        expected.sort_by(|x, y| y.created_at.cmp(&x.created_at).then(y.id.cmp(&x.id)));
        let expected_ids: Vec<String> =
            expected.iter().take(10).map(|r| r.id.to_string()).collect();
        assert_eq!(
            attr_values(section(&page.body, "recent-failures"), "data-run"),
            expected_ids,
            "{window}"
        );
        // Top offenders: failures per tenant and type, most first.
        let mut groups: BTreeMap<(i64, String), (i64, DateTime<Utc>)> = BTreeMap::new();
        for r in &expected {
            let e = groups
                .entry((r.tenant_id, r.run_type.clone()))
                .or_insert((0, r.created_at));
            e.0 += 1;
            e.1 = e.1.max(r.created_at);
        }
        let mut ranked: Vec<_> = groups.into_iter().collect();
        ranked.sort_by(|x, y| {
            y.1.0
                .cmp(&x.1.0)
                .then(y.1.1.cmp(&x.1.1))
                .then(x.0.cmp(&y.0))
        });
        let offenders = section(&page.body, "top-offenders");
        let rows: Vec<&str> = offenders
            .split("data-testid=\"offender\"")
            .skip(1)
            .collect();
        assert_eq!(rows.len(), ranked.len().min(10), "{window}");
        for (row, ((tenant, _), (count, _))) in rows.iter().zip(&ranked) {
            assert!(row.contains(&names[tenant]), "{window}: {row}");
            assert!(
                row.contains(&format!("<td class=\"count\">{count}</td>")),
                "{window}: {row}"
            );
        }
    }
    // The demo's fabrikam failures make it the top offender over 30 days.
    let month = app.get("/system?window=30d", Some(&session)).await;
    let top = section(&month.body, "top-offenders")
        .split("data-testid=\"offender\"")
        .nth(1)
        .expect("offender");
    assert!(top.contains("Fabrikam"), "{top}");
}

#[tokio::test]
async fn an_unknown_or_missing_window_shows_the_default_24_hours() {
    let app = TestApp::new().await;
    let session = platform(&app).await;
    let reference = app.get("/system?window=24h", Some(&session)).await;
    for path in [
        "/system",
        "/system?window=",
        "/system?window=1y",
        "/system?window=7D",
    ] {
        let page = app.get(path, Some(&session)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            page.body
                .contains("data-window=\"24h\" aria-current=\"true\""),
            "{path}"
        );
        assert_eq!(
            kpi(&page.body, "runs-started"),
            kpi(&reference.body, "runs-started")
        );
    }
}

/// Records `event` for tenant `ext` at `at` through the telemetry recorder.
async fn record(app: &TestApp, ext: &str, event: Event, at: DateTime<Utc>) {
    let (workspace_id, tenant_id) = workspace_and_tenant(app, ext).await;
    let user = tenantpilot::auth::users::find_by_email(app.db(), "owner@contoso.test")
        .await
        .unwrap()
        .expect("owner");
    let usage = UsageEvent::new(
        Metadata::new(event),
        Some(TenantRef {
            workspace_id,
            tenant_id,
        }),
        Some(user.id),
        event.subject_types()[0],
        1,
        at,
    )
    .expect("valid event");
    let mut tx = app.db().begin().await.unwrap();
    recorder::record(&mut tx, &usage).await.unwrap();
    tx.commit().await.unwrap();
}

/// Events of `name` and distinct workspaces in `[from, to)`, straight from the ledger.
async fn ledger_counts(
    app: &TestApp,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> (BTreeMap<String, i64>, i64) {
    let rows: Vec<(String, i64, DateTime<Utc>)> = with_db!(app.db(), |p| sqlx::query_as(
        "SELECT event_name, workspace_id, occurred_at FROM product_usage_events"
    )
    .fetch_all(p)
    .await)
    .expect("ledger");
    let rows: Vec<(String, i64)> = rows
        .into_iter()
        .filter(|(_, _, at)| *at >= from && *at < to)
        .map(|(name, ws, _)| (name, ws))
        .collect();
    let mut counts = BTreeMap::new();
    for (name, _) in &rows {
        *counts.entry(name.clone()).or_insert(0) += 1;
    }
    let workspaces: std::collections::BTreeSet<i64> = rows.iter().map(|r| r.1).collect();
    (counts, workspaces.len() as i64)
}

#[tokio::test]
async fn telemetry_shows_an_explicit_zero_state_then_the_window_counts_and_a_chart() {
    let app = TestApp::new().await;
    let now = app.clock.now_for_tests();
    let session = platform(&app).await;
    // The demo's report runs recorded events days ago, none in the last 24 hours.
    let (before, _) = ledger_counts(&app, now - Duration::hours(24), now).await;
    assert!(
        before.is_empty(),
        "no telemetry in the last day: {before:?}"
    );
    {
        let empty = app.get("/system?window=24h", Some(&session)).await;
        let telemetry = section(&empty.body, "product-telemetry");
        assert!(
            telemetry.contains("No telemetry recorded in Last 24 hours."),
            "{telemetry}"
        );
        assert!(telemetry.contains("data-empty=\"true\""));
        assert_eq!(kpi(&empty.body, "active-workspaces"), "0");
        for event in Event::ALL {
            assert_eq!(family(&empty.body, event.name()), 0);
        }
    }

    record(
        &app,
        "contoso",
        Event::OnboardingCheckpointCompleted,
        now - Duration::hours(1),
    )
    .await;
    record(
        &app,
        "contoso",
        Event::SupportDiagnosticsOpened,
        now - Duration::minutes(90),
    )
    .await;
    record(
        &app,
        "northwind",
        Event::OperationsStarted,
        now - Duration::hours(2),
    )
    .await;
    record(
        &app,
        "northwind",
        Event::ReviewPackRequested,
        now - Duration::hours(3),
    )
    .await;
    record(
        &app,
        "northwind",
        Event::StoredReportCreated,
        now - Duration::days(2),
    )
    .await;
    record(
        &app,
        "fabrikam",
        Event::OperationsStarted,
        now - Duration::days(12),
    )
    .await;

    for (window, length, label) in [
        ("24h", Duration::hours(24), "Last 24 hours"),
        ("7d", Duration::days(7), "Last 7 days"),
        ("30d", Duration::days(30), "Last 30 days"),
    ] {
        let (counts, active) = ledger_counts(&app, now - length, now).await;
        let total: i64 = counts.values().sum();
        let page = app
            .get(&format!("/system?window={window}"), Some(&session))
            .await;
        assert_eq!(
            kpi(&page.body, "active-workspaces"),
            active.to_string(),
            "{window}"
        );
        for event in Event::ALL {
            assert_eq!(
                family(&page.body, event.name()),
                counts.get(event.name()).copied().unwrap_or(0),
                "{window}: {}",
                event.name()
            );
        }
        let telemetry = section(&page.body, "product-telemetry");
        assert!(
            telemetry.contains(&format!("{total} events in {label}")),
            "{window}: {telemetry}"
        );
        assert!(!telemetry.contains("No telemetry recorded"));
        for name in [
            "Active workspaces",
            "Onboarding checkpoints",
            "Support diagnostics",
            "Operations started",
            "Stored reports",
            "Review packs requested",
        ] {
            assert!(telemetry.contains(name), "{window}: {name}");
        }
        // Aggregate only: nothing about single events or tenants.
        assert!(!telemetry.contains("Contoso") && !telemetry.contains("contoso"));
        // The chart: one series per family, in the SVG and in the legend.
        let chart = section(&page.body, "telemetry-chart");
        assert!(chart.contains("<svg") && chart.contains("role=\"img\""));
        for event in Event::ALL {
            let series = format!("data-series=\"{}\"", event.name());
            assert_eq!(
                chart.matches(&series).count(),
                2,
                "{window}: {series} in svg and legend"
            );
        }
        let bars = chart.matches("<rect ").count() as i64;
        assert!(
            bars >= 1 && bars <= total,
            "{window}: {bars} bars for {total} events"
        );
    }
    // The 24 h chart has a bar titled with the day and count of the onboarding checkpoint.
    let page = app.get("/system?window=24h", Some(&session)).await;
    let day = (now - Duration::hours(1)).format("%Y-%m-%d").to_string();
    assert!(
        page.body
            .contains(&format!("Onboarding checkpoints · {day}: 1")),
        "bar title"
    );
}

#[tokio::test]
async fn only_platform_users_see_the_console() {
    let app = TestApp::new().await;
    for actor in ACTORS {
        if actor == PLATFORM || actor == "anonymous" {
            continue;
        }
        let s = app.session_for(actor).await;
        for path in ["/system", "/system?window=7d", "/system/controls"] {
            assert_eq!(
                app.get(path, Some(&s)).await.status,
                StatusCode::NOT_FOUND,
                "{actor} {path}"
            );
        }
        let r = app
            .post_form(
                "/system/controls/operation_starts",
                &s,
                &[("action", "pause"), ("reason", "x")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{actor}");
        let r = app
            .post_form(
                "/system/controls/no_such_control",
                &s,
                &[("action", "pause")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{actor}");
    }
    // Issue 11: anonymous callers get the same 404 as everyone but platform users (a login
    // redirect would show that the plane exists).
    let anonymous = app.get("/system", None).await;
    assert_eq!(anonymous.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operational_control_pauses")
            .await,
        0
    );
}

/// Audit events with `action` about operational control `control`.
async fn control_audits(app: &TestApp, action: &str, control: &str) -> i64 {
    app.int(
        "SELECT COUNT(*) FROM audit_events WHERE action = $1 AND target_id = $2
            AND target_type = 'operational_control'",
        &[action.into(), control.into()],
    )
    .await
}

#[tokio::test]
async fn controls_are_listed_paused_with_a_reason_audited_and_resumed() {
    let app = TestApp::new().await;
    let session = platform(&app).await;
    let page = app.get("/system/controls", Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);
    for key in [
        "operation_starts",
        "review_pack_generation",
        "run_execution",
        "support_desk_handoff",
    ] {
        assert!(
            page.body.contains(&format!(
                "data-testid=\"control-{key}\" data-state=\"running\""
            )),
            "{key}"
        );
    }
    assert!(
        !page.body.contains("backfill"),
        "the findings lifecycle backfill is gone"
    );
    assert!(page.body.contains("No control has been paused yet."));
    assert!(
        page.body
            .contains("href=\"/system/controls\" aria-current=\"page\"")
    );
    assert!(page.body.contains("href=\"/system/support-desk\""));

    // Pause everywhere.
    let r = app
        .post_form(
            "/system/controls/operation_starts",
            &session,
            &[
                ("action", "pause"),
                ("reason", "  Graph outage <b>INC-42</b>  "),
                ("scope", "global"),
                ("duration", "until_resumed"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), Some("/system/controls"));
    assert_eq!(
        r.cookie("tp_flash").as_deref(),
        Some("flash-control-paused")
    );
    assert_eq!(
        control_audits(&app, "operational_control.paused", "operation_starts").await,
        1
    );
    let now = app.clock.now_for_tests();
    let (contoso_ws, _) = workspace_and_tenant(&app, "contoso").await;
    let pause = paused(app.db(), ControlKey::OperationStarts, Some(contoso_ws), now)
        .await
        .unwrap()
        .expect("paused for every workspace");
    assert_eq!(pause.reason, "Graph outage <b>INC-42</b>");
    assert_eq!(pause.paused_by_label, PLATFORM);
    assert!(pause.expires_at.is_none());
    assert!(
        paused(app.db(), ControlKey::OperationStarts, None, now)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        paused(app.db(), ControlKey::RunExecution, None, now)
            .await
            .unwrap()
            .is_none()
    );

    let page = app.get("/system/controls", Some(&session)).await;
    let card = section(&page.body, "control-operation_starts");
    assert!(card.contains("data-state=\"paused\""), "{card}");
    assert!(card.contains("Paused everywhere"));
    assert!(
        card.contains("Graph outage &#60;b&#62;INC-42&#60;/b&#62;")
            || card.contains("Graph outage &lt;b&gt;INC-42&lt;/b&gt;"),
        "escaped: {card}"
    );
    assert!(card.contains(&format!(
        "Paused by {PLATFORM} on {}",
        now.format("%Y-%m-%d %H:%M UTC")
    )));
    assert!(card.contains("until resumed"));
    let history = section(&page.body, "control-history");
    assert!(history.contains("Operation starts") && history.contains("Paused"));

    // Pause one workspace, for 24 hours.
    let r = app
        .post_form(
            "/system/controls/review_pack_generation",
            &session,
            &[
                ("action", "pause"),
                ("reason", "Pack builder leaks memory"),
                ("scope", "workspace"),
                ("workspace", "contoso-msp"),
                ("duration", "24h"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let northwind = workspaces::repo::find_by_slug(app.db(), "northwind-msp")
        .await
        .unwrap()
        .expect("northwind");
    let contoso_pause = paused(
        app.db(),
        ControlKey::ReviewPackGeneration,
        Some(contoso_ws),
        now,
    )
    .await
    .unwrap()
    .expect("contoso paused");
    assert_eq!(contoso_pause.expires_at, Some(now + Duration::hours(24)));
    assert_eq!(contoso_pause.workspace_slug.as_deref(), Some("contoso-msp"));
    assert!(
        paused(
            app.db(),
            ControlKey::ReviewPackGeneration,
            Some(northwind.id),
            now
        )
        .await
        .unwrap()
        .is_none()
    );
    assert!(
        paused(app.db(), ControlKey::ReviewPackGeneration, None, now)
            .await
            .unwrap()
            .is_none()
    );
    let workspace_audit: Option<i64> = with_db!(app.db(), |p| sqlx::query_scalar(
        "SELECT workspace_id FROM audit_events WHERE action = 'operational_control.paused'
            AND target_id = 'review_pack_generation'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(workspace_audit, Some(contoso_ws));
    let page = app.get("/system/controls", Some(&session)).await;
    let card = section(&page.body, "control-review_pack_generation");
    assert!(
        card.contains("data-state=\"partially-paused\"")
            && card.contains("Paused for one workspace"),
        "{card}"
    );
    assert!(card.contains("data-scope=\"workspace\" data-workspace=\"contoso-msp\""));

    // Re-pausing the same scope replaces the reason.
    let r = app
        .post_form(
            "/system/controls/operation_starts",
            &session,
            &[("action", "pause"), ("reason", "Still investigating")],
        )
        .await;
    assert_eq!(
        r.cookie("tp_flash").as_deref(),
        Some("flash-control-pause-updated")
    );
    let pause = paused(app.db(), ControlKey::OperationStarts, None, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pause.reason, "Still investigating");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operational_control_pauses")
            .await,
        2
    );

    // Resume.
    let r = app
        .post_form(
            "/system/controls/operation_starts",
            &session,
            &[
                ("action", "resume"),
                ("scope", "global"),
                ("reason", "Graph is back"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.cookie("tp_flash").as_deref(),
        Some("flash-control-resumed")
    );
    assert_eq!(
        control_audits(&app, "operational_control.resumed", "operation_starts").await,
        1
    );
    assert!(
        paused(app.db(), ControlKey::OperationStarts, Some(contoso_ws), now)
            .await
            .unwrap()
            .is_none()
    );
    let page = app.get("/system/controls", Some(&session)).await;
    assert!(section(&page.body, "control-operation_starts").contains("data-state=\"running\""));
    assert!(section(&page.body, "control-history").contains("Graph is back"));

    // Resuming what is not paused is a conflict and writes nothing.
    let r = app
        .post_form(
            "/system/controls/operation_starts",
            &session,
            &[("action", "resume"), ("scope", "global")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("not paused"));
    assert_eq!(
        control_audits(&app, "operational_control.resumed", "operation_starts").await,
        1
    );

    // The workspace pause resumes by its scope.
    let r = app
        .post_form(
            "/system/controls/review_pack_generation",
            &session,
            &[
                ("action", "resume"),
                ("scope", "workspace"),
                ("workspace", "contoso-msp"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operational_control_pauses")
            .await,
        0
    );
}

#[tokio::test]
async fn a_pause_with_a_duration_ends_by_itself() {
    let app = TestApp::new().await;
    let session = platform(&app).await;
    let r = app
        .post_form(
            "/system/controls/run_execution",
            &session,
            &[
                ("action", "pause"),
                ("reason", "Maintenance"),
                ("duration", "1h"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let now = app.clock.now_for_tests();
    assert!(
        paused(
            app.db(),
            ControlKey::RunExecution,
            None,
            now + Duration::minutes(59)
        )
        .await
        .unwrap()
        .is_some()
    );
    assert!(
        paused(
            app.db(),
            ControlKey::RunExecution,
            None,
            now + Duration::hours(1)
        )
        .await
        .unwrap()
        .is_none()
    );
    app.clock.advance(Duration::minutes(61));
    let session = platform(&app).await;
    let page = app.get("/system/controls", Some(&session)).await;
    assert!(section(&page.body, "control-run_execution").contains("data-state=\"running\""));
    // An expired pause cannot be resumed; a new pause takes its place.
    let r = app
        .post_form(
            "/system/controls/run_execution",
            &session,
            &[("action", "resume")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .post_form(
            "/system/controls/run_execution",
            &session,
            &[("action", "pause"), ("reason", "Again"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(
        r.cookie("tp_flash").as_deref(),
        Some("flash-control-paused")
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operational_control_pauses")
            .await,
        1
    );
}

/// Control, posted fields, expected message.
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

#[tokio::test]
async fn bad_control_input_is_422_with_field_messages_and_changes_nothing() {
    let app = TestApp::new().await;
    let session = platform(&app).await;
    let cases: [Case; 7] = [
        (
            "operation_starts",
            &[("action", "pause"), ("reason", "   ")],
            "Say why you pause this control.",
        ),
        (
            "operation_starts",
            &[("action", "pause")],
            "Say why you pause this control.",
        ),
        (
            "operation_starts",
            &[
                ("action", "pause"),
                ("reason", "x"),
                ("scope", "workspace"),
                ("workspace", "nope-msp"),
            ],
            "There is no workspace with this key.",
        ),
        (
            "operation_starts",
            &[("action", "pause"), ("reason", "x"), ("scope", "workspace")],
            "Enter the workspace to pause it for.",
        ),
        (
            "run_execution",
            &[
                ("action", "pause"),
                ("reason", "x"),
                ("scope", "workspace"),
                ("workspace", "contoso-msp"),
            ],
            "A workspace pause is not possible for this control; pause it everywhere.",
        ),
        (
            "operation_starts",
            &[("action", "pause"), ("reason", "x"), ("duration", "2h")],
            "Choose one of the offered durations.",
        ),
        (
            "operation_starts",
            &[("action", "explode"), ("reason", "x")],
            "Choose pause or resume.",
        ),
    ];
    for (control, fields, message) in cases {
        let r = app
            .post_form(&format!("/system/controls/{control}"), &session, fields)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}: {}",
            r.body
        );
        assert!(r.body.contains(message), "{fields:?}: {message}");
        assert!(
            r.body.contains("aria-invalid=\"true\"")
                || r.body.contains("class=\"field-error\" role=\"alert\"")
                || message.contains("pause or resume"),
            "{fields:?}: the message sits at its field"
        );
    }
    // Typed values survive the 422.
    let long = "y".repeat(501);
    let r = app
        .post_form(
            "/system/controls/support_desk_handoff",
            &session,
            &[
                ("action", "pause"),
                ("reason", &long),
                ("scope", "workspace"),
                ("workspace", "contoso-msp"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Keep the reason to 500 characters."));
    assert!(r.body.contains("value=\"contoso-msp\""));
    assert!(r.body.contains("<option value=\"workspace\" selected>"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operational_control_pauses")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE target_type = 'operational_control'")
            .await,
        0
    );
}

#[tokio::test]
async fn unknown_controls_are_404_and_posts_without_csrf_are_refused() {
    let app = TestApp::new().await;
    let session = platform(&app).await;
    for key in ["findings_lifecycle_backfill", "nope", "OPERATION_STARTS"] {
        let r = app
            .post_form(
                &format!("/system/controls/{key}"),
                &session,
                &[("action", "pause"), ("reason", "x")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{key}");
    }
    let no_token = Session {
        cookie: session.cookie.clone(),
        csrf: "wrong".into(),
    };
    let r = app
        .post_form(
            "/system/controls/operation_starts",
            &no_token,
            &[("action", "pause"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let bare = app
        .send(
            Request::builder()
                .method("POST")
                .uri("/system/controls/operation_starts")
                .header(header::HOST, "localhost")
                .header(header::COOKIE, &session.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("action=pause&reason=x"))
                .unwrap(),
        )
        .await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operational_control_pauses")
            .await,
        0
    );
}

#[tokio::test]
async fn the_console_speaks_german() {
    let app = TestApp::new().await;
    let session = platform(&app).await;
    let page = get_in(&app, "/system?window=7d", &session, "de-DE").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Letzte 7 Tage",
        "Gestartete Vorgänge",
        "Erfolgsquote",
        "Produkt-Telemetrie",
        "Aktive Arbeitsbereiche",
        "Letzte Fehler",
        "Häufigste Fehlerquellen",
        "Ereignisse pro Tag",
        "Steuerung",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    let controls = get_in(&app, "/system/controls", &session, "de").await;
    for text in [
        "Betriebssteuerung",
        "Starten von Vorgängen",
        "Pausieren",
        "Überall",
    ] {
        assert!(controls.body.contains(text), "{text}");
    }
    let r = app
        .send(
            Request::builder()
                .method("POST")
                .uri("/system/controls/operation_starts")
                .header(header::HOST, "localhost")
                .header(header::COOKIE, &session.cookie)
                .header(header::ACCEPT_LANGUAGE, "de")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("_csrf={}&action=pause", session.csrf)))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Geben Sie an, warum Sie diese Steuerung pausieren.")
    );
}

//! The fleet view `GET /admin/w/{workspace}` (issue 13, point 1) through the router: blocked
//! first by default, each verdict filter, search by name and directory id, the sort options,
//! paging, scope, staleness, the failed-runs window, and the SQL verdict agreeing with
//! `VerificationState::verdict()`.

use crate::support::{NowForTests, TestApp, add_bulk_tenants, fragment, plan_choices};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use tenantpilot::audit::AuditContext;
use tenantpilot::db::Db;
use tenantpilot::features::operations::{
    model::{Completion, ReasonCode, RunType},
    repo as runs,
    runner::{self, Artifact, Finished},
};
use tenantpilot::features::providers::model::TenantVerdict;
use tenantpilot::features::providers::{
    self, ProviderClient, model::SimulatedScenario, service::ConnectionForm,
};
use tenantpilot::features::tenants::{
    self,
    fleet::{FleetSort, SortDir},
};

/// Adds tenant `ext` named `name` to contoso-msp.
async fn tenant(app: &TestApp, ext: &str, name: &str) -> i64 {
    let t = tenants::service::create(
        app.db(),
        &AuditContext::cli(),
        app.clock.now_for_tests(),
        "contoso-msp",
        ext,
        name,
    )
    .await
    .expect("tenant");
    t.id
}

/// Gives tenant `ext` a simulated connection in directory `directory`.
async fn connect(app: &TestApp, ext: &str, directory: &str, scenario: SimulatedScenario) {
    let t = app.tenant(ext).await;
    let mut tx = app.db().begin().await.unwrap();
    providers::service::save_connection(
        &mut tx,
        &AuditContext::cli(),
        app.clock.now_for_tests(),
        t.workspace_id,
        t.id,
        &ConnectionForm {
            kind: "simulated".into(),
            directory_id: directory.into(),
            display_name: String::new(),
            scenario: scenario.as_str().into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// A run of `kind` for `ext` created at `at`, finished by `finish` (or by the executor's own
/// logic against the simulated `scenario` when `None`).
async fn run_at(
    app: &TestApp,
    ext: &str,
    kind: RunType,
    at: DateTime<Utc>,
    scenario: SimulatedScenario,
    finish: Option<Completion>,
) {
    let t = app.tenant(ext).await;
    let mut tx = app.db().begin().await.unwrap();
    let id = runs::insert(
        &mut tx,
        &runs::NewRun {
            workspace_id: t.workspace_id,
            tenant_id: t.id,
            run_type: kind.as_str(),
            initiator_user_id: None,
            initiator_label: "system",
            context: serde_json::json!({}),
        },
        at,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let run = runs::find(app.db(), id).await.unwrap().unwrap();
    let finished = match finish {
        Some(completion) => Finished {
            completion,
            artifact: Artifact::None,
        },
        None => {
            let connection = providers::service::find_for_tenant(app.db(), t.id)
                .await
                .unwrap()
                .unwrap();
            let client = ProviderClient::Simulated {
                scenario,
                directory_id: connection.directory_id.clone(),
            };
            runner::produce(kind, &run, &connection, &client, at).await
        }
    };
    runner::finish_at(app.db(), &run, &finished, at)
        .await
        .unwrap();
}

/// A verification of `ext` at `at` answering as `scenario`.
async fn verify_at(app: &TestApp, ext: &str, at: DateTime<Utc>, scenario: SimulatedScenario) {
    run_at(
        app,
        ext,
        RunType::ProviderConnectionVerify,
        at,
        scenario,
        None,
    )
    .await;
}

/// A failed inventory sync of `ext` at `at`.
async fn fail_at(app: &TestApp, ext: &str, at: DateTime<Utc>) {
    let failed = Completion::failed(ReasonCode::ConnectionUnhealthy, "Graph failed.");
    let healthy = SimulatedScenario::Healthy;
    run_at(app, ext, RunType::InventorySync, at, healthy, Some(failed)).await;
}

/// `(external id, verdict)` of each fleet row, in page order.
fn rows(html: &str) -> Vec<(String, String)> {
    html.split("data-testid=\"fleet-row\" data-tenant=\"")
        .skip(1)
        .filter_map(|rest| {
            let (ext, rest) = rest.split_once('"')?;
            let verdict = rest.split_once("data-verdict=\"")?.1.split_once('"')?.0;
            Some((ext.to_string(), verdict.to_string()))
        })
        .collect()
}

/// External ids of the rows of `path` as `email` sees them (the page must answer 200).
async fn listed(app: &TestApp, email: &str, path: &str) -> Vec<String> {
    let s = app.session_for(email).await;
    let page = app.get(path, Some(&s)).await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    rows(&page.body).into_iter().map(|(ext, _)| ext).collect()
}

const OWNER: &str = "owner@contoso.test";
const WS: &str = "/admin/w/contoso-msp";

/// The demo tenants (contoso ready, fabrikam blocked) plus one tenant per other case:
/// blocked by an unhealthy connection, stale, connected but never verified, no connection.
async fn fleet_of_every_verdict(app: &TestApp) {
    let now = app.clock.now_for_tests();
    tenant(app, "delta", "Delta Blocked").await;
    connect(
        app,
        "delta",
        "delta.onmicrosoft.com",
        SimulatedScenario::Unhealthy,
    )
    .await;
    verify_at(
        app,
        "delta",
        now - Duration::hours(1),
        SimulatedScenario::Unhealthy,
    )
    .await;
    tenant(app, "alpha", "Alpha Stale").await;
    connect(
        app,
        "alpha",
        "alpha.onmicrosoft.com",
        SimulatedScenario::Healthy,
    )
    .await;
    verify_at(
        app,
        "alpha",
        now - Duration::hours(30),
        SimulatedScenario::Healthy,
    )
    .await;
    tenant(app, "gamma", "Gamma Connected").await;
    connect(
        app,
        "gamma",
        "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0",
        SimulatedScenario::Healthy,
    )
    .await;
    tenant(app, "beta", "Beta New").await;
}

#[tokio::test]
async fn the_fleet_lists_blocked_first_and_filters_on_each_verdict() {
    let app = TestApp::new().await;
    fleet_of_every_verdict(&app).await;
    let s = app.session_for(OWNER).await;
    let page = app.get(WS, Some(&s)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let expected = [
        ("delta", "blocked"),
        ("fabrikam", "blocked"),
        ("alpha", "stale"),
        ("beta", "not_verified"),
        ("gamma", "not_verified"),
        ("contoso", "ready"),
    ];
    let got = rows(&page.body);
    let want: Vec<(String, String)> = expected
        .iter()
        .map(|(e, v)| (e.to_string(), v.to_string()))
        .collect();
    assert_eq!(got, want);
    assert!(page.body.contains("6 tenants"), "total shown");
    for (verdict, n) in [
        ("blocked", 2),
        ("stale", 1),
        ("not_verified", 2),
        ("ready", 1),
    ] {
        assert!(
            page.body
                .contains(&format!("data-testid=\"fleet-count-{verdict}\">{n}<")),
            "{verdict} chip"
        );
        let only = listed(&app, OWNER, &format!("{WS}?verdict={verdict}")).await;
        let wanted: Vec<&str> = expected
            .iter()
            .filter(|(_, v)| *v == verdict)
            .map(|(e, _)| *e)
            .collect();
        assert_eq!(only, wanted, "filter {verdict}");
    }
    // The form's "all verdicts" is an empty value: the same as no filter.
    assert_eq!(
        listed(&app, OWNER, &format!("{WS}?verdict=&q="))
            .await
            .len(),
        6
    );
    // Labels, the failed-runs link and the relative time a row carries.
    let contoso = fragment(&page.body, "data-tenant=\"contoso\"", "</tr>");
    assert!(
        contoso.contains("verdict-pill verdict-ready\">Ready<"),
        "{contoso}"
    );
    assert!(contoso.contains(">Granted<") && contoso.contains(">Healthy<"));
    // Verified 1 h 57 min ago: whole hours, rounded down.
    assert!(contoso.contains(">1 hour ago</time>"), "{contoso}");
    assert!(contoso.contains("/admin/operations?tenant=contoso&#38;outcome=failed"));
    let beta = fragment(&page.body, "data-tenant=\"beta\"", "</tr>");
    assert!(beta.contains("No provider connection") && beta.contains(">never<"));
    // German: the same page in the glossary's words.
    let de = app
        .send(
            axum::http::Request::get(WS)
                .header("cookie", &s.cookie)
                .header("accept-language", "de")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(de.body.contains(">Blockiert<") && de.body.contains(">vor 1 Stunde</time>"));
}

#[tokio::test]
async fn the_sql_verdict_agrees_with_the_verification_state_in_every_order() {
    let app = TestApp::new().await;
    fleet_of_every_verdict(&app).await;
    let now = app.clock.now_for_tests();
    for sort in ["attention", "name", "last_verified", "failed_runs"] {
        let s = app.session_for(OWNER).await;
        let page = app.get(&format!("{WS}?sort={sort}"), Some(&s)).await;
        let got = rows(&page.body);
        assert_eq!(got.len(), 6, "{sort}");
        for (ext, verdict) in got {
            let state = providers::service::state_for_tenant(
                app.db(),
                &app.state.config,
                app.tenant_id(&ext).await,
                now,
            )
            .await
            .unwrap();
            assert_eq!(state.verdict().as_str(), verdict, "{sort} {ext}");
        }
    }
}

#[tokio::test]
async fn a_ready_verification_turns_stale_after_the_freshness_window() {
    let app = TestApp::new().await;
    let ready = listed(&app, OWNER, &format!("{WS}?verdict=ready")).await;
    assert_eq!(ready, ["contoso"]);
    assert!(
        listed(&app, OWNER, &format!("{WS}?verdict=stale"))
            .await
            .is_empty()
    );
    // contoso was verified two hours ago; 23 hours later it is past the 24-hour window.
    app.clock.advance(Duration::hours(23));
    assert!(
        listed(&app, OWNER, &format!("{WS}?verdict=ready"))
            .await
            .is_empty()
    );
    assert_eq!(
        listed(&app, OWNER, &format!("{WS}?verdict=stale")).await,
        ["contoso"]
    );
    // A blocked report stays blocked however old it is.
    assert_eq!(
        listed(&app, OWNER, &format!("{WS}?verdict=blocked")).await,
        ["fabrikam"]
    );
    // A fresh verification makes it ready again (the report hook updates the fleet columns).
    verify_at(
        &app,
        "contoso",
        app.clock.now_for_tests(),
        SimulatedScenario::Healthy,
    )
    .await;
    assert_eq!(
        listed(&app, OWNER, &format!("{WS}?verdict=ready")).await,
        ["contoso"]
    );
}

#[tokio::test]
async fn search_finds_tenants_by_name_external_id_and_directory_id() {
    let app = TestApp::new().await;
    fleet_of_every_verdict(&app).await;
    assert_eq!(
        listed(&app, OWNER, &format!("{WS}?q=fabri")).await,
        ["fabrikam"]
    );
    assert_eq!(
        listed(&app, OWNER, &format!("{WS}?q=FABRI")).await,
        ["fabrikam"]
    );
    // By directory id: gamma's directory does not contain its name.
    assert_eq!(
        listed(&app, OWNER, &format!("{WS}?q=0f1e2d3c")).await,
        ["gamma"]
    );
    assert_eq!(
        listed(&app, OWNER, &format!("{WS}?q=contoso.onmicrosoft")).await,
        ["contoso"]
    );
    // Search and verdict together; LIKE wildcards are literal.
    assert_eq!(
        listed(&app, OWNER, &format!("{WS}?q=a&verdict=stale")).await,
        ["alpha"]
    );
    assert!(listed(&app, OWNER, &format!("{WS}?q=%25")).await.is_empty());
    assert!(listed(&app, OWNER, &format!("{WS}?q=_")).await.is_empty());
    // Every order has its own searching statement (and one without): each finds the same.
    for sort in ["name", "last_verified", "failed_runs"] {
        assert_eq!(
            listed(&app, OWNER, &format!("{WS}?q=0f1e2d3c&sort={sort}")).await,
            ["gamma"],
            "{sort}"
        );
        // Control: the same order without the search lists more than the match.
        assert!(
            listed(&app, OWNER, &format!("{WS}?sort={sort}"))
                .await
                .len()
                > 1,
            "{sort}"
        );
    }
    let s = app.session_for(OWNER).await;
    let none = app
        .get(&format!("{WS}?q=nothing-like-this"), Some(&s))
        .await;
    assert!(none.body.contains("No tenant matches these filters."));
    // The counts follow the search.
    let page = app.get(&format!("{WS}?q=fabri"), Some(&s)).await;
    assert!(page.body.contains("data-testid=\"fleet-count-blocked\">1<"));
    assert!(page.body.contains("data-testid=\"fleet-count-ready\">0<"));
}

#[tokio::test]
async fn the_sort_options_order_the_fleet_and_count_failures_of_the_last_seven_days() {
    let app = TestApp::new().await;
    fleet_of_every_verdict(&app).await;
    let now = app.clock.now_for_tests();
    // Failures of beta: two inside the window, one eight days old (not counted).
    tenant(&app, "omega", "Omega Failing").await;
    fail_at(&app, "omega", now - Duration::days(1)).await;
    fail_at(&app, "omega", now - Duration::days(6)).await;
    fail_at(&app, "omega", now - Duration::days(8)).await;
    let s = app.session_for(OWNER).await;
    let page = app.get(&format!("{WS}?q=omega"), Some(&s)).await;
    let omega = fragment(&page.body, "data-tenant=\"omega\"", "</tr>");
    assert!(
        omega.contains("data-testid=\"fleet-failed\">2<span class=\"visually-hidden\">"),
        "{omega}"
    );

    let by_name = listed(&app, OWNER, &format!("{WS}?sort=name")).await;
    assert_eq!(
        by_name,
        [
            "alpha", "beta", "contoso", "delta", "fabrikam", "gamma", "omega"
        ]
    );
    let mut reversed = by_name.clone();
    reversed.reverse();
    assert_eq!(
        listed(&app, OWNER, &format!("{WS}?sort=name&dir=desc")).await,
        reversed
    );
    // Newest verification first (the default direction), never-verified last either way.
    let verified = listed(&app, OWNER, &format!("{WS}?sort=last_verified")).await;
    assert_eq!(
        verified,
        [
            "delta", "contoso", "alpha", "fabrikam", "beta", "gamma", "omega"
        ]
    );
    let oldest = listed(&app, OWNER, &format!("{WS}?sort=last_verified&dir=asc")).await;
    assert_eq!(
        oldest,
        [
            "fabrikam", "alpha", "contoso", "delta", "beta", "gamma", "omega"
        ]
    );
    // Most failures first.
    let failing = app.get(&format!("{WS}?sort=failed_runs"), Some(&s)).await;
    let counts: Vec<i64> = failing
        .body
        .split("data-testid=\"fleet-failed\">")
        .skip(1)
        .filter_map(|rest| rest.split('<').next()?.parse().ok())
        .collect();
    assert_eq!(counts.len(), 7);
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(counts.contains(&2), "{counts:?}");
    // Attention descending puts ready first.
    let desc = listed(&app, OWNER, &format!("{WS}?sort=attention&dir=desc")).await;
    assert_eq!(desc.first().map(String::as_str), Some("contoso"));
}

#[tokio::test]
async fn the_fleet_pages_by_fifty() {
    let app = TestApp::new().await;
    for i in 0..55 {
        tenant(&app, &format!("bulk-{i:02}"), &format!("Bulk {i:02}")).await;
    }
    let s = app.session_for(OWNER).await;
    let first = app.get(WS, Some(&s)).await;
    let page1 = rows(&first.body);
    assert_eq!(page1.len(), 50);
    assert!(first.body.contains("57 tenants"));
    assert!(first.body.contains("rel=\"next\""));
    assert!(!first.body.contains("rel=\"prev\""));
    // Blocked first even with many never-verified tenants.
    assert_eq!(page1[0].0, "fabrikam");
    let by_name2 = rows(
        &app.get(&format!("{WS}?page=2&sort=name"), Some(&s))
            .await
            .body,
    );
    assert_eq!(by_name2.len(), 7, "by name");
    let page2 = rows(&app.get(&format!("{WS}?page=2"), Some(&s)).await.body);
    assert_eq!(page2.len(), 7);
    assert_eq!(page2.last().map(|r| r.0.as_str()), Some("contoso"));
    let mut all: Vec<String> = page1.iter().chain(&page2).map(|r| r.0.clone()).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 57, "the two pages hold every tenant once");
    let second = app.get(&format!("{WS}?page=2&sort=name"), Some(&s)).await;
    assert!(second.body.contains("rel=\"prev\"") && !second.body.contains("rel=\"next\""));
    let past = app.get(&format!("{WS}?page=9"), Some(&s)).await;
    assert_eq!(past.status, StatusCode::OK);
    assert!(rows(&past.body).is_empty());
    assert!(past.body.contains("This page is past the end of the list."));
}

#[tokio::test]
async fn a_readonly_user_lists_only_their_entitled_tenants() {
    let app = TestApp::new().await;
    fleet_of_every_verdict(&app).await;
    // Control: the owner sees every tenant of the workspace, fabrikam included.
    let owner = listed(&app, OWNER, WS).await;
    assert!(owner.contains(&"fabrikam".to_string()) && owner.len() == 6);
    let readonly = "readonly@contoso.test";
    assert_eq!(listed(&app, readonly, WS).await, ["contoso"]);
    assert!(
        listed(&app, readonly, &format!("{WS}?q=fabri"))
            .await
            .is_empty()
    );
    assert!(
        listed(&app, readonly, &format!("{WS}?verdict=blocked"))
            .await
            .is_empty()
    );
    let s = app.session_for(readonly).await;
    let page = app.get(WS, Some(&s)).await;
    assert!(page.body.contains("1 tenant<"));
    assert!(page.body.contains("data-testid=\"fleet-count-blocked\">0<"));
    // Another workspace's owner does not learn the workspace exists.
    let other = app.session_for("owner@northwind.test").await;
    assert_eq!(
        app.get(WS, Some(&other)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_fleet_parameters_are_a_clear_400_not_a_500() {
    let app = TestApp::new().await;
    let s = app.session_for(OWNER).await;
    for bad in [
        "verdict=purple",
        "sort=size",
        "dir=up",
        "page=abc",
        "page=-1",
    ] {
        let r = app.get(&format!("{WS}?{bad}"), Some(&s)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    // Control: the same parameters with good values answer.
    let r = app
        .get(
            &format!("{WS}?verdict=ready&sort=name&dir=desc&page=1"),
            Some(&s),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

/// The plan of the default (attention) page: each verdict's branch walks the `tenants_fleet`
/// index in name order and stops at the page, so the page reads a bounded number of tenants
/// however large the workspace; the per-tenant lookups use their own indexes. (PostgreSQL is
/// asked with sequential scans discouraged: on a test-sized table it would rightly prefer them.)
#[tokio::test]
async fn the_default_page_reads_through_the_fleet_index() {
    let app = TestApp::new().await;
    let sql = format!("EXPLAIN {}", default_page_sql());
    let now = app.clock.now_for_tests();
    let plan: Vec<String> = match app.db() {
        Db::Sqlite(p) => {
            let q = sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(
                sql.replacen("EXPLAIN", "EXPLAIN QUERY PLAN", 1),
            ));
            bind_page(q, now)
                .fetch_all(p)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.3)
                .collect()
        }
        Db::Postgres(p) => {
            let mut tx = p.begin().await.unwrap();
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await
                .unwrap();
            let q = sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql));
            let rows = bind_page(q, now).fetch_all(&mut *tx).await.unwrap();
            rows.into_iter().map(|r| r.0).collect()
        }
    };
    let text = plan.join("\n");
    let branches = text.matches("tenants_fleet").count();
    assert_eq!(branches, 4, "one index range per verdict:\n{text}");
    // Stale and ready tenants also have a branch each reading the verification-time range
    // (run instead of the walk when they are few). SQLite plans it and skips it at run time;
    // PostgreSQL, planning for the bound values, leaves the branch it will not run out.
    let ranges = text.matches("tenants_ready_verified").count();
    let planned = if matches!(app.db(), Db::Sqlite(_)) {
        2
    } else {
        0
    };
    assert_eq!(ranges, planned, "the timed verdicts' ranges:\n{text}");
    // Positive control: the plan names indexes at all, so a missing one would show.
    assert!(text.contains("provider_connections"), "{text}");
}

/// The default page's statement: attention order, ascending, no search.
fn default_page_sql() -> &'static str {
    let variant = tenants::repo::fleet_variant(FleetSort::Attention, SortDir::Asc, false);
    tenants::repo::FLEET_PAGES[variant].as_str()
}

/// The default page as PostgreSQL caches it for the prepared statement after a few executions
/// (its generic plan, for any parameter values): every verdict's branch still walks
/// `tenants_fleet` and none joins the connections, which only the page's own rows look up.
/// With the search written into it (the statement a search uses), each branch joins them,
/// which the same plan shows: the control.
#[tokio::test]
async fn the_default_pages_generic_plan_walks_the_fleet_index() {
    let app = TestApp::new().await;
    let Db::Postgres(p) = app.db() else {
        return;
    };
    let plan_of = |sql: String, types: &'static str, args: &'static str| {
        let p = p.clone();
        async move {
            let mut tx = p.begin().await.unwrap();
            for setup in [
                "SET LOCAL enable_seqscan = off".to_owned(),
                "SET LOCAL plan_cache_mode = force_generic_plan".to_owned(),
                format!("PREPARE page ({types}) AS {sql}"),
            ] {
                sqlx::raw_sql(sqlx::AssertSqlSafe(setup))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "EXPLAIN EXECUTE page ({args})"
            )))
            .fetch_all(&mut *tx)
            .await
            .unwrap();
            rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("\n")
        }
    };
    let plain = plan_of(
        default_page_sql().to_owned(),
        "BIGINT, BIGINT, TIMESTAMPTZ, BIGINT, BIGINT, BIGINT, TIMESTAMPTZ, BIGINT, BIGINT",
        "1, 1, now(), -1, 50, 0, now(), -1, -1",
    )
    .await;
    assert_eq!(plain.matches("tenants_fleet").count(), 4, "{plain}");
    assert_eq!(
        plain.matches("on provider_connections").count(),
        1,
        "{plain}"
    );
    let variant = tenants::repo::fleet_variant(FleetSort::Attention, SortDir::Asc, true);
    let searching = plan_of(
        tenants::repo::FLEET_PAGES[variant].clone(),
        "BIGINT, BIGINT, TIMESTAMPTZ, BIGINT, TEXT, BIGINT, BIGINT, TIMESTAMPTZ, BIGINT, BIGINT",
        "1, 1, now(), -1, '%a%', 50, 0, now(), -1, -1",
    )
    .await;
    assert!(
        searching.matches("on provider_connections").count() > 1,
        "{searching}"
    );
}

/// Binds the default page's parameters: user 1, workspace 1, first page, every verdict, stale
/// and ready tenants walked.
fn bind_page<'q, DB: sqlx::Database, O>(
    q: sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments>,
    now: DateTime<Utc>,
) -> sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments>
where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    q.bind(1i64)
        .bind(1i64)
        .bind(now)
        .bind(-1i64)
        .bind(50i64)
        .bind(0i64)
        .bind(now)
        // Stale and ready tenants walked in name order.
        .bind(-1i64)
        .bind(-1i64)
}

/// What migration 9's backfill and the bulk loaders run: recomputing every tenant's verdict
/// columns from the reports gives what the report hook kept.
#[tokio::test]
async fn recomputing_the_verdict_columns_from_the_reports_matches_the_hook() {
    let app = TestApp::new().await;
    fleet_of_every_verdict(&app).await;
    let before = listed(&app, OWNER, WS).await;
    // Forget the kept columns, as a database from before migration 9 had none.
    app.int(
        "UPDATE tenants SET report_verdict = 'not_verified', verified_at = NULL RETURNING id",
        &[],
    )
    .await;
    let forgotten = listed(&app, OWNER, &format!("{WS}?verdict=not_verified")).await;
    assert_eq!(
        forgotten.len(),
        6,
        "control: every tenant reads as not verified"
    );
    let n = tenants::repo::refresh_all_report_verdicts(app.db())
        .await
        .unwrap();
    assert!(n >= 6);
    assert_eq!(listed(&app, OWNER, WS).await, before);
}

/// Counter rows of `tenant_verdict_counts` that disagree with the tenants they count, plus
/// stored verdicts of a workspace that have no counter row.
async fn kept_counts_off(app: &TestApp) -> i64 {
    app.count(
        "SELECT (SELECT COUNT(*) FROM tenant_verdict_counts k WHERE k.tenants <>
                    (SELECT COUNT(*) FROM tenants t WHERE t.workspace_id = k.workspace_id
                     AND t.report_verdict = k.report_verdict))
              + (SELECT COUNT(*) FROM (SELECT DISTINCT workspace_id, report_verdict FROM tenants) g
                 WHERE NOT EXISTS (SELECT 1 FROM tenant_verdict_counts k
                    WHERE k.workspace_id = g.workspace_id AND k.report_verdict = g.report_verdict))",
    )
    .await
}

/// The fleet's counts as the page shows them: `(verdict, n)` in chip order.
fn shown_counts(html: &str) -> Vec<(String, i64)> {
    html.split("data-testid=\"fleet-count-")
        .skip(1)
        .filter_map(|rest| {
            let (verdict, rest) = rest.split_once("\">")?;
            let n = rest.split_once('<')?.0.parse().ok()?;
            Some((verdict.to_string(), n))
        })
        .collect()
}

/// Migration 14's triggers keep the per-verdict counts right through every write of a
/// tenant's verdict (create, report hook, a bulk recompute, plain SQL), the owner's page reads
/// them, and a search (or a user who sees only some tenants) still counts what it lists.
#[tokio::test]
async fn the_kept_verdict_counts_follow_every_write_and_the_page_reads_them() {
    let app = TestApp::new().await;
    assert_eq!(
        kept_counts_off(&app).await,
        0,
        "backfilled by the migration"
    );
    fleet_of_every_verdict(&app).await;
    assert_eq!(kept_counts_off(&app).await, 0, "after creates and reports");
    // blocked -> ready through the report hook, and a ready tenant verified again.
    let now = app.clock.now_for_tests();
    connect(
        &app,
        "beta",
        "beta.onmicrosoft.com",
        SimulatedScenario::Healthy,
    )
    .await;
    verify_at(&app, "beta", now, SimulatedScenario::Healthy).await;
    verify_at(&app, "delta", now, SimulatedScenario::Healthy).await;
    verify_at(&app, "delta", now, SimulatedScenario::Healthy).await;
    assert_eq!(kept_counts_off(&app).await, 0, "after verdict changes");
    app.int(
        "UPDATE tenants SET report_verdict = 'not_verified', verified_at = NULL RETURNING id",
        &[],
    )
    .await;
    assert_eq!(kept_counts_off(&app).await, 0, "after plain SQL");
    tenants::repo::refresh_all_report_verdicts(app.db())
        .await
        .unwrap();
    assert_eq!(kept_counts_off(&app).await, 0, "after the bulk recompute");

    // The kept counts agree with counting the tenants, for the owner (who sees them all).
    let (user, ws) = (
        app.user_id(OWNER).await,
        app.tenant("contoso").await.workspace_id,
    );
    let cutoff = now - Duration::hours(24);
    let mut kept = tenants::repo::stored_fleet_counts(app.db(), user, ws, cutoff)
        .await
        .unwrap()
        .expect("the owner sees every tenant");
    let mut counted = tenants::repo::fleet_counts(app.db(), user, ws, cutoff, "")
        .await
        .unwrap();
    kept.retain(|(_, n)| *n > 0);
    kept.sort();
    counted.sort();
    assert_eq!(kept, counted);
    assert!(kept.len() >= 3, "several verdicts in play: {kept:?}");
    // Someone who sees only some tenants gets no kept counts (they are the workspace's).
    let readonly = app.user_id("readonly@contoso.test").await;
    let none = tenants::repo::stored_fleet_counts(app.db(), readonly, ws, cutoff).await;
    assert!(none.unwrap().is_none());

    // The page shows the kept counts: a counter row moved by hand shows on the unsearched
    // page, while a search counts the tenants it lists.
    let s = app.session_for(OWNER).await;
    let blocked = |html: &str| {
        shown_counts(html)
            .into_iter()
            .find(|(v, _)| v == "blocked")
            .map(|(_, n)| n)
    };
    let before = blocked(&app.get(WS, Some(&s)).await.body).expect("a blocked chip");
    app.int(
        "UPDATE tenant_verdict_counts SET tenants = tenants + 100
         WHERE report_verdict = 'blocked' RETURNING tenants",
        &[],
    )
    .await;
    assert_eq!(
        blocked(&app.get(WS, Some(&s)).await.body),
        Some(before + 100)
    );
    let searched = app.get(&format!("{WS}?q=a"), Some(&s)).await.body;
    assert!(blocked(&searched).is_some_and(|n| n < 100), "{searched}");
}

/// The attention page lists the same tenants whichever way it reads stale and ready ones
/// (name-order walk or verification-time range), on every page; skipping a verdict drops
/// exactly its tenants (so the parameter is what decides).
#[tokio::test]
async fn every_read_of_stale_and_ready_tenants_gives_the_same_page() {
    let app = TestApp::new().await;
    let now = app.clock.now_for_tests();
    for (ext, hours) in [
        ("s1", 30),
        ("r1", 1),
        ("s2", 40),
        ("r2", 2),
        ("s3", 50),
        ("r3", 3),
    ] {
        tenant(&app, ext, &format!("Timed {ext}")).await;
        connect(
            &app,
            ext,
            &format!("{ext}.onmicrosoft.com"),
            SimulatedScenario::Healthy,
        )
        .await;
        verify_at(
            &app,
            ext,
            now - Duration::hours(hours),
            SimulatedScenario::Healthy,
        )
        .await;
    }
    let (user, ws) = (
        app.user_id(OWNER).await,
        app.tenant("contoso").await.workspace_id,
    );
    let cutoff = now - Duration::hours(24);
    let counts = tenants::repo::fleet_counts(app.db(), user, ws, cutoff, "")
        .await
        .unwrap();
    let n = |v: TenantVerdict| {
        counts
            .iter()
            .find(|(r, _)| *r == v.attention_rank())
            .map_or(0, |(_, n)| *n)
    };
    let (stale, ready) = (n(TenantVerdict::Stale), n(TenantVerdict::Ready));
    assert_eq!(
        (stale, ready),
        (3, 4),
        "three stale, three ready and contoso"
    );
    let page = |stale_read, ready_read, limit, offset| {
        let q = tenants::repo::FleetQuery {
            user_id: user,
            workspace_id: ws,
            cutoff,
            verdict: None,
            pattern: "",
            sort: FleetSort::Attention,
            dir: SortDir::Asc,
            limit,
            offset,
            failed_since: now - Duration::days(7),
            stale_read,
            ready_read,
        };
        let db = app.db().clone();
        async move {
            let rows = tenants::repo::fleet_page_rows(&db, &q).await.unwrap();
            rows.into_iter().map(|r| r.external_id).collect::<Vec<_>>()
        }
    };
    use tenants::repo::TimedRead::{Range, Skip, Walk};
    for (limit, offset) in [(50, 0), (2, 0), (2, 1), (3, 2), (2, 6)] {
        let walked = page(Walk, Walk, limit, offset).await;
        assert!(!walked.is_empty() || offset >= 6, "{limit} {offset}");
        for (s, r) in [
            (Range(stale), Range(ready)),
            (Range(stale), Walk),
            (Walk, Range(ready)),
        ] {
            assert_eq!(
                page(s, r, limit, offset).await,
                walked,
                "{s:?} {r:?} {limit} {offset}"
            );
        }
    }
    let all = page(Walk, Walk, 50, 0).await;
    assert_eq!(
        &all[1..4],
        ["s1", "s2", "s3"],
        "stale after blocked: {all:?}"
    );
    let without_stale = page(Skip, Walk, 50, 0).await;
    let expected: Vec<String> = all
        .iter()
        .filter(|e| !e.starts_with('s'))
        .cloned()
        .collect();
    assert_eq!(without_stale, expected);
    // The service chooses a read from the counts and lists the same page.
    assert_eq!(listed(&app, OWNER, WS).await, all);
}

#[test]
fn the_cheaper_read_is_the_range_for_few_tenants_and_the_walk_for_many() {
    use tenants::repo::TimedRead;
    assert_eq!(TimedRead::choose(0, 8500, 50), TimedRead::Skip);
    assert_eq!(TimedRead::choose(3, 8500, 50), TimedRead::Range(3));
    // sqrt(50 * 8500) is about 652.
    assert_eq!(TimedRead::choose(651, 8500, 50), TimedRead::Range(651));
    assert_eq!(TimedRead::choose(652, 8500, 50), TimedRead::Walk);
    assert_eq!(TimedRead::choose(8500, 8500, 50), TimedRead::Walk);
}

/// On a workspace of 10,000 tenants, mostly ready, a few stale (the benchmark's shape),
/// PostgreSQL reuses the default first page's plan: its statement holds only the reads the
/// counts chose and the page size. The paged statement (the control), whose reads and limits
/// are parameters, is planned again on every execution: its generic plan holds every branch and
/// assumes a tenth of the workspace per limit.
#[tokio::test]
async fn a_large_workspaces_first_fleet_page_reuses_its_plan() {
    let app = TestApp::new().await;
    let Db::Postgres(p) = app.db() else {
        return;
    };
    add_bulk_tenants(p, 10_000).await;
    let now = app.clock.now_for_tests();
    // One in six blocked, the rest ready: checked an hour ago, the first three two days ago.
    sqlx::query(
        "UPDATE tenants SET
            report_verdict = CASE WHEN id % 6 = 0 AND external_id NOT IN ($2, $3, $4)
                THEN 'blocked' ELSE 'ready' END,
            verified_at = CASE WHEN external_id IN ($2, $3, $4)
                THEN $1 - INTERVAL '48 hours' ELSE $1 - INTERVAL '1 hour' END
         WHERE external_id LIKE 'bulk-%'",
    )
    .bind(now)
    .bind("bulk-1")
    .bind("bulk-2")
    .bind("bulk-3")
    .execute(p)
    .await
    .unwrap();
    sqlx::raw_sql("ANALYZE tenants").execute(p).await.unwrap();
    let owner = app.user_id(OWNER).await;
    let ws = app.tenant("contoso").await.workspace_id;
    let cutoff = now - Duration::hours(24);
    let counts = tenants::repo::fleet_counts(app.db(), owner, ws, cutoff, "")
        .await
        .unwrap();
    let n = |v: TenantVerdict| {
        let rank = v.attention_rank();
        counts.iter().find(|(r, _)| *r == rank).map_or(0, |c| c.1)
    };
    let (stale, ready) = (n(TenantVerdict::Stale), n(TenantVerdict::Ready));
    let rows = tenants::repo::FLEET_PAGE_ROWS;
    use tenants::repo::TimedRead;
    let stale_read = TimedRead::choose(stale, stale + ready, rows);
    let ready_read = TimedRead::choose(ready, stale + ready, rows);
    assert_eq!(
        (stale_read, ready_read),
        (TimedRead::Range(3), TimedRead::Walk)
    );
    let (cutoff, since) = (cutoff.to_rfc3339(), (now - Duration::days(7)).to_rfc3339());
    let first =
        tenants::repo::first_attention_page(SortDir::Asc, false, stale_read, ready_read).unwrap();
    let (generic, _, listed) = plan_choices(
        p,
        "BIGINT, BIGINT, TIMESTAMPTZ, BIGINT, TIMESTAMPTZ",
        first,
        &format!("{owner}, {ws}, '{cutoff}', -1, '{since}'"),
    )
    .await;
    assert_eq!(listed as i64, rows);
    assert!(generic > 0, "the first page is planned on every execution");

    let variant = tenants::repo::fleet_variant(FleetSort::Attention, SortDir::Asc, false);
    let (generic, custom, listed) = plan_choices(
        p,
        "BIGINT, BIGINT, TIMESTAMPTZ, BIGINT, BIGINT, BIGINT, TIMESTAMPTZ, BIGINT, BIGINT",
        &tenants::repo::FLEET_PAGES[variant],
        &format!(
            "{owner}, {ws}, '{cutoff}', -1, {rows}, 0, '{since}', {}, {}",
            stale_read.param(),
            ready_read.param()
        ),
    )
    .await;
    assert_eq!(listed as i64, rows);
    assert_eq!(
        (generic, custom),
        (0, 10),
        "control: bound reads and limits are planned every time"
    );
}

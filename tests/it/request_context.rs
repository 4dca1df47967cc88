//! The request context's one statement (`access::context::resolve`) against the queries it
//! replaces: for every demo caller (session and API token), every tenant and workspace key
//! (visible, out of scope, missing) and every frame, the caller, the scoped lookups, the
//! workspace list, the switcher and the pauses must be exactly what the single-purpose
//! services answer. Then the same through the router: pages and API keep their 404s.

use crate::support::{
    Arg, NowForTests, PAUSE_CONTOSO_STARTS, TestApp, add_bulk_tenants, plan_choices,
};
use axum::http::{Method, StatusCode};
use tenantpilot::{
    access::{
        SWITCHER_LIMIT,
        context::{Credential, Resolved, Target, resolve},
    },
    auth::Via,
    db::round_trips,
    features::{system, tenants, workspaces},
};

const CALLERS: [&str; 6] = [
    "owner@contoso.test",
    "manager@contoso.test",
    "operator@contoso.test",
    "readonly@contoso.test",
    "owner@northwind.test",
    "platform@tenantpilot.test",
];

const TENANT_KEYS: [&str; 4] = ["contoso", "fabrikam", "northwind", "no-such-tenant"];
const WORKSPACE_KEYS: [&str; 3] = ["contoso-msp", "northwind-msp", "no-such-workspace"];

fn token_of(cookie: &str) -> &str {
    cookie.trim_start_matches("tp_session=")
}

async fn resolved(app: &TestApp, credential: Credential<'_>, target: &Target) -> Resolved {
    resolve(
        app.db(),
        Some(credential),
        target,
        true,
        app.clock.now_for_tests(),
        &app.state.config.session,
    )
    .await
    .expect("context resolves")
}

/// Pauses as comparable text: control, scope and reason.
fn pause_keys(pauses: &[system::ActivePause]) -> Vec<String> {
    pauses
        .iter()
        .map(|p| format!("{}|{}|{}", p.control_key, p.scope_key, p.reason))
        .collect()
}

#[tokio::test]
async fn one_statement_answers_what_the_single_queries_answer() {
    let app = TestApp::new().await;
    // A global pause and a workspace pause of the same control (the global one must win) and
    // a workspace pause of another control.
    app.pause_contoso_starts().await;
    app.control(
        "operation_starts",
        &[
            ("action", "pause"),
            ("reason", "Global maintenance"),
            ("scope", "global"),
            ("duration", "1h"),
        ],
    )
    .await;
    let mut review = PAUSE_CONTOSO_STARTS.to_vec();
    review.retain(|(k, _)| *k != "reason");
    review.push(("reason", "Review packs held"));
    app.control("review_pack_generation", &review).await;
    let now = app.clock.now_for_tests();
    let db = app.db();
    let mut compared = 0;
    let mut found_tenant = 0;
    let mut missed_tenant = 0;
    for email in CALLERS {
        let session = app.session_for(email).await;
        let user = app.user_id(email).await;
        let expected_workspaces = workspaces::service::list_for_user(db, user).await.unwrap();
        for target in TENANT_KEYS
            .iter()
            .map(|k| Target::Tenant(k.to_string()))
            .chain(
                WORKSPACE_KEYS
                    .iter()
                    .map(|k| Target::Workspace(k.to_string())),
            )
            .chain([Target::None])
        {
            let got = resolved(
                &app,
                Credential::Session(token_of(&session.cookie)),
                &target,
            )
            .await;
            let identity = got.identity.expect("live session resolves");
            assert_eq!(identity.user.id, user);
            assert_eq!(identity.user.email, email);
            match &identity.via {
                Via::Session { csrf_token, .. } => assert_eq!(csrf_token, &session.csrf),
                other => panic!("{other:?}"),
            }
            let frame = got.prefetched.frame.as_ref().expect("frame asked for");
            let names = |list: &[workspaces::model::MemberWorkspace]| {
                list.iter()
                    .map(|w| format!("{}|{}|{}", w.id, w.slug, w.role.as_str()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(names(&frame.workspaces), names(&expected_workspaces));
            // The page's workspace, whether or not the caller may see it.
            let page_workspace = match &target {
                Target::Tenant(key) => app.find_tenant(key).await.map(|t| t.workspace_id),
                Target::Workspace(key) => app
                    .text(
                        "SELECT CAST(MAX(id) AS TEXT) FROM workspaces WHERE slug = $1",
                        &[Arg::Text(key)],
                    )
                    .await
                    .map(|id| id.parse::<i64>().expect("id")),
                _ => None,
            };
            assert_eq!(
                frame.page_workspace_id, page_workspace,
                "{email} {target:?}"
            );
            let expected_pauses = system::in_effect(db, page_workspace, now).await.unwrap();
            assert_eq!(
                pause_keys(&frame.pauses),
                pause_keys(&expected_pauses),
                "{email} {target:?}"
            );
            match &target {
                Target::Tenant(key) => {
                    let expected = tenants::service::find_scoped(db, user, key).await.unwrap();
                    let (prefetched_key, found) = got.prefetched.tenant.clone().expect("looked up");
                    assert_eq!(&prefetched_key, key);
                    assert_eq!(
                        found
                            .as_ref()
                            .map(|t| (t.id, t.role, t.workspace_slug.clone())),
                        expected
                            .as_ref()
                            .map(|t| (t.id, t.role, t.workspace_slug.clone())),
                        "{email} {key}"
                    );
                    if found.is_some() {
                        found_tenant += 1;
                    } else {
                        missed_tenant += 1;
                    }
                }
                Target::Workspace(key) => {
                    let expected = workspaces::service::find_for_user(db, user, key)
                        .await
                        .unwrap();
                    let (_, found) = got.prefetched.workspace.clone().expect("looked up");
                    assert_eq!(
                        found.map(|w| (w.id, w.role)),
                        expected.map(|w| (w.id, w.role)),
                        "{email} {key}"
                    );
                }
                _ => assert!(got.prefetched.tenant.is_none() && got.prefetched.workspace.is_none()),
            }
            // The switcher: the first visible tenants by name in the page's workspace.
            let slug = match page_workspace {
                Some(id) => expected_workspaces
                    .iter()
                    .find(|w| w.id == id)
                    .map(|w| w.slug.clone()),
                None => None,
            };
            let expected_switcher = match slug {
                Some(slug) => {
                    tenants::service::list_visible_first(db, user, &slug, SWITCHER_LIMIT + 1)
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|t| t.external_id)
                        .collect()
                }
                None => Vec::new(),
            };
            let switcher: Vec<_> = frame
                .switcher
                .iter()
                .map(|t| t.external_id.clone())
                .collect();
            assert_eq!(switcher, expected_switcher, "{email} {target:?}");
            compared += 1;
        }
    }
    assert_eq!(compared, CALLERS.len() * 8);
    // Controls: the comparisons saw both visible and invisible tenants, pauses and a switcher.
    assert!(found_tenant > 0 && missed_tenant > 0);
    let owner = app.session_for("owner@contoso.test").await;
    let got = resolved(
        &app,
        Credential::Session(token_of(&owner.cookie)),
        &Target::Tenant("contoso".into()),
    )
    .await;
    let frame = got.prefetched.frame.expect("frame");
    assert_eq!(
        pause_keys(&frame.pauses),
        [
            "operation_starts|global|Global maintenance".to_string(),
            format!(
                "review_pack_generation|workspace:{}|Review packs held",
                frame.page_workspace_id.unwrap()
            ),
        ]
    );
    assert_eq!(frame.switcher.len(), 2, "contoso and fabrikam");
}

#[tokio::test]
async fn tokens_resolve_with_their_target_and_without_a_frame() {
    let app = TestApp::new().await;
    let token = app.token_for("readonly@contoso.test").await;
    let user = app.user_id("readonly@contoso.test").await;
    let now = app.clock.now_for_tests();
    for key in TENANT_KEYS {
        let got = resolve(
            app.db(),
            Some(Credential::Token(&token)),
            &Target::Tenant(key.into()),
            false,
            now,
            &app.state.config.session,
        )
        .await
        .unwrap();
        let identity = got.identity.expect("live token");
        assert!(matches!(identity.via, Via::Token { .. }));
        assert!(got.prefetched.frame.is_none());
        let expected = tenants::service::find_scoped(app.db(), user, key)
            .await
            .unwrap();
        let (_, found) = got.prefetched.tenant.expect("looked up");
        assert_eq!(found.map(|t| t.id), expected.map(|t| t.id), "{key}");
    }
    // A session token is no API token, and an API token no session.
    let session = app.session_for("readonly@contoso.test").await;
    for (credential, what) in [
        (
            Credential::Token(token_of(&session.cookie)),
            "session as token",
        ),
        (Credential::Session(&token), "token as session"),
        (Credential::Token("tp_not-a-token"), "unknown token"),
    ] {
        let got = resolve(
            app.db(),
            Some(credential),
            &Target::Tenant("contoso".into()),
            true,
            now,
            &app.state.config.session,
        )
        .await
        .unwrap();
        assert!(got.identity.is_none(), "{what}");
        let (_, found) = got.prefetched.tenant.unwrap_or_default();
        assert!(found.is_none(), "{what}: nothing in scope without a caller");
    }
}

#[tokio::test]
async fn an_idle_session_ends_and_a_live_one_is_touched_once_a_minute() {
    let app = TestApp::new().await;
    let session = app.session_for("owner@contoso.test").await;
    let token = token_of(&session.cookie).to_string();
    let hash = tenantpilot::auth::token_hash(&token);
    let seen = || async {
        app.text(
            "SELECT CAST(MAX(last_seen_at) AS TEXT) FROM sessions WHERE token_hash = $1",
            &[Arg::Text(&hash)],
        )
        .await
    };
    let before = seen().await;
    app.clock.advance(chrono::Duration::seconds(30));
    let got = resolved(&app, Credential::Session(&token), &Target::None).await;
    assert!(got.identity.is_some());
    assert_eq!(seen().await, before, "not touched within the minute");
    app.clock.advance(chrono::Duration::seconds(40));
    resolved(&app, Credential::Session(&token), &Target::None).await;
    assert_ne!(seen().await, before, "touched after a minute");
    let idle = app.state.config.session.idle_minutes;
    app.clock.advance(chrono::Duration::minutes(idle));
    let got = resolved(
        &app,
        Credential::Session(&token),
        &Target::Tenant("contoso".into()),
    )
    .await;
    assert!(got.identity.is_none(), "idle session ends");
    assert!(seen().await.is_none(), "and is deleted");
    // The same through the router: the page now asks to sign in.
    let r = app.get("/admin/t/contoso", Some(&session)).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert!(
        r.header("location")
            .is_some_and(|l| l.starts_with("/login"))
    );
}

#[tokio::test]
async fn pages_and_api_keep_their_scope_answers() {
    let app = TestApp::new().await;
    let readonly = app.session_for("readonly@contoso.test").await;
    // Visible tenant (control), tenant of the caller's workspace without entitlement, tenant of
    // another workspace, missing tenant: 200, 404, 404, 404 on pages and the API alike.
    let token = app.token_for("readonly@contoso.test").await;
    for (key, status) in [
        ("contoso", StatusCode::OK),
        ("fabrikam", StatusCode::NOT_FOUND),
        ("northwind", StatusCode::NOT_FOUND),
        ("no-such-tenant", StatusCode::NOT_FOUND),
    ] {
        let page = app.get(&format!("/admin/t/{key}"), Some(&readonly)).await;
        assert_eq!(page.status, status, "page {key}");
        let api = app
            .api(
                Method::GET,
                &format!("/api/v1/tenants/{key}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(api.status, status, "api {key}");
    }
    // The frame of a visible tenant's page: its switcher lists only what the caller sees.
    let page = app.get("/admin/t/contoso", Some(&readonly)).await;
    assert!(page.body.contains("href=\"/admin/t/contoso\""));
    assert!(!page.body.contains("href=\"/admin/t/fabrikam\""));
    let owner = app.session_for("owner@contoso.test").await;
    let page = app.get("/admin/t/contoso", Some(&owner)).await;
    assert!(page.body.contains("href=\"/admin/t/fabrikam\""), "control");
    // Escaped keys are not resolved up front, and still answer by the scope's own query.
    let page = app.get("/admin/t/%63ontoso", Some(&owner)).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = app.get("/admin/w/contoso-msp", Some(&readonly)).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = app.get("/admin/w/northwind-msp", Some(&readonly)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

/// What one request costs in statements (each repo statement, BEGIN and COMMIT), counted in
/// the request's own task: the request context is one statement, then the page's own data.
#[tokio::test]
async fn pages_cost_the_context_statement_and_their_own_data() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let token = app.token_for("owner@contoso.test").await;
    let run = app
        .int(
            "SELECT MAX(r.id) FROM operation_runs r JOIN tenants t ON t.id = r.tenant_id
             WHERE t.external_id = $1",
            &[Arg::Text("contoso")],
        )
        .await;
    let count = |path: String| {
        let owner = owner.clone();
        let app = &app;
        async move {
            let (r, n) = round_trips::counted(app.get(&path, Some(&owner))).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            n
        }
    };
    // Context + verification state (the connection with its newest verification, one
    // statement) + recent runs.
    assert_eq!(count("/admin/t/contoso".into()).await, 3);
    // Control: a key the middleware does not resolve up front (escaped) costs the session,
    // the scope, the workspace list, the pauses and the switcher one statement each.
    assert_eq!(count("/admin/t/%63ontoso".into()).await, 6);
    // Context + the fleet page's rows + its verdict counts.
    assert_eq!(count("/admin/w/contoso-msp".into()).await, 3);
    // Context + the run in scope + its verification report.
    assert_eq!(count(format!("/admin/operations/{run}")).await, 3);
    for path in [
        "/api/v1/tenants/contoso".to_string(),
        format!("/api/v1/operations/{run}"),
        "/api/v1/tenants/contoso/operations".to_string(),
    ] {
        let (r, n) = round_trips::counted(app.api(Method::GET, &path, Some(&token), None)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        // Context (token and the tenant in scope) + the resource.
        assert_eq!(n, 2, "{path}");
    }
}

/// On a workspace of 10,000 tenants PostgreSQL reuses the page context's plan. With the
/// switcher's limit bound as a parameter (the control) its generic plan assumed a tenth of the
/// workspace's tenants, looked worse than every custom plan, and the statement was planned
/// again on every request: 0.7–1 ms of a page's 1.5–2 ms on the 10,000-tenant benchmark.
#[tokio::test]
async fn a_large_workspaces_page_context_reuses_its_plan() {
    let app = TestApp::new().await;
    let tenantpilot::db::Db::Postgres(p) = app.db() else {
        return;
    };
    add_bulk_tenants(p, 10_000).await;
    let owner = app.session_for("owner@contoso.test").await;
    let hash = tenantpilot::auth::token_hash(token_of(&owner.cookie));
    let sql = tenantpilot::access::repo::context_sql(
        tenantpilot::access::repo::CallerKind::Session,
        tenantpilot::access::repo::TargetKind::Tenant,
        true,
    );
    let args = format!(
        "'{hash}', '{}', 'contoso'",
        app.clock.now_for_tests().to_rfc3339()
    );
    let (generic, _, rows) = plan_choices(p, "TEXT, TIMESTAMPTZ, TEXT", &sql, &args).await;
    assert!(rows > 2, "the caller, the tenant and the frame");
    assert!(
        generic > 0,
        "the context statement is planned on every execution"
    );

    let inlined = format!("LIMIT {}) switcher", SWITCHER_LIMIT + 1);
    assert!(sql.contains(&inlined));
    let bound = sql.replace(&inlined, "LIMIT $4) switcher");
    let args = format!("{args}, {}", SWITCHER_LIMIT + 1);
    let (generic, custom, rows) =
        plan_choices(p, "TEXT, TIMESTAMPTZ, TEXT, BIGINT", &bound, &args).await;
    assert!(rows > 2);
    assert_eq!(
        (generic, custom),
        (0, 10),
        "control: a bound limit is planned every time"
    );
}

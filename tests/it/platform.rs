//! API input handling, the OpenAPI document, schema agreement between the two dialects,
//! languages, ops endpoints, demo data and the CLI.

use crate::support::TestDatabase;
use crate::support::{NowForTests, TestApp};
use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use std::collections::BTreeSet;
use tenantpilot::db::{
    Db,
    migrate::{BOOKKEEPING_TABLES, MIGRATIONS},
};

fn problem(r: &crate::support::Resp, status: StatusCode, slug: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(
        r.header("content-type"),
        Some("application/problem+json"),
        "{}",
        r.body
    );
    let body = r.json();
    assert_eq!(
        body["type"],
        format!("urn:tenantpilot:problem:{slug}"),
        "{body}"
    );
    assert_eq!(body["status"], status.as_u16());
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn bad_api_input_is_a_4xx_problem_never_a_500() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let patch = |body: Body, content_type: &'static str| {
        Request::builder()
            .method("PATCH")
            .uri("/api/v1/me")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(body)
            .unwrap()
    };
    let unknown = app
        .send(patch(
            Body::from(r#"{"display_name":"x","role":"owner"}"#),
            "application/json",
        ))
        .await;
    problem(&unknown, StatusCode::BAD_REQUEST, "invalid-json-fields");
    let malformed = app
        .send(patch(Body::from("{\"display_name\":"), "application/json"))
        .await;
    problem(&malformed, StatusCode::BAD_REQUEST, "malformed-json");
    let bad_utf8 = app
        .send(patch(
            Body::from(vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}']),
            "application/json",
        ))
        .await;
    assert!(bad_utf8.status.is_client_error(), "{}", bad_utf8.status);
    assert_eq!(
        bad_utf8.header("content-type"),
        Some("application/problem+json")
    );
    let huge = format!(r#"{{"display_name":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
    problem(
        &app.send(patch(Body::from(huge), "application/json")).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
    );
    problem(
        &app.send(patch(Body::from("display_name=x"), "text/plain"))
            .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    );
    let invalid = app
        .api(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(r#"{"locale":"fr","display_name":"  "}"#),
        )
        .await;
    problem(
        &invalid,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    );
    let fields: BTreeSet<String> = invalid.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert!(fields.contains("locale"), "{fields:?}");
    let none = app
        .api(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(r#"{"display_name":"  "}"#),
        )
        .await;
    assert_eq!(none.json()["errors"][0]["field"], "display_name");
    assert_eq!(
        none.json()["errors"][0]["message"],
        "This field is required."
    );

    problem(
        &app.api(Method::DELETE, "/api/v1/me", Some(&token), None)
            .await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
    );
    problem(
        &app.api(Method::GET, "/api/v1/nope", Some(&token), None)
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    );
    problem(
        &app.api(Method::GET, "/api/v1/audit?page=-1", Some(&token), None)
            .await,
        StatusCode::BAD_REQUEST,
        "invalid-query",
    );

    let ok = app
        .api(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(r#"{"locale":"de"}"#),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json()["locale"], "de");
    assert_eq!(
        ok.json()["display_name"],
        "Olivia Owner",
        "omitted fields unchanged"
    );
    // The caller's language now applies to problems too.
    let german = app
        .api(Method::GET, "/api/v1/tenants/nope", Some(&token), None)
        .await;
    assert_eq!(german.json()["title"], "Nicht gefunden");
    let cleared = app
        .api(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(r#"{"locale":null}"#),
        )
        .await;
    assert!(cleared.json()["locale"].is_null());
}

#[tokio::test]
async fn forms_keep_input_and_explain_each_field_in_both_languages() {
    let app = TestApp::new().await;
    let session = app.session_for("manager@contoso.test").await;
    let r = app
        .post_form(
            "/account",
            &session,
            &[("display_name", "   "), ("locale", "xx")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("This field is required."), "{}", r.body);
    assert!(r.body.contains("Choose English (en) or German (de)."));
    assert!(r.body.contains("aria-invalid=\"true\""));

    let r = app
        .post_form(
            "/account",
            &session,
            &[
                ("display_name", "<script>alert(1)</script>"),
                ("locale", "de"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let flash = r
        .cookie("tp_flash")
        .expect("flash cookie set by the redirect");
    let with_flash = crate::support::Session {
        cookie: format!("{}; tp_flash={flash}", session.cookie),
        csrf: session.csrf.clone(),
    };
    let page = app.get("/account", Some(&with_flash)).await;
    assert!(
        page.cookies().iter().any(|c| c.starts_with("tp_flash=;")),
        "flash cleared once shown"
    );
    assert!(
        page.body.contains("Ihre Einstellungen wurden gespeichert."),
        "flash in the user's language"
    );
    assert!(
        page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"),
        "escaped"
    );
    assert!(!page.body.contains("<script>alert(1)</script>"));
    let r = app
        .post_form(
            "/account",
            &session,
            &[("display_name", ""), ("locale", "de")],
        )
        .await;
    assert!(r.body.contains("Dieses Feld ist erforderlich."));
    assert!(r.body.contains("lang=\"de\""));
}

#[tokio::test]
async fn language_follows_the_user_setting_then_accept_language() {
    let app = TestApp::new().await;
    let german = app
        .send(
            Request::builder()
                .uri("/login")
                .header("accept-language", "de-DE,de;q=0.9,en;q=0.5")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(german.body.contains("Bei TenantPilot anmelden"));
    let english = app
        .send(
            Request::builder()
                .uri("/login")
                .header("accept-language", "en-GB")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(english.body.contains("Sign in to TenantPilot"));

    let session = app.session_for("owner@contoso.test").await;
    app.post_form(
        "/account",
        &session,
        &[("display_name", "Olivia"), ("locale", "de")],
    )
    .await;
    let r = app
        .send(
            Request::builder()
                .uri("/admin/t/contoso")
                .header("cookie", &session.cookie)
                .header("accept-language", "en")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(
        r.body.contains("Anbieterverbindung"),
        "user setting beats the header"
    );
}

#[tokio::test]
async fn the_openapi_document_lists_every_api_route() {
    let app = TestApp::new().await;
    let doc = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(|m| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let served: BTreeSet<(String, String)> = tenantpilot::route_table()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/"))
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(documented, served);
    assert!(doc["components"]["schemas"]["ProblemDoc"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// Tables and their columns from `CREATE TABLE` and `ALTER TABLE … ADD COLUMN` statements (our
/// migrations keep one column per line, constraints after the columns).
fn declared_schema(sql: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut table: Option<String> = None;
    for line in sql.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("ALTER TABLE ") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            if let [t, "ADD", "COLUMN", column, ..] = words.as_slice() {
                out.insert((t.to_string(), column.to_string()));
            }
        } else if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
            table = rest.split_whitespace().next().map(str::to_string);
        } else if line.starts_with(')') {
            table = None;
        } else if let Some(t) = &table {
            let first = line.split_whitespace().next().unwrap_or("");
            let keyword =
                ["PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT", ""].contains(&first);
            if !keyword {
                out.insert((t.clone(), first.to_string()));
            }
        }
    }
    out
}

async fn live_schema(db: &Db) -> BTreeSet<(String, String)> {
    let rows: Vec<(String, String)> = match db {
        Db::Sqlite(p) => sqlx::query_as(
            "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(p)
        .await
        .unwrap(),
        Db::Postgres(p) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = 'public'",
        )
        .fetch_all(p)
        .await
        .unwrap(),
    };
    rows.into_iter().collect()
}

#[tokio::test]
async fn both_dialects_define_the_same_tables_and_columns() {
    let mut files = BTreeSet::new();
    for dialect in ["sqlite", "postgres"] {
        let names: BTreeSet<String> = std::fs::read_dir(format!("migrations/{dialect}"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.insert(names);
    }
    assert_eq!(files.len(), 1, "same migration files in both folders");
    let embedded: BTreeSet<String> = MIGRATIONS
        .iter()
        .map(|m| format!("{}_{}.sql", m.version, m.name))
        .collect();
    assert_eq!(
        files.into_iter().next().unwrap(),
        embedded,
        "every file is embedded"
    );
    let sqlite: BTreeSet<_> = MIGRATIONS
        .iter()
        .flat_map(|m| declared_schema(m.sqlite))
        .collect();
    let postgres: BTreeSet<_> = MIGRATIONS
        .iter()
        .flat_map(|m| declared_schema(m.postgres))
        .collect();
    assert!(sqlite.len() > 40, "parsed the migrations: {sqlite:?}");
    assert_eq!(sqlite, postgres);

    // And the live catalog of the database under test matches the declarations.
    let tdb = TestDatabase::new().await;
    let mut live = live_schema(&tdb.db).await;
    live.retain(|(t, _)| !BOOKKEEPING_TABLES.contains(&t.as_str()));
    assert_eq!(live, sqlite);
    // Migrating again is a no-op.
    assert!(
        tenantpilot::db::migrate::run(&tdb.db)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn demo_seed_is_idempotent() {
    let app = TestApp::new().await;
    let counts = || async {
        (
            app.count("SELECT COUNT(*) FROM users").await,
            app.count("SELECT COUNT(*) FROM workspaces").await,
            app.count("SELECT COUNT(*) FROM tenants").await,
            app.count("SELECT COUNT(*) FROM memberships").await,
            app.count("SELECT COUNT(*) FROM tenant_entitlements").await,
        )
    };
    let before = counts().await;
    assert_eq!(before, (6, 2, 3, 5, 1));
    let report = tenantpilot::demo::seed(
        app.db(),
        app.clock.now_for_tests(),
        crate::support::PASSWORD,
    )
    .await
    .unwrap();
    assert_eq!(report.created, 0);
    assert_eq!(counts().await, before);
    let token = app.token_for("readonly@contoso.test").await;
    let tenants = app
        .api(Method::GET, "/api/v1/tenants", Some(&token), None)
        .await
        .json();
    let ids: Vec<_> = tenants["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["external_id"].clone())
        .collect();
    assert_eq!(ids, vec!["contoso"]);
}

#[tokio::test]
async fn ops_endpoints_report_health_readiness_and_metrics() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(ready.header("x-request-id").is_some());
    let session = app.session_for("owner@contoso.test").await;
    app.get("/admin/t/contoso", Some(&session)).await;
    app.get("/admin/t/fabrikam", None).await;
    let metrics = app.get("/metrics", None).await.body;
    assert!(
        metrics.contains(r#"route="/admin/t/{tenant}""#),
        "{metrics}"
    );
    assert!(metrics.contains("http_request_duration_seconds_bucket"));
    assert!(
        metrics.contains(r#"status="302""#),
        "final status after login redirect"
    );
    assert!(
        !metrics.contains("/admin/t/contoso"),
        "labels use templates, not raw paths"
    );
    app.db().close().await;
    assert_eq!(
        app.get("/readyz", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn the_cli_manages_users_workspaces_members_and_names_bad_flags() {
    let tdb = TestDatabase::new().await;
    let url = tdb.url.clone();
    let run = move |args: Vec<&'static str>, stdin: Option<&'static str>| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || crate::support::cli(&url, &args, &[], stdin))
    };
    let (code, out, _) = run(
        vec![
            "workspace",
            "create",
            "--slug",
            "acme-msp",
            "--name",
            "Acme MSP",
        ],
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}");
    let (code, _, err) = run(
        vec!["workspace", "create", "--slug", "Bad Slug", "--name", "X"],
        None,
    )
    .await
    .unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("--slug"), "{err}");
    let (code, _, _) = run(
        vec![
            "tenant",
            "create",
            "--workspace",
            "acme-msp",
            "--external-id",
            "acme",
            "--name",
            "Acme",
        ],
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0);
    let (code, _, err) = run(
        vec![
            "tenant",
            "create",
            "--workspace",
            "nope",
            "--external-id",
            "x1",
            "--name",
            "X",
        ],
        None,
    )
    .await
    .unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("--workspace"), "{err}");
    let (code, _, err) = run(
        vec![
            "user",
            "create",
            "--email",
            "eve@acme.test",
            "--password-stdin",
        ],
        Some("short\n"),
    )
    .await
    .unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("--password"), "{err}");
    let (code, out, _) = run(
        vec![
            "user",
            "create",
            "--email",
            "eve@acme.test",
            "--password-stdin",
        ],
        Some("long-enough-pass\n"),
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}");
    let (code, _, err) = run(
        vec![
            "member",
            "add",
            "--workspace",
            "acme-msp",
            "--email",
            "eve@acme.test",
            "--role",
            "admin",
            "--all-tenants",
        ],
        None,
    )
    .await
    .unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("--role"), "{err}");
    let (code, _, err) = run(
        vec![
            "member",
            "add",
            "--workspace",
            "acme-msp",
            "--email",
            "eve@acme.test",
            "--role",
            "operator",
            "--tenants",
            "acme,ghost",
        ],
        None,
    )
    .await
    .unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("--tenants"), "{err}");
    let (code, _, _) = run(
        vec![
            "member",
            "add",
            "--workspace",
            "acme-msp",
            "--email",
            "eve@acme.test",
            "--role",
            "operator",
            "--tenants",
            "acme",
        ],
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0);
    let (code, token, _) = run(
        vec![
            "token",
            "create",
            "--email",
            "eve@acme.test",
            "--name",
            "ci",
        ],
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0);
    let (code, _, err) = run(vec!["token", "create", "--email", "nobody@acme.test"], None)
        .await
        .unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("--email"), "{err}");
    let (code, _, err) = run(
        vec![
            "member",
            "add",
            "--workspace",
            "acme-msp",
            "--email",
            "eve@acme.test",
            "--role",
            "operator",
        ],
        None,
    )
    .await
    .unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("--tenants or --all-tenants"), "{err}");

    // The token printed by the CLI works against the API of a service on the same database.
    let state = tenantpilot::state::AppState::new(
        tdb.db.clone(),
        tenantpilot::config::Config::default(),
        std::sync::Arc::new(tenantpilot::clock::SystemClock),
    );
    let router = tenantpilot::app(state);
    let request = Request::builder()
        .uri("/api/v1/tenants")
        .header("authorization", format!("Bearer {}", token.trim()))
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(router, request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["items"][0]["external_id"], "acme");
    assert_eq!(json["items"][0]["role"], "operator");
}

//! Sessions, login throttling, CSRF, API tokens and the audit log, through the router, on the
//! backend the environment selects.

use crate::support::{NowForTests, PASSWORD, Session, TestApp};
use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::json;
use tenantpilot::{
    audit::{self, AuditContext, AuditEntry},
    config::Config,
    features::{tenants, workspaces},
};

#[tokio::test]
async fn login_sets_a_hardened_cookie_and_rotates_the_session() {
    let app = TestApp::new().await;
    let first = app.login("owner@contoso.test").await;
    // Sign in again while holding the first session: the old id must die.
    let anon = app.anonymous().await;
    let both = Session {
        cookie: format!("{}; {}", anon.cookie, first.cookie),
        csrf: anon.csrf.clone(),
    };
    let r = app
        .post_form(
            "/login",
            &Session {
                csrf: first.csrf.clone(),
                ..both
            },
            &[("email", "owner@contoso.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let set = r
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("tp_session="))
        .expect("new session cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    assert!(
        !set.contains("Secure"),
        "plain http must not set Secure: {set}"
    );
    let second = format!("tp_session={}", r.cookie("tp_session").unwrap());
    assert_ne!(second, first.cookie, "session id rotated");
    let old = app.get("/admin/w/contoso-msp", Some(&first)).await;
    assert_eq!(old.status, StatusCode::FOUND, "old session no longer valid");
    assert!(old.header("location").unwrap().starts_with("/login?next="));

    let https = Config {
        public_url: "https://tenantpilot.example".into(),
        ..Config::default()
    };
    let secure_app = TestApp::with_config(https).await;
    let anon = secure_app.anonymous().await;
    let r = secure_app
        .post_form(
            "/login",
            &anon,
            &[("email", "owner@contoso.test"), ("password", PASSWORD)],
        )
        .await;
    let set = r
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("tp_session="))
        .unwrap();
    assert!(
        set.contains("Secure"),
        "https deployment sets Secure: {set}"
    );
}

#[tokio::test]
async fn sessions_work_across_instances_and_expire() {
    let app = TestApp::new().await;
    let session = app.login("manager@contoso.test").await;
    // A second instance over the same database honours the session.
    let other_instance = tenantpilot::app(app.state.clone());
    let request = axum::http::Request::builder()
        .uri("/admin/t/contoso")
        .header("host", "localhost")
        .header("cookie", &session.cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let r = tower::ServiceExt::oneshot(other_instance, request)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Idle expiry.
    app.clock
        .advance(Duration::minutes(app.state.config.session.idle_minutes + 1));
    let r = app.get("/admin/t/contoso", Some(&session)).await;
    assert_eq!(r.status, StatusCode::FOUND);

    // Absolute expiry, even when active.
    let session = app.session_for("manager@contoso.test").await;
    for _ in 0..(app.state.config.session.absolute_hours / 6) {
        app.clock.advance(Duration::hours(6));
        let _ = app.get("/account", Some(&session)).await;
    }
    app.clock.advance(Duration::hours(6));
    assert_eq!(
        app.get("/account", Some(&session)).await.status,
        StatusCode::FOUND
    );
}

#[tokio::test]
async fn logout_ends_the_session_and_is_audited() {
    let app = TestApp::new().await;
    let session = app.login("operator@contoso.test").await;
    let r = app.post_form("/logout", &session, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/login"));
    assert_eq!(
        app.get("/account", Some(&session)).await.status,
        StatusCode::FOUND
    );
    assert_eq!(
        audit::repo::count_action(app.db(), "auth.logout")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        audit::repo::count_action(app.db(), "auth.login")
            .await
            .unwrap(),
        1
    );
    let page = app.get("/login", None).await;
    assert!(
        !page.body.contains("You have been signed out"),
        "flash only after redirect"
    );
}

#[tokio::test]
async fn login_throttles_per_account_without_revealing_accounts() {
    let app = TestApp::new().await;
    let anon = app.anonymous().await;
    let wrong_known = app
        .post_form(
            "/login",
            &anon,
            &[("email", "owner@contoso.test"), ("password", "nope-nope")],
        )
        .await;
    let wrong_unknown = app
        .post_form(
            "/login",
            &anon,
            &[("email", "ghost@contoso.test"), ("password", "nope-nope")],
        )
        .await;
    assert_eq!(wrong_known.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_unknown.status, wrong_known.status);
    assert!(
        wrong_known
            .body
            .contains("E-mail address or password is incorrect.")
    );
    assert!(
        wrong_unknown
            .body
            .contains("E-mail address or password is incorrect.")
    );
    assert!(
        wrong_known.body.contains("value=\"owner@contoso.test\""),
        "typed e-mail kept"
    );

    for _ in 1..5 {
        app.post_form(
            "/login",
            &anon,
            &[("email", "owner@contoso.test"), ("password", "nope-nope")],
        )
        .await;
        app.post_form(
            "/login",
            &anon,
            &[("email", "ghost@contoso.test"), ("password", "nope-nope")],
        )
        .await;
    }
    // Now even the right password is refused, with a clear message, for both kinds of account.
    let blocked = app
        .post_form(
            "/login",
            &anon,
            &[("email", "owner@contoso.test"), ("password", PASSWORD)],
        )
        .await;
    let blocked_unknown = app
        .post_form(
            "/login",
            &anon,
            &[("email", "ghost@contoso.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(blocked_unknown.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        blocked
            .body
            .contains("Too many sign-in attempts. Try again in 15 minutes.")
    );
    assert!(blocked.header("retry-after").is_some());
    // Another account is unaffected.
    let other = app
        .post_form(
            "/login",
            &anon,
            &[("email", "manager@contoso.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
    // After the window the account can sign in again.
    app.clock.advance(Duration::minutes(16));
    let ok = app
        .post_form(
            "/login",
            &anon,
            &[("email", "owner@contoso.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn login_throttles_per_client_address() {
    let mut config = Config::default();
    config.login_throttle.max_ip_failures = 3;
    config.login_throttle.trust_forwarded_for = true;
    let app = TestApp::with_config(config).await;
    let anon = app.anonymous().await;
    let attempt = |email: &'static str, ip: &'static str, password: &'static str| {
        let anon = anon.clone();
        let app = &app;
        async move {
            let body = serde_urlencoded::to_string([
                ("_csrf", anon.csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .unwrap();
            let request = axum::http::Request::builder()
                .method("POST")
                .uri("/login")
                .header("host", "localhost")
                .header("cookie", &anon.cookie)
                .header("x-forwarded-for", ip)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(body))
                .unwrap();
            app.send(request).await.status
        }
    };
    for email in ["a@x.test", "b@x.test", "c@x.test"] {
        assert_eq!(
            attempt(email, "203.0.113.7", "wrong-pass").await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        attempt("owner@contoso.test", "203.0.113.7", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        attempt("owner@contoso.test", "198.51.100.1", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn cross_site_and_tokenless_posts_are_rejected() {
    let app = TestApp::new().await;
    let session = app.session_for("owner@contoso.test").await;
    let post = |extra: Vec<(&'static str, &'static str)>, token: Option<String>| {
        let session = session.clone();
        let app = &app;
        async move {
            let mut fields = vec![("display_name".to_string(), "Changed".to_string())];
            if let Some(t) = token {
                fields.push(("_csrf".into(), t));
            }
            let mut b = axum::http::Request::builder()
                .method("POST")
                .uri("/account")
                .header("host", "localhost")
                .header("cookie", &session.cookie)
                .header("content-type", "application/x-www-form-urlencoded");
            for (k, v) in extra {
                b = b.header(k, v);
            }
            app.send(
                b.body(axum::body::Body::from(
                    serde_urlencoded::to_string(&fields).unwrap(),
                ))
                .unwrap(),
            )
            .await
        }
    };
    let good = Some(session.csrf.clone());
    let cross_origin = post(vec![("origin", "https://evil.example")], good.clone()).await;
    assert_eq!(cross_origin.status, StatusCode::FORBIDDEN);
    assert!(cross_origin.body.contains("Form expired"));
    assert_eq!(
        post(vec![("sec-fetch-site", "cross-site")], good.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(post(vec![], None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        post(vec![], Some("forged".into())).await.status,
        StatusCode::FORBIDDEN
    );
    let user = tenantpilot::auth::users::find_by_email(app.db(), "owner@contoso.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        user.display_name, "Olivia Owner",
        "nothing changed by rejected posts"
    );
    assert_eq!(
        post(vec![("origin", "http://localhost")], good)
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // The login form needs the pre-session cookie it was rendered with.
    let anon = app.anonymous().await;
    let no_cookie = Session {
        cookie: String::new(),
        csrf: anon.csrf.clone(),
    };
    let r = app
        .post_form(
            "/login",
            &no_cookie,
            &[("email", "owner@contoso.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// Behind a reverse proxy that rewrites `Host` to an internal name, a same-origin form carries
/// `Origin: <public_url>`, which no longer equals `Host`: trusting `public_url`'s origin keeps
/// it working, while a foreign origin stays refused (and a request straight to the proxy's
/// host, without the rewrite, is the positive control of the same-host rule).
#[tokio::test]
async fn forms_behind_a_host_rewriting_proxy_are_accepted_from_public_url_only() {
    let config = Config {
        public_url: "https://console.example".into(),
        ..Config::default()
    };
    let app = TestApp::with_config(config).await;
    let session = app.session_for("owner@contoso.test").await;
    let post = |host: &'static str, origin: &'static str, fetch_site: Option<&'static str>| {
        let session = session.clone();
        let app = &app;
        async move {
            let body = serde_urlencoded::to_string([
                ("_csrf", session.csrf.as_str()),
                ("display_name", "Behind Proxy"),
            ])
            .unwrap();
            let mut b = axum::http::Request::builder()
                .method("POST")
                .uri("/account")
                .header("host", host)
                .header("origin", origin)
                .header("cookie", &session.cookie)
                .header("content-type", "application/x-www-form-urlencoded");
            if let Some(site) = fetch_site {
                b = b.header("sec-fetch-site", site);
            }
            app.send(b.body(axum::body::Body::from(body)).unwrap())
                .await
                .status
        }
    };
    let internal = "tenantpilot.internal:8080";
    assert_eq!(
        post(internal, "https://console.example", None).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        post(internal, "https://console.example", Some("cross-site")).await,
        StatusCode::SEE_OTHER,
        "public_url is trusted even where the browser cannot tell it is the same site"
    );
    assert_eq!(
        post(internal, "https://evil.example", None).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(internal, "https://console.example.evil.example", None).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(internal, "https://evil.example", Some("cross-site")).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post("console.example", "https://console.example", None).await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn api_tokens_are_hashed_and_only_work_on_the_api() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    assert!(token.starts_with("tp_"));
    let stored: i64 = tenantpilot::with_db!(app.db(), |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1"
    )
    .bind(&token)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(stored, 0, "plaintext never stored");
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some(&token), None)
            .await
            .json()["email"],
        "owner@contoso.test"
    );
    let bad = app
        .api(Method::GET, "/api/v1/me", Some("tp_not-a-real-token"), None)
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.header("content-type"), Some("application/problem+json"));
    // A session cookie is not an API credential (no CSRF surface on the API).
    let session = app.session_for("owner@contoso.test").await;
    let r = app
        .send(
            axum::http::Request::builder()
                .uri("/api/v1/me")
                .header("cookie", &session.cookie)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // And a token is not a browser session.
    let r = app
        .send(
            axum::http::Request::builder()
                .uri("/admin/t/contoso")
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
}

#[tokio::test]
async fn a_failing_change_leaves_no_audit_row() {
    let app = TestApp::new().await;
    let now = app.clock.now_for_tests();
    let before = app.count("SELECT COUNT(*) FROM audit_events").await;

    // The record shares the caller's transaction: roll the change back and the row goes too.
    let mut tx = app.db().begin().await.unwrap();
    audit::record(
        &mut tx,
        &AuditContext::cli(),
        now,
        AuditEntry {
            action: "tenant.created",
            workspace_id: None,
            tenant_id: None,
            target_type: "tenant",
            target_id: "doomed".into(),
            metadata: json!({}),
        },
    )
    .await
    .unwrap();
    let ws = workspaces::repo::find_by_slug(app.db(), "contoso-msp")
        .await
        .unwrap()
        .unwrap();
    let duplicate = tenants::repo::insert(&mut tx, ws.id, "contoso", "Duplicate", now).await;
    assert!(duplicate.is_err(), "duplicate external id must fail");
    tx.rollback().await.unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, before);

    // Through the service: the refused duplicate writes no audit row either.
    let err = tenants::service::create(
        app.db(),
        &AuditContext::cli(),
        now,
        "contoso-msp",
        "contoso",
        "Again",
    )
    .await
    .unwrap_err();
    assert!(matches!(err, tenantpilot::error::ServiceError::Invalid(_)));
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, before);

    // And a successful one writes exactly one, with actor and request id from the request.
    let session = app.session_for("owner@contoso.test").await;
    let r = app
        .post_form(
            "/account",
            &session,
            &[("display_name", "Olivia O."), ("locale", "de")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (actor, request_id): (String, Option<String>) =
        tenantpilot::with_db!(app.db(), |p| sqlx::query_as(
            "SELECT actor_label, request_id FROM audit_events WHERE action = 'user.profile_updated'"
        )
        .fetch_one(p)
        .await)
        .unwrap();
    assert_eq!(actor, "owner@contoso.test");
    assert_eq!(
        request_id.map(|r| r.len()),
        Some(26),
        "ULID request id recorded"
    );
}

#[tokio::test]
async fn audit_page_and_api_filter_and_paginate() {
    let app = TestApp::new().await;
    let now = app.clock.now_for_tests();
    for i in 0..55 {
        tenants::service::create(
            app.db(),
            &AuditContext::cli(),
            now,
            "contoso-msp",
            &format!("bulk-{i:02}"),
            &format!("Bulk {i}"),
        )
        .await
        .unwrap();
    }
    let session = app.session_for("owner@contoso.test").await;
    let page1 = app.get("/admin/w/contoso-msp/audit", Some(&session)).await;
    assert_eq!(page1.status, StatusCode::OK);
    assert_eq!(page1.body.matches("<tr><td>").count(), 50);
    assert!(page1.body.contains("rel=\"next\""));
    let page2 = app
        .get("/admin/w/contoso-msp/audit?page=2", Some(&session))
        .await;
    assert!(page2.body.contains("rel=\"prev\""));
    assert!(!page2.body.contains("rel=\"next\""));

    let only_fabrikam = app
        .get(
            "/admin/w/contoso-msp/audit?tenant=fabrikam&action=tenant.created",
            Some(&session),
        )
        .await;
    assert_eq!(only_fabrikam.body.matches("<tr><td>").count(), 1);
    assert!(only_fabrikam.body.contains("<td>Tenant added</td>"));
    let foreign = app
        .get(
            "/admin/w/contoso-msp/audit?tenant=northwind",
            Some(&session),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::OK);
    assert_eq!(
        foreign.body.matches("<tr><td>").count(),
        0,
        "other workspace's tenant shows nothing"
    );

    let token = app.token_for("owner@contoso.test").await;
    let api = app
        .api(
            Method::GET,
            "/api/v1/audit?action=membership.granted&per_page=2",
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(api["items"].as_array().unwrap().len(), 2);
    assert_eq!(api["next_page"], 2);
    assert!(
        api["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["action"] == "membership.granted")
    );
    let p3 = app
        .api(
            Method::GET,
            "/api/v1/audit?action=membership.granted&per_page=2&page=2",
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(
        p3["items"].as_array().unwrap().len(),
        2,
        "4 members in contoso-msp"
    );
    assert!(p3["next_page"].is_null());

    // Several workspaces: the API asks which one instead of guessing.
    tenantpilot::features::members::service::add_member(
        app.db(),
        &AuditContext::cli(),
        now,
        "northwind-msp",
        "owner@contoso.test",
        tenantpilot::access::Role::Readonly,
        workspaces::model::TenantSelection::All,
    )
    .await
    .unwrap();
    let ambiguous = app
        .api(Method::GET, "/api/v1/audit", Some(&token), None)
        .await;
    assert_eq!(ambiguous.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        ambiguous.json()["type"],
        "urn:tenantpilot:problem:workspace-required"
    );
    let unknown_param = app
        .api(Method::GET, "/api/v1/audit?wrkspace=x", Some(&token), None)
        .await;
    assert_eq!(unknown_param.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn platform_users_cannot_join_workspaces() {
    let app = TestApp::new().await;
    let err = tenantpilot::features::members::service::add_member(
        app.db(),
        &AuditContext::cli(),
        app.clock.now_for_tests(),
        "contoso-msp",
        "platform@tenantpilot.test",
        tenantpilot::access::Role::Owner,
        workspaces::model::TenantSelection::All,
    )
    .await
    .unwrap_err();
    assert!(format!("{err}").contains("validation-platform-user-not-member"));
    let platform = app.session_for("platform@tenantpilot.test").await;
    assert_eq!(
        app.get("/admin", Some(&platform)).await.header("location"),
        Some("/system")
    );
}

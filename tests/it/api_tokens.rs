//! API token lifecycle (issue 11, point 3): expiry from config or chosen, revoked and expired
//! tokens answered exactly like unknown ones, `last_used_at` at most once a minute, audited
//! create and revoke without the secret, the account page, `/api/v1/me/tokens` and the CLI.

use crate::support::{NowForTests, Session, TestApp, csrf_in};
use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::Value;
use tenantpilot::{
    auth::tokens::{self, Expiry},
    config::Config,
};

const OWNER: &str = "owner@contoso.test";

/// A problem body without the parts that differ per request.
fn comparable(body: &str) -> Value {
    let mut v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let o = v.as_object_mut().expect("problem object");
    o.remove("request_id");
    o.remove("instance");
    v
}

async fn create_via_api(app: &TestApp, token: &str, body: &str) -> crate::support::Resp {
    app.api(Method::POST, "/api/v1/me/tokens", Some(token), Some(body))
        .await
}

async fn stored(app: &TestApp, id: i64) -> tokens::ApiToken {
    tokens::find(app.db(), tokens::Whose::Anyone, id)
        .await
        .unwrap()
        .expect("token row")
}

fn expires_in_days(created: &Value) -> Option<i64> {
    let t = &created["token"];
    let at = |k: &str| {
        t[k].as_str()
            .map(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap())
    };
    at("expires_at").map(|e| (e - at("created_at").unwrap()).num_days())
}

#[tokio::test]
async fn expiry_defaults_to_the_configured_days_and_can_be_chosen() {
    assert_eq!(Config::default().api_tokens.default_days, 90);
    let app = TestApp::new().await;
    let token = app.token_for(OWNER).await;
    let r = create_via_api(&app, &token, r#"{"name":"default"}"#).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(expires_in_days(&r.json()), Some(90));

    let mut config = Config::default();
    config.api_tokens.default_days = 30;
    let app = TestApp::with_config(config).await;
    let token = app.token_for(OWNER).await;
    let r = create_via_api(&app, &token, r#"{"name":"from config"}"#).await;
    assert_eq!(expires_in_days(&r.json()), Some(30));
    let r = create_via_api(&app, &token, r#"{"name":"week","expires_in_days":7}"#).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(expires_in_days(&r.json()), Some(7));
    // JSON Schema counts 7.0 as the integer 7, so the API does too; 7.5 is the wrong type.
    let r = create_via_api(&app, &token, r#"{"name":"week","expires_in_days":7.0}"#).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(expires_in_days(&r.json()), Some(7));
    let r = create_via_api(&app, &token, r#"{"name":"week","expires_in_days":7.5}"#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["field"], "expires_in_days");
    assert_eq!(r.json()["errors"][0]["code"], "invalid_type");
    let r = create_via_api(&app, &token, r#"{"name":"forever","no_expiry":true}"#).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let created = r.json();
    assert!(created["token"]["expires_at"].is_null(), "{created}");
    assert_eq!(created["token"]["state"], "active");
    assert!(created["secret"].as_str().unwrap().starts_with("tp_"));

    for body in [
        r#"{"name":"both","expires_in_days":7,"no_expiry":true}"#,
        r#"{"name":"zero","expires_in_days":0}"#,
        r#"{"name":"too long","expires_in_days":3651}"#,
    ] {
        let r = create_via_api(&app, &token, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(r.json()["errors"][0]["field"], "expires_in_days", "{body}");
    }
    let r = create_via_api(&app, &token, r#"{"name":"  "}"#).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "name");
}

#[tokio::test]
async fn expired_and_revoked_tokens_get_the_same_401_as_an_unknown_one() {
    let app = TestApp::new().await;
    let created = app.token_with(OWNER, "short-lived", Expiry::Days(1)).await;
    let revoked = app.token_for(OWNER).await;
    let me = |t: String| {
        let app = &app;
        async move { app.api(Method::GET, "/api/v1/me", Some(&t), None).await }
    };
    // Positive controls: both work before they expire or are revoked.
    assert_eq!(me(created.secret.clone()).await.status, StatusCode::OK);
    assert_eq!(me(revoked.clone()).await.status, StatusCode::OK);

    let unknown = me(format!("tp_{}", "x".repeat(43))).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.header("content-type"),
        Some("application/problem+json")
    );

    app.clock
        .advance(Duration::hours(23) + Duration::minutes(59));
    assert_eq!(
        me(created.secret.clone()).await.status,
        StatusCode::OK,
        "still valid a minute before its expiry"
    );
    app.clock.advance(Duration::minutes(1));
    let expired = me(created.secret.clone()).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        expired.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(comparable(&expired.body), comparable(&unknown.body));

    let session_token = app.token_for(OWNER).await;
    let list = app
        .api(Method::GET, "/api/v1/me/tokens", Some(&session_token), None)
        .await
        .json();
    let id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| revoked.starts_with(t["prefix"].as_str().unwrap()))
        .expect("revoked-to-be token listed")["id"]
        .as_i64()
        .unwrap();
    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/me/tokens/{id}"),
            Some(&session_token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let after = me(revoked).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(comparable(&after.body), comparable(&unknown.body));
    // The list tells the two apart for their owner.
    let states: Vec<Value> = app
        .api(Method::GET, "/api/v1/me/tokens", Some(&session_token), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].clone())
        .collect();
    assert!(states.contains(&Value::from("expired")), "{states:?}");
    assert!(states.contains(&Value::from("revoked")), "{states:?}");
}

#[tokio::test]
async fn last_used_at_is_written_at_most_once_a_minute() {
    let app = TestApp::new().await;
    let created = app.token_with(OWNER, "touch", Expiry::Never).await;
    let id = created.token.id;
    assert_eq!(stored(&app, id).await.last_used_at, None);
    let start = app.clock.now_for_tests();
    let call = || app.api(Method::GET, "/api/v1/me", Some(&created.secret), None);
    assert_eq!(call().await.status, StatusCode::OK);
    assert_eq!(stored(&app, id).await.last_used_at, Some(start));
    app.clock.advance(Duration::seconds(59));
    call().await;
    assert_eq!(
        stored(&app, id).await.last_used_at,
        Some(start),
        "a use within the minute writes nothing"
    );
    app.clock.advance(Duration::seconds(1));
    call().await;
    assert_eq!(
        stored(&app, id).await.last_used_at,
        Some(start + Duration::seconds(60)),
        "a use a minute later is recorded"
    );
    // The conditional update itself refuses a second write within the minute, whatever the
    // caller read before (two instances racing).
    let now = app.clock.now_for_tests();
    let since = now - Duration::seconds(tokens::TOUCH_INTERVAL_SECS);
    let rows =
        tenantpilot::auth::tokens_repo::touch(app.db(), id, now + Duration::seconds(5), since)
            .await
            .unwrap();
    assert_eq!(rows, 0);
}

async fn audit_row(app: &TestApp, action: &str, id: i64) -> (String, String) {
    tenantpilot::with_db!(app.db(), |p| sqlx::query_as::<_, (String, String)>(
        "SELECT target_id, CAST(metadata AS TEXT) FROM audit_events
         WHERE action = $1 AND target_id = $2"
    )
    .bind(action)
    .bind(id.to_string())
    .fetch_one(p)
    .await)
    .unwrap_or_else(|e| panic!("{action} audit row for {id}: {e}"))
}

#[tokio::test]
async fn create_and_revoke_are_audited_without_the_secret() {
    let app = TestApp::new().await;
    let token = app.token_for(OWNER).await;
    let created = create_via_api(&app, &token, r#"{"name":"audited","expires_in_days":5}"#)
        .await
        .json();
    let secret = created["secret"].as_str().unwrap().to_string();
    let id = created["token"]["id"].as_i64().unwrap();
    let (target, meta) = audit_row(&app, "api_token.created", id).await;
    assert_eq!(target, id.to_string(), "positive control: the token id");
    assert!(meta.contains("audited"), "the name is recorded: {meta}");
    assert!(meta.contains("expires_at"), "{meta}");
    let random_part = &secret[tokens::PREFIX.len()..];
    assert!(!meta.contains(random_part), "{meta}");
    assert!(!meta.contains(&random_part[..12]), "{meta}");

    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/me/tokens/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let (target, meta) = audit_row(&app, "api_token.revoked", id).await;
    assert_eq!(target, id.to_string());
    assert!(meta.contains("audited"), "{meta}");
    assert!(!meta.contains(&random_part[..12]), "{meta}");
    let actor = app
        .int(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'api_token.revoked'
             AND target_id = $1 AND actor_user_id = $2",
            &[(&id.to_string()).into(), app.user_id(OWNER).await.into()],
        )
        .await;
    assert_eq!(actor, 1, "the owner is the actor");
    // Revoking again changes nothing and audits nothing.
    app.api(
        Method::DELETE,
        &format!("/api/v1/me/tokens/{id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'api_token.revoked'")
            .await,
        1
    );
}

/// The secret shown in an account page, when there is one.
fn secret_in(html: &str) -> Option<String> {
    let marker = "data-testid=\"new-token-secret\">";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('<')? + start;
    Some(html[start..end].to_string())
}

#[tokio::test]
async fn the_account_page_shows_a_new_secret_once_and_lists_the_token() {
    let app = TestApp::new().await;
    let session = app.login(OWNER).await;
    let page = app.get("/account", Some(&session)).await;
    assert!(page.body.contains("data-testid=\"token-form\""));
    let r = app
        .post_form(
            "/account/tokens",
            &session,
            &[("name", "laptop script"), ("expiry", "default")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("location"), None, "no redirect carries the secret");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.cookies().iter().all(|c| !c.contains("tp_flash")));
    let secret = secret_in(&r.body).expect("secret shown after create");
    assert!(secret.starts_with("tp_"));
    assert!(
        r.body.contains("data-copy=\"new-token-secret\""),
        "copy button"
    );
    let button = &r.body[r.body.find("data-copy=").unwrap()..];
    let button = &button[..button.find('>').unwrap()];
    assert!(
        button.ends_with(" hidden"),
        "the copy button appears only with JavaScript: {button}"
    );
    // The secret is the real token.
    let me = app
        .api(Method::GET, "/api/v1/me", Some(&secret), None)
        .await;
    assert_eq!(me.status, StatusCode::OK);

    let reload = app.get("/account", Some(&session)).await;
    assert_eq!(reload.status, StatusCode::OK);
    assert_eq!(secret_in(&reload.body), None);
    assert!(!reload.body.contains(&secret[3..]), "the secret is gone");
    assert!(reload.body.contains("laptop script"), "listed by name");
    assert!(
        reload.body.contains(&format!("{}…", &secret[..9])),
        "prefix"
    );
    assert!(reload.body.contains("data-state=\"active\""));
    assert!(reload.body.contains("2026-11-23 09:00 UTC"), "created");
    assert!(
        reload.body.contains("2027-02-21 09:00 UTC"),
        "expires in 90 days"
    );

    // Validation keeps the input and names the field; "no expiry" is a choice of its own.
    let r = app
        .post_form(
            "/account/tokens",
            &session,
            &[
                ("name", "bad"),
                ("expiry", "days"),
                ("expires_in_days", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("token-days-error"), "{}", r.body);
    assert_eq!(secret_in(&r.body), None);
    let r = app
        .post_form(
            "/account/tokens",
            &session,
            &[("name", "forever"), ("expiry", "never")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(secret_in(&r.body).is_some());
    assert!(r.body.contains("No expiry"));
}

#[tokio::test]
async fn account_forms_without_csrf_are_rejected() {
    let app = TestApp::new().await;
    let session = app.login(OWNER).await;
    let count = || app.count("SELECT COUNT(*) FROM api_tokens");
    let before = count().await;
    let forged = Session {
        cookie: session.cookie.clone(),
        csrf: "forged".into(),
    };
    let r = app
        .post_form("/account/tokens", &forged, &[("name", "forged")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(count().await, before);
    // Positive control: the same form with the session's token creates one.
    let r = app
        .post_form("/account/tokens", &session, &[("name", "real")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(count().await, before + 1);
}

#[tokio::test]
async fn revoking_on_the_account_page_asks_first_and_checks_csrf() {
    let app = TestApp::new().await;
    let session = app.login(OWNER).await;
    let created = app.token_with(OWNER, "to revoke", Expiry::Days(10)).await;
    let id = created.token.id;
    let page = app.get("/account", Some(&session)).await;
    let link = format!("/account/tokens/{id}/revoke");
    assert!(page.body.contains(&format!("href=\"{link}\"")));

    let confirm = app.get(&link, Some(&session)).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("to revoke"));
    assert!(
        confirm
            .body
            .contains(&format!("method=\"post\" action=\"{link}\""))
    );
    let csrf = csrf_in(&confirm.body).expect("csrf in the confirm form");
    assert_eq!(csrf, session.csrf);
    // Looking at the confirm page changes nothing.
    assert!(stored(&app, id).await.revoked_at.is_none());

    let forged = Session {
        cookie: session.cookie.clone(),
        csrf: "forged".into(),
    };
    assert_eq!(
        app.post_form(&link, &forged, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(stored(&app, id).await.revoked_at.is_none());

    let r = app.post_form(&link, &session, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/account"));
    assert_eq!(r.cookie("tp_flash").as_deref(), Some("flash-token-revoked"));
    assert!(stored(&app, id).await.revoked_at.is_some());
    let api = app
        .api(Method::GET, "/api/v1/me", Some(&created.secret), None)
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    let page = app.get("/account", Some(&session)).await;
    assert!(page.body.contains("data-state=\"revoked\""));
    assert!(!page.body.contains(&format!("href=\"{link}\"")));
    // Asking again tells the user it was already done.
    let again = app.get(&link, Some(&session)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(
        again.cookie("tp_flash").as_deref(),
        Some("flash-token-already-revoked")
    );

    // Another user's token is not there for this user.
    let other = app.login("owner@northwind.test").await;
    let theirs = app.token_with(OWNER, "not yours", Expiry::Days(10)).await;
    let link = format!("/account/tokens/{}/revoke", theirs.token.id);
    assert_eq!(
        app.get(&link, Some(&other)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post_form(&link, &other, &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(stored(&app, theirs.token.id).await.revoked_at.is_none());
    assert_eq!(
        app.get("/account/tokens/abc/revoke", Some(&other))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_api_lists_creates_and_revokes_only_the_callers_tokens() {
    let app = TestApp::new().await;
    let token = app.token_for(OWNER).await;
    let r = create_via_api(&app, &token, r#"{"name":"ci"}"#).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let created = r.json();
    let id = created["token"]["id"].as_i64().unwrap();
    let list = app
        .api(Method::GET, "/api/v1/me/tokens", Some(&token), None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0]["id"], id, "newest first");
    assert_eq!(items[0]["name"], "ci");
    assert!(
        !list
            .body
            .contains(&created["secret"].as_str().unwrap()[3..]),
        "the list never carries a secret"
    );

    let other = app.token_for("owner@northwind.test").await;
    let theirs = app
        .api(Method::GET, "/api/v1/me/tokens", Some(&other), None)
        .await
        .json();
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1, "{theirs}");
    let path = format!("/api/v1/me/tokens/{id}");
    let foreign = app.api(Method::DELETE, &path, Some(&other), None).await;
    let unknown = app
        .api(
            Method::DELETE,
            "/api/v1/me/tokens/999999",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(comparable(&foreign.body), comparable(&unknown.body));
    assert!(stored(&app, id).await.revoked_at.is_none());
    assert_eq!(
        app.api(Method::DELETE, "/api/v1/me/tokens/x", Some(&token), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let r = app.api(Method::DELETE, &path, Some(&token), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.body.is_empty());
    assert!(stored(&app, id).await.revoked_at.is_some());
    let again = app.api(Method::DELETE, &path, Some(&token), None).await;
    assert_eq!(again.status, StatusCode::NO_CONTENT, "idempotent");
    assert_eq!(
        app.api(Method::GET, "/api/v1/me/tokens", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_cli_creates_lists_and_revokes_tokens() {
    let app = TestApp::new().await;
    let url = app.tdb.url.clone();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let url = url.clone();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let env: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            crate::support::cli(&url, &args, &env, None)
        })
    };
    let (code, out, err) = run(
        &["token", "create", "--email", OWNER, "--name", "ci"],
        &[("TENANTPILOT_API_TOKENS__DEFAULT_DAYS", "30")],
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    let secret = out.trim().to_string();
    assert!(secret.starts_with("tp_") && !secret.contains('\n'), "{out}");
    assert!(err.contains("shown only now"), "{err}");
    assert!(err.contains("expires 20"), "{err}");
    let all = tokens::list_for_email(app.db(), OWNER).await.unwrap();
    let ci = all.iter().find(|t| t.name == "ci").expect("stored");
    assert_eq!(
        ci.expires_at.map(|e| (e - ci.created_at).num_days()),
        Some(30),
        "default from config"
    );
    assert!(
        tokens::resolve(app.db(), &secret, chrono::Utc::now())
            .await
            .unwrap()
            .is_some(),
        "the printed token works"
    );

    let create = |extra: &[&str]| {
        let mut args = vec!["token", "create", "--email", OWNER];
        args.extend_from_slice(extra);
        run(&args, &[])
    };
    let (code, _, err) = create(&["--expires-in-days", "7"]).await.unwrap();
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = create(&["--no-expiry"]).await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("never expires"), "{err}");
    for bad in ["0", "-3", "3651"] {
        let (code, _, err) = create(&["--expires-in-days", bad]).await.unwrap();
        assert_ne!(code, 0, "{bad}");
        assert!(
            err.contains("--expires-in-days") && err.contains("1 to 3650"),
            "{bad}: {err}"
        );
    }
    let (code, _, err) = create(&["--expires-in-days", "7", "--no-expiry"])
        .await
        .unwrap();
    assert_ne!(code, 0);
    assert!(
        err.contains("--no-expiry") && err.contains("cannot be used with"),
        "{err}"
    );

    let (code, out, err) = run(&["token", "list", "--email", OWNER], &[])
        .await
        .unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ID"), "{out}");
    assert!(out.contains(&ci.token_prefix), "{out}");
    assert!(out.contains("no expiry"), "{out}");
    assert!(!out.contains(&secret[3..]), "no secret in the list");
    assert_eq!(out.matches(" active").count(), 3, "{out}");

    let id = ci.id.to_string();
    let (code, out, err) = run(&["token", "revoke", &id], &[]).await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("revoked token"), "{out}");
    assert!(
        tokens::resolve(app.db(), &secret, chrono::Utc::now())
            .await
            .unwrap()
            .is_none(),
        "revoked at once"
    );
    let (code, _, err) = run(&["token", "revoke", &id], &[]).await.unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("already revoked"), "{err}");
    let (code, _, err) = run(&["token", "revoke", "999999"], &[]).await.unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("no API token with id 999999"), "{err}");
    let (code, out, _) = run(&["token", "list", "--email", OWNER], &[])
        .await
        .unwrap();
    assert_eq!(code, 0);
    assert!(out.contains(" revoked"), "{out}");
    let (code, _, err) = run(&["token", "list", "--email", "nobody@contoso.test"], &[])
        .await
        .unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("--email"), "{err}");
}

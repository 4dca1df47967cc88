//! Bringing in the team (issue 15): invitations, role and entitlement changes, removal and the
//! last-owner rule, through the router on both databases.

use crate::support::{Session, TestApp, csrf_in};
use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::{Value, json};

const WS: &str = "contoso-msp";

/// Invites `email` through the API as the contoso owner; returns the link's path and the body.
async fn invite(app: &TestApp, owner_token: &str, body: Value) -> (String, Value) {
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/workspaces/{WS}/invitations"),
            Some(owner_token),
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let json = r.json();
    let link = json["link"].as_str().expect("link").to_string();
    let path = link
        .split_once("/invitations/")
        .map(|(_, token)| format!("/invitations/{token}"))
        .expect("link to /invitations/");
    (path, json)
}

/// An anonymous browser that has opened `path` (the page sets its pre-session CSRF cookie).
async fn anonymous_at(app: &TestApp, path: &str) -> (Session, crate::support::Resp) {
    let page = app.get(path, None).await;
    let token = page
        .cookie("tp_csrf")
        .expect("invitation page sets tp_csrf");
    let session = Session {
        cookie: format!("tp_csrf={token}"),
        csrf: csrf_in(&page.body).unwrap_or_default(),
    };
    (session, page)
}

/// A browser session from the `tp_session` cookie of `r`.
async fn session_from(app: &TestApp, r: &crate::support::Resp) -> Session {
    let cookie = format!(
        "tp_session={}",
        r.cookie("tp_session").expect("session cookie")
    );
    let page = app
        .get(
            "/account",
            Some(&Session {
                cookie: cookie.clone(),
                csrf: String::new(),
            }),
        )
        .await;
    Session {
        csrf: csrf_in(&page.body).expect("csrf on account page"),
        cookie,
    }
}

async fn member_id(app: &TestApp, email: &str) -> i64 {
    app.int(
        "SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id
         JOIN workspaces w ON w.id = m.workspace_id WHERE u.email = $1 AND w.slug = $2",
        &[email.into(), WS.into()],
    )
    .await
}

#[tokio::test]
async fn an_invitee_creates_their_account_from_the_link_and_sees_only_the_entitled_tenants() {
    let app = TestApp::new().await;
    let owner = app.token_for("owner@contoso.test").await;
    let (path, issued) = invite(
        &app,
        &owner,
        json!({ "email": "New.Engineer@Contoso.test", "role": "operator", "tenants": ["fabrikam"] }),
    )
    .await;
    assert_eq!(issued["invitation"]["email"], "new.engineer@contoso.test");
    assert_eq!(issued["invitation"]["tenants"], json!(["fabrikam"]));
    assert_eq!(issued["invitation"]["state"], "pending");

    // Listed as pending, without its link.
    let list = app
        .api(
            Method::GET,
            &format!("/api/v1/workspaces/{WS}/invitations"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("new.engineer@contoso.test"));
    let token = path.trim_start_matches("/invitations/");
    assert!(!list.body.contains(token), "the link is shown once only");

    let (anon, page) = anonymous_at(&app, &path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Create account and join"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Contoso MSP"));

    // A too short password is a field error, and nothing is written.
    let users_before = app.count("SELECT COUNT(*) FROM users").await;
    let r = app
        .post_form(
            &path,
            &anon,
            &[("display_name", "Nia"), ("password", "short")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("field-error"));
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users_before);

    let r = app
        .post_form(
            &path,
            &anon,
            &[
                ("display_name", "Nia Engineer"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), Some("/admin/w/contoso-msp"));
    let nia = session_from(&app, &r).await;

    // Entitled to fabrikam only: contoso is 404 for her, fabrikam is hers (the control).
    assert_eq!(
        app.get("/admin/t/fabrikam", Some(&nia)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/admin/t/contoso", Some(&nia)).await.status,
        StatusCode::NOT_FOUND
    );
    let fleet = app.get("/admin/w/contoso-msp", Some(&nia)).await;
    assert!(fleet.body.contains("Fabrikam Inc"));
    assert!(!fleet.body.contains("Contoso Ltd"));

    // Audited, and no audit row carries the token.
    for action in [
        "member.invited",
        "user.created",
        "member.joined",
        "auth.login",
    ] {
        assert!(app.audit_count(action).await >= 1, "{action}");
    }
    let pattern = format!("%{token}%");
    let leaked = app
        .int(
            "SELECT COUNT(*) FROM audit_events WHERE CAST(metadata AS TEXT) LIKE $1",
            &[(&pattern).into()],
        )
        .await;
    assert_eq!(leaked, 0);

    // The link is used: a second use is refused with a page that says so.
    let again = app.get(&path, None).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(
        again.body.contains("already been accepted"),
        "{}",
        again.body
    );
    let r = app
        .post_form(&path, &anon, &[("password", "another long password")])
        .await;
    assert_eq!(r.status, StatusCode::GONE);
}

#[tokio::test]
async fn expired_revoked_and_unknown_links_and_another_users_session_are_refused() {
    let app = TestApp::new().await;
    let owner = app.token_for("owner@contoso.test").await;
    let (expiring, _) = invite(
        &app,
        &owner,
        json!({"email": "a@x.test", "role": "readonly", "all_tenants": true}),
    )
    .await;
    let (revoked, issued) = invite(
        &app,
        &owner,
        json!({"email": "b@x.test", "role": "readonly", "all_tenants": true}),
    )
    .await;
    let (for_b2, _) = invite(
        &app,
        &owner,
        json!({"email": "owner@northwind.test", "role": "readonly", "all_tenants": true}),
    )
    .await;

    let id = issued["invitation"]["id"].as_i64().unwrap();
    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/workspaces/{WS}/invitations/{id}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(app.audit_count("member.invitation_revoked").await, 1);
    let r = app.get(&revoked, None).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.body.contains("withdrawn"));
    // Revoking again is a conflict with a message.
    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/workspaces/{WS}/invitations/{id}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    let r = app.get("/invitations/not-a-real-token", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("not valid"));

    // Someone signed in with another address cannot take the link (a control: the invited
    // user can).
    let manager = app.login("manager@contoso.test").await;
    let r = app.get(&for_b2, Some(&manager)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("another e-mail address"));
    let r = app.post_form(&for_b2, &manager, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let nora = app.login("owner@northwind.test").await;
    let page = app.get(&for_b2, Some(&nora)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Accept and join"));
    let r = app.post_form(&for_b2, &nora, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.get("/admin/t/contoso", Some(&nora)).await.status,
        StatusCode::OK
    );

    // An anonymous visitor of an existing account's link is asked to sign in, not to create one.
    let (anon, page) = anonymous_at(&app, &expiring).await;
    assert!(
        page.body.contains("Create account"),
        "a@x.test has no account"
    );
    app.clock.advance(Duration::days(7) + Duration::minutes(1));
    let r = app.get(&expiring, None).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.body.contains("expired"));
    let r = app
        .post_form(&expiring, &anon, &[("password", "a long enough password")])
        .await;
    assert_eq!(r.status, StatusCode::GONE);
    assert_eq!(
        app.int(
            "SELECT COUNT(*) FROM users WHERE email = $1",
            &["a@x.test".into()]
        )
        .await,
        0
    );

    // A resend makes a new link with a new expiry; the old one stops working.
    let list = app
        .api(
            Method::GET,
            &format!("/api/v1/workspaces/{WS}/invitations"),
            Some(&owner),
            None,
        )
        .await
        .json();
    let expired = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == "a@x.test")
        .expect("expired invitation listed");
    assert_eq!(expired["state"], "expired");
    let r = app
        .api(
            Method::POST,
            &format!(
                "/api/v1/workspaces/{WS}/invitations/{}/resend",
                expired["id"]
            ),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let fresh = r.json()["link"].as_str().unwrap().to_string();
    let fresh_path = format!("/invitations/{}", fresh.rsplit('/').next().unwrap());
    assert_eq!(app.get(&fresh_path, None).await.status, StatusCode::OK);
    assert_eq!(app.get(&expiring, None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_invitations_are_field_errors_or_scope_errors_and_write_nothing() {
    let app = TestApp::new().await;
    let owner = app.token_for("owner@contoso.test").await;
    let path = format!("/api/v1/workspaces/{WS}/invitations");
    let post = |token: String, body: Value| {
        let app = &app;
        let path = path.clone();
        async move {
            app.api(Method::POST, &path, Some(&token), Some(&body.to_string()))
                .await
        }
    };
    let cases = [
        (
            json!({"email": "x@x.test", "role": "boss", "all_tenants": true}),
            "role",
        ),
        (
            json!({"email": "not-an-address", "role": "operator", "all_tenants": true}),
            "email",
        ),
        (
            json!({"email": "x@x.test", "role": "operator", "tenants": ["northwind"]}),
            "tenants",
        ),
        (
            json!({"email": "x@x.test", "role": "operator", "tenants": []}),
            "tenants",
        ),
        (
            json!({"email": "x@x.test", "role": "operator", "all_tenants": true, "tenants": ["contoso"]}),
            "tenants",
        ),
        (
            json!({"email": "manager@contoso.test", "role": "operator", "all_tenants": true}),
            "email",
        ),
        (
            json!({"email": "platform@tenantpilot.test", "role": "operator", "all_tenants": true}),
            "email",
        ),
    ];
    for (body, field) in cases {
        let r = post(owner.clone(), body.clone()).await;
        assert!(
            r.status == StatusCode::UNPROCESSABLE_ENTITY || r.status == StatusCode::BAD_REQUEST,
            "{body}: {} {}",
            r.status,
            r.body
        );
        assert!(r.body.contains(&format!("\"{field}")), "{body}: {}", r.body);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 0);

    // A second pending invitation for one address is refused; the first one (the control) works.
    let ok = json!({"email": "x@x.test", "role": "operator", "all_tenants": true});
    assert_eq!(
        post(owner.clone(), ok.clone()).await.status,
        StatusCode::CREATED
    );
    let r = post(owner.clone(), ok.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("validation-already-invited"), "{}", r.body);

    // Not an owner: 403; another workspace: 404.
    let manager = app.token_for("manager@contoso.test").await;
    assert_eq!(
        post(manager, ok.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let nora = app.token_for("owner@northwind.test").await;
    assert_eq!(post(nora, ok).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 1);
}

#[tokio::test]
async fn a_demoted_manager_loses_the_audit_log_and_a_removed_member_everything_on_the_next_request()
{
    let app = TestApp::new().await;
    let owner = app.token_for("owner@contoso.test").await;
    let manager = app.login("manager@contoso.test").await;
    let operator = app.login("operator@contoso.test").await;
    assert_eq!(
        app.get(&format!("/admin/w/{WS}/audit"), Some(&manager))
            .await
            .status,
        StatusCode::OK
    );

    let id = member_id(&app, "manager@contoso.test").await;
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/workspaces/{WS}/members/{id}"),
            Some(&owner),
            Some(r#"{"role": "operator", "tenants": ["contoso"]}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["role"], "operator");
    assert_eq!(r.json()["tenants"], json!(["contoso"]));
    assert_eq!(
        app.get(&format!("/admin/w/{WS}/audit"), Some(&manager))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/admin/t/fabrikam", Some(&manager)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/admin/t/contoso", Some(&manager)).await.status,
        StatusCode::OK
    );
    assert_eq!(app.audit_count("member.role_changed").await, 1);
    assert_eq!(app.audit_count("member.entitlement_changed").await, 1);

    assert_eq!(
        app.get("/admin/t/contoso", Some(&operator)).await.status,
        StatusCode::OK
    );
    let op = member_id(&app, "operator@contoso.test").await;
    let sessions_before = app.count("SELECT COUNT(*) FROM sessions").await;
    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/workspaces/{WS}/members/{op}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/admin/t/contoso", Some(&operator)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.audit_count("member.removed").await, 1);
    // Their account and session stay: removal revokes nothing else of theirs.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions").await,
        sessions_before
    );
    assert_eq!(
        app.get("/account", Some(&operator)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_last_owner_can_be_neither_demoted_nor_removed_even_by_two_concurrent_demotions() {
    let app = TestApp::new().await;
    let owner_token = app.token_for("owner@contoso.test").await;
    let owner = member_id(&app, "owner@contoso.test").await;
    let url = |id: i64| format!("/api/v1/workspaces/{WS}/members/{id}");
    let r = app
        .api(
            Method::PATCH,
            &url(owner),
            Some(&owner_token),
            Some(r#"{"role": "manager"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("validation-last-owner"));
    let r = app
        .api(Method::DELETE, &url(owner), Some(&owner_token), None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let owners = "SELECT COUNT(*) FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
         WHERE w.slug = 'contoso-msp' AND m.role = 'owner'";
    assert_eq!(app.scalar(owners).await, 1);

    // Two owners demote each other at the same time: exactly one demotion wins.
    let manager = member_id(&app, "manager@contoso.test").await;
    let r = app
        .api(
            Method::PATCH,
            &url(manager),
            Some(&owner_token),
            Some(r#"{"role": "owner"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(app.scalar(owners).await, 2);
    let manager_token = app.token_for("manager@contoso.test").await;
    let demote = r#"{"role": "manager"}"#;
    let (demote_manager, demote_owner) = (url(manager), url(owner));
    let (a, b) = tokio::join!(
        app.api(
            Method::PATCH,
            &demote_manager,
            Some(&owner_token),
            Some(demote)
        ),
        app.api(
            Method::PATCH,
            &demote_owner,
            Some(&manager_token),
            Some(demote)
        ),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert!(
        statuses == [StatusCode::OK, StatusCode::FORBIDDEN]
            || statuses == [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY],
        "{statuses:?}: {} / {}",
        a.body,
        b.body
    );
    assert_eq!(app.scalar(owners).await, 1, "one owner is left");
}

#[tokio::test]
async fn the_members_page_is_the_owners_and_its_forms_invite_change_and_remove() {
    let app = TestApp::new().await;
    let owner = app.login("owner@contoso.test").await;
    let page = app
        .get(&format!("/admin/w/{WS}/members"), Some(&owner))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for email in [
        "owner@contoso.test",
        "manager@contoso.test",
        "readonly@contoso.test",
    ] {
        assert!(page.body.contains(email), "{email}");
    }
    assert!(!page.body.contains("owner@northwind.test"));

    // Others: the page is 403, the navigation names the reason in words.
    let manager = app.login("manager@contoso.test").await;
    assert_eq!(
        app.get(&format!("/admin/w/{WS}/members"), Some(&manager))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let fleet = app.get(&format!("/admin/w/{WS}"), Some(&manager)).await;
    assert!(
        fleet.body.contains("Needs the owner role"),
        "{}",
        fleet.body
    );
    assert!(!fleet.body.contains("workspace.manage"));
    let fleet = app.get(&format!("/admin/w/{WS}"), Some(&owner)).await;
    assert!(
        fleet
            .body
            .contains(&format!("href=\"/admin/w/{WS}/members\""))
    );

    // Invite through the form: the answer shows the link once and is not cached.
    let r = app
        .post_form(
            &format!("/admin/w/{WS}/invitations"),
            &owner,
            &[
                ("email", "sam@x.test"),
                ("role", "manager"),
                ("entitlement", "only"),
                ("tenants", "contoso, fabrikam"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.body.contains("data-testid=\"invitation-link-value\""));
    assert!(r.body.contains("/invitations/"));
    let again = app
        .get(&format!("/admin/w/{WS}/members"), Some(&owner))
        .await;
    assert!(again.body.contains("sam@x.test"));
    assert!(!again.body.contains("data-testid=\"invitation-link-value\""));

    // A bad tenant keeps the typed values and says what is wrong.
    let r = app
        .post_form(
            &format!("/admin/w/{WS}/invitations"),
            &owner,
            &[
                ("email", "kim@x.test"),
                ("role", "operator"),
                ("entitlement", "only"),
                ("tenants", "northwind"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("kim@x.test"));

    // Change the readonly member to one tenant, then remove them.
    let ro = member_id(&app, "readonly@contoso.test").await;
    let r = app
        .post_form(
            &format!("/admin/w/{WS}/members/{ro}"),
            &owner,
            &[
                ("role", "readonly"),
                ("entitlement", "only"),
                ("tenants", "contoso"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let readonly = app.login("readonly@contoso.test").await;
    assert_eq!(
        app.get("/admin/t/fabrikam", Some(&readonly)).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post_form(&format!("/admin/w/{WS}/members/{ro}/remove"), &owner, &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/admin/t/contoso", Some(&readonly)).await.status,
        StatusCode::NOT_FOUND
    );

    // Removing the last owner from the page says why, in words.
    let me = member_id(&app, "owner@contoso.test").await;
    let r = app
        .post_form(&format!("/admin/w/{WS}/members/{me}/remove"), &owner, &[])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("last owner cannot be removed"),
        "{}",
        r.body
    );
}

/// Whether `session` still signs in: the account page answers instead of a login redirect.
async fn signed_in(app: &TestApp, session: &Session) -> bool {
    app.get("/account", Some(session)).await.status == StatusCode::OK
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_the_other_sessions() {
    let app = TestApp::new().await;
    let here = app.login("operator@contoso.test").await;
    let laptop = app.login("operator@contoso.test").await;
    let page = app.get("/account", Some(&here)).await;
    assert_eq!(
        page.body.matches("data-testid=\"session\"").count(),
        2,
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("data-current=\"true\"").count(), 1);

    let r = app
        .post_form(
            "/account/password",
            &here,
            &[
                ("current_password", "wrong password!"),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("current password is not correct"),
        "{}",
        r.body
    );
    assert!(
        signed_in(&app, &laptop).await,
        "a refused change ends nothing"
    );

    let r = app
        .post_form(
            "/account/password",
            &here,
            &[
                ("current_password", crate::support::PASSWORD),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(signed_in(&app, &here).await);
    assert!(!signed_in(&app, &laptop).await);
    assert_eq!(app.audit_count("user.password_changed").await, 1);
    // The new password signs in; the old one no longer does.
    let anon = app.anonymous().await;
    let old = app
        .post_form(
            "/login",
            &anon,
            &[
                ("email", "operator@contoso.test"),
                ("password", crate::support::PASSWORD),
            ],
        )
        .await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY);
    let new = app
        .post_form(
            "/login",
            &anon,
            &[
                ("email", "operator@contoso.test"),
                ("password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(new.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn one_session_or_all_of_them_can_be_signed_out_from_the_account_page() {
    let app = TestApp::new().await;
    let here = app.login("manager@contoso.test").await;
    let phone = app.login("manager@contoso.test").await;
    let other_user = app.login("owner@contoso.test").await;
    let page = app.get("/account", Some(&here)).await.body;
    let handle = page
        .split("action=\"/account/sessions/")
        .skip(1)
        .map(|rest| rest.split('/').next().unwrap_or_default().to_string())
        .find(|h| h != "revoke-all")
        .expect("a session form");
    // An unknown handle, or another user's, is 404.
    let r = app
        .post_form("/account/sessions/0123456789abcdef/revoke", &here, &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post_form(
            &format!("/account/sessions/{handle}/revoke"),
            &other_user,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = app
        .post_form(&format!("/account/sessions/{handle}/revoke"), &here, &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        signed_in(&app, &here).await as u8 + signed_in(&app, &phone).await as u8,
        1,
        "exactly the session named ended"
    );
    assert_eq!(app.audit_count("session.revoked").await, 1);
    let survivor = if signed_in(&app, &here).await {
        &here
    } else {
        &phone
    };
    let r = app
        .post_form("/account/sessions/revoke-all", survivor, &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/login"));
    assert!(!signed_in(&app, &here).await && !signed_in(&app, &phone).await);
    assert!(
        signed_in(&app, &other_user).await,
        "another user's session stays"
    );
}

#[tokio::test]
async fn the_cli_prints_a_single_use_reset_link_that_ends_every_session() {
    let app = TestApp::new().await;
    let before = app.login("readonly@contoso.test").await;
    let url = app.tdb.url.clone();
    let run = move |email: &'static str| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            crate::support::cli(
                &url,
                &["user", "reset-password", "--email", email],
                &[],
                None,
            )
        })
    };
    let (code, out, err) = run("readonly@contoso.test").await.unwrap();
    assert_eq!(code, 0, "{err}");
    let link = out.trim();
    let path = format!("/password-reset/{}", link.rsplit('/').next().unwrap());
    assert!(link.ends_with(&path), "{link}");
    assert!(err.contains("Single-use"), "{err}");
    assert_eq!(app.audit_count("user.password_reset_requested").await, 1);

    let page = app.get(&path, None).await;
    assert_eq!(page.status, StatusCode::OK);
    let token = page.cookie("tp_csrf").expect("pre-session cookie");
    let anon = Session {
        cookie: format!("tp_csrf={token}"),
        csrf: csrf_in(&page.body).unwrap(),
    };
    let r = app
        .post_form(&path, &anon, &[("new_password", "short")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        signed_in(&app, &before).await,
        "a refused reset changes nothing"
    );
    let r = app
        .post_form(&path, &anon, &[("new_password", "reset to something long")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!signed_in(&app, &before).await);
    let r = app
        .post_form(&path, &anon, &[("new_password", "and once more, long")])
        .await;
    assert_eq!(r.status, StatusCode::GONE, "the link works once");
    let anon = app.anonymous().await;
    let r = app
        .post_form(
            "/login",
            &anon,
            &[
                ("email", "readonly@contoso.test"),
                ("password", "reset to something long"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let (code, _, err) = run("nobody@contoso.test").await.unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("--email"), "{err}");
}

/// `POST /api/v1/workspaces/{workspace}/members`: an existing account joins at once, audited
/// `membership.granted`; anyone without an account is a field error that says to invite them.
#[tokio::test]
async fn adding_an_existing_account_makes_it_a_member_at_once_and_anyone_else_is_told_to_invite() {
    let app = TestApp::new().await;
    let owner = app.token_for("owner@contoso.test").await;
    let path = format!("/api/v1/workspaces/{WS}/members");
    let post = |token: String, body: Value| {
        let app = &app;
        let path = path.clone();
        async move {
            app.api(Method::POST, &path, Some(&token), Some(&body.to_string()))
                .await
        }
    };
    let nora = app.session_for("owner@northwind.test").await;
    // Before: contoso does not exist for her.
    assert_eq!(
        app.get("/admin/w/contoso-msp", Some(&nora)).await.status,
        StatusCode::NOT_FOUND
    );
    let memberships = app.count("SELECT COUNT(*) FROM memberships").await;
    let granted = app.audit_count("membership.granted").await;

    let cases = [
        (
            json!({"email": "nobody@nowhere.test", "role": "operator", "all_tenants": true}),
            "validation-member-no-account",
        ),
        (
            json!({"email": "manager@contoso.test", "role": "owner", "all_tenants": true}),
            "validation-already-member",
        ),
        (
            json!({"email": "platform@tenantpilot.test", "role": "operator", "all_tenants": true}),
            "validation-platform-user-not-member",
        ),
        (
            json!({"email": "not-an-address", "role": "operator", "all_tenants": true}),
            "validation-email",
        ),
        (
            json!({"email": "owner@northwind.test", "role": "operator", "tenants": ["northwind"]}),
            "validation-unknown-tenant",
        ),
        (
            json!({"email": "owner@northwind.test", "role": "operator"}),
            "validation-entitlement-choice",
        ),
    ];
    for (body, key) in cases {
        let r = post(owner.clone(), body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.body
        );
        assert!(r.body.contains(key), "{body}: {}", r.body);
    }
    // The refusal for a stranger tells the caller what to do, in words.
    let r = post(
        owner.clone(),
        json!({"email": "nobody@nowhere.test", "role": "operator", "all_tenants": true}),
    )
    .await;
    assert!(r.body.contains("Create an invitation"), "{}", r.body);
    // The manager stays what they were.
    assert_eq!(
        app.text(
            "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
             JOIN workspaces w ON w.id = m.workspace_id WHERE u.email = $1 AND w.slug = $2",
            &["manager@contoso.test".into(), WS.into()],
        )
        .await
        .as_deref(),
        Some("manager")
    );

    // Not an owner: 403; another workspace: 404.
    let ok = json!({"email": "owner@northwind.test", "role": "operator", "tenants": ["fabrikam"]});
    let manager = app.token_for("manager@contoso.test").await;
    assert_eq!(
        post(manager, ok.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let nora_token = app.token_for("owner@northwind.test").await;
    assert_eq!(
        post(nora_token, ok.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM memberships").await,
        memberships
    );
    assert_eq!(app.audit_count("membership.granted").await, granted);

    // The control: the owner adds her, and she sees fabrikam on her next request.
    let r = post(owner.clone(), ok.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let member = r.json();
    assert_eq!(member["email"], "owner@northwind.test");
    assert_eq!(member["role"], "operator");
    assert_eq!(member["all_tenants"], false);
    assert_eq!(member["tenants"], json!(["fabrikam"]));
    assert_eq!(
        member["id"].as_i64(),
        Some(member_id(&app, "owner@northwind.test").await)
    );
    assert_eq!(app.audit_count("membership.granted").await, granted + 1);
    assert_eq!(
        app.get("/admin/w/contoso-msp", Some(&nora)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/admin/t/fabrikam", Some(&nora)).await.status,
        StatusCode::OK
    );
    // Adding her twice is the already-member refusal, not a silent change.
    let r = post(
        owner,
        json!({"email": "owner@northwind.test", "role": "owner", "all_tenants": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("validation-already-member"));
}

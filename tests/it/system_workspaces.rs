//! `/system/workspaces` (issue 15 point 5) through the router on both databases: the list and
//! its counts against the tables, creating a workspace with its first owner's invitation (the
//! link accepted makes that person owner), the audit rows, field errors that write nothing,
//! and the refusal for everyone but platform operators.

use crate::support::{Session, TestApp, csrf_in};
use axum::http::StatusCode;
use tenantpilot::access::Role;
use tenantpilot::audit::AuditContext;
use tenantpilot::features::{
    members::service::{self as members, InvitationInput, Inviter},
    tenants,
    workspaces::{self, model::TenantSelection},
};
use tenantpilot::i18n::Locale;

const PLATFORM: &str = "platform@tenantpilot.test";
const PAGE: &str = "/system/workspaces";

/// The `data-` attributes of the list row of workspace `slug`, as the page renders them.
fn row_attrs(slug: &str, members: i64, tenants: i64, invitations: i64) -> String {
    format!(
        r#"data-slug="{slug}" data-members="{members}" data-tenants="{tenants}" data-invitations="{invitations}""#
    )
}

/// Rows the tables hold that a creation writes.
async fn written(app: &TestApp) -> [i64; 4] {
    [
        app.count("SELECT COUNT(*) FROM workspaces").await,
        app.count("SELECT COUNT(*) FROM invitations").await,
        app.count("SELECT COUNT(*) FROM memberships").await,
        app.count("SELECT COUNT(*) FROM audit_events").await,
    ]
}

/// A workspace `counted` with two members, one tenant and one pending invitation, written
/// through the services the product uses.
async fn counted_workspace(app: &TestApp) {
    let db = app.db();
    let actx = AuditContext::cli();
    let now = app.state.now();
    workspaces::service::create(db, &actx, now, "counted", "Counted Ltd")
        .await
        .expect("workspace");
    tenants::service::create(db, &actx, now, "counted", "counted-one", "Counted One")
        .await
        .expect("tenant");
    for email in ["manager@contoso.test", "operator@contoso.test"] {
        members::add_member(
            db,
            &actx,
            now,
            "counted",
            email,
            Role::Operator,
            TenantSelection::All,
        )
        .await
        .expect("member");
    }
    let id = workspaces::service::find_by_slug(db, "counted")
        .await
        .unwrap()
        .unwrap()
        .id;
    members::invite(
        db,
        &actx,
        now,
        &app.state.config,
        id,
        &Inviter {
            user_id: None,
            label: "cli",
            locale: Locale::En,
        },
        &InvitationInput {
            email: "later@counted.test",
            role: Role::Readonly,
            selection: TenantSelection::All,
        },
    )
    .await
    .expect("invitation");
}

#[tokio::test]
async fn the_list_shows_every_workspace_with_its_member_tenant_and_pending_invitation_counts() {
    let app = TestApp::new().await;
    counted_workspace(&app).await;
    let platform = app.session_for(PLATFORM).await;
    let r = app.get(PAGE, Some(&platform)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The positive control: the numbers written above.
    assert!(
        r.body.contains(&row_attrs("counted", 2, 1, 1)),
        "{}",
        r.body
    );
    assert!(r.body.contains("Counted Ltd"));
    // Every other workspace against the tables, one by one.
    let slugs: Vec<String> = {
        let n = app.count("SELECT COUNT(*) FROM workspaces").await;
        let mut out = Vec::new();
        for i in 0..n {
            out.push(
                app.text(
                    "SELECT slug FROM workspaces ORDER BY id LIMIT 1 OFFSET $1",
                    &[i.into()],
                )
                .await
                .unwrap(),
            );
        }
        out
    };
    assert!(slugs.len() >= 3, "demo workspaces plus counted: {slugs:?}");
    for slug in &slugs {
        let of = |table: &str| {
            format!(
                "SELECT COUNT(*) FROM {table} WHERE workspace_id = (SELECT id FROM workspaces WHERE slug = $1)"
            )
        };
        let members = app.int(&of("memberships"), &[slug.as_str().into()]).await;
        let tenants = app.int(&of("tenants"), &[slug.as_str().into()]).await;
        let invitations = app
            .int(
                &format!(
                    "{} AND accepted_at IS NULL AND revoked_at IS NULL",
                    of("invitations")
                ),
                &[slug.as_str().into()],
            )
            .await;
        assert!(
            r.body
                .contains(&row_attrs(slug, members, tenants, invitations)),
            "{slug}: {members} members, {tenants} tenants, {invitations} invitations"
        );
    }
    // The side navigation leads here, marked as the current page.
    assert!(r.body.contains(r#"href="/system/workspaces""#));
    // A workspace with members is not flagged as ownerless; one without any is.
    assert!(!r.body.contains("workspace-no-owner"));
    workspaces::service::create(
        app.db(),
        &AuditContext::cli(),
        app.state.now(),
        "lonely",
        "Lonely",
    )
    .await
    .unwrap();
    let r = app.get(PAGE, Some(&platform)).await;
    assert!(r.body.contains(&row_attrs("lonely", 0, 0, 0)));
    assert!(r.body.contains("workspace-no-owner"));
    assert!(r.body.contains("No owner yet"));
    // Its form invites the missing owner (a bad address first: a field error, nothing written).
    let to = "/system/workspaces/lonely/owner-invitation";
    let r = app.post_form(to, &platform, &[("email", PLATFORM)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Platform users cannot be workspace members")
    );
    assert!(r.body.contains(&row_attrs("lonely", 0, 0, 0)));
    let r = app
        .post_form(to, &platform, &[("email", "late.owner@lonely.test")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.body.contains("Owner invited to Lonely"));
    assert!(r.body.contains("invitation-link-value"));
    assert!(r.body.contains(&row_attrs("lonely", 0, 0, 1)));
    // Now pending: a second one is a conflict, as for a workspace with members.
    let r = app
        .post_form(to, &platform, &[("email", "other@lonely.test")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .post_form(
            "/system/workspaces/no-such-workspace/owner-invitation",
            &platform,
            &[("email", "other@lonely.test")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn workspace_users_and_anonymous_browsers_get_404_and_posts_need_csrf() {
    let app = TestApp::new().await;
    let before = written(&app).await;
    for email in ["owner@contoso.test", "readonly@contoso.test"] {
        let s = app.session_for(email).await;
        assert_eq!(app.get(PAGE, Some(&s)).await.status, StatusCode::NOT_FOUND);
        let r = app
            .post_form(
                PAGE,
                &s,
                &[("name", "Sneaky"), ("email", "sneaky@example.test")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{email}");
        let r = app.get("/admin/w/contoso-msp", Some(&s)).await;
        assert!(!r.body.contains(r#"href="/system/workspaces""#));
    }
    assert_eq!(app.get(PAGE, None).await.status, StatusCode::NOT_FOUND);
    let platform = app.session_for(PLATFORM).await;
    let forged = Session {
        cookie: platform.cookie.clone(),
        csrf: "wrong".into(),
    };
    let r = app
        .post_form(
            PAGE,
            &forged,
            &[("name", "Sneaky"), ("email", "sneaky@example.test")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(written(&app).await, before, "nothing written");
    // The control: the platform operator sees the page.
    assert_eq!(app.get(PAGE, Some(&platform)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_platform_operator_creates_a_workspace_whose_invited_owner_joins_as_owner() {
    let app = TestApp::new().await;
    let platform = app.session_for(PLATFORM).await;
    let r = app
        .post_form(
            PAGE,
            &platform,
            &[
                ("name", "  Fresh Müller MSP "),
                ("slug", ""),
                ("email", "First.Owner@Fresh.test"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.body.contains("Workspace Fresh Müller MSP created"));
    assert!(r.body.contains(&row_attrs("fresh-mueller-msp", 0, 0, 1)));
    let link = crate::support::fragment(
        &r.body,
        r#"data-testid="invitation-link-value">"#,
        "</code>",
    )
    .trim_start_matches(r#"data-testid="invitation-link-value">"#)
    .trim_end_matches("</code>")
    .to_string();
    let path = link
        .split_once("/invitations/")
        .map(|(_, token)| format!("/invitations/{token}"))
        .expect("an invitation link");
    let token = path.trim_start_matches("/invitations/").to_string();

    // Audited: the workspace in its scope by the platform operator, the invitation beside it;
    // neither row carries the token or the link.
    let ws_id = app
        .int(
            "SELECT id FROM workspaces WHERE slug = $1",
            &["fresh-mueller-msp".into()],
        )
        .await;
    assert_eq!(
        app.int(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'workspace.created'
             AND workspace_id = $1 AND actor_label = $2 AND target_id = 'fresh-mueller-msp'",
            &[ws_id.into(), PLATFORM.into()],
        )
        .await,
        1
    );
    assert_eq!(
        app.int(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'member.invited' AND workspace_id = $1",
            &[ws_id.into()],
        )
        .await,
        1
    );
    let metadata = app
        .text(
            "SELECT CAST(metadata AS TEXT) FROM audit_events
             WHERE action = 'workspace.created' AND workspace_id = $1",
            &[ws_id.into()],
        )
        .await
        .unwrap_or_default();
    assert!(metadata.contains("Fresh Müller MSP"), "{metadata}");
    let all_metadata = app
        .text(
            "SELECT COALESCE(MAX(CAST(metadata AS TEXT)), '') FROM audit_events
             WHERE workspace_id = $1 AND (CAST(metadata AS TEXT) LIKE $2
             OR CAST(metadata AS TEXT) LIKE '%/invitations/%')",
            &[ws_id.into(), format!("%{token}%").as_str().into()],
        )
        .await
        .unwrap_or_default();
    assert_eq!(all_metadata, "", "no token or link in the audit log");
    // The invitation: owner of every tenant, invited by the platform operator.
    assert_eq!(
        app.text(
            "SELECT role FROM invitations WHERE workspace_id = $1 AND email = 'first.owner@fresh.test'
             AND all_tenants AND invited_by_label = $2",
            &[ws_id.into(), PLATFORM.into()],
        )
        .await
        .as_deref(),
        Some("owner")
    );
    // Shown once: the list afterwards has no link.
    let again = app.get(PAGE, Some(&platform)).await;
    assert!(!again.body.contains(&token));
    assert!(
        again
            .body
            .contains(&row_attrs("fresh-mueller-msp", 0, 0, 1))
    );

    // The invitee opens the link and creates the account: they are the owner.
    let page = app.get(&path, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let anon = Session {
        cookie: format!("tp_csrf={}", page.cookie("tp_csrf").expect("tp_csrf")),
        csrf: csrf_in(&page.body).unwrap_or_default(),
    };
    let r = app
        .post_form(
            &path,
            &anon,
            &[
                ("display_name", "First Owner"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), Some("/admin/w/fresh-mueller-msp"));
    assert_eq!(
        app.text(
            "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.workspace_id = $1 AND u.email = 'first.owner@fresh.test' AND m.all_tenants",
            &[ws_id.into()],
        )
        .await
        .as_deref(),
        Some("owner")
    );
    let owner = app.session_for("first.owner@fresh.test").await;
    let members_page = app
        .get("/admin/w/fresh-mueller-msp/members", Some(&owner))
        .await;
    assert_eq!(members_page.status, StatusCode::OK, "owners manage members");
    let list = app.get(PAGE, Some(&platform)).await;
    assert!(list.body.contains(&row_attrs("fresh-mueller-msp", 1, 0, 0)));
}

#[tokio::test]
async fn bad_input_is_a_field_error_and_writes_nothing() {
    let app = TestApp::new().await;
    let platform = app.session_for(PLATFORM).await;
    let before = written(&app).await;
    let existing = app
        .text("SELECT name FROM workspaces ORDER BY id LIMIT 1", &[])
        .await
        .unwrap();
    let shouted = existing.to_uppercase();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![
                ("name", existing.as_str()),
                ("slug", "another-key"),
                ("email", "x@fresh.test"),
            ],
            "A workspace with this name already exists",
        ),
        (
            vec![
                ("name", shouted.as_str()),
                ("slug", "another-key"),
                ("email", "x@fresh.test"),
            ],
            "A workspace with this name already exists",
        ),
        (
            vec![
                ("name", "Brand New"),
                ("slug", "contoso-msp"),
                ("email", "x@fresh.test"),
            ],
            "This slug is already taken",
        ),
        (
            vec![("name", "Brand New"), ("email", PLATFORM)],
            "Platform users cannot be workspace members",
        ),
        (
            vec![("name", "Brand New"), ("email", "not-an-address")],
            "Enter a valid e-mail address",
        ),
        (
            vec![("name", "   "), ("email", "x@fresh.test")],
            "This field is required",
        ),
        (
            vec![("name", "!!!"), ("email", "x@fresh.test")],
            "The name gives no URL key",
        ),
        (
            vec![
                ("name", "Brand New"),
                ("slug", "Bad Key"),
                ("email", "x@fresh.test"),
            ],
            "Use 2–63 lowercase letters",
        ),
    ];
    let long = "n".repeat(121);
    let mut cases = cases;
    cases.push((
        vec![("name", long.as_str()), ("email", "x@fresh.test")],
        "This is too long",
    ));
    for (fields, message) in &cases {
        let r = app.post_form(PAGE, &platform, fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(r.body.contains("field-error"), "{fields:?}");
        assert!(
            r.body.contains(message),
            "{fields:?}: {message}\n{}",
            r.body
        );
        assert!(!r.body.contains("invitation-link-value"), "{fields:?}");
        assert_eq!(written(&app).await, before, "{fields:?}: nothing written");
    }
    // What was typed stays in the form.
    let r = app
        .post_form(
            PAGE,
            &platform,
            &[("name", existing.as_str()), ("email", "kept@fresh.test")],
        )
        .await;
    assert!(r.body.contains(r#"value="kept@fresh.test""#));
    // The control: the same form with a fresh name goes through.
    let r = app
        .post_form(
            PAGE,
            &platform,
            &[("name", "Brand New"), ("email", "x@fresh.test")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(&row_attrs("brand-new", 0, 0, 1)));
    assert_eq!(written(&app).await[0], before[0] + 1);
}

#[tokio::test]
async fn the_page_speaks_german() {
    let app = TestApp::new().await;
    let platform = app.session_for(PLATFORM).await;
    let r = app.get_de(PAGE, &platform).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("Arbeitsbereich anlegen und Inhaber einladen")
    );
    assert!(r.body.contains("Offene Einladungen"));
    let r = app.get(PAGE, Some(&platform)).await;
    assert!(r.body.contains("Create workspace and invite owner"));
}

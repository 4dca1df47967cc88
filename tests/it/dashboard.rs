//! The decision-first tenant dashboard (issue 13, point 2) through the router: verdict,
//! dominant blocker, one primary action and its help card first; starts that cannot succeed
//! disabled with the reason in words and refused by the server; report and review-pack starts
//! on the dashboard; the tenant's required-permissions view.

use crate::support::{NowForTests, TestApp, fragment};
use axum::http::StatusCode;

/// The decision card of a dashboard page.
fn decision(body: &str) -> &str {
    fragment(body, "data-testid=\"dashboard-decision\"", "</section>")
}

#[tokio::test]
async fn a_blocked_tenant_leads_with_its_blocker_action_and_help() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let page = app.get("/admin/t/fabrikam", Some(&owner)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    let card = decision(body);
    assert!(card.contains("<span class=\"verdict-pill verdict-blocked\">Blocked</span>"));
    assert!(card.contains("<strong>Admin consent required</strong>"));
    assert!(card.contains(
        "<a class=\"button primary\" href=\"/admin/t/fabrikam/consent\" data-testid=\"primary-action\" data-action=\"admin_consent_primary\">Grant admin consent</a>"
    ), "{card}");
    // The help card from the same resolver, without repeating the primary action.
    assert!(body.contains("data-help-topic=\"admin-consent-required\""));
    assert!(!body.contains("data-testid=\"help-action-admin_consent_primary\""));
    assert_eq!(body.matches("Safe next action").count(), 1);
    // The card comes before everything else on the page.
    assert!(body.find("dashboard-decision").unwrap() < body.find("provider-status").unwrap());
    // Raw codes are never shown.
    assert!(!body.contains("admin_consent_required"));

    // A sync cannot succeed without consent: disabled, with the reason in words beside it;
    // verification stays possible (the positive control of the same page).
    assert!(body.contains("data-testid=\"start-inventory.sync\">Sync inventory</button> <span class=\"muted small\" data-testid=\"start-inventory.sync-reason\">Needs admin consent — grant it first.</span>"), "{body}");
    assert!(
        body.contains("<input type=\"hidden\" name=\"type\" value=\"provider.connection.verify\">")
    );
    // Report and review-pack starts are reachable here, and blocked the same way.
    for t in [
        "permission_posture.report",
        "entra_admin_roles.report",
        "review_pack.generate",
    ] {
        assert!(
            body.contains(&format!(
                "data-testid=\"start-{t}-reason\">Needs admin consent — grant it first.</span>"
            )),
            "{t}"
        );
    }
    assert!(body.contains("href=\"/admin/t/fabrikam/reports\" data-testid=\"reports-link\""));

    // German: the same decision in the glossary's words.
    let de = app.get_de("/admin/t/fabrikam", &owner).await;
    assert!(de.body.contains(">Blockiert</span>"));
    assert!(de.body.contains(">Administratorzustimmung erteilen</a>"));
    assert!(
        de.body
            .contains("Erfordert die Administratorzustimmung – erteilen Sie sie zuerst.")
    );
}

#[tokio::test]
async fn a_ready_tenant_shows_ready_and_no_blocker() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let page = app.get("/admin/t/contoso", Some(&owner)).await;
    let card = decision(&page.body);
    assert!(
        card.contains("<span class=\"verdict-pill verdict-ready\">Ready</span>"),
        "{card}"
    );
    assert!(card.contains("Nothing blocks this tenant."));
    assert!(!card.contains("data-testid=\"primary-action\""));
    assert!(!page.body.contains("data-testid=\"contextual-help-block\""));
    // Every start is a live form here (the control for the disabled ones above).
    for t in [
        "inventory.sync",
        "permission_posture.report",
        "review_pack.generate",
    ] {
        assert!(
            page.body.contains(&format!(
                "<button type=\"submit\" class=\"button\" data-testid=\"start-{t}\">"
            )),
            "{t}"
        );
        assert!(
            !page
                .body
                .contains(&format!("data-testid=\"start-{t}-reason\"")),
            "{t}"
        );
    }
}

#[tokio::test]
async fn disabled_actions_say_which_role_they_need_in_words() {
    let app = TestApp::new().await;
    let readonly = app.session_for("readonly@contoso.test").await;
    let page = app.get("/admin/t/contoso", Some(&readonly)).await;
    let body = &page.body;
    assert!(body.contains("data-testid=\"start-inventory.sync-reason\">Needs the operator role — ask a workspace owner.</span>"));
    assert!(body.contains("data-testid=\"start-review_pack.generate-reason\">Needs the manager role — ask a workspace owner.</span>"));
    for id in [
        "operations.start",
        "reports.create",
        "review_packs.create",
        "support_diagnostics.view",
    ] {
        assert!(!body.contains(id), "capability id {id} on screen");
    }
    // The operator may sync but not create reports: both reasons are right per button.
    let operator = app.session_for("operator@contoso.test").await;
    let page = app.get("/admin/t/contoso", Some(&operator)).await;
    assert!(
        !page
            .body
            .contains("data-testid=\"start-inventory.sync-reason\"")
    );
    assert!(page.body.contains("data-testid=\"start-permission_posture.report-reason\">Needs the manager role — ask a workspace owner.</span>"));
}

#[tokio::test]
async fn the_server_refuses_a_start_that_cannot_succeed() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let runs = || app.count("SELECT COUNT(*) FROM operation_runs");
    let before = runs().await;
    let refused = app
        .post_form(
            "/admin/t/fabrikam/operations",
            &owner,
            &[("type", "inventory.sync")],
        )
        .await;
    // The form goes back to the tenant with the refusal as a notice (the API keeps its 409).
    assert_eq!(refused.status, StatusCode::SEE_OTHER, "{}", refused.body);
    assert_eq!(
        refused.cookie("tp_flash").as_deref(),
        Some("start-blocked-admin-consent-required")
    );
    let token = app.token_for("owner@contoso.test").await;
    let api = app
        .try_start_api(&token, "fabrikam", "review_pack.generate")
        .await;
    assert_eq!(api.status, StatusCode::CONFLICT);
    assert_eq!(
        api.json()["detail"],
        "Needs admin consent — grant it first."
    );
    assert_eq!(runs().await, before, "nothing was queued");
    // Verification is what fixes it, so it still starts; a healthy tenant syncs.
    let verify = app
        .post_form(
            "/admin/t/fabrikam/operations",
            &owner,
            &[("type", "provider.connection.verify")],
        )
        .await;
    assert_eq!(verify.status, StatusCode::SEE_OTHER);
    let sync = app
        .post_form(
            "/admin/t/contoso/operations",
            &owner,
            &[("type", "inventory.sync")],
        )
        .await;
    assert_eq!(sync.status, StatusCode::SEE_OTHER);
    assert_eq!(runs().await, before + 2);
}

#[tokio::test]
async fn the_permission_view_lists_granted_missing_and_unknown() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let path = crate::help_actions::verified(&app, &owner, "perm-gap", "permissions_missing").await;
    assert!(path.starts_with("/admin/onboarding/"));
    let dash = app.get("/admin/t/perm-gap", Some(&owner)).await;
    assert!(decision(&dash.body).contains(
        "<a class=\"button primary\" href=\"/admin/t/perm-gap/permissions\" data-testid=\"primary-action\" data-action=\"required_permissions\">Review permissions</a>"
    ), "{}", dash.body);
    let page = app.get("/admin/t/perm-gap/permissions", Some(&owner)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert_eq!(body.matches("data-testid=\"permission-row\"").count(), 6);
    assert!(body.contains(
        "<code>Policy.Read.All</code></td><td><span class=\"status-pill bad\">Missing</span>"
    ));
    assert!(body.contains(
        "<code>Directory.Read.All</code></td><td><span class=\"status-pill ok\">Granted</span>"
    ));
    assert!(body.contains("2 missing · 4 granted · 0 unknown"), "{body}");
    assert!(body.contains("data-testid=\"permissions-legend-unknown\">Unknown: "));
    assert!(body.contains("href=\"/admin/operations/"));
    assert!(body.contains(">From verification "));

    // Without consent nothing could be checked: every permission is unknown.
    let fabrikam = app.get("/admin/t/fabrikam/permissions", Some(&owner)).await;
    assert!(
        fabrikam.body.contains("0 missing · 0 granted · 6 unknown"),
        "{}",
        fabrikam.body
    );
    // Out of scope is 404, like the dashboard.
    let readonly = app.session_for("readonly@contoso.test").await;
    let hidden = app
        .get("/admin/t/fabrikam/permissions", Some(&readonly))
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let visible = app
        .get("/admin/t/contoso/permissions", Some(&readonly))
        .await;
    assert_eq!(visible.status, StatusCode::OK);
    assert!(visible.body.contains("data-testid=\"permissions-rerun\">Re-run verification</button> <span class=\"muted small\">Needs the operator role"));
}

/// The dashboard's one read of the connection with its newest report gives, for every tenant,
/// what the two reads it replaced give: the connection, and the newest report by check time.
#[tokio::test]
async fn the_connection_and_its_newest_report_are_read_together_as_apart() {
    use tenantpilot::features::providers::repo;
    let app = TestApp::new().await;
    let db = app.db();
    tenantpilot::features::tenants::service::create(
        db,
        &tenantpilot::audit::AuditContext::cli(),
        app.clock.now_for_tests(),
        "contoso-msp",
        "unconnected",
        "Unconnected",
    )
    .await
    .expect("tenant");
    let last = app.count("SELECT MAX(id) FROM tenants").await;
    let (mut with_report, mut without_connection) = (0, 0);
    for tenant_id in 1..=last {
        let together = repo::connection_with_latest_report(db, tenant_id)
            .await
            .unwrap();
        let connection = repo::find_for_tenant(db, tenant_id).await.unwrap();
        let report = match &connection {
            Some(_) => repo::latest_report(db, tenant_id).await.unwrap(),
            None => None,
        };
        with_report += usize::from(report.is_some());
        without_connection += usize::from(connection.is_none());
        let apart = connection.map(|c| (c, report));
        assert_eq!(
            format!("{together:?}"),
            format!("{apart:?}"),
            "tenant {tenant_id}"
        );
    }
    // Controls: the seed has tenants with a report and tenants without a connection.
    assert!(
        with_report > 0 && without_connection > 0,
        "{with_report} {without_connection}"
    );
}

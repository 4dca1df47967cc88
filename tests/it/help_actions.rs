//! Help topics act on the tenant (issue 13, point 4; spec 244): every blocker topic renders
//! with its tenant-aware actions on the dashboard, onboarding and both diagnostics previews;
//! onboarding help reads the draft's own verification, not the tenant's newest report.

use crate::support::{NowForTests, Session, TestApp};
use axum::http::StatusCode;
use tenantpilot::features::operations::runner;

fn location(r: &crate::support::Resp) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.header("location").expect("location").to_string()
}

fn version_in(html: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = html.find(marker).expect("version field") + marker.len();
    let end = html[start..].find('"').expect("end of version") + start;
    html[start..end].to_string()
}

/// Posts `fields` to the draft at `path` with the version its page carries.
async fn draft_post(app: &TestApp, s: &Session, path: &str, fields: &[(&str, &str)]) -> String {
    let page = app.get(path, Some(s)).await;
    let version = version_in(&page.body);
    let mut all = vec![("version", version.as_str())];
    all.extend_from_slice(fields);
    location(&app.post_form(path, s, &all).await)
}

async fn connect(app: &TestApp, s: &Session, path: &str, scenario: &str) {
    draft_post(
        app,
        s,
        path,
        &[
            ("action", "connect"),
            ("kind", "simulated"),
            ("directory_id", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
            ("display_name", "Sim"),
            ("scenario", scenario),
        ],
    )
    .await;
}

/// A new tenant `ext` onboarded up to one drained verification with the simulated `scenario`;
/// returns the draft's path.
pub async fn verified(app: &TestApp, s: &Session, ext: &str, scenario: &str) -> String {
    let r = app
        .post_form(
            "/admin/onboarding",
            s,
            &[
                ("workspace", "contoso-msp"),
                ("existing_tenant", ""),
                ("tenant_name", &format!("{ext} Ltd")),
                ("external_id", ext),
                ("directory_id", &format!("{ext}.onmicrosoft.com")),
            ],
        )
        .await;
    let path = location(&r);
    connect(app, s, &path, scenario).await;
    draft_post(app, s, &path, &[("action", "verify")]).await;
    runner::drain(&app.state).await.expect("drain");
    path
}

/// Opens a diagnostics preview by its audited POST and renders it.
async fn preview(app: &TestApp, s: &Session, open: &str) -> String {
    let to = location(&app.post_form(open, s, &[]).await);
    let page = app.get(&to, Some(s)).await;
    assert_eq!(page.status, StatusCode::OK, "{to}");
    page.body
}

/// The newest verification run of tenant `ext`.
async fn verify_run(app: &TestApp, ext: &str) -> i64 {
    app.int(
        "SELECT MAX(r.id) FROM operation_runs r JOIN tenants t ON t.id = r.tenant_id
         WHERE t.external_id = $1 AND r.run_type = 'provider.connection.verify'",
        &[ext.into()],
    )
    .await
}

/// What each blocker should look like: the help topic, the dashboard's primary action
/// (`data-action` and label) and a tenant-aware action the help card itself offers on the
/// diagnostics previews (`None` where the topic's only action is the primary one's re-run).
struct Expect {
    topic: &'static str,
    primary: (&'static str, &'static str),
    help_action: &'static str,
}

fn has_topic(body: &str, topic: &str) -> bool {
    body.contains(&format!("data-help-topic=\"{topic}\""))
}

#[tokio::test]
async fn every_blocker_topic_renders_with_its_actions_on_every_surface() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let cases = [
        (
            "consent_missing",
            "consent-t",
            Expect {
                topic: "admin-consent-required",
                primary: ("admin_consent_primary", "Grant admin consent"),
                help_action: "href=\"/admin/t/consent-t/consent\" data-testid=\"help-action-admin_consent_primary\"",
            },
        ),
        (
            "permissions_missing",
            "perms-t",
            Expect {
                topic: "required-permissions-missing",
                primary: ("required_permissions", "Review permissions"),
                help_action: "href=\"/admin/t/perms-t/permissions\" data-testid=\"help-action-required_permissions\"",
            },
        ),
        (
            "unhealthy",
            "sick-t",
            Expect {
                topic: "connection-unhealthy",
                primary: ("rerun_verification", "Re-run verification"),
                help_action: "action=\"/admin/t/sick-t/operations\"",
            },
        ),
        (
            "throttled",
            "busy-t",
            Expect {
                topic: "retryable-provider-failure",
                primary: ("rerun_verification", "Re-run verification"),
                help_action: "action=\"/admin/t/busy-t/operations\"",
            },
        ),
    ];
    let mut drafts = Vec::new();
    for (scenario, ext, _) in &cases {
        drafts.push(verified(&app, &owner, ext, scenario).await);
    }
    // A tenant that was ready and is now past the freshness window.
    let stale_draft = verified(&app, &owner, "stale-t", "healthy").await;
    app.clock.advance(chrono::Duration::hours(25));
    let owner = app.session_for("owner@contoso.test").await;
    let mut all: Vec<(String, &str, Expect)> = cases
        .into_iter()
        .zip(drafts)
        .map(|((_, ext, e), d)| (d, ext, e))
        .collect();
    all.push((
        stale_draft,
        "stale-t",
        Expect {
            topic: "verification-stale",
            primary: ("rerun_verification", "Re-run verification"),
            help_action: "action=\"/admin/t/stale-t/operations\"",
        },
    ));

    for (draft, ext, e) in &all {
        // Dashboard: the topic and the primary action for it.
        let dash = app.get(&format!("/admin/t/{ext}"), Some(&owner)).await;
        assert!(has_topic(&dash.body, e.topic), "{ext}: dashboard topic");
        assert!(
            dash.body.contains(&format!(
                "data-testid=\"primary-action\" data-action=\"{}\">{}<",
                e.primary.0, e.primary.1
            )),
            "{ext}: primary action\n{}",
            dash.body
        );
        assert_eq!(dash.body.matches("Safe next action").count(), 1, "{ext}");
        // Onboarding's verify step: the same topic beside readiness.
        let onboarding = app.get(draft, Some(&owner)).await;
        assert!(
            has_topic(&onboarding.body, e.topic),
            "{ext}: onboarding topic\n{}",
            onboarding.body
        );
        assert_eq!(
            onboarding.body.matches("Safe next action").count(),
            1,
            "{ext}"
        );
        // Both diagnostics previews: the topic with its tenant-aware action.
        let tenant_preview =
            preview(&app, &owner, &format!("/admin/t/{ext}/support-diagnostics")).await;
        assert!(
            has_topic(&tenant_preview, e.topic),
            "{ext}: tenant preview topic"
        );
        assert!(
            tenant_preview.contains(e.help_action),
            "{ext}: tenant preview action\n{tenant_preview}"
        );
        let run = verify_run(&app, ext).await;
        let run_preview = preview(
            &app,
            &owner,
            &format!("/admin/operations/{run}/support-diagnostics"),
        )
        .await;
        assert!(
            has_topic(&run_preview, e.topic),
            "{ext}: run preview topic\n{run_preview}"
        );
        assert!(
            run_preview.contains(e.help_action),
            "{ext}: run preview action"
        );
    }

    // No connection at all: connect first, on the dashboard and the tenant preview.
    tenantpilot::features::tenants::service::create(
        app.db(),
        &tenantpilot::audit::AuditContext::cli(),
        app.clock.now_for_tests(),
        "contoso-msp",
        "bare-t",
        "Bare",
    )
    .await
    .unwrap();
    let dash = app.get("/admin/t/bare-t", Some(&owner)).await;
    assert!(has_topic(&dash.body, "connection-unhealthy"));
    assert!(dash.body.contains("href=\"/admin/onboarding\" data-testid=\"primary-action\" data-action=\"provider_connection\">Connect a provider<"), "{}", dash.body);
    let bare = preview(&app, &owner, "/admin/t/bare-t/support-diagnostics").await;
    assert!(has_topic(&bare, "connection-unhealthy"));
    assert!(
        bare.contains("href=\"/admin/onboarding\" data-testid=\"help-action-provider_connection\"")
    );
}

#[tokio::test]
async fn help_actions_are_disabled_with_the_reason_for_roles_that_cannot_act() {
    let app = TestApp::new().await;
    let manager = app.session_for("manager@contoso.test").await;
    verified(&app, &manager, "busy-r", "throttled").await;
    // A manager may open diagnostics and start runs: the re-run in the help card is live.
    let live = preview(&app, &manager, "/admin/t/busy-r/support-diagnostics").await;
    assert!(live.contains("<button type=\"submit\" class=\"button\" data-testid=\"help-action-rerun_verification\">Re-run verification</button>"), "{live}");
    // Contoso goes stale: a read-only member sees the re-run disabled, with the reason in words.
    app.clock.advance(chrono::Duration::hours(25));
    let readonly = app.session_for("readonly@contoso.test").await;
    let page = app.get("/admin/t/contoso", Some(&readonly)).await;
    assert!(has_topic(&page.body, "verification-stale"));
    assert!(page.body.contains("<button type=\"button\" class=\"button primary\" disabled aria-disabled=\"true\" data-testid=\"primary-action\">Re-run verification</button> <span class=\"muted small\" data-testid=\"primary-action-reason\">Needs the operator role — ask a workspace owner.</span>"), "{}", page.body);
    let owner = app.session_for("owner@contoso.test").await;
    let page = app.get("/admin/t/contoso", Some(&owner)).await;
    assert!(page.body.contains("data-testid=\"primary-action\" data-action=\"rerun_verification\">Re-run verification</button>"));
}

#[tokio::test]
async fn onboarding_help_follows_the_drafts_connection_not_the_tenants_old_report() {
    let app = TestApp::new().await;
    let s = app.session_for("owner@contoso.test").await;
    let path = verified(&app, &s, "moving", "consent_missing").await;
    let blocked = app.get(&path, Some(&s)).await;
    assert!(has_topic(&blocked.body, "admin-consent-required"));
    assert!(
        blocked
            .body
            .contains("data-testid=\"stored-verification-details\"")
    );
    assert!(blocked.body.contains("href=\"/admin/t/moving/consent\""));
    // The blocked step re-verifies in place, without going back through Connect.
    assert!(blocked.body.contains("data-testid=\"rerun-verification\""));

    // The connection changes: the old report's blocker and details are gone from the page.
    connect(&app, &s, &path, "healthy").await;
    let changed = app.get(&path, Some(&s)).await;
    let body = &changed.body;
    assert!(!has_topic(body, "admin-consent-required"), "{body}");
    assert!(!body.contains("data-testid=\"contextual-help-block\""));
    assert!(!body.contains("data-testid=\"stored-verification-details\""));
    assert!(!body.contains("Admin consent required"), "{body}");
    assert!(body.contains("data-testid=\"primary-next-action\">Run verification</button>"));
    assert!(
        !body.contains("data-testid=\"rerun-verification\""),
        "run verification is already primary"
    );
    // The dashboard still reads the tenant's newest report until the draft verifies again.
    let dash = app.get("/admin/t/moving", Some(&s)).await;
    assert!(has_topic(&dash.body, "admin-consent-required"));

    // The re-run from the verify step checks the new connection: ready, no help.
    draft_post(&app, &s, &path, &[("action", "verify")]).await;
    runner::drain(&app.state).await.unwrap();
    let ready = app.get(&path, Some(&s)).await;
    assert!(
        ready
            .body
            .contains("data-testid=\"primary-next-action\">Complete onboarding</button>")
    );
    assert!(!ready.body.contains("data-testid=\"contextual-help-block\""));
    assert!(
        ready
            .body
            .contains("data-testid=\"stored-verification-details\"")
    );
    let dash = app.get("/admin/t/moving", Some(&s)).await;
    assert!(
        dash.body
            .contains("<span class=\"verdict-pill verdict-ready\">Ready</span>")
    );
}

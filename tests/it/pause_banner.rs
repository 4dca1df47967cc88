//! Pauses and permissions are visible before the click (issue 14 §1): the banner of platform
//! pauses on tenant pages, the affected buttons disabled with the operator's reason, disabled
//! reasons per role in words, a refused start that goes back to its page with a notice, and
//! the confirmation step of a run-execution pause.

use crate::support::{PAUSE_CONTOSO_STARTS, Resp, Session, TestApp, fragment};
use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use tenantpilot::access::Capability;

const BANNER: &str = r#"data-testid="pause-banner""#;
const STARTS_PAUSED: &str = "Starting runs is paused by the platform operators: Provider incident";
const REFUSED: &str = "Starting operations is paused by the platform operators for now.";

fn resume_contoso_starts() -> [(&'static str, &'static str); 3] {
    [
        ("action", "resume"),
        ("scope", "workspace"),
        ("workspace", "contoso-msp"),
    ]
}

/// A form post as a browser on `referer` sends it.
async fn post_from(
    app: &TestApp,
    path: &str,
    session: &Session,
    referer: Option<&str>,
    fields: &[(&str, &str)],
) -> Resp {
    let mut all: Vec<(&str, &str)> = vec![("_csrf", session.csrf.as_str())];
    all.extend_from_slice(fields);
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::HOST, "localhost")
        .header(header::COOKIE, &session.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(r) = referer {
        b = b.header(header::REFERER, r);
    }
    let body = serde_urlencoded::to_string(&all).expect("form");
    app.send(b.body(Body::from(body)).expect("request")).await
}

/// Follows a `303` as the browser does: with the session and the flash cookie it set.
async fn follow(app: &TestApp, session: &Session, r: &Resp) -> Resp {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.header("location").expect("location").to_string();
    let mut cookie = session.cookie.clone();
    if let Some(flash) = r.cookie("tp_flash") {
        cookie = format!("{cookie}; tp_flash={flash}");
    }
    let request = Request::builder()
        .uri(location)
        .header(header::HOST, "localhost")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request");
    app.send(request).await
}

async fn page(app: &TestApp, session: &Session, path: &str) -> String {
    let r = app.get(path, Some(session)).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.body
}

#[tokio::test]
async fn the_banner_names_what_is_paused_where_and_disappears_after_the_resume() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let northwind = app.session_for("owner@northwind.test").await;
    for path in ["/admin/t/contoso", "/admin/w/contoso-msp"] {
        assert!(!page(&app, &owner, path).await.contains(BANNER), "{path}");
    }

    // Workspace-scoped: contoso-msp's pages, not northwind's.
    app.pause_contoso_starts().await;
    for path in [
        "/admin/t/contoso",
        "/admin/w/contoso-msp",
        "/admin/t/contoso/reports",
        "/admin/operations",
    ] {
        let body = page(&app, &owner, path).await;
        let banner = fragment(&body, BANNER, "</section>");
        assert!(banner.contains("Operation starts"), "{path}: {banner}");
        assert!(banner.contains("in this workspace"), "{banner}");
        assert!(banner.contains("Provider incident"), "{banner}");
        assert!(banner.contains("until 20"), "an expiry time: {banner}");
        assert!(
            body.contains(r#"role="status" aria-labelledby="pause-banner-title""#),
            "{path}"
        );
    }
    assert!(
        !page(&app, &northwind, "/admin/t/northwind")
            .await
            .contains(BANNER)
    );
    let de = app.get_de("/admin/t/contoso", &owner).await.body;
    let banner = fragment(&de, BANNER, "</section>");
    assert!(
        banner.contains("Von den Plattformbetreibern pausiert"),
        "{banner}"
    );
    assert!(banner.contains("in diesem Arbeitsbereich"), "{banner}");

    // Global, with markup in the reason: everyone's pages, escaped.
    app.control(
        "support_desk_handoff",
        &[("action", "pause"), ("reason", "Desk <b>migration</b>")],
    )
    .await;
    let body = page(&app, &northwind, "/admin/t/northwind").await;
    let banner = fragment(&body, BANNER, "</section>");
    assert!(banner.contains("Support desk handoff"), "{banner}");
    assert!(banner.contains("everywhere"), "{banner}");
    assert!(banner.contains("until they resume it"), "{banner}");
    assert!(
        banner.contains("Desk &#60;b&#62;migration&#60;/b&#62;"),
        "{banner}"
    );
    assert!(!banner.contains("<b>migration"), "{banner}");
    assert!(
        !banner.contains("Operation starts"),
        "contoso's pause stays there"
    );

    app.control("operation_starts", &resume_contoso_starts())
        .await;
    app.control("support_desk_handoff", &[("action", "resume")])
        .await;
    for path in ["/admin/t/contoso", "/admin/w/contoso-msp"] {
        assert!(!page(&app, &owner, path).await.contains(BANNER), "{path}");
    }
    assert!(
        !page(&app, &northwind, "/admin/t/northwind")
            .await
            .contains(BANNER)
    );
}

#[tokio::test]
async fn paused_starts_are_disabled_with_the_operators_reason() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let start_form = r#"<form method="post" action="/admin/t/contoso/operations""#;
    let before = page(&app, &owner, "/admin/t/contoso").await;
    assert!(before.contains(start_form), "starts are offered while open");
    assert!(!before.contains(STARTS_PAUSED));

    app.pause_contoso_starts().await;
    let body = page(&app, &owner, "/admin/t/contoso").await;
    assert!(!body.contains(start_form), "no start form while paused");
    for run_type in [
        "provider.connection.verify",
        "inventory.sync",
        "review_pack.generate",
    ] {
        let reason = fragment(
            &body,
            &format!(r#"data-testid="start-{run_type}-reason""#),
            "</span>",
        );
        assert!(reason.contains(STARTS_PAUSED), "{run_type}: {reason}");
    }
    let reports = page(&app, &owner, "/admin/t/contoso/reports").await;
    let reason = fragment(
        &reports,
        r#"data-testid="start-permission_posture.report-reason""#,
        "</span>",
    );
    assert!(reason.contains(STARTS_PAUSED), "{reason}");

    // The retry of contoso's failed run says the same beside its disabled button.
    let failed = app
        .int(
            "SELECT COALESCE(MAX(r.id), 0) FROM operation_runs r JOIN tenants t ON t.id = r.tenant_id \
             WHERE t.external_id = $1 AND r.outcome = 'failed'",
            &["contoso".into()],
        )
        .await;
    assert!(failed > 0);
    let run = page(&app, &owner, &format!("/admin/operations/{failed}")).await;
    let reason = fragment(&run, r#"data-testid="run-retry-reason""#, "</span>");
    assert!(reason.contains(STARTS_PAUSED), "{reason}");
    // The polled fragment that replaces the viewer's parts says the same.
    let progress_path = format!("/admin/operations/{failed}/progress");
    let progress = page(&app, &owner, &progress_path).await;
    let reason = fragment(&progress, r#"data-testid="run-retry-reason""#, "</span>");
    assert!(reason.contains(STARTS_PAUSED), "{reason}");

    app.control("operation_starts", &resume_contoso_starts())
        .await;
    assert!(
        page(&app, &owner, "/admin/t/contoso")
            .await
            .contains(start_form)
    );
    assert!(
        !page(&app, &owner, &progress_path)
            .await
            .contains(STARTS_PAUSED)
    );
}

#[tokio::test]
async fn a_paused_review_pack_control_disables_review_packs_only() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    app.control(
        "review_pack_generation",
        &[("action", "pause"), ("reason", "Storage maintenance")],
    )
    .await;
    let body = page(&app, &owner, "/admin/t/contoso/reports").await;
    let pack = fragment(
        &body,
        r#"data-testid="start-review_pack.generate-reason""#,
        "</span>",
    );
    assert!(
        pack.contains(
            "Generating review packs is paused by the platform operators: Storage maintenance"
        ),
        "{pack}"
    );
    assert!(
        !body.contains(r#"data-testid="start-permission_posture.report-reason""#),
        "other reports start as usual"
    );
}

#[tokio::test]
async fn disabled_reasons_per_role_are_words_never_capability_ids() {
    let app = TestApp::new().await;
    let cases = [
        (
            "readonly@contoso.test",
            Some("Needs the operator role — ask a workspace owner."),
        ),
        (
            "operator@contoso.test",
            Some("Needs the manager role — ask a workspace owner."),
        ),
        ("manager@contoso.test", None),
        ("owner@contoso.test", None),
    ];
    for (email, expected) in cases {
        let session = app.session_for(email).await;
        for path in ["/admin/t/contoso", "/admin/t/contoso/reports"] {
            let body = page(&app, &session, path).await;
            for cap in Capability::ALL {
                assert!(
                    !body.contains(cap.as_str()),
                    "{email} {path}: {}",
                    cap.as_str()
                );
            }
            assert!(
                !body.contains("reason-needs") && !body.contains("reason-missing"),
                "{email} {path}: a raw message id"
            );
            // The page itself; the navigation (checked below) names the owner-only entries.
            let main = &body[body.find("<main").unwrap_or(0)..];
            match expected {
                Some(words) => assert!(body.contains(words), "{email} {path}: {words}"),
                None => assert!(!main.contains("Needs the "), "{email} {path}"),
            }
        }
        let nav = page(&app, &session, "/admin/t/contoso").await;
        let nav = fragment(&nav, "<nav class=\"sidenav\"", "</nav>");
        match email {
            "readonly@contoso.test" => {
                assert!(nav.contains("nav-reason"), "{nav}");
                assert!(nav.contains("Needs the operator role"), "{nav}");
                assert!(nav.contains("Needs the manager role"), "audit: {nav}");
            }
            "operator@contoso.test" => {
                assert!(nav.contains("Needs the manager role"), "audit: {nav}");
                assert!(!nav.contains("Needs the operator role"), "{nav}");
            }
            "manager@contoso.test" => {
                assert!(nav.contains("Needs the owner role"), "members: {nav}");
                assert!(!nav.contains("Needs the manager role"), "{nav}");
            }
            _ => assert!(!nav.contains("nav-reason"), "{email}: {nav}"),
        }
    }
}

#[tokio::test]
async fn a_refused_start_goes_back_to_its_page_with_the_message_and_the_api_keeps_409() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let runs = || app.count("SELECT COUNT(*) FROM operation_runs");
    // The page was loaded while starts were open; the pause began after.
    assert!(
        page(&app, &owner, "/admin/t/contoso/reports")
            .await
            .contains("/admin/t/contoso/operations")
    );
    app.pause_contoso_starts().await;
    let before = runs().await;
    let fields = [("type", "permission_posture.report")];
    let r = post_from(
        &app,
        "/admin/t/contoso/operations",
        &owner,
        Some("http://localhost/admin/t/contoso/reports?tab=all"),
        &fields,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), Some("/admin/t/contoso/reports"));
    let back = follow(&app, &owner, &r).await;
    assert_eq!(back.status, StatusCode::OK);
    let notice = fragment(
        &back.body,
        r#"class="flash flash-warning" role="status""#,
        "</div>",
    );
    assert!(notice.contains(REFUSED), "{notice}");
    assert!(back.body.contains(BANNER));
    assert_eq!(runs().await, before, "nothing queued");

    // A foreign or missing Referer goes to the tenant's dashboard, never elsewhere.
    for referer in [Some("https://evil.example/admin/t/contoso/reports"), None] {
        let r = post_from(
            &app,
            "/admin/t/contoso/operations",
            &owner,
            referer,
            &fields,
        )
        .await;
        assert_eq!(
            r.header("location"),
            Some("/admin/t/contoso"),
            "{referer:?}"
        );
    }

    // A start that cannot succeed (fabrikam lacks admin consent) once starts are open again.
    app.control("operation_starts", &resume_contoso_starts())
        .await;
    let r = post_from(
        &app,
        "/admin/t/fabrikam/operations",
        &owner,
        Some("http://localhost/admin/t/fabrikam"),
        &[("type", "inventory.sync")],
    )
    .await;
    assert_eq!(r.header("location"), Some("/admin/t/fabrikam"));
    let back = follow(&app, &owner, &r).await;
    assert!(
        back.body.contains("Needs admin consent — grant it first."),
        "{}",
        back.body
    );

    // The API answers the same refusal with its problem JSON.
    app.pause_contoso_starts().await;
    let token = app.token_for("owner@contoso.test").await;
    let api = app.try_start_api(&token, "contoso", "inventory.sync").await;
    assert_eq!(api.status, StatusCode::CONFLICT);
    assert_eq!(api.header("content-type"), Some("application/problem+json"));

    // A refused retry goes back to the run it retried.
    let failed = app
        .int(
            "SELECT COALESCE(MAX(r.id), 0) FROM operation_runs r JOIN tenants t ON t.id = r.tenant_id \
             WHERE t.external_id = $1 AND r.outcome = 'failed'",
            &["contoso".into()],
        )
        .await;
    let r = app
        .post_form(&format!("/admin/operations/{failed}/retry"), &owner, &[])
        .await;
    assert_eq!(
        r.header("location").map(str::to_string),
        Some(format!("/admin/operations/{failed}"))
    );
    let back = follow(&app, &owner, &r).await;
    assert!(back.body.contains(REFUSED), "{}", back.body);
    assert_eq!(runs().await, before, "nothing queued");
}

#[tokio::test]
async fn pausing_run_execution_asks_for_confirmation_with_the_queued_count() {
    let app = TestApp::new().await;
    let platform = app.session_for("platform@tenantpilot.test").await;
    let token = app.token_for("owner@contoso.test").await;
    app.start_api(&token, "contoso", "inventory.sync").await;
    let queued = app
        .count("SELECT COUNT(*) FROM operation_runs WHERE status = 'queued'")
        .await;
    assert!(queued > 0);
    let pauses = || app.count("SELECT COUNT(*) FROM operational_control_pauses");
    let fields = [
        ("action", "pause"),
        ("reason", "Database failover"),
        ("duration", "1h"),
    ];
    let first = app
        .post_form("/system/controls/run_execution", &platform, &fields)
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(pauses().await, 0, "the first post pauses nothing");
    assert_eq!(app.audit_count("operational_control.paused").await, 0);
    let count = fragment(&first.body, r#"data-testid="confirm-queued""#, "</p>");
    let words = if queued == 1 {
        "1 run is queued now".to_string()
    } else {
        format!("{queued} runs are queued now")
    };
    assert!(count.contains(&words), "{count}");
    assert!(first.body.contains("every instance"), "{}", first.body);
    assert!(first.body.contains(r#"name="confirm" value="yes""#));
    assert!(
        first
            .body
            .contains(&format!(r#"name="_csrf" value="{}""#, platform.csrf))
    );

    // Without a reason there is nothing to confirm: the form's errors, as for any pause.
    let invalid = app
        .post_form(
            "/system/controls/run_execution",
            &platform,
            &[("action", "pause")],
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!invalid.body.contains(r#"data-testid="control-confirm""#));

    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "yes"));
    let second = app
        .post_form("/system/controls/run_execution", &platform, &confirmed)
        .await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert_eq!(pauses().await, 1);
    assert_eq!(app.audit_count("operational_control.paused").await, 1);

    // Other controls pause on the first post.
    app.control("operation_starts", PAUSE_CONTOSO_STARTS).await;
    assert_eq!(pauses().await, 2);
}

#[tokio::test]
async fn the_controls_page_describes_controls_in_words_without_source_paths() {
    let app = TestApp::new().await;
    let platform = app.session_for("platform@tenantpilot.test").await;
    for body in [
        page(&app, &platform, "/system/controls").await,
        app.get_de("/system/controls", &platform).await.body,
    ] {
        assert!(!body.contains("features::"), "{body}");
        assert!(!body.contains("run_one"), "{body}");
        assert!(!body.contains("queue_in"), "{body}");
        assert!(body.matches(r#"data-testid="control-"#).count() >= 4);
    }
    let body = page(&app, &platform, "/system/controls").await;
    assert!(body.contains("Executors on every instance picking up queued runs."));
    assert!(body.contains("Users starting operation runs from tenant pages"));
}

/// A pause that begins while the verify step is open: the click goes back to the draft with
/// the reason as a notice (never a bare `409` page), and nothing is queued or saved.
#[tokio::test]
async fn a_verification_refused_by_a_pause_after_the_page_loaded_goes_back_with_a_notice() {
    let app = TestApp::new().await;
    let s = app.login("operator@contoso.test").await;
    let r = app
        .post_form(
            "/admin/onboarding",
            &s,
            &[
                ("workspace", "contoso-msp"),
                ("existing_tenant", ""),
                ("tenant_name", "Tailspin Toys"),
                ("external_id", "tailspin"),
                ("directory_id", "tailspin.onmicrosoft.com"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let path = r.header("location").expect("draft").to_string();
    let version = |html: &str| {
        let marker = r#"name="version" value=""#;
        let at = html.find(marker).expect("a version field") + marker.len();
        html[at..].split('"').next().unwrap_or_default().to_string()
    };
    let loaded = page(&app, &s, &path).await;
    let r = post_from(
        &app,
        &path,
        &s,
        None,
        &[
            ("version", &version(&loaded)),
            ("action", "connect"),
            ("kind", "simulated"),
            ("directory_id", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
            ("display_name", "Tailspin sim"),
            ("scenario", "healthy"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let verify_step = page(&app, &s, &path).await;
    let form_version = version(&verify_step);
    let runs_before = app.int("SELECT COUNT(*) FROM operation_runs", &[]).await;

    app.pause_contoso_starts().await;
    let r = post_from(
        &app,
        &path,
        &s,
        None,
        &[("version", &form_version), ("action", "verify")],
    )
    .await;
    assert_eq!(r.header("location"), Some(path.as_str()));
    let back = follow(&app, &s, &r).await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(back.body.contains(REFUSED), "{}", back.body);
    assert_eq!(
        app.int("SELECT COUNT(*) FROM operation_runs", &[]).await,
        runs_before
    );
    assert_eq!(version(&back.body), form_version, "the draft is unchanged");

    // Control: once resumed, the same form queues the verification.
    app.control("operation_starts", &resume_contoso_starts())
        .await;
    let r = post_from(
        &app,
        &path,
        &s,
        None,
        &[("version", &form_version), ("action", "verify")],
    )
    .await;
    assert_eq!(r.header("location"), Some(path.as_str()));
    assert!(r.cookie("tp_flash").is_none());
    assert_eq!(
        app.int("SELECT COUNT(*) FROM operation_runs", &[]).await,
        runs_before + 1
    );
}

//! Tenant-wide admin consent through the router: the consent page (scope, capability), the
//! button and the link, the simulated authority, and the callback's rules (forged, replayed,
//! expired, other directory, other user → refused with nothing written; granted and denied
//! recorded, audited, a grant queueing a verification that then finds the tenant ready). The
//! Microsoft kind is walked against a local fake authority.

use crate::support::{Resp, Session, TestApp, fragment};
use axum::http::StatusCode;
use tenantpilot::config::Config;
use tenantpilot::features::operations::runner;

const PUBLIC: &str = "http://127.0.0.1:8080";
const CALLBACK: &str = "http://127.0.0.1:8080/admin/consent/callback";
const FABRIKAM_DIR: &str = "fabrikam.onmicrosoft.com";
const GRANTED_EN: &str = "Admin consent granted — verification queued";

/// Undoes askama's HTML escaping of an attribute value (named and numeric entities).
fn unescape(s: &str) -> String {
    [
        ("&#38;", "&"),
        ("&#34;", "\""),
        ("&#39;", "'"),
        ("&#60;", "<"),
        ("&#62;", ">"),
        ("&#47;", "/"),
        ("&quot;", "\""),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(s.to_string(), |acc, (from, to)| acc.replace(from, to))
}

/// The dashboard's primary action while it opens the consent flow.
const GRANT_ACTION: &str = r#"data-testid="primary-action" data-action="admin_consent_primary""#;

/// The `href` of the element with `data-testid="{testid}"` (the attribute comes first).
fn href_of(html: &str, testid: &str) -> String {
    let marker = format!("data-testid=\"{testid}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {testid} in {html}"));
    let start = html[..at].rfind("href=\"").expect("href") + "href=\"".len();
    let end = html[start..].find('"').expect("end") + start;
    unescape(&html[start..end])
}

/// A URL of ours as a router path.
fn local(url: &str) -> String {
    url.strip_prefix(PUBLIC)
        .unwrap_or_else(|| panic!("{url} is not under {PUBLIC}"))
        .to_string()
}

fn query_param(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .expect("absolute url")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Presses "Grant admin consent" and returns the authority URL it redirects to.
async fn press_grant(app: &TestApp, s: &Session, tenant: &str) -> String {
    let r = app
        .post_form(
            &format!("/admin/t/{tenant}/consent"),
            s,
            &[("mode", "button")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.header("location").expect("location").to_string()
}

/// Creates a link for the customer's administrator and returns it as the page shows it.
async fn create_link(app: &TestApp, s: &Session, tenant: &str) -> (Resp, String) {
    let r = app
        .post_form(
            &format!("/admin/t/{tenant}/consent"),
            s,
            &[("mode", "link")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let field = fragment(&r.body, "data-testid=\"consent-link\"", "</div>");
    let start = field.find("value=\"").expect("value") + "value=\"".len();
    let end = field[start..].find('"').expect("end") + start;
    let url = unescape(&field[start..end]);
    (r, url)
}

/// Opens the simulated authority at `authority` and returns its Accept (or Cancel) answer.
async fn authority_answer(app: &TestApp, authority: &str, testid: &str) -> String {
    let page = app.get(&local(authority), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    href_of(&page.body, testid)
}

async fn consent_state(app: &TestApp, tenant: &str) -> String {
    let id = app.tenant_id(tenant).await;
    app.text(
        "SELECT consent_state FROM provider_connections WHERE tenant_id = $1",
        &[id.into()],
    )
    .await
    .expect("consent state")
}

async fn verify_runs(app: &TestApp, tenant: &str) -> i64 {
    let id = app.tenant_id(tenant).await;
    app.int(
        "SELECT COUNT(*) FROM operation_runs WHERE tenant_id = $1 AND run_type = 'provider.connection.verify'",
        &[id.into()],
    )
    .await
}

/// What a refused callback must leave untouched: audit rows of both answers, runs, consent.
async fn untouched(app: &TestApp) -> (i64, i64, i64, String) {
    (
        app.audit_count("provider.admin_consent_granted").await,
        app.audit_count("provider.admin_consent_denied").await,
        verify_runs(app, "fabrikam").await,
        consent_state(app, "fabrikam").await,
    )
}

fn refusal_of(r: &Resp) -> String {
    let at = r.body.find("data-refusal=\"").expect("a refusal page") + "data-refusal=\"".len();
    r.body[at..at + r.body[at..].find('"').expect("end")].to_string()
}

#[tokio::test]
async fn granting_through_the_simulated_authority_is_recorded_audited_and_verifies_ready() {
    let app = TestApp::new().await;
    let owner = app.login("owner@contoso.test").await;
    let owner_id = app.user_id("owner@contoso.test").await;

    // The dashboard's dominant issue leads to the consent page.
    let dashboard = app.get("/admin/t/fabrikam", Some(&owner)).await;
    assert_eq!(
        href_of(&dashboard.body, "primary-action"),
        "/admin/t/fabrikam/consent"
    );
    assert!(dashboard.body.contains(GRANT_ACTION), "positive control");
    let page = app.get("/admin/t/fabrikam/consent", Some(&owner)).await;
    assert_eq!(page.status, StatusCode::OK);
    for p in tenantpilot::features::providers::model::REQUIRED_PERMISSIONS {
        assert!(page.body.contains(p), "permission {p} listed");
    }
    assert_eq!(consent_state(&app, "fabrikam").await, "missing");
    let runs_before = verify_runs(&app, "fabrikam").await;

    let authority = press_grant(&app, &owner, "fabrikam").await;
    let prefix = format!(
        "{PUBLIC}/simulated-authority/{FABRIKAM_DIR}/v2.0/adminconsent?client_id=tenantpilot-simulated-app&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fadmin%2Fconsent%2Fcallback&state="
    );
    assert!(authority.starts_with(&prefix), "{authority}");
    let state = query_param(&authority, "state").expect("state");
    assert!(state.len() >= 40);
    // Only the state's hash is stored, and it is in no audit row.
    assert_eq!(
        app.int(
            "SELECT COUNT(*) FROM admin_consent_requests WHERE state_hash = $1",
            &[state.as_str().into()]
        )
        .await,
        0
    );
    assert_eq!(
        app.int(
            "SELECT COUNT(*) FROM admin_consent_requests WHERE state_hash = $1",
            &[tenantpilot::auth::token_hash(&state).as_str().into()]
        )
        .await,
        1
    );
    assert_eq!(app.audit_count("provider.admin_consent_requested").await, 1);
    assert_eq!(
        app.int(
            "SELECT COUNT(*) FROM audit_events WHERE CAST(metadata AS TEXT) LIKE $1",
            &[format!("%{state}%").as_str().into()]
        )
        .await,
        0
    );

    let accept = authority_answer(&app, &authority, "simulated-accept").await;
    assert!(
        accept.starts_with(&format!(
            "{CALLBACK}?admin_consent=True&tenant={FABRIKAM_DIR}&state="
        )),
        "{accept}"
    );
    let r = app.get(&local(&accept), Some(&owner)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let result_path = r.header("location").expect("location").to_string();
    assert!(result_path.starts_with("/admin/t/fabrikam/consent/requests/"));

    let result = app.get(&result_path, Some(&owner)).await;
    assert_eq!(result.status, StatusCode::OK);
    assert!(result.body.contains(GRANTED_EN), "{}", result.body);
    let run_href = href_of(&result.body, "consent-result-run");
    let run_id: i64 = run_href
        .trim_start_matches("/admin/operations/")
        .parse()
        .expect("run id");
    assert_eq!(
        href_of(&result.body, "consent-result-dashboard"),
        "/admin/t/fabrikam"
    );

    assert_eq!(consent_state(&app, "fabrikam").await, "granted");
    assert_eq!(verify_runs(&app, "fabrikam").await, runs_before + 1);
    assert_eq!(
        app.int(
            "SELECT initiator_user_id FROM operation_runs WHERE id = $1",
            &[run_id.into()]
        )
        .await,
        owner_id
    );
    assert_eq!(app.audit_count("provider.admin_consent_granted").await, 1);
    assert_eq!(app.audit_count("provider.admin_consent_denied").await, 0);
    assert_eq!(
        app.int(
            "SELECT actor_user_id FROM audit_events WHERE action = 'provider.admin_consent_granted'",
            &[]
        )
        .await,
        owner_id
    );

    // The verification the grant queued finds the tenant ready.
    let before = app.get("/admin/t/fabrikam", Some(&owner)).await;
    assert!(
        !fragment(&before.body, "data-testid=\"verification-state\"", "</p>")
            .contains("verdict-ready")
    );
    runner::drain(&app.state).await.unwrap();
    assert_eq!(
        app.text(
            "SELECT outcome FROM operation_runs WHERE id = $1",
            &[run_id.into()]
        )
        .await
        .as_deref(),
        Some("succeeded")
    );
    let after = app.get("/admin/t/fabrikam", Some(&owner)).await;
    assert!(
        fragment(&after.body, "data-testid=\"verification-state\"", "</p>")
            .contains("verdict-ready"),
        "{}",
        after.body
    );
    assert!(!after.body.contains(GRANT_ACTION));
    // The consent page lists the answered request with its run.
    let page = app.get("/admin/t/fabrikam/consent", Some(&owner)).await;
    assert!(
        page.body
            .contains(&format!("href=\"/admin/operations/{run_id}\""))
    );
}

#[tokio::test]
async fn a_denial_is_recorded_and_audited_with_its_description_redacted() {
    let app = TestApp::new().await;
    let owner = app.login("owner@contoso.test").await;
    let runs_before = verify_runs(&app, "fabrikam").await;
    let authority = press_grant(&app, &owner, "fabrikam").await;
    let cancel = authority_answer(&app, &authority, "simulated-cancel").await;
    let state = query_param(&cancel, "state").expect("state");
    let secret = "client_secret=Zx9-very-secret-Value_123";
    let description = format!("AADSTS65004: User declined to consent to access the app. {secret}");
    let path = format!(
        "/admin/consent/callback?error=access_denied&error_description={}&state={}",
        tenantpilot::outbound::urlencode(&description),
        tenantpilot::outbound::urlencode(&state)
    );
    let r = app.get(&path, Some(&owner)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let result = app
        .get(r.header("location").expect("location"), Some(&owner))
        .await;
    assert!(result.body.contains("Admin consent was declined"));
    assert!(
        result
            .body
            .contains("User declined to consent to access the app.")
    );
    assert!(!result.body.contains("Zx9-very-secret-Value_123"));

    let stored = app
        .text(
            "SELECT error_description FROM admin_consent_requests WHERE outcome = 'denied'",
            &[],
        )
        .await
        .expect("description stored");
    assert!(
        stored.starts_with("access_denied: AADSTS65004: User declined to consent"),
        "{stored}"
    );
    assert!(!stored.contains("Zx9-very-secret-Value_123"), "{stored}");
    let metadata = app
        .text(
            "SELECT CAST(metadata AS TEXT) FROM audit_events WHERE action = 'provider.admin_consent_denied'",
            &[],
        )
        .await
        .expect("audited");
    assert!(metadata.contains("User declined to consent"), "{metadata}");
    assert!(
        !metadata.contains("Zx9-very-secret-Value_123"),
        "{metadata}"
    );
    assert!(!metadata.contains(&state));
    assert_eq!(consent_state(&app, "fabrikam").await, "missing");
    assert_eq!(verify_runs(&app, "fabrikam").await, runs_before);
    assert_eq!(app.audit_count("provider.admin_consent_granted").await, 0);
}

#[tokio::test]
async fn forged_replayed_and_other_directory_answers_are_refused_and_write_nothing() {
    let app = TestApp::new().await;
    let owner = app.login("owner@contoso.test").await;
    let authority = press_grant(&app, &owner, "fabrikam").await;
    let accept = authority_answer(&app, &authority, "simulated-accept").await;
    let state = query_param(&accept, "state").expect("state");
    let before = untouched(&app).await;

    // Forged: a state we never issued, and none at all.
    for forged in [
        format!(
            "/admin/consent/callback?admin_consent=True&tenant={FABRIKAM_DIR}&state=forged-{state}"
        ),
        format!("/admin/consent/callback?admin_consent=True&tenant={FABRIKAM_DIR}"),
    ] {
        let r = app.get(&forged, Some(&owner)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{forged}");
        assert_eq!(refusal_of(&r), "unknown_state");
    }
    // Another tenant's directory.
    let other = accept.replace(
        &format!("tenant={FABRIKAM_DIR}"),
        "tenant=contoso.onmicrosoft.com",
    );
    assert_ne!(other, accept);
    let r = app.get(&local(&other), Some(&owner)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(refusal_of(&r), "other_directory");
    // Neither a grant nor an error.
    let r = app
        .get(
            &format!(
                "/admin/consent/callback?state={}",
                tenantpilot::outbound::urlencode(&state)
            ),
            Some(&owner),
        )
        .await;
    assert_eq!(refusal_of(&r), "malformed");
    assert_eq!(untouched(&app).await, before);

    // Positive control: the refusals left the request open, so the real answer still works.
    let r = app.get(&local(&accept), Some(&owner)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = untouched(&app).await;
    assert_eq!(after.0, 1);

    // Replayed: the same answer again.
    let r = app.get(&local(&accept), Some(&owner)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(refusal_of(&r), "already_used");
    assert_eq!(untouched(&app).await, after);
}

#[tokio::test]
async fn two_concurrent_answers_cannot_both_win() {
    let app = TestApp::new().await;
    let owner = app.login("owner@contoso.test").await;
    let authority = press_grant(&app, &owner, "fabrikam").await;
    let accept = local(&authority_answer(&app, &authority, "simulated-accept").await);
    let (a, b) = tokio::join!(
        app.get(&accept, Some(&owner)),
        app.get(&accept, Some(&owner))
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::BAD_REQUEST]);
    assert_eq!(app.audit_count("provider.admin_consent_granted").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operation_runs WHERE CAST(context AS TEXT) LIKE '%admin_consent_request_id%'")
            .await,
        1
    );
}

#[tokio::test]
async fn an_expired_request_is_refused() {
    let app = TestApp::new().await;
    let owner = app.login("owner@contoso.test").await;
    let old = press_grant(&app, &owner, "fabrikam").await;
    let old_accept = authority_answer(&app, &old, "simulated-accept").await;
    app.clock.advance(chrono::Duration::minutes(31));
    let before = untouched(&app).await;
    let r = app.get(&local(&old_accept), Some(&owner)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(refusal_of(&r), "expired");
    assert_eq!(untouched(&app).await, before);
    // Control: a request started now is answered within its 30 minutes.
    let fresh = press_grant(&app, &owner, "fabrikam").await;
    let accept = authority_answer(&app, &fresh, "simulated-accept").await;
    app.clock.advance(chrono::Duration::minutes(29));
    let r = app.get(&local(&accept), Some(&owner)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn a_button_request_is_completed_only_by_its_initiator() {
    let app = TestApp::new().await;
    let owner = app.login("owner@contoso.test").await;
    let manager = app.login("manager@contoso.test").await;
    let authority = press_grant(&app, &owner, "fabrikam").await;
    let accept = local(&authority_answer(&app, &authority, "simulated-accept").await);
    let before = untouched(&app).await;
    let r = app.get(&accept, Some(&manager)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(refusal_of(&r), "not_initiator");
    let r = app.get(&accept, None).await;
    assert_eq!(refusal_of(&r), "not_initiator");
    assert_eq!(untouched(&app).await, before);
    let r = app.get(&accept, Some(&owner)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn the_customer_admin_answers_a_link_anonymously_and_sees_no_tenant_data() {
    let app = TestApp::new().await;
    let owner = app.login("owner@contoso.test").await;
    let owner_id = app.user_id("owner@contoso.test").await;
    let (page, link) = create_link(&app, &owner, "fabrikam").await;
    assert!(page.body.contains("data-testid=\"consent-link-expires\""));
    assert!(page.body.contains("2026-11-23 09:30 UTC"), "expiry shown");
    assert!(page.body.contains("readonly"));
    let state = query_param(&link, "state").expect("state");
    // Shown once: the page does not show it again.
    let again = app.get("/admin/t/fabrikam/consent", Some(&owner)).await;
    assert!(!again.body.contains(&state));
    assert!(again.body.contains("Waiting for the answer"));

    let accept = authority_answer(&app, &link, "simulated-accept").await;
    let r = app.get(&local(&accept), None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let thanks_path = r.header("location").expect("location").to_string();
    assert_eq!(thanks_path, "/admin/consent/done?outcome=granted");
    let thanks = app.get(&thanks_path, None).await;
    assert_eq!(thanks.status, StatusCode::OK);
    assert!(thanks.body.contains("Admin consent was granted."));
    assert!(!thanks.body.to_lowercase().contains("fabrikam"));
    // Control: the initiator's own result page names the tenant.
    let id = app
        .count("SELECT MAX(id) FROM admin_consent_requests")
        .await;
    let result = app
        .get(
            &format!("/admin/t/fabrikam/consent/requests/{id}"),
            Some(&owner),
        )
        .await;
    assert!(result.body.contains("Fabrikam Inc"));
    assert!(result.body.contains(GRANTED_EN));

    assert_eq!(consent_state(&app, "fabrikam").await, "granted");
    assert_eq!(
        app.int(
            "SELECT actor_user_id FROM audit_events WHERE action = 'provider.admin_consent_granted'",
            &[]
        )
        .await,
        owner_id
    );
    assert_eq!(
        app.int(
            "SELECT initiator_user_id FROM operation_runs WHERE CAST(context AS TEXT) LIKE '%admin_consent_request_id%'",
            &[]
        )
        .await,
        owner_id
    );
}

#[tokio::test]
async fn the_page_follows_scope_and_capability() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let readonly = app.session_for("readonly@contoso.test").await;
    let northwind = app.session_for("owner@northwind.test").await;
    let form = "<form method=\"post\" action=\"/admin/t/contoso/consent\"";

    let mine = app.get("/admin/t/contoso/consent", Some(&owner)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains(form));
    assert!(!mine.body.contains("consent-disabled-reason"));

    let ro = app.get("/admin/t/contoso/consent", Some(&readonly)).await;
    assert_eq!(ro.status, StatusCode::OK);
    assert!(!ro.body.contains(form));
    let reason = fragment(&ro.body, "data-testid=\"consent-disabled-reason\"", "</p>");
    assert!(
        reason.contains("Needs the operator role — ask a workspace owner."),
        "{reason}"
    );
    let r = app
        .post_form("/admin/t/contoso/consent", &readonly, &[("mode", "button")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM admin_consent_requests")
            .await,
        0
    );

    // Out of scope: readonly sees contoso only, northwind's owner none of contoso-msp.
    for (s, path) in [
        (&readonly, "/admin/t/fabrikam/consent"),
        (&northwind, "/admin/t/fabrikam/consent"),
        (&northwind, "/admin/t/contoso/consent"),
    ] {
        assert_eq!(
            app.get(path, Some(s)).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let r = app
        .post_form("/admin/t/fabrikam/consent", &readonly, &[("mode", "link")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Another tenant's result page is not reachable through this one.
    press_grant(&app, &owner, "fabrikam").await;
    let id = app
        .count("SELECT MAX(id) FROM admin_consent_requests")
        .await;
    let r = app
        .get(
            &format!("/admin/t/contoso/consent/requests/{id}"),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_simulated_authority_redirects_only_to_our_callback() {
    let app = TestApp::new().await;
    let good = format!(
        "/simulated-authority/{FABRIKAM_DIR}/v2.0/adminconsent?client_id=tenantpilot-simulated-app&scope=x&state=abc&redirect_uri={}",
        tenantpilot::outbound::urlencode(CALLBACK)
    );
    let page = app.get(&good, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(href_of(&page.body, "simulated-accept").starts_with(CALLBACK));
    let evil = good.replace(
        &tenantpilot::outbound::urlencode(CALLBACK),
        &tenantpilot::outbound::urlencode("https://evil.example/admin/consent/callback"),
    );
    let page = app.get(&evil, None).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(!page.body.contains("evil.example"));
    assert!(!page.body.contains("simulated-accept"));
    assert!(page.body.contains("is not registered for this application"));
}

/// A stand-in for `login.microsoftonline.com`: checks the admin-consent request and answers,
/// like Microsoft after the administrator accepted, with a redirect to the `redirect_uri`.
async fn fake_authority(
    client_id: &'static str,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use axum::extract::{Path, Query};
    use std::collections::HashMap;
    let (seen, received) = tokio::sync::mpsc::unbounded_channel();
    let router = axum::Router::new().route(
        "/{directory}/v2.0/adminconsent",
        axum::routing::get(
            move |Path(directory): Path<String>, Query(q): Query<HashMap<String, String>>| {
                let seen = seen.clone();
                async move {
                    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
                    let ok = get("client_id") == client_id
                        && get("scope") == "https://graph.microsoft.com/.default"
                        && get("redirect_uri") == CALLBACK
                        && !get("state").is_empty();
                    let _ = seen.send(format!("{directory} {ok}"));
                    if !ok {
                        return axum::response::Response::builder()
                            .status(400)
                            .body(axum::body::Body::from("AADSTS900144: bad request"))
                            .unwrap_or_default();
                    }
                    let location = format!(
                        "{}?admin_consent=True&tenant={}&state={}&scope={}",
                        get("redirect_uri"),
                        tenantpilot::outbound::urlencode(&directory),
                        tenantpilot::outbound::urlencode(&get("state")),
                        tenantpilot::outbound::urlencode("https://graph.microsoft.com/.default")
                    );
                    axum::response::Response::builder()
                        .status(302)
                        .header("location", location)
                        .body(axum::body::Body::empty())
                        .unwrap_or_default()
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}"), received)
}

#[tokio::test]
async fn the_microsoft_kind_walks_the_flow_against_a_fake_authority() {
    const CLIENT_ID: &str = "0b9d5a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b";
    const DIRECTORY: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let (authority_base, mut seen) = fake_authority(CLIENT_ID).await;
    let mut config = Config::default();
    config.providers.microsoft.authority_url = authority_base.clone();
    config.providers.microsoft.client_id = CLIENT_ID.into();
    let app = TestApp::with_config(config).await;
    let owner = app.login("owner@contoso.test").await;
    // Fabrikam moves to the Microsoft kind through onboarding's own rule.
    app.connect_microsoft("fabrikam", DIRECTORY).await;

    let page = app.get("/admin/t/fabrikam/consent", Some(&owner)).await;
    let policy = page.header("content-security-policy").expect("csp");
    assert!(
        policy.contains(&format!("form-action 'self' {authority_base}")),
        "{policy}"
    );

    let url = press_grant(&app, &owner, "fabrikam").await;
    assert!(
        url.starts_with(&format!(
            "{authority_base}/{DIRECTORY}/v2.0/adminconsent?client_id={CLIENT_ID}&scope="
        )),
        "{url}"
    );
    // The browser's part: go to the authority and read where it sends the administrator back.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = client
        .get(&url)
        .send()
        .await
        .expect("fake authority answers");
    assert_eq!(answer.status(), reqwest::StatusCode::FOUND);
    assert_eq!(
        seen.recv().await.as_deref(),
        Some(format!("{DIRECTORY} true").as_str())
    );
    let location = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("redirect")
        .to_string();
    assert!(location.starts_with(&format!("{CALLBACK}?admin_consent=True&tenant={DIRECTORY}")));

    // Control: the fake refuses a request that is not what Microsoft expects.
    let bad = client
        .get(url.replace(CLIENT_ID, "someone-else"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), reqwest::StatusCode::BAD_REQUEST);

    let r = app.get(&local(&location), Some(&owner)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let result = app.get(r.header("location").unwrap(), Some(&owner)).await;
    assert!(result.body.contains(GRANTED_EN));
    assert_eq!(consent_state(&app, "fabrikam").await, "granted");
    assert_eq!(app.audit_count("provider.admin_consent_granted").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operation_runs WHERE CAST(context AS TEXT) LIKE '%admin_consent_request_id%' AND status = 'queued'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_microsoft_kind_without_an_app_registration_explains_why_it_cannot_start() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    app.connect_microsoft("fabrikam", "72f988bf-86f1-41af-91ab-2d7cd011db47")
        .await;
    let page = app.get("/admin/t/fabrikam/consent", Some(&owner)).await;
    let reason = fragment(
        &page.body,
        "data-testid=\"consent-disabled-reason\"",
        "</p>",
    );
    assert!(reason.contains("providers.microsoft.client_id"), "{reason}");
    let r = app
        .post_form("/admin/t/fabrikam/consent", &owner, &[("mode", "button")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Control: the simulated tenant next door can start.
    let r = app
        .post_form("/admin/t/contoso/consent", &owner, &[("mode", "button")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

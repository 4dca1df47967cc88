//! Every registered route × every kind of caller → the exact status. The table must name every
//! route the router registers (and nothing else), so a new route without an access rule fails.

use crate::support::{ACTORS, TestApp};
use axum::http::{Method, StatusCode};
use std::collections::BTreeSet;

/// How to call a route for the matrix.
enum Call {
    Get(&'static str),
    Form(&'static str, &'static [(&'static str, &'static str)]),
    Api(Method, &'static str, Option<&'static str>),
}

/// Columns: owner, manager, operator, readonly (contoso only), other-workspace owner,
/// anonymous, platform user.
struct Row {
    method: &'static str,
    template: &'static str,
    call: Call,
    expect: [u16; 7],
}

fn matrix() -> Vec<Row> {
    use Call::*;
    let row = |method, template, call, expect| Row {
        method,
        template,
        call,
        expect,
    };
    vec![
        row("GET", "/healthz", Get("/healthz"), [200; 7]),
        row("GET", "/readyz", Get("/readyz"), [200; 7]),
        row("GET", "/metrics", Get("/metrics"), [200; 7]),
        row(
            "GET",
            "/static/{file}",
            Get(tenantpilot::web::assets::css_href()),
            [200; 7],
        ),
        row("GET", "/", Get("/"), [302; 7]),
        row(
            "GET",
            "/login",
            Get("/login"),
            [302, 302, 302, 302, 302, 200, 302],
        ),
        row(
            "POST",
            "/login",
            Form(
                "/login",
                &[("email", "$actor"), ("password", "wrong-password")],
            ),
            [422; 7],
        ),
        row("POST", "/logout", Form("/logout", &[]), [303; 7]),
        row(
            "GET",
            "/account",
            Get("/account"),
            [200, 200, 200, 200, 200, 302, 200],
        ),
        row(
            "POST",
            "/account",
            Form("/account", &[("display_name", "Renamed"), ("locale", "en")]),
            [303, 303, 303, 303, 303, 302, 303],
        ),
        row(
            "POST",
            "/account/tokens",
            Form("/account/tokens", &[("name", "Matrix")]),
            [200, 200, 200, 200, 200, 302, 200],
        ),
        // The contoso owner's token: only its owner may see or revoke it.
        row(
            "GET",
            "/account/tokens/{id}/revoke",
            Get("/account/tokens/$web_token/revoke"),
            [200, 404, 404, 404, 404, 302, 404],
        ),
        row(
            "POST",
            "/account/tokens/{id}/revoke",
            Form("/account/tokens/$web_token/revoke", &[]),
            [303, 404, 404, 404, 404, 302, 404],
        ),
        row("GET", "/admin", Get("/admin"), [302; 7]),
        row(
            "GET",
            "/admin/w/{workspace}",
            Get("/admin/w/contoso-msp"),
            [200, 200, 200, 200, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/w/{workspace}/audit",
            Get("/admin/w/contoso-msp/audit"),
            [200, 200, 403, 403, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/w/{workspace}/audit.csv",
            Get("/admin/w/contoso-msp/audit.csv"),
            [200, 200, 403, 403, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/t/{tenant}",
            Get("/admin/t/fabrikam"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        // Admin consent: the page and its start need the tenant in scope (starting also
        // onboarding.manage, which every role that sees fabrikam has); the callback, the
        // thank-you page and the simulated authority serve anyone (an unknown state is 404).
        row(
            "GET",
            "/admin/t/{tenant}/consent",
            Get("/admin/t/fabrikam/consent"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        row(
            "POST",
            "/admin/t/{tenant}/consent",
            Form("/admin/t/fabrikam/consent", &[("mode", "button")]),
            [303, 303, 303, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/t/{tenant}/consent/requests/{request}",
            Get("/admin/t/fabrikam/consent/requests/0"),
            [404, 404, 404, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/consent/callback",
            Get("/admin/consent/callback?admin_consent=True&state=forged"),
            [404; 7],
        ),
        row(
            "GET",
            "/admin/consent/done",
            Get("/admin/consent/done?outcome=granted"),
            [200; 7],
        ),
        row(
            "GET",
            "/simulated-authority/{directory}/v2.0/adminconsent",
            Get(
                "/simulated-authority/fabrikam.onmicrosoft.com/v2.0/adminconsent?client_id=tenantpilot-simulated-app&scope=s&state=x&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fadmin%2Fconsent%2Fcallback",
            ),
            [200; 7],
        ),
        row(
            "POST",
            "/admin/t/{tenant}/operations",
            Form(
                "/admin/t/fabrikam/operations",
                &[("type", "provider.connection.verify")],
            ),
            [303, 303, 303, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/t/{tenant}/permissions",
            Get("/admin/t/fabrikam/permissions"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/t/{tenant}/reports",
            Get("/admin/t/fabrikam/reports"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/t/{tenant}/reports/{report}",
            Get("/admin/t/fabrikam/reports/$report"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/t/{tenant}/review-packs/{pack}",
            Get("/admin/t/fabrikam/review-packs/$pack"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        row(
            "POST",
            "/admin/t/{tenant}/support-diagnostics",
            Form("/admin/t/fabrikam/support-diagnostics", &[]),
            [303, 303, 403, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/t/{tenant}/support-diagnostics/{opening}",
            // The owner's own opening: only the owner may preview it.
            Get("/admin/t/fabrikam/support-diagnostics/$tenant_opening"),
            [200, 404, 403, 404, 404, 302, 404],
        ),
        row(
            "POST",
            "/admin/operations/{run}/support-diagnostics",
            Form("/admin/operations/$run/support-diagnostics", &[]),
            [303, 303, 403, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/operations/{run}/support-diagnostics/{opening}",
            Get("/admin/operations/$run/support-diagnostics/$run_opening"),
            [200, 404, 403, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/t/{tenant}/support-requests/new",
            Get("/admin/t/fabrikam/support-requests/new"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        row(
            "POST",
            "/admin/t/{tenant}/support-requests",
            Form(
                "/admin/t/fabrikam/support-requests",
                &[
                    ("severity", "normal"),
                    ("summary", "Matrix request"),
                    ("handoff_mode", "internal_only"),
                ],
            ),
            [303, 303, 303, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/t/{tenant}/support-requests",
            Get("/admin/t/fabrikam/support-requests"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/t/{tenant}/support-requests/{reference}",
            Get("/admin/t/fabrikam/support-requests/$support_request"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        // $support_request is internal-only: a permitted retry is refused back to its page.
        row(
            "POST",
            "/admin/t/{tenant}/support-requests/{reference}/retry",
            Form(
                "/admin/t/fabrikam/support-requests/$support_request/retry",
                &[],
            ),
            [303, 303, 303, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/operations/{run}/support-requests",
            Get("/admin/operations/$run/support-requests"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/operations",
            Get("/admin/operations"),
            [200, 200, 200, 200, 200, 302, 404],
        ),
        row(
            "GET",
            "/admin/operations/{run}",
            Get("/admin/operations/$run"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/operations/{run}/progress",
            Get("/admin/operations/$run/progress"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        // $run is fabrikam's failed verification: a retry needs operations.start.
        row(
            "POST",
            "/admin/operations/{run}/retry",
            Form("/admin/operations/$run/retry", &[]),
            [303, 303, 303, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/operations/{run}/support-requests/new",
            Get("/admin/operations/$run/support-requests/new"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        row(
            "POST",
            "/admin/operations/{run}/support-requests",
            Form(
                "/admin/operations/$run/support-requests",
                &[
                    ("severity", "high"),
                    ("summary", "Matrix run request"),
                    ("handoff_mode", "internal_only"),
                ],
            ),
            [303, 303, 303, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/onboarding",
            Get("/admin/onboarding"),
            [200, 200, 200, 403, 200, 302, 404],
        ),
        row(
            "POST",
            "/admin/onboarding",
            Form(
                "/admin/onboarding",
                &[
                    ("workspace", "contoso-msp"),
                    ("existing_tenant", "fabrikam"),
                ],
            ),
            [303, 303, 303, 403, 404, 302, 404],
        ),
        row(
            "GET",
            "/admin/onboarding/{draft}",
            Get("/admin/onboarding/$draft"),
            [200, 200, 200, 404, 404, 302, 404],
        ),
        row(
            "POST",
            "/admin/onboarding/{draft}",
            // A stale version: allowed callers get the conflict answer, nothing changes.
            Form(
                "/admin/onboarding/$draft",
                &[("action", "verify"), ("version", "999")],
            ),
            [409, 409, 409, 404, 404, 302, 404],
        ),
        row(
            "GET",
            "/system",
            Get("/system"),
            [404, 404, 404, 404, 404, 404, 200],
        ),
        row(
            "GET",
            "/system/controls",
            Get("/system/controls"),
            [404, 404, 404, 404, 404, 404, 200],
        ),
        row(
            "POST",
            "/system/controls/{control}",
            Form(
                "/system/controls/support_desk_handoff",
                &[("action", "pause"), ("reason", "Matrix check")],
            ),
            [404, 404, 404, 404, 404, 404, 303],
        ),
        row(
            "GET",
            "/system/workspaces",
            Get("/system/workspaces"),
            [404, 404, 404, 404, 404, 404, 200],
        ),
        // An empty name: the platform operator's form answers its field error, writing nothing.
        row(
            "POST",
            "/system/workspaces",
            Form(
                "/system/workspaces",
                &[("name", ""), ("email", "matrix-owner@example.test")],
            ),
            [404, 404, 404, 404, 404, 404, 422],
        ),
        // contoso has members: its owners manage the team, the platform's form is a conflict.
        row(
            "POST",
            "/system/workspaces/{workspace}/owner-invitation",
            Form(
                "/system/workspaces/contoso-msp/owner-invitation",
                &[("email", "matrix-owner@example.test")],
            ),
            [404, 404, 404, 404, 404, 404, 409],
        ),
        row(
            "GET",
            "/system/support-desk",
            Get("/system/support-desk"),
            [404, 404, 404, 404, 404, 404, 200],
        ),
        row(
            "POST",
            "/system/support-desk/test-ticket",
            Form("/system/support-desk/test-ticket", &[]),
            [404, 404, 404, 404, 404, 404, 303],
        ),
        row(
            "GET",
            "/api/v1/openapi.json",
            Api(Method::GET, "/api/v1/openapi.json", None),
            [200; 7],
        ),
        row(
            "GET",
            "/api/v1/me",
            Api(Method::GET, "/api/v1/me", None),
            [200, 200, 200, 200, 200, 401, 200],
        ),
        row(
            "PATCH",
            "/api/v1/me",
            Api(
                Method::PATCH,
                "/api/v1/me",
                Some(r#"{"display_name":"Via API"}"#),
            ),
            [200, 200, 200, 200, 200, 401, 200],
        ),
        row(
            "GET",
            "/api/v1/me/tokens",
            Api(Method::GET, "/api/v1/me/tokens", None),
            [200, 200, 200, 200, 200, 401, 200],
        ),
        row(
            "POST",
            "/api/v1/me/tokens",
            Api(
                Method::POST,
                "/api/v1/me/tokens",
                Some(r#"{"name":"Matrix","expires_in_days":1}"#),
            ),
            [201, 201, 201, 201, 201, 401, 201],
        ),
        row(
            "DELETE",
            "/api/v1/me/tokens/{id}",
            Api(Method::DELETE, "/api/v1/me/tokens/$api_token", None),
            [204, 404, 404, 404, 404, 401, 404],
        ),
        row(
            "GET",
            "/api/v1/tenants",
            Api(Method::GET, "/api/v1/tenants", None),
            [200, 200, 200, 200, 200, 401, 200],
        ),
        row(
            "GET",
            "/api/v1/tenants/{tenant}",
            Api(Method::GET, "/api/v1/tenants/fabrikam", None),
            [200, 200, 200, 404, 404, 401, 404],
        ),
        row(
            "GET",
            "/api/v1/audit",
            Api(Method::GET, "/api/v1/audit?workspace=contoso-msp", None),
            [200, 200, 403, 403, 404, 401, 404],
        ),
        row(
            "GET",
            "/api/v1/tenants/{tenant}/operations",
            Api(Method::GET, "/api/v1/tenants/fabrikam/operations", None),
            [200, 200, 200, 404, 404, 401, 404],
        ),
        row(
            "POST",
            "/api/v1/tenants/{tenant}/operations",
            Api(
                Method::POST,
                "/api/v1/tenants/fabrikam/operations",
                Some(r#"{"type":"provider.connection.verify"}"#),
            ),
            [202, 202, 202, 404, 404, 401, 404],
        ),
        row(
            "GET",
            "/api/v1/operations/{run}",
            Api(Method::GET, "/api/v1/operations/$run", None),
            [200, 200, 200, 404, 404, 401, 404],
        ),
        row(
            "POST",
            "/api/v1/operations/{run}/retry",
            Api(Method::POST, "/api/v1/operations/$run/retry", None),
            [202, 202, 202, 404, 404, 401, 404],
        ),
        row(
            "POST",
            "/api/v1/tenants/{tenant}/support-diagnostics",
            Api(
                Method::POST,
                "/api/v1/tenants/fabrikam/support-diagnostics",
                None,
            ),
            [200, 200, 403, 404, 404, 401, 404],
        ),
        row(
            "POST",
            "/api/v1/operations/{run}/support-diagnostics",
            Api(
                Method::POST,
                "/api/v1/operations/$run/support-diagnostics",
                None,
            ),
            [200, 200, 403, 404, 404, 401, 404],
        ),
        row(
            "POST",
            "/api/v1/tenants/{tenant}/support-requests",
            Api(
                Method::POST,
                "/api/v1/tenants/fabrikam/support-requests",
                Some(r#"{"severity":"low","summary":"Via API","handoff_mode":"internal_only"}"#),
            ),
            [200, 200, 200, 404, 404, 401, 404],
        ),
        row(
            "GET",
            "/api/v1/tenants/{tenant}/support-requests",
            Api(
                Method::GET,
                "/api/v1/tenants/fabrikam/support-requests",
                None,
            ),
            [200, 200, 200, 404, 404, 401, 404],
        ),
        row(
            "GET",
            "/api/v1/operations/{run}/support-requests",
            Api(
                Method::GET,
                "/api/v1/operations/$run/support-requests",
                None,
            ),
            [200, 200, 200, 404, 404, 401, 404],
        ),
        row(
            "GET",
            "/api/v1/support-requests/{reference}",
            Api(
                Method::GET,
                "/api/v1/support-requests/$support_request",
                None,
            ),
            [200, 200, 200, 404, 404, 401, 404],
        ),
        row(
            "POST",
            "/api/v1/support-requests/{reference}/handoff/retry",
            Api(
                Method::POST,
                "/api/v1/support-requests/$support_request/handoff/retry",
                None,
            ),
            [409, 409, 409, 404, 404, 401, 404],
        ),
        row(
            "GET",
            "/api/v1/tenants/{tenant}/support-requests/latest",
            Api(
                Method::GET,
                "/api/v1/tenants/fabrikam/support-requests/latest",
                None,
            ),
            [200, 200, 200, 404, 404, 401, 404],
        ),
        row(
            "POST",
            "/api/v1/operations/{run}/support-requests",
            Api(
                Method::POST,
                "/api/v1/operations/$run/support-requests",
                Some(
                    r#"{"severity":"blocking","summary":"Via API","handoff_mode":"link_existing_ticket","external_ticket_reference":"T-1"}"#,
                ),
            ),
            [200, 200, 200, 404, 404, 401, 404],
        ),
        row(
            "GET",
            "/api/v1/operations/{run}/support-requests/latest",
            Api(
                Method::GET,
                "/api/v1/operations/$run/support-requests/latest",
                None,
            ),
            [200, 200, 200, 404, 404, 401, 404],
        ),
        row(
            "GET",
            "/api/v1/system/telemetry/summary",
            Api(
                Method::GET,
                "/api/v1/system/telemetry/summary?window=30d",
                None,
            ),
            [404, 404, 404, 404, 404, 401, 200],
        ),
        // Members (issue 15): owners only (workspace.manage); ids that name nothing are 404
        // for owners, the links' tokens are public and unknown ones are 404 / 410 for anyone.
        row(
            "GET",
            "/admin/w/{workspace}/members",
            Get("/admin/w/contoso-msp/members"),
            [200, 403, 403, 403, 404, 302, 404],
        ),
        row(
            "POST",
            "/admin/w/{workspace}/invitations",
            Form(
                "/admin/w/contoso-msp/invitations",
                &[("email", "not-an-address"), ("role", "operator")],
            ),
            [422, 403, 403, 403, 404, 302, 404],
        ),
        row(
            "POST",
            "/admin/w/{workspace}/invitations/{id}/resend",
            Form("/admin/w/contoso-msp/invitations/0/resend", &[]),
            [404, 403, 403, 403, 404, 302, 404],
        ),
        row(
            "POST",
            "/admin/w/{workspace}/invitations/{id}/revoke",
            Form("/admin/w/contoso-msp/invitations/0/revoke", &[]),
            [404, 403, 403, 403, 404, 302, 404],
        ),
        row(
            "POST",
            "/admin/w/{workspace}/members/{id}",
            Form(
                "/admin/w/contoso-msp/members/0",
                &[("role", "operator"), ("entitlement", "all")],
            ),
            [404, 403, 403, 403, 404, 302, 404],
        ),
        row(
            "POST",
            "/admin/w/{workspace}/members/{id}/remove",
            Form("/admin/w/contoso-msp/members/0/remove", &[]),
            [404, 403, 403, 403, 404, 302, 404],
        ),
        row(
            "POST",
            "/admin/w/{workspace}/members/{id}/password-reset",
            Form("/admin/w/contoso-msp/members/0/password-reset", &[]),
            [404, 403, 403, 403, 404, 302, 404],
        ),
        row(
            "GET",
            "/invitations/{token}",
            Get("/invitations/unknown-token"),
            [404; 7],
        ),
        row(
            "POST",
            "/invitations/{token}",
            Form(
                "/invitations/unknown-token",
                &[("password", "a long enough password")],
            ),
            [404; 7],
        ),
        row(
            "GET",
            "/password-reset/{token}",
            Get("/password-reset/unknown-token"),
            [410; 7],
        ),
        row(
            "POST",
            "/password-reset/{token}",
            Form(
                "/password-reset/unknown-token",
                &[("new_password", "a long enough password")],
            ),
            [410; 7],
        ),
        row(
            "POST",
            "/account/password",
            Form(
                "/account/password",
                &[
                    ("current_password", "not the password"),
                    ("new_password", "a long enough password"),
                ],
            ),
            [422, 422, 422, 422, 422, 302, 422],
        ),
        row(
            "POST",
            "/account/sessions/{handle}/revoke",
            Form("/account/sessions/0000000000000000/revoke", &[]),
            [404, 404, 404, 404, 404, 302, 404],
        ),
        row(
            "POST",
            "/account/sessions/revoke-all",
            Form("/account/sessions/revoke-all", &[]),
            [303, 303, 303, 303, 303, 302, 303],
        ),
        row(
            "GET",
            "/api/v1/workspaces/{workspace}/members",
            Api(Method::GET, "/api/v1/workspaces/contoso-msp/members", None),
            [200, 403, 403, 403, 404, 401, 404],
        ),
        row(
            "POST",
            "/api/v1/workspaces/{workspace}/members",
            Api(
                Method::POST,
                "/api/v1/workspaces/contoso-msp/members",
                Some(r#"{"email": "not-an-address", "role": "operator", "all_tenants": true}"#),
            ),
            [422, 403, 403, 403, 404, 401, 404],
        ),
        row(
            "GET",
            "/api/v1/workspaces/{workspace}/invitations",
            Api(
                Method::GET,
                "/api/v1/workspaces/contoso-msp/invitations",
                None,
            ),
            [200, 403, 403, 403, 404, 401, 404],
        ),
        row(
            "POST",
            "/api/v1/workspaces/{workspace}/invitations",
            Api(
                Method::POST,
                "/api/v1/workspaces/contoso-msp/invitations",
                Some(r#"{"email": "not-an-address", "role": "operator", "all_tenants": true}"#),
            ),
            [422, 403, 403, 403, 404, 401, 404],
        ),
        row(
            "DELETE",
            "/api/v1/workspaces/{workspace}/invitations/{id}",
            Api(
                Method::DELETE,
                "/api/v1/workspaces/contoso-msp/invitations/0",
                None,
            ),
            [404, 403, 403, 403, 404, 401, 404],
        ),
        row(
            "POST",
            "/api/v1/workspaces/{workspace}/invitations/{id}/resend",
            Api(
                Method::POST,
                "/api/v1/workspaces/contoso-msp/invitations/0/resend",
                None,
            ),
            [404, 403, 403, 403, 404, 401, 404],
        ),
        row(
            "PATCH",
            "/api/v1/workspaces/{workspace}/members/{id}",
            Api(
                Method::PATCH,
                "/api/v1/workspaces/contoso-msp/members/0",
                Some(r#"{"role": "operator"}"#),
            ),
            [404, 403, 403, 403, 404, 401, 404],
        ),
        row(
            "DELETE",
            "/api/v1/workspaces/{workspace}/members/{id}",
            Api(
                Method::DELETE,
                "/api/v1/workspaces/contoso-msp/members/0",
                None,
            ),
            [404, 403, 403, 403, 404, 401, 404],
        ),
        row(
            "GET",
            "/api/v1/help/topics",
            Api(Method::GET, "/api/v1/help/topics", None),
            [200, 200, 200, 200, 200, 401, 200],
        ),
    ]
}

/// Ids the matrix paths refer to (`$run`, `$report`, `$pack`, `$draft`), all belonging to
/// fabrikam so that readonly (contoso only) and other workspaces are out of scope.
async fn ids(app: &TestApp) -> Vec<(&'static str, String)> {
    let fabrikam = "(SELECT id FROM tenants WHERE external_id = 'fabrikam')";
    let one = |table: &str| {
        format!("SELECT COALESCE(MAX(id), 0) FROM {table} WHERE tenant_id = {fabrikam}")
    };
    let run = app.scalar(&one("operation_runs")).await;
    let report = app.scalar(&one("stored_reports")).await;
    let pack = app.scalar(&one("review_packs")).await;
    let owner = app.session_for("owner@contoso.test").await;
    let created = app
        .post_form(
            "/admin/onboarding",
            &owner,
            &[
                ("workspace", "contoso-msp"),
                ("existing_tenant", "fabrikam"),
            ],
        )
        .await;
    let draft = created
        .header("location")
        .and_then(|l| l.rsplit('/').next())
        .unwrap_or("0")
        .to_string();
    let last = |r: crate::support::Resp| {
        r.header("location")
            .and_then(|l| l.rsplit('/').next())
            .unwrap_or("0")
            .to_string()
    };
    let tenant_opening = last(
        app.post_form("/admin/t/fabrikam/support-diagnostics", &owner, &[])
            .await,
    );
    let run_opening = last(
        app.post_form(
            &format!("/admin/operations/{run}/support-diagnostics"),
            &owner,
            &[],
        )
        .await,
    );
    let owner_token = || async {
        let expiry = tenantpilot::auth::tokens::Expiry::Days(1);
        let created = app.token_with("owner@contoso.test", "matrix", expiry).await;
        created.token.id.to_string()
    };
    let token = app.token_for("owner@contoso.test").await;
    let filed = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/support-requests",
            Some(&token),
            Some(r#"{"severity":"low","summary":"Matrix history","handoff_mode":"internal_only"}"#),
        )
        .await
        .json();
    let support_request = filed["internal_reference"]
        .as_str()
        .unwrap_or("SR-missing")
        .to_string();
    vec![
        ("$support_request", support_request),
        ("$web_token", owner_token().await),
        ("$api_token", owner_token().await),
        ("$tenant_opening", tenant_opening),
        ("$run_opening", run_opening),
        ("$run", run.to_string()),
        ("$report", report.to_string()),
        ("$pack", pack.to_string()),
        ("$draft", draft),
    ]
}

fn substitute(path: &str, ids: &[(&'static str, String)]) -> String {
    ids.iter()
        .fold(path.to_string(), |p, (k, v)| p.replace(k, v))
}

#[test]
fn the_matrix_names_every_registered_route_and_nothing_else() {
    let registered: BTreeSet<(String, String)> = tenantpilot::route_table()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let covered: BTreeSet<(String, String)> = matrix()
        .into_iter()
        .map(|r| (r.method.to_string(), r.template.to_string()))
        .collect();
    let missing: Vec<_> = registered.difference(&covered).collect();
    let stale: Vec<_> = covered.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "routes without an access-matrix row: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix rows for routes that do not exist: {stale:?}"
    );
}

#[tokio::test]
async fn every_route_answers_every_caller_with_the_exact_status() {
    let app = TestApp::new().await;
    let ids = ids(&app).await;
    let mut failures = Vec::new();
    for row in matrix() {
        for (column, actor) in ACTORS.iter().enumerate() {
            let anonymous = *actor == "anonymous";
            let status = match &row.call {
                Call::Get(path) => {
                    let session = if anonymous {
                        None
                    } else {
                        Some(app.session_for(actor).await)
                    };
                    app.get(&substitute(path, &ids), session.as_ref())
                        .await
                        .status
                }
                Call::Form(path, fields) => {
                    let session = if anonymous {
                        app.anonymous().await
                    } else {
                        app.session_for(actor).await
                    };
                    // "$actor" stands for the caller's own address (each fails once, so the
                    // per-account throttle does not kick in across columns).
                    let me = if anonymous {
                        "nobody@contoso.test"
                    } else {
                        actor
                    };
                    let fields: Vec<(&str, &str)> = fields
                        .iter()
                        .map(|(k, v)| (*k, if *v == "$actor" { me } else { *v }))
                        .collect();
                    app.post_form(&substitute(path, &ids), &session, &fields)
                        .await
                        .status
                }
                Call::Api(method, path, body) => {
                    let token = if anonymous {
                        None
                    } else {
                        Some(app.token_for(actor).await)
                    };
                    app.api(
                        method.clone(),
                        &substitute(path, &ids),
                        token.as_deref(),
                        *body,
                    )
                    .await
                    .status
                }
            };
            let expected = StatusCode::from_u16(row.expect[column]).unwrap();
            if status != expected {
                failures.push(format!(
                    "{} {} as {actor}: expected {expected}, got {status}",
                    row.method, row.template
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "access matrix mismatches:\n{}",
        failures.join("\n")
    );
}

/// The CSRF token is checked by the `CsrfForm` extractor of each form handler, not by a
/// middleware, so a handler that forgets it would accept a forged form: replay every form route
/// of the matrix, for every caller its handler serves (200, 303 or 422 above), with a forged
/// token, and expect `403` instead.
#[tokio::test]
async fn every_form_route_refuses_a_forged_csrf_token() {
    let app = TestApp::new().await;
    let ids = ids(&app).await;
    let mut failures = Vec::new();
    let mut replayed = 0;
    for row in matrix() {
        let Call::Form(path, fields) = &row.call else {
            continue;
        };
        for (column, actor) in ACTORS.iter().enumerate() {
            if ![200, 303, 422].contains(&row.expect[column]) {
                continue;
            }
            let session = if *actor == "anonymous" {
                app.anonymous().await
            } else {
                app.session_for(actor).await
            };
            let forged = crate::support::Session {
                cookie: session.cookie,
                csrf: "forged".into(),
            };
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| {
                    (
                        *k,
                        if *v == "$actor" {
                            "nobody@contoso.test"
                        } else {
                            *v
                        },
                    )
                })
                .collect();
            let status = app
                .post_form(&substitute(path, &ids), &forged, &fields)
                .await
                .status;
            replayed += 1;
            if status != StatusCode::FORBIDDEN {
                failures.push(format!(
                    "{} {} as {actor} with a forged token: {status}",
                    row.method, row.template
                ));
            }
        }
    }
    assert!(replayed >= 15, "only {replayed} form calls replayed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn out_of_scope_and_missing_tenants_are_indistinguishable() {
    let app = TestApp::new().await;
    let owner = app.session_for("owner@contoso.test").await;
    let scrub = |body: String| {
        body.lines()
            .filter(|l| !l.contains("<code>") && !l.contains("request_id"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let foreign = app.get("/admin/t/northwind", Some(&owner)).await;
    let missing = app.get("/admin/t/no-such-tenant", Some(&owner)).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(scrub(foreign.body), scrub(missing.body));

    let token = app.token_for("owner@contoso.test").await;
    let foreign = app
        .api(Method::GET, "/api/v1/tenants/northwind", Some(&token), None)
        .await
        .json();
    let missing = app
        .api(
            Method::GET,
            "/api/v1/tenants/no-such-tenant",
            Some(&token),
            None,
        )
        .await
        .json();
    for key in ["type", "title", "status", "detail"] {
        assert_eq!(foreign[key], missing[key], "{key}");
    }
    assert_eq!(foreign["type"], "urn:tenantpilot:problem:not-found");
}

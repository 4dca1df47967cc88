//! The audit log people can use (issue 16, point 5): every recorded action has words in both
//! languages, the page and the API filter by action, tenant, actor and date range (inclusive
//! UTC days), targets link to what they name only inside the viewer's scope, and the CSV export
//! (page and API) is quoted, formula-safe, filtered, capped with a notice and audited.

use crate::support::{NowForTests, Session, TestApp, fragment};
use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tenantpilot::{
    audit::{self, Actor, AuditContext, AuditEntry, labels},
    config::Config,
    features::{
        members::service::{MemberChange, change},
        workspaces::model::TenantSelection,
    },
    i18n::{Locale, Tr},
};

const WS: &str = "contoso-msp";

fn at(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, m, s).unwrap()
}

/// One audit row written as the code does, at `when`, by `actor`, in contoso-msp.
async fn write(
    app: &TestApp,
    when: DateTime<Utc>,
    actor: Actor,
    tenant: Option<&str>,
    entry: AuditEntry,
) {
    let ws = app
        .int("SELECT id FROM workspaces WHERE slug = $1", &[WS.into()])
        .await;
    let tenant_id = match tenant {
        Some(ext) => Some(app.tenant_id(ext).await),
        None => None,
    };
    let ctx = AuditContext {
        actor,
        request_id: Some("req-test".into()),
    };
    let mut tx = app.db().begin().await.unwrap();
    audit::record(&mut tx, &ctx, when, entry.scoped(Some(ws), tenant_id))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn user(app: &TestApp, email: &str) -> Actor {
    Actor::User {
        id: app.user_id(email).await,
        label: email.into(),
    }
}

/// Four rows on 20–22 November (the demo data is written on the 23rd):
/// r1 20th 00:00:00 owner, run 9001 of fabrikam; r2 20th 23:59:59 manager, invitation;
/// r3 21st 00:00:00 system, run 9002 of contoso; r4 22nd 12:00 cli, support request of fabrikam.
async fn seed_rows(app: &TestApp) {
    let owner = user(app, "owner@contoso.test").await;
    let manager = user(app, "manager@contoso.test").await;
    write(
        app,
        at(20, 0, 0, 0),
        owner,
        Some("fabrikam"),
        AuditEntry::new("operation.started", "operation_run", "9001"),
    )
    .await;
    write(
        app,
        at(20, 23, 59, 59),
        manager,
        None,
        AuditEntry::new("member.invited", "invitation", "77"),
    )
    .await;
    write(
        app,
        at(21, 0, 0, 0),
        Actor::System,
        Some("contoso"),
        AuditEntry::new("operation.started", "operation_run", "9002"),
    )
    .await;
    write(
        app,
        at(22, 12, 0, 0),
        Actor::Cli,
        Some("fabrikam"),
        AuditEntry::new(
            "support_request.created",
            "support_request",
            "SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C",
        ),
    )
    .await;
}

/// The target ids of the API's first page for `query` (200 rows at most).
async fn api_targets(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/audit?workspace={WS}&per_page=200&{query}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["target_id"].as_str().unwrap().to_string())
        .collect()
}

const MINE: [&str; 4] = ["9001", "77", "9002", "SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C"];

/// The ids of `MINE` among `targets`, in the order returned.
fn mine(targets: &[String]) -> Vec<&str> {
    targets
        .iter()
        .map(String::as_str)
        .filter(|t| MINE.contains(t))
        .collect()
}

#[tokio::test]
async fn each_filter_alone_and_combined_on_the_api() {
    let app = TestApp::new().await;
    seed_rows(&app).await;
    let token = app.token_for("owner@contoso.test").await;
    // Control: unfiltered, all four are there, newest first.
    let all = api_targets(&app, &token, "").await;
    assert_eq!(
        mine(&all),
        ["SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C", "9002", "77", "9001"]
    );
    let cases: [(&str, &[&str]); 7] = [
        ("action=operation.started", &["9002", "9001"]),
        (
            "tenant=fabrikam",
            &["SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C", "9001"],
        ),
        ("actor=owner%40contoso.test", &["9001"]),
        ("actor=system", &["9002"]),
        ("actor=cli", &["SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C"]),
        (
            "action=operation.started&tenant=fabrikam&actor=owner%40contoso.test",
            &["9001"],
        ),
        ("action=operation.started&actor=manager%40contoso.test", &[]),
    ];
    for (query, expected) in cases {
        let got = api_targets(&app, &token, query).await;
        assert_eq!(mine(&got), expected, "{query}");
    }
    // The action filter leaves other actions out entirely (not just our rows).
    let started = api_targets(&app, &token, "action=operation.started").await;
    assert_eq!(started, ["9002", "9001"], "only runs: {started:?}");
}

#[tokio::test]
async fn date_range_is_inclusive_whole_utc_days() {
    let app = TestApp::new().await;
    seed_rows(&app).await;
    let token = app.token_for("owner@contoso.test").await;
    let cases: [(&str, &[&str]); 6] = [
        // One day: its first and last second are in, the next day's first second is not.
        ("from=2026-11-20&to=2026-11-20", &["77", "9001"]),
        ("from=2026-11-21&to=2026-11-21", &["9002"]),
        (
            "from=2026-11-21",
            &["SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C", "9002"],
        ),
        ("to=2026-11-20", &["77", "9001"]),
        ("to=2026-11-19", &[]),
        (
            "from=2026-11-20&to=2026-11-22&tenant=fabrikam",
            &["SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C", "9001"],
        ),
    ];
    for (query, expected) in cases {
        let got = api_targets(&app, &token, query).await;
        assert_eq!(mine(&got), expected, "{query}");
    }
    // A closed range over our days holds nothing else: the demo data is on the 23rd.
    let range = api_targets(&app, &token, "from=2026-11-20&to=2026-11-22").await;
    assert_eq!(range.len(), 4, "{range:?}");
    let demo_day = api_targets(&app, &token, "from=2026-11-23&to=2026-11-23").await;
    assert!(!demo_day.is_empty(), "control: the demo day has rows");
    assert!(mine(&demo_day).is_empty());
}

#[tokio::test]
async fn invalid_dates_are_a_clear_message_not_a_server_error() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let owner = app.session_for("owner@contoso.test").await;
    for (query, field, code) in [
        ("from=2026-13-01", "from", "audit-filter-date-invalid"),
        ("to=yesterday", "to", "audit-filter-date-invalid"),
        (
            "from=2026-11-22&to=2026-11-20",
            "to",
            "audit-filter-range-reversed",
        ),
    ] {
        let r = app
            .api(
                Method::GET,
                &format!("/api/v1/audit?workspace={WS}&{query}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let errors = r.json()["errors"].clone();
        assert_eq!(errors[0]["field"], field, "{query}: {errors}");
        assert_eq!(errors[0]["code"], code, "{query}: {errors}");

        let page = app
            .get(&format!("/admin/w/{WS}/audit?{query}"), Some(&owner))
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let alert = fragment(&page.body, r#"data-testid="audit-filter-errors""#, "</div>");
        let message = Tr(Locale::En).t(code);
        assert!(alert.contains(&message), "{alert}");
        assert!(page.body.contains(r#"aria-invalid="true""#));
        // No events and no export link for a filter that means nothing.
        assert!(!page.body.contains(r#"data-testid="audit-table""#));
        assert!(!page.body.contains("audit.csv"));

        let csv = app
            .get(&format!("/admin/w/{WS}/audit.csv?{query}"), Some(&owner))
            .await;
        assert_eq!(csv.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(
            csv.body.contains(&message),
            "the error page says what to do"
        );
    }
    // A blank date is "no bound" on the page (its form sends one), but not a date on the API,
    // which documents `from` and `to` as dates.
    for query in ["to=", "from=%20"] {
        let r = app
            .api(
                Method::GET,
                &format!("/api/v1/audit?workspace={WS}&{query}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            r.body
        );
        assert_eq!(r.json()["errors"][0]["code"], "audit-filter-date-invalid");
        let page = app
            .get(&format!("/admin/w/{WS}/audit?{query}"), Some(&owner))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
    }
    let de = app
        .get_de(&format!("/admin/w/{WS}/audit?from=2026-13-01"), &owner)
        .await;
    assert!(de.body.contains("Geben Sie das Datum als JJJJ-MM-TT ein"));
    // Control: a valid range is accepted and shows the table and the export link.
    let ok = app
        .get(
            &format!("/admin/w/{WS}/audit?from=2026-11-01"),
            Some(&owner),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.body.contains(r#"data-testid="audit-table""#));
    assert!(ok.body.contains("audit.csv"));
    assert!(!ok.body.contains(r#"data-testid="audit-filter-errors""#));
}

#[tokio::test]
async fn the_page_lists_labels_and_actors_and_keeps_filters_in_the_pager_and_export_link() {
    let app = TestApp::new().await;
    seed_rows(&app).await;
    for i in 0..55 {
        write(
            &app,
            at(21, 8, 0, i),
            Actor::System,
            Some("contoso"),
            AuditEntry::new(
                "operation.started",
                "operation_run",
                format!("{}", 10_000 + i),
            ),
        )
        .await;
    }
    let owner = app.session_for("owner@contoso.test").await;
    let path = format!(
        "/admin/w/{WS}/audit?action=operation.started&actor=system&from=2026-11-21&to=2026-11-21"
    );
    let page = app.get(&path, Some(&owner)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let next = fragment(&page.body, r#"<a href="/admin/w/contoso-msp/audit?"#, ">");
    assert!(
        next.contains("action=operation.started&#38;tenant=&#38;actor=system&#38;from=2026-11-21&#38;to=2026-11-21&#38;page=2"),
        "{next}"
    );
    let export = fragment(&page.body, r#"data-testid="audit-export""#, "</p>");
    assert!(
        export.contains("/admin/w/contoso-msp/audit.csv?action=operation.started&#38;tenant=&#38;actor=system&#38;from=2026-11-21&#38;to=2026-11-21"),
        "{export}"
    );
    assert!(export.contains("at most 10,000 rows"), "the cap: {export}");
    let page2 = app.get(&format!("{path}&page=2"), Some(&owner)).await;
    let body2 = fragment(&page2.body, "<tbody>", "</tbody>");
    assert_eq!(body2.matches("<tr>").count(), 6, "56 rows: 50 + 6");
    assert!(page2.body.contains(r#"rel="prev""#));

    // Selected filters stay selected; the menus show words, not codes.
    let actors = fragment(&page.body, r#"<select id="actor""#, "</select>");
    assert!(
        actors.contains(r#"<option value="system" selected>System</option>"#),
        "{actors}"
    );
    assert!(actors.contains(r#"<option value="cli">Command line</option>"#));
    assert!(actors.contains(r#"<option value="owner@contoso.test">owner@contoso.test</option>"#));
    // A member who never acted is still a choice (members of the workspace).
    assert!(
        actors.contains(r#"value="readonly@contoso.test""#),
        "{actors}"
    );
    // Control: someone outside the workspace is not.
    assert!(!actors.contains("northwind"), "{actors}");
    let actions = fragment(&page.body, r#"<select id="action""#, "</select>");
    assert!(
        actions
            .contains(r#"<option value="operation.started" selected>Operation started</option>"#)
    );
    assert!(!actions.contains(">operation.started<"));
    let de = app.get_de(&path, &owner).await;
    let actions = fragment(&de.body, r#"<select id="action""#, "</select>");
    assert!(
        actions.contains(r#"<option value="member.invited">Mitglied eingeladen</option>"#),
        "{actions}"
    );
    let export = fragment(&de.body, r#"data-testid="audit-export""#, "</p>");
    assert!(export.contains("höchstens 10.000 Zeilen"), "{export}");
    assert!(!de.body.contains("Download as CSV"));
}

/// `manager@contoso.test` restricted to the tenant contoso (fabrikam is then a 404 to them).
async fn restrict_manager_to_contoso(app: &TestApp) {
    let ws = app
        .int("SELECT id FROM workspaces WHERE slug = $1", &[WS.into()])
        .await;
    let manager = app.user_id("manager@contoso.test").await;
    let membership = app
        .int(
            "SELECT id FROM memberships WHERE workspace_id = $1 AND user_id = $2",
            &[ws.into(), manager.into()],
        )
        .await;
    change(
        app.db(),
        &AuditContext::cli(),
        app.clock.now_for_tests(),
        ws,
        membership,
        &MemberChange {
            role: None,
            selection: Some(TenantSelection::Only(vec!["contoso".into()])),
        },
    )
    .await
    .expect("restricted");
}

/// The `href`s of the target links on `session`'s audit page for our days.
async fn target_links(app: &TestApp, session: &Session) -> BTreeSet<String> {
    let page = app
        .get(
            &format!("/admin/w/{WS}/audit?from=2026-11-20&to=2026-11-23"),
            Some(session),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.body
        .split(r#"<a href=""#)
        .skip(1)
        .filter_map(|rest| {
            let (href, tail) = rest.split_once('"')?;
            tail.starts_with(r#" data-testid="audit-target-link""#)
                .then(|| href.to_string())
        })
        .collect()
}

#[tokio::test]
async fn targets_link_to_what_they_name_only_inside_the_viewers_scope() {
    let app = TestApp::new().await;
    seed_rows(&app).await;
    restrict_manager_to_contoso(&app).await;
    let owner = app.session_for("owner@contoso.test").await;
    let manager = app.session_for("manager@contoso.test").await;

    let owners = target_links(&app, &owner).await;
    for href in [
        "/admin/operations/9001",
        "/admin/operations/9002",
        "/admin/t/fabrikam/support-requests/SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C",
        "/admin/t/fabrikam",
        "/admin/t/contoso",
    ] {
        assert!(owners.contains(href), "{href} for the owner: {owners:?}");
    }
    // The invitation has no page of its own: no link.
    assert!(!owners.iter().any(|h| h.contains("77")), "{owners:?}");

    let managers = target_links(&app, &manager).await;
    // In scope (control): contoso's run and contoso itself.
    assert!(managers.contains("/admin/operations/9002"), "{managers:?}");
    assert!(managers.contains("/admin/t/contoso"), "{managers:?}");
    // Out of scope: fabrikam's run, request and the tenant, though the rows are listed.
    for href in [
        "/admin/operations/9001",
        "/admin/t/fabrikam/support-requests/SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C",
        "/admin/t/fabrikam",
    ] {
        assert!(
            !managers.contains(href),
            "{href} for the manager: {managers:?}"
        );
    }
    // The rows are there for the manager, just without links (and the links really are 404).
    let page = app
        .get(
            &format!("/admin/w/{WS}/audit?from=2026-11-20&to=2026-11-22"),
            Some(&manager),
        )
        .await;
    assert!(page.body.contains("9001"));
    assert_eq!(
        app.get("/admin/t/fabrikam", Some(&manager)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/admin/t/contoso", Some(&manager)).await.status,
        StatusCode::OK
    );
}

/// `GET path` as `session` with extra headers.
async fn get_with(
    app: &TestApp,
    path: &str,
    session: Option<&Session>,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> crate::support::Resp {
    let mut b = Request::builder()
        .uri(path)
        .header(header::HOST, "localhost");
    if let Some(s) = session {
        b = b.header(header::COOKIE, &s.cookie);
    }
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    app.send(b.body(Body::empty()).unwrap()).await
}

/// The CSV's records, split on CRLF outside quotes (a quoted field may hold CR or LF).
fn records(csv: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = csv.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            '\r' if !quoted && chars.peek() == Some(&'\n') => {
                chars.next();
                out.push(std::mem::take(&mut current));
            }
            _ => current.push(c),
        }
    }
    assert!(current.is_empty(), "the file ends with CRLF: {current:?}");
    out
}

const HEADER: &str =
    "time,actor,action,action_label,tenant,target_type,target_id,request_id,metadata";

#[tokio::test]
async fn the_csv_has_a_header_quotes_rfc4180_and_neutralises_formulas() {
    let app = TestApp::new().await;
    seed_rows(&app).await;
    write(
        &app,
        at(22, 13, 0, 0),
        Actor::User {
            id: app.user_id("owner@contoso.test").await,
            label: "@attacker".into(),
        },
        Some("fabrikam"),
        AuditEntry::new("tenant.created", "tenant", "=HYPERLINK(\"http://x\",\"y\")").with(json!({
            "note": "a, \"quoted\"\nsecond line",
        })),
    )
    .await;
    for (second, target) in [(1, "-2+3"), (2, "+1\tx")] {
        let entry = AuditEntry::new("tenant.created", "tenant", target);
        write(&app, at(22, 13, 0, second), Actor::System, None, entry).await;
    }
    let owner = app.session_for("owner@contoso.test").await;
    let r = app
        .get(
            &format!("/admin/w/{WS}/audit.csv?from=2026-11-22&to=2026-11-22"),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"audit-contoso-msp-2026-11-23.csv\"")
    );
    assert!(!r.body.contains("\r\r"), "no doubled line ends");
    let lines = records(&r.body);
    assert_eq!(lines[0], HEADER);
    assert_eq!(lines.len(), 1 + 4, "{lines:#?}");
    assert_eq!(
        lines[1],
        "2026-11-22T13:00:02Z,system,tenant.created,Tenant added,,tenant,'+1\tx,req-test,{}"
    );
    assert_eq!(
        lines[2],
        "2026-11-22T13:00:01Z,system,tenant.created,Tenant added,,tenant,'-2+3,req-test,{}"
    );
    assert_eq!(
        lines[3],
        concat!(
            "2026-11-22T13:00:00Z,'@attacker,tenant.created,Tenant added,fabrikam,tenant,",
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",req-test,",
            "\"{\"\"note\"\":\"\"a, \\\"\"quoted\\\"\"\\nsecond line\"\"}\""
        ),
        "{}",
        lines[3]
    );
    assert_eq!(
        lines[4],
        "2026-11-22T12:00:00Z,cli,support_request.created,Support request submitted,fabrikam,support_request,SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C,req-test,{}"
    );
    // A field with a real line break stays one quoted field.
    write(
        &app,
        at(19, 1, 0, 0),
        Actor::Cli,
        None,
        AuditEntry::new("tenant.created", "tenant", "line\r\nbreak, \"q\""),
    )
    .await;
    let r = app
        .get(
            &format!("/admin/w/{WS}/audit.csv?to=2026-11-19"),
            Some(&owner),
        )
        .await;
    let lines = records(&r.body);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[1].contains(",\"line\r\nbreak, \"\"q\"\"\","),
        "{:?}",
        lines[1]
    );
}

#[tokio::test]
async fn the_csv_applies_the_filters_and_says_labels_in_the_readers_language() {
    let app = TestApp::new().await;
    seed_rows(&app).await;
    let owner = app.session_for("owner@contoso.test").await;
    let r = app
        .get(
            &format!("/admin/w/{WS}/audit.csv?action=operation.started&tenant=fabrikam"),
            Some(&owner),
        )
        .await;
    let lines = records(&r.body);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[1].contains(",operation.started,Operation started,fabrikam,operation_run,9001,"));
    assert_eq!(r.header("x-export-rows"), Some("1"));
    assert_eq!(r.header("x-export-truncated"), Some("false"));
    let de = get_with(
        &app,
        &format!("/admin/w/{WS}/audit.csv?actor=system&from=2026-11-20&to=2026-11-22"),
        Some(&owner),
        None,
        &[("accept-language", "de-DE")],
    )
    .await;
    let lines = records(&de.body);
    assert_eq!(lines[0], HEADER, "the header is the same in every language");
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[1].contains(",system,operation.started,Vorgang gestartet,contoso,"),
        "{}",
        lines[1]
    );
    // Control: the same row in English has the English label.
    let en = app
        .get(
            &format!("/admin/w/{WS}/audit.csv?actor=system&from=2026-11-20&to=2026-11-22"),
            Some(&owner),
        )
        .await;
    assert!(records(&en.body)[1].contains(",Operation started,"));
}

#[tokio::test]
async fn the_csv_is_capped_with_a_notice_and_audited_with_filter_and_count() {
    let mut config = Config::default();
    config.audit.export_max_rows = 2;
    let app = TestApp::with_config(config).await;
    seed_rows(&app).await;
    let owner = app.session_for("owner@contoso.test").await;
    let r = app
        .get(
            &format!("/admin/w/{WS}/audit.csv?from=2026-11-20&to=2026-11-22"),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let lines = records(&r.body);
    assert_eq!(
        lines.len(),
        1 + 2 + 1,
        "header, two rows, notice: {lines:#?}"
    );
    assert!(
        lines[1].contains(",SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C,"),
        "newest first"
    );
    assert!(lines[2].contains(",9002,"));
    assert_eq!(
        lines[3],
        "\"Export cut at 2 of 4 rows (the limit audit.export_max_rows). Narrow the filters, for example to a shorter date range, to export the rest.\",,,,,,,,"
    );
    assert_eq!(r.header("x-export-rows"), Some("2"));
    assert_eq!(r.header("x-export-matched"), Some("4"));
    assert_eq!(r.header("x-export-truncated"), Some("true"));
    let page = app.get(&format!("/admin/w/{WS}/audit"), Some(&owner)).await;
    assert!(
        page.body.contains("at most 2 rows"),
        "the link names the cap"
    );

    // Audited once, at the start, with the filters, the count written and the count matched.
    assert_eq!(app.audit_count("audit.exported").await, 1);
    let meta: Value = serde_json::from_str(
        &app.text(
            "SELECT CAST(metadata AS TEXT) FROM audit_events WHERE action = 'audit.exported'",
            &[],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        meta,
        json!({
            "format": "csv",
            "action": null,
            "tenant": null,
            "actor": null,
            "actor_user_id": null,
            "from": "2026-11-20",
            "to": "2026-11-22",
            "rows": 2,
            "matched": 4,
            "truncated": true,
            "max_rows": 2,
        })
    );
    let owner_id = app.user_id("owner@contoso.test").await;
    assert_eq!(
        app.int(
            "SELECT actor_user_id FROM audit_events WHERE action = 'audit.exported' AND target_type = 'workspace' AND target_id = $1",
            &[WS.into()],
        )
        .await,
        owner_id
    );

    // Under the cap: no notice, and the actor filter is recorded by user id (the address
    // itself is redacted like any address in metadata).
    let r = app
        .get(
            &format!(
                "/admin/w/{WS}/audit.csv?actor=owner%40contoso.test&from=2026-11-20&to=2026-11-22"
            ),
            Some(&owner),
        )
        .await;
    let lines = records(&r.body);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(!r.body.contains("Export cut"));
    assert_eq!(r.header("x-export-truncated"), Some("false"));
    let meta: Value = serde_json::from_str(
        &app.text(
            "SELECT CAST(metadata AS TEXT) FROM audit_events WHERE action = 'audit.exported' ORDER BY id DESC LIMIT 1",
            &[],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert_eq!(meta["actor_user_id"], owner_id);
    assert_eq!(meta["rows"], 1);
    assert_eq!(meta["truncated"], false);
    // The first export's own row is in a later export (it was written before this one began),
    // and this export's row is not in itself.
    let all = app
        .get(
            &format!("/admin/w/{WS}/audit.csv?action=audit.exported"),
            Some(&owner),
        )
        .await;
    let lines = records(&all.body);
    assert_eq!(lines.len(), 1 + 2, "two earlier exports: {lines:#?}");
    assert!(lines[1].contains(",audit.exported,Audit log exported,,workspace,contoso-msp,"));
}

#[tokio::test]
async fn the_api_answers_text_csv_with_the_same_filters() {
    let app = TestApp::new().await;
    seed_rows(&app).await;
    let token = app.token_for("owner@contoso.test").await;
    let r = get_with(
        &app,
        &format!("/api/v1/audit?workspace={WS}&tenant=fabrikam&from=2026-11-20&to=2026-11-22"),
        None,
        Some(&token),
        &[("accept", "text/csv")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"audit-contoso-msp-2026-11-23.csv\"")
    );
    let lines = records(&r.body);
    assert_eq!(lines[0], HEADER);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[1].contains(",SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C,"));
    assert!(lines[2].contains(",9001,"));
    assert_eq!(app.audit_count("audit.exported").await, 1);
    // Control: without the Accept header the same call is a JSON page, and not audited.
    let json = app
        .api(
            Method::GET,
            &format!("/api/v1/audit?workspace={WS}&tenant=fabrikam&from=2026-11-20&to=2026-11-22"),
            Some(&token),
            None,
        )
        .await;
    assert!(
        json.header("content-type")
            .unwrap_or("")
            .starts_with("application/json")
    );
    assert_eq!(json.json()["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(app.audit_count("audit.exported").await, 1);
    // A media range list with parameters still picks CSV.
    let r = get_with(
        &app,
        &format!("/api/v1/audit?workspace={WS}"),
        None,
        Some(&token),
        &[("accept", "application/json;q=0.5, text/csv;q=1")],
    )
    .await;
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
}

#[tokio::test]
async fn export_follows_the_audit_views_404_and_403_rules() {
    let app = TestApp::new().await;
    let csv = format!("/admin/w/{WS}/audit.csv");
    let api = format!("/api/v1/audit?workspace={WS}");
    for (who, page, api_status) in [
        ("owner@contoso.test", 200, 200),
        ("manager@contoso.test", 200, 200),
        ("operator@contoso.test", 403, 403),
        ("readonly@contoso.test", 403, 403),
        ("owner@northwind.test", 404, 404),
        ("platform@tenantpilot.test", 404, 404),
    ] {
        let session = app.session_for(who).await;
        assert_eq!(
            app.get(&csv, Some(&session)).await.status.as_u16(),
            page,
            "{who}"
        );
        let token = app.token_for(who).await;
        let r = get_with(&app, &api, None, Some(&token), &[("accept", "text/csv")]).await;
        assert_eq!(r.status.as_u16(), api_status, "{who}: {}", r.body);
    }
    // Only the two allowed exports were audited; refusals write nothing.
    assert_eq!(app.audit_count("audit.exported").await, 4);
    let anon = app.get(&csv, None).await;
    assert!(anon.status.is_redirection(), "{}", anon.status);
    let r = get_with(&app, &api, None, None, &[("accept", "text/csv")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A tenant filter naming another workspace's tenant is an empty file, never a hint.
    let owner = app.session_for("owner@contoso.test").await;
    let r = app
        .get(&format!("{csv}?tenant=northwind"), Some(&owner))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(records(&r.body), [HEADER]);
    // Control: the workspace's own tenant gives rows.
    let r = app
        .get(&format!("{csv}?tenant=contoso"), Some(&owner))
        .await;
    assert!(records(&r.body).len() > 1, "{}", r.body);
}

#[tokio::test]
async fn the_openapi_document_has_the_filters_and_the_csv_alternative() {
    let app = TestApp::new().await;
    let doc = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    let op = &doc["paths"]["/api/v1/audit"]["get"];
    let params: Vec<(&str, &str)> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["in"].as_str().unwrap()))
        .collect();
    for name in ["action", "tenant", "actor", "from", "to"] {
        assert!(params.contains(&(name, "query")), "{name}: {params:?}");
    }
    let from = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "from")
        .unwrap();
    assert_eq!(from["schema"]["format"], "date", "{from}");
    let content = &op["responses"]["200"]["content"];
    assert!(content["application/json"].is_object(), "{content}");
    assert_eq!(content["text/csv"]["schema"]["type"], "string", "{content}");
    assert!(op["responses"]["200"]["headers"]["content-disposition"].is_object());
}

/// Every dotted action id written in a source file that records audit rows (one that names
/// `AuditEntry` or `audit::record`), file names aside.
fn recorded_actions(source: &str) -> BTreeSet<String> {
    if !(source.contains("AuditEntry") || source.contains("audit::record")) {
        return BTreeSet::new();
    }
    let mut found = BTreeSet::new();
    for literal in source.split('"').skip(1).step_by(2) {
        let Some((ns, verb)) = literal.split_once('.') else {
            continue;
        };
        let word = |s: &str| {
            !s.is_empty()
                && s.starts_with(|c: char| c.is_ascii_lowercase())
                && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        };
        let file = [
            "html", "rs", "json", "toml", "ftl", "css", "js", "csv", "sql",
        ];
        if word(ns) && word(verb) && !file.contains(&verb) {
            found.insert(literal.to_string());
        }
    }
    found
}

fn rust_sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_action_recorded_in_the_source_has_a_label_in_both_languages() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_sources(&root, &mut files);
    let mut all = BTreeSet::new();
    let mut missing = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for action in recorded_actions(&text) {
            for locale in Locale::ALL {
                if labels::action(Tr(locale), &action).is_none() {
                    missing.push(format!("{action} ({locale:?}) in {}", file.display()));
                }
            }
            all.insert(action);
        }
    }
    assert!(missing.is_empty(), "actions without a label: {missing:#?}");
    // Positive controls: the scan finds actions written every way the code writes them
    // (`AuditEntry::new("…"`, `action: "…"`, a `let`/`const` then passed, a `match`).
    for expected in [
        "tenant.created",
        "operation.started",
        "support_desk.test_ticket",
        "support_request.external_ticket_linked",
        "provider.admin_consent_denied",
        "operational_control.resumed",
        "audit.exported",
    ] {
        assert!(all.contains(expected), "{expected} found: {all:?}");
    }
    // …and would report an action without words, while leaving template names alone.
    let sample = r#"use crate::audit::AuditEntry;
        let e = AuditEntry::new("invoice.sent", "invoice", id); render("invoice.html");"#;
    let found = recorded_actions(sample);
    assert_eq!(found, BTreeSet::from(["invoice.sent".to_string()]));
    assert!(labels::action(Tr(Locale::En), "invoice.sent").is_none());
    // The list the unit test checks is the same set the source writes.
    let listed: BTreeSet<String> = labels::ACTIONS.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        all.difference(&listed).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "recorded but not in labels::ACTIONS"
    );
}

#[tokio::test]
async fn the_export_streams_keyset_chunks_without_gaps_or_repeats() {
    use futures_util::StreamExt;
    use tenantpilot::audit::service::{self, AuditQuery, CHUNK, ExportRequest};
    let app = TestApp::new().await;
    let ws = app
        .int("SELECT id FROM workspaces WHERE slug = $1", &[WS.into()])
        .await;
    let total = 2 * CHUNK + 1;
    let mut tx = app.db().begin().await.unwrap();
    for i in 0..total {
        let entry =
            AuditEntry::new("tenant.created", "tenant", format!("bulk-{i}")).scoped(Some(ws), None);
        audit::record(&mut tx, &AuditContext::cli(), at(18, 10, 0, 0), entry)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let query = AuditQuery {
        to: Some("2026-11-18".into()),
        ..AuditQuery::default()
    };
    let owner = app.user_id("owner@contoso.test").await;
    let export = service::export_csv(
        app.db(),
        &AuditContext::cli(),
        ExportRequest {
            user_id: owner,
            workspace_id: ws,
            slug: WS,
            query: &query,
            max_rows: 10_000,
            t: Tr(Locale::En),
            now: app.clock.now_for_tests(),
        },
    )
    .await
    .unwrap();
    assert_eq!((export.rows, export.matched), (total, total));
    let pieces: Vec<String> = export
        .body
        .map(|piece| piece.expect("chunk"))
        .collect()
        .await;
    // The header, then one piece per chunk of rows read: never the whole file at once.
    let sizes: Vec<usize> = pieces.iter().map(|p| records(p).len()).collect();
    assert_eq!(sizes, [1, CHUNK as usize, CHUNK as usize, 1], "{sizes:?}");
    let targets: Vec<String> = pieces[1..]
        .iter()
        .flat_map(|p| records(p))
        .map(|line| line.split(',').nth(6).unwrap().to_string())
        .collect();
    let expected: Vec<String> = (0..total).rev().map(|i| format!("bulk-{i}")).collect();
    assert_eq!(
        targets, expected,
        "newest first, each row once across chunk edges"
    );
}

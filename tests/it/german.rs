//! German pages say codes in words: audit actions, a failed run's summary from its reason code,
//! and dates as German writes them. Each check has its English page beside it.

use crate::support::{NowForTests, TestApp, fragment as between};
use tenantpilot::audit::{self, AuditContext, AuditEntry};
use tenantpilot::features::operations::runner;

#[tokio::test]
async fn the_audit_log_names_actions_in_the_pages_language() {
    let app = TestApp::new().await;
    let ws = app
        .int("SELECT id FROM workspaces WHERE slug = 'contoso-msp'", &[])
        .await;
    // A row written by a newer version: its action has no label here, so the page shows the
    // code (the control that a code would be visible if a label were missing).
    let mut tx = app.db().begin().await.unwrap();
    audit::record(
        &mut tx,
        &AuditContext::cli(),
        app.clock.now_for_tests(),
        AuditEntry::new("from.a_newer_version", "user", "1").scoped(Some(ws), None),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let owner = app.session_for("owner@contoso.test").await;

    let de = app.get_de("/admin/w/contoso-msp/audit", &owner).await;
    let table = between(&de.body, "<tbody>", "</tbody>");
    assert!(table.contains("<td>Mandant hinzugefügt</td>"), "{table}");
    assert!(table.contains("<td>Arbeitsbereich angelegt</td>"));
    assert!(table.contains("<code>from.a_newer_version</code>"));
    assert!(!table.contains(">tenant.created<"), "no raw action as text");
    assert!(!table.contains("Tenant added"));
    let filter = between(&de.body, r#"<select id="action""#, "</select>");
    assert!(filter.contains(r#"<option value="tenant.created">Mandant hinzugefügt</option>"#));
    assert!(!filter.contains(">tenant.created<"));
    assert!(table.contains("Befehlszeile"), "the CLI actor in words");

    let en = app.get("/admin/w/contoso-msp/audit", Some(&owner)).await;
    let table = between(&en.body, "<tbody>", "</tbody>");
    assert!(table.contains("<td>Tenant added</td>"));
    assert!(!table.contains("Mandant hinzugefügt"));
    let filter = between(&en.body, r#"<select id="action""#, "</select>");
    assert!(filter.contains(r#"<option value="tenant.created">Tenant added</option>"#));
}

/// A verification of a throttled tenant, run to its end; returns the run id.
async fn throttled_run(app: &TestApp) -> i64 {
    app.set_scenario("fabrikam", "throttled").await;
    let token = app.token_for("owner@contoso.test").await;
    let run = app
        .start_api(&token, "fabrikam", "provider.connection.verify")
        .await;
    runner::drain(&app.state).await.unwrap();
    run["id"].as_i64().expect("run id")
}

#[tokio::test]
async fn a_failed_runs_summary_is_said_from_its_code() {
    let app = TestApp::new().await;
    let id = throttled_run(&app).await;
    let stored = app
        .text(
            &format!("SELECT summary_message FROM operation_runs WHERE id = {id}"),
            &[],
        )
        .await
        .expect("stored summary");
    assert!(!stored.is_empty());
    let owner = app.session_for("owner@contoso.test").await;
    let path = format!("/admin/operations/{id}");

    let de = app.get_de(&path, &owner).await;
    let message = between(&de.body, r#"data-testid="run-message""#, "</p>");
    assert!(
        message.contains("Der Anbieter hat die Anfrage gedrosselt"),
        "{message}"
    );
    assert!(!message.contains(&stored));
    // The stored English text stays reachable as the technical detail, not as the summary.
    let detail = between(
        &de.body,
        r#"data-testid="run-message-stored""#,
        "</details>",
    );
    assert!(detail.contains("Gespeicherte technische Meldung"));
    assert!(detail.contains(&format!("<pre>{}</pre>", askama_escape(&stored))));

    let en = app.get(&path, Some(&owner)).await;
    let message = between(&en.body, r#"data-testid="run-message""#, "</p>");
    assert!(
        message.contains("The provider throttled the request"),
        "{message}"
    );
    assert!(!message.contains("Anbieter"));
}

#[tokio::test]
async fn the_run_page_writes_dates_as_its_language_does() {
    let app = TestApp::new().await;
    let id = throttled_run(&app).await;
    let now = app.clock.now_for_tests();
    let german = now.format("%d.%m.%Y, %H:%M UTC").to_string();
    let english = now.format("%Y-%m-%d %H:%M UTC").to_string();
    let owner = app.session_for("owner@contoso.test").await;
    let path = format!("/admin/operations/{id}");

    let de = app.get_de(&path, &owner).await;
    let facts = between(&de.body, r#"<dl class="facts">"#, "</dl>");
    assert!(facts.contains(&format!(">{german}</time>")), "{facts}");
    assert!(!facts.contains(&english));
    // The machine-readable `datetime` attribute keeps ISO; no visible text does.
    assert!(facts.contains(&format!(r#"datetime="{}"#, now.format("%Y-%m-%d"))));
    assert!(!facts.contains(&format!(">{}", now.format("%Y-%m-%d"))));

    let en = app.get(&path, Some(&owner)).await;
    let facts = between(&en.body, r#"<dl class="facts">"#, "</dl>");
    assert!(facts.contains(&format!(">{english}</time>")), "{facts}");
    assert!(!facts.contains(&german));
}

/// The HTML escaping askama applies to text (the stored messages here contain no markup, but
/// may contain quotes).
fn askama_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

#[tokio::test]
async fn a_refused_page_names_the_role_not_the_capability() {
    let app = TestApp::new().await;
    let operator = app.session_for("operator@contoso.test").await;
    let de = app.get_de("/admin/w/contoso-msp/audit", &operator).await;
    assert_eq!(de.status, axum::http::StatusCode::FORBIDDEN);
    let main = between(&de.body, "<main", "</main>");
    assert!(main.contains("Erfordert die Rolle Manager"), "{main}");
    assert!(!main.contains("audit.view"));
    let en = app.get("/admin/w/contoso-msp/audit", Some(&operator)).await;
    let main = between(&en.body, "<main", "</main>");
    assert!(main.contains("Needs the manager role"), "{main}");
    // The API keeps the capability id for scripts.
    let token = app.token_for("operator@contoso.test").await;
    let api = app
        .api(axum::http::Method::GET, "/api/v1/audit", Some(&token), None)
        .await;
    assert_eq!(api.status, axum::http::StatusCode::FORBIDDEN);
    assert!(api.body.contains("audit.view"));
}

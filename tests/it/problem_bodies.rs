//! `insta` snapshots of the problem bodies of representative API errors (404 outside scope,
//! 403 inside it, 422 with field errors, 415; the 409 of a paused start is snapshotted in
//! `operational_controls`). The bodies are compared whole, so a change
//! to a title, detail, error code or help link shows up as a diff to review
//! (`cargo insta review`). The request id is redacted; nothing else in them differs between
//! SQLite and PostgreSQL.

use crate::support::{Resp, TestApp};
use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};

/// Asserts `r` is a problem with `status` and returns its JSON body.
fn problem(r: &Resp, status: StatusCode) -> serde_json::Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    r.json()
}

#[tokio::test]
async fn problem_404_outside_scope_says_nothing_about_existence() {
    let app = TestApp::new().await;
    let token = app.token_for("readonly@contoso.test").await;
    let r = app
        .api(
            Method::GET,
            "/api/v1/tenants/fabrikam/operations",
            Some(&token),
            None,
        )
        .await;
    insta::assert_json_snapshot!(problem(&r, StatusCode::NOT_FOUND), {
        ".request_id" => "[request_id]",
    });
}

#[tokio::test]
async fn problem_403_names_the_missing_capability() {
    let app = TestApp::new().await;
    let token = app.token_for("operator@contoso.test").await;
    let r = app
        .api(
            Method::GET,
            "/api/v1/audit?workspace=contoso-msp",
            Some(&token),
            None,
        )
        .await;
    insta::assert_json_snapshot!(problem(&r, StatusCode::FORBIDDEN), {
        ".request_id" => "[request_id]",
    });
}

#[tokio::test]
async fn problem_422_lists_each_field_error() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/support-requests",
            Some(&token),
            Some(
                r#"{"severity":"low","summary":"","handoff_mode":"internal_only","external_ticket_url":"not a url"}"#,
            ),
        )
        .await;
    insta::assert_json_snapshot!(problem(&r, StatusCode::UNPROCESSABLE_ENTITY), {
        ".request_id" => "[request_id]",
    });
}

#[tokio::test]
async fn problem_415_for_a_body_that_is_not_json() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let r = app
        .send(
            Request::builder()
                .method(Method::PATCH)
                .uri("/api/v1/me")
                .header(header::HOST, "localhost")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("display_name=x"))
                .expect("request"),
        )
        .await;
    insta::assert_json_snapshot!(problem(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE), {
        ".request_id" => "[request_id]",
    });
}

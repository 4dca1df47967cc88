//! The served OpenAPI document tells the truth (issue 11 point 8): parameters where the path
//! has them, one problem schema as `application/problem+json`, request schemas with their
//! `required` lists and enums, and bodies or queries that do not fit answer per field.

use crate::support::TestApp;
use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use serde_json::Value;

const SUBMIT: &str = "/api/v1/tenants/fabrikam/support-requests";

async fn document(app: &TestApp) -> Value {
    let r = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()
}

/// Follows a local `$ref` (`#/components/...`) once.
fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    match node["$ref"].as_str() {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling {r}")),
        None => node,
    }
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .iter()
                .map(move |(m, op)| (m.clone(), path.clone(), op))
        })
        .collect()
}

#[tokio::test]
async fn path_parameters_only_where_the_path_has_placeholders() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    let mut path_params = 0;
    for (method, path, op) in operations(&doc) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap();
            if p["in"] == "path" {
                path_params += 1;
                assert!(
                    path.contains(&format!("{{{name}}}")),
                    "{method} {path}: path parameter {name} without a placeholder"
                );
            }
        }
    }
    assert!(
        path_params > 0,
        "positive control: some routes have path params"
    );
    let audit = &doc["paths"]["/api/v1/audit"]["get"]["parameters"];
    let names: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["in"].as_str().unwrap()))
        .collect();
    for name in ["workspace", "action", "tenant", "page", "per_page"] {
        assert!(
            names.contains(&(name, "query")),
            "{name} in query: {names:?}"
        );
    }
}

#[tokio::test]
async fn every_error_response_is_problem_json_with_the_one_schema() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    let mut errors = 0;
    let mut statuses = std::collections::BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().unwrap() {
            if !(status.starts_with('4') || status.starts_with('5')) {
                continue;
            }
            errors += 1;
            statuses.insert(status.clone());
            let response = resolve(&doc, response);
            let content = response["content"].as_object().unwrap_or_else(|| {
                panic!("{method} {path} {status}: no content");
            });
            assert_eq!(
                content.keys().collect::<Vec<_>>(),
                vec!["application/problem+json"],
                "{method} {path} {status}"
            );
            assert_eq!(
                content["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/ProblemDoc",
                "{method} {path} {status}"
            );
        }
    }
    assert!(
        errors > 20,
        "positive control: error responses exist ({errors})"
    );
    for s in [
        "400", "401", "403", "404", "408", "409", "413", "415", "422", "503",
    ] {
        assert!(
            statuses.contains(s),
            "{s} documented somewhere: {statuses:?}"
        );
    }
    let submit = &doc["paths"]["/api/v1/tenants/{tenant}/support-requests"]["post"]["responses"];
    for s in ["400", "401", "403", "404", "413", "415", "422", "503"] {
        assert!(submit[s].is_object(), "submit documents {s}");
    }
    // The served problems really carry that media type.
    let r = app.api(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
}

#[tokio::test]
async fn the_submission_schema_has_its_required_fields_and_enums() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    let submission = &schemas["SupportRequestHandoffSubmission"];
    let required: Vec<&str> = submission["required"]
        .as_array()
        .expect("required list")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for field in ["severity", "summary", "handoff_mode"] {
        assert!(required.contains(&field), "{field} required: {required:?}");
    }
    assert!(
        !required.contains(&"contact_email"),
        "optional stays optional"
    );
    let enum_of = |field: &str| -> Vec<String> {
        let node = resolve(&doc, &submission["properties"][field]);
        node["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{field} is an enum: {node}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(enum_of("severity"), ["low", "normal", "high", "blocking"]);
    assert_eq!(
        enum_of("handoff_mode"),
        [
            "internal_only",
            "create_external_ticket",
            "link_existing_ticket"
        ]
    );
    let start = &schemas["StartRun"];
    assert_eq!(start["required"][0], "type");
}

async fn post(app: &TestApp, token: &str, body: &str, lang: &str) -> (StatusCode, Value) {
    let r = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri(SUBMIT)
                .header(header::HOST, "localhost")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT_LANGUAGE, lang)
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(
        r.header("content-type"),
        if r.status.is_success() {
            Some("application/json")
        } else {
            Some("application/problem+json")
        },
        "{}",
        r.body
    );
    (r.status, r.json())
}

fn first_error(problem: &Value) -> (String, String, String) {
    let e = &problem["errors"][0];
    (
        e["field"].as_str().unwrap_or_default().to_string(),
        e["code"].as_str().unwrap_or_default().to_string(),
        e["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn bodies_that_do_not_fit_answer_per_field_in_the_callers_language() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;

    // Positive control: the full body is accepted.
    let (status, ok) = post(
        &app,
        &token,
        r#"{"severity":"high","summary":"VPN down","handoff_mode":"internal_only"}"#,
        "en",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ok}");

    let (status, missing) = post(
        &app,
        &token,
        r#"{"summary":"VPN down","handoff_mode":"internal_only"}"#,
        "en",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{missing}");
    assert_eq!(
        first_error(&missing),
        (
            "severity".into(),
            "required".into(),
            "This property is required.".into()
        )
    );
    let (status, missing_mode) = post(
        &app,
        &token,
        r#"{"severity":"low","summary":"VPN down"}"#,
        "de",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        first_error(&missing_mode),
        (
            "handoff_mode".into(),
            "required".into(),
            "Diese Eigenschaft ist erforderlich.".into()
        )
    );

    let cases = [
        (
            r#"{"severity":"low","summary":7,"handoff_mode":"internal_only"}"#,
            "summary",
            "invalid_type",
            "Diese Eigenschaft hat den falschen Typ",
        ),
        (
            r#"{"severity":"low","summary":null,"handoff_mode":"internal_only"}"#,
            "summary",
            "invalid_type",
            "Diese Eigenschaft hat den falschen Typ",
        ),
        (
            r#"{"severity":"urgent","summary":"x","handoff_mode":"internal_only"}"#,
            "severity",
            "invalid_value",
            "Dieser Wert ist hier nicht zulässig",
        ),
        (
            r#"{"severity":"low","summary":"x","handoff_mode":"internal_only","status":"open"}"#,
            "status",
            "unknown_field",
            "Diese Eigenschaft ist unbekannt",
        ),
    ];
    for (body, field, code, german) in cases {
        let (status, problem) = post(&app, &token, body, "de").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
        assert_eq!(
            problem["type"],
            "urn:tenantpilot:problem:invalid-json-fields"
        );
        let (f, c, m) = first_error(&problem);
        assert_eq!((f.as_str(), c.as_str()), (field, code), "{body}");
        assert!(m.starts_with(german), "{body}: {m}");
        assert!(
            !problem["detail"].as_str().unwrap().contains("expected"),
            "no deserializer text: {problem}"
        );
    }

    // Nested paths name the property inside the body.
    let (status, nested) = post(&app, &token, r#"{"severity":"low","summary":"x","handoff_mode":"internal_only","target_available":"yes"}"#, "en").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(first_error(&nested).0, "target_available");

    // Malformed JSON stays its own problem, localized.
    let (status, malformed) = post(&app, &token, r#"{"severity":"#, "de").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed["type"], "urn:tenantpilot:problem:malformed-json");
    assert!(
        malformed["detail"]
            .as_str()
            .unwrap()
            .starts_with("Der Inhalt ist kein gültiges JSON"),
        "{malformed}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM support_requests").await,
        1,
        "only the positive control was stored"
    );
}

#[tokio::test]
async fn out_of_range_paging_is_refused_naming_the_field() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let get = |path: String| {
        let app = &app;
        let token = token.clone();
        async move {
            let r = app.api(Method::GET, &path, Some(&token), None).await;
            (r.status, r.json())
        }
    };
    // Positive controls.
    let (status, _) = get("/api/v1/audit?workspace=contoso-msp&page=1&per_page=200".into()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = get("/api/v1/tenants/contoso/operations?page=1".into()).await;
    assert_eq!(status, StatusCode::OK);

    for (path, field, message) in [
        (
            "/api/v1/audit?workspace=contoso-msp&page=0",
            "page",
            "Use a page number from 1 to 100000.",
        ),
        (
            "/api/v1/audit?workspace=contoso-msp&per_page=1000",
            "per_page",
            "Use 1 to 200 rows per page.",
        ),
        (
            "/api/v1/audit?workspace=contoso-msp&per_page=0",
            "per_page",
            "Use 1 to 200 rows per page.",
        ),
        (
            "/api/v1/tenants/contoso/operations?page=0",
            "page",
            "Use a page number from 1 to 100000.",
        ),
        (
            "/api/v1/tenants/contoso/operations?page=100001",
            "page",
            "Use a page number from 1 to 100000.",
        ),
    ] {
        let (status, problem) = get(path.into()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        assert_eq!(problem["errors"][0]["field"], field, "{path}");
        assert_eq!(problem["errors"][0]["message"], message, "{path}");
    }

    // A value that is not a number at all is a query shape error naming the parameter.
    let (status, problem) = get("/api/v1/audit?workspace=contoso-msp&page=-1".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["type"], "urn:tenantpilot:problem:invalid-query");
    assert_eq!(problem["errors"][0]["field"], "page");
    assert_eq!(problem["errors"][0]["code"], "invalid_value");
}

#[tokio::test]
async fn arrays_and_unused_fields_are_refused_too() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    // A struct would otherwise be filled by position from an array.
    let r = app
        .api(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some("[null, null]"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["code"], "invalid_type");
    let ok = app
        .api(Method::PATCH, "/api/v1/me", Some(&token), Some("{}"))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "positive control: {}", ok.body);

    // A malformed URL is refused whatever the mode, as the document says.
    let (status, problem) = post(
        &app,
        &token,
        r#"{"severity":"low","summary":"x","handoff_mode":"internal_only","external_ticket_url":"not a url"}"#,
        "en",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "external_ticket_url");

    // The document states that a link needs a reference.
    let doc = document(&app).await;
    let submission = &doc["components"]["schemas"]["SupportRequestHandoffSubmission"];
    assert_eq!(
        submission["if"]["properties"]["handoff_mode"]["const"],
        "link_existing_ticket"
    );
    assert_eq!(
        submission["then"]["required"][0],
        "external_ticket_reference"
    );
}

mod patterns {
    //! The documented patterns accept what the rules accept.
    use proptest::prelude::*;
    use regex::Regex;
    use tenantpilot::{features::support_requests::model::is_web_url, validate};

    fn pattern(schema: utoipa::openapi::Object) -> Regex {
        Regex::new(schema.pattern.as_deref().expect("pattern")).expect("compiles")
    }

    fn tricky() -> impl Strategy<Value = String> {
        let chars = prop::sample::select(vec![
            ' ', '\t', '\n', '\r', '\u{0b}', '\u{1c}', '\u{7f}', '\u{85}', '\u{a0}', '\u{2028}',
            '\u{3000}', '\u{feff}', 'a', 'Z', '7', 'é', '.', '@', '-', ':', '/', 'h', 't', 'p',
            's', '?', '#',
        ]);
        prop::collection::vec(chars, 0..9).prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn required_line_matches_validate_text(s in tricky()) {
            let mut errors = Vec::new();
            validate::text("f", &s, 5, &mut errors);
            prop_assert_eq!(
                pattern(validate::schema::line(5)).is_match(&s),
                errors.is_empty(),
                "{:?}", s
            );
        }

        #[test]
        fn documented_emails_are_accepted(s in tricky()) {
            let mut errors = Vec::new();
            let trimmed = s.trim();
            if !trimmed.is_empty() {
                validate::email("f", trimmed, &mut errors);
            }
            if pattern(validate::schema::optional_email()).is_match(&s) {
                prop_assert!(errors.is_empty(), "{:?}", s);
            }
        }

        #[test]
        fn documented_urls_are_accepted(path in tricky(), host in "[a-z0-9-]{1,5}(\\.[a-z0-9-]{1,4}){0,2}") {
            let s = format!("https://{host}/{path}");
            if pattern(validate::schema::optional_web_url()).is_match(&s) {
                prop_assert!(is_web_url(s.trim()), "{:?}", s);
            }
        }
    }

    #[test]
    fn positive_controls() {
        assert!(pattern(validate::schema::line(5)).is_match(" ab c\t"));
        assert!(!pattern(validate::schema::line(5)).is_match("abcdef"));
        assert!(pattern(validate::schema::optional_email()).is_match("a@b.c"));
        assert!(!pattern(validate::schema::optional_email()).is_match("a@b"));
        assert!(pattern(validate::schema::optional_web_url()).is_match("https://desk.example/t/1"));
        assert!(!pattern(validate::schema::optional_web_url()).is_match("ftp://desk.example"));
    }
}

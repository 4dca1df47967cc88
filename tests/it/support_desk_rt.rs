//! Contract tests for the `request_tracker` connector (RT 5 REST2) against a wiremock peer
//! that answers the way Request Tracker 5.0 does (shapes recorded from a real RT 5.0.3).

use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tenantpilot::support_desk::{Desk, MAX_SUMMARY_CHARS};
use tenantpilot::support_desk::{DeskError, DeskKind, SupportDeskConfig, TicketDraft};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "1-14-5f0c4e6a1b2d3c4e5f60718293a4b5c6";
const REFERENCE: &str = "SR-01JABCDEFGHJKMNPQRSTVWXYZ";

fn config(server: &MockServer) -> SupportDeskConfig {
    let mut c = SupportDeskConfig {
        kind: DeskKind::RequestTracker,
        url: format!("{}/REST/2.0", server.uri()),
        ticket_url_template: "https://rt.example.com/Ticket/Display.html?id={id}".into(),
        ..SupportDeskConfig::default()
    };
    c.request_tracker.token = Some(SecretString::from(TOKEN.to_string()));
    c.request_tracker.queue = "Help Desk".into();
    c
}

fn draft() -> TicketDraft {
    TicketDraft {
        internal_reference: REFERENCE.into(),
        severity: "blocking".into(),
        summary: "Compliance sync fails for Contoso".into(),
        reproduction_notes: Some("Run the nightly sync.".into()),
        contact_name: Some("Ada Admin".into()),
        contact_email: Some("ada@msp.example".into()),
        primary_context_type: "operation_run".into(),
        tenant: "contoso".into(),
        tenant_name: "Contoso Ltd".into(),
        workspace: "acme".into(),
        operation_run_id: Some(42),
        context_url: "https://tp.example/w/acme/runs/42".into(),
        context: json!({"run": 42}),
    }
}

fn desk(config: &SupportDeskConfig) -> Desk {
    config.validate().expect("valid configuration");
    Desk::from_config(config)
        .expect("desk builds")
        .expect("a desk is configured")
}

fn no_tickets() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "count": 0, "total": 0, "page": 1, "pages": 0.0, "per_page": 1, "items": []
    }))
}

fn created(id: &str, server: &MockServer) -> ResponseTemplate {
    ResponseTemplate::new(201)
        .insert_header("Location", format!("/REST/2.0/ticket/{id}").as_str())
        .set_body_json(json!({
            "type": "ticket",
            "id": id,
            "_url": format!("{}/REST/2.0/ticket/{id}", server.uri()),
        }))
}

async fn mount_empty_lookup(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/REST/2.0/tickets"))
        .respond_with(no_tickets())
        .mount(server)
        .await;
}

async fn posted_bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).expect("JSON body"))
        .collect()
}

/// The failure text and debug form never carry the token, the password or the RT answer body.
fn assert_clean(err: &DeskError, forbidden: &[&str]) {
    let summary = err.summary();
    let debug = format!("{err:?}");
    assert!(summary.chars().count() <= MAX_SUMMARY_CHARS, "{summary}");
    for f in forbidden.iter().chain([&TOKEN]) {
        assert!(!summary.contains(f), "summary leaks {f:?}: {summary}");
        assert!(!debug.contains(f), "debug leaks {f:?}: {debug}");
    }
}

#[tokio::test]
async fn create_sends_the_documented_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/tickets"))
        .and(header("authorization", format!("token {TOKEN}").as_str()))
        .and(query_param(
            "query",
            format!("Subject LIKE '[{REFERENCE}]'").as_str(),
        ))
        .respond_with(no_tickets())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/REST/2.0/ticket"))
        .and(header("authorization", format!("token {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .respond_with(created("17", &server))
        .expect(1)
        .mount(&server)
        .await;

    let d = draft();
    let ticket = desk(&config(&server))
        .create_ticket(&d)
        .await
        .expect("ticket created");
    assert_eq!(ticket.external_id, "17");
    assert_eq!(ticket.number, None);
    assert_eq!(ticket.reference(), "17");
    assert_eq!(
        ticket.url.as_deref(),
        Some("https://rt.example.com/Ticket/Display.html?id=17")
    );

    let bodies = posted_bodies(&server).await;
    assert_eq!(bodies.len(), 1);
    assert_eq!(
        bodies[0],
        json!({
            "Queue": "Help Desk",
            "Subject": format!("[{REFERENCE}] Compliance sync fails for Contoso"),
            "Content": d.body_text(),
            "ContentType": "text/plain",
            "Priority": 100,
            "Requestor": "ada@msp.example",
        })
    );
    let content = bodies[0]["Content"].as_str().unwrap_or_default();
    assert!(content.contains(REFERENCE));
    assert!(content.contains("Run the nightly sync."));

    // The search asks for the oldest match only.
    let lookup = server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|r| r.method.as_str() == "GET")
        .expect("lookup sent");
    let pairs: Vec<(String, String)> = lookup.url.query_pairs().into_owned().collect();
    for expected in [("orderby", "id"), ("order", "ASC"), ("per_page", "1")] {
        assert!(
            pairs
                .iter()
                .any(|(k, v)| k == expected.0 && v == expected.1),
            "{pairs:?}"
        );
    }
}

#[tokio::test]
async fn optional_fields_priorities_and_reference_field() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/tickets"))
        .and(query_param(
            "query",
            format!(
                "Subject LIKE '[{REFERENCE}]' OR 'CF.{{TenantPilot reference}}' = '{REFERENCE}'"
            )
            .as_str(),
        ))
        .respond_with(no_tickets())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/REST/2.0/ticket"))
        .respond_with(created("5", &server))
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.ticket_url_template.clear();
    c.request_tracker.reference_field = "TenantPilot reference".into();
    c.request_tracker.priorities.low = Some(10);
    let mut d = draft();
    d.severity = "low".into();
    d.contact_email = None;
    d.summary = format!("Line one\nline two {}", "x".repeat(300));

    let ticket = desk(&c).create_ticket(&d).await.expect("ticket created");
    // No template: the link is derived from the web root in front of /REST/2.0.
    assert_eq!(
        ticket.url,
        Some(format!("{}/Ticket/Display.html?id=5", server.uri()))
    );
    let body = posted_bodies(&server).await.remove(0);
    assert_eq!(body["Priority"], json!(10));
    assert!(body.get("Requestor").is_none(), "{body}");
    assert_eq!(
        body["CustomFields"],
        json!({"TenantPilot reference": REFERENCE})
    );
    let subject = body["Subject"].as_str().unwrap_or_default();
    assert!(subject.starts_with(&format!("[{REFERENCE}] Line one line two x")));
    assert_eq!(subject.chars().count(), 200);
    assert!(!subject.contains('\n'));
}

#[tokio::test]
async fn basic_auth_is_the_alternative_to_a_token() {
    let server = MockServer::start().await;
    // base64("tenantpilot:pa55:word")
    let basic = "Basic dGVuYW50cGlsb3Q6cGE1NTp3b3Jk";
    Mock::given(method("GET"))
        .and(path("/REST/2.0/tickets"))
        .and(header("authorization", basic))
        .respond_with(no_tickets())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/REST/2.0/ticket"))
        .and(header("authorization", basic))
        .respond_with(created("8", &server))
        .expect(1)
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.request_tracker.token = None;
    c.request_tracker.username = "tenantpilot".into();
    c.request_tracker.password = Some(SecretString::from("pa55:word".to_string()));
    let ticket = desk(&c).create_ticket(&draft()).await.expect("created");
    assert_eq!(ticket.external_id, "8");
    let dumped = serde_json::to_string(&c).expect("serializes");
    assert!(!dumped.contains("pa55:word"), "{dumped}");
    assert!(!format!("{c:?}").contains("pa55:word"));
}

#[tokio::test]
async fn a_retry_returns_the_ticket_an_earlier_attempt_opened() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/tickets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1, "total": 1, "page": 1, "pages": 1, "per_page": 1,
            "items": [{
                "type": "ticket",
                "id": "9",
                "_url": format!("{}/REST/2.0/ticket/9", server.uri()),
            }]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(created("10", &server))
        .expect(0)
        .mount(&server)
        .await;
    let ticket = desk(&config(&server))
        .create_ticket(&draft())
        .await
        .expect("existing ticket");
    assert_eq!(ticket.external_id, "9");
    assert_eq!(
        ticket.url.as_deref(),
        Some("https://rt.example.com/Ticket/Display.html?id=9")
    );
}

#[tokio::test]
async fn a_failed_search_does_not_block_the_ticket() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/tickets"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "message": "Wrong query, expecting a AGGREGATOR in 'x' at /usr/share/request-tracker5/lib/RT/Tickets.pm line 3187.\n"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/REST/2.0/ticket"))
        .respond_with(created("11", &server))
        .expect(1)
        .mount(&server)
        .await;
    let ticket = desk(&config(&server))
        .create_ticket(&draft())
        .await
        .expect("created despite the search error");
    assert_eq!(ticket.external_id, "11");
}

#[tokio::test]
async fn rt_error_message_becomes_a_bounded_clean_detail() {
    let server = MockServer::start().await;
    mount_empty_lookup(&server).await;
    let message = format!(
        "Could not create ticket: invalid requestor ada@msp.example (auth {TOKEN}) {} at /usr/share/request-tracker5/lib/RT/Ticket.pm line 412.\n",
        "very long explanation ".repeat(30)
    );
    Mock::given(method("POST"))
        .and(path("/REST/2.0/ticket"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({ "message": message })))
        .mount(&server)
        .await;
    let err = desk(&config(&server))
        .create_ticket(&draft())
        .await
        .expect_err("rejected");
    match &err {
        DeskError::Rejected { status, detail } => {
            assert_eq!(*status, 400);
            let detail = detail.as_deref().expect("detail kept");
            assert!(detail.starts_with("Could not create ticket"), "{detail}");
            assert!(detail.chars().count() <= 200, "{detail}");
            assert!(!detail.contains("ada@msp.example"), "{detail}");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert_eq!(err.code(), "rejected");
    assert_clean(
        &err,
        &[
            "ada@msp.example",
            "very long explanation very long explanation very long explanation very long explanation very long explanation very long explanation very long explanation very long explanation very long explanation",
        ],
    );
}

#[tokio::test]
async fn rt_json_parse_error_is_a_rejection_without_perl_noise() {
    let server = MockServer::start().await;
    mount_empty_lookup(&server).await;
    Mock::given(method("POST"))
        .and(path("/REST/2.0/ticket"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "message": "JSON object must be a HASH"
        })))
        .mount(&server)
        .await;
    let err = desk(&config(&server))
        .create_ticket(&draft())
        .await
        .expect_err("rejected");
    assert_eq!(
        err,
        DeskError::Rejected {
            status: 400,
            detail: Some("JSON object must be a HASH".into())
        }
    );
    assert_clean(&err, &[]);
}

#[tokio::test]
async fn unauthorized_on_401_and_403() {
    // RT 5 answers a bad token with 401 `{"message":"Unauthorized"}` on every endpoint.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(created("1", &server))
        .expect(0)
        .mount(&server)
        .await;
    let err = desk(&config(&server))
        .create_ticket(&draft())
        .await
        .expect_err("unauthorized");
    assert_eq!(err, DeskError::Unauthorized(401));
    assert_clean(&err, &[]);

    // Missing CreateTicket right (RT says the same for a queue that does not exist).
    let server = MockServer::start().await;
    mount_empty_lookup(&server).await;
    Mock::given(method("POST"))
        .and(path("/REST/2.0/ticket"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "No permission to create tickets in the queue 'Help Desk'"
        })))
        .mount(&server)
        .await;
    let err = desk(&config(&server))
        .create_ticket(&draft())
        .await
        .expect_err("forbidden");
    assert_eq!(err, DeskError::Unauthorized(403));
    assert_eq!(err.code(), "unauthorized");
    assert_clean(&err, &[]);
}

#[tokio::test]
async fn a_slow_desk_is_cut_off_at_the_budget() {
    let server = MockServer::start().await;
    mount_empty_lookup(&server).await;
    Mock::given(method("POST"))
        .and(path("/REST/2.0/ticket"))
        .respond_with(created("1", &server).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.timeout_ms = 300;
    let started = Instant::now();
    let err = desk(&c)
        .create_ticket(&draft())
        .await
        .expect_err("timed out");
    let took = started.elapsed();
    assert_eq!(err, DeskError::Timeout(300));
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    assert_clean(&err, &[]);
}

#[tokio::test]
async fn connection_refused_is_unreachable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let mut c = SupportDeskConfig {
        kind: DeskKind::RequestTracker,
        url: format!("http://127.0.0.1:{port}/REST/2.0"),
        ..SupportDeskConfig::default()
    };
    c.request_tracker.token = Some(SecretString::from(TOKEN.to_string()));
    c.request_tracker.queue = "General".into();
    let desk = desk(&c);
    let err = desk.create_ticket(&draft()).await.expect_err("refused");
    assert_eq!(err, DeskError::Unreachable("connection refused".into()));
    assert_clean(&err, &[&port.to_string()]);
    let err = desk.check().await.expect_err("refused");
    assert_eq!(err, DeskError::Unreachable("connection refused".into()));
}

#[tokio::test]
async fn unresolvable_host_is_unreachable() {
    let mut c = SupportDeskConfig {
        kind: DeskKind::RequestTracker,
        url: "http://rt.invalid/REST/2.0".into(),
        ..SupportDeskConfig::default()
    };
    c.request_tracker.token = Some(SecretString::from(TOKEN.to_string()));
    c.request_tracker.queue = "General".into();
    let err = desk(&c)
        .create_ticket(&draft())
        .await
        .expect_err("no such host");
    // `.invalid` never resolves (RFC 6761); a resolver that hangs instead of answering ends in
    // the budget, which is the only other acceptable outcome.
    assert!(
        matches!(
            err,
            DeskError::Unreachable(ref r) if r == "DNS lookup failed"
        ) || matches!(err, DeskError::Timeout(_)),
        "{err:?}"
    );
    assert_clean(&err, &["rt.invalid"]);
}

#[tokio::test]
async fn answers_without_a_ticket_id_are_malformed() {
    for (status, body) in [
        (201, "<html>not json</html>".to_string()),
        (201, json!({"type": "ticket"}).to_string()),
        (201, json!({"id": "abc", "type": "ticket"}).to_string()),
        (200, json!([{"id": "3"}]).to_string()),
    ] {
        let server = MockServer::start().await;
        mount_empty_lookup(&server).await;
        Mock::given(method("POST"))
            .and(path("/REST/2.0/ticket"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("content-type", "application/json")
                    .set_body_string(body.clone()),
            )
            .mount(&server)
            .await;
        let err = desk(&config(&server))
            .create_ticket(&draft())
            .await
            .expect_err("malformed");
        assert!(matches!(err, DeskError::Malformed(_)), "{body}: {err:?}");
        assert_eq!(err.code(), "malformed_response");
        assert_clean(&err, &[&body]);
    }
}

#[tokio::test]
async fn check_reports_the_queue() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/queue/Help%20Desk"))
        .and(header("authorization", format!("token {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 3, "Name": "Help Desk", "Disabled": "0", "Description": "",
            "Lifecycle": "default"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(created("1", &server))
        .expect(0)
        .mount(&server)
        .await;
    let text = desk(&config(&server)).check().await.expect("checked");
    assert!(text.contains("'Help Desk'"), "{text}");
    assert!(text.contains("id 3"), "{text}");
    assert!(text.contains("no ticket was created"), "{text}");
    assert!(!text.contains(TOKEN));
}

#[tokio::test]
async fn check_names_a_missing_or_disabled_queue() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/queue/Help%20Desk"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&server)
        .await;
    let err = desk(&config(&server)).check().await.expect_err("missing");
    match &err {
        DeskError::Rejected {
            status: 404,
            detail: Some(d),
        } => assert!(d.contains("queue 'Help Desk' does not exist"), "{d}"),
        other => panic!("expected Rejected 404, got {other:?}"),
    }

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/queue/Help%20Desk"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "3", "Name": "Help Desk", "Disabled": "1"
        })))
        .mount(&server)
        .await;
    let err = desk(&config(&server)).check().await.expect_err("disabled");
    assert!(matches!(err, DeskError::Config(_)), "{err:?}");
    assert!(err.summary().contains("disabled"), "{}", err.summary());

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"})))
        .mount(&server)
        .await;
    let err = desk(&config(&server)).check().await.expect_err("401");
    assert_eq!(err, DeskError::Unauthorized(401));
}

#[tokio::test]
async fn the_token_never_shows() {
    let server = MockServer::start().await;
    let c = config(&server);
    let desk = desk(&c);
    for text in [
        format!("{c:?}"),
        format!("{desk:?}"),
        serde_json::to_string(&c).expect("serializes"),
    ] {
        assert!(!text.contains(TOKEN), "{text}");
    }
    // Even a desk that echoes the Authorization header back in its error is cleaned.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "message": format!("Internal error for Authorization: token {TOKEN}")
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "message": format!("Internal error for Authorization: token {TOKEN}")
        })))
        .mount(&server)
        .await;
    let err = desk.create_ticket(&draft()).await.expect_err("500");
    assert!(
        matches!(err, DeskError::Rejected { status: 500, .. }),
        "{err:?}"
    );
    assert_clean(&err, &[]);
}

#[test]
fn validate_names_the_missing_key() {
    let mut c = SupportDeskConfig {
        kind: DeskKind::RequestTracker,
        url: "https://rt.example.com/REST/2.0".into(),
        ..SupportDeskConfig::default()
    };
    assert_eq!(
        c.validate().unwrap_err(),
        "request_tracker.token (or request_tracker.username and request_tracker.password) is \
         required when kind = request_tracker"
    );
    c.request_tracker.username = "tenantpilot".into();
    assert_eq!(
        c.validate().unwrap_err(),
        "request_tracker.password is required when kind = request_tracker"
    );
    c.request_tracker.username.clear();
    c.request_tracker.token = Some(SecretString::from("  ".to_string()));
    assert!(c.validate().unwrap_err().contains("request_tracker.token"));
    c.request_tracker.token = Some(SecretString::from(TOKEN.to_string()));
    assert_eq!(
        c.validate().unwrap_err(),
        "request_tracker.queue is required when kind = request_tracker"
    );
    c.request_tracker.queue = "General".into();
    assert!(c.validate().is_ok());
    c.request_tracker.reference_field = "SR'}".into();
    assert!(
        c.validate()
            .unwrap_err()
            .contains("request_tracker.reference_field")
    );
}

#[test]
fn config_reads_from_toml_keys() {
    let c: SupportDeskConfig = serde_json::from_value(json!({
        "kind": "request_tracker",
        "url": "https://rt.example.com/REST/2.0",
        "request_tracker": {
            "token": TOKEN,
            "queue": "General",
            "reference_field": "TenantPilot reference",
            "priorities": {"high": 80}
        }
    }))
    .expect("parses");
    assert_eq!(c.kind, DeskKind::RequestTracker);
    assert_eq!(c.request_tracker.priorities.high, Some(80));
    assert!(c.validate().is_ok());
    let unknown = serde_json::from_value::<SupportDeskConfig>(json!({
        "request_tracker": {"tokn": "x"}
    }));
    assert!(unknown.is_err(), "unknown keys are refused");
}

//! Contract tests for the external support-desk connectors (webhook, HaloPSA, ConnectWise PSA,
//! Autotask) against wiremock peers: the exact request each desk receives, each desk's
//! documented error shapes, the total budget, unreachable peers, malformed answers, and that
//! no credential ever reaches a `DeskError`'s summary or `Debug` text. The desks without an
//! idempotency key (and Request Tracker's lookup outcome) are also run through every lookup
//! scenario: found, not found, failing, refused, a stranger's reference, and Autotask's number.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::{Duration, Instant};
use tenantpilot::support_desk::{
    CreatedTicket, Desk, DeskError, DeskKind, SupportDeskConfig, TicketDraft, TicketLookup,
};
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const HMAC_KEY: &str = "webhook-hmac-key-9f3e1c";
const HALO_SECRET: &str = "halo-client-secret-77ab";
const HALO_TOKEN: &str = "halo-access-token-5d2f0a";
const CW_PRIVATE_KEY: &str = "cw-private-key-31c9";
const AUTOTASK_SECRET: &str = "autotask-secret-e4b8";
const SECRETS: [&str; 5] = [
    HMAC_KEY,
    HALO_SECRET,
    HALO_TOKEN,
    CW_PRIVATE_KEY,
    AUTOTASK_SECRET,
];
const TEMPLATE: &str = "https://desk.example/ticket/{id}?n={number}";

fn secret(s: &str) -> Option<SecretString> {
    Some(SecretString::from(s.to_string()))
}

fn draft() -> TicketDraft {
    TicketDraft {
        internal_reference: "SR-01JABCDEF0123456789XYZWVU".into(),
        severity: "high".into(),
        summary: "Compliance sync fails for every device".into(),
        reproduction_notes: Some("Run the sync twice.".into()),
        contact_name: Some("Ada Lovelace".into()),
        contact_email: Some("ada@contoso.example".into()),
        primary_context_type: "operation_run".into(),
        tenant: "contoso".into(),
        tenant_name: "Contoso Ltd".into(),
        workspace: "acme-msp".into(),
        operation_run_id: Some(42),
        context_url: "https://tp.example/admin/operations/42".into(),
        context: json!({"run": {"id": 42, "status": "failed"}}),
    }
}

fn base(kind: DeskKind, url: String) -> SupportDeskConfig {
    SupportDeskConfig {
        kind,
        url,
        ticket_url_template: TEMPLATE.into(),
        timeout_ms: 2000,
        ..SupportDeskConfig::default()
    }
}

fn webhook_config(url: String) -> SupportDeskConfig {
    let mut c = base(DeskKind::Webhook, url);
    c.webhook.hmac_secret = secret(HMAC_KEY);
    c
}

fn halo_config(server: &str) -> SupportDeskConfig {
    let mut c = base(DeskKind::Halopsa, format!("{server}/api"));
    c.halopsa.auth_url = format!("{server}/auth/token");
    c.halopsa.tenant = "acme".into();
    c.halopsa.client_id = "tp-app".into();
    c.halopsa.client_secret = secret(HALO_SECRET);
    c.halopsa.tickettype_id = Some(21);
    c.halopsa.customer_id = Some(12);
    c
}

fn cw_config(server: &str) -> SupportDeskConfig {
    let mut c = base(
        DeskKind::Connectwise,
        format!("{server}/v4_6_release/apis/3.0"),
    );
    c.connectwise.company_id = "acmemsp".into();
    c.connectwise.public_key = "pubKEY123".into();
    c.connectwise.private_key = secret(CW_PRIVATE_KEY);
    c.connectwise.client_id = "00000000-aaaa-bbbb-cccc-000000000001".into();
    c.connectwise.board = "Help Desk".into();
    c.connectwise.company_identifier = "Contoso".into();
    c.connectwise.priority_ids.high = Some(7);
    c
}

fn autotask_config(server: &str) -> SupportDeskConfig {
    let mut c = base(DeskKind::Autotask, format!("{server}/atservicesrest"));
    c.autotask.username = "tp-api@acme.example".into();
    c.autotask.secret = secret(AUTOTASK_SECRET);
    c.autotask.integration_code = "TPINTEGRATIONCODE".into();
    c.autotask.company_id = Some(174);
    c.autotask.queue_id = Some(29683378);
    c
}

fn desk(config: &SupportDeskConfig) -> Desk {
    Desk::from_config(config)
        .expect("client builds")
        .expect("a desk is configured")
}

/// Asserts `err` carries no credential, token, auth header or URL userinfo.
fn assert_clean(err: &DeskError) {
    let summary = err.summary();
    let debug = format!("{err:?}");
    for text in [&summary, &debug] {
        for s in SECRETS {
            assert!(!text.contains(s), "secret leaked into {text:?}");
        }
        for marker in ["Authorization", "Basic ", "Bearer ", "user:pw", "127.0.0.1"] {
            assert!(!text.contains(marker), "{marker:?} leaked into {text:?}");
        }
    }
    assert!(summary.chars().count() <= tenantpilot::support_desk::MAX_SUMMARY_CHARS);
}

fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// The requests the server received with `method_` on `path_`, in the order they came.
async fn requests_to(server: &MockServer, method_: &str, path_: &str) -> Vec<Request> {
    let requests = server.received_requests().await.expect("recording on");
    requests
        .into_iter()
        .filter(|r| r.method.as_str() == method_ && r.url.path() == path_)
        .collect()
}

async fn only_request(server: &MockServer, method_: &str, path_: &str) -> Request {
    let matching = requests_to(server, method_, path_).await;
    assert_eq!(matching.len(), 1, "exactly one {method_} {path_}");
    matching.into_iter().next().expect("one request")
}

fn header_value(request: &Request, name: &str) -> String {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn expect_err(config: &SupportDeskConfig) -> DeskError {
    let err = desk(config)
        .create_ticket(&draft())
        .await
        .expect_err("the handoff fails");
    assert_clean(&err);
    err
}

// ---------------------------------------------------------------------------------------------
// webhook
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn webhook_success_sends_contract_body_idempotency_key_and_valid_signature() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/tp"))
        .and(header("Idempotency-Key", "SR-01JABCDEF0123456789XYZWVU"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": 4711,
            "number": "INC-0815",
            "url": "https://helpdesk.example/INC-0815"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let config = webhook_config(format!("{}/hooks/tp", server.uri()));
    let ticket = desk(&config)
        .create_ticket(&draft())
        .await
        .expect("created");
    assert_eq!(
        ticket,
        CreatedTicket {
            external_id: "4711".into(),
            number: Some("INC-0815".into()),
            url: Some("https://helpdesk.example/INC-0815".into()),
            lookup: TicketLookup::Created,
        }
    );
    assert_eq!(ticket.reference(), "INC-0815");

    let request = only_request(&server, "POST", "/hooks/tp").await;
    let body: Value = serde_json::from_slice(&request.body).expect("json body");
    let mut keys: Vec<&str> = body
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "contact_email",
            "contact_name",
            "context",
            "internal_reference",
            "operation_run_id",
            "primary_context_type",
            "reproduction_notes",
            "severity",
            "summary",
            "tenant"
        ]
    );
    assert_eq!(body["internal_reference"], "SR-01JABCDEF0123456789XYZWVU");
    assert_eq!(body["severity"], "high");
    assert_eq!(body["primary_context_type"], "operation_run");
    assert_eq!(body["tenant"], "contoso");
    assert_eq!(body["operation_run_id"], 42);
    assert_eq!(body["context"]["run"]["status"], "failed");

    let mut mac = Hmac::<Sha256>::new_from_slice(HMAC_KEY.as_bytes()).expect("key");
    mac.update(&request.body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(header_value(&request, "x-tenantpilot-signature"), expected);
}

#[tokio::test]
async fn webhook_unsigned_string_id_falls_back_to_template() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "T-9", "url": "javascript:alert(1)"})),
        )
        .mount(&server)
        .await;
    let mut config = webhook_config(server.uri());
    config.webhook.hmac_secret = None;
    let ticket = desk(&config)
        .create_ticket(&draft())
        .await
        .expect("created");
    assert_eq!(ticket.external_id, "T-9");
    assert_eq!(ticket.number, None);
    assert_eq!(
        ticket.url.as_deref(),
        Some("https://desk.example/ticket/T-9?n=T-9")
    );
    let request = only_request(&server, "POST", "/").await;
    assert!(request.headers.get("x-tenantpilot-signature").is_none());
}

#[tokio::test]
async fn webhook_error_statuses_map_to_typed_errors() {
    let server = MockServer::start().await;
    let config = webhook_config(server.uri());

    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "bad signature"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert_eq!(expect_err(&config).await, DeskError::Unauthorized(401));

    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert_eq!(expect_err(&config).await, DeskError::Unauthorized(403));

    // A structured refusal keeps the receiver's message, scrubbed of anything secret.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": format!("severity not accepted (key {HMAC_KEY}, token=abcdef123456)"),
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    match expect_err(&config).await {
        DeskError::Rejected {
            status: 422,
            detail: Some(d),
        } => assert!(d.starts_with("severity not accepted"), "{d}"),
        other => panic!("unexpected {other:?}"),
    }

    // A raw (non-JSON) error page is never copied into the error.
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(502).set_body_string("<html>upstream secret-ish page</html>"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert_eq!(
        expect_err(&config).await,
        DeskError::Rejected {
            status: 502,
            detail: None
        }
    );
}

#[tokio::test]
async fn webhook_malformed_answers() {
    let server = MockServer::start().await;
    let config = webhook_config(server.uri());
    for answer in [
        ResponseTemplate::new(200).set_body_string("created!"),
        ResponseTemplate::new(201).set_body_json(json!({"number": "INC-1"})),
        ResponseTemplate::new(200).set_body_json(json!(["not", "an", "object"])),
        ResponseTemplate::new(200).set_body_json(json!({"id": {"nested": true}})),
        ResponseTemplate::new(204),
    ] {
        server.reset().await;
        Mock::given(method("POST"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let err = expect_err(&config).await;
        assert!(matches!(err, DeskError::Malformed(_)), "{err:?}");
        assert_eq!(err.code(), "malformed_response");
    }
}

#[tokio::test]
async fn webhook_slow_answer_runs_out_of_budget() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": 1}))
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&server)
        .await;
    let mut config = webhook_config(server.uri());
    config.timeout_ms = 300;
    let started = Instant::now();
    let err = expect_err(&config).await;
    assert_eq!(err, DeskError::Timeout(300));
    assert_eq!(err.code(), "timeout");
    assert!(started.elapsed() < Duration::from_millis(1200));
}

#[tokio::test]
async fn webhook_default_budget_is_capped_at_five_seconds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": 1}))
                .set_delay(Duration::from_secs(6)),
        )
        .mount(&server)
        .await;
    let mut config = webhook_config(server.uri());
    config.timeout_ms = SupportDeskConfig::default().timeout_ms;
    assert_eq!(config.timeout_ms, 5000);
    let started = Instant::now();
    let err = expect_err(&config).await;
    let elapsed = started.elapsed();
    assert_eq!(err, DeskError::Timeout(5000));
    assert!(
        elapsed >= Duration::from_millis(4900) && elapsed < Duration::from_millis(5800),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn webhook_connection_refused_is_unreachable_without_userinfo() {
    let url = refused_url().replace("http://", "http://user:pw@") + "/hook";
    let err = expect_err(&webhook_config(url)).await;
    assert_eq!(err, DeskError::Unreachable("connection refused".into()));
    assert_eq!(err.code(), "unreachable");
}

#[tokio::test]
async fn webhook_check_sends_options_and_creates_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("OPTIONS"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    let config = webhook_config(format!("{}/hook", server.uri()));
    let description = desk(&config).check().await.expect("reachable");
    assert!(description.contains("HTTP 204"), "{description}");
    assert!(description.contains("signed"), "{description}");

    let err = desk(&webhook_config(refused_url()))
        .check()
        .await
        .expect_err("refused");
    assert_clean(&err);
    assert!(matches!(err, DeskError::Unreachable(_)));
}

// ---------------------------------------------------------------------------------------------
// HaloPSA
// ---------------------------------------------------------------------------------------------

async fn mount_halo_token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .and(query_param("tenant", "acme"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": HALO_TOKEN,
            "token_type": "Bearer",
            "expires_in": 3600
        })))
        .mount(server)
        .await;
}

#[tokio::test]
async fn halo_success_fetches_token_then_posts_array_body() {
    let server = MockServer::start().await;
    mount_halo_token(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/Tickets"))
        .and(header(
            "authorization",
            format!("Bearer {HALO_TOKEN}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": 3021,
            "summary": "Compliance sync fails for every device",
            "third_party_id_string": "SR-01JABCDEF0123456789XYZWVU"
        })))
        .expect(1)
        .mount(&server)
        .await;

    Mock::given(method("GET"))
        .and(path("/api/Tickets"))
        .respond_with(Vendor::Halo.list(vec![]))
        .expect(1)
        .mount(&server)
        .await;

    let config = halo_config(&server.uri());
    let ticket = desk(&config)
        .create_ticket(&draft())
        .await
        .expect("created");
    assert_eq!(ticket.external_id, "3021");
    assert_eq!(ticket.number, None);
    assert_eq!(ticket.lookup, TicketLookup::Created);
    assert_eq!(
        ticket.url.as_deref(),
        Some("https://desk.example/ticket/3021?n=3021")
    );

    let token_request = only_request(&server, "POST", "/auth/token").await;
    let form: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&token_request.body).expect("form body");
    let form: std::collections::BTreeMap<_, _> = form.into_iter().collect();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], "tp-app");
    assert_eq!(form["client_secret"], HALO_SECRET);
    assert_eq!(form["scope"], "all");

    let ticket_request = only_request(&server, "POST", "/api/Tickets").await;
    let body: Value = serde_json::from_slice(&ticket_request.body).expect("json");
    let items = body.as_array().expect("Halo takes an array");
    assert_eq!(items.len(), 1);
    let t = &items[0];
    assert_eq!(t["summary"], "Compliance sync fails for every device");
    assert_eq!(t["third_party_id_string"], "SR-01JABCDEF0123456789XYZWVU");
    assert_eq!(t["priority_id"], 2, "high → Halo 'High'");
    assert_eq!(t["tickettype_id"], 21);
    assert_eq!(t["client_id"], 12);
    let details = t["details"].as_str().expect("details");
    assert!(details.contains("SR-01JABCDEF0123456789XYZWVU"));
    assert!(details.contains("Run the sync twice."));
}

#[tokio::test]
async fn halo_array_answer_is_accepted() {
    let server = MockServer::start().await;
    mount_halo_token(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/Tickets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": 55}])))
        .mount(&server)
        .await;
    let ticket = desk(&halo_config(&server.uri()))
        .create_ticket(&draft())
        .await
        .expect("created");
    assert_eq!(ticket.external_id, "55");
}

#[tokio::test]
async fn halo_token_refusals_are_unauthorized_and_create_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/Tickets"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 1})))
        .expect(0)
        .mount(&server)
        .await;
    let config = halo_config(&server.uri());

    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert_eq!(expect_err(&config).await, DeskError::Unauthorized(401));

    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_client",
            "error_description": format!("client secret {HALO_SECRET} is wrong")
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert_eq!(expect_err(&config).await, DeskError::Unauthorized(400));

    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let err = desk(&config).check().await.expect_err("no token");
    assert_clean(&err);
    assert_eq!(err, DeskError::Unauthorized(401));
}

#[tokio::test]
async fn halo_validation_errors_are_rejected_with_clean_detail() {
    let server = MockServer::start().await;
    mount_halo_token(&server).await;
    let config = halo_config(&server.uri());

    // ASP.NET-style validation answer.
    Mock::given(method("POST"))
        .and(path("/api/Tickets"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "title": "One or more validation errors occurred.",
            "status": 400,
            "errors": {"tickettype_id": ["Ticket type 21 does not exist"]}
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    match expect_err(&config).await {
        DeskError::Rejected {
            status: 400,
            detail: Some(d),
        } => assert_eq!(
            d,
            "One or more validation errors occurred.; tickettype_id: Ticket type 21 does not exist"
        ),
        other => panic!("unexpected {other:?}"),
    }

    // Halo's plain message answer, echoing credentials it should not.
    Mock::given(method("POST"))
        .and(path("/api/Tickets"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!(format!(
            "Invalid client. Request used token {HALO_TOKEN} and secret {HALO_SECRET}. {}",
            "x".repeat(500)
        ))))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    match expect_err(&config).await {
        DeskError::Rejected {
            status: 400,
            detail: Some(d),
        } => {
            assert!(d.starts_with("Invalid client."), "{d}");
            assert!(d.chars().count() <= 200);
        }
        other => panic!("unexpected {other:?}"),
    }

    Mock::given(method("POST"))
        .and(path("/api/Tickets"))
        .respond_with(ResponseTemplate::new(403))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert_eq!(expect_err(&config).await, DeskError::Unauthorized(403));
}

#[tokio::test]
async fn halo_malformed_answers() {
    let server = MockServer::start().await;
    let config = halo_config(&server.uri());

    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token_type": "Bearer"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert!(matches!(expect_err(&config).await, DeskError::Malformed(_)));

    mount_halo_token(&server).await;
    for answer in [
        ResponseTemplate::new(201).set_body_json(json!({"summary": "no id"})),
        ResponseTemplate::new(201).set_body_json(json!([])),
        ResponseTemplate::new(201).set_body_string("<html>ok</html>"),
    ] {
        Mock::given(method("POST"))
            .and(path("/api/Tickets"))
            .respond_with(answer)
            .up_to_n_times(1)
            .mount(&server)
            .await;
        let err = expect_err(&config).await;
        assert!(matches!(err, DeskError::Malformed(_)), "{err:?}");
    }
}

#[tokio::test]
async fn halo_slow_token_runs_out_of_budget() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": HALO_TOKEN}))
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&server)
        .await;
    let mut config = halo_config(&server.uri());
    config.timeout_ms = 300;
    let started = Instant::now();
    assert_eq!(expect_err(&config).await, DeskError::Timeout(300));
    assert!(started.elapsed() < Duration::from_millis(1200));
}

#[tokio::test]
async fn halo_connection_refused_is_unreachable() {
    let config = halo_config(&refused_url());
    assert_eq!(
        expect_err(&config).await,
        DeskError::Unreachable("connection refused".into())
    );
}

#[tokio::test]
async fn halo_check_fetches_a_token_only() {
    let server = MockServer::start().await;
    mount_halo_token(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/Tickets"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    let description = desk(&halo_config(&server.uri()))
        .check()
        .await
        .expect("token issued");
    assert!(description.contains("HaloPSA"), "{description}");
    assert!(!description.contains(HALO_TOKEN));
}

// ---------------------------------------------------------------------------------------------
// ConnectWise PSA
// ---------------------------------------------------------------------------------------------

fn cw_basic() -> String {
    let raw = format!("acmemsp+pubKEY123:{CW_PRIVATE_KEY}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

#[tokio::test]
async fn connectwise_success_sends_basic_auth_client_id_and_ticket() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v4_6_release/apis/3.0/service/tickets"))
        .and(header("authorization", cw_basic().as_str()))
        .and(header("clientId", "00000000-aaaa-bbbb-cccc-000000000001"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": 98765,
            "summary": "Compliance sync fails for every device",
            "board": {"id": 1, "name": "Help Desk"},
            "_info": {"lastUpdated": "2026-01-01T00:00:00Z"}
        })))
        .expect(1)
        .mount(&server)
        .await;

    Mock::given(method("GET"))
        .and(path("/v4_6_release/apis/3.0/service/tickets"))
        .respond_with(Vendor::ConnectWise.list(vec![]))
        .expect(1)
        .mount(&server)
        .await;

    let mut d = draft();
    d.summary = format!("{} {}", d.summary, "y".repeat(150));
    let ticket = desk(&cw_config(&server.uri()))
        .create_ticket(&d)
        .await
        .expect("created");
    assert_eq!(ticket.external_id, "98765");
    assert_eq!(ticket.lookup, TicketLookup::Created);
    assert_eq!(
        ticket.url.as_deref(),
        Some("https://desk.example/ticket/98765?n=98765")
    );

    let request = only_request(&server, "POST", "/v4_6_release/apis/3.0/service/tickets").await;
    let body: Value = serde_json::from_slice(&request.body).expect("json");
    let summary = body["summary"].as_str().expect("summary");
    assert_eq!(summary.chars().count(), 100);
    assert!(summary.starts_with("Compliance sync fails"));
    assert_eq!(body["board"], json!({"name": "Help Desk"}));
    assert_eq!(body["company"], json!({"identifier": "Contoso"}));
    assert_eq!(body["externalXRef"], "SR-01JABCDEF0123456789XYZWVU");
    assert_eq!(body["priority"], json!({"id": 7}));
    assert_eq!(body["contactName"], "Ada Lovelace");
    assert_eq!(body["contactEmailAddress"], "ada@contoso.example");
    assert!(
        body["initialDescription"]
            .as_str()
            .expect("description")
            .contains("SR-01JABCDEF0123456789XYZWVU")
    );
}

#[tokio::test]
async fn connectwise_error_shapes() {
    let server = MockServer::start().await;
    let config = cw_config(&server.uri());

    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "InvalidObject",
            "message": "ticket object is invalid",
            "errors": [{
                "code": "InvalidField",
                "message": format!("The board 'Help Desk' was not found (auth {CW_PRIVATE_KEY})."),
                "resource": "ticket",
                "field": "board"
            }]
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    match expect_err(&config).await {
        DeskError::Rejected {
            status: 400,
            detail: Some(d),
        } => {
            assert!(
                d.starts_with(
                    "ticket object is invalid; board: The board 'Help Desk' was not found"
                ),
                "{d}"
            );
            assert!(d.contains("[redacted:secret]"), "{d}");
        }
        other => panic!("unexpected {other:?}"),
    }

    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "Unauthorized",
            "message": "Authentication failed."
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert_eq!(expect_err(&config).await, DeskError::Unauthorized(401));

    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": "NotFound",
            "message": "Company 'Contoso' not found"
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert_eq!(
        expect_err(&config).await,
        DeskError::Rejected {
            status: 404,
            detail: Some("Company 'Contoso' not found".into())
        }
    );
}

#[tokio::test]
async fn connectwise_malformed_answers() {
    let server = MockServer::start().await;
    let config = cw_config(&server.uri());
    for answer in [
        ResponseTemplate::new(201).set_body_string("<html>welcome</html>"),
        ResponseTemplate::new(201).set_body_json(json!({"summary": "no id"})),
        ResponseTemplate::new(201).set_body_json(json!({"id": 0})),
    ] {
        Mock::given(method("POST"))
            .respond_with(answer)
            .up_to_n_times(1)
            .mount(&server)
            .await;
        let err = expect_err(&config).await;
        assert!(matches!(err, DeskError::Malformed(_)), "{err:?}");
    }
}

#[tokio::test]
async fn connectwise_slow_and_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": 1}))
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&server)
        .await;
    let mut config = cw_config(&server.uri());
    config.timeout_ms = 300;
    assert_eq!(expect_err(&config).await, DeskError::Timeout(300));

    assert_eq!(
        expect_err(&cw_config(&refused_url())).await,
        DeskError::Unreachable("connection refused".into())
    );
}

#[tokio::test]
async fn connectwise_check_reads_system_info() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v4_6_release/apis/3.0/system/info"))
        .and(header("authorization", cw_basic().as_str()))
        .and(header("clientId", "00000000-aaaa-bbbb-cccc-000000000001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "version": "v2025.1.101555",
            "isCloud": true,
            "serverTimeZone": "Eastern Standard Time"
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    let config = cw_config(&server.uri());
    let description = desk(&config).check().await.expect("ok");
    assert!(description.contains("v2025.1.101555"), "{description}");

    Mock::given(method("GET"))
        .and(path("/v4_6_release/apis/3.0/system/info"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"code": "Unauthorized", "message": "no"})),
        )
        .mount(&server)
        .await;
    let err = desk(&config).check().await.expect_err("refused");
    assert_clean(&err);
    assert_eq!(err, DeskError::Unauthorized(401));
}

// ---------------------------------------------------------------------------------------------
// Autotask
// ---------------------------------------------------------------------------------------------

async fn mount_autotask_zone(server: &MockServer, zone_url: String) {
    Mock::given(method("GET"))
        .and(path("/atservicesrest/v1.0/zoneInformation"))
        .and(query_param("user", "tp-api@acme.example"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "zoneName": "America West",
            "url": zone_url,
            "webUrl": "https://ww5.autotask.net/",
            "ci": 5
        })))
        .mount(server)
        .await;
}

fn autotask_auth_headers_ok(request: &Request) {
    assert_eq!(
        header_value(request, "ApiIntegrationCode"),
        "TPINTEGRATIONCODE"
    );
    assert_eq!(header_value(request, "UserName"), "tp-api@acme.example");
    assert_eq!(header_value(request, "Secret"), AUTOTASK_SECRET);
}

#[tokio::test]
async fn autotask_success_looks_up_zone_then_posts_ticket() {
    let server = MockServer::start().await;
    mount_autotask_zone(&server, format!("{}/zone5/ATServicesRest/", server.uri())).await;
    Mock::given(method("POST"))
        .and(path("/zone5/ATServicesRest/v1.0/Tickets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"itemId": 123456})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/zone5/ATServicesRest/v1.0/Tickets/query"))
        .respond_with(Vendor::Autotask.list(vec![]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/zone5/ATServicesRest/v1.0/Tickets/123456"))
        .respond_with(autotask_item(123456, "T20260101.0042"))
        .expect(1)
        .mount(&server)
        .await;

    let ticket = desk(&autotask_config(&server.uri()))
        .create_ticket(&draft())
        .await
        .expect("created");
    assert_eq!(
        ticket,
        CreatedTicket {
            external_id: "123456".into(),
            number: Some("T20260101.0042".into()),
            url: Some("https://desk.example/ticket/123456?n=T20260101.0042".into()),
            lookup: TicketLookup::Created,
        }
    );
    assert_eq!(ticket.reference(), "T20260101.0042");

    let zone_request = only_request(&server, "GET", "/atservicesrest/v1.0/zoneInformation").await;
    assert!(
        zone_request.headers.get("Secret").is_none(),
        "the zone lookup is anonymous"
    );
    let request = only_request(&server, "POST", "/zone5/ATServicesRest/v1.0/Tickets").await;
    autotask_auth_headers_ok(&request);
    let body: Value = serde_json::from_slice(&request.body).expect("json");
    assert_eq!(body["companyID"], 174);
    assert_eq!(body["queueID"], 29683378);
    assert_eq!(body["status"], 1);
    assert_eq!(body["priority"], 1, "high → Autotask 'High'");
    assert_eq!(
        body["title"],
        "Compliance sync fails for every device [SR-01JABCDEF0123456789XYZWVU]"
    );
    assert!(
        body["description"]
            .as_str()
            .expect("description")
            .contains("SR-01JABCDEF0123456789XYZWVU")
    );
    assert!(body.get("userDefinedFields").is_none());
}

#[tokio::test]
async fn autotask_500_validation_errors_are_rejections_not_outages() {
    let server = MockServer::start().await;
    mount_autotask_zone(&server, format!("{}/z/", server.uri())).await;
    Mock::given(method("POST"))
        .and(path("/z/v1.0/Tickets"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "errors": [
                "Value 29683378 does not exist for queueID.",
                format!("Secret {AUTOTASK_SECRET} should never be echoed")
            ]
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let config = autotask_config(&server.uri());
    let err = expect_err(&config).await;
    assert_eq!(err.code(), "rejected");
    match err {
        DeskError::Rejected {
            status: 500,
            detail: Some(d),
        } => assert!(
            d.starts_with("Value 29683378 does not exist for queueID.; Secret [redacted:secret]"),
            "{d}"
        ),
        other => panic!("unexpected {other:?}"),
    }

    Mock::given(method("POST"))
        .and(path("/z/v1.0/Tickets"))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert_eq!(expect_err(&config).await, DeskError::Unauthorized(401));
}

#[tokio::test]
async fn autotask_zone_outside_autotask_is_refused_before_credentials_leave() {
    let server = MockServer::start().await;
    mount_autotask_zone(
        &server,
        "https://collector.evil.example/atservicesrest/".into(),
    )
    .await;
    let err = expect_err(&autotask_config(&server.uri())).await;
    assert!(matches!(err, DeskError::Malformed(_)), "{err:?}");
    let requests = server.received_requests().await.expect("recording");
    assert_eq!(requests.len(), 1, "only the anonymous zone lookup was made");
}

#[tokio::test]
async fn autotask_zone_lookup_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/atservicesrest/v1.0/zoneInformation"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "errors": ["Zone information could not be determined"]
        })))
        .mount(&server)
        .await;
    assert_eq!(
        expect_err(&autotask_config(&server.uri())).await,
        DeskError::Rejected {
            status: 500,
            detail: Some("Zone information could not be determined".into())
        }
    );
}

#[tokio::test]
async fn autotask_malformed_answers() {
    let server = MockServer::start().await;
    let config = autotask_config(&server.uri());

    Mock::given(method("GET"))
        .and(path("/atservicesrest/v1.0/zoneInformation"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"zoneName": "x"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert!(matches!(expect_err(&config).await, DeskError::Malformed(_)));

    mount_autotask_zone(&server, format!("{}/z/", server.uri())).await;
    for answer in [
        ResponseTemplate::new(200).set_body_json(json!({"item": {"id": 5}})),
        ResponseTemplate::new(200).set_body_string("itemId=5"),
    ] {
        Mock::given(method("POST"))
            .and(path("/z/v1.0/Tickets"))
            .respond_with(answer)
            .up_to_n_times(1)
            .mount(&server)
            .await;
        let err = expect_err(&config).await;
        assert!(matches!(err, DeskError::Malformed(_)), "{err:?}");
    }
}

#[tokio::test]
async fn autotask_slow_and_refused() {
    let server = MockServer::start().await;
    mount_autotask_zone(&server, format!("{}/z/", server.uri())).await;
    Mock::given(method("POST"))
        .and(path("/z/v1.0/Tickets"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"itemId": 1}))
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&server)
        .await;
    let mut config = autotask_config(&server.uri());
    config.timeout_ms = 300;
    let started = Instant::now();
    assert_eq!(expect_err(&config).await, DeskError::Timeout(300));
    assert!(started.elapsed() < Duration::from_millis(1200));

    assert_eq!(
        expect_err(&autotask_config(&refused_url())).await,
        DeskError::Unreachable("connection refused".into())
    );
}

#[tokio::test]
async fn autotask_check_verifies_zone_credentials_and_company() {
    let server = MockServer::start().await;
    mount_autotask_zone(&server, format!("{}/z/", server.uri())).await;
    Mock::given(method("GET"))
        .and(path("/z/v1.0/Companies/174"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "item": {"id": 174, "companyName": "Contoso Ltd"}
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let config = autotask_config(&server.uri());
    let description = desk(&config).check().await.expect("ok");
    assert!(description.contains("174"), "{description}");
    autotask_auth_headers_ok(&only_request(&server, "GET", "/z/v1.0/Companies/174").await);

    Mock::given(method("GET"))
        .and(path("/z/v1.0/Companies/174"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"item": null})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let err = desk(&config).check().await.expect_err("unknown company");
    assert_clean(&err);
    assert!(matches!(err, DeskError::Config(ref m) if m.contains("autotask.company_id")));

    Mock::given(method("GET"))
        .and(path("/z/v1.0/Companies/174"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let err = desk(&config).check().await.expect_err("bad credentials");
    assert_clean(&err);
    assert_eq!(err, DeskError::Unauthorized(401));
}

// ---------------------------------------------------------------------------------------------
// Looking the reference up before creating (HaloPSA, ConnectWise PSA, Autotask, Request Tracker)
// ---------------------------------------------------------------------------------------------

const REFERENCE: &str = "SR-01JABCDEF0123456789XYZWVU";
const RT_TOKEN: &str = "1-14-5f0c4e6a1b2d3c4e5f60718293a4b5c6";

fn rt_config(server: &str) -> SupportDeskConfig {
    let mut c = base(DeskKind::RequestTracker, format!("{server}/REST/2.0"));
    c.request_tracker.token = secret(RT_TOKEN);
    c.request_tracker.queue = "Help Desk".into();
    c
}

/// Autotask's answer to `GET Tickets/{id}`.
fn autotask_item(id: i64, number: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "item": {"id": id, "ticketNumber": number, "title": "x", "companyID": 174}
    }))
}

/// The desks without an idempotency key, each with its documented search and create shapes,
/// so every lookup scenario runs against each of them the same way.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Vendor {
    Halo,
    ConnectWise,
    Autotask,
    RequestTracker,
}

pub(crate) const VENDORS: [Vendor; 4] = [
    Vendor::Halo,
    Vendor::ConnectWise,
    Vendor::Autotask,
    Vendor::RequestTracker,
];

/// The id every vendor's create answer names, and the number Autotask gives it.
const NEW_ID: i64 = 123456;
const NEW_NUMBER: &str = "T20260101.0042";
/// The id (and Autotask number) of the ticket an earlier attempt opened.
pub(crate) const OLD_ID: i64 = 4711;
const OLD_NUMBER: &str = "T20260101.0007";

impl Vendor {
    pub(crate) fn config(self, server: &MockServer) -> SupportDeskConfig {
        let uri = server.uri();
        match self {
            Vendor::Halo => halo_config(&uri),
            Vendor::ConnectWise => cw_config(&uri),
            Vendor::Autotask => autotask_config(&uri),
            Vendor::RequestTracker => rt_config(&uri),
        }
    }

    /// Mounts what comes before the search (token, zone) and after the create (number).
    pub(crate) async fn prepare(self, server: &MockServer) {
        match self {
            Vendor::Halo => mount_halo_token(server).await,
            Vendor::Autotask => {
                mount_autotask_zone(server, format!("{}/z/", server.uri())).await;
                Mock::given(method("GET"))
                    .and(path(format!("/z/v1.0/Tickets/{NEW_ID}")))
                    .respond_with(autotask_item(NEW_ID, NEW_NUMBER))
                    .mount(server)
                    .await;
            }
            Vendor::ConnectWise | Vendor::RequestTracker => {}
        }
    }

    pub(crate) fn search(self) -> (&'static str, &'static str) {
        match self {
            Vendor::Halo => ("GET", "/api/Tickets"),
            Vendor::ConnectWise => ("GET", "/v4_6_release/apis/3.0/service/tickets"),
            Vendor::Autotask => ("POST", "/z/v1.0/Tickets/query"),
            Vendor::RequestTracker => ("GET", "/REST/2.0/tickets"),
        }
    }

    pub(crate) fn create(self) -> &'static str {
        match self {
            Vendor::Halo => "/api/Tickets",
            Vendor::ConnectWise => "/v4_6_release/apis/3.0/service/tickets",
            Vendor::Autotask => "/z/v1.0/Tickets",
            Vendor::RequestTracker => "/REST/2.0/ticket",
        }
    }

    pub(crate) fn create_answer(self) -> ResponseTemplate {
        match self {
            Vendor::Halo => ResponseTemplate::new(201).set_body_json(json!([{"id": NEW_ID}])),
            Vendor::ConnectWise => ResponseTemplate::new(201).set_body_json(json!({"id": NEW_ID})),
            Vendor::Autotask => ResponseTemplate::new(200).set_body_json(json!({"itemId": NEW_ID})),
            Vendor::RequestTracker => ResponseTemplate::new(201)
                .set_body_json(json!({"type": "ticket", "id": NEW_ID.to_string()})),
        }
    }

    /// A search answer in the vendor's documented list shape.
    pub(crate) fn list(self, items: Vec<Value>) -> ResponseTemplate {
        let n = items.len();
        let body = match self {
            Vendor::Halo => {
                json!({"page_no": 1, "page_size": 5, "record_count": n, "tickets": items})
            }
            Vendor::ConnectWise => json!(items),
            Vendor::Autotask => json!({
                "items": items,
                "pageDetails": {"count": n, "requestCount": 5, "prevPageUrl": null, "nextPageUrl": null}
            }),
            Vendor::RequestTracker => {
                json!({"count": n, "total": n, "page": 1, "pages": 1, "per_page": 1, "items": items})
            }
        };
        ResponseTemplate::new(200).set_body_json(body)
    }

    /// A ticket object as the search returns it, carrying `reference` where the connector
    /// writes it.
    pub(crate) fn ticket(self, id: i64, reference: &str) -> Value {
        match self {
            Vendor::Halo => json!({
                "id": id,
                "summary": "Compliance sync fails for every device",
                "third_party_id_string": reference
            }),
            Vendor::ConnectWise => json!({"id": id, "externalXRef": reference}),
            Vendor::Autotask => json!({
                "id": id,
                "ticketNumber": OLD_NUMBER,
                "title": format!("Compliance sync fails for every device [{reference}]"),
                "userDefinedFields": []
            }),
            Vendor::RequestTracker => json!({
                "type": "ticket",
                "id": id.to_string(),
                "_url": format!("https://rt.example/REST/2.0/ticket/{id}")
            }),
        }
    }

    /// The number the vendor gives a ticket apart from its id.
    fn number(self, id: i64) -> Option<String> {
        match (self, id) {
            (Vendor::Autotask, NEW_ID) => Some(NEW_NUMBER.into()),
            (Vendor::Autotask, _) => Some(OLD_NUMBER.into()),
            _ => None,
        }
    }

    fn expected(self, id: i64, lookup: TicketLookup) -> CreatedTicket {
        let number = self.number(id);
        CreatedTicket {
            external_id: id.to_string(),
            url: Some(format!(
                "https://desk.example/ticket/{id}?n={}",
                number.clone().unwrap_or_else(|| id.to_string())
            )),
            number,
            lookup,
        }
    }

    /// One handoff of `d` on `server`, where the search answers `search` and the create
    /// answers with [`NEW_ID`]; `adjust` changes the configuration.
    async fn hand_off_on(
        self,
        server: MockServer,
        search: ResponseTemplate,
        d: &TicketDraft,
        adjust: impl FnOnce(&mut SupportDeskConfig),
    ) -> (MockServer, Result<CreatedTicket, DeskError>) {
        self.prepare(&server).await;
        Mock::given(method("POST"))
            .and(path(self.create()))
            .respond_with(self.create_answer())
            .mount(&server)
            .await;
        let (verb, at) = self.search();
        Mock::given(method(verb))
            .and(path(at))
            .respond_with(search)
            .mount(&server)
            .await;
        let mut config = self.config(&server);
        adjust(&mut config);
        let result = desk(&config).create_ticket(d).await;
        (server, result)
    }

    /// [`Vendor::hand_off_on`] a fresh server.
    async fn hand_off_with(
        self,
        search: ResponseTemplate,
        d: &TicketDraft,
        adjust: impl FnOnce(&mut SupportDeskConfig),
    ) -> (MockServer, Result<CreatedTicket, DeskError>) {
        self.hand_off_on(MockServer::start().await, search, d, adjust)
            .await
    }

    /// A handoff of the usual draft that must succeed.
    async fn hand_off(self, search: ResponseTemplate) -> (MockServer, CreatedTicket) {
        let (server, result) = self.hand_off_with(search, &draft(), |_| {}).await;
        (server, result.unwrap_or_else(|e| panic!("{self:?}: {e:?}")))
    }

    async fn searches(self, server: &MockServer) -> Vec<Request> {
        let (verb, at) = self.search();
        requests_to(server, verb, at).await
    }

    async fn creates(self, server: &MockServer) -> usize {
        requests_to(server, "POST", self.create()).await.len()
    }
}

/// Asserts the handoff reached ticket `id` the `lookup` way, creating a ticket only when `id`
/// is the new one.
async fn assert_reached(
    vendor: Vendor,
    server: &MockServer,
    ticket: &CreatedTicket,
    id: i64,
    lookup: TicketLookup,
) {
    assert_eq!(ticket, &vendor.expected(id, lookup), "{vendor:?}");
    let creates = usize::from(id == NEW_ID);
    assert_eq!(vendor.creates(server).await, creates, "{vendor:?} creates");
}

/// Whether the search came before the create.
async fn searched_before_creating(server: &MockServer, vendor: Vendor) -> bool {
    let all = server.received_requests().await.expect("recording on");
    let (verb, at) = vendor.search();
    let position = |m: &str, p: &str| {
        all.iter()
            .position(|r| r.method.as_str() == m && r.url.path() == p)
    };
    matches!(
        (position(verb, at), position("POST", vendor.create())),
        (Some(search), Some(create)) if search < create
    )
}

#[tokio::test]
async fn nothing_found_creates_once_after_searching() {
    for vendor in VENDORS {
        let (server, ticket) = vendor.hand_off(vendor.list(vec![])).await;
        assert_eq!(
            ticket,
            vendor.expected(NEW_ID, TicketLookup::Created),
            "{vendor:?}"
        );
        assert_eq!(vendor.searches(&server).await.len(), 1, "{vendor:?}");
        // The control for every "nothing was created" below: the same count sees this create.
        assert_eq!(vendor.creates(&server).await, 1, "{vendor:?}");
        assert!(
            searched_before_creating(&server, vendor).await,
            "{vendor:?}"
        );
    }
}

#[tokio::test]
async fn a_found_ticket_is_returned_and_nothing_is_created() {
    for vendor in VENDORS {
        let ours = vendor.list(vec![vendor.ticket(OLD_ID, REFERENCE)]);
        let (server, ticket) = vendor.hand_off(ours).await;
        assert_eq!(
            ticket,
            vendor.expected(OLD_ID, TicketLookup::FoundExisting),
            "{vendor:?}"
        );
        assert_eq!(vendor.searches(&server).await.len(), 1, "{vendor:?}");
        assert_eq!(vendor.creates(&server).await, 0, "{vendor:?}");
    }
}

#[tokio::test]
async fn a_failing_search_still_creates_and_says_so() {
    for vendor in VENDORS {
        for answer in [
            ResponseTemplate::new(500).set_body_json(json!({"errors": ["Query failed."]})),
            ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"),
            ResponseTemplate::new(400).set_body_json(json!({"message": "Invalid filter"})),
            ResponseTemplate::new(200).set_body_string("<html>login</html>"),
            ResponseTemplate::new(200).set_body_json(json!({"unexpected": true})),
        ] {
            let (server, ticket) = vendor.hand_off(answer).await;
            assert_reached(
                vendor,
                &server,
                &ticket,
                NEW_ID,
                TicketLookup::CreatedAfterFailedSearch,
            )
            .await;
        }
    }
}

#[tokio::test]
async fn a_search_refused_for_credentials_is_unauthorized_and_creates_nothing() {
    for vendor in VENDORS {
        for status in [401u16, 403] {
            let denied = ResponseTemplate::new(status).set_body_json(json!({"message": "denied"}));
            let (server, result) = vendor.hand_off_with(denied, &draft(), |_| {}).await;
            let err = result.expect_err("refused");
            assert_clean(&err);
            assert_eq!(err, DeskError::Unauthorized(status), "{vendor:?}");
            assert_eq!(err.code(), "unauthorized");
            assert_eq!(vendor.searches(&server).await.len(), 1, "{vendor:?}");
            assert_eq!(vendor.creates(&server).await, 0, "{vendor:?}");
        }
    }
}

#[tokio::test]
async fn a_returned_ticket_whose_reference_differs_is_not_ours() {
    // RT's list items carry no fields to compare (its TicketSQL does the matching).
    for vendor in [Vendor::Halo, Vendor::ConnectWise, Vendor::Autotask] {
        let strangers = vec![
            vendor.ticket(7, &format!("{REFERENCE}X")),
            vendor.ticket(8, &REFERENCE.to_lowercase()),
            vendor.ticket(9, &REFERENCE[..REFERENCE.len() - 1]),
            vendor.ticket(10, ""),
            json!({"id": 11}),
        ];
        let (server, ticket) = vendor.hand_off(vendor.list(strangers.clone())).await;
        assert_reached(vendor, &server, &ticket, NEW_ID, TicketLookup::Created).await;

        // Control: the same strangers with ours among them find ours.
        let mut with_ours = strangers;
        with_ours.insert(2, vendor.ticket(OLD_ID, REFERENCE));
        let (server, ticket) = vendor.hand_off(vendor.list(with_ours)).await;
        assert_reached(
            vendor,
            &server,
            &ticket,
            OLD_ID,
            TicketLookup::FoundExisting,
        )
        .await;
    }
}

#[tokio::test]
async fn a_matching_ticket_without_an_id_counts_as_a_failed_search() {
    for vendor in [Vendor::Halo, Vendor::ConnectWise, Vendor::Autotask] {
        let mut broken = vendor.ticket(OLD_ID, REFERENCE);
        broken["id"] = json!(0);
        let (server, ticket) = vendor.hand_off(vendor.list(vec![broken])).await;
        assert_reached(
            vendor,
            &server,
            &ticket,
            NEW_ID,
            TicketLookup::CreatedAfterFailedSearch,
        )
        .await;
    }
}

#[tokio::test]
async fn a_reference_that_is_not_ours_is_never_searched_for() {
    for vendor in VENDORS {
        let ours = vendor.list(vec![vendor.ticket(OLD_ID, REFERENCE)]);
        let mut d = draft();
        d.internal_reference = "SR-1\" OR id > \"0".into();
        let (server, result) = vendor.hand_off_with(ours, &d, |_| {}).await;
        let ticket = result.unwrap_or_else(|e| panic!("{vendor:?}: {e:?}"));
        assert_eq!(ticket.lookup, TicketLookup::Created, "{vendor:?}");
        assert_eq!(ticket.external_id, NEW_ID.to_string(), "{vendor:?}");
        // The control is nothing_found_creates_once_after_searching: one search there.
        assert_eq!(vendor.searches(&server).await.len(), 0, "{vendor:?}");
        assert_eq!(vendor.creates(&server).await, 1, "{vendor:?}");
    }
}

#[tokio::test]
async fn a_slow_search_ends_the_call_at_the_budget_without_creating() {
    for vendor in VENDORS {
        let slow = vendor.list(vec![]).set_delay(Duration::from_millis(1500));
        let started = Instant::now();
        let (server, result) = vendor
            .hand_off_with(slow, &draft(), |c| c.timeout_ms = 300)
            .await;
        assert_eq!(result, Err(DeskError::Timeout(300)), "{vendor:?}");
        assert!(started.elapsed() < Duration::from_millis(1200));
        assert_eq!(vendor.creates(&server).await, 0, "{vendor:?}");
    }
}

/// The one search request a handoff that found nothing sent.
async fn the_search(vendor: Vendor, adjust: impl FnOnce(&mut SupportDeskConfig)) -> Request {
    let (server, result) = vendor
        .hand_off_with(vendor.list(vec![]), &draft(), adjust)
        .await;
    result.expect("created");
    let (verb, at) = vendor.search();
    only_request(&server, verb, at).await
}

fn query_of(request: &Request) -> Vec<(String, String)> {
    request.url.query_pairs().into_owned().collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn halo_search_is_the_ticket_list_filtered_on_third_party_id_string() {
    let search = the_search(Vendor::Halo, |_| {}).await;
    assert_eq!(
        query_of(&search),
        pairs(&[("third_party_id_string", REFERENCE), ("count", "5")])
    );
    assert_eq!(
        header_value(&search, "authorization"),
        format!("Bearer {HALO_TOKEN}")
    );
    assert_eq!(header_value(&search, "accept"), "application/json");
    assert!(search.body.is_empty());
}

#[tokio::test]
async fn connectwise_search_is_a_conditions_query_on_external_xref() {
    let search = the_search(Vendor::ConnectWise, |_| {}).await;
    let condition = format!("externalXRef = \"{REFERENCE}\"");
    assert_eq!(
        query_of(&search),
        pairs(&[
            ("conditions", condition.as_str()),
            ("fields", "id,externalXRef"),
            ("orderBy", "id asc"),
            ("pageSize", "5"),
        ])
    );
    assert_eq!(header_value(&search, "authorization"), cw_basic());
    assert_eq!(
        header_value(&search, "clientId"),
        "00000000-aaaa-bbbb-cccc-000000000001"
    );
    assert!(search.body.is_empty());
}

#[tokio::test]
async fn autotask_search_queries_the_title_or_the_reference_udf() {
    let search = the_search(Vendor::Autotask, |_| {}).await;
    autotask_auth_headers_ok(&search);
    let body: Value = serde_json::from_slice(&search.body).expect("json");
    assert_eq!(
        body,
        json!({
            "MaxRecords": 5,
            "filter": [{"op": "contains", "field": "title", "value": REFERENCE}]
        })
    );

    let search = the_search(Vendor::Autotask, |c| {
        c.autotask.reference_udf = "TenantPilot reference".into()
    })
    .await;
    let body: Value = serde_json::from_slice(&search.body).expect("json");
    assert_eq!(
        body,
        json!({
            "MaxRecords": 5,
            "filter": [{
                "op": "eq", "field": "TenantPilot reference", "value": REFERENCE, "udf": true
            }]
        })
    );
}

#[tokio::test]
async fn autotask_with_a_reference_udf_matches_the_udf_not_the_title() {
    let vendor = Vendor::Autotask;
    for (udf_value, expected) in [
        (REFERENCE.to_string(), (OLD_ID, TicketLookup::FoundExisting)),
        (format!("{REFERENCE}X"), (NEW_ID, TicketLookup::Created)),
        (String::new(), (NEW_ID, TicketLookup::Created)),
    ] {
        // The title carries the reference every time; only the UDF decides.
        let mut ticket = vendor.ticket(OLD_ID, REFERENCE);
        ticket["userDefinedFields"] =
            json!([{"name": "TenantPilot reference", "value": udf_value}]);
        let (server, result) = vendor
            .hand_off_with(vendor.list(vec![ticket]), &draft(), |c| {
                c.autotask.reference_udf = "TenantPilot reference".into()
            })
            .await;
        assert_eq!(result, Ok(vendor.expected(expected.0, expected.1)));
        let creates = usize::from(expected.0 == NEW_ID);
        assert_eq!(vendor.creates(&server).await, creates);
    }
}

#[tokio::test]
async fn autotask_fetches_the_new_tickets_number() {
    let vendor = Vendor::Autotask;
    let (server, ticket) = vendor.hand_off(vendor.list(vec![])).await;
    assert_eq!(ticket.number.as_deref(), Some(NEW_NUMBER));
    assert_eq!(ticket.reference(), NEW_NUMBER);
    let fetch = only_request(&server, "GET", &format!("/z/v1.0/Tickets/{NEW_ID}")).await;
    autotask_auth_headers_ok(&fetch);
    assert!(fetch.body.is_empty());
}

#[tokio::test]
async fn autotask_number_fetch_failing_keeps_the_ticket_without_a_number() {
    let vendor = Vendor::Autotask;
    let fetches = [
        ResponseTemplate::new(500).set_body_json(json!({"errors": ["boom"]})),
        ResponseTemplate::new(404),
        ResponseTemplate::new(200).set_body_json(json!({"item": null})),
        ResponseTemplate::new(200).set_body_json(json!({"item": {"id": NEW_ID}})),
        ResponseTemplate::new(200).set_body_string("<html></html>"),
        // Slower than the budget: the ticket comes back before the call runs out.
        autotask_item(NEW_ID, NEW_NUMBER).set_delay(Duration::from_millis(1500)),
    ];
    for fetch in fetches {
        let server = MockServer::start().await;
        // Mounted first, so it answers before the working fetch `hand_off` mounts.
        Mock::given(method("GET"))
            .and(path(format!("/z/v1.0/Tickets/{NEW_ID}")))
            .respond_with(fetch)
            .mount(&server)
            .await;
        let started = Instant::now();
        let (server, result) = vendor
            .hand_off_on(server, vendor.list(vec![]), &draft(), |c| {
                c.timeout_ms = 600
            })
            .await;
        assert!(started.elapsed() < Duration::from_millis(600));
        assert_eq!(
            result,
            Ok(CreatedTicket {
                external_id: NEW_ID.to_string(),
                number: None,
                url: Some(format!("https://desk.example/ticket/{NEW_ID}?n={NEW_ID}")),
                lookup: TicketLookup::Created,
            }),
            "the ticket exists, so the handoff succeeds"
        );
        assert_eq!(vendor.creates(&server).await, 1);
        let asked = requests_to(&server, "GET", &format!("/z/v1.0/Tickets/{NEW_ID}")).await;
        assert_eq!(asked.len(), 1, "the number was asked for");
    }
}

#[tokio::test]
async fn autotask_a_non_numeric_item_id_is_not_put_into_the_number_fetch_path() {
    let vendor = Vendor::Autotask;
    let server = MockServer::start().await;
    // Mounted first, so it answers the create before the usual answer `hand_off_on` mounts.
    Mock::given(method("POST"))
        .and(path(vendor.create()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"itemId": "9/../7"})))
        .mount(&server)
        .await;
    let (server, result) = vendor
        .hand_off_on(server, vendor.list(vec![]), &draft(), |_| {})
        .await;
    let ticket = result.expect("created");
    assert_eq!(ticket.external_id, "9/../7");
    assert_eq!(ticket.number, None);
    let all = server.received_requests().await.expect("recording on");
    let fetches = all
        .iter()
        .filter(|r| r.method.as_str() == "GET" && r.url.path().starts_with("/z/v1.0/Tickets"))
        .count();
    // The control is autotask_fetches_the_new_tickets_number: one fetch there.
    assert_eq!(fetches, 0);
}

// ---------------------------------------------------------------------------------------------
// Secrets never reach the error, whatever the desk echoes.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn no_connector_error_carries_a_secret() {
    let server = MockServer::start().await;
    let uri = server.uri();
    // Each desk echoes back the credentials it was sent, in every field our extractors read.
    let cases = [
        (webhook_config(uri.clone()), vec![HMAC_KEY]),
        (halo_config(&uri), vec![HALO_SECRET, HALO_TOKEN]),
        (cw_config(&uri), vec![CW_PRIVATE_KEY]),
        (autotask_config(&uri), vec![AUTOTASK_SECRET]),
    ];
    for status in [400u16, 422, 500, 503] {
        for (config, secrets) in &cases {
            let echo = json!({
                "message": format!("message {}", secrets.join(" ")),
                "error_description": secrets.join(" "),
                "errors": secrets.iter().map(|s| format!("echo {s}")).collect::<Vec<_>>(),
            });
            server.reset().await;
            Mock::given(method("POST"))
                .and(path("/auth/token"))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(json!({"access_token": HALO_TOKEN})),
                )
                .mount(&server)
                .await;
            mount_autotask_zone(&server, format!("{uri}/z/")).await;
            Mock::given(method("POST"))
                .respond_with(ResponseTemplate::new(status).set_body_json(echo))
                .mount(&server)
                .await;
            let err = expect_err(config).await;
            match &err {
                DeskError::Rejected {
                    status: s,
                    detail: Some(d),
                } => {
                    assert_eq!(*s, status);
                    assert!(d.contains("[redacted:secret]"), "{d}");
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}

//! Outside and free text is redacted before it is stored (issue 11, point 2), on both
//! databases: a Microsoft/Graph error body never reaches the run summary, the run viewer or the
//! operations API with its secrets; a desk that echoes our request never hands our signature,
//! idempotency key or authorization back into the failure summary or the audit log; audit
//! metadata and `canonical_context_only` context carry no secret-shaped free text. Every
//! "absent" check has a positive control showing the surrounding text did arrive, and a
//! property test drives generated canaries of every class through the audit and run-summary
//! sinks on the real database.

use crate::support::{NowForTests, TestApp, webhook_desk};
use axum::http::{Method, StatusCode};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use proptest::prelude::*;
use serde_json::{Value, json};
use tenantpilot::audit::{self, AuditContext, AuditEntry};
use tenantpilot::config::Config;
use tenantpilot::features::operations::{
    model::Completion, model::ReasonCode, repo as runs, runner,
};
use tenantpilot::features::providers;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const DIRECTORY: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const HMAC_SECRET: &str = "hmac-key-that-must-never-leak-7f3a";

/// The secret parts of the fixed canaries a peer quotes back.
const BEARER_SECRET: &str = "q7Zx9LmP2vR4tY8wK3nBcanary";
const JWT: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJsZWFrIn0.S1gn4tur3Canary";
const PASSWORD: &str = "Wint3r-Leak-2026";
const EMAIL: &str = "leaked.user@customer.example";

fn fixed_secrets() -> [&'static str; 4] {
    [BEARER_SECRET, "eyJhbGci", PASSWORD, EMAIL]
}

/// What a peer says when it quotes our credentials and its user back at us.
fn leaky_sentence(lead: &str) -> String {
    format!(
        "{lead} for Bearer {BEARER_SECRET} with {JWT}, password={PASSWORD} requested by {EMAIL}"
    )
}

/// The control for every check below: what the peer says does carry each secret, so a sink
/// that stored it unredacted would fail them.
#[test]
fn the_leaky_sentence_carries_every_fixed_secret() {
    let sentence = leaky_sentence("Sync failed");
    for secret in fixed_secrets() {
        assert!(
            sentence.contains(secret),
            "{secret} missing from {sentence}"
        );
    }
}

fn assert_none_of(secrets: &[&str], text: &str, sink: &str) {
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} reached {sink}: {text}");
    }
}

async fn all_audit_metadata(app: &TestApp) -> Vec<String> {
    tenantpilot::with_db!(app.db(), |p| sqlx::query_scalar::<_, String>(
        "SELECT CAST(metadata AS TEXT) FROM audit_events ORDER BY id"
    )
    .fetch_all(p)
    .await)
    .expect("audit metadata")
}

async fn latest_audit_metadata(app: &TestApp, action: &str) -> Value {
    let text = app
        .text(
            "SELECT CAST(metadata AS TEXT) FROM audit_events WHERE id = \
             (SELECT MAX(id) FROM audit_events WHERE action = $1)",
            &[action.into()],
        )
        .await
        .unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("metadata of {action} ({e}): {text}"))
}

/// An unsigned JWT granting every required permission.
fn access_token() -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let roles = providers::model::REQUIRED_PERMISSIONS;
    let payload = URL_SAFE_NO_PAD.encode(json!({ "roles": roles }).to_string());
    format!("{header}.{payload}.c2ln")
}

/// An app whose `contoso` tenant has a Microsoft connection pointed at `idp`.
async fn microsoft_app(idp: &MockServer) -> TestApp {
    let mut config = Config::default();
    config.providers.microsoft.authority_url = idp.uri();
    config.providers.microsoft.graph_base_url = format!("{}/v1.0", idp.uri());
    config.providers.microsoft.client_id = "0b9d5a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b".into();
    config.providers.microsoft.client_secret = Some("never-in-the-db".to_string().into());
    config.providers.microsoft.request_timeout_secs = 2;
    let app = TestApp::with_config(config).await;
    app.connect_microsoft("contoso", DIRECTORY).await;
    app
}

/// Starts a verification of `contoso` as its owner, runs it, and returns the run id.
async fn verify_contoso(app: &TestApp) -> i64 {
    let token = app.token_for("owner@contoso.test").await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/tenants/contoso/operations",
            Some(&token),
            Some(r#"{"type":"provider.connection.verify"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let id = r.json()["id"].as_i64().expect("run id");
    runner::drain(&app.state).await.expect("drain");
    id
}

/// The run's summary as stored, as the run viewer shows it to a readonly member, and as the
/// operations API returns it to a readonly token.
async fn run_sinks(app: &TestApp, id: i64) -> [(&'static str, String); 3] {
    let stored = app
        .text(
            "SELECT summary_message FROM operation_runs WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap_or_default();
    let readonly = app.session_for("readonly@contoso.test").await;
    let page = app
        .get(&format!("/admin/operations/{id}"), Some(&readonly))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let token = app.token_for("readonly@contoso.test").await;
    let api = app
        .api(
            Method::GET,
            &format!("/api/v1/operations/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    [
        ("the stored run summary", stored),
        ("the run viewer", page.body),
        ("the operations API", api.body),
    ]
}

#[tokio::test]
async fn an_identity_platform_error_reaches_no_run_sink_with_its_secrets() {
    let idp = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{DIRECTORY}/oauth2/v2.0/token")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": format!(
                "AADSTS7000215: {}\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333",
                leaky_sentence("Invalid client secret provided")
            ),
            "error_codes": [7000215],
        })))
        .mount(&idp)
        .await;
    let app = microsoft_app(&idp).await;
    let id = verify_contoso(&app).await;
    for (sink, text) in run_sinks(&app, id).await {
        assert_none_of(&fixed_secrets(), &text, sink);
        // Positive control: Microsoft's own words arrived, only the secrets did not.
        assert!(
            text.contains("AADSTS7000215") && text.contains("Invalid client secret provided"),
            "the error reached {sink}: {text}"
        );
        assert!(text.contains("[redacted:"), "{sink}: {text}");
    }
}

#[tokio::test]
async fn a_graph_error_reaches_no_run_sink_with_its_secrets() {
    let idp = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{DIRECTORY}/oauth2/v2.0/token")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599, "access_token": access_token(),
        })))
        .mount(&idp)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/organization"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "error": {
                "code": "Authorization_RequestDenied",
                "message": leaky_sentence("Insufficient privileges to complete the operation"),
            }
        })))
        .mount(&idp)
        .await;
    let app = microsoft_app(&idp).await;
    let id = verify_contoso(&app).await;
    for (sink, text) in run_sinks(&app, id).await {
        assert_none_of(&fixed_secrets(), &text, sink);
        assert!(
            text.contains("Authorization_RequestDenied")
                && text.contains("Insufficient privileges to complete the operation"),
            "the error reached {sink}: {text}"
        );
    }
}

fn header_of(request: &Request, name: &str) -> String {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn a_desk_echoing_our_request_keeps_only_its_own_message() {
    let desk = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tickets"))
        .respond_with(|request: &Request| {
            let signature = header_of(request, "x-tenantpilot-signature");
            let key = header_of(request, "idempotency-key");
            ResponseTemplate::new(422).set_body_json(json!({
                "message": format!(
                    "Ticket rejected: severity mapping missing. Request was: POST /tickets HTTP/1.1\r\n\
                     Idempotency-Key: {key}\r\nX-TenantPilot-Signature: {signature}\r\n\
                     Authorization: Bearer desk-echo-token-123456"
                ),
                "errors": [
                    format!("X-TenantPilot-Signature: {signature}"),
                    format!("Idempotency-Key: {key}"),
                    {"field": "severity", "message": "no mapping for high"},
                ],
            }))
        })
        .mount(&desk)
        .await;
    let app = TestApp::with_config(webhook_desk(
        &format!("{}/tickets", desk.uri()),
        5000,
        HMAC_SECRET,
    ))
    .await;
    let token = app.token_for("owner@contoso.test").await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/support-requests",
            Some(&token),
            Some(r#"{"severity":"high","summary":"Echo check","handoff_mode":"create_external_ticket"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let answer = r.json();
    assert_eq!(
        answer["handoff_outcome"], "external_handoff_failed",
        "{answer}"
    );
    let reference = answer["internal_reference"]
        .as_str()
        .unwrap_or("")
        .to_string();

    // Positive control: the desk really echoed our signature and idempotency key.
    let sent = desk.received_requests().await.unwrap_or_default();
    let signature = header_of(&sent[0], "x-tenantpilot-signature");
    let hex = signature.strip_prefix("sha256=").unwrap_or("").to_string();
    assert_eq!(hex.len(), 64, "the call was signed: {signature:?}");
    assert_eq!(header_of(&sent[0], "idempotency-key"), reference);

    let forbidden = [
        hex.as_str(),
        "X-TenantPilot-Signature",
        "Idempotency-Key",
        "desk-echo-token-123456",
        "POST /tickets",
        HMAC_SECRET,
    ];
    let stored = app
        .text(
            "SELECT external_handoff_failure_summary FROM support_requests \
             WHERE internal_reference = $1",
            &[(&reference).into()],
        )
        .await
        .unwrap_or_default();
    let returned = answer["failure_summary"].as_str().unwrap_or("").to_string();
    for (sink, text) in [
        ("the stored summary", &stored),
        ("the API answer", &returned),
    ] {
        assert_none_of(&forbidden, text, sink);
        assert!(
            !text.contains(&reference),
            "the echoed key reached {sink}: {text}"
        );
        // Positive control: the desk's own message and field error are kept.
        assert!(
            text.contains("Ticket rejected: severity mapping missing")
                && text.contains("severity: no mapping for high"),
            "{sink}: {text}"
        );
        assert!(text.chars().count() <= 300, "{sink} is bounded: {text}");
    }
    let audit = all_audit_metadata(&app).await;
    assert!(
        audit
            .iter()
            .any(|m| m.contains("\"failure_code\":\"rejected\"")
                || m.contains("\"failure_code\": \"rejected\"")),
        "the failure was audited: {audit:?}"
    );
    for metadata in &audit {
        assert_none_of(&forbidden, metadata, "audit metadata");
    }
}

#[tokio::test]
async fn pause_and_resume_reasons_are_redacted_in_audit_metadata() {
    let app = TestApp::new().await;
    let pause_reason = "Provider incident, vendor asked for password=Hunter2-Vendor! \
                        and token tp_AbCdEfGhIjKlMnOp123456";
    app.control(
        "operation_starts",
        &[
            ("action", "pause"),
            ("reason", pause_reason),
            ("scope", "global"),
            ("duration", "1h"),
        ],
    )
    .await;
    let paused = latest_audit_metadata(&app, "operational_control.paused").await;
    let reason = paused["reason"].as_str().unwrap_or("");
    assert_none_of(
        &["Hunter2-Vendor!", "tp_AbCdEfGhIjKlMnOp123456"],
        &paused.to_string(),
        "the pause audit row",
    );
    // Positive control: the non-secret words of the reason are kept.
    assert!(
        reason.starts_with("Provider incident, vendor asked for password=")
            && reason.contains("and token"),
        "{paused}"
    );
    assert_eq!(paused["control"], "operation_starts");
    // The stored pause, as the system console shows it, is redacted the same way.
    let platform = app.session_for("platform@tenantpilot.test").await;
    let page = app.get("/system/controls", Some(&platform)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_none_of(
        &["Hunter2-Vendor!", "tp_AbCdEfGhIjKlMnOp123456"],
        &page.body,
        "the controls page",
    );
    assert!(
        page.body
            .contains("Provider incident, vendor asked for password="),
        "the reason is on the controls page"
    );

    app.control(
        "operation_starts",
        &[
            ("action", "resume"),
            (
                "reason",
                &format!("Vendor fixed it, see {JWT} from {EMAIL}"),
            ),
            ("scope", "global"),
        ],
    )
    .await;
    let resumed = latest_audit_metadata(&app, "operational_control.resumed").await;
    assert_none_of(
        &[
            "eyJhbGci",
            EMAIL,
            "Hunter2-Vendor!",
            "tp_AbCdEfGhIjKlMnOp123456",
        ],
        &resumed.to_string(),
        "the resume audit row",
    );
    assert!(
        resumed["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("Vendor fixed it, see")),
        "{resumed}"
    );
    assert!(
        resumed["paused_reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("Provider incident")),
        "{resumed}"
    );
}

#[tokio::test]
async fn a_canonical_context_carries_a_redacted_tenant_name() {
    let desk = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tickets"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "T-7"})))
        .mount(&desk)
        .await;
    let app = TestApp::with_config(webhook_desk(
        &format!("{}/tickets", desk.uri()),
        5000,
        HMAC_SECRET,
    ))
    .await;
    let secret_name = format!("Fabrikam GmbH password=Hunter2-Tenant! {EMAIL}");
    tenantpilot::with_db!(app.db(), |p| sqlx::query(
        "UPDATE tenants SET name = $1 WHERE external_id = 'fabrikam'"
    )
    .bind(&secret_name)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .expect("rename");
    let token = app.token_for("operator@contoso.test").await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/tenants/fabrikam/support-requests",
            Some(&token),
            Some(r#"{"severity":"low","summary":"Name check","handoff_mode":"create_external_ticket"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let answer = r.json();
    assert_eq!(
        answer["attachment_mode"], "canonical_context_only",
        "{answer}"
    );
    assert_eq!(
        answer["handoff_outcome"], "external_ticket_created",
        "{answer}"
    );
    let reference = answer["internal_reference"].as_str().unwrap_or("");
    let stored = app
        .text(
            "SELECT CAST(context AS TEXT) FROM support_requests WHERE internal_reference = $1",
            &[reference.into()],
        )
        .await
        .unwrap_or_default();
    let sent = desk.received_requests().await.unwrap_or_default();
    let sent_body = String::from_utf8_lossy(&sent[0].body).into_owned();
    for (sink, text) in [
        ("the stored context", &stored),
        ("the desk call", &sent_body),
    ] {
        assert_none_of(&["Hunter2-Tenant!", EMAIL], text, sink);
        // Positive control: the name itself is there, only its secret-shaped part is not.
        assert!(
            text.contains("Fabrikam GmbH password=[redacted:secret]"),
            "{sink}: {text}"
        );
    }
}

/// Canaries of every class and the part of each that must never be stored.
fn canaries() -> impl Strategy<Value = Vec<(String, String)>> {
    let secret = "[A-Za-z0-9!%*+^~]{10,24}";
    (
        "[A-Za-z0-9._~+/-]{12,40}",
        (
            "[A-Za-z0-9_-]{8,30}",
            "[A-Za-z0-9_-]{8,40}",
            "[A-Za-z0-9_-]{8,30}",
        ),
        (
            secret,
            prop::sample::select(vec![
                "password",
                "client_secret",
                "api_key",
                "token",
                "signature",
            ]),
            prop::sample::select(vec!["=", ": ", " = "]),
        ),
        "[A-Za-z0-9_-]{30,43}",
        ("[a-z]{3,10}", secret),
        (
            "[a-z][a-z0-9._+-]{2,12}",
            "[a-z][a-z0-9-]{2,10}",
            "[a-z]{2,6}",
        ),
        "[0-9a-f]{64}",
    )
        .prop_map(
            |(bearer, (h, p, s), (value, key, eq), tp, (user, pass), (local, domain, tld), hex)| {
                let jwt = format!("eyJ{h}.{p}.{s}");
                let email = format!("{local}@{domain}.{tld}");
                vec![
                    (format!("Bearer {bearer}"), bearer),
                    (jwt.clone(), jwt),
                    (format!("{key}{eq}{value}"), value),
                    (format!("tp_{tp}"), format!("tp_{tp}")),
                    (
                        format!("https://{user}:{pass}@desk.example/x"),
                        format!("{user}:{pass}"),
                    ),
                    (email.clone(), email),
                    (format!("X-TenantPilot-Signature: sha256={hex}"), hex),
                ]
            },
        )
}

/// Free text around the canaries: ASCII and not, with separators that end a word.
fn around() -> impl Strategy<Value = Vec<(String, &'static str)>> {
    prop::collection::vec(
        (
            "[ -~äöüß€]{0,8}",
            prop::sample::select(vec![" ", "\n", ", ", " (", "; ", " \""]),
        ),
        7,
    )
}

/// Generated canaries through the audit sink and the run-summary sink on the real database
/// (SQLite, or PostgreSQL with `TEST_DATABASE_URL`): none survives in a stored row or in what
/// the operations API returns.
#[test]
fn generated_canaries_reach_no_sink_on_the_real_database() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let app = rt.block_on(TestApp::new());
    let readonly = rt.block_on(app.token_for("readonly@contoso.test"));
    let tenant = rt.block_on(app.scalar("SELECT id FROM tenants WHERE external_id = 'contoso'"));
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 16,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    });
    let result = runner.run(&(canaries(), around()), |(canaries, around)| {
        let mut text = String::new();
        for ((canary, _), (noise, sep)) in canaries.iter().zip(&around) {
            text.push_str(noise);
            text.push_str(sep);
            text.push_str(canary);
            text.push_str(sep);
        }
        let secrets: Vec<&str> = canaries.iter().map(|(_, s)| s.as_str()).collect();
        let (audit_row, stored, api) = rt.block_on(async {
            let now = app.clock.now_for_tests();
            // Each canary in a field of its own (short enough never to be cut), and all of them
            // together in one free-text field.
            let mut metadata = serde_json::Map::new();
            for (i, (canary, _)) in canaries.iter().enumerate() {
                let (noise, sep) = &around[i];
                metadata.insert(format!("note_{i}"), json!(format!("{noise}{sep}{canary}")));
            }
            metadata.insert("reason".into(), json!(text));
            metadata.insert(
                "list".into(),
                json!(canaries.iter().map(|(c, _)| c).collect::<Vec<_>>()),
            );
            let mut tx = app.db().begin().await.expect("tx");
            let audit_id = audit::record(
                &mut tx,
                &AuditContext::cli(),
                now,
                AuditEntry {
                    action: "operational_control.paused",
                    workspace_id: None,
                    tenant_id: None,
                    target_type: "operational_control",
                    target_id: "operation_starts".into(),
                    metadata: Value::Object(metadata),
                },
            )
            .await
            .expect("audit");
            let run_id = runs::insert(
                &mut tx,
                &runs::NewRun {
                    workspace_id: 1,
                    tenant_id: tenant,
                    run_type: "inventory.sync",
                    initiator_user_id: None,
                    initiator_label: "system",
                    context: json!({}),
                },
                now,
            )
            .await
            .expect("run");
            tx.commit().await.expect("commit");
            let row = runs::find(app.db(), run_id)
                .await
                .expect("find")
                .expect("run row");
            let finished = runner::Finished {
                completion: Completion::failed(ReasonCode::ConnectionUnhealthy, text.clone()),
                artifact: runner::Artifact::None,
            };
            assert!(
                runner::finish_at(app.db(), &row, &finished, now)
                    .await
                    .expect("finish")
            );
            let audit_row = app
                .text(
                    "SELECT CAST(metadata AS TEXT) FROM audit_events WHERE id = $1",
                    &[audit_id.into()],
                )
                .await
                .unwrap_or_default();
            let stored = app
                .text(
                    "SELECT summary_message FROM operation_runs WHERE id = $1",
                    &[run_id.into()],
                )
                .await
                .unwrap_or_default();
            let api = app
                .api(
                    Method::GET,
                    &format!("/api/v1/operations/{run_id}"),
                    Some(&readonly),
                    None,
                )
                .await;
            (
                audit_row,
                stored,
                api.json()["summary_message"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        });
        for (sink, value) in [
            ("audit metadata", &audit_row),
            ("run summary", &stored),
            ("operations API", &api),
        ] {
            for secret in &secrets {
                prop_assert!(
                    !value.contains(secret),
                    "{:?} reached {}: {:?}",
                    secret,
                    sink,
                    value
                );
            }
            // Positive control: the text arrived, redacted.
            prop_assert!(
                value.contains("[redacted:"),
                "{} holds the text: {:?}",
                sink,
                value
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

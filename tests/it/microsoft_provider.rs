//! The `microsoft` provider kind against a local stand-in that speaks the identity platform's
//! token endpoint and Graph: permission decoding, AADSTS mapping, throttling, timeouts,
//! paging bounds, and that no fault detail ever carries the client secret.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tenantpilot::config::MicrosoftConfig;
use tenantpilot::features::providers::microsoft::MicrosoftClient;
use tenantpilot::features::providers::model::{AccessCheck, ProviderFault, REQUIRED_PERMISSIONS};
use wiremock::matchers::{
    bearer_token, body_string_contains, header, header_regex, method, path, path_regex,
    query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "tp-test-secret_9f8e7d6c5b4a";
const CLIENT_ID: &str = "0b9d5a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b";
const DIRECTORY: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";

fn token_path() -> String {
    format!("/{DIRECTORY}/oauth2/v2.0/token")
}

fn config(authority: &str, graph: &str) -> MicrosoftConfig {
    MicrosoftConfig {
        authority_url: authority.to_string(),
        graph_base_url: graph.to_string(),
        graph_scope: "https://graph.microsoft.com/.default".into(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(SecretString::from(SECRET)),
        connect_timeout_secs: 2,
        request_timeout_secs: 2,
        max_retry_after_secs: 5,
    }
}

fn client(server: &MockServer) -> MicrosoftClient {
    MicrosoftClient::new(
        &config(&server.uri(), &format!("{}/v1.0", server.uri())),
        DIRECTORY,
    )
    .expect("configured client")
}

/// An unsigned JWT with `claims` as payload.
fn jwt(claims: Value) -> String {
    format!(
        "{}.{}.c2lnbmF0dXJl",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn token_with_roles(roles: &[&str]) -> String {
    jwt(json!({"aud": "https://graph.microsoft.com", "tid": DIRECTORY, "roles": roles}))
}

fn token_answer(access_token: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access_token,
    }))
}

/// The identity platform's error shape.
fn token_error(status: u16, error: &str, code: u64, description: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {description}\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2024-05-01 10:00:00Z"
        ),
        "error_codes": [code],
        "timestamp": "2024-05-01 10:00:00Z",
        "trace_id": "0000aaaa-11bb-cccc-dd22-eeeeee333333",
        "correlation_id": "aaaa0000-bb11-2222-33cc-444444dddddd",
        "error_uri": "https://login.microsoftonline.com/error?code=0",
    }))
}

async fn mount_token(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(token_path()))
        .respond_with(response)
        .mount(server)
        .await;
}

async fn mount_probe(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/v1.0/organization"))
        .respond_with(response)
        .mount(server)
        .await;
}

fn organization() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#organization(id,displayName)",
        "value": [{"id": DIRECTORY, "displayName": "Contoso"}],
    }))
}

async fn calls(server: &MockServer, to: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == to)
        .count()
}

/// Neither the secret nor an access token may reach a detail operators or logs see.
fn assert_secret_free(fault: &ProviderFault) {
    for text in [fault.detail(), fault.to_string(), format!("{fault:?}")] {
        assert!(!text.contains(SECRET), "secret leaked: {text}");
        assert!(!text.contains("c2lnbmF0dXJl"), "token leaked: {text}");
    }
}

async fn healthy_server(roles: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(&token_with_roles(roles))).await;
    mount_probe(&server, organization()).await;
    server
}

#[tokio::test]
async fn all_permissions_granted_and_graph_healthy() {
    let server = MockServer::start().await;
    let token = token_with_roles(&REQUIRED_PERMISSIONS);
    Mock::given(method("POST"))
        .and(path(token_path()))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(header_regex("user-agent", r"^TenantPilot/\d+\.\d+\.\d+"))
        .and(body_string_contains(format!("client_id={CLIENT_ID}")))
        .and(body_string_contains(format!("client_secret={SECRET}")))
        .and(body_string_contains(
            "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
        ))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(token_answer(&token))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/organization"))
        .and(query_param("$select", "id,displayName"))
        .and(bearer_token(token.clone()))
        .respond_with(organization())
        .expect(1)
        .mount(&server)
        .await;

    let check = client(&server).check_access().await.unwrap();
    assert_eq!(
        check,
        AccessCheck {
            granted_permissions: REQUIRED_PERMISSIONS.iter().map(|p| p.to_string()).collect(),
            graph_healthy: true,
            detail: None,
        }
    );
}

#[tokio::test]
async fn some_permissions_missing_are_reported_as_granted_subset() {
    let server = healthy_server(&["Directory.Read.All", "RoleManagement.Read.Directory"]).await;
    let check = client(&server).check_access().await.unwrap();
    assert_eq!(
        check.granted_permissions,
        vec!["Directory.Read.All", "RoleManagement.Read.Directory"]
    );
    assert!(check.graph_healthy);
    let missing: Vec<_> = REQUIRED_PERMISSIONS
        .iter()
        .filter(|p| !check.granted_permissions.iter().any(|g| g == *p))
        .collect();
    assert_eq!(missing.len(), 4);
}

#[tokio::test]
async fn token_without_roles_claim_grants_no_permissions() {
    let server = MockServer::start().await;
    mount_token(
        &server,
        token_answer(&jwt(
            json!({"aud": "https://graph.microsoft.com", "tid": DIRECTORY}),
        )),
    )
    .await;
    mount_probe(&server, organization()).await;
    let check = client(&server).check_access().await.unwrap();
    assert!(check.granted_permissions.is_empty());
    assert!(check.graph_healthy);
}

#[tokio::test]
async fn aadsts_codes_are_mapped_to_faults() {
    let cases: [(u64, &str, &str); 4] = [
        (
            65001,
            "invalid_grant",
            "The user or administrator has not consented to use the application with ID '0b9d5a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b' named 'TenantPilot'. Send an interactive authorization request for this user and resource.",
        ),
        (
            90094,
            "invalid_grant",
            "The grant requires admin permission.",
        ),
        (
            700016,
            "unauthorized_client",
            "Application with identifier '0b9d5a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant.",
        ),
        (
            650056,
            "invalid_client",
            "Misconfigured application. This could be due to one of the following: the client has not listed any permissions for 'AAD Graph' in the requested permissions.",
        ),
    ];
    for (code, error, description) in cases {
        let server = MockServer::start().await;
        mount_token(&server, token_error(400, error, code, description)).await;
        let fault = client(&server).check_access().await.unwrap_err();
        assert_secret_free(&fault);
        let first = description
            .split(". ")
            .next()
            .unwrap()
            .trim_end_matches('.');
        match (&fault, code) {
            (ProviderFault::AdminConsentRequired(d), 65001 | 90094 | 700016)
            | (ProviderFault::PermissionsMissing(d), 650056) => {
                assert!(d.starts_with(&format!("AADSTS{code}: {first}")), "{d}");
                assert!(d.chars().count() <= 200, "{d}");
                assert!(!d.contains("Trace ID"), "{d}");
                assert!(!d.contains("This can happen"), "{d}");
            }
            _ => panic!("AADSTS{code} mapped to {fault:?}"),
        }
        assert_eq!(calls(&server, "/v1.0/organization").await, 0);
    }
}

#[tokio::test]
async fn aadsts_prefix_is_used_when_error_codes_are_absent() {
    let server = MockServer::start().await;
    mount_token(
        &server,
        ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": "AADSTS65001: The user or administrator has not consented. Trace ID: x",
        })),
    )
    .await;
    let fault = client(&server).check_access().await.unwrap_err();
    assert_eq!(
        fault,
        ProviderFault::AdminConsentRequired(
            "AADSTS65001: The user or administrator has not consented.".into()
        )
    );
}

#[tokio::test]
async fn invalid_client_secret_is_unhealthy() {
    let server = MockServer::start().await;
    mount_token(
        &server,
        token_error(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '0b9d5a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b'.",
        ),
    )
    .await;
    let fault = client(&server).check_access().await.unwrap_err();
    assert_eq!(
        fault,
        ProviderFault::Unhealthy("AADSTS7000215: Invalid client secret provided.".into())
    );
    assert_secret_free(&fault);
}

#[tokio::test]
async fn throttled_token_call_is_retried_once_after_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(token_path()))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_token(
        &server,
        token_answer(&token_with_roles(&REQUIRED_PERMISSIONS)),
    )
    .await;
    mount_probe(&server, organization()).await;

    let started = Instant::now();
    let check = client(&server).check_access().await.unwrap();
    assert!(check.graph_healthy);
    assert!(started.elapsed() >= Duration::from_secs(1), "did not wait");
    assert_eq!(calls(&server, &token_path()).await, 2);
}

#[tokio::test]
async fn throttled_again_after_the_retry_fails_as_throttled() {
    let server = MockServer::start().await;
    mount_token(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "1"),
    )
    .await;
    let fault = client(&server).check_access().await.unwrap_err();
    assert_eq!(
        fault,
        ProviderFault::Throttled {
            retry_after: Some(1)
        }
    );
    assert_eq!(calls(&server, &token_path()).await, 2);
}

#[tokio::test]
async fn long_retry_after_fails_as_throttled_without_waiting() {
    let server = MockServer::start().await;
    mount_token(
        &server,
        ResponseTemplate::new(503).insert_header("retry-after", "120"),
    )
    .await;
    let started = Instant::now();
    let fault = client(&server).check_access().await.unwrap_err();
    assert_eq!(
        fault,
        ProviderFault::Throttled {
            retry_after: Some(120)
        }
    );
    assert!(started.elapsed() < Duration::from_secs(2), "waited");
    assert_eq!(calls(&server, &token_path()).await, 1);
}

#[tokio::test]
async fn graph_throttling_without_retry_after_is_throttled() {
    let server = MockServer::start().await;
    mount_token(
        &server,
        token_answer(&token_with_roles(&REQUIRED_PERMISSIONS)),
    )
    .await;
    mount_probe(&server, ResponseTemplate::new(429)).await;
    let fault = client(&server).check_access().await.unwrap_err();
    assert_eq!(fault, ProviderFault::Throttled { retry_after: None });
    assert_eq!(calls(&server, "/v1.0/organization").await, 1);
}

#[tokio::test]
async fn graph_probe_503_without_retry_after_marks_graph_unhealthy() {
    let server = MockServer::start().await;
    mount_token(
        &server,
        token_answer(&token_with_roles(&REQUIRED_PERMISSIONS)),
    )
    .await;
    mount_probe(
        &server,
        ResponseTemplate::new(503).set_body_json(json!({
            "error": {"code": "serviceNotAvailable", "message": "Service unavailable. Try later."}
        })),
    )
    .await;
    let check = client(&server).check_access().await.unwrap();
    assert!(!check.graph_healthy);
    assert_eq!(check.granted_permissions.len(), REQUIRED_PERMISSIONS.len());
    let detail = check.detail.unwrap();
    assert!(detail.contains("503"), "{detail}");
    assert!(detail.contains("serviceNotAvailable"), "{detail}");
    assert!(!detail.contains(SECRET));
}

#[tokio::test]
async fn graph_probe_forbidden_marks_graph_unhealthy() {
    let server = MockServer::start().await;
    mount_token(&server, token_answer(&token_with_roles(&[]))).await;
    mount_probe(
        &server,
        ResponseTemplate::new(403).set_body_json(json!({
            "error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}
        })),
    )
    .await;
    let check = client(&server).check_access().await.unwrap();
    assert!(!check.graph_healthy);
    assert_eq!(
        check.detail.as_deref(),
        Some(
            "Graph answered 403 Forbidden for organization (Authorization_RequestDenied: Insufficient privileges to complete the operation.)"
        )
    );
}

#[tokio::test]
async fn malformed_token_json_is_an_invalid_response() {
    let server = MockServer::start().await;
    mount_token(
        &server,
        ResponseTemplate::new(200)
            .set_body_raw(r#"{"token_type":"Bearer","access_to"#, "application/json"),
    )
    .await;
    let fault = client(&server).check_access().await.unwrap_err();
    assert!(
        matches!(fault, ProviderFault::InvalidResponse(_)),
        "{fault:?}"
    );
}

#[tokio::test]
async fn access_token_that_is_not_a_jwt_is_an_invalid_response() {
    for token in ["opaque-token-value", "a.bm90IGpzb24.c"] {
        let server = MockServer::start().await;
        mount_token(&server, token_answer(token)).await;
        let fault = client(&server).check_access().await.unwrap_err();
        assert!(
            matches!(fault, ProviderFault::InvalidResponse(_)),
            "{fault:?}"
        );
        assert!(!fault.detail().contains(token), "{fault:?}");
    }
}

#[tokio::test]
async fn slow_token_endpoint_times_out() {
    let server = MockServer::start().await;
    mount_token(
        &server,
        token_answer(&token_with_roles(&REQUIRED_PERMISSIONS)).set_delay(Duration::from_secs(4)),
    )
    .await;
    let started = Instant::now();
    let fault = client(&server).check_access().await.unwrap_err();
    assert_eq!(fault, ProviderFault::Timeout);
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn refused_connection_is_unhealthy() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let client = MicrosoftClient::new(&config(&base, &format!("{base}/v1.0")), DIRECTORY).unwrap();
    let fault = client.check_access().await.unwrap_err();
    match &fault {
        ProviderFault::Unhealthy(d) => {
            assert!(d.contains("connection refused"), "{d}");
            assert!(d.contains("token endpoint"), "{d}");
        }
        other => panic!("{other:?}"),
    }
    assert_secret_free(&fault);
}

#[tokio::test]
async fn redirect_to_another_host_is_refused() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    mount_token(
        &server,
        ResponseTemplate::new(307).insert_header("location", format!("{}/steal", elsewhere.uri())),
    )
    .await;
    Mock::given(method("POST"))
        .respond_with(token_answer(&token_with_roles(&REQUIRED_PERMISSIONS)))
        .expect(0)
        .mount(&elsewhere)
        .await;
    let fault = client(&server).check_access().await.unwrap_err();
    assert!(matches!(fault, ProviderFault::Unhealthy(_)), "{fault:?}");
    assert_secret_free(&fault);
}

fn ids(n: usize, prefix: &str) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"id": format!("{prefix}-{i}")}))
            .collect(),
    )
}

#[tokio::test]
async fn inventory_follows_next_links_and_counts() {
    let server = MockServer::start().await;
    let graph = format!("{}/v1.0", server.uri());
    let token = token_with_roles(&REQUIRED_PERMISSIONS);
    mount_token(&server, token_answer(&token)).await;
    let devices = "/v1.0/deviceManagement/managedDevices";
    Mock::given(method("GET"))
        .and(path(devices))
        .and(query_param("$select", "id"))
        .and(query_param("$top", "999"))
        .and(query_param_is_missing("$skiptoken"))
        .and(bearer_token(token.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": ids(3, "d"),
            "@odata.nextLink": format!("{graph}/deviceManagement/managedDevices?$select=id&$top=999&$skiptoken=p2"),
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(devices))
        .and(query_param("$skiptoken", "p2"))
        .and(bearer_token(token.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": ids(3, "d2"),
            "@odata.nextLink": format!("{graph}/deviceManagement/managedDevices?$select=id&$top=999&$skiptoken=p3"),
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(devices))
        .and(query_param("$skiptoken", "p3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": ids(1, "d3")})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/deviceManagement/deviceConfigurations"))
        .and(query_param("$select", "id"))
        .and(query_param("$top", "999"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": ids(4, "c")})))
        .expect(1)
        .mount(&server)
        .await;

    let inventory = client(&server).inventory().await.unwrap();
    assert_eq!(inventory.managed_devices, 7);
    assert_eq!(inventory.configuration_profiles, 4);
    assert!(!inventory.truncated);
    assert_eq!(
        calls(&server, &token_path()).await,
        1,
        "one token per method call"
    );
}

#[tokio::test]
async fn inventory_stops_at_the_page_bound_and_at_foreign_next_links() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    let graph = format!("{}/v1.0", server.uri());
    mount_token(
        &server,
        token_answer(&token_with_roles(&REQUIRED_PERMISSIONS)),
    )
    .await;
    // Devices page back to themselves for ever.
    Mock::given(method("GET"))
        .and(path("/v1.0/deviceManagement/managedDevices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": ids(2, "d"),
            "@odata.nextLink": format!("{graph}/deviceManagement/managedDevices?$skiptoken=again"),
        })))
        .mount(&server)
        .await;
    // Configurations point their next page at another server.
    Mock::given(method("GET"))
        .and(path("/v1.0/deviceManagement/deviceConfigurations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": ids(5, "c"),
            "@odata.nextLink": format!("{}/v1.0/deviceManagement/deviceConfigurations?$skiptoken=x", elsewhere.uri()),
        })))
        .mount(&server)
        .await;
    Mock::given(path_regex(".*"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&elsewhere)
        .await;

    let inventory = client(&server).inventory().await.unwrap();
    assert_eq!(inventory.managed_devices, 100);
    assert_eq!(inventory.configuration_profiles, 5);
    assert!(inventory.truncated);
    assert_eq!(
        calls(&server, "/v1.0/deviceManagement/managedDevices").await,
        50
    );
}

#[tokio::test]
async fn inventory_forbidden_is_permissions_missing() {
    let server = MockServer::start().await;
    mount_token(
        &server,
        token_answer(&token_with_roles(&["Directory.Read.All"])),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/deviceManagement/managedDevices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": ids(2, "d")})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/deviceManagement/deviceConfigurations"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "error": {"code": "Forbidden", "message": "Application is not authorized to perform this operation. Application must have one of the following scopes: DeviceManagementConfiguration.Read.All"}
        })))
        .mount(&server)
        .await;
    let fault = client(&server).inventory().await.unwrap_err();
    match &fault {
        ProviderFault::PermissionsMissing(d) => {
            assert!(d.contains("deviceManagement/deviceConfigurations"), "{d}");
            assert!(d.contains("403"), "{d}");
        }
        other => panic!("{other:?}"),
    }
    assert_secret_free(&fault);
}

#[tokio::test]
async fn admin_roles_count_members_and_flag_high_privilege() {
    let server = MockServer::start().await;
    let graph = format!("{}/v1.0", server.uri());
    let token = token_with_roles(&REQUIRED_PERMISSIONS);
    mount_token(&server, token_answer(&token)).await;
    Mock::given(method("GET"))
        .and(path("/v1.0/directoryRoles"))
        .and(query_param("$select", "id,displayName,roleTemplateId"))
        .and(bearer_token(token.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [
                {"id": "role-ga", "displayName": "Global Administrator", "roleTemplateId": GLOBAL_ADMIN},
                {"id": "role-reader", "displayName": "Directory Readers", "roleTemplateId": "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"},
            ]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/directoryRoles/role-ga/members"))
        .and(query_param("$select", "id"))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": ids(2, "u"),
            "@odata.nextLink": format!("{graph}/directoryRoles/role-ga/members?$select=id&$skiptoken=2"),
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/directoryRoles/role-ga/members"))
        .and(query_param("$skiptoken", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": ids(1, "u2")})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/directoryRoles/role-reader/members"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;

    let roles = client(&server).admin_roles().await.unwrap();
    assert_eq!(roles.len(), 2);
    assert_eq!(roles[0].display_name, "Global Administrator");
    assert_eq!(roles[0].role_template_id, GLOBAL_ADMIN);
    assert_eq!(roles[0].member_count, 3);
    assert!(roles[0].high_privilege);
    assert_eq!(roles[1].display_name, "Directory Readers");
    assert_eq!(roles[1].member_count, 0);
    assert!(!roles[1].high_privilege);
    assert_eq!(
        calls(&server, &token_path()).await,
        1,
        "one token per method call"
    );
}

#[tokio::test]
async fn fault_details_never_contain_the_client_secret() {
    // An endpoint that echoes the secret back (misconfigured proxy, or a future message format).
    let server = MockServer::start().await;
    mount_token(
        &server,
        token_error(
            401,
            "invalid_client",
            7000215,
            &format!("Invalid client secret provided: {SECRET}. Ensure the secret is right."),
        ),
    )
    .await;
    let fault = client(&server).check_access().await.unwrap_err();
    assert!(matches!(fault, ProviderFault::Unhealthy(_)), "{fault:?}");
    assert_secret_free(&fault);

    // Graph echoing the bearer token and the secret in its error message.
    let server = MockServer::start().await;
    let token = token_with_roles(&REQUIRED_PERMISSIONS);
    mount_token(&server, token_answer(&token)).await;
    Mock::given(method("GET"))
        .and(path("/v1.0/deviceManagement/managedDevices"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": {"code": "InvalidAuthenticationToken", "message": format!("Token {token} with {SECRET} is bad.")}
        })))
        .mount(&server)
        .await;
    let fault = client(&server).inventory().await.unwrap_err();
    assert!(matches!(fault, ProviderFault::Unhealthy(_)), "{fault:?}");
    assert_secret_free(&fault);
    assert!(!fault.detail().contains(&token));
    // Control: Graph's message itself reached the detail, with the secrets cut out of it.
    assert!(fault.detail().contains("is bad"), "{}", fault.detail());
}

#[tokio::test]
async fn missing_client_id_or_secret_is_not_configured() {
    let mut c = config("https://login.example", "https://graph.example/v1.0");
    c.client_secret = None;
    let err = MicrosoftClient::new(&c, DIRECTORY).unwrap_err();
    assert_eq!(
        err,
        ProviderFault::NotConfigured("providers.microsoft.client_secret is not set".into())
    );
    c.client_id = String::new();
    let err = MicrosoftClient::new(&c, DIRECTORY).unwrap_err();
    assert_eq!(
        err,
        ProviderFault::NotConfigured("providers.microsoft.client_id is not set".into())
    );
}

//! Unit tests of `microsoft.rs`.

use super::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeZone;
use chrono::Utc;
use reqwest::StatusCode;

fn jwt(payload: &str) -> String {
    format!(
        "{}.{}.sig",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(payload)
    )
}

fn body(codes: Option<&str>, description: &str) -> Vec<u8> {
    let codes = codes
        .map(|c| format!(r#","error_codes":[{c}]"#))
        .unwrap_or_default();
    format!(
        r#"{{"error":"invalid_client","error_description":{}{codes},"trace_id":"t"}}"#,
        serde_json::to_string(description).unwrap()
    )
    .into_bytes()
}

#[test]
fn aadsts_codes_map_to_faults() {
    let bad = StatusCode::BAD_REQUEST;
    let consent = "AADSTS65001: The user or administrator has not consented to use the application with ID 'x'. Send an interactive authorization request.\r\nTrace ID: abc\r\nCorrelation ID: def\r\nTimestamp: 2024-01-01 00:00:00Z";
    assert_eq!(
        token_fault(bad, &body(Some("65001"), consent), &[]),
        ProviderFault::AdminConsentRequired(
            "AADSTS65001: The user or administrator has not consented to use the application with ID 'x'."
                .into()
        )
    );
    for code in ["90094", "700016"] {
        let f = token_fault(bad, &body(Some(code), &format!("AADSTS{code}: Nope.")), &[]);
        assert_eq!(
            f,
            ProviderFault::AdminConsentRequired(format!("AADSTS{code}: Nope."))
        );
    }
    // No error_codes: the prefix of the description decides.
    let f = token_fault(
        bad,
        &body(None, "AADSTS650056: Misconfigured application. More."),
        &[],
    );
    assert_eq!(
        f,
        ProviderFault::PermissionsMissing("AADSTS650056: Misconfigured application.".into())
    );
    // error_codes wins over the description.
    let f = token_fault(bad, &body(Some("650056"), "AADSTS65001: Text."), &[]);
    assert!(matches!(f, ProviderFault::PermissionsMissing(_)), "{f:?}");
    let f = token_fault(
        StatusCode::UNAUTHORIZED,
        &body(
            Some("7000215"),
            "AADSTS7000215: Invalid client secret provided. Ensure…",
        ),
        &[],
    );
    assert_eq!(
        f,
        ProviderFault::Unhealthy("AADSTS7000215: Invalid client secret provided.".into())
    );
    // Not the identity shape at all.
    let f = token_fault(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>", &[]);
    assert_eq!(
        f,
        ProviderFault::Unhealthy("The token endpoint answered 502 Bad Gateway.".into())
    );
    let f = token_fault(bad, br#"{"error":"invalid_request"}"#, &[]);
    assert_eq!(
        f,
        ProviderFault::Unhealthy(
            "The token endpoint answered 400 Bad Request (invalid_request).".into()
        )
    );
}

#[test]
fn token_fault_details_are_short_and_scrubbed() {
    let long = format!("AADSTS50000: {}.", "x".repeat(1000));
    let ProviderFault::Unhealthy(d) = token_fault(StatusCode::BAD_REQUEST, &body(None, &long), &[])
    else {
        panic!()
    };
    assert!(d.chars().count() <= MAX_DETAIL_CHARS, "{d}");
    assert!(d.starts_with("AADSTS50000: xxx"));

    let echo = "AADSTS7000215: Invalid client secret provided: hunter2-secret. Trace ID: x";
    let ProviderFault::Unhealthy(d) = token_fault(
        StatusCode::UNAUTHORIZED,
        &body(Some("7000215"), echo),
        &["hunter2-secret"],
    ) else {
        panic!()
    };
    assert!(!d.contains("hunter2"), "{d}");
    assert!(d.contains(REDACTED), "{d}");

    let f = graph_fault(
        "organization",
        StatusCode::FORBIDDEN,
        br#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation. Token tok-123."}}"#,
        &["tok-123"],
    );
    assert_eq!(
        f,
        ProviderFault::PermissionsMissing(
            "Graph answered 403 Forbidden for organization (Authorization_RequestDenied: Insufficient privileges to complete the operation.)".into()
        )
    );
    let f = graph_fault("organization", StatusCode::INTERNAL_SERVER_ERROR, b"", &[]);
    assert_eq!(
        f,
        ProviderFault::Unhealthy(
            "Graph answered 500 Internal Server Error for organization.".into()
        )
    );
}

#[test]
fn roles_claim_is_read_from_the_payload() {
    let t = jwt(
        r#"{"aud":"https://graph.microsoft.com","roles":["Directory.Read.All","Policy.Read.All","Directory.Read.All"]}"#,
    );
    assert_eq!(
        roles_claim(&t).unwrap(),
        vec!["Directory.Read.All", "Policy.Read.All"]
    );
    assert_eq!(
        roles_claim(&jwt(r#"{"aud":"x"}"#)).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        roles_claim(&jwt(r#"{"roles":null}"#)).unwrap(),
        Vec::<String>::new()
    );
    // Padded payloads are tolerated.
    let padded = format!(
        "h.{}.s",
        base64::engine::general_purpose::URL_SAFE.encode(r#"{"roles":["A"]}"#)
    );
    assert_eq!(roles_claim(&padded).unwrap(), vec!["A"]);
}

#[test]
fn malformed_tokens_are_invalid_responses() {
    for token in [
        "not-a-jwt".to_string(),
        "a.b".to_string(),
        "a.b.c.d.e".to_string(),
        "h.!!!.s".to_string(),
        format!("h.{}.s", URL_SAFE_NO_PAD.encode("not json")),
        jwt("[1,2]"),
        jwt(r#"{"roles":"Directory.Read.All"}"#),
        jwt(r#"{"roles":[1]}"#),
    ] {
        let e = roles_claim(&token).unwrap_err();
        assert!(
            matches!(e, ProviderFault::InvalidResponse(_)),
            "{token}: {e:?}"
        );
        assert!(!e.detail().contains(&token), "{token}");
    }
    for body in [
        &b"not json"[..],
        br#"{"token_type":"Bearer"}"#,
        br#"{"token_type":"Bearer","access_token":""}"#,
        br#"{"token_type":"pop","access_token":"a.e30.c"}"#,
    ] {
        let e = parse_token_response(body).unwrap_err();
        assert!(matches!(e, ProviderFault::InvalidResponse(_)), "{e:?}");
    }
    let ok = format!(
        r#"{{"token_type":"Bearer","expires_in":3599,"access_token":"{}"}}"#,
        jwt(r#"{"roles":["X"]}"#)
    );
    assert_eq!(parse_token_response(ok.as_bytes()).unwrap().1, vec!["X"]);
}

#[test]
fn retry_after_values() {
    let now = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(parse_retry_after("1", now), Some(1));
    assert_eq!(parse_retry_after(" 120 ", now), Some(120));
    assert_eq!(parse_retry_after("0", now), Some(0));
    assert_eq!(
        parse_retry_after("Mon, 01 Jan 2024 00:00:30 GMT", now),
        Some(30)
    );
    assert_eq!(
        parse_retry_after("Sun, 31 Dec 2023 23:59:00 GMT", now),
        Some(0)
    );
    assert_eq!(parse_retry_after("-5", now), None);
    assert_eq!(parse_retry_after("soon", now), None);
    assert_eq!(parse_retry_after("", now), None);
}

#[test]
fn sentences_and_prefixes() {
    assert_eq!(aadsts_code("AADSTS90094: x"), Some(90094));
    assert_eq!(aadsts_code("  AADSTS700016: x"), Some(700016));
    assert_eq!(aadsts_code("Something else"), None);
    assert_eq!(strip_aadsts_prefix("AADSTS1: Hello"), "Hello");
    assert_eq!(
        first_sentence("Version 1.0 is old. Next."),
        "Version 1.0 is old."
    );
    assert_eq!(first_sentence("No period\r\nTrace ID: x"), "No period");
}

#[test]
fn new_requires_client_id_and_secret() {
    let mut config = crate::config::Config::default().providers.microsoft;
    let err = MicrosoftClient::new(&config, "contoso.onmicrosoft.com").unwrap_err();
    assert_eq!(
        err,
        ProviderFault::NotConfigured("providers.microsoft.client_id is not set".into())
    );
    config.client_id = "app".into();
    let err = MicrosoftClient::new(&config, "contoso.onmicrosoft.com").unwrap_err();
    assert_eq!(
        err,
        ProviderFault::NotConfigured("providers.microsoft.client_secret is not set".into())
    );
    config.client_secret = Some(SecretString::from("s"));
    assert!(MicrosoftClient::new(&config, "contoso.onmicrosoft.com").is_ok());
    assert!(matches!(
        MicrosoftClient::new(&config, "../common/x?"),
        Err(ProviderFault::NotConfigured(_))
    ));
}

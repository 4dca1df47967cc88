//! Unit tests of `webhook.rs`.

use super::*;
use crate::support_desk::wire::*;
use serde_json::json;

#[test]
fn signature_is_lowercase_hex_hmac() {
    // RFC 4231 test case 2.
    let sig = signature(b"Jefe", b"what do ya want for nothing?").unwrap();
    assert_eq!(
        sig,
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn generic_detail_shapes() {
    assert_eq!(generic_detail(&json!("plain")).as_deref(), Some("plain"));
    assert_eq!(
        generic_detail(
            &json!({"message": "bad", "errors": ["a", {"field": "summary", "message": "required"}]})
        )
        .as_deref(),
        Some("bad; a; summary: required")
    );
    assert_eq!(
        generic_detail(
            &json!({"title": "Validation", "errors": {"summary": ["too long", "empty"]}})
        )
        .as_deref(),
        Some("Validation; summary: too long, empty")
    );
    assert_eq!(
        generic_detail(&json!({"error": "invalid_client", "error_description": "nope"})).as_deref(),
        Some("nope")
    );
    assert_eq!(generic_detail(&json!({"id": 3})), None);
    assert_eq!(generic_detail(&json!(42)), None);
}

#[test]
fn clean_removes_secrets_and_bounds_length() {
    let text = format!(
        "token=abc123 failed for hunter2secret at https://u:p@desk.example/x {}",
        "x".repeat(400)
    );
    let cleaned = clean(&text, &["hunter2secret"]).unwrap();
    // Control: the desk's own words stay, so the secrets went by redaction, not by losing text.
    assert!(
        cleaned.contains(" failed for [redacted:secret] at "),
        "{cleaned}"
    );
    assert!(!cleaned.contains("abc123"), "{cleaned}");
    assert!(!cleaned.contains("hunter2secret"), "{cleaned}");
    assert!(!cleaned.contains("u:p@"), "{cleaned}");
    assert_eq!(cleaned.chars().count(), MAX_DETAIL_CHARS);
    assert!(cleaned.ends_with('…'));
    assert_eq!(clean(" \n\t ", &[]), None);
    assert_eq!(clean("a\n\n b", &[]).as_deref(), Some("a b"));
}

#[test]
fn reflected_requests_are_dropped_and_the_desk_message_kept() {
    let sig = format!("sha256={}", "5b".repeat(32));
    let echo = format!(
        "Ticket rejected: summary too long\nPOST /hook HTTP/1.1\nHost: desk.example\n\
         Content-Type: application/json\nIdempotency-Key: SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C\n\
         X-TenantPilot-Signature: {sig}\nAuthorization: Bearer abcdefghijkl"
    );
    let cleaned = clean(&echo, &[]).unwrap_or_default();
    assert_eq!(cleaned, "Ticket rejected: summary too long");
    let inline = format!(
        "Rejected request POST /hook HTTP/1.1 Idempotency-Key: SR-01JD X-TenantPilot-Signature: {sig}"
    );
    assert_eq!(clean(&inline, &[]).as_deref(), Some("Rejected request"));
    let parts = generic_detail(&json!({
        "message": "Validation failed",
        "errors": {"summary": ["too long"], "X-TenantPilot-Signature": [sig.clone()], "Idempotency-Key": "SR-01JD"},
    }))
    .unwrap_or_default();
    let cleaned = clean(&parts, &[]).unwrap_or_default();
    assert_eq!(cleaned, "Validation failed; summary: too long");
    for absent in [
        "5b5b5b",
        "SR-01JD",
        "abcdefghijkl",
        "Idempotency",
        "Signature",
    ] {
        assert!(!cleaned.contains(absent), "{absent} in {cleaned}");
    }
    // An ordinary field error that looks like `name: text` stays.
    assert_eq!(
        clean("summary: required; contact_email: invalid", &[]).as_deref(),
        Some("summary: required; contact_email: invalid")
    );
}

#[test]
fn ids_and_urls() {
    assert_eq!(id_of(Some(&json!(17))).as_deref(), Some("17"));
    assert_eq!(id_of(Some(&json!(" T-1 "))).as_deref(), Some("T-1"));
    assert_eq!(id_of(Some(&json!(""))), None);
    assert_eq!(id_of(Some(&json!(1.5))), None);
    assert_eq!(id_of(Some(&json!(null))), None);
    assert_eq!(id_of(None), None);
    assert_eq!(
        http_url(Some(&json!("https://desk.example/t/1"))).as_deref(),
        Some("https://desk.example/t/1")
    );
    assert_eq!(http_url(Some(&json!("javascript:alert(1)"))), None);
    assert_eq!(http_url(Some(&json!("/relative"))), None);
    assert_eq!(http_url(Some(&json!(5))), None);
}

#[test]
fn cut_and_join() {
    assert_eq!(cut("abcdef", 4), "abc…");
    assert_eq!(cut("abc", 4), "abc");
    assert_eq!(join("https://x/api/", "/Tickets"), "https://x/api/Tickets");
}

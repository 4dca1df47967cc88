//! What Microsoft sends back, read: bodies within bounds, throttling, transport and identity
//! faults mapped to a [`ProviderFault`] in our words, token and Graph page parsing.

use crate::features::providers::model::ProviderFault;
use base64::Engine;
use chrono::{DateTime, Utc};
use reqwest::{Response, StatusCode, header};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

/// Largest response body read; `$select=id` pages of 999 items are far smaller.
pub(super) const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// AADSTS codes meaning the tenant's administrator has not consented to the app.
pub(super) const CONSENT_CODES: [u64; 3] = [65001, 90094, 700016];

/// AADSTS code meaning consent exists but not for the permissions requested.
pub(super) const PERMISSION_CODES: [u64; 1] = [650056];

/// Replaces a secret that a response echoed back.
pub(super) const REDACTED: &str = "[redacted]";

/// Longest piece of provider text carried in a fault detail.
pub(super) const MAX_DETAIL_CHARS: usize = 200;

/// One entry of the directory role listing.
pub(super) struct RoleEntry {
    pub(super) id: String,
    pub(super) display_name: String,
    pub(super) role_template_id: String,
}

impl RoleEntry {
    pub(super) fn parse(item: &Value) -> Result<RoleEntry, ProviderFault> {
        let text = |key: &str| {
            item.get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let id = text("id");
        // The id becomes a path segment of the members URL.
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ProviderFault::InvalidResponse(
                "Graph listed a directory role without a usable id.".into(),
            ));
        }
        Ok(RoleEntry {
            id,
            display_name: text("displayName"),
            role_template_id: text("roleTemplateId"),
        })
    }
}

/// Reads a body up to [`MAX_BODY_BYTES`].
pub(super) async fn read_body(
    what: &str,
    mut response: Response,
) -> Result<Vec<u8>, ProviderFault> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(ProviderFault::InvalidResponse(format!(
                        "The answer from {what} is larger than {MAX_BODY_BYTES} bytes."
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => return Err(ProviderFault::Timeout),
            Err(_) => {
                return Err(ProviderFault::Unhealthy(format!(
                    "The answer from {what} broke off."
                )));
            }
        }
    }
}

/// `Some(retry_after)` when the answer is throttling: every 429, and a 503 that says when to
/// come back. A 503 without `Retry-After` is an outage, not throttling.
pub(super) fn throttled(response: &Response) -> Option<Option<u64>> {
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, Utc::now()));
    match response.status() {
        StatusCode::TOO_MANY_REQUESTS => Some(retry_after),
        StatusCode::SERVICE_UNAVAILABLE if retry_after.is_some() => Some(retry_after),
        _ => None,
    }
}

/// Seconds to wait from a `Retry-After` value: delta-seconds, or an HTTP date (a date in the
/// past means "now").
pub(super) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<u64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    let secs = (at.with_timezone(&Utc) - now).num_seconds();
    Some(u64::try_from(secs).unwrap_or(0))
}

/// Maps a transport failure; the detail is ours, never reqwest's (which quotes URLs).
pub(super) fn transport_fault(what: &str, e: &reqwest::Error) -> ProviderFault {
    if e.is_timeout() {
        return ProviderFault::Timeout;
    }
    if e.is_redirect() {
        return ProviderFault::Unhealthy(format!(
            "{} redirected to another host or too often; the redirect was not followed.",
            capitalise(what)
        ));
    }
    if e.is_connect() {
        let place = e
            .url()
            .and_then(|u| {
                u.host_str()
                    .map(|h| format!("{h}:{}", u.port_or_known_default().unwrap_or(0)))
            })
            .unwrap_or_default();
        return ProviderFault::Unhealthy(format!(
            "Could not connect to {what} ({place}): {}.",
            connect_reason(e)
        ));
    }
    ProviderFault::Unhealthy(format!("The request to {what} failed."))
}

/// A readable cause for a connection failure, from the error chain.
pub(super) fn connect_reason(e: &reqwest::Error) -> &'static str {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused",
                std::io::ErrorKind::ConnectionReset => return "connection reset",
                std::io::ErrorKind::TimedOut => return "connection timed out",
                _ => {}
            }
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>())
            {
                return "TLS handshake failed";
            }
        }
        if err.is::<rustls::Error>() {
            return "TLS handshake failed";
        }
        source = err.source();
    }
    if e.is_dns() {
        "host name could not be resolved"
    } else {
        "connection failed"
    }
}

pub(super) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The identity platform's error shape.
#[derive(Deserialize)]
pub(super) struct IdentityError {
    error: Option<String>,
    error_description: Option<String>,
    error_codes: Option<Vec<u64>>,
}

/// Maps a failed token request. `redact` lists secrets to scrub from Microsoft's text.
pub(super) fn token_fault(status: StatusCode, body: &[u8], redact: &[&str]) -> ProviderFault {
    let Ok(parsed) = serde_json::from_slice::<IdentityError>(body) else {
        return ProviderFault::Unhealthy(format!("The token endpoint answered {status}."));
    };
    let description = parsed
        .error_description
        .as_deref()
        .map(|d| scrub(d, redact))
        .unwrap_or_default();
    let code = parsed
        .error_codes
        .as_ref()
        .and_then(|c| c.first().copied())
        .or_else(|| aadsts_code(&description));
    let sentence = first_sentence(strip_aadsts_prefix(&description));
    let detail = match (code, sentence.is_empty()) {
        (Some(code), false) => format!("AADSTS{code}: {sentence}"),
        (Some(code), true) => format!("AADSTS{code} (token endpoint answered {status})"),
        (None, false) => sentence,
        (None, true) => {
            let error = parsed.error.as_deref().map(|e| scrub(e, redact));
            match error {
                Some(e) if !e.is_empty() => {
                    format!("The token endpoint answered {status} ({}).", truncate(&e))
                }
                _ => format!("The token endpoint answered {status}."),
            }
        }
    };
    let detail = truncate(&detail);
    match code {
        Some(c) if CONSENT_CODES.contains(&c) => ProviderFault::AdminConsentRequired(detail),
        Some(c) if PERMISSION_CODES.contains(&c) => ProviderFault::PermissionsMissing(detail),
        _ => ProviderFault::Unhealthy(detail),
    }
}

/// Maps a failed Graph call: 403 means a permission is missing, anything else is ill health.
pub(super) fn graph_fault(
    what: &str,
    status: StatusCode,
    body: &[u8],
    redact: &[&str],
) -> ProviderFault {
    let graph_error = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
        let error = v.get("error")?;
        let code = error.get("code").and_then(Value::as_str).unwrap_or("");
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        let message = first_sentence(&scrub(message, redact));
        let code = scrub(code, redact);
        match (code.is_empty(), message.is_empty()) {
            (true, true) => None,
            (false, true) => Some(code),
            (true, false) => Some(message),
            (false, false) => Some(format!("{code}: {message}")),
        }
    });
    let detail = match graph_error {
        Some(e) => format!("Graph answered {status} for {what} ({})", truncate(&e)),
        None => format!("Graph answered {status} for {what}."),
    };
    if status == StatusCode::FORBIDDEN {
        ProviderFault::PermissionsMissing(detail)
    } else {
        ProviderFault::Unhealthy(detail)
    }
}

/// Microsoft's text with our known secrets replaced, then through the shared redactor (peers
/// quote bearer tokens, JWTs, `password=…` and user addresses in their error descriptions).
pub(super) fn scrub(text: &str, redact: &[&str]) -> String {
    let known = redact
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_string(), |t, s| t.replace(s, REDACTED));
    crate::redact::text(&known)
}

/// `65001` from `AADSTS65001: …`.
pub(super) fn aadsts_code(description: &str) -> Option<u64> {
    let rest = description.trim_start().strip_prefix("AADSTS")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

pub(super) fn strip_aadsts_prefix(description: &str) -> &str {
    let d = description.trim_start();
    match d.strip_prefix("AADSTS") {
        Some(rest) => rest
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_start_matches(':')
            .trim_start(),
        None => d,
    }
}

/// Up to the first sentence end or line break; Microsoft appends trace and correlation ids and
/// timestamps after it, which only add noise.
pub(super) fn first_sentence(text: &str) -> String {
    let text = text.trim();
    let line = text.split(['\r', '\n']).next().unwrap_or("");
    let end = line
        .char_indices()
        .find(|&(i, c)| c == '.' && line[i + 1..].starts_with(' '))
        .map(|(i, _)| i + 1)
        .unwrap_or(line.len());
    line[..end]
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string()
}

pub(super) fn truncate(text: &str) -> String {
    if text.chars().count() <= MAX_DETAIL_CHARS {
        return text.to_string();
    }
    let mut out: String = text.chars().take(MAX_DETAIL_CHARS - 1).collect();
    out.push('…');
    out
}

/// The access token and its `roles` claim from a successful token answer.
pub(super) fn parse_token_response(
    body: &[u8],
) -> Result<(SecretString, Vec<String>), ProviderFault> {
    #[derive(Deserialize)]
    struct TokenAnswer {
        token_type: Option<String>,
        access_token: Option<String>,
    }
    let answer: TokenAnswer = serde_json::from_slice(body).map_err(|_| {
        ProviderFault::InvalidResponse("The token endpoint answered with malformed JSON.".into())
    })?;
    if let Some(kind) = &answer.token_type
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(ProviderFault::InvalidResponse(
            "The token endpoint issued a token that is not a bearer token.".into(),
        ));
    }
    let token = answer
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ProviderFault::InvalidResponse(
                "The token endpoint answered without an access token.".into(),
            )
        })?;
    let roles = roles_claim(&token)?;
    Ok((SecretString::from(token), roles))
}

/// The `roles` claim of a JWT, without checking the signature: we requested the token over TLS
/// from the authority ourselves, and only read which permissions it says were granted.
/// A missing claim means no application permission was granted.
pub(super) fn roles_claim(token: &str) -> Result<Vec<String>, ProviderFault> {
    let not_jwt =
        || ProviderFault::InvalidResponse("The access token is not a readable JWT.".into());
    let parts: Vec<&str> = token.split('.').collect();
    let [_, payload, _] = parts.as_slice() else {
        return Err(not_jwt());
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| not_jwt())?;
    let claims: Value = serde_json::from_slice(&bytes).map_err(|_| not_jwt())?;
    let Some(claims) = claims.as_object() else {
        return Err(not_jwt());
    };
    let bad_roles = || {
        ProviderFault::InvalidResponse(
            "The access token's roles claim is not a list of names.".into(),
        )
    };
    let mut roles: Vec<String> = Vec::new();
    match claims.get("roles") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                let role = item.as_str().ok_or_else(bad_roles)?;
                if !roles.iter().any(|r| r == role) {
                    roles.push(role.to_string());
                }
            }
        }
        Some(_) => return Err(bad_roles()),
    }
    Ok(roles)
}

/// The `value` items and `@odata.nextLink` of a Graph listing page.
pub(super) fn parse_page<'a>(
    what: &str,
    body: &'a Value,
) -> Result<(&'a [Value], Option<&'a str>), ProviderFault> {
    let items = body.get("value").and_then(Value::as_array).ok_or_else(|| {
        ProviderFault::InvalidResponse(format!("Graph answered {what} without a value list."))
    })?;
    let next = body.get("@odata.nextLink").and_then(Value::as_str);
    Ok((items.as_slice(), next))
}

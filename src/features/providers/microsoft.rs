//! The Microsoft provider: client-credentials tokens from a configurable authority and Graph
//! calls against a configurable base URL.
//!
//! Every answer is mapped to a [`ProviderFault`] the run and the verification report
//! understand. Fault details are built from our own words plus, at most, the error code and
//! the first sentence of what Microsoft said; the client secret and access tokens are scrubbed
//! from anything taken from a response, and raw bodies are never passed on or logged.

use super::model::{
    AccessCheck, AdminRole, HIGH_PRIVILEGE_ROLE_TEMPLATES, Inventory, ProviderFault,
};
use crate::config::MicrosoftConfig;
use crate::outbound;
use base64::Engine;
use chrono::{DateTime, Utc};
use reqwest::{RequestBuilder, Response, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

/// Graph pages followed per listing; a tenant larger than this is reported as truncated rather
/// than letting one sync run for ever.
const MAX_PAGES: usize = 50;
/// Directory roles read per tenant (Entra has well under a hundred built-in roles).
const MAX_ROLES: usize = 200;
/// Largest response body read; `$select=id` pages of 999 items are far smaller.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Longest piece of provider text carried in a fault detail.
const MAX_DETAIL_CHARS: usize = 200;
/// Replaces a secret that a response echoed back.
const REDACTED: &str = "[redacted]";

/// AADSTS codes meaning the tenant's administrator has not consented to the app.
const CONSENT_CODES: [u64; 3] = [65001, 90094, 700016];
/// AADSTS code meaning consent exists but not for the permissions requested.
const PERMISSION_CODES: [u64; 1] = [650056];

/// A bearer token for Graph; never printed.
struct AccessToken(SecretString);

/// A client for one directory.
pub struct MicrosoftClient {
    config: MicrosoftConfig,
    directory_id: String,
    client_secret: SecretString,
    http: reqwest::Client,
}

impl std::fmt::Debug for MicrosoftClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MicrosoftClient")
            .field("authority_url", &self.config.authority_url)
            .field("graph_base_url", &self.config.graph_base_url)
            .field("client_id", &self.config.client_id)
            .field("directory_id", &self.directory_id)
            .finish_non_exhaustive()
    }
}

impl MicrosoftClient {
    /// A client for `directory_id`; fails when the app registration is not configured.
    pub fn new(config: &MicrosoftConfig, directory_id: &str) -> Result<Self, ProviderFault> {
        if config.client_id.trim().is_empty() {
            return Err(ProviderFault::NotConfigured(
                "providers.microsoft.client_id is not set".into(),
            ));
        }
        let client_secret = match &config.client_secret {
            Some(s) if !s.expose_secret().trim().is_empty() => s.clone(),
            _ => {
                return Err(ProviderFault::NotConfigured(
                    "providers.microsoft.client_secret is not set".into(),
                ));
            }
        };
        let directory_id = directory_id.trim();
        // The id becomes a path segment of the token URL; anything but a GUID or domain name
        // could point the request at another endpoint.
        if directory_id.is_empty()
            || !directory_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(ProviderFault::NotConfigured(
                "the connection's directory id is not a tenant id or domain name".into(),
            ));
        }
        let http = outbound::client(
            Duration::from_secs(config.connect_timeout_secs),
            Duration::from_secs(config.request_timeout_secs),
        )
        .map_err(|e| ProviderFault::Unhealthy(e.to_string()))?;
        Ok(MicrosoftClient {
            config: config.clone(),
            directory_id: directory_id.to_string(),
            client_secret,
            http,
        })
    }

    /// Token + roles claim + Graph probe.
    pub async fn check_access(&self) -> Result<AccessCheck, ProviderFault> {
        let (token, granted_permissions) = self.token().await?;
        let url = format!("{}/organization?$select=id,displayName", self.graph_base());
        match self.graph_get(&token, "organization", &url).await {
            Ok(_) => Ok(AccessCheck {
                granted_permissions,
                graph_healthy: true,
                detail: None,
            }),
            // The token works but Graph refuses or fails: that is the health verdict, not an
            // error of the check itself.
            Err(ProviderFault::PermissionsMissing(detail) | ProviderFault::Unhealthy(detail)) => {
                Ok(AccessCheck {
                    granted_permissions,
                    graph_healthy: false,
                    detail: Some(detail),
                })
            }
            Err(other) => Err(other),
        }
    }

    /// Managed device and configuration counts.
    pub async fn inventory(&self) -> Result<Inventory, ProviderFault> {
        let (token, _) = self.token().await?;
        let base = self.graph_base();
        let mut managed_devices = 0i64;
        let devices_truncated = self
            .walk(
                &token,
                "deviceManagement/managedDevices",
                format!("{base}/deviceManagement/managedDevices?$select=id&$top=999"),
                |items| {
                    managed_devices += items.len() as i64;
                    Ok(true)
                },
            )
            .await?;
        let mut configuration_profiles = 0i64;
        let profiles_truncated = self
            .walk(
                &token,
                "deviceManagement/deviceConfigurations",
                format!("{base}/deviceManagement/deviceConfigurations?$select=id&$top=999"),
                |items| {
                    configuration_profiles += items.len() as i64;
                    Ok(true)
                },
            )
            .await?;
        Ok(Inventory {
            managed_devices,
            configuration_profiles,
            truncated: devices_truncated || profiles_truncated,
        })
    }

    /// Directory roles.
    pub async fn admin_roles(&self) -> Result<Vec<AdminRole>, ProviderFault> {
        let (token, _) = self.token().await?;
        let base = self.graph_base();
        let mut listed: Vec<RoleEntry> = Vec::new();
        let roles_truncated = self
            .walk(
                &token,
                "directoryRoles",
                format!("{base}/directoryRoles?$select=id,displayName,roleTemplateId"),
                |items| {
                    for item in items {
                        if listed.len() == MAX_ROLES {
                            return Ok(false);
                        }
                        listed.push(RoleEntry::parse(item)?);
                    }
                    Ok(listed.len() < MAX_ROLES)
                },
            )
            .await?;
        if roles_truncated {
            tracing::debug!(roles = listed.len(), "directory role listing truncated");
        }
        let mut roles = Vec::with_capacity(listed.len());
        for role in listed {
            let what = format!("directoryRoles/{}/members", role.id);
            let mut member_count = 0i64;
            let members_truncated = self
                .walk(
                    &token,
                    &what,
                    format!("{base}/{what}?$select=id"),
                    |items| {
                        member_count += items.len() as i64;
                        Ok(true)
                    },
                )
                .await?;
            if members_truncated {
                tracing::debug!(members = member_count, "role member listing truncated");
            }
            let high_privilege = HIGH_PRIVILEGE_ROLE_TEMPLATES
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&role.role_template_id));
            roles.push(AdminRole {
                display_name: role.display_name,
                role_template_id: role.role_template_id,
                member_count,
                high_privilege,
            });
        }
        Ok(roles)
    }

    fn graph_base(&self) -> &str {
        self.config.graph_base_url.trim_end_matches('/')
    }

    /// Only links back into the configured Graph base are followed, so a tampered or
    /// misrouted `@odata.nextLink` cannot carry our bearer token to another server.
    fn follows(&self, link: &str) -> bool {
        let base = self.graph_base();
        link.strip_prefix(base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
    }

    /// Client-credentials token for the directory, and the application permissions it carries.
    async fn token(&self) -> Result<(AccessToken, Vec<String>), ProviderFault> {
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            self.config.authority_url.trim_end_matches('/'),
            self.directory_id
        );
        let form = [
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("scope", self.config.graph_scope.as_str()),
            ("grant_type", "client_credentials"),
        ];
        let response = self
            .send("the token endpoint", || self.http.post(&url).form(&form))
            .await?;
        let status = response.status();
        let body = read_body("the token endpoint", response).await?;
        if !status.is_success() {
            return Err(token_fault(
                status,
                &body,
                &[self.client_secret.expose_secret()],
            ));
        }
        let (token, roles) = parse_token_response(&body)?;
        Ok((AccessToken(token), roles))
    }

    /// GET a Graph URL with the bearer token; the JSON body on success, a mapped fault otherwise.
    async fn graph_get(
        &self,
        token: &AccessToken,
        what: &str,
        url: &str,
    ) -> Result<Value, ProviderFault> {
        let response = self
            .send(what, || {
                self.http
                    .get(url)
                    .bearer_auth(token.0.expose_secret())
                    .header(header::ACCEPT, "application/json")
            })
            .await?;
        let status = response.status();
        let body = read_body(what, response).await?;
        if !status.is_success() {
            return Err(graph_fault(
                what,
                status,
                &body,
                &[self.client_secret.expose_secret(), token.0.expose_secret()],
            ));
        }
        serde_json::from_slice(&body).map_err(|_| {
            ProviderFault::InvalidResponse(format!("Graph answered {what} with malformed JSON."))
        })
    }

    /// Follows a Graph listing page by page, handing each page's `value` items to `visit`
    /// until it returns `false`. Returns whether items were left unread (page bound hit, an
    /// unfollowable next link, or `visit` stopping early).
    async fn walk(
        &self,
        token: &AccessToken,
        what: &str,
        first: String,
        mut visit: impl FnMut(&[Value]) -> Result<bool, ProviderFault>,
    ) -> Result<bool, ProviderFault> {
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(url) = next.take() {
            if pages == MAX_PAGES {
                tracing::debug!(call = what, pages, "page bound reached");
                return Ok(true);
            }
            pages += 1;
            let body = self.graph_get(token, what, &url).await?;
            let (items, link) = parse_page(what, &body)?;
            let more = visit(items)?;
            match link {
                None => {}
                Some(_) if !more => return Ok(true),
                Some(link) if self.follows(link) => next = Some(link.to_string()),
                Some(_) => {
                    tracing::debug!(call = what, "next link leaves the Graph base; not followed");
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Sends a request; a throttled answer with a short enough `Retry-After` is waited out and
    /// the request sent once more.
    async fn send(
        &self,
        what: &str,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Response, ProviderFault> {
        let first = self.execute(what, build()).await?;
        let Some(retry_after) = throttled(&first) else {
            return Ok(first);
        };
        match retry_after {
            Some(secs) if secs <= self.config.max_retry_after_secs => {
                drop(first);
                tracing::debug!(call = what, secs, "throttled; waiting once before retrying");
                tokio::time::sleep(Duration::from_secs(secs)).await;
                let second = self.execute(what, build()).await?;
                match throttled(&second) {
                    None => Ok(second),
                    Some(retry_after) => Err(ProviderFault::Throttled { retry_after }),
                }
            }
            retry_after => Err(ProviderFault::Throttled { retry_after }),
        }
    }

    async fn execute(
        &self,
        what: &str,
        request: RequestBuilder,
    ) -> Result<Response, ProviderFault> {
        match request.send().await {
            Ok(response) => {
                tracing::debug!(
                    call = what,
                    status = response.status().as_u16(),
                    "provider answered"
                );
                Ok(response)
            }
            Err(e) => {
                tracing::debug!(
                    call = what,
                    timeout = e.is_timeout(),
                    connect = e.is_connect(),
                    "provider call failed"
                );
                Err(transport_fault(what, &e))
            }
        }
    }
}

/// One entry of the directory role listing.
struct RoleEntry {
    id: String,
    display_name: String,
    role_template_id: String,
}

impl RoleEntry {
    fn parse(item: &Value) -> Result<RoleEntry, ProviderFault> {
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
async fn read_body(what: &str, mut response: Response) -> Result<Vec<u8>, ProviderFault> {
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
fn throttled(response: &Response) -> Option<Option<u64>> {
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
fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<u64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    let secs = (at.with_timezone(&Utc) - now).num_seconds();
    Some(u64::try_from(secs).unwrap_or(0))
}

/// Maps a transport failure; the detail is ours, never reqwest's (which quotes URLs).
fn transport_fault(what: &str, e: &reqwest::Error) -> ProviderFault {
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
fn connect_reason(e: &reqwest::Error) -> &'static str {
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

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The identity platform's error shape.
#[derive(Deserialize)]
struct IdentityError {
    error: Option<String>,
    error_description: Option<String>,
    error_codes: Option<Vec<u64>>,
}

/// Maps a failed token request. `redact` lists secrets to scrub from Microsoft's text.
fn token_fault(status: StatusCode, body: &[u8], redact: &[&str]) -> ProviderFault {
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
fn graph_fault(what: &str, status: StatusCode, body: &[u8], redact: &[&str]) -> ProviderFault {
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
fn scrub(text: &str, redact: &[&str]) -> String {
    let known = redact
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_string(), |t, s| t.replace(s, REDACTED));
    crate::redact::text(&known)
}

/// `65001` from `AADSTS65001: …`.
fn aadsts_code(description: &str) -> Option<u64> {
    let rest = description.trim_start().strip_prefix("AADSTS")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn strip_aadsts_prefix(description: &str) -> &str {
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
fn first_sentence(text: &str) -> String {
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

fn truncate(text: &str) -> String {
    if text.chars().count() <= MAX_DETAIL_CHARS {
        return text.to_string();
    }
    let mut out: String = text.chars().take(MAX_DETAIL_CHARS - 1).collect();
    out.push('…');
    out
}

/// The access token and its `roles` claim from a successful token answer.
fn parse_token_response(body: &[u8]) -> Result<(SecretString, Vec<String>), ProviderFault> {
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
fn roles_claim(token: &str) -> Result<Vec<String>, ProviderFault> {
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
fn parse_page<'a>(
    what: &str,
    body: &'a Value,
) -> Result<(&'a [Value], Option<&'a str>), ProviderFault> {
    let items = body.get("value").and_then(Value::as_array).ok_or_else(|| {
        ProviderFault::InvalidResponse(format!("Graph answered {what} without a value list."))
    })?;
    let next = body.get("@odata.nextLink").and_then(Value::as_str);
    Ok((items.as_slice(), next))
}

#[cfg(test)]
#[path = "microsoft_tests.rs"]
mod tests;

//! Transport, answer and error-text helpers shared by every connector, so each desk maps
//! failures the same way and none of them can leak a URL, credential or raw body.

use super::{CreatedTicket, DeskError, MAX_BUDGET, SupportDeskConfig, TicketLookup};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use std::time::Duration;

/// Longest desk-provided error text kept in a [`DeskError::Rejected`] detail.
pub const MAX_DETAIL_CHARS: usize = 200;

/// Most answer bytes read; error bodies and ticket objects are far smaller, and a desk
/// streaming more must not hold memory or the budget.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// The configured secret's text, when one is set and not blank.
pub fn secret(secret: &Option<SecretString>) -> Option<&str> {
    secret
        .as_ref()
        .map(|s| s.expose_secret())
        .filter(|s| !s.trim().is_empty())
}

/// The effective budget in milliseconds (what [`super::super::Desk`] enforces).
pub fn budget_ms(config: &SupportDeskConfig) -> u64 {
    Duration::from_millis(config.timeout_ms)
        .min(MAX_BUDGET)
        .as_millis() as u64
}

/// `base` and `path` joined with exactly one slash.
pub fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// A desk's answer: status and (capped) body bytes.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body bytes, at most `MAX_BODY_BYTES`; empty when an error body could not be read.
    pub body: Vec<u8>,
}

impl Answer {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as a JSON value, or `Malformed`.
    pub fn json_value(&self) -> Result<Value, DeskError> {
        self.json()
            .ok_or_else(|| DeskError::Malformed("the answer was not JSON".into()))
    }

    /// The body as a JSON object, or `Malformed`.
    pub fn json_object(&self) -> Result<Map<String, Value>, DeskError> {
        match self.json_value()? {
            Value::Object(map) => Ok(map),
            _ => Err(DeskError::Malformed(
                "the answer was not a JSON object".into(),
            )),
        }
    }

    /// The error for a non-2xx answer: 401/403 are credential problems, anything else is
    /// a refusal with the desk's (already cleaned) structured message.
    pub fn status_error(&self, detail: Option<String>) -> DeskError {
        match self.status {
            401 | 403 => DeskError::Unauthorized(self.status),
            status => DeskError::Rejected { status, detail },
        }
    }
}

/// Sends `request` and reads the answer, mapping transport failures to our vocabulary.
pub async fn send(
    request: reqwest::RequestBuilder,
    config: &SupportDeskConfig,
) -> Result<Answer, DeskError> {
    let mut response = request.send().await.map_err(|e| transport(&e, config))?;
    let status = response.status().as_u16();
    let success = response.status().is_success();
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_BODY_BYTES - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if body.len() >= MAX_BODY_BYTES {
                    break;
                }
            }
            Ok(None) => break,
            // A 2xx whose body broke off may have created a ticket we cannot name: that is
            // a transport failure. For an error status the status alone is enough.
            Err(e) if success => return Err(transport(&e, config)),
            Err(_) => {
                body.clear();
                break;
            }
        }
    }
    Ok(Answer { status, body })
}

/// Maps a reqwest failure to a short, URL-free reason. reqwest's own message contains
/// the URL (and so any userinfo in it), so it is only inspected, never shown.
pub fn transport(err: &reqwest::Error, config: &SupportDeskConfig) -> DeskError {
    if err.is_timeout() {
        return DeskError::Timeout(budget_ms(config));
    }
    if err.is_redirect() {
        return DeskError::Unreachable("the desk redirected to another host".into());
    }
    if let Some(reason) = root_reason(err) {
        return DeskError::Unreachable(reason.into());
    }
    let reason = if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "the connection broke off while reading the answer"
    } else {
        "the request could not be sent"
    };
    DeskError::Unreachable(reason.into())
}

/// The most specific known cause in the error chain, as one of our fixed phrases.
fn root_reason(err: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let mut found = None;
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return Some("connection refused"),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                    found = Some("connection reset")
                }
                std::io::ErrorKind::TimedOut => found = Some("connection timed out"),
                _ => {}
            }
        }
        let text = e.to_string().to_ascii_lowercase();
        if text.contains("dns error")
            || text.contains("failed to lookup address")
            || text.contains("name or service not known")
            || text.contains("no such host")
        {
            return Some("DNS lookup failed");
        }
        if text.contains("certificate")
            || text.contains("tls")
            || text.contains("handshake")
            || text.contains("invalid peer")
        {
            return Some("TLS handshake failed");
        }
        if text.contains("connection refused") {
            return Some("connection refused");
        }
        current = e.source();
    }
    found
}

/// Bounded, secret-free text from a desk's structured error message: reflected request
/// lines and headers are dropped (a desk that echoes our request must not hand our
/// signature or idempotency key back into storage), known secrets are replaced, the shared
/// redactor removes tokens, signatures, credentials in URLs and e-mail addresses,
/// whitespace is collapsed and the result cut to [`MAX_DETAIL_CHARS`].
pub fn clean(text: &str, secrets: &[&str]) -> Option<String> {
    let mut scrubbed = without_reflected_request(text);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        scrubbed = scrubbed.replace(secret, "[redacted:secret]");
    }
    let redacted = crate::redact::text(&scrubbed);
    let collapsed = redacted
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if collapsed.is_empty() {
        None
    } else {
        Some(cut(&collapsed, MAX_DETAIL_CHARS))
    }
}

/// Request headers a desk may echo back; `x-…` and `sec-…` headers count too.
const REQUEST_HEADERS: [&str; 15] = [
    "accept",
    "accept-encoding",
    "authorization",
    "connection",
    "content-length",
    "content-type",
    "cookie",
    "host",
    "idempotency-key",
    "proxy-authorization",
    "traceparent",
    "transfer-encoding",
    "user-agent",
    "x-tenantpilot-signature",
    "forwarded",
];

/// Header names that end the desk's own text wherever they appear in it.
const REFLECTION_MARKERS: [&str; 4] = [
    "x-tenantpilot-signature",
    "idempotency-key",
    "authorization:",
    "cookie:",
];

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

/// `text` without the parts that are our own request reflected back: whole request lines
/// (`POST /hook HTTP/1.1`) and header lines (`Idempotency-Key: SR-…`) are dropped, per
/// `; `-joined part of each line (connectors join the desk's messages that way), and a
/// part that runs on into an echoed request is cut where the echo starts.
pub fn without_reflected_request(text: &str) -> String {
    text.split(['\r', '\n'])
        .map(|line| {
            line.split("; ")
                .filter(|part| !is_reflected(part))
                .map(before_reflection)
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_reflected(part: &str) -> bool {
    let t = part.trim();
    let request_line = METHODS.iter().any(|m| {
        t.strip_prefix(m)
            .is_some_and(|rest| rest.starts_with(' ') && rest.contains(" HTTP/"))
    });
    let header = t.split_once(':').is_some_and(|(name, _)| {
        let name = name.trim().to_ascii_lowercase();
        !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && (REQUEST_HEADERS.contains(&name.as_str())
                || name.starts_with("x-")
                || name.starts_with("sec-"))
    });
    request_line || header
}

/// The part up to where an echoed request starts (a request line or one of our headers).
fn before_reflection(part: &str) -> &str {
    let lower = part.to_ascii_lowercase();
    let marker = REFLECTION_MARKERS.iter().filter_map(|m| lower.find(m));
    let request = METHODS.iter().flat_map(|m| {
        [format!("{m} /"), format!("{m} http")]
            .into_iter()
            .filter_map(|p| part.find(&p))
    });
    match marker.chain(request).min() {
        Some(at) => part[..at].trim_end_matches(|c: char| {
            c.is_whitespace() || matches!(c, ':' | ',' | ';' | '-' | '(' | '[')
        }),
        None => part,
    }
    .trim()
}

/// `text` cut to `max` characters, ending in `…` when something was dropped.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The message in a JSON error body of the common shapes: a bare string, an object with
/// `message`/`error_description`/`title`/`error`, and `errors` as a list of strings or
/// objects with `message` (optionally `field`), or as ASP.NET's `{field: [messages]}`.
pub fn generic_detail(value: &Value) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    match value {
        Value::String(s) => parts.push(s.clone()),
        Value::Array(items) => parts.extend(items.iter().take(5).filter_map(generic_detail)),
        Value::Object(map) => {
            let headline = [
                "message",
                "Message",
                "error_description",
                "detail",
                "title",
                "error",
            ]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_str));
            if let Some(h) = headline {
                parts.push(h.to_string());
            }
            if let Some(errors) = map.get("errors") {
                parts.extend(error_list(errors));
            }
        }
        _ => {}
    }
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Messages from an `errors` member: strings, `{message, field?}` objects, or a map of
/// field to messages. At most five, so one detail never grows without bound.
pub fn error_list(errors: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match errors {
        Value::Array(items) => {
            for item in items.iter().take(5) {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    Value::Object(e) => {
                        let message = e
                            .get("message")
                            .or_else(|| e.get("Message"))
                            .and_then(Value::as_str);
                        let field = e.get("field").and_then(Value::as_str);
                        match (field, message) {
                            (Some(f), Some(m)) if !f.is_empty() => out.push(format!("{f}: {m}")),
                            (_, Some(m)) => out.push(m.to_string()),
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
        }
        Value::Object(fields) => {
            for (field, messages) in fields.iter().take(5) {
                let text = match messages {
                    Value::String(s) => s.clone(),
                    Value::Array(list) => list
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                    _ => continue,
                };
                out.push(format!("{field}: {text}"));
            }
        }
        _ => {}
    }
    out
}

/// The ticket `id` names (a missing or `0` id is none), with its `number` when the desk has one
/// apart from the id and its link from `ticket_url_template`.
pub fn ticket_by_id(
    config: &SupportDeskConfig,
    id: Option<&Value>,
    number: Option<String>,
    lookup: TicketLookup,
) -> Option<CreatedTicket> {
    let id = id_of(id).filter(|id| id != "0")?;
    let url = super::ticket_url(&config.ticket_url_template, &id, number.as_deref());
    Some(CreatedTicket {
        external_id: id,
        number,
        url,
        lookup,
    })
}

/// The ticket a create answer names by `id` (a missing or `0` id is a malformed answer), with its
/// link from `ticket_url_template`.
pub fn created_by_id(
    config: &SupportDeskConfig,
    id: Option<&Value>,
) -> Result<CreatedTicket, DeskError> {
    ticket_by_id(config, id, None, TicketLookup::Created)
        .ok_or_else(|| DeskError::Malformed("the answer has no ticket id".into()))
}

// ---------------------------------------------------------------------------------------------
// Looking a reference up before creating (desks without an idempotency key)
// ---------------------------------------------------------------------------------------------

/// Whether `reference` looks like ours (`SR-<ULID>` always does): short, ASCII letters, digits,
/// `-`, `_` and `.` only, so it can be put into any desk's query syntax as it is. Anything else is
/// never searched for.
pub fn searchable(reference: &str) -> bool {
    !reference.is_empty()
        && reference.len() <= 100
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// What looking the `SR-…` reference up on the desk found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A ticket whose reference field equals the reference exactly.
    Found(CreatedTicket),
    /// The desk answered in its documented shape and no ticket carries the reference (or the
    /// reference does not look like ours, so it was not searched for).
    NotFound,
    /// The desk refused the search for a reason other than credentials, or answered in a shape
    /// we cannot read: whether a ticket exists is unknown.
    Failed,
}

/// Sends the search `request` and looks through the ticket objects of its answer (the array
/// itself when `key` is `None`, else the array under `key`): the first that `is_ours` accepts
/// (an exact comparison of the field the connector writes the reference to, never the desk's
/// own matching) becomes the found ticket through `ticket`.
///
/// A 401/403 ends the call with `refused`'s error (the create would be refused too). Any other
/// failure status, a body that is not the documented list, or a matching object without a
/// usable id is [`Lookup::Failed`]. Transport failures and the budget end the call as usual.
pub async fn look_up(
    config: &SupportDeskConfig,
    request: reqwest::RequestBuilder,
    key: Option<&str>,
    refused: impl FnOnce(&Answer) -> DeskError,
    is_ours: impl Fn(&Value) -> bool,
    ticket: impl FnOnce(&Value) -> Option<CreatedTicket>,
) -> Result<Lookup, DeskError> {
    let answer = send(request, config).await?;
    let items = search_items(&answer, key, refused)?;
    Ok(lookup_in(items, is_ours, ticket))
}

/// [`look_up`] for desks whose ticket objects carry the reference as the string `field` and
/// are named by `id`, with no number apart from it.
pub async fn look_up_field(
    config: &SupportDeskConfig,
    request: reqwest::RequestBuilder,
    key: Option<&str>,
    refused: impl FnOnce(&Answer) -> DeskError,
    field: &str,
    reference: &str,
) -> Result<Lookup, DeskError> {
    look_up(
        config,
        request,
        key,
        refused,
        |t| field_is(t, field, reference),
        |t| ticket_by_id(config, t.get("id"), None, TicketLookup::FoundExisting),
    )
    .await
}

/// The ticket objects of a search answer, `None` when the search failed (see [`look_up`]).
fn search_items(
    answer: &Answer,
    key: Option<&str>,
    refused: impl FnOnce(&Answer) -> DeskError,
) -> Result<Option<Vec<Value>>, DeskError> {
    if matches!(answer.status, 401 | 403) {
        return Err(refused(answer));
    }
    if !answer.is_success() {
        return Ok(None);
    }
    let list = match (answer.json(), key) {
        (Some(Value::Array(items)), None) => Some(items),
        (Some(Value::Object(mut map)), Some(key)) => match map.remove(key) {
            Some(Value::Array(items)) => Some(items),
            _ => None,
        },
        _ => None,
    };
    Ok(list)
}

/// The lookup over a search's `items` (see [`look_up`]).
fn lookup_in(
    items: Option<Vec<Value>>,
    is_ours: impl Fn(&Value) -> bool,
    ticket: impl FnOnce(&Value) -> Option<CreatedTicket>,
) -> Lookup {
    let Some(items) = items else {
        return Lookup::Failed;
    };
    match items.iter().find(|item| is_ours(item)) {
        None => Lookup::NotFound,
        Some(item) => ticket(item).map_or(Lookup::Failed, Lookup::Found),
    }
}

/// Whether `item[field]` is the string `reference`, exactly (surrounding blanks aside).
pub fn field_is(item: &Value, field: &str, reference: &str) -> bool {
    item.get(field)
        .and_then(Value::as_str)
        .is_some_and(|v| v.trim() == reference)
}

/// Returns the ticket `lookup` found, or creates one with `create` and says how it was reached:
/// `Created` after a search that found nothing, `CreatedAfterFailedSearch` after one that failed.
pub async fn found_or_create<F>(
    desk: &'static str,
    lookup: Lookup,
    create: F,
) -> Result<CreatedTicket, DeskError>
where
    F: std::future::Future<Output = Result<CreatedTicket, DeskError>>,
{
    let lookup = match lookup {
        Lookup::Found(ticket) => {
            return Ok(CreatedTicket {
                lookup: TicketLookup::FoundExisting,
                ..ticket
            });
        }
        Lookup::NotFound => TicketLookup::Created,
        Lookup::Failed => {
            tracing::warn!(
                desk,
                "the reference search failed; creating the ticket without knowing whether one exists"
            );
            TicketLookup::CreatedAfterFailedSearch
        }
    };
    let ticket = create.await?;
    Ok(CreatedTicket { lookup, ..ticket })
}

/// A ticket id or number: a non-empty string (at most 200 characters) or an integer.
pub fn id_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty() && s.chars().count() <= 200 && !s.chars().any(char::is_control))
                .then(|| s.to_string())
        }
        Value::Number(n) => n
            .as_i64()
            .map(|i| i.to_string())
            .or_else(|| n.as_u64().map(|u| u.to_string())),
        _ => None,
    }
}

/// A link a person may open: only absolute `http(s)` URLs without whitespace, so a desk
/// cannot hand us a `javascript:` link to render.
pub fn http_url(value: Option<&Value>) -> Option<String> {
    let s = value?.as_str()?.trim();
    let parsed = reqwest::Url::parse(s).ok()?;
    (matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some()
        && s.len() <= 2048
        && !s.chars().any(char::is_whitespace))
    .then(|| s.to_string())
}

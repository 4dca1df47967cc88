//! The `request_tracker` connector (Best Practical Request Tracker 5, REST2 API).
//!
//! `url` is the REST2 base, e.g. `https://rt.example.com/REST/2.0`. Every call authenticates
//! with `Authorization: token <request_tracker.token>` (an RT auth token), or with HTTP Basic
//! `request_tracker.username` / `request_tracker.password` when no token is configured.
//!
//! 1. Lookup: `GET {url}/tickets?query=…` for a ticket that already carries the `SR-…`
//!    reference (`Subject LIKE '[SR-…]'`, OR-ed with `'CF.{<field>}' = 'SR-…'` when
//!    `request_tracker.reference_field` is set, so a subject renamed in RT does not matter). RT has **no idempotency key**, so this search
//!    is what keeps a retried call (say, after an answer lost to the budget) from opening a
//!    second ticket; the found ticket comes back as [`TicketLookup::FoundExisting`]. It only
//!    sees tickets the RT user may see (`ShowTicket`). A search refused for credentials
//!    (401/403) fails the call as `Unauthorized`; one refused for any other reason, or answered
//!    in a shape we cannot read, does not block the ticket: it is created and reported as
//!    [`TicketLookup::CreatedAfterFailedSearch`] (it may be a duplicate). Transport failures and
//!    the budget end the call as usual. Two calls racing each other at the desk could both
//!    create a ticket; the caller claims the request in its own database before calling.
//! 2. Create: `POST {url}/ticket` with `{Queue, Subject, Content, ContentType: "text/plain",
//!    Priority, Requestor?, CustomFields?}`. The subject is `[SR-…] <summary>`; the content is
//!    [`TicketDraft::body_text`]; `Requestor` is the contact e-mail, so RT's usual scrips
//!    (autoreply to requestors) apply. RT answers `201 {id, type, _url}`.
//!
//! RT's id is also the number people quote. The link people open comes from
//! `ticket_url_template` (e.g. `https://rt.example.com/Ticket/Display.html?id={id}`); when that
//! is empty and `url` ends in `/REST/2.0`, it is derived from the web root in front of it.
//!
//! RT reports errors as `{"message": "…"}` (kept, cleaned and bounded, as the `Rejected`
//! detail). Note that RT answers 403 both for missing rights and for a queue that does not
//! exist; [`check`] tells the two apart.

use super::wire;
use super::{CreatedTicket, DeskError, SupportDeskConfig, TicketDraft, TicketLookup};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde_json::{Map, Value, json};

/// RT stores subjects in a 200-character column.
const MAX_SUBJECT_CHARS: usize = 200;

/// The REST2 path suffix a web root is derived from when `ticket_url_template` is empty.
const REST2_SUFFIX: &str = "/REST/2.0";

/// RT's priority for `severity` when `request_tracker.priorities` leaves it unset: RT's default
/// `%PriorityAsString` labels are Low = 0, Medium = 50, High = 100.
pub fn default_priority(severity: &str) -> i64 {
    match severity {
        "low" => 0,
        "high" | "blocking" => 100,
        _ => 50,
    }
}

/// The `Priority` sent for `severity`: the configured value, else [`default_priority`].
pub fn priority(config: &SupportDeskConfig, severity: &str) -> i64 {
    config
        .request_tracker
        .priorities
        .or_builtin(severity, default_priority)
}

/// `[SR-…] <summary>` on one line, cut so the reference always survives RT's subject limit.
pub fn subject(draft: &TicketDraft) -> String {
    let prefix = format!("[{}] ", draft.internal_reference);
    let summary = one_line(&draft.summary);
    let room = MAX_SUBJECT_CHARS.saturating_sub(prefix.chars().count());
    format!("{prefix}{}", wire::cut(&summary, room))
}

/// `text` with line breaks and other control characters turned into single spaces.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control())
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The contact e-mail as RT's `Requestor`, when it is one plain address (RT would split a list
/// and create a user per entry).
fn requestor(draft: &TicketDraft) -> Option<&str> {
    let email = draft.contact_email.as_deref()?.trim();
    let plausible = email.len() <= 254
        && email.matches('@').count() == 1
        && !email.starts_with('@')
        && !email.ends_with('@')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '<' | '>'));
    plausible.then_some(email)
}

/// The JSON object posted to `{url}/ticket`.
pub fn ticket_body(config: &SupportDeskConfig, draft: &TicketDraft) -> Value {
    let r = &config.request_tracker;
    let mut ticket = Map::new();
    ticket.insert("Queue".into(), json!(r.queue.trim()));
    ticket.insert("Subject".into(), json!(subject(draft)));
    ticket.insert("Content".into(), json!(draft.body_text()));
    ticket.insert("ContentType".into(), json!("text/plain"));
    ticket.insert("Priority".into(), json!(priority(config, &draft.severity)));
    if let Some(email) = requestor(draft) {
        ticket.insert("Requestor".into(), json!(email));
    }
    let field = r.reference_field.trim();
    if !field.is_empty() {
        ticket.insert(
            "CustomFields".into(),
            json!({ field: draft.internal_reference }),
        );
    }
    Value::Object(ticket)
}

/// The TicketSQL that finds a ticket already carrying `reference`, or `None` when the reference
/// (or the configured field name) cannot be quoted safely.
pub fn lookup_query(config: &SupportDeskConfig, reference: &str) -> Option<String> {
    if !wire::searchable(reference) {
        return None;
    }
    let mut query = format!("Subject LIKE '[{reference}]'");
    let field = config.request_tracker.reference_field.trim();
    if !field.is_empty() {
        if field
            .chars()
            .any(|c| matches!(c, '{' | '}' | '\'' | '"' | '\\') || c.is_control())
        {
            return None;
        }
        query.push_str(&format!(" OR 'CF.{{{field}}}' = '{reference}'"));
    }
    Some(query)
}

/// The configured credential as an `Authorization` header value (marked sensitive, so it is
/// never printed by reqwest or in our logs).
fn authorization(config: &SupportDeskConfig) -> Result<HeaderValue, DeskError> {
    let r = &config.request_tracker;
    let text = if let Some(token) = wire::secret(&r.token) {
        format!("token {}", token.trim())
    } else {
        let user = r.username.trim();
        let password = wire::secret(&r.password);
        match (user.is_empty(), password) {
            (false, Some(password)) => {
                use base64::Engine as _;
                let pair = format!("{user}:{password}");
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                )
            }
            _ => {
                return Err(DeskError::Config(
                    "request_tracker.token (or request_tracker.username and \
                     request_tracker.password) is not set"
                        .into(),
                ));
            }
        }
    };
    let mut value = HeaderValue::from_str(&text).map_err(|_| {
        DeskError::Config("the request_tracker credentials are not valid header text".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

fn authed(
    config: &SupportDeskConfig,
    request: reqwest::RequestBuilder,
) -> Result<reqwest::RequestBuilder, DeskError> {
    Ok(request
        .header(AUTHORIZATION, authorization(config)?)
        .header(ACCEPT, "application/json"))
}

fn secrets(config: &SupportDeskConfig) -> Vec<&str> {
    let r = &config.request_tracker;
    wire::secret(&r.token)
        .into_iter()
        .chain(wire::secret(&r.password))
        .collect()
}

/// RT's error text from `{"message": "…"}` (or the other common shapes), without the Perl
/// source location RT appends to some messages (`… at /usr/share/…/Tickets.pm line 3187.`).
pub fn error_detail(value: &Value) -> Option<String> {
    let text = wire::generic_detail(value)?;
    let text = match text.find(" at /") {
        Some(at) if text[at..].contains(" line ") => text[..at].to_string(),
        _ => text,
    };
    let text = text.trim().trim_end_matches('.').trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn failure(config: &SupportDeskConfig, answer: &wire::Answer) -> DeskError {
    let detail = answer
        .json()
        .and_then(|v| error_detail(&v))
        .and_then(|d| wire::clean(&d, &secrets(config)));
    answer.status_error(detail)
}

/// RT ticket ids are positive integers (sent as a string or a number).
fn ticket_id(value: Option<&Value>) -> Option<String> {
    wire::id_of(value).filter(|id| {
        id.chars().all(|c| c.is_ascii_digit()) && id.parse::<u64>().is_ok_and(|n| n > 0)
    })
}

/// Where a person opens ticket `id`: `ticket_url_template`, else `<web root>/Ticket/Display.html?id=<id>`
/// when `url` ends in `/REST/2.0`.
pub fn display_url(config: &SupportDeskConfig, id: &str) -> Option<String> {
    if let Some(url) = super::ticket_url(&config.ticket_url_template, id, None) {
        return Some(url);
    }
    let base = config.url.trim().trim_end_matches('/');
    let root = base.strip_suffix(REST2_SUFFIX)?;
    let link = format!("{root}/Ticket/Display.html?id={id}");
    wire::http_url(Some(&json!(link)))
}

fn created(config: &SupportDeskConfig, id: String, lookup: TicketLookup) -> CreatedTicket {
    let url = display_url(config, &id);
    CreatedTicket {
        external_id: id,
        number: None,
        url,
        lookup,
    }
}

/// What RT shows for the draft's reference: the lowest-numbered ticket the TicketSQL finds.
/// RT's list items carry only `type`, `id` and `_url`, so the match is RT's (`Subject LIKE`
/// the bracketed reference, or the custom field's exact value), not re-checked here.
async fn existing(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
    draft: &TicketDraft,
) -> Result<wire::Lookup, DeskError> {
    let Some(query) = lookup_query(config, &draft.internal_reference) else {
        return Ok(wire::Lookup::NotFound);
    };
    let request = authed(config, client.get(wire::join(&config.url, "tickets")))?.query(&[
        ("query", query.as_str()),
        ("orderby", "id"),
        ("order", "ASC"),
        ("per_page", "1"),
    ]);
    wire::look_up(
        config,
        request,
        Some("items"),
        |a| failure(config, a),
        |_| true,
        |item| ticket_id(item.get("id")).map(|id| created(config, id, TicketLookup::FoundExisting)),
    )
    .await
}

/// Creates one ticket, or returns the ticket an earlier attempt already created for the same
/// `SR-…` reference (see the module documentation).
pub async fn create(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
    draft: &TicketDraft,
) -> Result<CreatedTicket, DeskError> {
    if config.request_tracker.queue.trim().is_empty() {
        return Err(DeskError::Config("request_tracker.queue is not set".into()));
    }
    let lookup = existing(config, client, draft).await?;
    wire::found_or_create("request_tracker", lookup, async {
        let request = authed(config, client.post(wire::join(&config.url, "ticket")))?
            .json(&ticket_body(config, draft));
        let answer = wire::send(request, config).await?;
        if !answer.is_success() {
            return Err(failure(config, &answer));
        }
        let value = answer.json_object()?;
        let id = ticket_id(value.get("id"))
            .ok_or_else(|| DeskError::Malformed("the answer has no ticket id".into()))?;
        Ok(created(config, id, TicketLookup::Created))
    })
    .await
}

/// Checks the credentials and the queue with `GET {url}/queue/{queue}`; no ticket is created.
pub async fn check(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
) -> Result<String, DeskError> {
    let queue = config.request_tracker.queue.trim();
    if queue.is_empty() {
        return Err(DeskError::Config("request_tracker.queue is not set".into()));
    }
    let mut url = reqwest::Url::parse(&wire::join(&config.url, "queue"))
        .map_err(|_| DeskError::Config("url is not a valid URL".into()))?;
    url.path_segments_mut()
        .map_err(|_| DeskError::Config("url is not a valid URL".into()))?
        .push(queue);
    let answer = wire::send(authed(config, client.get(url))?, config).await?;
    let shown = wire::cut(&one_line(queue), 100);
    if answer.status == 404 {
        return Err(DeskError::Rejected {
            status: 404,
            detail: Some(format!(
                "queue '{shown}' does not exist or the RT user cannot see it"
            )),
        });
    }
    if !answer.is_success() {
        return Err(failure(config, &answer));
    }
    let value = answer.json_object()?;
    let id = wire::id_of(value.get("id"))
        .ok_or_else(|| DeskError::Malformed("the queue answer has no id".into()))?;
    let name = value
        .get("Name")
        .and_then(Value::as_str)
        .map(|n| wire::cut(&one_line(n), 100))
        .unwrap_or(shown);
    let disabled = match value.get("Disabled") {
        Some(Value::String(s)) => s.trim() == "1",
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(Value::Bool(b)) => *b,
        _ => false,
    };
    if disabled {
        return Err(DeskError::Config(format!(
            "request_tracker.queue '{name}' is disabled in Request Tracker"
        )));
    }
    Ok(format!(
        "Request Tracker accepted the credentials and found queue '{name}' (id {id}); no ticket \
         was created."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(summary: &str) -> TicketDraft {
        TicketDraft {
            contact_email: Some("ops@example.com".into()),
            ..crate::support_desk::sample_draft(summary)
        }
    }

    #[test]
    fn subject_keeps_reference_and_one_line() {
        assert_eq!(subject(&draft("Sync\nfails ")), "[SR-01TEST] Sync fails");
        let long = subject(&draft(&"x".repeat(400)));
        assert_eq!(long.chars().count(), MAX_SUBJECT_CHARS);
        assert!(long.starts_with("[SR-01TEST] x"));
        assert!(long.ends_with('…'));
    }

    #[test]
    fn priorities_default_to_rt_labels() {
        let mut config = SupportDeskConfig::default();
        assert_eq!(priority(&config, "low"), 0);
        assert_eq!(priority(&config, "normal"), 50);
        assert_eq!(priority(&config, "odd"), 50);
        assert_eq!(priority(&config, "blocking"), 100);
        config.request_tracker.priorities.high = Some(80);
        assert_eq!(priority(&config, "high"), 80);
    }

    #[test]
    fn requestor_only_when_single_address() {
        let mut d = draft("x");
        assert_eq!(requestor(&d), Some("ops@example.com"));
        d.contact_email = Some("a@example.com, b@example.com".into());
        assert_eq!(requestor(&d), None);
        d.contact_email = Some("not an address".into());
        assert_eq!(requestor(&d), None);
        d.contact_email = None;
        assert_eq!(requestor(&d), None);
    }

    #[test]
    fn lookup_query_quotes_only_safe_values() {
        let mut config = SupportDeskConfig::default();
        assert_eq!(
            lookup_query(&config, "SR-01TEST").as_deref(),
            Some("Subject LIKE '[SR-01TEST]'")
        );
        assert_eq!(lookup_query(&config, "SR-1' OR id > '0"), None);
        config.request_tracker.reference_field = "TenantPilot reference".into();
        assert_eq!(
            lookup_query(&config, "SR-01TEST").as_deref(),
            Some("Subject LIKE '[SR-01TEST]' OR 'CF.{TenantPilot reference}' = 'SR-01TEST'")
        );
        config.request_tracker.reference_field = "bad}".into();
        assert_eq!(lookup_query(&config, "SR-01TEST"), None);
    }

    #[test]
    fn error_detail_drops_perl_location() {
        assert_eq!(
            error_detail(&json!({"message": "Wrong query, expecting a AGGREGATOR in 'x' at /usr/share/request-tracker5/lib/RT/Tickets.pm line 3187.\n"}))
                .as_deref(),
            Some("Wrong query, expecting a AGGREGATOR in 'x'")
        );
        assert_eq!(
            error_detail(&json!({"message": "Could not create ticket. Queue not set"})).as_deref(),
            Some("Could not create ticket. Queue not set")
        );
        assert_eq!(error_detail(&json!({"message": "  "})), None);
    }

    #[test]
    fn display_url_from_template_or_web_root() {
        let mut config = SupportDeskConfig {
            url: "https://rt.example.com/rt/REST/2.0/".into(),
            ..SupportDeskConfig::default()
        };
        assert_eq!(
            display_url(&config, "7").as_deref(),
            Some("https://rt.example.com/rt/Ticket/Display.html?id=7")
        );
        config.ticket_url_template = "https://desk.example/t/{id}".into();
        assert_eq!(
            display_url(&config, "7").as_deref(),
            Some("https://desk.example/t/7")
        );
        config.ticket_url_template.clear();
        config.url = "https://rt.example.com/api".into();
        assert_eq!(display_url(&config, "7"), None);
    }

    #[test]
    fn ticket_ids_are_positive_integers() {
        assert_eq!(ticket_id(Some(&json!("12"))).as_deref(), Some("12"));
        assert_eq!(ticket_id(Some(&json!(12))).as_deref(), Some("12"));
        assert_eq!(ticket_id(Some(&json!("0"))), None);
        assert_eq!(ticket_id(Some(&json!("1&x=2"))), None);
        assert_eq!(ticket_id(None), None);
    }
}

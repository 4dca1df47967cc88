//! The `connectwise` connector (ConnectWise PSA, formerly Manage, REST API 3.0).
//!
//! Every call sends `Authorization: Basic base64(companyId+publicKey:privateKey)` and the
//! developer `clientId` header ConnectWise requires. The `SR-…` reference travels in
//! `externalXRef`, the ticket's cross-reference field for other systems.
//!
//! 1. Lookup: `GET {url}/service/tickets?conditions=externalXRef = "SR-…"&fields=id,externalXRef
//!    &orderBy=id asc&pageSize=…` → a JSON array of tickets (the conditions syntax quotes strings
//!    in `"`, with `\` escaping `"` and `\`). ConnectWise has no idempotency key, so this search
//!    is what keeps a retried call (say, after an answer lost to the budget) from opening a
//!    second ticket: a returned ticket whose `externalXRef` equals the reference exactly comes
//!    back as [`super::TicketLookup::FoundExisting`] and nothing is created. A search refused
//!    with 401/403 fails the call as `Unauthorized`; any other refusal, or an answer in another
//!    shape, does not block the ticket, which is then created and reported as
//!    [`super::TicketLookup::CreatedAfterFailedSearch`].
//! 2. Create: `POST {url}/service/tickets` on the configured board for the configured company.
//!
//! The search and the create share the call's budget; two calls racing each other at the desk
//! could both create, so the caller claims the request in its own database before calling.
//!
//! Errors come as `{code, message, errors: [{code, message, resource, field}]}`; the detail we
//! keep is the message plus the field-level messages, cleaned and cut.

use super::wire;
use super::{CreatedTicket, DeskError, SupportDeskConfig, TicketDraft};
use reqwest::header::ACCEPT;
use serde_json::{Map, Value, json};

/// ConnectWise limits a ticket summary to 100 characters.
const MAX_SUMMARY_CHARS: usize = 100;
/// `externalXRef` holds at most 100 characters.
const MAX_XREF_CHARS: usize = 100;
/// Most tickets one lookup asks for; the condition is exact, so one is expected.
const LOOKUP_PAGE_SIZE: &str = "5";
/// `contactName` holds at most 62 characters.
const MAX_CONTACT_NAME_CHARS: usize = 62;
/// `contactEmailAddress` holds at most 250 characters.
const MAX_CONTACT_EMAIL_CHARS: usize = 250;

/// The `priority.id` for `severity`, when one is configured. ConnectWise priorities are
/// per-instance records with no well-known ids, so without configuration the board's default
/// priority applies.
pub fn priority_id(config: &SupportDeskConfig, severity: &str) -> Option<i64> {
    config.connectwise.priority_ids.for_severity(severity)
}

/// The ticket object posted to `/service/tickets`.
pub fn ticket_body(config: &SupportDeskConfig, draft: &TicketDraft) -> Value {
    let c = &config.connectwise;
    let mut ticket = Map::new();
    ticket.insert(
        "summary".into(),
        json!(wire::cut(&draft.summary, MAX_SUMMARY_CHARS)),
    );
    ticket.insert("initialDescription".into(), json!(draft.body_text()));
    ticket.insert("board".into(), json!({ "name": c.board }));
    ticket.insert(
        "company".into(),
        json!({ "identifier": c.company_identifier }),
    );
    ticket.insert(
        "externalXRef".into(),
        json!(wire::cut(&draft.internal_reference, MAX_XREF_CHARS)),
    );
    if let Some(id) = priority_id(config, &draft.severity) {
        ticket.insert("priority".into(), json!({ "id": id }));
    }
    if let Some(name) = draft
        .contact_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        ticket.insert(
            "contactName".into(),
            json!(wire::cut(name, MAX_CONTACT_NAME_CHARS)),
        );
    }
    if let Some(email) = draft
        .contact_email
        .as_deref()
        .filter(|e| !e.trim().is_empty() && e.chars().count() <= MAX_CONTACT_EMAIL_CHARS)
    {
        ticket.insert("contactEmailAddress".into(), json!(email));
    }
    Value::Object(ticket)
}

/// The detail of a ConnectWise error body: `message`, then each `errors[]` entry as
/// `field: message`.
pub fn error_detail(value: &Value) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(message) = value.get("message").and_then(Value::as_str) {
        parts.push(message.trim().to_string());
    }
    if let Some(errors) = value.get("errors") {
        parts.extend(wire::error_list(errors));
    }
    let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        wire::generic_detail(value)
    } else {
        Some(parts.join("; "))
    }
}

fn authed(
    config: &SupportDeskConfig,
    request: reqwest::RequestBuilder,
) -> Result<reqwest::RequestBuilder, DeskError> {
    let c = &config.connectwise;
    let private_key = wire::secret(&c.private_key)
        .ok_or_else(|| DeskError::Config("connectwise.private_key is not set".into()))?;
    Ok(request
        .basic_auth(
            format!("{}+{}", c.company_id.trim(), c.public_key.trim()),
            Some(private_key),
        )
        .header("clientId", c.client_id.trim())
        .header(ACCEPT, "application/json"))
}

fn failure(config: &SupportDeskConfig, answer: &wire::Answer) -> DeskError {
    let secrets: Vec<&str> = wire::secret(&config.connectwise.private_key)
        .into_iter()
        .collect();
    let detail = answer
        .json()
        .and_then(|v| error_detail(&v))
        .and_then(|d| wire::clean(&d, &secrets));
    answer.status_error(detail)
}

/// `value` as a string literal of ConnectWise's conditions syntax.
pub fn condition_string(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The ticket list's query that finds tickets carrying `reference` in `externalXRef`.
pub fn lookup_query(reference: &str) -> [(&'static str, String); 4] {
    [
        (
            "conditions",
            format!("externalXRef = {}", condition_string(reference)),
        ),
        ("fields", "id,externalXRef".into()),
        ("orderBy", "id asc".into()),
        ("pageSize", LOOKUP_PAGE_SIZE.into()),
    ]
}

/// Looks the draft's reference up in `externalXRef` (see the module documentation).
async fn existing(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
    draft: &TicketDraft,
) -> Result<wire::Lookup, DeskError> {
    let reference = draft.internal_reference.as_str();
    if !wire::searchable(reference) {
        return Ok(wire::Lookup::NotFound);
    }
    let request = authed(
        config,
        client.get(wire::join(&config.url, "service/tickets")),
    )?
    .query(&lookup_query(reference));
    wire::look_up_field(
        config,
        request,
        None,
        |a| failure(config, a),
        "externalXRef",
        reference,
    )
    .await
}

/// Creates one ticket on the configured board for the configured company, or returns the one
/// an earlier attempt created for the same reference.
pub async fn create(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
    draft: &TicketDraft,
) -> Result<CreatedTicket, DeskError> {
    let lookup = existing(config, client, draft).await?;
    wire::found_or_create("connectwise", lookup, async {
        let request = authed(
            config,
            client.post(wire::join(&config.url, "service/tickets")),
        )?
        .json(&ticket_body(config, draft));
        let answer = wire::send(request, config).await?;
        if !answer.is_success() {
            return Err(failure(config, &answer));
        }
        wire::created_by_id(config, answer.json_object()?.get("id"))
    })
    .await
}

/// Checks credentials and reachability with `GET {url}/system/info`; no ticket is created.
pub async fn check(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
) -> Result<String, DeskError> {
    let request = authed(config, client.get(wire::join(&config.url, "system/info")))?;
    let answer = wire::send(request, config).await?;
    if !answer.is_success() {
        return Err(failure(config, &answer));
    }
    let info = answer.json_object()?;
    let version = info
        .get("version")
        .and_then(Value::as_str)
        .and_then(|v| wire::clean(v, &[]))
        .ok_or_else(|| DeskError::Malformed("system/info has no version".into()))?;
    Ok(format!(
        "ConnectWise PSA {} accepted the API member credentials; no ticket was created.",
        wire::cut(&version, 40)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::desk::PriorityIds;

    #[test]
    fn error_detail_prefers_field_messages() {
        let body = json!({
            "code": "InvalidObject",
            "message": "ticket object is invalid",
            "errors": [
                {"code": "InvalidField", "message": "The board was not found.", "resource": "ticket", "field": "board"},
                {"code": "MissingRequiredField", "message": "The summary field is required.", "resource": "ticket", "field": "summary"}
            ]
        });
        assert_eq!(
            error_detail(&body).as_deref(),
            Some(
                "ticket object is invalid; board: The board was not found.; summary: The summary field is required."
            )
        );
        assert_eq!(
            error_detail(&json!({"code": "Unauthorized", "message": "nope"})).as_deref(),
            Some("nope")
        );
        assert_eq!(error_detail(&json!({"code": "X"})), None);
    }

    #[test]
    fn condition_strings_are_quoted_and_escaped() {
        assert_eq!(condition_string("SR-01TEST"), "\"SR-01TEST\"");
        assert_eq!(condition_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(
            lookup_query("SR-01TEST")[0],
            ("conditions", "externalXRef = \"SR-01TEST\"".to_string())
        );
    }

    #[test]
    fn priority_only_when_configured() {
        let mut config = SupportDeskConfig::default();
        assert_eq!(priority_id(&config, "high"), None);
        config.connectwise.priority_ids = PriorityIds {
            blocking: Some(1),
            normal: Some(8),
            ..PriorityIds::default()
        };
        assert_eq!(priority_id(&config, "blocking"), Some(1));
        assert_eq!(priority_id(&config, "whatever"), Some(8));
        assert_eq!(priority_id(&config, "low"), None);
    }
}

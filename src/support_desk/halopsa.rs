//! The `halopsa` connector (HaloPSA / HaloITSM REST API).
//!
//! 1. OAuth2 client credentials: `POST {halopsa.auth_url}` (form `grant_type`, `client_id`,
//!    `client_secret`, `scope`; hosted instances add `?tenant=<name>` to the token URL, as
//!    Halo's authorisation docs describe) → `{access_token}`.
//! 2. Lookup: `GET {url}/Tickets?third_party_id_string=SR-…&count=…` → `{record_count,
//!    tickets: [...]}`. The `SR-…` reference travels in `third_party_id_string`, Halo's native
//!    correlation field for tickets raised by other systems, and the ticket list filters on it.
//!    Halo has no idempotency key, so this search is what keeps a retried call (say, after an
//!    answer lost to the budget) from opening a second ticket: a returned ticket whose
//!    `third_party_id_string` equals the reference exactly is returned as
//!    [`super::TicketLookup::FoundExisting`] and nothing is created (a ticket whose field differs,
//!    or lacks it, is not ours: a Halo that ignored the filter must not hand us a stranger's
//!    ticket). A search refused with 401/403 fails the call as `Unauthorized`; any other refusal
//!    or an answer in another shape does not block the ticket, which is then created and
//!    reported as [`super::TicketLookup::CreatedAfterFailedSearch`].
//! 3. Create: `POST {url}/Tickets` with a JSON **array** holding one ticket (Halo's create
//!    endpoints take lists), carrying the reference in `third_party_id_string`.
//!
//! Halo answers with the created ticket (an object, or a list for batch posts); its `id` is
//! also the ticket number people see. The search and the create share the call's budget; two
//! calls racing each other at the desk could both create, so the caller claims the request in
//! its own database before calling.

use super::wire;
use super::{CreatedTicket, DeskError, SupportDeskConfig, TicketDraft};
use reqwest::header::ACCEPT;
use serde_json::{Map, Value, json};

/// Longest summary sent; Halo shows the summary as the ticket title.
const MAX_SUMMARY_CHARS: usize = 255;
/// Most tickets one lookup asks for; the filter is exact, so one is expected.
const LOOKUP_COUNT: &str = "5";

/// Halo's out-of-the-box priority ids: 1 Critical, 2 High, 3 Medium, 4 Low.
pub fn default_priority_id(severity: &str) -> i64 {
    match severity {
        "blocking" => 1,
        "high" => 2,
        "low" => 4,
        _ => 3,
    }
}

/// The `priority_id` sent for `severity`: the configured id, else Halo's default.
pub fn priority_id(config: &SupportDeskConfig, severity: &str) -> i64 {
    config
        .halopsa
        .priority_ids
        .or_builtin(severity, default_priority_id)
}

/// The one ticket object sent (inside the array).
pub fn ticket_body(config: &SupportDeskConfig, draft: &TicketDraft) -> Value {
    let h = &config.halopsa;
    let mut ticket = Map::new();
    ticket.insert(
        "summary".into(),
        json!(wire::cut(&draft.summary, MAX_SUMMARY_CHARS)),
    );
    ticket.insert("details".into(), json!(draft.body_text()));
    ticket.insert(
        "third_party_id_string".into(),
        json!(draft.internal_reference),
    );
    ticket.insert(
        "priority_id".into(),
        json!(priority_id(config, &draft.severity)),
    );
    for (key, value) in [
        ("tickettype_id", h.tickettype_id),
        ("client_id", h.customer_id),
        ("site_id", h.site_id),
        ("team_id", h.team_id),
    ] {
        if let Some(v) = value {
            ticket.insert(key.into(), json!(v));
        }
    }
    if let Some(name) = draft
        .contact_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        ticket.insert("reportedby".into(), json!(wire::cut(name, 100)));
    }
    Value::Object(ticket)
}

fn secrets<'a>(config: &'a SupportDeskConfig, token: Option<&'a str>) -> Vec<&'a str> {
    wire::secret(&config.halopsa.client_secret)
        .into_iter()
        .chain(token)
        .collect()
}

/// Fetches an access token with the client credentials grant.
async fn token(config: &SupportDeskConfig, client: &reqwest::Client) -> Result<String, DeskError> {
    let h = &config.halopsa;
    let secret = wire::secret(&h.client_secret)
        .ok_or_else(|| DeskError::Config("halopsa.client_secret is not set".into()))?;
    let scope = if h.scope.trim().is_empty() {
        "all"
    } else {
        h.scope.trim()
    };
    let mut request = client.post(&h.auth_url).header(ACCEPT, "application/json");
    if !h.tenant.trim().is_empty() {
        request = request.query(&[("tenant", h.tenant.trim())]);
    }
    let request = request.form(&[
        ("grant_type", "client_credentials"),
        ("client_id", h.client_id.as_str()),
        ("client_secret", secret),
        ("scope", scope),
    ]);
    let answer = wire::send(request, config).await?;
    if !answer.is_success() {
        let json = answer.json();
        // OAuth servers answer bad client credentials with 400 `invalid_client`.
        let oauth_error = json
            .as_ref()
            .and_then(|v| v.get("error"))
            .and_then(Value::as_str);
        if matches!(
            oauth_error,
            Some("invalid_client" | "unauthorized_client" | "invalid_grant")
        ) {
            return Err(DeskError::Unauthorized(answer.status));
        }
        let detail = json
            .and_then(|v| wire::generic_detail(&v))
            .and_then(|d| wire::clean(&d, &secrets(config, None)));
        return Err(answer.status_error(detail));
    }
    let value = answer.json_object()?;
    value
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .map(str::to_string)
        .ok_or_else(|| DeskError::Malformed("the token answer has no access_token".into()))
}

fn failure(config: &SupportDeskConfig, answer: &wire::Answer, token: &str) -> DeskError {
    let detail = answer
        .json()
        .and_then(|v| wire::generic_detail(&v))
        .and_then(|d| wire::clean(&d, &secrets(config, Some(token))));
    answer.status_error(detail)
}

/// The ticket list's query that finds tickets carrying `reference`.
pub fn lookup_query(reference: &str) -> [(&'static str, &str); 2] {
    [
        ("third_party_id_string", reference),
        ("count", LOOKUP_COUNT),
    ]
}

/// Looks the draft's reference up in `third_party_id_string` (see the module documentation).
async fn existing(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
    access_token: &str,
    draft: &TicketDraft,
) -> Result<wire::Lookup, DeskError> {
    let reference = draft.internal_reference.as_str();
    if !wire::searchable(reference) {
        return Ok(wire::Lookup::NotFound);
    }
    let request = client
        .get(wire::join(&config.url, "Tickets"))
        .bearer_auth(access_token)
        .header(ACCEPT, "application/json")
        .query(&lookup_query(reference));
    wire::look_up_field(
        config,
        request,
        Some("tickets"),
        |a| failure(config, a, access_token),
        "third_party_id_string",
        reference,
    )
    .await
}

/// Creates one ticket, or returns the one an earlier attempt created for the same reference:
/// token, lookup, then `POST {url}/Tickets` with a one-element array.
pub async fn create(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
    draft: &TicketDraft,
) -> Result<CreatedTicket, DeskError> {
    let access_token = token(config, client).await?;
    let lookup = existing(config, client, &access_token, draft).await?;
    wire::found_or_create("halopsa", lookup, async {
        let request = client
            .post(wire::join(&config.url, "Tickets"))
            .bearer_auth(&access_token)
            .header(ACCEPT, "application/json")
            .json(&json!([ticket_body(config, draft)]));
        let answer = wire::send(request, config).await?;
        if !answer.is_success() {
            return Err(failure(config, &answer, &access_token));
        }
        let created = match answer.json_value()? {
            Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
            Value::Object(map) => Value::Object(map),
            _ => {
                return Err(DeskError::Malformed(
                    "the answer was neither a ticket nor a list of tickets".into(),
                ));
            }
        };
        wire::created_by_id(config, created.get("id"))
    })
    .await
}

/// Checks the client credentials by fetching a token; no ticket is created and the API itself
/// is not called.
pub async fn check(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
) -> Result<String, DeskError> {
    token(config, client).await?;
    Ok(
        "HaloPSA accepted the client credentials (token issued); no ticket was created."
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::desk::PriorityIds;

    fn draft() -> TicketDraft {
        TicketDraft {
            contact_name: Some("Ada".into()),
            ..crate::support_desk::sample_draft(&"s".repeat(300))
        }
    }

    #[test]
    fn severity_maps_to_halo_default_priorities() {
        assert_eq!(default_priority_id("blocking"), 1);
        assert_eq!(default_priority_id("high"), 2);
        assert_eq!(default_priority_id("normal"), 3);
        assert_eq!(default_priority_id("low"), 4);
        assert_eq!(default_priority_id("unknown"), 3);
    }

    #[test]
    fn configured_priorities_win() {
        let mut config = SupportDeskConfig::default();
        config.halopsa.priority_ids = PriorityIds {
            high: Some(42),
            ..PriorityIds::default()
        };
        assert_eq!(priority_id(&config, "high"), 42);
        assert_eq!(priority_id(&config, "low"), 4);
    }

    #[test]
    fn body_carries_reference_and_optional_ids() {
        let mut config = SupportDeskConfig::default();
        config.halopsa.tickettype_id = Some(5);
        config.halopsa.customer_id = Some(12);
        let body = ticket_body(&config, &draft());
        assert_eq!(body["third_party_id_string"], "SR-01TEST");
        assert_eq!(body["tickettype_id"], 5);
        assert_eq!(body["client_id"], 12);
        assert_eq!(body["priority_id"], 2);
        assert_eq!(body["reportedby"], "Ada");
        assert!(body.get("site_id").is_none());
        assert_eq!(body["summary"].as_str().unwrap().chars().count(), 255);
    }
}

//! The `autotask` connector (Datto Autotask PSA REST API v1.0).
//!
//! 1. Zone lookup: `GET {url}/v1.0/zoneInformation?user=<username>` →
//!    `{url: "https://webservicesN.autotask.net/atservicesrest/"}`; every Autotask database
//!    lives in one zone and the API only answers there.
//! 2. Lookup: `POST {zone}v1.0/Tickets/query` with `{MaxRecords, filter: [...]}` → `{items,
//!    pageDetails}`. Autotask has no idempotency key or standard correlation field on tickets:
//!    the `SR-…` reference goes into the title (`<summary> [SR-…]`) and description, and into a
//!    ticket user-defined field when `autotask.reference_udf` names one. With that field the
//!    filter is `{op: "eq", field: <udf>, value: "SR-…", udf: true}` and a ticket is ours when
//!    the field's value equals the reference exactly; without it the filter is `{op: "contains",
//!    field: "title", value: "SR-…"}` and a ticket is ours when its title carries `[SR-…]`
//!    exactly. Ours comes back as [`super::TicketLookup::FoundExisting`] with its
//!    `ticketNumber`, and nothing is created, so a retried call (say, after an answer lost to
//!    the budget) does not open a second ticket. A search refused with 401/403 fails the call as
//!    `Unauthorized`; any other refusal (Autotask answers a filter it cannot run with 500) or an
//!    answer in another shape does not block the ticket, which is then created and reported as
//!    [`super::TicketLookup::CreatedAfterFailedSearch`].
//! 3. Create: `POST {zone}v1.0/Tickets` with the `ApiIntegrationCode`, `UserName` and `Secret`
//!    headers and the ticket (companyID, title, description, status, priority, queueID …);
//!    Autotask answers `{itemId: N}`.
//! 4. Number: `GET {zone}v1.0/Tickets/{itemId}` → `{item: {ticketNumber: "T20240101.0001"}}`,
//!    the number people quote. The ticket exists by then, so a failed or slow number fetch never
//!    fails the handoff: it gets what is left of the budget (less a margin) and the ticket is
//!    returned without a number when it does not answer in time.
//!
//! Autotask reports validation failures as HTTP 500 with `{errors: ["…"]}`; that is a refusal
//! of this ticket, not an outage, and is kept as `Rejected` with the messages as detail. Two
//! calls racing each other at the desk could both create, so the caller claims the request in
//! its own database before calling.
//!
//! The zone lookup's answer decides where the credentials go next, so only `https` hosts under
//! `autotask.net` (or the configured `url`'s own origin, e.g. a proxy) are accepted.

use super::wire;
use super::{CreatedTicket, DeskError, SupportDeskConfig, TicketDraft, TicketLookup};
use reqwest::header::ACCEPT;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Autotask limits a ticket title to 255 characters.
const MAX_TITLE_CHARS: usize = 255;
/// Autotask limits a ticket description to 8000 characters.
const MAX_DESCRIPTION_CHARS: usize = 8000;
/// Status picklist value `New`.
const DEFAULT_STATUS: i64 = 1;
/// Most tickets one lookup asks for; the filter is exact or close to it, so one is expected.
const LOOKUP_MAX_RECORDS: u32 = 5;
/// Time kept back from the budget when fetching the number, so the created ticket is returned
/// before the call's budget ends whatever the number fetch does.
const NUMBER_FETCH_MARGIN: Duration = Duration::from_millis(100);

/// Autotask's built-in priority picklist: 1 High, 2 Medium, 3 Low, 4 Critical.
pub fn default_priority(severity: &str) -> i64 {
    match severity {
        "blocking" => 4,
        "high" => 1,
        "low" => 3,
        _ => 2,
    }
}

/// The `priority` sent for `severity`: the configured value, else Autotask's built-in one.
pub fn priority(config: &SupportDeskConfig, severity: &str) -> i64 {
    config
        .autotask
        .priority_ids
        .or_builtin(severity, default_priority)
}

/// `<summary> [SR-…]`, cut so the reference always survives the title limit.
pub fn title(draft: &TicketDraft) -> String {
    let suffix = format!(" [{}]", draft.internal_reference);
    let room = MAX_TITLE_CHARS.saturating_sub(suffix.chars().count());
    format!("{}{suffix}", wire::cut(&draft.summary, room))
}

/// The ticket object posted to `Tickets`.
pub fn ticket_body(config: &SupportDeskConfig, draft: &TicketDraft) -> Result<Value, DeskError> {
    let a = &config.autotask;
    let company = a
        .company_id
        .ok_or_else(|| DeskError::Config("autotask.company_id is not set".into()))?;
    let queue = a
        .queue_id
        .ok_or_else(|| DeskError::Config("autotask.queue_id is not set".into()))?;
    let mut ticket = Map::new();
    ticket.insert("companyID".into(), json!(company));
    ticket.insert("title".into(), json!(title(draft)));
    ticket.insert(
        "description".into(),
        json!(wire::cut(&draft.body_text(), MAX_DESCRIPTION_CHARS)),
    );
    ticket.insert(
        "status".into(),
        json!(a.status_id.unwrap_or(DEFAULT_STATUS)),
    );
    ticket.insert("priority".into(), json!(priority(config, &draft.severity)));
    ticket.insert("queueID".into(), json!(queue));
    if let Some(source) = a.source_id {
        ticket.insert("source".into(), json!(source));
    }
    if !a.reference_udf.trim().is_empty() {
        ticket.insert(
            "userDefinedFields".into(),
            json!([{ "name": a.reference_udf.trim(), "value": draft.internal_reference }]),
        );
    }
    Ok(Value::Object(ticket))
}

/// The detail of an Autotask error body: the `errors` strings joined.
pub fn error_detail(value: &Value) -> Option<String> {
    let parts: Vec<String> = value
        .get("errors")
        .map(wire::error_list)
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        wire::generic_detail(value)
    } else {
        Some(parts.join("; "))
    }
}

/// Whether credentials may be sent to the zone `zone` answered with: `https` under
/// `autotask.net`, or the configured `url`'s own scheme, host and port.
pub fn zone_allowed(configured: &str, zone: &str) -> bool {
    let Ok(zone) = reqwest::Url::parse(zone) else {
        return false;
    };
    if zone.scheme() == "https"
        && zone
            .host_str()
            .is_some_and(|h| h.to_ascii_lowercase().ends_with(".autotask.net"))
    {
        return true;
    }
    reqwest::Url::parse(configured).is_ok_and(|c| {
        c.scheme() == zone.scheme()
            && c.host_str() == zone.host_str()
            && c.port_or_known_default() == zone.port_or_known_default()
    })
}

fn failure(config: &SupportDeskConfig, answer: &wire::Answer) -> DeskError {
    let secrets: Vec<&str> = wire::secret(&config.autotask.secret).into_iter().collect();
    let detail = answer
        .json()
        .and_then(|v| error_detail(&v))
        .and_then(|d| wire::clean(&d, &secrets));
    answer.status_error(detail)
}

/// The zone's REST base, ending in `/` (e.g. `https://webservices5.autotask.net/atservicesrest/`).
async fn zone(config: &SupportDeskConfig, client: &reqwest::Client) -> Result<String, DeskError> {
    let request = client
        .get(wire::join(&config.url, "v1.0/zoneInformation"))
        .query(&[("user", config.autotask.username.trim())])
        .header(ACCEPT, "application/json");
    let answer = wire::send(request, config).await?;
    if !answer.is_success() {
        return Err(failure(config, &answer));
    }
    let info = answer.json_object()?;
    let url = info
        .get("url")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| DeskError::Malformed("the zone lookup has no url".into()))?;
    if !zone_allowed(&config.url, url) {
        return Err(DeskError::Malformed(
            "the zone lookup pointed outside autotask.net".into(),
        ));
    }
    Ok(format!("{}/", url.trim_end_matches('/')))
}

fn authed(
    config: &SupportDeskConfig,
    request: reqwest::RequestBuilder,
) -> Result<reqwest::RequestBuilder, DeskError> {
    let a = &config.autotask;
    let secret = wire::secret(&a.secret)
        .ok_or_else(|| DeskError::Config("autotask.secret is not set".into()))?;
    let mut secret_header = reqwest::header::HeaderValue::from_str(secret)
        .map_err(|_| DeskError::Config("autotask.secret is not a valid header value".into()))?;
    secret_header.set_sensitive(true);
    Ok(request
        .header("ApiIntegrationCode", a.integration_code.trim())
        .header("UserName", a.username.trim())
        .header("Secret", secret_header)
        .header(ACCEPT, "application/json"))
}

/// The configured reference field's name, when one is set.
fn reference_udf(config: &SupportDeskConfig) -> Option<&str> {
    Some(config.autotask.reference_udf.trim()).filter(|u| !u.is_empty())
}

/// The body posted to `Tickets/query` to find tickets carrying `reference`.
pub fn lookup_body(config: &SupportDeskConfig, reference: &str) -> Value {
    let filter = match reference_udf(config) {
        Some(udf) => json!({"op": "eq", "field": udf, "value": reference, "udf": true}),
        None => json!({"op": "contains", "field": "title", "value": reference}),
    };
    json!({"MaxRecords": LOOKUP_MAX_RECORDS, "filter": [filter]})
}

/// Whether `ticket` carries `reference` where this configuration writes it: the reference
/// field's value exactly, else `[SR-…]` in the title.
pub fn carries(config: &SupportDeskConfig, ticket: &Value, reference: &str) -> bool {
    match reference_udf(config) {
        Some(udf) => ticket
            .get("userDefinedFields")
            .and_then(Value::as_array)
            .is_some_and(|fields| {
                fields.iter().any(|f| {
                    f.get("name").and_then(Value::as_str).map(str::trim) == Some(udf)
                        && wire::field_is(f, "value", reference)
                })
            }),
        None => ticket
            .get("title")
            .and_then(Value::as_str)
            .is_some_and(|t| t.contains(&format!("[{reference}]"))),
    }
}

/// The ticket number in a ticket object (`ticketNumber`).
fn number_of(ticket: &Value) -> Option<String> {
    wire::id_of(ticket.get("ticketNumber"))
}

/// Looks the draft's reference up (see the module documentation).
async fn existing(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
    zone: &str,
    draft: &TicketDraft,
) -> Result<wire::Lookup, DeskError> {
    let reference = draft.internal_reference.as_str();
    if !wire::searchable(reference) {
        return Ok(wire::Lookup::NotFound);
    }
    let request = authed(config, client.post(format!("{zone}v1.0/Tickets/query")))?
        .json(&lookup_body(config, reference));
    wire::look_up(
        config,
        request,
        Some("items"),
        |a| failure(config, a),
        |t| carries(config, t, reference),
        |t| {
            wire::ticket_by_id(
                config,
                t.get("id"),
                number_of(t),
                TicketLookup::FoundExisting,
            )
        },
    )
    .await
}

/// The created ticket's number, or `None` when Autotask does not give it by `deadline` (or
/// the id is not the integer Autotask names tickets by, so it never goes into a path).
async fn ticket_number(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
    zone: &str,
    id: &str,
    deadline: tokio::time::Instant,
) -> Option<String> {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let fetch = async {
        let request = authed(config, client.get(format!("{zone}v1.0/Tickets/{id}"))).ok()?;
        let answer = wire::send(request, config).await.ok()?;
        if !answer.is_success() {
            return None;
        }
        number_of(answer.json_object().ok()?.get("item")?)
    };
    let until = deadline.checked_sub(NUMBER_FETCH_MARGIN)?;
    tokio::time::timeout_at(until, fetch).await.ok().flatten()
}

/// Creates one ticket, or returns the one an earlier attempt created for the same reference:
/// zone lookup, search, `POST {zone}v1.0/Tickets`, then the new ticket's number. `deadline` is
/// when the call's budget ends.
pub async fn create(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
    draft: &TicketDraft,
    deadline: tokio::time::Instant,
) -> Result<CreatedTicket, DeskError> {
    let body = ticket_body(config, draft)?;
    let zone = zone(config, client).await?;
    let lookup = existing(config, client, &zone, draft).await?;
    wire::found_or_create("autotask", lookup, async {
        let request = authed(config, client.post(format!("{zone}v1.0/Tickets")))?.json(&body);
        let answer = wire::send(request, config).await?;
        if !answer.is_success() {
            return Err(failure(config, &answer));
        }
        let created = wire::created_by_id(config, answer.json_object()?.get("itemId"))?;
        let number = ticket_number(config, client, &zone, &created.external_id, deadline).await;
        let url = super::ticket_url(
            &config.ticket_url_template,
            &created.external_id,
            number.as_deref(),
        );
        Ok(CreatedTicket {
            number,
            url,
            ..created
        })
    })
    .await
}

/// Checks the zone lookup, the API user's credentials and the configured company with
/// `GET {zone}v1.0/Companies/{company_id}`; no ticket is created.
pub async fn check(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
) -> Result<String, DeskError> {
    let company = config
        .autotask
        .company_id
        .ok_or_else(|| DeskError::Config("autotask.company_id is not set".into()))?;
    let zone = zone(config, client).await?;
    let request = authed(
        config,
        client.get(format!("{zone}v1.0/Companies/{company}")),
    )?;
    let answer = wire::send(request, config).await?;
    if !answer.is_success() {
        return Err(failure(config, &answer));
    }
    let value = answer.json_object()?;
    match value.get("item") {
        Some(Value::Object(_)) => Ok(format!(
            "Autotask accepted the API user and found company {company}; no ticket was created."
        )),
        Some(Value::Null) | None => Err(DeskError::Config(format!(
            "autotask.company_id {company} does not exist in Autotask"
        ))),
        Some(_) => Err(DeskError::Malformed(
            "the company answer has no item".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(summary: &str) -> TicketDraft {
        TicketDraft {
            severity: "blocking".into(),
            ..crate::support_desk::sample_draft(summary)
        }
    }

    #[test]
    fn severity_maps_to_autotask_picklist() {
        assert_eq!(default_priority("blocking"), 4);
        assert_eq!(default_priority("high"), 1);
        assert_eq!(default_priority("normal"), 2);
        assert_eq!(default_priority("low"), 3);
        assert_eq!(default_priority("odd"), 2);
    }

    #[test]
    fn title_keeps_reference() {
        assert_eq!(title(&draft("Sync fails")), "Sync fails [SR-01TEST]");
        let long = title(&draft(&"x".repeat(400)));
        assert_eq!(long.chars().count(), 255);
        assert!(long.ends_with("… [SR-01TEST]"));
    }

    #[test]
    fn error_detail_joins_errors() {
        assert_eq!(
            error_detail(
                &json!({"errors": ["Value does not exist for companyID", "queueID is required"]})
            )
            .as_deref(),
            Some("Value does not exist for companyID; queueID is required")
        );
        assert_eq!(error_detail(&json!({"errors": []})), None);
    }

    #[test]
    fn zone_must_be_autotask_or_same_origin() {
        let configured = "http://127.0.0.1:9000/atservicesrest";
        assert!(zone_allowed(
            configured,
            "https://webservices5.autotask.net/ATServicesRest/"
        ));
        assert!(zone_allowed(configured, "http://127.0.0.1:9000/zone/"));
        assert!(!zone_allowed(
            configured,
            "http://webservices5.autotask.net/"
        ));
        assert!(!zone_allowed(
            configured,
            "https://evil.example/atservicesrest/"
        ));
        assert!(!zone_allowed(
            configured,
            "https://autotask.net.evil.example/"
        ));
        assert!(!zone_allowed(configured, "http://127.0.0.1:9001/"));
        assert!(!zone_allowed(configured, "not a url"));
    }

    #[test]
    fn body_has_required_fields_and_udf() {
        let mut config = SupportDeskConfig::default();
        assert!(ticket_body(&config, &draft("x")).is_err());
        config.autotask.company_id = Some(7);
        config.autotask.queue_id = Some(29683);
        config.autotask.reference_udf = "TenantPilot reference".into();
        let body = ticket_body(&config, &draft("x")).unwrap();
        assert_eq!(body["companyID"], 7);
        assert_eq!(body["queueID"], 29683);
        assert_eq!(body["status"], 1);
        assert_eq!(body["priority"], 4);
        assert_eq!(body["userDefinedFields"][0]["value"], "SR-01TEST");
        assert!(body.get("source").is_none());
    }
}

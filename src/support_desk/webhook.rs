//! The `webhook` connector: our own documented contract (PRODUCT.md, "External support desk").
//!
//! `POST {url}` with the JSON body [`WebhookBody`] and `Idempotency-Key: SR-…`, so a receiver
//! that sees the same key twice can answer with the ticket it already opened. When
//! `webhook.hmac_secret` is set, `X-TenantPilot-Signature: sha256=<hex>` carries an
//! HMAC-SHA256 of the exact body bytes, so the receiver can tell our calls from forged ones.
//! The receiver answers 2xx with `{id, number?, url?}`.
//!
//! This file also holds [`wire`], the transport and error-mapping helpers every connector
//! shares, so all desks fail in the same secret-free vocabulary.

use super::{CreatedTicket, DeskError, SupportDeskConfig, TicketDraft, wire};
use hmac::{Hmac, Mac};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Serialize;
use sha2::Sha256;

/// Header carrying the body signature when `webhook.hmac_secret` is set.
pub const SIGNATURE_HEADER: &str = "X-TenantPilot-Signature";

/// Header carrying the `SR-…` reference, so a retried call cannot open a second ticket.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// The documented webhook body: exactly the contract's fields, nothing more, so receivers can
/// validate strictly.
#[derive(Debug, Serialize)]
pub struct WebhookBody<'a> {
    /// `SR-<ULID>`.
    pub internal_reference: &'a str,
    /// `low`, `normal`, `high` or `blocking`.
    pub severity: &'a str,
    /// One-line summary.
    pub summary: &'a str,
    /// Optional reproduction notes.
    pub reproduction_notes: Option<&'a str>,
    /// Optional contact name.
    pub contact_name: Option<&'a str>,
    /// Optional contact e-mail.
    pub contact_email: Option<&'a str>,
    /// `tenant` or `operation_run`.
    pub primary_context_type: &'a str,
    /// The tenant's external id (slug).
    pub tenant: &'a str,
    /// The run, for run-context requests.
    pub operation_run_id: Option<i64>,
    /// The stored, already redacted context.
    pub context: &'a serde_json::Value,
}

impl<'a> WebhookBody<'a> {
    /// The contract body for `draft`.
    pub fn from_draft(draft: &'a TicketDraft) -> Self {
        WebhookBody {
            internal_reference: &draft.internal_reference,
            severity: &draft.severity,
            summary: &draft.summary,
            reproduction_notes: draft.reproduction_notes.as_deref(),
            contact_name: draft.contact_name.as_deref(),
            contact_email: draft.contact_email.as_deref(),
            primary_context_type: &draft.primary_context_type,
            tenant: &draft.tenant,
            operation_run_id: draft.operation_run_id,
            context: &draft.context,
        }
    }
}

/// `sha256=<lowercase hex HMAC-SHA256(key, body)>`, the value of [`SIGNATURE_HEADER`].
pub fn signature(key: &[u8], body: &[u8]) -> Result<String, DeskError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|_| DeskError::Config("webhook.hmac_secret cannot be used as a key".into()))?;
    mac.update(body);
    Ok(format!(
        "sha256={}",
        hex::encode(mac.finalize().into_bytes())
    ))
}

fn hmac_key(config: &SupportDeskConfig) -> Option<&str> {
    wire::secret(&config.webhook.hmac_secret)
}

/// Creates one ticket by posting the contract body; the `SR-…` reference is the idempotency key.
pub async fn create(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
    draft: &TicketDraft,
) -> Result<CreatedTicket, DeskError> {
    let body = serde_json::to_vec(&WebhookBody::from_draft(draft))
        .map_err(|_| DeskError::Config("the ticket could not be encoded as JSON".into()))?;
    let mut request = client
        .post(&config.url)
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "application/json")
        .header(IDEMPOTENCY_HEADER, &draft.internal_reference);
    if let Some(key) = hmac_key(config) {
        request = request.header(SIGNATURE_HEADER, signature(key.as_bytes(), &body)?);
    }
    let answer = wire::send(request.body(body), config).await?;
    let secrets: Vec<&str> = hmac_key(config).into_iter().collect();
    if !answer.is_success() {
        let detail = answer
            .json()
            .and_then(|v| wire::generic_detail(&v))
            .and_then(|d| wire::clean(&d, &secrets));
        return Err(answer.status_error(detail));
    }
    let value = answer.json_object()?;
    let id = wire::id_of(value.get("id"))
        .ok_or_else(|| DeskError::Malformed("the answer has no ticket id".into()))?;
    let number = wire::id_of(value.get("number"));
    let url = wire::http_url(value.get("url"))
        .or_else(|| super::ticket_url(&config.ticket_url_template, &id, number.as_deref()));
    Ok(CreatedTicket {
        external_id: id,
        number,
        url,
        lookup: super::TicketLookup::Created,
    })
}

/// Checks the webhook without creating a ticket.
///
/// Our contract has no "dry run" call, and posting a fake request would make receivers open a
/// ticket, so the check sends an unsigned `OPTIONS {url}` with no body: any HTTP answer (even
/// 404/405 from a receiver that only accepts POST) proves DNS, TLS and routing work. The
/// answer's status is part of the description; the signing key is not exercised.
pub async fn check(
    config: &SupportDeskConfig,
    client: &reqwest::Client,
) -> Result<String, DeskError> {
    reqwest::Url::parse(&config.url)
        .map_err(|_| DeskError::Config("url is not a valid URL".into()))?;
    let answer = wire::send(
        client.request(reqwest::Method::OPTIONS, &config.url),
        config,
    )
    .await?;
    let signing = if hmac_key(config).is_some() {
        "calls are signed"
    } else {
        "calls are not signed (webhook.hmac_secret is unset)"
    };
    Ok(format!(
        "Webhook endpoint reachable: OPTIONS answered HTTP {}; {signing}; no ticket was created.",
        answer.status
    ))
}

#[cfg(test)]
#[path = "webhook_tests.rs"]
mod tests;

//! External support-desk connectors: one configured desk at a time (`[support_desk]`). A
//! support request that asks for an external ticket calls [`Desk::create_ticket`] once, with a
//! hard total budget; whatever happens, the caller gets either the created ticket or a
//! [`DeskError`] whose [`DeskError::summary`] is short and free of credentials and response
//! bodies, so it can be stored, audited and shown.
//!
//! No desk gets a second ticket for one `SR-…` reference from us: the webhook sends it as
//! `Idempotency-Key`; Request Tracker, HaloPSA, ConnectWise PSA and Autotask have no such key,
//! so each connector first searches the desk for a ticket whose reference field equals it
//! exactly and returns that one ([`TicketLookup::FoundExisting`]). A search refused for
//! credentials fails the call; one that fails otherwise does not block the ticket, and the
//! result says so ([`TicketLookup::CreatedAfterFailedSearch`]). Two concurrent calls for one
//! request are the caller's to prevent (it claims the request in its database first).

pub mod autotask;
pub mod connectwise;
pub mod halopsa;
pub mod request_tracker;
pub mod webhook;
pub(crate) mod wire;

pub use crate::config::desk::{DeskKind, SupportDeskConfig};

use serde_json::Value;
use std::time::Duration;

/// The longest any create call may take, whatever the configuration says.
pub const MAX_BUDGET: Duration = Duration::from_secs(5);

/// Longest failure summary stored or shown.
pub const MAX_SUMMARY_CHARS: usize = 300;

/// What a desk is asked to open: the support request's own fields plus safe context.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TicketDraft {
    /// `SR-<ULID>`: idempotency key / correlation field on every desk that supports one.
    pub internal_reference: String,
    /// `low`, `normal`, `high` or `blocking`.
    pub severity: String,
    /// The requester's one-line summary.
    pub summary: String,
    /// Optional reproduction notes.
    pub reproduction_notes: Option<String>,
    /// Optional contact name.
    pub contact_name: Option<String>,
    /// Optional contact e-mail.
    pub contact_email: Option<String>,
    /// `tenant` or `operation_run`.
    pub primary_context_type: String,
    /// The tenant's external id (slug).
    pub tenant: String,
    /// The tenant's display name.
    pub tenant_name: String,
    /// The workspace slug.
    pub workspace: String,
    /// The run, for run-context requests.
    pub operation_run_id: Option<i64>,
    /// Link back to the request's context in TenantPilot (absolute URL).
    pub context_url: String,
    /// The stored context: the redacted diagnostics bundle or the canonical references.
    pub context: Value,
}

impl TicketDraft {
    /// Plain-text ticket body shared by desks that take free text.
    pub fn body_text(&self) -> String {
        let mut body = format!(
            "{}\n\nTenantPilot reference: {}\nSeverity: {}\nTenant: {} ({})\nWorkspace: {}\nContext: {}",
            self.summary,
            self.internal_reference,
            self.severity,
            self.tenant_name,
            self.tenant,
            self.workspace,
            self.primary_context_type,
        );
        if let Some(run) = self.operation_run_id {
            body.push_str(&format!("\nOperation run: #{run}"));
        }
        body.push_str(&format!("\nOpen in TenantPilot: {}", self.context_url));
        if let Some(notes) = &self.reproduction_notes {
            body.push_str(&format!("\n\nReproduction notes:\n{notes}"));
        }
        if self.contact_name.is_some() || self.contact_email.is_some() {
            body.push_str(&format!(
                "\n\nContact: {} {}",
                self.contact_name.as_deref().unwrap_or(""),
                self.contact_email.as_deref().unwrap_or("")
            ));
        }
        body
    }
}

/// A draft for the connectors' unit tests; each test overrides what it is about.
#[cfg(test)]
pub(crate) fn sample_draft(summary: &str) -> TicketDraft {
    TicketDraft {
        internal_reference: "SR-01TEST".into(),
        severity: "high".into(),
        summary: summary.into(),
        reproduction_notes: None,
        contact_name: None,
        contact_email: None,
        primary_context_type: "tenant".into(),
        tenant: "contoso".into(),
        tenant_name: "Contoso".into(),
        workspace: "w".into(),
        operation_run_id: None,
        context_url: "https://tp.example/x".into(),
        context: serde_json::json!({}),
    }
}

/// A ticket the desk created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedTicket {
    /// The desk's own id for the ticket.
    pub external_id: String,
    /// The human-facing ticket number, where the desk has one apart from the id.
    pub number: Option<String>,
    /// Where a person opens it (from the desk's answer or `ticket_url_template`).
    pub url: Option<String>,
    /// How the desk call arrived at this ticket: told to the person and kept on the attempt.
    pub lookup: TicketLookup,
}

crate::text_enum!(
    /// How a handoff arrived at its ticket. Desks without an idempotency key are searched for
    /// the `SR-…` reference first, so a retry after a lost answer finds the ticket instead of
    /// opening a second one.
    TicketLookup [utoipa::ToSchema] {
        /// The desk opened a new ticket (after a search that found none, or the desk
        /// deduplicates on its own, like the webhook's `Idempotency-Key`).
        Created = "created",
        /// A ticket carrying the reference already existed; nothing was created.
        FoundExisting = "found_existing",
        /// The search failed (not for credentials), so the ticket was created without knowing
        /// whether one existed: it may be a duplicate.
        CreatedAfterFailedSearch = "created_after_failed_search",
    }
);

impl CreatedTicket {
    /// The reference people quote: the number when there is one, else the id.
    pub fn reference(&self) -> &str {
        self.number.as_deref().unwrap_or(&self.external_id)
    }
}

/// Why a handoff failed. Every variant's text is ours, never the desk's body or a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeskError {
    /// No desk is configured.
    #[error("No external support desk is configured.")]
    NotConfigured,
    /// The configuration is incomplete for the configured kind.
    #[error("The support desk configuration is incomplete: {0}")]
    Config(String),
    /// The budget ran out.
    #[error("The support desk did not answer within {0} ms.")]
    Timeout(u64),
    /// The desk could not be reached (refused, DNS, TLS).
    #[error("The support desk could not be reached ({0}).")]
    Unreachable(String),
    /// The desk refused our credentials.
    #[error("The support desk rejected the credentials (HTTP {0}).")]
    Unauthorized(u16),
    /// The desk answered with an error status; `detail` is a bounded, secret-free excerpt of
    /// the desk's structured error message, when it had one.
    #[error("The support desk refused the ticket (HTTP {status}){}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Structured error text from the desk, redacted and cut.
        detail: Option<String>,
    },
    /// The desk answered 2xx but not in the documented shape.
    #[error("The support desk answered in an unexpected format ({0}).")]
    Malformed(String),
}

crate::text_enum!(
    /// Why a handoff failed, stored beside its English summary so that pages say it in the
    /// reader's language (the summary stays for the API and for requests filed before the code
    /// was stored).
    HandoffFailure [utoipa::ToSchema] {
        /// No desk is configured.
        NotConfigured = "not_configured",
        /// The desk's configuration is incomplete.
        ConfigurationIncomplete = "configuration_incomplete",
        /// The call ran out of time.
        Timeout = "timeout",
        /// The desk could not be reached.
        Unreachable = "unreachable",
        /// The desk refused our credentials.
        Unauthorized = "unauthorized",
        /// The desk refused the ticket.
        Rejected = "rejected",
        /// The desk answered in an unexpected shape.
        MalformedResponse = "malformed_response",
        /// The service stopped between saving the request and the desk's answer.
        Unfinished = "unfinished",
        /// The finalizer found the desk call cut off (the process died during it).
        Interrupted = "interrupted",
    }
);

impl HandoffFailure {
    /// Fluent id of the sentence that explains it to a reader.
    pub fn message_key(self) -> &'static str {
        match self {
            HandoffFailure::NotConfigured => "desk-failure-not-configured",
            HandoffFailure::ConfigurationIncomplete => "desk-failure-configuration-incomplete",
            HandoffFailure::Timeout => "desk-failure-timeout",
            HandoffFailure::Unreachable => "desk-failure-unreachable",
            HandoffFailure::Unauthorized => "desk-failure-unauthorized",
            HandoffFailure::Rejected => "desk-failure-rejected",
            HandoffFailure::MalformedResponse => "desk-failure-malformed-response",
            HandoffFailure::Unfinished => "desk-failure-unfinished",
            HandoffFailure::Interrupted => "desk-failure-interrupted",
        }
    }
}

impl DeskError {
    /// What kind of failure it is: stored on the request, rendered in the reader's language.
    pub fn failure(&self) -> HandoffFailure {
        match self {
            DeskError::NotConfigured => HandoffFailure::NotConfigured,
            DeskError::Config(_) => HandoffFailure::ConfigurationIncomplete,
            DeskError::Timeout(_) => HandoffFailure::Timeout,
            DeskError::Unreachable(_) => HandoffFailure::Unreachable,
            DeskError::Unauthorized(_) => HandoffFailure::Unauthorized,
            DeskError::Rejected { .. } => HandoffFailure::Rejected,
            DeskError::Malformed(_) => HandoffFailure::MalformedResponse,
        }
    }

    /// Stable code for audit metadata and logs.
    pub fn code(&self) -> &'static str {
        self.failure().as_str()
    }

    /// The bounded text stored on the request, audited, logged and shown to the user. Every
    /// variant's text is ours or already cleaned; it passes the redactor once more so no
    /// future variant can carry a secret into storage.
    pub fn summary(&self) -> String {
        let text = crate::redact::text(&self.to_string());
        if text.chars().count() <= MAX_SUMMARY_CHARS {
            text
        } else {
            let mut cut: String = text.chars().take(MAX_SUMMARY_CHARS - 1).collect();
            cut.push('…');
            cut
        }
    }
}

/// The configured desk, ready to call.
#[derive(Debug, Clone)]
pub struct Desk {
    config: SupportDeskConfig,
    client: reqwest::Client,
}

impl Desk {
    /// The configured desk, or `None` when `kind = none`.
    pub fn from_config(config: &SupportDeskConfig) -> Result<Option<Desk>, DeskError> {
        if config.kind == DeskKind::None {
            return Ok(None);
        }
        let budget = Self::budget_of(config);
        let client = crate::outbound::client(budget, budget)
            .map_err(|e| DeskError::Config(e.to_string()))?;
        Ok(Some(Desk {
            config: config.clone(),
            client,
        }))
    }

    /// The total budget of one call: `timeout_ms`, never more than [`MAX_BUDGET`].
    pub fn budget_of(config: &SupportDeskConfig) -> Duration {
        Duration::from_millis(config.timeout_ms).min(MAX_BUDGET)
    }

    /// The configured kind.
    pub fn kind(&self) -> DeskKind {
        self.config.kind
    }

    /// Opens one ticket, or returns the one an earlier call opened for the same `SR-…`
    /// reference (see [`TicketLookup`]); the whole exchange (token, lookups, create) shares one
    /// budget.
    pub async fn create_ticket(&self, draft: &TicketDraft) -> Result<CreatedTicket, DeskError> {
        let budget = Self::budget_of(&self.config);
        let deadline = tokio::time::Instant::now() + budget;
        let call = async {
            match self.config.kind {
                DeskKind::None => Err(DeskError::NotConfigured),
                DeskKind::Webhook => webhook::create(&self.config, &self.client, draft).await,
                DeskKind::Halopsa => halopsa::create(&self.config, &self.client, draft).await,
                DeskKind::Connectwise => {
                    connectwise::create(&self.config, &self.client, draft).await
                }
                DeskKind::Autotask => {
                    autotask::create(&self.config, &self.client, draft, deadline).await
                }
                DeskKind::RequestTracker => {
                    request_tracker::create(&self.config, &self.client, draft).await
                }
            }
        };
        match tokio::time::timeout_at(deadline, call).await {
            Ok(result) => result,
            Err(_) => Err(DeskError::Timeout(budget.as_millis() as u64)),
        }
    }

    /// Checks the configuration against the desk without creating a ticket (credentials,
    /// reachability, queue/board lookups); returns a one-line description of what was checked.
    pub async fn check(&self) -> Result<String, DeskError> {
        let budget = Self::budget_of(&self.config);
        let call = async {
            match self.config.kind {
                DeskKind::None => Err(DeskError::NotConfigured),
                DeskKind::Webhook => webhook::check(&self.config, &self.client).await,
                DeskKind::Halopsa => halopsa::check(&self.config, &self.client).await,
                DeskKind::Connectwise => connectwise::check(&self.config, &self.client).await,
                DeskKind::Autotask => autotask::check(&self.config, &self.client).await,
                DeskKind::RequestTracker => {
                    request_tracker::check(&self.config, &self.client).await
                }
            }
        };
        match tokio::time::timeout(budget, call).await {
            Ok(result) => result,
            Err(_) => Err(DeskError::Timeout(budget.as_millis() as u64)),
        }
    }
}

/// Fills `ticket_url_template` (`{id}`, `{number}`); `None` when no template is configured.
pub fn ticket_url(template: &str, external_id: &str, number: Option<&str>) -> Option<String> {
    if template.trim().is_empty() {
        return None;
    }
    Some(
        template
            .replace("{id}", external_id)
            .replace("{number}", number.unwrap_or(external_id)),
    )
}

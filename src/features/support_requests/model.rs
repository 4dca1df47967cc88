//! Support request vocabulary (spec 246 + spec 256): severities, handoff modes and outcomes,
//! attachment modes, the submission a user sends and the summaries we answer with. Field names
//! and enum spellings follow the seed contract (`SupportRequestHandoffSubmission`,
//! `SupportRequestHandoffResult`, `LatestSupportRequestHandoffSummary`).

use crate::error::Invalid;
use crate::features::operations::model::RunWithTenant;
use crate::features::tenants::model::ScopedTenant;
use crate::i18n::Tr;
use crate::support_desk::{HandoffFailure, TicketLookup};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest summary, in characters.
pub const MAX_SUMMARY: usize = 200;
/// Longest reproduction notes, in characters.
pub const MAX_NOTES: usize = 5000;
/// Longest contact name, in characters.
pub const MAX_CONTACT_NAME: usize = 200;
/// Longest external ticket reference, in characters.
pub const MAX_EXTERNAL_REFERENCE: usize = 200;
/// Longest external ticket URL, in bytes.
pub const MAX_EXTERNAL_URL: usize = 2000;

crate::text_enum!(
    /// How urgent the requester says it is.
    Severity [utoipa::ToSchema] {
        /// Low.
        Low = "low",
        /// Normal (the default).
        Normal = "normal",
        /// High.
        High = "high",
        /// Blocking.
        Blocking = "blocking",
    }
);

impl Severity {
    /// Fluent key of the label.
    pub fn label_key(self) -> &'static str {
        match self {
            Severity::Low => "support-severity-low",
            Severity::Normal => "support-severity-normal",
            Severity::High => "support-severity-high",
            Severity::Blocking => "support-severity-blocking",
        }
    }
}

crate::text_enum!(
    /// What the requester asked to happen beyond TenantPilot.
    HandoffMode [utoipa::ToSchema] {
        /// Keep the request inside TenantPilot.
        InternalOnly = "internal_only",
        /// Also open a ticket at the configured desk.
        CreateExternalTicket = "create_external_ticket",
        /// Record a ticket that already exists.
        LinkExistingTicket = "link_existing_ticket",
    }
);

impl HandoffMode {
    /// Fluent key of the label.
    pub fn label_key(self) -> &'static str {
        match self {
            HandoffMode::InternalOnly => "support-mode-internal-only",
            HandoffMode::CreateExternalTicket => "support-mode-create",
            HandoffMode::LinkExistingTicket => "support-mode-link",
        }
    }
}

crate::text_enum!(
    /// What actually happened with the handoff.
    HandoffOutcome [utoipa::ToSchema] {
        /// No handoff was asked for.
        InternalOnly = "internal_only",
        /// The desk created a ticket.
        ExternalTicketCreated = "external_ticket_created",
        /// An existing ticket was recorded.
        ExternalTicketLinked = "external_ticket_linked",
        /// The desk call failed; the internal request stands.
        ExternalHandoffFailed = "external_handoff_failed",
    }
);

impl HandoffOutcome {
    /// Fluent key of the label.
    pub fn label_key(self) -> &'static str {
        match self {
            HandoffOutcome::InternalOnly => "support-outcome-internal-only",
            HandoffOutcome::ExternalTicketCreated => "support-outcome-created",
            HandoffOutcome::ExternalTicketLinked => "support-outcome-linked",
            HandoffOutcome::ExternalHandoffFailed => "support-outcome-failed",
        }
    }
}

/// Fluent key of what a created attempt's lookup means to a reader.
pub fn lookup_label_key(lookup: TicketLookup) -> &'static str {
    match lookup {
        TicketLookup::Created => "support-lookup-created",
        TicketLookup::FoundExisting => "support-lookup-found-existing",
        TicketLookup::CreatedAfterFailedSearch => "support-lookup-created-after-failed-search",
    }
}

crate::text_enum!(
    /// What context the request carries.
    AttachmentMode [utoipa::ToSchema] {
        /// The redacted diagnostics bundle (creator may view diagnostics).
        DiagnosticSnapshotAttached = "diagnostic_snapshot_attached",
        /// Only safe canonical references (creator may not view diagnostics).
        CanonicalContextOnly = "canonical_context_only",
    }
);

crate::text_enum!(
    /// Where the request was filed from.
    PrimaryContextType [utoipa::ToSchema] {
        /// The tenant dashboard.
        Tenant = "tenant",
        /// The run viewer.
        OperationRun = "operation_run",
    }
);

/// Whether `create_external_ticket` can be used right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskAvailability {
    /// A desk is configured and ticket creation is not paused.
    Available,
    /// No desk is configured (or its client could not be built).
    NotConfigured,
    /// A platform operator paused ticket creation (operational control `support_desk_handoff`).
    Paused,
}

impl DeskAvailability {
    /// Whether ticket creation may be offered.
    pub fn is_available(self) -> bool {
        self == DeskAvailability::Available
    }
}

/// `SupportRequestHandoffSubmission`: what the form and the API send. As JSON, `severity`,
/// `summary` and `handoff_mode` are required (seed contract) and the two enums must be one of
/// their spellings; the form builds this struct itself and may leave them blank (defaults).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SupportRequestHandoffSubmission)]
pub struct Submission {
    /// How urgent it is.
    #[serde(deserialize_with = "wire::severity")]
    #[schema(value_type = Severity)]
    pub severity: String,
    /// One line: what is wrong (at most 200 characters once trimmed).
    #[schema(schema_with = summary_schema)]
    pub summary: String,
    /// Steps to reproduce (at most 5000 characters).
    #[serde(default)]
    #[schema(schema_with = notes_schema)]
    pub reproduction_notes: Option<String>,
    /// Who support should talk to (at most 200 characters).
    #[serde(default)]
    #[schema(schema_with = line_schema)]
    pub contact_name: Option<String>,
    /// Where support should write.
    #[serde(default)]
    #[schema(schema_with = crate::validate::schema::optional_email)]
    pub contact_email: Option<String>,
    /// What should happen beyond TenantPilot; `create_external_ticket` needs a configured,
    /// unpaused desk (else `422`).
    #[serde(deserialize_with = "wire::handoff_mode")]
    #[schema(value_type = HandoffMode)]
    pub handoff_mode: String,
    /// Required for `link_existing_ticket` (at most 200 characters); checked with any mode.
    #[serde(default)]
    #[schema(schema_with = line_schema)]
    pub external_ticket_reference: Option<String>,
    /// Optional for `link_existing_ticket`; `http`/`https` only; checked with any mode.
    #[serde(default)]
    #[schema(schema_with = crate::validate::schema::optional_web_url)]
    pub external_ticket_url: Option<String>,
    /// UI hint only; the server decides whether a desk is available.
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub target_available: Option<bool>,
}

fn summary_schema() -> utoipa::openapi::Object {
    crate::validate::schema::line(MAX_SUMMARY)
}

fn notes_schema() -> utoipa::openapi::Object {
    crate::validate::schema::optional_text(MAX_NOTES)
}

fn line_schema() -> utoipa::openapi::Object {
    crate::validate::schema::optional_line(MAX_CONTACT_NAME.min(MAX_EXTERNAL_REFERENCE))
}

/// JSON spellings of the submission's enums, kept as the strings the form also sends.
mod wire {
    use super::{HandoffMode, Severity};
    use serde::{Deserialize, Deserializer};

    pub fn severity<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Severity::deserialize(d).map(|v| v.as_str().to_string())
    }

    pub fn handoff_mode<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        HandoffMode::deserialize(d).map(|v| v.as_str().to_string())
    }
}

/// A submission that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSubmission {
    /// Severity.
    pub severity: Severity,
    /// Trimmed summary.
    pub summary: String,
    /// Trimmed notes, if any.
    pub reproduction_notes: Option<String>,
    /// Trimmed contact name, if any.
    pub contact_name: Option<String>,
    /// Trimmed contact e-mail, if any.
    pub contact_email: Option<String>,
    /// Handoff mode.
    pub handoff_mode: HandoffMode,
    /// For links: the reference and optional URL.
    pub link: Option<(String, Option<String>)>,
}

fn optional(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn bounded_line(
    field: &'static str,
    value: &str,
    max: usize,
    multiline: bool,
    errors: &mut Vec<Invalid>,
) {
    if value.chars().count() > max {
        errors.push(Invalid {
            field,
            key: "validation-too-long",
        });
    } else if value
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        errors.push(Invalid {
            field,
            key: "validation-control-chars",
        });
    }
}

/// Whether `url` is an absolute `http`/`https` URL with a host and no credentials.
pub fn is_web_url(url: &str) -> bool {
    url.len() <= MAX_EXTERNAL_URL
        && reqwest::Url::parse(url).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty())
                && u.username().is_empty()
                && u.password().is_none()
        })
}

impl Submission {
    /// Applies every rule at once. `desk` is the server's view: without a configured desk, or
    /// while ticket creation is paused, `create_external_ticket` is refused whatever the client
    /// believed (`target_available` is only a hint).
    pub fn validate(&self, desk: DeskAvailability) -> Result<ValidSubmission, Vec<Invalid>> {
        let mut errors = Vec::new();
        let severity = match self.severity.trim() {
            "" => Some(Severity::Normal),
            s => s.parse().ok(),
        };
        if severity.is_none() {
            errors.push(Invalid {
                field: "severity",
                key: "support-invalid-severity",
            });
        }
        let summary = self.summary.trim().to_string();
        if summary.is_empty() {
            errors.push(Invalid {
                field: "summary",
                key: "validation-required",
            });
        } else {
            bounded_line("summary", &summary, MAX_SUMMARY, false, &mut errors);
        }
        let notes = optional(&self.reproduction_notes);
        if let Some(n) = &notes {
            bounded_line("reproduction_notes", n, MAX_NOTES, true, &mut errors);
        }
        let contact_name = optional(&self.contact_name);
        if let Some(n) = &contact_name {
            bounded_line("contact_name", n, MAX_CONTACT_NAME, false, &mut errors);
        }
        let contact_email = optional(&self.contact_email);
        if let Some(e) = &contact_email {
            crate::validate::email("contact_email", e, &mut errors);
        }
        let mode = match self.handoff_mode.trim() {
            "" => Some(HandoffMode::InternalOnly),
            m => m.parse().ok(),
        };
        // A reference or URL sent with another mode is unused but still checked, so the API
        // refuses what its document refuses whatever the mode.
        let reference = optional(&self.external_ticket_reference);
        let url = optional(&self.external_ticket_url);
        if let Some(r) = &reference {
            bounded_line(
                "external_ticket_reference",
                r,
                MAX_EXTERNAL_REFERENCE,
                false,
                &mut errors,
            );
        }
        if let Some(u) = &url
            && !is_web_url(u)
        {
            errors.push(Invalid {
                field: "external_ticket_url",
                key: "support-link-url-invalid",
            });
        }
        let mut link = None;
        match mode {
            None => errors.push(Invalid {
                field: "handoff_mode",
                key: "support-invalid-handoff-mode",
            }),
            Some(HandoffMode::CreateExternalTicket) if !desk.is_available() => {
                errors.push(Invalid {
                    field: "handoff_mode",
                    key: if desk == DeskAvailability::Paused {
                        "support-desk-paused"
                    } else {
                        "support-desk-unavailable"
                    },
                })
            }
            Some(HandoffMode::LinkExistingTicket) => {
                if reference.is_none() {
                    errors.push(Invalid {
                        field: "external_ticket_reference",
                        key: "support-link-reference-required",
                    });
                }
                link = reference.map(|r| (r, url));
            }
            Some(_) => {}
        }
        match (severity, mode) {
            (Some(severity), Some(handoff_mode)) if errors.is_empty() => Ok(ValidSubmission {
                severity,
                summary,
                reproduction_notes: notes,
                contact_name,
                contact_email,
                handoff_mode,
                link,
            }),
            _ => Err(errors),
        }
    }
}

/// One stored support request.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SupportRequestRow {
    /// Internal id.
    pub id: i64,
    /// `SR-<ULID>`.
    pub internal_reference: String,
    /// Owning workspace.
    pub workspace_id: i64,
    /// Owning tenant.
    pub tenant_id: i64,
    /// Where it was filed from.
    pub primary_context_type: PrimaryContextType,
    /// The run, for run-context requests.
    pub operation_run_id: Option<i64>,
    /// The creator (null once the account is gone).
    pub created_by_user_id: Option<i64>,
    /// The creator's address at the time.
    pub created_by_label: String,
    /// Severity.
    pub severity: Severity,
    /// Summary.
    pub summary: String,
    /// Notes.
    pub reproduction_notes: Option<String>,
    /// Contact name.
    pub contact_name: Option<String>,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// Attachment mode.
    pub attachment_mode: AttachmentMode,
    /// The stored context (bundle or canonical references).
    pub context: sqlx::types::Json<serde_json::Value>,
    /// When it was filed.
    pub created_at: DateTime<Utc>,
    /// Requested handoff mode.
    pub external_handoff_mode: HandoffMode,
    /// What came of it; `None` until the handoff write (or for internal-only requests).
    pub handoff_outcome: Option<HandoffOutcome>,
    /// The desk's id for a created ticket.
    pub external_ticket_id: Option<String>,
    /// The desk's ticket number, where it has one.
    pub external_ticket_number: Option<String>,
    /// The reference people quote (number, id, or the linked reference).
    pub external_ticket_reference: Option<String>,
    /// Where the ticket is.
    pub external_ticket_url: Option<String>,
    /// Why the handoff failed, in English (the API's text).
    pub external_handoff_failure_summary: Option<String>,
    /// Why the handoff failed, as a code; `None` for requests whose summary named no known code.
    pub external_handoff_failure_code: Option<HandoffFailure>,
    /// When the one handoff write happened.
    pub handoff_finalized_at: Option<DateTime<Utc>>,
}

/// One call to the desk for a request: attempt 1 is the submit's own, each retry adds one.
/// Unfinished (`finished_at` null) while the call is in flight: that row is the claim that
/// keeps a second call for the same request away from the desk.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    /// Internal id.
    pub id: i64,
    /// The request.
    pub support_request_id: i64,
    /// 1 for the submit's call, then 2, 3, … for retries.
    pub attempt: i32,
    /// When the call was claimed.
    pub started_at: DateTime<Utc>,
    /// Who asked for it (null once the account is gone).
    pub actor_user_id: Option<i64>,
    /// Their address at the time.
    pub actor_label: String,
    /// When its outcome was written; null while the call runs.
    pub finished_at: Option<DateTime<Utc>>,
    /// `external_ticket_created` or `external_handoff_failed`, once finished.
    pub outcome: Option<HandoffOutcome>,
    /// How the desk arrived at the ticket, for a created one.
    pub lookup: Option<TicketLookup>,
    /// Why it failed.
    pub failure_code: Option<HandoffFailure>,
    /// Why it failed, in English, bounded and redacted.
    pub failure_summary: Option<String>,
    /// The ticket reference people quote, for a created one.
    pub external_ticket_reference: Option<String>,
    /// How long the desk call took, in milliseconds.
    pub duration_ms: Option<i64>,
}

/// `SupportRequestHandoffAttempt`: one call to the desk, as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptView {
    /// 1 for the submit's call, then 2, 3, … for retries.
    pub attempt: i32,
    /// When the call began.
    pub started_at: DateTime<Utc>,
    /// When it ended; null while it runs.
    pub finished_at: Option<DateTime<Utc>>,
    /// Who asked for it.
    pub actor: String,
    /// What came of it; null while it runs.
    pub outcome: Option<HandoffOutcome>,
    /// For a created ticket: whether it was new, found by the reference, or created after the
    /// search failed (then it may be a duplicate).
    pub lookup: Option<TicketLookup>,
    /// Why it failed.
    pub failure_code: Option<HandoffFailure>,
    /// Why it failed, in English.
    pub failure_summary: Option<String>,
    /// The ticket reference, for a created one.
    pub external_ticket_reference: Option<String>,
    /// How long the desk call took, in milliseconds.
    pub duration_ms: Option<i64>,
}

impl AttemptRow {
    /// The API's view.
    pub fn view(&self) -> AttemptView {
        AttemptView {
            attempt: self.attempt,
            started_at: self.started_at,
            finished_at: self.finished_at,
            actor: self.actor_label.clone(),
            outcome: self.outcome,
            lookup: self.lookup,
            failure_code: self.failure_code,
            failure_summary: self.failure_summary.clone(),
            external_ticket_reference: self.external_ticket_reference.clone(),
            duration_ms: self.duration_ms,
        }
    }

    /// The failure as a page shows it, in the reader's language.
    pub fn failure_message(&self, t: &Tr, reference: &str) -> Option<String> {
        if self.outcome != Some(HandoffOutcome::ExternalHandoffFailed) {
            return None;
        }
        failure_text(
            t,
            self.failure_code,
            self.failure_summary.as_deref(),
            reference,
        )
    }
}

/// One line of a request list: what a reader scans for, without the stored context.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListRow {
    /// `SR-<ULID>`.
    pub internal_reference: String,
    /// Where it was filed from.
    pub primary_context_type: PrimaryContextType,
    /// The run, for run-context requests.
    pub operation_run_id: Option<i64>,
    /// The creator's address at the time.
    pub created_by_label: String,
    /// Severity.
    pub severity: Severity,
    /// Summary.
    pub summary: String,
    /// When it was filed.
    pub created_at: DateTime<Utc>,
    /// Requested handoff mode.
    pub external_handoff_mode: HandoffMode,
    /// Stored outcome (see [`outcome_of`]).
    pub handoff_outcome: Option<HandoffOutcome>,
    /// The reference people quote.
    pub external_ticket_reference: Option<String>,
    /// Where the ticket is.
    pub external_ticket_url: Option<String>,
}

impl ListRow {
    /// The outcome, with the derived cases of [`outcome_of`].
    pub fn outcome(&self) -> HandoffOutcome {
        outcome_of(self.external_handoff_mode, self.handoff_outcome)
    }

    /// The API's view.
    pub fn view(&self) -> ListItem {
        ListItem {
            internal_reference: self.internal_reference.clone(),
            severity: self.severity,
            summary: self.summary.clone(),
            submitted_at: self.created_at,
            submitted_by: self.created_by_label.clone(),
            primary_context_type: self.primary_context_type.as_str().to_string(),
            primary_context_id: self.operation_run_id,
            handoff_mode: self.external_handoff_mode,
            handoff_outcome: self.outcome(),
            external_ticket_reference: self.external_ticket_reference.clone(),
            external_ticket_url: self.external_ticket_url.clone(),
        }
    }
}

/// `SupportRequestListItem`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ListItem {
    /// `SR-<ULID>`.
    pub internal_reference: String,
    /// Severity.
    pub severity: Severity,
    /// The requester's one-line summary.
    pub summary: String,
    /// When it was filed.
    pub submitted_at: DateTime<Utc>,
    /// Who filed it (their address at the time).
    pub submitted_by: String,
    /// `tenant` or `operation_run`.
    pub primary_context_type: String,
    /// The run id for run-context requests; null for tenant context.
    pub primary_context_id: Option<i64>,
    /// Requested mode.
    pub handoff_mode: HandoffMode,
    /// What came of it (the latest attempt's outcome).
    pub handoff_outcome: HandoffOutcome,
    /// The external ticket reference, when one was created or linked.
    pub external_ticket_reference: Option<String>,
    /// The external ticket URL, when known.
    pub external_ticket_url: Option<String>,
}

/// `SupportRequestList`: a page of a tenant's requests, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestList {
    /// Newest first.
    pub items: Vec<ListItem>,
    /// Page number.
    pub page: i64,
    /// Whether another page follows.
    pub has_more: bool,
}

/// `SupportRequestDetail`: one request as filed, its latest outcome and every desk attempt.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestDetail {
    /// `SR-<ULID>`.
    pub internal_reference: String,
    /// Tenant external id.
    pub tenant: String,
    /// `tenant` or `operation_run`.
    pub primary_context_type: String,
    /// The run id for run-context requests; null for tenant context.
    pub primary_context_id: Option<i64>,
    /// Severity.
    pub severity: Severity,
    /// Summary.
    pub summary: String,
    /// Reproduction notes.
    pub reproduction_notes: Option<String>,
    /// Contact name.
    pub contact_name: Option<String>,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// When it was filed.
    pub submitted_at: DateTime<Utc>,
    /// Who filed it.
    pub submitted_by: String,
    /// Attachment mode.
    pub attachment_mode: AttachmentMode,
    /// Requested mode.
    pub handoff_mode: HandoffMode,
    /// What came of it (the latest attempt's outcome).
    pub handoff_outcome: HandoffOutcome,
    /// The external ticket reference, when one was created or linked.
    pub external_ticket_reference: Option<String>,
    /// The external ticket URL, when known.
    pub external_ticket_url: Option<String>,
    /// Why the latest handoff failed, when it did.
    pub failure_summary: Option<String>,
    /// Every call to the desk, oldest first.
    pub attempts: Vec<AttemptView>,
    /// The stored context: the redacted diagnostic snapshot or the canonical references. Null
    /// for callers who may not view support diagnostics when a snapshot is attached.
    #[schema(value_type = Object)]
    pub context: Option<serde_json::Value>,
}

/// The outcome of a request filed with `mode` whose stored outcome is `stored`: internal-only
/// requests have none stored, and a create or link whose handoff write never happened counts as
/// failed. The request page and the fleet list both read it here.
pub fn outcome_of(mode: HandoffMode, stored: Option<HandoffOutcome>) -> HandoffOutcome {
    match stored {
        Some(o) => o,
        None => match mode {
            HandoffMode::InternalOnly => HandoffOutcome::InternalOnly,
            HandoffMode::CreateExternalTicket => HandoffOutcome::ExternalHandoffFailed,
            HandoffMode::LinkExistingTicket => HandoffOutcome::ExternalHandoffFailed,
        },
    }
}

/// The API's text when a create handoff never finished (the service stopped between the two
/// writes); pages say [`HandoffFailure::Unfinished`] in the reader's language.
pub const UNFINISHED_HANDOFF: &str =
    "The external handoff did not finish; check the support desk before filing again.";

/// A failed handoff in the reader's language: the sentence of its code (the request's
/// reference for the ones that ask to look for it), or the stored English summary of a request
/// whose summary named no known code.
fn failure_text(
    t: &Tr,
    code: Option<HandoffFailure>,
    summary: Option<&str>,
    reference: &str,
) -> Option<String> {
    match code {
        Some(code) => Some(t.t1(code.message_key(), "reference", reference)),
        None => summary.map(str::to_string),
    }
}

impl SupportRequestRow {
    /// The outcome, deriving the two cases that have no stored value: internal-only requests,
    /// and create requests whose handoff write never happened (reported as failed).
    pub fn outcome(&self) -> HandoffOutcome {
        outcome_of(self.external_handoff_mode, self.handoff_outcome)
    }

    /// The failure text, including the unfinished-handoff case.
    pub fn failure_summary(&self) -> Option<String> {
        match self.outcome() {
            HandoffOutcome::ExternalHandoffFailed => Some(
                self.external_handoff_failure_summary
                    .clone()
                    .unwrap_or_else(|| UNFINISHED_HANDOFF.to_string()),
            ),
            _ => None,
        }
    }

    /// The failure's code, including the unfinished-handoff case.
    pub fn failure_code(&self) -> Option<HandoffFailure> {
        match self.outcome() {
            HandoffOutcome::ExternalHandoffFailed => match &self.external_handoff_failure_summary {
                None => Some(HandoffFailure::Unfinished),
                Some(_) => self.external_handoff_failure_code,
            },
            _ => None,
        }
    }

    /// The failure as a page shows it, in the reader's language.
    pub fn failure_message(&self, t: &Tr) -> Option<String> {
        failure_text(
            t,
            self.failure_code(),
            self.failure_summary().as_deref(),
            &self.internal_reference,
        )
    }

    /// `LatestSupportRequestHandoffSummary` of this row.
    pub fn latest_summary(&self) -> LatestSummary {
        let failure = self.failure_summary();
        LatestSummary {
            internal_reference: self.internal_reference.clone(),
            primary_context_type: self.primary_context_type.as_str().to_string(),
            primary_context_id: self.operation_run_id,
            submitted_at: self.created_at,
            handoff_mode: self.external_handoff_mode,
            handoff_outcome: self.outcome(),
            external_ticket_reference: self.external_ticket_reference.clone(),
            external_ticket_url: self.external_ticket_url.clone(),
            has_external_link: self.external_ticket_reference.is_some()
                || self.external_ticket_url.is_some(),
            has_failure: failure.is_some(),
            external_handoff_failure_summary: failure,
            failure_code: self.failure_code(),
        }
    }
}

impl LatestSummary {
    /// The failure as a page shows it, in the reader's language.
    pub fn failure_message(&self, t: &Tr) -> Option<String> {
        failure_text(
            t,
            self.failure_code,
            self.external_handoff_failure_summary.as_deref(),
            &self.internal_reference,
        )
    }
}

/// `LatestSupportRequestHandoffSummary`: the newest request of a tenant or run context.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LatestSummary {
    /// `SR-<ULID>`.
    pub internal_reference: String,
    /// `tenant` or `operation_run`.
    pub primary_context_type: String,
    /// The run id for run-context requests; null for tenant context.
    pub primary_context_id: Option<i64>,
    /// When it was filed.
    pub submitted_at: DateTime<Utc>,
    /// Requested mode.
    pub handoff_mode: HandoffMode,
    /// What came of it.
    pub handoff_outcome: HandoffOutcome,
    /// The external ticket reference, when one was created or linked.
    pub external_ticket_reference: Option<String>,
    /// The external ticket URL, when known.
    pub external_ticket_url: Option<String>,
    /// Why the handoff failed, when it did.
    pub external_handoff_failure_summary: Option<String>,
    /// Whether an external ticket is attached.
    pub has_external_link: bool,
    /// Whether the handoff failed.
    pub has_failure: bool,
    /// Why it failed, as the code pages render (not on the wire: the summary is).
    #[serde(skip)]
    pub failure_code: Option<HandoffFailure>,
}

/// `SupportRequestHandoffResult`: the answer to one submission.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubmissionResult {
    /// Internal id.
    pub support_request_id: i64,
    /// `SR-<ULID>`.
    pub internal_reference: String,
    /// `tenant` or `operation_run`.
    pub primary_context_type: String,
    /// The run id for run-context requests; null for tenant context.
    pub primary_context_id: Option<i64>,
    /// Requested mode.
    pub handoff_mode: HandoffMode,
    /// What came of it.
    pub handoff_outcome: HandoffOutcome,
    /// Attachment mode.
    pub attachment_mode: AttachmentMode,
    /// The external ticket reference, when one was created or linked.
    pub external_ticket_reference: Option<String>,
    /// The external ticket URL, when known.
    pub external_ticket_url: Option<String>,
    /// Why the handoff failed, when it did.
    pub failure_summary: Option<String>,
    /// The context's latest summary after this submission.
    pub latest_summary: LatestSummary,
}

/// The tenant a request belongs to, as a ticket draft names it.
#[derive(Debug, Clone, Copy)]
pub struct TenantRef<'a> {
    /// Tenant URL key.
    pub external_id: &'a str,
    /// Display name as typed (the draft redacts it).
    pub name: &'a str,
    /// Workspace URL key.
    pub workspace_slug: &'a str,
}

impl<'a> TenantRef<'a> {
    /// The tenant of a scope.
    pub fn of(tenant: &'a ScopedTenant) -> Self {
        TenantRef {
            external_id: &tenant.external_id,
            name: &tenant.name,
            workspace_slug: &tenant.workspace_slug,
        }
    }
}

/// What the request is about.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A tenant, from its dashboard.
    Tenant(&'a ScopedTenant),
    /// A run, from the run viewer.
    Run(&'a RunWithTenant),
}

impl Target<'_> {
    /// `tenant` or `operation_run`.
    pub fn context_type(&self) -> PrimaryContextType {
        match self {
            Target::Tenant(_) => PrimaryContextType::Tenant,
            Target::Run(_) => PrimaryContextType::OperationRun,
        }
    }

    /// Owning workspace id.
    pub fn workspace_id(&self) -> i64 {
        match self {
            Target::Tenant(t) => t.workspace_id,
            Target::Run(r) => r.run.workspace_id,
        }
    }

    /// Owning tenant id.
    pub fn tenant_id(&self) -> i64 {
        match self {
            Target::Tenant(t) => t.id,
            Target::Run(r) => r.run.tenant_id,
        }
    }

    /// Tenant URL key.
    pub fn tenant_external_id(&self) -> &str {
        match self {
            Target::Tenant(t) => &t.external_id,
            Target::Run(r) => &r.tenant_external_id,
        }
    }

    /// The tenant, as a ticket draft names it.
    pub fn tenant(&self) -> TenantRef<'_> {
        match self {
            Target::Tenant(t) => TenantRef::of(t),
            Target::Run(r) => TenantRef {
                external_id: &r.tenant_external_id,
                name: &r.tenant_name,
                workspace_slug: &r.workspace_slug,
            },
        }
    }

    /// Tenant display name, redacted: it is free text an operator typed, and it is stored in
    /// the request's context and sent to the desk.
    pub fn tenant_name(&self) -> String {
        crate::redact::text(match self {
            Target::Tenant(t) => &t.name,
            Target::Run(r) => &r.tenant_name,
        })
    }

    /// Workspace URL key.
    pub fn workspace_slug(&self) -> &str {
        match self {
            Target::Tenant(t) => &t.workspace_slug,
            Target::Run(r) => &r.workspace_slug,
        }
    }

    /// The run id, for run context.
    pub fn run_id(&self) -> Option<i64> {
        match self {
            Target::Tenant(_) => None,
            Target::Run(r) => Some(r.run.id),
        }
    }

    /// Path of the context in the admin plane.
    pub fn path(&self) -> String {
        match self {
            Target::Tenant(t) => format!("/admin/t/{}", t.external_id),
            Target::Run(r) => format!("/admin/operations/{}", r.run.id),
        }
    }

    /// Path of the support request form for this context.
    pub fn form_path(&self) -> String {
        format!("{}/support-requests/new", self.path())
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;

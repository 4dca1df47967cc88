//! External handoff (spec 256), after the internal request is committed: `link_existing_ticket`
//! records the given reference without calling anyone; `create_external_ticket` makes one
//! synchronous call to the one configured desk within its hard budget. Every desk call is an
//! attempt (`support_request_handoff_attempts`): claimed in the database before the call (attempt
//! 1 in the submit's own transaction, later ones by [`retry`]), so two calls for one request can
//! never reach the desk together; ended by one transaction that writes the attempt, the request's
//! latest outcome and the audit row. A failed or timed-out create is recorded as
//! `external_handoff_failed` with a bounded, secret-free summary; the internal request stands, and
//! a person may retry it with the same `SR-…` reference. An attempt cut off by a crash is recorded
//! later by [`finalize_interrupted`] (at start-up and from the job scheduler), with the same write.

use super::model::{
    AttemptRow, DeskAvailability, HandoffMode, HandoffOutcome, PrimaryContextType,
    SupportRequestRow, Target, TenantRef, ValidSubmission,
};
use super::repo::{self, AttemptEnd, HandoffWrite};
use crate::audit::{self, Actor, AuditContext, AuditEntry};
use crate::auth::users::User;
use crate::error::ServiceError;
use crate::state::AppState;
use crate::support_desk::{
    CreatedTicket, Desk, DeskError, HandoffFailure, SupportDeskConfig, TicketDraft,
};
use serde_json::{Value, json};
use std::time::Duration;
use tracing::Instrument;

/// Whether `create_external_ticket` can be offered in `workspace_id`: a desk is configured
/// and usable, and no platform operator paused ticket creation there.
pub async fn availability(
    state: &AppState,
    workspace_id: i64,
) -> Result<DeskAvailability, ServiceError> {
    if state.support_desk().is_none() {
        return Ok(DeskAvailability::NotConfigured);
    }
    let pause = crate::features::system::paused(
        &state.db,
        crate::features::system::ControlKey::SupportDeskHandoff,
        Some(workspace_id),
        state.now(),
    )
    .await?;
    Ok(if pause.is_some() {
        DeskAvailability::Paused
    } else {
        DeskAvailability::Available
    })
}

/// What the desk is asked to open for a stored request of `target`.
pub fn draft_for(
    state: &AppState,
    target: &Target<'_>,
    row: &SupportRequestRow,
    context: &Value,
) -> TicketDraft {
    let tenant = target.tenant();
    draft_of(state, &tenant, row, context)
}

/// The draft of a stored request whose tenant is `tenant`: what the submit and every retry send,
/// so a retry carries the same reference and text as the first attempt.
fn draft_of(
    state: &AppState,
    tenant: &TenantRef<'_>,
    row: &SupportRequestRow,
    context: &Value,
) -> TicketDraft {
    let path = match row.operation_run_id {
        Some(run) if row.primary_context_type == PrimaryContextType::OperationRun => {
            format!("/admin/operations/{run}")
        }
        _ => format!("/admin/t/{}", tenant.external_id),
    };
    TicketDraft {
        internal_reference: row.internal_reference.clone(),
        severity: row.severity.as_str().to_string(),
        summary: row.summary.clone(),
        reproduction_notes: row.reproduction_notes.clone(),
        contact_name: row.contact_name.clone(),
        contact_email: row.contact_email.clone(),
        primary_context_type: row.primary_context_type.as_str().to_string(),
        tenant: tenant.external_id.to_string(),
        tenant_name: crate::redact::text(tenant.name),
        workspace: tenant.workspace_slug.to_string(),
        operation_run_id: row.operation_run_id,
        context_url: format!("{}{}", state.config.public_url.trim_end_matches('/'), path),
        context: context.clone(),
    }
}

/// Performs the requested handoff for a freshly committed request and returns the row as it
/// now stands. `attempt` is the claim stored with a create request (attempt 1).
pub async fn perform(
    state: &AppState,
    actx: &AuditContext,
    target: &Target<'_>,
    row: SupportRequestRow,
    attempt: Option<AttemptRow>,
    valid: &ValidSubmission,
    context: &Value,
) -> Result<SupportRequestRow, ServiceError> {
    match valid.handoff_mode {
        HandoffMode::InternalOnly => Ok(row),
        HandoffMode::LinkExistingTicket => {
            let Some((reference, url)) = &valid.link else {
                return Ok(row);
            };
            let write = HandoffWrite {
                external_ticket_reference: Some(reference),
                external_ticket_url: url.as_deref(),
                ..HandoffWrite::new(HandoffOutcome::ExternalTicketLinked)
            };
            let metadata = json!({
                "internal_reference": row.internal_reference,
                "external_ticket_reference": reference,
                "has_external_ticket_url": url.is_some(),
            });
            let action = "support_request.external_ticket_linked";
            match write_once(state, actx, &row, &write, action, metadata).await? {
                Some(written) => Ok(written),
                None => reread(state, row.id).await,
            }
        }
        HandoffMode::CreateExternalTicket => {
            // `service::submit` stores attempt 1 with every create request.
            let Some(attempt) = attempt else {
                return Err(ServiceError::NotFound("support request attempt"));
            };
            let draft = draft_for(state, target, &row, context);
            call_desk(state, actx, row, attempt, draft).await
        }
    }
}

/// Runs one claimed attempt to its end and returns the row as the attempt's write left it (read
/// again only when that write did not happen here). Spawned, not awaited in place: axum drops
/// the handler future when the client disconnects, and a drop between the desk's answer and our
/// write would leave a ticket at the desk that TenantPilot never recorded. The task owns what it
/// needs and runs to the end whatever happens to the request.
async fn call_desk(
    state: &AppState,
    actx: &AuditContext,
    row: SupportRequestRow,
    attempt: AttemptRow,
    draft: TicketDraft,
) -> Result<SupportRequestRow, ServiceError> {
    let id = row.id;
    let call = create_ticket(state.clone(), actx.clone(), row, attempt, draft);
    let task = tokio::spawn(call.instrument(tracing::Span::current()));
    let written = match task.await {
        Ok(result) => result?,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Only a runtime shutting down cancels it; the finalizer records it later.
        Err(_) => None,
    };
    match written {
        Some(row) => Ok(row),
        None => reread(state, id).await,
    }
}

/// Why a retry is refused, as the `409` keys pages and the API explain.
pub const RETRY_RUNNING: &str = "support-retry-running";
/// The handoff did not fail (or is not a create): nothing to retry.
pub const RETRY_NOT_FAILED: &str = "support-retry-not-failed";
/// No desk is configured any more.
pub const RETRY_NO_DESK: &str = "support-retry-no-desk";
/// A platform operator paused ticket creation.
pub const RETRY_PAUSED: &str = "support-retry-paused";

/// Retries the failed create handoff of `row` (a request of `tenant`) as `actor`: the same desk,
/// the same `SR-…` reference as idempotency key and search term, the same budget. Refused
/// (`409`) unless the latest outcome is a failure, a desk is configured and not paused in the
/// workspace, and no other attempt for the request is in flight. Returns the row as the attempt
/// left it.
pub async fn retry(
    state: &AppState,
    actx: &AuditContext,
    actor: &User,
    tenant: &TenantRef<'_>,
    row: SupportRequestRow,
) -> Result<SupportRequestRow, ServiceError> {
    if row.external_handoff_mode != HandoffMode::CreateExternalTicket
        || row.outcome() != HandoffOutcome::ExternalHandoffFailed
    {
        return Err(ServiceError::Conflict(RETRY_NOT_FAILED));
    }
    match availability(state, row.workspace_id).await? {
        DeskAvailability::Available => {}
        DeskAvailability::NotConfigured => return Err(ServiceError::Conflict(RETRY_NO_DESK)),
        DeskAvailability::Paused => return Err(ServiceError::Conflict(RETRY_PAUSED)),
    }
    let claimed = repo::claim_retry(&state.db, row.id, state.now(), actor.id, &actor.email).await?;
    let Some(attempt) = claimed else {
        // Lost to a concurrent attempt: still in flight, or it already ended the failure.
        let now = reread(state, row.id).await?;
        return Err(ServiceError::Conflict(
            if now.handoff_outcome == Some(HandoffOutcome::ExternalHandoffFailed) {
                RETRY_RUNNING
            } else {
                RETRY_NOT_FAILED
            },
        ));
    };
    let draft = draft_of(state, tenant, &row, &row.context.0);
    call_desk(state, actx, row, attempt, draft).await
}

/// The desk call of one claimed attempt and its one write, as one unit that owns its inputs
/// (see [`call_desk`]: it runs in its own task); the row as written, `None` when the attempt
/// had been ended already.
async fn create_ticket(
    state: AppState,
    actx: AuditContext,
    row: SupportRequestRow,
    attempt: AttemptRow,
    draft: TicketDraft,
) -> Result<Option<SupportRequestRow>, ServiceError> {
    let (state, actx) = (&state, &actx);
    let desk = state.support_desk();
    let kind = desk.map(|d| d.kind().as_str()).unwrap_or("none");
    let started = std::time::Instant::now();
    let result: Result<CreatedTicket, DeskError> = match desk {
        Some(desk) => desk.create_ticket(&draft).await,
        None => Err(DeskError::NotConfigured),
    };
    let elapsed_ms = started.elapsed().as_millis() as i64;
    let failure_summary;
    let (write, end, action, mut metadata) = match &result {
        Ok(ticket) => (
            HandoffWrite {
                outcome: HandoffOutcome::ExternalTicketCreated,
                external_ticket_id: Some(&ticket.external_id),
                external_ticket_number: ticket.number.as_deref(),
                external_ticket_reference: Some(ticket.reference()),
                external_ticket_url: ticket.url.as_deref(),
                failure_summary: None,
                failure_code: None,
            },
            AttemptEnd {
                outcome: HandoffOutcome::ExternalTicketCreated,
                lookup: Some(ticket.lookup),
                failure_code: None,
                failure_summary: None,
                external_ticket_reference: Some(ticket.reference()),
                duration_ms: Some(elapsed_ms),
            },
            "support_request.external_ticket_created",
            json!({
                "external_ticket_reference": ticket.reference(),
                "has_external_ticket_url": ticket.url.is_some(),
                "lookup": ticket.lookup,
            }),
        ),
        Err(error) => {
            tracing::warn!(
                reference = %row.internal_reference,
                desk = kind,
                code = error.code(),
                attempt = attempt.attempt,
                "external support desk handoff failed"
            );
            failure_summary = error.summary();
            let http_status = match error {
                DeskError::Rejected { status, .. } | DeskError::Unauthorized(status) => {
                    Some(*status)
                }
                _ => None,
            };
            (
                HandoffWrite::failed(error.failure(), &failure_summary),
                AttemptEnd {
                    outcome: HandoffOutcome::ExternalHandoffFailed,
                    lookup: None,
                    failure_code: Some(error.failure()),
                    failure_summary: Some(&failure_summary),
                    external_ticket_reference: None,
                    duration_ms: Some(elapsed_ms),
                },
                "support_request.external_handoff_failed",
                json!({ "failure_code": error.code(), "http_status": http_status }),
            )
        }
    };
    if let Value::Object(fields) = &mut metadata {
        fields.insert("internal_reference".into(), json!(row.internal_reference));
        fields.insert("desk".into(), json!(kind));
        fields.insert("duration_ms".into(), json!(elapsed_ms));
        fields.insert("attempt".into(), json!(attempt.attempt));
    }
    Ok(
        match finish(state, actx, &row, &attempt, &end, &write, action, metadata).await? {
            Ended::Here(written) => written.map(|row| *row),
            Ended::Already => None,
        },
    )
}

/// What [`finish`] did with an attempt.
enum Ended {
    /// It ended the attempt; the request as written, `None` when the request's handoff already
    /// stood created or linked (the attempt and its audit row are written all the same).
    Here(Option<Box<SupportRequestRow>>),
    /// The attempt had been ended already; nothing was written.
    Already,
}

/// Ends a claimed attempt: its outcome, the request's latest outcome and the audit row, in one
/// transaction. Nothing is written when the attempt was ended already, so the live call and
/// the finalizer record each attempt exactly once.
#[allow(clippy::too_many_arguments)]
async fn finish(
    state: &AppState,
    actx: &AuditContext,
    row: &SupportRequestRow,
    attempt: &AttemptRow,
    end: &AttemptEnd<'_>,
    write: &HandoffWrite<'_>,
    action: &'static str,
    metadata: Value,
) -> Result<Ended, ServiceError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::finish_attempt(&mut tx, attempt.id, end, now).await? {
        tx.rollback().await?;
        return Ok(Ended::Already);
    }
    let written = repo::record_attempt_outcome(&mut tx, row.id, write, now).await?;
    audit::record(&mut tx, actx, now, audit_entry(row, action, metadata)).await?;
    tx.commit().await?;
    Ok(Ended::Here(written.map(Box::new)))
}

/// The audit row of a handoff write of `row`.
fn audit_entry(row: &SupportRequestRow, action: &'static str, metadata: Value) -> AuditEntry {
    AuditEntry {
        action,
        workspace_id: Some(row.workspace_id),
        tenant_id: Some(row.tenant_id),
        target_type: "support_request",
        target_id: row.internal_reference.clone(),
        metadata,
    }
}

/// The row as it now stands, after its handoff was written (by this call or a concurrent one).
async fn reread(state: &AppState, id: i64) -> Result<SupportRequestRow, ServiceError> {
    repo::find(&state.db, id)
        .await?
        .ok_or(ServiceError::NotFound("support request"))
}

/// The one handoff write plus its audit row, in one transaction, returning the row as written;
/// `None` (and no audit row) when the handoff was already written, so concurrent writers record
/// it exactly once.
async fn write_once(
    state: &AppState,
    actx: &AuditContext,
    row: &SupportRequestRow,
    write: &HandoffWrite<'_>,
    action: &'static str,
    metadata: Value,
) -> Result<Option<SupportRequestRow>, ServiceError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let Some(written) = repo::finalize_handoff(&mut tx, row.id, write, now).await? else {
        // Someone already wrote the handoff: the row is immutable now, keep what is there.
        tx.rollback().await?;
        return Ok(None);
    };
    audit::record(&mut tx, actx, now, audit_entry(row, action, metadata)).await?;
    tx.commit().await?;
    Ok(Some(written))
}

/// Added to the desk budget before an unfinished create handoff counts as interrupted. The live
/// handoff writes after the desk call (at most the budget), but that write still waits for a
/// pool connection and a transaction, and `created_at` comes from the clock of the instance that
/// filed the request while the finalizer may run on another. Thirty seconds covers a slow
/// database and ordinary clock skew, so the finalizer does not overtake a handoff that is still
/// alive: the guard would keep the first write either way, but overtaking would record a failure
/// for a ticket the desk then creates.
pub const INTERRUPTED_MARGIN: Duration = Duration::from_secs(30);

/// Rows finalized per pass (one read, then one short transaction per row).
const INTERRUPTED_BATCH: i64 = 100;

/// Passes per run: one run finalizes at most 10,000 rows; the next run continues.
const INTERRUPTED_MAX_PASSES: usize = 100;

/// How long after `created_at` an unfinished create handoff is declared interrupted: the
/// configured desk budget (capped at [`crate::support_desk::MAX_BUDGET`]) plus
/// [`INTERRUPTED_MARGIN`]. Uses the configured budget even when no desk is configured any more:
/// requests filed before a configuration change still need finalizing.
pub fn interrupted_after(config: &SupportDeskConfig) -> Duration {
    Desk::budget_of(config) + INTERRUPTED_MARGIN
}

/// What the user reads on a handoff cut off by a crash or restart. Stored in English like every
/// failure summary (they are shown as stored); it names the reference the desk would carry.
pub fn interrupted_summary(internal_reference: &str) -> String {
    format!(
        "The handoff was interrupted before the desk answered. Check the desk for a ticket with \
         {internal_reference} before you retry."
    )
}

/// Records every desk attempt begun longer ago than [`interrupted_after`] and never ended (the
/// process died during the desk call) as `external_handoff_failed` with code `interrupted`, on
/// the attempt and as the request's latest outcome, audited once as
/// `support_request.external_handoff_failed` by the system. Safe to run concurrently on several
/// instances: the guarded end of the attempt lets one of them win each attempt, and only the
/// winner audits. Returns how many attempts this call finalized.
pub async fn finalize_interrupted(state: &AppState) -> Result<u64, ServiceError> {
    let after = chrono::Duration::from_std(interrupted_after(&state.config.support_desk))
        .unwrap_or(chrono::Duration::MAX);
    let actx = AuditContext {
        actor: Actor::System,
        request_id: None,
    };
    let mut finalized = 0;
    for _ in 0..INTERRUPTED_MAX_PASSES {
        let cutoff = state.now() - after;
        let attempts =
            repo::attempts_in_flight_before(&state.db, cutoff, INTERRUPTED_BATCH).await?;
        for attempt in &attempts {
            let Some(row) = repo::find(&state.db, attempt.support_request_id).await? else {
                continue;
            };
            let summary = interrupted_summary(&row.internal_reference);
            let write = HandoffWrite::failed(HandoffFailure::Interrupted, &summary);
            let end = AttemptEnd {
                outcome: HandoffOutcome::ExternalHandoffFailed,
                lookup: None,
                failure_code: Some(HandoffFailure::Interrupted),
                failure_summary: Some(&summary),
                external_ticket_reference: None,
                duration_ms: None,
            };
            let metadata = json!({
                "internal_reference": row.internal_reference,
                "failure_code": HandoffFailure::Interrupted,
                "attempt": attempt.attempt,
                "begun_at": attempt.started_at,
                "interrupted_after_ms": after.num_milliseconds(),
            });
            let action = "support_request.external_handoff_failed";
            let ended = finish(state, &actx, &row, attempt, &end, &write, action, metadata).await?;
            if let Ended::Here(_) = ended {
                tracing::warn!(
                    reference = %row.internal_reference,
                    attempt = attempt.attempt,
                    "interrupted external support desk handoff recorded as failed"
                );
                finalized += 1;
            }
        }
        if (attempts.len() as i64) < INTERRUPTED_BATCH {
            break;
        }
    }
    Ok(finalized)
}

//! External handoff (spec 256), after the internal request is committed: `link_existing_ticket`
//! records the given reference without calling anyone; `create_external_ticket` makes one
//! synchronous call to the one configured desk within its hard budget. Either way exactly one
//! write of the handoff fields follows, with its audit row in the same transaction. A failed or
//! timed-out create is recorded as `external_handoff_failed` with a bounded, secret-free summary;
//! the internal request stands. A create cut off by a crash is recorded later by
//! [`finalize_interrupted`] (at start-up and from the job scheduler), with the same write.

use super::model::Target;
use super::model::{
    DeskAvailability, HandoffMode, HandoffOutcome, SupportRequestRow, ValidSubmission,
};
use super::repo::{self, HandoffWrite};
use crate::audit::{self, Actor, AuditContext, AuditEntry};
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

/// What the desk is asked to open for a stored request.
pub fn draft_for(
    state: &AppState,
    target: &Target<'_>,
    row: &SupportRequestRow,
    context: &Value,
) -> TicketDraft {
    TicketDraft {
        internal_reference: row.internal_reference.clone(),
        severity: row.severity.as_str().to_string(),
        summary: row.summary.clone(),
        reproduction_notes: row.reproduction_notes.clone(),
        contact_name: row.contact_name.clone(),
        contact_email: row.contact_email.clone(),
        primary_context_type: row.primary_context_type.as_str().to_string(),
        tenant: target.tenant_external_id().to_string(),
        tenant_name: target.tenant_name().to_string(),
        workspace: target.workspace_slug().to_string(),
        operation_run_id: row.operation_run_id,
        context_url: format!(
            "{}{}",
            state.config.public_url.trim_end_matches('/'),
            target.path()
        ),
        context: context.clone(),
    }
}

/// Performs the requested handoff for a freshly committed request and returns the row as it
/// now stands.
pub async fn perform(
    state: &AppState,
    actx: &AuditContext,
    target: &Target<'_>,
    row: SupportRequestRow,
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
            write_once(state, actx, &row, &write, action, metadata).await?;
            reread(state, row.id).await
        }
        HandoffMode::CreateExternalTicket => {
            let draft = draft_for(state, target, &row, context);
            let id = row.id;
            // Spawned, not awaited in place: axum drops the handler future when the client
            // disconnects, and a drop between the desk's answer and our write would leave a
            // ticket at the desk that TenantPilot never recorded. The task owns what it needs
            // and runs to the end whatever happens to the request.
            let call = create_ticket(state.clone(), actx.clone(), row, draft);
            let task = tokio::spawn(call.instrument(tracing::Span::current()));
            match task.await {
                Ok(result) => result,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                // Only a runtime shutting down cancels it; the finalizer records it later.
                Err(_) => reread(state, id).await,
            }
        }
    }
}

/// The desk call of a create handoff and its one write, as one unit that owns its inputs (see
/// [`perform`]: it runs in its own task).
async fn create_ticket(
    state: AppState,
    actx: AuditContext,
    row: SupportRequestRow,
    draft: TicketDraft,
) -> Result<SupportRequestRow, ServiceError> {
    let (state, actx) = (&state, &actx);
    let desk = state.support_desk();
    let kind = desk.map(|d| d.kind().as_str()).unwrap_or("none");
    let started = std::time::Instant::now();
    let result: Result<CreatedTicket, DeskError> = match desk {
        Some(desk) => desk.create_ticket(&draft).await,
        None => Err(DeskError::NotConfigured),
    };
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let failure_summary;
    let (write, action, mut metadata) = match &result {
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
            "support_request.external_ticket_created",
            json!({
                "external_ticket_reference": ticket.reference(),
                "has_external_ticket_url": ticket.url.is_some(),
            }),
        ),
        Err(error) => {
            tracing::warn!(
                reference = %row.internal_reference,
                desk = kind,
                code = error.code(),
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
                "support_request.external_handoff_failed",
                json!({ "failure_code": error.code(), "http_status": http_status }),
            )
        }
    };
    if let Value::Object(fields) = &mut metadata {
        fields.insert("internal_reference".into(), json!(row.internal_reference));
        fields.insert("desk".into(), json!(kind));
        fields.insert("duration_ms".into(), json!(elapsed_ms));
    }
    write_once(state, actx, &row, &write, action, metadata).await?;
    reread(state, row.id).await
}

/// The row as it now stands, after its handoff was written (by this call or a concurrent one).
async fn reread(state: &AppState, id: i64) -> Result<SupportRequestRow, ServiceError> {
    repo::find(&state.db, id)
        .await?
        .ok_or(ServiceError::NotFound("support request"))
}

/// The one handoff write plus its audit row, in one transaction; `false` (and no audit row)
/// when the handoff was already written, so concurrent writers record it exactly once.
async fn write_once(
    state: &AppState,
    actx: &AuditContext,
    row: &SupportRequestRow,
    write: &HandoffWrite<'_>,
    action: &'static str,
    metadata: Value,
) -> Result<bool, ServiceError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::finalize_handoff(&mut tx, row.id, write, now).await? {
        // Someone already wrote the handoff: the row is immutable now, keep what is there.
        tx.rollback().await?;
        return Ok(false);
    }
    audit::record(
        &mut tx,
        actx,
        now,
        AuditEntry {
            action,
            workspace_id: Some(row.workspace_id),
            tenant_id: Some(row.tenant_id),
            target_type: "support_request",
            target_id: row.internal_reference.clone(),
            metadata,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
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

/// Records every create handoff begun longer ago than [`interrupted_after`] and never written
/// (the process died during the desk call) as `external_handoff_failed` with code
/// `interrupted`, audited once as `support_request.external_handoff_failed` by the system.
/// Safe to run concurrently on several instances: the guarded write lets one of them win each
/// row, and only the winner audits. Returns how many rows this call finalized.
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
        let rows = repo::unfinalized_creates_before(&state.db, cutoff, INTERRUPTED_BATCH).await?;
        for row in &rows {
            let summary = interrupted_summary(&row.internal_reference);
            let write = HandoffWrite::failed(HandoffFailure::Interrupted, &summary);
            let metadata = json!({
                "internal_reference": row.internal_reference,
                "failure_code": HandoffFailure::Interrupted,
                "begun_at": row.created_at,
                "interrupted_after_ms": after.num_milliseconds(),
            });
            let action = "support_request.external_handoff_failed";
            if write_once(state, &actx, row, &write, action, metadata).await? {
                tracing::warn!(
                    reference = %row.internal_reference,
                    "interrupted external support desk handoff recorded as failed"
                );
                finalized += 1;
            }
        }
        if (rows.len() as i64) < INTERRUPTED_BATCH {
            break;
        }
    }
    Ok(finalized)
}

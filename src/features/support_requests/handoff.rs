//! External handoff (spec 256), after the internal request is committed: `link_existing_ticket`
//! records the given reference without calling anyone; `create_external_ticket` makes one
//! synchronous call to the one configured desk within its hard budget. Either way exactly one
//! write of the handoff fields follows, with its audit row in the same transaction. A failed or
//! timed-out create is recorded as `external_handoff_failed` with a bounded, secret-free summary;
//! the internal request stands.

use super::model::{
    DeskAvailability, HandoffMode, HandoffOutcome, SupportRequestRow, ValidSubmission,
};
use super::repo::{self, HandoffWrite};
use super::service::Target;
use crate::audit::{self, AuditContext, AuditEntry};
use crate::error::ServiceError;
use crate::state::AppState;
use crate::support_desk::{CreatedTicket, DeskError, TicketDraft};
use serde_json::{Value, json};

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
        severity: row.severity.clone(),
        summary: row.summary.clone(),
        reproduction_notes: row.reproduction_notes.clone(),
        contact_name: row.contact_name.clone(),
        contact_email: row.contact_email.clone(),
        primary_context_type: row.primary_context_type.clone(),
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
                outcome: HandoffOutcome::ExternalTicketLinked.as_str(),
                external_ticket_reference: Some(reference),
                external_ticket_url: url.as_deref(),
                ..HandoffWrite::default()
            };
            let metadata = json!({
                "internal_reference": row.internal_reference,
                "external_ticket_reference": reference,
                "has_external_ticket_url": url.is_some(),
            });
            finalize(
                state,
                actx,
                target,
                &row,
                &write,
                "support_request.external_ticket_linked",
                metadata,
            )
            .await
        }
        HandoffMode::CreateExternalTicket => {
            let desk = state.support_desk();
            let kind = desk.map(|d| d.kind().as_str()).unwrap_or("none");
            let started = std::time::Instant::now();
            let result: Result<CreatedTicket, DeskError> = match desk {
                Some(desk) => {
                    desk.create_ticket(&draft_for(state, target, &row, context))
                        .await
                }
                None => Err(DeskError::NotConfigured),
            };
            let elapsed_ms = started.elapsed().as_millis() as u64;
            match result {
                Ok(ticket) => {
                    let url = ticket.url.clone();
                    let write = HandoffWrite {
                        outcome: HandoffOutcome::ExternalTicketCreated.as_str(),
                        external_ticket_id: Some(&ticket.external_id),
                        external_ticket_number: ticket.number.as_deref(),
                        external_ticket_reference: Some(ticket.reference()),
                        external_ticket_url: url.as_deref(),
                        failure_summary: None,
                    };
                    let metadata = json!({
                        "internal_reference": row.internal_reference,
                        "desk": kind,
                        "external_ticket_reference": ticket.reference(),
                        "has_external_ticket_url": url.is_some(),
                        "duration_ms": elapsed_ms,
                    });
                    finalize(
                        state,
                        actx,
                        target,
                        &row,
                        &write,
                        "support_request.external_ticket_created",
                        metadata,
                    )
                    .await
                }
                Err(error) => {
                    tracing::warn!(
                        reference = %row.internal_reference,
                        desk = kind,
                        code = error.code(),
                        "external support desk handoff failed"
                    );
                    let summary = error.summary();
                    let write = HandoffWrite {
                        outcome: HandoffOutcome::ExternalHandoffFailed.as_str(),
                        failure_summary: Some(&summary),
                        ..HandoffWrite::default()
                    };
                    let metadata = json!({
                        "internal_reference": row.internal_reference,
                        "desk": kind,
                        "failure_code": error.code(),
                        "http_status": match &error {
                            DeskError::Rejected { status, .. } | DeskError::Unauthorized(status) => Some(*status),
                            _ => None,
                        },
                        "duration_ms": elapsed_ms,
                    });
                    finalize(
                        state,
                        actx,
                        target,
                        &row,
                        &write,
                        "support_request.external_handoff_failed",
                        metadata,
                    )
                    .await
                }
            }
        }
    }
}

/// The one handoff write plus its audit row, in one transaction.
async fn finalize(
    state: &AppState,
    actx: &AuditContext,
    target: &Target<'_>,
    row: &SupportRequestRow,
    write: &HandoffWrite<'_>,
    action: &'static str,
    metadata: Value,
) -> Result<SupportRequestRow, ServiceError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::finalize_handoff(&mut tx, row.id, write, now).await? {
        // Someone already wrote the handoff: the row is immutable now, keep what is there.
        tx.rollback().await?;
    } else {
        audit::record(
            &mut tx,
            actx,
            now,
            AuditEntry {
                action,
                workspace_id: Some(target.workspace_id()),
                tenant_id: Some(target.tenant_id()),
                target_type: "support_request",
                target_id: row.internal_reference.clone(),
                metadata,
            },
        )
        .await?;
        tx.commit().await?;
    }
    repo::find(&state.db, row.id)
        .await?
        .ok_or(ServiceError::NotFound("support request"))
}

//! Filing a support request: validate, shape the immutable context (the redacted diagnostics
//! bundle when the creator may view diagnostics, safe canonical references otherwise), store it
//! with its `support_request.created` audit row in one transaction, then hand it off (see
//! [`super::handoff`]). The internal request is committed before any desk is called, so a desk
//! failure can never lose it.

use super::handoff;
use super::model::{
    AttachmentMode, AttemptRow, DeskAvailability, HandoffMode, LatestSummary, ListRow,
    RequestDetail, Submission, SubmissionResult, SupportRequestRow, Target, TenantRef,
    ValidSubmission,
};
use super::repo::{self, NewRequest};
use crate::access::{Capability, Role};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::auth::users::User;
use crate::error::ServiceError;
use crate::features::diagnostics::service as diagnostics;
use crate::features::tenants::model::ScopedTenant;
use crate::state::AppState;
use crate::support_desk::{DeskKind, TicketDraft};
use serde_json::{Value, json};

/// Version of the stored context layout.
pub const CONTEXT_SCHEMA_VERSION: u32 = 1;

/// The diagnostics context of `target` (what its bundle is built from).
fn diagnostics_context<'a>(target: &Target<'a>) -> diagnostics::Context<'a> {
    match *target {
        Target::Tenant(t) => diagnostics::Context::Tenant(t),
        Target::Run(r) => diagnostics::Context::Run(r),
    }
}

/// Which attachment a creator with `role` gets.
pub fn attachment_mode_for(role: Role) -> AttachmentMode {
    if role.can(Capability::SupportDiagnosticsView) {
        AttachmentMode::DiagnosticSnapshotAttached
    } else {
        AttachmentMode::CanonicalContextOnly
    }
}

/// Safe canonical references only: ids, names, states and links, nothing from the provider.
/// Every string in it passes the redactor (names are free text).
fn canonical_context(target: &Target<'_>, now: chrono::DateTime<chrono::Utc>) -> Value {
    crate::redact::json_strings(canonical_references(target, now))
}

fn canonical_references(target: &Target<'_>, now: chrono::DateTime<chrono::Utc>) -> Value {
    let run = match target {
        Target::Run(r) => json!({
            "id": r.run.id,
            "type": r.run.run_type,
            "status": r.run.status,
            "outcome": r.run.outcome,
            "reason_code": r.run.reason_code,
            "created_at": r.run.created_at,
            "completed_at": r.run.completed_at,
            "url": format!("/admin/operations/{}", r.run.id),
        }),
        Target::Tenant(_) => Value::Null,
    };
    json!({
        "schema_version": CONTEXT_SCHEMA_VERSION,
        "kind": "canonical_context",
        "generated_at": now,
        "context": {
            "type": target.context_type().as_str(),
            "tenant": target.tenant_external_id(),
            "operation_run_id": target.run_id(),
        },
        "workspace": {"slug": target.workspace_slug()},
        "tenant": {
            "external_id": target.tenant_external_id(),
            "name": target.tenant_name(),
            "url": format!("/admin/t/{}", target.tenant_external_id()),
        },
        "operation_run": run,
        "not_collected": [{
            "item": "support_diagnostics",
            "reason": "The requester may not view support diagnostics, so no diagnostic snapshot was attached.",
        }],
    })
}

/// The context stored with a request for `mode`.
pub async fn build_context(
    state: &AppState,
    target: &Target<'_>,
    mode: AttachmentMode,
) -> Result<Value, ServiceError> {
    Ok(match mode {
        AttachmentMode::DiagnosticSnapshotAttached => {
            let bundle = diagnostics::build(state, diagnostics_context(target)).await?;
            json!({
                "schema_version": CONTEXT_SCHEMA_VERSION,
                "kind": "diagnostic_snapshot",
                "diagnostics": bundle.json,
            })
        }
        AttachmentMode::CanonicalContextOnly => canonical_context(target, state.now()),
    })
}

/// A fresh `SR-<ULID>` reference: sortable by time, unguessable enough to quote on the phone.
pub fn new_reference() -> String {
    format!("SR-{}", ulid::Ulid::generate())
}

/// Files a support request for `target` as `creator` (whose role in the workspace is `role`)
/// and performs the requested handoff. The caller has already checked
/// `support_requests.create`.
pub async fn submit(
    state: &AppState,
    actx: &AuditContext,
    creator: &User,
    role: Role,
    target: Target<'_>,
    submission: &Submission,
) -> Result<SubmissionResult, ServiceError> {
    // Only a create needs the desk (and its pause state); other modes skip the lookup.
    let desk = if submission.handoff_mode.trim() == HandoffMode::CreateExternalTicket.as_str() {
        handoff::availability(state, target.workspace_id()).await?
    } else {
        DeskAvailability::Available
    };
    let valid = submission.validate(desk).map_err(ServiceError::Invalid)?;
    let attachment = attachment_mode_for(role);
    let context = build_context(state, &target, attachment).await?;
    let (row, attempt) =
        create_internal(state, actx, creator, &target, &valid, attachment, &context).await?;
    let row = handoff::perform(state, actx, &target, row, attempt, &valid, &context).await?;
    // The row just filed is its context's newest (ids only grow), so it is the latest summary:
    // no re-read of what this submit wrote.
    Ok(SubmissionResult {
        support_request_id: row.id,
        internal_reference: row.internal_reference.clone(),
        primary_context_type: row.primary_context_type.as_str().to_string(),
        primary_context_id: row.operation_run_id,
        handoff_mode: row.external_handoff_mode,
        handoff_outcome: row.outcome(),
        attachment_mode: attachment,
        external_ticket_reference: row.external_ticket_reference.clone(),
        external_ticket_url: row.external_ticket_url.clone(),
        failure_summary: row.failure_summary(),
        latest_summary: row.latest_summary(),
    })
}

/// Stores the request and its `support_request.created` audit row in one transaction, with the
/// claim of its first desk call (attempt 1) when it asks for a new ticket.
async fn create_internal(
    state: &AppState,
    actx: &AuditContext,
    creator: &User,
    target: &Target<'_>,
    valid: &ValidSubmission,
    attachment: AttachmentMode,
    context: &Value,
) -> Result<(SupportRequestRow, Option<AttemptRow>), ServiceError> {
    let now = state.now();
    let reference = new_reference();
    let mut tx = state.db.begin().await?;
    let row = repo::insert(
        &mut tx,
        &NewRequest {
            internal_reference: &reference,
            workspace_id: target.workspace_id(),
            tenant_id: target.tenant_id(),
            primary_context_type: target.context_type(),
            operation_run_id: target.run_id(),
            created_by_user_id: creator.id,
            created_by_label: &creator.email,
            severity: valid.severity,
            summary: &valid.summary,
            reproduction_notes: valid.reproduction_notes.as_deref(),
            contact_name: valid.contact_name.as_deref(),
            contact_email: valid.contact_email.as_deref(),
            attachment_mode: attachment,
            context,
            external_handoff_mode: valid.handoff_mode,
        },
        now,
    )
    .await?;
    let entry = AuditEntry::new(
        "support_request.created",
        "support_request",
        reference.clone(),
    )
    .scoped(Some(target.workspace_id()), Some(target.tenant_id()))
    .with(json!({
        "internal_reference": reference,
        "primary_context_type": target.context_type().as_str(),
        "operation_run_id": target.run_id(),
        "severity": valid.severity.as_str(),
        "attachment_mode": attachment.as_str(),
        "handoff_mode": valid.handoff_mode.as_str(),
    }));
    audit::record(&mut tx, actx, now, entry).await?;
    let attempt = match valid.handoff_mode {
        HandoffMode::CreateExternalTicket => {
            Some(repo::open_first_attempt(&mut tx, row.id, now, creator.id, &creator.email).await?)
        }
        HandoffMode::InternalOnly | HandoffMode::LinkExistingTicket => None,
    };
    tx.commit().await?;
    Ok((row, attempt))
}

/// The newest request of `target`'s context (tenant context for a tenant, the run for a run).
pub async fn latest(
    state: &AppState,
    target: &Target<'_>,
) -> Result<Option<SupportRequestRow>, ServiceError> {
    Ok(match target {
        Target::Tenant(t) => repo::latest_for_tenant(&state.db, t.id).await?,
        Target::Run(r) => repo::latest_for_run(&state.db, r.run.id).await?,
    })
}

/// The latest summary of `target`'s context, when it has a request.
pub async fn latest_summary(
    state: &AppState,
    target: &Target<'_>,
) -> Result<Option<LatestSummary>, ServiceError> {
    Ok(latest(state, target).await?.map(|r| r.latest_summary()))
}

/// A request the current page may show as "just submitted": it must belong to `target`'s
/// context and to `viewer`, so a guessed id reveals nothing.
pub async fn submitted_by(
    state: &AppState,
    target: &Target<'_>,
    viewer: i64,
    id: i64,
) -> Result<Option<SupportRequestRow>, ServiceError> {
    let row = repo::find(&state.db, id).await?;
    Ok(row.filter(|r| {
        r.created_by_user_id == Some(viewer)
            && r.tenant_id == target.tenant_id()
            && r.primary_context_type == target.context_type()
            && r.operation_run_id == target.run_id()
    }))
}

/// Requests per page of a list.
pub const LIST_PAGE_SIZE: i64 = 25;

/// Whose requests a list shows.
#[derive(Debug, Clone, Copy)]
pub enum ListOf {
    /// Every request of a tenant, filed from the tenant or from one of its runs.
    Tenant(i64),
    /// The requests filed from one run.
    Run(i64),
}

/// Page `page` (1-based) of a list, newest first, and whether another page follows.
pub async fn list(
    state: &AppState,
    of: ListOf,
    page: i64,
) -> Result<(Vec<ListRow>, bool), ServiceError> {
    let (limit, offset) = (LIST_PAGE_SIZE + 1, (page.max(1) - 1) * LIST_PAGE_SIZE);
    let mut rows = match of {
        ListOf::Tenant(id) => repo::list_for_tenant(&state.db, id, limit, offset).await?,
        ListOf::Run(id) => repo::list_for_run(&state.db, id, limit, offset).await?,
    };
    let has_more = rows.len() as i64 > LIST_PAGE_SIZE;
    rows.truncate(LIST_PAGE_SIZE as usize);
    Ok((rows, has_more))
}

/// A request of `tenant` with every desk attempt, oldest first; `None` when the tenant has no
/// request with that reference (the caller answers `404`, whatever exists elsewhere).
pub async fn find_with_attempts(
    state: &AppState,
    tenant: &ScopedTenant,
    reference: &str,
) -> Result<Option<(SupportRequestRow, Vec<AttemptRow>)>, ServiceError> {
    let Some(row) = repo::find_in_tenant(&state.db, tenant.id, reference).await? else {
        return Ok(None);
    };
    let attempts = repo::attempts_of(&state.db, row.id).await?;
    Ok(Some((row, attempts)))
}

/// The tenant (external id) a reference belongs to, for resolving the caller's scope on it.
pub async fn tenant_of_reference(
    state: &AppState,
    reference: &str,
) -> Result<Option<String>, ServiceError> {
    Ok(repo::tenant_of_reference(&state.db, reference).await?)
}

/// Whether a reader with `role` sees the stored context of `row`: the canonical references are
/// safe for everyone who may see the request, a diagnostic snapshot only for roles that may view
/// support diagnostics.
pub fn context_visible(row: &SupportRequestRow, role: Role) -> bool {
    row.attachment_mode == AttachmentMode::CanonicalContextOnly
        || role.can(Capability::SupportDiagnosticsView)
}

/// `SupportRequestDetail` of a request of tenant `tenant` for a reader with `role`.
pub fn detail(
    row: &SupportRequestRow,
    attempts: &[AttemptRow],
    tenant: &str,
    role: Role,
) -> RequestDetail {
    RequestDetail {
        internal_reference: row.internal_reference.clone(),
        tenant: tenant.to_string(),
        primary_context_type: row.primary_context_type.as_str().to_string(),
        primary_context_id: row.operation_run_id,
        severity: row.severity,
        summary: row.summary.clone(),
        reproduction_notes: row.reproduction_notes.clone(),
        contact_name: row.contact_name.clone(),
        contact_email: row.contact_email.clone(),
        submitted_at: row.created_at,
        submitted_by: row.created_by_label.clone(),
        attachment_mode: row.attachment_mode,
        handoff_mode: row.external_handoff_mode,
        handoff_outcome: row.outcome(),
        external_ticket_reference: row.external_ticket_reference.clone(),
        external_ticket_url: row.external_ticket_url.clone(),
        failure_summary: row.failure_summary(),
        attempts: attempts.iter().map(AttemptRow::view).collect(),
        context: context_visible(row, role).then(|| row.context.0.clone()),
    }
}

/// Retries the failed handoff of request `reference` of `tenant` as `actor` (see
/// [`handoff::retry`] for the rules); `NotFound` when the tenant has no such request. Returns
/// the request and all its attempts as they now stand.
pub async fn retry_handoff(
    state: &AppState,
    actx: &AuditContext,
    actor: &User,
    tenant: &ScopedTenant,
    reference: &str,
) -> Result<(SupportRequestRow, Vec<AttemptRow>), ServiceError> {
    let row = repo::find_in_tenant(&state.db, tenant.id, reference)
        .await?
        .ok_or(ServiceError::NotFound("support request"))?;
    let row = handoff::retry(state, actx, actor, &TenantRef::of(tenant), row).await?;
    let attempts = repo::attempts_of(&state.db, row.id).await?;
    Ok((row, attempts))
}

/// Audit action of a test ticket attempt.
pub const TEST_ACTION: &str = "support_desk.test_ticket";

/// Sends a harmless test ticket to the configured desk (a platform operator checking the
/// configuration) and audits the attempt with its outcome: the desk's reference, or the
/// failure code and the desk's redacted summary. A desk failure is an outcome, not an error.
pub async fn send_test_ticket(state: &AppState, actx: &AuditContext) -> Result<(), ServiceError> {
    let reference = format!("SR-TEST-{}", ulid::Ulid::generate());
    let (kind, result) = match state.support_desk() {
        Some(desk) => {
            let draft = TicketDraft {
                internal_reference: reference.clone(),
                severity: "low".into(),
                summary: "TenantPilot test ticket (safe to close)".into(),
                reproduction_notes: Some(
                    "Sent by a platform operator from the TenantPilot system console to verify the support desk configuration.".into(),
                ),
                contact_name: None,
                contact_email: None,
                primary_context_type: "tenant".into(),
                tenant: "tenantpilot-test".into(),
                tenant_name: "TenantPilot configuration test".into(),
                workspace: "system".into(),
                operation_run_id: None,
                context_url: format!(
                    "{}/system/support-desk",
                    state.config.public_url.trim_end_matches('/')
                ),
                context: json!({"kind": "configuration_test"}),
            };
            (desk.kind(), desk.create_ticket(&draft).await)
        }
        None => (
            DeskKind::None,
            Err(crate::support_desk::DeskError::NotConfigured),
        ),
    };
    let metadata = match &result {
        Ok(ticket) => json!({
            "desk": kind.as_str(),
            "test_reference": reference,
            "external_ticket_reference": ticket.reference(),
        }),
        Err(e) => json!({
            "desk": kind.as_str(),
            "test_reference": reference,
            "failure_code": e.code(),
            "failure_summary": e.summary(),
        }),
    };
    let mut tx = state.db.begin().await?;
    audit::record(
        &mut tx,
        actx,
        state.now(),
        AuditEntry {
            action: TEST_ACTION,
            workspace_id: None,
            tenant_id: None,
            target_type: "support_desk",
            target_id: kind.as_str().to_string(),
            metadata,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

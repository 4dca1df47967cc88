//! SQL for support requests: one insert, one guarded handoff write, the latest-per-context
//! reads, and the finalizer's scan for create handoffs that never finished. Each query is
//! written once for both databases.

use super::model::{
    AttachmentMode, HandoffMode, HandoffOutcome, PrimaryContextType, Severity, SupportRequestRow,
};
use crate::db::{Db, Tx};
use crate::support_desk::HandoffFailure;
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use std::sync::LazyLock;

const COLUMNS: &str = "id, internal_reference, workspace_id, tenant_id, primary_context_type,
    operation_run_id, created_by_user_id, created_by_label, severity, summary, reproduction_notes,
    contact_name, contact_email, attachment_mode, context, created_at, external_handoff_mode,
    handoff_outcome, external_ticket_id, external_ticket_number, external_ticket_reference,
    external_ticket_url, external_handoff_failure_summary, external_handoff_failure_code,
    handoff_finalized_at";

/// A request about to be stored.
#[derive(Debug)]
pub struct NewRequest<'a> {
    /// `SR-<ULID>`.
    pub internal_reference: &'a str,
    /// Owning workspace.
    pub workspace_id: i64,
    /// Owning tenant.
    pub tenant_id: i64,
    /// Where it is filed from.
    pub primary_context_type: PrimaryContextType,
    /// The run, for run context.
    pub operation_run_id: Option<i64>,
    /// Creator.
    pub created_by_user_id: i64,
    /// Creator's address.
    pub created_by_label: &'a str,
    /// Severity.
    pub severity: Severity,
    /// Summary.
    pub summary: &'a str,
    /// Notes.
    pub reproduction_notes: Option<&'a str>,
    /// Contact name.
    pub contact_name: Option<&'a str>,
    /// Contact e-mail.
    pub contact_email: Option<&'a str>,
    /// Attachment mode.
    pub attachment_mode: AttachmentMode,
    /// Stored context.
    pub context: &'a Value,
    /// Requested handoff mode.
    pub external_handoff_mode: HandoffMode,
}

/// SQL of [`insert`].
pub static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO support_requests (internal_reference, workspace_id, tenant_id,
            primary_context_type, operation_run_id, created_by_user_id, created_by_label, severity,
            summary, reproduction_notes, contact_name, contact_email, attachment_mode, context,
            created_at, external_handoff_mode)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         RETURNING {COLUMNS}"
    )
});

/// Inserts the request and returns it as stored (one round trip, no re-read).
pub async fn insert(
    tx: &mut Tx,
    r: &NewRequest<'_>,
    now: DateTime<Utc>,
) -> Result<SupportRequestRow, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as(INSERT.as_str())
        .bind(r.internal_reference)
        .bind(r.workspace_id)
        .bind(r.tenant_id)
        .bind(r.primary_context_type)
        .bind(r.operation_run_id)
        .bind(r.created_by_user_id)
        .bind(r.created_by_label)
        .bind(r.severity)
        .bind(r.summary)
        .bind(r.reproduction_notes)
        .bind(r.contact_name)
        .bind(r.contact_email)
        .bind(r.attachment_mode)
        .bind(Json(r.context))
        .bind(now)
        .bind(r.external_handoff_mode)
        .fetch_one(c)
        .await)
}

/// The handoff fields, written once.
#[derive(Debug)]
pub struct HandoffWrite<'a> {
    /// `external_ticket_created`, `external_ticket_linked` or `external_handoff_failed`.
    pub outcome: HandoffOutcome,
    /// The desk's id.
    pub external_ticket_id: Option<&'a str>,
    /// The desk's number.
    pub external_ticket_number: Option<&'a str>,
    /// The quoted reference.
    pub external_ticket_reference: Option<&'a str>,
    /// The URL.
    pub external_ticket_url: Option<&'a str>,
    /// Why it failed, in English (the API's text).
    pub failure_summary: Option<&'a str>,
    /// Why it failed, as the code pages render in the reader's language.
    pub failure_code: Option<HandoffFailure>,
}

impl<'a> HandoffWrite<'a> {
    /// A write of `outcome` alone; the ticket fields follow with struct-update syntax.
    pub fn new(outcome: HandoffOutcome) -> Self {
        HandoffWrite {
            outcome,
            external_ticket_id: None,
            external_ticket_number: None,
            external_ticket_reference: None,
            external_ticket_url: None,
            failure_summary: None,
            failure_code: None,
        }
    }

    /// An `external_handoff_failed` write with its code and English summary.
    pub fn failed(code: HandoffFailure, summary: &'a str) -> Self {
        HandoffWrite {
            failure_summary: Some(summary),
            failure_code: Some(code),
            ..HandoffWrite::new(HandoffOutcome::ExternalHandoffFailed)
        }
    }
}

/// SQL of [`finalize_handoff`].
pub const FINALIZE_HANDOFF: &str =
    "UPDATE support_requests SET handoff_outcome = $1, external_ticket_id = $2,
            external_ticket_number = $3, external_ticket_reference = $4, external_ticket_url = $5,
            external_handoff_failure_summary = $6, external_handoff_failure_code = $7,
            handoff_finalized_at = $8
         WHERE id = $9 AND handoff_finalized_at IS NULL";

/// The one allowed write of the handoff fields; `false` when it already happened (the guard is
/// in the `WHERE`, and the table's trigger refuses any second write as well).
pub async fn finalize_handoff(
    tx: &mut Tx,
    id: i64,
    w: &HandoffWrite<'_>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = crate::execute!(
        &mut *tx,
        sqlx::query(FINALIZE_HANDOFF)
            .bind(w.outcome)
            .bind(w.external_ticket_id)
            .bind(w.external_ticket_number)
            .bind(w.external_ticket_reference)
            .bind(w.external_ticket_url)
            .bind(w.failure_summary)
            .bind(w.failure_code)
            .bind(now)
            .bind(id)
    )?;
    Ok(done == 1)
}

/// SQL of [`unfinalized_creates_before`].
pub static UNFINALIZED_CREATES_BEFORE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM support_requests
         WHERE handoff_finalized_at IS NULL AND external_handoff_mode = 'create_external_ticket'
           AND created_at < $1
         ORDER BY id LIMIT $2"
    )
});

/// Up to `limit` create requests filed before `cutoff` whose handoff was never written, oldest
/// first. The mode is a literal so both databases can use the partial index
/// `support_requests_unfinalized_create` (migration 7), which holds only these rows.
pub async fn unfinalized_creates_before(
    db: &Db,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<SupportRequestRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(UNFINALIZED_CREATES_BEFORE.as_str())
        .bind(cutoff)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// SQL of [`find`].
pub static FIND: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} FROM support_requests WHERE id = $1"));

/// One request by id.
pub async fn find(db: &Db, id: i64) -> Result<Option<SupportRequestRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND.as_str())
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`latest_for_tenant`].
pub static LATEST_FOR_TENANT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM support_requests
         WHERE tenant_id = $1 AND primary_context_type = 'tenant'
         ORDER BY id DESC LIMIT 1"
    )
});

/// The newest tenant-context request of a tenant.
pub async fn latest_for_tenant(
    db: &Db,
    tenant_id: i64,
) -> Result<Option<SupportRequestRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LATEST_FOR_TENANT.as_str())
        .bind(tenant_id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`latest_for_run`].
pub static LATEST_FOR_RUN: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM support_requests
         WHERE operation_run_id = $1 AND primary_context_type = 'operation_run'
         ORDER BY id DESC LIMIT 1"
    )
});

/// The newest request filed from a run.
pub async fn latest_for_run(
    db: &Db,
    run_id: i64,
) -> Result<Option<SupportRequestRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LATEST_FOR_RUN.as_str())
        .bind(run_id)
        .fetch_optional(p)
        .await)
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("INSERT", INSERT.as_str()),
        (
            "UNFINALIZED_CREATES_BEFORE",
            UNFINALIZED_CREATES_BEFORE.as_str(),
        ),
        ("FIND", FIND.as_str()),
        ("LATEST_FOR_TENANT", LATEST_FOR_TENANT.as_str()),
        ("LATEST_FOR_RUN", LATEST_FOR_RUN.as_str()),
        ("FINALIZE_HANDOFF", FINALIZE_HANDOFF),
    ]
}

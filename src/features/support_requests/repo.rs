//! SQL for support requests: one insert, one guarded handoff write, the latest-per-context
//! reads, and the finalizer's scan for create handoffs that never finished. Each query is
//! written once for both databases.

use super::model::{
    AttachmentMode, AttemptRow, HandoffMode, HandoffOutcome, ListRow, PrimaryContextType, Severity,
    SupportRequestRow,
};
use crate::db::{Db, Tx};
use crate::support_desk::{HandoffFailure, TicketLookup};
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
pub static FINALIZE_HANDOFF: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE support_requests SET handoff_outcome = $1, external_ticket_id = $2,
            external_ticket_number = $3, external_ticket_reference = $4, external_ticket_url = $5,
            external_handoff_failure_summary = $6, external_handoff_failure_code = $7,
            handoff_finalized_at = $8
         WHERE id = $9 AND handoff_finalized_at IS NULL
         RETURNING {COLUMNS}"
    )
});

/// The one allowed write of the handoff fields, returning the row as written; `None` when it
/// already happened (the guard is in the `WHERE`, and the table's trigger refuses any second
/// write as well).
pub async fn finalize_handoff(
    tx: &mut Tx,
    id: i64,
    w: &HandoffWrite<'_>,
    now: DateTime<Utc>,
) -> Result<Option<SupportRequestRow>, sqlx::Error> {
    with_tx!(tx, |c| bind_handoff(
        sqlx::query_as(FINALIZE_HANDOFF.as_str()),
        id,
        w,
        now
    )
    .fetch_optional(c)
    .await)
}

/// Binds the parameters [`FINALIZE_HANDOFF`] and [`RECORD_ATTEMPT_OUTCOME`] share: one write of
/// the handoff fields, guarded differently.
fn bind_handoff<'q, DB, O>(
    q: sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments>,
    id: i64,
    w: &HandoffWrite<'q>,
    now: DateTime<Utc>,
) -> sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments>
where
    DB: sqlx::Database,
    HandoffOutcome: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<HandoffFailure>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    q.bind(w.outcome)
        .bind(w.external_ticket_id)
        .bind(w.external_ticket_number)
        .bind(w.external_ticket_reference)
        .bind(w.external_ticket_url)
        .bind(w.failure_summary)
        .bind(w.failure_code)
        .bind(now)
        .bind(id)
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

const ATTEMPT_COLUMNS: &str = "id, support_request_id, attempt, started_at, actor_user_id,
    actor_label, finished_at, outcome, lookup, failure_code, failure_summary,
    external_ticket_reference, duration_ms";

/// SQL of [`open_first_attempt`].
pub static OPEN_FIRST_ATTEMPT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO support_request_handoff_attempts (support_request_id, attempt, started_at,
            actor_user_id, actor_label)
         VALUES ($1, 1, $2, $3, $4)
         RETURNING {ATTEMPT_COLUMNS}"
    )
});

/// Opens attempt 1 of a create request, in the transaction that stores the request: the claim
/// of the submit's own desk call.
pub async fn open_first_attempt(
    tx: &mut Tx,
    request_id: i64,
    now: DateTime<Utc>,
    actor_user_id: i64,
    actor_label: &str,
) -> Result<AttemptRow, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as(OPEN_FIRST_ATTEMPT.as_str())
        .bind(request_id)
        .bind(now)
        .bind(actor_user_id)
        .bind(actor_label)
        .fetch_one(c)
        .await)
}

/// SQL of [`claim_retry`]. The partial unique index on unfinished attempts (and the unique
/// attempt number) turn a concurrent second claim into "nothing inserted".
pub static CLAIM_RETRY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO support_request_handoff_attempts (support_request_id, attempt, started_at,
            actor_user_id, actor_label)
         SELECT sr.id,
                (SELECT COALESCE(MAX(a.attempt), 0) + 1 FROM support_request_handoff_attempts a
                  WHERE a.support_request_id = sr.id),
                $2, $3, $4
           FROM support_requests sr
          WHERE sr.id = $1 AND sr.external_handoff_mode = 'create_external_ticket'
            AND sr.handoff_outcome = 'external_handoff_failed'
         ON CONFLICT DO NOTHING
         RETURNING {ATTEMPT_COLUMNS}"
    )
});

/// Claims the next attempt of a request whose handoff failed; `None` when another attempt is in
/// flight or the handoff no longer stands failed.
pub async fn claim_retry(
    db: &Db,
    request_id: i64,
    now: DateTime<Utc>,
    actor_user_id: i64,
    actor_label: &str,
) -> Result<Option<AttemptRow>, sqlx::Error> {
    let claimed = with_db!(db, |p| sqlx::query_as(CLAIM_RETRY.as_str())
        .bind(request_id)
        .bind(now)
        .bind(actor_user_id)
        .bind(actor_label)
        .fetch_optional(p)
        .await);
    match claimed {
        // PostgreSQL reports the unique violation of a racing claim whose row it could not see
        // yet as an error only when the conflict target is ambiguous; both mean "taken".
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
        other => other,
    }
}

/// How an attempt ended.
#[derive(Debug)]
pub struct AttemptEnd<'a> {
    /// `external_ticket_created` or `external_handoff_failed`.
    pub outcome: HandoffOutcome,
    /// For a created ticket.
    pub lookup: Option<TicketLookup>,
    /// For a failure.
    pub failure_code: Option<HandoffFailure>,
    /// For a failure, in English.
    pub failure_summary: Option<&'a str>,
    /// For a created ticket.
    pub external_ticket_reference: Option<&'a str>,
    /// Length of the desk call; `None` when the call was cut off.
    pub duration_ms: Option<i64>,
}

/// SQL of [`finish_attempt`].
pub const FINISH_ATTEMPT: &str = "UPDATE support_request_handoff_attempts
    SET finished_at = $1, outcome = $2, lookup = $3, failure_code = $4, failure_summary = $5,
        external_ticket_reference = $6, duration_ms = $7
    WHERE id = $8 AND finished_at IS NULL";

/// Writes how an attempt ended; `false` when it was ended already (by the finalizer, or by the
/// call itself when the finalizer is the late one).
pub async fn finish_attempt(
    tx: &mut Tx,
    attempt_id: i64,
    end: &AttemptEnd<'_>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = crate::execute!(
        &mut *tx,
        sqlx::query(FINISH_ATTEMPT)
            .bind(now)
            .bind(end.outcome)
            .bind(end.lookup)
            .bind(end.failure_code)
            .bind(end.failure_summary)
            .bind(end.external_ticket_reference)
            .bind(end.duration_ms)
            .bind(attempt_id)
    )?;
    Ok(done == 1)
}

/// SQL of [`record_attempt_outcome`].
pub static RECORD_ATTEMPT_OUTCOME: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE support_requests SET handoff_outcome = $1, external_ticket_id = $2,
            external_ticket_number = $3, external_ticket_reference = $4, external_ticket_url = $5,
            external_handoff_failure_summary = $6, external_handoff_failure_code = $7,
            handoff_finalized_at = $8
         WHERE id = $9 AND (handoff_finalized_at IS NULL
                            OR handoff_outcome = 'external_handoff_failed')
         RETURNING {COLUMNS}"
    )
});

/// Writes an attempt's outcome as the request's latest: the first write, or the rewrite of a
/// failure by a retry (the table's triggers allow exactly these). Returns the row as written;
/// `None` when the request's handoff already stands created or linked.
pub async fn record_attempt_outcome(
    tx: &mut Tx,
    id: i64,
    w: &HandoffWrite<'_>,
    now: DateTime<Utc>,
) -> Result<Option<SupportRequestRow>, sqlx::Error> {
    with_tx!(tx, |c| bind_handoff(
        sqlx::query_as(RECORD_ATTEMPT_OUTCOME.as_str()),
        id,
        w,
        now
    )
    .fetch_optional(c)
    .await)
}

/// SQL of [`attempts_in_flight_before`].
pub static ATTEMPTS_IN_FLIGHT_BEFORE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {ATTEMPT_COLUMNS} FROM support_request_handoff_attempts
         WHERE finished_at IS NULL AND started_at < $1
         ORDER BY id LIMIT $2"
    )
});

/// Up to `limit` attempts begun before `cutoff` that never ended, oldest first; the partial
/// unique index holds only unfinished attempts, so the scan stays small.
pub async fn attempts_in_flight_before(
    db: &Db,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<AttemptRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(ATTEMPTS_IN_FLIGHT_BEFORE.as_str())
        .bind(cutoff)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// SQL of [`attempts_of`].
pub static ATTEMPTS_OF: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {ATTEMPT_COLUMNS} FROM support_request_handoff_attempts
         WHERE support_request_id = $1 ORDER BY attempt"
    )
});

/// Every attempt of a request, oldest first.
pub async fn attempts_of(db: &Db, request_id: i64) -> Result<Vec<AttemptRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(ATTEMPTS_OF.as_str())
        .bind(request_id)
        .fetch_all(p)
        .await)
}

/// SQL of [`find_in_tenant`].
pub static FIND_IN_TENANT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM support_requests WHERE internal_reference = $1 AND tenant_id = $2"
    )
});

/// The request `reference` of tenant `tenant_id`.
pub async fn find_in_tenant(
    db: &Db,
    tenant_id: i64,
    reference: &str,
) -> Result<Option<SupportRequestRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_IN_TENANT.as_str())
        .bind(reference)
        .bind(tenant_id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`tenant_of_reference`].
pub const TENANT_OF_REFERENCE: &str = "SELECT t.external_id FROM support_requests sr
    JOIN tenants t ON t.id = sr.tenant_id WHERE sr.internal_reference = $1";

/// The external id of the tenant a reference belongs to: the API resolves the caller's scope
/// on it before it shows or touches the request.
pub async fn tenant_of_reference(db: &Db, reference: &str) -> Result<Option<String>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(TENANT_OF_REFERENCE)
        .bind(reference)
        .fetch_optional(p)
        .await)
}

const LIST_COLUMNS: &str = "internal_reference, primary_context_type, operation_run_id,
    created_by_label, severity, summary, created_at, external_handoff_mode, handoff_outcome,
    external_ticket_reference, external_ticket_url";

/// SQL of [`list_for_tenant`].
pub static LIST_FOR_TENANT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {LIST_COLUMNS} FROM support_requests WHERE tenant_id = $1
         ORDER BY id DESC LIMIT $2 OFFSET $3"
    )
});

/// SQL of [`list_for_run`].
pub static LIST_FOR_RUN: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {LIST_COLUMNS} FROM support_requests WHERE operation_run_id = $1
         ORDER BY id DESC LIMIT $2 OFFSET $3"
    )
});

/// A page of a tenant's requests (from the tenant and from its runs), newest first.
pub async fn list_for_tenant(
    db: &Db,
    tenant_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<ListRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_FOR_TENANT.as_str())
        .bind(tenant_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)
}

/// A page of the requests filed from a run, newest first.
pub async fn list_for_run(
    db: &Db,
    run_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<ListRow>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_FOR_RUN.as_str())
        .bind(run_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("INSERT", INSERT.as_str()),
        ("FIND", FIND.as_str()),
        ("LATEST_FOR_TENANT", LATEST_FOR_TENANT.as_str()),
        ("LATEST_FOR_RUN", LATEST_FOR_RUN.as_str()),
        ("FINALIZE_HANDOFF", FINALIZE_HANDOFF.as_str()),
        ("OPEN_FIRST_ATTEMPT", OPEN_FIRST_ATTEMPT.as_str()),
        ("CLAIM_RETRY", CLAIM_RETRY.as_str()),
        ("FINISH_ATTEMPT", FINISH_ATTEMPT),
        ("RECORD_ATTEMPT_OUTCOME", RECORD_ATTEMPT_OUTCOME.as_str()),
        (
            "ATTEMPTS_IN_FLIGHT_BEFORE",
            ATTEMPTS_IN_FLIGHT_BEFORE.as_str(),
        ),
        ("ATTEMPTS_OF", ATTEMPTS_OF.as_str()),
        ("FIND_IN_TENANT", FIND_IN_TENANT.as_str()),
        ("TENANT_OF_REFERENCE", TENANT_OF_REFERENCE),
        ("LIST_FOR_TENANT", LIST_FOR_TENANT.as_str()),
        ("LIST_FOR_RUN", LIST_FOR_RUN.as_str()),
    ]
}

//! SQL for admin-consent requests. The raw `state` never reaches this file: requests are found
//! by the SHA-256 of it.

use super::model::{ConsentMode, ConsentOutcome, ConsentRequest};
use crate::db::{Db, Tx};
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};
use std::sync::LazyLock;

/// Columns of [`ConsentRequest`]: the request joined to its tenant and initiator.
const COLUMNS: &str = "r.id, r.tenant_id, t.workspace_id, t.external_id AS tenant_external_id,
    r.connection_id, r.directory_id, r.initiator_user_id, u.email AS initiator_email, r.mode,
    r.created_at, r.expires_at, r.used_at, r.outcome, r.error_description, r.run_id
    FROM admin_consent_requests r
    JOIN tenants t ON t.id = r.tenant_id
    JOIN users u ON u.id = r.initiator_user_id";

/// A request to store.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    /// SHA-256 hex of the raw state.
    pub state_hash: &'a str,
    /// Tenant.
    pub tenant_id: i64,
    /// Connection.
    pub connection_id: i64,
    /// The connection's directory now.
    pub directory_id: &'a str,
    /// Engineer starting it.
    pub initiator_user_id: i64,
    /// Button or link.
    pub mode: ConsentMode,
    /// Refused after this.
    pub expires_at: DateTime<Utc>,
}

/// SQL of [`insert`].
pub const INSERT: &str = "INSERT INTO admin_consent_requests (state_hash, tenant_id,
        connection_id, directory_id, initiator_user_id, mode, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";

/// Stores a new open request.
pub async fn insert(
    tx: &mut Tx,
    request: &NewRequest<'_>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(INSERT)
        .bind(request.state_hash)
        .bind(request.tenant_id)
        .bind(request.connection_id)
        .bind(request.directory_id)
        .bind(request.initiator_user_id)
        .bind(request.mode)
        .bind(now)
        .bind(request.expires_at)
        .fetch_one(c)
        .await)
}

/// SQL of [`find_by_state`].
pub static FIND_BY_STATE: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} WHERE r.state_hash = $1"));

/// The request whose state hashes to `state_hash`.
pub async fn find_by_state(
    db: &Db,
    state_hash: &str,
) -> Result<Option<ConsentRequest>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_BY_STATE.as_str())
        .bind(state_hash)
        .fetch_optional(p)
        .await)
}

/// SQL of [`find_for_tenant`].
pub static FIND_FOR_TENANT: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} WHERE r.id = $1 AND r.tenant_id = $2"));

/// Request `id` of tenant `tenant_id`.
pub async fn find_for_tenant(
    db: &Db,
    id: i64,
    tenant_id: i64,
) -> Result<Option<ConsentRequest>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_FOR_TENANT.as_str())
        .bind(id)
        .bind(tenant_id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`recent_for_tenant`].
pub static RECENT_FOR_TENANT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} WHERE r.tenant_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2"
    )
});

/// The tenant's newest requests, newest first.
pub async fn recent_for_tenant(
    db: &Db,
    tenant_id: i64,
    limit: i64,
) -> Result<Vec<ConsentRequest>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(RECENT_FOR_TENANT.as_str())
        .bind(tenant_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// SQL of [`mark_used`]: one statement that only the first answer of an open, unexpired
/// request can pass, so two concurrent callbacks cannot both win.
pub const MARK_USED: &str = "UPDATE admin_consent_requests
     SET used_at = $2, outcome = $3, error_description = $4
     WHERE id = $1 AND used_at IS NULL AND expires_at > $2";

/// Marks the request used with its answer; `false` when it was already used or has expired.
pub async fn mark_used(
    tx: &mut Tx,
    id: i64,
    outcome: ConsentOutcome,
    error_description: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let changed = crate::execute!(
        &mut *tx,
        sqlx::query(MARK_USED)
            .bind(id)
            .bind(now)
            .bind(outcome)
            .bind(error_description)
    )?;
    Ok(changed == 1)
}

/// SQL of [`set_run`].
pub const SET_RUN: &str = "UPDATE admin_consent_requests SET run_id = $2 WHERE id = $1";

/// Links the verification run a grant queued.
pub async fn set_run(tx: &mut Tx, id: i64, run_id: i64) -> Result<(), sqlx::Error> {
    crate::execute!(&mut *tx, sqlx::query(SET_RUN).bind(id).bind(run_id))?;
    Ok(())
}

/// Every statement above by name, for the test that prepares each on both databases.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("INSERT", INSERT),
        ("FIND_BY_STATE", FIND_BY_STATE.as_str()),
        ("FIND_FOR_TENANT", FIND_FOR_TENANT.as_str()),
        ("RECENT_FOR_TENANT", RECENT_FOR_TENANT.as_str()),
        ("MARK_USED", MARK_USED),
        ("SET_RUN", SET_RUN),
    ]
}

//! SQL for provider connections and verification reports.

use super::model::{Connection, ConsentState, Health, VerificationReport};

use crate::db::{Db, Tx};
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

const CONNECTION_COLUMNS: &str = "id, tenant_id, kind, directory_id, display_name,
    simulated_scenario, consent_state, health, granted_permissions, created_at, updated_at";

/// The tenant's connection, if it has one.
pub async fn find_for_tenant(db: &Db, tenant_id: i64) -> Result<Option<Connection>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CONNECTION_COLUMNS} FROM provider_connections WHERE tenant_id = $1"
    )))
    .bind(tenant_id)
    .fetch_optional(p)
    .await)
}

/// Fields an operator sets on a connection.
#[derive(Debug, Clone)]
pub struct ConnectionInput<'a> {
    /// Kind id.
    pub kind: &'a str,
    /// Directory id or domain.
    pub directory_id: &'a str,
    /// Label.
    pub display_name: &'a str,
    /// Scenario id (simulated kind).
    pub simulated_scenario: Option<&'a str>,
}

/// Creates the tenant's connection or replaces its settings. Changing the settings resets what
/// was observed (consent, health, permissions), because it no longer describes this connection.
pub async fn upsert(
    tx: &mut Tx,
    tenant_id: i64,
    input: &ConnectionInput<'_>,
    now: DateTime<Utc>,
) -> Result<Connection, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO provider_connections (tenant_id, kind, directory_id, display_name,
            simulated_scenario, consent_state, health, granted_permissions, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'unknown', 'unknown', $6, $7, $7)
         ON CONFLICT (tenant_id) DO UPDATE SET kind = excluded.kind,
            directory_id = excluded.directory_id, display_name = excluded.display_name,
            simulated_scenario = excluded.simulated_scenario, consent_state = 'unknown',
            health = 'unknown', granted_permissions = excluded.granted_permissions,
            updated_at = excluded.updated_at
         RETURNING {CONNECTION_COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(input.kind)
    .bind(input.directory_id)
    .bind(input.display_name)
    .bind(input.simulated_scenario)
    .bind(Json(Value::Array(Vec::new())))
    .bind(now)
    .fetch_one(c)
    .await)
}

/// Stores what a verification observed on the connection.
pub async fn record_observation(
    tx: &mut Tx,
    connection_id: i64,
    consent: ConsentState,
    health: Health,
    granted: &[String],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    with_tx!(tx, |c| sqlx::query(
        "UPDATE provider_connections SET consent_state = $2, health = $3,
            granted_permissions = $4, updated_at = $5 WHERE id = $1"
    )
    .bind(connection_id)
    .bind(consent.as_str())
    .bind(health.as_str())
    .bind(Json(granted))
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

const REPORT_COLUMNS: &str = "id, tenant_id, connection_id, run_id, overall, consent_state, health, reason_code, permissions, checked_at";

/// Inserts a verification report.
pub async fn insert_report(tx: &mut Tx, report: &VerificationReport) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO verification_reports (tenant_id, connection_id, run_id, overall,
            consent_state, health, reason_code, permissions, checked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
    )
    .bind(report.tenant_id)
    .bind(report.connection_id)
    .bind(report.run_id)
    .bind(report.overall)
    .bind(report.consent_state)
    .bind(report.health)
    .bind(report.reason_code)
    .bind(&report.permissions)
    .bind(report.checked_at)
    .fetch_one(c)
    .await)
}

/// The tenant's newest verification report.
pub async fn latest_report(
    db: &Db,
    tenant_id: i64,
) -> Result<Option<VerificationReport>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM verification_reports WHERE tenant_id = $1
         ORDER BY checked_at DESC, id DESC LIMIT 1"
    )))
    .bind(tenant_id)
    .fetch_optional(p)
    .await)
}

/// The report a run wrote, if any.
pub async fn report_for_run(
    db: &Db,
    run_id: i64,
) -> Result<Option<VerificationReport>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM verification_reports WHERE run_id = $1 LIMIT 1"
    )))
    .bind(run_id)
    .fetch_optional(p)
    .await)
}

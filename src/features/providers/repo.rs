//! SQL for provider connections and verification reports.

use super::model::{Connection, ConsentState, Health, Overall, VerificationReport};
use crate::features::operations::model::ReasonCode;

use crate::db::{Db, Tx};
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use std::sync::LazyLock;

pub const CONNECTION_COLUMNS: &str = "id, tenant_id, kind, directory_id, display_name,
    simulated_scenario, consent_state, health, granted_permissions, created_at, updated_at";

/// SQL of [`find_for_tenant`].
pub static FIND_FOR_TENANT: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {CONNECTION_COLUMNS} FROM provider_connections WHERE tenant_id = $1")
});

/// The tenant's connection, if it has one.
pub async fn find_for_tenant(db: &Db, tenant_id: i64) -> Result<Option<Connection>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_FOR_TENANT.as_str())
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

/// SQL of [`upsert`].
pub static UPSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO provider_connections (tenant_id, kind, directory_id, display_name,
            simulated_scenario, consent_state, health, granted_permissions, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'unknown', 'unknown', $6, $7, $7)
         ON CONFLICT (tenant_id) DO UPDATE SET kind = excluded.kind,
            directory_id = excluded.directory_id, display_name = excluded.display_name,
            simulated_scenario = excluded.simulated_scenario, consent_state = 'unknown',
            health = 'unknown', granted_permissions = excluded.granted_permissions,
            updated_at = excluded.updated_at
         RETURNING {CONNECTION_COLUMNS}"
    )
});

/// Creates the tenant's connection or replaces its settings. Changing the settings resets what
/// was observed (consent, health, permissions), because it no longer describes this connection.
pub async fn upsert(
    tx: &mut Tx,
    tenant_id: i64,
    input: &ConnectionInput<'_>,
    now: DateTime<Utc>,
) -> Result<Connection, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as(UPSERT.as_str())
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

/// SQL of [`record_observation`].
pub const RECORD_OBSERVATION: &str =
    "UPDATE provider_connections SET consent_state = $2, health = $3,
            granted_permissions = $4, updated_at = $5 WHERE id = $1";

/// Stores what a verification observed on the connection.
pub async fn record_observation(
    tx: &mut Tx,
    connection_id: i64,
    consent: ConsentState,
    health: Health,
    granted: &[String],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    crate::execute!(
        &mut *tx,
        sqlx::query(RECORD_OBSERVATION)
            .bind(connection_id)
            .bind(consent.as_str())
            .bind(health.as_str())
            .bind(Json(granted))
            .bind(now)
    )?;
    Ok(())
}

/// SQL of [`record_consent`]: only while the connection still points at the directory the
/// consent was given for.
pub const RECORD_CONSENT: &str = "UPDATE provider_connections SET consent_state = $2,
            updated_at = $3 WHERE id = $1 AND directory_id = $4";

/// Stores an admin-consent answer on the connection inside `tx` (granted, or missing after a
/// denial); `false` when the connection is gone or now names another directory. Health and
/// permissions stay as last observed until the verification a grant queues looks again.
pub async fn record_consent(
    tx: &mut Tx,
    connection_id: i64,
    directory_id: &str,
    consent: ConsentState,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let changed = crate::execute!(
        &mut *tx,
        sqlx::query(RECORD_CONSENT)
            .bind(connection_id)
            .bind(consent.as_str())
            .bind(now)
            .bind(directory_id)
    )?;
    Ok(changed == 1)
}

pub const REPORT_COLUMNS: &str = "id, tenant_id, connection_id, run_id, overall, consent_state, health, reason_code, permissions, checked_at";

/// SQL of [`insert_report`].
pub const INSERT_REPORT: &str =
    "INSERT INTO verification_reports (tenant_id, connection_id, run_id, overall,
            consent_state, health, reason_code, permissions, checked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";

/// Inserts a verification report.
pub async fn insert_report(tx: &mut Tx, report: &VerificationReport) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(INSERT_REPORT)
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

/// SQL of [`latest_report`].
pub static LATEST_REPORT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {REPORT_COLUMNS} FROM verification_reports WHERE tenant_id = $1
         ORDER BY checked_at DESC, id DESC LIMIT 1"
    )
});

/// The tenant's newest verification report.
pub async fn latest_report(
    db: &Db,
    tenant_id: i64,
) -> Result<Option<VerificationReport>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LATEST_REPORT.as_str())
        .bind(tenant_id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`connection_with_latest_report`]: the connection of tenant `$1` and, beside its
/// columns, the tenant's newest report with every column prefixed `r_` (all NULL when there
/// is none).
pub static CONNECTION_WITH_LATEST_REPORT: LazyLock<String> = LazyLock::new(|| {
    let connection = CONNECTION_COLUMNS
        .split(',')
        .map(|c| format!("c.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let report = REPORT_COLUMNS
        .split(',')
        .map(|c| format!("r.{0} AS r_{0}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {connection}, {report}
         FROM provider_connections c
         LEFT JOIN verification_reports r ON r.id = (
            SELECT v.id FROM verification_reports v WHERE v.tenant_id = c.tenant_id
            ORDER BY v.checked_at DESC, v.id DESC LIMIT 1)
         WHERE c.tenant_id = $1"
    )
});

/// A connection row with the tenant's newest report beside it (see
/// [`CONNECTION_WITH_LATEST_REPORT`]).
#[derive(sqlx::FromRow)]
struct ConnectionReportRow {
    #[sqlx(flatten)]
    connection: Connection,
    r_id: Option<i64>,
    r_tenant_id: Option<i64>,
    r_connection_id: Option<i64>,
    r_run_id: Option<i64>,
    r_overall: Option<Overall>,
    r_consent_state: Option<ConsentState>,
    r_health: Option<Health>,
    r_reason_code: Option<ReasonCode>,
    r_permissions: Option<Json<Value>>,
    r_checked_at: Option<DateTime<Utc>>,
}

impl ConnectionReportRow {
    fn split(self) -> (Connection, Option<VerificationReport>) {
        let report = match (
            self.r_id,
            self.r_tenant_id,
            self.r_connection_id,
            self.r_run_id,
            self.r_overall,
            self.r_consent_state,
            self.r_health,
            self.r_permissions,
            self.r_checked_at,
        ) {
            (
                Some(id),
                Some(tenant_id),
                Some(connection_id),
                Some(run_id),
                Some(overall),
                Some(consent_state),
                Some(health),
                Some(permissions),
                Some(checked_at),
            ) => Some(VerificationReport {
                id,
                tenant_id,
                connection_id,
                run_id,
                overall,
                consent_state,
                health,
                reason_code: self.r_reason_code,
                permissions,
                checked_at,
            }),
            _ => None,
        };
        (self.connection, report)
    }
}

/// The tenant's connection and its newest verification report in one statement, as the
/// dashboard, the tenant's other pages and a diagnostics bundle decide from them; `None`
/// without a connection (its reports do not count then).
pub async fn connection_with_latest_report(
    db: &Db,
    tenant_id: i64,
) -> Result<Option<(Connection, Option<VerificationReport>)>, sqlx::Error> {
    let row: Option<ConnectionReportRow> = with_db!(db, |p| sqlx::query_as(
        CONNECTION_WITH_LATEST_REPORT.as_str()
    )
    .bind(tenant_id)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(ConnectionReportRow::split))
}

/// SQL of [`report_for_run`].
pub static REPORT_FOR_RUN: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {REPORT_COLUMNS} FROM verification_reports WHERE run_id = $1 LIMIT 1")
});

/// The report a run wrote, if any.
pub async fn report_for_run(
    db: &Db,
    run_id: i64,
) -> Result<Option<VerificationReport>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(REPORT_FOR_RUN.as_str())
        .bind(run_id)
        .fetch_optional(p)
        .await)
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("FIND_FOR_TENANT", FIND_FOR_TENANT.as_str()),
        ("UPSERT", UPSERT.as_str()),
        ("LATEST_REPORT", LATEST_REPORT.as_str()),
        (
            "CONNECTION_WITH_LATEST_REPORT",
            CONNECTION_WITH_LATEST_REPORT.as_str(),
        ),
        ("REPORT_FOR_RUN", REPORT_FOR_RUN.as_str()),
        ("RECORD_OBSERVATION", RECORD_OBSERVATION),
        ("RECORD_CONSENT", RECORD_CONSENT),
        ("INSERT_REPORT", INSERT_REPORT),
    ]
}

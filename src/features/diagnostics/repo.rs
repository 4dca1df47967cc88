//! SQL for diagnostics: the tenant's provider connection with its newest verification report
//! (what a bundle and the support form's preview decide from) in one statement, and looking up
//! the audited opening a preview URL refers to.

use crate::db::Db;
use crate::features::operations::model::ReasonCode;
use crate::features::providers::model::{
    Connection, ConsentState, Health, Overall, VerificationReport,
};
use crate::with_db;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

/// SQL of [`connection_with_report`]. The providers repo answers the same in two statements
/// (connection, then its newest report); a bundle is built on every snapshot submit, so this
/// joins them. The connection's columns are named as stored (the providers model decodes
/// them), the report's carry a `report_` prefix.
pub const CONNECTION_WITH_REPORT: &str = "SELECT c.id, c.tenant_id, c.kind, c.directory_id,
            c.display_name, c.simulated_scenario, c.consent_state, c.health,
            c.granted_permissions, c.created_at, c.updated_at,
            r.id AS report_id, r.connection_id AS report_connection_id,
            r.run_id AS report_run_id, r.overall AS report_overall,
            r.consent_state AS report_consent_state, r.health AS report_health,
            r.reason_code AS report_reason_code, r.permissions AS report_permissions,
            r.checked_at AS report_checked_at
         FROM provider_connections c
         LEFT JOIN verification_reports r ON r.id = (SELECT v.id FROM verification_reports v
              WHERE v.tenant_id = c.tenant_id ORDER BY v.checked_at DESC, v.id DESC LIMIT 1)
         WHERE c.tenant_id = $1";

/// One row of [`CONNECTION_WITH_REPORT`]: the connection, and the report's columns (all null
/// when the tenant was never verified).
#[derive(sqlx::FromRow)]
struct ConnectionRow {
    #[sqlx(flatten)]
    connection: Connection,
    report_id: Option<i64>,
    report_connection_id: Option<i64>,
    report_run_id: Option<i64>,
    report_overall: Option<Overall>,
    report_consent_state: Option<ConsentState>,
    report_health: Option<Health>,
    report_reason_code: Option<ReasonCode>,
    report_permissions: Option<Json<Value>>,
    report_checked_at: Option<DateTime<Utc>>,
}

impl ConnectionRow {
    fn split(self) -> (Connection, Option<VerificationReport>) {
        let report = match (
            self.report_id,
            self.report_connection_id,
            self.report_run_id,
            self.report_overall,
            self.report_consent_state,
            self.report_health,
            self.report_permissions,
            self.report_checked_at,
        ) {
            (
                Some(id),
                Some(connection_id),
                Some(run_id),
                Some(overall),
                Some(consent_state),
                Some(health),
                Some(permissions),
                Some(checked_at),
            ) => Some(VerificationReport {
                id,
                tenant_id: self.connection.tenant_id,
                connection_id,
                run_id,
                overall,
                consent_state,
                health,
                reason_code: self.report_reason_code,
                permissions,
                checked_at,
            }),
            _ => None,
        };
        (self.connection, report)
    }
}

/// The tenant's provider connection and its newest verification report, in one round trip;
/// `None` when the tenant has no connection (its reports do not count then).
pub async fn connection_with_report(
    db: &Db,
    tenant_id: i64,
) -> Result<Option<(Connection, Option<VerificationReport>)>, sqlx::Error> {
    let row: Option<ConnectionRow> = with_db!(db, |p| sqlx::query_as(CONNECTION_WITH_REPORT)
        .bind(tenant_id)
        .fetch_optional(p)
        .await)?;
    Ok(row.map(ConnectionRow::split))
}

/// SQL of [`find_open`].
pub const FIND_OPEN: &str = "SELECT occurred_at FROM audit_events
         WHERE id = $1 AND actor_user_id = $2 AND action = 'support_diagnostics.opened'
           AND target_type = $3 AND target_id = $4";

/// When user `user_id` opened diagnostics for `target_type`/`target_id` in audit row `id`, if
/// that row is such an opening; `None` otherwise (someone else's, another target, not an open).
pub async fn find_open(
    db: &Db,
    id: i64,
    user_id: i64,
    target_type: &str,
    target_id: &str,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(FIND_OPEN)
        .bind(id)
        .bind(user_id)
        .bind(target_type)
        .bind(target_id)
        .fetch_optional(p)
        .await)
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("CONNECTION_WITH_REPORT", CONNECTION_WITH_REPORT),
        ("FIND_OPEN", FIND_OPEN),
    ]
}

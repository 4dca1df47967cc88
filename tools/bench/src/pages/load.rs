//! The page benchmark's data: bench tenants, their provider connections, a million operation
//! runs and their verification reports, inserted with a handful of set-based statements; and
//! the [`Fixture`] the scenarios draw paths from.

use super::scenario::Picker;
use super::{HISTORY_DAYS, USER, WORKSPACE, done};
use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use rand::{RngExt, rngs::StdRng};
use serde_json::{Value, json};
use sqlx::{PgPool, types::Json};
use std::{sync::Arc, time::Instant};
use tenantpilot::features::{
    operations::model::RunType,
    providers::{model::REQUIRED_PERMISSIONS, simulated::WITHHELD},
};

/// `[{key, granted}]` for every required permission; `granted(key)` decides each value.
fn permission_list(granted: impl Fn(&str) -> Value) -> Value {
    Value::Array(
        REQUIRED_PERMISSIONS
            .iter()
            .map(|k| json!({"key": k, "granted": granted(k)}))
            .collect(),
    )
}

/// Inserts the bench tenants, their connections, the runs and the verification reports with a
/// handful of set-based statements, then vacuums and analyzes.
pub(crate) async fn bulk_load(
    pool: &PgPool,
    args: super::DataSet,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let workspace_id: i64 = sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = $1")
        .bind(WORKSPACE)
        .fetch_one(pool)
        .await
        .with_context(|| format!("workspace {WORKSPACE} missing after the demo seed"))?;

    let started = Instant::now();
    let width = args.tenants.to_string().len().max(4) as i32;
    let n = sqlx::query(
        "INSERT INTO tenants (workspace_id, external_id, name, created_at)
         SELECT $1, 'bench-' || lpad(g::text, $3, '0'), 'Bench Customer ' || lpad(g::text, $3, '0'),
                $4 - interval '90 days'
         FROM generate_series(1, $2::int) g",
    )
    .bind(workspace_id)
    .bind(args.tenants as i32)
    .bind(width)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    done(&format!("tenants ({n})"), started);

    let all: Vec<String> = REQUIRED_PERMISSIONS.iter().map(|p| p.to_string()).collect();
    let partial: Vec<String> = REQUIRED_PERMISSIONS
        .iter()
        .filter(|p| !WITHHELD.contains(p))
        .map(|p| p.to_string())
        .collect();
    let started = Instant::now();
    // Scenario mix: 85 % healthy, 5 % consent missing, 5 % permissions missing, 3 % unhealthy,
    // 2 % throttled.
    let n = sqlx::query(
        "INSERT INTO provider_connections (tenant_id, kind, directory_id, display_name,
            simulated_scenario, consent_state, health, granted_permissions, created_at, updated_at)
         SELECT s.id, 'simulated', s.external_id || '.onmicrosoft.com', 'Microsoft 365 (Demo)',
                s.scenario,
                CASE s.scenario WHEN 'consent_missing' THEN 'missing' WHEN 'throttled' THEN 'unknown'
                     ELSE 'granted' END,
                CASE s.scenario WHEN 'unhealthy' THEN 'unhealthy' WHEN 'consent_missing' THEN 'unknown'
                     WHEN 'throttled' THEN 'unknown' ELSE 'healthy' END,
                CASE s.scenario WHEN 'permissions_missing' THEN $3
                     WHEN 'consent_missing' THEN '[]'::jsonb WHEN 'throttled' THEN '[]'::jsonb
                     ELSE $2 END,
                $4 - interval '60 days', $4
         FROM (SELECT t.id, t.external_id,
                      CASE WHEN t.id % 100 < 85 THEN 'healthy'
                           WHEN t.id % 100 < 90 THEN 'consent_missing'
                           WHEN t.id % 100 < 95 THEN 'permissions_missing'
                           WHEN t.id % 100 < 98 THEN 'unhealthy'
                           ELSE 'throttled' END AS scenario
               FROM tenants t WHERE t.workspace_id = $1 AND t.external_id LIKE 'bench-%') s",
    )
    .bind(workspace_id)
    .bind(Json(&all))
    .bind(Json(&partial))
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    done(&format!("provider connections ({n})"), started);

    let tenant_ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM tenants WHERE workspace_id = $1 AND external_id LIKE 'bench-%' ORDER BY id",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await?;
    let mut initiator_ids: Vec<Option<i64>> = Vec::new();
    let mut initiator_labels: Vec<String> = Vec::new();
    for email in [
        "owner@contoso.test",
        "manager@contoso.test",
        "operator@contoso.test",
    ] {
        let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(pool)
            .await
            .with_context(|| format!("demo user {email} missing"))?;
        initiator_ids.push(Some(id));
        initiator_labels.push(email.to_string());
    }
    initiator_ids.push(None);
    initiator_labels.push("system".to_string());
    let types: Vec<&str> = RunType::ALL.iter().map(|t| t.as_str()).collect();
    let fail_reasons = [
        "admin_consent_required",
        "connection_unhealthy",
        "retryable_provider_failure",
        "verification_failed",
        "orphaned",
        "internal_error",
    ];
    let runs = i64::from(args.runs);
    // Newest runs are still in flight; just before them every tenant got a verification sweep,
    // so each tenant has a recent report.
    let open = (runs / 5000).max(1).min(runs);
    let sweep = i64::from(args.tenants).min(runs - open);
    let sweep_hi = runs - open;
    let sweep_lo = sweep_hi - sweep;
    let step_secs = (HISTORY_DAYS * 86_400) as f64 / runs as f64;
    let start = now - chrono::Duration::days(HISTORY_DAYS);

    let started = Instant::now();
    // Three levels, each fenced with OFFSET 0 so the planner neither inlines nor re-evaluates the
    // volatile random() columns: draw per row, then decide outcome and reason, then shape.
    // generate_series yields rows in order, so ids grow with created_at as in production.
    let n = sqlx::query(
        "INSERT INTO operation_runs (workspace_id, tenant_id, run_type, status, outcome, reason_code,
            summary_message, summary_counts, progress_done, progress_total, initiator_user_id,
            initiator_label, context, created_at, started_at, completed_at, heartbeat_at, claimed_by)
         SELECT $1, o.tenant_id, o.run_type, o.status, o.outcome, o.reason_code,
            CASE o.reason_code
                WHEN 'admin_consent_required' THEN
                    'AADSTS65001: The user or administrator has not consented to use the application.'
                WHEN 'connection_unhealthy' THEN 'Graph answered 503 Service Unavailable.'
                WHEN 'retryable_provider_failure' THEN
                    'The provider throttled the request; it asked to retry after 30 s.'
                WHEN 'orphaned' THEN
                    'The instance running this operation stopped before it finished.'
                WHEN 'verification_failed' THEN
                    'The provider answered with an error the check could not interpret.'
                WHEN 'internal_error' THEN 'The run hit an unexpected error; it is logged.'
                WHEN 'required_permissions_missing' THEN
                    CASE WHEN o.run_type = 'inventory.sync' THEN
                        'Part of the inventory could not be read; grant the missing permissions and sync again.'
                    END
            END,
            CASE
                WHEN o.outcome IS NULL OR o.outcome = 'failed' THEN '{}'::jsonb
                WHEN o.run_type = 'provider.connection.verify' THEN jsonb_build_object(
                    'permissions_required', 6,
                    'permissions_granted', CASE o.outcome WHEN 'succeeded' THEN 6 ELSE 4 END,
                    'permissions_missing', CASE o.outcome WHEN 'succeeded' THEN 0 ELSE 2 END)
                WHEN o.run_type = 'inventory.sync' THEN jsonb_build_object(
                    'managed_devices', 20 + floor(o.u1 * 4000)::int,
                    'configuration_profiles', 3 + floor(o.u2 * 120)::int)
                WHEN o.run_type = 'permission_posture.report' THEN jsonb_build_object(
                    'permissions_granted', CASE o.outcome WHEN 'succeeded' THEN 6 ELSE 4 END,
                    'permissions_missing', CASE o.outcome WHEN 'succeeded' THEN 0 ELSE 2 END)
                WHEN o.run_type = 'entra_admin_roles.report' THEN jsonb_build_object(
                    'roles', 8 + floor(o.u1 * 30)::int,
                    'high_privilege_roles', 1 + floor(o.u2 * 5)::int)
                ELSE jsonb_build_object('files', 5, 'bytes', 8000 + floor(o.u1 * 60000)::int)
            END,
            CASE o.status WHEN 'completed' THEN 1 ELSE 0 END,
            CASE o.status WHEN 'queued' THEN 0 ELSE 1 END,
            ($5::bigint[])[o.who + 1], ($6::text[])[o.who + 1],
            jsonb_build_object('bench', true),
            o.created_at,
            CASE WHEN o.status <> 'queued' THEN o.created_at + make_interval(secs => 1 + o.u1 * 4) END,
            CASE WHEN o.status = 'completed' THEN o.created_at + make_interval(secs => 6 + o.u2 * 170) END,
            CASE o.status
                WHEN 'completed' THEN o.created_at + make_interval(secs => 6 + o.u2 * 170)
                WHEN 'running' THEN o.created_at + make_interval(secs => 2)
            END,
            CASE WHEN o.status <> 'queued' THEN 'bench-executor' END
         FROM (
            SELECT d.*,
                CASE WHEN d.status <> 'completed' THEN NULL
                     WHEN d.u_out < 0.80 THEN 'succeeded'
                     WHEN d.u_out < 0.90 AND d.run_type IN ('provider.connection.verify',
                          'inventory.sync', 'permission_posture.report') THEN 'partially_succeeded'
                     WHEN d.u_out < 0.90 THEN 'succeeded'
                     ELSE 'failed' END AS outcome,
                CASE WHEN d.status <> 'completed' OR d.u_out < 0.80 THEN NULL
                     WHEN d.u_out < 0.90 AND d.run_type IN ('provider.connection.verify',
                          'inventory.sync', 'permission_posture.report')
                          THEN 'required_permissions_missing'
                     WHEN d.u_out < 0.90 THEN NULL
                     WHEN d.run_type = 'review_pack.generate' THEN 'internal_error'
                     ELSE ($8::text[])[d.fail_kind + 1] END AS reason_code
            FROM (
                SELECT g,
                    CASE WHEN g > $9 AND g <= $10 THEN ($4::bigint[])[(g - $9)::int]
                         ELSE ($4::bigint[])[1 + floor(random() * $3::int)::int] END AS tenant_id,
                    CASE WHEN g > $9 AND g <= $10 THEN 'provider.connection.verify'
                         ELSE ($7::text[])[1 + floor(random() * 5)::int] END AS run_type,
                    CASE WHEN g > $10 THEN CASE WHEN g % 2 = 0 THEN 'running' ELSE 'queued' END
                         ELSE 'completed' END AS status,
                    random() AS u_out,
                    floor(random() * 6)::int AS fail_kind,
                    floor(random() * 4)::int AS who,
                    random() AS u1,
                    random() AS u2,
                    $11::timestamptz + make_interval(secs => (g - 1) * $12::float8) AS created_at
                FROM generate_series(1, $2::bigint) g
                OFFSET 0
            ) d
            OFFSET 0
         ) o",
    )
    .bind(workspace_id)
    .bind(runs)
    .bind(tenant_ids.len() as i32)
    .bind(&tenant_ids)
    .bind(&initiator_ids)
    .bind(&initiator_labels)
    .bind(&types)
    .bind(&fail_reasons[..])
    .bind(sweep_lo)
    .bind(sweep_hi)
    .bind(start)
    .bind(step_secs)
    .execute(pool)
    .await?
    .rows_affected();
    done(&format!("operation runs ({n})"), started);

    let started = Instant::now();
    let n = sqlx::query(
        "INSERT INTO verification_reports (tenant_id, connection_id, run_id, overall, consent_state,
            health, reason_code, permissions, checked_at)
         SELECT r.tenant_id, c.id, r.id,
            CASE WHEN r.outcome = 'succeeded' THEN 'ready'
                 WHEN r.reason_code IN ('required_permissions_missing', 'admin_consent_required')
                      THEN 'blocked'
                 ELSE 'failed' END,
            CASE WHEN r.reason_code = 'admin_consent_required' THEN 'missing'
                 WHEN r.reason_code IN ('retryable_provider_failure', 'verification_failed')
                      THEN 'unknown'
                 ELSE 'granted' END,
            CASE WHEN r.reason_code = 'connection_unhealthy' THEN 'unhealthy'
                 WHEN r.outcome = 'succeeded' OR r.reason_code = 'required_permissions_missing'
                      THEN 'healthy'
                 ELSE 'unknown' END,
            r.reason_code,
            CASE WHEN r.outcome = 'succeeded' OR r.reason_code = 'connection_unhealthy' THEN $2
                 WHEN r.reason_code = 'required_permissions_missing' THEN $3
                 ELSE $4 END,
            r.completed_at
         FROM operation_runs r
         JOIN provider_connections c ON c.tenant_id = r.tenant_id
         WHERE r.workspace_id = $1 AND r.run_type = 'provider.connection.verify'
           AND r.status = 'completed' AND r.context ? 'bench'
           AND r.reason_code IS DISTINCT FROM 'orphaned'
           AND r.reason_code IS DISTINCT FROM 'internal_error'
         ORDER BY r.id",
    )
    .bind(workspace_id)
    .bind(Json(permission_list(|_| Value::Bool(true))))
    .bind(Json(permission_list(|k| Value::Bool(!WITHHELD.contains(&k)))))
    .bind(Json(permission_list(|_| Value::Null)))
    .execute(pool)
    .await?
    .rows_affected();
    done(&format!("verification reports ({n})"), started);

    // The fleet list reads each tenant's verdict columns, which the product keeps when it
    // stores a report; reports loaded in bulk get them from the product's own statement.
    let started = Instant::now();
    sqlx::query(tenantpilot::features::tenants::repo::REFRESH_ALL_REPORT_VERDICTS)
        .execute(pool)
        .await?;
    done("fleet verdict columns", started);

    let started = Instant::now();
    // VACUUM sets the visibility map (as autovacuum would on a live system) and ANALYZE gives
    // the planner statistics; without them the first minutes after a bulk load are atypical.
    sqlx::raw_sql("VACUUM (ANALYZE)").execute(pool).await?;
    done("VACUUM (ANALYZE)", started);
    Ok(())
}

/// What the scenarios draw from.
pub(crate) struct Fixture {
    /// The signed-in user's id.
    pub(crate) user_id: i64,
    /// Tenants of the workspace the user sees (the switcher's length).
    pub(crate) visible_tenants: i64,
    /// Bench tenants: id and external id.
    pub(crate) tenants: Vec<(i64, String)>,
    /// Every run of the workspace.
    pub(crate) run_ids: Vec<i64>,
}

impl Fixture {
    /// A run of the workspace, drawn at random.
    pub(crate) fn random_run(&self, rng: &mut StdRng) -> i64 {
        self.run_ids[rng.random_range(0..self.run_ids.len())]
    }

    /// A bench tenant's external id, drawn at random.
    pub(crate) fn random_tenant(&self, rng: &mut StdRng) -> &str {
        &self.tenants[rng.random_range(0..self.tenants.len())].1
    }

    /// A [`Picker`] of paths `path` builds from this fixture.
    pub(crate) fn random_path(
        self: &Arc<Self>,
        path: impl Fn(&Fixture, &mut StdRng) -> String + Send + Sync + 'static,
    ) -> Picker {
        let f = self.clone();
        Arc::new(move |rng: &mut StdRng| path(&f, rng))
    }

    /// Reads the signed-in user, the bench tenants and every run of the workspace.
    pub(crate) async fn load(pool: &PgPool) -> anyhow::Result<Fixture> {
        let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(USER)
            .fetch_one(pool)
            .await
            .with_context(|| format!("user {USER} missing"))?;
        let workspace_id: i64 = sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = $1")
            .bind(WORKSPACE)
            .fetch_one(pool)
            .await?;
        let visible_tenants: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM tenants WHERE workspace_id = $1")
                .bind(workspace_id)
                .fetch_one(pool)
                .await?;
        let tenants: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, external_id FROM tenants
             WHERE workspace_id = $1 AND external_id LIKE 'bench-%' ORDER BY id",
        )
        .bind(workspace_id)
        .fetch_all(pool)
        .await?;
        let run_ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM operation_runs WHERE workspace_id = $1")
                .bind(workspace_id)
                .fetch_all(pool)
                .await?;
        if tenants.is_empty() || run_ids.is_empty() {
            bail!("the benchmark database has no bench tenants or runs");
        }
        Ok(Fixture {
            user_id,
            visible_tenants,
            tenants,
            run_ids,
        })
    }
}

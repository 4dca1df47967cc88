//! The telemetry benchmark's data: workspaces, tenants, users and millions of ledger rows in
//! the production event mix, loaded with set-based SQL, and the rollups built from them as
//! the recorder would have.

use super::{BenchArgs, step};
use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sqlx::{AssertSqlSafe, PgPool};
use std::time::Instant;
use tenantpilot::features::telemetry::catalog::Event;

/// The event mix of the load: family, share in percent.
const MIX: [(Event, i64); 5] = [
    (Event::OnboardingCheckpointCompleted, 12),
    (Event::SupportDiagnosticsOpened, 25),
    (Event::OperationsStarted, 40),
    (Event::StoredReportCreated, 15),
    (Event::ReviewPackRequested, 8),
];

/// `CASE` expression choosing the event name (and feature area, subject type, metadata) from
/// `r`, a number in 0..100.
fn mix_case(column: &str) -> String {
    let mut acc = 0;
    let mut out = String::from("CASE");
    for (event, share) in MIX {
        acc += share;
        let value = match column {
            "event_name" => format!("'{}'", event.name()),
            "feature_area" => format!("'{}'", event.feature_area()),
            "subject_type" => format!("'{}'", event.subject_types()[0]),
            _ => match event {
                Event::OnboardingCheckpointCompleted => "jsonb_build_object('checkpoint_key', \
                    'connect', 'lifecycle_state', 'draft', 'completed_at', s.at)"
                    .to_string(),
                Event::SupportDiagnosticsOpened => {
                    "jsonb_build_object('source_surface', 'tenant_dashboard')".to_string()
                }
                Event::OperationsStarted => {
                    "jsonb_build_object('operation_type', 'inventory.sync')".to_string()
                }
                Event::StoredReportCreated => {
                    "jsonb_build_object('report_type', 'permission_posture')".to_string()
                }
                Event::ReviewPackRequested => {
                    "jsonb_build_object('source_surface', 'admin')".to_string()
                }
            },
        };
        out.push_str(&format!(" WHEN s.r < {acc} THEN {value}"));
    }
    out.push_str(" END");
    out
}

/// Inserts `count` events evenly spread over `[from, to)` (ids grow with time, as in
/// production), in chunks, then adds them to the rollups.
pub(super) async fn load_events(
    pool: &PgPool,
    count: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    label: &str,
) -> anyhow::Result<()> {
    const CHUNK: i64 = 1_000_000;
    let span_us = (to - from).num_microseconds().context("span too long")? as f64;
    let sql = format!(
        "INSERT INTO product_usage_events (workspace_id, tenant_id, actor_user_id, event_name,
            feature_area, subject_type, subject_id, metadata, occurred_at)
         SELECT t.ws[s.ti], t.ids[s.ti], u.ids[s.ui], {name}, {area}, {subject},
                (1000000 + s.g)::text, {meta}, s.at
         FROM (SELECT array_agg(id ORDER BY id) AS ids, array_agg(workspace_id ORDER BY id) AS ws,
                      count(*) AS n FROM tenants) t,
              (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM users) u,
              LATERAL (SELECT g,
                    $1::timestamptz + make_interval(secs => (g::float8 * $2) / 1e6) AS at,
                    ((g * 7919) % 100)::int AS r,
                    (1 + (g * 104729) % t.n)::int AS ti,
                    (1 + (g * 15485863) % u.n)::int AS ui
                 FROM generate_series($3::bigint, $4::bigint) g) s",
        name = mix_case("event_name"),
        area = mix_case("feature_area"),
        subject = mix_case("subject_type"),
        meta = mix_case("metadata"),
    );
    let started = Instant::now();
    let mut lo = 0;
    while lo < count {
        let hi = (lo + CHUNK).min(count) - 1;
        sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(from)
            .bind(span_us / count as f64)
            .bind(lo)
            .bind(hi)
            .execute(pool)
            .await
            .with_context(|| format!("loading events {lo}..{hi}"))?;
        lo = hi + 1;
    }
    step(&format!("{label}: {count} events"), started);
    let started = Instant::now();
    sqlx::query(
        "INSERT INTO product_usage_hourly (bucket_start, day, event_name, events)
         SELECT date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                (occurred_at AT TIME ZONE 'UTC')::date, event_name, COUNT(*)
         FROM product_usage_events WHERE occurred_at >= $1 AND occurred_at < $2
         GROUP BY 1, 2, 3
         ON CONFLICT (bucket_start, event_name)
         DO UPDATE SET events = product_usage_hourly.events + excluded.events",
    )
    .bind(from)
    .bind(to)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO product_usage_workspace_days (day, workspace_id, first_at, last_at)
         SELECT (occurred_at AT TIME ZONE 'UTC')::date, workspace_id,
                MIN(occurred_at), MAX(occurred_at)
         FROM product_usage_events WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY 1, 2
         ON CONFLICT (day, workspace_id) DO UPDATE SET
            first_at = LEAST(product_usage_workspace_days.first_at, excluded.first_at),
            last_at = GREATEST(product_usage_workspace_days.last_at, excluded.last_at)",
    )
    .bind(from)
    .bind(to)
    .execute(pool)
    .await?;
    step(&format!("{label}: rollups"), started);
    let started = Instant::now();
    for table in [
        "product_usage_events",
        "product_usage_hourly",
        "product_usage_workspace_days",
    ] {
        sqlx::query(AssertSqlSafe(format!("VACUUM ANALYZE {table}")))
            .execute(pool)
            .await?;
    }
    step(&format!("{label}: vacuum analyze"), started);
    Ok(())
}

/// Workspaces, tenants, users and the measured history ending at `anchor`.
pub(super) async fn load_history(
    pool: &PgPool,
    args: &BenchArgs,
    anchor: DateTime<Utc>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    sqlx::query(
        "INSERT INTO workspaces (slug, name, created_at)
         SELECT 'bench-ws-' || g, 'Bench workspace ' || g, $1 FROM generate_series(1, $2) g",
    )
    .bind(anchor)
    .bind(args.workspaces)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO tenants (workspace_id, external_id, name, created_at)
         SELECT w.id, 'bench-t-' || g, 'Bench tenant ' || g, $1
         FROM generate_series(0, $2 - 1) g
         JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM workspaces) w
           ON w.i = g % $3",
    )
    .bind(anchor)
    .bind(args.tenants)
    .bind(args.workspaces)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO users (email, display_name, password_hash, created_at)
         SELECT 'bench-user-' || g || '@bench.test', 'Bench user ' || g, 'x', $1
         FROM generate_series(1, 100) g",
    )
    .bind(anchor)
    .execute(pool)
    .await?;
    step(
        &format!(
            "{} workspaces, {} tenants, 100 users",
            args.workspaces, args.tenants
        ),
        started,
    );
    load_events(
        pool,
        args.events,
        anchor - Duration::days(args.days),
        anchor,
        "history",
    )
    .await?;
    sqlx::query(
        "CREATE TABLE telemetry_bench_meta (anchor TIMESTAMPTZ NOT NULL, events BIGINT NOT NULL,
            days BIGINT NOT NULL, tenants BIGINT NOT NULL, workspaces BIGINT NOT NULL)",
    )
    .execute(pool)
    .await?;
    sqlx::query("INSERT INTO telemetry_bench_meta VALUES ($1, $2, $3, $4, $5)")
        .bind(anchor)
        .bind(args.events)
        .bind(args.days)
        .bind(args.tenants)
        .bind(args.workspaces)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_adds_up() {
        assert_eq!(MIX.iter().map(|(_, s)| s).sum::<i64>(), 100);
        assert!(mix_case("event_name").contains("product.review_pack.requested"));
    }
}

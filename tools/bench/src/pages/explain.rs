//! The page benchmark's EXPLAIN pass: `EXPLAIN (ANALYZE, BUFFERS)` of every query the two
//! pages issue, with random parameters from the fixture.
//!
//! The statements are the repositories' own SQL constants (each repo lists them in its
//! `statements()`), so what is explained is exactly what the server runs.

use super::{WORKSPACE, load::Fixture};
use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use serde_json::Value;
use sqlx::{AssertSqlSafe, PgPool, types::Json};
use tenantpilot::access::{
    self,
    repo::{CallerKind, TargetKind},
};
use tenantpilot::features::providers::model::TenantVerdict;
use tenantpilot::features::tenants::repo::TimedRead;
use tenantpilot::features::{operations, providers, tenants};

/// A bind parameter of an explained query.
#[derive(Debug, Clone)]
enum Param {
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

/// One query behind a page: the repository function it comes from and its SQL.
struct Explained {
    page: &'static str,
    source: &'static str,
    sql: String,
}

/// Every query the run viewer, the tenant dashboard, the fleet list (default page, and its
/// counts under a search) and the API's run list issue, in request order; each page starts with
/// its request context (caller, the path's target in scope and the page frame in one
/// statement).
fn explained_queries(fleet_page: &str) -> Vec<Explained> {
    let q = |page, source, sql: &str| Explained {
        page,
        source,
        sql: sql.to_owned(),
    };
    let context = |target| access::repo::context_sql(CallerKind::Session, target, true);
    vec![
        q(
            "viewer",
            "access::repo::load (run)",
            &context(TargetKind::Run),
        ),
        q(
            "viewer",
            "operations::repo::find_scoped",
            &operations::repo::FIND_SCOPED,
        ),
        q(
            "viewer",
            "providers::repo::report_for_run",
            &providers::repo::REPORT_FOR_RUN,
        ),
        q(
            "dashboard",
            "access::repo::load (tenant)",
            &context(TargetKind::Tenant),
        ),
        q(
            "dashboard",
            "providers::repo::connection_with_latest_report",
            &providers::repo::CONNECTION_WITH_LATEST_REPORT,
        ),
        q(
            "dashboard",
            "operations::repo::recent_for_tenant",
            &operations::repo::RECENT_FOR_TENANT,
        ),
        q(
            "fleet",
            "access::repo::load (workspace)",
            &context(TargetKind::Workspace),
        ),
        q(
            "fleet",
            "tenants::repo::stored_fleet_counts",
            tenants::repo::STORED_FLEET_COUNTS,
        ),
        q("fleet", "tenants::repo::fleet_page_rows", fleet_page),
        q(
            "fleet (q=)",
            "tenants::repo::fleet_counts",
            &tenants::repo::FLEET_COUNTS,
        ),
        q(
            "API runs",
            "operations::repo::list_visible",
            operations::repo::list_visible_for_tenant_sql(),
        ),
    ]
}

/// One EXPLAIN (ANALYZE, BUFFERS) result, reduced to what the summary prints.
struct PlanSummary {
    execution_ms: f64,
    planning_ms: f64,
    rows: f64,
    hit: i64,
    read: i64,
    top: String,
    indexes: Vec<String>,
}

fn collect_indexes(plan: &Value, out: &mut Vec<String>) {
    if let Some(name) = plan.get("Index Name").and_then(Value::as_str)
        && !out.iter().any(|n| n == name)
    {
        out.push(name.to_string());
    }
    if let Some(relation) = plan.get("Relation Name").and_then(Value::as_str)
        && plan.get("Node Type").and_then(Value::as_str) == Some("Seq Scan")
    {
        let seq = format!("Seq Scan on {relation}");
        if !out.contains(&seq) {
            out.push(seq);
        }
    }
    if let Some(children) = plan.get("Plans").and_then(Value::as_array) {
        for child in children {
            collect_indexes(child, out);
        }
    }
}

async fn explain_once(pool: &PgPool, sql: &str, params: &[Param]) -> anyhow::Result<PlanSummary> {
    let mut q = sqlx::query_scalar::<_, Json<Value>>(AssertSqlSafe(format!(
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}"
    )));
    for p in params {
        q = match p {
            Param::Int(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.clone()),
            Param::Time(v) => q.bind(*v),
        };
    }
    let Json(doc) = q.fetch_one(pool).await?;
    let root = doc
        .get(0)
        .ok_or_else(|| anyhow!("EXPLAIN returned no plan"))?;
    let plan = root.get("Plan").cloned().unwrap_or(Value::Null);
    let mut indexes = Vec::new();
    collect_indexes(&plan, &mut indexes);
    let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    Ok(PlanSummary {
        execution_ms: num(root, "Execution Time"),
        planning_ms: num(root, "Planning Time"),
        rows: num(&plan, "Actual Rows"),
        hit: num(&plan, "Shared Hit Blocks") as i64,
        read: num(&plan, "Shared Read Blocks") as i64,
        top: plan
            .get("Node Type")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string(),
        indexes,
    })
}

/// Explains every query of both pages with `samples` random parameter sets each and prints the
/// median and maximum execution time.
pub(crate) async fn explain_all(
    pool: &PgPool,
    fixture: &Fixture,
    samples: usize,
) -> anyhow::Result<()> {
    let samples = samples.max(1);
    let token_hash: String = sqlx::query_scalar(
        "SELECT token_hash FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(fixture.user_id)
    .fetch_one(pool)
    .await
    .context("the benchmark's session is missing")?;
    let verify_runs: Vec<i64> = sqlx::query_scalar(
        "SELECT run_id FROM verification_reports ORDER BY run_id DESC LIMIT 10000",
    )
    .fetch_all(pool)
    .await?;
    let workspace_id: i64 = sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = $1")
        .bind(WORKSPACE)
        .fetch_one(pool)
        .await?;
    // The fleet page as the service asks for it: the default (attention) order, page 1, the
    // default 24-hour freshness, stale and ready tenants read as their counts decide.
    let now = Utc::now();
    let cutoff = now - chrono::Duration::hours(24);
    let failed_since = now - chrono::Duration::days(tenants::service::FAILED_RUNS_DAYS);
    let db = tenantpilot::db::Db::Postgres(pool.clone());
    let kept = tenants::repo::stored_fleet_counts(&db, fixture.user_id, workspace_id, cutoff)
        .await?
        .ok_or_else(|| anyhow!("the benchmark user does not see every tenant"))?;
    let kept_n = |v: TenantVerdict| {
        kept.iter()
            .find(|(r, _)| *r == v.attention_rank())
            .map_or(0, |(_, n)| *n)
    };
    let (stale, ready) = (kept_n(TenantVerdict::Stale), kept_n(TenantVerdict::Ready));
    let size = tenants::service::FLEET_PAGE_SIZE;
    let stale_read = TimedRead::choose(stale, stale + ready, size);
    let ready_read = TimedRead::choose(ready, stale + ready, size);
    println!(
        "fleet: {stale} stale and {ready} ready tenants, read as {stale_read:?} and {ready_read:?}"
    );
    let mut rng = StdRng::seed_from_u64(42);
    println!(
        "EXPLAIN (ANALYZE, BUFFERS), {samples} random parameter sets per query (warm cache): \
         execution time median / max, planning median"
    );
    println!(
        "{:<13} {:<40} {:>8} {:>8} {:>8} {:>6} {:>7}  plan",
        "page", "query", "exec p50", "exec max", "planning", "rows", "buffers"
    );
    // The session and the path's key, as the request-context middleware binds them.
    let context_params = |key: Param| {
        vec![
            Param::Text(token_hash.clone()),
            Param::Time(Utc::now()),
            key,
        ]
    };
    // The first page's statement has the page size and the reads written in; a range too
    // large for that takes the paged statement, which binds them.
    let first = tenants::repo::first_attention_page(
        tenants::fleet::SortDir::Asc,
        false,
        stale_read,
        ready_read,
    );
    let fleet_page = first.unwrap_or(tenants::repo::FLEET_PAGES[0].as_str());
    for q in explained_queries(fleet_page) {
        let mut results = Vec::with_capacity(samples);
        for _ in 0..samples {
            let (tenant_id, external_id) =
                fixture.tenants[rng.random_range(0..fixture.tenants.len())].clone();
            let run_id = fixture.run_ids[rng.random_range(0..fixture.run_ids.len())];
            let params = match q.source {
                "access::repo::load (run)" => context_params(Param::Int(run_id)),
                "access::repo::load (tenant)" => context_params(Param::Text(external_id)),
                "access::repo::load (workspace)" => {
                    context_params(Param::Text(WORKSPACE.to_string()))
                }
                "operations::repo::find_scoped" => {
                    vec![Param::Int(fixture.user_id), Param::Int(run_id)]
                }
                "providers::repo::report_for_run" => {
                    let id = if verify_runs.is_empty() {
                        run_id
                    } else {
                        verify_runs[rng.random_range(0..verify_runs.len())]
                    };
                    vec![Param::Int(id)]
                }
                "tenants::repo::find_scoped" => {
                    vec![Param::Int(fixture.user_id), Param::Text(external_id)]
                }
                "operations::repo::recent_for_tenant" => {
                    vec![Param::Int(tenant_id), Param::Int(10)]
                }
                "tenants::repo::stored_fleet_counts" => vec![
                    Param::Int(fixture.user_id),
                    Param::Int(workspace_id),
                    Param::Time(cutoff),
                ],
                "tenants::repo::fleet_page_rows" if first.is_some() => vec![
                    Param::Int(fixture.user_id),
                    Param::Int(workspace_id),
                    Param::Time(cutoff),
                    Param::Int(-1),
                    Param::Time(failed_since),
                ],
                "tenants::repo::fleet_page_rows" => vec![
                    Param::Int(fixture.user_id),
                    Param::Int(workspace_id),
                    Param::Time(cutoff),
                    Param::Int(-1),
                    Param::Int(size),
                    Param::Int(0),
                    Param::Time(failed_since),
                    Param::Int(stale_read.param()),
                    Param::Int(ready_read.param()),
                ],
                "tenants::repo::fleet_counts" => vec![
                    Param::Int(fixture.user_id),
                    Param::Int(workspace_id),
                    Param::Time(cutoff),
                    Param::Text(String::new()),
                ],
                "operations::repo::list_visible" => vec![
                    Param::Int(fixture.user_id),
                    Param::Int(tenant_id),
                    // The API's page of 50 and one more to learn whether another follows.
                    Param::Int(51),
                ],
                _ => vec![Param::Int(tenant_id)],
            };
            results.push(explain_once(pool, &q.sql, &params).await?);
        }
        let mut exec: Vec<f64> = results.iter().map(|r| r.execution_ms).collect();
        let mut plan: Vec<f64> = results.iter().map(|r| r.planning_ms).collect();
        exec.sort_by(f64::total_cmp);
        plan.sort_by(f64::total_cmp);
        let last = results
            .last()
            .ok_or_else(|| anyhow!("no EXPLAIN samples"))?;
        println!(
            "{:<13} {:<40} {:>6.3}ms {:>6.3}ms {:>6.3}ms {:>6} {:>7}  {} [{}]",
            q.page,
            q.source,
            exec[exec.len() / 2],
            exec[exec.len() - 1],
            plan[plan.len() / 2],
            last.rows,
            format!("{}h/{}r", last.hit, last.read),
            last.top,
            last.indexes.join(", ")
        );
    }
    Ok(())
}

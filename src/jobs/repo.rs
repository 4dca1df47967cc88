//! SQL of the scheduler's run ledger (`job_runs`, one row per job and slot).

use crate::db::Db;
use crate::with_db;
use chrono::{DateTime, Utc};

/// SQL of [`claim`].
pub const CLAIM: &str =
    "INSERT INTO job_runs (job, slot, claimed_by, claimed_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (job, slot) DO NOTHING RETURNING job";

/// Claims `(job, slot)` for `instance`. The primary key lets exactly one insert win, across
/// every instance sharing the database; returns whether this one did.
pub async fn claim(
    db: &Db,
    job: &str,
    slot: &str,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let won: Option<String> = with_db!(db, |p| sqlx::query_scalar(CLAIM)
        .bind(job)
        .bind(slot)
        .bind(instance)
        .bind(now)
        .fetch_optional(p)
        .await)?;
    Ok(won.is_some())
}

/// SQL of [`finish`].
pub const FINISH: &str = "UPDATE job_runs SET finished_at = $4, outcome = $5, detail = $6
         WHERE job = $1 AND slot = $2 AND claimed_by = $3";

/// Records how the claimed run ended.
pub async fn finish(
    db: &Db,
    job: &str,
    slot: &str,
    instance: &str,
    now: DateTime<Utc>,
    outcome: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    crate::execute!(
        db,
        sqlx::query(FINISH)
            .bind(job)
            .bind(slot)
            .bind(instance)
            .bind(now)
            .bind(outcome)
            .bind(detail)
    )?;
    Ok(())
}

/// SQL of [`delete_runs_before`].
pub const DELETE_RUNS_BEFORE: &str = "DELETE FROM job_runs WHERE job = $1 AND claimed_at < $2";

/// Deletes the ledger rows of `job` claimed before `before` (for jobs with short slots, whose
/// rows would otherwise pile up). Returns how many went.
pub async fn delete_runs_before(
    db: &Db,
    job: &str,
    before: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    crate::execute!(db, sqlx::query(DELETE_RUNS_BEFORE).bind(job).bind(before))
}

/// One ledger row, for operators and tests.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JobRun {
    /// Job id.
    pub job: String,
    /// Slot (UTC day for daily jobs, `YYYY-MM-DDTHH:MM` for five-minute jobs).
    pub slot: String,
    /// Instance that ran it.
    pub claimed_by: String,
    /// When it was claimed.
    pub claimed_at: DateTime<Utc>,
    /// When it ended (`None` while running, or if the instance died).
    pub finished_at: Option<DateTime<Utc>>,
    /// `succeeded` or `failed`.
    pub outcome: Option<String>,
    /// What it did, or why it failed.
    pub detail: Option<String>,
}

/// SQL of [`runs_of`].
pub const RUNS_OF: &str = "SELECT job, slot, claimed_by, claimed_at, finished_at, outcome, detail
         FROM job_runs WHERE job = $1 ORDER BY slot";

/// The ledger rows of `job`, oldest slot first.
pub async fn runs_of(db: &Db, job: &str) -> Result<Vec<JobRun>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(RUNS_OF).bind(job).fetch_all(p).await)
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("CLAIM", CLAIM),
        ("FINISH", FINISH),
        ("DELETE_RUNS_BEFORE", DELETE_RUNS_BEFORE),
        ("RUNS_OF", RUNS_OF),
    ]
}

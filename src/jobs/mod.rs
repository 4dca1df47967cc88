//! Scheduled jobs with a run ledger: each job runs once per slot across every instance sharing
//! the database.
//!
//! Every instance ticks every few minutes. For each job the tick computes the current slot (the
//! UTC day for daily jobs) and tries to insert `(job, slot)` into `job_runs`; the primary key
//! lets exactly one insert win, and only the winner runs the job, then records the outcome on
//! its row. No lock is held while the job runs and nothing lives in process memory, so any
//! number of instances on one PostgreSQL (or the single SQLite instance) run each job once per
//! slot. An instance that dies mid-job leaves its row unfinished; the next slot runs again
//! (every job here is idempotent, so a missed slot only delays work).

pub mod repo;

use crate::features::telemetry::prune;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Job id of the daily product usage retention.
pub const PRODUCT_USAGE_PRUNE: &str = "product_usage.prune";

/// Longest `detail` stored in the ledger.
const MAX_DETAIL: usize = 500;

/// A job the scheduler knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Deletes telemetry older than `telemetry.retention_days` (spec 243: daily, 90 days).
    ProductUsagePrune,
}

impl Job {
    /// Every scheduled job.
    pub const ALL: [Job; 1] = [Job::ProductUsagePrune];

    /// Stable id, as stored in `job_runs.job`.
    pub fn id(self) -> &'static str {
        match self {
            Job::ProductUsagePrune => PRODUCT_USAGE_PRUNE,
        }
    }

    /// The slot `now` falls in: the UTC day, as `YYYY-MM-DD`, for these daily jobs.
    pub fn slot(self, now: DateTime<Utc>) -> String {
        match self {
            Job::ProductUsagePrune => now.date_naive().format("%Y-%m-%d").to_string(),
        }
    }

    /// Runs the job; returns a short, secret-free summary of what it did.
    async fn run(self, state: &AppState, now: DateTime<Utc>) -> Result<String, sqlx::Error> {
        match self {
            Job::ProductUsagePrune => {
                let t = &state.config.telemetry;
                let deleted =
                    prune::prune(&state.db, t.retention_days, t.prune_batch_size, now).await?;
                Ok(format!(
                    "deleted {deleted} product usage events older than {} days",
                    t.retention_days
                ))
            }
        }
    }
}

/// What happened to one job in one tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    /// This instance won the slot and the job succeeded.
    Succeeded {
        /// What it did.
        detail: String,
    },
    /// This instance won the slot and the job failed (recorded in the ledger; the next slot
    /// tries again).
    Failed {
        /// Why.
        detail: String,
    },
    /// Another instance (or an earlier tick) already has this slot.
    AlreadyClaimed,
}

/// One job's result in a tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOutcome {
    /// Job id.
    pub job: &'static str,
    /// Slot.
    pub slot: String,
    /// What happened.
    pub status: JobStatus,
}

/// One scheduler pass for instance `instance_id`: claims the current slot of every job and runs
/// those it won. Fails only when the ledger itself cannot be written; a failing job is
/// recorded as `failed` and reported in its [`JobOutcome`].
pub async fn tick(state: &AppState, instance_id: &str) -> Result<Vec<JobOutcome>, sqlx::Error> {
    let mut outcomes = Vec::new();
    for job in Job::ALL {
        let now = state.now();
        let slot = job.slot(now);
        if !repo::claim(&state.db, job.id(), &slot, instance_id, now).await? {
            outcomes.push(JobOutcome {
                job: job.id(),
                slot,
                status: JobStatus::AlreadyClaimed,
            });
            continue;
        }
        let (outcome, status) = match job.run(state, now).await {
            Ok(detail) => ("succeeded", JobStatus::Succeeded { detail }),
            Err(e) => {
                let detail: String = e.to_string().chars().take(MAX_DETAIL).collect();
                tracing::warn!(job = job.id(), slot, error = %detail, "scheduled job failed");
                ("failed", JobStatus::Failed { detail })
            }
        };
        let detail = match &status {
            JobStatus::Succeeded { detail } | JobStatus::Failed { detail } => detail.as_str(),
            JobStatus::AlreadyClaimed => "",
        };
        repo::finish(
            &state.db,
            job.id(),
            &slot,
            instance_id,
            state.now(),
            outcome,
            detail,
        )
        .await?;
        tracing::info!(job = job.id(), slot, outcome, detail, "scheduled job ran");
        outcomes.push(JobOutcome {
            job: job.id(),
            slot,
            status,
        });
    }
    Ok(outcomes)
}

/// Starts the scheduler loop: a tick right away, then every `telemetry.scheduler_interval_secs`
/// (a few minutes by default, so a new day's slot is picked up soon after midnight UTC).
/// Abort the handle at shutdown.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    spawn_until(state, crate::shutdown::Shutdown::never())
}

/// [`spawn`], ending after the tick in progress once `shutdown` fires.
pub fn spawn_until(
    state: AppState,
    mut shutdown: crate::shutdown::Shutdown,
) -> tokio::task::JoinHandle<()> {
    let instance = crate::features::operations::runner::instance_name();
    let every = Duration::from_secs(state.config.telemetry.scheduler_interval_secs.max(1));
    tokio::spawn(async move {
        while !shutdown.is_stopping() {
            if let Err(e) = tick(&state, &instance).await {
                tracing::warn!(error = %e, "scheduler tick failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.stopped() => {}
            }
        }
    })
}

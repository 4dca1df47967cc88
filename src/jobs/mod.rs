//! Scheduled jobs with a run ledger: each job runs once per slot across every instance sharing
//! the database.
//!
//! Every instance ticks at least once a minute. For each job the tick computes the current slot
//! (the UTC day for daily jobs, five minutes for the handoff finalizer) and tries to insert `(job, slot)` into `job_runs`; the primary key
//! lets exactly one insert win, and only the winner runs the job, then records the outcome on
//! its row. No lock is held while the job runs and nothing lives in process memory, so any
//! number of instances on one PostgreSQL (or the single SQLite instance) run each job once per
//! slot. An instance that dies mid-job leaves its row unfinished; the next slot runs again
//! (every job here is idempotent, so a missed slot only delays work).

pub mod repo;

use crate::error::ServiceError;
use crate::features::support_requests::handoff;
use crate::features::telemetry::{partitions, prune};
use crate::state::AppState;
use chrono::{DateTime, Timelike, Utc};
use std::time::Duration;

/// Job id of the daily product usage retention.
pub const PRODUCT_USAGE_PRUNE: &str = "product_usage.prune";

/// Job id of the finalizer of interrupted support-desk handoffs.
pub const SUPPORT_HANDOFF_FINALIZE: &str = "support_handoff.finalize";

/// Slot length of the handoff finalizer, in minutes: a handoff cut off by a crash is recorded
/// within about this long after its budget ran out.
const FINALIZE_SLOT_MINUTES: u32 = 5;

/// How long the handoff finalizer's own ledger rows are kept (288 slots a day would otherwise
/// grow the ledger forever).
const FINALIZE_LEDGER_DAYS: i64 = 7;

/// The scheduler never sleeps longer than this between ticks, whatever
/// `telemetry.scheduler_interval_secs` says, so every five-minute slot gets a tick.
const MAX_TICK: Duration = Duration::from_secs(60);

/// Longest `detail` stored in the ledger.
const MAX_DETAIL: usize = 500;

/// A job the scheduler knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Deletes telemetry older than `telemetry.retention_days` (spec 243: daily, 90 days).
    ProductUsagePrune,
    /// Records create handoffs cut off by a crash as failed (issue 11, point 6).
    SupportHandoffFinalize,
}

impl Job {
    /// Every scheduled job, in the order a tick runs them.
    pub const ALL: [Job; 2] = [Job::ProductUsagePrune, Job::SupportHandoffFinalize];

    /// Stable id, as stored in `job_runs.job`.
    pub fn id(self) -> &'static str {
        match self {
            Job::ProductUsagePrune => PRODUCT_USAGE_PRUNE,
            Job::SupportHandoffFinalize => SUPPORT_HANDOFF_FINALIZE,
        }
    }

    /// The slot `now` falls in: the UTC day (`YYYY-MM-DD`) for the daily prune, the five-minute
    /// window (`YYYY-MM-DDTHH:MM`, minutes rounded down) for the handoff finalizer.
    pub fn slot(self, now: DateTime<Utc>) -> String {
        match self {
            Job::ProductUsagePrune => now.date_naive().format("%Y-%m-%d").to_string(),
            Job::SupportHandoffFinalize => {
                let minute = now.minute() - now.minute() % FINALIZE_SLOT_MINUTES;
                format!("{}:{minute:02}", now.format("%Y-%m-%dT%H"))
            }
        }
    }

    /// Runs the job; returns a short, secret-free summary of what it did.
    async fn run(self, state: &AppState, now: DateTime<Utc>) -> Result<String, ServiceError> {
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
            Job::SupportHandoffFinalize => {
                let finalized = handoff::finalize_interrupted(state).await?;
                let before = now - chrono::Duration::days(FINALIZE_LEDGER_DAYS);
                repo::delete_runs_before(&state.db, self.id(), before).await?;
                Ok(format!(
                    "recorded {finalized} interrupted support desk handoffs as failed"
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
                let detail: String = crate::redact::text(&e.to_string())
                    .chars()
                    .take(MAX_DETAIL)
                    .collect();
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

/// Pause between ticks for `scheduler_interval_secs`.
fn tick_every(scheduler_interval_secs: u64) -> Duration {
    Duration::from_secs(scheduler_interval_secs.max(1)).min(MAX_TICK)
}

/// Starts the scheduler loop. First one handoff-finalizer pass outside the ledger (a restart
/// after a crash records the handoffs the crash cut off without waiting for a free slot; the
/// guarded write keeps that safe next to other instances) and one pass creating the coming
/// days' telemetry partitions (PostgreSQL; idempotent, so every instance may), then a tick
/// right away and every
/// `telemetry.scheduler_interval_secs`, at most [`MAX_TICK`] apart. Abort the handle at
/// shutdown.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    spawn_until(state, crate::shutdown::Shutdown::never())
}

/// [`spawn`], ending after the tick in progress once `shutdown` fires.
pub fn spawn_until(
    state: AppState,
    mut shutdown: crate::shutdown::Shutdown,
) -> tokio::task::JoinHandle<()> {
    let instance = crate::features::operations::runner::instance_name();
    let every = tick_every(state.config.telemetry.scheduler_interval_secs);
    tokio::spawn(async move {
        match handoff::finalize_interrupted(&state).await {
            Ok(n) => tracing::info!(finalized = n, "start-up pass of the handoff finalizer"),
            Err(e) => tracing::warn!(error = %e, "start-up pass of the handoff finalizer failed"),
        }
        match partitions::ensure_ahead(&state.db, state.now()).await {
            Ok(n) => tracing::info!(created = n, "start-up pass of the telemetry partitions"),
            Err(e) => {
                tracing::warn!(error = %e, "start-up pass of the telemetry partitions failed")
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn slots_are_days_and_five_minute_windows() {
        let at = |h, m, s| Utc.with_ymd_and_hms(2026, 12, 1, h, m, s).unwrap();
        assert_eq!(Job::ProductUsagePrune.slot(at(23, 59, 59)), "2026-12-01");
        let finalize = Job::SupportHandoffFinalize;
        assert_eq!(finalize.slot(at(10, 5, 0)), "2026-12-01T10:05");
        assert_eq!(finalize.slot(at(10, 9, 59)), "2026-12-01T10:05");
        assert_eq!(finalize.slot(at(10, 10, 0)), "2026-12-01T10:10");
        assert_eq!(finalize.slot(at(0, 4, 0)), "2026-12-01T00:00");
        assert_eq!(finalize.slot(at(23, 59, 0)), "2026-12-01T23:55");
    }

    #[test]
    fn ticks_come_at_least_once_a_minute() {
        assert_eq!(tick_every(300), Duration::from_secs(60));
        assert_eq!(tick_every(3600), Duration::from_secs(60));
        assert_eq!(tick_every(20), Duration::from_secs(20));
        assert_eq!(tick_every(0), Duration::from_secs(1));
    }
}

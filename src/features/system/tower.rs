//! The Control Tower widgets of the system dashboard (seed: `ControlTowerKpis`,
//! `ControlTowerHealthIndicator`, `ControlTowerRecentFailures`, `ControlTowerTopOffenders`),
//! over `operation_runs` in the selected console window.
//!
//! Definitions (window = runs whose `created_at` is at or after the window start, as the seed's
//! `where('created_at', '>=', $start)`):
//! - **Runs started**: runs created in the window.
//! - **Succeeded / Partially succeeded / Failed**: of those, completed with that outcome;
//!   **orphaned** counts the failed ones whose executor went silent.
//! - **Success rate**: succeeded ÷ completed, in whole percent; none when nothing completed.
//! - **Active now**: queued plus running runs at this moment (not windowed).
//! - **Stuck now**: queued for more than [`STUCK_QUEUED_AFTER`], or running without a heartbeat
//!   for longer than the orphan window (`operations.orphan_after_secs`).
//! - **Health**: critical when anything is stuck or at least half the completed runs failed,
//!   degraded when anything failed, else healthy.
//! - **Recent failures**: the latest [`RECENT_FAILURES`] failed runs of the window.
//! - **Top offenders**: the [`TOP_OFFENDERS`] tenant × run type pairs with most failed runs in
//!   the window.

use super::repo::{self, FailedRun, Offender, OpenRuns, RunCounts};
use crate::console_window::ConsoleWindow;
use crate::db::Db;
use chrono::{DateTime, Duration, Utc};

/// Failed runs the recent-failures list shows.
pub const RECENT_FAILURES: i64 = 10;
/// Rows of the top-offenders list.
pub const TOP_OFFENDERS: i64 = 10;
/// A run queued longer than this has not been picked up by any executor.
pub const STUCK_QUEUED_AFTER: Duration = Duration::minutes(15);

crate::text_enum!(
    /// Overall state the health indicator shows.
    Health {
        /// Nothing failed, nothing stuck.
        Healthy = "healthy",
        /// Some runs failed.
        Degraded = "degraded",
        /// Runs are stuck, or at least half of the completed runs failed.
        Critical = "critical",
    }
);

impl Health {
    /// Derives the state from the counts (see the module docs).
    pub fn of(counts: &RunCounts, open: &OpenRuns) -> Health {
        if open.stuck > 0 || (counts.completed > 0 && counts.failed * 2 >= counts.completed) {
            Health::Critical
        } else if counts.failed > 0 {
            Health::Degraded
        } else {
            Health::Healthy
        }
    }

    /// Fluent id of the label.
    pub fn label_key(self) -> &'static str {
        match self {
            Health::Healthy => "system-health-healthy",
            Health::Degraded => "system-health-degraded",
            Health::Critical => "system-health-critical",
        }
    }

    /// CSS class of the status pill.
    pub fn pill_class(self) -> &'static str {
        match self {
            Health::Healthy => "ok",
            Health::Degraded => "warn",
            Health::Critical => "bad",
        }
    }
}

/// Everything the Control Tower widgets show for one window.
#[derive(Debug, Clone)]
pub struct ControlTower {
    /// Outcome counts of the window's runs.
    pub counts: RunCounts,
    /// Open runs now.
    pub open: OpenRuns,
    /// Succeeded ÷ completed in whole percent.
    pub success_rate: Option<i64>,
    /// Overall state.
    pub health: Health,
    /// Latest failures.
    pub recent_failures: Vec<FailedRun>,
    /// Tenants × types with most failures.
    pub top_offenders: Vec<Offender>,
}

/// Rounded percentage of `part` in `whole`; `None` for an empty whole.
pub fn percent(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| (part * 200 + whole) / (whole * 2))
}

/// Loads the widgets for `window` ending at `now`; `orphan_after_secs` is the executor silence
/// after which a running run counts as stuck.
pub async fn load(
    db: &Db,
    window: ConsoleWindow,
    now: DateTime<Utc>,
    orphan_after_secs: i64,
) -> Result<ControlTower, sqlx::Error> {
    let from = window.start(now);
    let counts = repo::run_counts(db, from).await?;
    let open = repo::open_runs(
        db,
        now - STUCK_QUEUED_AFTER,
        now - Duration::seconds(orphan_after_secs),
    )
    .await?;
    let recent_failures = repo::recent_failures(db, from, RECENT_FAILURES).await?;
    let top_offenders = repo::top_offenders(db, from, TOP_OFFENDERS).await?;
    Ok(ControlTower {
        success_rate: percent(counts.succeeded, counts.completed),
        health: Health::of(&counts, &open),
        counts,
        open,
        recent_failures,
        top_offenders,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_and_handles_zero() {
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(5, 5), Some(100));
    }

    #[test]
    fn health_levels() {
        let mut c = RunCounts {
            started: 4,
            completed: 4,
            succeeded: 4,
            ..RunCounts::default()
        };
        let open = OpenRuns::default();
        assert_eq!(Health::of(&c, &open), Health::Healthy);
        c.failed = 1;
        c.succeeded = 3;
        assert_eq!(Health::of(&c, &open), Health::Degraded);
        c.failed = 2;
        assert_eq!(Health::of(&c, &open), Health::Critical);
        c.failed = 0;
        let stuck = OpenRuns {
            stuck: 1,
            ..OpenRuns::default()
        };
        assert_eq!(Health::of(&c, &stuck), Health::Critical);
    }
}

//! Aggregates of the ledger for one console window (being built).

use crate::db::Db;
use crate::features::system::window::ConsoleWindow;
use chrono::{DateTime, NaiveDate, Utc};

/// Count of one event family in the window.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FamilyCount {
    /// Event name, e.g. `onboarding.checkpoint_completed`.
    pub event: String,
    /// Fluent key of the family label ("Onboarding checkpoints", …).
    pub label_key: String,
    /// Events in the window.
    pub count: i64,
}

/// Daily counts per family, in [`TelemetrySummary::families`] order.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DailyCounts {
    /// UTC day.
    pub day: NaiveDate,
    /// One count per family.
    pub counts: Vec<i64>,
}

/// Everything the telemetry widget and the summary API show for a window.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TelemetrySummary {
    /// The window.
    pub window: ConsoleWindow,
    /// Start of the window (inclusive).
    pub from: DateTime<Utc>,
    /// End of the window (exclusive).
    pub to: DateTime<Utc>,
    /// Workspaces with at least one event in the window.
    pub active_workspaces: i64,
    /// The five v1 families, always all five, in catalog order.
    pub families: Vec<FamilyCount>,
    /// Daily counts for the chart.
    pub daily: Vec<DailyCounts>,
}

impl TelemetrySummary {
    /// Whether nothing was recorded in the window (the widget's explicit zero state).
    pub fn is_empty(&self) -> bool {
        self.families.iter().all(|f| f.count == 0)
    }
}

/// The summary for `window` ending at `now` (being built).
pub async fn summarize(
    _db: &Db,
    window: ConsoleWindow,
    now: DateTime<Utc>,
) -> Result<TelemetrySummary, sqlx::Error> {
    Ok(TelemetrySummary {
        window,
        from: window.start(now),
        to: now,
        active_workspaces: 0,
        families: Vec::new(),
        daily: Vec::new(),
    })
}

//! Aggregates of the ledger for one console window: distinct active workspaces, the five
//! families with their counts, and daily counts for the chart. This is the only read path of
//! the ledger; it returns numbers, never events or tenant ids.

use super::catalog::Event;
use super::model::{days_between, hour_ceil, hour_floor};
use super::repo;
use crate::console_window::ConsoleWindow;
use crate::db::Db;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// Count of one event family in the window.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FamilyCount {
    /// Event name, e.g. `product.onboarding.checkpoint_completed`.
    pub event: String,
    /// Fluent key of the family label ("Onboarding checkpoints", …).
    pub label_key: String,
    /// Events in the window.
    pub count: i64,
}

/// Daily counts per family, in [`TelemetrySummary::families`] order (each UTC day the window
/// touches, zero-filled, clipped to the window).
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

/// The summary for `window` ending at `now`: the window is `[now - length, now)`.
///
/// Read from the rollups (see [`super::repo`]): whole hours from the hourly rollup, the two
/// partial hours at the edges from the ledger (index range on `occurred_at`), and active
/// workspaces from the day rollup. Counts are clipped to the window, so the daily counts add up
/// to the family counts. Aggregates only: no event rows and no tenant ids leave this function.
pub async fn summarize(
    db: &Db,
    window: ConsoleWindow,
    now: DateTime<Utc>,
) -> Result<TelemetrySummary, sqlx::Error> {
    let from = window.start(now);
    let to = now;
    let days = days_between(from, to);
    let mut per_day: BTreeMap<NaiveDate, [i64; Event::ALL.len()]> =
        days.iter().map(|d| (*d, [0; Event::ALL.len()])).collect();
    let mut add = |day: NaiveDate, name: &str, n: i64| {
        if let (Some(event), Some(row)) = (Event::parse(name), per_day.get_mut(&day)) {
            row[event.index()] += n;
        }
    };
    let (lo, hi) = (hour_ceil(from), hour_floor(to));
    // Pieces read from the ledger; each lies inside one hour, hence inside one day.
    let edges = if lo <= hi {
        if lo < hi {
            for (day, name, n) in repo::hourly_by_day(db, lo, hi).await? {
                add(day, &name, n);
            }
        }
        vec![(from, lo), (hi, to)]
    } else {
        vec![(from, to)]
    };
    for (a, b) in edges.into_iter().filter(|(a, b)| a < b) {
        for (name, n) in repo::counts_between(db, a, b).await? {
            add(a.date_naive(), &name, n);
        }
    }
    let active_workspaces = match (days.first(), days.last()) {
        (Some(first), Some(last)) if first < last => {
            repo::active_workspaces(db, *first, *last, from, to).await?
        }
        (Some(_), Some(_)) => repo::active_workspaces_between(db, from, to).await?,
        _ => 0,
    };
    let families = Event::ALL
        .iter()
        .map(|e| FamilyCount {
            event: e.name().to_string(),
            label_key: e.label_key().to_string(),
            count: per_day.values().map(|row| row[e.index()]).sum(),
        })
        .collect();
    Ok(TelemetrySummary {
        window,
        from,
        to,
        active_workspaces,
        families,
        daily: per_day
            .into_iter()
            .map(|(day, row)| DailyCounts {
                day,
                counts: row.to_vec(),
            })
            .collect(),
    })
}

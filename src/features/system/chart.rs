//! The telemetry chart of the system dashboard: daily events per family as stacked bars, drawn
//! as inline SVG on the server (no JavaScript, no chart library, works in every browser and in
//! tests). Geometry is computed here; the template only places the numbers. Every bar carries
//! a `<title>` and the template adds a legend and a data table, so the chart reads without
//! colour and with a screen reader, in either language.

use crate::features::telemetry::service::summary::TelemetrySummary;
use crate::i18n::{Locale, Tr};
use chrono::NaiveDate;
use std::collections::HashMap;

/// Drawing width in SVG units (the SVG scales to its container).
pub const WIDTH: f64 = 720.0;
/// Drawing height in SVG units.
pub const HEIGHT: f64 = 240.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 28.0;
/// Most x-axis labels shown; further days are labelled only in the data table.
const MAX_X_LABELS: usize = 8;
/// Number of colour classes (`chart-series-0` … `-4`); more series reuse them.
pub const PALETTE: usize = 5;

/// One rectangle of a series.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Left edge.
    pub x: String,
    /// Top edge.
    pub y: String,
    /// Width.
    pub width: String,
    /// Height.
    pub height: String,
    /// Tooltip and accessible name: family, day, count.
    pub title: String,
}

/// One family: its bars across the days.
#[derive(Debug, Clone)]
pub struct Series {
    /// Event name (`data-series`).
    pub event: String,
    /// Translated family label.
    pub label: String,
    /// Colour class index.
    pub color: usize,
    /// Events in the window.
    pub total: i64,
    /// Non-empty bars.
    pub bars: Vec<Bar>,
}

/// An axis label.
#[derive(Debug, Clone)]
pub struct Tick {
    /// Position along the axis.
    pub pos: String,
    /// Text.
    pub label: String,
}

/// One row of the chart's data table.
#[derive(Debug, Clone)]
pub struct DayRow {
    /// ISO date.
    pub day: String,
    /// One count per series.
    pub counts: Vec<i64>,
}

/// Everything the template draws.
#[derive(Debug, Clone)]
pub struct Chart {
    /// `viewBox` width.
    pub width: String,
    /// `viewBox` height.
    pub height: String,
    /// Left edge of the plot.
    pub plot_left: String,
    /// Right edge of the plot.
    pub plot_right: String,
    /// x of the value labels (right-aligned left of the plot).
    pub y_label_x: String,
    /// Baseline (y of zero).
    pub baseline: String,
    /// y of the x-axis labels.
    pub label_y: String,
    /// Stacked series, bottom first.
    pub series: Vec<Series>,
    /// Day labels.
    pub x_ticks: Vec<Tick>,
    /// Value gridlines.
    pub y_ticks: Vec<Tick>,
    /// The data behind the bars.
    pub days: Vec<DayRow>,
    /// Whether any bar has height (else the template says so).
    pub has_data: bool,
}

fn f(v: f64) -> String {
    format!("{v:.1}")
}

/// Smallest "nice" bound (1, 2, 5 × 10ⁿ) at or above `max`, at least 1.
pub fn nice_max(max: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= max {
                return m * step;
            }
        }
        step *= 10;
    }
}

fn day_label(locale: Locale, day: NaiveDate) -> String {
    match locale {
        Locale::De => day.format("%d.%m.").to_string(),
        Locale::En => day.format("%m-%d").to_string(),
    }
}

/// Every UTC day the window touches, first to last.
fn days_of(summary: &TelemetrySummary) -> Vec<NaiveDate> {
    let first = summary.from.date_naive();
    let last = summary.to.date_naive().max(first);
    first.iter_days().take_while(|d| *d <= last).collect()
}

/// Lays out the chart for `summary` with labels in `t`'s language. Days missing from
/// `summary.daily` draw as zero, so the axis always spans the whole window.
pub fn build(summary: &TelemetrySummary, t: Tr) -> Chart {
    let days = days_of(summary);
    let by_day: HashMap<NaiveDate, &Vec<i64>> =
        summary.daily.iter().map(|d| (d.day, &d.counts)).collect();
    let count = |day: &NaiveDate, family: usize| -> i64 {
        by_day
            .get(day)
            .and_then(|c| c.get(family).copied())
            .unwrap_or(0)
            .max(0)
    };
    let families = summary.families.len();
    let totals: Vec<i64> = days
        .iter()
        .map(|d| (0..families).map(|i| count(d, i)).sum())
        .collect();
    let top = nice_max(totals.iter().copied().max().unwrap_or(0));
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let baseline = HEIGHT - BOTTOM;
    let slot = plot_w / days.len().max(1) as f64;
    let bar_w = (slot * 0.7).min(36.0);
    let scale = plot_h / top as f64;
    let mut stacked = vec![0i64; days.len()];
    let series = summary
        .families
        .iter()
        .enumerate()
        .map(|(i, family)| {
            let label = t.t(&family.label_key);
            let bars = days
                .iter()
                .enumerate()
                .filter_map(|(d, day)| {
                    let n = count(day, i);
                    let below = stacked[d];
                    stacked[d] += n;
                    (n > 0).then(|| Bar {
                        x: f(LEFT + slot * d as f64 + (slot - bar_w) / 2.0),
                        y: f(baseline - (below + n) as f64 * scale),
                        width: f(bar_w),
                        height: f(n as f64 * scale),
                        title: format!("{label} · {}: {n}", t.date(*day)),
                    })
                })
                .collect::<Vec<_>>();
            Series {
                event: family.event.clone(),
                label,
                color: i % PALETTE,
                total: family.count,
                bars,
            }
        })
        .collect::<Vec<_>>();
    let every = days.len().div_ceil(MAX_X_LABELS).max(1);
    let x_ticks = days
        .iter()
        .enumerate()
        .filter(|(d, _)| d % every == 0)
        .map(|(d, day)| Tick {
            pos: f(LEFT + slot * d as f64 + slot / 2.0),
            label: day_label(t.0, *day),
        })
        .collect();
    let mut y_values = vec![0, top];
    if top % 2 == 0 {
        y_values.insert(1, top / 2);
    }
    let y_ticks = y_values
        .into_iter()
        .map(|v| Tick {
            pos: f(baseline - v as f64 * scale),
            label: t.number(v),
        })
        .collect();
    Chart {
        width: f(WIDTH),
        height: f(HEIGHT),
        plot_left: f(LEFT),
        plot_right: f(WIDTH - RIGHT),
        y_label_x: f(LEFT - 6.0),
        baseline: f(baseline),
        label_y: f(baseline + 18.0),
        has_data: series.iter().any(|s| !s.bars.is_empty()),
        series,
        x_ticks,
        y_ticks,
        days: days
            .iter()
            .map(|d| DayRow {
                day: t.date(*d),
                counts: (0..families).map(|i| count(d, i)).collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console_window::ConsoleWindow;
    use crate::features::telemetry::service::summary::{DailyCounts, FamilyCount};
    use chrono::{TimeZone, Utc};

    fn summary() -> TelemetrySummary {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        TelemetrySummary {
            window: ConsoleWindow::Last7Days,
            from: ConsoleWindow::Last7Days.start(now),
            to: now,
            active_workspaces: 1,
            families: ["a", "b"]
                .iter()
                .map(|e| FamilyCount {
                    event: (*e).into(),
                    label_key: "system-title".into(),
                    count: 3,
                })
                .collect(),
            daily: vec![DailyCounts {
                day: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                counts: vec![2, 3],
            }],
        }
    }

    #[test]
    fn nice_bounds() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(1), 1);
        assert_eq!(nice_max(3), 5);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(11), 20);
        assert_eq!(nice_max(51), 100);
    }

    #[test]
    fn one_series_per_family_spanning_the_window() {
        let chart = build(&summary(), Tr(Locale::En));
        assert_eq!(chart.series.len(), 2);
        assert_eq!(chart.days.len(), 8, "16th to 23rd");
        assert_eq!(chart.days[4].counts, vec![2, 3]);
        assert_eq!(chart.series[0].bars.len(), 1);
        assert!(chart.series[1].bars[0].title.ends_with("2026-11-20: 3"));
        // 5 stacked events on a 0..5 axis fill the plot exactly.
        assert_eq!(chart.y_ticks.last().map(|t| t.label.as_str()), Some("5"));
        assert_eq!(chart.series[1].bars[0].y, f(TOP));
        assert!(chart.has_data);
    }
}

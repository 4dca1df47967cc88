//! The console window shared by every widget on the system dashboard, kept in the URL
//! (`?window=24h|7d|30d`) so a view can be linked and reloaded.

use chrono::{DateTime, Duration, Utc};

crate::text_enum!(
    /// One of the three windows the console offers.
    ConsoleWindow [utoipa::ToSchema, Default] {
        /// Last 24 hours (the default).
        #[default]
        Last24Hours = "24h",
        /// Last 7 days.
        Last7Days = "7d",
        /// Last 30 days.
        Last30Days = "30d",
    }
);

impl ConsoleWindow {
    /// The window a dashboard URL asks for. As in the seed (`SystemConsoleWindow::fromNullable`),
    /// a missing, empty or unknown value falls back to the default instead of failing: the
    /// dashboard is a read-only view and a stale bookmark should still open it.
    pub fn from_query(value: Option<&str>) -> ConsoleWindow {
        value
            .map(str::trim)
            .and_then(ConsoleWindow::parse)
            .unwrap_or_default()
    }

    /// Length of the window.
    pub fn duration(self) -> Duration {
        match self {
            ConsoleWindow::Last24Hours => Duration::hours(24),
            ConsoleWindow::Last7Days => Duration::days(7),
            ConsoleWindow::Last30Days => Duration::days(30),
        }
    }

    /// Start of the window ending at `now`.
    pub fn start(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.duration()
    }

    /// Fluent key of the window's label.
    pub fn label_key(self) -> &'static str {
        match self {
            ConsoleWindow::Last24Hours => "system-window-24h",
            ConsoleWindow::Last7Days => "system-window-7d",
            ConsoleWindow::Last30Days => "system-window-30d",
        }
    }
}

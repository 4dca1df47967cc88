//! Time comes from an injected clock so rules that depend on "now" (session expiry, login
//! throttling, staleness) are testable without sleeping, and SQL never calls `now()`.

use chrono::{DateTime, Duration, DurationRound, Utc};
use std::sync::{Arc, Mutex};

/// Source of the current time for every rule and every row we write.
pub trait Clock: Send + Sync + 'static {
    /// Current time, truncated to microseconds so SQLite and PostgreSQL store the same value.
    fn now(&self) -> DateTime<Utc>;
}

/// Shared handle to whichever clock the process uses.
pub type SharedClock = Arc<dyn Clock>;

/// Wall-clock time for production.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate(Utc::now())
    }
}

/// A clock tests move by hand, to cross expiry and throttle windows instantly.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// Starts the clock at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Mutex::new(truncate(start)))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::microseconds(1)).unwrap_or(t)
}

//! Shared application state handed to every handler.

use crate::{clock::SharedClock, config::Config, db::Db};
use std::sync::Arc;

/// Database, configuration and clock; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The pool on the configured backend.
    pub db: Db,
    /// Configuration read at start-up.
    pub config: Arc<Config>,
    /// Time source for every rule.
    pub clock: SharedClock,
    /// Wakes this instance's run executors when a run is queued here (other instances poll).
    pub runs_queued: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// Builds the state from its parts.
    pub fn new(db: Db, config: Config, clock: SharedClock) -> Self {
        Self {
            db,
            config: Arc::new(config),
            clock,
            runs_queued: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Current time from the injected clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

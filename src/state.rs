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
    /// The configured support desk, built on first use (its HTTP client pools connections).
    support_desk: Arc<std::sync::OnceLock<Option<crate::support_desk::Desk>>>,
}

impl AppState {
    /// Builds the state from its parts.
    pub fn new(db: Db, config: Config, clock: SharedClock) -> Self {
        Self {
            db,
            config: Arc::new(config),
            clock,
            runs_queued: Arc::new(tokio::sync::Notify::new()),
            support_desk: Arc::new(std::sync::OnceLock::new()),
        }
    }

    /// The configured external support desk; `None` when `support_desk.kind = none` or when its
    /// client cannot be built (logged once), so handoff creation is then unavailable.
    pub fn support_desk(&self) -> Option<&crate::support_desk::Desk> {
        self.support_desk
            .get_or_init(|| {
                match crate::support_desk::Desk::from_config(&self.config.support_desk) {
                    Ok(desk) => desk,
                    Err(e) => {
                        tracing::error!(error = %e.summary(), "support desk unavailable");
                        None
                    }
                }
            })
            .as_ref()
    }

    /// Current time from the injected clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

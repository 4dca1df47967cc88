//! The fleet list's shapes: its orders, one row per tenant, one page. Apart from `model.rs`
//! because a row carries the support-request handoff types, and the support-requests model
//! itself reads `tenants::model` (one direction between the two files).

use crate::features::providers::model::{ConsentState, Health, TenantVerdict};
use crate::features::support_requests::{
    self,
    model::{HandoffMode, HandoffOutcome},
};
use chrono::{DateTime, Utc};

crate::text_enum!(
    /// Orders of the fleet list.
    FleetSort [utoipa::ToSchema] {
        /// What needs attention first (blocked, stale, not verified, ready), then by name.
        Attention = "attention",
        /// By name.
        Name = "name",
        /// By the newest verification; never-verified tenants last.
        LastVerified = "last_verified",
        /// By failed runs in the last 7 days.
        FailedRuns = "failed_runs",
    }
);

impl FleetSort {
    /// The direction used when the request names none: attention and name ascending, the
    /// newest verification and the most failures first.
    pub fn default_dir(self) -> SortDir {
        match self {
            FleetSort::Attention | FleetSort::Name => SortDir::Asc,
            FleetSort::LastVerified | FleetSort::FailedRuns => SortDir::Desc,
        }
    }

    /// Fluent id of the label.
    pub fn label_key(self) -> &'static str {
        match self {
            FleetSort::Attention => "fleet-sort-attention",
            FleetSort::Name => "fleet-sort-name",
            FleetSort::LastVerified => "fleet-sort-last-verified",
            FleetSort::FailedRuns => "fleet-sort-failed-runs",
        }
    }
}

crate::text_enum!(
    /// Sort direction.
    SortDir [utoipa::ToSchema] {
        /// Ascending.
        Asc = "asc",
        /// Descending.
        Desc = "desc",
    }
);

impl SortDir {
    /// The SQL keyword.
    pub fn sql(self) -> &'static str {
        match self {
            SortDir::Asc => "ASC",
            SortDir::Desc => "DESC",
        }
    }
}

/// One tenant as the fleet list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FleetRow {
    /// Internal id.
    pub id: i64,
    /// URL key.
    pub external_id: String,
    /// Display name.
    pub name: String,
    /// Attention rank of the verdict ([`FleetRow::verdict`] reads it).
    pub rank: i64,
    /// When the newest verification ran.
    pub verified_at: Option<DateTime<Utc>>,
    /// Directory id of the connection, if there is one.
    pub directory_id: Option<String>,
    /// Consent as last observed (no connection: `None`).
    pub consent_state: Option<ConsentState>,
    /// Health as last observed (no connection: `None`).
    pub health: Option<Health>,
    /// Failed runs in the last 7 days.
    pub failed_runs: i64,
    /// Handoff mode of the newest support request.
    pub handoff_mode: Option<HandoffMode>,
    /// Stored handoff outcome of the newest support request.
    pub handoff_outcome: Option<HandoffOutcome>,
}

impl FleetRow {
    /// The verdict, from the rank the query computed.
    pub fn verdict(&self) -> TenantVerdict {
        TenantVerdict::ALL
            .into_iter()
            .find(|v| v.attention_rank() == self.rank)
            .unwrap_or(TenantVerdict::NotVerified)
    }

    /// What came of the newest support request's handoff, `None` without a request.
    pub fn handoff(&self) -> Option<HandoffOutcome> {
        self.handoff_mode
            .map(|mode| support_requests::model::outcome_of(mode, self.handoff_outcome))
    }
}

/// One page of the fleet with the verdict counts of the whole (searched) list.
#[derive(Debug, Clone)]
pub struct FleetPage {
    /// The page's tenants.
    pub rows: Vec<FleetRow>,
    /// Visible tenants matching the search, per verdict, in attention order.
    pub counts: Vec<(TenantVerdict, i64)>,
    /// Tenants matching search and verdict filter.
    pub total: i64,
    /// Whether another page follows.
    pub has_next: bool,
}

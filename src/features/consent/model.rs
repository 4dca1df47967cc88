//! Admin-consent requests: the shapes of Microsoft's tenant-wide admin-consent round trip
//! (`{authority}/{directory}/v2.0/adminconsent` and back to our callback), and the reasons a
//! callback is refused.

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Most characters of a denial's `error_description` kept (after redaction).
pub const MAX_ERROR_DESCRIPTION: usize = 500;

/// Path of the callback the authority sends the administrator back to, under `public_url`.
pub const CALLBACK_PATH: &str = "/admin/consent/callback";

crate::text_enum!(
    /// How a consent request reaches the tenant's global administrator.
    ConsentMode {
        /// The engineer is the administrator (or sits beside them): the flow continues in the
        /// engineer's own signed-in browser, and only that engineer may complete it.
        Button = "button",
        /// A link the engineer copies and sends to the customer's global administrator, who is
        /// not our user: anyone holding the link may complete it, once, before it expires.
        Link = "link",
    }
);

crate::text_enum!(
    /// What the administrator answered.
    ConsentOutcome {
        /// Consent granted (`admin_consent=True`).
        Granted = "granted",
        /// Declined or failed (`error=…`).
        Denied = "denied",
    }
);

impl ConsentOutcome {
    /// Fluent id of the outcome's label.
    pub fn label_key(self) -> &'static str {
        match self {
            ConsentOutcome::Granted => "consent-outcome-granted",
            ConsentOutcome::Denied => "consent-outcome-denied",
        }
    }
}

/// One stored consent request with the facts its pages and its audit rows need.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConsentRequest {
    /// Id.
    pub id: i64,
    /// Tenant it was started for.
    pub tenant_id: i64,
    /// The tenant's workspace.
    pub workspace_id: i64,
    /// The tenant's URL key.
    pub tenant_external_id: String,
    /// Connection whose consent it records.
    pub connection_id: i64,
    /// Directory the authority URL named (the connection's directory at the start).
    pub directory_id: String,
    /// Engineer who started it.
    pub initiator_user_id: i64,
    /// Their e-mail (audit actor label, run initiator).
    pub initiator_email: String,
    /// Button or link.
    pub mode: ConsentMode,
    /// Started.
    pub created_at: DateTime<Utc>,
    /// Refused after this.
    pub expires_at: DateTime<Utc>,
    /// When the callback used it; `None` while open.
    pub used_at: Option<DateTime<Utc>>,
    /// Answer, once used.
    pub outcome: Option<ConsentOutcome>,
    /// Redacted, bounded `error_description` of a denial.
    pub error_description: Option<String>,
    /// Verification run queued by a grant.
    pub run_id: Option<i64>,
}

impl ConsentRequest {
    /// Whether it can no longer be answered at `now` (used or expired).
    pub fn is_closed(&self, now: DateTime<Utc>) -> bool {
        self.used_at.is_some() || self.expires_at <= now
    }
}

/// The query Microsoft (or the simulated authority) sends the administrator back with.
/// Granted: `admin_consent=True&tenant=…&state=…&scope=…`; declined or failed:
/// `error=…&error_description=…&state=…`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CallbackParams {
    /// `True` when consent was granted.
    #[serde(default)]
    pub admin_consent: Option<String>,
    /// Directory (tenant) that granted.
    #[serde(default)]
    pub tenant: Option<String>,
    /// Our `state`, echoed.
    #[serde(default)]
    pub state: Option<String>,
    /// Scopes granted (informational).
    #[serde(default)]
    pub scope: Option<String>,
    /// Error code, e.g. `access_denied`.
    #[serde(default)]
    pub error: Option<String>,
    /// Error text, e.g. `AADSTS65004: User declined to consent…` (outside text: redacted).
    #[serde(default)]
    pub error_description: Option<String>,
}

/// Why a callback was refused. Nothing is written for any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `state`, or one we never issued (forged).
    UnknownState,
    /// The request was already answered (a replay, or the loser of two concurrent callbacks).
    AlreadyUsed,
    /// The request expired before the answer came.
    Expired,
    /// The answer names a directory other than the connection's.
    OtherDirectory,
    /// The connection was changed (or replaced) after the request was started.
    ConnectionChanged,
    /// A button-mode request answered in a browser that is not the initiator's session.
    NotInitiator,
    /// Neither `admin_consent=True` nor an `error`.
    Malformed,
}

impl Refusal {
    /// HTTP status of the refusal page: `404` for a state we do not know, `400` otherwise.
    pub fn status(self) -> u16 {
        match self {
            Refusal::UnknownState => 404,
            _ => 400,
        }
    }

    /// Fluent id of the explanation shown on the refusal page.
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::UnknownState => "consent-refused-unknown",
            Refusal::AlreadyUsed => "consent-refused-used",
            Refusal::Expired => "consent-refused-expired",
            Refusal::OtherDirectory => "consent-refused-directory",
            Refusal::ConnectionChanged => "consent-refused-connection-changed",
            Refusal::NotInitiator => "consent-refused-not-initiator",
            Refusal::Malformed => "consent-refused-malformed",
        }
    }

    /// Stable code, for logs and tests.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::UnknownState => "unknown_state",
            Refusal::AlreadyUsed => "already_used",
            Refusal::Expired => "expired",
            Refusal::OtherDirectory => "other_directory",
            Refusal::ConnectionChanged => "connection_changed",
            Refusal::NotInitiator => "not_initiator",
            Refusal::Malformed => "malformed",
        }
    }
}

/// A recorded answer.
#[derive(Debug, Clone)]
pub struct Answered {
    /// The request as now stored (used, with its outcome).
    pub request: ConsentRequest,
    /// The answer.
    pub outcome: ConsentOutcome,
    /// Whether the browser that answered is the initiator's own session (they see the tenant's
    /// result page; everyone else a thank-you page with no tenant data).
    pub by_initiator: bool,
}

/// A started request: where to send the administrator, and until when.
#[derive(Debug, Clone)]
pub struct Started {
    /// The authority URL carrying the raw `state` (never stored).
    pub url: String,
    /// Refused after this.
    pub expires_at: DateTime<Utc>,
}

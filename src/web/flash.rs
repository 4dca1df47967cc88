//! One-shot notifications after a redirect. The cookie carries only a message id from a fixed
//! list, never text, so nothing a user typed is ever reflected through it.

use crate::error::{AppError, AppResult};
use crate::web::see_other;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

/// Cookie name.
pub const COOKIE: &str = "tp_flash";

crate::text_enum!(
    /// The messages a redirect can announce; each spelling is its Fluent id.
    Flash {
        /// After sign-out.
        SignedOut = "flash-signed-out",
        /// Account page saved.
        ProfileSaved = "flash-profile-saved",
        /// A platform control paused.
        ControlPaused = "flash-control-paused",
        /// An active pause changed.
        ControlPauseUpdated = "flash-control-pause-updated",
        /// A platform control resumed.
        ControlResumed = "flash-control-resumed",
        /// An API token revoked.
        TokenRevoked = "flash-token-revoked",
        /// A revoke of a token that was revoked already.
        TokenAlreadyRevoked = "flash-token-already-revoked",
        /// A start refused: operation starts are paused.
        StartsPaused = "system-controls-refused-operation-starts",
        /// A review pack refused: its generation is paused.
        ReviewPacksPaused = "system-controls-refused-review-pack-generation",
        /// A start refused: the tenant has no provider connection.
        StartNeedsConnection = "start-blocked-provider-connection-missing",
        /// A start refused: admin consent is missing.
        StartNeedsConsent = "start-blocked-admin-consent-required",
        /// A retry refused: the run is not retryable (any more).
        RetryNotRetryable = "run-retry-not-retryable",
        /// A retry refused: the run's type is unknown to this version.
        RetryUnknownType = "run-retry-unknown-type",
        /// A retry refused: admin consent is missing.
        RetryNeedsConsent = "run-retry-blocked-consent",
        /// A retry refused: the connection cannot run it.
        RetryNeedsConnection = "run-retry-blocked-connection",
        /// A member's role or tenants changed.
        MemberChanged = "flash-member-changed",
        /// A member removed from the workspace.
        MemberRemoved = "flash-member-removed",
        /// An invitation revoked.
        InvitationRevoked = "flash-invitation-revoked",
        /// An invitation accepted: the user joined the workspace.
        Joined = "flash-joined",
        /// The user's password changed.
        PasswordChanged = "flash-password-changed",
        /// A reset link set a new password.
        PasswordReset = "flash-password-reset",
        /// One or more of the user's sessions ended.
        SessionsEnded = "flash-sessions-ended",
        /// A handoff retry got the ticket (created, or found by its reference).
        HandoffRetryCreated = "flash-handoff-retry-created",
        /// A handoff retry failed again.
        HandoffRetryFailed = "flash-handoff-retry-failed",
        /// A handoff retry refused: another attempt is running.
        HandoffRetryRunning = "support-retry-running",
        /// A handoff retry refused: the handoff did not fail.
        HandoffRetryNotFailed = "support-retry-not-failed",
        /// A handoff retry refused: no desk is configured.
        HandoffRetryNoDesk = "support-retry-no-desk",
        /// A handoff retry refused: ticket creation is paused.
        HandoffRetryPaused = "support-retry-paused",
    }
);

impl Flash {
    /// Fluent id of the message.
    pub fn key(self) -> &'static str {
        self.as_str()
    }

    /// The notice of a start or retry a page's form asked for and the service refused
    /// (`409`), for the key the refusal carries; `None` for any other key.
    pub fn refusal(key: &str) -> Option<Flash> {
        Flash::parse(key).filter(|f| f.is_refusal())
    }

    fn is_refusal(self) -> bool {
        matches!(
            self,
            Flash::StartsPaused
                | Flash::ReviewPacksPaused
                | Flash::StartNeedsConnection
                | Flash::StartNeedsConsent
                | Flash::RetryNotRetryable
                | Flash::RetryUnknownType
                | Flash::RetryNeedsConsent
                | Flash::RetryNeedsConnection
                | Flash::HandoffRetryRunning
                | Flash::HandoffRetryNotFailed
                | Flash::HandoffRetryNoDesk
                | Flash::HandoffRetryPaused
        )
    }

    /// CSS class: news of something done, a refusal, or neutral information.
    pub fn class(self) -> &'static str {
        match self {
            Flash::SignedOut | Flash::TokenAlreadyRevoked => "flash-info",
            Flash::HandoffRetryFailed => "flash-warning",
            f if f.is_refusal() => "flash-warning",
            _ => "flash-success",
        }
    }
}

/// A refusal a page can explain (`409` with a [`Flash::refusal`] key) as a redirect to `back`
/// with that notice; any other error as it is. `back` must be a path of ours.
pub fn refused_back(error: AppError, jar: CookieJar, back: &str) -> AppResult<Response> {
    match error {
        AppError::Conflict(key) => match Flash::refusal(key) {
            Some(notice) => Ok((jar.add(set(notice)), see_other(back)).into_response()),
            None => Err(AppError::Conflict(key)),
        },
        e => Err(e),
    }
}

/// Cookie that sets the flash for the next page.
pub fn set(flash: Flash) -> Cookie<'static> {
    Cookie::build((COOKIE, flash.as_str()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build()
}

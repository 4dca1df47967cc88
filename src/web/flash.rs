//! One-shot notifications after a redirect. The cookie carries only a message id from a fixed
//! list, never text, so nothing a user typed is ever reflected through it.

use axum_extra::extract::cookie::{Cookie, SameSite};

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
    }
);

impl Flash {
    /// Fluent id of the message.
    pub fn key(self) -> &'static str {
        self.as_str()
    }

    /// CSS class: news of something done, or neutral information.
    pub fn class(self) -> &'static str {
        match self {
            Flash::SignedOut | Flash::TokenAlreadyRevoked => "flash-info",
            _ => "flash-success",
        }
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

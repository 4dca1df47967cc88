//! Members of a workspace and invitations to become one.

use crate::access::Role;
use chrono::{DateTime, Utc};

/// A workspace member as the members page and the API list them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    /// Membership id: the `{id}` of `…/members/{id}`.
    pub id: i64,
    /// The member's user.
    pub user_id: i64,
    /// Sign-in address.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Role in the workspace (an unknown stored role fails to decode).
    pub role: Role,
    /// Sees every tenant of the workspace, including ones created later.
    pub all_tenants: bool,
    /// When they joined.
    pub created_at: DateTime<Utc>,
    /// Their most recent sign-in anywhere; none yet for a member added before they signed in.
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

/// A tenant a member or invitation is entitled to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EntitledTenant {
    /// Membership or invitation the entitlement belongs to.
    pub owner_id: i64,
    /// Tenant's URL key.
    pub external_id: String,
    /// Tenant's display name.
    pub name: String,
}

/// A member with the tenants they may see (empty when `all_tenants`).
#[derive(Debug, Clone)]
pub struct MemberWithTenants {
    /// The member.
    pub member: Member,
    /// Entitled tenants, by name.
    pub tenants: Vec<EntitledTenant>,
}

crate::text_enum!(
    /// Where an invitation stands now; derived from its timestamps, never stored.
    InvitationState [utoipa::ToSchema] {
        /// Can be accepted.
        Pending = "pending",
        /// Accepted: the link is used.
        Accepted = "accepted",
        /// Revoked by an owner.
        Revoked = "revoked",
        /// Past its expiry without being accepted.
        Expired = "expired",
    }
);

impl InvitationState {
    /// Fluent id of the state's label.
    pub fn label_key(self) -> &'static str {
        match self {
            InvitationState::Pending => "invitation-state-pending",
            InvitationState::Accepted => "invitation-state-accepted",
            InvitationState::Revoked => "invitation-state-revoked",
            InvitationState::Expired => "invitation-state-expired",
        }
    }
}

/// A stored invitation; its token is not part of it (only the hash is stored).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Invitation {
    /// Id: the `{id}` of `…/invitations/{id}`.
    pub id: i64,
    /// Workspace it invites to.
    pub workspace_id: i64,
    /// That workspace's URL key.
    pub workspace_slug: String,
    /// That workspace's name.
    pub workspace_name: String,
    /// Address it was sent to; only a user with this address can accept it.
    pub email: String,
    /// Role the invitee gets.
    pub role: Role,
    /// The invitee sees every tenant.
    pub all_tenants: bool,
    /// Language of the e-mail and the acceptance page: the inviter's.
    pub locale: crate::i18n::Locale,
    /// Who invited (e-mail at the time).
    pub invited_by_label: String,
    /// When it was created or last resent.
    pub created_at: DateTime<Utc>,
    /// Refused after this.
    pub expires_at: DateTime<Utc>,
    /// When it was accepted.
    pub accepted_at: Option<DateTime<Utc>>,
    /// When an owner revoked it.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Invitation {
    /// Its state at `now`; accepted and revoked win over expired.
    pub fn state(&self, now: DateTime<Utc>) -> InvitationState {
        if self.accepted_at.is_some() {
            InvitationState::Accepted
        } else if self.revoked_at.is_some() {
            InvitationState::Revoked
        } else if self.expires_at <= now {
            InvitationState::Expired
        } else {
            InvitationState::Pending
        }
    }
}

/// An invitation with the tenants it entitles (empty when `all_tenants`).
#[derive(Debug, Clone)]
pub struct InvitationWithTenants {
    /// The invitation.
    pub invitation: Invitation,
    /// Entitled tenants, by name.
    pub tenants: Vec<EntitledTenant>,
}

/// A new or resent invitation: the raw token travels in `link` this once and is never stored.
#[derive(Debug, Clone)]
pub struct IssuedInvitation {
    /// What is stored.
    pub invitation: Invitation,
    /// The single-use acceptance link (`{public_url}/invitations/{token}`).
    pub link: String,
    /// Whether the link was also sent by e-mail.
    pub mailed: bool,
    /// Why the configured e-mail could not be sent (redacted); the link still works.
    pub mail_error: Option<String>,
}

/// Why an invitation link cannot be used; each has its own page text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationRefusal {
    /// No invitation has this token (mistyped, or replaced by a resend).
    Unknown,
    /// Already accepted.
    Used,
    /// Past its expiry.
    Expired,
    /// Revoked by an owner.
    Revoked,
    /// The signed-in user's address is not the invited one.
    OtherAddress,
    /// The invited address belongs to a platform operator, who cannot be a member.
    PlatformUser,
}

impl InvitationRefusal {
    /// Fluent id of the explanation shown on the refusal page.
    pub fn message_key(self) -> &'static str {
        match self {
            InvitationRefusal::Unknown => "invitation-refused-unknown",
            InvitationRefusal::Used => "invitation-refused-used",
            InvitationRefusal::Expired => "invitation-refused-expired",
            InvitationRefusal::Revoked => "invitation-refused-revoked",
            InvitationRefusal::OtherAddress => "invitation-refused-other-address",
            InvitationRefusal::PlatformUser => "invitation-refused-platform-user",
        }
    }

    /// HTTP status of the refusal page: unknown links do not exist, the others are gone.
    pub fn status(self) -> u16 {
        match self {
            InvitationRefusal::Unknown => 404,
            InvitationRefusal::OtherAddress | InvitationRefusal::PlatformUser => 403,
            InvitationRefusal::Used | InvitationRefusal::Expired | InvitationRefusal::Revoked => {
                410
            }
        }
    }

    /// The refusal for an invitation in `state` (none while it is pending).
    pub fn for_state(state: InvitationState) -> Option<InvitationRefusal> {
        match state {
            InvitationState::Pending => None,
            InvitationState::Accepted => Some(InvitationRefusal::Used),
            InvitationState::Revoked => Some(InvitationRefusal::Revoked),
            InvitationState::Expired => Some(InvitationRefusal::Expired),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn invitation(now: DateTime<Utc>) -> Invitation {
        Invitation {
            id: 1,
            workspace_id: 1,
            workspace_slug: "w".into(),
            workspace_name: "W".into(),
            email: "a@b.test".into(),
            role: Role::Operator,
            all_tenants: true,
            locale: crate::i18n::Locale::En,
            invited_by_label: "owner@b.test".into(),
            created_at: now,
            expires_at: now + Duration::days(7),
            accepted_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn state_follows_the_timestamps_and_accepted_or_revoked_win_over_expired() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        let mut i = invitation(now);
        assert_eq!(i.state(now), InvitationState::Pending);
        assert_eq!(i.state(i.expires_at), InvitationState::Expired);
        i.revoked_at = Some(now);
        assert_eq!(i.state(i.expires_at), InvitationState::Revoked);
        i.accepted_at = Some(now);
        assert_eq!(i.state(now), InvitationState::Accepted);
        assert_eq!(
            InvitationRefusal::for_state(InvitationState::Accepted),
            Some(InvitationRefusal::Used)
        );
        assert_eq!(InvitationRefusal::for_state(InvitationState::Pending), None);
    }
}

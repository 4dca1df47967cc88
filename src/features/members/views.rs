//! Pages of the members feature: the members page and the invitation acceptance page.

use super::model::{
    EntitledTenant, Invitation, InvitationState, InvitationWithTenants, MemberWithTenants,
};
use crate::access::Role;
use crate::error::Invalid;
use crate::i18n::Tr;
use crate::web::shell::Shell;
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// How the forms name "every tenant" and "only these".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntitlementChoice {
    /// Every tenant, including later ones.
    #[default]
    All,
    /// Only the tenants listed.
    Only,
}

/// Posted invitation and member-change forms; `tenants` is a comma-separated list of
/// external ids, used when `entitlement` is `only`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    pub(super) email: String,
    #[serde(default)]
    pub(super) role: String,
    #[serde(default)]
    pub(super) entitlement: EntitlementChoice,
    #[serde(default)]
    pub(super) tenants: String,
}

/// A member row.
pub(super) struct MemberRow {
    pub(super) id: i64,
    pub(super) display_name: String,
    pub(super) email: String,
    pub(super) role: Role,
    pub(super) all_tenants: bool,
    pub(super) tenants: Vec<EntitledTenant>,
    pub(super) tenant_ids: String,
    pub(super) last_sign_in: Option<String>,
    pub(super) is_you: bool,
}

/// An invitation row.
pub(super) struct InvitationRow {
    pub(super) id: i64,
    pub(super) email: String,
    pub(super) role: Role,
    pub(super) all_tenants: bool,
    pub(super) tenants: Vec<EntitledTenant>,
    pub(super) state: InvitationState,
    pub(super) expires: String,
    pub(super) invited_by: String,
}

/// A link shown once, right after an invitation was created or resent.
pub(super) struct IssuedLink {
    pub(super) email: String,
    pub(super) link: String,
    pub(super) expires: String,
    pub(super) mailed: bool,
    /// Why the configured e-mail was not sent (redacted).
    pub(super) mail_error: Option<String>,
}

/// A password reset link an owner issued for a member, shown once.
pub(super) struct IssuedResetLink {
    pub(super) email: String,
    pub(super) link: String,
    pub(super) expires: String,
    pub(super) mailed: bool,
    /// Why the configured e-mail was not sent (redacted).
    pub(super) mail_error: Option<String>,
}

fn message(t: Tr, errors: &[Invalid], field: &str) -> Option<String> {
    errors.iter().find(|e| e.field == field).map(|e| t.t(e.key))
}

fn tenant_ids(tenants: &[EntitledTenant]) -> String {
    tenants
        .iter()
        .map(|t| t.external_id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn member_row(t: Tr, m: MemberWithTenants, you: i64) -> MemberRow {
    MemberRow {
        tenant_ids: tenant_ids(&m.tenants),
        id: m.member.id,
        display_name: m.member.display_name,
        email: m.member.email,
        role: m.member.role,
        all_tenants: m.member.all_tenants,
        tenants: m.tenants,
        last_sign_in: m.member.last_sign_in_at.map(|at| t.datetime(at)),
        is_you: m.member.user_id == you,
    }
}

pub(super) fn invitation_row(t: Tr, i: InvitationWithTenants, now: DateTime<Utc>) -> InvitationRow {
    InvitationRow {
        state: i.invitation.state(now),
        expires: t.datetime(i.invitation.expires_at),
        id: i.invitation.id,
        email: i.invitation.email,
        role: i.invitation.role,
        all_tenants: i.invitation.all_tenants,
        tenants: i.tenants,
        invited_by: i.invitation.invited_by_label,
    }
}

/// Fluent id of a role's label.
pub(super) fn role_key(role: &Role) -> &'static str {
    match role {
        Role::Owner => "role-owner",
        Role::Manager => "role-manager",
        Role::Operator => "role-operator",
        Role::Readonly => "role-readonly",
    }
}

#[derive(Template)]
#[template(path = "members.html")]
pub(super) struct MembersPage {
    pub(super) shell: Shell,
    pub(super) slug: String,
    pub(super) workspace_name: String,
    pub(super) members: Vec<MemberRow>,
    pub(super) invitations: Vec<InvitationRow>,
    /// External ids of the workspace's tenants, offered as the entitlement choices.
    pub(super) tenant_choices: Vec<String>,
    pub(super) issued: Option<IssuedLink>,
    pub(super) issued_reset: Option<IssuedResetLink>,
    pub(super) form: MemberForm,
    pub(super) errors: Vec<Invalid>,
    /// Member whose change form the errors belong to (none: the invitation form).
    pub(super) errors_for_member: Option<i64>,
}

impl MembersPage {
    fn invite_error(&self, field: &str) -> Option<String> {
        if self.errors_for_member.is_some() {
            return None;
        }
        message(self.shell.t, &self.errors, field)
    }

    fn member_error(&self, id: &i64, field: &str) -> Option<String> {
        if self.errors_for_member != Some(*id) {
            return None;
        }
        message(self.shell.t, &self.errors, field)
    }

    fn open_for(&self, id: &i64) -> bool {
        self.errors_for_member == Some(*id)
    }

    fn roles(&self) -> &'static [Role] {
        &Role::ALL
    }
}

/// What the acceptance page offers.
pub(super) enum AcceptOffer {
    /// The link cannot be used: the reason's Fluent id.
    Refused(&'static str),
    /// Signed in as the invited address: one button.
    Join,
    /// An account with the invited address exists: sign in first.
    SignIn {
        /// Login URL that comes back here.
        login_href: String,
    },
    /// No account yet: create one.
    CreateAccount,
}

#[derive(Template)]
#[template(path = "invitation.html")]
pub(super) struct InvitationPage {
    pub(super) shell: Shell,
    pub(super) token: String,
    pub(super) invitation: Option<Invitation>,
    pub(super) offer: AcceptOffer,
    pub(super) display_name: String,
    pub(super) errors: Vec<Invalid>,
}

impl InvitationPage {
    fn intro(&self, inv: &Invitation) -> String {
        let t = self.shell.t;
        t.with(
            "invitation-intro",
            &[
                ("inviter", &inv.invited_by_label),
                ("workspace", &inv.workspace_name),
                ("role", &t.t(role_key(&inv.role))),
            ],
        )
    }

    fn error_for(&self, field: &str) -> Option<String> {
        message(self.shell.t, &self.errors, field)
    }
}

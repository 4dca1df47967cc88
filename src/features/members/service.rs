//! Rules for a workspace's members and invitations (issue 15).
//!
//! - Only owners manage members (`workspace.manage`, checked by the callers' scope).
//! - An invitation is a single-use link that expires (`members.invitation_days`); only the
//!   invited address can accept it. Accepting signs an existing user in or creates the account.
//! - The last owner can neither be removed nor demoted. Every change of a workspace's owners
//!   first takes the workspace row's lock, so two concurrent demotions cannot both pass the
//!   count.
//! - A change takes effect on the member's next request: scopes are read from the memberships
//!   on every request, nothing of them is kept in a session.
//! - Every change is audited in its transaction, with bounded metadata and never a token.

use super::model::{
    EntitledTenant, Invitation, InvitationRefusal, InvitationWithTenants, IssuedInvitation, Member,
    MemberWithTenants,
};
use super::repo::{self, NewInvitation};
use crate::access::Role;
use crate::audit::{self, AuditContext, AuditEntry};
use crate::auth::credentials::{self, IssuedReset, ResetIssuer};
use crate::auth::{
    random_token, token_hash,
    users::{self, NewUser, User},
};
use crate::db::Db;
use crate::error::ServiceError;
use crate::features::tenants;
use crate::features::workspaces::{self, model::TenantSelection};
use crate::i18n::{Locale, Tr};
use crate::mail::{MailOutcome, Outgoing};
use crate::validate;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// Path under `public_url` where an invitation link points; the token follows.
pub const INVITATION_PATH: &str = "/invitations/";

/// Members and open invitations of a workspace, as the members page shows them.
#[derive(Debug, Clone)]
pub struct MembersOverview {
    /// Every member, by display name.
    pub members: Vec<MemberWithTenants>,
    /// Invitations neither accepted nor revoked (expired ones included), newest first.
    pub invitations: Vec<InvitationWithTenants>,
}

/// Groups entitlements by their owner id, keeping each group's order.
fn entitled(of: &[EntitledTenant], owner_id: i64) -> Vec<EntitledTenant> {
    of.iter()
        .filter(|t| t.owner_id == owner_id)
        .cloned()
        .collect()
}

/// The members page's data: four indexed reads, whatever the number of members.
pub async fn overview(db: &Db, workspace_id: i64) -> Result<MembersOverview, ServiceError> {
    let members = repo::list_members(db, workspace_id).await?;
    let member_tenants = repo::member_tenants(db, workspace_id).await?;
    let invitations = repo::open_invitations(db, workspace_id).await?;
    let invitation_tenants = repo::invitation_tenants(db, workspace_id).await?;
    Ok(MembersOverview {
        members: members
            .into_iter()
            .map(|member| MemberWithTenants {
                tenants: entitled(&member_tenants, member.id),
                member,
            })
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|invitation| InvitationWithTenants {
                tenants: entitled(&invitation_tenants, invitation.id),
                invitation,
            })
            .collect(),
    })
}

/// The tenant ids `selection` names, all of them in the workspace; a tenant of another
/// workspace (or none at all) is a field error on `tenants`, like an unknown one.
async fn resolve_selection(
    db: &Db,
    workspace_id: i64,
    selection: &TenantSelection,
) -> Result<(bool, Vec<i64>), ServiceError> {
    match selection {
        TenantSelection::All => Ok((true, Vec::new())),
        TenantSelection::Only(ids) => {
            let mut ids: Vec<String> = ids.iter().map(|s| s.trim().to_string()).collect();
            ids.sort();
            ids.dedup();
            if ids.is_empty() {
                return Err(ServiceError::invalid(
                    "tenants",
                    "validation-tenants-required",
                ));
            }
            let found = tenants::service::find_in_workspace(db, workspace_id, &ids).await?;
            if found.len() != ids.len() {
                return Err(ServiceError::invalid(
                    "tenants",
                    "validation-unknown-tenant",
                ));
            }
            Ok((false, found.into_iter().map(|t| t.id).collect()))
        }
    }
}

/// Adds (or updates) a member with a role and tenant entitlements, auditing
/// `membership.granted` (the CLI's `member add` and the demo data). Platform users cannot be
/// members: the planes stay separate.
pub async fn add_member(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    workspace_slug: &str,
    email: &str,
    role: Role,
    selection: TenantSelection,
) -> Result<i64, ServiceError> {
    let workspace = workspaces::service::find_by_slug(db, workspace_slug)
        .await?
        .ok_or(ServiceError::NotFound("workspace"))?;
    let user = users::find_by_email(db, &validate::normalize_email(email))
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    grant(db, actx, now, workspace.id, &user, role, &selection).await
}

/// Makes `user` a member of the workspace (or updates their membership), auditing
/// `membership.granted` with the role and entitlement in the same transaction.
async fn grant(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    workspace_id: i64,
    user: &User,
    role: Role,
    selection: &TenantSelection,
) -> Result<i64, ServiceError> {
    if user.is_platform {
        return Err(ServiceError::invalid(
            "email",
            "validation-platform-user-not-member",
        ));
    }
    let (all_tenants, tenant_ids) = resolve_selection(db, workspace_id, selection).await?;
    let mut tx = db.begin().await?;
    let membership_id =
        repo::upsert_membership(&mut tx, workspace_id, user.id, role, all_tenants, now).await?;
    repo::replace_entitlements(&mut tx, membership_id, &tenant_ids).await?;
    let entry = AuditEntry::new(
        "membership.granted",
        "membership",
        membership_id.to_string(),
    )
    .scoped(Some(workspace_id), None)
    .with(json!({
        "user_id": user.id,
        "role": role.as_str(),
        "all_tenants": all_tenants,
        "tenant_count": tenant_ids.len(),
    }));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(membership_id)
}

/// Adds the existing account with address `email` to the workspace at once (the API's
/// `POST …/members`), auditing `membership.granted`. Refused as field errors on `email`: not
/// an address, no account with it (invite the address instead: the invitation creates the
/// account), a platform operator's, or already a member (change that membership instead);
/// on `tenants`: a tenant outside the workspace. Returns the membership id.
pub async fn add_existing(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    workspace_id: i64,
    email: &str,
    role: Role,
    selection: &TenantSelection,
) -> Result<i64, ServiceError> {
    let email = validate::normalize_email(email);
    let mut errors = Vec::new();
    validate::email("email", &email, &mut errors);
    validate::finish(errors)?;
    let user = users::find_by_email(db, &email)
        .await?
        .ok_or_else(|| ServiceError::invalid("email", "validation-member-no-account"))?;
    if !user.is_platform && repo::is_member(db, workspace_id, &email).await? {
        return Err(ServiceError::invalid("email", "validation-already-member"));
    }
    grant(db, actx, now, workspace_id, &user, role, selection).await
}

/// Who sends an invitation: its label goes on the invitation, its language into the e-mail.
#[derive(Debug, Clone)]
pub struct Inviter<'a> {
    /// The inviting user (none for the platform plane's first-owner invitation by the CLI).
    pub user_id: Option<i64>,
    /// Shown to the invitee and on the members page.
    pub label: &'a str,
    /// Language of the e-mail and the acceptance page.
    pub locale: Locale,
}

/// What an invitation grants.
#[derive(Debug, Clone)]
pub struct InvitationInput<'a> {
    /// Address to invite.
    pub email: &'a str,
    /// Role to grant.
    pub role: Role,
    /// Tenants to entitle.
    pub selection: TenantSelection,
}

/// The acceptance link of a raw token.
pub fn invitation_link(public_url: &str, token: &str) -> String {
    format!(
        "{}{INVITATION_PATH}{token}",
        public_url.trim_end_matches('/')
    )
}

/// Invites `input.email` to the workspace, auditing `member.invited`. Refused as field errors:
/// an address that is not one, a platform operator's, a member's, or one with a pending
/// invitation (resend that one instead); a tenant outside the workspace.
pub async fn invite(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    config: &crate::config::Config,
    workspace_id: i64,
    inviter: &Inviter<'_>,
    input: &InvitationInput<'_>,
) -> Result<IssuedInvitation, ServiceError> {
    let email = validate::normalize_email(input.email);
    let mut errors = Vec::new();
    validate::email("email", &email, &mut errors);
    validate::finish(errors)?;
    if users::find_by_email(db, &email)
        .await?
        .is_some_and(|u| u.is_platform)
    {
        return Err(ServiceError::invalid(
            "email",
            "validation-platform-user-not-member",
        ));
    }
    if repo::is_member(db, workspace_id, &email).await? {
        return Err(ServiceError::invalid("email", "validation-already-member"));
    }
    if repo::has_pending_invitation(db, workspace_id, &email, now).await? {
        return Err(ServiceError::invalid("email", "validation-already-invited"));
    }
    let (all_tenants, tenant_ids) = resolve_selection(db, workspace_id, &input.selection).await?;
    let token = random_token();
    let hash = token_hash(&token);
    let mut tx = db.begin().await?;
    let new = NewInvitation {
        workspace_id,
        email: &email,
        role: input.role,
        all_tenants,
        token_hash: &hash,
        locale: inviter.locale,
        invited_by_user_id: inviter.user_id,
        invited_by_label: inviter.label,
        expires_at: now + Duration::days(config.members.invitation_days),
    };
    let id = repo::insert_invitation(&mut tx, &new, &tenant_ids, now).await?;
    let entry = AuditEntry::new("member.invited", "invitation", id.to_string())
        .scoped(Some(workspace_id), None)
        .with(json!({
            "email": email,
            "role": input.role.as_str(),
            "all_tenants": all_tenants,
            "tenant_count": tenant_ids.len(),
        }));
    audit::record(&mut tx, actx, now, entry).await?;
    let invitation = repo::find_invitation(&mut tx, workspace_id, id)
        .await?
        .ok_or(ServiceError::NotFound("invitation"))?;
    tx.commit().await?;
    Ok(mail_invitation(
        config,
        invitation,
        invitation_link(&config.public_url, &token),
    )
    .await)
}

/// Gives an open invitation a new link and a fresh expiry (the old link stops working),
/// auditing `member.invited` with `resent`. Accepted or revoked invitations are a conflict.
pub async fn resend(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    config: &crate::config::Config,
    workspace_id: i64,
    id: i64,
) -> Result<IssuedInvitation, ServiceError> {
    let token = random_token();
    let mut tx = db.begin().await?;
    let expires_at = now + Duration::days(config.members.invitation_days);
    if !repo::reissue_invitation(
        &mut tx,
        workspace_id,
        id,
        &token_hash(&token),
        now,
        expires_at,
    )
    .await?
    {
        return Err(closed_or_missing(&mut tx, workspace_id, id).await?);
    }
    let invitation = repo::find_invitation(&mut tx, workspace_id, id)
        .await?
        .ok_or(ServiceError::NotFound("invitation"))?;
    let entry = AuditEntry::new("member.invited", "invitation", id.to_string())
        .scoped(Some(workspace_id), None)
        .with(json!({
            "email": invitation.email,
            "role": invitation.role.as_str(),
            "resent": true,
        }));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(mail_invitation(
        config,
        invitation,
        invitation_link(&config.public_url, &token),
    )
    .await)
}

/// Fluent id of a role's label.
fn role_key(role: Role) -> &'static str {
    match role {
        Role::Owner => "role-owner",
        Role::Manager => "role-manager",
        Role::Operator => "role-operator",
        Role::Readonly => "role-readonly",
    }
}

/// The invitation e-mail in the invitation's language (the inviter's).
pub fn invitation_message(invitation: &Invitation, link: &str) -> (String, String) {
    let t = Tr(invitation.locale);
    let inviter = invitation.invited_by_label.as_str();
    let workspace = invitation.workspace_name.as_str();
    let role = t.t(role_key(invitation.role));
    let when = t.datetime(invitation.expires_at);
    let subject = t.t1("mail-invitation-subject", "workspace", workspace);
    let body = [
        t.with(
            "mail-invitation-intro",
            &[
                ("inviter", inviter),
                ("workspace", workspace),
                ("role", &role),
            ],
        ),
        format!("{}\n{link}", t.t("mail-invitation-action")),
        t.with(
            "mail-invitation-expires",
            &[("when", &when), ("inviter", inviter)],
        ),
        t.t("mail-invitation-ignore"),
    ]
    .join("\n\n");
    (subject, body)
}

/// After the commit: e-mails the invitation when `[mail]` is configured. A failure keeps the
/// invitation and its link (shown once as always) and reports the redacted reason.
async fn mail_invitation(
    config: &crate::config::Config,
    invitation: Invitation,
    link: String,
) -> IssuedInvitation {
    let (subject, body) = invitation_message(&invitation, &link);
    let outcome = MailOutcome::of(
        config.mail.as_ref(),
        "invitation",
        &Outgoing {
            to: &invitation.email,
            subject: &subject,
            body: &body,
        },
    )
    .await;
    IssuedInvitation {
        link,
        invitation,
        mailed: outcome.sent(),
        mail_error: outcome.error(),
    }
}

/// An owner issues a single-use password reset link for member `id` of the workspace,
/// audited `user.password_reset_requested` (scoped to the workspace, `issued_by: owner`) in
/// its transaction, then e-mailed in the member's language when mail is configured. Anyone
/// who is not a member of this workspace is `NotFound`; platform operators never are members.
pub async fn issue_password_reset(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    config: &crate::config::Config,
    workspace_id: i64,
    id: i64,
) -> Result<(Member, IssuedReset), ServiceError> {
    let mut tx = db.begin().await?;
    let member = repo::find_member(&mut tx, workspace_id, id)
        .await?
        .ok_or(ServiceError::NotFound("member"))?;
    tx.rollback().await?;
    let user = users::find_by_id(db, member.user_id)
        .await?
        .filter(|u| !u.is_platform)
        .ok_or(ServiceError::NotFound("member"))?;
    let mut tx = db.begin().await?;
    // Still a member when the link is written (a removal in between must not slip through).
    if repo::find_member(&mut tx, workspace_id, id)
        .await?
        .is_none_or(|m| m.user_id != user.id)
    {
        return Err(ServiceError::NotFound("member"));
    }
    let mut issued = credentials::issue_reset_in(
        &mut tx,
        actx,
        now,
        config,
        user.id,
        ResetIssuer::Owner { workspace_id },
    )
    .await?;
    tx.commit().await?;
    credentials::mail_reset(config, &user, &mut issued).await;
    Ok((member, issued))
}

/// Why an update of invitation `id` matched no row: it is not in the workspace (404) or it
/// was accepted or revoked (409).
async fn closed_or_missing(
    tx: &mut crate::db::Tx,
    workspace_id: i64,
    id: i64,
) -> Result<ServiceError, ServiceError> {
    Ok(match repo::find_invitation(tx, workspace_id, id).await? {
        None => ServiceError::NotFound("invitation"),
        Some(_) => ServiceError::Conflict("conflict-invitation-closed"),
    })
}

/// Revokes an open invitation, auditing `member.invitation_revoked`.
pub async fn revoke(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    workspace_id: i64,
    id: i64,
) -> Result<(), ServiceError> {
    let mut tx = db.begin().await?;
    if !repo::revoke_invitation(&mut tx, workspace_id, id, now).await? {
        return Err(closed_or_missing(&mut tx, workspace_id, id).await?);
    }
    let entry = AuditEntry::new("member.invitation_revoked", "invitation", id.to_string())
        .scoped(Some(workspace_id), None)
        .with(json!({}));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// The invitation a link's token names, if it can still be accepted by `signed_in` (the
/// current user, when there is one); otherwise why not.
pub async fn open_invitation(
    db: &Db,
    now: DateTime<Utc>,
    token: &str,
    signed_in: Option<&User>,
) -> Result<Result<Invitation, InvitationRefusal>, ServiceError> {
    let Some(invitation) = repo::find_invitation_by_token(db, &token_hash(token)).await? else {
        return Ok(Err(InvitationRefusal::Unknown));
    };
    if let Some(refusal) = InvitationRefusal::for_state(invitation.state(now)) {
        return Ok(Err(refusal));
    }
    if let Some(user) = signed_in {
        if user.is_platform {
            return Ok(Err(InvitationRefusal::PlatformUser));
        }
        if user.email != invitation.email {
            return Ok(Err(InvitationRefusal::OtherAddress));
        }
    }
    Ok(Ok(invitation))
}

/// Who accepts an invitation.
#[derive(Debug)]
pub enum Acceptor<'a> {
    /// The signed-in user whose address is the invited one.
    SignedIn(&'a User),
    /// Nobody with the invited address has an account yet: create it with these.
    NewAccount {
        /// Display name (defaults to the address's local part).
        display_name: Option<String>,
        /// Password, by today's rules.
        password: String,
    },
}

/// Accepts the invitation `token` names, auditing `member.joined` (and `user.created` for a
/// new account) in one transaction: the membership, its entitlements and the claim of the
/// invitation are written together or not at all. Returns the member's user.
pub async fn accept(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    token: &str,
    acceptor: Acceptor<'_>,
) -> Result<Result<(Invitation, User), InvitationRefusal>, ServiceError> {
    let signed_in = match &acceptor {
        Acceptor::SignedIn(user) => Some(*user),
        Acceptor::NewAccount { .. } => None,
    };
    let invitation = match open_invitation(db, now, token, signed_in).await? {
        Ok(invitation) => invitation,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let prepared = match &acceptor {
        Acceptor::SignedIn(_) => None,
        Acceptor::NewAccount {
            display_name,
            password,
        } => Some(
            users::prepare(NewUser {
                email: invitation.email.clone(),
                display_name: display_name.clone().filter(|n| !n.trim().is_empty()),
                password: password.clone(),
                is_platform: false,
            })
            .await?,
        ),
    };
    let mut tx = db.begin().await?;
    let user = match (&acceptor, &prepared) {
        (Acceptor::SignedIn(user), _) => (*user).clone(),
        (_, Some(prepared)) => users::insert_prepared(&mut tx, actx, now, prepared).await?,
        (Acceptor::NewAccount { .. }, None) => {
            return Err(ServiceError::invalid("password", "validation-required"));
        }
    };
    if !repo::claim_invitation(&mut tx, invitation.id, user.id, now).await? {
        // Accepted, revoked or expired between the read above and this write.
        return Ok(Err(InvitationRefusal::Used));
    }
    let membership_id = repo::upsert_membership(
        &mut tx,
        invitation.workspace_id,
        user.id,
        invitation.role,
        invitation.all_tenants,
        now,
    )
    .await?;
    repo::replace_entitlements(&mut tx, membership_id, &[]).await?;
    repo::entitle_from_invitation(&mut tx, membership_id, invitation.id).await?;
    let entry = AuditEntry::new("member.joined", "membership", membership_id.to_string())
        .scoped(Some(invitation.workspace_id), None)
        .with(json!({
            "invitation_id": invitation.id,
            "user_id": user.id,
            "role": invitation.role.as_str(),
        }));
    let actx = AuditContext {
        actor: audit::Actor::User {
            id: user.id,
            label: user.email.clone(),
        },
        request_id: actx.request_id.clone(),
    };
    audit::record(&mut tx, &actx, now, entry).await?;
    tx.commit().await?;
    Ok(Ok((invitation, user)))
}

/// A change of a member: a new role, new tenants, or both.
#[derive(Debug, Clone, Default)]
pub struct MemberChange {
    /// New role.
    pub role: Option<Role>,
    /// New entitlement.
    pub selection: Option<TenantSelection>,
}

/// Whether a change leaves the workspace without an owner: `member` is an owner, the change
/// takes that away, and no other owner exists.
fn strips_last_owner(member: &Member, new_role: Option<Role>, owners: i64) -> bool {
    member.role == Role::Owner && new_role.is_some_and(|r| r != Role::Owner) && owners <= 1
}

/// Changes member `id`'s role and entitlement, auditing `member.role_changed` and
/// `member.entitlement_changed` for what actually changed. Demoting the last owner is a field
/// error on `role`.
pub async fn change(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    workspace_id: i64,
    id: i64,
    change: &MemberChange,
) -> Result<Member, ServiceError> {
    let resolved = match &change.selection {
        Some(selection) => Some(resolve_selection(db, workspace_id, selection).await?),
        None => None,
    };
    let mut tx = db.begin().await?;
    repo::lock_workspace(&mut tx, workspace_id).await?;
    let member = repo::find_member(&mut tx, workspace_id, id)
        .await?
        .ok_or(ServiceError::NotFound("member"))?;
    let owners = repo::count_owners(&mut tx, workspace_id).await?;
    if strips_last_owner(&member, change.role, owners) {
        return Err(ServiceError::invalid("role", "validation-last-owner"));
    }
    let role = change.role.unwrap_or(member.role);
    let all_tenants = resolved
        .as_ref()
        .map_or(member.all_tenants, |(all, _)| *all);
    repo::update_member(&mut tx, workspace_id, id, role, all_tenants).await?;
    if role != member.role {
        let entry = AuditEntry::new("member.role_changed", "membership", id.to_string())
            .scoped(Some(workspace_id), None)
            .with(json!({
                "user_id": member.user_id,
                "from": member.role.as_str(),
                "to": role.as_str(),
            }));
        audit::record(&mut tx, actx, now, entry).await?;
    }
    if let Some((all, tenant_ids)) = &resolved {
        repo::replace_entitlements(&mut tx, id, tenant_ids).await?;
        let entry = AuditEntry::new("member.entitlement_changed", "membership", id.to_string())
            .scoped(Some(workspace_id), None)
            .with(json!({
                "user_id": member.user_id,
                "all_tenants": all,
                "tenant_count": tenant_ids.len(),
            }));
        audit::record(&mut tx, actx, now, entry).await?;
    }
    let updated = repo::find_member(&mut tx, workspace_id, id)
        .await?
        .ok_or(ServiceError::NotFound("member"))?;
    tx.commit().await?;
    Ok(updated)
}

/// Removes member `id` from the workspace, auditing `member.removed`. Their access ends on
/// their next request; their account, their other workspaces, sessions and API tokens stay.
/// Removing the last owner is a conflict.
pub async fn remove(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    workspace_id: i64,
    id: i64,
) -> Result<(), ServiceError> {
    let mut tx = db.begin().await?;
    repo::lock_workspace(&mut tx, workspace_id).await?;
    let member = repo::find_member(&mut tx, workspace_id, id)
        .await?
        .ok_or(ServiceError::NotFound("member"))?;
    let owners = repo::count_owners(&mut tx, workspace_id).await?;
    if member.role == Role::Owner && owners <= 1 {
        return Err(ServiceError::Conflict("conflict-last-owner"));
    }
    repo::delete_member(&mut tx, workspace_id, id).await?;
    let entry = AuditEntry::new("member.removed", "membership", id.to_string())
        .scoped(Some(workspace_id), None)
        .with(json!({ "user_id": member.user_id, "role": member.role.as_str() }));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: Role) -> Member {
        Member {
            id: 1,
            user_id: 1,
            email: "a@b.test".into(),
            display_name: "A".into(),
            role,
            all_tenants: true,
            created_at: Utc::now(),
            last_sign_in_at: None,
        }
    }

    #[test]
    fn only_taking_the_owner_role_from_the_only_owner_strips_the_last_owner() {
        let owner = member(Role::Owner);
        assert!(strips_last_owner(&owner, Some(Role::Manager), 1));
        assert!(!strips_last_owner(&owner, Some(Role::Manager), 2));
        assert!(!strips_last_owner(&owner, Some(Role::Owner), 1));
        assert!(!strips_last_owner(&owner, None, 1));
        assert!(!strips_last_owner(
            &member(Role::Manager),
            Some(Role::Readonly),
            1
        ));
    }

    #[test]
    fn links_point_at_the_public_url_once_whatever_its_trailing_slash() {
        assert_eq!(
            invitation_link("https://tp.example/", "abc"),
            "https://tp.example/invitations/abc"
        );
        assert_eq!(
            invitation_link("https://tp.example", "abc"),
            "https://tp.example/invitations/abc"
        );
    }
}

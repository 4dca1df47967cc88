//! SQL for memberships, their tenant entitlements and invitations. Raw invitation tokens never
//! reach this file: invitations are found by the SHA-256 of the token.

use super::model::{EntitledTenant, Invitation, Member};
use crate::access::Role;
use crate::db::{Db, Exec, Tx};
use crate::i18n::Locale;
use crate::{execute, with_db, with_exec, with_tx};
use chrono::{DateTime, Utc};
use std::sync::LazyLock;

/// Columns of [`Member`].
const MEMBER_COLUMNS: &str = "m.id, m.user_id, u.email, u.display_name, m.role, m.all_tenants,
    m.created_at, u.last_sign_in_at
    FROM memberships m JOIN users u ON u.id = m.user_id";

/// SQL of [`list_members`].
pub static LIST_MEMBERS: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {MEMBER_COLUMNS} WHERE m.workspace_id = $1 ORDER BY u.display_name, m.id")
});

/// Every member of the workspace, by display name.
pub async fn list_members(db: &Db, workspace_id: i64) -> Result<Vec<Member>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_MEMBERS.as_str())
        .bind(workspace_id)
        .fetch_all(p)
        .await)
}

/// SQL of [`member_tenants`].
pub const MEMBER_TENANTS: &str =
    "SELECT e.membership_id AS owner_id, t.external_id, t.name FROM tenant_entitlements e
         JOIN memberships m ON m.id = e.membership_id
         JOIN tenants t ON t.id = e.tenant_id
         WHERE m.workspace_id = $1 ORDER BY t.name, t.id";

/// The explicit entitlements of every member of the workspace.
pub async fn member_tenants(
    db: &Db,
    workspace_id: i64,
) -> Result<Vec<EntitledTenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(MEMBER_TENANTS)
        .bind(workspace_id)
        .fetch_all(p)
        .await)
}

/// SQL of [`find_member`].
pub static FIND_MEMBER: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {MEMBER_COLUMNS} WHERE m.id = $1 AND m.workspace_id = $2"));

/// Membership `id` of the workspace, read inside the caller's transaction (after the lock).
pub async fn find_member(
    tx: &mut Tx,
    workspace_id: i64,
    id: i64,
) -> Result<Option<Member>, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as(FIND_MEMBER.as_str())
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(c)
        .await)
}

/// SQL of [`is_member`].
pub const IS_MEMBER: &str = "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.workspace_id = $1 AND u.email = $2";

/// Whether the user with address `email` is a member of the workspace.
pub async fn is_member(db: &Db, workspace_id: i64, email: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = with_db!(db, |p| sqlx::query_scalar(IS_MEMBER)
        .bind(workspace_id)
        .bind(email)
        .fetch_one(p)
        .await)?;
    Ok(n > 0)
}

/// SQL of [`lock_workspace`].
pub const LOCK_WORKSPACE: &str = "UPDATE workspaces SET name = name WHERE id = $1";

/// Takes the workspace row's write lock for the rest of the transaction, so that two changes of
/// the same workspace's owners run one after the other (PostgreSQL row lock; SQLite's write
/// transaction holds the database already). The owner count read after it is current.
pub async fn lock_workspace(tx: &mut Tx, workspace_id: i64) -> Result<(), sqlx::Error> {
    execute!(&mut *tx, sqlx::query(LOCK_WORKSPACE).bind(workspace_id))?;
    Ok(())
}

/// SQL of [`count_owners`].
pub const COUNT_OWNERS: &str =
    "SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND role = 'owner'";

/// Owners of the workspace now.
pub async fn count_owners(tx: &mut Tx, workspace_id: i64) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(COUNT_OWNERS)
        .bind(workspace_id)
        .fetch_one(c)
        .await)
}

/// SQL of [`update_member`].
pub const UPDATE_MEMBER: &str =
    "UPDATE memberships SET role = $1, all_tenants = $2 WHERE id = $3 AND workspace_id = $4";

/// Sets a member's role and whether they see every tenant.
pub async fn update_member(
    tx: &mut Tx,
    workspace_id: i64,
    id: i64,
    role: Role,
    all_tenants: bool,
) -> Result<(), sqlx::Error> {
    execute!(
        &mut *tx,
        sqlx::query(UPDATE_MEMBER)
            .bind(role)
            .bind(all_tenants)
            .bind(id)
            .bind(workspace_id)
    )?;
    Ok(())
}

/// SQL of [`delete_member`].
pub const DELETE_MEMBER: &str = "DELETE FROM memberships WHERE id = $1 AND workspace_id = $2";

/// Removes a membership (its entitlements go with it).
pub async fn delete_member(tx: &mut Tx, workspace_id: i64, id: i64) -> Result<(), sqlx::Error> {
    replace_entitlements(tx, id, &[]).await?;
    execute!(
        &mut *tx,
        sqlx::query(DELETE_MEMBER).bind(id).bind(workspace_id)
    )?;
    Ok(())
}

/// SQL of [`upsert_membership`].
pub const UPSERT_MEMBERSHIP: &str =
    "INSERT INTO memberships (workspace_id, user_id, role, all_tenants, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = $3, all_tenants = $4
         RETURNING id";

/// Inserts or updates a membership, returning its id.
pub async fn upsert_membership(
    tx: &mut Tx,
    workspace_id: i64,
    user_id: i64,
    role: Role,
    all_tenants: bool,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(UPSERT_MEMBERSHIP)
        .bind(workspace_id)
        .bind(user_id)
        .bind(role)
        .bind(all_tenants)
        .bind(now)
        .fetch_one(c)
        .await)
}

/// SQL of [`replace_entitlements`].
pub const REPLACE_ENTITLEMENTS: &str = "DELETE FROM tenant_entitlements WHERE membership_id = $1";
/// SQL of [`replace_entitlements`], once per entitled tenant.
pub const REPLACE_ENTITLEMENTS_2: &str =
    "INSERT INTO tenant_entitlements (membership_id, tenant_id) VALUES ($1, $2)";

/// Replaces a membership's explicit tenant entitlements.
pub async fn replace_entitlements(
    tx: &mut Tx,
    membership_id: i64,
    tenant_ids: &[i64],
) -> Result<(), sqlx::Error> {
    execute!(
        &mut *tx,
        sqlx::query(REPLACE_ENTITLEMENTS).bind(membership_id)
    )?;
    for tenant_id in tenant_ids {
        execute!(
            &mut *tx,
            sqlx::query(REPLACE_ENTITLEMENTS_2)
                .bind(membership_id)
                .bind(*tenant_id)
        )?;
    }
    Ok(())
}

/// Columns of [`Invitation`].
const INVITATION_COLUMNS: &str = "i.id, i.workspace_id, w.slug AS workspace_slug,
    w.name AS workspace_name, i.email, i.role, i.all_tenants, i.locale, i.invited_by_label,
    i.created_at, i.expires_at, i.accepted_at, i.revoked_at
    FROM invitations i JOIN workspaces w ON w.id = i.workspace_id";

/// An invitation to store.
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    /// Workspace.
    pub workspace_id: i64,
    /// Normalised address.
    pub email: &'a str,
    /// Role to grant.
    pub role: Role,
    /// Every tenant.
    pub all_tenants: bool,
    /// SHA-256 hex of the raw token.
    pub token_hash: &'a str,
    /// The inviter's language.
    pub locale: Locale,
    /// The inviter, when a user (none from the CLI).
    pub invited_by_user_id: Option<i64>,
    /// The inviter's label.
    pub invited_by_label: &'a str,
    /// Refused after this.
    pub expires_at: DateTime<Utc>,
}

/// SQL of [`insert_invitation`].
pub const INSERT_INVITATION: &str = "INSERT INTO invitations (workspace_id, email, role,
        all_tenants, token_hash, locale, invited_by_user_id, invited_by_label, created_at,
        expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
/// SQL of [`insert_invitation`], once per entitled tenant.
pub const INSERT_INVITATION_2: &str =
    "INSERT INTO invitation_tenants (invitation_id, tenant_id) VALUES ($1, $2)";

/// Stores a new invitation with its entitled tenants, returning its id.
pub async fn insert_invitation(
    tx: &mut Tx,
    new: &NewInvitation<'_>,
    tenant_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let id: i64 = with_tx!(tx, |c| sqlx::query_scalar(INSERT_INVITATION)
        .bind(new.workspace_id)
        .bind(new.email)
        .bind(new.role)
        .bind(new.all_tenants)
        .bind(new.token_hash)
        .bind(new.locale)
        .bind(new.invited_by_user_id)
        .bind(new.invited_by_label)
        .bind(now)
        .bind(new.expires_at)
        .fetch_one(c)
        .await)?;
    for tenant_id in tenant_ids {
        execute!(
            &mut *tx,
            sqlx::query(INSERT_INVITATION_2).bind(id).bind(*tenant_id)
        )?;
    }
    Ok(id)
}

/// SQL of [`find_invitation`].
pub static FIND_INVITATION: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {INVITATION_COLUMNS} WHERE i.id = $1 AND i.workspace_id = $2")
});

/// Invitation `id` of the workspace, on the pool or in the caller's transaction.
pub async fn find_invitation<'a>(
    on: impl Into<Exec<'a>>,
    workspace_id: i64,
    id: i64,
) -> Result<Option<Invitation>, sqlx::Error> {
    with_exec!(on, |c| sqlx::query_as(FIND_INVITATION.as_str())
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(c)
        .await)
}

/// SQL of [`find_invitation_by_token`].
pub static FIND_INVITATION_BY_TOKEN: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {INVITATION_COLUMNS} WHERE i.token_hash = $1"));

/// The invitation whose token hashes to `token_hash`.
pub async fn find_invitation_by_token(
    db: &Db,
    token_hash: &str,
) -> Result<Option<Invitation>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_INVITATION_BY_TOKEN.as_str())
        .bind(token_hash)
        .fetch_optional(p)
        .await)
}

/// SQL of [`open_invitations`]: neither accepted nor revoked (expired ones included, so the
/// page can offer a resend), newest first, bounded.
pub static OPEN_INVITATIONS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {INVITATION_COLUMNS} WHERE i.workspace_id = $1 AND i.accepted_at IS NULL
         AND i.revoked_at IS NULL ORDER BY i.created_at DESC, i.id DESC LIMIT 200"
    )
});

/// The workspace's open invitations.
pub async fn open_invitations(db: &Db, workspace_id: i64) -> Result<Vec<Invitation>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(OPEN_INVITATIONS.as_str())
        .bind(workspace_id)
        .fetch_all(p)
        .await)
}

/// SQL of [`invitation_tenants`].
pub const INVITATION_TENANTS: &str =
    "SELECT it.invitation_id AS owner_id, t.external_id, t.name FROM invitation_tenants it
         JOIN invitations i ON i.id = it.invitation_id
         JOIN tenants t ON t.id = it.tenant_id
         WHERE i.workspace_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
         ORDER BY t.name, t.id";

/// The entitled tenants of the workspace's open invitations.
pub async fn invitation_tenants(
    db: &Db,
    workspace_id: i64,
) -> Result<Vec<EntitledTenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(INVITATION_TENANTS)
        .bind(workspace_id)
        .fetch_all(p)
        .await)
}

/// SQL of [`has_pending_invitation`].
pub const HAS_PENDING_INVITATION: &str = "SELECT COUNT(*) FROM invitations
         WHERE workspace_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL
         AND expires_at > $3";

/// Whether `email` already has an invitation to the workspace that can still be accepted.
pub async fn has_pending_invitation(
    db: &Db,
    workspace_id: i64,
    email: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let n: i64 = with_db!(db, |p| sqlx::query_scalar(HAS_PENDING_INVITATION)
        .bind(workspace_id)
        .bind(email)
        .bind(now)
        .fetch_one(p)
        .await)?;
    Ok(n > 0)
}

/// SQL of [`revoke_invitation`].
pub const REVOKE_INVITATION: &str = "UPDATE invitations SET revoked_at = $1
         WHERE id = $2 AND workspace_id = $3 AND accepted_at IS NULL AND revoked_at IS NULL";

/// Revokes an open invitation; false when it was accepted or revoked meanwhile.
pub async fn revoke_invitation(
    tx: &mut Tx,
    workspace_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let n = execute!(
        &mut *tx,
        sqlx::query(REVOKE_INVITATION)
            .bind(now)
            .bind(id)
            .bind(workspace_id)
    )?;
    Ok(n == 1)
}

/// SQL of [`reissue_invitation`].
pub const REISSUE_INVITATION: &str =
    "UPDATE invitations SET token_hash = $1, created_at = $2, expires_at = $3
         WHERE id = $4 AND workspace_id = $5 AND accepted_at IS NULL AND revoked_at IS NULL";

/// Gives an open invitation a new token and expiry (a resend): the old link stops working.
/// False when it was accepted or revoked meanwhile.
pub async fn reissue_invitation(
    tx: &mut Tx,
    workspace_id: i64,
    id: i64,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let n = execute!(
        &mut *tx,
        sqlx::query(REISSUE_INVITATION)
            .bind(token_hash)
            .bind(now)
            .bind(expires_at)
            .bind(id)
            .bind(workspace_id)
    )?;
    Ok(n == 1)
}

/// SQL of [`claim_invitation`].
pub const CLAIM_INVITATION: &str = "UPDATE invitations SET accepted_at = $1, accepted_user_id = $2
         WHERE id = $3 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1";

/// Marks a pending invitation accepted by `user_id`; only one acceptance can win, and none
/// after expiry or revocation.
pub async fn claim_invitation(
    tx: &mut Tx,
    id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let n = execute!(
        &mut *tx,
        sqlx::query(CLAIM_INVITATION)
            .bind(now)
            .bind(user_id)
            .bind(id)
    )?;
    Ok(n == 1)
}

/// SQL of [`entitle_from_invitation`].
pub const ENTITLE_FROM_INVITATION: &str =
    "INSERT INTO tenant_entitlements (membership_id, tenant_id)
         SELECT $1, tenant_id FROM invitation_tenants WHERE invitation_id = $2";

/// Gives a membership the tenants its invitation names.
pub async fn entitle_from_invitation(
    tx: &mut Tx,
    membership_id: i64,
    invitation_id: i64,
) -> Result<(), sqlx::Error> {
    execute!(
        &mut *tx,
        sqlx::query(ENTITLE_FROM_INVITATION)
            .bind(membership_id)
            .bind(invitation_id)
    )?;
    Ok(())
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("LIST_MEMBERS", LIST_MEMBERS.as_str()),
        ("MEMBER_TENANTS", MEMBER_TENANTS),
        ("FIND_MEMBER", FIND_MEMBER.as_str()),
        ("IS_MEMBER", IS_MEMBER),
        ("LOCK_WORKSPACE", LOCK_WORKSPACE),
        ("COUNT_OWNERS", COUNT_OWNERS),
        ("UPDATE_MEMBER", UPDATE_MEMBER),
        ("DELETE_MEMBER", DELETE_MEMBER),
        ("UPSERT_MEMBERSHIP", UPSERT_MEMBERSHIP),
        ("REPLACE_ENTITLEMENTS", REPLACE_ENTITLEMENTS),
        ("REPLACE_ENTITLEMENTS_2", REPLACE_ENTITLEMENTS_2),
        ("INSERT_INVITATION", INSERT_INVITATION),
        ("INSERT_INVITATION_2", INSERT_INVITATION_2),
        ("FIND_INVITATION", FIND_INVITATION.as_str()),
        (
            "FIND_INVITATION_BY_TOKEN",
            FIND_INVITATION_BY_TOKEN.as_str(),
        ),
        ("OPEN_INVITATIONS", OPEN_INVITATIONS.as_str()),
        ("INVITATION_TENANTS", INVITATION_TENANTS),
        ("HAS_PENDING_INVITATION", HAS_PENDING_INVITATION),
        ("REVOKE_INVITATION", REVOKE_INVITATION),
        ("REISSUE_INVITATION", REISSUE_INVITATION),
        ("CLAIM_INVITATION", CLAIM_INVITATION),
        ("ENTITLE_FROM_INVITATION", ENTITLE_FROM_INVITATION),
    ]
}

//! The system plane's reads for its pages (the console's figures come from `tower` and
//! `controls`), and the platform operator's creation of a workspace with its first owner.

pub use super::repo::{
    ControlChange, FailedRun, Offender, Totals, WorkspaceChoice, WorkspaceOverview,
    control_changes, totals, workspace_choices, workspace_overviews,
};

use crate::access::Role;
use crate::audit::AuditContext;
use crate::auth::users;
use crate::config::Config;
use crate::db::Db;
use crate::error::{Invalid, ServiceError};
use crate::features::members::{
    model::IssuedInvitation,
    service::{self as members, InvitationInput, Inviter},
};
use crate::features::workspaces::{
    self,
    model::{TenantSelection, Workspace},
};
use crate::validate;
use chrono::{DateTime, Utc};

/// Longest workspace name, in characters (as `workspaces::service::create` allows).
pub const NAME_MAX: usize = 120;

/// What a platform operator asks for on `/system/workspaces`.
#[derive(Debug, Clone)]
pub struct NewWorkspace<'a> {
    /// Display name.
    pub name: &'a str,
    /// URL key; empty means "derive it from the name" ([`slug_from_name`]).
    pub slug: &'a str,
    /// Address of the first owner, who gets an invitation.
    pub owner_email: &'a str,
}

/// A created workspace and its first owner's invitation (whose link is shown once).
#[derive(Debug, Clone)]
pub struct CreatedWorkspace {
    /// The workspace.
    pub workspace: Workspace,
    /// The owner invitation with its link.
    pub invitation: IssuedInvitation,
}

/// A URL key from a display name: ASCII letters and digits lowercased, German umlauts and ß
/// spelled out, every other run of characters one `-`, at most 63 characters. May come out
/// too short for [`validate::slug`] (a name of symbols only); the caller checks.
pub fn slug_from_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        let spelled = match c {
            'ä' => "ae",
            'ö' => "oe",
            'ü' => "ue",
            'ß' => "ss",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => {
                if !out.is_empty() && !out.ends_with('-') {
                    out.push('-');
                }
                continue;
            }
        };
        out.push_str(spelled);
    }
    let mut slug: String = out.trim_end_matches('-').chars().take(63).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// Every rule the creation checks before it writes anything, all failures at once; the slug
/// it will use on success.
async fn check(db: &Db, input: &NewWorkspace<'_>) -> Result<(String, String), ServiceError> {
    let mut errors: Vec<Invalid> = Vec::new();
    let name = input.name.trim();
    validate::text("name", name, NAME_MAX, &mut errors);
    let slug = match input.slug.trim() {
        "" => slug_from_name(name),
        given => given.to_string(),
    };
    if !name.is_empty() || !input.slug.trim().is_empty() {
        if input.slug.trim().is_empty() && slug.len() < 2 {
            errors.push(Invalid {
                field: "slug",
                key: "validation-workspace-slug-needed",
            });
        } else {
            validate::slug("slug", &slug, &mut errors);
        }
    }
    let email = validate::normalize_email(input.owner_email);
    validate::email("email", &email, &mut errors);
    if !errors.iter().any(|e| e.field == "name")
        && workspaces::service::name_taken(db, name).await?
    {
        errors.push(Invalid {
            field: "name",
            key: "validation-workspace-name-taken",
        });
    }
    if !errors.iter().any(|e| e.field == "slug")
        && workspaces::service::find_by_slug(db, &slug)
            .await?
            .is_some()
    {
        errors.push(Invalid {
            field: "slug",
            key: "validation-slug-taken",
        });
    }
    if !errors.iter().any(|e| e.field == "email")
        && users::find_by_email(db, &email)
            .await?
            .is_some_and(|u| u.is_platform)
    {
        errors.push(Invalid {
            field: "email",
            key: "validation-platform-user-not-member",
        });
    }
    validate::finish(errors)?;
    Ok((name.to_string(), slug))
}

/// Creates a workspace and invites its first owner (role owner, every tenant), the platform
/// operator `inviter` named as who invited.
///
/// Two transactions, one after the other: `workspaces::service::create` writes the workspace
/// and its `workspace.created` audit row (scoped to the new workspace, actor the platform
/// operator, metadata its name); then `members::service::invite` writes the invitation and
/// its `member.invited` row. Every rule the invitation applies that can fail for a brand-new
/// workspace — the address's shape and that it is no platform operator's — is checked here
/// first, with the name and slug rules, so input that would fail writes nothing at all. (A
/// new workspace has no members, no invitations and takes every tenant, so the invitation's
/// other refusals cannot occur.) What is left is the database failing between the two
/// transactions, or a concurrent request taking the address's account to the platform in
/// that moment: then the workspace exists without an invitation, the error is returned, and
/// the list shows the workspace with no members and no pending invitation, marked as having
/// no owner yet, with a form that invites its owner ([`invite_owner`]): nothing is lost, the
/// operator finishes the step there.
pub async fn create_workspace(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    config: &Config,
    inviter: &Inviter<'_>,
    input: &NewWorkspace<'_>,
) -> Result<CreatedWorkspace, ServiceError> {
    let (name, slug) = check(db, input).await?;
    let workspace = workspaces::service::create(db, actx, now, &slug, &name).await?;
    let invitation = members::invite(
        db,
        actx,
        now,
        config,
        workspace.id,
        inviter,
        &InvitationInput {
            email: input.owner_email,
            role: Role::Owner,
            selection: TenantSelection::All,
        },
    )
    .await?;
    Ok(CreatedWorkspace {
        workspace,
        invitation,
    })
}

/// Invites an owner (every tenant) into workspace `slug` that has no owner yet: no member and
/// no invitation that can still be accepted (its creation stopped before the invitation, or
/// the first owner's invitation expired or was revoked). A workspace with members manages its
/// own team, so it is a conflict; an unknown one is not found. The address rules are
/// `members::service::invite`'s, as field errors on `email`.
pub async fn invite_owner(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    config: &Config,
    inviter: &Inviter<'_>,
    slug: &str,
    email: &str,
) -> Result<CreatedWorkspace, ServiceError> {
    let workspace = workspaces::service::find_by_slug(db, slug)
        .await?
        .ok_or(ServiceError::NotFound("workspace"))?;
    let overview = super::repo::workspace_overview(db, now, workspace.id)
        .await?
        .ok_or(ServiceError::NotFound("workspace"))?;
    if overview.members > 0 || overview.pending_invitations > 0 {
        return Err(ServiceError::Conflict("conflict-workspace-has-owner"));
    }
    let invitation = members::invite(
        db,
        actx,
        now,
        config,
        workspace.id,
        inviter,
        &InvitationInput {
            email,
            role: Role::Owner,
            selection: TenantSelection::All,
        },
    )
    .await?;
    Ok(CreatedWorkspace {
        workspace,
        invitation,
    })
}

#[cfg(test)]
mod tests {
    use super::slug_from_name;

    #[test]
    fn slugs_from_names_keep_letters_and_digits_and_spell_out_umlauts() {
        assert_eq!(slug_from_name("Contoso MSP"), "contoso-msp");
        assert_eq!(
            slug_from_name("  Müller & Söhne GmbH "),
            "mueller-soehne-gmbh"
        );
        assert_eq!(slug_from_name("Straße 42!"), "strasse-42");
        assert_eq!(slug_from_name("--Acme--"), "acme");
        assert_eq!(slug_from_name("!!!"), "");
        assert_eq!(slug_from_name(&"a".repeat(80)).len(), 63);
        assert_eq!(
            slug_from_name(&format!("{} b", "a".repeat(62))),
            "a".repeat(62)
        );
    }
}

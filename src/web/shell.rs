//! The page frame around every browser page: header with workspace and tenant switchers,
//! navigation, user menu and flash. Built once per page from the request context.

use super::{context::RequestContext, flash::Flash};
use crate::i18n::Tr;
use crate::{
    access::{Capability, Role},
    error::AppResult,
    features::{tenants, workspaces},
    state::AppState,
};

/// Tenants the header switcher lists before it links to the full list.
pub const SWITCHER_LIMIT: i64 = 25;

/// A link in a switcher.
#[derive(Debug, Clone)]
pub struct Link {
    /// Visible text.
    pub label: String,
    /// Target.
    pub href: String,
    /// The page belongs to this entry.
    pub current: bool,
}

/// An entry of the side navigation; disabled entries say why.
#[derive(Debug, Clone)]
pub struct NavLink {
    /// Visible text.
    pub label: String,
    /// Target.
    pub href: String,
    /// The page belongs to this entry.
    pub active: bool,
    /// Why the entry is unavailable, when it is.
    pub disabled_reason: Option<String>,
}

/// Signed-in user as the header shows them.
#[derive(Debug, Clone)]
pub struct ShellUser {
    /// Display name.
    pub display_name: String,
    /// E-mail.
    pub email: String,
}

/// Everything the base layout needs.
#[derive(Debug, Clone)]
pub struct Shell {
    /// Translator for the request's language.
    pub t: Tr,
    /// Token every form must carry.
    pub csrf: String,
    /// Signed-in user.
    pub user: Option<ShellUser>,
    /// `admin`, `system` or `public`.
    pub plane: &'static str,
    /// Workspaces the user belongs to.
    pub workspaces: Vec<Link>,
    /// The workspace the page is in.
    pub workspace: Option<Link>,
    /// Tenants of that workspace the user may see.
    pub tenants: Vec<Link>,
    /// The tenant the page is about.
    pub tenant: Option<Link>,
    /// Link to the full tenant list when the switcher shows only the first tenants.
    pub tenants_more: Option<String>,
    /// Side navigation.
    pub nav: Vec<NavLink>,
    /// One-shot notification.
    pub flash: Option<Flash>,
}

impl Shell {
    /// Frame for pages outside the planes (login, error pages).
    pub fn public(ctx: &RequestContext) -> Shell {
        Shell {
            t: Tr(ctx.locale),
            csrf: ctx.csrf_token(),
            user: ctx.identity.as_deref().map(|i| ShellUser {
                display_name: i.user.display_name.clone(),
                email: i.user.email.clone(),
            }),
            plane: "public",
            workspaces: Vec::new(),
            workspace: None,
            tenants: Vec::new(),
            tenant: None,
            tenants_more: None,
            nav: Vec::new(),
            flash: ctx.flash,
        }
    }

    /// Frame for the admin plane. `workspace` is the current workspace slug (with the caller's
    /// role there), `tenant` the current tenant's external id, `active` the nav entry id.
    pub async fn admin(
        state: &AppState,
        ctx: &RequestContext,
        workspace: Option<(&str, Role)>,
        tenant: Option<&str>,
        active: &str,
    ) -> AppResult<Shell> {
        Shell::admin_known(state, ctx, workspace, tenant.map(|t| (t, None)), active).await
    }

    /// Like [`Shell::admin`], for pages that already resolved the current tenant: passing its
    /// display name saves a lookup when it is not among the switcher's first entries.
    pub async fn admin_known(
        state: &AppState,
        ctx: &RequestContext,
        workspace: Option<(&str, Role)>,
        current: Option<(&str, Option<&str>)>,
        active: &str,
    ) -> AppResult<Shell> {
        let tenant = current.map(|(ext, _)| ext);
        let known_name = current.and_then(|(_, name)| name);
        let mut shell = Shell::public(ctx);
        shell.plane = "admin";
        let t = shell.t;
        let Some(identity) = ctx.identity.as_deref() else {
            return Ok(shell);
        };
        let member_of = workspaces::service::list_for_user(&state.db, identity.user.id).await?;
        shell.workspaces = member_of
            .iter()
            .map(|w| Link {
                label: w.name.clone(),
                href: format!("/admin/w/{}", w.slug),
                current: workspace.is_some_and(|(slug, _)| slug == w.slug),
            })
            .collect();
        shell.workspace = shell.workspaces.iter().find(|l| l.current).cloned();
        if let Some((slug, role)) = workspace {
            let mut first = tenants::service::list_visible_first(
                &state.db,
                identity.user.id,
                slug,
                SWITCHER_LIMIT + 1,
            )
            .await?;
            if first.len() as i64 > SWITCHER_LIMIT {
                first.truncate(SWITCHER_LIMIT as usize);
                shell.tenants_more = Some(format!("/admin/w/{slug}"));
            }
            shell.tenants = first
                .into_iter()
                .map(|tn| Link {
                    current: tenant == Some(tn.external_id.as_str()),
                    href: format!("/admin/t/{}", tn.external_id),
                    label: tn.name,
                })
                .collect();
            // The current tenant is always listed, even beyond the first entries.
            if let Some(ext) = tenant
                && !shell.tenants.iter().any(|l| l.current)
            {
                let name = match known_name {
                    Some(n) => Some(n.to_string()),
                    None => tenants::service::find_scoped(&state.db, identity.user.id, ext)
                        .await?
                        .map(|tn| tn.name),
                };
                if let Some(label) = name {
                    shell.tenants.push(Link {
                        current: true,
                        href: format!("/admin/t/{ext}"),
                        label,
                    });
                }
            }
            shell.tenant = shell.tenants.iter().find(|l| l.current).cloned();
            shell.nav = vec![
                NavLink {
                    label: t.t("nav-tenants"),
                    href: format!("/admin/w/{slug}"),
                    active: active == "tenants",
                    disabled_reason: None,
                },
                NavLink {
                    label: t.t("nav-operations"),
                    href: "/admin/operations".into(),
                    active: active == "operations",
                    disabled_reason: None,
                },
                NavLink {
                    label: t.t("nav-onboarding"),
                    href: "/admin/onboarding".into(),
                    active: active == "onboarding",
                    disabled_reason: (!role.can(Capability::OnboardingManage)).then(|| {
                        t.t1(
                            "reason-missing-capability",
                            "capability",
                            "onboarding.manage",
                        )
                    }),
                },
                NavLink {
                    label: t.t("nav-members"),
                    href: format!("/admin/w/{slug}/members"),
                    active: active == "members",
                    disabled_reason: crate::access::missing_capability_reason(
                        role,
                        Capability::WorkspaceManage,
                        t,
                    ),
                },
                NavLink {
                    label: t.t("nav-audit"),
                    href: format!("/admin/w/{slug}/audit"),
                    active: active == "audit",
                    disabled_reason: (!role.can(Capability::AuditView))
                        .then(|| t.t1("reason-missing-capability", "capability", "audit.view")),
                },
            ];
        }
        shell.nav.push(NavLink {
            label: t.t("nav-account"),
            href: "/account".into(),
            active: active == "account",
            disabled_reason: None,
        });
        Ok(shell)
    }

    /// Frame for a page about one tenant the caller may see.
    pub async fn for_tenant(
        state: &AppState,
        ctx: &RequestContext,
        scope: &crate::access::TenantScope,
        active: &str,
    ) -> AppResult<Shell> {
        Shell::admin_known(
            state,
            ctx,
            Some((&scope.tenant.workspace_slug, scope.role)),
            Some((&scope.tenant.external_id, Some(&scope.tenant.name))),
            active,
        )
        .await
    }

    /// Frame for the system plane.
    pub fn system(ctx: &RequestContext, active: &str) -> Shell {
        let mut shell = Shell::public(ctx);
        shell.plane = "system";
        let t = shell.t;
        shell.nav = vec![
            NavLink {
                label: t.t("nav-system-overview"),
                href: "/system".into(),
                active: active == "overview",
                disabled_reason: None,
            },
            NavLink {
                label: t.t("nav-system-controls"),
                href: "/system/controls".into(),
                active: active == "controls",
                disabled_reason: None,
            },
            NavLink {
                label: t.t("nav-system-support-desk"),
                href: "/system/support-desk".into(),
                active: active == "support-desk",
                disabled_reason: None,
            },
            NavLink {
                label: t.t("nav-account"),
                href: "/account".into(),
                active: active == "account",
                disabled_reason: None,
            },
        ];
        shell
    }
}

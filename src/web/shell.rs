//! The page frame around every browser page: header with workspace and tenant switchers,
//! navigation, user menu, flash and the banner of platform pauses in effect. Built once per page
//! from the request context.

use super::{context::RequestContext, flash::Flash};
use crate::i18n::Tr;
use crate::{
    access::{Capability, Role, context::Frame, missing_capability_reason},
    error::AppResult,
    features::{
        help::{ResolvedTopic, TopicAction},
        operations::model::RunType,
        system::{self, ControlKey},
        tenants, workspaces,
    },
    state::AppState,
};

pub use crate::access::SWITCHER_LIMIT;

/// The frame data the request context read with the caller, when it is for the page's
/// workspace `workspace_id` (the switcher's and pauses' workspace); `None` means read it now.
fn prefetched_frame(ctx: &RequestContext, workspace_id: Option<i64>) -> Option<&Frame> {
    ctx.prefetched
        .frame
        .as_ref()
        .filter(|frame| frame.page_workspace_id == workspace_id)
}

/// The caller's workspaces by name (none when anonymous): read with the request context on
/// admin pages, else now.
pub async fn member_workspaces(
    state: &AppState,
    ctx: &RequestContext,
) -> AppResult<Vec<workspaces::model::MemberWorkspace>> {
    Ok(
        match (ctx.prefetched.frame.as_ref(), ctx.identity.as_deref()) {
            (_, None) => Vec::new(),
            (Some(frame), Some(_)) => frame.workspaces.clone(),
            (None, Some(identity)) => {
                workspaces::service::list_for_user(&state.db, identity.user.id).await?
            }
        },
    )
}

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

/// A platform pause in effect where the page is, as the banner names it.
#[derive(Debug, Clone)]
pub struct PauseNotice {
    /// The control.
    pub control: ControlKey,
    /// Its name.
    pub label: String,
    /// What users notice while it is paused.
    pub effect: String,
    /// Where it applies, in words (everywhere / this workspace).
    pub scope: String,
    /// The operator's reason (redacted when it was stored).
    pub reason: String,
    /// Until when, in words.
    pub until: String,
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
    /// Platform pauses in effect for the page's workspace (admin plane only).
    pub pauses: Vec<PauseNotice>,
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
            pauses: Vec::new(),
        }
    }

    /// The pause of `control` in effect where the page is, if any.
    pub fn paused(&self, control: ControlKey) -> Option<&PauseNotice> {
        self.pauses.iter().find(|p| p.control == control)
    }

    /// Why starting a run of `run_type` is refused now, in words with the operator's reason:
    /// operation starts paused, or review pack generation for review packs.
    pub fn start_paused(&self, run_type: RunType) -> Option<String> {
        let (control, key) = match self.paused(ControlKey::OperationStarts) {
            Some(p) => (p, "pause-disabled-operation-starts"),
            None if run_type == RunType::ReviewPackGenerate => (
                self.paused(ControlKey::ReviewPackGeneration)?,
                "pause-disabled-review-pack-generation",
            ),
            None => return None,
        };
        Some(self.t.t1(key, "reason", &control.reason))
    }

    /// [`Shell::start_paused`] for a type id as a form posts it (templates); an unknown id is
    /// judged as any start.
    pub fn start_paused_id(&self, run_type: &str) -> Option<String> {
        let kind = RunType::parse(run_type).unwrap_or(RunType::ProviderConnectionVerify);
        self.start_paused(kind)
    }

    /// `action` disabled with the pause's reason when it starts a run (a `POST`) while starts
    /// are paused; a reason it already has (the role) stays.
    pub fn hold_paused(&self, mut action: TopicAction) -> TopicAction {
        if action.post && action.disabled_reason.is_none() {
            let kind = action.run_type.as_deref().and_then(RunType::parse);
            action.disabled_reason =
                self.start_paused(kind.unwrap_or(RunType::ProviderConnectionVerify));
        }
        action
    }

    /// [`Shell::hold_paused`] for every action of a help topic.
    pub fn hold_paused_topic(&self, mut topic: ResolvedTopic) -> ResolvedTopic {
        topic.actions = topic
            .actions
            .into_iter()
            .map(|a| self.hold_paused(a))
            .collect();
        topic
    }

    /// Why the support desk handoff is not offered now, with the operator's reason.
    pub fn handoff_paused(&self) -> Option<String> {
        self.paused(ControlKey::SupportDeskHandoff).map(|p| {
            self.t
                .t1("pause-disabled-support-desk-handoff", "reason", &p.reason)
        })
    }

    async fn load_pauses(
        &mut self,
        state: &AppState,
        ctx: &RequestContext,
        workspace_id: Option<i64>,
    ) -> AppResult<()> {
        let t = self.t;
        let pauses = match prefetched_frame(ctx, workspace_id) {
            Some(frame) => frame.pauses.clone(),
            None => system::in_effect(&state.db, workspace_id, state.now()).await?,
        };
        self.pauses = pauses
            .into_iter()
            .filter_map(|p| {
                let control = p.control()?;
                Some(PauseNotice {
                    control,
                    label: t.t(control.label_key()),
                    effect: t.t(control.effect_key()),
                    scope: t.t(if p.workspace_id.is_some() {
                        "pause-banner-scope-workspace"
                    } else {
                        "pause-banner-scope-global"
                    }),
                    reason: p.reason,
                    until: match p.expires_at {
                        Some(at) => t.t1("pause-banner-until", "time", t.datetime(at)),
                        None => t.t("pause-banner-until-resumed"),
                    },
                })
            })
            .collect();
        Ok(())
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

    /// The shell of an HTML fragment polled from a page of `workspace_id`: no navigation, but
    /// the platform pauses in effect there, so a fragment's buttons carry the same disabled
    /// reasons as the page it replaces parts of.
    pub async fn fragment(
        state: &AppState,
        ctx: &RequestContext,
        workspace_id: i64,
    ) -> AppResult<Shell> {
        let mut shell = Shell::public(ctx);
        shell.load_pauses(state, ctx, Some(workspace_id)).await?;
        Ok(shell)
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
        let member_of = member_workspaces(state, ctx).await?;
        shell.workspaces = member_of
            .iter()
            .map(|w| Link {
                label: w.name.clone(),
                href: format!("/admin/w/{}", w.slug),
                current: workspace.is_some_and(|(slug, _)| slug == w.slug),
            })
            .collect();
        shell.workspace = shell.workspaces.iter().find(|l| l.current).cloned();
        let workspace_id = workspace
            .and_then(|(slug, _)| member_of.iter().find(|w| w.slug == slug))
            .map(|w| w.id);
        shell.load_pauses(state, ctx, workspace_id).await?;
        if let Some((slug, role)) = workspace {
            let mut first = match prefetched_frame(ctx, workspace_id) {
                Some(frame) if workspace_id.is_some() => frame.switcher.clone(),
                _ => {
                    tenants::service::list_visible_first(
                        &state.db,
                        identity.user.id,
                        slug,
                        SWITCHER_LIMIT + 1,
                    )
                    .await?
                }
            };
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
                    disabled_reason: missing_capability_reason(
                        role,
                        Capability::OnboardingManage,
                        t,
                    ),
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
                    disabled_reason: missing_capability_reason(role, Capability::AuditView, t),
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
                label: t.t("nav-system-workspaces"),
                href: "/system/workspaces".into(),
                active: active == "workspaces",
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

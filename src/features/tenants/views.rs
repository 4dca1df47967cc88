//! Page views of this feature: askama structs and the mapping from service data to them.

use super::model::Tenant;
use crate::access::{Capability, TenantScope, missing_capability_reason};
use crate::features::{
    help::{self, ActionResolver, ResolvedTopic, TopicAction},
    operations::model::{ReasonCode, RunRow, RunType},
    providers::{
        self,
        model::{PermissionCheck, TenantVerdict, VerificationState},
    },
    reports,
};
use crate::web::shell::Shell;
use askama::Template;

#[derive(Template)]
#[template(path = "admin_home.html")]
pub(super) struct NoWorkspacePage {
    pub(super) shell: Shell,
}

#[derive(Template)]
#[template(path = "workspace.html")]
pub(super) struct WorkspacePage {
    pub(super) shell: Shell,
    pub(super) workspace_name: String,
    pub(super) tenants: Vec<Tenant>,
}

#[derive(Template)]
#[template(path = "tenant.html")]
pub(super) struct TenantPage {
    pub(super) shell: Shell,
    pub(super) tenant: super::model::ScopedTenant,
    pub(super) role: &'static str,
    pub(super) verification: providers::model::VerificationState,
    pub(super) verdict: TenantVerdict,
    pub(super) dominant: Option<ReasonCode>,
    /// The one action for the dominant blocker (or the first verification), disabled with the
    /// reason in words where the role cannot take it; `None` when nothing needs doing.
    pub(super) primary: Option<TopicAction>,
    /// Contextual help for the dominant blocker, its actions pointed at this tenant (the
    /// primary action is not repeated in it).
    pub(super) help: Option<ResolvedTopic>,
    pub(super) runs: Vec<RunRow>,
    pub(super) actions: Vec<reports::views::StartAction>,
    pub(super) report_actions: Vec<reports::views::StartAction>,
    pub(super) diagnostics_denied: Option<String>,
    pub(super) support_denied: Option<String>,
}

/// Fluent id of the dashboard's label for its primary action.
fn primary_label_key(resolver: ActionResolver, verdict: TenantVerdict) -> &'static str {
    match resolver {
        ActionResolver::AdminConsentPrimary => "dashboard-action-grant-consent",
        ActionResolver::RequiredPermissions => "dashboard-action-review-permissions",
        ActionResolver::ProviderConnection => "dashboard-action-connect",
        ActionResolver::RerunVerification if verdict == TenantVerdict::NotVerified => {
            "dashboard-action-run-verification"
        }
        ActionResolver::RerunVerification => "dashboard-action-rerun-verification",
    }
}

/// The dashboard, decision first: verdict, dominant blocker, its one primary action and the
/// help card from the same resolver as onboarding and diagnostics, then the starts (each
/// disabled with its reason in words when it cannot succeed) and the tenant's facts.
pub(super) fn tenant_page(
    shell: Shell,
    scope: TenantScope,
    verification: VerificationState,
    runs: Vec<RunRow>,
) -> TenantPage {
    let locale = shell.t.0;
    let ext = scope.tenant.external_id.clone();
    let verdict = verification.verdict();
    let dominant = verification.dominant_reason();
    let resolver = match dominant {
        Some(reason) => Some(help::action_for_reason(reason)),
        None if verdict == TenantVerdict::NotVerified => Some(ActionResolver::RerunVerification),
        None => None,
    };
    let primary = resolver.map(|r| {
        let mut action = TopicAction::new(r, locale, Some(&ext)).for_role(scope.role, locale);
        action.label = shell.t.t(primary_label_key(r, verdict));
        action
    });
    let help = dominant.and_then(help::topic_for_reason).map(|k| {
        help::resolve_for_tenant(k, locale, &ext)
            .for_role(scope.role)
            .without_actions(resolver.as_slice())
    });
    let actions = reports::views::start_actions(
        &scope,
        &shell,
        &[RunType::ProviderConnectionVerify, RunType::InventorySync],
        &verification,
    );
    let report_actions =
        reports::views::start_actions(&scope, &shell, &reports::views::REPORT_TYPES, &verification);
    let denied = |cap| missing_capability_reason(scope.role, cap, shell.t);
    TenantPage {
        diagnostics_denied: denied(Capability::SupportDiagnosticsView),
        support_denied: denied(Capability::SupportRequestsCreate),
        role: role_key(scope.role),
        verdict,
        dominant,
        primary,
        help,
        verification,
        runs,
        actions,
        report_actions,
        tenant: scope.tenant,
        shell,
    }
}

/// Fluent id of a role's name.
fn role_key(role: crate::access::Role) -> &'static str {
    match role {
        crate::access::Role::Owner => "role-owner",
        crate::access::Role::Manager => "role-manager",
        crate::access::Role::Operator => "role-operator",
        crate::access::Role::Readonly => "role-readonly",
    }
}

/// One required permission as the permission view shows it.
pub(super) struct PermissionRow {
    pub(super) key: String,
    pub(super) state_key: &'static str,
    pub(super) class: &'static str,
}

impl PermissionRow {
    fn of(check: PermissionCheck) -> PermissionRow {
        let (state_key, class) = match check.granted {
            Some(true) => ("permissions-granted", "ok"),
            Some(false) => ("permissions-missing", "bad"),
            None => ("permissions-unknown", "neutral"),
        };
        PermissionRow {
            key: check.key,
            state_key,
            class,
        }
    }
}

#[derive(Template)]
#[template(path = "tenant_permissions.html")]
pub(super) struct PermissionsPage {
    pub(super) shell: Shell,
    pub(super) tenant_ext: String,
    pub(super) tenant_name: String,
    pub(super) verdict: TenantVerdict,
    pub(super) verification: VerificationState,
    pub(super) rows: Vec<PermissionRow>,
    /// "2 missing · 4 granted · 0 unknown".
    pub(super) summary: String,
    /// "Re-run verification", disabled with the reason in words where the role cannot.
    pub(super) rerun: TopicAction,
}

/// The tenant's required permissions from the newest report: granted, missing or unknown.
pub(super) fn permissions_page(
    shell: Shell,
    scope: TenantScope,
    verification: VerificationState,
) -> PermissionsPage {
    let locale = shell.t.0;
    let rows: Vec<PermissionRow> = verification
        .required_permissions()
        .into_iter()
        .map(PermissionRow::of)
        .collect();
    let count = |state: &str, label: &str| {
        let n = rows.iter().filter(|r| r.state_key == state).count();
        shell.t.t1(label, "n", n)
    };
    let summary = [
        count("permissions-missing", "permissions-count-missing"),
        count("permissions-granted", "permissions-count-granted"),
        count("permissions-unknown", "permissions-count-unknown"),
    ]
    .join(" · ");
    PermissionsPage {
        rerun: TopicAction::new(
            ActionResolver::RerunVerification,
            locale,
            Some(&scope.tenant.external_id),
        )
        .for_role(scope.role, locale),
        verdict: verification.verdict(),
        summary,
        rows,
        verification,
        tenant_ext: scope.tenant.external_id,
        tenant_name: scope.tenant.name,
        shell,
    }
}

//! Page views of this feature: askama structs and the mapping from service data to them.

use super::fleet::{FleetPage, FleetRow, FleetSort, SortDir};
use super::service::FleetFilter;
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
use crate::outbound::urlencode;
use crate::web::shell::Shell;
use askama::Template;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, de::IntoDeserializer};

#[derive(Template)]
#[template(path = "admin_home.html")]
pub(super) struct NoWorkspacePage {
    pub(super) shell: Shell,
}

/// Query of the fleet list, `GET /admin/w/{workspace}?verdict=&q=&sort=&dir=&page=`. An
/// empty value (the form's "all") is the same as none; an unknown one is a `400` naming it.
#[derive(Debug, Default, Deserialize)]
pub struct FleetParams {
    /// Only tenants with this verdict.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub verdict: Option<TenantVerdict>,
    /// Part of a name, external id or directory id.
    #[serde(default)]
    pub q: Option<String>,
    /// Order; attention (blocked first) when absent.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub sort: Option<FleetSort>,
    /// Direction; the order's own default when absent.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub dir: Option<SortDir>,
    /// 1-based page.
    #[serde(default)]
    pub page: Option<u32>,
}

/// `None` for an absent or empty value, else the value parsed as `T`.
fn blank_as_none<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(s) if !s.trim().is_empty() => {
            let value: serde::de::value::StrDeserializer<'_, D::Error> =
                s.trim().into_deserializer();
            T::deserialize(value).map(Some)
        }
        _ => Ok(None),
    }
}

impl FleetParams {
    /// The service's filter, with defaults filled in.
    pub fn filter(self) -> FleetFilter {
        let sort = self.sort.unwrap_or(FleetSort::Attention);
        FleetFilter {
            verdict: self.verdict,
            search: self.q.unwrap_or_default(),
            sort,
            dir: self.dir.unwrap_or(sort.default_dir()),
            page: i64::from(self.page.unwrap_or(1).clamp(1, 100_000)),
        }
    }
}

/// A verdict count chip: a link filtering on that verdict.
pub(super) struct Chip {
    pub(super) verdict: TenantVerdict,
    pub(super) n: i64,
    pub(super) href: String,
    pub(super) current: bool,
}

#[derive(Template)]
#[template(path = "workspace.html")]
pub(super) struct WorkspacePage {
    pub(super) shell: Shell,
    pub(super) workspace_name: String,
    pub(super) filter: FleetFilter,
    pub(super) fleet: FleetPage,
    pub(super) chips: Vec<Chip>,
    pub(super) reset_href: String,
    pub(super) first_href: String,
    pub(super) prev_href: Option<String>,
    pub(super) next_href: Option<String>,
    pub(super) now: DateTime<Utc>,
}

impl WorkspacePage {
    /// Orders the sort select offers.
    fn sorts(&self) -> [FleetSort; 4] {
        FleetSort::ALL
    }

    /// Verdicts the filter select offers, in attention order.
    fn verdicts(&self) -> Vec<TenantVerdict> {
        self.fleet.counts.iter().map(|(v, _)| *v).collect()
    }

    /// "N tenants" matching the filters.
    fn total_label(&self) -> String {
        self.shell.t.n("fleet-count", self.fleet.total)
    }

    /// Whether the verdict filter is `v`.
    fn verdict_selected(&self, v: &TenantVerdict) -> bool {
        self.filter.verdict == Some(*v)
    }

    /// When `row` was last verified, relative to now ("3 hours ago", "never").
    fn ago(&self, row: &FleetRow) -> String {
        self.shell.t.relative(row.verified_at, self.now)
    }

    /// `at` written out, for the `title` of its `<time>`.
    fn absolute(&self, at: &DateTime<Utc>) -> String {
        self.shell.t.datetime(*at)
    }

    /// The operations list of `row`'s failed runs.
    fn failed_href(&self, row: &FleetRow) -> String {
        format!(
            "/admin/operations?tenant={}&outcome=failed",
            urlencode(&row.external_id)
        )
    }
}

/// The fleet page of workspace `slug`: chips, filter form, table, pager.
pub(super) fn workspace_page(
    shell: Shell,
    workspace_name: String,
    slug: &str,
    filter: FleetFilter,
    fleet: FleetPage,
    now: DateTime<Utc>,
) -> WorkspacePage {
    let href = |verdict: Option<TenantVerdict>, page: i64| {
        let mut query = format!(
            "sort={}&dir={}&q={}",
            filter.sort,
            filter.dir,
            urlencode(filter.search.trim())
        );
        if let Some(v) = verdict {
            query.push_str(&format!("&verdict={v}"));
        }
        if page > 1 {
            query.push_str(&format!("&page={page}"));
        }
        format!("/admin/w/{}?{query}", urlencode(slug))
    };
    let chips = fleet
        .counts
        .iter()
        .map(|(v, n)| Chip {
            verdict: *v,
            n: *n,
            href: href(Some(*v), 1),
            current: filter.verdict == Some(*v),
        })
        .collect();
    WorkspacePage {
        chips,
        reset_href: format!("/admin/w/{}", urlencode(slug)),
        first_href: href(filter.verdict, 1),
        prev_href: (filter.page > 1).then(|| href(filter.verdict, filter.page - 1)),
        next_href: fleet
            .has_next
            .then(|| href(filter.verdict, filter.page + 1)),
        shell,
        workspace_name,
        filter,
        fleet,
        now,
    }
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
        let mut action =
            shell.hold_paused(TopicAction::new(r, locale, Some(&ext)).for_role(scope.role, locale));
        action.label = shell.t.t(primary_label_key(r, verdict));
        action
    });
    let help = dominant.and_then(help::topic_for_reason).map(|k| {
        let topic = help::resolve_for_tenant(k, locale, &ext).for_role(scope.role);
        shell.hold_paused_topic(topic.without_actions(resolver.as_slice()))
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
        rerun: shell.hold_paused(
            TopicAction::new(
                ActionResolver::RerunVerification,
                locale,
                Some(&scope.tenant.external_id),
            )
            .for_role(scope.role, locale),
        ),
        verdict: verification.verdict(),
        summary,
        rows,
        verification,
        tenant_ext: scope.tenant.external_id,
        tenant_name: scope.tenant.name,
        shell,
    }
}

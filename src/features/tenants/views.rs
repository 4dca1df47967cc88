//! Page views of this feature: askama structs and the mapping from service data to them.

use super::fleet::{FleetPage, FleetRow, FleetSort, SortDir};
use super::service::FleetFilter;
use crate::features::{
    operations::model::{ReasonCode, RunRow},
    providers::{self, model::TenantVerdict},
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
    pub(super) dominant: Option<ReasonCode>,
    pub(super) runs: Vec<RunRow>,
    pub(super) actions: Vec<reports::views::StartAction>,
    pub(super) diagnostics_denied: Option<String>,
    pub(super) support_denied: Option<String>,
}

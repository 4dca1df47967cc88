//! SQL for tenants, including the scope query every tenant route goes through.

use super::fleet::{FleetRow, FleetSort, SortDir};
use super::model::{ScopedTenant, Tenant};
use crate::db::{Db, Tx};
use crate::features::providers::model::TenantVerdict;
use crate::{with_db, with_tx};
use chrono::{DateTime, Utc};
use std::sync::{LazyLock, OnceLock};

/// Visibility rule shared by every query below (see [`crate::access::TENANT_VISIBLE`]).
pub const VISIBLE: &str = crate::access::TENANT_VISIBLE;

/// SQL of [`insert`].
pub const INSERT: &str =
    "INSERT INTO tenants (workspace_id, external_id, name, created_at) VALUES ($1, $2, $3, $4)
         RETURNING id, workspace_id, external_id, name, created_at";

/// Inserts a tenant.
pub async fn insert(
    tx: &mut Tx,
    workspace_id: i64,
    external_id: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Tenant, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as(INSERT)
        .bind(workspace_id)
        .bind(external_id)
        .bind(name)
        .bind(now)
        .fetch_one(c)
        .await)
}

/// SQL of [`find_by_external_id`].
pub const FIND_BY_EXTERNAL_ID: &str =
    "SELECT id, workspace_id, external_id, name, created_at FROM tenants WHERE external_id = $1";

/// Finds a tenant by external id regardless of scope (CLI and seeding only).
pub async fn find_by_external_id(
    db: &Db,
    external_id: &str,
) -> Result<Option<Tenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_BY_EXTERNAL_ID)
        .bind(external_id)
        .fetch_optional(p)
        .await)
}

/// Tenant columns of [`Tenant`], prefixed with `t.`.
const TENANT_COLUMNS: &str = "t.id, t.workspace_id, t.external_id, t.name, t.created_at";

/// The scope every listing and lookup below goes through: the tenant, its workspace and the
/// caller's membership there (`$1` = user id). Callers add their own condition after `AND`,
/// the visibility rule already applied.
fn scoped(columns: &str, condition: &str, order: &str) -> String {
    format!(
        "SELECT {columns}
         FROM tenants t
         JOIN workspaces w ON w.id = t.workspace_id
         JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
         WHERE {condition} AND {VISIBLE}{order}"
    )
}

/// Columns of [`ScopedTenant`].
static SCOPED_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    format!("{TENANT_COLUMNS}, w.slug AS workspace_slug, w.name AS workspace_name, m.role")
});

/// SQL of [`find_scoped`].
pub static FIND_SCOPED: LazyLock<String> =
    LazyLock::new(|| scoped(&SCOPED_COLUMNS, "t.external_id = $2", ""));

/// The tenant `external_id` if `user_id` may see it; `None` both when it does not exist and
/// when it is out of scope, so callers cannot tell the two apart.
pub async fn find_scoped(
    db: &Db,
    user_id: i64,
    external_id: &str,
) -> Result<Option<ScopedTenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_SCOPED.as_str())
        .bind(user_id)
        .bind(external_id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`list_visible`].
pub static LIST_VISIBLE: LazyLock<String> =
    LazyLock::new(|| scoped(TENANT_COLUMNS, "w.slug = $2", " ORDER BY t.name, t.id"));

/// Tenants of workspace `slug` that `user_id` may see, by name.
pub async fn list_visible(db: &Db, user_id: i64, slug: &str) -> Result<Vec<Tenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_VISIBLE.as_str())
        .bind(user_id)
        .bind(slug)
        .fetch_all(p)
        .await)
}

/// SQL of [`list_visible_first`]. Filtering on the workspace id (not the joined slug) lets the
/// planner walk the (workspace_id, name) index and stop after `limit` rows instead of sorting
/// them all.
pub static LIST_VISIBLE_FIRST: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {TENANT_COLUMNS}
         FROM tenants t
         JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
         WHERE t.workspace_id = (SELECT w.id FROM workspaces w WHERE w.slug = $2) AND {VISIBLE}
         ORDER BY t.name, t.id LIMIT $3"
    )
});

/// The first `limit` tenants (by name) of workspace `slug` that `user_id` may see; the header's
/// tenant switcher stays small however many tenants a workspace manages.
pub async fn list_visible_first(
    db: &Db,
    user_id: i64,
    slug: &str,
    limit: i64,
) -> Result<Vec<Tenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_VISIBLE_FIRST.as_str())
        .bind(user_id)
        .bind(slug)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// SQL of [`list_all_visible`].
pub static LIST_ALL_VISIBLE: LazyLock<String> =
    LazyLock::new(|| scoped(&SCOPED_COLUMNS, "TRUE", " ORDER BY w.name, t.name, t.id"));

/// Every tenant `user_id` may see across workspaces (API list).
pub async fn list_all_visible(db: &Db, user_id: i64) -> Result<Vec<ScopedTenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(LIST_ALL_VISIBLE.as_str())
        .bind(user_id)
        .fetch_all(p)
        .await)
}

/// Tenants of a workspace with the given external ids (for entitlement assignment).
pub async fn find_in_workspace(
    db: &Db,
    workspace_id: i64,
    external_ids: &[String],
) -> Result<Vec<Tenant>, sqlx::Error> {
    let mut found = Vec::with_capacity(external_ids.len());
    for external_id in external_ids {
        if let Some(t) = find_by_external_id(db, external_id).await?
            && t.workspace_id == workspace_id
        {
            found.push(t);
        }
    }
    Ok(found)
}

/// SQL of [`find_by_id`].
pub const FIND_BY_ID: &str =
    "SELECT id, workspace_id, external_id, name, created_at FROM tenants WHERE id = $1";

/// A tenant by internal id regardless of scope (run executors, which act for the system).
pub async fn find_by_id(db: &Db, id: i64) -> Result<Option<Tenant>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_BY_ID)
        .bind(id)
        .fetch_optional(p)
        .await)
}

pub const WORKSPACE_ID_BY_SLUG: &str = "SELECT id FROM workspaces WHERE slug = $1";

/// The id of the workspace a new tenant joins. Read here rather than through the workspaces
/// service, which itself reads tenants (entitlements): one direction between the two.
pub async fn workspace_id_by_slug(db: &Db, slug: &str) -> Result<Option<i64>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(WORKSPACE_ID_BY_SLUG)
        .bind(slug)
        .fetch_optional(p)
        .await)
}

/// SQL of [`refresh_all_report_verdicts`]: each tenant's newest report (by `checked_at`, then
/// id, as the providers repo's `LATEST_REPORT` orders) decides `report_verdict` and
/// `verified_at`. Migration 9 ran the same statement to backfill.
pub const REFRESH_ALL_REPORT_VERDICTS: &str = "UPDATE tenants SET
    report_verdict = COALESCE((SELECT CASE WHEN v.overall = 'ready' THEN 'ready' ELSE 'blocked' END
        FROM verification_reports v WHERE v.tenant_id = tenants.id
        ORDER BY v.checked_at DESC, v.id DESC LIMIT 1), 'not_verified'),
    verified_at = (SELECT v.checked_at FROM verification_reports v WHERE v.tenant_id = tenants.id
        ORDER BY v.checked_at DESC, v.id DESC LIMIT 1)";

/// Recomputes every tenant's fleet columns from the reports, for loaders that write reports
/// in bulk with their own SQL (the benchmark's data loader) rather than through the
/// providers service.
pub async fn refresh_all_report_verdicts(db: &Db) -> Result<u64, sqlx::Error> {
    crate::execute!(db, sqlx::query(REFRESH_ALL_REPORT_VERDICTS))
}

/// SQL of [`refresh_report_verdict`]: [`REFRESH_ALL_REPORT_VERDICTS`] for one tenant.
pub static REFRESH_REPORT_VERDICT: LazyLock<String> =
    LazyLock::new(|| format!("{REFRESH_ALL_REPORT_VERDICTS} WHERE id = $1"));

/// Brings the tenant's fleet columns up to date with its reports, inside the transaction that
/// stored a report.
pub async fn refresh_report_verdict(tx: &mut Tx, tenant_id: i64) -> Result<(), sqlx::Error> {
    crate::execute!(
        &mut *tx,
        sqlx::query(REFRESH_REPORT_VERDICT.as_str()).bind(tenant_id)
    )?;
    Ok(())
}

/// Each verdict with the condition on the tenant row (alias `t`) that selects it; `$3` is the
/// freshness cutoff (a ready report checked before it is stale). The one place the SQL side of
/// the verdict is defined: the rank expression and the per-verdict branches of the attention
/// order are both built from it, with ranks from [`TenantVerdict::attention_rank`].
const VERDICT_CONDITIONS: [(TenantVerdict, &str); 4] = [
    (TenantVerdict::Blocked, "t.report_verdict = 'blocked'"),
    (
        TenantVerdict::Stale,
        "t.report_verdict = 'ready' AND t.verified_at < $3",
    ),
    (
        TenantVerdict::NotVerified,
        "t.report_verdict = 'not_verified'",
    ),
    (
        TenantVerdict::Ready,
        "t.report_verdict = 'ready' AND t.verified_at >= $3",
    ),
];

/// The attention rank of tenant `t` (see [`VERDICT_CONDITIONS`]).
fn rank_expression() -> String {
    let arms: String = VERDICT_CONDITIONS
        .iter()
        .map(|(v, cond)| format!(" WHEN {cond} THEN {}", v.attention_rank()))
        .collect();
    format!("CAST(CASE{arms} END AS BIGINT)")
}

/// Failed runs of tenant `{alias}.id` since `{since}`.
fn failed_runs(alias: &str, since: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM operation_runs r
          WHERE r.tenant_id = {alias}.id AND r.outcome = 'failed' AND r.created_at >= {since})"
    )
}

/// Tenants of workspace `$2` that user `$1` may see, matching the search pattern `{search}`
/// (when given) on name, external id or directory id, and `{condition}`. Without a search
/// the connection is not joined: each verdict's branch then stays a walk of `tenants_fleet`
/// in name order also in PostgreSQL's generic plan (with the `'' = ''`-or-`LIKE` condition
/// the generic plan estimated a handful of matches and sorted every tenant of the verdict,
/// joined to its connection, on each page).
fn fleet_scope(columns: &str, search: Option<&str>, condition: &str) -> String {
    let (join, matches) = match search {
        Some(p) => (
            "LEFT JOIN provider_connections c ON c.tenant_id = t.id".to_owned(),
            format!(
                "AND ({p} = '' OR LOWER(t.name) LIKE {p} ESCAPE '\\'
                OR LOWER(t.external_id) LIKE {p} ESCAPE '\\'
                OR LOWER(c.directory_id) LIKE {p} ESCAPE '\\')"
            ),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        "SELECT {columns}
         FROM tenants t
         JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $1
         {join}
         WHERE t.workspace_id = $2 AND {VISIBLE} AND {condition} {matches}"
    )
}

/// `sql` with parameter `$removed` taken out of the numbering: every `$n` above it becomes
/// `$(n - 1)`, so a variant that leaves a parameter out binds the others in the same order.
/// The SQL must not use `$removed` itself.
fn without_param(sql: &str, removed: usize) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if let Ok(n) = rest[..digits].parse::<usize>() {
            debug_assert_ne!(n, removed, "the variant still uses ${removed}");
            let n = if n > removed { n - 1 } else { n };
            out.push_str(&n.to_string());
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// Columns of the inner page query, which picks the page's tenants before the outer query
/// looks up anything per tenant.
const PAGE_COLUMNS: &str = "t.id, t.external_id, t.name, t.verified_at";

/// ORDER BY keys of `sort` over rows aliased `{alias}` (that carry a `rank` column).
fn order_keys(sort: FleetSort, dir: SortDir, alias: &str) -> String {
    let d = dir.sql();
    let key = match sort {
        FleetSort::Attention => format!("{alias}.rank {d}"),
        FleetSort::Name => format!("{alias}.name {d}"),
        FleetSort::LastVerified => format!(
            "CASE WHEN {alias}.verified_at IS NULL THEN 1 ELSE 0 END, {alias}.verified_at {d}"
        ),
        FleetSort::FailedRuns => format!("{} {d}", failed_runs(alias, "$8")),
    };
    format!("{key}, {alias}.name, {alias}.id")
}

/// How the attention page reads a verdict whose tenants depend on the freshness cutoff
/// (stale, ready), given how many there are: bound as `$9` (stale) and `$10` (ready).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimedRead {
    /// None match: the branch is not run.
    Skip,
    /// Few match: read all of them from the `tenants_ready_verified` range and sort by name.
    Range(i64),
    /// Many match: walk the ready tenants in name order until the page is full.
    Walk,
}

impl TimedRead {
    /// The cheaper read of `n` matching tenants among `ready` ready ones for a page ending at
    /// row `need`. Walking in name order reads about `need * ready / n` tenants (the matching
    /// ones are spread among the others), the range reads `n`: the range wins while
    /// `n * n <= need * ready`, so neither reads more than about `sqrt(need * ready)`, and
    /// the usual fleets (nearly all fresh, or nearly all stale) read about a page.
    pub fn choose(n: i64, ready: i64, need: i64) -> TimedRead {
        if n <= 0 {
            TimedRead::Skip
        } else if n.saturating_mul(n) <= need.saturating_mul(ready) {
            TimedRead::Range(n)
        } else {
            TimedRead::Walk
        }
    }

    /// The bound parameter: `0` skip, `n > 0` range of `n` rows, `-1` walk.
    pub fn param(self) -> i64 {
        match self {
            TimedRead::Skip => 0,
            TimedRead::Range(n) => n,
            TimedRead::Walk => -1,
        }
    }
}

/// How an attention page's statement holds a verdict whose tenants depend on the freshness
/// cutoff (stale, ready).
#[derive(Debug, Clone, Copy)]
enum TimedArms<'a> {
    /// Both reads, of which the bound parameter (a [`TimedRead::param`]) runs one.
    Bound(&'a str),
    /// Only this read, written in: the first page's statements.
    Fixed(TimedRead),
}

/// The attention page's branches of one verdict: the rows of `verdict` (condition `cond`) in
/// name order, at most `page` of them. A timed verdict (one whose condition reads the cutoff
/// `$3`) has up to two, per `timed`: the name-order walk and the `tenants_ready_verified`
/// range.
fn attention_branches(
    verdict: TenantVerdict,
    cond: &str,
    timed: Option<TimedArms<'_>>,
    search: Option<&str>,
    page: &str,
) -> Vec<String> {
    let r = verdict.attention_rank();
    let columns = format!("{PAGE_COLUMNS}, CAST({r} AS BIGINT) AS rank");
    let branch = |cond: &str, order: &str, limit: &str, alias: &str| {
        let condition = format!("{cond} AND ($4 < 0 OR $4 = {r})");
        let scope = fleet_scope(&columns, search, &condition);
        format!("SELECT * FROM ({scope} ORDER BY {order} LIMIT {limit}) {alias}{r}")
    };
    let by_name = "t.name, t.id";
    let (Some(timed), Some((stored, time))) = (timed, cond.split_once(" AND ")) else {
        return vec![branch(cond, by_name, page, "b")];
    };
    // The walk's time condition reads the column through COALESCE so that neither planner
    // takes it for a range of `tenants_ready_verified` (SQLite did, reading every fresh
    // tenant to sort them), while PostgreSQL keeps its default estimate of a third of the
    // rows (a CASE got 0.5 % and a sequential scan): the walk reads `tenants_fleet` in
    // name order and stops at the page.
    let walk = |gate: &str| {
        let time = time.replace("t.verified_at", "COALESCE(t.verified_at, t.verified_at)");
        branch(&format!("{stored} AND {time}{gate}"), by_name, page, "w")
    };
    // Ordered by the range's own key so the index is read in order and stops after the
    // `n` rows the counts found; the outer query sorts them by name.
    let range = |gate: &str, limit: &str| {
        branch(&format!("{cond}{gate}"), "t.verified_at, t.id", limit, "r")
    };
    match timed {
        TimedArms::Bound(p) => vec![
            walk(&format!(" AND {p} < 0")),
            range(
                &format!(" AND {p} > 0"),
                &format!("CASE WHEN {p} > 0 THEN {p} ELSE 0 END"),
            ),
        ],
        TimedArms::Fixed(TimedRead::Skip) => Vec::new(),
        TimedArms::Fixed(TimedRead::Walk) => vec![walk("")],
        TimedArms::Fixed(TimedRead::Range(n)) => {
            vec![range("", &range_limit(n).to_string())]
        }
    }
}

/// Tenants on the fleet's first page, written into its statements ([`first_attention_page`]).
pub const FLEET_PAGE_ROWS: i64 = 50;

/// One page of the fleet in `sort` order. Parameters: `$1` user, `$2` workspace id, `$3`
/// freshness cutoff, `$4` attention rank to filter on (`-1`: every verdict), `$5` search
/// pattern (`''`: none), `$6` limit, `$7` offset, `$8` start of the failed-runs window, and, in
/// the attention order only, `$9` and `$10` how it reads stale and ready tenants
/// ([`TimedRead`]).
///
/// The attention order (the default) is a branch per verdict, each reading at most
/// `offset + limit` tenants in name order and stopping there, so a page reads a bounded number
/// of rows however many tenants the workspace has. Blocked and not-verified tenants come from
/// the `tenants_fleet` range of their stored verdict. Stale and ready share the stored verdict
/// `ready` and are told apart by the cutoff, so a name-order walk of `ready` finding few of
/// one kind would read every ready tenant: their branches read as the counts decided, by a
/// walk when the kind is common and by the `tenants_ready_verified` range when it is rare.
/// The other orders sort the workspace's visible tenants. Per-tenant lookups (connection,
/// failed runs, newest support request) run in the outer query, for the page's rows only.
///
/// Without `search` the statement has no `$5` (the parameters after it move down by one): the
/// page's common case, planned for its own.
fn fleet_page(sort: FleetSort, dir: SortDir, search: bool) -> String {
    page_sql(sort, dir, search, None)
}

/// Largest range size written into a first page's statement, as a power of two (2^13 = 8,192,
/// the range's size at most when a workspace has 1.3 million ready tenants, see
/// [`TimedRead::choose`]); a larger range takes the paged statement.
const MAX_RANGE_POWER: u32 = 13;

/// The forms of one timed verdict's read written into a first page: skip, walk, and a range
/// per power of two up to 2^[`MAX_RANGE_POWER`].
const READ_FORMS: usize = 2 + MAX_RANGE_POWER as usize + 1;

/// The first attention pages' statements (see [`first_attention_page`]) by
/// [`first_page_form`], each built on first use.
static FIRST_ATTENTION_PAGES: [OnceLock<String>; 4 * READ_FORMS * READ_FORMS] =
    [const { OnceLock::new() }; 4 * READ_FORMS * READ_FORMS];

/// The form of `read` in a first page's statement; `None` for a range above
/// 2^[`MAX_RANGE_POWER`].
fn read_form(read: TimedRead) -> Option<usize> {
    match read {
        TimedRead::Skip => Some(0),
        TimedRead::Walk => Some(1),
        TimedRead::Range(n) => {
            let power = range_limit(n).trailing_zeros();
            (power <= MAX_RANGE_POWER).then_some(2 + power as usize)
        }
    }
}

/// The limit a range of `n` tenants has written in: the next power of two, so the statement
/// takes few forms (each prepared and planned once per connection), its plan knows the
/// range's size within 2x, and all of the range's tenants are read.
fn range_limit(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(1).next_power_of_two()
}

/// Index of a first attention page in [`FIRST_ATTENTION_PAGES`].
fn first_page_form(
    dir: SortDir,
    search: bool,
    stale: TimedRead,
    ready: TimedRead,
) -> Option<usize> {
    let d = SortDir::ALL.iter().position(|x| *x == dir).unwrap_or(0);
    let (stale, ready) = (read_form(stale)?, read_form(ready)?);
    Some(((d * 2 + usize::from(search)) * READ_FORMS + stale) * READ_FORMS + ready)
}

/// The first attention page of [`FLEET_PAGE_ROWS`] tenants in direction `dir` with `stale` and
/// `ready` tenants read as given: [`fleet_page`] with the page size and the reads written in,
/// so without `$6`, `$7`, `$9` and `$10` (the later parameters move down); `None` for a range
/// too large to write in. With them bound, the generic plan held every branch and assumed a
/// tenth of the workspace's tenants per limit, so PostgreSQL found it worse than a custom plan
/// and, on a workspace of 10,000 tenants, planned the page afresh on every request (1.6 ms,
/// beside 1.1 ms to run it).
pub fn first_attention_page(
    dir: SortDir,
    search: bool,
    stale: TimedRead,
    ready: TimedRead,
) -> Option<&'static str> {
    let form = first_page_form(dir, search, stale, ready)?;
    Some(FIRST_ATTENTION_PAGES[form].get_or_init(|| first_page_sql(dir, search, stale, ready)))
}

/// SQL of [`first_attention_page`].
fn first_page_sql(dir: SortDir, search: bool, stale: TimedRead, ready: TimedRead) -> String {
    page_sql(FleetSort::Attention, dir, search, Some((stale, ready)))
}

/// [`fleet_page`], or with `first` (in the attention order) [`first_attention_page`].
fn page_sql(
    sort: FleetSort,
    dir: SortDir,
    search: bool,
    first: Option<(TimedRead, TimedRead)>,
) -> String {
    let pattern = search.then_some("$5");
    let page = match first {
        Some(_) => format!("CAST({FLEET_PAGE_ROWS} AS BIGINT)"),
        None => "CAST($6 AS BIGINT) + CAST($7 AS BIGINT)".to_owned(),
    };
    let outer_limit = match first {
        Some(_) => format!("LIMIT {FLEET_PAGE_ROWS}"),
        None => "LIMIT $6 OFFSET $7".to_owned(),
    };
    let inner = match sort {
        FleetSort::Attention => {
            let branches: Vec<String> = VERDICT_CONDITIONS
                .iter()
                .flat_map(|(v, cond)| {
                    let timed = match (v, first) {
                        (TenantVerdict::Stale, Some((stale, _))) => Some(TimedArms::Fixed(stale)),
                        (TenantVerdict::Ready, Some((_, ready))) => Some(TimedArms::Fixed(ready)),
                        (TenantVerdict::Stale, None) => Some(TimedArms::Bound("$9")),
                        (TenantVerdict::Ready, None) => Some(TimedArms::Bound("$10")),
                        (TenantVerdict::Blocked | TenantVerdict::NotVerified, _) => None,
                    };
                    attention_branches(*v, cond, timed, pattern, &page)
                })
                .collect();
            format!(
                "SELECT * FROM ({}) u ORDER BY {} {outer_limit}",
                branches.join(" UNION ALL "),
                order_keys(sort, dir, "u")
            )
        }
        _ => {
            let rank = rank_expression();
            let columns = format!("{PAGE_COLUMNS}, {rank} AS rank");
            let condition = format!("($4 < 0 OR {rank} = $4)");
            let scope = fleet_scope(&columns, pattern, &condition);
            format!(
                "{scope} ORDER BY {} {outer_limit}",
                order_keys(sort, dir, "t")
            )
        }
    };
    let sql = format!(
        "SELECT p.id, p.external_id, p.name, p.rank, p.verified_at, c.directory_id,
            c.consent_state, c.health, {} AS failed_runs,
            (SELECT s.external_handoff_mode FROM support_requests s WHERE s.tenant_id = p.id
             ORDER BY s.id DESC LIMIT 1) AS handoff_mode,
            (SELECT s.handoff_outcome FROM support_requests s WHERE s.tenant_id = p.id
             ORDER BY s.id DESC LIMIT 1) AS handoff_outcome
         FROM ({inner}) p
         LEFT JOIN provider_connections c ON c.tenant_id = p.id
         ORDER BY {}",
        failed_runs("p", "$8"),
        order_keys(sort, dir, "p")
    );
    let sql = match first {
        Some(_) => [10, 9, 7, 6]
            .into_iter()
            .fold(sql, |sql, n| without_param(&sql, n)),
        None => sql,
    };
    if search { sql } else { without_param(&sql, 5) }
}

/// SQL of [`fleet_page`] for each sort, direction and whether it searches, in
/// [`fleet_variant`] order.
pub static FLEET_PAGES: LazyLock<Vec<String>> = LazyLock::new(|| {
    FleetSort::ALL
        .iter()
        .flat_map(|s| SortDir::ALL.iter().map(move |d| (*s, *d)))
        .flat_map(|(s, d)| [false, true].map(|search| fleet_page(s, d, search)))
        .collect()
});

/// Index of `(sort, dir, search)` in [`FLEET_PAGES`]; the default page (attention order,
/// ascending, no search) is `0`.
pub fn fleet_variant(sort: FleetSort, dir: SortDir, search: bool) -> usize {
    let s = FleetSort::ALL.iter().position(|x| *x == sort).unwrap_or(0);
    let d = SortDir::ALL.iter().position(|x| *x == dir).unwrap_or(0);
    (s * SortDir::ALL.len() + d) * 2 + usize::from(search)
}

/// What one fleet page asks for.
#[derive(Debug, Clone)]
pub struct FleetQuery<'a> {
    /// The caller.
    pub user_id: i64,
    /// The workspace.
    pub workspace_id: i64,
    /// A ready report checked before this is stale.
    pub cutoff: DateTime<Utc>,
    /// Only this verdict.
    pub verdict: Option<TenantVerdict>,
    /// `LIKE` pattern, lower case and escaped; empty for none.
    pub pattern: &'a str,
    /// Order.
    pub sort: FleetSort,
    /// Direction.
    pub dir: SortDir,
    /// Rows per page.
    pub limit: i64,
    /// Rows before the page.
    pub offset: i64,
    /// Start of the failed-runs window.
    pub failed_since: DateTime<Utc>,
    /// How the attention order reads stale tenants.
    pub stale_read: TimedRead,
    /// How the attention order reads ready tenants.
    pub ready_read: TimedRead,
}

/// One page of the fleet (see [`FLEET_PAGES`]; the first attention page of
/// [`FLEET_PAGE_ROWS`] by [`first_attention_page`]).
pub async fn fleet_page_rows(db: &Db, q: &FleetQuery<'_>) -> Result<Vec<FleetRow>, sqlx::Error> {
    let search = !q.pattern.is_empty();
    let rank = q.verdict.map_or(-1, TenantVerdict::attention_rank);
    let attention = q.sort == FleetSort::Attention;
    let first = (attention && q.offset == 0 && q.limit == FLEET_PAGE_ROWS)
        .then(|| first_page_form(q.dir, search, q.stale_read, q.ready_read))
        .flatten();
    if let Some(form) = first {
        let build = || first_page_sql(q.dir, search, q.stale_read, q.ready_read);
        return with_db!(db, |p| {
            let query = sqlx::query_as(FIRST_ATTENTION_PAGES[form].get_or_init(build).as_str())
                .bind(q.user_id)
                .bind(q.workspace_id)
                .bind(q.cutoff)
                .bind(rank);
            let query = if search { query.bind(q.pattern) } else { query };
            query.bind(q.failed_since).fetch_all(p).await
        });
    }
    let variant = fleet_variant(q.sort, q.dir, search);
    let timed = attention.then(|| (q.stale_read.param(), q.ready_read.param()));
    with_db!(db, |p| {
        let query = sqlx::query_as(FLEET_PAGES[variant].as_str())
            .bind(q.user_id)
            .bind(q.workspace_id)
            .bind(q.cutoff)
            .bind(rank);
        let query = if search { query.bind(q.pattern) } else { query };
        let query = query.bind(q.limit).bind(q.offset).bind(q.failed_since);
        match timed {
            Some((stale, ready)) => query.bind(stale).bind(ready).fetch_all(p).await,
            None => query.fetch_all(p).await,
        }
    })
}

/// SQL of [`fleet_counts`]: visible tenants matching the search, per attention rank
/// (`$1` user, `$2` workspace id, `$3` freshness cutoff, `$4` search pattern). It reads
/// every visible tenant; [`stored_fleet_counts`] answers the common case without.
pub static FLEET_COUNTS: LazyLock<String> = LazyLock::new(|| {
    let columns = format!("{} AS rank, COUNT(*) AS n", rank_expression());
    format!("{} GROUP BY 1", fleet_scope(&columns, Some("$4"), "TRUE"))
});

/// `(attention rank, tenants)` for the fleet's verdict counts.
pub async fn fleet_counts(
    db: &Db,
    user_id: i64,
    workspace_id: i64,
    cutoff: DateTime<Utc>,
    pattern: &str,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FLEET_COUNTS.as_str())
        .bind(user_id)
        .bind(workspace_id)
        .bind(cutoff)
        .bind(pattern)
        .fetch_all(p)
        .await)
}

/// SQL of [`stored_fleet_counts`] (`$1` user, `$2` workspace id, `$3` freshness cutoff): the
/// caller's membership, the kept count of each stored verdict (migration 14's triggers), and
/// the stale tenants counted from the `tenants_ready_verified` range before the cutoff.
pub const STORED_FLEET_COUNTS: &str = "SELECT m.all_tenants, v.report_verdict, v.tenants,
        (SELECT COUNT(*) FROM tenants t WHERE t.workspace_id = $2
         AND t.report_verdict = 'ready' AND t.verified_at < $3) AS stale
    FROM memberships m
    LEFT JOIN tenant_verdict_counts v ON v.workspace_id = m.workspace_id
    WHERE m.user_id = $1 AND m.workspace_id = $2";

/// The kept verdict counts of workspace `workspace_id` as `(attention rank, tenants)`, when
/// `user_id` sees all of its tenants (else `None`: the counts of what they see are
/// [`fleet_counts`]'). Reads a counter row per stored verdict and the stale tenants' index
/// entries, not the workspace's tenants.
pub async fn stored_fleet_counts(
    db: &Db,
    user_id: i64,
    workspace_id: i64,
    cutoff: DateTime<Utc>,
) -> Result<Option<Vec<(i64, i64)>>, sqlx::Error> {
    let rows: Vec<(bool, Option<String>, Option<i64>, i64)> =
        with_db!(db, |p| sqlx::query_as(STORED_FLEET_COUNTS)
            .bind(user_id)
            .bind(workspace_id)
            .bind(cutoff)
            .fetch_all(p)
            .await)?;
    if !rows.first().is_some_and(|r| r.0) {
        return Ok(None);
    }
    let mut counts = Vec::with_capacity(TenantVerdict::ALL.len());
    for (_, verdict, tenants, stale) in rows {
        let n = tenants.unwrap_or(0);
        match verdict.as_deref() {
            Some("blocked") => counts.push((TenantVerdict::Blocked.attention_rank(), n)),
            Some("not_verified") => counts.push((TenantVerdict::NotVerified.attention_rank(), n)),
            Some("ready") => {
                counts.push((TenantVerdict::Stale.attention_rank(), stale));
                counts.push((TenantVerdict::Ready.attention_rank(), n - stale));
            }
            _ => {}
        }
    }
    Ok(Some(counts))
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    let mut list = vec![
        ("LIST_VISIBLE_FIRST", LIST_VISIBLE_FIRST.as_str()),
        ("FIND_SCOPED", FIND_SCOPED.as_str()),
        ("LIST_VISIBLE", LIST_VISIBLE.as_str()),
        ("LIST_ALL_VISIBLE", LIST_ALL_VISIBLE.as_str()),
        ("INSERT", INSERT),
        ("FIND_BY_EXTERNAL_ID", FIND_BY_EXTERNAL_ID),
        ("FIND_BY_ID", FIND_BY_ID),
        ("WORKSPACE_ID_BY_SLUG", WORKSPACE_ID_BY_SLUG),
        ("REFRESH_REPORT_VERDICT", REFRESH_REPORT_VERDICT.as_str()),
        ("REFRESH_ALL_REPORT_VERDICTS", REFRESH_ALL_REPORT_VERDICTS),
        ("FLEET_COUNTS", FLEET_COUNTS.as_str()),
        ("STORED_FLEET_COUNTS", STORED_FLEET_COUNTS),
    ];
    // One entry per sort, direction and search, all under the constant's name.
    list.extend(FLEET_PAGES.iter().map(|sql| ("FLEET_PAGES", sql.as_str())));
    // Every first page's form but the range's written-in size (one stands for all).
    let reads = [TimedRead::Skip, TimedRead::Walk, TimedRead::Range(3)];
    for dir in SortDir::ALL {
        for search in [false, true] {
            for stale in reads {
                for ready in reads {
                    if let Some(sql) = first_attention_page(dir, search, stale, ready) {
                        list.push(("FIRST_ATTENTION_PAGES", sql));
                    }
                }
            }
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_left_out_parameter_moves_the_later_ones_down() {
        assert_eq!(
            without_param("a = $1 AND b = $10 OR c = $6 AND d LIKE '$x'", 5),
            "a = $1 AND b = $9 OR c = $5 AND d LIKE '$x'"
        );
        assert_eq!(without_param("no parameters", 1), "no parameters");
    }

    #[test]
    fn only_the_searching_pages_read_the_pattern() {
        for sort in FleetSort::ALL {
            for dir in SortDir::ALL {
                let plain = &FLEET_PAGES[fleet_variant(sort, dir, false)];
                let searching = &FLEET_PAGES[fleet_variant(sort, dir, true)];
                assert!(!plain.contains("LIKE") && !plain.contains("$10"), "{plain}");
                assert!(searching.contains("LIKE $5"), "{searching}");
            }
        }
        let attention = &FLEET_PAGES[fleet_variant(FleetSort::Attention, SortDir::Asc, false)];
        assert!(attention.contains("$9") && !attention.contains("$10"));
    }

    #[test]
    fn a_first_page_holds_only_the_reads_it_runs_and_its_size() {
        use TimedRead::{Range, Skip, Walk};
        let top = |sql: &str| (1..=10).rev().find(|n| sql.contains(&format!("${n}")));
        for dir in SortDir::ALL {
            for search in [false, true] {
                // Blocked and not verified, plus a branch per timed verdict that is read.
                for (stale, ready, branches) in [
                    (Skip, Skip, 2),
                    (Skip, Walk, 3),
                    (Range(3), Walk, 4),
                    (Walk, Range(700), 4),
                ] {
                    let first = first_attention_page(dir, search, stale, ready).unwrap();
                    assert_eq!(
                        first.matches(" UNION ALL ").count() + 1,
                        branches,
                        "{first}"
                    );
                    assert!(
                        first.contains(&format!("LIMIT {FLEET_PAGE_ROWS}")),
                        "{first}"
                    );
                    assert!(!first.contains("OFFSET"), "{first}");
                    // User, workspace, cutoff, verdict, (pattern,) failed-runs window.
                    assert_eq!(top(first), Some(5 + usize::from(search)), "{first}");
                }
                // Control: the paged statement binds all of them.
                let paged = &FLEET_PAGES[fleet_variant(FleetSort::Attention, dir, search)];
                assert_eq!(paged.matches(" UNION ALL ").count() + 1, 6);
                assert_eq!(top(paged), Some(9 + usize::from(search)));
            }
        }
        let ranged = first_attention_page(SortDir::Asc, false, Range(3), Walk).unwrap();
        assert!(ranged.contains("LIMIT 4) r1"), "{ranged}");
        let ranged = first_attention_page(SortDir::Asc, false, Walk, Range(700)).unwrap();
        assert!(ranged.contains("LIMIT 1024) r3"), "{ranged}");
        // Ranges of 1 and 2 tenants differ in form; 5 and 8 share one.
        let form = |n| first_page_form(SortDir::Asc, false, Range(n), Walk);
        assert_ne!(form(1), form(2));
        assert_eq!(form(5), form(8));
        // A range too large to write in takes the paged statement.
        assert!(form(8192).is_some() && form(8193).is_none());
    }
}

//! The request context in one statement: the caller (by session or API token), the target of
//! the path in the caller's scope (tenant or workspace) and, for pages, the frame's data (the
//! caller's workspaces, the header switcher's first tenants and the pauses in effect), as rows
//! of one `UNION ALL`. One round trip instead of five; each part keeps the rule of the query it
//! replaces (see the comments on the parts).
//!
//! Every part yields the same generic columns; [`ContextRow::kind`] says which part a row is
//! from and so what its columns hold (the mapping is in `super::context`).

use super::{SWITCHER_LIMIT, TENANT_VISIBLE};
use crate::db::Db;
use crate::with_db;
use chrono::{DateTime, Utc};
use std::sync::LazyLock;

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    /// A browser session (`$1` = hash of the cookie's token).
    Session,
    /// An API bearer token (`$1` = hash of the token).
    Token,
}

/// What the path names, looked up in the caller's scope (`$3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// Nothing the context resolves.
    None,
    /// A tenant by external id.
    Tenant,
    /// A workspace by slug.
    Workspace,
    /// An operation run by id (only its workspace, for the frame: the run itself is the page's
    /// data and its scope query stays the page's).
    Run,
}

/// Row kinds, in the order the statement returns them.
pub mod kind {
    /// The caller: `n1` user id, `n2` token id, `n3` the page's workspace id, `s1` e-mail,
    /// `s2` display name, `s3` locale, `s4` CSRF token, `flag` platform operator, `at1` last
    /// seen / used, `at2` account created.
    pub const CALLER: i32 = 0;
    /// One of the caller's workspaces: `n1` id, `s1` slug, `s2` name, `s3` role.
    pub const WORKSPACE: i32 = 1;
    /// The target tenant in scope: `n1` id, `n2` workspace id, `s1` external id, `s2` name,
    /// `s3` role, `s4` workspace slug, `s5` workspace name, `at1` created.
    pub const TENANT: i32 = 2;
    /// The target workspace in scope: `n1` id, `s1` slug, `s2` name, `s3` role.
    pub const TARGET_WORKSPACE: i32 = 3;
    /// A switcher tenant: `n1` id, `n2` workspace id, `s1` external id, `s2` name, `at1`
    /// created.
    pub const SWITCHER: i32 = 4;
    /// A pause covering the page: `n1` workspace id, `s1` control, `s2` scope, `s3` workspace
    /// slug, `s4` workspace name, `s5` reason, `s6` paused by, `at1` paused at, `at2` expires.
    pub const PAUSE: i32 = 5;
}

/// One row of the context statement (see [`kind`] for what each column holds per kind).
#[derive(Debug, Clone)]
pub struct ContextRow {
    /// Which part the row is from.
    pub kind: i32,
    /// Numbers.
    pub n1: Option<i64>,
    /// Numbers.
    pub n2: Option<i64>,
    /// Numbers.
    pub n3: Option<i64>,
    /// Texts.
    pub s1: Option<String>,
    /// Texts.
    pub s2: Option<String>,
    /// Texts.
    pub s3: Option<String>,
    /// Texts.
    pub s4: Option<String>,
    /// Texts.
    pub s5: Option<String>,
    /// Texts.
    pub s6: Option<String>,
    /// A flag.
    pub flag: Option<bool>,
    /// Times.
    pub at1: Option<DateTime<Utc>>,
    /// Times.
    pub at2: Option<DateTime<Utc>>,
}

/// Read by position, in the order every part of the statement selects its columns: a page's
/// context is some thirty rows (workspaces, switcher, pauses) of fifteen columns, and looking
/// each column up by name was a measurable share of a page's CPU.
impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for ContextRow
where
    usize: sqlx::ColumnIndex<R>,
    i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(ContextRow {
            kind: row.try_get(0)?,
            n1: row.try_get(1)?,
            n2: row.try_get(2)?,
            n3: row.try_get(3)?,
            s1: row.try_get(4)?,
            s2: row.try_get(5)?,
            s3: row.try_get(6)?,
            s4: row.try_get(7)?,
            s5: row.try_get(8)?,
            s6: row.try_get(9)?,
            flag: row.try_get(10)?,
            at1: row.try_get(11)?,
            at2: row.try_get(12)?,
        })
    }
}

const NO_NUM: &str = "CAST(NULL AS BIGINT)";
const NO_TEXT: &str = "CAST(NULL AS TEXT)";
const NO_FLAG: &str = "CAST(NULL AS BOOLEAN)";
const NO_TIME: &str = "CAST(NULL AS TIMESTAMPTZ)";

/// The caller, as the session or token lookup it replaces: a session until its absolute
/// expiry (idle expiry is judged on the returned last-seen time), a token neither revoked nor
/// expired.
fn caller_cte(caller: CallerKind) -> String {
    match caller {
        CallerKind::Session => format!(
            "me AS (SELECT u.id AS user_id, u.email, u.display_name, u.locale, u.is_platform,
                u.created_at, s.csrf_token AS csrf, {NO_NUM} AS token_id, s.last_seen_at AS seen_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2)"
        ),
        CallerKind::Token => format!(
            "me AS (SELECT u.id AS user_id, u.email, u.display_name, u.locale, u.is_platform,
                u.created_at, {NO_TEXT} AS csrf, t.id AS token_id, t.last_used_at AS seen_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL
               AND (t.expires_at IS NULL OR t.expires_at > $2))"
        ),
    }
}

/// The workspace the page is in, whether or not the caller may see it: it only selects which
/// switcher tenants and pauses to read, and both of those are read in the caller's scope.
fn page_cte(target: TargetKind) -> Option<&'static str> {
    match target {
        TargetKind::None => None,
        TargetKind::Tenant => {
            Some("page AS (SELECT t.workspace_id FROM tenants t WHERE t.external_id = $3)")
        }
        TargetKind::Workspace => {
            Some("page AS (SELECT w.id AS workspace_id FROM workspaces w WHERE w.slug = $3)")
        }
        TargetKind::Run => {
            Some("page AS (SELECT r.workspace_id FROM operation_runs r WHERE r.id = $3)")
        }
    }
}

/// The statement for one combination. `shell` adds the frame's parts; the switcher's row limit
/// ([`SWITCHER_LIMIT`] and one more, to learn whether there are more) is part of the text, not a
/// parameter: with `LIMIT $4` PostgreSQL's generic plan assumes a tenth of the workspace's
/// tenants, so on a workspace of 10,000 it re-planned the statement on every request (about
/// 0.7 ms each) instead of reusing the plan.
pub fn context_sql(caller: CallerKind, target: TargetKind, shell: bool) -> String {
    let mut ctes = vec![caller_cte(caller)];
    ctes.extend(page_cte(target).map(str::to_owned));
    let page_ws = if target == TargetKind::None {
        NO_NUM.to_owned()
    } else {
        "(SELECT workspace_id FROM page)".to_owned()
    };
    let mut parts = vec![format!(
        "SELECT {caller} AS kind, me.user_id AS n1, me.token_id AS n2, {page_ws} AS n3,
            me.email AS s1, me.display_name AS s2, me.locale AS s3, me.csrf AS s4,
            {NO_TEXT} AS s5, {NO_TEXT} AS s6, me.is_platform AS flag, me.seen_at AS at1,
            me.created_at AS at2, {NO_TEXT} AS sort_text, {NO_NUM} AS sort_num
         FROM me",
        caller = kind::CALLER
    )];
    if shell {
        // As `workspaces::repo::LIST_FOR_USER`: every membership, by name.
        parts.push(format!(
            "SELECT {k}, w.id, {NO_NUM}, {NO_NUM}, w.slug, w.name, m.role, {NO_TEXT}, {NO_TEXT},
                {NO_TEXT}, {NO_FLAG}, {NO_TIME}, {NO_TIME}, w.name, w.id
             FROM me JOIN memberships m ON m.user_id = me.user_id
             JOIN workspaces w ON w.id = m.workspace_id",
            k = kind::WORKSPACE
        ));
    }
    match target {
        TargetKind::Tenant => {
            // As `tenants::repo::FIND_SCOPED`: member of the workspace and entitled.
            parts.push(format!(
                "SELECT {k}, t.id, t.workspace_id, {NO_NUM}, t.external_id, t.name, m.role,
                    w.slug, w.name, {NO_TEXT}, {NO_FLAG}, t.created_at, {NO_TIME}, {NO_TEXT},
                    {NO_NUM}
                 FROM me JOIN tenants t ON t.external_id = $3
                 JOIN workspaces w ON w.id = t.workspace_id
                 JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = me.user_id
                 WHERE {TENANT_VISIBLE}",
                k = kind::TENANT
            ));
        }
        TargetKind::Workspace => {
            // As `workspaces::repo::FIND_FOR_USER`.
            parts.push(format!(
                "SELECT {k}, w.id, {NO_NUM}, {NO_NUM}, w.slug, w.name, m.role, {NO_TEXT},
                    {NO_TEXT}, {NO_TEXT}, {NO_FLAG}, {NO_TIME}, {NO_TIME}, {NO_TEXT}, {NO_NUM}
                 FROM me JOIN memberships m ON m.user_id = me.user_id
                 JOIN workspaces w ON w.id = m.workspace_id AND w.slug = $3",
                k = kind::TARGET_WORKSPACE
            ));
        }
        TargetKind::None | TargetKind::Run => {}
    }
    if shell && target != TargetKind::None {
        // As `tenants::repo::LIST_VISIBLE_FIRST`: the first visible tenants by name.
        parts.push(format!(
            "SELECT * FROM (SELECT {k} AS kind, t.id AS n1, t.workspace_id AS n2, {NO_NUM} AS n3,
                t.external_id AS s1, t.name AS s2, {NO_TEXT} AS s3, {NO_TEXT} AS s4,
                {NO_TEXT} AS s5, {NO_TEXT} AS s6, {NO_FLAG} AS flag, t.created_at AS at1,
                {NO_TIME} AS at2, t.name AS sort_text, t.id AS sort_num
             FROM me JOIN tenants t ON t.workspace_id = {page_ws}
             JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = me.user_id
             WHERE {TENANT_VISIBLE}
             ORDER BY t.name, t.id LIMIT {rows}) switcher",
            k = kind::SWITCHER,
            rows = SWITCHER_LIMIT + 1
        ));
    }
    if shell {
        // As `system::repo::WORKSPACE_PAUSES`: global pauses and the page workspace's own, by
        // control with the global one first (the caller keeps the first per control).
        let covers = if target == TargetKind::None {
            "p.scope_key = 'global'".to_owned()
        } else {
            format!("(p.scope_key = 'global' OR p.workspace_id = {page_ws})")
        };
        parts.push(format!(
            "SELECT {k}, p.workspace_id, {NO_NUM}, {NO_NUM}, p.control_key, p.scope_key, w.slug,
                w.name, p.reason, p.paused_by_label, {NO_FLAG}, p.paused_at, p.expires_at,
                p.control_key, CASE WHEN p.scope_key = 'global' THEN 0 ELSE 1 END
             FROM operational_control_pauses p LEFT JOIN workspaces w ON w.id = p.workspace_id
             WHERE EXISTS (SELECT 1 FROM me) AND {covers}
               AND (p.expires_at IS NULL OR p.expires_at > $2)",
            k = kind::PAUSE
        ));
    }
    format!(
        "WITH {} {} ORDER BY kind, sort_text, sort_num",
        ctes.join(", "),
        parts.join(" UNION ALL ")
    )
}

const CALLERS: [CallerKind; 2] = [CallerKind::Session, CallerKind::Token];
const TARGETS: [TargetKind; 4] = [
    TargetKind::None,
    TargetKind::Tenant,
    TargetKind::Workspace,
    TargetKind::Run,
];

fn variant(caller: CallerKind, target: TargetKind, shell: bool) -> usize {
    let c = CALLERS.iter().position(|c| *c == caller).unwrap_or(0);
    let t = TARGETS.iter().position(|t| *t == target).unwrap_or(0);
    (c * TARGETS.len() + t) * 2 + usize::from(shell)
}

/// SQL of [`load`], every combination, built once (indexed by [`variant`]).
pub static CONTEXT: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut all = Vec::new();
    for caller in CALLERS {
        for target in TARGETS {
            for shell in [false, true] {
                all.push(context_sql(caller, target, shell));
            }
        }
    }
    all
});

/// The key `$3` of a target.
#[derive(Debug, Clone, Copy)]
pub enum TargetKey<'a> {
    /// No target.
    None,
    /// A tenant's external id.
    Tenant(&'a str),
    /// A workspace's slug.
    Workspace(&'a str),
    /// A run's id.
    Run(i64),
}

impl TargetKey<'_> {
    fn kind(self) -> TargetKind {
        match self {
            TargetKey::None => TargetKind::None,
            TargetKey::Tenant(_) => TargetKind::Tenant,
            TargetKey::Workspace(_) => TargetKind::Workspace,
            TargetKey::Run(_) => TargetKind::Run,
        }
    }
}

/// The context rows for the credential hashed to `credential_hash`, ordered by kind (each
/// kind's rows in its part's order). No caller row: no (live) credential, and no other rows.
pub async fn load(
    db: &Db,
    caller: CallerKind,
    credential_hash: &str,
    target: TargetKey<'_>,
    shell: bool,
    now: DateTime<Utc>,
) -> Result<Vec<ContextRow>, sqlx::Error> {
    let index = variant(caller, target.kind(), shell);
    with_db!(db, |p| {
        let query = sqlx::query_as(CONTEXT[index].as_str())
            .bind(credential_hash)
            .bind(now);
        let query = match target {
            TargetKey::None => query,
            TargetKey::Tenant(key) | TargetKey::Workspace(key) => query.bind(key.to_owned()),
            TargetKey::Run(id) => query.bind(id),
        };
        query.fetch_all(p).await
    })
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    CONTEXT
        .iter()
        .map(|sql| ("CONTEXT", sql.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_has_its_own_statement() {
        let mut seen = std::collections::BTreeSet::new();
        for caller in CALLERS {
            for target in TARGETS {
                for shell in [false, true] {
                    let i = variant(caller, target, shell);
                    assert_eq!(CONTEXT[i], context_sql(caller, target, shell));
                    assert!(seen.insert(i), "{caller:?} {target:?} {shell} shares {i}");
                }
            }
        }
        assert_eq!(seen.len(), CONTEXT.len());
    }

    #[test]
    fn parameters_are_only_those_bound() {
        let no_target = context_sql(CallerKind::Session, TargetKind::None, true);
        assert!(!no_target.contains("$3") && !no_target.contains("$4"));
        let api = context_sql(CallerKind::Token, TargetKind::Tenant, false);
        assert!(api.contains("$3") && !api.contains("$4"));
        let page = context_sql(CallerKind::Session, TargetKind::Run, true);
        assert!(page.contains("$3") && !page.contains("$4"));
    }

    #[test]
    fn the_switchers_limit_is_part_of_the_statement() {
        let page = context_sql(CallerKind::Session, TargetKind::Tenant, true);
        let limit = format!("LIMIT {}) switcher", SWITCHER_LIMIT + 1);
        assert!(page.contains(&limit), "{page}");
        // Control: the API's variant has no switcher at all.
        let api = context_sql(CallerKind::Token, TargetKind::Tenant, false);
        assert!(!api.contains(") switcher"));
    }
}

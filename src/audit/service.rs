//! Reads of the audit log for its pages, the API, the CSV export and the desk console (writes
//! go through [`crate::audit::record`] inside the caller's transaction).
//!
//! Filters (action, tenant, actor, date range) are one [`AuditQuery`] for the page, the API and
//! the export. Dates are whole days in UTC, the time zone every time on the log is shown in;
//! `from` and `to` are both inclusive.
//!
//! The export is audited once, as `audit.exported`, **at its start**: the count of matching
//! rows and the highest matching id are read first, the audit row (filters, rows to be
//! written, rows matched, whether the cap cut it) is committed, and then the file streams the
//! rows up to that id in chunks of [`CHUNK`] by id (keyset), never more than the count it
//! announced. The export's own audit row is newer than that id, so it is not in the file.

pub use super::repo::{AuditFilter, AuditRow, Window, actions, actors, latest_global};

use super::{AuditContext, AuditEntry, csv, labels, repo};
use crate::db::Db;
use crate::error::{Invalid, ServiceError};
use crate::features::{members, tenants};
use crate::i18n::Tr;
use crate::outbound::urlencode;
use chrono::{DateTime, Days, NaiveDate, SecondsFormat, Utc};
use futures_util::stream::{self, BoxStream, StreamExt};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeSet;

/// The action an export is audited as.
pub const EXPORTED: &str = "audit.exported";

/// Rows read from the database per step of an export.
pub const CHUNK: i64 = 500;

/// The export's header row.
pub const CSV_HEADER: [&str; 9] = [
    "time",
    "actor",
    "action",
    "action_label",
    "tenant",
    "target_type",
    "target_id",
    "request_id",
    "metadata",
];

/// Filters from the query string, shared by the page, the API and the export.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AuditQuery {
    /// Only this action id.
    pub action: Option<String>,
    /// Only this tenant (external id).
    pub tenant: Option<String>,
    /// Only this actor, as the log records it (e-mail address, `system`, `cli`).
    pub actor: Option<String>,
    /// First day (`YYYY-MM-DD`, UTC), inclusive.
    pub from: Option<String>,
    /// Last day (`YYYY-MM-DD`, UTC), inclusive.
    pub to: Option<String>,
    /// 1-based page number.
    pub page: Option<u32>,
}

/// A filter value that is there and not blank.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl AuditQuery {
    /// The filters (not the page) as a query string, for every link that keeps them: the
    /// pager and the export link.
    pub fn filter_string(&self) -> String {
        [
            ("action", &self.action),
            ("tenant", &self.tenant),
            ("actor", &self.actor),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(given(v).unwrap_or(""))))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// The day `raw` names (`YYYY-MM-DD`); a field error on `field` when it names none.
fn day(field: &'static str, raw: Option<&str>, errors: &mut Vec<Invalid>) -> Option<NaiveDate> {
    let parsed = NaiveDate::parse_from_str(raw?, "%Y-%m-%d").ok();
    if parsed.is_none() {
        errors.push(Invalid {
            field,
            key: "audit-filter-date-invalid",
        });
    }
    parsed
}

/// A range's start (inclusive) and end (exclusive), each open when not given.
type Bounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The date range of `q` as instants: `[from 00:00 UTC, day after to 00:00 UTC)`. Every
/// problem at once: a date that is none, and a `to` before `from`.
fn date_range(q: &AuditQuery) -> Result<Bounds, ServiceError> {
    let mut errors = Vec::new();
    let from = day("from", given(&q.from), &mut errors);
    let to = day("to", given(&q.to), &mut errors);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        errors.push(Invalid {
            field: "to",
            key: "audit-filter-range-reversed",
        });
    }
    let until = to.map(|t| t.checked_add_days(Days::new(1)));
    if until == Some(None) {
        errors.push(Invalid {
            field: "to",
            key: "audit-filter-date-invalid",
        });
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    Ok((from.and_then(start), until.flatten().and_then(start)))
}

/// The filter `q` asks for in workspace `workspace_id`; `None` when it names a tenant the
/// caller cannot see (an empty result, never a hint that the tenant exists). Invalid dates are
/// field errors whatever the tenant.
pub async fn resolve(
    db: &Db,
    user_id: i64,
    workspace_id: i64,
    q: &AuditQuery,
) -> Result<Option<AuditFilter>, ServiceError> {
    let (from, until) = date_range(q)?;
    let tenant_id = match given(&q.tenant) {
        Some(ext) => match tenants::service::find_scoped(db, user_id, ext).await? {
            Some(t) if t.workspace_id == workspace_id => Some(t.id),
            _ => return Ok(None),
        },
        None => None,
    };
    Ok(Some(AuditFilter {
        action: given(&q.action).map(str::to_string),
        tenant_id,
        actor: given(&q.actor).map(str::to_string),
        from,
        until,
    }))
}

/// One page of a workspace's events, newest first.
pub struct EventsPage {
    /// At most the page size.
    pub rows: Vec<AuditRow>,
    /// 1-based page number shown.
    pub page: i64,
    /// Whether a further page exists.
    pub has_next: bool,
}

impl EventsPage {
    /// The first page of nothing.
    pub fn empty() -> EventsPage {
        EventsPage {
            rows: Vec::new(),
            page: 1,
            has_next: false,
        }
    }
}

/// The page of events `q` asks for in workspace `workspace_id`.
pub async fn events_page(
    db: &Db,
    user_id: i64,
    workspace_id: i64,
    q: &AuditQuery,
    page_size: i64,
) -> Result<EventsPage, ServiceError> {
    let page = i64::from(q.page.unwrap_or(1).clamp(1, 100_000));
    let Some(filter) = resolve(db, user_id, workspace_id, q).await? else {
        return Ok(EventsPage::empty());
    };
    let window = Window {
        before_id: None,
        offset: (page - 1) * page_size,
        limit: page_size + 1,
    };
    let mut rows = repo::list(db, workspace_id, &filter, None, window).await?;
    let has_next = rows.len() as i64 > page_size;
    rows.truncate(page_size as usize);
    Ok(EventsPage {
        rows,
        page,
        has_next,
    })
}

/// What the audit page shows: the events and the choices of its filters.
pub struct AuditPageData {
    /// The events (none when a filter is invalid).
    pub events: EventsPage,
    /// What is wrong with the filters, per field; the page shows it instead of events.
    pub errors: Vec<Invalid>,
    /// Every action id the workspace's log holds.
    pub actions: Vec<String>,
    /// Every actor as the log records them: the workspace's members (whether or not they did
    /// anything yet) and whoever else the log names (`system`, `cli`, platform operators).
    pub actors: Vec<String>,
    /// `(external id, name)` of each tenant the caller sees; only these get links.
    pub tenants: Vec<(String, String)>,
}

/// The audit page's data for `user_id` in workspace `slug` (id `workspace_id`).
pub async fn page_data(
    db: &Db,
    user_id: i64,
    workspace_id: i64,
    slug: &str,
    q: &AuditQuery,
    page_size: i64,
) -> Result<AuditPageData, ServiceError> {
    let (events, errors) = match events_page(db, user_id, workspace_id, q, page_size).await {
        Ok(events) => (events, Vec::new()),
        Err(ServiceError::Invalid(errors)) => (EventsPage::empty(), errors),
        Err(e) => return Err(e),
    };
    let tenants = tenants::service::list_visible(db, user_id, slug)
        .await?
        .into_iter()
        .map(|t| (t.external_id, t.name))
        .collect();
    let mut actors: BTreeSet<String> = actors(db, workspace_id).await?.into_iter().collect();
    actors.extend(
        members::service::overview(db, workspace_id)
            .await?
            .members
            .into_iter()
            .map(|m| m.member.email),
    );
    Ok(AuditPageData {
        events,
        errors,
        actions: actions(db, workspace_id).await?,
        actors: actors.into_iter().collect(),
        tenants,
    })
}

/// What an export needs to know besides the database and who asks.
pub struct ExportRequest<'a> {
    /// The caller.
    pub user_id: i64,
    /// The workspace's id.
    pub workspace_id: i64,
    /// The workspace's slug (in the file name and the audit row).
    pub slug: &'a str,
    /// The filters.
    pub query: &'a AuditQuery,
    /// Most rows written (`audit.export_max_rows`).
    pub max_rows: i64,
    /// The reader's language (action labels, the cut notice).
    pub t: Tr,
    /// Now (file name date, audit row).
    pub now: DateTime<Utc>,
}

/// A started export: its facts for the response headers and the body that streams it.
pub struct CsvExport {
    /// `audit-<workspace>-<YYYY-MM-DD>.csv`.
    pub filename: String,
    /// Rows the file holds (without header and notice).
    pub rows: i64,
    /// Rows the filters match; more than `rows` when the cap cut the file.
    pub matched: i64,
    /// The file, chunk by chunk.
    pub body: BoxStream<'static, Result<String, sqlx::Error>>,
}

impl CsvExport {
    /// Whether the cap cut the file.
    pub fn truncated(&self) -> bool {
        self.matched > self.rows
    }
}

/// Starts the CSV export of the log `req.query` filters: counts, audits `audit.exported`
/// (see the module docs), and returns the stream of the file.
pub async fn export_csv(
    db: &Db,
    actx: &AuditContext,
    req: ExportRequest<'_>,
) -> Result<CsvExport, ServiceError> {
    let q = req.query;
    let filter = resolve(db, req.user_id, req.workspace_id, q).await?;
    let (matched, upto_id) = match &filter {
        Some(f) => repo::snapshot(db, req.workspace_id, f).await?,
        None => (0, None),
    };
    let rows = matched.min(req.max_rows);
    let actor_user_id = match filter.as_ref().and_then(|f| f.actor.as_deref()) {
        Some(label) => repo::actor_user_id(db, req.workspace_id, label).await?,
        None => None,
    };
    let metadata = json!({
        "format": "csv",
        "action": given(&q.action),
        "tenant": given(&q.tenant),
        "actor": given(&q.actor),
        "actor_user_id": actor_user_id,
        "from": given(&q.from),
        "to": given(&q.to),
        "rows": rows,
        "matched": matched,
        "truncated": matched > rows,
        "max_rows": req.max_rows,
    });
    let entry = AuditEntry::new(EXPORTED, "workspace", req.slug)
        .scoped(Some(req.workspace_id), None)
        .with(metadata);
    let mut tx = db.begin().await?;
    super::record(&mut tx, actx, req.now, entry).await?;
    tx.commit().await?;
    let cursor = Cursor {
        db: db.clone(),
        workspace_id: req.workspace_id,
        filter,
        upto_id,
        before_id: upto_id.map(|id| id + 1),
        remaining: rows,
        written: 0,
        matched,
        t: req.t,
        stage: Stage::Header,
    };
    Ok(CsvExport {
        filename: format!("audit-{}-{}.csv", req.slug, req.now.format("%Y-%m-%d")),
        rows,
        matched,
        body: stream::try_unfold(cursor, next_chunk).boxed(),
    })
}

/// Where an export's stream is.
enum Stage {
    Header,
    Rows,
    Notice,
    Done,
}

/// An export's position: the filter, the snapshot bound, the keyset cursor and the rows
/// still to write.
struct Cursor {
    db: Db,
    workspace_id: i64,
    filter: Option<AuditFilter>,
    upto_id: Option<i64>,
    before_id: Option<i64>,
    remaining: i64,
    written: i64,
    matched: i64,
    t: Tr,
    stage: Stage,
}

/// The next piece of the file: the header, a chunk of rows, the cut notice, or the end.
async fn next_chunk(mut c: Cursor) -> Result<Option<(String, Cursor)>, sqlx::Error> {
    loop {
        match c.stage {
            Stage::Header => {
                let mut out = String::new();
                csv::push_record(&mut out, CSV_HEADER);
                c.stage = Stage::Rows;
                return Ok(Some((out, c)));
            }
            Stage::Rows => {
                let Some(filter) = c.filter.as_ref().filter(|_| c.remaining > 0) else {
                    c.stage = Stage::Notice;
                    continue;
                };
                let window = Window {
                    before_id: c.before_id,
                    offset: 0,
                    limit: CHUNK.min(c.remaining),
                };
                let chunk = repo::list(&c.db, c.workspace_id, filter, c.upto_id, window).await?;
                let Some(last) = chunk.last() else {
                    c.stage = Stage::Notice;
                    continue;
                };
                c.before_id = Some(last.id);
                c.remaining -= chunk.len() as i64;
                c.written += chunk.len() as i64;
                let mut out = String::with_capacity(chunk.len() * 256);
                for row in &chunk {
                    push_row(&mut out, c.t, row);
                }
                return Ok(Some((out, c)));
            }
            Stage::Notice => {
                c.stage = Stage::Done;
                let written = c.written;
                if written < c.matched {
                    let notice = c.t.with(
                        "audit-export-cut",
                        &[
                            ("rows", &c.t.number(written)),
                            ("total", &c.t.number(c.matched)),
                        ],
                    );
                    // Padded to the header's width, so every record has the same fields.
                    let mut fields = [""; CSV_HEADER.len()];
                    fields[0] = notice.as_str();
                    let mut out = String::new();
                    csv::push_record(&mut out, fields);
                    return Ok(Some((out, c)));
                }
            }
            Stage::Done => return Ok(None),
        }
    }
}

/// One event as a CSV record.
fn push_row(out: &mut String, t: Tr, row: &AuditRow) {
    let time = row.occurred_at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let label = labels::action(t, &row.action).unwrap_or_else(|| t.t("audit-action-unknown"));
    let metadata = row.metadata.0.to_string();
    csv::push_record(
        out,
        [
            time.as_str(),
            row.actor_label.as_str(),
            row.action.as_str(),
            label.as_str(),
            row.tenant.as_deref().unwrap_or(""),
            row.target_type.as_str(),
            row.target_id.as_str(),
            row.request_id.as_deref().unwrap_or(""),
            metadata.as_str(),
        ],
    );
}

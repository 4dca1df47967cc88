//! Reads of the audit log for its pages, the API and the desk console (writes go through
//! [`crate::audit::record`] inside the caller's transaction).

pub use super::repo::{AuditFilter, AuditRow, actions, latest_global, list};

use crate::db::Db;
use crate::error::ServiceError;
use crate::features::tenants;
use serde::Deserialize;

/// Filters from the query string, shared by the page and the API.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    /// Only this action id.
    pub action: Option<String>,
    /// Only this tenant (external id).
    pub tenant: Option<String>,
    /// 1-based page number.
    pub page: Option<u32>,
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

/// The page of events `q` asks for in workspace `workspace_id`. A tenant filter naming a tenant
/// the caller cannot see gives an empty first page, never a hint that it exists.
pub async fn events_page(
    db: &Db,
    user_id: i64,
    workspace_id: i64,
    q: &AuditQuery,
    page_size: i64,
) -> Result<EventsPage, ServiceError> {
    let page = i64::from(q.page.unwrap_or(1).clamp(1, 100_000));
    let empty = EventsPage {
        rows: Vec::new(),
        page: 1,
        has_next: false,
    };
    let tenant_id = match q.tenant.as_deref().filter(|t| !t.is_empty()) {
        Some(ext) => match tenants::service::find_scoped(db, user_id, ext).await? {
            Some(t) if t.workspace_id == workspace_id => Some(t.id),
            _ => return Ok(empty),
        },
        None => None,
    };
    let filter = AuditFilter {
        action: q.action.clone().filter(|a| !a.is_empty()),
        tenant_id,
        offset: (page - 1) * page_size,
        limit: page_size,
    };
    let mut rows = list(db, workspace_id, &filter).await?;
    let has_next = rows.len() as i64 > page_size;
    rows.truncate(page_size as usize);
    Ok(EventsPage {
        rows,
        page,
        has_next,
    })
}

/// What the audit page shows: the events and the choices of its two filters.
pub struct AuditPageData {
    /// The events.
    pub events: EventsPage,
    /// Every action id the workspace's log holds.
    pub actions: Vec<String>,
    /// `(external id, name)` of each tenant the caller sees.
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
    let events = events_page(db, user_id, workspace_id, q, page_size).await?;
    let tenants = tenants::service::list_visible(db, user_id, slug)
        .await?
        .into_iter()
        .map(|t| (t.external_id, t.name))
        .collect();
    Ok(AuditPageData {
        events,
        actions: actions(db, workspace_id).await?,
        tenants,
    })
}

//! Resolves a request's context in one statement (see [`super::repo`]): the caller, the
//! tenant or workspace the path names in the caller's scope, and for pages the frame's data.
//! The scope extractors and the page frame take what was resolved here and query only for
//! what was not (a path this did not recognise, a frame for another workspace), so the rules
//! stay those of the scopes themselves.

use super::Role;
use super::repo::{self, CallerKind, ContextRow, TargetKey, kind};
use crate::{
    auth::{self, Identity, Via, users::User},
    config::SessionConfig,
    db::Db,
    features::{
        system::{self, ActivePause},
        tenants::model::{ScopedTenant, Tenant},
        workspaces::model::MemberWorkspace,
    },
};
use chrono::{DateTime, Utc};

/// How the caller proves who they are, as sent.
#[derive(Debug, Clone, Copy)]
pub enum Credential<'a> {
    /// The browser session cookie's token.
    Session(&'a str),
    /// The API bearer token.
    Token(&'a str),
}

/// What the request's path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Nothing resolved up front.
    None,
    /// A tenant by external id.
    Tenant(String),
    /// A workspace by slug.
    Workspace(String),
    /// An operation run by id (its workspace frames the page).
    Run(i64),
}

impl Target {
    fn key(&self) -> TargetKey<'_> {
        match self {
            Target::None => TargetKey::None,
            Target::Tenant(key) => TargetKey::Tenant(key),
            Target::Workspace(key) => TargetKey::Workspace(key),
            Target::Run(id) => TargetKey::Run(*id),
        }
    }
}

/// The page frame's data, read with the caller.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    /// The caller's workspaces, by name.
    pub workspaces: Vec<MemberWorkspace>,
    /// The workspace the path's target belongs to (`None` without target, or when the target
    /// does not exist); the switcher and pauses below are for it.
    pub page_workspace_id: Option<i64>,
    /// The first visible tenants of that workspace by name (at most the limit asked for).
    pub switcher: Vec<Tenant>,
    /// Pauses in effect there (global ones only without a page workspace), one per control.
    pub pauses: Vec<ActivePause>,
}

/// What the context statement found besides the caller.
#[derive(Debug, Clone, Default)]
pub struct Prefetched {
    /// The target tenant's key and the tenant, `None` when the caller may not see it (or it
    /// does not exist); absent when the path named no tenant.
    pub tenant: Option<(String, Option<ScopedTenant>)>,
    /// The same for a target workspace.
    pub workspace: Option<(String, Option<MemberWorkspace>)>,
    /// The frame's data, when it was asked for.
    pub frame: Option<Frame>,
}

impl Prefetched {
    /// The lookup of tenant `external_id`, if the context made it: `Some(None)` means out of
    /// scope (answer `404` without asking again).
    pub fn tenant(&self, external_id: &str) -> Option<Option<&ScopedTenant>> {
        self.tenant
            .as_ref()
            .filter(|(key, _)| key == external_id)
            .map(|(_, found)| found.as_ref())
    }

    /// The lookup of workspace `slug`, if the context made it.
    pub fn workspace(&self, slug: &str) -> Option<Option<&MemberWorkspace>> {
        self.workspace
            .as_ref()
            .filter(|(key, _)| key == slug)
            .map(|(_, found)| found.as_ref())
    }
}

/// The caller and what was read with them.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// The caller, when the credential is live.
    pub identity: Option<Identity>,
    /// Everything else.
    pub prefetched: Prefetched,
}

/// A row's required column, or the decode error a missing one is.
fn required<T>(value: Option<T>, column: &str) -> Result<T, sqlx::Error> {
    value.ok_or_else(|| sqlx::Error::ColumnNotFound(format!("context row without {column}")))
}

fn role(stored: Option<String>) -> Result<Role, sqlx::Error> {
    let stored = required(stored, "role")?;
    Role::parse(&stored).ok_or_else(|| sqlx::Error::Decode(format!("unknown role {stored}").into()))
}

fn member_workspace(row: ContextRow) -> Result<MemberWorkspace, sqlx::Error> {
    Ok(MemberWorkspace {
        id: required(row.n1, "id")?,
        slug: required(row.s1, "slug")?,
        name: required(row.s2, "name")?,
        role: role(row.s3)?,
    })
}

/// Resolves `credential` (none: anonymous, no query) with `target` in its scope and, when
/// `frame` is set, the page frame's data (the switcher's first [`super::SWITCHER_LIMIT`] tenants
/// and one more).
/// Session idle expiry and the once-a-minute touch of sessions and tokens follow the rules of
/// [`auth::sessions`] and [`auth::tokens`].
pub async fn resolve(
    db: &Db,
    credential: Option<Credential<'_>>,
    target: &Target,
    frame: bool,
    now: DateTime<Utc>,
    sessions: &SessionConfig,
) -> Result<Resolved, sqlx::Error> {
    let (caller, hash) = match credential {
        None => return Ok(Resolved::default()),
        Some(Credential::Session(token)) => (CallerKind::Session, auth::token_hash(token)),
        Some(Credential::Token(token)) if auth::tokens::plausible(token) => {
            (CallerKind::Token, auth::token_hash(token))
        }
        Some(Credential::Token(_)) => return Ok(Resolved::default()),
    };
    let rows = repo::load(db, caller, &hash, target.key(), frame, now).await?;
    let mut identity = None;
    let mut seen_at = None;
    let mut prefetched = Prefetched {
        tenant: match target {
            Target::Tenant(key) => Some((key.clone(), None)),
            _ => None,
        },
        workspace: match target {
            Target::Workspace(key) => Some((key.clone(), None)),
            _ => None,
        },
        frame: frame.then(Frame::default),
    };
    let mut raw_pauses = Vec::new();
    for row in rows {
        match row.kind {
            kind::CALLER => {
                let user = User {
                    id: required(row.n1, "user id")?,
                    email: required(row.s1, "email")?,
                    display_name: required(row.s2, "display name")?,
                    is_platform: row.flag.unwrap_or(false),
                    locale: row.s3,
                    created_at: required(row.at2, "created at")?,
                };
                let via = match caller {
                    CallerKind::Session => Via::Session {
                        token_hash: hash.clone(),
                        csrf_token: required(row.s4, "csrf token")?,
                    },
                    CallerKind::Token => Via::Token {
                        token_id: required(row.n2, "token id")?,
                    },
                };
                if let Some(f) = prefetched.frame.as_mut() {
                    f.page_workspace_id = row.n3;
                }
                seen_at = row.at1;
                identity = Some(Identity { user, via });
            }
            kind::WORKSPACE => {
                if let Some(f) = prefetched.frame.as_mut() {
                    f.workspaces.push(member_workspace(row)?);
                }
            }
            kind::TARGET_WORKSPACE => {
                if let Some((_, found)) = prefetched.workspace.as_mut() {
                    *found = Some(member_workspace(row)?);
                }
            }
            kind::TENANT => {
                if let Some((_, found)) = prefetched.tenant.as_mut() {
                    *found = Some(ScopedTenant {
                        id: required(row.n1, "id")?,
                        workspace_id: required(row.n2, "workspace id")?,
                        external_id: required(row.s1, "external id")?,
                        name: required(row.s2, "name")?,
                        created_at: required(row.at1, "created at")?,
                        workspace_slug: required(row.s4, "workspace slug")?,
                        workspace_name: required(row.s5, "workspace name")?,
                        role: role(row.s3)?,
                    });
                }
            }
            kind::SWITCHER => {
                if let Some(f) = prefetched.frame.as_mut() {
                    f.switcher.push(Tenant {
                        id: required(row.n1, "id")?,
                        workspace_id: required(row.n2, "workspace id")?,
                        external_id: required(row.s1, "external id")?,
                        name: required(row.s2, "name")?,
                        created_at: required(row.at1, "created at")?,
                    });
                }
            }
            kind::PAUSE => raw_pauses.push(ActivePause {
                workspace_id: row.n1,
                control_key: required(row.s1, "control")?,
                scope_key: required(row.s2, "scope")?,
                workspace_slug: row.s3,
                workspace_name: row.s4,
                reason: required(row.s5, "reason")?,
                paused_by_label: required(row.s6, "paused by")?,
                paused_at: required(row.at1, "paused at")?,
                expires_at: row.at2,
            }),
            other => {
                return Err(sqlx::Error::Decode(
                    format!("unknown context row kind {other}").into(),
                ));
            }
        }
    }
    if let Some(f) = prefetched.frame.as_mut() {
        f.pauses = system::first_per_control(raw_pauses);
    }
    let live = match (&identity, seen_at) {
        (None, _) => false,
        (Some(i), seen) => match &i.via {
            Via::Session { token_hash, .. } => {
                let seen = required(seen, "last seen")?;
                auth::sessions::keep_alive(db, token_hash, seen, now, sessions).await?
            }
            Via::Token { token_id } => {
                auth::tokens::keep_fresh(db, *token_id, seen, now).await?;
                true
            }
        },
    };
    if !live {
        return Ok(Resolved::default());
    }
    Ok(Resolved {
        identity,
        prefetched,
    })
}

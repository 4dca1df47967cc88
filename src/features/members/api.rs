//! `/api/v1/workspaces/{workspace}/members` and `…/invitations`: the members page as JSON,
//! plus adding an existing account directly (`POST …/members`).
//! Same rules as the page: the workspace outside the caller's memberships is 404, and every
//! route needs `workspace.manage` (owners), else 403.

use super::model::{EntitledTenant, InvitationState, InvitationWithTenants, MemberWithTenants};
use super::service::{self, InvitationInput, Inviter, MemberChange};
use crate::{
    access::{Capability, Role, WorkspaceScope},
    api::{ApiJson, problem},
    error::{AppError, AppResult, Invalid},
    features::workspaces::model::TenantSelection,
    state::AppState,
    web::context::RequestContext,
};
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// A member of the workspace.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    /// Membership id, for `PATCH`/`DELETE …/members/{id}`.
    pub id: i64,
    /// Sign-in address.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Role in the workspace.
    pub role: Role,
    /// Sees every tenant, including ones created later.
    pub all_tenants: bool,
    /// Entitled tenants' external ids (empty when `all_tenants`).
    pub tenants: Vec<String>,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
    /// Their last sign-in; null = not since the record was kept.
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

fn external_ids(tenants: &[EntitledTenant]) -> Vec<String> {
    tenants.iter().map(|t| t.external_id.clone()).collect()
}

impl From<MemberWithTenants> for MemberView {
    fn from(m: MemberWithTenants) -> Self {
        MemberView {
            tenants: external_ids(&m.tenants),
            id: m.member.id,
            email: m.member.email,
            display_name: m.member.display_name,
            role: m.member.role,
            all_tenants: m.member.all_tenants,
            joined_at: m.member.created_at,
            last_sign_in_at: m.member.last_sign_in_at,
        }
    }
}

/// An invitation (never its link, which is shown once when it is created or resent).
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    /// Id, for `DELETE …/invitations/{id}` and `POST …/invitations/{id}/resend`.
    pub id: i64,
    /// Invited address.
    pub email: String,
    /// Role the invitee gets.
    pub role: Role,
    /// The invitee sees every tenant.
    pub all_tenants: bool,
    /// Entitled tenants' external ids (empty when `all_tenants`).
    pub tenants: Vec<String>,
    /// Pending, or expired (accepted and revoked ones are not listed).
    pub state: InvitationState,
    /// Who invited.
    pub invited_by: String,
    /// Created or last resent.
    pub created_at: DateTime<Utc>,
    /// Refused after this.
    pub expires_at: DateTime<Utc>,
}

impl InvitationView {
    fn of(i: InvitationWithTenants, now: DateTime<Utc>) -> Self {
        InvitationView {
            tenants: external_ids(&i.tenants),
            state: i.invitation.state(now),
            id: i.invitation.id,
            email: i.invitation.email,
            role: i.invitation.role,
            all_tenants: i.invitation.all_tenants,
            invited_by: i.invitation.invited_by_label,
            created_at: i.invitation.created_at,
            expires_at: i.invitation.expires_at,
        }
    }
}

/// The workspace's members.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberList {
    /// By display name.
    pub items: Vec<MemberView>,
}

/// The workspace's open invitations.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationList {
    /// Newest first; expired ones included until revoked or resent.
    pub items: Vec<InvitationView>,
}

/// Which tenants: `all_tenants: true`, or a non-empty `tenants` list of external ids of this
/// workspace — exactly one of the two.
fn selection(
    all_tenants: Option<bool>,
    tenants: Option<Vec<String>>,
) -> AppResult<Option<TenantSelection>> {
    match (all_tenants, tenants) {
        (Some(true), None) => Ok(Some(TenantSelection::All)),
        (Some(false) | None, Some(ids)) => Ok(Some(TenantSelection::Only(ids))),
        (None, None) => Ok(None),
        (Some(false), None) | (Some(true), Some(_)) => Err(AppError::Validation(vec![Invalid {
            field: "tenants",
            key: "validation-entitlement-choice",
        }])),
    }
}

/// A new invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitationBody {
    /// Address to invite.
    #[schema(max_length = 254)]
    pub email: String,
    /// Role the invitee gets.
    pub role: Role,
    /// True: every tenant. Give either this or `tenants`.
    #[serde(default)]
    pub all_tenants: Option<bool>,
    /// External ids of the tenants the invitee may see.
    #[serde(default)]
    pub tenants: Option<Vec<String>>,
}

/// A new or resent invitation: `link` is returned this once and cannot be read again.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedInvitationView {
    /// The single-use acceptance link to send to the invitee.
    pub link: String,
    /// Whether it was also sent by e-mail.
    pub mailed: bool,
    /// What is stored.
    pub invitation: InvitationView,
}

/// A change of a member; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    /// New role.
    #[serde(default)]
    pub role: Option<Role>,
    /// True: every tenant.
    #[serde(default)]
    pub all_tenants: Option<bool>,
    /// External ids of the tenants the member may see.
    #[serde(default)]
    pub tenants: Option<Vec<String>>,
}

fn manage(scope: &WorkspaceScope) -> AppResult<()> {
    scope.require(Capability::WorkspaceManage)
}

/// Lists the workspace's members.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/members", operation_id = "list_members", tag = "members",
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 200, description = "Members", body = MemberList), problem::Common, problem::InScope, problem::Capability),
    security(("bearer" = [])))]
pub async fn list_members(
    State(state): State<AppState>,
    scope: WorkspaceScope,
) -> AppResult<Json<MemberList>> {
    manage(&scope)?;
    let overview = service::overview(&state.db, scope.workspace.id).await?;
    Ok(Json(MemberList {
        items: overview.members.into_iter().map(MemberView::from).collect(),
    }))
}

/// An existing account to add as a member at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemberBody {
    /// Sign-in address of an existing account (anyone else: create an invitation).
    #[schema(max_length = 254)]
    pub email: String,
    /// Role the member gets.
    pub role: Role,
    /// True: every tenant. Give either this or `tenants`.
    #[serde(default)]
    pub all_tenants: Option<bool>,
    /// External ids of the tenants the member may see.
    #[serde(default)]
    pub tenants: Option<Vec<String>>,
}

/// Adds an existing account as a member at once (the counterpart of inviting for someone who
/// already signs in here). An address without an account is a `422` on `email` that says to
/// create an invitation (`POST …/invitations`) instead; so are a platform operator's address
/// and an existing member's (change that one with `PATCH …/members/{id}`).
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/members", operation_id = "add_member", tag = "members",
    params(("workspace" = String, Path, description = "Workspace slug")),
    request_body = NewMemberBody,
    responses((status = 201, description = "The new member", body = MemberView),
        problem::Common, problem::InScope, problem::Capability, problem::Body),
    security(("bearer" = [])))]
pub async fn add_member(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    ApiJson(body): ApiJson<NewMemberBody>,
) -> AppResult<(StatusCode, Json<MemberView>)> {
    manage(&scope)?;
    let selection = selection(body.all_tenants, body.tenants)?.ok_or_else(entitlement_required)?;
    let id = service::add_existing(
        &state.db,
        &ctx.audit(),
        state.now(),
        scope.workspace.id,
        &body.email,
        body.role,
        &selection,
    )
    .await?;
    let member = service::overview(&state.db, scope.workspace.id)
        .await?
        .members
        .into_iter()
        .find(|m| m.member.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(MemberView::from(member))))
}

/// A body field names no tenant entitlement at all.
fn entitlement_required() -> AppError {
    AppError::Validation(vec![Invalid {
        field: "tenants",
        key: "validation-entitlement-choice",
    }])
}

/// Invites someone by e-mail; the answer carries the link once (and `no-store`).
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/invitations", operation_id = "create_invitation", tag = "members",
    params(("workspace" = String, Path, description = "Workspace slug")),
    request_body = NewInvitationBody,
    responses((status = 201, description = "The invitation with its link, shown this once", body = IssuedInvitationView),
        problem::Common, problem::InScope, problem::Capability, problem::Body),
    security(("bearer" = [])))]
pub async fn create_invitation(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    ApiJson(body): ApiJson<NewInvitationBody>,
) -> AppResult<(
    StatusCode,
    [(header::HeaderName, HeaderValue); 1],
    Json<IssuedInvitationView>,
)> {
    manage(&scope)?;
    let selection = selection(body.all_tenants, body.tenants)?.ok_or_else(entitlement_required)?;
    let user = &scope.identity.user;
    let now = state.now();
    let issued = service::invite(
        &state.db,
        &ctx.audit(),
        now,
        &state.config,
        scope.workspace.id,
        &Inviter {
            user_id: Some(user.id),
            label: &user.email,
            locale: ctx.locale,
        },
        &InvitationInput {
            email: &body.email,
            role: body.role,
            selection,
        },
    )
    .await?;
    issued_response(&state, scope.workspace.id, issued, now).await
}

async fn issued_response(
    state: &AppState,
    workspace_id: i64,
    issued: super::model::IssuedInvitation,
    now: DateTime<Utc>,
) -> AppResult<(
    StatusCode,
    [(header::HeaderName, HeaderValue); 1],
    Json<IssuedInvitationView>,
)> {
    let tenants = service::overview(&state.db, workspace_id)
        .await?
        .invitations
        .into_iter()
        .find(|i| i.invitation.id == issued.invitation.id)
        .map(|i| i.tenants)
        .unwrap_or_default();
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(IssuedInvitationView {
            link: issued.link,
            mailed: issued.mailed,
            invitation: InvitationView::of(
                InvitationWithTenants {
                    invitation: issued.invitation,
                    tenants,
                },
                now,
            ),
        }),
    ))
}

/// Lists the workspace's open invitations.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/invitations", operation_id = "list_invitations", tag = "members",
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 200, description = "Open invitations", body = InvitationList), problem::Common, problem::InScope, problem::Capability),
    security(("bearer" = [])))]
pub async fn list_invitations(
    State(state): State<AppState>,
    scope: WorkspaceScope,
) -> AppResult<Json<InvitationList>> {
    manage(&scope)?;
    let now = state.now();
    let overview = service::overview(&state.db, scope.workspace.id).await?;
    Ok(Json(InvitationList {
        items: overview
            .invitations
            .into_iter()
            .map(|i| InvitationView::of(i, now))
            .collect(),
    }))
}

/// An id in a path that is not a positive number names nothing: 404, like an unknown one.
fn path_id(raw: &str) -> AppResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

/// Revokes an open invitation: its link stops working.
#[utoipa::path(delete, path = "/api/v1/workspaces/{workspace}/invitations/{id}", operation_id = "revoke_invitation", tag = "members",
    params(("workspace" = String, Path, description = "Workspace slug"), ("id" = i64, Path, description = "Invitation id")),
    responses((status = 204, description = "Revoked"), problem::Common, problem::InScope, problem::Capability, problem::Conflict),
    security(("bearer" = [])))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    manage(&scope)?;
    let id = path_id(&id)?;
    service::revoke(&state.db, &ctx.audit(), state.now(), scope.workspace.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives an open invitation a new link and expiry; the old link stops working.
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/invitations/{id}/resend", operation_id = "resend_invitation", tag = "members",
    params(("workspace" = String, Path, description = "Workspace slug"), ("id" = i64, Path, description = "Invitation id")),
    responses((status = 201, description = "The invitation with its new link, shown this once", body = IssuedInvitationView),
        problem::Common, problem::InScope, problem::Capability, problem::Conflict),
    security(("bearer" = [])))]
pub async fn resend_invitation(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<(
    StatusCode,
    [(header::HeaderName, HeaderValue); 1],
    Json<IssuedInvitationView>,
)> {
    manage(&scope)?;
    let id = path_id(&id)?;
    let now = state.now();
    let issued = service::resend(
        &state.db,
        &ctx.audit(),
        now,
        &state.config,
        scope.workspace.id,
        id,
    )
    .await?;
    issued_response(&state, scope.workspace.id, issued, now).await
}

/// Changes a member's role or tenant entitlement; the change applies on their next request.
#[utoipa::path(patch, path = "/api/v1/workspaces/{workspace}/members/{id}", operation_id = "update_member", tag = "members",
    params(("workspace" = String, Path, description = "Workspace slug"), ("id" = i64, Path, description = "Membership id")),
    request_body = MemberPatch,
    responses((status = 200, description = "The member as changed", body = MemberView),
        problem::Common, problem::InScope, problem::Capability, problem::Body),
    security(("bearer" = [])))]
pub async fn update_member(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<MemberPatch>,
) -> AppResult<Json<MemberView>> {
    manage(&scope)?;
    let id = path_id(&id)?;
    let change = MemberChange {
        role: body.role,
        selection: selection(body.all_tenants, body.tenants)?,
    };
    service::change(
        &state.db,
        &ctx.audit(),
        state.now(),
        scope.workspace.id,
        id,
        &change,
    )
    .await?;
    let member = service::overview(&state.db, scope.workspace.id)
        .await?
        .members
        .into_iter()
        .find(|m| m.member.id == id)
        .ok_or(AppError::NotFound)?;
    Ok(Json(MemberView::from(member)))
}

/// Removes a member from the workspace; the last owner cannot be removed (409).
#[utoipa::path(delete, path = "/api/v1/workspaces/{workspace}/members/{id}", operation_id = "remove_member", tag = "members",
    params(("workspace" = String, Path, description = "Workspace slug"), ("id" = i64, Path, description = "Membership id")),
    responses((status = 204, description = "Removed"), problem::Common, problem::InScope, problem::Capability, problem::Conflict),
    security(("bearer" = [])))]
pub async fn remove_member(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    manage(&scope)?;
    let id = path_id(&id)?;
    service::remove(&state.db, &ctx.audit(), state.now(), scope.workspace.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The members and invitations routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members, add_member))
        .routes(routes!(list_invitations, create_invitation))
        .routes(routes!(revoke_invitation))
        .routes(routes!(resend_invitation))
        .routes(routes!(update_member, remove_member))
}

//! Scope extractors. Each resolves the path's workspace or tenant *for the caller* in one query;
//! anything the caller may not see is `404` with the same body as something that does not exist.
//! Capability checks come after, inside scope, and answer `403`.

use super::{Capability, Role};
use crate::{
    auth::Identity,
    error::AppError,
    features::{tenants::model::ScopedTenant, workspaces::model::MemberWorkspace},
    state::AppState,
    web::context::{CurrentUser, Plane, RequestContext},
};
use axum::{
    extract::{FromRequestParts, RawPathParams},
    http::request::Parts,
};
use std::sync::Arc;

async fn path_param(parts: &mut Parts, state: &AppState, name: &str) -> Result<String, AppError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| AppError::NotFound)?;
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .ok_or(AppError::NotFound)
}

/// The role of a run row: text there, because unscoped run queries leave it empty.
fn role_of(stored: &str) -> Result<Role, AppError> {
    Role::parse(stored).ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown role {stored}")))
}

/// A tenant the caller may see (path parameter `tenant`), with their role.
#[derive(Debug, Clone)]
pub struct TenantScope {
    /// The caller.
    pub identity: Arc<Identity>,
    /// The tenant and its workspace.
    pub tenant: ScopedTenant,
    /// Caller's role in the tenant's workspace.
    pub role: Role,
}

impl TenantScope {
    /// `403` unless the caller's role grants `cap`.
    pub fn require(&self, cap: Capability) -> Result<(), AppError> {
        require(self.role, cap)
    }
}

/// `403` unless `role` grants `cap`.
pub fn require(role: Role, cap: Capability) -> Result<(), AppError> {
    if role.can(cap) {
        Ok(())
    } else {
        Err(AppError::Forbidden(cap.as_str()))
    }
}

impl FromRequestParts<AppState> for TenantScope {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let CurrentUser(identity) = CurrentUser::from_request_parts(parts, state).await?;
        let external_id = path_param(parts, state, "tenant").await?;
        let tenant =
            crate::features::tenants::repo::find_scoped(&state.db, identity.user.id, &external_id)
                .await?
                .ok_or(AppError::NotFound)?;
        let role = tenant.role;
        Ok(TenantScope {
            identity,
            tenant,
            role,
        })
    }
}

/// A workspace the caller belongs to (path parameter `workspace`), with their role.
#[derive(Debug, Clone)]
pub struct WorkspaceScope {
    /// The caller.
    pub identity: Arc<Identity>,
    /// The workspace.
    pub workspace: MemberWorkspace,
    /// Caller's role there.
    pub role: Role,
}

impl WorkspaceScope {
    /// `403` unless the caller's role grants `cap`.
    pub fn require(&self, cap: Capability) -> Result<(), AppError> {
        require(self.role, cap)
    }
}

impl FromRequestParts<AppState> for WorkspaceScope {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let CurrentUser(identity) = CurrentUser::from_request_parts(parts, state).await?;
        let slug = path_param(parts, state, "workspace").await?;
        let workspace =
            crate::features::workspaces::repo::find_for_user(&state.db, identity.user.id, &slug)
                .await?
                .ok_or(AppError::NotFound)?;
        let role = workspace.role;
        Ok(WorkspaceScope {
            identity,
            workspace,
            role,
        })
    }
}

/// A platform operator; everyone else gets `404` (the system plane does not exist for them),
/// anonymous browsers included: a login redirect would show that the plane exists. Platform
/// users sign in at `/login` like everyone. An API call without a token stays `401`.
#[derive(Debug, Clone)]
pub struct PlatformUser(pub Arc<Identity>);

impl FromRequestParts<AppState> for PlatformUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ctx = RequestContext::from_request_parts(parts, state).await?;
        match ctx.identity {
            Some(identity) if identity.user.is_platform => Ok(PlatformUser(identity)),
            None if ctx.plane == Plane::Api => Err(AppError::Unauthenticated),
            _ => Err(AppError::NotFound),
        }
    }
}

/// An operation run whose tenant the caller may see (path parameter `run`), with their role.
/// Runs of tenants outside scope, and ids that are not numbers, are `404`.
#[derive(Debug, Clone)]
pub struct RunScope {
    /// The caller.
    pub identity: Arc<Identity>,
    /// The run and its tenant.
    pub run: crate::features::operations::model::RunWithTenant,
    /// Caller's role in the run's workspace.
    pub role: Role,
}

impl RunScope {
    /// `403` unless the caller's role grants `cap`.
    pub fn require(&self, cap: Capability) -> Result<(), AppError> {
        require(self.role, cap)
    }
}

impl FromRequestParts<AppState> for RunScope {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let CurrentUser(identity) = CurrentUser::from_request_parts(parts, state).await?;
        let run_id: i64 = path_param(parts, state, "run")
            .await?
            .parse()
            .map_err(|_| AppError::NotFound)?;
        let run =
            crate::features::operations::repo::find_scoped(&state.db, identity.user.id, run_id)
                .await?
                .ok_or(AppError::NotFound)?;
        let role = role_of(&run.role)?;
        Ok(RunScope {
            identity,
            run,
            role,
        })
    }
}

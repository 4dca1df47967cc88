//! Scopes. Each resolves the path's workspace or tenant *for the caller* in one query;
//! anything the caller may not see is `404` with the same body as something that does not exist.
//! Capability checks come after, inside scope, and answer `403`. The axum extractors that read
//! the path and the caller live in `web/scope.rs`.

use super::{Capability, Role};
use crate::{
    auth::Identity,
    error::AppError,
    features::{tenants::model::ScopedTenant, workspaces::model::MemberWorkspace},
    state::AppState,
};
use std::sync::Arc;

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

impl TenantScope {
    /// The tenant with external id `external_id`, if `identity` may see it; else `404`.
    pub async fn resolve(
        state: &AppState,
        identity: Arc<Identity>,
        external_id: &str,
    ) -> Result<Self, AppError> {
        let tenant = crate::features::tenants::service::find_scoped(
            &state.db,
            identity.user.id,
            external_id,
        )
        .await?;
        TenantScope::of(identity, tenant)
    }

    /// The scope of a tenant already looked up for `identity` (`None`: not visible, `404`).
    pub fn of(identity: Arc<Identity>, tenant: Option<ScopedTenant>) -> Result<Self, AppError> {
        let tenant = tenant.ok_or(AppError::NotFound)?;
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

impl WorkspaceScope {
    /// The workspace `slug`, if `identity` belongs to it; else `404`.
    pub async fn resolve(
        state: &AppState,
        identity: Arc<Identity>,
        slug: &str,
    ) -> Result<Self, AppError> {
        let workspace =
            crate::features::workspaces::service::find_for_user(&state.db, identity.user.id, slug)
                .await?;
        WorkspaceScope::of(identity, workspace)
    }

    /// The scope of a workspace already looked up for `identity` (`None`: not a member, `404`).
    pub fn of(
        identity: Arc<Identity>,
        workspace: Option<MemberWorkspace>,
    ) -> Result<Self, AppError> {
        let workspace = workspace.ok_or(AppError::NotFound)?;
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

impl PlatformUser {
    /// A platform operator from the request's identity: anonymous API callers are `401`,
    /// everyone else who is not a platform user `404`.
    pub fn resolve(identity: Option<Arc<Identity>>, is_api: bool) -> Result<Self, AppError> {
        match identity {
            Some(identity) if identity.user.is_platform => Ok(PlatformUser(identity)),
            None if is_api => Err(AppError::Unauthenticated),
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

impl RunScope {
    /// The run `run_id`, if `identity` may see its tenant; else `404`.
    pub async fn resolve(
        state: &AppState,
        identity: Arc<Identity>,
        run_id: i64,
    ) -> Result<Self, AppError> {
        let run =
            crate::features::operations::service::find_scoped(&state.db, identity.user.id, run_id)
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

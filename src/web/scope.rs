//! Axum extractors for the scopes of [`crate::access::scope`]: they read the caller from the
//! request context and the id from the path, and leave the rule (`404` outside scope) to the
//! scope's `resolve`.

use super::context::{CurrentUser, Plane, RequestContext};
use crate::{
    access::{PlatformUser, RunScope, TenantScope, WorkspaceScope},
    error::AppError,
    state::AppState,
};
use axum::{
    extract::{FromRequestParts, RawPathParams},
    http::request::Parts,
};

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

impl FromRequestParts<AppState> for TenantScope {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ctx = RequestContext::from_request_parts(parts, state).await?;
        let identity = ctx.identity.ok_or(AppError::Unauthenticated)?;
        let external_id = path_param(parts, state, "tenant").await?;
        match ctx.prefetched.tenant(&external_id) {
            Some(found) => TenantScope::of(identity, found.cloned()),
            None => TenantScope::resolve(state, identity, &external_id).await,
        }
    }
}

impl FromRequestParts<AppState> for WorkspaceScope {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ctx = RequestContext::from_request_parts(parts, state).await?;
        let identity = ctx.identity.ok_or(AppError::Unauthenticated)?;
        let slug = path_param(parts, state, "workspace").await?;
        match ctx.prefetched.workspace(&slug) {
            Some(found) => WorkspaceScope::of(identity, found.cloned()),
            None => WorkspaceScope::resolve(state, identity, &slug).await,
        }
    }
}

impl FromRequestParts<AppState> for PlatformUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ctx = RequestContext::from_request_parts(parts, state).await?;
        PlatformUser::resolve(ctx.identity, ctx.plane == Plane::Api)
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
        RunScope::resolve(state, identity, run_id).await
    }
}

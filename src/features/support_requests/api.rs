//! Support request API (being built).
use crate::error::AppResult;
use axum::response::Response;
/// Stub.
pub async fn tenant_submit() -> AppResult<Response> { Err(crate::error::AppError::NotFound) }
/// Stub.
pub async fn run_submit() -> AppResult<Response> { Err(crate::error::AppError::NotFound) }
/// Stub.
pub async fn tenant_latest() -> AppResult<Response> { Err(crate::error::AppError::NotFound) }
/// Stub.
pub async fn run_latest() -> AppResult<Response> { Err(crate::error::AppError::NotFound) }

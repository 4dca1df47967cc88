//! Support request forms (being built).
use crate::error::AppResult;
use axum::response::Response;
/// Stub.
pub async fn tenant_form() -> AppResult<Response> { Err(crate::error::AppError::NotFound) }
/// Stub.
pub async fn tenant_submit() -> AppResult<Response> { Err(crate::error::AppError::NotFound) }
/// Stub.
pub async fn run_form() -> AppResult<Response> { Err(crate::error::AppError::NotFound) }
/// Stub.
pub async fn run_submit() -> AppResult<Response> { Err(crate::error::AppError::NotFound) }

//! System support-desk page (being built).
use crate::error::AppResult;
use axum::response::Response;
/// Stub.
pub async fn page() -> AppResult<Response> { Err(crate::error::AppError::NotFound) }
/// Stub.
pub async fn send_test_ticket() -> AppResult<Response> { Err(crate::error::AppError::NotFound) }

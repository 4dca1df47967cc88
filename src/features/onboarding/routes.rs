//! Wizard pages (placeholder until the wizard lands).

use crate::error::{AppError, AppResult};
use axum::response::Response;

/// `GET /admin/onboarding`.
pub async fn index() -> AppResult<Response> {
    Err(AppError::NotFound)
}

/// `POST /admin/onboarding`.
pub async fn create() -> AppResult<Response> {
    Err(AppError::NotFound)
}

/// `GET /admin/onboarding/{draft}`.
pub async fn show() -> AppResult<Response> {
    Err(AppError::NotFound)
}

/// `POST /admin/onboarding/{draft}`.
pub async fn update() -> AppResult<Response> {
    Err(AppError::NotFound)
}

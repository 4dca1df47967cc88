//! `GET /api/v1/system/telemetry/summary` (being built).

use crate::{access::PlatformUser, error::AppResult};
use axum::response::Response;

/// The telemetry summary for a window; platform tokens only.
pub async fn summary(_platform: PlatformUser) -> AppResult<Response> {
    Err(crate::error::AppError::NotFound)
}

//! `GET /system`.

use crate::{
    access::PlatformUser,
    error::AppResult,
    state::AppState,
    web::{context::RequestContext, html, shell::Shell},
};
use askama::Template;
use axum::{extract::State, response::Response};

#[derive(Template)]
#[template(path = "system.html")]
struct SystemPage {
    shell: Shell,
    totals: super::repo::Totals,
}

/// The system overview; `404` for anyone but platform users.
pub async fn overview(
    State(state): State<AppState>,
    ctx: RequestContext,
    _platform: PlatformUser,
) -> AppResult<Response> {
    let totals = super::repo::totals(&state.db).await?;
    Ok(html(&SystemPage {
        shell: Shell::system(&ctx, "overview"),
        totals,
    }))
}

/// `GET /system/controls` (being built).
pub async fn controls(_platform: PlatformUser) -> AppResult<Response> {
    Err(crate::error::AppError::NotFound)
}

/// `POST /system/controls/{control}` (being built).
pub async fn update_control(_platform: PlatformUser) -> AppResult<Response> {
    Err(crate::error::AppError::NotFound)
}

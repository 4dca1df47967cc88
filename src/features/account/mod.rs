//! The caller's own profile: display name and language, in the browser and as `/api/v1/me`.

pub mod api;
pub mod routes;
pub mod tokens_api;
pub mod views;

use crate::state::AppState;
use crate::web::routing::Routes;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The account pages.
pub fn routes() -> Routes {
    Routes::new()
        .get("/account", routes::page)
        .post("/account", routes::save)
        .post("/account/tokens", routes::create_token)
        .get("/account/tokens/{id}/revoke", routes::confirm_revoke)
        .post("/account/tokens/{id}/revoke", routes::revoke_token)
}

/// `/api/v1/me` and the caller's tokens.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::get, api::patch))
        .routes(routes!(tokens_api::list, tokens_api::create))
        .routes(routes!(tokens_api::revoke))
}

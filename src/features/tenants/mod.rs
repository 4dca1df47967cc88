//! Managed customer tenants: creation, the workspace tenant list and the tenant dashboard.

pub mod api;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;

use crate::state::AppState;
use crate::web::routing::Routes;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The admin start page, the workspace home and the tenant dashboard.
pub fn routes() -> Routes {
    Routes::new()
        .get("/admin", routes::admin_home)
        .get("/admin/w/{workspace}", routes::workspace_home)
        .get("/admin/t/{tenant}", routes::dashboard)
}

/// The tenant list and one tenant.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list))
        .routes(routes!(api::get))
}

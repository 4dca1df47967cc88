//! Operation runs: model, executor, pages and API.

pub mod api;
pub mod model;
pub mod repo;
pub mod routes;
pub mod runner;
pub mod service;
pub mod views;

use crate::state::AppState;
use crate::web::routing::Routes;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Starting a run from the tenant dashboard, the run list and the run viewer.
pub fn routes() -> Routes {
    Routes::new()
        .post("/admin/t/{tenant}/operations", routes::start)
        .get("/admin/operations", routes::list)
        .get("/admin/operations/{run}", routes::show)
}

/// A tenant's runs, starting one, and one run.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list, api::start))
        .routes(routes!(api::get))
}

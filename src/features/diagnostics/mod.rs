//! Support diagnostics: a redacted, bounded, machine-readable summary of a tenant or a run that
//! a user opens explicitly (audited) to hand to support.

pub mod api;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;

use crate::state::AppState;
use crate::web::routing::Routes;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Opening and previewing support diagnostics of a tenant or a run.
pub fn routes() -> Routes {
    Routes::new()
        .post("/admin/t/{tenant}/support-diagnostics", routes::open_tenant)
        .get(
            "/admin/t/{tenant}/support-diagnostics/{opening}",
            routes::show_tenant,
        )
        .post(
            "/admin/operations/{run}/support-diagnostics",
            routes::open_run,
        )
        .get(
            "/admin/operations/{run}/support-diagnostics/{opening}",
            routes::show_run,
        )
}

/// Support diagnostics of a tenant or a run.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::tenant))
        .routes(routes!(api::run))
}

//! Support requests (spec 246) with external support-desk handoff (spec 256): an immutable
//! intake record filed from the tenant dashboard or the run viewer, with its context attached
//! and an optional one-way handoff to the one configured desk.

pub mod api;
pub mod bench;
pub mod desk_console_routes;
pub mod handoff;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;

use crate::state::AppState;
use crate::web::routing::Routes;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Filing a support request from a tenant or a run, and the system plane's desk console.
pub fn routes() -> Routes {
    Routes::new()
        .get(
            "/admin/t/{tenant}/support-requests/new",
            routes::tenant_form,
        )
        .post("/admin/t/{tenant}/support-requests", routes::tenant_submit)
        .get(
            "/admin/operations/{run}/support-requests/new",
            routes::run_form,
        )
        .post(
            "/admin/operations/{run}/support-requests",
            routes::run_submit,
        )
        .get("/system/support-desk", desk_console_routes::page)
        .post(
            "/system/support-desk/test-ticket",
            desk_console_routes::send_test_ticket,
        )
}

/// Filing a support request and reading the latest one, for a tenant or a run.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::tenant_submit))
        .routes(routes!(api::tenant_latest))
        .routes(routes!(api::run_submit))
        .routes(routes!(api::run_latest))
}

//! Stored reports (permission posture, Entra admin roles) and review packs.

pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;

use crate::web::routing::Routes;

/// A tenant's stored reports and review pack downloads.
pub fn routes() -> Routes {
    Routes::new()
        .get("/admin/t/{tenant}/reports", routes::index)
        .get("/admin/t/{tenant}/reports/{report}", routes::show)
        .get("/admin/t/{tenant}/review-packs/{pack}", routes::download)
}

//! Managed customer tenants: creation, the workspace tenant list and the tenant dashboard.

pub mod api;
pub mod fleet;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;

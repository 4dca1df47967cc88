//! Support requests (spec 246) with external support-desk handoff (spec 256): an immutable
//! intake record filed from the tenant dashboard or the run viewer, with its context attached
//! and an optional one-way handoff to the one configured desk.

pub mod api;
pub mod desk_console_routes;
pub mod handoff;
pub mod history_routes;
pub mod model;
pub mod preview;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;

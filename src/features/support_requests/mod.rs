//! Support requests (spec 246) with external support-desk handoff (spec 256).

pub mod api;
pub mod bench;
pub mod desk_console;
pub mod routes;

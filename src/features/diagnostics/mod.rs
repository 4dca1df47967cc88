//! Support diagnostics: a redacted, bounded, machine-readable summary of a tenant or a run that
//! a user opens explicitly (audited) to hand to support.

pub mod api;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;

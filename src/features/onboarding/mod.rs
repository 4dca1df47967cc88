//! Managed-tenant onboarding wizard: identify → connect → verify → complete.
//!
//! A draft exists before its tenant does: identify stores what the operator typed, connect
//! creates the tenant (when new) together with its provider connection, verify queues a
//! `provider.connection.verify` run and shows a decision-first readiness view, complete seals
//! the draft. Every change is optimistic-concurrency checked against the draft's version.

pub mod model;
pub mod readiness;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;

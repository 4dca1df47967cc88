//! The one integration-test binary. Each module was once its own binary under `tests/`; they
//! now share one compile and one link, and one set of helpers in [`support`] (a fresh migrated
//! database per test, the demo data, a manual clock, request helpers and the few queries many
//! modules need).
//!
//! Run it with `cargo test` (threads in one process) or `cargo nextest run` (one process per
//! test, as CI does). Nothing here relies on being alone in its process: no test installs a
//! global subscriber or sets environment variables of its own process; the tests that need a
//! process of their own (`sigterm`, `platform`'s CLI checks, `api_tokens`' CLI checks) start the
//! real `tenantpilot` binary as a child, and `database_outage` starts its own PostgreSQL
//! cluster in a temporary directory. The Prometheus recorder is process-wide, so `/metrics`
//! assertions check only for what their own requests add, never for absence of other routes.

mod support;

mod access_matrix;
mod api_tokens;
mod audit_log;
mod consent;
mod dashboard;
mod database_outage;
mod db_layer;
mod diagnostics;
mod edges;
mod enum_decode;
mod fleet;
mod german;
mod handoff_finalizer;
mod help;
mod help_actions;
mod identity;
mod jobs;
mod layering;
mod mail;
mod members;
mod microsoft_provider;
mod migrations;
mod onboarding;
mod openapi;
mod operational_controls;
mod operations;
mod pause_banner;
mod platform;
mod problem_bodies;
mod redaction_sinks;
mod request_context;
mod request_tracker_live;
mod run_retry;
mod shutdown;
mod sigterm;
mod support_desk_connectors;
mod support_desk_rt;
mod support_history;
mod support_requests;
mod system_console;
mod system_workspaces;
mod telemetry;

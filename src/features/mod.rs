//! Product capabilities, one folder each (model, repo, service, routes, api).

pub mod account;
pub mod consent;
pub mod diagnostics;
pub mod help;
pub mod members;
pub mod onboarding;
pub mod operations;
pub mod providers;
pub mod reports;
pub mod support_requests;
pub mod system;
pub mod telemetry;
pub mod tenants;
pub mod workspaces;

//! Product capabilities, one folder each (model, repo, service, routes, api).

pub mod account;
pub mod system;
pub mod tenants;
pub mod workspaces;

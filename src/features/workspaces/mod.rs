//! Workspaces (an MSP or a team) and their memberships and tenant entitlements.

pub mod model;
pub mod repo;
pub mod service;

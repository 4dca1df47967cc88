//! Bringing in the team: members of a workspace, their roles and tenant entitlements, and
//! invitations to join (issue 15).

pub mod api;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;

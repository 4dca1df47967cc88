//! Tenant-wide admin consent for real (issue 13, point 3): Microsoft's `adminconsent` round
//! trip, started by button or as a link for the customer's global administrator, answered at
//! `/admin/consent/callback`, recorded on the provider connection, audited, and followed by a
//! verification run. The simulated kind answers through a local consent page.

pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;

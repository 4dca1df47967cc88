//! Stored reports (permission posture, Entra admin roles) and review packs.

pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;

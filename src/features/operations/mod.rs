//! Operation runs: model, executor, pages and API.

pub mod api;
pub mod model;
pub mod repo;
pub mod routes;
pub mod runner;
pub mod service;
pub mod views;

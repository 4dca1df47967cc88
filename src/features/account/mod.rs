//! The caller's own profile: display name and language, in the browser and as `/api/v1/me`.

pub mod api;
pub mod routes;
pub mod tokens_api;
pub mod views;

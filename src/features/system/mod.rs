//! The system plane for platform operators: the console dashboard (product telemetry and the
//! Control Tower over operation runs, in one shared window), the operational controls and the
//! support-desk check.

pub mod chart;
pub mod controls;
pub mod repo;
pub mod routes;
pub mod service;
pub mod tower;
pub mod views;

pub use controls::{ActivePause, ControlKey, first_per_control, in_effect, paused};

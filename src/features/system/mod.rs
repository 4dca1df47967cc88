//! The system plane for platform operators: the console dashboard (telemetry, Control Tower),
//! the operational controls and the support-desk check.

pub mod repo;
pub mod routes;
pub mod window;

//! The system plane for platform operators. Later issues add the telemetry console and the
//! operational controls; this is the entry page and its access rule.

pub mod repo;
pub mod routes;

//! What other features use of telemetry: the recording seams (each a no-op when telemetry is
//! off), the console summary and the event catalog. Everything else here is private to it.

pub use super::recorder::{TenantRef, seams};
pub use super::{catalog, summary};

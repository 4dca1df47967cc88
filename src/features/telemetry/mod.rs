//! Product usage telemetry (spec 243): a bounded, tenant-owned ledger of a few adoption events,
//! aggregated for platform operators only.

pub mod api;
pub mod bench;
pub mod prune;
pub mod summary;

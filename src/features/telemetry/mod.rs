//! Product usage telemetry (spec 243): a bounded, tenant-owned ledger of a few adoption events,
//! aggregated for platform operators only.
//!
//! * [`catalog`]: the five v1 events, their feature areas, labels and allowed metadata.
//! * [`recorder`]: typed, checked metadata and the one write path, used by the seams inside
//!   the source action's own transaction.
//! * [`summary`]: the aggregate the system console and the API show.
//! * [`prune`]: retention (daily through [`crate::jobs`], or the CLI): whole day partitions
//!   on PostgreSQL ([`partitions`]), bounded batches for the rest and on SQLite.
//!
//! The seams: onboarding checkpoints (`onboarding::service::record_checkpoint`), support
//! diagnostics opens (`diagnostics::service::record_open`), run starts and review pack requests
//! (`operations::service::queue_in` / `start_in_scope`) and stored reports
//! (`operations::runner::finish_at`). Each writes inside the source's own transaction.
//!
//! Demo data: `demo seed` inserts its run history directly (no `operations.started`), but
//! completes it through `finish_at`, so the stored reports of runs a demo user started record
//! `stored_report.created` at their historical completion time (the console then has some
//! history to show); the demo's system runs record nothing.

pub mod api;
pub mod catalog;
pub mod model;
pub mod partitions;
pub mod partitions_repo;
pub mod prune;
pub mod recorder;
pub mod repo;
pub mod service;
pub mod summary;

//! Reads of the audit log for its pages, the API and the desk console (writes go through
//! [`crate::audit::record`] inside the caller's transaction).

pub use super::repo::{AuditFilter, AuditRow, actions, latest_global, list};

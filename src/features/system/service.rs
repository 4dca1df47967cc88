//! The system plane's reads for its pages (the console's figures come from `tower` and
//! `controls`).

pub use super::repo::{
    ControlChange, FailedRun, Offender, Totals, WorkspaceChoice, control_changes, totals,
    workspace_choices,
};

//! Who may see and do what: roles map to capabilities in code, and scope extractors resolve a
//! workspace or tenant for the caller, answering 404 outside scope and 403 for a missing
//! capability inside it.

pub mod roles;
pub mod scope;

pub use roles::{Capability, Role};
pub use scope::{PlatformUser, RunScope, TenantScope, WorkspaceScope};

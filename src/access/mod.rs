//! Who may see and do what: roles map to capabilities in code, and scope extractors resolve a
//! workspace or tenant for the caller, answering 404 outside scope and 403 for a missing
//! capability inside it.

pub mod context;
pub mod repo;
pub mod roles;
pub mod scope;

pub use roles::{Capability, Role};
pub use scope::{PlatformUser, RunScope, TenantScope, WorkspaceScope};

/// Tenants the header switcher lists before it links to the full list.
pub const SWITCHER_LIMIT: i64 = 25;

/// The visibility rule of a tenant `t` for the membership `m` (the caller's in `t`'s
/// workspace): the member sees all tenants or holds an entitlement for this one. Every query
/// that decides whether a tenant exists for the caller applies it.
pub const TENANT_VISIBLE: &str = "(m.all_tenants OR EXISTS (SELECT 1 FROM tenant_entitlements e
    WHERE e.membership_id = m.id AND e.tenant_id = t.id))";

/// Why a disabled action is disabled: `None` when `role` grants `cap`, else the translated
/// reason in words shown beside the disabled button, naming the least role that may do it
/// ("Needs the manager role — ask a workspace owner."), never the capability id.
pub fn missing_capability_reason(
    role: Role,
    cap: Capability,
    t: crate::i18n::Tr,
) -> Option<String> {
    (!role.can(cap)).then(|| t.t(cap.missing_reason_key()))
}

//! The role → capability table of PRODUCT.md, as one list a reader can audit.

use serde::{Deserialize, Serialize};

/// A workspace member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Full control including members and entitlements.
    Owner,
    /// Everything but workspace management.
    Manager,
    /// Day-to-day operations; no diagnostics, reports or audit.
    Operator,
    /// Looks only.
    Readonly,
}

/// Something a role allows; checked inside an already-resolved scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// See tenants.
    TenantsView,
    /// See operation runs.
    OperationsView,
    /// Start operation runs.
    OperationsStart,
    /// Run the onboarding wizard.
    OnboardingManage,
    /// File support requests.
    SupportRequestsCreate,
    /// Open support diagnostics bundles.
    SupportDiagnosticsView,
    /// Create stored reports.
    ReportsCreate,
    /// Generate review packs.
    ReviewPacksCreate,
    /// Read the audit log.
    AuditView,
    /// Manage members and entitlements.
    WorkspaceManage,
}

impl Capability {
    /// Every capability, for tests and documentation.
    pub const ALL: [Capability; 10] = [
        Capability::TenantsView,
        Capability::OperationsView,
        Capability::OperationsStart,
        Capability::OnboardingManage,
        Capability::SupportRequestsCreate,
        Capability::SupportDiagnosticsView,
        Capability::ReportsCreate,
        Capability::ReviewPacksCreate,
        Capability::AuditView,
        Capability::WorkspaceManage,
    ];

    /// Dotted name as PRODUCT.md writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::TenantsView => "tenants.view",
            Capability::OperationsView => "operations.view",
            Capability::OperationsStart => "operations.start",
            Capability::OnboardingManage => "onboarding.manage",
            Capability::SupportRequestsCreate => "support_requests.create",
            Capability::SupportDiagnosticsView => "support_diagnostics.view",
            Capability::ReportsCreate => "reports.create",
            Capability::ReviewPacksCreate => "review_packs.create",
            Capability::AuditView => "audit.view",
            Capability::WorkspaceManage => "workspace.manage",
        }
    }
}

impl Role {
    /// Every role, strongest first.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Manager, Role::Operator, Role::Readonly];

    /// The capabilities this role grants. This is the whole authorization policy.
    pub fn capabilities(self) -> &'static [Capability] {
        use Capability::*;
        match self {
            Role::Owner => &[
                TenantsView,
                OperationsView,
                OperationsStart,
                OnboardingManage,
                SupportRequestsCreate,
                SupportDiagnosticsView,
                ReportsCreate,
                ReviewPacksCreate,
                AuditView,
                WorkspaceManage,
            ],
            Role::Manager => &[
                TenantsView,
                OperationsView,
                OperationsStart,
                OnboardingManage,
                SupportRequestsCreate,
                SupportDiagnosticsView,
                ReportsCreate,
                ReviewPacksCreate,
                AuditView,
            ],
            Role::Operator => &[
                TenantsView,
                OperationsView,
                OperationsStart,
                OnboardingManage,
                SupportRequestsCreate,
            ],
            Role::Readonly => &[TenantsView, OperationsView],
        }
    }

    /// Whether the role grants `cap`.
    pub fn can(self, cap: Capability) -> bool {
        self.capabilities().contains(&cap)
    }

    /// Lowercase name as stored and as the CLI accepts it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Manager => "manager",
            Role::Operator => "operator",
            Role::Readonly => "readonly",
        }
    }

    /// Parses a stored or typed role name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::{Capability::*, Role};

    #[test]
    fn the_table_matches_product_md() {
        let expect = |cap, owner, manager, operator, readonly| {
            assert_eq!(Role::Owner.can(cap), owner, "owner {cap:?}");
            assert_eq!(Role::Manager.can(cap), manager, "manager {cap:?}");
            assert_eq!(Role::Operator.can(cap), operator, "operator {cap:?}");
            assert_eq!(Role::Readonly.can(cap), readonly, "readonly {cap:?}");
        };
        expect(TenantsView, true, true, true, true);
        expect(OperationsView, true, true, true, true);
        expect(OperationsStart, true, true, true, false);
        expect(OnboardingManage, true, true, true, false);
        expect(SupportRequestsCreate, true, true, true, false);
        expect(SupportDiagnosticsView, true, true, false, false);
        expect(ReportsCreate, true, true, false, false);
        expect(ReviewPacksCreate, true, true, false, false);
        expect(AuditView, true, true, false, false);
        expect(WorkspaceManage, true, false, false, false);
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}

//! The role → capability table of PRODUCT.md, as one list a reader can audit.

crate::text_enum!(
    /// A workspace member's role.
    Role [utoipa::ToSchema] {
        /// Full control including members and entitlements.
        Owner = "owner",
        /// Everything but workspace management.
        Manager = "manager",
        /// Day-to-day operations; no diagnostics, reports or audit.
        Operator = "operator",
        /// Looks only.
        Readonly = "readonly",
    }
);

crate::text_enum!(
    /// Something a role allows; checked inside an already-resolved scope.
    Capability {
        /// See tenants.
        TenantsView = "tenants.view",
        /// See operation runs.
        OperationsView = "operations.view",
        /// Start operation runs.
        OperationsStart = "operations.start",
        /// Run the onboarding wizard.
        OnboardingManage = "onboarding.manage",
        /// File support requests.
        SupportRequestsCreate = "support_requests.create",
        /// Open support diagnostics bundles.
        SupportDiagnosticsView = "support_diagnostics.view",
        /// Create stored reports.
        ReportsCreate = "reports.create",
        /// Generate review packs.
        ReviewPacksCreate = "review_packs.create",
        /// Read the audit log.
        AuditView = "audit.view",
        /// Manage members and entitlements.
        WorkspaceManage = "workspace.manage",
    }
);

impl Role {
    /// How far the role reaches: each role grants everything the ones below it grant.
    fn rank(self) -> u8 {
        match self {
            Role::Readonly => 0,
            Role::Operator => 1,
            Role::Manager => 2,
            Role::Owner => 3,
        }
    }

    /// Whether the role grants `cap`.
    pub fn can(self, cap: Capability) -> bool {
        self.rank() >= cap.least_role().rank()
    }

    /// Fluent id of the role's name (`role-owner`, …).
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Owner => "role-owner",
            Role::Manager => "role-manager",
            Role::Operator => "role-operator",
            Role::Readonly => "role-readonly",
        }
    }

    /// The capabilities this role grants, in declaration order.
    pub fn capabilities(self) -> Vec<Capability> {
        Capability::ALL
            .into_iter()
            .filter(|c| self.can(*c))
            .collect()
    }
}

impl Capability {
    /// The least role that grants this capability. This is the whole authorization policy
    /// (the table of PRODUCT.md: roles widen from read-only to owner).
    pub fn least_role(self) -> Role {
        use Capability::*;
        match self {
            TenantsView | OperationsView => Role::Readonly,
            OperationsStart | OnboardingManage | SupportRequestsCreate => Role::Operator,
            SupportDiagnosticsView | ReportsCreate | ReviewPacksCreate | AuditView => Role::Manager,
            WorkspaceManage => Role::Owner,
        }
    }

    /// Fluent id of the words a disabled action shows when a role lacks this capability:
    /// which role it needs and whom to ask.
    pub fn missing_reason_key(self) -> &'static str {
        match self.least_role() {
            Role::Readonly | Role::Operator => "reason-needs-role-operator",
            Role::Manager => "reason-needs-role-manager",
            Role::Owner => "reason-needs-role-owner",
        }
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
    fn missing_capabilities_name_the_least_role() {
        assert_eq!(OperationsStart.least_role(), Role::Operator);
        assert_eq!(ReportsCreate.least_role(), Role::Manager);
        assert_eq!(WorkspaceManage.least_role(), Role::Owner);
        assert_eq!(
            ReviewPacksCreate.missing_reason_key(),
            "reason-needs-role-manager"
        );
        for role in Role::ALL {
            for cap in role.capabilities() {
                assert!(cap.least_role().can(cap));
            }
        }
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}

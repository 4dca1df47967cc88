//! The simulated provider: deterministic answers for each scripted scenario, so demos and tests
//! can put a tenant into any state the Microsoft kind can produce.

use super::model::{
    AccessCheck, AdminRole, HIGH_PRIVILEGE_ROLE_TEMPLATES, Inventory, ProviderFault,
    REQUIRED_PERMISSIONS, SimulatedScenario,
};

/// Permissions the `permissions_missing` scenario withholds.
pub const WITHHELD: [&str; 2] = ["DeviceManagementApps.Read.All", "Policy.Read.All"];

/// A stable number in `lo..hi` derived from the directory id, so each tenant has its own counts.
fn stable(directory_id: &str, salt: u64, lo: i64, hi: i64) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for b in directory_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    lo + (h % (hi - lo) as u64) as i64
}

fn fault(scenario: SimulatedScenario) -> Option<ProviderFault> {
    match scenario {
        SimulatedScenario::ConsentMissing => Some(ProviderFault::AdminConsentRequired(
            "AADSTS65001: The user or administrator has not consented to use the application."
                .into(),
        )),
        SimulatedScenario::Throttled => Some(ProviderFault::Throttled {
            retry_after: Some(30),
        }),
        _ => None,
    }
}

/// Consent, granted permissions and health for `scenario`.
pub fn check_access(scenario: SimulatedScenario) -> Result<AccessCheck, ProviderFault> {
    if let Some(f) = fault(scenario) {
        return Err(f);
    }
    let granted = REQUIRED_PERMISSIONS
        .iter()
        .filter(|p| scenario != SimulatedScenario::PermissionsMissing || !WITHHELD.contains(p))
        .map(|p| p.to_string())
        .collect();
    let healthy = scenario != SimulatedScenario::Unhealthy;
    Ok(AccessCheck {
        granted_permissions: granted,
        graph_healthy: healthy,
        detail: (!healthy).then(|| "Graph answered 503 Service Unavailable.".to_string()),
    })
}

/// Inventory counts for `scenario`.
pub fn inventory(
    scenario: SimulatedScenario,
    directory_id: &str,
) -> Result<Inventory, ProviderFault> {
    if let Some(f) = fault(scenario) {
        return Err(f);
    }
    if scenario == SimulatedScenario::Unhealthy {
        return Err(ProviderFault::Unhealthy(
            "Graph answered 503 Service Unavailable.".into(),
        ));
    }
    Ok(Inventory {
        managed_devices: stable(directory_id, 1, 40, 400),
        configuration_profiles: stable(directory_id, 2, 5, 40),
        // Without the apps permission part of the inventory cannot be read.
        truncated: scenario == SimulatedScenario::PermissionsMissing,
    })
}

/// Directory roles for `scenario`.
pub fn admin_roles(
    scenario: SimulatedScenario,
    directory_id: &str,
) -> Result<Vec<AdminRole>, ProviderFault> {
    if let Some(f) = fault(scenario) {
        return Err(f);
    }
    if scenario == SimulatedScenario::Unhealthy {
        return Err(ProviderFault::Unhealthy(
            "Graph answered 503 Service Unavailable.".into(),
        ));
    }
    let roles = [
        (
            "Global Administrator",
            HIGH_PRIVILEGE_ROLE_TEMPLATES[0],
            1,
            5,
        ),
        (
            "Privileged Role Administrator",
            HIGH_PRIVILEGE_ROLE_TEMPLATES[1],
            0,
            3,
        ),
        (
            "Security Administrator",
            HIGH_PRIVILEGE_ROLE_TEMPLATES[2],
            1,
            4,
        ),
        (
            "Intune Administrator",
            HIGH_PRIVILEGE_ROLE_TEMPLATES[3],
            1,
            6,
        ),
        (
            "Helpdesk Administrator",
            "729827e3-9c14-49f7-bb1b-9608f156bbb8",
            2,
            12,
        ),
        (
            "Global Reader",
            "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
            0,
            8,
        ),
    ];
    Ok(roles
        .iter()
        .enumerate()
        .map(|(i, (name, template, lo, hi))| AdminRole {
            display_name: name.to_string(),
            role_template_id: template.to_string(),
            member_count: stable(directory_id, 10 + i as u64, *lo, *hi),
            high_privilege: HIGH_PRIVILEGE_ROLE_TEMPLATES.contains(template),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenarios_are_deterministic_and_distinct() {
        let healthy = check_access(SimulatedScenario::Healthy).unwrap();
        assert_eq!(
            healthy.granted_permissions.len(),
            REQUIRED_PERMISSIONS.len()
        );
        assert!(healthy.graph_healthy);
        let partial = check_access(SimulatedScenario::PermissionsMissing).unwrap();
        assert_eq!(
            partial.granted_permissions.len(),
            REQUIRED_PERMISSIONS.len() - 2
        );
        assert!(
            !check_access(SimulatedScenario::Unhealthy)
                .unwrap()
                .graph_healthy
        );
        assert!(matches!(
            check_access(SimulatedScenario::ConsentMissing),
            Err(ProviderFault::AdminConsentRequired(_))
        ));
        assert!(matches!(
            inventory(SimulatedScenario::Throttled, "x"),
            Err(ProviderFault::Throttled {
                retry_after: Some(30)
            })
        ));
        assert_eq!(
            inventory(SimulatedScenario::Healthy, "contoso.onmicrosoft.com"),
            inventory(SimulatedScenario::Healthy, "contoso.onmicrosoft.com")
        );
        let roles = admin_roles(SimulatedScenario::Healthy, "a").unwrap();
        assert!(roles.iter().any(|r| r.high_privilege));
        assert!(roles.iter().all(|r| r.member_count >= 0));
    }
}

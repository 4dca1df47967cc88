//! The simulated provider: deterministic answers for each scripted scenario, so demos and tests
//! can put a tenant into any state the Microsoft kind can produce.
//!
//! It also stands in for Microsoft's admin-consent prompt: [`AuthorityRequest`] is what the
//! local page at `{public_url}/simulated-authority/{directory}/v2.0/adminconsent` accepts (only
//! our own callback as `redirect_uri`, so it is no open redirect), and its Accept / Cancel
//! answers are the two queries Microsoft sends back. A consent granted through that flow is
//! recorded on the connection, and [`effective_scenario`] honours it: a `consent_missing`
//! connection whose recorded consent is `granted` answers like `healthy` (the scenario the
//! operator chose stays stored, so a later denial makes it answer `consent_missing` again).

use super::model::{
    AccessCheck, AdminRole, ConsentState, HIGH_PRIVILEGE_ROLE_TEMPLATES, Inventory, ProviderFault,
    REQUIRED_PERMISSIONS, SimulatedScenario,
};
use crate::outbound::urlencode;

/// Application (client) id the simulated authority knows: the simulated kind needs no app
/// registration.
pub const SIMULATED_CLIENT_ID: &str = "tenantpilot-simulated-app";

/// Longest `state` the simulated authority accepts.
const MAX_STATE: usize = 512;

/// The scenario a connection answers with: its stored one, except that consent granted through
/// the admin-consent flow lifts `consent_missing`.
pub fn effective_scenario(stored: SimulatedScenario, consent: ConsentState) -> SimulatedScenario {
    match (stored, consent) {
        (SimulatedScenario::ConsentMissing, ConsentState::Granted) => SimulatedScenario::Healthy,
        (other, _) => other,
    }
}

/// Why the simulated authority refuses a request (it then redirects nowhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorityFault {
    /// The path's directory is not a tenant id or domain name.
    BadDirectory,
    /// `client_id` is not [`SIMULATED_CLIENT_ID`].
    UnknownClient,
    /// `redirect_uri` is not exactly our callback.
    RedirectNotAllowed,
    /// `state` or `scope` missing or too long.
    Incomplete,
}

impl AuthorityFault {
    /// Fluent id of the explanation.
    pub fn message_key(self) -> &'static str {
        match self {
            AuthorityFault::BadDirectory => "simulated-authority-bad-directory",
            AuthorityFault::UnknownClient => "simulated-authority-unknown-client",
            AuthorityFault::RedirectNotAllowed => "simulated-authority-redirect-refused",
            AuthorityFault::Incomplete => "simulated-authority-incomplete",
        }
    }
}

/// A checked admin-consent request to the simulated authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityRequest {
    /// Directory consenting.
    pub directory_id: String,
    /// Scope asked for.
    pub scope: String,
    /// Where the answer goes (always our callback).
    pub redirect_uri: String,
    /// Echoed back untouched.
    pub state: String,
}

impl AuthorityRequest {
    /// Checks a request; `allowed_redirect` is our own callback URL, the only one served.
    pub fn check(
        directory_id: &str,
        client_id: &str,
        scope: &str,
        redirect_uri: &str,
        state: &str,
        allowed_redirect: &str,
    ) -> Result<AuthorityRequest, AuthorityFault> {
        if !crate::validate::is_directory_id(directory_id) {
            return Err(AuthorityFault::BadDirectory);
        }
        if client_id != SIMULATED_CLIENT_ID {
            return Err(AuthorityFault::UnknownClient);
        }
        if redirect_uri != allowed_redirect {
            return Err(AuthorityFault::RedirectNotAllowed);
        }
        if state.is_empty() || state.len() > MAX_STATE || scope.is_empty() || scope.len() > 200 {
            return Err(AuthorityFault::Incomplete);
        }
        Ok(AuthorityRequest {
            directory_id: directory_id.to_string(),
            scope: scope.to_string(),
            redirect_uri: redirect_uri.to_string(),
            state: state.to_string(),
        })
    }

    /// Microsoft's answer to Accept.
    pub fn accept_url(&self) -> String {
        format!(
            "{}?admin_consent=True&tenant={}&state={}&scope={}",
            self.redirect_uri,
            urlencode(&self.directory_id),
            urlencode(&self.state),
            urlencode(&self.scope)
        )
    }

    /// Microsoft's answer to Cancel.
    pub fn cancel_url(&self) -> String {
        format!(
            "{}?error=access_denied&error_description={}&state={}",
            self.redirect_uri,
            urlencode(
                "AADSTS65004: User declined to consent to access the app.                  Trace ID: 00000000-0000-0000-0000-000000000000"
            ),
            urlencode(&self.state)
        )
    }
}

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
    fn the_simulated_authority_answers_only_our_callback() {
        let ok = "http://127.0.0.1:8080/admin/consent/callback";
        let check = |dir: &str, client: &str, redirect: &str, state: &str| {
            AuthorityRequest::check(
                dir,
                client,
                "https://graph.microsoft.com/.default",
                redirect,
                state,
                ok,
            )
        };
        let request = check("fabrikam.onmicrosoft.com", SIMULATED_CLIENT_ID, ok, "s t&x").unwrap();
        assert_eq!(
            request.accept_url(),
            format!(
                "{ok}?admin_consent=True&tenant=fabrikam.onmicrosoft.com&state=s+t%26x&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
            )
        );
        assert!(request.cancel_url().starts_with(&format!(
            "{ok}?error=access_denied&error_description=AADSTS65004"
        )));
        assert!(request.cancel_url().ends_with("&state=s+t%26x"));
        for evil in [
            "https://evil.example/admin/consent/callback",
            "http://127.0.0.1:8080/admin/consent/callback/../x",
            "//evil.example",
            "",
        ] {
            assert_eq!(
                check("fabrikam.onmicrosoft.com", SIMULATED_CLIENT_ID, evil, "s"),
                Err(AuthorityFault::RedirectNotAllowed)
            );
        }
        assert_eq!(
            check("fabrikam", SIMULATED_CLIENT_ID, ok, "s"),
            Err(AuthorityFault::BadDirectory)
        );
        assert_eq!(
            check("fabrikam.onmicrosoft.com", "other", ok, "s"),
            Err(AuthorityFault::UnknownClient)
        );
        assert_eq!(
            check("fabrikam.onmicrosoft.com", SIMULATED_CLIENT_ID, ok, ""),
            Err(AuthorityFault::Incomplete)
        );
    }

    #[test]
    fn granted_consent_lifts_only_the_consent_scenario() {
        use SimulatedScenario::*;
        assert_eq!(
            effective_scenario(ConsentMissing, ConsentState::Granted),
            Healthy
        );
        assert_eq!(
            effective_scenario(ConsentMissing, ConsentState::Missing),
            ConsentMissing
        );
        assert_eq!(
            effective_scenario(ConsentMissing, ConsentState::Unknown),
            ConsentMissing
        );
        assert_eq!(
            effective_scenario(Unhealthy, ConsentState::Granted),
            Unhealthy
        );
    }

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

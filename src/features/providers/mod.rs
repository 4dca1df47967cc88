//! Provider connections and the clients that talk to a tenant's cloud: a simulated kind for
//! demos and tests, and the Microsoft identity platform + Graph.

pub mod microsoft;
pub mod model;
pub mod repo;
pub mod service;
pub mod simulated;

use crate::config::Config;
use model::{AccessCheck, AdminRole, Connection, Inventory, ProviderFault, ProviderKind};

/// A client bound to one connection; built per run, so configuration changes apply at once.
pub enum ProviderClient {
    /// Scripted answers.
    Simulated {
        /// Scenario.
        scenario: model::SimulatedScenario,
        /// Directory id (seeds the deterministic counts).
        directory_id: String,
    },
    /// Microsoft identity platform + Graph.
    Microsoft(microsoft::MicrosoftClient),
}

impl ProviderClient {
    /// The client for `connection` under `config`.
    pub fn for_connection(config: &Config, connection: &Connection) -> Result<Self, ProviderFault> {
        match connection.kind() {
            Some(ProviderKind::Simulated) => Ok(ProviderClient::Simulated {
                scenario: simulated::effective_scenario(
                    connection
                        .scenario()
                        .unwrap_or(model::SimulatedScenario::Healthy),
                    connection.consent(),
                ),
                directory_id: connection.directory_id.clone(),
            }),
            Some(ProviderKind::Microsoft) => {
                Ok(ProviderClient::Microsoft(microsoft::MicrosoftClient::new(
                    &config.providers.microsoft,
                    &connection.directory_id,
                )?))
            }
            None => Err(ProviderFault::NotConfigured(format!(
                "unknown provider kind {}",
                connection.kind
            ))),
        }
    }

    /// Consent, granted permissions and health.
    pub async fn check_access(&self) -> Result<AccessCheck, ProviderFault> {
        match self {
            ProviderClient::Simulated { scenario, .. } => simulated::check_access(*scenario),
            ProviderClient::Microsoft(c) => c.check_access().await,
        }
    }

    /// Managed inventory counts.
    pub async fn inventory(&self) -> Result<Inventory, ProviderFault> {
        match self {
            ProviderClient::Simulated {
                scenario,
                directory_id,
            } => simulated::inventory(*scenario, directory_id),
            ProviderClient::Microsoft(c) => c.inventory().await,
        }
    }

    /// Directory roles with member counts.
    pub async fn admin_roles(&self) -> Result<Vec<AdminRole>, ProviderFault> {
        match self {
            ProviderClient::Simulated {
                scenario,
                directory_id,
            } => simulated::admin_roles(*scenario, directory_id),
            ProviderClient::Microsoft(c) => c.admin_roles().await,
        }
    }
}

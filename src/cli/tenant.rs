//! `tenantpilot tenant …`: managed tenants.

use super::{CliError, open};
use clap::Subcommand;
use tenantpilot::{
    audit::AuditContext,
    clock::{Clock, SystemClock},
    config::Config,
    error::ServiceError,
    features::tenants,
};

#[derive(Subcommand)]
pub(super) enum TenantCommand {
    /// Add a managed tenant to a workspace.
    Create {
        /// Workspace slug.
        #[arg(long)]
        workspace: String,
        /// URL key of the tenant.
        #[arg(long)]
        external_id: String,
        /// Display name.
        #[arg(long)]
        name: String,
    },
}

pub(super) async fn run(config: &Config, command: TenantCommand) -> Result<(), CliError> {
    let TenantCommand::Create {
        workspace,
        external_id,
        name,
    } = command;
    let db = open(config).await?;
    let t = tenants::service::create(
        &db,
        &AuditContext::cli(),
        SystemClock.now(),
        &workspace,
        &external_id,
        &name,
    )
    .await
    .map_err(|e| match e {
        ServiceError::NotFound(_) => CliError(format!("--workspace: no workspace {workspace}")),
        other => other.into(),
    })?;
    println!("created tenant {} ({})", t.external_id, t.name);
    Ok(())
}

//! `tenantpilot workspace …`: workspaces.

use super::{CliError, open};
use clap::Subcommand;
use tenantpilot::{
    audit::AuditContext,
    clock::{Clock, SystemClock},
    config::Config,
    features::workspaces,
};

#[derive(Subcommand)]
pub(super) enum WorkspaceCommand {
    /// Create a workspace.
    Create {
        /// URL key: lowercase letters, digits and '-'.
        #[arg(long)]
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
    },
}

pub(super) async fn run(config: &Config, command: WorkspaceCommand) -> Result<(), CliError> {
    let WorkspaceCommand::Create { slug, name } = command;
    let db = open(config).await?;
    let w = workspaces::service::create(&db, &AuditContext::cli(), SystemClock.now(), &slug, &name)
        .await?;
    println!("created workspace {} ({})", w.slug, w.name);
    Ok(())
}

//! `tenantpilot support-desk …`: the external support desk.

use super::CliError;
use clap::Subcommand;
use tenantpilot::{config::Config, support_desk::Desk};

#[derive(Subcommand)]
pub(super) enum SupportDeskCommand {
    /// Check the configured desk (credentials, reachability) without creating a ticket.
    Check,
}

/// `support-desk check` proves the configured desk answers with our credentials.
pub(super) async fn run(config: &Config, command: SupportDeskCommand) -> Result<(), CliError> {
    let SupportDeskCommand::Check = command;
    let desk = Desk::from_config(&config.support_desk)
        .map_err(|e| CliError(e.summary()))?
        .ok_or_else(|| {
            CliError(
                "no support desk is configured; set [support_desk] kind (or TENANTPILOT_SUPPORT_DESK__KIND) and its settings".into(),
            )
        })?;
    let what = desk
        .check()
        .await
        .map_err(|e| CliError(format!("support desk check failed: {}", e.summary())))?;
    println!("support desk {} is reachable: {what}", desk.kind().as_str());
    Ok(())
}

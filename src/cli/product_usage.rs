//! `tenantpilot product-usage …`: the product usage telemetry ledger.

use super::{CliError, open};
use clap::Subcommand;
use tenantpilot::config::Config;

#[derive(Subcommand)]
pub(super) enum ProductUsageCommand {
    /// Delete telemetry ledger rows older than the retention window and print how many.
    Prune {
        /// Retention window in days (default: config `telemetry.retention_days`).
        #[arg(long)]
        days: Option<i64>,
    },
}

pub(super) async fn run(config: &Config, command: ProductUsageCommand) -> Result<(), CliError> {
    let ProductUsageCommand::Prune { days } = command;
    let days = days.unwrap_or(config.telemetry.retention_days);
    if days < 1 {
        return Err(CliError(format!(
            "--days must be at least 1 (got {days}); it is the number of days of telemetry to keep"
        )));
    }
    let db = open(config).await?;
    let deleted = tenantpilot::features::telemetry::prune::prune(
        &db,
        days,
        config.telemetry.prune_batch_size,
        chrono::Utc::now(),
    )
    .await?;
    // The seed's wording (spec 243's prune command), which operators' scripts may match.
    println!("Deleted {deleted} product usage event(s) older than {days} days.");
    Ok(())
}

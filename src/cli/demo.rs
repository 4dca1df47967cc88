//! `tenantpilot demo …`: the demo data.

use super::{CliError, open};
use clap::Subcommand;
use tenantpilot::{
    clock::{Clock, SystemClock},
    config::Config,
    demo,
};

#[derive(Subcommand)]
pub(super) enum DemoCommand {
    /// Load the demo workspaces, tenants and users (idempotent).
    Seed {
        /// Password for every demo user (at least 8 characters).
        #[arg(long)]
        password: String,
    },
}

pub(super) async fn run(config: &Config, command: DemoCommand) -> Result<(), CliError> {
    let DemoCommand::Seed { password } = command;
    let db = open(config).await?;
    let report = demo::seed(&db, SystemClock.now(), &password).await?;
    println!(
        "demo data ready ({} created, {} already there). Sign in as owner@contoso.test, \
         manager@contoso.test, operator@contoso.test, readonly@contoso.test, \
         owner@northwind.test or {} with the password you gave.",
        report.created,
        report.existing,
        demo::PLATFORM_USER
    );
    Ok(())
}

//! `tenantpilot member …`: workspace members, their role and which tenants they see.

use super::{CliError, open};
use clap::Subcommand;
use tenantpilot::{
    access::Role,
    audit::AuditContext,
    clock::{Clock, SystemClock},
    config::Config,
    error::ServiceError,
    features::{members, workspaces::model::TenantSelection},
};

#[derive(Subcommand)]
pub(super) enum MemberCommand {
    /// Add a user to a workspace (or change their role and tenants).
    Add {
        /// Workspace slug.
        #[arg(long)]
        workspace: String,
        /// User's e-mail address.
        #[arg(long)]
        email: String,
        /// owner, manager, operator or readonly.
        #[arg(long)]
        role: String,
        /// Comma-separated tenant external ids the member may see.
        #[arg(long, conflicts_with = "all_tenants", value_delimiter = ',')]
        tenants: Vec<String>,
        /// The member may see every tenant of the workspace.
        #[arg(long)]
        all_tenants: bool,
    },
}

pub(super) async fn run(config: &Config, command: MemberCommand) -> Result<(), CliError> {
    let MemberCommand::Add {
        workspace,
        email,
        role,
        tenants,
        all_tenants,
    } = command;
    let role = Role::parse(&role).ok_or_else(|| {
        CliError(format!(
            "--role: {role:?} is not a role; use owner, manager, operator or readonly"
        ))
    })?;
    let selection = match (all_tenants, tenants.is_empty()) {
        (true, _) => TenantSelection::All,
        (false, false) => TenantSelection::Only(tenants),
        (false, true) => {
            return Err(CliError(
                "--tenants or --all-tenants: say which tenants the member may see".into(),
            ));
        }
    };
    let db = open(config).await?;
    members::service::add_member(
        &db,
        &AuditContext::cli(),
        SystemClock.now(),
        &workspace,
        &email,
        role,
        selection,
    )
    .await
    .map_err(|e| match e {
        ServiceError::NotFound(what) => CliError(format!(
            "--{}: {what} not found",
            if what == "workspace" {
                "workspace"
            } else {
                "email"
            }
        )),
        other => other.into(),
    })?;
    println!("{email} is now {} in {workspace}", role.as_str());
    Ok(())
}

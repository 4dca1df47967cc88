//! `tenantpilot user …`: user accounts, with the password read from standard input (never
//! from an argument, where it would land in shell history and `ps`).

use super::{CliError, open};
use clap::{Args, Subcommand};
use std::io::BufRead;
use tenantpilot::{
    audit::AuditContext,
    auth::users,
    clock::{Clock, SystemClock},
    config::Config,
};

#[derive(Subcommand)]
pub(super) enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create(UserCreate),
}

#[derive(Args)]
pub(super) struct UserCreate {
    /// Sign-in e-mail address.
    #[arg(long)]
    email: String,
    /// Display name (defaults to the part before '@').
    #[arg(long)]
    name: Option<String>,
    /// Read the password from standard input (one line).
    #[arg(long, required = true)]
    password_stdin: bool,
    /// Create a platform operator (system plane) instead of a workspace user.
    #[arg(long)]
    platform: bool,
}

pub(super) async fn run(config: &Config, command: UserCommand) -> Result<(), CliError> {
    let UserCommand::Create(args) = command;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        CliError(format!(
            "--password-stdin: could not read standard input: {e}"
        ))
    })?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err(CliError(
            "--password-stdin: standard input was empty; pipe the password in".into(),
        ));
    }
    let db = open(config).await?;
    let user = users::create(
        &db,
        &AuditContext::cli(),
        SystemClock.now(),
        users::NewUser {
            email: args.email,
            display_name: args.name,
            password,
            is_platform: args.platform,
        },
    )
    .await?;
    println!(
        "created {} user {}",
        if user.is_platform {
            "platform"
        } else {
            "workspace"
        },
        user.email
    );
    Ok(())
}

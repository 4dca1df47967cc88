//! `tenantpilot user …`: user accounts, with the password read from standard input (never
//! from an argument, where it would land in shell history and `ps`).

use super::{CliError, open};
use clap::{Args, Subcommand};
use std::io::BufRead;
use tenantpilot::{
    audit::AuditContext,
    auth::{credentials, users},
    clock::{Clock, SystemClock},
    config::Config,
    error::ServiceError,
    mail::MailOutcome,
};

#[derive(Subcommand)]
pub(super) enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create(UserCreate),
    /// Print a single-use link that sets a new password (valid for
    /// `members.password_reset_minutes`); using it signs out every session of the user. When
    /// `[mail]` is configured the link is also e-mailed to the user, in their language.
    ResetPassword {
        /// The user's sign-in e-mail address.
        #[arg(long)]
        email: String,
    },
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
    let args = match command {
        UserCommand::Create(args) => args,
        UserCommand::ResetPassword { email } => return reset_password(config, &email).await,
    };
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

async fn reset_password(config: &Config, email: &str) -> Result<(), CliError> {
    let db = open(config).await?;
    let issued = credentials::issue_reset(
        &db,
        &AuditContext::cli(),
        SystemClock.now(),
        config,
        email,
    )
    .await
    .map_err(|e| match e {
        ServiceError::NotFound(_) => CliError(format!(
            "--email: no user has the address {email:?}; check the spelling or create the user"
        )),
        other => other.into(),
    })?;
    println!("{}", issued.link);
    let valid = issued.expires_at.format("%Y-%m-%d %H:%M");
    match &issued.mail {
        MailOutcome::Sent => eprintln!(
            "Single-use link; valid until {valid} UTC. It has also been e-mailed to {email}."
        ),
        MailOutcome::Failed(e) => eprintln!(
            "Single-use link; valid until {valid} UTC. The e-mail could not be sent ({e}); \
             check [mail] and send the link to the user over a channel you trust."
        ),
        MailOutcome::NotConfigured => eprintln!(
            "Single-use link; valid until {valid} UTC. Send it to the user over a channel you trust."
        ),
    }
    Ok(())
}

//! `tenantpilot token …`: API tokens.

use super::{CliError, open};
use clap::Subcommand;
use tenantpilot::{
    audit::AuditContext,
    auth::tokens,
    clock::{Clock, SystemClock},
    config::Config,
    error::ServiceError,
};

#[derive(Subcommand)]
pub(super) enum TokenCommand {
    /// Create an API token for a user and print it once.
    Create {
        /// Owner's e-mail address.
        #[arg(long)]
        email: String,
        /// Label for the token.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until the token expires, 1 to 3650 (default: config `api_tokens.default_days`).
        #[arg(long, conflicts_with = "no_expiry", allow_negative_numbers = true)]
        expires_in_days: Option<i64>,
        /// The token never expires (only when asked for explicitly).
        #[arg(long)]
        no_expiry: bool,
    },
    /// List a user's tokens with their state (never their secrets).
    List {
        /// Owner's e-mail address.
        #[arg(long)]
        email: String,
    },
    /// Revoke a token by its id (as `token list` shows it); it stops working at once.
    Revoke {
        /// Token id.
        id: i64,
    },
}

/// `tenantpilot token …`: the secret alone goes to standard output (so scripts can capture it);
/// everything said about it goes to standard error.
pub(super) async fn run(config: &Config, command: TokenCommand) -> Result<(), CliError> {
    let db = &open(config).await?;
    let actx = &AuditContext::cli();
    let now = SystemClock.now();
    fn no_user(email: &str) -> impl FnOnce(ServiceError) -> CliError + '_ {
        move |e| match e {
            ServiceError::NotFound(_) => CliError(format!("--email: no user {email}")),
            other => other.into(),
        }
    }
    let when = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d %H:%M UTC").to_string();
    match command {
        TokenCommand::Create {
            email,
            name,
            expires_in_days,
            no_expiry,
        } => {
            let expiry = tokens::Expiry::choose(expires_in_days, no_expiry, &config.api_tokens)?;
            let created = tokens::create_for_email(db, actx, now, &email, &name, expiry)
                .await
                .map_err(no_user(&email))?;
            eprintln!(
                "token {} created; it is shown only now, copy it:",
                created.token.id
            );
            println!("{}", created.secret);
            match created.token.expires_at {
                Some(at) => eprintln!("expires {}", when(at)),
                None => eprintln!("never expires (--no-expiry); revoke it with `token revoke`"),
            }
        }
        TokenCommand::List { email } => {
            let list = tokens::list_for_email(db, &email)
                .await
                .map_err(no_user(&email))?;
            if list.is_empty() {
                eprintln!("{email} has no API tokens");
                return Ok(());
            }
            let width = list
                .iter()
                .map(|t| t.name.chars().count())
                .max()
                .unwrap_or(4)
                .max(4);
            println!(
                "{:<6} {:<width$} {:<10} {:<20} {:<20} {:<20} STATE",
                "ID", "NAME", "PREFIX", "CREATED", "LAST USED", "EXPIRES"
            );
            for t in list {
                println!(
                    "{:<6} {:<width$} {:<10} {:<20} {:<20} {:<20} {}",
                    t.id,
                    t.name,
                    t.token_prefix,
                    when(t.created_at),
                    t.last_used_at.map_or("never".into(), when),
                    t.expires_at.map_or("no expiry".into(), when),
                    t.state(now).as_str()
                );
            }
        }
        TokenCommand::Revoke { id } => {
            match tokens::revoke(db, actx, now, tokens::Whose::Anyone, id)
                .await
                .map_err(|e| match e {
                    ServiceError::NotFound(_) => CliError(format!(
                        "no API token with id {id}; `token list --email <owner>` shows the ids"
                    )),
                    other => other.into(),
                })? {
                tokens::Revoked::Now(t) => println!("revoked token {} ({})", t.id, t.name),
                tokens::Revoked::Already(t) => {
                    return Err(CliError(format!(
                        "token {} ({}) was already revoked at {}; nothing changed",
                        t.id,
                        t.name,
                        t.revoked_at.map_or("an earlier time".into(), when)
                    )));
                }
            }
        }
    }
    Ok(())
}

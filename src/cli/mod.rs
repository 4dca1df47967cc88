//! The operator CLI of the `tenantpilot` binary (app layer): argument parsing and one file per
//! command group. Every group parses its own subcommands and calls services of the library;
//! none holds SQL or business rules. `serve` (the default) is in [`serve`].

mod demo;
mod help;
mod member;
mod product_usage;
mod serve;
mod support_desk;
mod tenant;
mod token;
mod user;
mod workspace;

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use tenantpilot::{
    config::Config,
    db::{Db, migrate, redact_url},
    error::ServiceError,
    i18n::{Locale, Tr},
};

#[derive(Parser)]
#[command(
    name = "tenantpilot",
    version,
    about = "TenantPilot: operations console for MSPs",
    // `help` is our contextual-help command; `--help` still prints usage.
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and API (the default).
    Serve {
        /// Listen address, e.g. 127.0.0.1:8080 (default from config `bind`).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Demo data.
    Demo {
        #[command(subcommand)]
        command: demo::DemoCommand,
    },
    /// User accounts.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: token::TokenCommand,
    },
    /// Workspaces.
    Workspace {
        #[command(subcommand)]
        command: workspace::WorkspaceCommand,
    },
    /// Workspace members.
    Member {
        #[command(subcommand)]
        command: member::MemberCommand,
    },
    /// Managed tenants.
    Tenant {
        #[command(subcommand)]
        command: tenant::TenantCommand,
    },
    /// Contextual help catalog.
    Help {
        #[command(subcommand)]
        command: help::HelpCommand,
    },
    /// The external support desk.
    SupportDesk {
        #[command(subcommand)]
        command: support_desk::SupportDeskCommand,
    },
    /// Product usage telemetry.
    ProductUsage {
        #[command(subcommand)]
        command: product_usage::ProductUsageCommand,
    },
}

/// A CLI failure with the message to print.
struct CliError(String);

impl From<ServiceError> for CliError {
    fn from(e: ServiceError) -> Self {
        let t = Tr(Locale::En);
        CliError(match e {
            ServiceError::Invalid(fields) => fields
                .iter()
                .map(|f| format!("--{}: {}", f.field.replace('_', "-"), t.t(f.key)))
                .collect::<Vec<_>>()
                .join("\n"),
            ServiceError::NotFound(what) => format!("{what} not found"),
            ServiceError::Conflict(key) => t.t(key),
            ServiceError::Db(e) => format!("database error: {e}"),
        })
    }
}

impl From<sqlx::Error> for CliError {
    fn from(e: sqlx::Error) -> Self {
        CliError(format!("database error: {e}"))
    }
}

/// Parses the command line, runs the command and maps a failure to `error: …` on standard
/// error and exit status 1.
#[tokio::main]
pub async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Connects to the configured database and brings its schema up to date; every command that
/// touches data starts here.
async fn open(config: &Config) -> Result<Db, CliError> {
    let db = Db::connect_with(&config.database_url, &config.database)
        .await
        .map_err(|e| {
            CliError(format!(
                "{e} (database_url = {})",
                redact_url(&config.database_url)
            ))
        })?;
    migrate::run(&db)
        .await
        .map_err(|e| CliError(format!("migrations failed: {e}")))?;
    Ok(db)
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let config = Config::load().map_err(|e| CliError(e.to_string()))?;
    match cli.command.unwrap_or(Command::Serve { bind: None }) {
        Command::Serve { bind } => serve::run(config, bind).await,
        Command::Migrate => {
            let db = open(&config).await?;
            let versions = migrate::applied_versions(&db).await?;
            println!(
                "database is at schema version {}",
                versions.last().copied().unwrap_or(0)
            );
            Ok(())
        }
        Command::Demo { command } => demo::run(&config, command).await,
        Command::User { command } => user::run(&config, command).await,
        Command::Token { command } => token::run(&config, command).await,
        Command::Workspace { command } => workspace::run(&config, command).await,
        Command::Member { command } => member::run(&config, command).await,
        Command::Tenant { command } => tenant::run(&config, command).await,
        Command::Help { command } => help::run(command),
        Command::SupportDesk { command } => support_desk::run(&config, command).await,
        Command::ProductUsage { command } => product_usage::run(&config, command).await,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}

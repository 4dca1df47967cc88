//! `tenantpilot help …`: the contextual help catalog (`--help` still prints usage).

use super::CliError;
use clap::Subcommand;
use tenantpilot::i18n::Locale;

#[derive(Subcommand)]
pub(super) enum HelpCommand {
    /// Print the help catalog as versioned JSON (topic metadata and approved links only).
    Export {
        /// Only this language (`en` or `de`); both when omitted.
        #[arg(long)]
        locale: Option<String>,
    },
}

/// Needs no database: the catalog is compiled in.
pub(super) fn run(command: HelpCommand) -> Result<(), CliError> {
    let HelpCommand::Export { locale } = command;
    let locale = match locale.as_deref() {
        None => None,
        Some(tag) => Some(Locale::parse(tag).ok_or_else(|| {
            CliError(format!("--locale: unknown language {tag:?}; use en or de"))
        })?),
    };
    print!("{}", tenantpilot::features::help::export_json(locale));
    Ok(())
}

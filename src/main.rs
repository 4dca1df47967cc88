//! The `tenantpilot` binary: the service (`serve`, the default) and the operator CLI.

use clap::{Args, Parser, Subcommand};
use std::{io::BufRead, net::SocketAddr, process::ExitCode, sync::Arc};
use tenantpilot::{
    access::Role,
    audit::AuditContext,
    auth::{tokens, users},
    clock::{Clock, SystemClock},
    config::Config,
    db::{Db, migrate, redact_url},
    demo,
    error::ServiceError,
    features::{
        tenants,
        workspaces::{self, model::TenantSelection},
    },
    i18n::{Locale, Tr},
    state::AppState,
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
        command: DemoCommand,
    },
    /// User accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Workspaces.
    Workspace {
        #[command(subcommand)]
        command: WorkspaceCommand,
    },
    /// Workspace members.
    Member {
        #[command(subcommand)]
        command: MemberCommand,
    },
    /// Managed tenants.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Contextual help catalog.
    Help {
        #[command(subcommand)]
        command: HelpCommand,
    },
    /// Load benchmark of the run viewer and tenant dashboard on a PostgreSQL database whose
    /// name contains `bench` (created, migrated and bulk-loaded first).
    Bench(tenantpilot::bench::BenchArgs),
    /// Benchmark of `internal_only` support-request submits on PostgreSQL beside `pgbench`.
    BenchSupportRequests(tenantpilot::features::support_requests::bench::BenchArgs),
    /// Benchmark of the telemetry summary and prune over millions of events on PostgreSQL.
    BenchTelemetry(tenantpilot::features::telemetry::bench::BenchArgs),
    /// The external support desk.
    SupportDesk {
        #[command(subcommand)]
        command: SupportDeskCommand,
    },
    /// Product usage telemetry.
    ProductUsage {
        #[command(subcommand)]
        command: ProductUsageCommand,
    },
}

#[derive(Subcommand)]
enum SupportDeskCommand {
    /// Check the configured desk (credentials, reachability) without creating a ticket.
    Check,
}

#[derive(Subcommand)]
enum ProductUsageCommand {
    /// Delete telemetry ledger rows older than the retention window and print how many.
    Prune {
        /// Retention window in days (default: config `telemetry.retention_days`).
        #[arg(long)]
        days: Option<i64>,
    },
}

#[derive(Subcommand)]
enum HelpCommand {
    /// Print the help catalog as versioned JSON (topic metadata and approved links only).
    Export {
        /// Only this language (`en` or `de`); both when omitted.
        #[arg(long)]
        locale: Option<String>,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Load the demo workspaces, tenants and users (idempotent).
    Seed {
        /// Password for every demo user (at least 8 characters).
        #[arg(long)]
        password: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create(UserCreate),
}

#[derive(Args)]
struct UserCreate {
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

#[derive(Subcommand)]
enum TokenCommand {
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

#[derive(Subcommand)]
enum WorkspaceCommand {
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

#[derive(Subcommand)]
enum MemberCommand {
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

#[derive(Subcommand)]
enum TenantCommand {
    /// Add a managed tenant to a workspace.
    Create {
        /// Workspace slug.
        #[arg(long)]
        workspace: String,
        /// URL key of the tenant.
        #[arg(long)]
        external_id: String,
        /// Display name.
        #[arg(long)]
        name: String,
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

#[tokio::main]
async fn main() -> ExitCode {
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
    let clock = SystemClock;
    let actx = AuditContext::cli();
    match cli.command.unwrap_or(Command::Serve { bind: None }) {
        Command::Serve { bind } => serve(config, bind).await,
        Command::Migrate => {
            let db = open(&config).await?;
            let versions = migrate::applied_versions(&db).await?;
            println!(
                "database is at schema version {}",
                versions.last().copied().unwrap_or(0)
            );
            Ok(())
        }
        Command::Demo {
            command: DemoCommand::Seed { password },
        } => {
            let db = open(&config).await?;
            let report = demo::seed(&db, clock.now(), &password).await?;
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
        Command::User {
            command: UserCommand::Create(args),
        } => {
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
            let db = open(&config).await?;
            let user = users::create(
                &db,
                &actx,
                clock.now(),
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
        Command::Token { command } => {
            let db = open(&config).await?;
            token_command(&db, &config, &actx, clock.now(), command).await
        }
        Command::Workspace {
            command: WorkspaceCommand::Create { slug, name },
        } => {
            let db = open(&config).await?;
            let w = workspaces::service::create(&db, &actx, clock.now(), &slug, &name).await?;
            println!("created workspace {} ({})", w.slug, w.name);
            Ok(())
        }
        Command::Member {
            command:
                MemberCommand::Add {
                    workspace,
                    email,
                    role,
                    tenants,
                    all_tenants,
                },
        } => {
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
            let db = open(&config).await?;
            workspaces::service::add_member(
                &db,
                &actx,
                clock.now(),
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
        Command::Help {
            command: HelpCommand::Export { locale },
        } => {
            let locale = match locale.as_deref() {
                None => None,
                Some(tag) => Some(Locale::parse(tag).ok_or_else(|| {
                    CliError(format!("--locale: unknown language {tag:?}; use en or de"))
                })?),
            };
            print!("{}", tenantpilot::features::help::export_json(locale));
            Ok(())
        }
        Command::Tenant {
            command:
                TenantCommand::Create {
                    workspace,
                    external_id,
                    name,
                },
        } => {
            let db = open(&config).await?;
            let t =
                tenants::service::create(&db, &actx, clock.now(), &workspace, &external_id, &name)
                    .await
                    .map_err(|e| match e {
                        ServiceError::NotFound(_) => {
                            CliError(format!("--workspace: no workspace {workspace}"))
                        }
                        other => other.into(),
                    })?;
            println!("created tenant {} ({})", t.external_id, t.name);
            Ok(())
        }
        Command::Bench(args) => bench(config, args).await,
        Command::BenchSupportRequests(args) => {
            tenantpilot::features::support_requests::bench::run(&args)
                .await
                .map_err(|e| CliError(format!("benchmark failed: {e:#}")))
        }
        Command::BenchTelemetry(args) => tenantpilot::features::telemetry::bench::run(&args)
            .await
            .map_err(|e| CliError(format!("benchmark failed: {e:#}"))),
        Command::SupportDesk {
            command: SupportDeskCommand::Check,
        } => support_desk_check(&config).await,
        Command::ProductUsage {
            command: ProductUsageCommand::Prune { days },
        } => {
            let days = days.unwrap_or(config.telemetry.retention_days);
            if days < 1 {
                return Err(CliError(format!(
                    "--days must be at least 1 (got {days}); it is the number of days of telemetry to keep"
                )));
            }
            let db = open(&config).await?;
            let deleted = tenantpilot::features::telemetry::prune::prune(
                &db,
                days,
                config.telemetry.prune_batch_size,
                chrono::Utc::now(),
            )
            .await?;
            println!("Pruned {deleted} product usage events older than {days} days.");
            Ok(())
        }
    }
}

async fn serve(config: Config, bind: Option<String>) -> Result<(), CliError> {
    let bind = bind.unwrap_or_else(|| config.bind.clone());
    let db = open(&config).await?;
    let empty = demo::is_empty(&db).await?;
    let listener = tokio::net::TcpListener::bind(&bind).await.map_err(|e| {
        CliError(format!(
            "could not listen on {bind}: {e}; pass --bind or set TENANTPILOT_BIND"
        ))
    })?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError(format!("could not read the listen address: {e}")))?;
    let state = AppState::new(db, config, Arc::new(SystemClock));
    println!(
        "TenantPilot is running at http://{local}/ (database: {})",
        redact_url(&state.config.database_url)
    );
    if empty {
        println!(
            "The database is empty. Load demo data with:\n  cargo run -- demo seed --password <at-least-8-chars>"
        );
    }
    let grace = std::time::Duration::from_secs(state.config.http.shutdown_grace_secs);
    let (trigger, shutdown) = tenantpilot::shutdown::channel();
    // Runs execute inside the service: they outlive the request that queued them.
    let executors =
        tenantpilot::features::operations::runner::spawn_until(state.clone(), shutdown.clone())
            .await;
    // Scheduled jobs (daily telemetry retention, the five-minute handoff finalizer) run once
    // per slot across every instance.
    let scheduler = tenantpilot::jobs::spawn_until(state.clone(), shutdown.clone());
    let app = tenantpilot::app(state);
    let mut stopped = shutdown.clone();
    let server = tokio::spawn(
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { stopped.stopped().await })
        .into_future(),
    );
    let mut server = std::pin::pin!(server);
    // SIGTERM (service managers, containers) and Ctrl-C both stop the same way: no new
    // connections or runs, then up to `grace` for in-flight requests and running runs.
    let early = tokio::select! {
        early = &mut server => Some(early),
        () = stop_signal() => None,
    };
    trigger.stop();
    let deadline = tokio::time::Instant::now() + grace;
    let served = match early {
        Some(early) => early,
        None => {
            println!(
                "Stopping: finishing in-flight requests and runs (at most {}s)",
                grace.as_secs()
            );
            match tokio::time::timeout_at(deadline, &mut server).await {
                Ok(done) => done,
                Err(_) => {
                    eprintln!("in-flight requests did not finish within the grace period");
                    server.abort();
                    Ok(Ok(()))
                }
            }
        }
    };
    let mut background = executors;
    background.push(scheduler);
    for handle in background {
        let abort = handle.abort_handle();
        if tokio::time::timeout_at(deadline, handle).await.is_err() {
            eprintln!("a background task did not finish within the grace period; stopping it");
            abort.abort();
        }
    }
    served
        .map_err(|e| CliError(format!("server task failed: {e}")))?
        .map_err(|e| CliError(format!("server error: {e}")))
}

/// Completes on the first SIGTERM or Ctrl-C (SIGINT).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                eprintln!("could not listen for SIGTERM ({e}); only Ctrl-C stops the server");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `tenantpilot support-desk check`: proves the configured desk answers with our credentials.
async fn support_desk_check(config: &Config) -> Result<(), CliError> {
    use tenantpilot::support_desk::Desk;
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

/// `tenantpilot token …`: the secret alone goes to standard output (so scripts can capture it);
/// everything said about it goes to standard error.
async fn token_command(
    db: &Db,
    config: &Config,
    actx: &AuditContext,
    now: chrono::DateTime<chrono::Utc>,
    command: TokenCommand,
) -> Result<(), CliError> {
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

/// `tenantpilot bench`: see `tenantpilot::bench`.
async fn bench(config: Config, args: tenantpilot::bench::BenchArgs) -> Result<(), CliError> {
    tenantpilot::bench::run(config, &args)
        .await
        .map_err(|e| CliError(format!("benchmark failed: {e:#}")))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}

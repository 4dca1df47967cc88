//! `tenantpilot-bench`: the load benchmarks of TenantPilot, kept out of the product binary.
//!
//! Each HTTP benchmark runs as its own OS process beside the product server: it prepares a
//! PostgreSQL database through the `tenantpilot` library, starts `tenantpilot serve` from the
//! same build as a child process on a free loopback port ([`server`]), drives HTTP load from
//! here and reads each process's CPU time and memory from `/proc` ([`procstat`]), so the
//! server's cost and the load generator's are measured apart. The telemetry benchmark measures
//! library functions (summary, prune) directly and needs no server.
//!
//! Speed targets are proven here, against realistic data and the real HTTP stack, never by
//! timed assertions in tests.

mod closed_loop;
mod http;
mod pages;
mod pgbench;
mod procstat;
mod server;
mod sqlite_reads;
mod support_requests;
mod target;
mod targets;
mod telemetry;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "tenantpilot-bench",
    version,
    about = "Load benchmarks of TenantPilot on PostgreSQL (a separate process beside the server)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load benchmark of the run viewer and tenant dashboard on a PostgreSQL database whose
    /// name contains `bench` (created, migrated and bulk-loaded first).
    Pages(pages::BenchArgs),
    /// Benchmark of `internal_only` support-request submits on PostgreSQL beside `pgbench`.
    SupportRequests(support_requests::BenchArgs),
    /// Issue 17's targets in one run: pgbench baselines (`-S` equivalent and single-row
    /// insert), every page, API read and submit against the real server, one table with a
    /// verdict per target, and optionally the growth comparison with a larger data set.
    #[command(alias = "targets")]
    All(targets::BenchArgs),
    /// Issue 17's embedded-default target: the read scenarios of `all` on a SQLite copy of the
    /// PostgreSQL benchmark data and on PostgreSQL itself, side by side in one run.
    SqliteReads(sqlite_reads::BenchArgs),
    /// Benchmark of the telemetry summary and prune over millions of events on PostgreSQL.
    Telemetry(telemetry::BenchArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .init();
    let cli = Cli::parse();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Command::Pages(_) = cli.command {
        // Two worker threads, as the page load generator had when it shared the server's
        // process, so its figures stay comparable with earlier runs.
        builder.worker_threads(2);
    }
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Pages(args) => pages::run(&args).await,
            Command::SupportRequests(args) => support_requests::run(&args).await,
            Command::Telemetry(args) => telemetry::run(&args).await,
            Command::All(args) => targets::run(&args).await,
            Command::SqliteReads(args) => sqlite_reads::run(&args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: benchmark failed: {e:#}");
            ExitCode::FAILURE
        }
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

//! `tenantpilot bench-telemetry` (being built).

/// Benchmark options.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// PostgreSQL URL of the benchmark database; its name must contain `bench`.
    #[arg(long)]
    pub database_url: String,
}

/// Runs the benchmark.
pub async fn run(_args: &BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}

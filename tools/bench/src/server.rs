//! The product server under test, as a child process: `tenantpilot serve` from the same build
//! (found beside this executable in `target/<profile>/`, or given with `--server-bin`), bound
//! to a free loopback port, against the benchmark database. The benchmark talks to it over
//! HTTP only, so the server's CPU time and memory are its own process's.

use anyhow::{Context, bail};
use chrono::Utc;
use nix::{sys::signal::Signal, unistd::Pid};
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};
use tenantpilot::{
    audit::AuditContext,
    db::Db,
    features::system::{
        ControlKey,
        controls::{self, ControlForm},
    },
};

/// How the server under test is found.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// The `tenantpilot` binary to serve (default: the one beside this executable, i.e. built
    /// by `cargo build --release` for a release benchmark).
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
}

/// Which configuration the server runs with, besides the database and the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerConfig {
    /// Whatever `tenantpilot serve` would read here: `tenantpilot.toml` and `TENANTPILOT_*`.
    Inherited,
    /// The built-in defaults only (no file, no inherited `TENANTPILOT_*` variables), with a
    /// 60-second request timeout for queued load.
    DefaultsLongTimeout,
}

/// Stays far beyond any benchmark, so the server's start-up orphan recovery leaves the loaded
/// `running` runs as they are (their executor, `bench-executor`, never heartbeats).
const ORPHAN_AFTER_SECS: &str = "315360000";

/// A running `tenantpilot serve`; killed when dropped without [`Server::stop`].
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    child: tokio::process::Child,
    pid: u32,
}

/// `tenantpilot` beside the running executable (`target/<profile>/tenantpilot`).
fn beside_self() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("finding this executable's path")?;
    let dir = me
        .parent()
        .context("this executable's path has no directory")?;
    Ok(dir.join(format!("tenantpilot{}", std::env::consts::EXE_SUFFIX)))
}

/// Warns when the server binary is older than this one: built before the library changed, it
/// would measure old code.
fn warn_if_stale(bin: &Path) {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(server), Some(me)) = (
        modified(bin),
        std::env::current_exe().ok().and_then(|p| modified(&p)),
    ) && server < me
    {
        println!(
            "note: {} is older than this benchmark binary; if the product changed since, \
             rebuild it (`cargo build --release`)",
            bin.display()
        );
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> anyhow::Result<SocketAddr> {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(probe.local_addr()?)
}

/// Pauses run execution (the operational control `run_execution`, global, until resumed) in
/// the benchmark database, so the server's executor claims none of the loaded queued runs:
/// the measured load is page serving alone, as before the benchmark left the product. The
/// pause stays in the benchmark database (resume it on `/system/controls` to serve it normally).
pub async fn pause_run_execution(db: &Db) -> anyhow::Result<()> {
    let form = ControlForm {
        action: "pause".into(),
        reason: "tenantpilot-bench: the load benchmark measures pages, not run execution".into(),
        scope: "global".into(),
        ..ControlForm::default()
    };
    controls::apply(
        db,
        &AuditContext::cli(),
        Utc::now(),
        ControlKey::RunExecution,
        &form,
    )
    .await
    .map_err(|e| anyhow::anyhow!("pausing run execution: {e}"))?;
    Ok(())
}

/// A one-day API token of `email`, created through the library (not over HTTP).
pub async fn api_token(db: &Db, email: &str) -> anyhow::Result<String> {
    tenantpilot::auth::tokens::create_for_email(
        db,
        &AuditContext::cli(),
        Utc::now(),
        email,
        "bench",
        tenantpilot::auth::tokens::Expiry::Days(1),
    )
    .await
    .map(|t| t.secret)
    .map_err(|e| anyhow::anyhow!("token for {email}: {e}"))
}

impl Server {
    /// Starts `tenantpilot serve` on `database_url` and waits until `/readyz` answers 200.
    pub async fn start(
        args: &ServerArgs,
        database_url: &str,
        config: ServerConfig,
    ) -> anyhow::Result<Server> {
        let bin = match &args.server_bin {
            Some(bin) => bin.clone(),
            None => beside_self()?,
        };
        if !bin.is_file() {
            bail!(
                "no server binary at {}: build it first (`cargo build --release` for a \
                 release benchmark, the same profile as this binary) or pass --server-bin",
                bin.display()
            );
        }
        warn_if_stale(&bin);
        let addr = free_port()?;
        let mut command = tokio::process::Command::new(&bin);
        command
            .arg("serve")
            .arg("--bind")
            .arg(addr.to_string())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        if config == ServerConfig::DefaultsLongTimeout {
            for (name, _) in std::env::vars_os() {
                if name.to_string_lossy().starts_with("TENANTPILOT_") {
                    command.env_remove(name);
                }
            }
            // An empty file: the defaults, whatever `tenantpilot.toml` the directory holds.
            let empty = std::env::temp_dir().join("tenantpilot-bench-defaults.toml");
            std::fs::write(&empty, "").context("writing an empty configuration file")?;
            command
                .env("TENANTPILOT_CONFIG", empty)
                .env("TENANTPILOT_HTTP__REQUEST_TIMEOUT_SECS", "60");
        }
        command.env("DATABASE_URL", database_url).env(
            "TENANTPILOT_OPERATIONS__ORPHAN_AFTER_SECS",
            ORPHAN_AFTER_SECS,
        );
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let client = crate::http::http_client(1)?;
        let ready = format!("http://{addr}/readyz");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait()? {
                bail!("the server exited before it was ready ({status}); see its output above");
            }
            if let Ok(resp) = client.get(&ready).send().await
                && resp.status() == reqwest::StatusCode::OK
            {
                break;
            }
            if tokio::time::Instant::now() > deadline {
                bail!("the server did not answer {ready} with 200 within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        println!(
            "serving the app at http://{addr}/ ({} serve, pid {pid}, run execution paused)",
            bin.display()
        );
        Ok(Server { addr, child, pid })
    }

    /// The server's process id, for `/proc`.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// `http://…` of the server.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server as its service manager would (SIGTERM, then its grace period), and
    /// kills it if it has not exited after 30 seconds.
    pub async fn stop(mut self) {
        if let Ok(pid) = i32::try_from(self.pid) {
            let _ = nix::sys::signal::kill(Pid::from_raw(pid), Signal::SIGTERM);
        }
        match tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await {
            Ok(Ok(_)) => {}
            _ => {
                println!("the server did not stop within 30 s of SIGTERM; killing it");
                let _ = self.child.kill().await;
            }
        }
    }
}

//! `tenantpilot serve` (also what a bare `tenantpilot` does): the web UI and API, the run
//! executor and the job scheduler in one process, stopped gracefully by SIGTERM or Ctrl-C.

use super::{CliError, open};
use std::{net::SocketAddr, sync::Arc};
use tenantpilot::{clock::SystemClock, config::Config, db::redact_url, demo, state::AppState};

/// Serves until a stop signal, then gives in-flight requests and running runs up to
/// `http.shutdown_grace_secs` to finish.
pub(super) async fn run(config: Config, bind: Option<String>) -> Result<(), CliError> {
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

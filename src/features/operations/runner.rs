//! The run executor. Each instance runs a few workers that claim queued runs from the database,
//! execute them with a heartbeat, and complete them together with whatever they produced in one
//! transaction. A run whose executor stops reporting (crash, kill) is failed as `orphaned` by the
//! sweep every instance runs at start-up and periodically.

use super::model::{Completion, ReasonCode, RunRow, RunType, SummaryCounts};
use super::repo;
use crate::features::providers::{
    self, ProviderClient, model::ProviderFault, model::VerificationReport,
};
use crate::features::reports::{
    model::{NewReviewPack, NewStoredReport},
    repo as reports, service as report_rules,
};
use crate::features::tenants;
use crate::state::AppState;
use chrono::Duration;
use std::sync::Arc;
use std::time::Duration as StdDuration;

/// Longest a single run may take before it is failed as retryable.
pub const RUN_BUDGET: StdDuration = StdDuration::from_secs(300);

/// What a run produced, written in the same transaction that completes it.
pub enum Artifact {
    /// Nothing beyond the run row.
    None,
    /// A verification report (plus what it observed on the connection).
    Verification(Box<VerificationReport>),
    /// A stored report.
    Report(NewStoredReport),
    /// A review pack.
    ReviewPack(NewReviewPack),
}

/// A run's result.
pub struct Finished {
    /// How it ended.
    pub completion: Completion,
    /// What it produced.
    pub artifact: Artifact,
}

impl Finished {
    fn failed(reason: ReasonCode, message: impl Into<String>) -> Finished {
        Finished {
            completion: Completion::failed(reason, message),
            artifact: Artifact::None,
        }
    }

    fn fault(fault: &ProviderFault) -> Finished {
        Finished::failed(fault.reason(), fault.detail())
    }
}

/// A name for this process in `claimed_by`, so operators can tell which instance ran what.
pub fn instance_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
    format!("{host}:{}:{}", std::process::id(), ulid::Ulid::generate())
}

/// Fails runs whose executor went silent; returns their ids.
pub async fn recover_orphans(state: &AppState) -> Result<Vec<i64>, sqlx::Error> {
    let now = state.now();
    let cutoff = now - Duration::seconds(state.config.operations.orphan_after_secs);
    let ids = repo::fail_orphans(&state.db, cutoff, now).await?;
    if !ids.is_empty() {
        tracing::warn!(runs = ?ids, "failed orphaned runs");
    }
    Ok(ids)
}

/// Start-up recovery. On SQLite this process is the only executor, so every `running` run is
/// an orphan of an earlier process; on PostgreSQL other instances may be alive, so only runs
/// whose heartbeat is older than the window are.
pub async fn recover_at_startup(state: &AppState) -> Result<Vec<i64>, sqlx::Error> {
    if state.db.is_shared() {
        return recover_orphans(state).await;
    }
    let now = state.now();
    let ids = repo::fail_orphans(&state.db, now + Duration::seconds(1), now).await?;
    if !ids.is_empty() {
        tracing::warn!(runs = ?ids, "failed runs left running by an earlier process");
    }
    Ok(ids)
}

/// Claims and executes one queued run; returns its id, or `None` when nothing was queued.
pub async fn run_one(state: &AppState, instance: &str) -> Result<Option<i64>, sqlx::Error> {
    // A platform operator paused execution (operational control `run_execution`): queued runs
    // stay queued until it is resumed or expires.
    let control = crate::features::system::ControlKey::RunExecution;
    if crate::features::system::paused(&state.db, control, None, state.now())
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let Some(run) = repo::claim_next(&state.db, instance, state.now()).await? else {
        return Ok(None);
    };
    let id = run.id;
    let beat = heartbeat_task(state.clone(), id);
    let exec_state = state.clone();
    let handle =
        tokio::spawn(
            async move { tokio::time::timeout(RUN_BUDGET, execute(&exec_state, &run)).await },
        );
    let finished = match handle.await {
        Ok(Ok(finished)) => finished,
        Ok(Err(_elapsed)) => Finished::failed(
            ReasonCode::RetryableProviderFailure,
            "The operation did not finish within its time budget.",
        ),
        Err(join) => {
            let error = crate::redact::text(&join.to_string());
            tracing::error!(run = id, %error, "run executor panicked");
            Finished::failed(
                ReasonCode::InternalError,
                "The operation stopped because of an internal error.",
            )
        }
    };
    beat.abort();
    finish(state, id, finished).await?;
    Ok(Some(id))
}

/// Executes queued runs until none is left (tests, the CLI and the demo seed use this).
pub async fn drain(state: &AppState) -> Result<usize, sqlx::Error> {
    let instance = instance_name();
    let mut n = 0;
    while run_one(state, &instance).await?.is_some() {
        n += 1;
    }
    Ok(n)
}

fn heartbeat_task(state: AppState, run_id: i64) -> tokio::task::JoinHandle<()> {
    let every =
        StdDuration::from_secs((state.config.operations.orphan_after_secs / 4).max(1) as u64);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if let Err(e) = repo::heartbeat(&state.db, run_id, state.now(), None).await {
                tracing::warn!(run = run_id, error = %e, "heartbeat failed");
            }
        }
    })
}

async fn finish(state: &AppState, run_id: i64, finished: Finished) -> Result<(), sqlx::Error> {
    if let Some(run) = repo::find(&state.db, run_id).await? {
        finish_at(&state.db, &run, &finished, state.now()).await?;
    }
    Ok(())
}

/// Completes `run` with `finished` and writes its artifact in one transaction, at time `now`
/// (a stored report of a user-started run also records `stored_report.created` telemetry).
/// Returns `false` (and writes nothing) when the run was already completed, e.g. failed as
/// orphaned while its executor was still working.
pub async fn finish_at(
    db: &crate::db::Db,
    run: &RunRow,
    finished: &Finished,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    if !repo::complete(&mut tx, run.id, &finished.completion, now).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    let owner = reports::Owner {
        workspace_id: run.workspace_id,
        tenant_id: run.tenant_id,
        run_id: run.id,
    };
    match &finished.artifact {
        Artifact::None => {}
        Artifact::Verification(report) => {
            let mut report = (**report).clone();
            report.checked_at = now;
            providers::service::store_report(&mut tx, &report, now).await?;
        }
        Artifact::Report(report) => {
            let report_id = reports::insert_report(&mut tx, owner, report, now).await?;
            // Product usage telemetry, same transaction: user-started runs only.
            crate::features::telemetry::recorder::seams::stored_report_created(
                &mut tx,
                crate::features::telemetry::recorder::TenantRef {
                    workspace_id: run.workspace_id,
                    tenant_id: run.tenant_id,
                },
                run.initiator_user_id,
                report_id,
                report.kind.as_str(),
                now,
            )
            .await?;
        }
        Artifact::ReviewPack(pack) => {
            reports::insert_pack(&mut tx, owner, pack, now).await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// Runs `run` to a result; never panics on provider input.
pub async fn execute(state: &AppState, run: &RunRow) -> Finished {
    match execute_inner(state, run).await {
        Ok(f) => f,
        Err(e) => {
            let error = crate::redact::text(&e.to_string());
            tracing::error!(run = run.id, %error, "run failed internally");
            Finished::failed(
                ReasonCode::InternalError,
                "The operation stopped because of an internal error.",
            )
        }
    }
}

async fn execute_inner(state: &AppState, run: &RunRow) -> Result<Finished, anyhow::Error> {
    let Some(kind) = run.kind() else {
        return Ok(Finished::failed(
            ReasonCode::UnknownOperationType,
            format!(
                "This version does not know operation type {:?}.",
                run.run_type.chars().take(60).collect::<String>()
            ),
        ));
    };
    let db = &state.db;
    let progress = |done: i32, total: i32| {
        let state = state.clone();
        let id = run.id;
        tokio::spawn(async move {
            let _ = repo::heartbeat(&state.db, id, state.now(), Some((done, total))).await;
        });
    };
    if kind == RunType::ReviewPackGenerate {
        let Some(tenant) = tenants::repo::find_by_id(db, run.tenant_id).await? else {
            return Ok(Finished::failed(
                ReasonCode::InternalError,
                "The tenant no longer exists.",
            ));
        };
        let pack = report_rules::build_review_pack(db, &tenant, state.now(), &progress).await?;
        let counts = SummaryCounts::of(&[
            ("files", zip_entries(&pack.content) as i64),
            ("bytes", pack.content.len() as i64),
        ]);
        return Ok(Finished {
            completion: Completion::succeeded(counts),
            artifact: Artifact::ReviewPack(pack),
        });
    }
    let Some(connection) = providers::repo::find_for_tenant(db, run.tenant_id).await? else {
        return Ok(Finished::failed(
            ReasonCode::ProviderConnectionMissing,
            "This tenant has no provider connection. Connect a provider in onboarding, then retry.",
        ));
    };
    let client = match ProviderClient::for_connection(&state.config, &connection) {
        Ok(c) => c,
        Err(fault) => {
            if kind == RunType::ProviderConnectionVerify {
                let (report, completion) =
                    providers::service::judge(&connection, run.id, Err(fault), state.now());
                return Ok(Finished {
                    completion,
                    artifact: Artifact::Verification(Box::new(report)),
                });
            }
            return Ok(Finished::fault(&fault));
        }
    };
    progress(0, 1);
    Ok(produce(kind, run, &connection, &client, state.now()).await)
}

/// Result of a provider-backed run with an already built client (also used to write demo
/// history with the simulated client, so demo runs carry exactly what real runs would).
pub async fn produce(
    kind: RunType,
    run: &RunRow,
    connection: &providers::model::Connection,
    client: &ProviderClient,
    now: chrono::DateTime<chrono::Utc>,
) -> Finished {
    match kind {
        RunType::ProviderConnectionVerify => {
            let result = client.check_access().await;
            let (report, completion) = providers::service::judge(connection, run.id, result, now);
            Finished {
                completion,
                artifact: Artifact::Verification(Box::new(report)),
            }
        }
        RunType::InventorySync => match client.inventory().await {
            Ok(inv) => {
                let counts = SummaryCounts::of(&[
                    ("managed_devices", inv.managed_devices),
                    ("configuration_profiles", inv.configuration_profiles),
                ]);
                if inv.truncated {
                    Finished {
                        completion: Completion {
                            outcome: super::model::RunOutcome::PartiallySucceeded,
                            reason: Some(ReasonCode::RequiredPermissionsMissing),
                            message: Some(
                                "Part of the inventory could not be read; grant the missing permissions and sync again."
                                    .into(),
                            ),
                            counts,
                        },
                        artifact: Artifact::None,
                    }
                } else {
                    Finished {
                        completion: Completion::succeeded(counts),
                        artifact: Artifact::None,
                    }
                }
            }
            Err(f) => Finished::fault(&f),
        },
        RunType::PermissionPostureReport => match client.check_access().await {
            Ok(check) => {
                let report = report_rules::permission_posture(&check);
                let missing = report.summary["missing"].as_i64().unwrap_or(0);
                let counts = SummaryCounts::of(&[
                    (
                        "permissions_granted",
                        report.summary["granted"].as_i64().unwrap_or(0),
                    ),
                    ("permissions_missing", missing),
                ]);
                let completion = if missing > 0 {
                    Completion {
                        outcome: super::model::RunOutcome::PartiallySucceeded,
                        reason: Some(ReasonCode::RequiredPermissionsMissing),
                        message: None,
                        counts,
                    }
                } else {
                    Completion::succeeded(counts)
                };
                Finished {
                    completion,
                    artifact: Artifact::Report(report),
                }
            }
            Err(f) => Finished::fault(&f),
        },
        RunType::EntraAdminRolesReport => match client.admin_roles().await {
            Ok(roles) => {
                let report = report_rules::admin_roles(&roles);
                let counts = SummaryCounts::of(&[
                    ("roles", roles.len() as i64),
                    (
                        "high_privilege_roles",
                        report.summary["high_privilege_roles"].as_i64().unwrap_or(0),
                    ),
                ]);
                Finished {
                    completion: Completion::succeeded(counts),
                    artifact: Artifact::Report(report),
                }
            }
            Err(f) => Finished::fault(&f),
        },
        RunType::ReviewPackGenerate => Finished::failed(
            ReasonCode::InternalError,
            "Review packs are not produced by a provider.",
        ),
    }
}

fn zip_entries(bytes: &[u8]) -> usize {
    zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map(|z| z.len())
        .unwrap_or(0)
}

/// Starts the executor: recovers orphans once, then `workers` loops that claim runs as they are
/// queued (woken at once for runs queued on this instance, by polling for others), plus a
/// periodic orphan sweep.
pub async fn spawn(state: AppState) -> Vec<tokio::task::JoinHandle<()>> {
    spawn_until(state, crate::shutdown::Shutdown::never()).await
}

/// [`spawn`], stopping on `shutdown`: a worker finishes the run it is executing, then claims
/// no further run and ends; the sweeper ends at once (another instance or the next start-up
/// recovers orphans).
pub async fn spawn_until(
    state: AppState,
    shutdown: crate::shutdown::Shutdown,
) -> Vec<tokio::task::JoinHandle<()>> {
    if let Err(e) = recover_at_startup(&state).await {
        tracing::warn!(error = %e, "start-up orphan recovery failed");
    }
    let instance = Arc::new(instance_name());
    let mut handles = Vec::new();
    for _ in 0..state.config.operations.workers {
        let state = state.clone();
        let instance = instance.clone();
        let mut shutdown = shutdown.clone();
        handles.push(tokio::spawn(async move {
            let poll = StdDuration::from_millis(state.config.operations.poll_interval_ms);
            while !shutdown.is_stopping() {
                match run_one(&state, &instance).await {
                    Ok(Some(_)) => continue,
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "claiming a run failed"),
                }
                tokio::select! {
                    _ = tokio::time::timeout(poll, state.runs_queued.notified()) => {}
                    _ = shutdown.stopped() => {}
                }
            }
        }));
    }
    let sweeper = state.clone();
    let mut shutdown = shutdown.clone();
    handles.push(tokio::spawn(async move {
        let every =
            StdDuration::from_secs((sweeper.config.operations.orphan_after_secs / 2).max(5) as u64);
        while !shutdown.is_stopping() {
            if let Err(e) = recover_orphans(&sweeper).await {
                tracing::warn!(error = %e, "orphan sweep failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.stopped() => {}
            }
        }
    }));
    handles
}

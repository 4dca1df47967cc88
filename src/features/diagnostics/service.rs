//! The support diagnostics bundle: one builder for the tenant context and the operation-run
//! context. It gathers what support needs to understand a tenant's state (identity, provider
//! connection, latest verification with freshness, recent runs and failures, the dominant issue
//! and links to the records behind it), then redacts it and bounds its size. Opening a bundle
//! is an explicit action: it is audited here, never on page render.

use crate::audit::{self, AuditContext, AuditEntry};
use crate::error::ServiceError;
use crate::features::operations::model::{ReasonCode, RunOutcome, RunRow, RunWithTenant};
use crate::features::operations::service as runs;
use crate::features::providers::{self, model::VerificationState};
use crate::features::tenants::model::ScopedTenant;
use crate::redact::Redactor;
use crate::state::AppState;
use serde_json::{Value, json};

/// Version of the bundle layout; bumped when fields change meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// Largest serialized bundle; beyond it the run history is cut and the cut is declared.
pub const MAX_BUNDLE_BYTES: usize = 64 * 1024;

/// Runs summarised in a bundle.
pub const RECENT_RUNS: i64 = 10;

/// Failures listed, from the last [`FAILURE_WINDOW`] runs.
pub const RECENT_FAILURES: usize = 5;

/// How many recent runs are searched for failures.
pub const FAILURE_WINDOW: i64 = 50;

/// What the bundle is about.
#[derive(Debug, Clone)]
pub enum Context<'a> {
    /// A tenant, opened from its dashboard.
    Tenant(&'a ScopedTenant),
    /// An operation run (and its tenant), opened from the run viewer.
    Run(&'a RunWithTenant),
}

impl Context<'_> {
    /// `tenant` or `operation_run`.
    pub fn kind(&self) -> &'static str {
        match self {
            Context::Tenant(_) => "tenant",
            Context::Run(_) => "operation_run",
        }
    }
}

/// The dominant issue of a context and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DominantIssue {
    /// The reason code, when there is one.
    pub reason: Option<ReasonCode>,
    /// `operation_run`, `verification`, `provider_connection`, `recent_failure` or `none`.
    pub source: &'static str,
    /// Whether the evidence was too thin to be sure (no connection, never verified).
    pub evidence_incomplete: bool,
}

/// The dominant issue: for a run context the run's own reason if it did not succeed; otherwise
/// the verification's dominant reason; otherwise the latest failed run's reason.
pub fn dominant_issue(
    verification: &VerificationState,
    run: Option<&RunRow>,
    latest_failure: Option<&RunRow>,
) -> DominantIssue {
    if let Some(run) = run
        && run.outcome() != Some(RunOutcome::Succeeded)
        && let Some(reason) = run.reason()
    {
        return DominantIssue {
            reason: Some(reason),
            source: "operation_run",
            evidence_incomplete: false,
        };
    }
    let incomplete = verification.connection.is_none() || verification.report.is_none();
    if let Some(reason) = verification.dominant_reason() {
        let source = if verification.connection.is_none() {
            "provider_connection"
        } else {
            "verification"
        };
        return DominantIssue {
            reason: Some(reason),
            source,
            evidence_incomplete: incomplete,
        };
    }
    if let Some(f) = latest_failure
        && let Some(reason) = f.reason()
    {
        return DominantIssue {
            reason: Some(reason),
            source: "recent_failure",
            evidence_incomplete: incomplete,
        };
    }
    DominantIssue {
        reason: None,
        source: "none",
        evidence_incomplete: incomplete,
    }
}

/// What a context's dominant issue is decided from: the tenant's verification state and its
/// last [`FAILURE_WINDOW`] runs. The bundle and the support-request form's preview both load
/// it here, so they always agree on the issue, its help topic and the failures listed.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The tenant's connection, newest report and freshness.
    pub verification: VerificationState,
    /// Its newest runs, newest first.
    pub recent: Vec<RunRow>,
}

impl Evidence {
    /// Loads the evidence of the tenant `tenant_id`: one query for the connection with its
    /// newest report, one for the runs.
    pub async fn load(state: &AppState, tenant_id: i64) -> Result<Evidence, ServiceError> {
        let (connection, report) =
            match providers::service::connection_with_latest_report(&state.db, tenant_id).await? {
                Some((connection, report)) => (Some(connection), report),
                None => (None, None),
            };
        let freshness = state.config.providers.verification_freshness_hours;
        let verification = VerificationState {
            stale: report
                .as_ref()
                .is_some_and(|r| r.is_stale(state.now(), freshness)),
            connection,
            report,
        };
        let recent = runs::recent_for_tenant(&state.db, tenant_id, FAILURE_WINDOW).await?;
        Ok(Evidence {
            verification,
            recent,
        })
    }

    /// The failed runs among the recent ones, newest first, at most [`RECENT_FAILURES`].
    pub fn failures(&self) -> Vec<&RunRow> {
        self.recent
            .iter()
            .filter(|r| r.outcome() == Some(RunOutcome::Failed))
            .take(RECENT_FAILURES)
            .collect()
    }

    /// The dominant issue, for a run context given its `run`.
    pub fn dominant(&self, run: Option<&RunRow>) -> DominantIssue {
        dominant_issue(&self.verification, run, self.failures().first().copied())
    }
}

/// The help topic that explains `dominant` (for a run context given its `run`).
pub fn help_topic(
    dominant: &DominantIssue,
    run: Option<&RunRow>,
) -> Option<crate::features::help::HelpTopicKey> {
    crate::features::help::topic_for_support_diagnostics(
        dominant.reason,
        dominant.evidence_incomplete,
        run.and_then(RunRow::outcome),
    )
}

fn run_summary(run: &RunRow) -> Value {
    let mut summary = run.summary_json();
    let initiator = match run.initiator_user_id {
        Some(_) => run.initiator_label.as_str(),
        None => "system",
    };
    summary["summary_message"] = json!(run.summary_message);
    summary["initiator"] = json!(initiator);
    summary["url"] = json!(format!("/admin/operations/{}", run.id));
    summary
}

/// A built bundle plus what the preview needs beside the JSON.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The redacted, bounded bundle.
    pub json: Value,
    /// The dominant issue (for contextual help).
    pub dominant: DominantIssue,
}

/// Builds the bundle for `context`.
pub async fn build(state: &AppState, context: Context<'_>) -> Result<Bundle, ServiceError> {
    let now = state.now();
    let (tenant_id, ext, name, ws_slug, ws_name, created_at) = match &context {
        Context::Tenant(t) => (
            t.id,
            t.external_id.clone(),
            t.name.clone(),
            t.workspace_slug.clone(),
            Some(t.workspace_name.clone()),
            Some(t.created_at),
        ),
        Context::Run(r) => (
            r.run.tenant_id,
            r.tenant_external_id.clone(),
            r.tenant_name.clone(),
            r.workspace_slug.clone(),
            None,
            None,
        ),
    };
    let evidence = Evidence::load(state, tenant_id).await?;
    let failures = evidence.failures();
    let run = match &context {
        Context::Run(r) => Some(&r.run),
        Context::Tenant(_) => None,
    };
    let dominant = evidence.dominant(run);
    let Evidence {
        verification,
        recent,
    } = &evidence;

    let mut not_collected = vec![
        json!({"item": "client_secret", "reason": "Secrets are never collected; the client secret lives only in the service configuration."}),
        json!({"item": "access_tokens", "reason": "Provider tokens are used in memory and never stored."}),
        json!({"item": "audit_log", "reason": "The audit log is available to workspace owners and managers on its own page."}),
    ];
    let connection = match &verification.connection {
        Some(c) => json!({
            "kind": c.kind,
            "display_name": c.display_name,
            "directory_id": c.directory_id,
            "simulated_scenario": c.simulated_scenario,
            "consent": c.consent_state,
            "health": c.health,
            "granted_permissions": c.granted_permissions.0,
            "updated_at": c.updated_at,
        }),
        None => {
            not_collected.push(json!({"item": "provider_connection", "reason": "The tenant has no provider connection."}));
            Value::Null
        }
    };
    let verification_json = match &verification.report {
        Some(v) => json!({
            "overall": v.overall,
            "consent": v.consent_state,
            "health": v.health,
            "reason_code": v.reason_code,
            "missing_permissions": v.missing(),
            "checked_at": v.checked_at,
            "stale": verification.stale,
            "freshness_window_hours": state.config.providers.verification_freshness_hours,
            "run_id": v.run_id,
        }),
        None => {
            if verification.connection.is_some() {
                not_collected.push(json!({"item": "verification", "reason": "The provider connection has never been verified."}));
            }
            Value::Null
        }
    };
    let mut related = vec![json!({"type": "tenant", "id": ext, "url": format!("/admin/t/{ext}")})];
    if let Some(v) = &verification.report {
        related.push(json!({"type": "verification_run", "id": v.run_id, "url": format!("/admin/operations/{}", v.run_id)}));
    }
    if let Some(r) = run {
        related.push(json!({"type": "operation_run", "id": r.id, "url": format!("/admin/operations/{}", r.id)}));
    }
    for f in &failures {
        related.push(
            json!({"type": "failed_run", "id": f.id, "url": format!("/admin/operations/{}", f.id)}),
        );
    }
    let mut recent_runs: Vec<Value> = recent
        .iter()
        .take(RECENT_RUNS as usize)
        .map(run_summary)
        .collect();

    let mut bundle = json!({
        "schema_version": SCHEMA_VERSION,
        "generated_at": now,
        "context": {
            "type": context.kind(),
            "tenant": ext,
            "operation_run_id": run.map(|r| r.id),
        },
        "workspace": {"slug": ws_slug, "name": ws_name},
        "tenant": {"external_id": ext, "name": name, "created_at": created_at},
        "provider_connection": connection,
        "verification": verification_json,
        "operation_run": run.map(run_summary),
        "recent_runs": Value::Null,
        "recent_failures": failures.iter().map(|r| run_summary(r)).collect::<Vec<_>>(),
        "dominant_issue": {
            "help_topic": help_topic(&dominant, run).map(|k| k.as_str()),
            "reason_code": dominant.reason.map(|r| r.as_str()),
            "source": dominant.source,
            "evidence_incomplete": dominant.evidence_incomplete,
        },
        "related": related,
    });
    // The tenant's own directory id stays readable; every other GUID becomes a placeholder.
    let own_ids: Vec<String> = verification
        .connection
        .iter()
        .map(|c| c.directory_id.clone())
        .collect();
    let own: Vec<&str> = own_ids.iter().map(String::as_str).collect();
    loop {
        let mut redactor = Redactor::new(&own);
        bundle["recent_runs"] = Value::Array(recent_runs.clone());
        let mut redacted = redactor.value(bundle.clone());
        redacted["redaction"] = serde_json::to_value(redactor.manifest()).unwrap_or(Value::Null);
        redacted["not_collected"] = Value::Array(not_collected.clone());
        let size = serde_json::to_vec(&redacted).map(|v| v.len()).unwrap_or(0);
        if size <= MAX_BUNDLE_BYTES || recent_runs.is_empty() {
            return Ok(Bundle {
                json: redacted,
                dominant,
            });
        }
        recent_runs.pop();
        if !not_collected
            .iter()
            .any(|n| n["item"] == "recent_runs_beyond_size_limit")
        {
            not_collected.push(json!({"item": "recent_runs_beyond_size_limit", "reason": format!("The bundle is limited to {MAX_BUNDLE_BYTES} bytes; older runs were left out.")}));
        }
    }
}

/// Audits an explicit open and counts it in product usage telemetry (same transaction);
/// returns the audit row id (the preview URL carries it).
pub async fn record_open(
    state: &AppState,
    actx: &AuditContext,
    workspace_id: i64,
    tenant_id: i64,
    context: &Context<'_>,
    source_surface: &'static str,
) -> Result<i64, ServiceError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (target_type, target_id, run_type) = match context {
        Context::Tenant(t) => ("tenant", t.external_id.clone(), None),
        Context::Run(r) => (
            "operation_run",
            r.run.id.to_string(),
            Some(r.run.run_type.clone()),
        ),
    };
    let id = audit::record(
        &mut tx,
        actx,
        now,
        AuditEntry {
            action: "support_diagnostics.opened",
            workspace_id: Some(workspace_id),
            tenant_id: Some(tenant_id),
            target_type,
            target_id: target_id.clone(),
            metadata: json!({
                "context": context.kind(),
                "source_surface": source_surface,
                "operation_type": run_type,
                "schema_version": SCHEMA_VERSION,
            }),
        },
    )
    .await?;
    let run = match context {
        Context::Tenant(_) => None,
        Context::Run(r) => Some((r.run.id, r.run.run_type.as_str())),
    };
    crate::features::telemetry::service::seams::diagnostics_opened(
        &mut tx,
        actx,
        crate::features::telemetry::service::TenantRef {
            workspace_id,
            tenant_id,
        },
        run,
        source_surface,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Reads with no rules of their own, offered to other features and to the web layer as they are
/// (only a feature's own service touches its repo).
pub use super::repo::find_open;

//! Rules for reports: what a posture or roles report contains, and how a review pack bundles
//! the tenant's latest reports and recent runs into one ZIP.

use super::model::{NewReviewPack, NewStoredReport, ReportKind};
use super::repo;
use crate::db::Db;
use crate::features::operations::{model::RunRow, service as runs};
use crate::features::providers::model::{AccessCheck, AdminRole, REQUIRED_PERMISSIONS};
use crate::features::providers::service as providers;
use crate::features::tenants::model::Tenant;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::io::Write;

/// Version of the review pack layout; bumped when files or fields change meaning.
pub const REVIEW_PACK_SCHEMA_VERSION: u32 = 1;

/// Runs summarised in a review pack.
pub const REVIEW_PACK_RECENT_RUNS: i64 = 50;

/// A permission posture report from an access check.
pub fn permission_posture(check: &AccessCheck) -> NewStoredReport {
    let granted: Vec<&str> = REQUIRED_PERMISSIONS
        .iter()
        .copied()
        .filter(|p| check.granted_permissions.iter().any(|g| g == p))
        .collect();
    let missing: Vec<&str> = REQUIRED_PERMISSIONS
        .iter()
        .copied()
        .filter(|p| !granted.contains(p))
        .collect();
    let mut additional: Vec<&str> = check
        .granted_permissions
        .iter()
        .map(String::as_str)
        .filter(|g| !REQUIRED_PERMISSIONS.contains(g))
        .collect();
    additional.sort_unstable();
    NewStoredReport {
        kind: ReportKind::PermissionPosture,
        summary: json!({
            "required": REQUIRED_PERMISSIONS.len(),
            "granted": granted.len(),
            "missing": missing.len(),
            "additional": additional.len(),
        }),
        payload: json!({
            "required": REQUIRED_PERMISSIONS,
            "granted": granted,
            "missing": missing,
            "additional": additional,
        }),
    }
}

/// An Entra admin roles report.
pub fn admin_roles(roles: &[AdminRole]) -> NewStoredReport {
    let high: Vec<&AdminRole> = roles.iter().filter(|r| r.high_privilege).collect();
    NewStoredReport {
        kind: ReportKind::EntraAdminRoles,
        summary: json!({
            "roles": roles.len(),
            "high_privilege_roles": high.len(),
            "high_privilege_members": high.iter().map(|r| r.member_count).sum::<i64>(),
            "members": roles.iter().map(|r| r.member_count).sum::<i64>(),
        }),
        payload: json!({ "roles": roles }),
    }
}

/// A run in the pack: who started it is only "user" or "system", never a name.
fn run_summary(run: &RunRow) -> Value {
    let mut summary = run.summary_json();
    let initiated_by = if run.initiator_user_id.is_some() {
        "user"
    } else {
        "system"
    };
    summary["initiated_by"] = json!(initiated_by);
    summary
}

/// Progress callback: `(done, total)` after each step.
pub type Progress<'a> = &'a (dyn Fn(i32, i32) + Send + Sync);

/// Builds a review pack for `tenant`: a manifest, the latest report of each kind, the latest
/// verification and recent run summaries. Nothing secret or personal goes in: run initiators
/// appear only as `user` or `system`.
pub async fn build_review_pack(
    db: &Db,
    tenant: &Tenant,
    now: DateTime<Utc>,
    progress: Progress<'_>,
) -> Result<NewReviewPack, anyhow::Error> {
    let total = 4;
    let mut files: Vec<(String, Value)> = Vec::new();
    for kind in ReportKind::ALL {
        if let Some(r) = repo::latest_report(db, tenant.id, kind).await? {
            files.push((
                format!("reports/{}.json", kind.as_str()),
                json!({"kind": kind, "run_id": r.run_id, "created_at": r.created_at,
                       "summary": r.summary.0, "payload": r.payload.0}),
            ));
        }
    }
    progress(1, total);
    if let Some(v) = providers::latest_report(db, tenant.id).await? {
        files.push((
            "verification.json".into(),
            json!({"overall": v.overall, "consent": v.consent_state, "health": v.health,
                   "reason_code": v.reason_code, "permissions": v.permissions.0,
                   "checked_at": v.checked_at, "run_id": v.run_id}),
        ));
    }
    progress(2, total);
    let recent = runs::recent_for_tenant(db, tenant.id, REVIEW_PACK_RECENT_RUNS).await?;
    files.push((
        "runs.json".into(),
        Value::Array(recent.iter().map(run_summary).collect()),
    ));
    progress(3, total);
    let manifest = json!({
        "schema_version": REVIEW_PACK_SCHEMA_VERSION,
        "generated_at": now,
        "tenant": {"external_id": tenant.external_id, "name": tenant.name},
        "files": files.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(),
    });
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, value) in std::iter::once(("manifest.json".to_string(), manifest)).chain(files) {
        zip.start_file(name, options)?;
        zip.write_all(&serde_json::to_vec_pretty(&value)?)?;
    }
    let content = zip.finish()?.into_inner();
    progress(4, total);
    Ok(NewReviewPack {
        file_name: format!(
            "review-pack-{}-{}.zip",
            tenant.external_id,
            now.format("%Y%m%d-%H%M%S")
        ),
        content,
    })
}

/// Reads with no rules of their own, offered to other features and to the web layer as they are
/// (only a feature's own service touches its repo).
pub use super::repo::{find_report, list_packs, list_reports, pack_content, pack_for_run};

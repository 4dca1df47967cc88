//! What the support-request form shows before a submit: the context that will be attached
//! (seed 246's summary). It is built from the same evidence as the diagnostics bundle
//! ([`diagnostics::Evidence`]), so the tenant's verification state, the dominant issue with its
//! help topic and the recent failures on the form are what a snapshot would say, and the
//! attachment mode comes from [`service::attachment_mode_for`]. Three small queries; nothing
//! is audited (opening the form is not opening diagnostics).

use super::model::{AttachmentMode, Target};
use super::service;
use crate::access::Role;
use crate::error::ServiceError;
use crate::features::diagnostics::service::{self as diagnostics, DominantIssue, Evidence};
use crate::features::help::HelpTopicKey;
use crate::features::operations::model::RunRow;
use crate::features::providers::model::TenantVerdict;
use crate::state::AppState;

/// The context a request filed now would carry, as the form previews it.
#[derive(Debug, Clone)]
pub struct ContextPreview {
    /// The tenant's verdict (the dashboard's pill).
    pub verdict: TenantVerdict,
    /// The dominant issue and where it came from.
    pub dominant: DominantIssue,
    /// The help topic that explains it, if any.
    pub help_topic: Option<HelpTopicKey>,
    /// For a run context the run itself; otherwise the tenant's recent failed runs, newest first.
    pub failures: Vec<RunRow>,
    /// Whether `failures` is the run of a run context rather than the tenant's failures.
    pub run_context: bool,
    /// What is attached for the filer's role.
    pub attachment: AttachmentMode,
    /// The filer's role (the attachment mode's reason names it).
    pub role: Role,
}

/// The preview of `target` for a filer with `role`.
pub async fn build(
    state: &AppState,
    target: &Target<'_>,
    role: Role,
) -> Result<ContextPreview, ServiceError> {
    let evidence = Evidence::load(state, target.tenant_id()).await?;
    let run = match target {
        Target::Run(r) => Some(&r.run),
        Target::Tenant(_) => None,
    };
    let dominant = evidence.dominant(run);
    let failures = match run {
        Some(run) => vec![run.clone()],
        None => evidence.failures().into_iter().cloned().collect(),
    };
    Ok(ContextPreview {
        verdict: evidence.verification.verdict(),
        help_topic: diagnostics::help_topic(&dominant, run),
        dominant,
        failures,
        run_context: run.is_some(),
        attachment: service::attachment_mode_for(role),
        role,
    })
}

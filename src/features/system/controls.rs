//! Operational controls (spec 242): a code-owned catalog of switches platform operators can
//! pause and resume on `/system/controls` when something misbehaves, without a deploy.
//!
//! Semantics, translated from the seed's `OperationalControlCatalog` (without the findings
//! lifecycle backfill, which the seed's commit d96abc65fb removed):
//! - a control is paused **globally** or, where its definition allows it, for **one workspace**;
//!   a global pause covers every workspace and wins when both exist;
//! - a pause needs a **reason** (1–500 characters) and records **who** paused it and **when**;
//!   it lasts **until resumed** or for a chosen **duration** (1 hour, 24 hours, 7 days) after
//!   which it ends by itself: an expired pause is ignored by every reader;
//! - pausing an already paused control in the same scope replaces its reason and expiry;
//! - a **resume** ends the pause in one scope (with an optional note); resuming what is not
//!   paused is a conflict, so a stale page cannot claim a resume that did nothing;
//! - every pause and resume writes its audit row (`operational_control.paused` /
//!   `operational_control.resumed`) in the same transaction, with the platform user as actor.
//!
//! Features honour a control by asking [`paused`] before they act; the catalog entry's
//! [`ControlDefinition::enforced_at`] names the place that asks (for readers of the code only:
//! operator pages describe each control in words). Pages show what is paused before the click
//! from [`in_effect`], read once per page by the page frame.

use super::repo::{self, NewPause, PauseRow};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::db::Db;
use crate::error::{Invalid, ServiceError};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// Longest reason (and resume note) kept, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Upper bound on the pauses the controls page lists (controls × scopes in effect).
pub const MAX_LISTED_PAUSES: i64 = 500;

crate::text_enum!(
    /// The controls of the catalog; stored and posted as [`ControlKey::as_str`].
    ControlKey {
        /// Users starting operation runs (pages, API, onboarding verification).
        OperationStarts = "operation_starts",
        /// Users requesting review packs (`review_pack.generate` runs) only.
        ReviewPackGeneration = "review_pack_generation",
        /// Executors claiming queued runs, on every instance.
        RunExecution = "run_execution",
        /// Creating tickets in the external support desk from support requests.
        SupportDeskHandoff = "support_desk_handoff",
    }
);

/// Where a control can be paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeSupport {
    /// Only for the whole installation.
    GlobalOnly,
    /// For the whole installation or for one workspace.
    GlobalOrWorkspace,
}

/// One catalog entry: what the control governs and who checks it.
#[derive(Debug, Clone, Copy)]
pub struct ControlDefinition {
    /// The control.
    pub key: ControlKey,
    /// Where it can be paused.
    pub scopes: ScopeSupport,
    /// The function that asks [`paused`] before acting (for readers and reviewers).
    pub enforced_at: &'static str,
}

/// The catalog, in the order the controls page lists it.
pub const CATALOG: [ControlDefinition; 4] = [
    ControlDefinition {
        key: ControlKey::OperationStarts,
        scopes: ScopeSupport::GlobalOrWorkspace,
        enforced_at: "features::operations::service::queue_in (user initiators)",
    },
    ControlDefinition {
        key: ControlKey::ReviewPackGeneration,
        scopes: ScopeSupport::GlobalOrWorkspace,
        enforced_at: "features::operations::service::queue_in (type review_pack.generate)",
    },
    ControlDefinition {
        key: ControlKey::RunExecution,
        scopes: ScopeSupport::GlobalOnly,
        enforced_at: "features::operations::runner::run_one (before claim_next)",
    },
    ControlDefinition {
        key: ControlKey::SupportDeskHandoff,
        scopes: ScopeSupport::GlobalOrWorkspace,
        enforced_at: "features::support_requests (desk availability before validate)",
    },
];

impl ControlKey {
    /// The catalog entry.
    pub fn definition(self) -> ControlDefinition {
        match self {
            ControlKey::OperationStarts => CATALOG[0],
            ControlKey::ReviewPackGeneration => CATALOG[1],
            ControlKey::RunExecution => CATALOG[2],
            ControlKey::SupportDeskHandoff => CATALOG[3],
        }
    }

    /// Fluent id of the control's name.
    pub fn label_key(self) -> &'static str {
        match self {
            ControlKey::OperationStarts => "system-control-operation-starts",
            ControlKey::ReviewPackGeneration => "system-control-review-pack-generation",
            ControlKey::RunExecution => "system-control-run-execution",
            ControlKey::SupportDeskHandoff => "system-control-support-desk-handoff",
        }
    }

    /// Fluent id of what the control governs.
    pub fn description_key(self) -> &'static str {
        match self {
            ControlKey::OperationStarts => "system-control-operation-starts-description",
            ControlKey::ReviewPackGeneration => "system-control-review-pack-generation-description",
            ControlKey::RunExecution => "system-control-run-execution-description",
            ControlKey::SupportDeskHandoff => "system-control-support-desk-handoff-description",
        }
    }

    /// Fluent id of the refusal a feature answers with while this control is paused (use it as
    /// the [`ServiceError::Conflict`] key, `409`); `None` for controls whose features degrade
    /// instead of refusing (run execution waits, the desk handoff falls back to internal only).
    pub fn refusal_key(self) -> Option<&'static str> {
        match self {
            ControlKey::OperationStarts => Some("system-controls-refused-operation-starts"),
            ControlKey::ReviewPackGeneration => {
                Some("system-controls-refused-review-pack-generation")
            }
            ControlKey::RunExecution | ControlKey::SupportDeskHandoff => None,
        }
    }

    /// Fluent id of what users see while it is paused.
    pub fn effect_key(self) -> &'static str {
        match self {
            ControlKey::OperationStarts => "system-control-operation-starts-effect",
            ControlKey::ReviewPackGeneration => "system-control-review-pack-generation-effect",
            ControlKey::RunExecution => "system-control-run-execution-effect",
            ControlKey::SupportDeskHandoff => "system-control-support-desk-handoff-effect",
        }
    }
}

/// Where one pause applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlScope {
    /// Everywhere.
    Global,
    /// One workspace.
    Workspace {
        /// Its id.
        id: i64,
        /// Its URL key (for audit metadata and the page).
        slug: String,
    },
}

impl ControlScope {
    /// Stored scope key: `global` or `workspace:<id>` (ids, so a renamed slug keeps its pause).
    pub fn key(&self) -> String {
        match self {
            ControlScope::Global => "global".into(),
            ControlScope::Workspace { id, .. } => workspace_scope_key(*id),
        }
    }

    /// How audit metadata names the scope: `global` or `workspace:<slug>`.
    pub fn audit_label(&self) -> String {
        match self {
            ControlScope::Global => "global".into(),
            ControlScope::Workspace { slug, .. } => format!("workspace:{slug}"),
        }
    }

    fn workspace_id(&self) -> Option<i64> {
        match self {
            ControlScope::Global => None,
            ControlScope::Workspace { id, .. } => Some(*id),
        }
    }
}

fn workspace_scope_key(id: i64) -> String {
    format!("workspace:{id}")
}

crate::text_enum!(
    custom_parse
    /// How long a pause lasts.
    PauseDuration {
        /// One hour.
        OneHour = "1h",
        /// 24 hours.
        OneDay = "24h",
        /// Seven days.
        OneWeek = "7d",
        /// Until someone resumes it (the default).
        UntilResumed = "until_resumed",
    }
);

impl PauseDuration {
    /// Reads the form's choice: trimmed, empty meaning until resumed.
    pub fn parse(value: &str) -> Option<PauseDuration> {
        match value.trim() {
            "" => Some(PauseDuration::UntilResumed),
            v => v.parse().ok(),
        }
    }

    /// Fluent id of the choice's label.
    pub fn label_key(self) -> &'static str {
        match self {
            PauseDuration::OneHour => "system-controls-duration-1h",
            PauseDuration::OneDay => "system-controls-duration-24h",
            PauseDuration::OneWeek => "system-controls-duration-7d",
            PauseDuration::UntilResumed => "system-controls-duration-until-resumed",
        }
    }

    /// When a pause starting at `now` ends by itself.
    pub fn expires_at(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            PauseDuration::OneHour => Some(now + Duration::hours(1)),
            PauseDuration::OneDay => Some(now + Duration::hours(24)),
            PauseDuration::OneWeek => Some(now + Duration::days(7)),
            PauseDuration::UntilResumed => None,
        }
    }
}

/// The posted control form, as text (validated by [`apply`]).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ControlForm {
    /// `pause` or `resume`.
    #[serde(default)]
    pub action: String,
    /// Why (required to pause; optional note on resume).
    #[serde(default)]
    pub reason: String,
    /// `global` (default) or `workspace`.
    #[serde(default)]
    pub scope: String,
    /// Workspace slug when `scope = workspace`.
    #[serde(default)]
    pub workspace: String,
    /// A [`PauseDuration`] value; empty = until resumed.
    #[serde(default)]
    pub duration: String,
    /// `yes` on the second step of a pause that asks for confirmation ([`needs_confirmation`]).
    #[serde(default)]
    pub confirm: String,
}

/// What a successful form did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// A new pause.
    Paused,
    /// An active pause got a new reason or expiry.
    PauseUpdated,
    /// A pause ended.
    Resumed,
}

/// A pause in effect, as features and the page see it.
pub type ActivePause = PauseRow;

/// The pause of `control` in effect at `now` for a caller in `workspace_id` (or for the whole
/// installation when `None`), if any: a global pause, else that workspace's own. Features call
/// this before the action the control governs and refuse (or degrade) when it is `Some`.
pub async fn paused(
    db: &Db,
    control: ControlKey,
    workspace_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<ActivePause>, sqlx::Error> {
    let scope = workspace_id.map(workspace_scope_key);
    repo::effective_pause(db, control.as_str(), scope.as_deref(), now).await
}

impl PauseRow {
    /// The control, `None` for a key this version does not know.
    pub fn control(&self) -> Option<ControlKey> {
        ControlKey::parse(&self.control_key)
    }
}

/// The pauses in effect at `now` for a caller in `workspace_id` (only global ones for `None`),
/// at most one per control: a global pause wins over the workspace's own, as in [`paused`].
pub async fn in_effect(
    db: &Db,
    workspace_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<ActivePause>, sqlx::Error> {
    // Two scopes per control at most: the global pause and the workspace's.
    let limit = 2 * CATALOG.len() as i64;
    let rows = repo::pauses_for_workspace(db, workspace_id, now, limit).await?;
    Ok(first_per_control(rows))
}

/// The pause in effect per control from `rows` ordered by control with the global pause
/// first (as [`in_effect`] and the request context read them): the global one wins.
pub fn first_per_control(mut rows: Vec<ActivePause>) -> Vec<ActivePause> {
    rows.dedup_by(|later, first| later.control_key == first.control_key);
    rows
}

/// Whether `form` for `control` must first be confirmed: pausing run execution stops every
/// instance's executors, so its form renders a confirmation stating what it affects and only
/// the second post (with `confirm=yes`) pauses.
pub fn needs_confirmation(control: ControlKey, form: &ControlForm) -> bool {
    control == ControlKey::RunExecution
        && form.action.trim() == "pause"
        && form.confirm.trim() != "yes"
}

/// Runs waiting for an executor now (what a run-execution pause holds back).
pub async fn queued_runs(db: &Db, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    Ok(repo::open_runs(db, now, now).await?.queued)
}

/// Every pause in effect at `now` (for the controls page).
pub async fn active(db: &Db, now: DateTime<Utc>) -> Result<Vec<ActivePause>, sqlx::Error> {
    repo::active_pauses(db, now, MAX_LISTED_PAUSES).await
}

fn check_reason(reason: &str, required: bool, errors: &mut Vec<Invalid>) {
    let trimmed = reason.trim();
    if required && trimmed.is_empty() {
        errors.push(Invalid {
            field: "reason",
            key: "validation-control-reason-required",
        });
    } else if trimmed.chars().count() > MAX_REASON_CHARS {
        errors.push(Invalid {
            field: "reason",
            key: "validation-control-reason-too-long",
        });
    }
}

/// Resolves the posted scope for `control`; field errors go to `errors`.
async fn resolve_scope(
    db: &Db,
    control: ControlKey,
    form: &ControlForm,
    errors: &mut Vec<Invalid>,
) -> Result<Option<ControlScope>, sqlx::Error> {
    match form.scope.trim() {
        "" | "global" => Ok(Some(ControlScope::Global)),
        "workspace" => {
            if control.definition().scopes == ScopeSupport::GlobalOnly {
                errors.push(Invalid {
                    field: "scope",
                    key: "validation-control-scope-global-only",
                });
                return Ok(None);
            }
            let slug = form.workspace.trim();
            if slug.is_empty() {
                errors.push(Invalid {
                    field: "workspace",
                    key: "validation-control-workspace-required",
                });
                return Ok(None);
            }
            match crate::features::workspaces::service::find_by_slug(db, slug).await? {
                Some(w) => Ok(Some(ControlScope::Workspace {
                    id: w.id,
                    slug: w.slug,
                })),
                None => {
                    errors.push(Invalid {
                        field: "workspace",
                        key: "validation-control-workspace-unknown",
                    });
                    Ok(None)
                }
            }
        }
        _ => {
            errors.push(Invalid {
                field: "scope",
                key: "validation-control-scope",
            });
            Ok(None)
        }
    }
}

/// The audit row of a pause or resume: `metadata` plus the control and its scope.
fn control_entry(
    control: ControlKey,
    scope: &ControlScope,
    action: &'static str,
    mut metadata: serde_json::Value,
) -> AuditEntry {
    if let serde_json::Value::Object(fields) = &mut metadata {
        fields.insert("control".into(), json!(control.as_str()));
        fields.insert("scope".into(), json!(scope.audit_label()));
    }
    AuditEntry {
        action,
        workspace_id: scope.workspace_id(),
        tenant_id: None,
        target_type: "operational_control",
        target_id: control.as_str().to_string(),
        metadata,
    }
}

/// A posted form that passed [`validate`].
struct Checked {
    pausing: bool,
    duration: PauseDuration,
    scope: ControlScope,
}

/// Every field problem of `form` for `control` at once as [`ServiceError::Invalid`].
async fn validate(
    db: &Db,
    control: ControlKey,
    form: &ControlForm,
) -> Result<Checked, ServiceError> {
    let mut errors = Vec::new();
    let pausing = match form.action.trim() {
        "pause" => true,
        "resume" => false,
        _ => {
            errors.push(Invalid {
                field: "action",
                key: "validation-control-action",
            });
            true
        }
    };
    check_reason(&form.reason, pausing, &mut errors);
    // The duration matters only to a pause; a resume ignores whatever was posted.
    let duration = match PauseDuration::parse(&form.duration) {
        Some(d) => d,
        None if pausing => {
            errors.push(Invalid {
                field: "duration",
                key: "validation-control-duration",
            });
            PauseDuration::UntilResumed
        }
        None => PauseDuration::UntilResumed,
    };
    let scope = resolve_scope(db, control, form, &mut errors).await?;
    let (Some(scope), true) = (scope, errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    Ok(Checked {
        pausing,
        duration,
        scope,
    })
}

/// Checks `form` for `control` without changing anything (the confirmation step): the same
/// field errors as [`apply`].
pub async fn check(db: &Db, control: ControlKey, form: &ControlForm) -> Result<(), ServiceError> {
    validate(db, control, form).await.map(|_| ())
}

/// Validates and applies a posted form to `control`: every field problem at once as
/// [`ServiceError::Invalid`] (`422`), a resume of nothing as
/// [`ServiceError::Conflict`] (`409`), else the change and its audit row in one transaction.
pub async fn apply(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    control: ControlKey,
    form: &ControlForm,
) -> Result<Applied, ServiceError> {
    let Checked {
        pausing,
        duration,
        scope,
    } = validate(db, control, form).await?;
    // Operators type reasons, and paste vendor mails into them: stored, shown and audited
    // only after redaction.
    let reason = crate::redact::text(form.reason.trim());
    let reason = reason.as_str();
    let scope_key = scope.key();
    let mut tx = db.begin().await?;
    let applied = if pausing {
        let (actor_id, actor_label) = actor_of(actx);
        let expires_at = duration.expires_at(now);
        let replaced = repo::upsert_pause(
            &mut tx,
            &NewPause {
                control_key: control.as_str(),
                scope_key: &scope_key,
                workspace_id: scope.workspace_id(),
                reason,
                paused_by_user_id: actor_id,
                paused_by_label: &actor_label,
                paused_at: now,
                expires_at,
            },
        )
        .await?;
        let entry = control_entry(
            control,
            &scope,
            "operational_control.paused",
            json!({
                        "reason": reason,
                        "duration": duration.as_str(),
                        "expires_at": expires_at.map(|t| t.to_rfc3339()),
                        "replaced_active_pause": replaced,
            }),
        );
        audit::record(&mut tx, actx, now, entry).await?;
        if replaced {
            Applied::PauseUpdated
        } else {
            Applied::Paused
        }
    } else {
        let Some(ended) =
            repo::delete_active_pause(&mut tx, control.as_str(), &scope_key, now).await?
        else {
            tx.rollback().await?;
            return Err(ServiceError::Conflict("system-controls-not-paused"));
        };
        let entry = control_entry(
            control,
            &scope,
            "operational_control.resumed",
            json!({
                        "reason": (!reason.is_empty()).then_some(reason),
                        "paused_reason": ended.reason,
                        "paused_by": ended.paused_by_label,
                        "paused_at": ended.paused_at.to_rfc3339(),
            }),
        );
        audit::record(&mut tx, actx, now, entry).await?;
        Applied::Resumed
    };
    tx.commit().await?;
    Ok(applied)
}

fn actor_of(actx: &AuditContext) -> (Option<i64>, String) {
    match &actx.actor {
        audit::Actor::User { id, label } => (Some(*id), label.clone()),
        audit::Actor::Cli => (None, "cli".into()),
        audit::Actor::System => (None, "system".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_the_backfill_is_gone() {
        for d in CATALOG {
            assert_eq!(ControlKey::parse(d.key.as_str()), Some(d.key));
            assert_eq!(d.key.definition().key, d.key);
        }
        assert_eq!(ControlKey::parse("findings_lifecycle_backfill"), None);
        assert_eq!(ControlKey::parse(""), None);
    }

    #[test]
    fn every_control_has_its_texts() {
        use crate::i18n::CATALOG as TEXT;
        for d in CATALOG {
            let k = d.key;
            for id in [k.label_key(), k.description_key(), k.effect_key()]
                .into_iter()
                .chain(k.refusal_key())
            {
                assert!(TEXT.has(id), "{id}");
            }
        }
        for d in PauseDuration::ALL {
            assert!(TEXT.has(d.label_key()), "{}", d.label_key());
        }
        assert!(TEXT.has("system-controls-not-paused"));
    }

    #[test]
    fn durations() {
        let now = Utc::now();
        assert_eq!(PauseDuration::parse(""), Some(PauseDuration::UntilResumed));
        assert_eq!(PauseDuration::parse("2h"), None);
        assert_eq!(
            PauseDuration::parse("24h").and_then(|d| d.expires_at(now)),
            Some(now + Duration::hours(24))
        );
        assert_eq!(PauseDuration::UntilResumed.expires_at(now), None);
    }

    #[test]
    fn reasons_are_required_and_bounded() {
        let mut errors = Vec::new();
        check_reason("   ", true, &mut errors);
        check_reason("", false, &mut errors);
        check_reason(&"x".repeat(MAX_REASON_CHARS + 1), false, &mut errors);
        let keys: Vec<_> = errors.iter().map(|e| e.key).collect();
        assert_eq!(
            keys,
            [
                "validation-control-reason-required",
                "validation-control-reason-too-long"
            ]
        );
    }
}

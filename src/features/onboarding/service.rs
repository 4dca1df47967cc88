//! Rules of the onboarding wizard: starting a draft (identify), saving the connection (connect,
//! which creates a new tenant), queueing verification, completing, and going back. Every change
//! claims the draft's version first, in the same transaction as the change and its audit rows,
//! so two people working on one draft cannot overwrite each other.
//!
//! The verify step is decision-first: [`assess`] turns the tenant's verification state into one
//! status, one primary next action and one safe next step, in a fixed order of precedence.

use super::model::{Action, Checkpoint, IdentifyInput, NextAction, Started};
use super::model::{ConnectState, Draft, DraftPageData, DraftState, Mode, Step};
pub use super::readiness::{assess, report_is_current};
use super::repo::{self, DraftChange, NewDraft};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::auth::users::User;
use crate::db::Tx;
use crate::error::{Invalid, ServiceError};
use crate::features::operations::{self, model::RunType, service::Initiator};
use crate::features::providers::{
    model::{ProviderKind, SimulatedScenario},
    service::{self as providers, ConnectionForm},
};
use crate::features::tenants;
use crate::features::workspaces::model::MemberWorkspace;
use crate::state::AppState;
use crate::validate;
use chrono::{DateTime, Utc};
use serde_json::json;

/// Conflict key: the version the form carried is no longer current.
pub const CONFLICT: &str = "onboarding-conflict";
/// Conflict key: the draft is completed.
pub const IMMUTABLE: &str = "onboarding-immutable";

fn invalid(field: &'static str, key: &'static str) -> Invalid {
    Invalid { field, key }
}

/// Audits one completed checkpoint (`onboarding.checkpoint_completed` with `{from, to}`) and
/// records the product usage event (only once the draft has a tenant). The single place
/// checkpoint transitions are recorded.
pub async fn record_checkpoint(
    tx: &mut Tx,
    actx: &AuditContext,
    now: DateTime<Utc>,
    checkpoint: Checkpoint,
) -> Result<(), sqlx::Error> {
    let entry = AuditEntry::new(
        "onboarding.checkpoint_completed",
        "onboarding_draft",
        checkpoint.draft_id.to_string(),
    )
    .scoped(Some(checkpoint.workspace_id), checkpoint.tenant_id)
    .with(json!({"from": checkpoint.from.as_str(), "to": checkpoint.to.as_str()}));
    audit::record(tx, actx, now, entry).await?;
    // Product usage telemetry, in the same transaction; skipped while the draft has no tenant.
    crate::features::telemetry::service::seams::onboarding_checkpoint(
        tx,
        actx,
        checkpoint.workspace_id,
        checkpoint.tenant_id,
        checkpoint.draft_id,
        checkpoint.from.as_str(),
        checkpoint.to == Step::Complete,
        now,
    )
    .await?;
    Ok(())
}

/// Identify: starts a draft in `workspace` (whose access the caller already checked) for an
/// existing tenant the user may see, or for a new tenant that does not exist yet (the draft
/// then has no tenant until the connect step creates it).
pub async fn start(
    state: &AppState,
    actx: &AuditContext,
    user: &User,
    workspace: &MemberWorkspace,
    input: &IdentifyInput,
) -> Result<Started, ServiceError> {
    let existing = input.existing_tenant.trim();
    let new_fields = [&input.tenant_name, &input.external_id, &input.directory_id];
    let typed_new = new_fields.iter().any(|f| !f.trim().is_empty());
    let (tenant_id, draft_state) = if !existing.is_empty() {
        if typed_new {
            return Err(ServiceError::invalid(
                "existing_tenant",
                "onboarding-validation-choose-one",
            ));
        }
        let tenant = tenants::service::find_scoped(&state.db, user.id, existing)
            .await?
            .filter(|t| t.workspace_id == workspace.id)
            .ok_or(ServiceError::invalid(
                "existing_tenant",
                "onboarding-validation-existing-tenant",
            ))?;
        if let Some(open) = repo::open_for_tenant(&state.db, tenant.id).await? {
            return Ok(Started::Resumed(open));
        }
        let directory_id =
            crate::features::providers::service::find_for_tenant(&state.db, tenant.id)
                .await?
                .map(|c| c.directory_id)
                .unwrap_or_default();
        (
            Some(tenant.id),
            DraftState {
                mode: Mode::Existing,
                tenant_name: tenant.name,
                external_id: tenant.external_id,
                directory_id,
                ..DraftState::default()
            },
        )
    } else {
        let mut errors = Vec::new();
        validate::text("tenant_name", &input.tenant_name, 120, &mut errors);
        let external_id = input.external_id.trim();
        if external_id.is_empty() {
            errors.push(invalid("external_id", "validation-required"));
        } else {
            validate::slug("external_id", external_id, &mut errors);
        }
        let directory_id = input.directory_id.trim();
        check_directory_id(directory_id, &mut errors);
        if errors.is_empty()
            && tenants::service::find_by_external_id(&state.db, external_id)
                .await?
                .is_some()
        {
            errors.push(invalid("external_id", "validation-external-id-taken"));
        }
        validate::finish(errors)?;
        (
            None,
            DraftState {
                mode: Mode::New,
                tenant_name: input.tenant_name.trim().to_string(),
                external_id: external_id.to_string(),
                directory_id: directory_id.to_string(),
                ..DraftState::default()
            },
        )
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let id = repo::insert(
        &mut tx,
        &NewDraft {
            workspace_id: workspace.id,
            tenant_id,
            current_step: Step::Connect,
            state: &draft_state,
            user_id: user.id,
        },
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actx,
        now,
        AuditEntry {
            action: "onboarding.draft_created",
            workspace_id: Some(workspace.id),
            tenant_id,
            target_type: "onboarding_draft",
            target_id: id.to_string(),
            metadata: json!({
                "mode": match draft_state.mode { Mode::New => "new", Mode::Existing => "existing" },
                "external_id": draft_state.external_id,
            }),
        },
    )
    .await?;
    record_checkpoint(
        &mut tx,
        actx,
        now,
        Checkpoint {
            draft_id: id,
            workspace_id: workspace.id,
            tenant_id,
            from: Step::Identify,
            to: Step::Connect,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Started::Created(id))
}

/// The directory id is required and must look like one (a GUID or a domain).
fn check_directory_id(directory_id: &str, errors: &mut Vec<Invalid>) {
    if directory_id.is_empty() {
        errors.push(invalid("directory_id", "validation-required"));
    } else if !crate::validate::is_directory_id(directory_id) {
        errors.push(invalid(
            "directory_id",
            "onboarding-validation-directory-id",
        ));
    }
}

/// Checks the connect step's fields with onboarding's messages (so `save_connection`'s own
/// validation then always passes).
pub fn validate_connect(form: &ConnectionForm) -> Result<(), ServiceError> {
    let mut errors = Vec::new();
    let kind = ProviderKind::parse(form.kind.trim());
    if kind.is_none() {
        errors.push(invalid("kind", "onboarding-validation-kind"));
    }
    check_directory_id(form.directory_id.trim(), &mut errors);
    if !form.display_name.trim().is_empty() {
        validate::text("display_name", &form.display_name, 120, &mut errors);
    }
    if kind == Some(ProviderKind::Simulated)
        && SimulatedScenario::parse(form.scenario.trim()).is_none()
    {
        errors.push(invalid("scenario", "onboarding-validation-scenario"));
    }
    validate::finish(errors)
}

/// Opens a transaction and claims the draft in it, or explains why not (the transaction is
/// rolled back then).
async fn claim(
    state: &AppState,
    draft: &Draft,
    version: i64,
    user: &User,
    now: DateTime<Utc>,
) -> Result<Tx, ServiceError> {
    let mut tx = state.db.begin().await?;
    if repo::claim(&mut tx, draft.id, version, user.id, now).await? {
        return Ok(tx);
    }
    tx.rollback().await?;
    let current = repo::version_and_status(&state.db, draft.id).await?;
    Err(match current {
        Some((_, status)) if status != "draft" => ServiceError::Conflict(IMMUTABLE),
        _ => ServiceError::Conflict(CONFLICT),
    })
}

/// Stores the draft's next step and state inside `tx` (the draft was claimed before).
async fn save(
    tx: &mut Tx,
    draft: &Draft,
    tenant_id: Option<i64>,
    current_step: Step,
    completed_at: Option<DateTime<Utc>>,
    state: &DraftState,
) -> Result<(), sqlx::Error> {
    repo::save(
        tx,
        draft.id,
        &DraftChange {
            tenant_id,
            current_step,
            completed_at,
            state,
        },
    )
    .await
}

/// Who changes which draft, from which version: what every step's change needs.
#[derive(Clone, Copy)]
struct Edit<'a> {
    state: &'a AppState,
    actx: &'a AuditContext,
    user: &'a User,
    draft: &'a Draft,
    version: i64,
}

impl Edit<'_> {
    /// Stores the draft's next step and state inside `tx` (see [`save`]).
    async fn save(
        self,
        tx: &mut Tx,
        tenant_id: Option<i64>,
        current_step: Step,
        completed_at: Option<DateTime<Utc>>,
        state: &DraftState,
    ) -> Result<(), sqlx::Error> {
        save(tx, self.draft, tenant_id, current_step, completed_at, state).await
    }

    /// Audits the draft's move from step `from` to `to` inside `tx`.
    async fn checkpoint(
        self,
        tx: &mut Tx,
        now: DateTime<Utc>,
        tenant_id: Option<i64>,
        from: Step,
        to: Step,
    ) -> Result<(), sqlx::Error> {
        let checkpoint = Checkpoint::of(self.draft, tenant_id, from, to);
        record_checkpoint(tx, self.actx, now, checkpoint).await
    }
}

/// Applies `action` to `draft` (already resolved in the caller's scope, with the capability
/// checked). `version` is the version the caller's form was rendered from.
pub async fn update(
    state: &AppState,
    actx: &AuditContext,
    user: &User,
    draft: &Draft,
    version: i64,
    action: Action,
    connection: &ConnectionForm,
) -> Result<(), ServiceError> {
    if draft.is_completed() {
        return Err(ServiceError::Conflict(IMMUTABLE));
    }
    if draft.version != version {
        return Err(ServiceError::Conflict(CONFLICT));
    }
    let edit = Edit {
        state,
        actx,
        user,
        draft,
        version,
    };
    let step = draft.step();
    let wrong_step = || ServiceError::invalid("action", "onboarding-validation-wrong-step");
    match action {
        Action::Connect => {
            if !matches!(step, Step::Connect | Step::Verify) {
                return Err(wrong_step());
            }
            connect(edit, connection).await
        }
        Action::Verify => {
            if step != Step::Verify {
                return Err(wrong_step());
            }
            verify(edit).await
        }
        Action::Complete => {
            if step != Step::Verify {
                return Err(wrong_step());
            }
            complete(edit).await
        }
        Action::Back => {
            if step != Step::Verify {
                return Err(wrong_step());
            }
            let now = state.now();
            let mut tx = claim(state, draft, version, user, now).await?;
            save(
                &mut tx,
                draft,
                draft.tenant_id,
                Step::Connect,
                None,
                &draft.state.0,
            )
            .await?;
            tx.commit().await?;
            Ok(())
        }
    }
}

async fn connect(edit: Edit<'_>, form: &ConnectionForm) -> Result<(), ServiceError> {
    validate_connect(form)?;
    let now = edit.state.now();
    let mut tx = claim(edit.state, edit.draft, edit.version, edit.user, now).await?;
    let mut next = edit.draft.state.0.clone();
    let tenant_id = match edit.draft.tenant_id {
        Some(id) => id,
        None => {
            let tenant = match tenants::service::insert(
                &mut tx,
                edit.draft.workspace_id,
                &next.external_id,
                &next.tenant_name,
                now,
            )
            .await
            {
                Ok(t) => t,
                Err(e) => {
                    tx.rollback().await?;
                    return Err(ServiceError::unique_as(
                        "external_id",
                        "onboarding-validation-external-id-taken",
                    )(e));
                }
            };
            let entry = AuditEntry::new("tenant.created", "tenant", tenant.external_id.clone())
                .scoped(Some(edit.draft.workspace_id), Some(tenant.id))
                .with(json!({"name": tenant.name, "onboarding_draft_id": edit.draft.id}));
            audit::record(&mut tx, edit.actx, now, entry).await?;
            repo::entitle_creator(&mut tx, edit.draft.workspace_id, edit.user.id, tenant.id)
                .await?;
            tenant.id
        }
    };
    providers::save_connection(
        &mut tx,
        edit.actx,
        now,
        edit.draft.workspace_id,
        tenant_id,
        form,
    )
    .await?;
    let kind = form.kind.trim().to_string();
    next.connection = Some(ConnectState {
        scenario: if kind == ProviderKind::Simulated.as_str() {
            form.scenario.trim().to_string()
        } else {
            String::new()
        },
        kind,
        directory_id: form.directory_id.trim().to_string(),
        display_name: form.display_name.trim().to_string(),
        saved_at: Some(now),
    });
    next.verification_run_id = None;
    edit.save(&mut tx, Some(tenant_id), Step::Verify, None, &next)
        .await?;
    if edit.draft.step() == Step::Connect {
        edit.checkpoint(&mut tx, now, Some(tenant_id), Step::Connect, Step::Verify)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn verify(edit: Edit<'_>) -> Result<(), ServiceError> {
    let connect_first = || ServiceError::invalid("action", "onboarding-validation-connect-first");
    let tenant_id = edit.draft.tenant_id.ok_or_else(connect_first)?;
    if crate::features::providers::service::find_for_tenant(&edit.state.db, tenant_id)
        .await?
        .is_none()
    {
        return Err(connect_first());
    }
    if let Some(run_id) = edit.draft.state.0.verification_run_id
        && operations::service::find(&edit.state.db, run_id)
            .await?
            .is_some_and(|r| r.is_active())
    {
        // Already running: asking again changes nothing.
        return Ok(());
    }
    let now = edit.state.now();
    let mut tx = claim(edit.state, edit.draft, edit.version, edit.user, now).await?;
    let run_id = operations::service::queue_in(
        &mut tx,
        edit.actx,
        edit.state,
        edit.draft.workspace_id,
        tenant_id,
        RunType::ProviderConnectionVerify,
        &Initiator::User {
            id: edit.user.id,
            email: edit.user.email.clone(),
        },
        json!({"onboarding_draft_id": edit.draft.id}),
    )
    .await?;
    let mut next = edit.draft.state.0.clone();
    next.verification_run_id = Some(run_id);
    edit.save(&mut tx, Some(tenant_id), Step::Verify, None, &next)
        .await?;
    tx.commit().await?;
    operations::service::wake(edit.state);
    Ok(())
}

async fn complete(edit: Edit<'_>) -> Result<(), ServiceError> {
    let now = edit.state.now();
    let not_ready = || ServiceError::invalid("action", "onboarding-validation-not-ready");
    let tenant_id = edit.draft.tenant_id.ok_or_else(not_ready)?;
    let verification =
        providers::state_for_tenant(&edit.state.db, &edit.state.config, tenant_id, now).await?;
    let run = match edit.draft.state.0.verification_run_id {
        Some(id) => operations::service::find(&edit.state.db, id).await?,
        None => None,
    };
    let readiness = assess(&edit.draft.state.0, &verification, run.as_ref());
    if readiness.next != NextAction::CompleteOnboarding {
        return Err(not_ready());
    }
    let mut tx = claim(edit.state, edit.draft, edit.version, edit.user, now).await?;
    edit.save(
        &mut tx,
        Some(tenant_id),
        Step::Complete,
        Some(now),
        &edit.draft.state.0,
    )
    .await?;
    let entry = AuditEntry::new(
        "onboarding.completed",
        "onboarding_draft",
        edit.draft.id.to_string(),
    )
    .scoped(Some(edit.draft.workspace_id), Some(tenant_id))
    .with(json!({
        "external_id": edit.draft.display_external_id(),
        "verification_run_id": edit.draft.state.0.verification_run_id,
    }));
    audit::record(&mut tx, edit.actx, now, entry).await?;
    edit.checkpoint(&mut tx, now, Some(tenant_id), Step::Verify, Step::Complete)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The draft page's data: the linked tenant's verification state and the last verification run.
pub async fn draft_page_data(
    state: &AppState,
    draft: &Draft,
) -> Result<DraftPageData, ServiceError> {
    let verification = match draft.tenant_id {
        Some(id) => {
            Some(providers::state_for_tenant(&state.db, &state.config, id, state.now()).await?)
        }
        None => None,
    };
    let run = match draft.state.0.verification_run_id {
        Some(id) => operations::service::find(&state.db, id).await?,
        None => None,
    };
    Ok(DraftPageData { verification, run })
}

/// Tenants of `workspaces` the user may see, each with its workspace's name, offered for
/// onboarding again.
pub async fn offered_tenants(
    db: &crate::db::Db,
    user_id: i64,
    workspaces: &[(MemberWorkspace, crate::access::Role)],
) -> Result<Vec<(tenants::model::Tenant, String)>, ServiceError> {
    let mut out = Vec::new();
    for (w, _) in workspaces {
        for t in tenants::service::list_visible(db, user_id, &w.slug).await? {
            out.push((t, w.name.clone()));
        }
    }
    Ok(out)
}

/// Reads with no rules of their own, offered to other features and to the web layer as they are
/// (only a feature's own service touches its repo).
pub use super::repo::{find_scoped, list_visible};

//! Wizard pages: the draft list with the identify form, and one draft's page with the step
//! indicator and the current step (connect form, decision-first verify step, or the read-only
//! summary of a completed onboarding).
//!
//! Access: platform users get `404` (the admin plane does not exist for them). A draft exists
//! for a caller who is a member of its workspace and, once a tenant is linked, may see that
//! tenant; anything else is `404`. Inside scope, a role without `onboarding.manage` is `403`.

use super::model::{Action, Draft, IdentifyInput};
use super::service;
use super::views::IdentifyForm;
use super::views::{self, ConnectValues};
use crate::web::flash;
use crate::web::routing::Routes;
use crate::{
    access::{Capability, Role, scope::require},
    auth::Identity,
    error::{AppError, AppResult, Invalid, ServiceError},
    features::{
        providers::service::ConnectionForm,
        workspaces::{self, model::MemberWorkspace},
    },
    state::AppState,
    web::{
        CsrfForm, Q, context::CurrentUser, context::RequestContext, form_html, see_other,
        shell::Shell,
    },
};
use axum::{
    extract::{Path, State},
    response::Response,
};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

/// Drafts listed on the index page.
const LIST_LIMIT: i64 = 200;

/// Workspaces where the caller may run onboarding; `404` for platform users, `403` when none.
async fn managed_workspaces(
    state: &AppState,
    identity: &Identity,
) -> AppResult<Vec<(MemberWorkspace, Role)>> {
    if identity.user.is_platform {
        return Err(AppError::NotFound);
    }
    let mut out = Vec::new();
    for w in workspaces::service::list_for_user(&state.db, identity.user.id).await? {
        let role = w.role;
        if role.can(Capability::OnboardingManage) {
            out.push((w, role));
        }
    }
    if out.is_empty() {
        return Err(AppError::Forbidden(Capability::OnboardingManage.as_str()));
    }
    Ok(out)
}

/// A draft in the caller's scope with the capability checked.
async fn draft_in_scope(state: &AppState, identity: &Identity, raw_id: &str) -> AppResult<Draft> {
    if identity.user.is_platform {
        return Err(AppError::NotFound);
    }
    let id: i64 = raw_id.parse().map_err(|_| AppError::NotFound)?;
    let draft = service::find_scoped(&state.db, identity.user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(draft.role, Capability::OnboardingManage)?;
    Ok(draft)
}

// ---------------------------------------------------------------------------------------------
// Index and identify
// ---------------------------------------------------------------------------------------------

async fn index_page(
    state: &AppState,
    ctx: &RequestContext,
    identity: &Identity,
    form: IdentifyForm,
    errors: Vec<Invalid>,
) -> AppResult<Response> {
    let managed = managed_workspaces(state, identity).await?;
    let (first, first_role) = &managed[0];
    let shell = Shell::admin(
        state,
        ctx,
        Some((&first.slug, *first_role)),
        None,
        "onboarding",
    )
    .await?;
    let user_id = identity.user.id;
    let tenants = service::offered_tenants(&state.db, user_id, &managed).await?;
    let drafts = service::list_visible(&state.db, user_id, LIST_LIMIT).await?;
    let has_errors = !errors.is_empty();
    let page = views::index_page(shell, &managed, tenants, &drafts, form, errors);
    Ok(form_html(&page, has_errors))
}

/// `GET /admin/onboarding`: drafts of every workspace where the caller may onboard, and the
/// form that starts a new one.
pub async fn index(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
) -> AppResult<Response> {
    index_page(&state, &ctx, &identity, IdentifyForm::default(), Vec::new()).await
}

/// `POST /admin/onboarding`: the identify step. Starts a draft (or resumes the open draft of an
/// existing tenant) and redirects to it; invalid input re-renders the form with `422`.
pub async fn create(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    CsrfForm(form): CsrfForm<IdentifyForm>,
) -> AppResult<Response> {
    if identity.user.is_platform {
        return Err(AppError::NotFound);
    }
    let workspace =
        workspaces::service::find_for_user(&state.db, identity.user.id, form.workspace.trim())
            .await?
            .ok_or(AppError::NotFound)?;
    require(workspace.role, Capability::OnboardingManage)?;
    let input = IdentifyInput {
        existing_tenant: form.existing_tenant.clone(),
        tenant_name: form.tenant_name.clone(),
        external_id: form.external_id.clone(),
        directory_id: form.directory_id.clone(),
    };
    match service::start(&state, &ctx.audit(), &identity.user, &workspace, &input).await {
        Ok(started) => Ok(see_other(&format!("/admin/onboarding/{}", started.id()))),
        Err(ServiceError::Invalid(errors)) => {
            index_page(&state, &ctx, &identity, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// One draft
// ---------------------------------------------------------------------------------------------

/// Query of the draft page: `?step=connect` shows the connect form of a draft at verify.
#[derive(Debug, Default, Deserialize)]
pub struct DraftQuery {
    step: Option<String>,
}

async fn draft_page(
    state: &AppState,
    ctx: &RequestContext,
    draft: &Draft,
    requested: Option<&str>,
    errors: Vec<Invalid>,
    typed: Option<ConnectValues>,
) -> AppResult<Response> {
    let shell = Shell::admin(
        state,
        ctx,
        Some((&draft.workspace_slug, draft.role)),
        draft.tenant_external_id.as_deref(),
        "onboarding",
    )
    .await?;
    let data = service::draft_page_data(state, draft).await?;
    let has_errors = !errors.is_empty();
    let page = views::draft_page(shell, draft, data, requested, errors, typed);
    Ok(form_html(&page, has_errors))
}

/// `GET /admin/onboarding/{draft}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    Path(raw_id): Path<String>,
    Q(q): Q<DraftQuery>,
) -> AppResult<Response> {
    let draft = draft_in_scope(&state, &identity, &raw_id).await?;
    draft_page(&state, &ctx, &draft, q.step.as_deref(), Vec::new(), None).await
}

/// The posted update form.
#[derive(Debug, Default, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    directory_id: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    scenario: String,
}

/// `POST /admin/onboarding/{draft}`: `action` = connect | verify | complete | back, with the
/// `version` the form was rendered from. A stale version is `409`; a completed draft is `409`;
/// invalid input re-renders the step with `422`. A verification refused by a platform pause
/// that began after the page loaded goes back to the draft with the reason as a notice.
pub async fn update(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    Path(raw_id): Path<String>,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<UpdateForm>,
) -> AppResult<Response> {
    let draft = draft_in_scope(&state, &identity, &raw_id).await?;
    let (version, action) = form.version_and_action()?;
    let connection = form.connection();
    match service::update(
        &state,
        &ctx.audit(),
        &identity.user,
        &draft,
        version,
        action,
        &connection,
    )
    .await
    {
        Ok(()) => Ok(see_other(&format!("/admin/onboarding/{}", draft.id))),
        Err(ServiceError::Invalid(errors)) => {
            let (requested, typed) = if action == Action::Connect {
                (Some("connect"), Some(form.typed()))
            } else {
                (None, None)
            };
            draft_page(&state, &ctx, &draft, requested, errors, typed).await
        }
        Err(e) => flash::refused_back(e.into(), jar, &format!("/admin/onboarding/{}", draft.id)),
    }
}

/// The onboarding wizard.
pub fn router() -> Routes {
    Routes::new()
        .get("/admin/onboarding", index)
        .post("/admin/onboarding", create)
        .get("/admin/onboarding/{draft}", show)
        .post("/admin/onboarding/{draft}", update)
}

impl UpdateForm {
    /// The draft version the form was rendered from and the action asked for; a tampered or
    /// stale form is a `400` that says which.
    fn version_and_action(&self) -> AppResult<(i64, Action)> {
        let version =
            self.version.trim().parse().map_err(|_| {
                AppError::bad_request("invalid-form", "The form has no valid version.")
            })?;
        let action = Action::parse(self.action.trim())
            .ok_or_else(|| AppError::bad_request("invalid-form", "Unknown onboarding action."))?;
        Ok((version, action))
    }

    fn connection(&self) -> ConnectionForm {
        ConnectionForm {
            kind: self.kind.clone(),
            directory_id: self.directory_id.clone(),
            display_name: self.display_name.clone(),
            scenario: self.scenario.clone(),
        }
    }

    /// What was typed into the connect form, shown again with its errors.
    fn typed(self) -> ConnectValues {
        ConnectValues {
            kind: self.kind,
            directory_id: self.directory_id,
            display_name: self.display_name,
            scenario: self.scenario,
        }
    }
}

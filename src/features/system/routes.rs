//! `GET /system` (the console dashboard), `GET /system/controls`,
//! `POST /system/controls/{control}` and `GET`/`POST /system/workspaces`. Every handler takes [`PlatformUser`] first, so anyone but
//! a platform user gets `404` before anything else is looked at.

use super::controls::{self, Applied, ControlForm, ControlKey, PauseDuration};
use super::service;
use super::tower::{self};
use super::views::{
    self, ControlsPage, DurationChoice, WorkspaceForm, WorkspacesPage, change_view, created_view,
    workspace_row,
};
use crate::console_window::ConsoleWindow;
use crate::web::routing::Routes;
use crate::{
    access::PlatformUser,
    error::{AppError, AppResult, Invalid, ServiceError},
    features::members::service::Inviter,
    features::telemetry::service::summary::{self},
    state::AppState,
    web::{CsrfForm, Q, context::RequestContext, flash, form_html, html, see_other, shell::Shell},
};
use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

/// Suggestions in the workspace field of the controls page.
const WORKSPACE_CHOICES: i64 = 200;
/// Control changes the controls page lists.
const HISTORY_ROWS: i64 = 20;
/// Workspaces the workspaces page lists (by name); beyond that the page says how many it shows.
const WORKSPACE_ROWS: i64 = 500;

/// Query of the dashboard.
#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    /// `24h`, `7d` or `30d`; anything else means the default.
    pub window: Option<String>,
}

/// The console dashboard for the window in `?window=` (default: last 24 hours); `404` for
/// anyone but platform users.
pub async fn overview(
    State(state): State<AppState>,
    ctx: RequestContext,
    _platform: PlatformUser,
    Q(q): Q<DashboardQuery>,
) -> AppResult<Response> {
    let window = ConsoleWindow::from_query(q.window.as_deref());
    let now = state.now();
    let mut shell = Shell::system(&ctx, "overview");
    // The side navigation's link to this page keeps the chosen window.
    for item in shell.nav.iter_mut().filter(|n| n.href == "/system") {
        item.href = format!("/system?window={}", window.as_str());
    }
    let tower = tower::load(
        &state.db,
        window,
        now,
        state.config.operations.orphan_after_secs,
    )
    .await?;
    let telemetry = summary::summarize(&state.db, window, now).await?;
    let totals = service::totals(&state.db).await?;
    Ok(html(&views::dashboard_page(
        shell, window, now, tower, telemetry, totals,
    )))
}

/// Builds the controls page; `failed` carries the control whose form failed, its typed
/// values and field errors.
async fn controls_page(
    state: &AppState,
    ctx: &RequestContext,
    failed: Option<(ControlKey, ControlForm, Vec<Invalid>)>,
) -> AppResult<ControlsPage> {
    let shell = Shell::system(ctx, "controls");
    let t = shell.t;
    let now = state.now();
    let pauses = controls::active(&state.db, now).await?;
    let controls = views::control_views(t, &pauses, failed.as_ref());
    let workspaces = service::workspace_choices(&state.db, WORKSPACE_CHOICES).await?;
    let history = service::control_changes(&state.db, HISTORY_ROWS)
        .await?
        .into_iter()
        .map(|c| change_view(t, c))
        .collect();
    Ok(ControlsPage {
        durations: PauseDuration::ALL
            .into_iter()
            .map(|d| DurationChoice {
                value: d.as_str(),
                label: t.t(d.label_key()),
            })
            .collect(),
        shell,
        controls,
        workspaces,
        history,
    })
}

/// `GET /system/controls`: the catalog with each control's pauses, forms to pause and resume,
/// and the latest audited changes.
pub async fn controls(
    State(state): State<AppState>,
    ctx: RequestContext,
    _platform: PlatformUser,
) -> AppResult<Response> {
    Ok(html(&controls_page(&state, &ctx, None).await?))
}

/// `POST /system/controls/{control}`: pause or resume. Success answers `303` back to the page
/// with a flash; field errors re-render the page with `422`; an unknown control is `404`; a
/// resume of something not paused is `409`. Pausing run execution first renders a
/// confirmation (nothing changes) whose own form posts the same values with `confirm=yes`.
pub async fn update_control(
    State(state): State<AppState>,
    ctx: RequestContext,
    _platform: PlatformUser,
    Path(control): Path<String>,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<ControlForm>,
) -> AppResult<Response> {
    let key = ControlKey::parse(&control).ok_or(AppError::NotFound)?;
    if controls::needs_confirmation(key, &form) {
        return match controls::check(&state.db, key, &form).await {
            Ok(()) => {
                let queued = controls::queued_runs(&state.db, state.now()).await?;
                let shell = Shell::system(&ctx, "controls");
                Ok(html(&views::confirm_page(shell, key, form, queued)))
            }
            Err(e) => invalid_or(&state, &ctx, key, form, e).await,
        };
    }
    match controls::apply(&state.db, &ctx.audit(), state.now(), key, &form).await {
        Ok(applied) => {
            let message = match applied {
                Applied::Paused => flash::Flash::ControlPaused,
                Applied::PauseUpdated => flash::Flash::ControlPauseUpdated,
                Applied::Resumed => flash::Flash::ControlResumed,
            };
            Ok((jar.add(flash::set(message)), see_other("/system/controls")).into_response())
        }
        Err(e) => invalid_or(&state, &ctx, key, form, e).await,
    }
}

/// Field errors re-render the controls page with `422`; anything else is the error it is.
async fn invalid_or(
    state: &AppState,
    ctx: &RequestContext,
    key: ControlKey,
    form: ControlForm,
    error: ServiceError,
) -> AppResult<Response> {
    match error {
        ServiceError::Invalid(errors) => {
            let page = controls_page(state, ctx, Some((key, form, errors))).await?;
            let mut r = html(&page);
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        e => Err(AppError::from(e)),
    }
}

/// Builds the workspaces page: every workspace (up to [`WORKSPACE_ROWS`]) with its counts, in
/// one statement, and an empty creation form.
async fn workspaces_page(state: &AppState, ctx: &RequestContext) -> AppResult<WorkspacesPage> {
    let shell = Shell::system(ctx, "workspaces");
    let t = shell.t;
    let rows = service::workspace_overviews(&state.db, state.now(), WORKSPACE_ROWS).await?;
    let truncated = (rows.len() as i64 >= WORKSPACE_ROWS).then_some(WORKSPACE_ROWS);
    Ok(WorkspacesPage {
        workspaces: rows.into_iter().map(|w| workspace_row(t, w)).collect(),
        truncated,
        form: WorkspaceForm::default(),
        errors: Vec::new(),
        created: None,
        owner_only: false,
        owner_errors: None,
        name_max: service::NAME_MAX,
        shell,
    })
}

/// `GET /system/workspaces`: every workspace with its member, tenant and pending-invitation
/// counts, and the form that creates one with its first owner's invitation.
pub async fn workspaces(
    State(state): State<AppState>,
    ctx: RequestContext,
    _platform: PlatformUser,
) -> AppResult<Response> {
    Ok(html(&workspaces_page(&state, &ctx).await?))
}

/// `POST /system/workspaces`: creates the workspace and its owner invitation, then answers the
/// page directly (no redirect, `no-store`) with the invitation link shown this once, so the
/// link travels in no URL, cookie or later request. Field errors re-render the form with
/// `422` and write nothing.
pub async fn create_workspace(
    State(state): State<AppState>,
    ctx: RequestContext,
    platform: PlatformUser,
    CsrfForm(form): CsrfForm<WorkspaceForm>,
) -> AppResult<Response> {
    let operator = &platform.0.user;
    let created = service::create_workspace(
        &state.db,
        &ctx.audit(),
        state.now(),
        &state.config,
        &Inviter {
            user_id: Some(operator.id),
            label: &operator.email,
            locale: ctx.locale,
        },
        &service::NewWorkspace {
            name: &form.name,
            slug: &form.slug,
            owner_email: &form.email,
        },
    )
    .await;
    let mut page = workspaces_page(&state, &ctx).await?;
    match created {
        Ok(created) => {
            page.created = Some(created_view(page.shell.t, created));
            let mut r = html(&page);
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(r)
        }
        Err(ServiceError::Invalid(errors)) => {
            (page.form, page.errors) = (form, errors);
            Ok(form_html(&page, true))
        }
        Err(e) => Err(e.into()),
    }
}

/// The posted form of an ownerless workspace's owner invitation.
#[derive(Debug, Default, Deserialize)]
pub struct OwnerForm {
    /// The owner's address.
    #[serde(default)]
    pub email: String,
}

/// `POST /system/workspaces/{workspace}/owner-invitation`: invites the owner of a workspace
/// that has none (no member, no pending invitation) and shows the link once, like creating;
/// a field error re-renders the page with `422` and the message beside that row; a workspace
/// with an owner or a pending invitation is `409`, an unknown one `404`.
pub async fn invite_owner(
    State(state): State<AppState>,
    ctx: RequestContext,
    platform: PlatformUser,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<OwnerForm>,
) -> AppResult<Response> {
    let operator = &platform.0.user;
    let invited = service::invite_owner(
        &state.db,
        &ctx.audit(),
        state.now(),
        &state.config,
        &Inviter {
            user_id: Some(operator.id),
            label: &operator.email,
            locale: ctx.locale,
        },
        &slug,
        &form.email,
    )
    .await;
    let mut page = workspaces_page(&state, &ctx).await?;
    match invited {
        Ok(invited) => {
            page.created = Some(created_view(page.shell.t, invited));
            page.owner_only = true;
            let mut r = html(&page);
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(r)
        }
        Err(ServiceError::Invalid(errors)) => {
            page.owner_errors = Some((slug, form.email, errors));
            Ok(form_html(&page, true))
        }
        Err(e) => Err(e.into()),
    }
}

/// The system console, the operational controls and the workspaces.
pub fn router() -> Routes {
    Routes::new()
        .get("/system", overview)
        .get("/system/controls", controls)
        .post("/system/controls/{control}", update_control)
        .get("/system/workspaces", workspaces)
        .post("/system/workspaces", create_workspace)
        .post(
            "/system/workspaces/{workspace}/owner-invitation",
            invite_owner,
        )
}

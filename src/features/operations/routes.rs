//! Operation pages: the list across the caller's tenants, the run viewer, and starting a run
//! from a tenant's dashboard.

use super::api::{PAGE_SIZE, check_filters};
use super::model::RunType;
use super::service;
use super::views::{self, RunFragment, RunPage};
use crate::outbound::urlencode;
use crate::web::flash;
use crate::web::routing::Routes;
use crate::{
    access::{Capability, RunScope, TenantScope},
    error::{AppError, AppResult},
    features::{providers, reports},
    state::AppState,
    web::{
        CsrfForm, Q,
        context::CurrentUser,
        context::RequestContext,
        html, see_other,
        shell::{Shell, member_workspaces},
    },
};
use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::Response,
};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

/// Filters of the operations list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Tenant external id.
    pub tenant: Option<String>,
    /// Type id.
    #[serde(rename = "type")]
    pub run_type: Option<String>,
    /// Outcome id.
    pub outcome: Option<String>,
    /// 1-based page.
    pub page: Option<u32>,
}

impl ListQuery {
    /// The filters as given (empty: any) and the link to page `p` with the same filters.
    fn filters(&self) -> (String, String, String, impl Fn(i64) -> String + use<>) {
        let tenant = self.tenant.clone().unwrap_or_default();
        let run_type = self.run_type.clone().unwrap_or_default();
        let outcome = self.outcome.clone().unwrap_or_default();
        let query = format!(
            "tenant={}&type={}&outcome={}",
            urlencode(&tenant),
            urlencode(&run_type),
            urlencode(&outcome)
        );
        let href = move |p: i64| format!("/admin/operations?{query}&page={p}");
        (tenant, run_type, outcome, href)
    }
}

/// `GET /admin/operations`: runs of every tenant the caller may see, newest first.
pub async fn list(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(identity): CurrentUser,
    Q(q): Q<ListQuery>,
) -> AppResult<Response> {
    if identity.user.is_platform {
        return Err(AppError::NotFound);
    }
    check_filters(q.run_type.as_deref(), q.outcome.as_deref())?;
    let page = i64::from(q.page.unwrap_or(1).clamp(1, 100_000));
    let (tenant, run_type, outcome, href) = q.filters();
    let user = identity.user.id;
    let data = service::list_page(
        &state.db, user, &tenant, &run_type, &outcome, page, PAGE_SIZE,
    )
    .await?;
    let workspace = member_workspaces(&state, &ctx).await?;
    let ws = workspace.first().map(|w| (w.slug.as_str(), w.role));
    let shell = Shell::admin(&state, &ctx, ws, None, "operations").await?;
    Ok(html(&views::list_page(
        shell, data, tenant, run_type, outcome, page, href,
    )))
}

/// `GET /admin/operations/{run}`: one run; its changing parts update in place while it is
/// active (see [`progress`]).
pub async fn show(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: RunScope,
) -> AppResult<Response> {
    scope.require(Capability::OperationsView)?;
    let r = &scope.run;
    let shell = Shell::admin_known(
        &state,
        &ctx,
        Some((&r.workspace_slug, scope.role)),
        Some((&r.tenant_external_id, Some(&r.tenant_name))),
        "operations",
    )
    .await?;
    let live = live_of(&state, &scope, shell.t).await?;
    Ok(html(&RunPage {
        shell,
        r: scope.run,
        live,
    }))
}

/// `GET /admin/operations/{run}/progress`: the viewer's changing parts (status, elapsed time,
/// counts, and once completed the results and the what-next panel) as an HTML fragment, which
/// the viewer's script polls and swaps in place. Same scope rules as the viewer.
pub async fn progress(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: RunScope,
) -> AppResult<Response> {
    scope.require(Capability::OperationsView)?;
    let shell = Shell::fragment(&state, &ctx, scope.run.run.workspace_id).await?;
    let live = live_of(&state, &scope, shell.t).await?;
    Ok(html(&RunFragment {
        shell,
        r: scope.run,
        live,
    }))
}

async fn live_of(
    state: &AppState,
    scope: &RunScope,
    t: crate::i18n::Tr,
) -> AppResult<views::RunLive> {
    let run = &scope.run.run;
    let detail = service::detail(state, run).await?;
    let mut artifacts = views::RunArtifacts::default();
    match run.kind() {
        _ if run.is_active() => {}
        Some(RunType::ProviderConnectionVerify) => {
            artifacts.report = providers::service::report_for_run(&state.db, run.id).await?;
        }
        Some(RunType::ReviewPackGenerate) => {
            artifacts.pack = reports::service::pack_for_run(&state.db, run.id).await?;
        }
        _ => {}
    }
    Ok(views::run_live(scope, (detail, artifacts), t, state.now()))
}

/// `POST /admin/operations/{run}/retry`: starts a new run of the same type and opens it. A
/// refused retry (paused starts, a run that cannot succeed now) goes back to the run's page
/// with the refusal as a notice, never to a bare `409` page.
pub async fn retry(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: RunScope,
    jar: CookieJar,
    _csrf: CsrfForm,
) -> AppResult<Response> {
    let back = format!("/admin/operations/{}", scope.run.run.id);
    match service::retry_in_scope(&state, &ctx.audit(), &scope).await {
        Ok(run) => Ok(see_other(&format!("/admin/operations/{}", run.id))),
        Err(e) => flash::refused_back(e, jar, &back),
    }
}

/// The page of tenant `ext` a start form was posted from, read from the `Referer` only when it
/// names this host (the request's own `Host`, or the configured public address) and a plain
/// path under `/admin/t/{ext}` (query and fragment dropped); else the tenant's dashboard.
fn start_origin(headers: &HeaderMap, public_url: &str, ext: &str) -> String {
    let home = format!("/admin/t/{ext}");
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let Some(referer) = header(header::REFERER) else {
        return home;
    };
    let mut origins = vec![public_url.trim_end_matches('/').to_owned()];
    if let Some(host) = header(header::HOST) {
        origins.push(format!("http://{host}"));
        origins.push(format!("https://{host}"));
    }
    let path = origins
        .iter()
        .filter(|o| !o.is_empty())
        .find_map(|o| referer.strip_prefix(o.as_str()))
        .filter(|rest| rest.starts_with('/'))
        .and_then(|rest| rest.split(['?', '#']).next());
    let plain = |p: &str| {
        p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b))
            && !p.contains("//")
            && !p.contains("..")
    };
    match path {
        Some(p) if p == home || (p.starts_with(&format!("{home}/")) && plain(p)) => p.to_owned(),
        _ => home,
    }
}

/// Form of the start buttons.
#[derive(Debug, Deserialize)]
pub struct StartForm {
    /// Type id.
    #[serde(rename = "type")]
    pub run_type: String,
}

/// `POST /admin/t/{tenant}/operations`: starts a run and opens its viewer. A refused start
/// (paused since the page was loaded, or one that cannot succeed) goes back to the tenant page
/// the form was on with the refusal as a notice (the API keeps its `409`).
pub async fn start(
    State(state): State<AppState>,
    ctx: RequestContext,
    scope: TenantScope,
    headers: HeaderMap,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<StartForm>,
) -> AppResult<Response> {
    match service::start_in_scope(&state, &ctx.audit(), &scope, &form.run_type).await {
        Ok(run) => Ok(see_other(&format!("/admin/operations/{}", run.id))),
        Err(e) => {
            let ext = &scope.tenant.external_id;
            let back = start_origin(&headers, &state.config.public_url, ext);
            flash::refused_back(e, jar, &back)
        }
    }
}

/// Starting a run from the tenant dashboard, the run list and the run viewer.
pub fn router() -> Routes {
    Routes::new()
        .post("/admin/t/{tenant}/operations", start)
        .get("/admin/operations", list)
        .get("/admin/operations/{run}", show)
        .get("/admin/operations/{run}/progress", progress)
        .post("/admin/operations/{run}/retry", retry)
}

#[cfg(test)]
mod tests {
    use super::start_origin;
    use axum::http::{HeaderMap, HeaderValue, header};

    fn from(referer: &str) -> String {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("tp.example"));
        if let Ok(v) = HeaderValue::from_str(referer) {
            h.insert(header::REFERER, v);
        }
        start_origin(&h, "https://public.example/", "contoso")
    }

    #[test]
    fn a_refused_start_goes_back_only_to_a_page_of_its_tenant_on_this_host() {
        assert_eq!(
            from("http://tp.example/admin/t/contoso/reports?x=1"),
            "/admin/t/contoso/reports"
        );
        assert_eq!(
            from("https://public.example/admin/t/contoso/permissions"),
            "/admin/t/contoso/permissions"
        );
        assert_eq!(
            from("http://tp.example/admin/t/contoso"),
            "/admin/t/contoso"
        );
        for foreign in [
            "https://evil.example/admin/t/contoso/reports",
            "http://tp.example.evil/admin/t/contoso/reports",
            "http://tp.example//evil.example/admin/t/contoso",
            "http://tp.example/admin/t/contoso2/reports",
            "http://tp.example/admin/t/other",
            "http://tp.example/admin/t/contoso/../../system",
            "/admin/t/contoso/reports",
            "",
        ] {
            assert_eq!(from(foreign), "/admin/t/contoso", "{foreign}");
        }
    }
}

//! TenantPilot: a multi-tenant operations console for MSPs. [`app`] builds the whole HTTP
//! surface; [`route_table`] lists every route it registers, so tests can prove each one has an
//! access rule.

pub mod access;
pub mod api;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod features;
pub mod jobs;
pub mod outbound;
pub mod redact;
pub mod shutdown;
pub mod state;
pub mod support_desk;
pub mod text_enum;
pub mod validate;
pub mod web;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    handler::Handler,
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware,
    routing::{MethodRouter, delete, get, patch, post},
};
use state::AppState;
use std::time::Duration;
use tower_http::{
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

/// One registered route: method and path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    /// HTTP method.
    pub method: &'static str,
    /// Path template as registered, e.g. `/admin/t/{tenant}`.
    pub path: &'static str,
}

/// Router plus the list of what it registered.
struct Routes {
    router: Router<AppState>,
    list: Vec<RouteInfo>,
}

impl Routes {
    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        route: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, route);
        self.list.push(RouteInfo { method, path });
        self
    }

    fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("GET", path, get(h))
    }

    fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("POST", path, post(h))
    }

    fn patch<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("PATCH", path, patch(h))
    }

    fn delete<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("DELETE", path, delete(h))
    }
}

fn routes() -> Routes {
    use features::{
        account, diagnostics, help, onboarding, operations, reports, support_requests, system,
        telemetry, tenants,
    };
    Routes {
        router: Router::new(),
        list: Vec::new(),
    }
    // ops
    .get("/healthz", api::healthz)
    .get("/readyz", api::readyz)
    .get("/metrics", web::metrics::render)
    .get("/static/{file}", web::assets::serve)
    // identity
    .get("/", root)
    .get("/login", auth::routes::login_form)
    .post("/login", auth::routes::login)
    .post("/logout", auth::routes::logout)
    .get("/account", account::routes::page)
    .post("/account", account::routes::save)
    .post("/account/tokens", account::routes::create_token)
    .get(
        "/account/tokens/{id}/revoke",
        account::routes::confirm_revoke,
    )
    .post("/account/tokens/{id}/revoke", account::routes::revoke_token)
    // admin plane
    .get("/admin", tenants::routes::admin_home)
    .get("/admin/w/{workspace}", tenants::routes::workspace_home)
    .get("/admin/w/{workspace}/audit", audit::routes::page)
    .get("/admin/t/{tenant}", tenants::routes::dashboard)
    .post("/admin/t/{tenant}/operations", operations::routes::start)
    .get("/admin/t/{tenant}/reports", reports::routes::index)
    .get("/admin/t/{tenant}/reports/{report}", reports::routes::show)
    .get(
        "/admin/t/{tenant}/review-packs/{pack}",
        reports::routes::download,
    )
    .post(
        "/admin/t/{tenant}/support-diagnostics",
        diagnostics::routes::open_tenant,
    )
    .get(
        "/admin/t/{tenant}/support-diagnostics/{opening}",
        diagnostics::routes::show_tenant,
    )
    .get(
        "/admin/t/{tenant}/support-requests/new",
        support_requests::routes::tenant_form,
    )
    .post(
        "/admin/t/{tenant}/support-requests",
        support_requests::routes::tenant_submit,
    )
    .get("/admin/operations", operations::routes::list)
    .get("/admin/operations/{run}", operations::routes::show)
    .post(
        "/admin/operations/{run}/support-diagnostics",
        diagnostics::routes::open_run,
    )
    .get(
        "/admin/operations/{run}/support-diagnostics/{opening}",
        diagnostics::routes::show_run,
    )
    .get(
        "/admin/operations/{run}/support-requests/new",
        support_requests::routes::run_form,
    )
    .post(
        "/admin/operations/{run}/support-requests",
        support_requests::routes::run_submit,
    )
    .get("/admin/onboarding", onboarding::routes::index)
    .post("/admin/onboarding", onboarding::routes::create)
    .get("/admin/onboarding/{draft}", onboarding::routes::show)
    .post("/admin/onboarding/{draft}", onboarding::routes::update)
    // system plane
    .get("/system", system::routes::overview)
    .get("/system/controls", system::routes::controls)
    .post("/system/controls/{control}", system::routes::update_control)
    .get("/system/support-desk", support_requests::desk_console::page)
    .post(
        "/system/support-desk/test-ticket",
        support_requests::desk_console::send_test_ticket,
    )
    // API
    .get("/api/v1/openapi.json", api::openapi_json)
    .get("/api/v1/me", account::api::get)
    .patch("/api/v1/me", account::api::patch)
    .get("/api/v1/me/tokens", account::tokens_api::list)
    .post("/api/v1/me/tokens", account::tokens_api::create)
    .delete("/api/v1/me/tokens/{id}", account::tokens_api::revoke)
    .get("/api/v1/tenants", tenants::api::list)
    .get("/api/v1/tenants/{tenant}", tenants::api::get)
    .get("/api/v1/audit", audit::api::list)
    .get("/api/v1/tenants/{tenant}/operations", operations::api::list)
    .post(
        "/api/v1/tenants/{tenant}/operations",
        operations::api::start,
    )
    .get("/api/v1/operations/{run}", operations::api::get)
    .get("/api/v1/help/topics", help::api::topics)
    .post(
        "/api/v1/tenants/{tenant}/support-diagnostics",
        diagnostics::api::tenant,
    )
    .post(
        "/api/v1/operations/{run}/support-diagnostics",
        diagnostics::api::run,
    )
    .post(
        "/api/v1/tenants/{tenant}/support-requests",
        support_requests::api::tenant_submit,
    )
    .get(
        "/api/v1/tenants/{tenant}/support-requests/latest",
        support_requests::api::tenant_latest,
    )
    .post(
        "/api/v1/operations/{run}/support-requests",
        support_requests::api::run_submit,
    )
    .get(
        "/api/v1/operations/{run}/support-requests/latest",
        support_requests::api::run_latest,
    )
    .get("/api/v1/system/telemetry/summary", telemetry::api::summary)
}

async fn root() -> axum::response::Response {
    web::found("/admin")
}

/// Every route [`app`] serves, in registration order.
pub fn route_table() -> Vec<RouteInfo> {
    routes().list
}

#[derive(Clone, Copy)]
struct UlidRequestId;

impl MakeRequestId for UlidRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&ulid::Ulid::new().to_string())
            .ok()
            .map(RequestId::new)
    }
}

/// The complete HTTP application for `state`.
pub fn app(state: AppState) -> Router {
    let _ = web::metrics::handle();
    let request_id = HeaderName::from_static("x-request-id");
    let body_limit = state.config.http.body_limit_bytes;
    let timeout = Duration::from_secs(state.config.http.request_timeout_secs);
    routes()
        .router
        .route_layer(middleware::from_fn(web::metrics::tag_route))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::context::layer,
        ))
        .layer(middleware::from_fn(web::metrics::track))
        .layer(middleware::from_fn(web::no_store))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ),
        ))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, UlidRequestId))
        .with_state(state)
}

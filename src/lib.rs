//! TenantPilot: a multi-tenant operations console for MSPs. [`app`] builds the whole HTTP
//! surface from one route list: each feature registers its browser routes in
//! `routes::router()` ([`web::routing::Routes`]) and its API routes in `api::router()` (a `utoipa_axum`
//! [`OpenApiRouter`], whose `routes!` registers the handler and its OpenAPI operation together).
//! The served OpenAPI document (`/api/v1/openapi.json`) and [`route_table`] (which the
//! access-matrix test reads) are both derived from those same registrations.
//!
//! Where things live, by layer (imports point down only; `tests/it/layering.rs` checks it):
//! core (`config`, `db`, `error`, `clock`, `secret`, `redact`, `outbound`, `i18n`,
//! `text_enum`, `console_window`, `validate`, `shutdown`) → domain (`auth`, `access`, `audit`,
//! `state`, `support_desk`, each feature's `model`/`repo`/`service`) → web (`web`, `api`, each
//! feature's `routes`/`api`/`views`) → app (this file, the CLI in the binary's `cli/`, `jobs`,
//! `demo`, the run executor). Benchmarks are not here: they are `tools/bench`.

pub mod access;
pub mod api;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod console_window;
pub mod db;
pub mod demo;
pub mod error;
pub mod features;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod outbound;
pub mod redact;
pub mod secret;
pub mod shutdown;
pub mod state;
pub mod support_desk;
pub mod text_enum;
pub mod validate;
pub mod web;

use axum::{
    Extension, Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware,
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
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};
pub use web::routing::RouteInfo;
use web::routing::Routes;

/// Every browser and ops route, merged from the features' `routes()`.
fn browser_routes() -> Routes {
    use features::{
        account, diagnostics, onboarding, operations, reports, support_requests, system, tenants,
    };
    Routes::new()
        // ops
        .get("/healthz", api::healthz)
        .get("/readyz", api::readyz)
        .get("/metrics", web::metrics::render)
        .get("/static/{file}", web::assets::serve)
        .get("/", root)
        .merge(auth::routes::router())
        .merge(account::routes::router())
        .merge(tenants::routes::router())
        .merge(audit::routes::router())
        .merge(operations::routes::router())
        .merge(reports::routes::router())
        .merge(diagnostics::routes::router())
        .merge(support_requests::routes::router())
        .merge(support_requests::history_routes::router())
        .merge(onboarding::routes::router())
        .merge(system::routes::router())
        .merge(features::consent::routes::router())
        .merge(features::members::routes::router())
}

/// Every `/api/v1` route with its OpenAPI operation, merged from the features' `api()`, on top
/// of the document's fixed parts ([`api::ApiDoc`]: info, security scheme, problem responses).
fn api_routes() -> OpenApiRouter<AppState> {
    use features::{account, diagnostics, help, operations, support_requests, telemetry, tenants};
    OpenApiRouter::with_openapi(api::ApiDoc::openapi())
        .routes(routes!(api::openapi_json))
        .merge(account::api::router())
        .merge(tenants::api::router())
        .merge(audit::api::router())
        .merge(operations::api::router())
        .merge(help::api::router())
        .merge(diagnostics::api::router())
        .merge(support_requests::api::router())
        .merge(telemetry::api::router())
        .merge(features::members::api::router())
}

async fn root() -> axum::response::Response {
    web::found("/admin")
}

/// Every route [`app`] serves: the browser and ops routes in registration order, then one entry
/// per operation of the OpenAPI document (by path, then method).
pub fn route_table() -> Vec<RouteInfo> {
    let mut table = browser_routes().list().to_vec();
    table.extend(api::operations(&api_routes().into_openapi()));
    table
}

#[derive(Clone, Copy)]
struct UlidRequestId;

impl MakeRequestId for UlidRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&ulid::Ulid::generate().to_string())
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
    let (api, document) = api_routes().split_for_parts();
    browser_routes()
        .into_router()
        .merge(api)
        .layer(Extension(api::ServedDocument::new(api::document(document))))
        .route_layer(middleware::from_fn(web::metrics::tag_route))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(web::csrf::cross_origin_layer(&state.config.public_url))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::middleware::layer,
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

//! Prometheus metrics: request counts and latency histograms by route template (never by raw
//! path, so tenant ids do not explode the label space).

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{sync::OnceLock, time::Instant};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Installs the process-wide recorder once; later calls reuse it.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &BUCKETS,
                )
                .ok()?
                .install_recorder()
                .map_err(|e| tracing::warn!(error = %e, "metrics recorder not installed"))
                .ok()
        })
        .as_ref()
}

/// The route template that served a response, tagged by [`tag_route`] and read by [`track`].
#[derive(Debug, Clone)]
pub struct RouteTag(pub String);

/// Route-layer middleware (runs only for matched routes): tags the response with its template.
pub async fn tag_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteTag(route));
    }
    response
}

/// Outer middleware: counts and times every request with its final status (after error
/// rendering turned, say, a 401 into a login redirect).
pub async fn track(request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<RouteTag>()
        .map(|t| t.0.clone())
        .unwrap_or_else(|| "unmatched".into());
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Name of the statement counter in `/metrics`.
pub const STATEMENTS: &str = "tenantpilot_db_statements_total";

/// `GET /metrics`.
pub async fn render() -> Response {
    let mut body = handle().map(|h| h.render()).unwrap_or_default();
    // Statements sent to the database by this process (repo statements, BEGIN, COMMIT): the
    // benchmark divides its growth by the requests it sent.
    body.push_str(&format!(
        "# TYPE {STATEMENTS} counter\n{STATEMENTS} {}\n",
        crate::db::round_trips::total()
    ));
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        body,
    )
        .into_response()
}

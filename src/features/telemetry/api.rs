//! `GET /api/v1/system/telemetry/summary?window=24h|7d|30d`: the aggregate telemetry summary
//! for platform operators. Workspace users get 404 (the system plane does not exist for them),
//! anonymous callers 401. The answer holds counts only: no events, no tenant ids.

use super::summary::{self, TelemetrySummary};
use crate::{
    access::PlatformUser,
    api::problem,
    console_window::ConsoleWindow,
    error::{AppError, AppResult, Invalid},
    state::AppState,
    web::Q,
};
use axum::{Json, extract::State};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

fn window_schema() -> utoipa::openapi::Object {
    crate::validate::schema::filter(ConsoleWindow::ALL.iter().map(|w| w.as_str()))
}

/// Query of the summary endpoint.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// `24h` (default, also when empty), `7d` or `30d`.
    #[param(schema_with = window_schema)]
    pub window: Option<String>,
}

/// Parses the requested window: absent or empty means the default (24h); anything else
/// unknown is a 422 whose message names the allowed values, so an API client's typo does not
/// silently answer for another window.
pub fn requested_window(raw: Option<&str>) -> AppResult<ConsoleWindow> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(ConsoleWindow::default()),
        Some(value) => ConsoleWindow::parse(value).ok_or_else(|| {
            AppError::Validation(vec![Invalid {
                field: "window",
                key: "telemetry-validation-window",
            }])
        }),
    }
}

/// The telemetry summary for a window ending now; platform tokens only.
#[utoipa::path(get, path = "/api/v1/system/telemetry/summary", operation_id = "get_telemetry_summary", tag = "system",
    params(SummaryQuery),
    responses((status = 200, description = "The summary", body = TelemetrySummary), problem::Common, problem::InScope,
        problem::Query),
    security(("bearer" = [])))]
pub async fn summary(
    State(state): State<AppState>,
    _platform: PlatformUser,
    Q(q): Q<SummaryQuery>,
) -> AppResult<Json<TelemetrySummary>> {
    let window = requested_window(q.window.as_deref())?;
    Ok(Json(
        summary::summarize(&state.db, window, state.now()).await?,
    ))
}

/// The telemetry summary for platform operators.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_parameter() {
        assert_eq!(requested_window(None).unwrap(), ConsoleWindow::Last24Hours);
        assert_eq!(
            requested_window(Some("")).unwrap(),
            ConsoleWindow::Last24Hours
        );
        assert_eq!(
            requested_window(Some("7d")).unwrap(),
            ConsoleWindow::Last7Days
        );
        assert_eq!(
            requested_window(Some("30d")).unwrap(),
            ConsoleWindow::Last30Days
        );
        assert!(
            requested_window(Some(" 30d ")).is_err(),
            "exactly the documented spelling"
        );
        assert!(matches!(
            requested_window(Some("1y")),
            Err(AppError::Validation(v)) if v[0].key == "telemetry-validation-window"
        ));
    }
}

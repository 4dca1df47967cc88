//! JSON API plumbing: the strict JSON body extractor, the problem type, the fixed parts of the
//! OpenAPI document (its paths come from the features' `api()` routers, merged in `crate::app`)
//! and the ops endpoints.

pub mod problem;

use crate::{
    error::{AppError, AppResult, FieldError, Invalid},
    state::AppState,
};
use axum::{
    Extension, Json,
    body::Bytes,
    extract::{FromRequest, Request, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

/// Media type of every error response.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// JSON body extractor: a wrong media type (415), an oversized body (413) and malformed JSON
/// (400 `malformed-json`) are problems of their own; a body that is JSON but does not fit the
/// type answers per property (`errors[]` with the JSON path): 422 for a missing required
/// property, 400 for a wrong type, `null`, a bad value or an unknown property. Never 500.
pub struct ApiJson<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .is_some_and(|m| {
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
}

/// Deserializes a JSON body as [`ApiJson`] does, in one pass straight into `T` (no
/// intermediate `Value`: this runs on every API write). Every body the API reads is an object:
/// an array would otherwise fill a struct by position.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> AppResult<T> {
    let shape = |field: String, message: &str| AppError::InvalidFields {
        code: "invalid-json-fields",
        fields: vec![FieldError::from_serde(&field, message)],
    };
    let malformed = || AppError::bad_request("malformed-json", "The body is not valid JSON.");
    let opens_object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !opens_object {
        // Rare: tell "not JSON at all" from "JSON, but not an object".
        serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|_| malformed())?;
        return Err(shape(String::new(), "invalid type: expected an object"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        if e.inner().is_data() {
            shape(e.path().to_string(), &e.inner().to_string())
        } else {
            malformed()
        }
    })?;
    de.end().map_err(|_| malformed())?;
    Ok(value)
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::bad_request("unreadable-body", e.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Highest page number a list accepts.
pub const MAX_PAGE: u32 = 100_000;
/// Most rows a list answers per page.
pub const MAX_PER_PAGE: u32 = 200;

/// `value` (or `default` when absent) when it lies in `1..=max`; otherwise a field error whose
/// message (`key`) names the range. Lists refuse out-of-range paging instead of clamping it.
pub fn in_range(
    field: &'static str,
    key: &'static str,
    value: Option<u32>,
    default: u32,
    max: u32,
    errors: &mut Vec<Invalid>,
) -> i64 {
    let value = value.unwrap_or(default);
    if !(1..=max).contains(&value) {
        errors.push(Invalid { field, key });
    }
    i64::from(value.clamp(1, max))
}

/// The `page` query parameter of every list.
pub fn page_number(page: Option<u32>, errors: &mut Vec<Invalid>) -> i64 {
    in_range("page", "validation-page-range", page, 1, MAX_PAGE, errors)
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        problem::register(components);
    }
}

/// The document's fixed parts: info, the bearer security scheme, one response component per
/// problem status and the schemas no operation references. The paths come from the routes
/// registered through `utoipa_axum::routes!` (see `crate::app`), which merge into this.
#[derive(OpenApi)]
#[openapi(
    info(title = "TenantPilot API", version = "1"),
    components(schemas(
        problem::ProblemDoc,
        problem::FieldProblem,
        crate::features::help::HelpCatalogDoc,
        crate::features::help::HelpCatalogExport,
        crate::features::help::ResolvedTopic,
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The finished document (see [`document`]), put into the request extensions by `crate::app`
/// for [`openapi_json`]; serialized once, on start.
#[derive(Clone)]
pub struct ServedDocument(Arc<serde_json::Value>);

impl ServedDocument {
    /// Wraps the document to serve.
    pub fn new(document: serde_json::Value) -> ServedDocument {
        ServedDocument(Arc::new(document))
    }
}

/// This document, generated from the code.
#[utoipa::path(get, path = "/api/v1/openapi.json", operation_id = "get_openapi_document", tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi_json(Extension(document): Extension<ServedDocument>) -> Response {
    Json(document.0.as_ref()).into_response()
}

/// The served document: `api` (the registered routes over [`ApiDoc`]) plus what utoipa's types
/// cannot state (JSON Schema `if`/`then`): a `link_existing_ticket` submission needs a non-blank
/// reference, and a new token with `no_expiry: true` takes no `expires_in_days`.
pub fn document(api: utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut doc = serde_json::to_value(api).unwrap_or(serde_json::Value::Null);
    if let Some(submission) = doc.pointer_mut("/components/schemas/SupportRequestHandoffSubmission")
    {
        submission["if"] = serde_json::json!({
            "properties": {"handoff_mode": {"const": "link_existing_ticket"}},
            "required": ["handoff_mode"],
        });
        submission["then"] = serde_json::json!({
            "required": ["external_ticket_reference"],
            "properties": {"external_ticket_reference": crate::validate::schema::line(
                crate::features::support_requests::model::MAX_EXTERNAL_REFERENCE
            )},
        });
    }
    if let Some(new_token) = doc.pointer_mut("/components/schemas/NewTokenBody") {
        new_token["if"] = serde_json::json!({
            "properties": {"no_expiry": {"const": true}},
            "required": ["no_expiry"],
        });
        new_token["then"] = serde_json::json!({
            "properties": {"expires_in_days": {"type": "null"}},
        });
    }
    doc
}

/// One route per operation of `api`, by path and then method: the API part of
/// `crate::route_table`.
pub fn operations(api: &utoipa::openapi::OpenApi) -> Vec<crate::web::routing::RouteInfo> {
    api.paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            [
                ("GET", item.get.is_some()),
                ("PUT", item.put.is_some()),
                ("POST", item.post.is_some()),
                ("DELETE", item.delete.is_some()),
                ("OPTIONS", item.options.is_some()),
                ("HEAD", item.head.is_some()),
                ("PATCH", item.patch.is_some()),
                ("TRACE", item.trace.is_some()),
            ]
            .into_iter()
            .filter(|(_, present)| *present)
            .map(|(method, _)| crate::web::routing::RouteInfo {
                method,
                path: path.clone(),
            })
        })
        .collect()
}

/// An optional integer body property as JSON Schema counts integers: `30` and `30.0` are the
/// same whole number (serde's `i64` refuses the second), `3.5` and `"30"` are the wrong type.
pub fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    use serde::{Deserialize, de::Error};
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Some(n) = number.as_i64() {
        return Ok(Some(n));
    }
    match number.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        _ => Err(D::Error::invalid_type(
            serde::de::Unexpected::Other("a number that is not a whole number"),
            &"a whole number",
        )),
    }
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

/// How long `/readyz` waits for the database: under a second, whatever the pool's acquire
/// timeout, so a probe never hangs on a database that is gone.
const READY_BUDGET: std::time::Duration = std::time::Duration::from_millis(800);

/// `GET /readyz`: the database answers within [`READY_BUDGET`].
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping_within(READY_BUDGET).await {
        Ok(()) => Json(serde_json::json!({"status": "ready"})).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable", "reason": "database"})),
            )
                .into_response()
        }
    }
}

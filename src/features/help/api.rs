//! `GET /api/v1/help/topics`: the machine-readable help catalog.
//!
//! Any signed-in caller may read it (workspace or platform user): it holds only code-owned
//! topic text and approved links, nothing scoped to a workspace or tenant, so there is no
//! scope to check beyond authentication. Anonymous callers get `401` so the API surface stays
//! uniformly authenticated.

use super::export::{HelpCatalogDoc, catalog_doc};
use crate::i18n::Locale;
use crate::state::AppState;
use crate::{
    api::problem,
    error::{AppError, AppResult, Invalid},
    web::{
        Q,
        context::{CurrentUser, RequestContext},
    },
};
use axum::{
    Json,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Query of the catalog endpoint.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopicsQuery {
    /// `en` or `de`; absent or empty: the caller's language (account setting, else
    /// `Accept-Language`).
    #[param(schema_with = locale_schema)]
    pub locale: Option<String>,
}

fn locale_schema() -> utoipa::openapi::Object {
    crate::validate::schema::filter(Locale::ALL.iter().map(|l| l.as_str()))
}

/// Parses the requested language; empty means "not given" (like the list filters), anything
/// else is exactly a documented tag or a 422, so a typo does not silently return English.
fn requested_locale(raw: Option<&str>, default: Locale) -> AppResult<Locale> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(tag) => Locale::parse(tag).ok_or_else(|| {
            AppError::Validation(vec![Invalid {
                field: "locale",
                key: "validation-locale",
            }])
        }),
    }
}

/// The help catalog: every topic rendered in one language, with the catalog and schema
/// versions. Topic keys match the `urn:tenantpilot:help:<key>` problem types.
#[utoipa::path(get, path = "/api/v1/help/topics", operation_id = "get_help_topics", tag = "help",
    params(TopicsQuery),
    responses((status = 200, description = "The catalog", body = HelpCatalogDoc), problem::Common, problem::Query),
    security(("bearer" = [])))]
pub async fn topics(
    ctx: RequestContext,
    CurrentUser(_caller): CurrentUser,
    Q(q): Q<TopicsQuery>,
) -> AppResult<Response> {
    let locale = requested_locale(q.locale.as_deref(), ctx.locale)?;
    let mut response = Json(catalog_doc(locale)).into_response();
    response.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(locale.as_str()),
    );
    Ok(response)
}

/// The help topics.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(topics))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_parameter() {
        assert_eq!(requested_locale(None, Locale::De).unwrap(), Locale::De);
        assert_eq!(requested_locale(Some(""), Locale::De).unwrap(), Locale::De);
        assert_eq!(
            requested_locale(Some("en"), Locale::De).unwrap(),
            Locale::En
        );
        for bad in ["fr", "de-DE", "english", " de", "DE"] {
            assert!(matches!(
                requested_locale(Some(bad), Locale::En),
                Err(AppError::Validation(_))
            ));
        }
    }
}

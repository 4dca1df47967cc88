//! Browser-facing plumbing: request context, CSRF, error pages, layout shell, translations,
//! static assets and metrics.

pub mod assets;
pub mod context;
pub mod csrf;
pub mod flash;
pub mod i18n;
pub mod metrics;
pub mod render;
pub mod shell;

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// Renders an askama template into an HTML response.
pub fn html<T: askama::Template>(template: &T) -> Response {
    match template.render() {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            body,
        )
            .into_response(),
        Err(e) => {
            crate::error::AppError::Internal(anyhow::anyhow!("template: {e}")).into_response()
        }
    }
}

/// A `302 Found` redirect (GET navigation, e.g. to the login page).
pub fn found(location: &str) -> Response {
    redirect(StatusCode::FOUND, location)
}

/// A `303 See Other` redirect (after a form POST).
pub fn see_other(location: &str) -> Response {
    redirect(StatusCode::SEE_OTHER, location)
}

fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = status.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Only same-site relative paths are accepted as post-login targets (no open redirects).
pub fn safe_next(next: Option<&str>) -> Option<String> {
    next.filter(|n| {
        n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.contains("://")
    })
    .map(str::to_string)
}

/// Query-string extractor whose rejection is our problem/page instead of plain text: `400`
/// `invalid-query` naming the parameter in `errors[]`.
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequestParts<S> for Q<T> {
    type Rejection = crate::error::AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Q).map_err(|e| {
            crate::error::AppError::InvalidFields {
                code: "invalid-query",
                fields: vec![crate::error::FieldError::from_serde(
                    &e.path().to_string(),
                    &e.inner().to_string(),
                )],
            }
        })
    }
}

/// Form-body extractor whose rejection is our error page instead of plain text.
pub struct FormData<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for FormData<T> {
    type Rejection = crate::error::AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::FormRejection;
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| FormData(f.0))
            .map_err(|e| match e {
                FormRejection::InvalidFormContentType(_) => {
                    crate::error::AppError::UnsupportedMediaType
                }
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    crate::error::AppError::PayloadTooLarge
                }
                other => crate::error::AppError::bad_request("invalid-form", other.body_text()),
            })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_targets_are_local_only() {
        assert_eq!(
            super::safe_next(Some("/admin/t/x")),
            Some("/admin/t/x".into())
        );
        for bad in ["//evil.test", "https://evil.test", "/\\evil", "admin"] {
            assert_eq!(super::safe_next(Some(bad)), None, "{bad}");
        }
    }
}

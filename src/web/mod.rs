//! Browser-facing plumbing: request context, CSRF, error pages, layout shell, translations,
//! static assets and metrics.

pub mod assets;
pub mod context;
pub mod csrf;
pub mod flash;
pub mod metrics;
pub mod middleware;
pub mod render;
pub mod routing;
pub mod scope;
pub mod shell;

pub use csrf::CsrfForm;

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// Response middleware: everything but the content-hashed static assets is `no-store`
/// (signed-in pages, API answers and ops endpoints alike), so no shared or browser cache keeps
/// a tenant's data after sign-out. A handler that chose its own policy keeps it.
pub async fn no_store(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let asset = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    if !asset {
        response
            .headers_mut()
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    response
}

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

/// A form page: `422` when the submission had errors (so tests and assistive tools see the
/// refusal), `200` otherwise; a page that fails to render keeps its error status.
pub fn form_html<T: askama::Template>(template: &T, has_errors: bool) -> Response {
    let mut response = html(template);
    if has_errors && response.status().is_success() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
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

/// The post-login target for a requested `next`, or `None` (the caller's start page) unless it
/// is a path on our own origin. The value is percent-decoded once, and refused when the decoded
/// form still holds a `%` (double encoding), is not ASCII, or holds a control character or
/// whitespace anywhere, so what a browser strips or unescapes cannot turn it into `//host`. The
/// path must start with exactly one `/` and its second character be neither `/` nor `\`
/// (before and after decoding), and resolving it against `public_url` must keep that origin.
/// The answer is the resolved, canonical path (dot segments removed), checked once more.
pub fn safe_next(next: Option<&str>, public_url: &str) -> Option<String> {
    let raw = next?;
    let decoded = percent_decode_once(raw)?;
    if !is_local_path(raw) || !is_local_path(&decoded) || decoded.contains('%') {
        return None;
    }
    let base = reqwest::Url::parse(public_url).ok()?;
    let resolved = base.join(raw).ok()?;
    if resolved.origin() != base.origin() {
        return None;
    }
    let mut canonical = resolved.path().to_string();
    if let Some(query) = resolved.query() {
        canonical.push('?');
        canonical.push_str(query);
    }
    if let Some(fragment) = resolved.fragment() {
        canonical.push('#');
        canonical.push_str(fragment);
    }
    is_local_path(&canonical).then_some(canonical)
}

/// One `/`, then not a second `/` or `\`; printable ASCII only (no space, no control, no `\`).
fn is_local_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && bytes.iter().all(|b| b.is_ascii_graphic() && *b != b'\\')
}

/// `%XX` → byte, once; `None` when the result is not UTF-8.
fn percent_decode_once(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
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

#[cfg(test)]
mod tests {
    use super::safe_next;

    const ORIGIN: &str = "https://console.example";

    #[test]
    fn local_next_targets_are_kept_in_canonical_form() {
        for (next, expected) in [
            ("/admin/t/x?y=1", "/admin/t/x?y=1"),
            ("/admin", "/admin"),
            ("/system/controls", "/system/controls"),
            ("/@evil.example", "/@evil.example"),
            ("/admin/./operations/../operations/7", "/admin/operations/7"),
            ("/admin%2Foperations", "/admin%2Foperations"),
            ("/javascript:alert(1)", "/javascript:alert(1)"),
            ("/admin/w/contoso-msp#audit", "/admin/w/contoso-msp#audit"),
        ] {
            assert_eq!(
                safe_next(Some(next), ORIGIN).as_deref(),
                Some(expected),
                "{next:?}"
            );
        }
        assert_eq!(
            safe_next(Some("/admin"), "http://127.0.0.1:8080/tp/").as_deref(),
            Some("/admin")
        );
    }

    #[test]
    fn hostile_next_targets_fall_back_to_the_start_page() {
        let hostile = [
            "",
            "admin",
            "/\t/evil.example/x",
            "/\r/evil.example/x",
            "/\n/evil.example/x",
            "/\0/evil.example/x",
            "\t//evil.example",
            "/admin\x7f",
            "/\\evil.example",
            "\\\\evil.example",
            "\\/evil.example",
            "//evil.example",
            "///evil.example",
            "////evil.example/x",
            "%2F%2Fevil.example",
            "/%2Fevil.example",
            "/%2F/evil.example",
            "/%252F%252Fevil.example",
            "%252F%252Fevil.example",
            "/%09/evil.example/x",
            "/%0d%0a/evil.example",
            "/%00/evil.example",
            "/%5Cevil.example",
            "/%5C%5Cevil.example",
            "/%255Cevil.example",
            "javascript:alert(1)",
            "http://evil.example",
            "https://evil.example/admin",
            "https:evil.example",
            "https:/evil.example",
            "//user@evil.example",
            "//user:pass@evil.example/admin",
            "/ /evil.example",
            "/admin path",
            "/\u{a0}/evil.example",
            "/\u{2028}/evil.example",
            "/\u{3000}/evil.example",
            "/\u{feff}/evil.example",
            "/%E2%80%A8/evil.example",
            "/%C0%AF/evil.example",
            "/..//evil.example",
            "/.//evil.example",
            "/a/../..//evil.example",
            "/%2E%2E//evil.example",
        ];
        assert!(hostile.len() >= 20);
        for next in hostile {
            assert_eq!(safe_next(Some(next), ORIGIN), None, "{next:?}");
        }
        assert_eq!(safe_next(None, ORIGIN), None);
    }
}

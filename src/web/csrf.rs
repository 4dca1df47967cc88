//! CSRF protection for every state-changing browser request: cross-site requests (by
//! `Sec-Fetch-Site` or a foreign `Origin`) are refused, and the form must echo a token: the
//! session's token when signed in, or a pre-session double-submit cookie on the login form.

use crate::error::AppError;
use axum::{
    body::{Body, Bytes},
    extract::Request,
    http::{HeaderMap, header},
};
use axum_extra::extract::cookie::{Cookie, SameSite};

/// Form field carrying the token.
pub const FIELD: &str = "_csrf";
/// Pre-session cookie for anonymous forms (the login form).
pub const PRE_SESSION_COOKIE: &str = "tp_csrf";

/// Pre-session cookie with a new random token.
pub fn pre_session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((PRE_SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .build()
}

/// Refuses requests a browser marks as cross-site or whose `Origin` names another host.
pub fn check_origin(headers: &HeaderMap) -> Result<(), AppError> {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
    {
        return Err(AppError::CsrfRejected);
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && origin != "null"
    {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
        if origin_host.trim_end_matches('/') != host {
            return Err(AppError::CsrfRejected);
        }
    }
    Ok(())
}

/// Checks the token in a form body (or `X-CSRF-Token` header) against `expected`, then hands
/// back the request with its body restored for the handler.
pub async fn check_token(
    request: Request,
    expected: Option<&str>,
    body_limit: usize,
) -> Result<Request, AppError> {
    let expected = expected.ok_or(AppError::CsrfRejected)?;
    let (parts, body) = request.into_parts();
    if let Some(header_token) = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        if crate::auth::constant_time_eq(header_token, expected) {
            return Ok(Request::from_parts(parts, body));
        }
        return Err(AppError::CsrfRejected);
    }
    let bytes: Bytes = axum::body::to_bytes(body, body_limit)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let submitted = form_urlencoded_field(&bytes, FIELD);
    match submitted {
        Some(token) if crate::auth::constant_time_eq(&token, expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(AppError::CsrfRejected),
    }
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_rules() {
        assert!(check_origin(&headers(&[("host", "a.test")])).is_ok());
        assert!(
            check_origin(&headers(&[
                ("host", "a.test"),
                ("origin", "https://a.test")
            ]))
            .is_ok()
        );
        assert!(
            check_origin(&headers(&[
                ("host", "a.test"),
                ("origin", "https://evil.test")
            ]))
            .is_err()
        );
        assert!(
            check_origin(&headers(&[
                ("host", "a.test"),
                ("sec-fetch-site", "cross-site")
            ]))
            .is_err()
        );
        assert!(
            check_origin(&headers(&[
                ("host", "a.test"),
                ("sec-fetch-site", "same-origin")
            ]))
            .is_ok()
        );
    }

    #[test]
    fn finds_the_form_field() {
        assert_eq!(
            form_urlencoded_field(b"a=1&_csrf=x%2By", "_csrf"),
            Some("x+y".into())
        );
        assert_eq!(form_urlencoded_field(b"a=1", "_csrf"), None);
    }
}

//! CSRF protection for every state-changing browser request, in two independent parts:
//!
//! 1. [`cross_origin_layer`]: tower-http's cross-origin protection around the whole router.
//!    Browser-plane writes a browser marks as cross-site (`Sec-Fetch-Site`), or whose `Origin`
//!    is neither the request's own host nor `public_url`'s origin, are refused. Trusting
//!    `public_url` explicitly keeps same-origin forms working behind a reverse proxy that
//!    rewrites `Host`.
//! 2. [`CsrfForm`]: the form extractor every browser write handler uses. It reads the body once
//!    (inside the request-timeout and body-limit layers, like any extractor), checks that the
//!    form echoes the expected token in [`FIELD`] (or the `X-CSRF-Token` header), then
//!    deserializes the form. The expected token is the session's when signed in, else the
//!    pre-session double-submit cookie's (the login form). Tokens are compared in constant time.
//!
//! A browser write handler without a [`CsrfForm`] parameter has no token check: the access
//! matrix test replays every form route with a forged token to catch one.

use super::context::{Plane, RequestContext};
use crate::error::AppError;
use axum::{
    body::{Body, Bytes},
    extract::{FromRequest, Request, rejection::FormRejection},
    http::{StatusCode, Uri},
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use tower_http::csrf::{CsrfLayer, ProtectionError};

/// Form field carrying the token.
pub const FIELD: &str = "_csrf";
/// Pre-session cookie for anonymous forms (the login form).
pub const PRE_SESSION_COOKIE: &str = "tp_csrf";
/// Header that may carry the token instead of the form field.
const HEADER: &str = "x-csrf-token";

/// Pre-session cookie with a new random token.
pub fn pre_session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((PRE_SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .build()
}

/// How a request refused by the cross-origin layer is answered: the same `csrf-rejected` error
/// as a missing token, rendered by the request-context middleware like every other error.
type Refusal = fn(ProtectionError) -> Response;

fn refuse(_: ProtectionError) -> Response {
    AppError::CsrfRejected.into_response()
}

/// tower-http's cross-origin protection for the browser plane (the API authenticates with
/// bearer tokens, which a browser never attaches on its own, and ops endpoints change nothing),
/// with `public_url`'s origin trusted. A `public_url` without a usable origin (config
/// validation refuses those) leaves only the same-host rule, and says so in the log.
pub fn cross_origin_layer(public_url: &str) -> CsrfLayer<Refusal> {
    let layer = CsrfLayer::new()
        .with_insecure_bypass(|_, uri: &Uri| Plane::of(uri.path()) != Plane::Browser)
        .with_rejection_response(refuse as Refusal);
    let origin = reqwest::Url::parse(public_url)
        .map(|url| url.origin().ascii_serialization())
        .map_err(|e| e.to_string());
    match origin.and_then(|o| {
        layer
            .clone()
            .add_trusted_origin(o)
            .map_err(|e| e.to_string())
    }) {
        Ok(trusting) => trusting,
        Err(e) => {
            tracing::warn!(public_url, error = %e, "public_url has no origin to trust for CSRF");
            layer
        }
    }
}

/// `submitted` is the non-empty `expected` token, compared in constant time.
fn tokens_match(submitted: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(submitted.as_bytes().ct_eq(expected.as_bytes()))
}

/// The value of the form field `name` in a urlencoded body.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A form without fields of its own (a bare button): [`CsrfForm`]'s default, for handlers that
/// only need the token checked.
#[derive(Debug, serde::Deserialize)]
pub struct NoFields {}

/// Form-body extractor for every browser write: refuses (`403 csrf-rejected`) a body that does
/// not echo the request's CSRF token, then deserializes the form. Its other rejections are our
/// error page, not plain text: `413` for an oversized body, `415` for another media type, `400`
/// `invalid-form` for a body that does not fit `T`. Must be the handler's last parameter, as
/// every body extractor; the scope extractors before it answer first.
pub struct CsrfForm<T = NoFields>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let expected = req
            .extensions()
            .get::<RequestContext>()
            .map(RequestContext::csrf_token)
            .unwrap_or_default();
        let header_token = req
            .headers()
            .get(HEADER)
            .map(|v| v.to_str().map(str::to_string).unwrap_or_default());
        let req = match header_token {
            Some(token) if tokens_match(&token, &expected) => req,
            Some(_) => return Err(AppError::CsrfRejected),
            None => {
                let (parts, body) = req.into_parts();
                let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
                    .await
                    .map_err(|_| AppError::PayloadTooLarge)?;
                match form_field(&bytes, FIELD) {
                    Some(token) if tokens_match(&token, &expected) => {
                        Request::from_parts(parts, Body::from(bytes))
                    }
                    _ => return Err(AppError::CsrfRejected),
                }
            }
        };
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| CsrfForm(f.0))
            .map_err(|e| match e {
                FormRejection::InvalidFormContentType(_) => AppError::UnsupportedMediaType,
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    AppError::PayloadTooLarge
                }
                other => AppError::bad_request("invalid-form", other.body_text()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_form_field() {
        assert_eq!(form_field(b"a=1&_csrf=x%2By", "_csrf"), Some("x+y".into()));
        assert_eq!(form_field(b"a=1", "_csrf"), None);
    }

    #[test]
    fn tokens_match_only_when_equal_and_expected() {
        assert!(tokens_match("abc-1", "abc-1"));
        assert!(!tokens_match("abc-2", "abc-1"));
        assert!(!tokens_match("abc-1x", "abc-1"));
        assert!(!tokens_match("", ""), "no expected token: nothing matches");
    }
}

//! The request-context middleware: resolves who is calling (session cookie on the browser
//! planes, bearer token on `/api`), their language and client address, and renders any error
//! the handler (or the CSRF checks of [`super::csrf`]) returned in the plane's format.

use super::{csrf, flash::Flash, metrics::RouteTag, render};
use crate::i18n::Locale;
use crate::{
    auth::{self, Identity, Via},
    error::{AppError, ErrorMarker},
    state::AppState,
};
use axum::{
    extract::{ConnectInfo, FromRequestParts, Request, State},
    http::{HeaderValue, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use std::{net::SocketAddr, sync::Arc};

/// Which surface a request belongs to; decides identity source and error format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plane {
    /// `/api/…`: bearer tokens, problem JSON.
    Api,
    /// Everything a browser navigates: sessions, HTML error pages.
    Browser,
    /// `/healthz`, `/readyz`, `/metrics`, static files: no identity.
    Ops,
}

impl Plane {
    /// The plane of a request path.
    pub fn of(path: &str) -> Plane {
        if path == "/api" || path.starts_with("/api/") {
            Plane::Api
        } else if matches!(path, "/healthz" | "/readyz" | "/metrics")
            || path.starts_with("/static/")
        {
            Plane::Ops
        } else {
            Plane::Browser
        }
    }
}

/// Facts about the current request every handler and template may need.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The caller, when authenticated.
    pub identity: Option<Arc<Identity>>,
    /// Language for text.
    pub locale: Locale,
    /// Correlation id (also in the `x-request-id` response header).
    pub request_id: String,
    /// Surface.
    pub plane: Plane,
    /// Notification from the previous redirect.
    pub flash: Option<Flash>,
    /// Pre-session CSRF token from the cookie (anonymous forms).
    pub pre_session_csrf: Option<String>,
    /// Client address used for throttling.
    pub client_ip: String,
    /// Path and query, for `next=` links and problem `instance`.
    pub uri: String,
}

impl RequestContext {
    /// The CSRF token forms on this page must carry.
    pub fn csrf_token(&self) -> String {
        match self.identity.as_deref().map(|i| &i.via) {
            Some(Via::Session { csrf_token, .. }) => csrf_token.clone(),
            _ => self.pre_session_csrf.clone().unwrap_or_default(),
        }
    }

    /// Audit context for actions this request performs.
    pub fn audit(&self) -> crate::audit::AuditContext {
        crate::audit::AuditContext {
            actor: match self.identity.as_deref() {
                Some(i) => crate::audit::Actor::User {
                    id: i.user.id,
                    label: i.user.email.clone(),
                },
                None => crate::audit::Actor::System,
            },
            request_id: Some(self.request_id.clone()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context missing")))
    }
}

/// The signed-in caller; absent identity is `401` on the API and a login redirect in a browser.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Arc<Identity>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = RequestContext::from_request_parts(parts, state).await?;
        ctx.identity
            .map(CurrentUser)
            .ok_or(AppError::Unauthenticated)
    }
}

fn client_ip(request: &Request, trust_forwarded: bool) -> String {
    if trust_forwarded
        && let Some(forwarded) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return forwarded.trim().chars().take(64).collect();
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

async fn resolve_identity(
    state: &AppState,
    plane: Plane,
    bearer: Option<String>,
    jar: &CookieJar,
) -> Result<Option<Identity>, AppError> {
    let now = state.now();
    match plane {
        Plane::Api => match bearer.as_deref() {
            Some(token) => Ok(auth::tokens::resolve(&state.db, token.trim(), now).await?),
            None => Ok(None),
        },
        Plane::Browser => match jar.get(auth::sessions::COOKIE) {
            Some(cookie) => {
                Ok(
                    auth::sessions::resolve(&state.db, cookie.value(), now, &state.config.session)
                        .await?,
                )
            }
            None => Ok(None),
        },
        Plane::Ops => Ok(None),
    }
}

/// Total size of the request headers as sent: names plus values. Hyper's own buffer limit is
/// far larger (hundreds of KiB), so this is the bound that matters.
fn header_bytes(headers: &axum::http::HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum()
}

/// The middleware itself; installed once around the whole router.
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let plane = Plane::of(&path);
    let jar = CookieJar::from_headers(request.headers());
    let accept_language = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Locale::from_accept_language)
        .unwrap_or(Locale::En);
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut ctx = RequestContext {
        identity: None,
        locale: accept_language,
        request_id,
        plane,
        flash: jar
            .get(super::flash::COOKIE)
            .and_then(|c| Flash::parse(c.value())),
        pre_session_csrf: jar
            .get(csrf::PRE_SESSION_COOKIE)
            .map(|c| c.value().to_string())
            .filter(|v| !v.is_empty()),
        client_ip: client_ip(&request, state.config.login_throttle.trust_forwarded_for),
        uri: request
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or(path.clone()),
    };
    if header_bytes(request.headers()) > state.config.http.max_header_bytes {
        return render::error(&ctx, AppError::HeadersTooLarge);
    }
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    match resolve_identity(&state, plane, bearer, &jar).await {
        Ok(identity) => {
            if let Some(locale) = identity.as_ref().and_then(|i| i.user.preferred_locale()) {
                ctx.locale = locale;
            }
            ctx.identity = identity.map(Arc::new);
        }
        Err(e) => return render::error(&ctx, e),
    }
    request.extensions_mut().insert(ctx.clone());
    let mut response = next.run(request).await;
    let route = response.extensions_mut().remove::<RouteTag>();
    let with_route = |mut r: Response| {
        if let Some(tag) = route.clone() {
            r.extensions_mut().insert(tag);
        }
        r
    };
    if let Some(marker) = response.extensions_mut().remove::<ErrorMarker>() {
        let error = Arc::try_unwrap(marker.0)
            .unwrap_or_else(|shared| AppError::Internal(anyhow::anyhow!("{shared}")));
        return with_route(render::error(&ctx, error));
    }
    let status = response.status();
    let bare = !response.headers().contains_key(header::CONTENT_TYPE)
        || response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    if (status.is_client_error() || status.is_server_error()) && bare {
        return with_route(render::error(&ctx, AppError::from_status(status)));
    }
    let mut response = with_route(response);
    if ctx.flash.is_some() && status.is_success() {
        let removal = Cookie::build((super::flash::COOKIE, ""))
            .path("/")
            .removal()
            .build();
        if let Ok(value) = HeaderValue::from_str(&removal.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response.into_response()
}

#[cfg(test)]
mod tests {
    use super::Plane;

    #[test]
    fn planes() {
        assert_eq!(Plane::of("/api/v1/me"), Plane::Api);
        assert_eq!(Plane::of("/apix"), Plane::Browser);
        assert_eq!(Plane::of("/admin"), Plane::Browser);
        assert_eq!(Plane::of("/system"), Plane::Browser);
        assert_eq!(Plane::of("/metrics"), Plane::Ops);
        assert_eq!(Plane::of("/static/app.css"), Plane::Ops);
    }
}

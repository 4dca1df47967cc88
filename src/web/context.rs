//! The request-context middleware: resolves who is calling (session cookie on the browser
//! planes, bearer token on `/api`), their language and client address, and renders any error
//! the handler (or the CSRF checks of [`super::csrf`]) returned in the plane's format.

use super::flash::Flash;
use crate::i18n::Locale;
use crate::{
    access::context::Prefetched,
    auth::{Identity, Via},
    error::AppError,
};
use axum::{extract::FromRequestParts, http::request::Parts};
use std::sync::Arc;

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
    /// What was read with the caller: the path's tenant or workspace in scope and the page
    /// frame's data (the scope extractors and the shell use it instead of asking again).
    pub prefetched: Arc<Prefetched>,
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
    /// The browser's `User-Agent`, for the account page's session list.
    pub user_agent: Option<String>,
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

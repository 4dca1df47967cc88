//! The request-context middleware: resolves the caller's session or token, language and plane
//! once per request, stores the [`RequestContext`] for the extractors, and renders every error
//! response the handlers return (HTML page or problem JSON, by plane).

use super::context::{Plane, RequestContext};
use super::{csrf, flash::Flash, metrics::RouteTag, render};
use crate::i18n::Locale;
use crate::{
    access::{
        self,
        context::{Credential, Resolved, Target},
    },
    auth,
    error::{AppError, ErrorMarker},
    state::AppState,
};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use std::{net::SocketAddr, sync::Arc};

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

/// What the path names for the request context to resolve with the caller, and whether the
/// page frame's data is read too (admin pages). A path this does not recognise (or a key with
/// escapes) resolves nothing up front: its extractors then query themselves.
fn target_of(plane: Plane, path: &str) -> (Target, bool) {
    let (rest, frame) = match plane {
        Plane::Browser => match path.strip_prefix("/admin") {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => (rest, true),
            _ => return (Target::None, false),
        },
        Plane::Api => match path.strip_prefix("/api/v1") {
            Some(rest) => (rest, false),
            None => return (Target::None, false),
        },
        Plane::Ops => return (Target::None, false),
    };
    let mut segments = rest.trim_start_matches('/').split('/');
    let (Some(kind), Some(key)) = (segments.next(), segments.next()) else {
        return (Target::None, frame);
    };
    if key.is_empty() || key.contains('%') {
        return (Target::None, frame);
    }
    let target = match (plane, kind) {
        (Plane::Browser, "t") | (Plane::Api, "tenants") => Target::Tenant(key.to_owned()),
        (Plane::Browser, "w") | (Plane::Api, "workspaces") => Target::Workspace(key.to_owned()),
        // A run is the page's own data (its scope query stays); the context reads only the
        // frame of its workspace, which the API has no use for.
        (Plane::Browser, "operations") => match key.parse() {
            Ok(id) => Target::Run(id),
            Err(_) => Target::None,
        },
        _ => Target::None,
    };
    (target, frame)
}

async fn resolve_context(
    state: &AppState,
    plane: Plane,
    path: &str,
    bearer: Option<&str>,
    jar: &CookieJar,
) -> Result<Resolved, AppError> {
    let credential = match plane {
        Plane::Api => bearer.map(|token| Credential::Token(token.trim())),
        Plane::Browser => jar
            .get(auth::sessions::COOKIE)
            .map(|cookie| Credential::Session(cookie.value())),
        Plane::Ops => None,
    };
    let (target, frame) = target_of(plane, path);
    Ok(access::context::resolve(
        &state.db,
        credential,
        &target,
        frame,
        state.now(),
        &state.config.session,
    )
    .await?)
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
        prefetched: Arc::default(),
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
        user_agent: request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
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
    match resolve_context(&state, plane, &path, bearer.as_deref(), &jar).await {
        Ok(resolved) => {
            let identity = resolved.identity;
            if let Some(locale) = identity.as_ref().and_then(|i| i.user.preferred_locale()) {
                ctx.locale = locale;
            }
            ctx.identity = identity.map(Arc::new);
            ctx.prefetched = Arc::new(resolved.prefetched);
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
    use super::{Plane, Target, target_of};

    #[test]
    fn paths_name_their_targets() {
        let cases = [
            (
                Plane::Browser,
                "/admin/t/contoso",
                Target::Tenant("contoso".into()),
                true,
            ),
            (
                Plane::Browser,
                "/admin/t/contoso/support-requests",
                Target::Tenant("contoso".into()),
                true,
            ),
            (
                Plane::Browser,
                "/admin/w/contoso-msp",
                Target::Workspace("contoso-msp".into()),
                true,
            ),
            (
                Plane::Browser,
                "/admin/operations/42/progress",
                Target::Run(42),
                true,
            ),
            (Plane::Browser, "/admin/operations", Target::None, true),
            (Plane::Browser, "/admin/operations/abc", Target::None, true),
            (Plane::Browser, "/admin", Target::None, true),
            (Plane::Browser, "/admin/t/%63ontoso", Target::None, true),
            (Plane::Browser, "/admin/t/", Target::None, true),
            (Plane::Browser, "/administrator/t/x", Target::None, false),
            (Plane::Browser, "/account", Target::None, false),
            (Plane::Browser, "/system/workspaces/x", Target::None, false),
            (
                Plane::Api,
                "/api/v1/tenants/contoso/operations",
                Target::Tenant("contoso".into()),
                false,
            ),
            (
                Plane::Api,
                "/api/v1/workspaces/contoso-msp/members",
                Target::Workspace("contoso-msp".into()),
                false,
            ),
            (Plane::Api, "/api/v1/operations/7", Target::None, false),
            (Plane::Api, "/api/v1/t/contoso", Target::None, false),
            (Plane::Api, "/api/v2/tenants/contoso", Target::None, false),
            (Plane::Ops, "/metrics", Target::None, false),
        ];
        for (plane, path, target, frame) in cases {
            assert_eq!(target_of(plane, path), (target, frame), "{path}");
        }
    }
}

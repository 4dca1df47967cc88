//! The request-context middleware: resolves the caller's session or token, language and plane
//! once per request, stores the [`RequestContext`] for the extractors, and renders every error
//! response the handlers return (HTML page or problem JSON, by plane).

use super::context::{Plane, RequestContext};
use super::{csrf, flash::Flash, metrics::RouteTag, render};
use crate::i18n::Locale;
use crate::{
    auth::{self, Identity},
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

//! Registration of the browser and ops routes. Each feature's `routes()` builds a [`Routes`]:
//! the axum router together with the list of what it registered, so the route table
//! (`crate::route_table`, which the access-matrix test reads) is derived from the very calls
//! that build the router. API routes are not registered here: they go through
//! `utoipa_axum::routes!`, and the OpenAPI document lists them.

use crate::state::AppState;
use axum::{
    Router,
    handler::Handler,
    routing::{MethodRouter, get, post},
};

/// One registered route: method and path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// HTTP method, upper case (`GET`, `POST`, …).
    pub method: &'static str,
    /// Path template as registered, e.g. `/admin/t/{tenant}`.
    pub path: String,
}

/// A router plus the list of the routes it registered, in registration order.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    list: Vec<RouteInfo>,
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Routes {
        Routes::default()
    }

    fn add(mut self, method: &'static str, path: &str, route: MethodRouter<AppState>) -> Self {
        // Registering a second method on a path merges it into that path's method router, so
        // `GET` and `POST` on one path share one 405 answer with an `Allow` header.
        self.router = self.router.route(path, route);
        self.list.push(RouteInfo {
            method,
            path: path.to_string(),
        });
        self
    }

    /// `GET` (and `HEAD`) `path` served by `handler`.
    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.add("GET", path, get(handler))
    }

    /// `POST` `path` served by `handler`.
    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.add("POST", path, post(handler))
    }

    /// Both sets of routes; a path and method registered in both panics (as axum does).
    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.list.extend(other.list);
        self
    }

    /// The registered routes.
    pub fn list(&self) -> &[RouteInfo] {
        &self.list
    }

    /// The router, for serving.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

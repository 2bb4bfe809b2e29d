//! Every route of the application, gathered from the features, and the few that belong
//! to none (the API document, health, the stylesheet). The router is built from this
//! table and the route guard enforces each entry's access, so a route cannot exist without
//! a declared access; the OpenAPI document and the permission-matrix test read the same
//! table.

use crate::auth::guard::guard;
use crate::auth::Access::Public;
use crate::route::{api, page, Route, RouteInfo};
use crate::state::AppState;
use crate::{account, agency, audit, cases, catalog, online, people, staff};
use axum::http::{header, Method, StatusCode};
use axum::response::IntoResponse;

/// Every route.
pub(crate) fn table() -> Vec<Route> {
    let mut routes = vec![
        page(Method::GET, "/api/openapi.json", Public, openapi).cacheable(),
        page(Method::GET, "/healthz", Public, || async { "ok" }),
        api!(Public, readyz),
        page(Method::GET, "/static/app.css", Public, stylesheet).cacheable(),
    ];
    for feature in [
        catalog::routes,
        account::routes,
        staff::routes,
        people::routes,
        agency::routes,
        audit::routes,
        cases::routes,
        online::routes,
    ] {
        routes.extend(feature());
    }
    routes
}

/// The table without handlers, for the API document, tests and documentation.
pub fn route_info() -> Vec<RouteInfo> {
    table().into_iter().map(|r| r.info).collect()
}

/// The OpenAPI document of every API route.
pub fn document() -> utoipa::openapi::OpenApi {
    crate::openapi::document(&route_info())
}

/// The application's routes, each behind the guard for its access; a handler's failure is
/// answered in the request's language.
pub(crate) fn build(state: &AppState) -> axum::Router<AppState> {
    let mut router = axum::Router::new();
    for Route { info, handler } in table() {
        let access = info.access;
        let mut handler =
            handler.route_layer(axum::middleware::from_fn(crate::answer::render_failures));
        if info.cacheable {
            handler = handler.route_layer(axum::middleware::from_fn(crate::layers::cacheable));
        }
        let guarded = handler.route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            move |st, req, next| guard(st, access, req, next),
        ));
        router = router.route(&info.path, guarded);
    }
    router
}

async fn openapi() -> impl IntoResponse {
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = DOCUMENT.get_or_init(|| serde_json::to_string(&document()).unwrap_or_default());
    ([(header::CONTENT_TYPE, "application/json")], body.as_str())
}

/// Ready: the database answers, migrations are applied, the search index is built.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, body = String), (status = 503, body = String)))]
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.store.ready().await {
        Ok(()) if state.search_ready() => (StatusCode::OK, "ready"),
        Ok(()) => (StatusCode::SERVICE_UNAVAILABLE, "search index building"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database not ready")
        }
    }
}

/// The one stylesheet, built into the binary.
async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../static/app.css"),
    )
}

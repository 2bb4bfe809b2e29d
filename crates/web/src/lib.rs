//! OneTrip over HTTP: the JSON API under `/api/v1` (documented at `/api/openapi.json`),
//! server-rendered pages for the public hall, and health endpoints. Handlers are thin:
//! parse, call store and domain, render.

mod account_api;
mod account_pages;
mod admin_pages;
mod agency_api;
mod api;
pub mod auth;
mod catalog_pages;
mod error;
pub mod i18n;
mod pages;
mod params;
mod people;
mod people_api;
mod people_pages;
pub mod routes;
mod state;
mod view;

pub use api::ApiDoc;
pub use auth::{AuthConfig, Security};
pub use error::AppError;
pub use state::{AppState, SystemClock, WebConfig};

use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    routes::build(&state)
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(params::remember_prefs))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::csrf::csrf_guard,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"),
        ))
        .with_state(state)
}

/// The one stylesheet, built into the binary.
pub(crate) async fn stylesheet() -> impl axum::response::IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../static/app.css"),
    )
}

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
mod extract;
pub mod i18n;
pub mod layers;
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

use axum::http::header;
use axum::Router;

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    let https = state.security.config.secure_cookies;
    let router = routes::build(&state)
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(params::remember_prefs))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::csrf::csrf_guard,
        ))
        .with_state(state);
    layers::wrap(router, https)
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

//! OneTrip over HTTP: the JSON API under `/api/v1` (documented at `/api/openapi.json`),
//! server-rendered pages, and health endpoints. One folder per feature holds its pages,
//! its API handlers and its route declarations; handlers are thin (parse, call one use
//! case of [`onetrip_app::App`], render), and a failure is answered in the request's
//! language by [`answer`].

mod account;
mod agency;
mod answer;
mod audit;
pub mod auth;
mod cases;
mod catalog;
mod error;
mod extract;
pub mod layers;
mod online;
mod openapi;
mod page;
mod params;
mod people;
mod route;
pub mod routes;
mod staff;
mod state;

pub use catalog::view::WebConfig;
pub use route::RouteInfo;
pub use state::AppState;

use axum::Router;

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    let https = state.security.config.secure_cookies;
    let router = routes::build(&state)
        .fallback(answer::not_found)
        .layer(axum::middleware::from_fn(params::remember_prefs))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::csrf::csrf_guard,
        ))
        .with_state(state);
    layers::wrap(router, https)
}

//! How a failure is answered, in the request's language: under `/api/` the JSON error
//! `{"error": {"code", "message", "field"}}`, elsewhere an error page, both with the
//! error's status and `Retry-After`. Internal errors are logged and answered bare.

use crate::error::{headers, status, Error};
use crate::page::{error_page, Chrome};
use crate::params::Prefs;
use axum::extract::Request;
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The answer to `e` for a request to `uri` with these preferences.
pub fn respond(e: &Error, prefs: Prefs, uri: &Uri) -> Response {
    e.log();
    let status = status(e);
    let mut response = if uri.path().starts_with("/api/") {
        let body = serde_json::json!({
            "error": { "code": e.code(), "message": e.message(prefs.lang), "field": e.field() }
        });
        (status, axum::Json(body)).into_response()
    } else {
        error_page(&Chrome::new(prefs, uri), status, e)
    };
    response.headers_mut().extend(headers(e).0);
    response
}

/// Answers the failure a handler (or extractor) returned, if it did.
pub async fn render_failures(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let prefs = Prefs::of(&parts);
    let uri = parts.uri.clone();
    let mut response = next.run(Request::from_parts(parts, body)).await;
    match response.extensions_mut().remove::<Error>() {
        Some(e) => respond(&e, prefs, &uri),
        None => response,
    }
}

/// The answer to a path no route serves.
pub async fn not_found(prefs: Prefs, uri: Uri) -> Response {
    let what = if uri.path().starts_with("/api/") {
        "API".to_string()
    } else {
        uri.path().to_string()
    };
    respond(&Error::NotFound(what), prefs, &uri)
}

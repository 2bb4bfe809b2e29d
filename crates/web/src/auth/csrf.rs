//! CSRF protection for every state-changing request: a request from a foreign origin is
//! refused; a request that carries a session cookie must also carry that session's token,
//! in the `X-CSRF-Token` header or a `csrf` form field. A request that brings an API token
//! needs no CSRF token: its cookies are ignored, and the route guard refuses a token that
//! does not work.

use crate::auth::{cookies, guard};
use crate::error::Error;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::Response;
use onetrip_domain::message::Message;

/// Largest form body read to find the token.
const MAX_FORM: usize = 1 << 20;
/// Largest file upload form (a file at its limit, and the form around it).
pub(crate) const MAX_MULTIPART: usize = onetrip_domain::case::upload::MAX_FILE_BYTES + (64 << 10);

fn same_origin(parts: &axum::http::request::Parts) -> bool {
    let Some(origin) = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority == host)
}

/// The middleware.
pub async fn csrf_guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    if !same_origin(&parts) {
        return guard::refuse(&parts, Error::Csrf);
    }
    let mut parts = parts;
    // A request that brings a token is the token's alone (a browser never adds one across
    // sites): its cookies are dropped, and the route guard refuses a token that does not
    // work.
    if guard::bearer(&parts.headers).is_some() {
        parts.headers.remove(header::COOKIE);
        return next.run(Request::from_parts(parts, body)).await;
    }
    let Some(id) = cookies::session_cookie(&parts, &state.security) else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let hash = onetrip_vault::secret_hash(id);
    let expected = match state.store.session(&hash).await {
        Ok(Some((s, _))) => s.csrf_token,
        Ok(None) => return next.run(Request::from_parts(parts, body)).await,
        Err(e) => return guard::refuse(&parts, e.into()),
    };
    if let Some(sent) = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return if constant_eq(sent, &expected) {
            next.run(Request::from_parts(parts, body)).await
        } else {
            guard::refuse(&parts, Error::Csrf)
        };
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if let Ok(boundary) = multer::parse_boundary(&content_type) {
        let Ok(bytes) = axum::body::to_bytes(body, MAX_MULTIPART).await else {
            return guard::refuse(&parts, Error::TooLarge);
        };
        let sent = multipart_field(bytes.clone(), boundary, "csrf").await;
        return if sent.as_deref().is_some_and(|s| constant_eq(s, &expected)) {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        } else {
            guard::refuse(&parts, Error::Csrf)
        };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return guard::refuse(&parts, Error::Csrf);
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM).await else {
        return guard::refuse(
            &parts,
            Error::bad_request("body", Message::new("invalid-form-too-large")),
        );
    };
    let sent = url_form_field(&bytes, "csrf");
    if sent.as_deref().is_some_and(|s| constant_eq(s, &expected)) {
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await
    } else {
        guard::refuse(&parts, Error::Csrf)
    }
}

/// A text field of a multipart form, which must come before any file.
async fn multipart_field(body: axum::body::Bytes, boundary: String, name: &str) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = form.next_field().await {
        if field.file_name().is_some() {
            return None;
        }
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

fn url_form_field(body: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    crate::params::Params::parse(Some(&text))
        .get(name)
        .map(str::to_string)
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

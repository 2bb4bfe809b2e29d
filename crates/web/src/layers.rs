//! What every response passes through: a request id (returned as `X-Request-Id` and logged
//! with every server error but 503), panics caught as a bare 500, and the security and caching
//! headers. Nothing is cached unless a route says so: personal data and secrets are
//! `no-store` by default, and only public catalog pages and static files, asked for without
//! a session, may be kept.

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// The request id header, set on every response.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// How long a browser may keep a public catalog page or API answer.
const CATALOG_CACHE: &str = "public, max-age=300";

/// Gives each request an id, logs every server error with it, and returns it.
async fn request_id(request: Request, next: Next) -> Response {
    let id = next_request_id();
    let method = request.method().clone();
    let path = request.uri().clone();
    let span = tracing::info_span!("request", id = %id);
    let mut response = tracing::Instrument::instrument(next.run(request), span).await;
    let status = response.status();
    // 503 (not ready yet, or busy) is expected while starting and under overload.
    if status.is_server_error() && status != axum::http::StatusCode::SERVICE_UNAVAILABLE {
        let path = path.path();
        tracing::error!(request_id = %id, %method, %path, status = status.as_u16(), "server error");
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}

/// A request id: this process's random prefix and a counter, 16 hex digits, unique without
/// asking the operating system for randomness on every request.
fn next_request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        onetrip_vault::random_bytes::<4>()
            .map(|b| u64::from(u32::from_be_bytes(b)) << 32)
            .unwrap_or(0)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) & 0xffff_ffff;
    format!("{:016x}", prefix | n)
}

/// A panic in a handler: logged by [`request_id`] as a server error, shown as a bare 500.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// Marks a response of a cacheable route (public catalog page, static file) as cacheable,
/// when the request carried no session, sets no preference cookie, and the answer is a
/// success that says nothing of its own about caching.
pub async fn cacheable(request: Request, next: Next) -> Response {
    let signed_in = request.extensions().get::<onetrip_app::Signed>().is_some();
    let sets_prefs = crate::params::Params::parse(request.uri().query())
        .0
        .keys()
        .any(|k| k == "lang" || k == "text");
    let mut response = next.run(request).await;
    let keep = !signed_in && !sets_prefs && response.status().is_success();
    let headers = response.headers_mut();
    if keep && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CATALOG_CACHE),
        );
        headers.insert(
            header::VARY,
            HeaderValue::from_static("Cookie, Accept-Language"),
        );
    }
    response
}

/// Wraps the router in the layers every response passes through.
pub fn wrap(router: Router, https: bool) -> Router {
    let router = router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"),
        ));
    let router = if https {
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        router
    };
    router
        .layer(CatchPanicLayer::custom(panicked))
        .layer(axum::middleware::from_fn(request_id))
}

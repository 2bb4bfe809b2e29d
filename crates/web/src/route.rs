//! How a feature declares a route, once: method, path, who may call it, whether its
//! answers may be cached, and the handler. An API route takes its method and path from the
//! handler's `#[utoipa::path]`, which also documents it, so the router, the OpenAPI
//! document and the permission matrix read the same declaration.

use crate::auth::Access;
use crate::state::AppState;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter};
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;

/// An API operation's documentation and the schemas it refers to.
pub type Documented = (Operation, Vec<(String, RefOr<Schema>)>);

/// What a route is, without its handler.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    pub method: Method,
    /// In axum's syntax (`/guide/{code}`), which is also OpenAPI's.
    pub path: String,
    pub access: Access,
    /// Public catalog pages, API answers and static files: an answer to a request without
    /// a session may be cached. Everything else is `no-store`.
    pub cacheable: bool,
    /// The OpenAPI operation (API routes).
    pub doc: Option<fn() -> Documented>,
}

/// A route and its handler.
pub struct Route {
    pub info: RouteInfo,
    pub handler: MethodRouter<AppState>,
}

impl Route {
    /// Marks the route's answers cacheable (public catalog content).
    pub fn cacheable(mut self) -> Route {
        self.info.cacheable = true;
        self
    }

    /// Takes request bodies up to `bytes` (2 MB otherwise).
    pub fn body_limit(mut self, bytes: usize) -> Route {
        self.handler = self
            .handler
            .layer(axum::extract::DefaultBodyLimit::max(bytes));
        self
    }
}

fn method_router<H, T>(method: &Method, handler: H) -> MethodRouter<AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
    axum::routing::on(filter, handler)
}

/// A page (or any route the API document does not describe).
pub fn page<H, T>(method: Method, path: &str, access: Access, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    Route {
        handler: method_router(&method, handler),
        info: RouteInfo {
            method,
            path: path.to_string(),
            access,
            cacheable: false,
            doc: None,
        },
    }
}

fn documented<P: utoipa::Path + utoipa::__dev::SchemaReferences>() -> Documented {
    let mut schemas = Vec::new();
    P::schemas(&mut schemas);
    (P::operation(), schemas)
}

fn method_of(m: &HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// An API route described by `P`, the `#[utoipa::path]` of `handler`: use `api!`.
pub fn api_route<P, H, T>(access: Access, handler: H) -> Route
where
    P: utoipa::Path + utoipa::__dev::SchemaReferences,
    H: Handler<T, AppState>,
    T: 'static,
{
    let method = P::methods().first().map_or(Method::GET, method_of);
    Route {
        handler: method_router(&method, handler),
        info: RouteInfo {
            method,
            path: P::path(),
            access,
            cacheable: false,
            doc: Some(documented::<P>),
        },
    }
}

/// `api!(access, module::handler)`: the API route a `#[utoipa::path]` handler describes.
macro_rules! api {
    ($access:expr, $module:ident :: $handler:ident) => {
        paste::paste! {
            $crate::route::api_route::<$module::[<__path_ $handler>], _, _>(
                $access,
                $module::$handler,
            )
        }
    };
    ($access:expr, $handler:ident) => {
        paste::paste! {
            $crate::route::api_route::<[<__path_ $handler>], _, _>($access, $handler)
        }
    };
}
pub(crate) use api;

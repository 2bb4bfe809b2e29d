//! The OpenAPI document of the JSON API, assembled from the route declarations: each API
//! route's own operation (from its handler's `#[utoipa::path]`) and the schemas it uses,
//! with the answers its declared access implies.

use crate::auth::Access;
use crate::route::RouteInfo;
use axum::http::Method;
use serde::Serialize;
use utoipa::openapi::path::HttpMethod;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OneTrip API",
        description = "一次办 OneTrip 政务服务平台接口：事项目录、办事指南、搜索与目录检查、账号与登录、工作人员管理、窗口核验与代办、审计日志。"
    ),
    components(schemas(ErrorBody, ErrorDetail))
)]
struct ApiDoc;

/// An error: `{"error": {"code", "message", "field"}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `not_found`, `bad_request`, `unavailable` or `internal`.
    pub code: String,
    /// The message in the requester's language.
    pub message: String,
    /// The parameter at fault, for `bad_request`.
    pub field: Option<String>,
}

/// The API document: the handlers' own descriptions, with the answers each route gives by
/// its declaration in the route table added where a handler does not describe them: 401
/// and 403 for routes that need a session or token, 403 for a refused CSRF check on a state
/// change, 404 where the path names an object, 400, 413, 415 and 422 for a JSON body, 429
/// where attempts are limited, and 503 for a state change the store is too busy to take.
pub fn document(routes: &[RouteInfo]) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    for route in routes {
        let Some(described) = route.doc else {
            continue;
        };
        let (mut operation, schemas) = described();
        components.schemas.extend(schemas);
        let mut answers: Vec<(&str, &str)> = Vec::new();
        if route.access != Access::Public {
            answers.push(("401", "未登录或会话已结束 (not signed in)"));
            answers.push(("403", "无此权限 (not allowed)"));
        }
        if route.method != Method::GET {
            answers.push((
                "403",
                "跨站请求或缺少 CSRF 令牌 (cross-site, or no CSRF token)",
            ));
        }
        if route.path.contains('{') {
            answers.push((
                "404",
                "没有找到，或无权查看 (not found, or not yours to see)",
            ));
        }
        if route.method != Method::GET {
            answers.push((
                "503",
                "系统繁忙，请稍后再试 (busy; retry after the time given)",
            ));
        }
        if operation.request_body.is_some() {
            answers.push(("400", "请求正文不是有效的 JSON (malformed JSON)"));
            answers.push(("413", "请求正文过大 (body too large)"));
            answers.push(("415", "请求正文不是 JSON (not JSON)"));
            answers.push(("422", "字段无效 (invalid field)"));
        }
        if LIMITED.contains(&route.path.as_str()) {
            answers.push(("429", "尝试次数过多 (too many attempts)"));
        }
        for (status, description) in answers {
            operation
                .responses
                .responses
                .entry(status.to_string())
                .or_insert_with(|| error_response(description));
        }
        doc.paths
            .add_path_operation(&route.path, vec![http_method(&route.method)], operation);
    }
    doc
}

fn http_method(m: &Method) -> HttpMethod {
    match *m {
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::DELETE => HttpMethod::Delete,
        Method::PATCH => HttpMethod::Patch,
        _ => HttpMethod::Get,
    }
}

/// Routes whose attempts are limited per address.
const LIMITED: &[&str] = &[
    "/api/v1/session",
    "/api/v1/session/second-factor",
    "/api/v1/applicants",
    "/api/v1/me/password",
];

fn error_response(
    description: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::response::Response> {
    let content = utoipa::openapi::ContentBuilder::new()
        .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
        .build();
    utoipa::openapi::ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build()
        .into()
}

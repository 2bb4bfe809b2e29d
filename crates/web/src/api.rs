//! The JSON API under `/api/v1`, documented by the OpenAPI document at `/api/openapi.json`.

use crate::error::{ApiError, AppError};
use crate::params::{Filters, Params, Prefs};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use onetrip_domain::catalog::check::{report, CheckRow};
use onetrip_domain::message::Message;
use onetrip_store::{ImplementationSummary, PublishedBase, PublishedImplementation};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OneTrip API",
        description = "一次办 OneTrip 政务服务平台接口：事项目录、办事指南、搜索与目录检查。"
    ),
    paths(
        list_matters,
        get_matter,
        get_implementation,
        search,
        catalog_check,
        departments,
        divisions,
        places,
        life_events,
        readyz,
        crate::account_api::create_session,
        crate::account_api::second_factor,
        crate::account_api::delete_session,
        crate::account_api::me,
        crate::account_api::change_password,
        crate::account_api::register,
        crate::account_api::account,
        crate::people_api::identity,
        crate::people_api::lookup,
        crate::people_api::verify_in_person,
        crate::account_api::list_staff,
        crate::account_api::create_staff,
        crate::account_api::add_grant,
        crate::account_api::revoke_grant,
        crate::account_api::disable_staff,
        crate::account_api::enable_staff,
        crate::account_api::create_own_token,
        crate::account_api::own_tokens,
        crate::account_api::revoke_own_token,
        crate::account_api::list_tokens,
        crate::account_api::revoke_token,
        crate::account_api::audit,
        crate::account_api::audit_verify,
        crate::agency_api::list_delegations,
        crate::agency_api::add_delegation,
        crate::agency_api::revoke_delegation,
        crate::agency_api::add_representation,
        crate::agency_api::my_representations,
        crate::agency_api::revoke_representation
    ),
    components(schemas(
        MatterPage,
        MatterDetail,
        SearchResults,
        SearchResult,
        CheckReport,
        ErrorBody,
        ErrorDetail,
        RoleKey,
        DocumentKindKey,
        crate::account_api::LoginRequest,
        crate::account_api::LoginResponse,
        crate::account_api::CodeRequest,
        crate::account_api::PasswordRequest,
        crate::account_api::AccountView,
        crate::account_api::GrantView,
        crate::auth::login::Registration,
        crate::people::IdentityView,
        crate::people::PersonCard,
        crate::people::Lookup,
        crate::account_api::GrantRequest,
        crate::account_api::TokenRequest,
        crate::account_api::TokenCreated,
        crate::account_api::TokenView,
        crate::account_api::ChainReport,
        crate::auth::staff::NewStaff,
        crate::agency_api::DelegationRequest,
        crate::agency_api::RepresentationRequest
    ))
)]
pub struct ApiDoc;

/// The API document: the handlers' own descriptions, with the answers each route gives by
/// its declaration in the route table added where a handler does not describe them: 401
/// and 403 for routes that need a session or token, 403 for a refused CSRF check on a state
/// change, 400, 413, 415 and 422 for a JSON body, and 429 where attempts are limited.
pub fn document() -> utoipa::openapi::OpenApi {
    use crate::auth::Access;
    let mut doc = ApiDoc::openapi();
    for route in crate::routes::route_info() {
        let Some(item) = doc.paths.paths.get_mut(route.path) else {
            continue;
        };
        let operation = match route.method {
            "GET" => item.get.as_mut(),
            "POST" => item.post.as_mut(),
            "PUT" => item.put.as_mut(),
            "DELETE" => item.delete.as_mut(),
            _ => None,
        };
        let Some(operation) = operation else {
            continue;
        };
        let mut answers: Vec<(&str, &str)> = Vec::new();
        if route.access != Access::Public {
            answers.push(("401", "未登录或会话已结束 (not signed in)"));
            answers.push(("403", "无此权限 (not allowed)"));
        }
        if route.method != "GET" {
            answers.push((
                "403",
                "跨站请求或缺少 CSRF 令牌 (cross-site, or no CSRF token)",
            ));
        }
        if operation.request_body.is_some() {
            answers.push(("400", "请求正文不是有效的 JSON (malformed JSON)"));
            answers.push(("413", "请求正文过大 (body too large)"));
            answers.push(("415", "请求正文不是 JSON (not JSON)"));
            answers.push(("422", "字段无效 (invalid field)"));
        }
        if LIMITED.contains(&route.path) {
            answers.push(("429", "尝试次数过多 (too many attempts)"));
        }
        for (status, description) in answers {
            operation
                .responses
                .responses
                .entry(status.to_string())
                .or_insert_with(|| error_response(description));
        }
    }
    doc
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

pub async fn openapi() -> impl IntoResponse {
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = DOCUMENT.get_or_init(|| serde_json::to_string(&document()).unwrap_or_default());
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.as_str(),
    )
}

/// A role key, as requests name roles (documentation of the accepted values).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum RoleKey {
    WindowClerk,
    Handler,
    Reviewer,
    Approver,
    Supervisor,
    CatalogAdmin,
    SystemAdmin,
    SecurityAdmin,
    AuditAdmin,
}

/// An identity document kind (documentation of the accepted values).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum DocumentKindKey {
    ResidentIdCard,
    HkMacaoResidencePermit,
    TaiwanResidencePermit,
    ForeignPermanentResidence,
    Passport,
}

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

/// A page of implementations.
#[derive(Serialize, ToSchema)]
pub struct MatterPage {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ImplementationSummary>,
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
}

fn api(prefs: &Prefs) -> impl Fn(AppError) -> ApiError {
    let lang = prefs.lang;
    move |e| ApiError(e, lang)
}

/// Lists implementations in force today, filtered.
#[utoipa::path(get, path = "/api/v1/matters", tag = "catalog",
    params(
        ("department" = Option<String>, Query, pattern = "^([0-9A-HJ-NPQRTUWXY]{18})?$", description = "实施部门统一社会信用代码；不在目录中的答 400；空值不筛选"),
        ("life_event" = Option<String>, Query, pattern = "^[a-z_]{0,32}$", description = "一件事主题，如 birth；没有的主题答 400；空值不筛选"),
        ("object" = Option<String>, Query, pattern = "^(person|organization)?$", description = "person 或 organization；空值不筛选"),
        ("division" = Option<String>, Query, pattern = "^([0-9]{6}([0-9]{3}){0,2})?$", description = "行政区划代码（含下级）；不存在的代码答 400；空值不筛选"),
        ("page" = Option<usize>, Query, minimum = 1, maximum = 100000),
        ("per_page" = Option<usize>, Query, minimum = 1, maximum = 100, description = "1-100")),
    responses((status = 200, body = MatterPage), (status = 400, body = ErrorBody)))]
pub(crate) async fn list_matters(
    State(state): State<AppState>,
    prefs: Prefs,
    params: Params,
) -> Result<Json<MatterPage>, ApiError> {
    let view = state.view.get();
    let filters = Filters::parse(&params, &view).map_err(api(&prefs))?;
    let (items, total) = filters.apply(&view);
    Ok(Json(MatterPage {
        items: items.into_iter().cloned().collect(),
        total,
        page: filters.page,
        per_page: filters.per_page,
    }))
}

/// A base matter and its implementations.
#[derive(Serialize, ToSchema)]
pub struct MatterDetail {
    #[schema(value_type = Object)]
    pub base: PublishedBase,
    #[schema(value_type = Vec<Object>)]
    pub implementations: Vec<ImplementationSummary>,
}

/// A base matter (基本目录) in force today, with its implementations.
#[utoipa::path(get, path = "/api/v1/matters/{base_code}", tag = "catalog",
    params(("base_code" = String, Path, description = "12 位基本编码")),
    responses((status = 200, body = MatterDetail), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_matter(
    State(state): State<AppState>,
    prefs: Prefs,
    Path(code): Path<String>,
) -> Result<Json<MatterDetail>, ApiError> {
    let base = state
        .store
        .base_matter(&code, state.clock.today())
        .await?
        .ok_or_else(|| ApiError(AppError::NotFound(format!("基本编码 {code}")), prefs.lang))?;
    let view = state.view.get();
    let implementations = view
        .implementations_of(&code)
        .into_iter()
        .cloned()
        .collect();
    Ok(Json(MatterDetail {
        base,
        implementations,
    }))
}

/// An implementation's full guide: in force today, or an exact `version`.
#[utoipa::path(get, path = "/api/v1/implementations/{code}", tag = "catalog",
    params(("code" = String, Path, description = "实施编码"), ("version" = Option<i64>, Query, minimum = 1, maximum = 1000000, description = "版本号；省略则为今日有效版本")),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_implementation(
    State(state): State<AppState>,
    prefs: Prefs,
    params: Params,
    Path(code): Path<String>,
) -> Result<Json<PublishedImplementation>, ApiError> {
    let version = params
        .number("version", 0, 1, 1_000_000)
        .map_err(api(&prefs))?;
    let found = if version == 0 {
        state.view.guide(&code).await?.map(|g| (*g).clone())
    } else {
        state
            .store
            .implementation_version(&code, i64::try_from(version).unwrap_or(i64::MAX))
            .await?
    };
    found
        .map(Json)
        .ok_or_else(|| ApiError(AppError::NotFound(format!("实施编码 {code}")), prefs.lang))
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    pub query: String,
    /// The words searched for, synonyms included.
    pub terms: Vec<String>,
    pub results: Vec<SearchResult>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResult {
    pub base_code: String,
    pub name: String,
    pub score: f32,
    #[schema(value_type = Vec<Object>)]
    pub implementations: Vec<ImplementationSummary>,
}

/// Searches matters by everyday words.
#[utoipa::path(get, path = "/api/v1/search", tag = "catalog",
    params(("q" = Option<String>, Query, max_length = 100, description = "搜索词，最多 100 字"), ("limit" = Option<usize>, Query, minimum = 1, maximum = 50, description = "1-50")),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn search(
    State(state): State<AppState>,
    prefs: Prefs,
    params: Params,
) -> Result<Json<SearchResults>, ApiError> {
    let (query, results, terms) = run_search(&state, &params).await.map_err(api(&prefs))?;
    Ok(Json(SearchResults {
        query,
        terms,
        results,
    }))
}

/// Parses `q`/`limit` and searches; shared by the page and the API.
pub(crate) async fn run_search(
    state: &AppState,
    params: &Params,
) -> Result<(String, Vec<SearchResult>, Vec<String>), AppError> {
    let query = params.get("q").unwrap_or("").to_string();
    if query.chars().count() > 100 {
        return Err(AppError::bad_request(
            "q",
            Message::new("invalid-query-too-long"),
        ));
    }
    let limit = params.number("limit", 20, 1, 50)?;
    if query.is_empty() {
        return Ok((query, Vec::new(), Vec::new()));
    }
    let index = state
        .view
        .search_within(std::time::Duration::from_secs(10))
        .await
        .ok_or_else(|| AppError::Unavailable("search index not built yet".into()))?;
    let view = state.view.get();
    let terms = index.query_terms(&query);
    let hits = index.search_terms(&terms, limit)?;
    let results = hits
        .into_iter()
        .filter_map(|h| {
            let implementations: Vec<ImplementationSummary> = h
                .implementation_codes
                .iter()
                .filter_map(|c| view.summary(c).cloned())
                .collect();
            let name = implementations.first()?.name.clone();
            Some(SearchResult {
                base_code: h.base_code,
                name,
                score: h.score,
                implementations,
            })
        })
        .collect();
    Ok((query, results, terms))
}

#[derive(Serialize, ToSchema)]
pub struct CheckReport {
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<CheckRow>,
}

/// Implementations that contradict their base, and townships whose versions differ.
#[utoipa::path(get, path = "/api/v1/catalog/check", tag = "catalog", responses((status = 200, body = CheckReport)))]
pub(crate) async fn catalog_check(
    State(state): State<AppState>,
) -> Result<Json<CheckReport>, ApiError> {
    Ok(Json(CheckReport {
        rows: check_rows(&state).await?,
    }))
}

pub(crate) async fn check_rows(state: &AppState) -> Result<Vec<CheckRow>, AppError> {
    let batch = state.store.export_catalog().await?;
    let view = state.view.get();
    Ok(report(
        &batch.matters,
        |c| view.division_name(c),
        |c| view.is_township(c),
    ))
}

macro_rules! reference_route {
    ($name:ident, $path:literal, $method:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(get, path = $path, tag = "reference", responses((status = 200, body = Vec<Object>)))]
        pub(crate) async fn $name(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
            Ok(Json(serde_json::to_value(state.store.$method().await?).map_err(|e| AppError::Internal(e.to_string()))?))
        }
    };
}

reference_route!(
    departments,
    "/api/v1/departments",
    departments,
    "Departments (部门) with their credit codes."
);
reference_route!(
    divisions,
    "/api/v1/divisions",
    divisions,
    "Administrative divisions (行政区划), retired codes included."
);
reference_route!(
    places,
    "/api/v1/places",
    places,
    "Places that accept applications."
);
reference_route!(
    life_events,
    "/api/v1/life-events",
    life_events,
    "Life events (一件事)."
);

/// Ready: the database answers, migrations are applied, the search index is built.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, body = String), (status = 503, body = String)))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ready().await {
        Ok(()) if state.search_ready() => (StatusCode::OK, "ready"),
        Ok(()) => (StatusCode::SERVICE_UNAVAILABLE, "search index building"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database not ready")
        }
    }
}

//! The catalog's JSON API: matters, guides, search, the catalog check and reference data.

use super::filters::Filters;
use super::search::{check_rows, run_search, SearchResult};
use crate::error::{Answer, Error, Failure};
use crate::openapi::ErrorBody;
use crate::params::Params;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use onetrip_domain::catalog::check::CheckRow;
use onetrip_store::{ImplementationSummary, PublishedBase, PublishedImplementation};
use serde::Serialize;
use utoipa::ToSchema;

/// A page of implementations.
#[derive(Serialize, ToSchema)]
pub struct MatterPage {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ImplementationSummary>,
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
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
    params: Params,
) -> Answer<Json<MatterPage>> {
    let view = state.view.get();
    let filters = Filters::parse(&params, &view)?;
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
    Path(code): Path<String>,
) -> Answer<Json<MatterDetail>> {
    let base = state
        .store
        .base_matter(&code, state.clock.today())
        .await?
        .ok_or_else(|| Failure(Error::NotFound(format!("基本编码 {code}"))))?;
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
    params: Params,
    Path(code): Path<String>,
) -> Answer<Json<PublishedImplementation>> {
    let version = params.number("version", 0, 1, 1_000_000)?;
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
        .ok_or_else(|| Failure(Error::NotFound(format!("实施编码 {code}"))))
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    pub query: String,
    /// The words searched for, synonyms included.
    pub terms: Vec<String>,
    pub results: Vec<SearchResult>,
}

/// Searches matters by everyday words.
#[utoipa::path(get, path = "/api/v1/search", tag = "catalog",
    params(("q" = Option<String>, Query, max_length = 100, description = "搜索词，最多 100 字"), ("limit" = Option<usize>, Query, minimum = 1, maximum = 50, description = "1-50")),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn search(
    State(state): State<AppState>,
    params: Params,
) -> Answer<Json<SearchResults>> {
    let (query, results, terms) = run_search(&state, &params).await?;
    Ok(Json(SearchResults {
        query,
        terms,
        results,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CheckReport {
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<CheckRow>,
}

/// Implementations that contradict their base, and townships whose versions differ.
#[utoipa::path(get, path = "/api/v1/catalog/check", tag = "catalog", responses((status = 200, body = CheckReport)))]
pub(crate) async fn catalog_check(State(state): State<AppState>) -> Answer<Json<CheckReport>> {
    Ok(Json(CheckReport {
        rows: check_rows(&state).await?,
    }))
}

macro_rules! reference_route {
    ($name:ident, $path:literal, $method:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(get, path = $path, tag = "reference", responses((status = 200, body = Vec<Object>)))]
        pub(crate) async fn $name(State(state): State<AppState>) -> Answer<Json<serde_json::Value>> {
            Ok(Json(serde_json::to_value(state.store.$method().await?).map_err(|e| Error::Internal(e.to_string()))?))
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

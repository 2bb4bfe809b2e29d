//! What the search page and the search API share, and the catalog check's rows.

use crate::error::{Answer, Error};
use crate::params::Params;
use crate::state::AppState;
use onetrip_domain::catalog::check::{report, CheckRow};
use onetrip_domain::message::Message;
use onetrip_store::ImplementationSummary;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct SearchResult {
    pub base_code: String,
    pub name: String,
    pub score: f32,
    #[schema(value_type = Vec<Object>)]
    pub implementations: Vec<ImplementationSummary>,
}

/// Parses `q`/`limit` and searches; shared by the page and the API.
pub(crate) async fn run_search(
    state: &AppState,
    params: &Params,
) -> Answer<(String, Vec<SearchResult>, Vec<String>)> {
    let query = params.get("q").unwrap_or("").to_string();
    if query.chars().count() > 100 {
        let e = Error::bad_request("q", Message::new("invalid-query-too-long"));
        return Err(e.into());
    }
    let limit = params.number("limit", 20, 1, 50)?;
    if query.is_empty() {
        return Ok((query, Vec::new(), Vec::new()));
    }
    let index = state
        .view
        .search_within(std::time::Duration::from_secs(10))
        .await
        .ok_or_else(|| Error::Unavailable("search index not built yet".into()))?;
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

pub(crate) async fn check_rows(state: &AppState) -> Result<Vec<CheckRow>, Error> {
    let batch = state.store.export_catalog().await?;
    let view = state.view.get();
    Ok(report(
        &batch.matters,
        |c| view.division_name(c),
        |c| view.is_township(c),
    ))
}

//! The audit administrator's JSON API: the log, filtered, and the chain check.

use super::query::{audit_query, PAGE_LIMIT};
use crate::error::Answer;
use crate::params::Params;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use onetrip_domain::chain::ChainCheck;
use onetrip_store::AuditEntry;
use serde::Serialize;
use utoipa::ToSchema;

/// The audit log, newest first, with the page's filters (`from`, `until` as China dates,
/// `actor`, `event`, `outcome`, `before`, `limit`) (audit administrator).
#[utoipa::path(get, path = "/api/v1/audit",
    params(
        ("from" = Option<String>, Query, format = Date, description = "China date, YYYY-MM-DD"),
        ("until" = Option<String>, Query, format = Date, description = "China date, YYYY-MM-DD (inclusive)"),
        ("actor" = Option<String>, Query, description = "account id"),
        ("event" = Option<String>, Query, description = "event key, e.g. login_failed"),
        ("outcome" = Option<String>, Query, description = "success, failure or denied"),
        ("before" = Option<i64>, Query, minimum = 1, description = "sequence number to page back from"),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 1000)),
    responses((status = 200, body = [Object]), (status = 400, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody)))]
pub async fn audit(State(state): State<AppState>, params: Params) -> Answer<Json<Vec<AuditEntry>>> {
    let query = audit_query(&params, PAGE_LIMIT)?;
    Ok(Json(state.audit_entries(&query).await?))
}

/// The result of walking the audit log's hash chain.
#[derive(Serialize, ToSchema)]
pub struct ChainReport {
    /// Every record matches its hash and its predecessor.
    pub intact: bool,
    /// Records checked (when intact).
    pub entries: Option<i64>,
    /// The first record that does not match (when broken).
    pub broken_at: Option<i64>,
}

/// Walks the whole hash chain of the audit log (audit administrator).
#[utoipa::path(get, path = "/api/v1/audit/verify", responses((status = 200, body = ChainReport), (status = 403, body = crate::openapi::ErrorBody)))]
pub async fn audit_verify(State(state): State<AppState>) -> Answer<Json<ChainReport>> {
    let verified = state.verify_audit().await?;
    Ok(Json(match verified {
        ChainCheck::Intact { entries } => ChainReport {
            intact: true,
            entries: Some(entries),
            broken_at: None,
        },
        ChainCheck::Broken { at } => ChainReport {
            intact: false,
            entries: None,
            broken_at: Some(at),
        },
    }))
}

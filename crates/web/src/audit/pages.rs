//! The audit administrator's pages: the log with filters and paging, the chain check, and
//! the CSV export.

use super::query::{audit_query, PAGE_LIMIT};
use crate::error::Answer;
use crate::page::{render, Chrome};
use crate::params::Params;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{header, Uri};
use axum::response::IntoResponse;
use onetrip_app::audit::MAX_ENTRIES;
use onetrip_domain::audit::AuditEvent;
use onetrip_domain::chain::ChainCheck;
use onetrip_store::AuditEntry;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    c: &'a Chrome,
    entries: Vec<AuditEntry>,
    events: &'static [AuditEvent],
    params: Params,
    query: String,
    next: Option<i64>,
    /// After "verify the chain": the number of records, or the first that does not match.
    verified: Option<ChainCheck>,
}

pub async fn audit(State(state): State<AppState>, c: Chrome, uri: Uri) -> Answer {
    audit_page(&state, &c, &uri, None).await
}

/// Walks the whole hash chain, then shows the log with the result.
pub async fn audit_verify(State(state): State<AppState>, c: Chrome, uri: Uri) -> Answer {
    let verified = state.verify_audit().await?;
    audit_page(&state, &c, &uri, Some(verified)).await
}

async fn audit_page(
    state: &AppState,
    c: &Chrome,
    uri: &Uri,
    verified: Option<ChainCheck>,
) -> Answer {
    let params = Params::parse(uri.query());
    let query = audit_query(&params, PAGE_LIMIT)?;
    let entries = state.audit_entries(&query).await?;
    let next = (Some(entries.len()) == query.limit)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    let query = uri.query().unwrap_or_default().to_string();
    render(&AuditPage {
        c,
        entries,
        events: AuditEvent::ALL,
        params,
        query,
        next,
        verified,
    })
}

/// CSV of the filtered audit log (up to 10,000 records, newest first).
pub async fn audit_csv(State(state): State<AppState>, params: Params) -> Answer {
    let mut query = audit_query(&params, PAGE_LIMIT)?;
    query.limit = Some(MAX_ENTRIES);
    let entries = state.audit_entries(&query).await?;
    let mut out =
        String::from("\u{feff}seq,at_utc,actor,source,event,object,outcome,detail,hash\r\n");
    for e in entries {
        let r = &e.record;
        let cells = [
            e.seq.to_string(),
            r.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            r.actor.clone().unwrap_or_default(),
            r.source.clone(),
            r.event.key().to_string(),
            r.object.clone().unwrap_or_default(),
            r.outcome.key().to_string(),
            r.detail.clone(),
            e.hash.clone(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// A CSV cell, quoted when needed; cells that a spreadsheet would run as a formula are
/// prefixed with an apostrophe.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

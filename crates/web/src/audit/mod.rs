//! The security audit log for the audit administrator: reading it with filters, exporting
//! it, checking its hash chain.

mod api;
mod pages;

use crate::auth::Access::Staff;
use crate::error::Error;
use crate::params::Params;
use crate::route::{api, page, Route};
use axum::http::Method;
use onetrip_domain::access::Permission::ReadAudit;
use onetrip_service::audit::AuditQuery;

/// Records on one page of the log at most.
const PAGE_LIMIT: usize = 1000;

/// The log's filters from a query string (`from`, `until`, `actor`, `event`, `outcome`,
/// `before`, `limit` up to `max`).
fn audit_query(p: &Params, max: usize) -> Result<AuditQuery, Error> {
    let text = |key: &str| p.get(key).map(str::to_string);
    let before = match p.get("before") {
        Some(_) => i64::try_from(p.number("before", 0, 1, usize::MAX >> 1)?).ok(),
        None => None,
    };
    Ok(AuditQuery {
        from: text("from"),
        until: text("until"),
        actor: text("actor"),
        event: text("event"),
        outcome: text("outcome"),
        before,
        limit: Some(p.number("limit", 100, 1, max)?),
    })
}

pub(crate) fn routes() -> Vec<Route> {
    let auditor = Staff(ReadAudit);
    vec![
        page(Method::GET, "/admin/audit", auditor, pages::audit),
        page(Method::GET, "/admin/audit.csv", auditor, pages::audit_csv),
        page(
            Method::GET,
            "/admin/audit/verify",
            auditor,
            pages::audit_verify,
        ),
        api!(auditor, api::audit),
        api!(auditor, api::audit_verify),
    ]
}

//! The security audit log for the audit administrator: reading it with filters, exporting
//! it, checking its hash chain.

mod api;
mod pages;
mod query;

use crate::auth::Access::Staff;
use crate::route::{api, page, Route};
use axum::http::Method;
use onetrip_domain::access::Permission::ReadAudit;

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

//! The log's filters as a query string gives them.

use crate::error::Error;
use crate::params::Params;
use onetrip_app::audit::AuditQuery;

/// Records on one page of the log at most.
pub(super) const PAGE_LIMIT: usize = 1000;

/// The log's filters from a query string (`from`, `until`, `actor`, `event`, `outcome`,
/// `before`, `limit` up to `max`).
pub(super) fn audit_query(p: &Params, max: usize) -> Result<AuditQuery, Error> {
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

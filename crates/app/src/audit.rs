//! Reading the security audit log (the audit administrator) and checking its hash chain.

use crate::{App, Error};
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::audit::{AuditEvent, Outcome};
use onetrip_domain::chain::ChainCheck;
use onetrip_domain::message::Message;
use onetrip_store::{AuditEntry, AuditFilter};

/// Most records one reading returns.
pub const MAX_ENTRIES: usize = 10_000;

/// The log's filters as a person gives them: days (`YYYY-MM-DD`, China time, both ends
/// included), an actor's account id, event and outcome keys, a page boundary.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub from: Option<String>,
    pub until: Option<String>,
    pub actor: Option<String>,
    pub event: Option<String>,
    pub outcome: Option<String>,
    /// Records before this sequence number (the next page).
    pub before: Option<i64>,
    /// At most this many records (100 unless given, at most [`MAX_ENTRIES`]).
    pub limit: Option<usize>,
}

/// Midnight of a China day, as an instant.
fn day(field: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, Error> {
    value
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc() - chrono::Duration::hours(8))
                .ok_or_else(|| Error::bad_request(field, Message::new("invalid-date")))
        })
        .transpose()
}

impl AuditQuery {
    /// The store's filter; a malformed day or an unknown key is a 400 naming its field.
    pub fn filter(&self) -> Result<AuditFilter, Error> {
        let event = self
            .event
            .as_deref()
            .map(|e| {
                AuditEvent::from_key(e).ok_or_else(|| {
                    Error::bad_request("event", Message::new("invalid-event").text("value", e))
                })
            })
            .transpose()?;
        let outcome = self
            .outcome
            .as_deref()
            .map(|o| {
                Outcome::from_key(o).ok_or_else(|| {
                    Error::bad_request("outcome", Message::new("invalid-outcome").text("value", o))
                })
            })
            .transpose()?;
        Ok(AuditFilter {
            from: day("from", self.from.as_deref())?,
            until: day("until", self.until.as_deref())?.map(|t| t + chrono::Duration::days(1)),
            actor: self.actor.clone(),
            event,
            outcome,
            before_seq: self.before,
            limit: self.limit.unwrap_or(100).clamp(1, MAX_ENTRIES),
        })
    }
}

impl App {
    /// Records newest first, filtered.
    pub async fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, Error> {
        Ok(self.store.audit_entries(&query.filter()?).await?)
    }

    /// Walks the whole hash chain.
    pub async fn verify_audit(&self) -> Result<ChainCheck, Error> {
        Ok(self.store.verify_audit().await?)
    }
}

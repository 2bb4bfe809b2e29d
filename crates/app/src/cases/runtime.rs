//! What the case use cases keep in memory: the working calendar, this node's case-number
//! counter, the pinned implementation versions cases run under, and the reference data
//! scope checks read.

use crate::{App, Error};
use chrono::NaiveDate;
use onetrip_domain::calendar::{parse_calendar, WorkingCalendar, SHIPPED};
use onetrip_domain::case::CaseNumber;
use onetrip_domain::{Division, DivisionCode};
use onetrip_store::PublishedImplementation;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

/// Pinned versions kept in memory at most.
const PINNED: usize = 1024;

/// Divisions by code, as of a catalog revision.
type DivisionsAt = Option<(i64, Arc<BTreeMap<String, Division>>)>;

/// The case runtime of one process.
pub struct CaseRuntime {
    /// This node's number in case numbers (one per process writing cases).
    pub node: u16,
    calendar: RwLock<Arc<WorkingCalendar>>,
    /// The counter's day prefix and last number issued under it.
    counter: Mutex<(String, u64)>,
    pinned: Mutex<HashMap<(String, i64), Arc<PublishedImplementation>>>,
    divisions: RwLock<DivisionsAt>,
}

impl std::fmt::Debug for CaseRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseRuntime")
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}

impl CaseRuntime {
    pub fn new(node: u16) -> CaseRuntime {
        CaseRuntime {
            node,
            calendar: RwLock::new(Arc::new(WorkingCalendar::default())),
            counter: Mutex::new((String::new(), 0)),
            pinned: Mutex::new(HashMap::new()),
            divisions: RwLock::new(None),
        }
    }

    /// The working calendar as last loaded.
    pub fn calendar(&self) -> Arc<WorkingCalendar> {
        match self.calendar.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_calendar(&self, cal: WorkingCalendar) {
        if let Ok(mut slot) = self.calendar.write() {
            *slot = Arc::new(cal);
        }
    }
}

impl App {
    /// Loads the working calendar, seeding an empty database with the shipped notices; the
    /// years it knows. Warns when the year after today's is missing.
    pub async fn load_calendar(&self) -> Result<Vec<i32>, Error> {
        let mut years = self.store.calendar().await?;
        if years.is_empty() {
            let shipped = parse_calendar(SHIPPED)
                .map_err(|e| Error::Internal(format!("shipped calendar: {e}")))?;
            let record = onetrip_domain::audit::AuditRecord {
                at: self.clock.now(),
                actor: Some("system".into()),
                source: "console".into(),
                event: onetrip_domain::audit::AuditEvent::CalendarImported,
                object: None,
                outcome: onetrip_domain::audit::Outcome::Success,
                detail: "shipped notices".into(),
            };
            self.store
                .import_calendar(shipped.clone(), self.clock.now(), record)
                .await?;
            years = shipped;
        }
        let cal = WorkingCalendar::new(&years);
        let known = cal.years();
        let next = chrono::Datelike::year(&self.clock.today()) + 1;
        if !known.contains(&next) {
            tracing::warn!(
                year = next,
                "the working calendar has no {next} yet: deadlines reaching into it are flagged until `onetrip calendar import` adds the State Council's notice"
            );
        }
        self.cases.set_calendar(cal);
        Ok(known)
    }

    /// Adds (or replaces) years of the working calendar from a file in the shipped format,
    /// then counts with them at once; the years the calendar now knows.
    pub async fn import_calendar(&self, text: &str, by: &str) -> Result<Vec<i32>, Error> {
        let years = parse_calendar(text).map_err(|e| {
            Error::invalid(
                "calendar",
                onetrip_domain::message::Message::new("calendar-invalid")
                    .text("detail", e.to_string()),
            )
        })?;
        let names: Vec<String> = years.iter().map(|y| y.year.to_string()).collect();
        let record = onetrip_domain::audit::AuditRecord {
            at: self.clock.now(),
            actor: Some(by.to_string()),
            source: "console".into(),
            event: onetrip_domain::audit::AuditEvent::CalendarImported,
            object: Some(names.join(",")),
            outcome: onetrip_domain::audit::Outcome::Success,
            detail: years
                .iter()
                .map(|y| y.notice.clone())
                .collect::<Vec<_>>()
                .join("; "),
        };
        self.store
            .import_calendar(years, self.clock.now(), record)
            .await?;
        self.load_calendar().await
    }

    /// The next case number of this node for a division and day.
    pub(crate) async fn next_case_number(
        &self,
        division: &DivisionCode,
        day: NaiveDate,
    ) -> Result<CaseNumber, Error> {
        let prefix = CaseNumber::prefix(division, self.cases.node, day);
        let known = self
            .cases
            .counter
            .lock()
            .ok()
            .and_then(|c| (c.0 == prefix).then_some(c.1));
        let last = match known {
            Some(n) => n,
            None => {
                let stored = self.store.last_case_number(&prefix).await?;
                stored
                    .and_then(|n| CaseNumber::counter_after(&n, &prefix))
                    .unwrap_or(0)
            }
        };
        let n = match self.cases.counter.lock() {
            Ok(mut c) => {
                if c.0 != prefix {
                    *c = (prefix, last);
                }
                c.1 += 1;
                c.1
            }
            Err(_) => return Err(Error::Internal("case counter poisoned".into())),
        };
        Ok(CaseNumber::new(division, self.cases.node, day, n))
    }

    /// An implementation at the version a case pins.
    pub(crate) async fn pinned(
        &self,
        code: &str,
        version: i64,
    ) -> Result<Arc<PublishedImplementation>, Error> {
        let key = (code.to_string(), version);
        if let Some(p) = self
            .cases
            .pinned
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return Ok(p);
        }
        let found = self
            .store
            .implementation_version(code, version)
            .await?
            .ok_or_else(|| Error::Internal(format!("pinned implementation {code} v{version}")))?;
        let found = Arc::new(found);
        if let Ok(mut m) = self.cases.pinned.lock() {
            if m.len() >= PINNED {
                m.clear();
            }
            m.insert(key, found.clone());
        }
        Ok(found)
    }

    /// Divisions by code, reloaded when the catalog changes.
    pub(crate) async fn division_map(&self) -> Result<Arc<BTreeMap<String, Division>>, Error> {
        let revision = self.store.catalog_revision().await?;
        if let Some((r, map)) = self.cases.divisions.read().ok().and_then(|d| d.clone()) {
            if r == revision {
                return Ok(map);
            }
        }
        let map: Arc<BTreeMap<String, Division>> = Arc::new(
            self.store
                .divisions()
                .await?
                .into_iter()
                .map(|d| (d.code.to_string(), d))
                .collect(),
        );
        if let Ok(mut slot) = self.cases.divisions.write() {
            *slot = Some((revision, map.clone()));
        }
        Ok(map)
    }
}

//! What the case use cases keep in memory: the working calendar, this node's case-number
//! counter, the pinned implementation versions cases run under, and the reference data
//! scope checks read.

use crate::fresh::{Fresh, SEEN_WITHIN};
use crate::{App, Error};
use chrono::NaiveDate;
use onetrip_domain::access::Delegation;
use onetrip_domain::calendar::{parse_calendar, WorkingCalendar, SHIPPED};
use onetrip_domain::case::CaseNumber;
use onetrip_domain::{Division, DivisionCode};
use onetrip_store::PublishedImplementation;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// Pinned versions kept in memory at most.
const PINNED: usize = 1024;

/// Divisions by code, as of a catalog revision.
type DivisionsAt = Option<(i64, Arc<BTreeMap<String, Division>>)>;

/// The last case number this process issued under each division-and-day prefix, with its
/// day. A prefix is never forgotten within its day: a write still in the group commit is
/// not yet visible to the read that would otherwise recover its counter.
#[derive(Debug, Default)]
struct Counters(HashMap<String, (NaiveDate, u64)>);

impl Counters {
    fn knows(&self, prefix: &str) -> bool {
        self.0.contains_key(prefix)
    }

    /// The next number under `prefix`, counting on from `stored` (the last one in the
    /// database) the first time the prefix is seen; prefixes of days before yesterday
    /// are forgotten then.
    fn next(&mut self, prefix: String, day: NaiveDate, stored: u64) -> u64 {
        if !self.0.contains_key(&prefix) {
            let since = day.pred_opt().unwrap_or(day);
            self.0.retain(|_, (d, _)| *d >= since);
        }
        let c = self.0.entry(prefix).or_insert((day, stored));
        c.1 += 1;
        c.1
    }
}

/// The case runtime of one process.
pub struct CaseRuntime {
    /// This node's number in case numbers (one per process writing cases).
    pub node: u16,
    calendar: RwLock<Arc<WorkingCalendar>>,
    counters: Mutex<Counters>,
    pinned: Mutex<HashMap<(String, i64), Arc<PublishedImplementation>>>,
    divisions: RwLock<DivisionsAt>,
    /// The catalog's revision, read at most [`SEEN_WITHIN`] ago.
    revision: Fresh<(), i64>,
    /// Implementations in force by code and day, under a catalog revision.
    in_force: Fresh<(String, NaiveDate), Arc<PublishedImplementation>>,
    /// Departments' names by credit code, under a catalog revision.
    department_names: Fresh<(), Arc<BTreeMap<String, String>>>,
    /// Live delegations, under the store's generation of who may do what.
    delegations: Fresh<(), Arc<Vec<Delegation>>>,
    /// Enabled applicants' account ids by login, under the same generation.
    pub(crate) applicants: Fresh<String, String>,
    /// The calendar changed since the last sweep.
    recount: std::sync::atomic::AtomicBool,
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
            counters: Mutex::new(Counters::default()),
            pinned: Mutex::new(HashMap::new()),
            divisions: RwLock::new(None),
            revision: Fresh::new(SEEN_WITHIN, 1),
            in_force: Fresh::new(Duration::from_secs(3600), PINNED),
            department_names: Fresh::new(Duration::from_secs(3600), 1),
            delegations: Fresh::new(SEEN_WITHIN, 1),
            applicants: Fresh::new(SEEN_WITHIN, 10_000),
            recount: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Whether the calendar changed since the last sweep asked (and forgets it): limits
    /// waiting for a year may be counted now.
    pub(crate) fn take_recount(&self) -> bool {
        self.recount
            .swap(false, std::sync::atomic::Ordering::AcqRel)
    }

    /// Asks the next sweep to count waiting limits again.
    pub(crate) fn recount_later(&self) {
        self.recount
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Forgets what was read of the catalog (it was just changed here).
    pub fn catalog_changed(&self) {
        self.revision.clear();
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
        self.recount_later();
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

    /// Counts with the stored calendar when it differs from the one in use (another process,
    /// `onetrip calendar import`, changed it); whether it did.
    pub async fn reload_calendar(&self) -> Result<bool, Error> {
        let cal = WorkingCalendar::new(&self.store.calendar().await?);
        if *self.cases.calendar() == cal {
            return Ok(false);
        }
        self.cases.set_calendar(cal);
        Ok(true)
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
        let poisoned = || Error::Internal("case counter poisoned".into());
        let known = self
            .cases
            .counters
            .lock()
            .map_err(|_| poisoned())?
            .knows(&prefix);
        let stored = if known {
            0
        } else {
            self.store
                .last_case_number(&prefix)
                .await?
                .and_then(|n| CaseNumber::counter_after(&n, &prefix))
                .unwrap_or(0)
        };
        let n = self
            .cases
            .counters
            .lock()
            .map_err(|_| poisoned())?
            .next(prefix, day, stored);
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

    /// The catalog's revision as of at most a second ago.
    pub(crate) async fn revision(&self) -> Result<i64, Error> {
        if let Some(r) = self.cases.revision.get(&(), 0) {
            return Ok(r);
        }
        let r = self.store.catalog_revision().await?;
        self.cases.revision.put((), 0, r);
        Ok(r)
    }

    /// The implementation in force today, if any.
    pub(crate) async fn in_force(
        &self,
        code: &str,
    ) -> Result<Option<Arc<PublishedImplementation>>, Error> {
        let revision = u64::try_from(self.revision().await?).unwrap_or(0);
        let key = (code.to_string(), self.clock.today());
        if let Some(p) = self.cases.in_force.get(&key, revision) {
            return Ok(Some(p));
        }
        let Some(found) = self.store.implementation(code, key.1).await? else {
            return Ok(None);
        };
        let found = Arc::new(found);
        self.cases.in_force.put(key, revision, found.clone());
        Ok(Some(found))
    }

    /// The live delegations of acceptance.
    pub(crate) async fn live_delegations(&self) -> Result<Arc<Vec<Delegation>>, Error> {
        let generation = self.store.auth_generation();
        if let Some(d) = self.cases.delegations.get(&(), generation) {
            return Ok(d);
        }
        let d: Arc<Vec<Delegation>> = Arc::new(
            self.store
                .delegations()
                .await?
                .into_iter()
                .map(|d| d.delegation)
                .collect(),
        );
        self.cases.delegations.put((), generation, d.clone());
        Ok(d)
    }

    /// Divisions by code, reloaded when the catalog changes.
    /// Every department's full name by credit code, read once per catalog revision.
    pub(crate) async fn department_names(&self) -> Result<Arc<BTreeMap<String, String>>, Error> {
        let revision = u64::try_from(self.revision().await?).unwrap_or(0);
        if let Some(names) = self.cases.department_names.get(&(), revision) {
            return Ok(names);
        }
        let names: Arc<BTreeMap<String, String>> = Arc::new(
            self.store
                .departments()
                .await?
                .into_iter()
                .map(|d| (d.code.to_string(), d.name))
                .collect(),
        );
        self.cases.department_names.put((), revision, names.clone());
        Ok(names)
    }

    /// A department's full name (its code when the catalog does not know it).
    pub(crate) async fn department_name(&self, code: &str) -> Result<String, Error> {
        Ok(self
            .department_names()
            .await?
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string()))
    }

    pub(crate) async fn division_map(&self) -> Result<Arc<BTreeMap<String, Division>>, Error> {
        let revision = self.revision().await?;
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

#[cfg(test)]
mod tests {
    use super::Counters;
    use chrono::NaiveDate;

    #[test]
    fn interleaved_prefixes_keep_counting_and_old_days_are_forgotten() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        let mut c = Counters::default();
        assert_eq!(c.next("A".into(), d, 0), 1);
        assert_eq!(c.next("B".into(), d, 0), 1);
        // A's first number may still be in the group commit, unseen by a read: the
        // counter goes on from memory, not from the database.
        assert!(c.knows("A"));
        assert_eq!(c.next("A".into(), d, 0), 2);
        assert_eq!(c.next("B".into(), d, 0), 2);
        let later = d + chrono::Duration::days(2);
        assert_eq!(c.next("C".into(), later, 40), 41);
        assert!(
            !c.knows("A") && !c.knows("B"),
            "days before yesterday are forgotten"
        );
        assert_eq!(
            c.next("A".into(), d, 7),
            8,
            "counted on from the database again"
        );
    }
}

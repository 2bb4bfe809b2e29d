//! [`CaseStore`]: applications, cases, their tasks and journal, journal checkpoints, and the
//! working calendar. Every change of a case is written with its journal entry in one
//! transaction, and only if the case is still at the version it was read at.

use crate::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::audit::AuditRecord;
use onetrip_domain::calendar::CalendarYear;
use onetrip_domain::case::journal::{Broken, JournalEntry};
use onetrip_domain::case::{CaseDoc, CaseState};

/// An application as submitted once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub id: String,
    /// The account (or token holder) that submitted it.
    pub submitted_by: String,
    /// The person applying, by account.
    pub applicant_id: Option<String>,
    /// The organization applying, by credit code.
    pub organization: Option<String>,
    /// The authority an agent acts under.
    pub representation_id: Option<String>,
    /// `window`, `online`, `assisted`, `api`…
    pub channel: String,
    /// The service place it was submitted at.
    pub place: Option<String>,
    pub idempotency_key: Option<String>,
    /// Consents and delivery choice, as JSON.
    pub document: serde_json::Value,
    /// Visits to a hall so far (a submission at a window is one).
    pub visits: i64,
    pub at: DateTime<Utc>,
    /// The draft it was filled in as: its files go to the (first) case, and it is deleted.
    pub draft_id: Option<String>,
}

/// An application as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApplication {
    pub id: String,
    pub submitted_by: String,
    pub applicant_id: Option<String>,
    pub organization: Option<String>,
    pub representation_id: Option<String>,
    pub channel: String,
    pub place: Option<String>,
    pub document: serde_json::Value,
    pub visits: i64,
    pub created_at: DateTime<Utc>,
}

/// A new case of an application, with its first journal entry.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    pub id: String,
    pub number: String,
    pub implementation_code: String,
    pub implementation_version: i64,
    pub base_code: String,
    pub department: String,
    pub division: String,
    pub channel: String,
    /// The form's answers, sealed.
    pub form: String,
    pub doc: CaseDoc,
    pub due_on: Option<NaiveDate>,
    pub tasks: Vec<TaskRow>,
    pub journal: JournalEntry,
    pub hash: String,
    /// The visits the application may take: what the matter's guide promises, and at
    /// least the one to apply at a window.
    pub visits_allowed: i64,
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCase {
    pub id: String,
    pub number: String,
    pub application_id: String,
    pub implementation_code: String,
    pub implementation_version: i64,
    pub base_code: String,
    pub department: String,
    pub division: String,
    pub channel: String,
    pub state: CaseState,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub version: i64,
    pub journal_seq: i64,
    pub journal_head: String,
    pub form: String,
    pub doc: CaseDoc,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A task's row in the inbox index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    pub id: String,
    pub case_id: String,
    pub step: String,
    pub role: String,
    pub department: String,
    pub division: String,
    pub base_code: String,
    pub state: String,
    pub claimed_by: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub escalated: bool,
    pub opened_on: NaiveDate,
}

/// A change of a case read at `expected_version`, with its journal entry.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseChange {
    pub case_id: String,
    pub expected_version: i64,
    pub doc: CaseDoc,
    pub due_on: Option<NaiveDate>,
    /// New form answers (a resubmission), sealed.
    pub form: Option<String>,
    /// The tasks that changed or were added.
    pub tasks: Vec<TaskRow>,
    pub journal: JournalEntry,
    pub hash: String,
    /// Visits to add to the application (a result picked up at a window).
    pub visits: i64,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskQuery {
    /// Departments (credit codes) the tasks belong to; empty for any.
    pub departments: Vec<String>,
    /// Roles (`handler`, `reviewer`…); empty for any.
    pub roles: Vec<String>,
    /// Task states; empty for any live one.
    pub states: Vec<String>,
    pub claimed_by: Option<String>,
    pub escalated_only: bool,
    /// Only tasks due before this day (and not yet escalated).
    pub overdue_on: Option<NaiveDate>,
    pub limit: usize,
}

/// A task with the facts of its case an inbox shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskLine {
    pub task: TaskRow,
    pub case_number: String,
    pub case_state: CaseState,
    pub implementation_code: String,
    pub received_on: NaiveDate,
}

/// Which cases to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseQuery {
    pub departments: Vec<String>,
    pub states: Vec<CaseState>,
    /// Only cases an account applied for, or submitted (as an agent).
    pub party: Option<String>,
    /// Channels (`online`…); empty for any.
    pub channels: Vec<String>,
    /// Only cases received on or before this day.
    pub received_until: Option<NaiveDate>,
    /// Only cases whose deferred materials (容缺) were due before this day.
    pub deficiency_before: Option<NaiveDate>,
    /// Only cases due (promised limit) on or before this day.
    pub due_until: Option<NaiveDate>,
    /// Only cases whose commitments wait for their later check.
    pub commitment_pending: bool,
    /// Only cases with a limit whose last day waits for a year's calendar.
    pub limits_unknown: bool,
    /// Only cases whose application needed more visits than the guide promised.
    pub visits_exceeded: bool,
    pub limit: usize,
}

/// A case as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLine {
    pub id: String,
    pub number: String,
    pub implementation_code: String,
    pub base_code: String,
    pub department: String,
    pub division: String,
    pub channel: String,
    pub state: CaseState,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub version: i64,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A journal checkpoint just written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub id: i64,
    pub cases: i64,
    pub digest: String,
}

/// Signs a checkpoint's digest: the signing key's id and the signature.
pub type CheckpointSigner = Box<dyn Fn(&[u8]) -> Result<(String, Vec<u8>), String> + Send + Sync>;

/// Checks a checkpoint's signature: key id, digest, signature.
pub type SignatureCheck = Box<dyn Fn(&str, &[u8], &[u8]) -> bool + Send + Sync>;

/// What verifying the whole journal found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalCheck {
    pub cases: i64,
    pub entries: i64,
    pub checkpoints: i64,
    /// The first thing that does not verify, if any.
    pub broken: Option<Broken>,
}

#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Stores an application with its cases, their tasks and first journal entries, in one
    /// transaction; the application's id. A submitter's repeated idempotency key stores
    /// nothing and returns the existing application's id (`true`: it existed).
    async fn submit(
        &self,
        application: NewApplication,
        cases: Vec<NewCase>,
    ) -> Result<(String, bool), StoreError>;
    async fn application(&self, id: &str) -> Result<Option<StoredApplication>, StoreError>;
    async fn case(&self, id: &str) -> Result<Option<StoredCase>, StoreError>;
    async fn case_by_number(&self, number: &str) -> Result<Option<StoredCase>, StoreError>;
    async fn cases_of_application(&self, id: &str) -> Result<Vec<StoredCase>, StoreError>;
    /// Writes a change and its journal entry if the case is still at the version it was
    /// read at; else `Conflict::Stale` and nothing is written.
    async fn change_case(&self, change: CaseChange) -> Result<(), StoreError>;
    async fn tasks(&self, query: &TaskQuery) -> Result<Vec<TaskLine>, StoreError>;
    async fn cases(&self, query: &CaseQuery) -> Result<Vec<CaseLine>, StoreError>;
    /// A case's journal, in order, with each entry's stored hash.
    async fn journal(&self, case_id: &str) -> Result<Vec<(JournalEntry, String)>, StoreError>;
    /// The highest case number issued under a prefix (a node's day).
    async fn last_case_number(&self, prefix: &str) -> Result<Option<String>, StoreError>;
    async fn calendar(&self) -> Result<Vec<CalendarYear>, StoreError>;
    /// Adds or replaces years of the working calendar, recording `audit`.
    async fn import_calendar(
        &self,
        years: Vec<CalendarYear>,
        at: DateTime<Utc>,
        audit: AuditRecord,
    ) -> Result<(), StoreError>;
    /// Signs the heads of every case changed since the last checkpoint (all, the first
    /// time), chained to the previous checkpoint; `None` when nothing changed.
    async fn checkpoint(
        &self,
        at: DateTime<Utc>,
        sign: CheckpointSigner,
    ) -> Result<Option<Checkpoint>, StoreError>;
    /// Walks every case's chain against its head and every checkpoint against the chains.
    async fn verify_journal(&self, check: SignatureCheck) -> Result<JournalCheck, StoreError>;
}

//! OneTrip persistence. Capabilities are small traits ([`CatalogStore`], [`AccountStore`],
//! [`GrantStore`], [`SessionStore`], [`AuditStore`], [`KeyStore`], [`AgencyStore`], [`CaseStore`],
//! [`OnlineStore`], [`HealthStore`]), implemented once ([`store`]) over two thin executors, SQLite
//! (embedded, default) and PostgreSQL, that run the same SQL text ([`sql`], [`ops`]).

pub mod backup;
pub mod cases;
pub mod catalog_files;
mod error;
pub mod files;
mod migrations;
pub mod model;
pub mod objects;
pub mod online;
mod ops;
pub mod people;
mod plan;
mod sql;
mod store;

/// PostgreSQL databases for tests and benchmarks.
pub mod postgres {
    pub use crate::sql::postgres::{create_migrated_database, create_scratch_database};
}

pub use cases::*;
pub use error::{Conflict, StoreError};
pub use model::*;
pub use objects::Objects;
pub use online::*;
pub use people::*;

use async_trait::async_trait;
use chrono::NaiveDate;
use onetrip_domain::access::Grant;
use onetrip_domain::audit::AuditRecord;
use onetrip_domain::auth::lockout::{Consequence, LockPolicy, SourceRecord};
use onetrip_domain::catalog::file::{CatalogBatch, LifeEvent};
use onetrip_domain::department::{Department, ServicePlace};
use onetrip_domain::Division;
use std::sync::Arc;

/// The service catalog: reference data, versioned matters and implementations.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Imports a validated batch in one transaction. Reference data is upserted; a matter
    /// or implementation whose content differs from its latest version gets a new published
    /// version (or a draft, with [`ImportMode::Draft`]), published `at`. On any error
    /// nothing is changed.
    async fn import_catalog(
        &self,
        batch: &CatalogBatch,
        mode: ImportMode,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<ImportReport, StoreError>;
    /// The latest published version of everything, as a batch (for export).
    async fn export_catalog(&self) -> Result<CatalogBatch, StoreError>;
    async fn divisions(&self) -> Result<Vec<Division>, StoreError>;
    async fn departments(&self) -> Result<Vec<Department>, StoreError>;
    async fn places(&self) -> Result<Vec<ServicePlace>, StoreError>;
    async fn life_events(&self) -> Result<Vec<LifeEvent>, StoreError>;
    /// Summaries of every implementation in force on a date.
    async fn implementation_summaries(
        &self,
        on: NaiveDate,
    ) -> Result<Vec<ImplementationSummary>, StoreError>;
    /// The implementation version in force on a date.
    async fn implementation(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<PublishedImplementation>, StoreError>;
    /// One exact version, as a case pins it.
    async fn implementation_version(
        &self,
        code: &str,
        version: i64,
    ) -> Result<Option<PublishedImplementation>, StoreError>;
    /// The base matter version in force on a date.
    async fn base_matter(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<PublishedBase>, StoreError>;
    /// Every version of an entry, newest first, and its draft if any.
    async fn history(&self, entity: Entity, code: &str) -> Result<History, StoreError>;
    /// Saves (replaces) the draft of an entry.
    async fn save_draft(
        &self,
        draft: Draft,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError>;
    /// Publishes an entry's draft as a new immutable version in force from `effective_from`,
    /// published `at`.
    async fn publish(
        &self,
        entity: Entity,
        code: &str,
        effective_from: NaiveDate,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<i64, StoreError>;
    /// A number that grows with every catalog change (for caches and the search index).
    async fn catalog_revision(&self) -> Result<i64, StoreError>;
}

/// Accounts of applicants and staff, and applicants' sealed identities.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account (and its person record). A taken login is
    /// `Conflict::Login`, a registered document `Conflict::Document`.
    async fn create_account(
        &self,
        new: NewAccount,
        audit: AuditRecord,
    ) -> Result<Account, StoreError>;
    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError>;
    async fn account_by_login(&self, login: &str) -> Result<Option<Account>, StoreError>;
    /// Applicants whose phone has this blind index.
    async fn accounts_by_phone(&self, phone_index: &str) -> Result<Vec<Account>, StoreError>;
    async fn person(&self, account_id: &str) -> Result<Option<PersonRecord>, StoreError>;
    /// Every staff account, by login.
    async fn staff_accounts(&self) -> Result<Vec<Account>, StoreError>;
    /// What is remembered of sign-ins to the account from a source address (keyed by
    /// [`onetrip_domain::auth::lockout::source_key`]).
    async fn login_source(
        &self,
        account_id: &str,
        source: &str,
    ) -> Result<Option<SourceRecord>, StoreError>;
    /// Counts a wrong password or code from `source` (and for the account), applies what
    /// [`onetrip_domain::auth::lockout::after_failure`] decides (an `account_locked`
    /// record follows a lock) and records `audit`, in one transaction.
    async fn record_login_failure(
        &self,
        account_id: &str,
        source: &str,
        policy: &LockPolicy,
        audit: AuditRecord,
    ) -> Result<Consequence, StoreError>;
    /// A complete sign-in from `source`: the failures are forgotten (their count kept for
    /// the owner to see), the last sign-in moves to the previous one, and, when
    /// `mark_source`, the address becomes familiar and its lock ends (not when the owner
    /// got in by a known device on an address someone else is guessing from).
    async fn record_login_success(
        &self,
        account_id: &str,
        source: &str,
        mark_source: bool,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError>;
    /// Sets a new password hash and forgets failures and locks. The owner changing it keeps
    /// their own session (`keep`) and ends the others; a password set by someone else
    /// (`keep` is `None`) ends every session, revokes every API token, and must be changed
    /// by the owner first.
    async fn set_password(
        &self,
        id: &str,
        hash: &str,
        keep: Option<&str>,
        audit: AuditRecord,
    ) -> Result<(), StoreError>;
    /// Enrols (Some) or removes (None) the sealed TOTP secret; forgets the last used step.
    /// Removing it (a reset) ends every session and revokes every API token.
    async fn set_totp(
        &self,
        id: &str,
        sealed: Option<String>,
        audit: AuditRecord,
    ) -> Result<(), StoreError>;
    /// Records the step of an accepted code. False when it is not later than the last one
    /// (a replayed code), atomically, so two requests cannot both use one code.
    async fn claim_totp_step(&self, id: &str, step: i64) -> Result<bool, StoreError>;
    /// Raises (or lowers) an account's identity assurance level.
    async fn set_assurance(
        &self,
        id: &str,
        assurance: onetrip_domain::person::Assurance,
        audit: AuditRecord,
    ) -> Result<(), StoreError>;
    /// Disables (ending every session at once) or enables an account. Disabling the last
    /// enabled account that holds `security_admin` is `Conflict::LastSecurityAdmin`.
    async fn set_disabled(
        &self,
        id: &str,
        disabled: bool,
        audit: AuditRecord,
    ) -> Result<(), StoreError>;
}

/// Staff grants. Administrator exclusivity is enforced by the database:
/// a second administrator role is `Conflict::Administrator`, an administrator role beside a
/// business role `Conflict::AdministratorAlone`.
#[async_trait]
pub trait GrantStore: Send + Sync {
    /// Live grants of an account.
    async fn grants_of(&self, account_id: &str) -> Result<Vec<StoredGrant>, StoreError>;
    async fn add_grant(
        &self,
        account_id: &str,
        grant: &Grant,
        audit: AuditRecord,
    ) -> Result<StoredGrant, StoreError>;
    /// A live grant by id.
    async fn grant(&self, grant_id: &str) -> Result<Option<StoredGrant>, StoreError>;
    /// Revokes a live grant; `NotFound` if there is none with this id. Revoking the last
    /// `security_admin` grant of an enabled account is `Conflict::LastSecurityAdmin`.
    async fn revoke_grant(&self, grant_id: &str, audit: AuditRecord) -> Result<(), StoreError>;
}

/// Sessions and API tokens, kept by the hash of their secret.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create_session(
        &self,
        session: Session,
        audit: Option<AuditRecord>,
    ) -> Result<(), StoreError>;
    /// The session and its account.
    async fn session(&self, id_hash: &str) -> Result<Option<(Session, Account)>, StoreError>;
    async fn touch_session(
        &self,
        id_hash: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError>;
    /// Replaces a session by a new one (a new id at each login step).
    async fn replace_session(
        &self,
        old_hash: &str,
        new: Session,
        audit: Option<AuditRecord>,
    ) -> Result<(), StoreError>;
    async fn end_session(
        &self,
        id_hash: &str,
        audit: Option<AuditRecord>,
    ) -> Result<(), StoreError>;
    async fn create_token(&self, token: ApiToken, audit: AuditRecord) -> Result<(), StoreError>;
    /// A live (not revoked) token and its account.
    async fn token(&self, token_hash: &str) -> Result<Option<(ApiToken, Account)>, StoreError>;
    async fn tokens_of(&self, account_id: &str) -> Result<Vec<ApiToken>, StoreError>;
    /// A token by id, revoked or not.
    async fn token_by_id(&self, id: &str) -> Result<Option<ApiToken>, StoreError>;
    async fn revoke_token(&self, id: &str, audit: AuditRecord) -> Result<(), StoreError>;
}

/// The hash-chained, append-only security audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, record: AuditRecord) -> Result<AuditEntry, StoreError>;
    /// Newest first.
    async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError>;
    /// Walks the chain from its start.
    async fn verify_audit(&self) -> Result<onetrip_domain::chain::ChainCheck, StoreError>;
}

/// Wrapped data keys of the field encryption.
#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn data_keys(&self) -> Result<Vec<StoredDataKey>, StoreError>;
    /// Adds a key; an active one replaces the previous active key for new values.
    async fn add_data_key(&self, key: StoredDataKey) -> Result<(), StoreError>;
    /// Stores keys rewrapped under a new master key, all at once.
    async fn rewrap_data_keys(&self, keys: Vec<StoredDataKey>) -> Result<(), StoreError>;
}

/// Who acts for whom: departments' delegations of acceptance to service places, and
/// people's authorities to act for organizations and other people.
#[async_trait]
pub trait AgencyStore: Send + Sync {
    async fn add_delegation(
        &self,
        delegation: &onetrip_domain::access::Delegation,
        audit: AuditRecord,
    ) -> Result<StoredDelegation, StoreError>;
    /// Live delegations.
    async fn delegations(&self) -> Result<Vec<StoredDelegation>, StoreError>;
    async fn revoke_delegation(&self, id: &str, audit: AuditRecord) -> Result<(), StoreError>;
    async fn add_representation(
        &self,
        representation: &onetrip_domain::person::Representation,
        audit: AuditRecord,
    ) -> Result<StoredRepresentation, StoreError>;
    /// Live representations where the account is the agent or the (person) principal.
    async fn representations_of(
        &self,
        account_id: &str,
    ) -> Result<Vec<StoredRepresentation>, StoreError>;
    async fn revoke_representation(&self, id: &str, audit: AuditRecord) -> Result<(), StoreError>;
}

/// What `/readyz` asks.
#[async_trait]
pub trait HealthStore: Send + Sync {
    /// Reachable and every migration applied.
    async fn ready(&self) -> Result<(), StoreError>;
}

/// Every capability, as one object the web layer holds.
pub trait Store:
    CatalogStore
    + AccountStore
    + GrantStore
    + SessionStore
    + AuditStore
    + KeyStore
    + AgencyStore
    + CaseStore
    + OnlineStore
    + HealthStore
{
    fn backend(&self) -> &'static str;
    /// A counter this process raises whenever it changes who may do what (tokens, grants,
    /// disabled accounts): what was read about a principal before a change is stale after
    /// it. Other processes' changes are not counted here.
    fn auth_generation(&self) -> u64;
}

/// A shared store handle.
pub type SharedStore = Arc<dyn Store>;

/// Opens the store a URL names: `postgres://...` or `sqlite://PATH` (created and migrated).
pub async fn open(url: &str) -> Result<SharedStore, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let exec = sql::postgres::PgExec::connect(url).await?;
        Ok(Arc::new(store::SqlStore::migrated(exec).await?))
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        let exec = sql::sqlite::SqliteExec::open(std::path::Path::new(path)).await?;
        Ok(Arc::new(store::SqlStore::migrated(exec).await?))
    } else {
        Err(StoreError::Config(format!(
            "数据库地址“{}”无法识别：应以 postgres:// 或 sqlite:// 开头",
            redact_url(url)
        )))
    }
}

/// A new UUIDv7 key, as text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A database URL with its password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact_url("sqlite:///tmp/x"), "sqlite:///tmp/x");
    }
}

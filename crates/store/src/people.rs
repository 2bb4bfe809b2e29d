//! What the store keeps about people: accounts, applicants' identities (sealed, with blind
//! indexes), grants, delegations, sessions, API tokens, the audit log and data keys.
//!
//! Personal numbers arrive here already sealed by the vault; the store never sees them in
//! clear. Every method that changes security state takes the [`AuditRecord`] that
//! describes it and appends it in the same transaction.

use crate::StoreError;
use chrono::{DateTime, Utc};
use onetrip_domain::access::Grant;
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::person::Assurance;
use serde::Serialize;

/// Applicant or staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Applicant,
    Staff,
}

impl AccountKind {
    pub fn key(self) -> &'static str {
        match self {
            AccountKind::Applicant => "applicant",
            AccountKind::Staff => "staff",
        }
    }

    pub fn from_key(key: &str) -> Option<AccountKind> {
        match key {
            "applicant" => Some(AccountKind::Applicant),
            "staff" => Some(AccountKind::Staff),
            _ => None,
        }
    }
}

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub kind: AccountKind,
    /// Staff: the login name. Applicants: `doc:` and the blind index of their document.
    pub login: String,
    pub display_name: String,
    /// Staff: the credit code of their department or the code of their service place.
    pub organization: Option<String>,
    pub password_hash: Option<String>,
    pub password_changed_at: Option<DateTime<Utc>>,
    /// Sealed TOTP secret, once enrolled.
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub assurance: Assurance,
    /// Wrong passwords and codes, from every address, since the last complete sign-in.
    pub failed_logins: i64,
    /// Until then, addresses the account never signed in from wait between attempts.
    pub slowed_until: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_login: Option<LoginTrace>,
    /// The sign-in before the last one, and the failures between the two: what the owner
    /// is told when they sign in.
    pub previous_login: Option<LoginTrace>,
    pub failures_before_login: i64,
    /// The password was set by someone else (a new account, a reset): its owner sets their
    /// own before anything else.
    pub must_change_password: bool,
}

/// When and from where an account signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoginTrace {
    pub at: DateTime<Utc>,
    pub source: String,
}

impl LoginTrace {
    pub(crate) fn from_parts(at: Option<DateTime<Utc>>, source: Option<String>) -> Option<Self> {
        Some(LoginTrace {
            at: at?,
            source: source.unwrap_or_default(),
        })
    }
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub kind: AccountKind,
    pub login: String,
    pub display_name: String,
    pub organization: Option<String>,
    pub password_hash: Option<String>,
    pub assurance: Assurance,
    pub person: Option<PersonRecord>,
    /// Whether the owner must replace the password before anything else.
    pub must_change_password: bool,
}

impl NewAccount {
    /// An applicant's account: signed in by their document (`login`), with their sealed
    /// identity.
    pub fn applicant(
        login: String,
        person: PersonRecord,
        password_hash: Option<String>,
        assurance: Assurance,
    ) -> NewAccount {
        NewAccount {
            kind: AccountKind::Applicant,
            login,
            display_name: person.name.clone(),
            organization: None,
            password_hash,
            assurance,
            person: Some(person),
            must_change_password: false,
        }
    }
}

/// An applicant's identity, with the numbers sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub name: String,
    pub document_kind: String,
    pub document_sealed: String,
    pub document_index: String,
    pub document_masked: String,
    pub phone_sealed: String,
    pub phone_index: String,
    pub phone_masked: String,
}

/// A grant as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredGrant {
    pub id: String,
    pub account_id: String,
    pub grant: Grant,
    pub granted_by: Option<String>,
    pub granted_at: DateTime<Utc>,
}

/// Which step of login a session has reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Password accepted; the second factor is due (or must be enrolled first).
    SecondFactor,
    /// Fully signed in.
    Complete,
}

impl SessionStage {
    pub fn key(self) -> &'static str {
        match self {
            SessionStage::SecondFactor => "second_factor",
            SessionStage::Complete => "complete",
        }
    }

    pub fn from_key(key: &str) -> Option<SessionStage> {
        match key {
            "second_factor" => Some(SessionStage::SecondFactor),
            "complete" => Some(SessionStage::Complete),
            _ => None,
        }
    }
}

/// A session. The id the browser holds is never stored: only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub account_id: String,
    pub stage: SessionStage,
    pub csrf_token: String,
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The absolute end, whatever the activity.
    pub expires_at: DateTime<Utc>,
}

/// An API token for a department's system. Only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub token_hash: String,
    /// The roles it carries, for people to read.
    pub scopes: Vec<String>,
    /// The holder's grants it carries, fixed when it was issued: later grants do not widen it.
    pub grant_ids: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One chained audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(flatten)]
    pub record: AuditRecord,
    pub hash: String,
}

/// Filters of the audit page. Every field narrows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub actor: Option<String>,
    pub event: Option<AuditEvent>,
    pub outcome: Option<Outcome>,
    /// Entries with a sequence number below this (paging backwards).
    pub before_seq: Option<i64>,
    pub limit: usize,
}

/// A data key as stored (wrapped under a master key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDataKey {
    pub id: String,
    pub master_id: String,
    pub wrapped: Vec<u8>,
    pub active: bool,
}

/// A delegation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredDelegation {
    pub id: String,
    #[serde(flatten)]
    pub delegation: onetrip_domain::access::Delegation,
}

/// A representation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRepresentation {
    pub id: String,
    #[serde(flatten)]
    pub representation: onetrip_domain::person::Representation,
    /// Who recorded it (a clerk's account id, or the principal's).
    pub recorded_by: Option<String>,
}

impl Account {
    /// The account a [`NewAccount`] becomes, before it is stored.
    pub(crate) fn from_new(new: &NewAccount, id: String, now: DateTime<Utc>) -> Account {
        Account {
            id,
            kind: new.kind,
            login: new.login.clone(),
            display_name: new.display_name.clone(),
            organization: new.organization.clone(),
            password_hash: new.password_hash.clone(),
            password_changed_at: new.password_hash.as_ref().map(|_| now),
            totp_secret: None,
            totp_last_step: None,
            assurance: new.assurance,
            failed_logins: 0,
            slowed_until: None,
            disabled_at: None,
            created_at: now,
            last_login: None,
            previous_login: None,
            failures_before_login: 0,
            must_change_password: new.must_change_password,
        }
    }
}

/// Canonical text for instants in SQLite and in the audit chain: fixed width, so text
/// order is time order.
pub(crate) fn instant_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The `account_locked` record that follows a failure which locked a source address out.
pub(crate) fn lockout_record(
    account_id: &str,
    source: &str,
    at: DateTime<Utc>,
    counts: onetrip_domain::auth::lockout::Failures,
    until: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord {
        at,
        actor: None,
        source: source.to_string(),
        event: AuditEvent::AccountLocked,
        object: Some(account_id.to_string()),
        outcome: Outcome::Success,
        detail: format!(
            "{} failures from this address ({} in all), locked for this address until {}",
            counts.from_source,
            counts.of_account,
            instant_text(until)
        ),
    }
}

/// A stored division code, checked again as it comes back.
pub(crate) fn division_of(code: String) -> Result<onetrip_domain::DivisionCode, StoreError> {
    onetrip_domain::DivisionCode::parse(&code)
        .map_err(|e| StoreError::Backend(format!("stored division code {code}: {e}")))
}

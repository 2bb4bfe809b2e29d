//! Security audit records (等保 2.0 安全审计): one per security event, with time, actor,
//! source address, event, object and outcome. They refer to accounts by id and never copy
//! personal data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditEvent {
    LoginSucceeded,
    LoginFailed,
    AccountLocked,
    Logout,
    SecondFactorEnrolled,
    SecondFactorReset,
    PasswordChanged,
    AccountCreated,
    AccountDisabled,
    AccountEnabled,
    GrantAdded,
    GrantRevoked,
    TokenCreated,
    TokenRevoked,
    Unmasked,
    AccessDenied,
    CatalogDraftSaved,
    CatalogPublished,
    DelegationAdded,
    DelegationRevoked,
    RepresentationAdded,
    RepresentationRevoked,
    AssuranceRaised,
    /// Staff found an applicant by document or phone number.
    PersonLookedUp,
    /// A working calendar year was imported.
    CalendarImported,
    /// Staff outside a case's flow (a supervisor) opened it.
    CaseViewed,
    /// A journal checkpoint was signed.
    JournalCheckpointed,
}

impl AuditEvent {
    pub const ALL: &'static [AuditEvent] = &[
        AuditEvent::LoginSucceeded,
        AuditEvent::LoginFailed,
        AuditEvent::AccountLocked,
        AuditEvent::Logout,
        AuditEvent::SecondFactorEnrolled,
        AuditEvent::SecondFactorReset,
        AuditEvent::PasswordChanged,
        AuditEvent::AccountCreated,
        AuditEvent::AccountDisabled,
        AuditEvent::AccountEnabled,
        AuditEvent::GrantAdded,
        AuditEvent::GrantRevoked,
        AuditEvent::TokenCreated,
        AuditEvent::TokenRevoked,
        AuditEvent::Unmasked,
        AuditEvent::AccessDenied,
        AuditEvent::CatalogDraftSaved,
        AuditEvent::CatalogPublished,
        AuditEvent::DelegationAdded,
        AuditEvent::DelegationRevoked,
        AuditEvent::RepresentationAdded,
        AuditEvent::RepresentationRevoked,
        AuditEvent::AssuranceRaised,
        AuditEvent::PersonLookedUp,
        AuditEvent::CalendarImported,
        AuditEvent::CaseViewed,
        AuditEvent::JournalCheckpointed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AuditEvent::LoginSucceeded => "login_succeeded",
            AuditEvent::LoginFailed => "login_failed",
            AuditEvent::AccountLocked => "account_locked",
            AuditEvent::Logout => "logout",
            AuditEvent::SecondFactorEnrolled => "second_factor_enrolled",
            AuditEvent::SecondFactorReset => "second_factor_reset",
            AuditEvent::PasswordChanged => "password_changed",
            AuditEvent::AccountCreated => "account_created",
            AuditEvent::AccountDisabled => "account_disabled",
            AuditEvent::AccountEnabled => "account_enabled",
            AuditEvent::GrantAdded => "grant_added",
            AuditEvent::GrantRevoked => "grant_revoked",
            AuditEvent::TokenCreated => "token_created",
            AuditEvent::TokenRevoked => "token_revoked",
            AuditEvent::Unmasked => "unmasked",
            AuditEvent::AccessDenied => "access_denied",
            AuditEvent::CatalogDraftSaved => "catalog_draft_saved",
            AuditEvent::CatalogPublished => "catalog_published",
            AuditEvent::DelegationAdded => "delegation_added",
            AuditEvent::DelegationRevoked => "delegation_revoked",
            AuditEvent::RepresentationAdded => "representation_added",
            AuditEvent::RepresentationRevoked => "representation_revoked",
            AuditEvent::AssuranceRaised => "assurance_raised",
            AuditEvent::PersonLookedUp => "person_looked_up",
            AuditEvent::CalendarImported => "calendar_imported",
            AuditEvent::CaseViewed => "case_viewed",
            AuditEvent::JournalCheckpointed => "journal_checkpointed",
        }
    }

    pub fn from_key(key: &str) -> Option<AuditEvent> {
        AuditEvent::ALL.iter().copied().find(|e| e.key() == key)
    }
}

/// Whether the attempt succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }

    pub fn from_key(key: &str) -> Option<Outcome> {
        [Outcome::Success, Outcome::Failure, Outcome::Denied]
            .into_iter()
            .find(|o| o.key() == key)
    }
}

/// One audit record before it is chained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    /// The acting account's id, if anyone was signed in or named.
    pub actor: Option<String>,
    /// Client address as the server saw it (after the trusted-proxy rule).
    pub source: String,
    pub event: AuditEvent,
    /// What was acted on: an account id, a route, a grant id.
    pub object: Option<String>,
    pub outcome: Outcome,
    /// A short free text without personal data (a reason, a role key).
    pub detail: String,
}

impl AuditRecord {
    /// The bytes the chain hashes: every field, unit-separated, in a fixed order.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let at = self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        [
            at.as_str(),
            self.actor.as_deref().unwrap_or(""),
            &self.source,
            self.event.key(),
            self.object.as_deref().unwrap_or(""),
            self.outcome.key(),
            &self.detail,
        ]
        .join("\u{1f}")
        .into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_bytes_change_with_every_field() {
        let base = AuditRecord {
            at: DateTime::from_timestamp(1_772_000_000, 0).unwrap_or_default(),
            actor: Some("a".into()),
            source: "10.0.0.1".into(),
            event: AuditEvent::LoginFailed,
            object: None,
            outcome: Outcome::Failure,
            detail: String::new(),
        };
        let mut other = base.clone();
        other.outcome = Outcome::Success;
        assert_ne!(base.canonical_bytes(), other.canonical_bytes());
        let mut other = base.clone();
        other.actor = None;
        other.object = Some("a".into());
        assert_ne!(base.canonical_bytes(), other.canonical_bytes());
        for e in AuditEvent::ALL {
            assert_eq!(AuditEvent::from_key(e.key()), Some(*e));
        }
    }
}

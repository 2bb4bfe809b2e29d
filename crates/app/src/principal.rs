//! Who a request acts as: the account behind a session id or an API token, with the grants
//! it may act with.

use crate::{session, App, Error};
use onetrip_domain::access::{holds, Grant, Permission};
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_store::{Account, AccountKind, ApiToken, Session, SessionStage, StoredGrant};

/// The account a request acts as.
#[derive(Debug, Clone)]
pub struct Signed {
    pub account: Account,
    pub grants: Vec<Grant>,
    /// None for API tokens.
    pub session: Option<Session>,
    /// The client address (after the trusted-proxy rule).
    pub source: String,
}

impl Signed {
    pub fn holds(&self, permission: Permission) -> bool {
        holds(&self.grants, permission)
    }

    pub fn is_staff(&self) -> bool {
        self.account.kind == AccountKind::Staff
    }

    /// Whether the sign-in is complete (an API token always is).
    pub fn is_complete(&self) -> bool {
        self.session
            .as_ref()
            .is_none_or(|s| s.stage == SessionStage::Complete)
    }

    /// Whether the password was accepted and the second factor is due.
    pub fn awaits_second_factor(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.stage == SessionStage::SecondFactor)
    }

    /// The session's CSRF token, for forms (empty for API tokens, which need none).
    pub fn csrf(&self) -> String {
        self.session
            .as_ref()
            .map(|s| s.csrf_token.clone())
            .unwrap_or_default()
    }

    /// Whether some business grant lets the holder see personal numbers in full (an
    /// administrator role never does).
    pub fn may_unmask(&self) -> bool {
        self.grants
            .iter()
            .any(|g| g.unmask && !g.role.is_administrator())
    }

    /// An audit record with this principal as the actor.
    pub fn audit(
        &self,
        at: chrono::DateTime<chrono::Utc>,
        event: AuditEvent,
        object: Option<String>,
        outcome: Outcome,
    ) -> AuditRecord {
        AuditRecord {
            at,
            actor: Some(self.account.id.clone()),
            source: self.source.clone(),
            event,
            object,
            outcome,
            detail: String::new(),
        }
    }
}

/// The grants an account acts with: never one it gave itself, never a business role beside
/// an administrator role (三员分立), never unmasking with an administrator role, whatever
/// the database may still hold from before these rules.
pub fn effective(account_id: &str, stored: Vec<StoredGrant>) -> Vec<StoredGrant> {
    let mut grants: Vec<StoredGrant> = stored
        .into_iter()
        .filter(|g| g.granted_by.as_deref() != Some(account_id))
        .collect();
    if grants.iter().any(|g| g.grant.role.is_administrator()) {
        grants.retain(|g| g.grant.role.is_administrator());
        for g in &mut grants {
            g.grant.unmask = false;
        }
    }
    grants
}

impl App {
    /// The live token with this secret and its enabled account, if any.
    pub async fn token_holder(&self, secret: &str) -> Result<Option<(ApiToken, Account)>, Error> {
        let now = self.clock.now();
        Ok(self
            .store
            .token(&onetrip_vault::secret_hash(secret))
            .await?
            .filter(|(t, a)| t.expires_at.is_none_or(|e| e > now) && a.disabled_at.is_none()))
    }

    /// The principal an API token acts as: the business grants its holder chose when
    /// issuing it, as long as the holder keeps them; never an administrator role.
    /// `Unauthorized` when the token does not work.
    pub async fn by_token(&self, secret: &str, source: &str) -> Result<Signed, Error> {
        let key = onetrip_vault::secret_hash(secret);
        let generation = self.store.auth_generation();
        let cached = self.security.principals.get(&key, generation);
        let (t, account, stored) = match cached {
            Some(p) => p,
            None => {
                let Some((t, account)) = self.token_holder(secret).await? else {
                    return Err(Error::Unauthorized);
                };
                let stored = self.store.grants_of(&account.id).await?;
                let p = (t, account, stored);
                self.security.principals.put(key, generation, p.clone());
                p
            }
        };
        if t.expires_at.is_some_and(|e| e <= self.clock.now()) {
            return Err(Error::Unauthorized);
        }
        let grants = effective(&account.id, stored)
            .into_iter()
            .filter(|g| t.grant_ids.contains(&g.id) && !g.grant.role.is_administrator())
            .map(|g| g.grant)
            .collect();
        Ok(Signed {
            account,
            grants,
            session: None,
            source: source.to_string(),
        })
    }

    /// The principal of a live session id, if it is one; a staff session acts with its
    /// grants once the second factor is done.
    pub async fn by_session(&self, id: &str, source: &str) -> Result<Option<Signed>, Error> {
        let now = self.clock.now();
        let Some((session, account)) = session::load(&self.store, &self.security, id, now).await?
        else {
            return Ok(None);
        };
        let grants =
            if account.kind == AccountKind::Staff && session.stage == SessionStage::Complete {
                effective(&account.id, self.store.grants_of(&account.id).await?)
                    .into_iter()
                    .map(|g| g.grant)
                    .collect()
            } else {
                Vec::new()
            };
        Ok(Some(Signed {
            account,
            grants,
            session: Some(session),
            source: source.to_string(),
        }))
    }

    /// Records a refused request of a signed-in principal (`what`: method and path, `why`:
    /// the access it lacked).
    pub async fn record_denied(
        &self,
        signed: &Signed,
        what: String,
        why: String,
    ) -> Result<(), Error> {
        let mut record = signed.audit(
            self.clock.now(),
            AuditEvent::AccessDenied,
            Some(what),
            Outcome::Denied,
        );
        record.detail = why;
        self.store.append_audit(record).await?;
        Ok(())
    }

    /// Whether the owner must set a new password first: one set by someone else, or one the
    /// password policy (the `mlps` profile) has let expire. Only sessions are held to it.
    pub fn password_expired(&self, signed: &Signed) -> bool {
        signed.session.is_some()
            && (signed.account.must_change_password
                || signed.account.password_changed_at.is_some_and(|changed| {
                    let china = |t: chrono::DateTime<chrono::Utc>| {
                        (t + chrono::Duration::hours(8)).date_naive()
                    };
                    self.security
                        .policy
                        .expired(china(changed), self.clock.today())
                }))
    }
}

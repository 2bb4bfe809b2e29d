//! The login steps and account self-service, shared by pages and the API: password
//! (identical answer for unknown account and wrong password, lockout per account, rate
//! limit per address, bounded hashing), the TOTP second factor (enrolment, no reuse of a
//! code), applicant registration, logout.

use crate::security::unix;
use crate::App;
use crate::{session, Signed};
use crate::{Error, OnField};
use chrono::{DateTime, Utc};
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::auth::lockout::{self, Attempt, LockPolicy};
use onetrip_domain::auth::TotpSecret;
use onetrip_domain::message::Message;
use onetrip_domain::person::{DocumentKind, MobileNumber, ResidentIdNumber};
use onetrip_store::{Account, AccountKind, SessionStage, StoreError};
use std::net::IpAddr;

/// Where TOTP secrets are sealed.
pub(crate) const TOTP_CONTEXT: &str = "account.totp";

/// Where a correct password leads.
#[derive(Debug)]
pub enum LoginStep {
    /// Signed in (applicants).
    Complete(SignedIn),
    /// Staff: the second factor is due (with the CSRF token of the half-signed-in
    /// session); `enrol` when none is set up yet.
    SecondFactor {
        cookie: String,
        csrf: String,
        enrol: bool,
    },
}

pub(crate) fn record(
    now: DateTime<Utc>,
    source: IpAddr,
    event: AuditEvent,
    object: Option<&str>,
    outcome: Outcome,
    detail: &str,
) -> AuditRecord {
    AuditRecord {
        at: now,
        actor: None,
        source: source.to_string(),
        event,
        object: object.map(str::to_string),
        outcome,
        detail: detail.to_string(),
    }
}

/// Finds the account a login name designates: a staff login, an applicant's identity
/// number, or an applicant's phone number when only one account has it.
async fn find_account(state: &App, login: &str) -> Result<Option<Account>, StoreError> {
    let login = login.trim();
    if let Some(a) = state.store.account_by_login(login).await? {
        if a.kind == AccountKind::Staff {
            return Ok(Some(a));
        }
    }
    let security = &state.security;
    if let Ok(id) = ResidentIdNumber::parse(login) {
        let key = crate::security::applicant_login(
            security,
            DocumentKind::ResidentIdCard.key(),
            id.as_str(),
        );
        return state.store.account_by_login(&key).await;
    }
    if let Ok(phone) = MobileNumber::parse(login) {
        let mut found = state
            .store
            .accounts_by_phone(&crate::security::phone_index(security, &phone))
            .await?;
        if found.len() == 1 {
            return Ok(found.pop());
        }
    }
    Ok(None)
}

/// The lockout settings of the configuration.
fn lock_policy(state: &App) -> LockPolicy {
    LockPolicy {
        lock_after: state.security.config.lock_after,
        lock_for: state.security.config.lock_for,
    }
}

/// Where device cookies are sealed.
const DEVICE_CONTEXT: &str = "account.device";

/// Whether the browser's device cookie says the account has completed a sign-in on it.
fn known_device(state: &App, account: &Account, device: Option<&str>) -> bool {
    device
        .and_then(|d| state.security.cipher.open_field(DEVICE_CONTEXT, d).ok())
        .is_some_and(|id| id == account.id)
}

/// Whether an attempt on the account from `source` (and this device) may be checked at all.
async fn attempt(
    state: &App,
    account: &Account,
    source: &str,
    device: Option<&str>,
) -> Result<Attempt, Error> {
    let record = state
        .store
        .login_source(&account.id, &lockout::source_key(source))
        .await?;
    Ok(lockout::admit(
        account.slowed_until,
        record.as_ref(),
        known_device(state, account, device),
        state.clock.now(),
    ))
}

/// Counts a wrong password or code from `source` against the account.
async fn failed(
    state: &App,
    account: &Account,
    source: &str,
    audit: AuditRecord,
) -> Result<(), Error> {
    state
        .store
        .record_login_failure(
            &account.id,
            &lockout::source_key(source),
            &lock_policy(state),
            audit,
        )
        .await?;
    Ok(())
}

fn pending_context(signed: &Signed) -> String {
    format!(
        "totp.pending:{}",
        signed
            .session
            .as_ref()
            .map(|s| s.id_hash.as_str())
            .unwrap_or_default()
    )
}

/// A complete sign-in: the session cookie, the new session's CSRF token, and the device
/// cookie that marks this browser as one the account signed in on.
#[derive(Debug)]
pub struct SignedIn {
    pub cookie: String,
    pub csrf: String,
    pub device: String,
}

/// Starts a complete session for an applicant and records the sign-in.
/// `on_device`: the sign-in came from a device the account signed in on before, so the
/// address it came from is not marked familiar (it may be one someone else guesses from).
pub(crate) async fn signed_in(
    state: &App,
    account: &Account,
    source: IpAddr,
    how: &str,
    on_device: bool,
) -> Result<SignedIn, Error> {
    let now = state.clock.now();
    let (cookie, s) = session::new_session(
        account,
        SessionStage::Complete,
        &source.to_string(),
        now,
        &state.security,
    )?;
    let mut audit = record(
        now,
        source,
        AuditEvent::LoginSucceeded,
        Some(&account.id),
        Outcome::Success,
        how,
    );
    audit.actor = Some(account.id.clone());
    let csrf = s.csrf_token.clone();
    state.store.create_session(s, Some(audit)).await?;
    state
        .store
        .record_login_success(
            &account.id,
            &lockout::source_key(&source.to_string()),
            !on_device,
            now,
        )
        .await?;
    let device = state.security.cipher.seal(DEVICE_CONTEXT, &account.id)?;
    Ok(SignedIn {
        cookie,
        csrf,
        device,
    })
}

impl App {
    /// Checks a password. Every failure looks the same to the caller, and costs the same:
    /// one Argon2 evaluation, against the decoy when the account is unknown, disabled, or
    /// may not be tried from this address just now.
    pub async fn password_login(
        &self,
        login: &str,
        password: &str,
        source: IpAddr,
        device: Option<&str>,
    ) -> Result<LoginStep, Error> {
        let security = &self.security;
        security.limiter.take(source).map_err(Error::TooMany)?;
        let _slot = security.hashing_slot().await?;
        let now = self.clock.now();
        let address = source.to_string();
        let account = find_account(self, login).await?;
        let Some(account) = account else {
            let pw = password.to_string();
            let hasher = security.hasher.clone();
            let _ = tokio::task::spawn_blocking(move || hasher.verify_decoy(&pw)).await;
            self.store
                .append_audit(record(
                    now,
                    source,
                    AuditEvent::LoginFailed,
                    None,
                    Outcome::Failure,
                    "unknown account",
                ))
                .await?;
            return Err(Error::LoginFailed);
        };
        let refused = match attempt(self, &account, &address, device).await? {
            _ if account.disabled_at.is_some() => Some("disabled"),
            Attempt::LockedHere { .. } => Some("locked for this address"),
            Attempt::Slowed { .. } => Some("slowed: unfamiliar address"),
            Attempt::Allowed => None,
        };
        let stored = account.password_hash.clone().unwrap_or_default();
        let pw = password.to_string();
        let hasher = security.hasher.clone();
        let checked = refused.is_none();
        let matches = tokio::task::spawn_blocking(move || {
            if checked {
                hasher.verify(&pw, &stored)
            } else {
                hasher.verify_decoy(&pw)
            }
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
        if let Some(why) = refused {
            self.store
                .append_audit(record(
                    now,
                    source,
                    AuditEvent::LoginFailed,
                    Some(&account.id),
                    Outcome::Denied,
                    why,
                ))
                .await?;
            return Err(Error::LoginFailed);
        }
        if !matches {
            let audit = record(
                now,
                source,
                AuditEvent::LoginFailed,
                Some(&account.id),
                Outcome::Failure,
                "wrong password",
            );
            failed(self, &account, &address, audit).await?;
            return Err(Error::LoginFailed);
        }
        match account.kind {
            AccountKind::Applicant => {
                let on_device = known_device(self, &account, device);
                let done = signed_in(self, &account, source, "password", on_device).await?;
                Ok(LoginStep::Complete(done))
            }
            // Failures are forgotten only when the second factor completes the sign-in.
            AccountKind::Staff => {
                let (cookie, s) = session::new_session(
                    &account,
                    SessionStage::SecondFactor,
                    &address,
                    now,
                    security,
                )?;
                let csrf = s.csrf_token.clone();
                self.store.create_session(s, None).await?;
                Ok(LoginStep::SecondFactor {
                    cookie,
                    csrf,
                    enrol: account.totp_secret.is_none(),
                })
            }
        }
    }

    /// A new TOTP secret for enrolment, and the same secret sealed to this session (the form
    /// carries it back; it cannot be moved to another session).
    pub fn pending_secret(&self, signed: &Signed) -> Result<(TotpSecret, String), Error> {
        let secret = TotpSecret::from_bytes(onetrip_vault::random_bytes::<20>()?.to_vec());
        let sealed = self
            .security
            .cipher
            .seal(&pending_context(signed), &secret.to_base32())?;
        Ok((secret, sealed))
    }

    /// Checks the second factor (enrolling it first if `pending` carries a new secret) and
    /// completes the login with a new session id. A wrong code counts as a failed login, and
    /// a lock on the account from this address stops it as it stops a password.
    pub async fn second_factor(
        &self,
        signed: &Signed,
        code: &str,
        pending: Option<&str>,
        device: Option<&str>,
    ) -> Result<SignedIn, Error> {
        let security = &self.security;
        let source: IpAddr = signed.source.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        security.limiter.take(source).map_err(Error::TooMany)?;
        let now = self.clock.now();
        let account = &signed.account;
        // The lock holds at this step too: a session opened before it does not get past it.
        let on_device = known_device(self, account, device);
        match attempt(self, account, &signed.source, device).await? {
            Attempt::Allowed => {}
            Attempt::LockedHere { until } | Attempt::Slowed { until } => {
                let seconds = u64::try_from((until - now).num_seconds()).unwrap_or(1);
                return Err(Error::LockedOut(seconds.max(1)));
            }
        }
        let (secret, enrolling) = match (&account.totp_secret, pending) {
            (Some(sealed), _) => (security.cipher.open_field(TOTP_CONTEXT, sealed)?, false),
            (None, Some(p)) => (
                security
                    .cipher
                    .open_field(&pending_context(signed), p)
                    .map_err(|_| Error::Csrf)?,
                true,
            ),
            (None, None) => {
                return Err(Error::invalid(
                    "code",
                    Message::new("invalid-totp-not-enrolled"),
                ))
            }
        };
        let secret = TotpSecret::from_base32(&secret)
            .ok_or_else(|| Error::Internal("stored TOTP secret".into()))?;
        let last = if enrolling {
            None
        } else {
            account.totp_last_step
        };
        let step = secret.verify(code, unix(self.clock.as_ref()), last);
        let Some(step) = step else {
            let mut audit = record(
                now,
                source,
                AuditEvent::LoginFailed,
                Some(&account.id),
                Outcome::Failure,
                "wrong or reused code",
            );
            audit.actor = Some(account.id.clone());
            failed(self, account, &signed.source, audit).await?;
            return Err(Error::invalid("code", Message::new("invalid-totp-code")));
        };
        if enrolling {
            let sealed = security.cipher.seal(TOTP_CONTEXT, &secret.to_base32())?;
            self.store
                .set_totp(
                    &account.id,
                    Some(sealed),
                    signed.audit(
                        now,
                        AuditEvent::SecondFactorEnrolled,
                        Some(account.id.clone()),
                        Outcome::Success,
                    ),
                )
                .await?;
        }
        if !self.store.claim_totp_step(&account.id, step).await? {
            return Err(Error::invalid("code", Message::new("invalid-totp-code")));
        }
        let old = signed
            .session
            .as_ref()
            .map(|s| s.id_hash.clone())
            .unwrap_or_default();
        let (cookie, new) = session::new_session(
            account,
            SessionStage::Complete,
            &signed.source,
            now,
            security,
        )?;
        let mut audit = signed.audit(
            now,
            AuditEvent::LoginSucceeded,
            Some(account.id.clone()),
            Outcome::Success,
        );
        audit.detail = "password + totp".into();
        let csrf = new.csrf_token.clone();
        self.store.replace_session(&old, new, Some(audit)).await?;
        self.store
            .record_login_success(
                &account.id,
                &lockout::source_key(&signed.source),
                !on_device,
                now,
            )
            .await?;
        let device = self.security.cipher.seal(DEVICE_CONTEXT, &account.id)?;
        Ok(SignedIn {
            cookie,
            csrf,
            device,
        })
    }

    /// Changes the caller's own password after checking the current one; the account's other
    /// sessions end.
    pub async fn change_password(
        &self,
        signed: &Signed,
        current: &str,
        new: &str,
    ) -> Result<(), Error> {
        let security = &self.security;
        let source: IpAddr = signed.source.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        security.limiter.take(source).map_err(Error::TooMany)?;
        let account = &signed.account;
        let personal = [account.login.as_str(), account.display_name.as_str()];
        security
            .policy
            .check(new, &personal)
            .on_field("new_password")?;
        if new == current {
            return Err(Error::invalid(
                "new_password",
                Message::new("invalid-password-unchanged"),
            ));
        }
        let _slot = security.hashing_slot().await?;
        let hasher = security.hasher.clone();
        let (stored, current, new) = (
            account.password_hash.clone().unwrap_or_default(),
            current.to_string(),
            new.to_string(),
        );
        let hash = tokio::task::spawn_blocking(move || {
            if hasher.verify(&current, &stored) {
                hasher.hash(&new).map(Some)
            } else {
                Ok(None)
            }
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
        .map_err(|e| Error::Internal(e.to_string()))?;
        let now = self.clock.now();
        let Some(hash) = hash else {
            let mut audit = signed.audit(
                now,
                AuditEvent::PasswordChanged,
                Some(account.id.clone()),
                Outcome::Failure,
            );
            audit.detail = "wrong current password".into();
            self.store.append_audit(audit).await?;
            return Err(Error::invalid(
                "current_password",
                Message::new("invalid-current-password"),
            ));
        };
        let keep = signed.session.as_ref().map(|s| s.id_hash.as_str());
        self.store
            .set_password(
                &account.id,
                &hash,
                keep,
                signed.audit(
                    now,
                    AuditEvent::PasswordChanged,
                    Some(account.id.clone()),
                    Outcome::Success,
                ),
            )
            .await?;
        Ok(())
    }

    /// Ends the caller's session.
    pub async fn logout(&self, signed: &Signed) -> Result<(), Error> {
        if let Some(s) = &signed.session {
            let now = self.clock.now();
            self.store
                .end_session(
                    &s.id_hash,
                    Some(signed.audit(now, AuditEvent::Logout, None, Outcome::Success)),
                )
                .await?;
        }
        Ok(())
    }
}

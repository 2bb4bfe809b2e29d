//! The login steps and account self-service, shared by pages and the API: password
//! (identical answer for unknown account and wrong password, lockout per account, rate
//! limit per address, bounded hashing), the TOTP second factor (enrolment, no reuse of a
//! code), applicant registration, logout.

use crate::auth::{session, unix, Signed};
use crate::error::{AppError, OnField};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::auth::lockout::{self, Attempt, LockPolicy};
use onetrip_domain::auth::TotpSecret;
use onetrip_domain::message::Message;
use onetrip_domain::person::{
    Assurance, DocumentKind, IdentityDocument, MobileNumber, PersonName, ResidentIdNumber,
};
use onetrip_store::{Account, AccountKind, NewAccount, PersonRecord, SessionStage, StoreError};
use std::net::IpAddr;
use std::time::Duration;

/// How long a login waits for a free hashing slot before answering "busy".
const HASHING_WAIT: Duration = Duration::from_secs(3);
/// Where TOTP secrets are sealed.
const TOTP_CONTEXT: &str = "account.totp";

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

fn record(
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
async fn find_account(state: &AppState, login: &str) -> Result<Option<Account>, StoreError> {
    let login = login.trim();
    if let Some(a) = state.store.account_by_login(login).await? {
        if a.kind == AccountKind::Staff {
            return Ok(Some(a));
        }
    }
    let security = &state.security;
    if let Ok(id) = ResidentIdNumber::parse(login) {
        let key =
            crate::auth::applicant_login(security, DocumentKind::ResidentIdCard.key(), id.as_str());
        return state.store.account_by_login(&key).await;
    }
    if let Ok(phone) = MobileNumber::parse(login) {
        let mut found = state
            .store
            .accounts_by_phone(&crate::auth::phone_index(security, &phone))
            .await?;
        if found.len() == 1 {
            return Ok(found.pop());
        }
    }
    Ok(None)
}

/// The lockout settings of the configuration.
fn lock_policy(state: &AppState) -> LockPolicy {
    LockPolicy {
        lock_after: state.security.config.lock_after,
        lock_for: state.security.config.lock_for,
    }
}

/// Where device cookies are sealed.
const DEVICE_CONTEXT: &str = "account.device";

/// Whether the browser's device cookie says the account has completed a sign-in on it.
fn known_device(state: &AppState, account: &Account, device: Option<&str>) -> bool {
    device
        .and_then(|d| state.security.cipher.open_field(DEVICE_CONTEXT, d).ok())
        .is_some_and(|id| id == account.id)
}

/// Whether an attempt on the account from `source` (and this device) may be checked at all.
async fn attempt(
    state: &AppState,
    account: &Account,
    source: &str,
    device: Option<&str>,
) -> Result<Attempt, AppError> {
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
    state: &AppState,
    account: &Account,
    source: &str,
    audit: AuditRecord,
) -> Result<(), AppError> {
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

/// Checks a password. Every failure looks the same to the caller, and costs the same:
/// one Argon2 evaluation, against the decoy when the account is unknown, disabled, or
/// may not be tried from this address just now.
pub async fn password_login(
    state: &AppState,
    login: &str,
    password: &str,
    source: IpAddr,
    device: Option<&str>,
) -> Result<LoginStep, AppError> {
    let security = &state.security;
    security.limiter.take(source).map_err(AppError::TooMany)?;
    let _slot = tokio::time::timeout(HASHING_WAIT, security.hashing.acquire())
        .await
        .map_err(|_| AppError::Unavailable("password hashing is saturated".into()))?
        .map_err(|_| AppError::Unavailable("password hashing is closed".into()))?;
    let now = state.clock.now();
    let address = source.to_string();
    let account = find_account(state, login).await?;
    let Some(account) = account else {
        let pw = password.to_string();
        let hasher = security.hasher.clone();
        let _ = tokio::task::spawn_blocking(move || hasher.verify_decoy(&pw)).await;
        state
            .store
            .append_audit(record(
                now,
                source,
                AuditEvent::LoginFailed,
                None,
                Outcome::Failure,
                "unknown account",
            ))
            .await?;
        return Err(AppError::LoginFailed);
    };
    let refused = match attempt(state, &account, &address, device).await? {
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
    .map_err(|e| AppError::Internal(e.to_string()))?;
    if let Some(why) = refused {
        state
            .store
            .append_audit(record(
                now,
                source,
                AuditEvent::LoginFailed,
                Some(&account.id),
                Outcome::Denied,
                why,
            ))
            .await?;
        return Err(AppError::LoginFailed);
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
        failed(state, &account, &address, audit).await?;
        return Err(AppError::LoginFailed);
    }
    match account.kind {
        AccountKind::Applicant => {
            let on_device = known_device(state, &account, device);
            let done = signed_in(state, &account, source, "password", on_device).await?;
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
            state.store.create_session(s, None).await?;
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
pub fn pending_secret(state: &AppState, signed: &Signed) -> Result<(TotpSecret, String), AppError> {
    let secret = TotpSecret::from_bytes(onetrip_vault::random_bytes::<20>()?.to_vec());
    let sealed = state
        .security
        .cipher
        .seal(&pending_context(signed), &secret.to_base32())?;
    Ok((secret, sealed))
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

/// Checks the second factor (enrolling it first if `pending` carries a new secret) and
/// completes the login with a new session id. A wrong code counts as a failed login, and
/// a lock on the account from this address stops it as it stops a password.
pub async fn second_factor(
    state: &AppState,
    signed: &Signed,
    code: &str,
    pending: Option<&str>,
    device: Option<&str>,
) -> Result<SignedIn, AppError> {
    let security = &state.security;
    let source: IpAddr = signed.source.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
    security.limiter.take(source).map_err(AppError::TooMany)?;
    let now = state.clock.now();
    let account = &signed.account;
    // The lock holds at this step too: a session opened before it does not get past it.
    let on_device = known_device(state, account, device);
    match attempt(state, account, &signed.source, device).await? {
        Attempt::Allowed => {}
        Attempt::LockedHere { until } | Attempt::Slowed { until } => {
            let seconds = u64::try_from((until - now).num_seconds()).unwrap_or(1);
            return Err(AppError::LockedOut(seconds.max(1)));
        }
    }
    let (secret, enrolling) = match (&account.totp_secret, pending) {
        (Some(sealed), _) => (security.cipher.open_field(TOTP_CONTEXT, sealed)?, false),
        (None, Some(p)) => (
            security
                .cipher
                .open_field(&pending_context(signed), p)
                .map_err(|_| AppError::Csrf)?,
            true,
        ),
        (None, None) => {
            return Err(AppError::invalid(
                "code",
                Message::new("invalid-totp-not-enrolled"),
            ))
        }
    };
    let secret = TotpSecret::from_base32(&secret)
        .ok_or_else(|| AppError::Internal("stored TOTP secret".into()))?;
    let last = if enrolling {
        None
    } else {
        account.totp_last_step
    };
    let step = secret.verify(code, unix(state.clock.as_ref()), last);
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
        failed(state, account, &signed.source, audit).await?;
        return Err(AppError::invalid("code", Message::new("invalid-totp-code")));
    };
    if enrolling {
        let sealed = security.cipher.seal(TOTP_CONTEXT, &secret.to_base32())?;
        state
            .store
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
    if !state.store.claim_totp_step(&account.id, step).await? {
        return Err(AppError::invalid("code", Message::new("invalid-totp-code")));
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
    state.store.replace_session(&old, new, Some(audit)).await?;
    state
        .store
        .record_login_success(
            &account.id,
            &lockout::source_key(&signed.source),
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

/// A complete sign-in: the session cookie, the new session's CSRF token, and the device
/// cookie that marks this browser as one the account signed in on.
#[derive(Debug)]
pub struct SignedIn {
    pub cookie: String,
    pub csrf: String,
    pub device: String,
}

/// Changes the caller's own password after checking the current one; the account's other
/// sessions end.
pub async fn change_password(
    state: &AppState,
    signed: &Signed,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let security = &state.security;
    let source: IpAddr = signed.source.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
    security.limiter.take(source).map_err(AppError::TooMany)?;
    let account = &signed.account;
    let personal = [account.login.as_str(), account.display_name.as_str()];
    security
        .policy
        .check(new, &personal)
        .on_field("new_password")?;
    if new == current {
        return Err(AppError::invalid(
            "new_password",
            Message::new("invalid-password-unchanged"),
        ));
    }
    let _slot = tokio::time::timeout(HASHING_WAIT, security.hashing.acquire())
        .await
        .map_err(|_| AppError::Unavailable("password hashing is saturated".into()))?
        .map_err(|_| AppError::Unavailable("password hashing is closed".into()))?;
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
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let now = state.clock.now();
    let Some(hash) = hash else {
        let mut audit = signed.audit(
            now,
            AuditEvent::PasswordChanged,
            Some(account.id.clone()),
            Outcome::Failure,
        );
        audit.detail = "wrong current password".into();
        state.store.append_audit(audit).await?;
        return Err(AppError::invalid(
            "current_password",
            Message::new("invalid-current-password"),
        ));
    };
    let keep = signed.session.as_ref().map(|s| s.id_hash.as_str());
    state
        .store
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

/// Signs in (registering on first use) the applicant an ID token names. The account's
/// assurance becomes `single_sign_on` if it was lower.
pub async fn single_sign_on(
    state: &AppState,
    claims: &serde_json::Map<String, serde_json::Value>,
    source: IpAddr,
) -> Result<SignedIn, AppError> {
    let security = &state.security;
    let Some(oidc) = &security.oidc else {
        return Err(AppError::NotFound("/login/sso".into()));
    };
    let claim = |name: &str| {
        claims
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
    };
    let document = IdentityDocument::parse(
        DocumentKind::ResidentIdCard,
        claim(&oidc.config.document_claim),
    )
    .on_field("document_number")?;
    let name = PersonName::parse(claim("name")).on_field("name")?;
    let login = crate::auth::applicant_login(
        security,
        DocumentKind::ResidentIdCard.key(),
        document.number(),
    );
    let now = state.clock.now();
    let account = match state.store.account_by_login(&login).await? {
        Some(mut a) => {
            let mut audit = record(
                now,
                source,
                AuditEvent::AssuranceRaised,
                Some(&a.id),
                Outcome::Success,
                "",
            );
            audit.actor = Some(a.id.clone());
            crate::people::raise_assurance(state, &mut a, Assurance::SingleSignOn, audit).await?;
            a
        }
        None => {
            let phone = MobileNumber::parse(claim(&oidc.config.phone_claim)).on_field("phone")?;
            let person = person_record(security, name.as_str(), &document, &phone)?;
            state
                .store
                .create_account(
                    NewAccount {
                        kind: AccountKind::Applicant,
                        login,
                        display_name: name.to_string(),
                        organization: None,
                        password_hash: None,
                        assurance: Assurance::SingleSignOn,
                        person: Some(person),
                        must_change_password: false,
                    },
                    record(
                        now,
                        source,
                        AuditEvent::AccountCreated,
                        None,
                        Outcome::Success,
                        "single sign-on",
                    ),
                )
                .await?
        }
    };
    if account.disabled_at.is_some() {
        return Err(AppError::LoginFailed);
    }
    signed_in(state, &account, source, "single sign-on", false).await
}

/// Ends the caller's session.
pub async fn logout(state: &AppState, signed: &Signed) -> Result<(), AppError> {
    if let Some(s) = &signed.session {
        let now = state.clock.now();
        state
            .store
            .end_session(
                &s.id_hash,
                Some(signed.audit(now, AuditEvent::Logout, None, Outcome::Success)),
            )
            .await?;
    }
    Ok(())
}

/// An applicant's registration form.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Registration {
    /// The name on the identity document, exactly (rare characters kept).
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    /// `resident_id_card` (default), `hk_macao_residence_permit`, `taiwan_residence_permit`,
    /// `foreign_permanent_residence` or `passport`.
    #[serde(default = "default_kind")]
    #[schema(value_type = crate::api::DocumentKindKey)]
    pub document_kind: String,
    /// The document's number; a resident ID card's check character is checked.
    #[schema(min_length = 1, max_length = 40)]
    pub document_number: String,
    /// A mainland mobile number (spaces and full-width digits are accepted).
    #[schema(min_length = 11, max_length = 40)]
    pub phone: String,
    /// At least 8 characters, not a common password, not the name or numbers.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

fn default_kind() -> String {
    DocumentKind::ResidentIdCard.key().to_string()
}

/// An applicant's identity as stored: numbers sealed, blind-indexed and masked.
pub(crate) fn person_record(
    security: &crate::auth::Security,
    name: &str,
    document: &IdentityDocument,
    phone: &MobileNumber,
) -> Result<PersonRecord, onetrip_vault::VaultError> {
    let c = &security.cipher;
    let kind = document.kind().key();
    Ok(PersonRecord {
        name: name.to_string(),
        document_kind: kind.to_string(),
        document_sealed: c.seal("person.document", document.number())?,
        document_index: crate::auth::document_index(security, kind, document.number()),
        document_masked: document.masked(),
        phone_sealed: c.seal("person.phone", phone.as_str())?,
        phone_index: crate::auth::phone_index(security, phone),
        phone_masked: phone.masked(),
    })
}

/// Registers an applicant (self-registered assurance) and signs them in.
pub async fn register(
    state: &AppState,
    form: &Registration,
    source: IpAddr,
) -> Result<SignedIn, AppError> {
    let security = &state.security;
    security.limiter.take(source).map_err(AppError::TooMany)?;
    let name = PersonName::parse(&form.name).on_field("name")?;
    let kind = DocumentKind::from_key(&form.document_kind)
        .ok_or_else(|| AppError::invalid("document_kind", Message::new("invalid-document-kind")))?;
    let document =
        IdentityDocument::parse(kind, &form.document_number).on_field("document_number")?;
    if document
        .birth_date()
        .is_some_and(|b| b > state.clock.today())
    {
        return Err(AppError::invalid(
            "document_number",
            Message::new("invalid-document-future-birth"),
        ));
    }
    let phone = MobileNumber::parse(&form.phone).on_field("phone")?;
    security
        .policy
        .check(
            &form.password,
            &[document.number(), phone.as_str(), name.as_str()],
        )
        .on_field("password")?;
    let hash = {
        let _slot = tokio::time::timeout(HASHING_WAIT, security.hashing.acquire())
            .await
            .map_err(|_| AppError::Unavailable("password hashing is saturated".into()))?
            .map_err(|_| AppError::Unavailable("password hashing is closed".into()))?;
        let hasher = security.hasher.clone();
        let pw = form.password.clone();
        tokio::task::spawn_blocking(move || hasher.hash(&pw))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(e.to_string()))?
    };
    let login = crate::auth::applicant_login(security, kind.key(), document.number());
    let person = person_record(security, name.as_str(), &document, &phone)?;
    let now = state.clock.now();
    let created = state
        .store
        .create_account(
            NewAccount {
                kind: AccountKind::Applicant,
                login,
                display_name: name.to_string(),
                organization: None,
                password_hash: Some(hash),
                assurance: Assurance::SelfRegistered,
                person: Some(person),
                must_change_password: false,
            },
            record(
                now,
                source,
                AuditEvent::AccountCreated,
                None,
                Outcome::Success,
                "self-registration",
            ),
        )
        .await;
    let account = match created {
        Ok(a) => a,
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::conflict(
                "document_number",
                Message::new("conflict-document-registered"),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    signed_in(state, &account, source, "registration", false).await
}

/// Starts a complete session for an applicant and records the sign-in.
/// `on_device`: the sign-in came from a device the account signed in on before, so the
/// address it came from is not marked familiar (it may be one someone else guesses from).
pub(crate) async fn signed_in(
    state: &AppState,
    account: &Account,
    source: IpAddr,
    how: &str,
    on_device: bool,
) -> Result<SignedIn, AppError> {
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

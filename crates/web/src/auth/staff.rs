//! Staff administration, shared by the security administrator's pages, the API and the
//! CLI: accounts, grants, disabling, password and second-factor resets. Each change is
//! checked against the domain rules and journaled in the audit log with its actor.

use crate::error::{AppError, OnField};
use onetrip_domain::access::{admit, Grant, GrantError, Role};
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::auth::PasswordPolicy;
use onetrip_domain::clock::Clock;
use onetrip_domain::message::{Explain, Message};
use onetrip_domain::person::Assurance;
use onetrip_store::{
    Account, AccountKind, ApiToken, NewAccount, SharedStore, StoreError, StoredGrant,
};
use onetrip_vault::PasswordHasher;

/// Who acts, for the audit record.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Account id, or e.g. `cli` for the operator at the console.
    pub id: String,
    pub source: String,
}

impl Actor {
    fn record(
        &self,
        clock: &dyn Clock,
        event: AuditEvent,
        object: &str,
        detail: String,
    ) -> AuditRecord {
        AuditRecord {
            at: clock.now(),
            actor: Some(self.id.clone()),
            source: self.source.clone(),
            event,
            object: Some(object.to_string()),
            outcome: Outcome::Success,
            detail,
        }
    }
}

/// A new staff account.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct NewStaff {
    /// Login name: 3 to 32 letters, digits, `.`, `-` or `_`.
    pub login: String,
    pub name: String,
    /// Credit code of the department or code of the service place the person works for.
    pub organization: String,
    pub password: String,
}

/// Checks a staff login name.
pub fn check_login(login: &str) -> Result<(), AppError> {
    let ok = (3..=32).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid("login", Message::new("invalid-login")))
    }
}

pub struct StaffAdmin<'a> {
    pub store: &'a SharedStore,
    pub clock: &'a dyn Clock,
    pub hasher: &'a PasswordHasher,
    pub policy: &'a PasswordPolicy,
}

impl StaffAdmin<'_> {
    async fn hash(&self, password: &str, personal: &[&str]) -> Result<String, AppError> {
        self.policy.check(password, personal).on_field("password")?;
        let hasher = self.hasher.clone();
        let pw = password.to_string();
        tokio::task::spawn_blocking(move || hasher.hash(&pw))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// The staff account with this id; applicants and unknown ids are not found.
    pub async fn staff(&self, id: &str) -> Result<Account, AppError> {
        match self.store.account(id).await? {
            Some(a) if a.kind == AccountKind::Staff => Ok(a),
            _ => Err(AppError::NotFound(id.to_string())),
        }
    }

    pub async fn create(&self, actor: &Actor, new: &NewStaff) -> Result<Account, AppError> {
        check_login(&new.login)?;
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(AppError::invalid(
                "name",
                Message::new("invalid-staff-name"),
            ));
        }
        let org = new.organization.trim();
        if org.is_empty() {
            return Err(AppError::invalid(
                "organization",
                Message::new("invalid-organization"),
            ));
        }
        let hash = self.hash(&new.password, &[&new.login, name]).await?;
        let record = actor.record(
            self.clock,
            AuditEvent::AccountCreated,
            "",
            format!("staff {}", new.login),
        );
        match self
            .store
            .create_account(
                NewAccount {
                    kind: AccountKind::Staff,
                    login: new.login.clone(),
                    display_name: name.to_string(),
                    organization: Some(org.to_string()),
                    password_hash: Some(hash),
                    assurance: Assurance::InPerson,
                    person: None,
                },
                record,
            )
            .await
        {
            Ok(a) => Ok(a),
            Err(StoreError::Conflict(_)) => Err(AppError::conflict(
                "login",
                Message::new("conflict-login-taken").text("login", &new.login),
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn grant(
        &self,
        actor: &Actor,
        account_id: &str,
        grant: Grant,
    ) -> Result<StoredGrant, AppError> {
        let account = self.staff(account_id).await?;
        if onetrip_domain::DivisionCode::parse(&grant.division).is_err() {
            return Err(AppError::invalid(
                "division",
                Message::new("invalid-division"),
            ));
        }
        let existing: Vec<Grant> = self
            .store
            .grants_of(&account.id)
            .await?
            .into_iter()
            .map(|g| g.grant)
            .collect();
        admit(&existing, &grant).map_err(|e| match e {
            GrantError::SecondAdministrator | GrantError::Duplicate => {
                AppError::conflict("role", e.explain())
            }
            GrantError::AdministratorWithMatters => AppError::invalid("matters", e.explain()),
        })?;
        let detail = format!("{} @ {}", grant.role.key(), grant.division);
        let record = actor.record(self.clock, AuditEvent::GrantAdded, &account.id, detail);
        match self.store.add_grant(&account.id, &grant, record).await {
            Ok(g) => Ok(g),
            Err(StoreError::Conflict(_)) => Err(AppError::conflict(
                "role",
                GrantError::SecondAdministrator.explain(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn revoke(&self, actor: &Actor, grant_id: &str) -> Result<(), AppError> {
        let record = actor.record(
            self.clock,
            AuditEvent::GrantRevoked,
            grant_id,
            String::new(),
        );
        self.store.revoke_grant(grant_id, record).await?;
        Ok(())
    }

    pub async fn set_disabled(
        &self,
        actor: &Actor,
        account_id: &str,
        disabled: bool,
    ) -> Result<(), AppError> {
        let account = self.staff(account_id).await?;
        if disabled && account.id == actor.id {
            return Err(AppError::conflict(
                "account",
                Message::new("conflict-disable-self"),
            ));
        }
        let event = if disabled {
            AuditEvent::AccountDisabled
        } else {
            AuditEvent::AccountEnabled
        };
        let record = actor.record(self.clock, event, &account.id, String::new());
        self.store
            .set_disabled(&account.id, disabled, record)
            .await?;
        Ok(())
    }

    pub async fn reset_password(
        &self,
        actor: &Actor,
        account_id: &str,
        password: &str,
    ) -> Result<(), AppError> {
        let account = self.staff(account_id).await?;
        let hash = self
            .hash(password, &[&account.login, &account.display_name])
            .await?;
        let record = actor.record(
            self.clock,
            AuditEvent::PasswordChanged,
            &account.id,
            "reset by administrator".into(),
        );
        self.store.set_password(&account.id, &hash, record).await?;
        Ok(())
    }

    /// Removes the second factor: the next login enrols a new one.
    pub async fn reset_second_factor(
        &self,
        actor: &Actor,
        account_id: &str,
    ) -> Result<(), AppError> {
        let account = self.staff(account_id).await?;
        let record = actor.record(
            self.clock,
            AuditEvent::SecondFactorReset,
            &account.id,
            String::new(),
        );
        self.store.set_totp(&account.id, None, record).await?;
        Ok(())
    }
}

/// How long a token may be issued for, in days.
const TOKEN_DAYS: std::ops::RangeInclusive<u32> = 1..=3650;

/// The answer to a token lifetime outside [`TOKEN_DAYS`] or not a number.
pub fn bad_token_days(value: impl ToString) -> AppError {
    AppError::invalid(
        "days",
        Message::new("invalid-integer")
            .text("value", value.to_string())
            .number("min", *TOKEN_DAYS.start() as usize)
            .number("max", *TOKEN_DAYS.end() as usize),
    )
}

/// A new API token: the secret is shown once and only its hash is kept.
pub struct IssuedToken {
    pub id: String,
    pub token: String,
}

impl StaffAdmin<'_> {
    /// Issues a token for a staff account's own system, carrying the listed roles' grants.
    pub async fn issue_token(
        &self,
        actor: &Actor,
        account_id: &str,
        name: &str,
        scopes: Vec<String>,
        days: Option<u32>,
    ) -> Result<IssuedToken, AppError> {
        let account = self.staff(account_id).await?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(AppError::invalid(
                "name",
                Message::new("invalid-token-name"),
            ));
        }
        if let Some(bad) = scopes.iter().find(|s| Role::from_key(s).is_none()) {
            return Err(AppError::invalid(
                "scopes",
                Message::new("invalid-role").text("role", bad),
            ));
        }
        if days.is_some_and(|d| !TOKEN_DAYS.contains(&d)) {
            return Err(bad_token_days(days.unwrap_or_default()));
        }
        let token = format!("ot_{}", onetrip_vault::new_secret()?);
        let now = self.clock.now();
        let record = ApiToken {
            id: onetrip_store::new_id(),
            account_id: account.id.clone(),
            name: name.to_string(),
            token_hash: onetrip_vault::secret_hash(&token),
            scopes,
            created_at: now,
            expires_at: days.map(|d| now + chrono::Duration::days(i64::from(d))),
            revoked_at: None,
        };
        let id = record.id.clone();
        let audit = actor.record(
            self.clock,
            AuditEvent::TokenCreated,
            &account.id,
            name.into(),
        );
        self.store.create_token(record, audit).await?;
        Ok(IssuedToken { id, token })
    }

    /// The tokens of a staff account that still work (not revoked, not expired).
    pub async fn live_tokens(&self, account_id: &str) -> Result<Vec<ApiToken>, AppError> {
        let now = self.clock.now();
        Ok(self
            .store
            .tokens_of(account_id)
            .await?
            .into_iter()
            .filter(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > now))
            .collect())
    }

    pub async fn revoke_token(&self, actor: &Actor, token_id: &str) -> Result<(), AppError> {
        let audit = actor.record(
            self.clock,
            AuditEvent::TokenRevoked,
            token_id,
            String::new(),
        );
        self.store.revoke_token(token_id, audit).await?;
        Ok(())
    }
}

/// Parses a role key from a form or the CLI.
pub fn parse_role(key: &str) -> Result<Role, AppError> {
    Role::from_key(key.trim())
        .ok_or_else(|| AppError::invalid("role", Message::new("invalid-role").text("role", key)))
}

//! Staff administration, shared by the security administrator's pages, the API and the
//! CLI: accounts, grants, disabling, password and second-factor resets, tokens and
//! delegations. Every action passes [`StaffAdmin::allow`], which asks the domain's
//! [`Administrator`] rules (scope, self, the three administrators) and records a refusal in
//! the audit log; every change is journaled there with its actor.

use crate::error::{AppError, OnField};
use onetrip_domain::access::{
    admit, Administered, Administrator, Delegation, Grant, GrantError, Refusal, Role,
};
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::auth::PasswordPolicy;
use onetrip_domain::clock::Clock;
use onetrip_domain::message::{Explain, Message};
use onetrip_domain::person::Assurance;
use onetrip_domain::Division;
use onetrip_store::{
    Account, AccountKind, ApiToken, NewAccount, SharedStore, StoreError, StoredDelegation,
    StoredGrant,
};
use onetrip_vault::PasswordHasher;
use std::collections::{BTreeMap, HashMap};

/// Who acts: for the audit record and for the scope check.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Account id, or e.g. `cli` for the operator at the console.
    pub id: String,
    pub source: String,
    authority: Authority,
}

#[derive(Debug, Clone)]
enum Authority {
    Console,
    /// A signed-in account and the grants it acts with.
    Account(Vec<Grant>),
}

impl Actor {
    /// The operator at the server's console (`onetrip user ...`, demo seeding).
    pub fn console(id: &str, source: &str) -> Actor {
        Actor {
            id: id.to_string(),
            source: source.to_string(),
            authority: Authority::Console,
        }
    }

    /// A signed-in account acting with its grants.
    pub fn account(signed: &crate::auth::Signed) -> Actor {
        Actor {
            id: signed.account.id.clone(),
            source: signed.source.clone(),
            authority: Authority::Account(signed.grants.clone()),
        }
    }

    fn administrator(&self) -> Administrator<'_> {
        match &self.authority {
            Authority::Console => Administrator::Console,
            Authority::Account(grants) => Administrator::Account {
                id: &self.id,
                grants,
            },
        }
    }

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
    #[schema(pattern = "^[A-Za-z0-9._-]{3,32}$")]
    pub login: String,
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    /// Credit code of the department or code of the service place the person works for,
    /// within the administrator's divisions.
    #[schema(min_length = 1, max_length = 64)]
    pub organization: String,
    #[schema(min_length = 8, max_length = 128)]
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

/// A staff account with its live grants, as administration lists it.
#[derive(Debug, Clone)]
pub struct StaffEntry {
    pub account: Account,
    pub grants: Vec<StoredGrant>,
    /// The division of its organization, when the organization is in the catalog.
    pub division: Option<String>,
    /// Whether the acting administrator may change it.
    pub manageable: bool,
}

impl StaffEntry {
    fn plain_grants(&self) -> Vec<Grant> {
        self.grants.iter().map(|g| g.grant.clone()).collect()
    }
}

/// Divisions, and the division of every department and service place.
struct Directory {
    divisions: BTreeMap<String, Division>,
    departments: HashMap<String, String>,
    places: HashMap<String, String>,
}

impl Directory {
    /// The division of an organization staff may belong to (a department or a place).
    fn organization(&self, code: &str) -> Option<&str> {
        self.departments
            .get(code)
            .or_else(|| self.places.get(code))
            .map(String::as_str)
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

    async fn directory(&self) -> Result<Directory, AppError> {
        let divisions = self
            .store
            .divisions()
            .await?
            .into_iter()
            .map(|d| (d.code.to_string(), d))
            .collect();
        let departments = self
            .store
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.code.to_string(), d.division.to_string()))
            .collect();
        let places = self
            .store
            .places()
            .await?
            .into_iter()
            .map(|p| (p.code, p.division.to_string()))
            .collect();
        Ok(Directory {
            divisions,
            departments,
            places,
        })
    }

    fn entry(
        &self,
        actor: &Actor,
        dir: &Directory,
        account: Account,
        grants: Vec<StoredGrant>,
    ) -> StaffEntry {
        let division = account
            .organization
            .as_deref()
            .and_then(|o| dir.organization(o.trim()))
            .map(str::to_string);
        let mut entry = StaffEntry {
            account,
            grants,
            division,
            manageable: false,
        };
        let plain = entry.plain_grants();
        entry.manageable = actor
            .administrator()
            .may_manage(&administered(&entry, &plain), &dir.divisions)
            .is_ok();
        entry
    }

    /// The staff account with this id; applicants and unknown ids are not found.
    async fn load(&self, actor: &Actor, dir: &Directory, id: &str) -> Result<StaffEntry, AppError> {
        match self.store.account(id).await? {
            Some(a) if a.kind == AccountKind::Staff => {
                let grants = self.store.grants_of(&a.id).await?;
                Ok(self.entry(actor, dir, a, grants))
            }
            _ => Err(AppError::NotFound(id.to_string())),
        }
    }

    /// Lets the action through, or records the refusal (`access_denied`) and answers it:
    /// an object out of scope is not found, as if it did not exist.
    async fn allow(
        &self,
        actor: &Actor,
        verdict: Result<(), Refusal>,
        object: &str,
        action: &str,
    ) -> Result<(), AppError> {
        let Err(refusal) = verdict else {
            return Ok(());
        };
        match refusal {
            Refusal::UnknownDivision => {
                return Err(AppError::invalid("division", refusal.explain()))
            }
            Refusal::UnknownOrganization => {
                return Err(AppError::invalid("organization", refusal.explain()))
            }
            _ => {}
        }
        let answer = match refusal {
            Refusal::OutOfScope => AppError::NotFound(object.to_string()),
            _ => AppError::refused(refusal.explain()),
        };
        Err(self
            .deny(actor, object, format!("{action}: {refusal}"), answer)
            .await)
    }

    /// Records a refused action (`access_denied`) and gives the answer for it.
    async fn deny(
        &self,
        actor: &Actor,
        object: &str,
        detail: String,
        answer: AppError,
    ) -> AppError {
        let mut record = actor.record(self.clock, AuditEvent::AccessDenied, object, detail);
        record.outcome = Outcome::Denied;
        match self.store.append_audit(record).await {
            Ok(_) => answer,
            Err(e) => e.into(),
        }
    }

    /// The staff accounts the actor may see, by login, each marked whether it may change it.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<StaffEntry>, AppError> {
        let dir = self.directory().await?;
        let mut out = Vec::new();
        for account in self.store.staff_accounts().await? {
            let grants = self.store.grants_of(&account.id).await?;
            let entry = self.entry(actor, &dir, account, grants);
            let plain = entry.plain_grants();
            if actor
                .administrator()
                .may_see(&administered(&entry, &plain), &dir.divisions)
                .is_ok()
            {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// One staff account the actor may see.
    pub async fn view(&self, actor: &Actor, id: &str) -> Result<StaffEntry, AppError> {
        let dir = self.directory().await?;
        let entry = self.load(actor, &dir, id).await?;
        let plain = entry.plain_grants();
        let verdict = actor
            .administrator()
            .may_see(&administered(&entry, &plain), &dir.divisions);
        self.allow(actor, verdict, id, "view").await?;
        Ok(entry)
    }

    /// A staff account the actor may change.
    async fn manageable(
        &self,
        actor: &Actor,
        dir: &Directory,
        id: &str,
        action: &str,
    ) -> Result<StaffEntry, AppError> {
        let entry = self.load(actor, dir, id).await?;
        let plain = entry.plain_grants();
        let verdict = actor
            .administrator()
            .may_manage(&administered(&entry, &plain), &dir.divisions);
        self.allow(actor, verdict, id, action).await?;
        Ok(entry)
    }

    /// Creates a staff account whose owner replaces the password at first sign-in.
    pub async fn create(&self, actor: &Actor, new: &NewStaff) -> Result<Account, AppError> {
        self.create_with(actor, new, true).await
    }

    /// Creates a staff account; `must_change_password` is false only for the demo accounts,
    /// whose password the demo login page shows.
    pub async fn create_with(
        &self,
        actor: &Actor,
        new: &NewStaff,
        must_change_password: bool,
    ) -> Result<Account, AppError> {
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
        let dir = self.directory().await?;
        let verdict = actor
            .administrator()
            .may_create_in(dir.organization(org), &dir.divisions);
        self.allow(actor, verdict, org, "create staff").await?;
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
                    must_change_password,
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
        let dir = self.directory().await?;
        let entry = self.load(actor, &dir, account_id).await?;
        let existing = entry.plain_grants();
        let verdict = actor.administrator().may_grant(
            &administered(&entry, &existing),
            &grant,
            &dir.divisions,
            self.clock.today(),
        );
        self.allow(actor, verdict, account_id, "grant").await?;
        if let Some(bad) = self.unknown_matter(&grant.matters).await? {
            return Err(AppError::invalid(
                "matters",
                Message::new("invalid-matter").text("code", bad),
            ));
        }
        if let Err(e) = admit(&existing, &grant) {
            let detail = format!("grant {}: {e}", grant.role.key());
            return Err(self.deny(actor, account_id, detail, e.into()).await);
        }
        let detail = format!("{} @ {}", grant.role.key(), grant.division);
        let record = actor.record(self.clock, AuditEvent::GrantAdded, account_id, detail);
        match self.store.add_grant(account_id, &grant, record).await {
            Ok(g) => Ok(g),
            Err(StoreError::Conflict(k)) if k == "administrator_alone" => {
                Err(GrantError::AdministratorWithBusinessRole.into())
            }
            Err(StoreError::Conflict(_)) => Err(GrantError::SecondAdministrator.into()),
            Err(e) => Err(e.into()),
        }
    }

    /// The first listed base matter that is not in the catalog today.
    async fn unknown_matter(&self, matters: &[String]) -> Result<Option<String>, AppError> {
        let today = self.clock.today();
        for m in matters {
            if self.store.base_matter(m, today).await?.is_none() {
                return Ok(Some(m.clone()));
            }
        }
        Ok(None)
    }

    pub async fn revoke(&self, actor: &Actor, grant_id: &str) -> Result<(), AppError> {
        let Some(stored) = self.store.grant(grant_id).await? else {
            return Err(AppError::NotFound(grant_id.to_string()));
        };
        let dir = self.directory().await?;
        self.manageable(actor, &dir, &stored.account_id, "revoke grant")
            .await
            .map_err(|e| match e {
                AppError::NotFound(_) => AppError::NotFound(grant_id.to_string()),
                other => other,
            })?;
        let record = actor.record(
            self.clock,
            AuditEvent::GrantRevoked,
            grant_id,
            format!("{} @ {}", stored.grant.role.key(), stored.grant.division),
        );
        match self.store.revoke_grant(grant_id, record).await {
            Ok(()) => Ok(()),
            Err(e) => Err(self.kept(actor, grant_id, e).await),
        }
    }

    pub async fn set_disabled(
        &self,
        actor: &Actor,
        account_id: &str,
        disabled: bool,
    ) -> Result<(), AppError> {
        let dir = self.directory().await?;
        let action = if disabled { "disable" } else { "enable" };
        let entry = self.manageable(actor, &dir, account_id, action).await?;
        let event = if disabled {
            AuditEvent::AccountDisabled
        } else {
            AuditEvent::AccountEnabled
        };
        let record = actor.record(self.clock, event, &entry.account.id, String::new());
        match self
            .store
            .set_disabled(&entry.account.id, disabled, record)
            .await
        {
            Ok(()) => Ok(()),
            Err(e) => Err(self.kept(actor, account_id, e).await),
        }
    }

    /// The store's refusal to leave no security administrator, recorded and answered as a
    /// conflict; any other store error as it is.
    async fn kept(&self, actor: &Actor, object: &str, e: StoreError) -> AppError {
        match e {
            StoreError::Conflict(k) if k == "last_security_admin" => {
                let answer =
                    AppError::conflict("role", Message::new("conflict-last-security-admin"));
                let detail = "would leave no security administrator".to_string();
                self.deny(actor, object, detail, answer).await
            }
            other => other.into(),
        }
    }

    /// Sets a new password; the account's sessions end.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        account_id: &str,
        password: &str,
    ) -> Result<(), AppError> {
        let dir = self.directory().await?;
        let entry = self
            .manageable(actor, &dir, account_id, "reset password")
            .await?;
        let account = &entry.account;
        let hash = self
            .hash(password, &[&account.login, &account.display_name])
            .await?;
        let record = actor.record(
            self.clock,
            AuditEvent::PasswordChanged,
            &account.id,
            "reset by administrator".into(),
        );
        self.store
            .set_password(&account.id, &hash, None, record)
            .await?;
        Ok(())
    }

    /// Removes the second factor: the next login enrols a new one.
    pub async fn reset_second_factor(
        &self,
        actor: &Actor,
        account_id: &str,
    ) -> Result<(), AppError> {
        let dir = self.directory().await?;
        let entry = self
            .manageable(actor, &dir, account_id, "reset second factor")
            .await?;
        let record = actor.record(
            self.clock,
            AuditEvent::SecondFactorReset,
            &entry.account.id,
            String::new(),
        );
        self.store.set_totp(&entry.account.id, None, record).await?;
        Ok(())
    }
}

fn administered<'a>(entry: &'a StaffEntry, grants: &'a [Grant]) -> Administered<'a> {
    Administered {
        id: &entry.account.id,
        division: entry.division.as_deref(),
        grants,
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
    /// Issues a token to its holder, signed in with password and second factor (not with
    /// another token), for the holder's own system. The token carries only business roles
    /// the holder holds (never an administrator's), and loses any the holder loses later.
    pub async fn issue_own_token(
        &self,
        holder: &crate::auth::Signed,
        name: &str,
        scopes: Vec<String>,
        days: Option<u32>,
    ) -> Result<IssuedToken, AppError> {
        let actor = Actor::account(holder);
        if holder.session.is_none() || !holder.is_staff() {
            let answer = AppError::refused(Message::new("refused-token-needs-sign-in"));
            let detail = "token issued with a token".to_string();
            return Err(self.deny(&actor, &holder.account.id, detail, answer).await);
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(AppError::invalid(
                "name",
                Message::new("invalid-token-name"),
            ));
        }
        if scopes.is_empty() {
            return Err(AppError::invalid(
                "scopes",
                Message::new("invalid-token-scopes"),
            ));
        }
        let held = crate::auth::guard::effective(
            &holder.account.id,
            self.store.grants_of(&holder.account.id).await?,
        );
        let mut grant_ids = Vec::new();
        for scope in &scopes {
            let Some(role) = Role::from_key(scope) else {
                return Err(AppError::invalid(
                    "scopes",
                    Message::new("invalid-role").text("role", scope),
                ));
            };
            let refusal = if role.is_administrator() {
                Some(Message::new("invalid-token-scope-administrator"))
            } else if !held.iter().any(|g| g.grant.role == role) {
                Some(
                    Message::new("invalid-token-scope-not-held")
                        .label("role", format!("role-{scope}")),
                )
            } else {
                None
            };
            if let Some(message) = refusal {
                let answer = AppError::invalid("scopes", message);
                let detail = format!("token with role {scope}");
                return Err(self.deny(&actor, &holder.account.id, detail, answer).await);
            }
            grant_ids.extend(
                held.iter()
                    .filter(|g| g.grant.role == role)
                    .map(|g| g.id.clone()),
            );
        }
        if days.is_some_and(|d| !TOKEN_DAYS.contains(&d)) {
            return Err(bad_token_days(days.unwrap_or_default()));
        }
        let token = format!("ot_{}", onetrip_vault::new_secret()?);
        let now = self.clock.now();
        let record = ApiToken {
            id: onetrip_store::new_id(),
            account_id: holder.account.id.clone(),
            name: name.to_string(),
            token_hash: onetrip_vault::secret_hash(&token),
            scopes,
            grant_ids,
            created_at: now,
            expires_at: days.map(|d| now + chrono::Duration::days(i64::from(d))),
            revoked_at: None,
        };
        let id = record.id.clone();
        let audit = actor.record(
            self.clock,
            AuditEvent::TokenCreated,
            &holder.account.id,
            name.into(),
        );
        self.store.create_token(record, audit).await?;
        Ok(IssuedToken { id, token })
    }

    /// The tokens of an account that still work (not revoked, not expired).
    async fn live(&self, account_id: &str) -> Result<Vec<ApiToken>, AppError> {
        let now = self.clock.now();
        Ok(self
            .store
            .tokens_of(account_id)
            .await?
            .into_iter()
            .filter(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > now))
            .collect())
    }

    /// The live tokens of a staff account the actor may see.
    pub async fn live_tokens(
        &self,
        actor: &Actor,
        account_id: &str,
    ) -> Result<Vec<ApiToken>, AppError> {
        let account = self.view(actor, account_id).await?.account;
        self.live(&account.id).await
    }

    /// The caller's own live tokens.
    pub async fn own_tokens(&self, account_id: &str) -> Result<Vec<ApiToken>, AppError> {
        self.live(account_id).await
    }

    /// Revokes a token: the holder's own, or one of an account the actor may change.
    pub async fn revoke_token(&self, actor: &Actor, token_id: &str) -> Result<(), AppError> {
        let not_found = || AppError::NotFound(token_id.to_string());
        let Some(token) = self
            .store
            .token_by_id(token_id)
            .await?
            .filter(|t| t.revoked_at.is_none())
        else {
            return Err(not_found());
        };
        if token.account_id != actor.id {
            let dir = self.directory().await?;
            self.manageable(actor, &dir, &token.account_id, "revoke token")
                .await
                .map_err(|e| match e {
                    AppError::NotFound(_) => not_found(),
                    other => other,
                })?;
        }
        let audit = actor.record(
            self.clock,
            AuditEvent::TokenRevoked,
            token_id,
            String::new(),
        );
        self.store.revoke_token(token_id, audit).await?;
        Ok(())
    }

    /// Revokes one of the caller's own tokens; another's is not found (and the attempt
    /// recorded).
    pub async fn revoke_own_token(&self, actor: &Actor, token_id: &str) -> Result<(), AppError> {
        match self.store.token_by_id(token_id).await? {
            Some(t) if t.account_id == actor.id && t.revoked_at.is_none() => {
                self.revoke_token(actor, token_id).await
            }
            Some(t) if t.account_id != actor.id => {
                let answer = AppError::NotFound(token_id.to_string());
                let detail = "revoke another's token as one's own".to_string();
                Err(self.deny(actor, token_id, detail, answer).await)
            }
            _ => Err(AppError::NotFound(token_id.to_string())),
        }
    }
}

impl StaffAdmin<'_> {
    /// Whether the actor's scope reaches the delegating department and the place.
    fn delegation_in_scope(actor: &Actor, dir: &Directory, d: &Delegation) -> bool {
        let admin = actor.administrator();
        let reach = |division: Option<&String>| {
            division.is_some_and(|division| admin.covers(division, &dir.divisions))
        };
        reach(dir.departments.get(&d.department)) && reach(dir.places.get(&d.place))
    }

    /// Live delegations within the actor's scope.
    pub async fn delegations(&self, actor: &Actor) -> Result<Vec<StoredDelegation>, AppError> {
        let dir = self.directory().await?;
        Ok(self
            .store
            .delegations()
            .await?
            .into_iter()
            .filter(|d| Self::delegation_in_scope(actor, &dir, &d.delegation))
            .collect())
    }

    /// Lets a service place accept a department's matters; both must lie in scope.
    pub async fn add_delegation(
        &self,
        actor: &Actor,
        delegation: Delegation,
    ) -> Result<StoredDelegation, AppError> {
        let dir = self.directory().await?;
        if !dir.departments.contains_key(&delegation.department) {
            return Err(AppError::invalid(
                "department",
                Message::new("invalid-unknown-department").text("value", &delegation.department),
            ));
        }
        if !dir.places.contains_key(&delegation.place) {
            return Err(AppError::invalid(
                "place",
                Message::new("invalid-place").text("place", &delegation.place),
            ));
        }
        if let Some(bad) = self.unknown_matter(&delegation.matters).await? {
            return Err(AppError::invalid(
                "matters",
                Message::new("invalid-matter").text("code", bad),
            ));
        }
        let verdict = if Self::delegation_in_scope(actor, &dir, &delegation) {
            Ok(())
        } else {
            Err(Refusal::DivisionOutOfScope)
        };
        self.allow(actor, verdict, &delegation.department, "delegate")
            .await?;
        let record = actor.record(
            self.clock,
            AuditEvent::DelegationAdded,
            &delegation.department,
            format!("to {}", delegation.place),
        );
        Ok(self.store.add_delegation(&delegation, record).await?)
    }

    /// Ends a delegation within the actor's scope.
    pub async fn revoke_delegation(&self, actor: &Actor, id: &str) -> Result<(), AppError> {
        let dir = self.directory().await?;
        let found = self
            .store
            .delegations()
            .await?
            .into_iter()
            .find(|d| d.id == id);
        let verdict = match &found {
            Some(d) if Self::delegation_in_scope(actor, &dir, &d.delegation) => Ok(()),
            Some(_) => Err(Refusal::OutOfScope),
            None => return Err(AppError::NotFound(id.to_string())),
        };
        self.allow(actor, verdict, id, "revoke delegation").await?;
        let record = actor.record(self.clock, AuditEvent::DelegationRevoked, id, String::new());
        Ok(self.store.revoke_delegation(id, record).await?)
    }
}

/// Parses a role key from a form or the CLI.
pub fn parse_role(key: &str) -> Result<Role, AppError> {
    Role::from_key(key.trim())
        .ok_or_else(|| AppError::invalid("role", Message::new("invalid-role").text("role", key)))
}

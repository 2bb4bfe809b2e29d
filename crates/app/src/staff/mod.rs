//! Staff administration, shared by the security administrator's pages, the API and the
//! CLI: accounts, grants, disabling, password and second-factor resets, tokens and
//! delegations. Every action passes [`StaffAdmin::allow`], which asks the domain's
//! [`Administrator`] rules (scope, self, the three administrators) and records a refusal in
//! the audit log; every change is journaled there with its actor.

mod create;
mod delegations;
mod tokens;

pub use tokens::{bad_token_days, IssuedToken, TokenView, TOKEN_DAYS};

use crate::{Error, OnField};
use onetrip_domain::access::{admit, Administered, Administrator, Grant, Refusal, Role};
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::auth::PasswordPolicy;
use onetrip_domain::clock::Clock;
use onetrip_domain::message::{Explain, Message};
use onetrip_domain::Division;
use onetrip_store::{Account, AccountKind, Conflict, SharedStore, StoreError, StoredGrant};
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
    pub fn account(signed: &crate::Signed) -> Actor {
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
pub fn check_login(login: &str) -> Result<(), Error> {
    let ok = (3..=32).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("login", Message::new("invalid-login")))
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

impl crate::App {
    /// Staff administration by this app's store, clock and password rules.
    pub fn staff(&self) -> StaffAdmin<'_> {
        StaffAdmin {
            store: &self.store,
            clock: self.clock.as_ref(),
            hasher: &self.security.hasher,
            policy: &self.security.policy,
        }
    }
}

impl StaffAdmin<'_> {
    async fn hash(&self, password: &str, personal: &[&str]) -> Result<String, Error> {
        self.policy.check(password, personal).on_field("password")?;
        let hasher = self.hasher.clone();
        let pw = password.to_string();
        tokio::task::spawn_blocking(move || hasher.hash(&pw))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?
            .map_err(|e| Error::Internal(e.to_string()))
    }

    async fn directory(&self) -> Result<Directory, Error> {
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
    async fn load(&self, actor: &Actor, dir: &Directory, id: &str) -> Result<StaffEntry, Error> {
        match self.store.account(id).await? {
            Some(a) if a.kind == AccountKind::Staff => {
                let grants = self.store.grants_of(&a.id).await?;
                Ok(self.entry(actor, dir, a, grants))
            }
            _ => Err(Error::NotFound(id.to_string())),
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
    ) -> Result<(), Error> {
        let Err(refusal) = verdict else {
            return Ok(());
        };
        match refusal {
            Refusal::UnknownDivision => return Err(Error::invalid("division", refusal.explain())),
            Refusal::UnknownOrganization => {
                return Err(Error::invalid("organization", refusal.explain()))
            }
            _ => {}
        }
        let answer = match refusal {
            Refusal::OutOfScope => Error::NotFound(object.to_string()),
            _ => Error::refused(refusal.explain()),
        };
        Err(self
            .deny(actor, object, format!("{action}: {refusal}"), answer)
            .await)
    }

    /// Records a refused action (`access_denied`) and gives the answer for it.
    async fn deny(&self, actor: &Actor, object: &str, detail: String, answer: Error) -> Error {
        let mut record = actor.record(self.clock, AuditEvent::AccessDenied, object, detail);
        record.outcome = Outcome::Denied;
        match self.store.append_audit(record).await {
            Ok(_) => answer,
            Err(e) => e.into(),
        }
    }

    /// The staff accounts the actor may see, by login, each marked whether it may change it.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<StaffEntry>, Error> {
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
    pub async fn view(&self, actor: &Actor, id: &str) -> Result<StaffEntry, Error> {
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
    ) -> Result<StaffEntry, Error> {
        let entry = self.load(actor, dir, id).await?;
        let plain = entry.plain_grants();
        let verdict = actor
            .administrator()
            .may_manage(&administered(&entry, &plain), &dir.divisions);
        self.allow(actor, verdict, id, action).await?;
        Ok(entry)
    }

    pub async fn grant(
        &self,
        actor: &Actor,
        account_id: &str,
        grant: Grant,
    ) -> Result<StoredGrant, Error> {
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
            return Err(Error::invalid(
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
        Ok(self.store.add_grant(account_id, &grant, record).await?)
    }

    /// The first listed base matter that is not in the catalog today.
    async fn unknown_matter(&self, matters: &[String]) -> Result<Option<String>, Error> {
        let today = self.clock.today();
        for m in matters {
            if self.store.base_matter(m, today).await?.is_none() {
                return Ok(Some(m.clone()));
            }
        }
        Ok(None)
    }

    pub async fn revoke(&self, actor: &Actor, grant_id: &str) -> Result<(), Error> {
        let Some(stored) = self.store.grant(grant_id).await? else {
            return Err(Error::NotFound(grant_id.to_string()));
        };
        let dir = self.directory().await?;
        self.manageable(actor, &dir, &stored.account_id, "revoke grant")
            .await
            .map_err(|e| match e {
                Error::NotFound(_) => Error::NotFound(grant_id.to_string()),
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
    ) -> Result<(), Error> {
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
    async fn kept(&self, actor: &Actor, object: &str, e: StoreError) -> Error {
        match e {
            StoreError::Conflict(Conflict::LastSecurityAdmin) => {
                let answer = Error::conflict("role", Message::new("conflict-last-security-admin"));
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
    ) -> Result<(), Error> {
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
    pub async fn reset_second_factor(&self, actor: &Actor, account_id: &str) -> Result<(), Error> {
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

/// Parses a role key from a form or the CLI.
pub fn parse_role(key: &str) -> Result<Role, Error> {
    Role::from_key(key.trim())
        .ok_or_else(|| Error::invalid("role", Message::new("invalid-role").text("role", key)))
}

/// A role to grant, as a form or request gives it.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct GrantRequest {
    /// A role key, e.g. `window_clerk`, `approver`, `security_admin`.
    #[schema(value_type = crate::keys::RoleKey)]
    pub role: String,
    /// GB/T 2260 code of the top of the subtree, within the administrator's divisions.
    #[schema(pattern = "^[0-9]{6}([0-9]{3}){0,2}$")]
    pub division: String,
    /// 12-digit base catalog codes; empty means every matter.
    #[serde(default)]
    #[schema(inline, value_type = Vec<String>)]
    pub matters: Vec<String>,
    #[serde(default)]
    pub unmask: bool,
}

impl GrantRequest {
    /// The grant it asks for; an unknown role or a malformed division is a 422 naming it.
    pub fn grant(self) -> Result<Grant, Error> {
        Ok(Grant {
            role: parse_role(&self.role)?,
            division: onetrip_domain::DivisionCode::parse(self.division.trim())
                .on_field("division")?,
            matters: self.matters,
            unmask: self.unmask,
        })
    }
}

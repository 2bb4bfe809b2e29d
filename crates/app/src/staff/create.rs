//! New staff accounts: login, name and organization checked, the administrator's scope
//! over the organization asked, the password hashed unless it already is, and the account
//! journaled as created.

use super::{check_login, Actor, StaffAdmin};
use crate::Error;
use onetrip_domain::audit::AuditEvent;
use onetrip_domain::message::Message;
use onetrip_domain::person::Assurance;
use onetrip_store::{Account, AccountKind, Conflict, NewAccount, StoreError};

/// A new account's password, as given or already hashed.
enum Password<'a> {
    Plain(&'a str),
    Hashed(String),
}

impl StaffAdmin<'_> {
    /// Creates a staff account whose owner replaces the password at first sign-in.
    pub async fn create(&self, actor: &Actor, new: &super::NewStaff) -> Result<Account, Error> {
        self.create_with(actor, new, true).await
    }

    /// Creates a staff account; `must_change_password` is false only for the demo accounts,
    /// whose password the demo login page shows.
    pub async fn create_with(
        &self,
        actor: &Actor,
        new: &super::NewStaff,
        must_change_password: bool,
    ) -> Result<Account, Error> {
        self.create_account(
            actor,
            new,
            Password::Plain(&new.password),
            must_change_password,
        )
        .await
    }

    /// Creates a staff account whose password was hashed already (the demo's accounts
    /// share one hash), after the same checks.
    pub(crate) async fn create_hashed(
        &self,
        actor: &Actor,
        new: &super::NewStaff,
        hash: String,
    ) -> Result<Account, Error> {
        self.create_account(actor, new, Password::Hashed(hash), false)
            .await
    }

    async fn create_account(
        &self,
        actor: &Actor,
        new: &super::NewStaff,
        password: Password<'_>,
        must_change_password: bool,
    ) -> Result<Account, Error> {
        check_login(&new.login)?;
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(Error::invalid("name", Message::new("invalid-staff-name")));
        }
        let org = new.organization.trim();
        if org.is_empty() {
            return Err(Error::invalid(
                "organization",
                Message::new("invalid-organization"),
            ));
        }
        let dir = self.directory().await?;
        let verdict = actor
            .administrator()
            .may_create_in(dir.organization(org), &dir.divisions);
        self.allow(actor, verdict, org, "create staff").await?;
        let hash = match password {
            Password::Plain(p) => self.hash(p, &[&new.login, name]).await?,
            Password::Hashed(h) => h,
        };
        let record = actor.record(
            self.clock,
            AuditEvent::AccountCreated,
            "",
            format!("staff {}", new.login),
        );
        let made = self
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
            .await;
        match made {
            Ok(a) => Ok(a),
            Err(StoreError::Conflict(Conflict::Login)) => Err(Error::conflict(
                "login",
                Message::new("conflict-login-taken").text("login", &new.login),
            )),
            Err(e) => Err(e.into()),
        }
    }
}

//! Reading accounts: one's own, that of a person one acts for under a recorded
//! representation, or (security administrator) a staff account in scope. Personal numbers
//! are always masked here; someone else's account looks like nothing at all (404,
//! recorded).

use crate::staff::Actor;
use crate::{App, Error, Signed};
use onetrip_domain::access::{Grant, Permission};
use onetrip_domain::audit::{AuditEvent, Outcome};
use onetrip_store::AccountKind;
use serde::Serialize;
use utoipa::ToSchema;

/// An account as the API shows it: personal numbers masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    /// `applicant` or `staff`.
    pub kind: String,
    pub name: String,
    /// `self_registered`, `single_sign_on` or `in_person`.
    pub assurance: String,
    /// Staff only.
    pub login: Option<String>,
    pub organization: Option<String>,
    pub document_kind: Option<String>,
    /// e.g. 110105********002X.
    pub document_number: Option<String>,
    /// e.g. 138****5678.
    pub phone: Option<String>,
    pub disabled: bool,
    pub grants: Vec<GrantView>,
    /// The session's CSRF token (send it as `X-CSRF-Token` with cookie requests).
    pub csrf_token: Option<String>,
}

/// A grant as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantView {
    pub id: Option<String>,
    pub role: String,
    pub division: String,
    pub matters: Vec<String>,
    pub unmask: bool,
}

impl GrantView {
    pub fn of(id: Option<String>, g: &Grant) -> GrantView {
        GrantView {
            id,
            role: g.role.key().into(),
            division: g.division.to_string(),
            matters: g.matters.clone(),
            unmask: g.unmask,
        }
    }
}

impl App {
    /// An account by id, masked, with its live grants; no check of who asks.
    pub(crate) async fn account_view(&self, id: &str) -> Result<Option<AccountView>, Error> {
        let Some(a) = self.store.account(id).await? else {
            return Ok(None);
        };
        let person = self.store.person(&a.id).await?;
        let grants = self
            .store
            .grants_of(&a.id)
            .await?
            .iter()
            .map(|g| GrantView::of(Some(g.id.clone()), &g.grant))
            .collect();
        Ok(Some(AccountView {
            kind: a.kind.key().into(),
            name: a.display_name.clone(),
            assurance: a.assurance.key().into(),
            login: (a.kind == AccountKind::Staff).then(|| a.login.clone()),
            organization: a.organization.clone(),
            document_kind: person.as_ref().map(|p| p.document_kind.clone()),
            document_number: person.as_ref().map(|p| p.document_masked.clone()),
            phone: person.as_ref().map(|p| p.phone_masked.clone()),
            disabled: a.disabled_at.is_some(),
            grants,
            csrf_token: None,
            id: a.id,
        }))
    }

    /// The signed-in account, with its session's CSRF token.
    pub async fn me(&self, signed: &Signed) -> Result<AccountView, Error> {
        let mut view = self
            .account_view(&signed.account.id)
            .await?
            .ok_or(Error::Unauthorized)?;
        view.csrf_token = signed.session.as_ref().map(|s| s.csrf_token.clone());
        Ok(view)
    }

    /// One account as `signed` may read it: their own, a person they act for today, or a
    /// staff account the security administrator may see. Anything else is 404 and an
    /// `access_denied` record.
    pub async fn account(&self, signed: &Signed, id: &str) -> Result<AccountView, Error> {
        let view = self.account_view(id).await?;
        let allowed = match &view {
            Some(_) if id == signed.account.id => true,
            Some(v) if v.kind == "applicant" => self.acts_for_person(signed, id).await?,
            Some(v) if v.kind == "staff" && signed.holds(Permission::ManageStaff) => {
                self.staff().view(&Actor::account(signed), id).await?;
                true
            }
            _ => false,
        };
        match view {
            Some(v) if allowed => Ok(v),
            _ => {
                let mut record = signed.audit(
                    self.clock.now(),
                    AuditEvent::AccessDenied,
                    Some(format!("account {id}")),
                    Outcome::Denied,
                );
                record.detail = "not the caller's object".into();
                self.store.append_audit(record).await?;
                Err(Error::NotFound(format!("account {id}")))
            }
        }
    }

    /// The staff accounts in the security administrator's divisions, with their grants.
    pub async fn staff_views(&self, actor: &Actor) -> Result<Vec<AccountView>, Error> {
        let mut out = Vec::new();
        for e in self.staff().list(actor).await? {
            if let Some(v) = self.account_view(&e.account.id).await? {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// A staff account the actor just created or changed, as the API shows it.
    pub async fn staff_view(&self, id: &str) -> Result<AccountView, Error> {
        self.account_view(id)
            .await?
            .ok_or_else(|| Error::Internal("account vanished".into()))
    }
}

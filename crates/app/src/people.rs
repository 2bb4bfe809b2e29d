//! Applicants as window staff meet them: found by the exact document or phone number the
//! person shows at the window (never listed or browsed), checked in person, and shown in
//! full only to a grant that allows unmasking. Lookups, checks and unmasking are recorded.

use crate::App;
use crate::Signed;
use crate::{Error, OnField};
use onetrip_domain::access::Permission;
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::message::Message;
use onetrip_domain::person::{
    acts_for, Assurance, DocumentKind, IdentityDocument, MobileNumber, Principal,
};
use onetrip_store::{Account, AccountKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the clerk typed: a document (kind and number) or a mobile number.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Lookup {
    /// `resident_id_card` (default), `hk_macao_residence_permit`, `taiwan_residence_permit`,
    /// `foreign_permanent_residence` or `passport`.
    #[serde(default)]
    #[schema(value_type = Option<crate::keys::DocumentKindKey>)]
    pub document_kind: Option<String>,
    #[serde(default)]
    pub document_number: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// An applicant as staff see them: numbers masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonCard {
    pub id: String,
    pub name: String,
    pub document_kind: String,
    /// e.g. 110105********002X.
    pub document_number: String,
    /// e.g. 138****5678.
    pub phone: String,
    /// `self_registered`, `single_sign_on` or `in_person`.
    pub assurance: String,
    pub disabled: bool,
}

/// An applicant's numbers in full.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IdentityView {
    pub document_kind: String,
    pub document_number: String,
    pub phone: String,
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

async fn card(state: &App, account: Account) -> Result<Option<PersonCard>, Error> {
    let Some(person) = state.store.person(&account.id).await? else {
        return Ok(None);
    };
    Ok(Some(PersonCard {
        name: account.display_name,
        document_kind: person.document_kind,
        document_number: person.document_masked,
        phone: person.phone_masked,
        assurance: account.assurance.key().into(),
        disabled: account.disabled_at.is_some(),
        id: account.id,
    }))
}

/// The applicant with this id; staff accounts and unknown ids are not found.
async fn applicant(state: &App, id: &str) -> Result<Account, Error> {
    match state.store.account(id).await? {
        Some(a) if a.kind == AccountKind::Applicant => Ok(a),
        _ => Err(Error::NotFound(id.to_string())),
    }
}

/// Raises an account's identity assurance to `to`, never lowering it; `record` says who
/// and from where, and gets the new level as its detail. The account is updated in place.
pub(crate) async fn raise_assurance(
    state: &App,
    account: &mut Account,
    to: Assurance,
    mut record: AuditRecord,
) -> Result<(), Error> {
    if account.assurance >= to {
        return Ok(());
    }
    record.detail = to.key().into();
    state.store.set_assurance(&account.id, to, record).await?;
    account.assurance = to;
    Ok(())
}

/// One representation as the me page shows it, from either side.
#[derive(Debug, Clone)]
pub struct Relation {
    pub id: String,
    /// The signed-in person is the agent (else the principal).
    pub i_act: bool,
    pub capacity: &'static str,
    /// The other side: a name, or an organization's credit code.
    pub other: String,
    /// The other person's document number, masked.
    pub other_masked: String,
    pub until: Option<chrono::NaiveDate>,
}

impl App {
    /// The applicants the numbers name: one for a document, possibly several for a phone number
    /// a family shares. Each one found is recorded; so is a search that found nobody.
    pub async fn lookup(&self, signed: &Signed, query: &Lookup) -> Result<Vec<PersonCard>, Error> {
        let security = &self.security;
        let accounts: Vec<Account> = match (given(&query.document_number), given(&query.phone)) {
            (Some(number), _) => {
                let kind_key = given(&query.document_kind).unwrap_or("resident_id_card");
                let kind = DocumentKind::from_key(kind_key).ok_or_else(|| {
                    Error::invalid("document_kind", Message::new("invalid-document-kind"))
                })?;
                let document = IdentityDocument::parse(kind, number).on_field("document_number")?;
                let login =
                    crate::security::applicant_login(security, kind.key(), document.number());
                self.store
                    .account_by_login(&login)
                    .await?
                    .into_iter()
                    .collect()
            }
            (None, Some(phone)) => {
                let phone = MobileNumber::parse(phone).on_field("phone")?;
                self.store
                    .accounts_by_phone(&crate::security::phone_index(security, &phone))
                    .await?
            }
            (None, None) => {
                return Err(Error::invalid(
                    "document_number",
                    Message::new("invalid-lookup-empty"),
                ))
            }
        };
        let now = self.clock.now();
        let mut cards = Vec::new();
        for account in accounts
            .into_iter()
            .filter(|a| a.kind == AccountKind::Applicant)
        {
            self.store
                .append_audit(signed.audit(
                    now,
                    AuditEvent::PersonLookedUp,
                    Some(account.id.clone()),
                    Outcome::Success,
                ))
                .await?;
            if let Some(card) = card(self, account).await? {
                cards.push(card);
            }
        }
        if cards.is_empty() {
            self.store
                .append_audit(signed.audit(now, AuditEvent::PersonLookedUp, None, Outcome::Failure))
                .await?;
        }
        Ok(cards)
    }

    /// Whether the signed-in applicant acts for this person today under a recorded
    /// representation (a relative or a village agent, within its dates).
    pub async fn acts_for_person(&self, signed: &Signed, person_id: &str) -> Result<bool, Error> {
        let reps: Vec<_> = self
            .store
            .representations_of(&signed.account.id)
            .await?
            .into_iter()
            .map(|r| r.representation)
            .collect();
        Ok(acts_for(
            &reps,
            &signed.account.id,
            &Principal::Person(person_id.to_string()),
            self.clock.today(),
        ))
    }

    /// The card of the applicant a window clerk is serving (found by a lookup, or just
    /// registered), numbers masked.
    pub async fn person_card(&self, signed: &Signed, id: &str) -> Result<PersonCard, Error> {
        if !signed.is_staff() || !signed.holds(Permission::AcceptApplication) {
            return Err(Error::Forbidden);
        }
        let account = applicant(self, id).await?;
        card(self, account)
            .await?
            .ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// Records that the clerk checked the person's identity document at the window: the
    /// account's assurance becomes `in_person`. Checking again changes nothing.
    pub async fn verify_in_person(&self, signed: &Signed, id: &str) -> Result<PersonCard, Error> {
        let mut account = applicant(self, id).await?;
        let record = signed.audit(
            self.clock.now(),
            AuditEvent::AssuranceRaised,
            Some(account.id.clone()),
            Outcome::Success,
        );
        raise_assurance(self, &mut account, Assurance::InPerson, record).await?;
        card(self, account)
            .await?
            .ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// The applicant's card with the numbers in full, recorded as an unmasking.
    pub async fn unmask(&self, signed: &Signed, id: &str) -> Result<PersonCard, Error> {
        let account = applicant(self, id).await?;
        let person = self
            .store
            .person(&account.id)
            .await?
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        let c = &self.security.cipher;
        let document_number = c.open_field("person.document", &person.document_sealed)?;
        let phone = c.open_field("person.phone", &person.phone_sealed)?;
        self.store
            .append_audit(signed.audit(
                self.clock.now(),
                AuditEvent::Unmasked,
                Some(account.id.clone()),
                Outcome::Success,
            ))
            .await?;
        Ok(PersonCard {
            name: account.display_name,
            document_kind: person.document_kind,
            document_number,
            phone,
            assurance: account.assurance.key().into(),
            disabled: account.disabled_at.is_some(),
            id: account.id,
        })
    }

    /// The live representations of an applicant, both those they act in and those made for them.
    pub async fn relations(&self, account_id: &str) -> Result<Vec<Relation>, Error> {
        let mut out = Vec::new();
        for stored in self.store.representations_of(account_id).await? {
            let r = stored.representation;
            let i_act = r.agent == account_id;
            let other_id = match (&r.principal, i_act) {
                (Principal::Person(p), true) => Some(p.clone()),
                (Principal::Organization(_), true) => None,
                (_, false) => Some(r.agent.clone()),
            };
            let (other, other_masked) = match (other_id, &r.principal) {
                (Some(id), _) => {
                    let name = self
                        .store
                        .account(&id)
                        .await?
                        .map(|a| a.display_name)
                        .unwrap_or_default();
                    let masked = self
                        .store
                        .person(&id)
                        .await?
                        .map(|p| p.document_masked)
                        .unwrap_or_default();
                    (name, masked)
                }
                (None, Principal::Organization(code)) => (code.clone(), String::new()),
                (None, Principal::Person(_)) => (String::new(), String::new()),
            };
            out.push(Relation {
                id: stored.id,
                i_act,
                capacity: r.capacity.key(),
                other,
                other_masked,
                until: r.valid_until,
            });
        }
        Ok(out)
    }

    /// Withdraws a representation: either side may, and so may a window clerk. Anyone else
    /// gets "not found" and an access-denied record.
    pub async fn withdraw_representation(&self, signed: &Signed, id: &str) -> Result<(), Error> {
        let mine = self
            .store
            .representations_of(&signed.account.id)
            .await?
            .iter()
            .any(|r| r.id == id);
        if !(mine || signed.holds(Permission::AcceptApplication)) {
            let mut record = signed.audit(
                self.clock.now(),
                AuditEvent::AccessDenied,
                Some(format!("representation {id}")),
                Outcome::Denied,
            );
            record.detail = "not the caller's representation".into();
            self.store.append_audit(record).await?;
            return Err(Error::NotFound(format!("representation {id}")));
        }
        let record = signed.audit(
            self.clock.now(),
            AuditEvent::RepresentationRevoked,
            Some(id.to_string()),
            Outcome::Success,
        );
        self.store.revoke_representation(id, record).await?;
        Ok(())
    }
}

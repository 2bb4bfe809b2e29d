//! The window's other work: registering a walk-in person, taking back what an incomplete
//! application lacked, and finding the colleagues a task can go to.

use super::scope::not_yours;
use super::submit::FORM_CONTEXT;
use crate::{App, Error, OnField, Signed};
use onetrip_domain::access::Permission;
use onetrip_domain::audit::{AuditEvent, Outcome};
use onetrip_domain::case::intake::{self, FormData, MaterialsPresented, Presented};
use onetrip_domain::case::law::{received_on, OFFICE_CLOSES};
use onetrip_domain::catalog::form::FieldKind;
use onetrip_domain::message::Message;
use onetrip_domain::person::{acts_for, Principal};
use onetrip_domain::person::{Assurance, DocumentKind, IdentityDocument, MobileNumber, PersonName};
use onetrip_store::{Conflict, NewAccount, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Reads a submission's materials: each a presentation key.
pub(crate) fn presented(materials: &BTreeMap<String, String>) -> Result<MaterialsPresented, Error> {
    materials
        .iter()
        .map(|(k, v)| {
            Presented::from_key(v.trim())
                .map(|p| (k.clone(), p))
                .ok_or_else(|| {
                    Error::invalid(
                        "materials",
                        Message::new("case-presented-unknown").text("value", v),
                    )
                })
        })
        .collect()
}

impl App {
    /// Registers a person who walks in and has no account, their identity checked by the
    /// clerk in person; the new account's id.
    pub async fn register_at_window(
        &self,
        signed: &Signed,
        name: &str,
        document_kind: &str,
        document_number: &str,
        phone: &str,
    ) -> Result<String, Error> {
        if !signed.is_staff() || !signed.holds(Permission::AcceptApplication) {
            return Err(Error::Forbidden);
        }
        let name = PersonName::parse(name).on_field("name")?;
        let kind = DocumentKind::from_key(document_kind.trim()).ok_or_else(|| {
            Error::invalid("document_kind", Message::new("invalid-document-kind"))
        })?;
        let document =
            IdentityDocument::parse(kind, document_number).on_field("document_number")?;
        let phone = MobileNumber::parse(phone).on_field("phone")?;
        let login = crate::security::applicant_login(&self.security, kind.key(), document.number());
        let person =
            crate::register::person_record(&self.security, name.as_str(), &document, &phone)?;
        let record = signed.audit(
            self.clock.now(),
            AuditEvent::AccountCreated,
            None,
            Outcome::Success,
        );
        let new = NewAccount::applicant(login, person, None, Assurance::InPerson);
        match self.store.create_account(new, record).await {
            Ok(a) => Ok(a.id),
            Err(StoreError::Conflict(Conflict::Document | Conflict::Login)) => Err(
                Error::conflict("document_number", Message::new("case-person-registered")),
            ),
            Err(e) => Err(e.into()),
        }
    }

    /// The applicant brought what the complete notice listed: the case is received again
    /// with its new answers and materials, and checked again.
    pub async fn resubmit(
        &self,
        signed: &Signed,
        id: &str,
        form: &BTreeMap<String, String>,
        materials: &BTreeMap<String, String>,
    ) -> Result<super::Acted, Error> {
        let (case, standing) = self.case_for(signed, id).await?;
        if standing != super::scope::Standing::Window {
            return Err(super::scope::not_yours("case-not-your-window"));
        }
        let presented = presented(materials)?;
        let mut answers: FormData = form
            .iter()
            .map(|(k, v)| (k.clone(), v.trim().to_string()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let imp = self
            .pinned(&case.implementation_code, case.implementation_version)
            .await?;
        // Identity and phone numbers are shown masked, so a field left empty keeps its answer.
        let before = self.form_of(&case)?;
        for f in &imp.resolved.content.form {
            if matches!(f.kind, FieldKind::IdNumber | FieldKind::Phone)
                && !answers.contains_key(&f.key)
            {
                if let Some(v) = before.get(&f.key) {
                    answers.insert(f.key.clone(), v.clone());
                }
            }
        }
        let checked = intake::check(&imp.resolved.content, &answers, &presented).map_err(|e| {
            use onetrip_domain::message::Explain as _;
            Error::invalid(e.field(), e.explain())
        })?;
        let sealed = self.security.cipher.seal(
            FORM_CONTEXT,
            &serde_json::to_string(&answers).map_err(|e| Error::Internal(e.to_string()))?,
        )?;
        let received = received_on(self.clock.now(), OFFICE_CLOSES, &self.cases.calendar())
            .unwrap_or_else(|_| self.clock.today());
        self.apply_with_form(case, &signed.account.id, 1, Some(sealed), |doc, _, _| {
            doc.resubmitted(received, checked.clone(), presented.clone())
        })
        .await
    }

    /// Colleagues who could take a task of a case the caller holds: staff of the task's
    /// department holding its role over the case, except the caller.
    pub async fn colleagues(
        &self,
        signed: &Signed,
        id: &str,
        task: &str,
    ) -> Result<Vec<(String, String)>, Error> {
        let (case, _) = self.case_for(signed, id).await?;
        let Some(t) = case.doc.tasks.iter().find(|t| t.id == task) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for a in self.store.staff_accounts().await? {
            if a.id == signed.account.id
                || a.disabled_at.is_some()
                || a.organization.as_deref() != Some(t.department.as_str())
            {
                continue;
            }
            let grants = crate::principal::effective(&a.id, self.store.grants_of(&a.id).await?)
                .into_iter()
                .map(|g| g.grant)
                .collect();
            let other = Signed {
                account: a,
                grants,
                session: None,
                source: String::new(),
            };
            if self.may_take(&other, t, &case).await? {
                out.push((other.account.id.clone(), other.account.display_name.clone()));
            }
        }
        Ok(out)
    }
}

/// A matter the window may accept, for the picker.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatterChoice {
    pub code: String,
    pub name: String,
    pub department: String,
    pub department_name: String,
    pub division: String,
}

/// What the window's application form is generated from.
#[derive(Debug, Clone)]
pub struct ApplicationForm {
    pub matter: MatterChoice,
    pub fields: Vec<onetrip_domain::catalog::form::FormField>,
    pub materials: Vec<onetrip_domain::catalog::matter::Material>,
    /// The person applied for, if a person.
    pub person: Option<crate::people::PersonCard>,
    /// Representations in force for that person: (id, agent's name, capacity key).
    pub representations: Vec<(String, String, &'static str)>,
}

impl App {
    /// Every matter in force today that `signed` may accept at their window: their own
    /// department's, and those delegated to their service place.
    pub async fn acceptable_matters(&self, signed: &Signed) -> Result<Vec<MatterChoice>, Error> {
        if !signed.is_staff() || !signed.holds(Permission::AcceptApplication) {
            return Err(Error::Forbidden);
        }
        let scope = self.accept_scope(signed).await?;
        let departments: BTreeMap<String, String> = self
            .store
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.code.to_string(), d.short_name.unwrap_or(d.name)))
            .collect();
        let mut out: Vec<MatterChoice> = self
            .store
            .implementation_summaries(self.clock.today())
            .await?
            .into_iter()
            .filter(|s| scope.allows(&s.department, &s.base_code, &s.division))
            .map(|s| MatterChoice {
                department_name: departments.get(&s.department).cloned().unwrap_or_default(),
                code: s.code,
                name: s.name,
                department: s.department,
                division: s.division,
            })
            .collect();
        out.sort_by(|a, b| (&a.department_name, &a.name).cmp(&(&b.department_name, &b.name)));
        Ok(out)
    }

    /// The application form of a matter `signed` may accept, for `person` (an applicant's
    /// account id) if given.
    pub async fn application_form(
        &self,
        signed: &Signed,
        code: &str,
        person: Option<&str>,
    ) -> Result<ApplicationForm, Error> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Error::invalid(
                "matter",
                Message::new("case-matter-unknown").text("code", code),
            ));
        }
        let Some(matter) = self
            .acceptable_matters(signed)
            .await?
            .into_iter()
            .find(|m| m.code == code)
        else {
            return Err(
                match self.store.implementation(code, self.clock.today()).await? {
                    Some(_) => not_yours("case-not-your-matter"),
                    None => Error::invalid(
                        "matter",
                        Message::new("case-matter-unknown").text("code", code),
                    ),
                },
            );
        };
        let imp = self
            .store
            .implementation(&matter.code, self.clock.today())
            .await?
            .ok_or_else(|| Error::NotFound(format!("matter {code}")))?;
        let (person, representations) = match person {
            Some(id) => {
                let card = self.person_card(signed, id).await?;
                let mut reps = Vec::new();
                for r in self.store.representations_of(id).await? {
                    let rep = &r.representation;
                    let principal = Principal::Person(id.to_string());
                    if rep.principal == principal
                        && acts_for(
                            std::slice::from_ref(rep),
                            &rep.agent,
                            &principal,
                            self.clock.today(),
                        )
                    {
                        let agent = self
                            .store
                            .account(&rep.agent)
                            .await?
                            .map(|a| a.display_name)
                            .unwrap_or_default();
                        reps.push((r.id.clone(), agent, rep.capacity.key()));
                    }
                }
                (Some(card), reps)
            }
            None => (None, Vec::new()),
        };
        Ok(ApplicationForm {
            matter,
            fields: imp.resolved.content.form.clone(),
            materials: imp.resolved.content.materials.clone(),
            person,
            representations,
        })
    }
}

impl App {
    /// The form of an incomplete case with its answers so far (`f.KEY`; identity and phone
    /// numbers left empty, as they keep their answer) and materials (`m.ID`).
    pub async fn resubmission_form(
        &self,
        signed: &Signed,
        id: &str,
    ) -> Result<(ApplicationForm, BTreeMap<String, String>), Error> {
        let (case, standing) = self.case_for(signed, id).await?;
        if standing != super::scope::Standing::Window {
            return Err(not_yours("case-not-your-window"));
        }
        let imp = self
            .pinned(&case.implementation_code, case.implementation_version)
            .await?;
        let answers = self.form_of(&case)?;
        let content = &imp.resolved.content;
        let mut values = BTreeMap::new();
        for f in &content.form {
            if let Some(v) = answers.get(&f.key) {
                if !matches!(f.kind, FieldKind::IdNumber | FieldKind::Phone) {
                    values.insert(format!("f.{}", f.key), v.clone());
                }
            }
        }
        for (m, how) in &case.doc.presented {
            values.insert(format!("m.{m}"), how.key().to_string());
        }
        let departments = self.store.departments().await?;
        let department_name = departments
            .into_iter()
            .find(|d| d.code.as_str() == case.department)
            .map_or_else(
                || case.department.clone(),
                |d| d.short_name.unwrap_or(d.name),
            );
        Ok((
            ApplicationForm {
                matter: MatterChoice {
                    code: case.implementation_code.clone(),
                    name: imp.resolved.name.clone(),
                    department: case.department.clone(),
                    department_name,
                    division: case.division.clone(),
                },
                fields: content.form.clone(),
                materials: content.materials.clone(),
                person: None,
                representations: Vec::new(),
            },
            values,
        ))
    }
}

impl App {
    /// The name of the service place (or department) `signed` works at, for printed
    /// notices and decisions.
    pub async fn workplace(&self, signed: &Signed) -> Result<Option<String>, Error> {
        let Some(org) = signed.account.organization.as_deref() else {
            return Ok(None);
        };
        if let Some(p) = self
            .store
            .places()
            .await?
            .into_iter()
            .find(|p| p.code == org)
        {
            return Ok(Some(p.name));
        }
        Ok(self
            .store
            .departments()
            .await?
            .into_iter()
            .find(|d| d.code.as_str() == org)
            .map(|d| d.name))
    }
}

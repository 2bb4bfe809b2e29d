//! Submitting an application: at a window by a clerk (for a walk-in person, or for a person
//! an agent applies for under a recorded representation), or through the API by a
//! department's system. The matter's version in force is pinned; the form and materials are
//! checked against it at once, so an incomplete submission is told everything missing; a
//! retried submission with the same idempotency key returns the same case.

use super::scope::not_yours;
use super::view::GapView;
use crate::{App, Error, OnField, Signed};
use onetrip_domain::case::consent::Consent;
use onetrip_domain::case::intake::{self, FormData};
use onetrip_domain::case::journal::JournalEntry;
use onetrip_domain::case::law::{received_on, OFFICE_CLOSES};
use onetrip_domain::case::lifecycle::DeliveryMethod;
use onetrip_domain::case::{CaseDoc, CaseState};
use onetrip_domain::chain;
use onetrip_domain::message::Message;
use onetrip_domain::person::{acts_for, DocumentKind, IdentityDocument, Principal};
use onetrip_domain::CreditCode;
use onetrip_store::{AccountKind, NewApplication, NewCase};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Who applies: an applicant's account, their identity document, or an organization.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ApplicantRef {
    #[serde(default)]
    pub account_id: Option<String>,
    /// With `document_number`: `resident_id_card` unless given.
    #[serde(default)]
    #[schema(value_type = Option<crate::keys::DocumentKindKey>)]
    pub document_kind: Option<String>,
    #[serde(default)]
    #[schema(max_length = 40)]
    pub document_number: Option<String>,
    /// An organization's unified social credit code.
    #[serde(default)]
    #[schema(pattern = "^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub organization: Option<String>,
}

/// One application, for one matter.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ApplicationRequest {
    /// The implementation code (实施编码) of the matter.
    #[schema(min_length = 1, max_length = 64)]
    pub matter: String,
    pub applicant: ApplicantRef,
    /// The recorded authority an agent applies under (a relative, a village agent).
    #[serde(default)]
    pub representation_id: Option<String>,
    /// The form's answers, by field key.
    #[serde(default)]
    pub form: BTreeMap<String, String>,
    /// Each material by id: `original`, `copy`, `electronic`, `missing` or `commitment`.
    #[serde(default)]
    pub materials: BTreeMap<String, String>,
    /// A retried request with the same key returns the same application.
    #[serde(default)]
    #[schema(max_length = 128)]
    pub idempotency_key: Option<String>,
    /// How the result is to reach the applicant: `window` (default), `electronic` or `post`.
    #[serde(default)]
    pub delivery: Option<String>,
    /// The postal address, for `post`.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub delivery_address: Option<String>,
    /// What the applicant consented to: `data_sharing` (departments fetch shared data and
    /// electronic certificates instead of asking for paper), `electronic_delivery` (needed
    /// for `delivery: electronic`), `notifications` (messages about the case).
    #[serde(default)]
    #[schema(value_type = Vec<crate::keys::ConsentKey>)]
    pub consents: Vec<String>,
}

/// A case as a submission answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseBrief {
    pub id: String,
    pub number: String,
    /// `submitted` until the window decides.
    pub state: String,
    /// Everything missing or wrong; empty when complete.
    pub gaps: Vec<GapView>,
}

/// What a submission stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Submitted {
    pub application_id: String,
    /// A retried submission: nothing new was stored.
    pub existing: bool,
    pub cases: Vec<CaseBrief>,
}

/// Where the form's answers are sealed.
pub(crate) const FORM_CONTEXT: &str = "case.form";

impl App {
    /// The account an applicant reference names.
    async fn applicant(
        &self,
        who: &ApplicantRef,
    ) -> Result<(Option<String>, Option<String>), Error> {
        let unknown = || Error::invalid("applicant", Message::new("case-applicant-unknown"));
        if let Some(code) = who
            .organization
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let code = CreditCode::parse(code).on_field("applicant.organization")?;
            return Ok((None, Some(code.to_string())));
        }
        let account = if let Some(id) = who.account_id.as_deref() {
            self.store.account(id).await?
        } else if let Some(number) = who.document_number.as_deref() {
            let kind_key = who.document_kind.as_deref().unwrap_or("resident_id_card");
            let kind = DocumentKind::from_key(kind_key).ok_or_else(|| {
                Error::invalid(
                    "applicant.document_kind",
                    Message::new("invalid-document-kind"),
                )
            })?;
            let document =
                IdentityDocument::parse(kind, number).on_field("applicant.document_number")?;
            let login =
                crate::security::applicant_login(&self.security, kind.key(), document.number());
            let generation = self.store.auth_generation();
            if let Some(id) = self.cases.applicants.get(&login, generation) {
                return Ok((Some(id), None));
            }
            let found = self.store.account_by_login(&login).await?;
            if let Some(a) = found
                .as_ref()
                .filter(|a| a.kind == AccountKind::Applicant && a.disabled_at.is_none())
            {
                self.cases.applicants.put(login, generation, a.id.clone());
            }
            found
        } else {
            None
        };
        match account {
            Some(a) if a.kind == AccountKind::Applicant && a.disabled_at.is_none() => {
                Ok((Some(a.id), None))
            }
            _ => Err(unknown()),
        }
    }

    /// Submits one application with its case.
    pub async fn submit(
        &self,
        signed: &Signed,
        req: &ApplicationRequest,
    ) -> Result<Submitted, Error> {
        self.submit_as(signed, req, None, None).await
    }

    /// Submits, recording `channel` instead of the one the caller's sign-in implies (the
    /// demo's window work has no session); a submitted `draft` is deleted with it and its
    /// files go to the case.
    pub(crate) async fn submit_as(
        &self,
        signed: &Signed,
        req: &ApplicationRequest,
        channel: Option<&'static str>,
        draft: Option<&str>,
    ) -> Result<Submitted, Error> {
        let now = self.clock.now();
        let today = self.clock.today();
        let imp = self.in_force(req.matter.trim()).await?.ok_or_else(|| {
            Error::invalid(
                "matter",
                Message::new("case-matter-unknown").text("code", &req.matter),
            )
        })?;
        let r = &imp.resolved;
        let department = r.implementation.department.to_string();
        let division = r.implementation.division.clone();
        let base = r.base_code.to_string();
        let (applicant_id, organization) = self.applicant(&req.applicant).await?;
        let implied = if signed.is_staff() {
            if !self
                .may_accept_matter(signed, &department, &base, division.as_str())
                .await?
            {
                return Err(not_yours("case-not-your-matter"));
            }
            if signed.session.is_some() {
                "window"
            } else {
                "api"
            }
        } else {
            "online"
        };
        let channel = channel.unwrap_or(implied);
        let representation = match req.representation_id.as_deref() {
            Some(rep) => Some(
                self.representation_for(
                    signed,
                    rep,
                    applicant_id.as_deref(),
                    organization.as_deref(),
                )
                .await?,
            ),
            None if !signed.is_staff()
                && applicant_id.as_deref() != Some(signed.account.id.as_str()) =>
            {
                return Err(not_yours("case-not-your-application"));
            }
            None => None,
        };
        let (representation_id, agent) = representation.unzip();
        let consents = Consent::parse_all(&req.consents).map_err(|bad| {
            Error::invalid(
                "consents",
                Message::new("case-consent-unknown").text("value", bad),
            )
        })?;
        let materials = super::window::presented(&req.materials)?;
        let form: FormData = req
            .form
            .iter()
            .map(|(k, v)| (k.clone(), v.trim().to_string()))
            .collect();
        let checked = intake::check(&r.content, &form, &materials).map_err(|e| {
            use onetrip_domain::message::Explain as _;
            Error::invalid(e.field(), e.explain())
        })?;
        let delivery = match req
            .delivery
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            None => DeliveryMethod::Window,
            Some(d) => DeliveryMethod::from_key(d).ok_or_else(|| {
                Error::invalid(
                    "delivery",
                    Message::new("case-delivery-unknown").text("value", d),
                )
            })?,
        };
        let address = match (
            delivery,
            req.delivery_address
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty()),
        ) {
            (DeliveryMethod::Post, None) => {
                return Err(Error::invalid(
                    "delivery_address",
                    Message::new("case-address-required"),
                ))
            }
            (DeliveryMethod::Electronic, _) if !consents.contains(&Consent::ElectronicDelivery) => {
                return Err(Error::invalid(
                    "consents",
                    Message::new("case-consent-electronic-delivery"),
                ))
            }
            (_, a) => a
                .map(|a| self.security.cipher.seal("case.address", a))
                .transpose()?,
        };
        let cal = self.cases.calendar();
        let received = received_on(now, OFFICE_CLOSES, &cal).unwrap_or(today);
        let mut doc = CaseDoc::received(received, checked);
        doc.presented = materials;
        let case_id = onetrip_store::new_id();
        let number = self.next_case_number(&division, today).await?;
        let journal = JournalEntry {
            case_id: case_id.clone(),
            seq: 1,
            at: now,
            actor: signed.account.id.clone(),
            action: "submit".into(),
            before: CaseState::Submitted.key().into(),
            after: CaseState::Submitted.key().into(),
            task: None,
            note: channel.into(),
        };
        let hash = chain::to_hex(&journal.hash_after(&[0; 32]));
        let sealed_form = self.security.cipher.seal(
            FORM_CONTEXT,
            &serde_json::to_string(&form).map_err(|e| Error::Internal(e.to_string()))?,
        )?;
        let gaps = doc.intake.gaps.iter().map(GapView::from).collect();
        let case = NewCase {
            id: case_id.clone(),
            number: number.to_string(),
            implementation_code: r.implementation.code.to_string(),
            implementation_version: imp.info.version,
            base_code: base,
            department,
            division: division.to_string(),
            channel: channel.into(),
            form: sealed_form,
            doc,
            due_on: None,
            tasks: Vec::new(),
            journal,
            hash,
            // Coming to a window to apply is the applicant's choice: one visit is allowed then.
            visits_allowed: i64::from(r.content.visits).max(i64::from(channel == "window")),
        };
        let application = NewApplication {
            id: onetrip_store::new_id(),
            submitted_by: signed.account.id.clone(),
            applicant_id,
            organization,
            representation_id,
            channel: channel.into(),
            place: signed
                .account
                .organization
                .clone()
                .filter(|_| signed.is_staff()),
            idempotency_key: req.idempotency_key.clone().filter(|k| !k.trim().is_empty()),
            document: serde_json::json!({
                "delivery": delivery.key(),
                "address": address,
                "agent": agent,
                "consents": consents.iter().map(|c| c.key()).collect::<Vec<_>>(),
            }),
            visits: i64::from(channel == "window"),
            at: now,
            draft_id: draft.map(str::to_string),
        };
        let (application_id, existing) = self.store.submit(application, vec![case.clone()]).await?;
        let cases = if existing {
            self.store
                .cases_of_application(&application_id)
                .await?
                .into_iter()
                .map(|c| CaseBrief {
                    gaps: c.doc.intake.gaps.iter().map(GapView::from).collect(),
                    id: c.id,
                    number: c.number,
                    state: c.state.key().into(),
                })
                .collect()
        } else {
            vec![CaseBrief {
                id: case.id,
                number: case.number,
                state: CaseState::Submitted.key().into(),
                gaps,
            }]
        };
        Ok(Submitted {
            application_id,
            existing,
            cases,
        })
    }

    /// The representation an agent applies under: live, in force today, for this principal,
    /// and (online) held by the caller as agent.
    async fn representation_for(
        &self,
        signed: &Signed,
        id: &str,
        applicant: Option<&str>,
        organization: Option<&str>,
    ) -> Result<(String, String), Error> {
        let principal = match (applicant, organization) {
            (Some(a), _) => Principal::Person(a.to_string()),
            (None, Some(o)) => Principal::Organization(o.to_string()),
            (None, None) => {
                return Err(Error::invalid(
                    "applicant",
                    Message::new("case-applicant-unknown"),
                ))
            }
        };
        let bad = || {
            Error::invalid(
                "representation_id",
                Message::new("case-representation-not-in-force"),
            )
        };
        let holder = if signed.is_staff() {
            None
        } else {
            Some(signed.account.id.as_str())
        };
        let reps = match holder {
            Some(agent) => self.store.representations_of(agent).await?,
            None => match applicant {
                Some(a) => self.store.representations_of(a).await?,
                None => return Err(bad()),
            },
        };
        let rep = reps.into_iter().find(|r| r.id == id).ok_or_else(bad)?;
        let agent = rep.representation.agent.clone();
        if holder.is_some_and(|h| h != agent) {
            return Err(bad());
        }
        if acts_for(
            &[rep.representation],
            &agent,
            &principal,
            self.clock.today(),
        ) {
            Ok((rep.id, agent))
        } else {
            Err(bad())
        }
    }
}

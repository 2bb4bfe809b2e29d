//! Applying online: an applicant (or an agent under a representation in force) opens a
//! draft for a matter accepted online, answers its form over as many visits and devices as
//! they like, uploads files for its materials, sees everything still missing at once, and
//! submits. Drafts are their owner's alone; anyone else finds nothing.

use super::submit::FORM_CONTEXT;
use super::view::GapView;
use super::{ApplicantRef, ApplicationRequest, MatterChoice, Submitted};
use crate::{App, Error, Signed};
use chrono::{DateTime, Utc};
use onetrip_domain::case::consent::Consent;
use onetrip_domain::case::intake::{self, holds, FormData, Presented};
use onetrip_domain::catalog::form::FormField;
use onetrip_domain::catalog::matter::Material;
use onetrip_domain::codes::{Channel, OnlineDepth};
use onetrip_domain::message::{Explain as _, Message};
use onetrip_domain::person::{acts_for, Principal};
use onetrip_store::{PublishedImplementation, StoredAttachment, StoredDraft};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// A file uploaded for a material.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: String,
    pub material_id: String,
    /// The name it was uploaded with.
    pub name: String,
    /// `application/pdf`, `image/jpeg` or `image/png`, as read from the content.
    pub content_type: String,
    pub size: i64,
}

/// A material of a draft, with its files.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftMaterial {
    pub id: String,
    pub name: String,
    pub required: bool,
    /// Files can be uploaded for it (it is not paper only).
    pub uploadable: bool,
    /// The department fetches it from shared data or the certificate library, with the
    /// applicant's consent: nothing to upload.
    pub shared: bool,
    pub deficiency_allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub files: Vec<AttachmentView>,
}

/// A draft as its pages show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftView {
    pub id: String,
    pub matter: MatterChoice,
    /// The name of the person applied for.
    pub applicant: String,
    /// The caller applies for someone else, under a representation.
    pub for_someone_else: bool,
    /// The form's fields that apply to the answers so far.
    #[schema(value_type = Vec<Object>)]
    pub fields: Vec<FormField>,
    pub answers: BTreeMap<String, String>,
    /// The materials that apply to the answers so far.
    pub materials: Vec<DraftMaterial>,
    /// `window`, `electronic` or `post`.
    pub delivery: String,
    pub delivery_address: Option<String>,
    pub consents: Vec<String>,
    /// Everything still missing or wrong, all at once (the complete notice's list).
    pub gaps: Vec<GapView>,
    pub updated_at: DateTime<Utc>,
}

/// Answers and choices to save into a draft; omitted parts stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DraftUpdate {
    /// Answers by field key; an empty answer clears it.
    #[serde(default)]
    pub form: BTreeMap<String, String>,
    /// `window`, `electronic` or `post`.
    #[serde(default)]
    pub delivery: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub delivery_address: Option<String>,
    /// Replaces the consents given (`data_sharing`, `electronic_delivery`, `notifications`).
    #[serde(default)]
    #[schema(value_type = Option<Vec<crate::keys::ConsentKey>>)]
    pub consents: Option<Vec<String>>,
}

/// Where to open a new draft.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewDraft {
    /// The implementation code of the matter.
    #[schema(min_length = 1, max_length = 64)]
    pub matter: String,
    /// Apply for someone else under this representation (the caller is its agent).
    #[serde(default)]
    pub representation_id: Option<String>,
}

/// A matter an applicant cannot apply for online, and what to do instead.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotOnline {
    pub matter: MatterChoice,
    /// `information_only` or `online_pre_check`.
    pub depth: String,
    /// The materials to bring, by name.
    pub bring: Vec<String>,
    /// The service places that accept it, by name.
    pub places: Vec<String>,
}

/// The draft document's keys.
const DELIVERY: &str = "delivery";
const ADDRESS: &str = "address";
const CONSENTS: &str = "consents";

impl App {
    /// The matter a draft may be opened for: in force and accepted online.
    pub async fn online_matter(
        &self,
        code: &str,
    ) -> Result<Result<Arc<PublishedImplementation>, NotOnline>, Error> {
        let imp = self.in_force(code.trim()).await?.ok_or_else(|| {
            Error::invalid(
                "matter",
                Message::new("case-matter-unknown").text("code", code),
            )
        })?;
        let r = &imp.resolved;
        let online = r.content.online_depth.level() >= OnlineDepth::OnlineAcceptance.level()
            && r.implementation.channels.contains(&Channel::Online);
        if online {
            return Ok(Ok(imp));
        }
        let places = self.store.places().await?;
        let depth = if r.implementation.channels.contains(&Channel::Online) {
            r.content.online_depth
        } else {
            OnlineDepth::InformationOnly
        };
        Ok(Err(NotOnline {
            matter: self.matter_choice(&imp).await?,
            depth: depth.key().into(),
            bring: r
                .content
                .materials
                .iter()
                .filter(|m| m.required && m.when.is_none())
                .map(|m| m.name.clone())
                .collect(),
            places: r
                .implementation
                .places
                .iter()
                .filter_map(|code| places.iter().find(|p| p.code == *code))
                .map(|p| p.name.clone())
                .collect(),
        }))
    }

    /// The matter as pickers and headings show it.
    pub async fn matter_choice(
        &self,
        imp: &PublishedImplementation,
    ) -> Result<MatterChoice, Error> {
        let r = &imp.resolved;
        let department = r.implementation.department.to_string();
        let department_name = self.department_name(&department).await?;
        Ok(MatterChoice {
            code: r.implementation.code.to_string(),
            name: r.name.clone(),
            department,
            department_name,
            division: r.implementation.division.to_string(),
        })
    }

    /// Opens a draft for the caller (or, under a representation the caller holds, for the
    /// person represented); its id.
    pub async fn start_draft(&self, signed: &Signed, new: &NewDraft) -> Result<String, Error> {
        if signed.is_staff() {
            return Err(super::scope::not_yours("draft-applicants-only"));
        }
        let imp = match self.online_matter(&new.matter).await? {
            Ok(imp) => imp,
            Err(_) => {
                return Err(Error::invalid(
                    "matter",
                    Message::new("draft-not-online").text("code", &new.matter),
                ))
            }
        };
        let (applicant_id, representation_id) = match new
            .representation_id
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            None => (signed.account.id.clone(), None),
            Some(rep) => (self.principal_of(signed, rep).await?, Some(rep.to_string())),
        };
        let now = self.clock.now();
        let id = onetrip_store::new_id();
        let form = self.security.cipher.seal(FORM_CONTEXT, "{}")?;
        self.store
            .create_application_draft(StoredDraft {
                id: id.clone(),
                account_id: signed.account.id.clone(),
                applicant_id,
                representation_id,
                implementation_code: imp.resolved.implementation.code.to_string(),
                form,
                document: serde_json::json!({ DELIVERY: "window", CONSENTS: ["notifications"] }),
                created_at: now,
                updated_at: now,
            })
            .await?;
        Ok(id)
    }

    /// The people the caller may apply for today, under representations they hold as
    /// agent: (representation id, the person's name).
    pub async fn agent_for(&self, signed: &Signed) -> Result<Vec<(String, String)>, Error> {
        let today = self.clock.today();
        let mut out = Vec::new();
        for r in self.store.representations_of(&signed.account.id).await? {
            let rep = &r.representation;
            if rep.agent != signed.account.id
                || !acts_for(std::slice::from_ref(rep), &rep.agent, &rep.principal, today)
            {
                continue;
            }
            if let Principal::Person(p) = &rep.principal {
                if let Some(a) = self.store.account(p).await? {
                    out.push((r.id.clone(), a.display_name));
                }
            }
        }
        Ok(out)
    }

    /// The person a representation the caller holds as agent is for, if in force today.
    async fn principal_of(&self, signed: &Signed, rep: &str) -> Result<String, Error> {
        let bad = || {
            Error::invalid(
                "representation_id",
                Message::new("case-representation-not-in-force"),
            )
        };
        let found = self
            .store
            .representations_of(&signed.account.id)
            .await?
            .into_iter()
            .find(|r| r.id == rep && r.representation.agent == signed.account.id)
            .ok_or_else(bad)?;
        match &found.representation.principal {
            Principal::Person(p)
                if acts_for(
                    std::slice::from_ref(&found.representation),
                    &signed.account.id,
                    &found.representation.principal,
                    self.clock.today(),
                ) =>
            {
                Ok(p.clone())
            }
            _ => Err(bad()),
        }
    }

    /// The caller's own draft; anyone else's is not found, and the attempt is recorded.
    pub(crate) async fn own_draft(&self, signed: &Signed, id: &str) -> Result<StoredDraft, Error> {
        let found = self.store.application_draft(id).await?;
        match found {
            Some(d) if d.account_id == signed.account.id => Ok(d),
            found => {
                let detail = if found.is_some() {
                    "another account's draft"
                } else {
                    "no such draft"
                };
                self.record_denied(signed, format!("draft {id}"), detail.to_string())
                    .await?;
                Err(Error::NotFound(format!("draft {id}")))
            }
        }
    }

    fn answers_of(&self, draft: &StoredDraft) -> Result<FormData, Error> {
        let json = self.security.cipher.open_field(FORM_CONTEXT, &draft.form)?;
        serde_json::from_str(&json).map_err(|e| Error::Internal(format!("draft form: {e}")))
    }

    /// The caller's draft, with everything still missing.
    pub async fn draft_view(&self, signed: &Signed, id: &str) -> Result<DraftView, Error> {
        let draft = self.own_draft(signed, id).await?;
        self.view_draft(draft).await
    }

    async fn view_draft(&self, draft: StoredDraft) -> Result<DraftView, Error> {
        let imp = self.online_draft_matter(&draft).await?;
        let content = &imp.resolved.content;
        let answers = self.answers_of(&draft)?;
        let files = self.store.draft_attachments(&draft.id).await?;
        let consents = doc_list(&draft.document, CONSENTS);
        let sharing = consents.iter().any(|c| c == Consent::DataSharing.key());
        let mut materials = Vec::new();
        for m in content
            .materials
            .iter()
            .filter(|m| holds(&m.when, &answers))
        {
            let mut mine = Vec::new();
            for f in files.iter().filter(|f| f.material_id == m.id) {
                mine.push(self.attachment_view(f)?);
            }
            materials.push(DraftMaterial {
                id: m.id.clone(),
                name: m.name.clone(),
                required: m.required,
                uploadable: m.form != onetrip_domain::codes::MaterialForm::Paper,
                shared: sharing && fetched(m),
                deficiency_allowed: m.deficiency_allowed,
                note: m.note.clone().or_else(|| m.source_note.clone()),
                files: mine,
            });
        }
        let presented = presented_of(&materials);
        let gaps = intake::check(content, &answers, &presented)
            .map_err(|e| Error::invalid(e.field(), e.explain()))?
            .gaps
            .iter()
            .map(GapView::from)
            .collect();
        let applicant = self
            .store
            .account(&draft.applicant_id)
            .await?
            .map(|a| a.display_name)
            .unwrap_or_default();
        let address = draft
            .document
            .get(ADDRESS)
            .and_then(|a| a.as_str())
            .map(|a| self.security.cipher.open_field("case.address", a))
            .transpose()?;
        Ok(DraftView {
            id: draft.id.clone(),
            matter: self.matter_choice(&imp).await?,
            applicant,
            for_someone_else: draft.representation_id.is_some(),
            fields: content
                .form
                .iter()
                .filter(|f| holds(&f.when, &answers))
                .cloned()
                .collect(),
            answers,
            materials,
            delivery: draft
                .document
                .get(DELIVERY)
                .and_then(|d| d.as_str())
                .unwrap_or("window")
                .into(),
            delivery_address: address,
            consents,
            gaps,
            updated_at: draft.updated_at,
        })
    }

    /// The matter of a draft, at the version in force now (a draft pins nothing until it
    /// is submitted).
    async fn online_draft_matter(
        &self,
        draft: &StoredDraft,
    ) -> Result<Arc<PublishedImplementation>, Error> {
        self.online_matter(&draft.implementation_code)
            .await?
            .map_err(|_| {
                Error::refused(
                    Message::new("draft-not-online").text("code", &draft.implementation_code),
                )
            })
    }

    pub(crate) fn attachment_view(&self, a: &StoredAttachment) -> Result<AttachmentView, Error> {
        Ok(AttachmentView {
            id: a.id.clone(),
            material_id: a.material_id.clone(),
            name: self
                .security
                .cipher
                .open_field("attachment.name", &a.name)?,
            content_type: a.content_type.clone(),
            size: a.size,
        })
    }

    /// Saves answers and choices into the caller's draft; the draft as it is now.
    pub async fn update_draft(
        &self,
        signed: &Signed,
        id: &str,
        update: &DraftUpdate,
    ) -> Result<DraftView, Error> {
        let mut draft = self.own_draft(signed, id).await?;
        let imp = self.online_draft_matter(&draft).await?;
        let content = &imp.resolved.content;
        let mut answers = self.answers_of(&draft)?;
        for (key, value) in &update.form {
            let Some(field) = content.form.iter().find(|f| &f.key == key) else {
                return Err(Error::invalid(
                    key,
                    Message::new("invalid-unknown-field").text("key", key),
                ));
            };
            let value = value.trim();
            if value.chars().count() > 500 {
                return Err(Error::invalid(
                    &format!("form.{key}"),
                    Message::new("draft-answer-too-long").text("field", &field.label),
                ));
            }
            if value.is_empty() {
                answers.remove(key);
            } else {
                answers.insert(key.clone(), value.to_string());
            }
        }
        let doc = draft
            .document
            .as_object_mut()
            .ok_or_else(|| Error::Internal("draft document".into()))?;
        if let Some(d) = update.delivery.as_deref().map(str::trim) {
            if onetrip_domain::case::DeliveryMethod::from_key(d).is_none() {
                return Err(Error::invalid(
                    "delivery",
                    Message::new("case-delivery-unknown").text("value", d),
                ));
            }
            doc.insert(DELIVERY.into(), d.into());
        }
        if let Some(a) = update.delivery_address.as_deref().map(str::trim) {
            if a.is_empty() {
                doc.remove(ADDRESS);
            } else {
                let sealed = self.security.cipher.seal("case.address", a)?;
                doc.insert(ADDRESS.into(), sealed.into());
            }
        }
        if let Some(list) = &update.consents {
            let parsed = Consent::parse_all(list).map_err(|bad| {
                Error::invalid(
                    "consents",
                    Message::new("case-consent-unknown").text("value", bad),
                )
            })?;
            let keys: Vec<&str> = parsed.iter().map(|c| c.key()).collect();
            doc.insert(CONSENTS.into(), serde_json::json!(keys));
        }
        let json = serde_json::to_string(&answers).map_err(|e| Error::Internal(e.to_string()))?;
        draft.form = self.security.cipher.seal(FORM_CONTEXT, &json)?;
        draft.updated_at = self.clock.now();
        self.store
            .save_application_draft(
                &draft.id,
                draft.form.clone(),
                draft.document.clone(),
                draft.updated_at,
            )
            .await?;
        self.view_draft(draft).await
    }

    /// Deletes the caller's draft and its files.
    pub async fn discard_draft(&self, signed: &Signed, id: &str) -> Result<(), Error> {
        let draft = self.own_draft(signed, id).await?;
        let files = self.store.draft_attachments(&draft.id).await?;
        self.store.delete_application_draft(&draft.id).await?;
        for f in files {
            self.forget_object(&f.hash).await;
        }
        Ok(())
    }

    /// The caller's drafts, the latest changed first: (id, matter name, last change).
    pub async fn my_drafts(
        &self,
        signed: &Signed,
    ) -> Result<Vec<(String, String, DateTime<Utc>)>, Error> {
        let mut out = Vec::new();
        for d in self.store.application_drafts_of(&signed.account.id).await? {
            let name = match self.in_force(&d.implementation_code).await? {
                Some(imp) => imp.resolved.name.clone(),
                None => d.implementation_code.clone(),
            };
            out.push((d.id, name, d.updated_at));
        }
        Ok(out)
    }

    /// Submits the caller's draft once nothing is missing; the draft is gone afterwards and
    /// its files belong to the case.
    pub async fn submit_draft(&self, signed: &Signed, id: &str) -> Result<Submitted, Error> {
        let draft = self.own_draft(signed, id).await?;
        let view = self.view_draft(draft.clone()).await?;
        if !view.gaps.is_empty() {
            return Err(Error::invalid(
                "draft",
                Message::new("draft-incomplete").number("count", view.gaps.len()),
            ));
        }
        let req = ApplicationRequest {
            matter: draft.implementation_code.clone(),
            applicant: ApplicantRef {
                account_id: Some(draft.applicant_id.clone()),
                ..ApplicantRef::default()
            },
            representation_id: draft.representation_id.clone(),
            form: view.answers.clone(),
            materials: presented_of(&view.materials)
                .into_iter()
                .map(|(k, p)| (k, p.key().to_string()))
                .collect(),
            idempotency_key: Some(format!("draft:{}", draft.id)),
            delivery: Some(view.delivery.clone()),
            delivery_address: view.delivery_address.clone(),
            consents: view.consents.clone(),
        };
        self.submit_as(signed, &req, None, Some(&draft.id)).await
    }
}

/// What the department fetches itself when the applicant consents to data sharing.
fn fetched(m: &Material) -> bool {
    m.source.is_reusable()
}

/// How a draft's materials count as presented: uploaded or shared ones are electronic.
fn presented_of(materials: &[DraftMaterial]) -> BTreeMap<String, Presented> {
    materials
        .iter()
        .filter(|m| !m.files.is_empty() || m.shared)
        .map(|m| (m.id.clone(), Presented::Electronic))
        .collect()
}

fn doc_list(doc: &serde_json::Value, key: &str) -> Vec<String> {
    doc.get(key)
        .and_then(|c| c.as_array())
        .map(|c| {
            c.iter()
                .filter_map(|k| k.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

//! Files for materials: uploaded into a draft or a case returned for correction (checked by content, named by hash, stored
//! before their record so that no record points at nothing), removed again, and read back
//! only by the applicant, their representatives in force, and staff with scope over the
//! case.

use super::online::AttachmentView;
use crate::{App, Error, Signed};
use bytes::Bytes;
use onetrip_domain::case::upload;
use onetrip_domain::chain;
use onetrip_domain::message::{Explain as _, Message};
use onetrip_store::StoredAttachment;

/// What a file is uploaded into.
enum Owner<'a> {
    Draft(&'a str),
    Case(&'a str),
}

/// A file as uploaded.
struct File<'a> {
    material_id: &'a str,
    name: &'a str,
    content: Bytes,
}

impl App {
    /// Uploads one file for a material of the caller's draft.
    pub async fn upload(
        &self,
        signed: &Signed,
        draft_id: &str,
        material_id: &str,
        name: &str,
        content: Bytes,
    ) -> Result<AttachmentView, Error> {
        let draft = self.own_draft(signed, draft_id).await?;
        let imp = self
            .in_force(&draft.implementation_code)
            .await?
            .ok_or_else(|| {
                Error::refused(
                    Message::new("draft-not-online").text("code", &draft.implementation_code),
                )
            })?;
        let files = self.store.draft_attachments(&draft.id).await?;
        let to = Owner::Draft(&draft.id);
        let file = File {
            material_id,
            name,
            content,
        };
        self.store_file(signed, &imp.resolved.content, &files, to, file)
            .await
    }

    /// Uploads one file for a material of a case of the caller's that was returned for
    /// correction.
    pub async fn upload_correction(
        &self,
        signed: &Signed,
        case_id: &str,
        material_id: &str,
        name: &str,
        content: Bytes,
    ) -> Result<AttachmentView, Error> {
        let (case, _) = self.party_case(signed, case_id).await?;
        if case.state != onetrip_domain::case::CaseState::Correction {
            return Err(onetrip_domain::case::CaseError::WrongState(case.state).into());
        }
        let file = File {
            material_id,
            name,
            content,
        };
        self.store_case_file(signed, &case, file).await
    }

    /// Uploads one file for a material of a case at the window: a page from the window's
    /// document camera, or a file the applicant brought on a phone.
    pub async fn upload_at_window(
        &self,
        signed: &Signed,
        case_id: &str,
        material_id: &str,
        name: &str,
        content: Bytes,
    ) -> Result<AttachmentView, Error> {
        let (case, standing) = self.case_for(signed, case_id).await?;
        if standing != super::scope::Standing::Window {
            return Err(super::scope::not_yours("case-not-your-window"));
        }
        if case.state.is_final() {
            return Err(onetrip_domain::case::CaseError::WrongState(case.state).into());
        }
        let file = File {
            material_id,
            name,
            content,
        };
        self.store_case_file(signed, &case, file).await
    }

    /// Stores a file for a case, checked against the material of the version it pinned.
    async fn store_case_file(
        &self,
        signed: &Signed,
        case: &onetrip_store::StoredCase,
        file: File<'_>,
    ) -> Result<AttachmentView, Error> {
        let imp = self
            .pinned(&case.implementation_code, case.implementation_version)
            .await?;
        let files = self.store.case_attachments(&case.id).await?;
        let to = Owner::Case(&case.id);
        self.store_file(signed, &imp.resolved.content, &files, to, file)
            .await
    }

    /// Checks a file against its material and what is there already, stores the content
    /// under its hash, then its record (the content alone is forgotten if that fails).
    async fn store_file(
        &self,
        signed: &Signed,
        content: &onetrip_domain::catalog::matter::Content,
        files: &[StoredAttachment],
        to: Owner<'_>,
        file: File<'_>,
    ) -> Result<AttachmentView, Error> {
        let material = content
            .materials
            .iter()
            .find(|m| m.id == file.material_id)
            .ok_or_else(|| {
                Error::invalid(
                    "material",
                    Message::new("invalid-unknown-material").text("key", file.material_id),
                )
            })?;
        let total: usize = files
            .iter()
            .map(|f| usize::try_from(f.size).unwrap_or(0))
            .sum();
        let count = files
            .iter()
            .filter(|f| f.material_id == material.id)
            .count();
        let (name, kind) = upload::check(material, file.name, &file.content, total, count)
            .map_err(|e| Error::invalid("file", e.explain()))?;
        let hash = chain::to_hex(&chain::digest(&file.content));
        let size = i64::try_from(file.content.len()).unwrap_or(i64::MAX);
        self.objects.put(&hash, file.content).await?;
        let (draft_id, case_id) = match to {
            Owner::Draft(d) => (Some(d.to_string()), None),
            Owner::Case(c) => (None, Some(c.to_string())),
        };
        let record = StoredAttachment {
            id: onetrip_store::new_id(),
            draft_id,
            case_id,
            uploaded_by: signed.account.id.clone(),
            material_id: material.id.clone(),
            name: self.security.cipher.seal("attachment.name", &name)?,
            content_type: kind.mime().into(),
            size,
            hash: hash.clone(),
            created_at: self.clock.now(),
        };
        if let Err(e) = self.store.add_attachment(record.clone()).await {
            self.forget_object(&hash).await;
            return Err(e.into());
        }
        self.attachment_view(&record)
    }

    /// Removes a file from the caller's draft.
    pub async fn remove_upload(
        &self,
        signed: &Signed,
        draft_id: &str,
        attachment_id: &str,
    ) -> Result<(), Error> {
        let draft = self.own_draft(signed, draft_id).await?;
        let found = self
            .store
            .attachment(attachment_id)
            .await?
            .filter(|a| a.draft_id.as_deref() == Some(draft.id.as_str()))
            .ok_or_else(|| Error::NotFound(format!("attachment {attachment_id}")))?;
        self.store.remove_attachment(&found.id, &draft.id).await?;
        self.forget_object(&found.hash).await;
        Ok(())
    }

    /// Deletes a stored object nothing names any more; a failure is logged, not raised
    /// (the object is unreachable either way).
    pub(crate) async fn forget_object(&self, hash: &str) {
        match self.store.object_in_use(hash).await {
            Ok(false) => {
                if let Err(e) = self.objects.delete(hash).await {
                    tracing::warn!(error = %e, "an unused attachment could not be deleted");
                }
            }
            Ok(true) => {}
            Err(e) => tracing::warn!(error = %e, "attachment use could not be checked"),
        }
    }

    /// A file and its content, for the applicant, their representatives in force, or
    /// staff with scope over its case; anyone else finds nothing, and it is recorded.
    pub async fn attachment_file(
        &self,
        signed: &Signed,
        id: &str,
    ) -> Result<(AttachmentView, Bytes), Error> {
        let found = self.store.attachment(id).await?;
        let allowed = match &found {
            None => false,
            Some(a) if a.uploaded_by == signed.account.id && a.draft_id.is_some() => true,
            Some(a) => match &a.case_id {
                Some(case) if signed.is_staff() => self.case_for(signed, case).await.is_ok(),
                Some(case) => self.party_case(signed, case).await.is_ok(),
                None => false,
            },
        };
        match found {
            Some(a) if allowed => {
                let content = self.objects.get(&a.hash).await?;
                Ok((self.attachment_view(&a)?, content))
            }
            found => {
                // A case the caller may not see was recorded by the case check already.
                if found.as_ref().is_none_or(|a| a.case_id.is_none()) {
                    self.record_denied(
                        signed,
                        format!("attachment {id}"),
                        "not the caller's".to_string(),
                    )
                    .await?;
                }
                Err(Error::NotFound(format!("attachment {id}")))
            }
        }
    }
}

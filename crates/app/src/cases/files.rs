//! Files for materials: uploaded into a draft (checked by content, named by hash, stored
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
        let material = imp
            .resolved
            .content
            .materials
            .iter()
            .find(|m| m.id == material_id)
            .ok_or_else(|| {
                Error::invalid(
                    "material",
                    Message::new("invalid-unknown-material").text("key", material_id),
                )
            })?;
        let files = self.store.draft_attachments(&draft.id).await?;
        let total: usize = files
            .iter()
            .map(|f| usize::try_from(f.size).unwrap_or(0))
            .sum();
        let count = files
            .iter()
            .filter(|f| f.material_id == material_id)
            .count();
        let (name, kind) = upload::check(material, name, &content, total, count)
            .map_err(|e| Error::invalid("file", e.explain()))?;
        let hash = chain::to_hex(&chain::digest(&content));
        let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
        self.objects.put(&hash, content).await?;
        let record = StoredAttachment {
            id: onetrip_store::new_id(),
            draft_id: Some(draft.id.clone()),
            case_id: None,
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
                    self.access_denied(signed, format!("attachment {id}"), "not the caller's")
                        .await?;
                }
                Err(Error::NotFound(format!("attachment {id}")))
            }
        }
    }

    /// The files of a case the caller may see.
    pub async fn case_files(
        &self,
        signed: &Signed,
        case_id: &str,
    ) -> Result<Vec<AttachmentView>, Error> {
        let case = if signed.is_staff() {
            self.case_for(signed, case_id).await?.0
        } else {
            self.party_case(signed, case_id).await?.0
        };
        self.store
            .case_attachments(&case.id)
            .await?
            .iter()
            .map(|a| self.attachment_view(a))
            .collect()
    }
}

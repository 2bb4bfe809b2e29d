//! [`OnlineStore`]: drafts an applicant fills in over several visits, and the records of
//! files uploaded for materials (the files themselves are in [`crate::objects`]).

use crate::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A draft application, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDraft {
    pub id: String,
    /// Who fills it in: the applicant, or an agent for them.
    pub account_id: String,
    /// The person applied for.
    pub applicant_id: String,
    /// The authority an agent applies under.
    pub representation_id: Option<String>,
    pub implementation_code: String,
    /// The answers so far, sealed.
    pub form: String,
    /// Delivery, consents and where the applicant got to, as JSON.
    pub document: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A file uploaded for a material: of a draft until it is submitted, then of the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    pub id: String,
    pub draft_id: Option<String>,
    pub case_id: Option<String>,
    pub uploaded_by: String,
    pub material_id: String,
    /// The name it was uploaded with, sealed (names often carry a person's name).
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// The SM3 hash of the content, which names the stored object.
    pub hash: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait OnlineStore: Send + Sync {
    async fn create_application_draft(&self, draft: StoredDraft) -> Result<(), StoreError>;
    async fn application_draft(&self, id: &str) -> Result<Option<StoredDraft>, StoreError>;
    /// An account's drafts, the latest changed first.
    async fn application_drafts_of(&self, account_id: &str)
        -> Result<Vec<StoredDraft>, StoreError>;
    /// Saves a draft's answers and document; `NotFound` when it is gone (submitted).
    async fn save_application_draft(
        &self,
        id: &str,
        form: String,
        document: serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Deletes a draft with its files' records.
    async fn delete_application_draft(&self, id: &str) -> Result<(), StoreError>;
    async fn add_attachment(&self, attachment: StoredAttachment) -> Result<(), StoreError>;
    /// Removes a file from a draft; `NotFound` unless it is that draft's.
    async fn remove_attachment(&self, id: &str, draft_id: &str) -> Result<(), StoreError>;
    async fn attachment(&self, id: &str) -> Result<Option<StoredAttachment>, StoreError>;
    async fn draft_attachments(&self, draft_id: &str) -> Result<Vec<StoredAttachment>, StoreError>;
    async fn case_attachments(&self, case_id: &str) -> Result<Vec<StoredAttachment>, StoreError>;
    /// When the account last read its cases.
    async fn cases_seen(&self, account_id: &str) -> Result<Option<DateTime<Utc>>, StoreError>;
    async fn mark_cases_seen(&self, account_id: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Whether any record still names a stored object (before the object is deleted).
    async fn object_in_use(&self, hash: &str) -> Result<bool, StoreError>;
}

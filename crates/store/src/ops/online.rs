//! [`OnlineStore`]: drafts and the records of uploaded files.

use crate::online::{OnlineStore, StoredAttachment, StoredDraft};
use crate::sql::{all, changed, first, id, json, json_of, opt_id, Conn, Executor, Row};
use crate::store::{run, SqlStore};
use crate::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};

const DRAFT: &str = "SELECT id, account_id, applicant_id, representation_id, implementation_code,
    form, CAST(document AS TEXT) AS document, created_at, updated_at FROM draft";

const ATTACHMENT: &str = "SELECT id, draft_id, case_id, uploaded_by, material_id, name,
    content_type, size, hash, created_at FROM attachment";

fn draft(r: &dyn Row) -> Result<StoredDraft, StoreError> {
    Ok(StoredDraft {
        id: r.id("id")?,
        account_id: r.id("account_id")?,
        applicant_id: r.id("applicant_id")?,
        representation_id: r.opt_id("representation_id")?,
        implementation_code: r.text("implementation_code")?,
        form: r.text("form")?,
        document: json_of(r, "document")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

fn attachment(r: &dyn Row) -> Result<StoredAttachment, StoreError> {
    Ok(StoredAttachment {
        id: r.id("id")?,
        draft_id: r.opt_id("draft_id")?,
        case_id: r.opt_id("case_id")?,
        uploaded_by: r.text("uploaded_by")?,
        material_id: r.text("material_id")?,
        name: r.text("name")?,
        content_type: r.text("content_type")?,
        size: r.int("size")?,
        hash: r.text("hash")?,
        created_at: r.time("created_at")?,
    })
}

/// Moves a submitted draft's files to its case and deletes the draft, in the submission's
/// transaction; `NotFound` when the draft is gone (submitted twice at once).
pub(crate) async fn draft_submitted(
    c: &mut dyn Conn,
    draft_id: &str,
    case_id: &str,
) -> Result<(), StoreError> {
    let sql = "UPDATE attachment SET case_id = $1, draft_id = NULL WHERE draft_id = $2";
    c.execute(sql, &[id(case_id), id(draft_id)]).await?;
    let n = c
        .execute("DELETE FROM draft WHERE id = $1", &[id(draft_id)])
        .await?;
    changed(n, "draft")
}

#[async_trait]
impl<E: Executor> OnlineStore for SqlStore<E> {
    async fn create_application_draft(&self, d: StoredDraft) -> Result<(), StoreError> {
        let doc = d.document.to_string();
        run!(self.write, |c| {
            let sql = "INSERT INTO draft (id, account_id, applicant_id, representation_id,
                implementation_code, form, document, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
            let args = [
                id(&d.id),
                id(&d.account_id),
                id(&d.applicant_id),
                opt_id(d.representation_id.as_deref()),
                (&d.implementation_code).into(),
                (&d.form).into(),
                json(&doc),
                d.created_at.trunc_subsecs(6).into(),
                d.updated_at.trunc_subsecs(6).into(),
            ];
            c.execute(sql, &args).await?;
            Ok(())
        })
    }

    async fn application_draft(&self, key: &str) -> Result<Option<StoredDraft>, StoreError> {
        let key = key.to_owned();
        run!(self.point, |c| {
            let sql = format!("{DRAFT} WHERE id = $1");
            first(c, &sql, &[id(&key)], draft).await
        })
    }

    async fn application_drafts_of(&self, account: &str) -> Result<Vec<StoredDraft>, StoreError> {
        let account = account.to_owned();
        run!(self.point, |c| {
            let sql = format!("{DRAFT} WHERE account_id = $1 ORDER BY updated_at DESC LIMIT 100");
            all(c, &sql, &[id(&account)], draft).await
        })
    }

    async fn save_application_draft(
        &self,
        key: &str,
        form: String,
        document: serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = key.to_owned();
        let doc = document.to_string();
        run!(self.write, |c| {
            let sql = "UPDATE draft SET form = $1, document = $2, updated_at = $3 WHERE id = $4";
            let args = [
                (&form).into(),
                json(&doc),
                at.trunc_subsecs(6).into(),
                id(&key),
            ];
            changed(c.execute(sql, &args).await?, "draft")
        })
    }

    async fn delete_application_draft(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        run!(self.write, |c| {
            c.execute("DELETE FROM attachment WHERE draft_id = $1", &[id(&key)])
                .await?;
            let n = c
                .execute("DELETE FROM draft WHERE id = $1", &[id(&key)])
                .await?;
            changed(n, "draft")
        })
    }

    async fn add_attachment(&self, a: StoredAttachment) -> Result<(), StoreError> {
        run!(self.write, |c| {
            let sql = "INSERT INTO attachment (id, draft_id, case_id, uploaded_by, material_id,
                name, content_type, size, hash, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
            let args = [
                id(&a.id),
                opt_id(a.draft_id.as_deref()),
                opt_id(a.case_id.as_deref()),
                (&a.uploaded_by).into(),
                (&a.material_id).into(),
                (&a.name).into(),
                (&a.content_type).into(),
                a.size.into(),
                (&a.hash).into(),
                a.created_at.trunc_subsecs(6).into(),
            ];
            c.execute(sql, &args).await?;
            Ok(())
        })
    }

    async fn remove_attachment(&self, key: &str, draft_id: &str) -> Result<(), StoreError> {
        let (key, draft_id) = (key.to_owned(), draft_id.to_owned());
        run!(self.write, |c| {
            let sql = "DELETE FROM attachment WHERE id = $1 AND draft_id = $2";
            changed(
                c.execute(sql, &[id(&key), id(&draft_id)]).await?,
                "attachment",
            )
        })
    }

    async fn attachment(&self, key: &str) -> Result<Option<StoredAttachment>, StoreError> {
        let key = key.to_owned();
        run!(self.point, |c| {
            let sql = format!("{ATTACHMENT} WHERE id = $1");
            first(c, &sql, &[id(&key)], attachment).await
        })
    }

    async fn draft_attachments(&self, key: &str) -> Result<Vec<StoredAttachment>, StoreError> {
        let key = key.to_owned();
        run!(self.point, |c| {
            let sql = format!("{ATTACHMENT} WHERE draft_id = $1 ORDER BY created_at, id");
            all(c, &sql, &[id(&key)], attachment).await
        })
    }

    async fn case_attachments(&self, key: &str) -> Result<Vec<StoredAttachment>, StoreError> {
        let key = key.to_owned();
        run!(self.point, |c| {
            let sql = format!("{ATTACHMENT} WHERE case_id = $1 ORDER BY created_at, id");
            all(c, &sql, &[id(&key)], attachment).await
        })
    }

    async fn cases_seen(&self, account: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let account = account.to_owned();
        run!(self.point, |c| {
            let sql = "SELECT seen_at FROM cases_seen WHERE account_id = $1";
            first(c, sql, &[id(&account)], |r| r.time("seen_at")).await
        })
    }

    async fn mark_cases_seen(&self, account: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let account = account.to_owned();
        run!(self.write, |c| {
            let sql = "INSERT INTO cases_seen (account_id, seen_at) VALUES ($1, $2)
                ON CONFLICT (account_id) DO UPDATE SET seen_at = excluded.seen_at";
            c.execute(sql, &[id(&account), at.trunc_subsecs(6).into()])
                .await?;
            Ok(())
        })
    }

    async fn object_in_use(&self, hash: &str) -> Result<bool, StoreError> {
        let hash = hash.to_owned();
        run!(self.point, |c| {
            let sql = "SELECT id FROM attachment WHERE hash = $1 LIMIT 1";
            Ok(first(c, sql, &[(&hash).into()], |r| r.id("id"))
                .await?
                .is_some())
        })
    }
}

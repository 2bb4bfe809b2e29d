//! Drafts and the records of uploaded files: same behaviour on both backends; a submitted
//! draft's files go to the case in the submission's transaction, and a draft is submitted
//! once.

use super::cases::{application, new_case};
use super::each_backend;
use super::people::{applicant, created, t0};
use chrono::Duration;
use onetrip_store::{StoreError, StoredAttachment, StoredDraft};
use onetrip_testkit::fresh_store;

fn draft(id: &str, account: &str) -> StoredDraft {
    StoredDraft {
        id: id.into(),
        account_id: account.into(),
        applicant_id: account.into(),
        representation_id: None,
        implementation_code: "11331199MB1A001006000105001000".into(),
        form: "sealed-form".into(),
        document: serde_json::json!({"delivery": "window"}),
        created_at: t0(),
        updated_at: t0(),
    }
}

fn file(draft: &str, material: &str, hash: &str) -> StoredAttachment {
    StoredAttachment {
        id: onetrip_store::new_id(),
        draft_id: Some(draft.into()),
        case_id: None,
        uploaded_by: "someone".into(),
        material_id: material.into(),
        name: "sealed-name".into(),
        content_type: "image/png".into(),
        size: 300 * 1024,
        hash: hash.into(),
        created_at: t0(),
    }
}

#[tokio::test]
async fn drafts_are_saved_listed_and_their_files_move_to_the_case_on_submission() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let me = created(&store, applicant("a", "doc-a", "phone-a")).await;
        let id = onetrip_store::new_id();
        store
            .create_application_draft(draft(&id, &me))
            .await
            .unwrap();
        let later = t0() + Duration::minutes(5);
        store
            .save_application_draft(
                &id,
                "sealed-2".into(),
                serde_json::json!({"delivery": "post"}),
                later,
            )
            .await
            .unwrap();
        let got = store.application_draft(&id).await.unwrap().unwrap();
        assert_eq!((got.form.as_str(), got.updated_at), ("sealed-2", later));
        assert_eq!(got.document["delivery"], "post");
        assert_eq!(store.application_drafts_of(&me).await.unwrap().len(), 1);

        let a = file(&id, "id_card", &"a".repeat(64));
        let b = file(&id, "household_register", &"b".repeat(64));
        store.add_attachment(a.clone()).await.unwrap();
        store.add_attachment(b.clone()).await.unwrap();
        assert_eq!(store.draft_attachments(&id).await.unwrap().len(), 2);
        assert!(
            matches!(
                store
                    .remove_attachment(&a.id, &onetrip_store::new_id())
                    .await,
                Err(StoreError::NotFound(_))
            ),
            "only from its own draft"
        );
        store.remove_attachment(&b.id, &id).await.unwrap();
        assert!(!store.object_in_use(&b.hash).await.unwrap());
        assert!(store.object_in_use(&a.hash).await.unwrap());

        let case = new_case("331199-01-20260302-00001");
        let mut app = application(Some("draft:1"));
        app.draft_id = Some(id.clone());
        let (app_id, existing) = store.submit(app, vec![case.clone()]).await.unwrap();
        assert!(!existing);
        assert!(store.application_draft(&id).await.unwrap().is_none());
        let moved = store.case_attachments(&case.id).await.unwrap();
        assert_eq!(moved.len(), 1);
        assert_eq!(
            (moved[0].draft_id.as_deref(), moved[0].case_id.as_deref()),
            (None, Some(case.id.as_str()))
        );
        assert!(store.draft_attachments(&id).await.unwrap().is_empty());

        // The same draft submitted again under another key: refused, nothing stored.
        let mut again = application(Some("draft:other"));
        again.draft_id = Some(id.clone());
        let other = new_case("331199-01-20260302-00002");
        assert!(matches!(
            store.submit(again, vec![other.clone()]).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(store.case(&other.id).await.unwrap().is_none());
        assert_eq!(store.cases_of_application(&app_id).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_discarded_draft_takes_its_file_records_with_it() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let me = created(&store, applicant("a", "doc-a", "phone-a")).await;
        let id = onetrip_store::new_id();
        store
            .create_application_draft(draft(&id, &me))
            .await
            .unwrap();
        let a = file(&id, "id_card", &"c".repeat(64));
        store.add_attachment(a.clone()).await.unwrap();
        store.delete_application_draft(&id).await.unwrap();
        assert!(store.attachment(&a.id).await.unwrap().is_none());
        assert!(!store.object_in_use(&a.hash).await.unwrap());
        assert!(matches!(
            store.delete_application_draft(&id).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store
                .save_application_draft(&id, "x".into(), serde_json::json!({}), t0())
                .await,
            Err(StoreError::NotFound(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn when_an_applicant_last_read_their_cases_is_kept() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let me = created(&store, applicant("a", "doc-a", "phone-a")).await;
        assert_eq!(store.cases_seen(&me).await.unwrap(), None);
        store.mark_cases_seen(&me, t0()).await.unwrap();
        let later = t0() + Duration::hours(1);
        store.mark_cases_seen(&me, later).await.unwrap();
        assert_eq!(store.cases_seen(&me).await.unwrap(), Some(later));
    })
    .await;
}

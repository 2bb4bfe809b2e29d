#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The store conformance suite: the same behaviour on SQLite and PostgreSQL.

use chrono::NaiveDate;
use onetrip_domain::catalog::file::CatalogBatch;
use onetrip_store::{Draft, Entity, ImportMode, StoreError};
use onetrip_testkit::{backends, demo_batch, fresh_store, Backend};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// 2026-03-01 17:30 UTC: already 2 March in China, as every catalog date is counted.
fn at() -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc.with_ymd_and_hms(2026, 3, 1, 17, 30, 0).unwrap()
}

fn publish() -> ImportMode {
    ImportMode::Publish {
        default_effective: date("2025-01-01"),
    }
}

fn normalized(mut b: CatalogBatch) -> CatalogBatch {
    b.divisions.sort_by(|x, y| x.code.cmp(&y.code));
    b.departments.sort_by(|x, y| x.code.cmp(&y.code));
    b.places.sort_by(|x, y| x.code.cmp(&y.code));
    b.life_events.sort_by(|x, y| x.key.cmp(&y.key));
    b.matters.sort_by(|x, y| x.matter.code.cmp(&y.matter.code));
    for m in &mut b.matters {
        m.implementation.sort_by(|x, y| x.code.cmp(&y.code));
    }
    b
}

async fn each_backend<F, Fut>(test: F)
where
    F: Fn(Backend) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends().unwrap() {
        eprintln!("-- {backend:?}");
        test(backend).await;
    }
}

#[tokio::test]
async fn import_is_readable_and_reimport_changes_nothing() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let batch = demo_batch().unwrap();
        let impls: usize = batch.matters.iter().map(|m| m.implementation.len()).sum();
        assert_eq!(store.catalog_revision().await.unwrap(), 0);
        let report = store.import_catalog(&batch, publish(), at()).await.unwrap();
        assert_eq!(report.changed.len(), batch.matters.len() + impls);
        assert_eq!(
            store.divisions().await.unwrap().len(),
            batch.divisions.len()
        );
        assert_eq!(
            store.departments().await.unwrap().len(),
            batch.departments.len()
        );
        assert_eq!(store.places().await.unwrap().len(), batch.places.len());
        assert_eq!(
            store.life_events().await.unwrap().len(),
            batch.life_events.len()
        );
        let summaries = store
            .implementation_summaries(date("2026-03-02"))
            .await
            .unwrap();
        assert_eq!(summaries.len(), impls);
        assert!(
            store
                .implementation_summaries(date("2024-12-31"))
                .await
                .unwrap()
                .is_empty(),
            "nothing is in force before its date"
        );
        let again = store.import_catalog(&batch, publish(), at()).await.unwrap();
        assert!(again.changed.is_empty(), "{:?}", again.changed);
        assert_eq!(again.unchanged, batch.matters.len() + impls);
        assert!(store.catalog_revision().await.unwrap() >= 1);
    })
    .await;
}

#[tokio::test]
async fn export_round_trips_losslessly() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let batch = demo_batch().unwrap();
        store.import_catalog(&batch, publish(), at()).await.unwrap();
        let exported = store.export_catalog().await.unwrap();
        assert_eq!(normalized(exported.clone()), normalized(batch));
        let files = onetrip_domain::catalog::file::render_catalog(&exported).unwrap();
        let reparsed = onetrip_domain::catalog::file::parse_catalog(&files).unwrap();
        assert_eq!(normalized(reparsed), normalized(exported));
    })
    .await;
}

#[tokio::test]
async fn implementations_resolve_their_overrides() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let batch = demo_batch().unwrap();
        store.import_catalog(&batch, publish(), at()).await.unwrap();
        let dibao = batch
            .matters
            .iter()
            .find(|m| m.matter.name == "最低生活保障申请")
            .unwrap();
        for imp in &dibao.implementation {
            let got = store
                .implementation(imp.code.as_str(), date("2026-03-02"))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got.info.version, 1);
            assert_eq!(
                got.resolved.content,
                imp.overrides.apply(&dibao.matter.guide)
            );
            assert_eq!(got.resolved.name, "最低生活保障申请");
        }
        assert!(store
            .implementation("NOSUCHCODE0000000000", date("2026-03-02"))
            .await
            .unwrap()
            .is_none());
        assert!(store
            .base_matter("000000000000", date("2026-03-02"))
            .await
            .unwrap()
            .is_none());
    })
    .await;
}

#[tokio::test]
async fn drafts_publish_as_new_versions_and_old_versions_stay_pinned() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let batch = demo_batch().unwrap();
        store.import_catalog(&batch, publish(), at()).await.unwrap();
        let m = batch
            .matters
            .iter()
            .find(|m| m.matter.name == "高龄津贴申领")
            .unwrap();
        let imp_code = m.implementation[0].code.to_string();
        let code = m.matter.code.to_string();

        let err = store
            .publish(Entity::Base, &code, date("2026-06-01"), at())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

        let mut edited = m.matter.clone();
        edited.guide.promised_limit.days = 3;
        store.save_draft(Draft::Base(edited), at()).await.unwrap();
        let history = store.history(Entity::Base, &code).await.unwrap();
        assert!(history.draft.is_some());
        assert_eq!(history.versions.len(), 1);
        assert_eq!(
            history.versions[0].published_at,
            at(),
            "published when the caller's clock says, not the server's"
        );
        // A draft changes nothing the public sees.
        let today = store
            .implementation(&imp_code, date("2026-03-02"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(today.resolved.content.promised_limit.days, 5);

        assert_eq!(
            store
                .publish(Entity::Base, &code, date("2026-06-01"), at())
                .await
                .unwrap(),
            2
        );
        let before = store
            .implementation(&imp_code, date("2026-05-31"))
            .await
            .unwrap()
            .unwrap();
        let after = store
            .implementation(&imp_code, date("2026-06-01"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                before.info.version,
                before.resolved.content.promised_limit.days
            ),
            (1, 5)
        );
        assert_eq!(
            (
                after.info.version,
                after.resolved.content.promised_limit.days,
                after.resolved.base_version
            ),
            (2, 3, 2)
        );
        let pinned = store
            .implementation_version(&imp_code, 1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            pinned.resolved.content.promised_limit.days, 5,
            "a pinned version never changes"
        );
        let history = store.history(Entity::Base, &code).await.unwrap();
        assert!(history.draft.is_none());
        assert_eq!(
            history
                .versions
                .iter()
                .map(|v| v.version)
                .collect::<Vec<_>>(),
            vec![2, 1]
        );
    })
    .await;
}

#[tokio::test]
async fn draft_import_stages_without_publishing() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let batch = demo_batch().unwrap();
        let report = store
            .import_catalog(&batch, ImportMode::Draft, at())
            .await
            .unwrap();
        assert!(!report.changed.is_empty());
        assert!(store
            .implementation_summaries(date("2026-03-02"))
            .await
            .unwrap()
            .is_empty());
        let code = batch.matters[0].matter.code.to_string();
        assert!(store
            .history(Entity::Base, &code)
            .await
            .unwrap()
            .draft
            .is_some());
        store
            .publish(Entity::Base, &code, date("2025-01-01"), at())
            .await
            .unwrap();
        assert!(store
            .base_matter(&code, date("2026-03-02"))
            .await
            .unwrap()
            .is_some());
    })
    .await;
}

#[tokio::test]
async fn concurrent_writes_all_land_and_a_failure_loses_nothing_else() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let batch = demo_batch().unwrap();
        store.import_catalog(&batch, publish(), at()).await.unwrap();
        let mut tasks = Vec::new();
        for (i, m) in batch.matters.iter().enumerate() {
            let writer = store.clone();
            let mut base = m.matter.clone();
            base.guide.summary = format!("修改 {i}");
            tasks.push(tokio::spawn(async move {
                writer.save_draft(Draft::Base(base), at()).await
            }));
            // Interleave publishes of codes without drafts: each must fail alone.
            let failing = store.clone();
            tasks.push(tokio::spawn(async move {
                match failing
                    .publish(
                        Entity::Implementation,
                        "NODRAFT0000000000000",
                        date("2026-01-01"),
                        at(),
                    )
                    .await
                {
                    Err(StoreError::Conflict(_)) => Ok(()),
                    other => panic!("expected a conflict, got {other:?}"),
                }
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        for m in &batch.matters {
            let h = store
                .history(Entity::Base, m.matter.code.as_str())
                .await
                .unwrap();
            assert!(h.draft.is_some(), "draft of {} lost", m.matter.code);
        }
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_database_is_one_clear_error() {
    let err = onetrip_store::open("postgres://nobody:secret@127.0.0.1:1/none")
        .await
        .err()
        .unwrap();
    let msg = err.to_string();
    assert!(msg.contains("数据库无法连接"), "{msg}");
    assert!(!msg.contains("secret"), "password leaked: {msg}");
    let err = onetrip_store::open("mysql://x").await.err().unwrap();
    assert!(err.to_string().contains("无法识别"));
}

#[path = "conformance/people.rs"]
mod people;

#[path = "conformance/records.rs"]
mod records;

#[path = "conformance/cases.rs"]
mod cases;

#[path = "conformance/online.rs"]
mod online;

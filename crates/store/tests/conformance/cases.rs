//! Applications, cases, tasks and the case journal: same behaviour on both backends, and
//! tampering done directly in SQL is found.

use super::each_backend;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use onetrip_domain::case::intake::Intake;
use onetrip_domain::case::journal::{Broken, JournalEntry};
use onetrip_domain::case::{CaseDoc, CaseState};
use onetrip_domain::chain;
use onetrip_store::{
    CaseChange, CaseQuery, Conflict, NewApplication, NewCase, SharedStore, StoreError, TaskQuery,
    TaskRow,
};
use onetrip_testkit::{fresh_store, fresh_store_at, Backend};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

fn uuid() -> String {
    onetrip_store::new_id()
}

pub(crate) fn application(key: Option<&str>) -> NewApplication {
    NewApplication {
        id: uuid(),
        submitted_by: "clerk-1".into(),
        applicant_id: None,
        organization: None,
        representation_id: None,
        channel: "window".into(),
        place: Some("331199-centre".into()),
        idempotency_key: key.map(str::to_string),
        document: serde_json::json!({"delivery": "window"}),
        visits: 1,
        at: t0(),
        draft_id: None,
    }
}

fn entry(
    case_id: &str,
    seq: i64,
    action: &str,
    before: CaseState,
    after: CaseState,
) -> JournalEntry {
    JournalEntry {
        case_id: case_id.into(),
        seq,
        at: t0() + Duration::seconds(seq),
        actor: "clerk-1".into(),
        action: action.into(),
        before: before.key().into(),
        after: after.key().into(),
        task: None,
        note: String::new(),
    }
}

pub(crate) fn new_case(number: &str) -> NewCase {
    let id = uuid();
    let doc = CaseDoc::received(
        day(),
        Intake {
            gaps: vec![],
            commitments: vec![],
            deferrable: vec![],
        },
    );
    let journal = entry(&id, 1, "submit", CaseState::Submitted, CaseState::Submitted);
    let hash = chain::to_hex(&journal.hash_after(&[0; 32]));
    NewCase {
        tasks: vec![TaskRow {
            id: uuid(),
            case_id: id.clone(),
            step: "handle".into(),
            role: "handler".into(),
            department: "11331199MB1A001006".into(),
            division: "331199".into(),
            base_code: "000105002000".into(),
            state: "open".into(),
            claimed_by: None,
            due_on: Some(day() + Duration::days(7)),
            escalated: false,
            opened_on: day(),
        }],
        id,
        number: number.into(),
        implementation_code: "11331199MB1A001006000105002000".into(),
        implementation_version: 1,
        base_code: "000105002000".into(),
        department: "11331199MB1A001006".into(),
        division: "331199".into(),
        channel: "window".into(),
        form: "sealed-form".into(),
        doc,
        due_on: None,
        journal,
        hash,
        visits_allowed: 1,
    }
}

/// The change that accepts a case read at `version`, chained to its head.
async fn accept(store: &SharedStore, case_id: &str) -> Result<(), StoreError> {
    let stored = store.case(case_id).await?.unwrap();
    let mut doc = stored.doc.clone();
    doc.state = CaseState::InProgress;
    let journal = entry(
        case_id,
        stored.journal_seq + 1,
        "accept",
        stored.state,
        doc.state,
    );
    let prev = chain::from_hex(&stored.journal_head).unwrap();
    let hash = chain::to_hex(&journal.hash_after(&prev));
    store
        .change_case(CaseChange {
            case_id: case_id.into(),
            expected_version: stored.version,
            doc,
            due_on: Some(day() + Duration::days(14)),
            form: None,
            tasks: vec![],
            journal,
            hash,
            visits: 0,
        })
        .await
}

#[tokio::test]
async fn an_application_is_stored_once_with_its_case_tasks_and_first_entry() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let app = application(Some("key-1"));
        let case = new_case("331199-01-20260302-000001");
        let (id, existed) = store.submit(app.clone(), vec![case.clone()]).await.unwrap();
        assert_eq!((id.as_str(), existed), (app.id.as_str(), false));
        let stored = store.case(&case.id).await.unwrap().unwrap();
        assert_eq!(
            (stored.state, stored.version, stored.journal_seq),
            (CaseState::Submitted, 1, 1)
        );
        assert_eq!(stored.doc, case.doc);
        assert_eq!(
            store
                .case_by_number(&case.number)
                .await
                .unwrap()
                .unwrap()
                .id,
            case.id
        );
        assert_eq!(store.application(&id).await.unwrap().unwrap().visits, 1);
        let journal = store.journal(&case.id).await.unwrap();
        assert_eq!(journal, vec![(case.journal.clone(), case.hash.clone())]);

        // The same submitter's key again: nothing new, the same application.
        let again = new_case("331199-01-20260302-000002");
        let (same, existed) = store
            .submit(application(Some("key-1")), vec![again.clone()])
            .await
            .unwrap();
        assert_eq!((same.as_str(), existed), (id.as_str(), true));
        assert!(store.case(&again.id).await.unwrap().is_none());
        assert_eq!(store.cases_of_application(&id).await.unwrap().len(), 1);

        let inbox = store
            .tasks(&TaskQuery {
                departments: vec!["11331199MB1A001006".into()],
                roles: vec!["handler".into()],
                limit: 10,
                ..TaskQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0].case_number, case.number);
        let lines = store
            .cases(&CaseQuery {
                departments: vec!["11331199MB1A001006".into()],
                states: vec![CaseState::Submitted],
                limit: 10,
                ..CaseQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(
            store
                .last_case_number("331199-01-20260302-")
                .await
                .unwrap()
                .as_deref(),
            Some("331199-01-20260302-000001")
        );
        assert_eq!(
            store.last_case_number("331199-01-20260303-").await.unwrap(),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn a_change_is_written_only_at_the_version_it_was_read_at() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let case = new_case("331199-01-20260302-000001");
        store
            .submit(application(None), vec![case.clone()])
            .await
            .unwrap();
        let stored = store.case(&case.id).await.unwrap().unwrap();
        accept(&store, &case.id).await.unwrap();
        // A second change computed from the old version is refused and writes nothing.
        let journal = entry(
            &case.id,
            2,
            "refuse",
            CaseState::Submitted,
            CaseState::Refused,
        );
        let stale = store
            .change_case(CaseChange {
                case_id: case.id.clone(),
                expected_version: stored.version,
                doc: stored.doc.clone(),
                due_on: None,
                form: None,
                tasks: vec![],
                hash: chain::to_hex(&journal.hash_after(&[0; 32])),
                journal,
                visits: 0,
            })
            .await;
        assert!(
            matches!(stale, Err(StoreError::Conflict(Conflict::Stale))),
            "{stale:?}"
        );
        let now = store.case(&case.id).await.unwrap().unwrap();
        assert_eq!(
            (now.state, now.version, now.journal_seq),
            (CaseState::InProgress, 2, 2)
        );
        assert_eq!(store.journal(&case.id).await.unwrap().len(), 2);
    })
    .await;
}

/// Retries racing the first request with the same idempotency key (PostgreSQL runs them
/// side by side) all get the one application back, never a conflict.
#[tokio::test]
async fn simultaneous_retries_with_one_key_store_one_application() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let attempts = (0..20).map(|i| {
            let store = store.clone();
            let case = new_case(&format!("331199-01-20260302-{:06}", i + 1));
            tokio::spawn(
                async move { store.submit(application(Some("retry-1")), vec![case]).await },
            )
        });
        let results = futures_util::future::join_all(attempts).await;
        let ids: std::collections::BTreeSet<String> =
            results.into_iter().map(|r| r.unwrap().unwrap().0).collect();
        assert_eq!(ids.len(), 1, "one application for all: {ids:?}");
        let id = ids.into_iter().next().unwrap();
        assert_eq!(store.cases_of_application(&id).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn fifty_simultaneous_changes_of_one_version_make_one_state_change() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let case = new_case("331199-01-20260302-000001");
        store
            .submit(application(None), vec![case.clone()])
            .await
            .unwrap();
        let read = store.case(&case.id).await.unwrap().unwrap();
        let attempts = (0..50).map(|i| {
            let store = store.clone();
            let mut doc = read.doc.clone();
            doc.state = CaseState::InProgress;
            let mut journal = entry(&case.id, 2, "accept", read.state, doc.state);
            journal.note = format!("attempt {i}");
            let prev = chain::from_hex(&read.journal_head).unwrap();
            let change = CaseChange {
                case_id: case.id.clone(),
                expected_version: read.version,
                doc,
                due_on: None,
                form: None,
                tasks: vec![],
                hash: chain::to_hex(&journal.hash_after(&prev)),
                journal,
                visits: 0,
            };
            tokio::spawn(async move { store.change_case(change).await })
        });
        let results = futures_util::future::join_all(attempts).await;
        let won = results.iter().filter(|r| matches!(r, Ok(Ok(())))).count();
        let stale = results
            .iter()
            .filter(|r| matches!(r, Ok(Err(StoreError::Conflict(Conflict::Stale)))))
            .count();
        assert_eq!((won, stale), (1, 49));
        assert_eq!(store.journal(&case.id).await.unwrap().len(), 2);
        assert_eq!(store.case(&case.id).await.unwrap().unwrap().version, 2);
    })
    .await;
}

async fn raw(backend: Backend, url: &str, sql: &str) {
    match backend {
        Backend::Sqlite => {
            let conn = rusqlite::Connection::open(url.trim_start_matches("sqlite://")).unwrap();
            conn.execute_batch(sql).unwrap();
        }
        Backend::Postgres => {
            use sqlx::Executor as _;
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            pool.execute(sql).await.unwrap();
            pool.close().await;
        }
    }
}

/// Lifts the journal's append-only guard, as someone with database access could.
fn unlock(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "DROP TRIGGER IF EXISTS case_journal_no_update; DROP TRIGGER IF EXISTS case_journal_no_delete;"
        }
        Backend::Postgres => "ALTER TABLE case_journal DISABLE TRIGGER case_journal_no_change;",
    }
}

fn verifies(key_id: &str) -> onetrip_store::SignatureCheck {
    let key = key_id.to_string();
    Box::new(move |k, digest, signature| k == key && signature == digest)
}

fn signer() -> onetrip_store::CheckpointSigner {
    Box::new(|digest: &[u8]| Ok(("test-key".to_string(), digest.to_vec())))
}

/// Three cases of three entries each, checkpointed.
async fn journaled(store: &SharedStore) -> Vec<String> {
    let mut ids = Vec::new();
    for n in 1..=3 {
        let case = new_case(&format!("331199-01-20260302-00000{n}"));
        store
            .submit(application(None), vec![case.clone()])
            .await
            .unwrap();
        accept(store, &case.id).await.unwrap();
        accept(store, &case.id).await.unwrap();
        ids.push(case.id);
    }
    let first = store.checkpoint(t0(), signer()).await.unwrap().unwrap();
    assert_eq!((first.id, first.cases), (1, 3));
    ids
}

#[tokio::test]
async fn tampering_with_the_journal_in_sql_is_found() {
    for tamper in [
        "edit",
        "rehash",
        "reorder",
        "drop_last",
        "delete_case",
        "signature",
    ] {
        each_backend(|backend| async move {
            let (store, _dir, url) = fresh_store_at(backend).await.unwrap();
            let ids = journaled(&store).await;
            let check = store.verify_journal(verifies("test-key")).await.unwrap();
            assert_eq!((check.cases, check.entries, check.checkpoints, check.broken), (3, 9, 1, None));
            let victim = &ids[1];
            let entries = store.journal(victim).await.unwrap();
            let sql = match tamper {
                "edit" => format!("UPDATE case_journal SET actor = 'forger' WHERE case_id = '{victim}' AND seq = 2;"),
                "rehash" => {
                    // Edit entry 2 and recompute every later hash and the head: only the
                    // signed checkpoint still knows the truth.
                    let mut prev = chain::from_hex(&entries[0].1).unwrap();
                    let mut sql = String::new();
                    for (e, _) in &entries[1..] {
                        let mut forged = e.clone();
                        if forged.seq == 2 {
                            forged.actor = "forger".into();
                        }
                        let h = forged.hash_after(&prev);
                        sql += &format!(
                            "UPDATE case_journal SET actor = '{}', hash = '{}' WHERE case_id = '{victim}' AND seq = {};",
                            forged.actor,
                            chain::to_hex(&h),
                            e.seq
                        );
                        prev = h;
                    }
                    sql + &format!("UPDATE cases SET journal_head = '{}' WHERE id = '{victim}';", chain::to_hex(&prev))
                }
                "reorder" => format!(
                    "UPDATE case_journal SET seq = 99 WHERE case_id = '{victim}' AND seq = 2;
                     UPDATE case_journal SET seq = 2 WHERE case_id = '{victim}' AND seq = 3;
                     UPDATE case_journal SET seq = 3 WHERE case_id = '{victim}' AND seq = 99;"
                ),
                "drop_last" => format!(
                    "DELETE FROM case_journal WHERE case_id = '{victim}' AND seq = 3;
                     UPDATE cases SET journal_seq = 2, journal_head = '{}' WHERE id = '{victim}';",
                    entries[1].1
                ),
                "delete_case" => format!(
                    "DELETE FROM case_journal WHERE case_id = '{victim}';
                     DELETE FROM task WHERE case_id = '{victim}';
                     DELETE FROM cases WHERE id = '{victim}';"
                ),
                _ => "UPDATE journal_checkpoint SET signature = '00' WHERE id = 1;".to_string(),
            };
            raw(backend, &url, &format!("{}{sql}", unlock(backend))).await;
            let check = store.verify_journal(verifies("test-key")).await.unwrap();
            let expected = match tamper {
                "edit" | "reorder" => Broken::Entry { case_id: victim.clone(), seq: 2 },
                "rehash" => Broken::Checkpoint { case_id: victim.clone(), seq: 3 },
                "drop_last" => Broken::Checkpoint { case_id: victim.clone(), seq: 3 },
                "delete_case" => Broken::MissingCase { case_id: victim.clone() },
                _ => Broken::Signature { checkpoint: 1 },
            };
            assert_eq!(check.broken, Some(expected), "{tamper}");
        })
        .await;
    }
}

#[tokio::test]
async fn the_journal_refuses_changes_and_checkpoints_sign_only_what_changed() {
    each_backend(|backend| async move {
        let (store, _dir, url) = fresh_store_at(backend).await.unwrap();
        let ids = journaled(&store).await;
        assert!(store
            .checkpoint(t0() + Duration::hours(1), signer())
            .await
            .unwrap()
            .is_none());
        accept(&store, &ids[0]).await.unwrap();
        let next = store
            .checkpoint(t0() + Duration::hours(1), signer())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((next.id, next.cases), (2, 1));
        let check = store.verify_journal(verifies("test-key")).await.unwrap();
        assert_eq!((check.checkpoints, check.broken), (2, None));
        let wrong_key = store.verify_journal(verifies("another-key")).await.unwrap();
        assert_eq!(wrong_key.broken, Some(Broken::Signature { checkpoint: 1 }));
        let refused =
            std::panic::AssertUnwindSafe(raw(backend, &url, "UPDATE case_journal SET note = 'x'"));
        assert!(
            futures_util::FutureExt::catch_unwind(refused)
                .await
                .is_err(),
            "append-only"
        );
    })
    .await;
}

//! Sessions, API tokens, the audit log, data keys, agency and backups: same behaviour on
//! both backends.

use super::each_backend;
use super::people::*;
use chrono::Duration;
use onetrip_domain::audit::{AuditEvent, Outcome};
use onetrip_domain::chain::ChainCheck;
use onetrip_store::{ApiToken, AuditFilter, Session, SessionStage, StoreError, StoredDataKey};
use onetrip_testkit::{fresh_store, fresh_store_at, Backend};

fn session(id_hash: &str, account: &str, stage: SessionStage) -> Session {
    Session {
        id_hash: id_hash.into(),
        account_id: account.into(),
        stage,
        csrf_token: format!("csrf-{id_hash}"),
        source: "192.0.2.7".into(),
        created_at: t0(),
        last_seen_at: t0(),
        expires_at: t0() + Duration::hours(8),
    }
}

#[tokio::test]
async fn sessions_step_up_and_end_when_the_account_is_disabled() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let id = created(&store, staff("clerk")).await;
        store
            .create_session(session("h1", &id, SessionStage::SecondFactor), None)
            .await
            .unwrap();
        let (s, acc) = store.session("h1").await.unwrap().unwrap();
        assert_eq!(
            (s.stage, acc.id.as_str()),
            (SessionStage::SecondFactor, id.as_str())
        );
        store
            .replace_session(
                "h1",
                session("h2", &id, SessionStage::Complete),
                Some(audit(AuditEvent::LoginSucceeded, Some(&id))),
            )
            .await
            .unwrap();
        assert!(
            store.session("h1").await.unwrap().is_none(),
            "old id is gone"
        );
        assert!(matches!(
            store
                .replace_session("h1", session("h3", &id, SessionStage::Complete), None)
                .await,
            Err(StoreError::NotFound(_))
        ));
        store
            .touch_session("h2", t0() + Duration::minutes(5))
            .await
            .unwrap();
        let (s, _) = store.session("h2").await.unwrap().unwrap();
        assert_eq!(s.last_seen_at, t0() + Duration::minutes(5));
        store
            .create_session(session("h4", &id, SessionStage::Complete), None)
            .await
            .unwrap();
        // A new password ends every other session of the account.
        store
            .create_session(session("h5", &id, SessionStage::Complete), None)
            .await
            .unwrap();
        store
            .set_password(
                &id,
                "$argon2id$new",
                Some("h4"),
                audit(AuditEvent::PasswordChanged, Some(&id)),
            )
            .await
            .unwrap();
        assert!(
            store.session("h5").await.unwrap().is_none(),
            "another session ends"
        );
        assert!(store.session("h2").await.unwrap().is_none());
        assert!(
            store.session("h4").await.unwrap().is_some(),
            "the changer's own stays"
        );
        store
            .create_session(session("h2", &id, SessionStage::Complete), None)
            .await
            .unwrap();
        store
            .set_disabled(&id, true, audit(AuditEvent::AccountDisabled, None))
            .await
            .unwrap();
        assert!(store.session("h2").await.unwrap().is_none());
        assert!(store.session("h4").await.unwrap().is_none());
        assert!(store
            .account(&id)
            .await
            .unwrap()
            .unwrap()
            .disabled_at
            .is_some());
        store
            .set_disabled(&id, false, audit(AuditEvent::AccountEnabled, None))
            .await
            .unwrap();
        assert!(store
            .account(&id)
            .await
            .unwrap()
            .unwrap()
            .disabled_at
            .is_none());
    })
    .await;
}

#[tokio::test]
async fn tokens_are_found_by_hash_until_revoked() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let id = created(&store, staff("system")).await;
        let token = ApiToken {
            id: uuid::Uuid::now_v7().to_string(),
            account_id: id.clone(),
            name: "不动产登记系统".into(),
            token_hash: "th1".into(),
            scopes: vec!["catalog:read".into()],
            grant_ids: vec!["g1".into(), "g2".into()],
            created_at: t0(),
            expires_at: None,
            revoked_at: None,
        };
        store
            .create_token(token.clone(), audit(AuditEvent::TokenCreated, Some(&id)))
            .await
            .unwrap();
        let (found, acc) = store.token("th1").await.unwrap().unwrap();
        assert_eq!((found, acc.id), (token.clone(), id.clone()));
        assert_eq!(
            store.token_by_id(&token.id).await.unwrap().as_ref(),
            Some(&token)
        );
        store
            .revoke_token(&token.id, audit(AuditEvent::TokenRevoked, Some(&id)))
            .await
            .unwrap();
        assert!(store.token("th1").await.unwrap().is_none());
        assert!(store.tokens_of(&id).await.unwrap()[0].revoked_at.is_some());
        // A password or second factor reset by someone else ends every token; the owner's
        // own change does not.
        for (n, reset) in [(2, "password"), (3, "second factor")] {
            let t = ApiToken {
                id: uuid::Uuid::now_v7().to_string(),
                token_hash: format!("th{n}"),
                ..token.clone()
            };
            store
                .create_token(t, audit(AuditEvent::TokenCreated, Some(&id)))
                .await
                .unwrap();
            store
                .set_password(
                    &id,
                    "$argon2id$own",
                    Some("own-session"),
                    audit(AuditEvent::PasswordChanged, Some(&id)),
                )
                .await
                .unwrap();
            assert!(
                store.token(&format!("th{n}")).await.unwrap().is_some(),
                "{reset}"
            );
            assert!(
                !store
                    .account(&id)
                    .await
                    .unwrap()
                    .unwrap()
                    .must_change_password
            );
            if reset == "password" {
                store
                    .set_password(
                        &id,
                        "$argon2id$reset",
                        None,
                        audit(AuditEvent::PasswordChanged, None),
                    )
                    .await
                    .unwrap();
                assert!(
                    store
                        .account(&id)
                        .await
                        .unwrap()
                        .unwrap()
                        .must_change_password
                );
            } else {
                store
                    .set_totp(&id, None, audit(AuditEvent::SecondFactorReset, None))
                    .await
                    .unwrap();
            }
            assert!(
                store.token(&format!("th{n}")).await.unwrap().is_none(),
                "{reset}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn the_audit_chain_holds_under_concurrency_and_filters() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..60 {
            let s = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut r = audit(
                    if i % 3 == 0 {
                        AuditEvent::LoginFailed
                    } else {
                        AuditEvent::LoginSucceeded
                    },
                    Some(&format!("actor-{}", i % 2)),
                );
                r.at = t0() + Duration::seconds(i);
                r.outcome = if i % 3 == 0 {
                    Outcome::Failure
                } else {
                    Outcome::Success
                };
                s.append_audit(r).await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(
            store.verify_audit().await.unwrap(),
            ChainCheck::Intact { entries: 60 }
        );
        let all = store
            .audit_entries(&AuditFilter {
                limit: 1000,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
        assert_eq!(
            seqs,
            (1..=60).rev().collect::<Vec<_>>(),
            "newest first, no gaps"
        );
        let failures = store
            .audit_entries(&AuditFilter {
                event: Some(AuditEvent::LoginFailed),
                actor: Some("actor-0".into()),
                limit: 1000,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(failures.len(), 10);
        let window = store
            .audit_entries(&AuditFilter {
                from: Some(t0() + Duration::seconds(10)),
                until: Some(t0() + Duration::seconds(20)),
                limit: 1000,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(window.len(), 10);
        let page = store
            .audit_entries(&AuditFilter {
                before_seq: Some(11),
                limit: 5,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(
            page.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![10, 9, 8, 7, 6]
        );
    })
    .await;
}

/// Edits a stored audit record behind the store's back (as an attacker with database access
/// would, after disabling the append-only trigger) and expects verification to name it.
#[tokio::test]
async fn the_audit_log_is_append_only_and_tampering_is_found() {
    each_backend(|backend| async move {
        let (store, _dir, url) = fresh_store_at(backend).await.unwrap();
        for i in 0..5 {
            let mut r = audit(AuditEvent::LoginSucceeded, Some("a"));
            r.at = t0() + Duration::seconds(i);
            store.append_audit(r).await.unwrap();
        }
        match backend {
            Backend::Sqlite => {
                let path = url.trim_start_matches("sqlite://");
                let conn = rusqlite::Connection::open(path).unwrap();
                let refused =
                    conn.execute("UPDATE audit_log SET outcome = 'failure' WHERE seq = 3", []);
                assert!(refused.is_err(), "the trigger refuses updates");
                assert!(conn
                    .execute("DELETE FROM audit_log WHERE seq = 3", [])
                    .is_err());
                conn.execute_batch(
                    "DROP TRIGGER audit_log_no_update;
                     UPDATE audit_log SET outcome = 'failure' WHERE seq = 3;",
                )
                .unwrap();
            }
            Backend::Postgres => {
                use sqlx::Executor as _;
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                assert!(pool
                    .execute("UPDATE audit_log SET outcome = 'failure' WHERE seq = 3")
                    .await
                    .is_err());
                assert!(pool
                    .execute("DELETE FROM audit_log WHERE seq = 3")
                    .await
                    .is_err());
                pool.execute(
                    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;
                     UPDATE audit_log SET outcome = 'failure' WHERE seq = 3;",
                )
                .await
                .unwrap();
                pool.close().await;
            }
        }
        assert_eq!(
            store.verify_audit().await.unwrap(),
            ChainCheck::Broken { at: 3 }
        );
    })
    .await;
}

#[tokio::test]
async fn data_keys_keep_one_active_and_rewrap() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let key = |id: &str, active| StoredDataKey {
            id: id.into(),
            master_id: "m1".into(),
            wrapped: vec![1, 2, 3],
            active,
        };
        store.add_data_key(key("k1", true)).await.unwrap();
        store.add_data_key(key("k2", true)).await.unwrap();
        let keys = store.data_keys().await.unwrap();
        assert_eq!(
            keys.iter()
                .filter(|k| k.active)
                .map(|k| k.id.as_str())
                .collect::<Vec<_>>(),
            vec!["k2"]
        );
        store
            .rewrap_data_keys(vec![StoredDataKey {
                master_id: "m2".into(),
                wrapped: vec![9],
                ..key("k1", false)
            }])
            .await
            .unwrap();
        let k1 = store
            .data_keys()
            .await
            .unwrap()
            .into_iter()
            .find(|k| k.id == "k1")
            .unwrap();
        assert_eq!((k1.master_id.as_str(), k1.wrapped), ("m2", vec![9]));
    })
    .await;
}

#[tokio::test]
async fn delegations_and_representations_are_kept_until_revoked() {
    use onetrip_domain::access::Delegation;
    use onetrip_domain::person::{Capacity, Principal, Representation};
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let d = store
            .add_delegation(
                &Delegation {
                    department: "11331199MB1A001006".into(),
                    place: "331199-centre".into(),
                    matters: vec!["000105001000".into()],
                },
                audit(AuditEvent::DelegationAdded, Some("sec")),
            )
            .await
            .unwrap();
        assert_eq!(store.delegations().await.unwrap(), vec![d.clone()]);
        store
            .revoke_delegation(&d.id, audit(AuditEvent::DelegationRevoked, Some("sec")))
            .await
            .unwrap();
        assert!(store.delegations().await.unwrap().is_empty());
        assert!(matches!(
            store
                .revoke_delegation(&d.id, audit(AuditEvent::DelegationRevoked, None))
                .await,
            Err(StoreError::NotFound(_))
        ));

        let agent = created(&store, applicant("doc:agent", "idx-agent", "p1")).await;
        let elder = created(&store, applicant("doc:elder", "idx-elder", "p2")).await;
        let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let rep = Representation {
            agent: agent.clone(),
            principal: Principal::Person(elder.clone()),
            capacity: Capacity::VillageAgent,
            authorization: Some("桃源乡代办委托 2026-031".into()),
            valid_from: day(3, 1),
            valid_until: Some(day(12, 31)),
        };
        let stored = store
            .add_representation(&rep, audit(AuditEvent::RepresentationAdded, Some("clerk")))
            .await
            .unwrap();
        assert_eq!(stored.representation, rep);
        assert_eq!(
            store.representations_of(&agent).await.unwrap(),
            vec![stored.clone()]
        );
        assert_eq!(
            store.representations_of(&elder).await.unwrap(),
            vec![stored.clone()],
            "the principal sees it too"
        );
        store
            .revoke_representation(
                &stored.id,
                audit(AuditEvent::RepresentationRevoked, Some(&elder)),
            )
            .await
            .unwrap();
        assert!(store.representations_of(&agent).await.unwrap().is_empty());
        assert_eq!(
            store.verify_audit().await.unwrap(),
            ChainCheck::Intact { entries: 6 },
            "two accounts, two changes each way"
        );
    })
    .await;
}

#[tokio::test]
async fn backups_restore_into_an_empty_place_only() {
    each_backend(|backend| async move {
        let (store, dir, url) = fresh_store_at(backend).await.unwrap();
        let id = created(&store, applicant("applicant:1", "doc-1", "phone-1")).await;
        let file = dir.path().join("backup.bin");
        let made = onetrip_store::backup::backup(&url, &file).await.unwrap();
        assert!(made.bytes > 0);
        assert!(made.schema_version >= 3, "read from the copy: {made:?}");
        // Written once: a second backup to the same file is refused and keeps the first.
        assert!(matches!(
            onetrip_store::backup::backup(&url, &file).await,
            Err(StoreError::Refused(_))
        ));
        assert_eq!(std::fs::metadata(&file).unwrap().len(), made.bytes);

        let target = match backend {
            Backend::Sqlite => {
                format!("sqlite://{}", dir.path().join("restored.sqlite3").display())
            }
            Backend::Postgres => {
                let admin = std::env::var("ONETRIP_TEST_DATABASE_URL").unwrap();
                onetrip_store::postgres::create_scratch_database(&admin, "onetrip_restore")
                    .await
                    .unwrap()
            }
        };
        onetrip_store::backup::restore(&file, &target)
            .await
            .unwrap();
        let copy = onetrip_store::open(&target).await.unwrap();
        let account = copy.account(&id).await.unwrap().unwrap();
        assert_eq!(account.display_name, "王𠈌");
        assert_eq!(
            copy.verify_audit().await.unwrap(),
            ChainCheck::Intact { entries: 1 }
        );

        // Never over existing data, and a file that is not a backup is named as such.
        assert!(matches!(
            onetrip_store::backup::restore(&file, &target).await,
            Err(StoreError::Refused(_))
        ));
        assert!(matches!(
            onetrip_store::backup::restore(&file, &url).await,
            Err(StoreError::Refused(_))
        ));
        let junk = dir.path().join("junk.bin");
        std::fs::write(&junk, "not a backup").unwrap();
        let elsewhere = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("never.sqlite3").display()),
            Backend::Postgres => {
                let admin = std::env::var("ONETRIP_TEST_DATABASE_URL").unwrap();
                onetrip_store::postgres::create_scratch_database(&admin, "onetrip_restore")
                    .await
                    .unwrap()
            }
        };
        let refused = onetrip_store::backup::restore(&junk, &elsewhere).await;
        assert!(
            matches!(&refused, Err(StoreError::Refused(m)) if m.contains("不是 OneTrip")),
            "{refused:?}"
        );
        assert!(!dir.path().join("never.sqlite3").exists());
    })
    .await;
}

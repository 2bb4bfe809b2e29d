//! Accounts, grants, sessions, tokens, audit log and data keys: same behaviour on both
//! backends.

use super::each_backend;
use chrono::{DateTime, Duration, TimeZone, Utc};
use onetrip_domain::access::{Grant, Role};
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::auth::LockPolicy;
use onetrip_domain::chain::ChainCheck;
use onetrip_domain::person::Assurance;
use onetrip_store::{
    AccountKind, ApiToken, AuditFilter, Conflict, NewAccount, PersonRecord, Session, SessionStage,
    SharedStore, StoreError, StoredDataKey,
};
use onetrip_testkit::{fresh_store, fresh_store_at, Backend};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
}

fn audit(event: AuditEvent, actor: Option<&str>) -> AuditRecord {
    AuditRecord {
        at: t0(),
        actor: actor.map(str::to_string),
        source: "192.0.2.7".into(),
        event,
        object: None,
        outcome: Outcome::Success,
        detail: String::new(),
    }
}

fn staff(login: &str) -> NewAccount {
    NewAccount {
        kind: AccountKind::Staff,
        login: login.into(),
        display_name: format!("{login} 的名字"),
        organization: Some("11331199MB1A001006".into()),
        password_hash: Some("$argon2id$fake".into()),
        assurance: Assurance::InPerson,
        person: None,
        must_change_password: true,
    }
}

fn applicant(login: &str, doc_index: &str, phone_index: &str) -> NewAccount {
    NewAccount {
        kind: AccountKind::Applicant,
        login: login.into(),
        display_name: "王𠈌".into(),
        organization: None,
        password_hash: Some("$argon2id$fake".into()),
        assurance: Assurance::SelfRegistered,
        person: Some(PersonRecord {
            name: "王𠈌".into(),
            document_kind: "resident_id_card".into(),
            document_sealed: "v1.k1.sealed-doc".into(),
            document_index: doc_index.into(),
            document_masked: "110105********002X".into(),
            phone_sealed: "v1.k1.sealed-phone".into(),
            phone_index: phone_index.into(),
            phone_masked: "138****5678".into(),
        }),
        must_change_password: false,
    }
}

async fn created(store: &SharedStore, new: NewAccount) -> String {
    store
        .create_account(new, audit(AuditEvent::AccountCreated, None))
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn accounts_are_unique_by_login_and_document() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let clerk = created(&store, staff("clerk")).await;
        let got = store.account_by_login("clerk").await.unwrap().unwrap();
        assert_eq!(got.id, clerk);
        assert_eq!(got.kind, AccountKind::Staff);
        assert_eq!(got.created_at, t0());
        assert!(matches!(
            store
                .create_account(staff("clerk"), audit(AuditEvent::AccountCreated, None))
                .await,
            Err(StoreError::Conflict(Conflict::Login))
        ));

        let a = created(&store, applicant("doc:a", "idx-a", "phone-1")).await;
        let person = store.person(&a).await.unwrap().unwrap();
        assert_eq!(person.name, "王𠈌", "rare characters survive storage");
        assert!(matches!(
            store
                .create_account(
                    applicant("doc:b", "idx-a", "phone-2"),
                    audit(AuditEvent::AccountCreated, None)
                )
                .await,
            Err(StoreError::Conflict(Conflict::Document))
        ));
        let b = created(&store, applicant("doc:c", "idx-c", "phone-1")).await;
        let same_phone: Vec<String> = store
            .accounts_by_phone("phone-1")
            .await
            .unwrap()
            .into_iter()
            .map(|x| x.id)
            .collect();
        assert_eq!(same_phone, vec![a.clone(), b]);
        assert_eq!(store.account("not-a-uuid").await.unwrap(), None);
        assert_eq!(store.person(&clerk).await.unwrap(), None);
        let staff_logins: Vec<String> = store
            .staff_accounts()
            .await
            .unwrap()
            .into_iter()
            .map(|x| x.login)
            .collect();
        assert_eq!(staff_logins, vec!["clerk"]);
    })
    .await;
}

const POLICY: LockPolicy = LockPolicy {
    lock_after: 5,
    lock_for: Duration::minutes(15),
};

#[tokio::test]
async fn failures_lock_one_address_slow_the_rest_and_success_tells_the_owner() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let id = created(&store, staff("clerk")).await;
        let (attacker, owner) = ("192.0.2.7", "198.51.100.9");
        store
            .record_login_success(&id, owner, true, t0() - Duration::days(1))
            .await
            .unwrap();
        for _ in 1..=4 {
            let c = store
                .record_login_failure(&id, attacker, &POLICY, audit(AuditEvent::LoginFailed, None))
                .await
                .unwrap();
            assert_eq!(c.lock_source_until, None);
        }
        let c = store
            .record_login_failure(&id, attacker, &POLICY, audit(AuditEvent::LoginFailed, None))
            .await
            .unwrap();
        let until = t0() + Duration::minutes(15);
        assert_eq!(c.lock_source_until, Some(until));
        assert_eq!(c.slow_account_until, Some(t0() + Duration::seconds(1)));
        let here = store.login_source(&id, attacker).await.unwrap().unwrap();
        assert_eq!((here.failures, here.locked_until), (0, Some(until)));
        let there = store.login_source(&id, owner).await.unwrap().unwrap();
        assert_eq!(
            there.locked_until, None,
            "the owner's address is not locked"
        );
        assert!(there.last_success_at.is_some());
        let acc = store.account(&id).await.unwrap().unwrap();
        assert_eq!(acc.failed_logins, 5);
        assert_eq!(acc.slowed_until, Some(t0() + Duration::seconds(1)));
        let locked = store
            .audit_entries(&AuditFilter {
                event: Some(AuditEvent::AccountLocked),
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(locked.len(), 1);
        assert_eq!(locked[0].record.object.as_deref(), Some(id.as_str()));
        assert_eq!(locked[0].record.source, "192.0.2.7");

        store
            .record_login_success(&id, owner, true, t0())
            .await
            .unwrap();
        let acc = store.account(&id).await.unwrap().unwrap();
        assert_eq!((acc.failed_logins, acc.slowed_until), (0, None));
        assert_eq!(acc.failures_before_login, 5, "the owner is told");
        assert_eq!(acc.last_login.unwrap().at, t0());
        assert_eq!(acc.previous_login.unwrap().at, t0() - Duration::days(1));
        assert_eq!(
            store
                .login_source(&id, attacker)
                .await
                .unwrap()
                .unwrap()
                .locked_until,
            Some(until),
            "the attacker's address stays locked"
        );
        // So it does after a sign-in by a known device on the guessing address.
        store
            .record_login_success(&id, attacker, false, t0())
            .await
            .unwrap();
        let here = store.login_source(&id, attacker).await.unwrap().unwrap();
        assert_eq!(
            (here.locked_until, here.last_success_at),
            (Some(until), None)
        );
        assert_eq!(
            store
                .account(&id)
                .await
                .unwrap()
                .unwrap()
                .last_login
                .unwrap()
                .source,
            attacker
        );
        // A new password forgets every lock.
        store
            .set_password(
                &id,
                "$argon2id$new",
                None,
                audit(AuditEvent::PasswordChanged, None),
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .login_source(&id, attacker)
                .await
                .unwrap()
                .unwrap()
                .locked_until,
            None
        );
    })
    .await;
}

#[tokio::test]
async fn a_totp_step_is_claimed_once() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let id = created(&store, staff("clerk")).await;
        store
            .set_totp(
                &id,
                Some("v1.k1.secret".into()),
                audit(AuditEvent::SecondFactorEnrolled, Some(&id)),
            )
            .await
            .unwrap();
        assert!(store.claim_totp_step(&id, 100).await.unwrap());
        assert!(!store.claim_totp_step(&id, 100).await.unwrap(), "replay");
        assert!(!store.claim_totp_step(&id, 99).await.unwrap(), "older code");
        assert!(store.claim_totp_step(&id, 101).await.unwrap());
        // Two concurrent claims of one step: exactly one wins.
        let (x, y) = tokio::join!(
            store.claim_totp_step(&id, 102),
            store.claim_totp_step(&id, 102)
        );
        assert_eq!(u8::from(x.unwrap()) + u8::from(y.unwrap()), 1);
        let acc = store.account(&id).await.unwrap().unwrap();
        assert_eq!(acc.totp_secret.as_deref(), Some("v1.k1.secret"));
        assert_eq!(acc.totp_last_step, Some(102));
    })
    .await;
}

fn grant(role: Role) -> Grant {
    Grant {
        role,
        division: onetrip_domain::DivisionCode::parse("331199").unwrap(),
        matters: Vec::new(),
        unmask: false,
    }
}

#[tokio::test]
async fn the_database_refuses_a_second_administrator_role() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let id = created(&store, staff("admin")).await;
        let sys = store
            .add_grant(
                &id,
                &grant(Role::SystemAdmin),
                audit(AuditEvent::GrantAdded, None),
            )
            .await
            .unwrap();
        let second = store
            .add_grant(
                &id,
                &grant(Role::AuditAdmin),
                audit(AuditEvent::GrantAdded, None),
            )
            .await;
        assert!(
            matches!(&second, Err(StoreError::Conflict(Conflict::Administrator))),
            "{second:?}"
        );
        // Nor a business role beside it, nor an administrator role beside a business role.
        let business = store
            .add_grant(
                &id,
                &grant(Role::Handler),
                audit(AuditEvent::GrantAdded, None),
            )
            .await;
        assert!(
            matches!(
                &business,
                Err(StoreError::Conflict(Conflict::AdministratorAlone))
            ),
            "{business:?}"
        );
        let clerk = created(&store, staff("clerk")).await;
        store
            .add_grant(
                &clerk,
                &grant(Role::WindowClerk),
                audit(AuditEvent::GrantAdded, None),
            )
            .await
            .unwrap();
        let admin = store
            .add_grant(
                &clerk,
                &grant(Role::AuditAdmin),
                audit(AuditEvent::GrantAdded, None),
            )
            .await;
        assert!(
            matches!(
                &admin,
                Err(StoreError::Conflict(Conflict::AdministratorAlone))
            ),
            "{admin:?}"
        );
        store
            .revoke_grant(&sys.id, audit(AuditEvent::GrantRevoked, None))
            .await
            .unwrap();
        // Without an administrator role, a business role is allowed.
        store
            .add_grant(
                &id,
                &Grant {
                    matters: vec!["000000000001".into()],
                    ..grant(Role::Handler)
                },
                audit(AuditEvent::GrantAdded, None),
            )
            .await
            .unwrap();
        assert!(matches!(
            store
                .revoke_grant(&sys.id, audit(AuditEvent::GrantRevoked, None))
                .await,
            Err(StoreError::NotFound(_))
        ));
        let roles: Vec<Role> = store
            .grants_of(&id)
            .await
            .unwrap()
            .into_iter()
            .map(|g| g.grant.role)
            .collect();
        assert_eq!(roles, vec![Role::Handler]);
        let handler = &store.grants_of(&id).await.unwrap()[0];
        assert_eq!(handler.grant.matters, vec!["000000000001".to_string()]);
        assert_eq!(
            store.grant(&handler.id).await.unwrap().as_ref(),
            Some(handler)
        );
        assert_eq!(store.grant("not-an-id").await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn the_last_security_administrator_stays() {
    each_backend(|backend| async move {
        let (store, _dir) = fresh_store(backend).await.unwrap();
        let a = created(&store, staff("sec-a")).await;
        let b = created(&store, staff("sec-b")).await;
        let ga = store
            .add_grant(
                &a,
                &grant(Role::SecurityAdmin),
                audit(AuditEvent::GrantAdded, None),
            )
            .await
            .unwrap();
        let gb = store
            .add_grant(
                &b,
                &grant(Role::SecurityAdmin),
                audit(AuditEvent::GrantAdded, None),
            )
            .await
            .unwrap();
        // Two at once, each taking one of the two: at most one succeeds.
        let (x, y) = tokio::join!(
            store.revoke_grant(&ga.id, audit(AuditEvent::GrantRevoked, None)),
            store.revoke_grant(&gb.id, audit(AuditEvent::GrantRevoked, None))
        );
        assert_eq!(u8::from(x.is_ok()) + u8::from(y.is_ok()), 1, "{x:?} {y:?}");
        let last = if x.is_ok() { &b } else { &a };
        let refused = store
            .set_disabled(last, true, audit(AuditEvent::AccountDisabled, None))
            .await;
        assert!(
            matches!(
                &refused,
                Err(StoreError::Conflict(Conflict::LastSecurityAdmin))
            ),
            "{refused:?}"
        );
        assert!(store
            .account(last)
            .await
            .unwrap()
            .unwrap()
            .disabled_at
            .is_none());
        // Other accounts are disabled as before.
        let clerk = created(&store, staff("clerk")).await;
        store
            .set_disabled(&clerk, true, audit(AuditEvent::AccountDisabled, None))
            .await
            .unwrap();
    })
    .await;
}

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

//! Accounts, sign-in failures, second-factor steps and grants: same behaviour on both
//! backends.

use super::each_backend;
use chrono::{DateTime, Duration, TimeZone, Utc};
use onetrip_domain::access::{Grant, Role};
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::auth::LockPolicy;
use onetrip_domain::person::Assurance;
use onetrip_store::{
    AccountKind, AuditFilter, Conflict, NewAccount, PersonRecord, SharedStore, StoreError,
};
use onetrip_testkit::fresh_store;

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
}

pub(crate) fn audit(event: AuditEvent, actor: Option<&str>) -> AuditRecord {
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

pub(crate) fn staff(login: &str) -> NewAccount {
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

pub(crate) fn applicant(login: &str, doc_index: &str, phone_index: &str) -> NewAccount {
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

pub(crate) async fn created(store: &SharedStore, new: NewAccount) -> String {
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

pub(crate) fn grant(role: Role) -> Grant {
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

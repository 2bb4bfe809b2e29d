//! Staff administration on the administrator, self and side-door axes: no administrator
//! gains another's power or a business role, nobody acts for themselves, and power taken
//! before the rules counts for nothing.

use super::each_app;
use super::staff_admin::Probe::*;
use super::staff_admin::*;
use onetrip_domain::access::Role;
use onetrip_domain::audit::AuditEvent;
use onetrip_testkit::TestApp;

#[tokio::test]
async fn no_administrator_obtains_another_administrators_power_or_a_business_role() {
    each_app(|app| async move {
        let sec = Admin::sign_in(&app, "secadmin").await;
        let auditor = target(&app, "the audit administrator", "auditor", "331199").await;
        let sysadmin = target(&app, "the system administrator", "sysadmin", "331199").await;
        // Their accounts are the console's: no grant, reset, disabling or enabling.
        attack(&app, &sec, &auditor, 403, 200).await;
        attack(&app, &sec, &sysadmin, 403, 200).await;
        app.store
            .set_disabled(
                &auditor.account,
                true,
                onetrip_domain::audit::AuditRecord {
                    at: chrono::Utc::now(),
                    actor: Some("test".into()),
                    source: "console".into(),
                    event: AuditEvent::AccountDisabled,
                    object: None,
                    outcome: onetrip_domain::audit::Outcome::Success,
                    detail: String::new(),
                },
            )
            .await
            .unwrap();
        let (status, _) = sec
            .send(
                &app,
                "POST",
                &format!("/api/v1/staff/{}/enable", auditor.account),
                &[],
            )
            .await;
        assert_eq!(status, 403, "nor re-enabling a disabled auditor");
        assert!(app
            .store
            .account(&auditor.account)
            .await
            .unwrap()
            .unwrap()
            .disabled_at
            .is_some());
        app.store
            .set_disabled(
                &auditor.account,
                false,
                onetrip_domain::audit::AuditRecord {
                    at: chrono::Utc::now(),
                    actor: Some("test".into()),
                    source: "console".into(),
                    event: AuditEvent::AccountEnabled,
                    object: None,
                    outcome: onetrip_domain::audit::Outcome::Success,
                    detail: String::new(),
                },
            )
            .await
            .unwrap();

        // Nor appointing one: a fresh account gets no system or audit administrator role.
        let fresh = app
            .add_staff("fresh.one", "331199-centre", None)
            .await
            .unwrap();
        for role in ["audit_admin", "system_admin"] {
            let (status, body) = sec
                .send(
                    &app,
                    "POST",
                    &format!("/api/v1/staff/{fresh}/grants"),
                    &[("role", role), ("division", "331199")],
                )
                .await;
            assert_eq!(status, 403, "{role}: {body}");
            assert!(body.contains("服务器控制台"), "{body}");
        }
        // A security administrator appointed below it holds no power it lacks.
        let (status, body) = sec
            .send(
                &app,
                "POST",
                &format!("/api/v1/staff/{fresh}/grants"),
                &[("role", "security_admin"), ("division", "331199102")],
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = sec
            .send(
                &app,
                "POST",
                &format!("/api/v1/staff/{fresh}/grants"),
                &[("role", "window_clerk"), ("division", "331199102")],
            )
            .await;
        assert_eq!(status, 409, "no business role beside it: {body}");
        assert!(body.contains("三员分立"), "{body}");

        // The finding's side doors: a token for the auditor, and full ID numbers.
        let resp = sec
            .client
            .post(app.url(&format!("/api/v1/staff/{}/tokens", auditor.account)))
            .header("x-csrf-token", &sec.csrf)
            .json(&serde_json::json!({"name": "x", "scopes": ["audit_admin"], "days": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 405, "no such route any more");
        assert_eq!(
            app.store.tokens_of(&auditor.account).await.unwrap().len(),
            1,
            "only the fixture"
        );
        for scopes in [["audit_admin"], ["security_admin"], ["window_clerk"]] {
            let (status, body) = sec
                .send(
                    &app,
                    "POST",
                    "/api/v1/me/tokens",
                    &[("name", "x"), ("scopes", scopes[0])],
                )
                .await;
            assert_eq!(status, 422, "{scopes:?}: {body}");
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&body).unwrap()["error"]["field"],
                "scopes"
            );
        }
        let applicant = id_of_applicant(&app).await;
        let own = id_of(&app, "secadmin").await;
        let (status, _) = sec
            .send(
                &app,
                "POST",
                &format!("/api/v1/staff/{own}/grants"),
                &[
                    ("role", "window_clerk"),
                    ("division", "331199"),
                    ("unmask", "1"),
                ],
            )
            .await;
        assert_eq!(status, 403);
        let (status, _) = sec
            .send(
                &app,
                "GET",
                &format!("/api/v1/accounts/{applicant}/identity"),
                &[],
            )
            .await;
        assert_eq!(status, 403);

        // The auditor and the system administrator administer nobody.
        for login in ["auditor", "sysadmin"] {
            let other = Admin::sign_in(&app, login).await;
            let (status, _) = other
                .send(
                    &app,
                    "POST",
                    &format!("/api/v1/staff/{fresh}/grants"),
                    &[("role", "handler"), ("division", "331199")],
                )
                .await;
            assert_eq!(status, 403, "{login}");
            let (status, _) = other
                .send(
                    &app,
                    "POST",
                    "/api/v1/me/tokens",
                    &[("name", "x"), ("scopes", "audit_admin")],
                )
                .await;
            assert_eq!(status, 422, "{login}: an administrator's token");
        }
    })
    .await;
}

async fn id_of_applicant(app: &TestApp) -> String {
    let (_, number, _) = onetrip_app::demo::DEMO_APPLICANT;
    let login = onetrip_app::security::applicant_login(&app.security, "resident_id_card", number);
    id_of(app, &login).await
}

#[tokio::test]
async fn nobody_grants_revokes_resets_or_issues_for_themselves() {
    each_app(|app| async move {
        let sec = Admin::sign_in(&app, "secadmin").await;
        let me = target(&app, "oneself", "secadmin", "331199").await;
        // Every change to one's own account is refused; one's own token is one's own to end.
        for (method, path, probe) in STAFF_ADMINISTRATION {
            let (id, fields): (&str, Vec<(&str, &str)>) = match probe {
                Account(Body::Nothing) => (&me.account, vec![]),
                Account(Body::Grant) => (
                    &me.account,
                    vec![("role", "catalog_admin"), ("division", "331199")],
                ),
                Account(Body::Password) => (&me.account, vec![("password", "溪水长流桃花又开了")]),
                Grant => (&me.grant, vec![]),
                _ => continue,
            };
            let before = fingerprint(&app, &me.account).await;
            let (status, body) = sec
                .send(&app, method, &path.replace("{id}", id), &fields)
                .await;
            if *method == "GET" {
                assert_eq!(status, 200, "{method} {path}: {body}");
            } else {
                assert_eq!(status, 403, "{method} {path}: {body}");
                assert_eq!(
                    fingerprint(&app, &me.account).await,
                    before,
                    "{method} {path}"
                );
            }
        }
        assert!(app
            .store
            .grants_of(&me.account)
            .await
            .unwrap()
            .iter()
            .any(|g| g.grant.role == Role::SecurityAdmin));
        let (status, _) = sec
            .send(&app, "DELETE", &format!("/api/v1/tokens/{}", me.token), &[])
            .await;
        assert_eq!(status, 204, "revoking one's own token takes no power");

        // Tokens come only from a signed-in holder, never from another token.
        let clerk = Admin::sign_in(&app, "clerk").await;
        let (status, body) = clerk
            .send(
                &app,
                "POST",
                "/api/v1/me/tokens",
                &[("name", "系统"), ("scopes", "window_clerk")],
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let token = serde_json::from_str::<serde_json::Value>(&body).unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string();
        let minted = app
            .client
            .post(app.url("/api/v1/me/tokens"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"name": "another", "scopes": ["window_clerk"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            minted.status().as_u16(),
            403,
            "a token does not mint tokens"
        );
        let (status, _) = clerk
            .send(
                &app,
                "POST",
                "/api/v1/me/tokens",
                &[("name", "x"), ("scopes", "approver")],
            )
            .await;
        assert_eq!(status, 422, "a role the holder does not hold");
        // A token works with its holder's role, and loses it when the holder does.
        let lookup = || {
            app.client
                .post(app.url("/api/v1/people/lookup"))
                .bearer_auth(&token)
                .json(&serde_json::json!({"phone": "13800000001"}))
                .send()
        };
        assert_eq!(lookup().await.unwrap().status().as_u16(), 200);
        let clerk_id = id_of(&app, "clerk").await;
        let grant = app.store.grants_of(&clerk_id).await.unwrap()[0].id.clone();
        let (status, _) = sec
            .send(&app, "DELETE", &format!("/api/v1/grants/{grant}"), &[])
            .await;
        assert_eq!(status, 204);
        assert_eq!(lookup().await.unwrap().status().as_u16(), 403);
    })
    .await;
}

/// What the database may still hold from before these rules counts for nothing: a token
/// carrying an administrator role, a business grant beside an administrator role, a grant
/// an account gave itself.
#[tokio::test]
async fn power_taken_before_the_rules_counts_for_nothing() {
    let app = onetrip_testkit::spawn_app(onetrip_testkit::Backend::Sqlite)
        .await
        .unwrap();
    // The auditor's own token with its role, as an administrator could issue one before.
    let auditor = target(&app, "the audit administrator", "auditor", "331199").await;
    let audit = app
        .client
        .get(app.url("/api/v1/audit"))
        .bearer_auth(&auditor.secret)
        .send()
        .await
        .unwrap();
    assert_eq!(
        audit.status().as_u16(),
        403,
        "no administrator role rides on a token"
    );
    // The security administrator's unmasking clerk grant and a self-given grant, written
    // past the database's rule as an older version allowed.
    let sec = id_of(&app, "secadmin").await;
    let conn = rusqlite::Connection::open(app.data_dir().join("test.sqlite3")).unwrap();
    conn.execute_batch("DROP TRIGGER staff_grant_administrator_alone")
        .unwrap();
    for (id, role, granted_by) in [
        ("g-clerk", "window_clerk", "someone"),
        ("g-self", "catalog_admin", sec.as_str()),
    ] {
        conn.execute(
            "INSERT INTO staff_grant (id, account_id, role, division_code, matters, unmask, granted_by, granted_at)
             VALUES (?1, ?2, ?3, '331199', '[]', 1, ?4, '2026-03-01T00:00:00.000000Z')",
            rusqlite::params![id, sec, role, granted_by],
        )
        .unwrap();
    }
    let admin = Admin::sign_in(&app, "secadmin").await;
    let applicant = id_of_applicant(&app).await;
    for path in [
        format!("/api/v1/accounts/{applicant}/identity"),
        "/admin/catalog".to_string(),
        "/staff/people".to_string(),
    ] {
        let (status, _) = admin.send(&app, "GET", &path, &[]).await;
        assert_eq!(status, 403, "{path}");
    }
    let (status, _) = admin.send(&app, "GET", "/admin/staff", &[]).await;
    assert_eq!(status, 200, "the account's own role still works");
}

//! Staff administration attacked along every axis, not only by role: scope (an
//! administrator of one township against objects of another, of the county, of a division
//! that does not exist), the three administrators (every way one could obtain another's
//! power or a business role) and self (granting, revoking, resetting, issuing for oneself).
//! Every staff-administration route has a row in [`STAFF_ADMINISTRATION`]; a new route
//! without one fails [`every_staff_administration_route_is_attacked_on_every_axis`].

use super::auth::{count, csrf_of, get, post_form, staff};
use super::each_app;
use onetrip_domain::access::{Permission, Role};
use onetrip_domain::audit::AuditEvent;
use onetrip_store::ApiToken;
use onetrip_testkit::TestApp;
use onetrip_web::auth::Access;
use reqwest::Client;

/// How a staff-administration route is tried against an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    /// `{id}` is a staff account; a read when the method is GET.
    Account(Body),
    /// `{id}` is one of the account's grants.
    Grant,
    /// `{id}` is one of the account's API tokens.
    Token,
    /// `{id}` is a delegation.
    Delegation,
    /// Lists staff accounts.
    ListStaff,
    /// Lists delegations.
    ListDelegations,
    /// Creates a staff account.
    Create,
    /// Creates a delegation.
    Delegate,
}

/// What a changing request sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Nothing,
    /// A handler grant over the account's own township.
    Grant,
    Password,
}

use Probe::*;

/// Every route a security administrator uses, and how it is attacked.
const STAFF_ADMINISTRATION: &[(&str, &str, Probe)] = &[
    ("GET", "/admin/staff", ListStaff),
    ("POST", "/admin/staff", Create),
    ("POST", "/admin/staff/{id}/grants", Account(Body::Grant)),
    ("POST", "/admin/grants/{id}/revoke", Grant),
    ("POST", "/admin/staff/{id}/disable", Account(Body::Nothing)),
    ("POST", "/admin/staff/{id}/enable", Account(Body::Nothing)),
    (
        "POST",
        "/admin/staff/{id}/reset-password",
        Account(Body::Password),
    ),
    (
        "POST",
        "/admin/staff/{id}/reset-second-factor",
        Account(Body::Nothing),
    ),
    ("POST", "/admin/tokens/{id}/revoke", Token),
    ("GET", "/api/v1/staff", ListStaff),
    ("POST", "/api/v1/staff", Create),
    ("POST", "/api/v1/staff/{id}/grants", Account(Body::Grant)),
    ("DELETE", "/api/v1/grants/{id}", Grant),
    ("POST", "/api/v1/staff/{id}/disable", Account(Body::Nothing)),
    ("POST", "/api/v1/staff/{id}/enable", Account(Body::Nothing)),
    ("GET", "/api/v1/staff/{id}/tokens", Account(Body::Nothing)),
    ("DELETE", "/api/v1/tokens/{id}", Token),
    ("GET", "/api/v1/delegations", ListDelegations),
    ("POST", "/api/v1/delegations", Delegate),
    ("DELETE", "/api/v1/delegations/{id}", Delegation),
];

#[test]
fn every_staff_administration_route_is_attacked_on_every_axis() {
    let declared: Vec<(String, String)> = onetrip_web::routes::route_info()
        .into_iter()
        .filter(|r| r.access == Access::Staff(Permission::ManageStaff))
        .map(|r| (r.method.to_string(), r.path))
        .collect();
    for (method, path) in &declared {
        assert!(
            STAFF_ADMINISTRATION
                .iter()
                .any(|(m, p, _)| m == method && p == path),
            "{method} {path} manages staff but has no row on the scope, administrator and self axes"
        );
    }
    for (method, path, _) in STAFF_ADMINISTRATION {
        assert!(
            declared.contains(&(method.to_string(), path.to_string())),
            "{method} {path} is no longer a staff-administration route"
        );
    }
}

/// A signed-in administrator and its CSRF token.
struct Admin {
    client: Client,
    csrf: String,
}

impl Admin {
    async fn sign_in(app: &TestApp, login: &str) -> Admin {
        let client = staff(app, login).await;
        let csrf = csrf_of(app, &client).await;
        Admin { client, csrf }
    }

    /// Sends a JSON (API) or form (page) request; status and body.
    async fn send(
        &self,
        app: &TestApp,
        method: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String) {
        if !path.starts_with("/api/") {
            if method == "GET" {
                return get(app, &self.client, path).await;
            }
            let mut form = vec![("csrf", self.csrf.as_str())];
            form.extend_from_slice(fields);
            return post_form(app, &self.client, path, &form).await;
        }
        let mut req = self
            .client
            .request(method.parse().unwrap(), app.url(path))
            .header("x-csrf-token", &self.csrf);
        if method == "POST" {
            let body: serde_json::Map<String, serde_json::Value> = fields
                .iter()
                .map(|(k, v)| {
                    let value = match *k {
                        "matters" | "scopes" => serde_json::json!([v]),
                        "unmask" => serde_json::json!(*v == "1"),
                        _ => serde_json::json!(v),
                    };
                    (k.to_string(), value)
                })
                .collect();
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }
}

async fn id_of(app: &TestApp, login: &str) -> String {
    app.store.account_by_login(login).await.unwrap().unwrap().id
}

/// A token of an account carrying all its grants, made directly in the store as a token
/// issued before the upgrade could be (only holders issue them now): its id and secret.
async fn token_of(app: &TestApp, account: &str) -> (String, String) {
    let id = onetrip_store::new_id();
    let secret = format!("ot_fixture_{id}");
    let grants = app.store.grants_of(account).await.unwrap();
    app.store
        .create_token(
            ApiToken {
                id: id.clone(),
                account_id: account.into(),
                name: "fixture".into(),
                token_hash: onetrip_vault::secret_hash(&secret),
                scopes: grants
                    .iter()
                    .map(|g| g.grant.role.key().to_string())
                    .collect(),
                grant_ids: grants.iter().map(|g| g.id.clone()).collect(),
                created_at: chrono::Utc::now(),
                expires_at: None,
                revoked_at: None,
            },
            onetrip_domain::audit::AuditRecord {
                at: chrono::Utc::now(),
                actor: Some("test".into()),
                source: "console".into(),
                event: AuditEvent::TokenCreated,
                object: Some(account.into()),
                outcome: onetrip_domain::audit::Outcome::Success,
                detail: "fixture".into(),
            },
        )
        .await
        .unwrap();
    (id, secret)
}

/// Everything an administrative change could alter about an account.
async fn fingerprint(app: &TestApp, id: &str) -> String {
    let a = app.store.account(id).await.unwrap().unwrap();
    let grants: Vec<_> = app
        .store
        .grants_of(id)
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.id, g.grant))
        .collect();
    let tokens: Vec<_> = app
        .store
        .tokens_of(id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.id, t.revoked_at))
        .collect();
    format!(
        "{:?} {:?} {:?} {:?} {grants:?} {tokens:?}",
        a.disabled_at,
        a.password_hash,
        a.totp_secret.is_some(),
        a.display_name
    )
}

/// An object an attack is aimed at: an account with a grant and a token.
struct Target {
    label: &'static str,
    account: String,
    grant: String,
    token: String,
    /// The token's secret.
    secret: String,
    /// The division a grant to it would name.
    division: &'static str,
}

async fn target(app: &TestApp, label: &'static str, login: &str, division: &'static str) -> Target {
    let account = id_of(app, login).await;
    let grant = app.store.grants_of(&account).await.unwrap()[0].id.clone();
    let (token, secret) = token_of(app, &account).await;
    Target {
        label,
        account,
        grant,
        token,
        secret,
        division,
    }
}

/// Tries every account, grant and token route against `t`, expecting `status` for changes
/// and `read` for reads; nothing may change, and every refusal is audited.
async fn attack(app: &TestApp, who: &Admin, t: &Target, status: u16, read: u16) {
    for (method, path, probe) in STAFF_ADMINISTRATION {
        let (id, fields): (&str, Vec<(&str, &str)>) = match probe {
            Account(Body::Nothing) => (&t.account, vec![]),
            Account(Body::Grant) => (
                &t.account,
                vec![("role", "handler"), ("division", t.division)],
            ),
            Account(Body::Password) => (&t.account, vec![("password", "溪水长流桃花又开了")]),
            Grant => (&t.grant, vec![]),
            Token => (&t.token, vec![]),
            _ => continue,
        };
        let before = fingerprint(app, &t.account).await;
        let denied = count(app, AuditEvent::AccessDenied).await;
        let (got, body) = who
            .send(app, method, &path.replace("{id}", id), &fields)
            .await;
        let expected = if *method == "GET" { read } else { status };
        assert_eq!(got, expected, "{} {method} {path}: {body}", t.label);
        assert_eq!(
            fingerprint(app, &t.account).await,
            before,
            "{} {method} {path} changed the account",
            t.label
        );
        if expected >= 400 {
            assert_eq!(
                count(app, AuditEvent::AccessDenied).await,
                denied + 1,
                "{} {method} {path}: the refusal is audited",
                t.label
            );
        }
    }
}

#[tokio::test]
async fn a_township_administrator_reaches_nothing_outside_its_township() {
    each_app(|app| async move {
        // 石门镇 (331199101) has its own security administrator; 云峰镇 (331199102) is
        // another township; the county supervisor works for the county.
        app.add_staff(
            "yunfeng.window",
            "331199102-centre",
            Some((Role::WindowClerk, "331199102")),
        )
        .await
        .unwrap();
        app.add_staff(
            "shimen.approver",
            "331199101-centre",
            Some((Role::Approver, "331199")),
        )
        .await
        .unwrap();
        let township = Admin::sign_in(&app, "shimen.security").await;
        let other = target(&app, "another township", "yunfeng.window", "331199102").await;
        let county = target(&app, "the county", "supervisor", "331199").await;
        attack(&app, &township, &other, 404, 404).await;
        attack(&app, &township, &county, 404, 404).await;
        // An account of the township whose grant reaches the whole county is seen, not
        // changed: managing it would hand out county-wide power.
        let wide = target(&app, "county-wide grant", "shimen.approver", "331199101").await;
        attack(&app, &township, &wide, 403, 200).await;

        // Lists show only the township.
        let (status, page) = township.send(&app, "GET", "/admin/staff", &[]).await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"staff-shimen.window\""), "{page}");
        for login in ["yunfeng.window", "supervisor", "secadmin"] {
            assert!(
                !page.contains(&format!("id=\"staff-{login}\"")),
                "the page lists {login}"
            );
        }
        let (status, body) = township.send(&app, "GET", "/api/v1/staff", &[]).await;
        assert_eq!(status, 200);
        let logins: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(&body)
            .unwrap()
            .iter()
            .map(|a| a["login"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            logins,
            vec!["shimen.approver", "shimen.security", "shimen.window"],
            "the API lists the township only"
        );
        let (status, _) = township
            .send(
                &app,
                "GET",
                &format!("/api/v1/accounts/{}", county.account),
                &[],
            )
            .await;
        assert_eq!(status, 404, "a county account by id");

        // Grants inside the township only, over divisions that exist.
        let clerk = id_of(&app, "shimen.window").await;
        for (division, status) in [
            ("331199", 403),
            ("330000", 403),
            ("331199102", 403),
            ("110105", 422),
            ("331199202", 422),
        ] {
            for path in ["/api/v1/staff/{id}/grants", "/admin/staff/{id}/grants"] {
                let before = fingerprint(&app, &clerk).await;
                let (got, body) = township
                    .send(
                        &app,
                        "POST",
                        &path.replace("{id}", &clerk),
                        &[("role", "catalog_admin"), ("division", division)],
                    )
                    .await;
                assert_eq!(got, status, "{path} over {division}: {body}");
                assert_eq!(fingerprint(&app, &clerk).await, before);
            }
        }
        let (status, body) = township
            .send(
                &app,
                "POST",
                &format!("/api/v1/staff/{clerk}/grants"),
                &[("role", "handler"), ("division", "331199101201")],
            )
            .await;
        assert_eq!(status, 201, "a village of the township: {body}");

        // Accounts only for the township's own organizations.
        for (n, (path, organization, status)) in [
            ("/api/v1/staff", "331199102-centre", 403),
            ("/api/v1/staff", "331199-centre", 403),
            ("/api/v1/staff", "nowhere-centre", 422),
            ("/admin/staff", "331199-centre", 403),
            ("/api/v1/staff", "331199101-centre", 201),
        ]
        .into_iter()
        .enumerate()
        {
            let login = format!("newcomer{n}");
            let (got, body) = township
                .send(
                    &app,
                    "POST",
                    path,
                    &[
                        ("login", &login),
                        ("name", "新同事"),
                        ("organization", organization),
                        ("password", "溪水长流桃花又开了"),
                    ],
                )
                .await;
            assert_eq!(got, status, "{path} for {organization}: {body}");
        }

        // Delegations only between the township's own department and places.
        let county_admin = Admin::sign_in(&app, "secadmin").await;
        let (status, body) = county_admin
            .send(
                &app,
                "POST",
                "/api/v1/delegations",
                &[
                    ("department", "11331199MB1A023505"),
                    ("place", "331199102-centre"),
                ],
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let yunfeng: serde_json::Value = serde_json::from_str(&body).unwrap();
        let (_, listed) = township.send(&app, "GET", "/api/v1/delegations", &[]).await;
        assert!(!listed.contains("331199102-centre"), "{listed}");
        let (status, _) = township
            .send(
                &app,
                "DELETE",
                &format!("/api/v1/delegations/{}", yunfeng["id"].as_str().unwrap()),
                &[],
            )
            .await;
        assert_eq!(status, 404);
        for (department, place) in [
            ("11331199MB1A023505", "331199102-centre"),
            ("11331199MB1A001006", "331199101-centre"),
            ("11331199MB1A02190X", "331199-centre"),
        ] {
            let (status, body) = township
                .send(
                    &app,
                    "POST",
                    "/api/v1/delegations",
                    &[("department", department), ("place", place)],
                )
                .await;
            assert_eq!(status, 403, "{department} to {place}: {body}");
        }
        let (status, body) = township
            .send(
                &app,
                "POST",
                "/api/v1/delegations",
                &[
                    ("department", "11331199MB1A02190X"),
                    ("place", "331199101201-point"),
                ],
            )
            .await;
        assert_eq!(status, 201, "the township to its village point: {body}");
        assert_eq!(app.store.delegations().await.unwrap().len(), 2);
    })
    .await;
}

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
    let (_, number, _) = onetrip_service::demo::DEMO_APPLICANT;
    let login =
        onetrip_service::security::applicant_login(&app.security, "resident_id_card", number);
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

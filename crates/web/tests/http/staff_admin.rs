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
pub(crate) enum Probe {
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
pub(crate) enum Body {
    Nothing,
    /// A handler grant over the account's own township.
    Grant,
    Password,
}

use Probe::*;

/// Every route a security administrator uses, and how it is attacked.
pub(crate) const STAFF_ADMINISTRATION: &[(&str, &str, Probe)] = &[
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
pub(crate) struct Admin {
    pub(crate) client: Client,
    pub(crate) csrf: String,
}

impl Admin {
    pub(crate) async fn sign_in(app: &TestApp, login: &str) -> Admin {
        let client = staff(app, login).await;
        let csrf = csrf_of(app, &client).await;
        Admin { client, csrf }
    }

    /// Sends a JSON (API) or form (page) request; status and body.
    pub(crate) async fn send(
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

pub(crate) async fn id_of(app: &TestApp, login: &str) -> String {
    app.store.account_by_login(login).await.unwrap().unwrap().id
}

/// A token of an account carrying all its grants, made directly in the store as a token
/// issued before the upgrade could be (only holders issue them now): its id and secret.
pub(crate) async fn token_of(app: &TestApp, account: &str) -> (String, String) {
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
pub(crate) async fn fingerprint(app: &TestApp, id: &str) -> String {
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
pub(crate) struct Target {
    pub(crate) label: &'static str,
    pub(crate) account: String,
    pub(crate) grant: String,
    pub(crate) token: String,
    /// The token's secret.
    pub(crate) secret: String,
    /// The division a grant to it would name.
    pub(crate) division: &'static str,
}

pub(crate) async fn target(
    app: &TestApp,
    label: &'static str,
    login: &str,
    division: &'static str,
) -> Target {
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
pub(crate) async fn attack(app: &TestApp, who: &Admin, t: &Target, status: u16, read: u16) {
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

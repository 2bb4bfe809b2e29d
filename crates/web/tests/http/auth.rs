//! Sign-in, sessions, CSRF, lockout, second factor, personal data, the three
//! administrators, API tokens and the route permission matrix, through real requests.

use super::each_app;
use onetrip_domain::audit::AuditEvent;
use onetrip_service::demo::{DEMO_APPLICANT, DEMO_PASSWORD};
use onetrip_store::AuditFilter;
use onetrip_testkit::TestApp;
use onetrip_web::auth::Access;
use reqwest::Client;
use std::collections::BTreeSet;

/// The value of `name="csrf"` in a page.
pub(crate) fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..].split('"').next().unwrap().to_string()
}

pub(crate) async fn post_form(
    app: &TestApp,
    client: &Client,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let resp = client.post(app.url(path)).form(form).send().await.unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let body = resp.text().await.unwrap();
    (status, location.unwrap_or(body))
}

pub(crate) async fn get(app: &TestApp, client: &Client, path: &str) -> (u16, String) {
    let resp = client.get(app.url(path)).send().await.unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let body = resp.text().await.unwrap();
    (status, location.unwrap_or(body))
}

/// Signs a demo staff account in with password and the current code.
pub(crate) async fn staff(app: &TestApp, login: &str) -> Client {
    let client = app.browser();
    let (status, to) = post_form(
        app,
        &client,
        "/login",
        &[("login", login), ("password", DEMO_PASSWORD)],
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/login/second-factor"),
        "{login}"
    );
    let (status, page) = get(app, &client, "/login/second-factor").await;
    assert_eq!(status, 200);
    let code = app.totp_code(login).await.unwrap();
    let (status, to) = post_form(
        app,
        &client,
        "/login/second-factor",
        &[("csrf", &csrf_in(&page)), ("code", &code)],
    )
    .await;
    assert_eq!((status, to.as_str()), (303, "/me"), "{login}: {to}");
    client
}

pub(crate) async fn applicant(app: &TestApp) -> Client {
    let client = app.browser();
    let (status, to) = post_form(
        app,
        &client,
        "/login",
        &[("login", DEMO_APPLICANT.1), ("password", DEMO_PASSWORD)],
    )
    .await;
    assert_eq!((status, to.as_str()), (303, "/me"));
    client
}

/// GET a path as JSON with a client's cookies.
pub(crate) async fn json(app: &TestApp, client: &Client, path: &str) -> serde_json::Value {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub(crate) async fn csrf_of(app: &TestApp, client: &Client) -> String {
    let me: serde_json::Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["csrf_token"].as_str().unwrap().to_string()
}

pub(crate) async fn count(app: &TestApp, event: AuditEvent) -> usize {
    app.store
        .audit_entries(&AuditFilter {
            event: Some(event),
            limit: 1000,
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn staff_sign_in_needs_password_and_a_code_that_works_once() {
    each_app(|app| async move {
        let clerk = staff(&app, "clerk").await;
        let (status, page) = get(&app, &clerk, "/me").await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page.contains("周晓兰") && page.contains("综合窗口"),
            "{page}"
        );
        assert_eq!(count(&app, AuditEvent::LoginSucceeded).await, 1);

        // The same code again, from a second sign-in within the same 30 seconds: refused.
        let again = app.browser();
        post_form(
            &app,
            &again,
            "/login",
            &[("login", "clerk"), ("password", DEMO_PASSWORD)],
        )
        .await;
        let (_, page) = get(&app, &again, "/login/second-factor").await;
        let code = app.totp_code("clerk").await.unwrap();
        let (status, body) = post_form(
            &app,
            &again,
            "/login/second-factor",
            &[("csrf", &csrf_in(&page)), ("code", &code)],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("已使用过"), "{body}");
        assert_eq!(get(&app, &again, "/me").await.0, 303, "still not signed in");

        // Half a minute later the phone shows a new code, which works.
        app.clock.advance(chrono::Duration::seconds(30));
        let code = app.totp_code("clerk").await.unwrap();
        let (status, to) = post_form(
            &app,
            &again,
            "/login/second-factor",
            &[("csrf", &csrf_in(&page)), ("code", &code)],
        )
        .await;
        assert_eq!((status, to.as_str()), (303, "/me"));
    })
    .await;
}

#[tokio::test]
async fn unknown_account_and_wrong_password_get_the_same_answer() {
    each_app(|app| async move {
        let c = app.browser();
        let (s1, wrong) = post_form(
            &app,
            &c,
            "/login",
            &[("login", "clerk"), ("password", "not-the-password")],
        )
        .await;
        let (s2, unknown) = post_form(
            &app,
            &c,
            "/login",
            &[("login", "nobody-here"), ("password", "not-the-password")],
        )
        .await;
        assert_eq!((s1, s2), (401, 401));
        let message = |html: &str| {
            html.split("role=\"alert\"")
                .nth(1)
                .unwrap()
                .split("</div>")
                .next()
                .unwrap()
                .to_string()
        };
        assert_eq!(message(&wrong), message(&unknown));
        assert!(wrong.contains("账号或密码不正确"));
        assert_eq!(count(&app, AuditEvent::LoginFailed).await, 2);
    })
    .await;
}

#[tokio::test]
async fn lockout_holds_and_the_real_user_gets_in_after_it_ends() {
    each_app(|app| async move {
        let c = app.browser();
        for _ in 0..5 {
            let (status, _) = post_form(
                &app,
                &c,
                "/login",
                &[("login", "handler"), ("password", "guess-guess-guess")],
            )
            .await;
            assert_eq!(status, 401);
        }
        assert_eq!(count(&app, AuditEvent::AccountLocked).await, 1);
        let (status, _) = post_form(
            &app,
            &c,
            "/login",
            &[("login", "handler"), ("password", DEMO_PASSWORD)],
        )
        .await;
        assert_eq!(status, 401, "locked: even the right password is refused");
        // Another account behind the same address is not affected.
        staff(&app, "reviewer").await;
        app.clock.advance(chrono::Duration::minutes(16));
        staff(&app, "handler").await;
    })
    .await;
}

#[tokio::test]
async fn forged_or_foreign_posts_are_refused_and_change_nothing() {
    each_app(|app| async move {
        let admin = staff(&app, "secadmin").await;
        let before = app.store.staff_accounts().await.unwrap().len();
        let form = |csrf: &'static str| {
            vec![
                ("csrf", csrf),
                ("login", "newclerk"),
                ("name", "新同事"),
                ("organization", "331199-centre"),
                ("password", "桃花溪水长流不息"),
            ]
        };
        let (status, _) = post_form(&app, &admin, "/admin/staff", &form("")[1..]).await;
        assert_eq!(status, 403, "no token");
        let (status, _) = post_form(&app, &admin, "/admin/staff", &form("forged")).await;
        assert_eq!(status, 403, "wrong token");
        let token = csrf_of(&app, &admin).await;
        let foreign = admin
            .post(app.url("/admin/staff"))
            .header("origin", "http://evil.example")
            .form(&[
                ("csrf", token.as_str()),
                ("login", "newclerk"),
                ("name", "新同事"),
                ("organization", "331199-centre"),
                ("password", "桃花溪水长流不息"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status().as_u16(), 403, "foreign origin");
        assert_eq!(
            app.store.staff_accounts().await.unwrap().len(),
            before,
            "nothing was created"
        );
        let (status, to) = post_form(
            &app,
            &admin,
            "/admin/staff",
            &[
                ("csrf", token.as_str()),
                ("login", "newclerk"),
                ("name", "新同事"),
                ("organization", "331199-centre"),
                ("password", "桃花溪水长流不息"),
            ],
        )
        .await;
        assert_eq!((status, to.as_str()), (303, "/admin/staff?done=created"));
        assert_eq!(app.store.staff_accounts().await.unwrap().len(), before + 1);
    })
    .await;
}

#[tokio::test]
async fn tampered_cookies_expired_sessions_and_logout() {
    each_app(|app| async move {
        let tampered = app
            .client
            .get(app.url("/api/v1/me"))
            .header("cookie", "onetrip-session=AAAAtamperedAAAA")
            .send()
            .await
            .unwrap();
        assert_eq!(tampered.status().as_u16(), 401);
        let me = applicant(&app).await;
        assert_eq!(get(&app, &me, "/me").await.0, 200);
        app.clock.advance(chrono::Duration::minutes(31));
        let (status, to) = get(&app, &me, "/me").await;
        assert_eq!(
            (status, to.as_str()),
            (303, "/login?next=%2Fme"),
            "idle timeout"
        );

        let me = applicant(&app).await;
        let token = csrf_of(&app, &me).await;
        let (status, _) = post_form(&app, &me, "/logout", &[("csrf", token.as_str())]).await;
        assert_eq!(status, 303);
        assert_eq!(
            me.get(app.url("/api/v1/me"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            401
        );
        assert_eq!(count(&app, AuditEvent::Logout).await, 1);
    })
    .await;
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_at_once() {
    each_app(|app| async move {
        let handler = staff(&app, "handler").await;
        assert_eq!(get(&app, &handler, "/me").await.0, 200);
        let admin = staff(&app, "secadmin").await;
        let id = app
            .store
            .account_by_login("handler")
            .await
            .unwrap()
            .unwrap()
            .id;
        let token = csrf_of(&app, &admin).await;
        let resp = admin
            .post(app.url(&format!("/api/v1/staff/{id}/disable")))
            .header("x-csrf-token", token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 204);
        assert_eq!(get(&app, &handler, "/me").await.0, 303);
        let c = app.browser();
        let (status, _) = post_form(
            &app,
            &c,
            "/login",
            &[("login", "handler"), ("password", DEMO_PASSWORD)],
        )
        .await;
        assert_eq!(status, 401);
    })
    .await;
}

#[tokio::test]
async fn applicants_register_see_masked_numbers_and_nobody_else() {
    each_app(|app| async move {
        let c = app.browser();
        let bad = c
            .post(app.url("/api/v1/applicants"))
            .json(&serde_json::json!({"name": "刘䶮", "document_number": "33119919800705003X", "phone": "13800000002", "password": "溪水长流桃花又开了"}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status().as_u16(), 422);
        let body: serde_json::Value = bad.json().await.unwrap();
        assert_eq!(body["error"]["field"], "document_number");
        assert!(body["error"]["message"].as_str().unwrap().contains("校验码"), "{body}");
        for (lang, expected) in [
            ("en", "Document number: the check character (18th) of the resident ID card number is wrong"),
            ("zh-Hant", "居民身分證號碼第 18 位校驗碼不正確"),
        ] {
            let bad: serde_json::Value = c
                .post(app.url(&format!("/api/v1/applicants?lang={lang}")))
                .json(&serde_json::json!({"name": "刘䶮", "document_number": "33119919800705003X", "phone": "13800000002", "password": "溪水长流桃花又开了"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let message = bad["error"]["message"].as_str().unwrap();
            assert!(message.contains(expected), "{lang}: {message}");
        }
        let form = c
            .post(app.url("/register?lang=en"))
            .form(&[("name", "Liu 3"), ("document_kind", "resident_id_card"), ("document_number", "331199198007050037"), ("phone", "13800000002"), ("password", "溪水长流桃花又开了")])
            .send()
            .await
            .unwrap();
        assert_eq!(form.status().as_u16(), 422);
        let page = form.text().await.unwrap();
        assert!(page.contains("character 5 of the name, “3”, cannot be used in a name"), "{page}");

        let ok = c
            .post(app.url("/api/v1/applicants"))
            .json(&serde_json::json!({"name": "刘䶮", "document_number": "３３１１９９１９８００７０５００３７", "phone": "138 0000 0002", "password": "溪水长流桃花又开了"}))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status().as_u16(), 201);
        let me: serde_json::Value = c.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
        assert_eq!(me["name"], "刘䶮");
        assert_eq!(me["document_number"], "331199********0037");
        assert_eq!(me["phone"], "138****0002");
        assert_eq!(me["assurance"], "self_registered");

        let again = app.browser().post(app.url("/api/v1/applicants"))
            .json(&serde_json::json!({"name": "刘䶮", "document_number": "331199198007050037", "phone": "13800000003", "password": "溪水长流桃花又开了"}))
            .send().await.unwrap();
        assert_eq!(again.status().as_u16(), 409);

        // The other applicant's account, by changing the id in the URL: 404 and a record.
        let other = app.store.account_by_login(&onetrip_service::security::applicant_login(&app.security, "resident_id_card", DEMO_APPLICANT.1)).await.unwrap().unwrap();
        let denied_before = count(&app, AuditEvent::AccessDenied).await;
        let resp = c.get(app.url(&format!("/api/v1/accounts/{}", other.id))).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 404);
        assert_eq!(count(&app, AuditEvent::AccessDenied).await, denied_before + 1);
        let own = c.get(app.url(&format!("/api/v1/accounts/{}", me["id"].as_str().unwrap()))).send().await.unwrap();
        assert_eq!(own.status().as_u16(), 200);

        // Signing in by phone works too, and the page shows masked numbers only.
        let by_phone = app.browser();
        let (status, _) = post_form(&app, &by_phone, "/login", &[("login", "13800000002"), ("password", "溪水长流桃花又开了")]).await;
        assert_eq!(status, 303);
        let (_, page) = get(&app, &by_phone, "/me").await;
        assert!(page.contains("331199********0037") && !page.contains("331199198007050037"));
    })
    .await;
}

#[tokio::test]
async fn unmasking_needs_its_grant_and_is_recorded() {
    each_app(|app| async move {
        let other = app
            .store
            .account_by_login(&onetrip_service::security::applicant_login(
                &app.security,
                "resident_id_card",
                DEMO_APPLICANT.1,
            ))
            .await
            .unwrap()
            .unwrap();
        let path = format!("/api/v1/accounts/{}/identity", other.id);
        let handler = staff(&app, "handler").await;
        assert_eq!(
            handler
                .get(app.url(&path))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            403
        );
        let clerk = staff(&app, "clerk").await;
        let full: serde_json::Value = clerk
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(full["document_number"], DEMO_APPLICANT.1);
        assert_eq!(full["phone"], DEMO_APPLICANT.2);
        assert_eq!(count(&app, AuditEvent::Unmasked).await, 1);
    })
    .await;
}

#[tokio::test]
async fn the_three_administrators_stay_separate() {
    each_app(|app| async move {
        let sec = staff(&app, "secadmin").await;
        let token = csrf_of(&app, &sec).await;
        let sys_id = app
            .store
            .account_by_login("sysadmin")
            .await
            .unwrap()
            .unwrap()
            .id;
        let resp = sec
            .post(app.url(&format!("/api/v1/staff/{sys_id}/grants")))
            .header("x-csrf-token", &token)
            .json(&serde_json::json!({"role": "audit_admin", "division": "331199"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 403);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert!(
            body["error"]["message"].as_str().unwrap().contains("服务器控制台"),
            "{body}"
        );

        let sys = staff(&app, "sysadmin").await;
        let denied_before = count(&app, AuditEvent::AccessDenied).await;
        assert_eq!(get(&app, &sys, "/admin/audit").await.0, 403);
        assert_eq!(get(&app, &sys, "/admin/staff").await.0, 403);
        assert_eq!(
            count(&app, AuditEvent::AccessDenied).await,
            denied_before + 2
        );

        let auditor = staff(&app, "auditor").await;
        let (status, page) = get(&app, &auditor, "/admin/audit?event=access_denied").await;
        assert_eq!(status, 200);
        assert!(page.contains("拒绝访问"));
        let csv = auditor
            .get(app.url("/admin/audit.csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(csv.starts_with("\u{feff}seq,at_utc,actor"));
        assert!(csv.contains("login_succeeded"));

        // The auditor walks the hash chain; an edit behind the application's back is found.
        let (status, page) = get(&app, &auditor, "/admin/audit/verify").await;
        assert_eq!(status, 200);
        assert!(page.contains("哈希链完整"), "{page}");
        let report: serde_json::Value = auditor.get(app.url("/api/v1/audit/verify")).send().await.unwrap().json().await.unwrap();
        assert_eq!(report["intact"], true, "{report}");
        assert!(report["entries"].as_i64().unwrap() > 5, "{report}");
        let token = csrf_of(&app, &auditor).await;
        let resp = auditor
            .post(app.url(&format!("/api/v1/staff/{sys_id}/grants")))
            .header("x-csrf-token", &token)
            .json(&serde_json::json!({"role": "handler", "division": "331199"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status().as_u16(),
            403,
            "the audit administrator grants nothing"
        );
        assert!(matches!(
            app.store.verify_audit().await.unwrap(),
            onetrip_domain::chain::ChainCheck::Intact { .. }
        ));
        if app.backend == onetrip_testkit::Backend::Sqlite {
            let conn = rusqlite::Connection::open(app.data_dir().join("test.sqlite3")).unwrap();
            conn.execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = 'edited' WHERE seq = 3;").unwrap();
            let report: serde_json::Value = auditor.get(app.url("/api/v1/audit/verify")).send().await.unwrap().json().await.unwrap();
            assert_eq!(report["intact"], false, "{report}");
            assert_eq!(report["broken_at"], 3, "{report}");
            let (_, page) = get(&app, &auditor, "/admin/audit/verify").await;
            assert!(page.contains("哈希链在第 3 条记录处断开"), "{page}");
        }
    })
    .await;
}

#[tokio::test]
async fn api_tokens_are_issued_by_their_holder_and_work_until_revoked() {
    each_app(|app| async move {
        // The handler's own system: the handler signs in and issues it a token.
        let handler = staff(&app, "handler").await;
        let csrf = csrf_of(&app, &handler).await;
        let handler_id = app
            .store
            .account_by_login("handler")
            .await
            .unwrap()
            .unwrap()
            .id;
        let created: serde_json::Value = handler
            .post(app.url("/api/v1/me/tokens"))
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({"name": "民政业务系统", "scopes": ["handler"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = created["token"].as_str().unwrap();
        assert!(token.starts_with("ot_"), "{created}");
        let me = app
            .client
            .get(app.url("/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status().as_u16(), 200);
        let mine: serde_json::Value = handler
            .get(app.url("/api/v1/me/tokens"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(mine[0]["name"], "民政业务系统", "{mine}");
        // The security administrator sees it and revokes it.
        let sec = staff(&app, "secadmin").await;
        let sec_csrf = csrf_of(&app, &sec).await;
        let resp = sec
            .delete(app.url(&format!(
                "/api/v1/tokens/{}",
                created["id"].as_str().unwrap()
            )))
            .header("x-csrf-token", &sec_csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 204);
        let me = app
            .client
            .get(app.url("/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status().as_u16(), 401);
        let listed: serde_json::Value = sec
            .get(app.url(&format!("/api/v1/staff/{handler_id}/tokens")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            listed,
            serde_json::json!([]),
            "a revoked token is no longer listed"
        );

        // The same on the holder's own page: issued, shown once, listed, revoked.
        let (status, page) = post_form(
            &app,
            &handler,
            "/me/tokens",
            &[
                ("csrf", &csrf),
                ("name", "不动产登记系统"),
                ("scope", "handler"),
                ("days", "30"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{page}");
        let at = page
            .find("<p class=\"code\">ot_")
            .expect("the new token on the page")
            + 16;
        let token = page[at..].split('<').next().unwrap().to_string();
        let me = app
            .client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status().as_u16(), 200);
        let (_, again) = get(&app, &handler, "/me").await;
        assert!(
            again.contains("不动产登记系统") && !again.contains(&token),
            "listed, never shown again"
        );
        let (_, staff_page) = get(&app, &sec, "/admin/staff").await;
        assert!(
            staff_page.contains("不动产登记系统"),
            "the administrator sees it"
        );
        let listed: serde_json::Value = sec
            .get(app.url(&format!("/api/v1/staff/{handler_id}/tokens")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listed[0]["name"], "不动产登记系统", "{listed}");
        assert!(listed[0]["expires_at"].is_string(), "{listed}");
        assert!(
            !listed.to_string().contains("ot_"),
            "the secret is never listed"
        );
        let (status, page) = post_form(
            &app,
            &handler,
            "/me/tokens",
            &[("csrf", &csrf), ("name", " "), ("scope", "handler")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("请填写令牌名称"), "{page}");
        let (status, page) = post_form(
            &app,
            &handler,
            "/me/tokens",
            &[
                ("csrf", &csrf),
                ("name", "x"),
                ("scope", "handler"),
                ("days", "十天"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("“十天”不是 1 到 3650 之间的整数"), "{page}");
        let forever = handler
            .post(app.url("/api/v1/me/tokens"))
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({"name": "x", "scopes": ["handler"], "days": 0}))
            .send()
            .await
            .unwrap();
        assert_eq!(forever.status().as_u16(), 422);
        let body: serde_json::Value = forever.json().await.unwrap();
        assert_eq!(body["error"]["field"], "days");
        let (status, _) = post_form(
            &app,
            &handler,
            &format!("/me/tokens/{}/revoke", listed[0]["id"].as_str().unwrap()),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(status, 303);
        let me = app
            .client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status().as_u16(), 401);
        let (status, _) = post_form(
            &app,
            &sec,
            "/admin/tokens/no-such-token/revoke",
            &[("csrf", &sec_csrf)],
        )
        .await;
        assert_eq!(status, 404);
    })
    .await;
}

/// No identity number is stored in clear anywhere in the data directory.
#[tokio::test]
async fn the_data_directory_holds_no_identity_number_in_clear() {
    let app = onetrip_testkit::spawn_app(onetrip_testkit::Backend::Sqlite)
        .await
        .unwrap();
    let c = app.browser();
    let resp = c
        .post(app.url("/api/v1/applicants"))
        .json(&serde_json::json!({"name": "刘䶮", "document_number": "331199198007050037", "phone": "13800000002", "password": "溪水长流桃花又开了"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let mut files = vec![app.data_dir().to_path_buf()];
    let mut scanned = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        scanned += bytes.len();
        for secret in [
            "331199198007050037",
            DEMO_APPLICANT.1,
            "13800000002",
            DEMO_APPLICANT.2,
        ] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in clear in {}",
                p.display()
            );
        }
    }
    assert!(
        scanned > 100_000,
        "the scan read the database ({scanned} bytes)"
    );
}

#[tokio::test]
async fn passwords_expire_under_the_mlps_profile_and_are_changed_by_their_owner() {
    for backend in onetrip_testkit::backends().unwrap() {
        let app = onetrip_testkit::spawn_app_with(backend, |c| {
            c.profile = onetrip_domain::auth::PasswordProfile::Mlps;
        })
        .await
        .unwrap();
        app.clock.advance(chrono::Duration::days(91));
        let me = applicant(&app).await;
        let (status, to) = get(&app, &me, "/me").await;
        assert_eq!((status, to.as_str()), (303, "/me/password"));
        let api = me.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(api.status().as_u16(), 403);
        let body: serde_json::Value = api.json().await.unwrap();
        assert_eq!(body["error"]["code"], "password_expired");
        let (_, page) = get(&app, &me, "/me/password").await;
        let csrf = csrf_in(&page);
        let (status, body) = post_form(
            &app,
            &me,
            "/me/password",
            &[
                ("csrf", &csrf),
                ("current_password", "wrong-one-1A"),
                ("new_password", "Taohua-Xi-2026"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("当前密码不正确"), "{body}");
        let (status, body) = post_form(
            &app,
            &me,
            "/me/password",
            &[
                ("csrf", &csrf),
                ("current_password", DEMO_PASSWORD),
                ("new_password", "taohuaxishui"),
            ],
        )
        .await;
        assert_eq!(status, 422, "mlps wants three character classes");
        assert!(body.contains("至少三类"), "{body}");
        let (status, to) = post_form(
            &app,
            &me,
            "/me/password",
            &[
                ("csrf", &csrf),
                ("current_password", DEMO_PASSWORD),
                ("new_password", "Taohua-Xi-2026"),
            ],
        )
        .await;
        assert_eq!((status, to.as_str()), (303, "/me/password?done=1"));
        assert_eq!(get(&app, &me, "/me").await.0, 200);
        let changes = app
            .store
            .audit_entries(&AuditFilter {
                event: Some(AuditEvent::PasswordChanged),
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        let outcomes: Vec<&str> = changes.iter().map(|e| e.record.outcome.key()).collect();
        assert_eq!(outcomes, vec!["success", "failure"]);
    }
}

fn label(access: Access) -> String {
    match access {
        Access::Public => "public".into(),
        Access::SecondFactor => "second_factor".into(),
        Access::SignedIn => "signed_in".into(),
        Access::Staff(p) => format!("{p:?}"),
        Access::AnyStaff => "any_staff".into(),
        Access::Unmask => "unmask".into(),
    }
}

/// Every route with its declared access. A new route fails this test until it is added
/// here, with the access a reviewer agreed to.
const MATRIX: &[(&str, &str, &str)] = &[
    ("GET", "/", "public"),
    ("GET", "/search", "public"),
    ("GET", "/matters", "public"),
    ("GET", "/matter/{base_code}", "public"),
    ("GET", "/guide/{code}", "public"),
    ("GET", "/guide/{code}/checklist", "public"),
    ("GET", "/catalog/check", "public"),
    ("GET", "/login", "public"),
    ("POST", "/login", "public"),
    ("GET", "/login/second-factor", "second_factor"),
    ("POST", "/login/second-factor", "second_factor"),
    ("GET", "/login/sso", "public"),
    ("GET", "/login/sso/callback", "public"),
    ("POST", "/logout", "public"),
    ("GET", "/register", "public"),
    ("POST", "/register", "public"),
    ("GET", "/me", "signed_in"),
    ("GET", "/me/password", "signed_in"),
    ("POST", "/me/password", "signed_in"),
    ("GET", "/admin/staff", "ManageStaff"),
    ("POST", "/admin/staff", "ManageStaff"),
    ("POST", "/admin/staff/{id}/grants", "ManageStaff"),
    ("POST", "/admin/grants/{id}/revoke", "ManageStaff"),
    ("POST", "/admin/staff/{id}/disable", "ManageStaff"),
    ("POST", "/admin/staff/{id}/enable", "ManageStaff"),
    ("POST", "/admin/staff/{id}/reset-password", "ManageStaff"),
    (
        "POST",
        "/admin/staff/{id}/reset-second-factor",
        "ManageStaff",
    ),
    ("GET", "/admin/catalog", "EditCatalog"),
    ("GET", "/admin/catalog/{code}", "EditCatalog"),
    ("POST", "/admin/catalog/{code}", "EditCatalog"),
    ("GET", "/admin/catalog/{code}/preview", "EditCatalog"),
    ("POST", "/admin/catalog/{code}/publish", "EditCatalog"),
    ("GET", "/admin/audit", "ReadAudit"),
    ("GET", "/admin/audit.csv", "ReadAudit"),
    ("GET", "/admin/audit/verify", "ReadAudit"),
    ("GET", "/api/v1/staff/{id}/tokens", "ManageStaff"),
    ("POST", "/me/tokens", "any_staff"),
    ("POST", "/me/tokens/{id}/revoke", "any_staff"),
    ("GET", "/api/v1/me/tokens", "any_staff"),
    ("POST", "/api/v1/me/tokens", "any_staff"),
    ("DELETE", "/api/v1/me/tokens/{id}", "any_staff"),
    ("POST", "/admin/tokens/{id}/revoke", "ManageStaff"),
    ("GET", "/api/v1/audit/verify", "ReadAudit"),
    ("GET", "/api/v1/matters", "public"),
    ("GET", "/api/v1/matters/{base_code}", "public"),
    ("GET", "/api/v1/implementations/{code}", "public"),
    ("GET", "/api/v1/search", "public"),
    ("GET", "/api/v1/catalog/check", "public"),
    ("GET", "/api/v1/departments", "public"),
    ("GET", "/api/v1/divisions", "public"),
    ("GET", "/api/v1/places", "public"),
    ("GET", "/api/v1/life-events", "public"),
    ("POST", "/api/v1/session", "public"),
    ("POST", "/api/v1/session/second-factor", "second_factor"),
    ("DELETE", "/api/v1/session", "signed_in"),
    ("GET", "/api/v1/me", "signed_in"),
    ("POST", "/api/v1/me/password", "signed_in"),
    ("POST", "/api/v1/applicants", "public"),
    ("GET", "/api/v1/accounts/{id}", "signed_in"),
    ("GET", "/api/v1/accounts/{id}/identity", "unmask"),
    ("POST", "/api/v1/people/lookup", "AcceptApplication"),
    (
        "POST",
        "/api/v1/people/{id}/verify-in-person",
        "AcceptApplication",
    ),
    ("POST", "/me/representations/{id}/withdraw", "signed_in"),
    ("GET", "/staff/people", "AcceptApplication"),
    ("POST", "/staff/people", "AcceptApplication"),
    ("POST", "/staff/people/{id}/verify", "AcceptApplication"),
    ("POST", "/staff/people/{id}/unmask", "unmask"),
    ("GET", "/api/v1/staff", "ManageStaff"),
    ("POST", "/api/v1/staff", "ManageStaff"),
    ("POST", "/api/v1/staff/{id}/grants", "ManageStaff"),
    ("DELETE", "/api/v1/grants/{id}", "ManageStaff"),
    ("POST", "/api/v1/staff/{id}/disable", "ManageStaff"),
    ("POST", "/api/v1/staff/{id}/enable", "ManageStaff"),
    ("DELETE", "/api/v1/tokens/{id}", "ManageStaff"),
    ("GET", "/api/v1/audit", "ReadAudit"),
    ("GET", "/api/v1/delegations", "ManageStaff"),
    ("POST", "/api/v1/delegations", "ManageStaff"),
    ("DELETE", "/api/v1/delegations/{id}", "ManageStaff"),
    ("POST", "/api/v1/representations", "AcceptApplication"),
    ("GET", "/api/v1/me/representations", "signed_in"),
    ("DELETE", "/api/v1/representations/{id}", "signed_in"),
    ("GET", "/api/openapi.json", "public"),
    ("GET", "/healthz", "public"),
    ("GET", "/readyz", "public"),
    ("GET", "/static/app.css", "public"),
];

#[test]
fn every_route_has_an_entry_in_the_permission_matrix() {
    let declared: BTreeSet<(String, String, String)> = onetrip_web::routes::route_info()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.to_string(), label(r.access)))
        .collect();
    let expected: BTreeSet<(String, String, String)> = MATRIX
        .iter()
        .map(|(m, p, a)| (m.to_string(), p.to_string(), a.to_string()))
        .collect();
    let missing: Vec<_> = declared.difference(&expected).collect();
    let stale: Vec<_> = expected.difference(&declared).collect();
    assert!(
        missing.is_empty(),
        "routes without a matrix entry (or with another access): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix entries for routes that do not exist: {stale:?}"
    );
}

/// Each cell (route x actor) by a real request: anonymous callers are sent to sign in,
/// signed-in callers without the permission are refused, holders get past the guard.
#[tokio::test]
async fn every_cell_of_the_permission_matrix_holds() {
    each_app(|app| async move {
        let anonymous = app.browser();
        let actors: Vec<(&str, Client)> = vec![
            ("applicant", applicant(&app).await),
            ("clerk", staff(&app, "clerk").await),
            ("secadmin", staff(&app, "secadmin").await),
            ("sysadmin", staff(&app, "sysadmin").await),
            ("auditor", staff(&app, "auditor").await),
        ];
        let holds = |who: &str, access: &str| match access {
            "public" => true,
            "signed_in" => true,
            "second_factor" => false,
            "any_staff" => who != "applicant",
            "ManageStaff" => who == "secadmin",
            "ReadAudit" => who == "auditor",
            "unmask" => who == "clerk",
            "AcceptApplication" => who == "clerk",
            _ => false,
        };
        for (method, path, access) in MATRIX {
            let concrete = path
                .replace("{base_code}", "000105002000")
                .replace("{code}", "11331199MB1A001006000105001000")
                .replace("{id}", "00000000-0000-0000-0000-000000000000");
            let api = concrete.starts_with("/api/");
            let send = |client: &Client, csrf: Option<String>| {
                let mut req = client.request(method.parse().unwrap(), app.url(&concrete));
                if *method != "GET" {
                    req = req.header("content-type", "application/x-www-form-urlencoded");
                    req = req.body(match csrf {
                        Some(t) => format!("csrf={t}"),
                        None => String::new(),
                    });
                }
                req.send()
            };
            let status = send(&anonymous, None).await.unwrap().status().as_u16();
            match *access {
                // Public routes pass the guard; a wrong login (401) is the route's own answer,
                // and so is the sign-on callback's refusal of a call it did not start (403).
                "public" if *path == "/login/sso/callback" => {}
                "public" => assert_ne!(status, 403, "anonymous {method} {path}"),
                _ if api => assert_eq!(status, 401, "anonymous {method} {path}"),
                _ if *method == "GET" => assert_eq!(status, 303, "anonymous {method} {path}"),
                _ => assert_eq!(status, 401, "anonymous {method} {path}"),
            }
            if *path == "/logout" || *path == "/api/v1/session" {
                continue;
            }
            for (who, client) in &actors {
                let csrf = csrf_of(&app, client).await;
                let status = send(client, Some(csrf)).await.unwrap().status().as_u16();
                if *access == "public" {
                    if *path != "/login/sso/callback" {
                        assert_ne!(status, 403, "{who} {method} {path}");
                    }
                } else if holds(who, access) {
                    assert!(
                        status != 401 && status != 403,
                        "{who} {method} {path}: {status}"
                    );
                } else if *access == "second_factor" {
                    assert_eq!(status, 403, "{who} {method} {path}: already signed in");
                } else {
                    assert_eq!(status, 403, "{who} {method} {path}");
                }
            }
        }
    })
    .await;
}

#[tokio::test]
async fn delegations_and_village_agents_are_recorded_and_withdrawn() {
    each_app(|app| async move {
        let sec = staff(&app, "secadmin").await;
        let token = csrf_of(&app, &sec).await;
        let bad = sec
            .post(app.url("/api/v1/delegations"))
            .header("x-csrf-token", &token)
            .json(&serde_json::json!({"department": "11331199MB1A001006", "place": "no-such-place"}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status().as_u16(), 422);
        let ok = sec
            .post(app.url("/api/v1/delegations"))
            .header("x-csrf-token", &token)
            .json(&serde_json::json!({"department": "11331199MB1A001006", "place": "331199-centre", "matters": ["000105001000"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status().as_u16(), 201);
        let list: serde_json::Value = sec.get(app.url("/api/v1/delegations")).send().await.unwrap().json().await.unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1);

        // A villager registers; the clerk records the village agent's authority for the elder.
        let agent = app.browser();
        let resp = agent
            .post(app.url("/api/v1/applicants"))
            .json(&serde_json::json!({"name": "刘䶮", "document_number": "331199198007050037", "phone": "13800000002", "password": "溪水长流桃花又开了"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        let agent_me: serde_json::Value = agent.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
        let elder = applicant(&app).await;
        let elder_me: serde_json::Value = elder.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
        let clerk = staff(&app, "clerk").await;
        let clerk_token = csrf_of(&app, &clerk).await;
        let mut body = serde_json::json!({
            "agent": agent_me["id"], "principal_kind": "person", "principal": elder_me["id"],
            "capacity": "village_agent", "valid_from": "2026-03-01", "valid_until": "2026-12-31"
        });
        let unrecorded = clerk.post(app.url("/api/v1/representations")).header("x-csrf-token", &clerk_token).json(&body).send().await.unwrap();
        assert_eq!(unrecorded.status().as_u16(), 422, "no authorization on file");
        body["authorization"] = "桃源乡代办委托 2026-031".into();
        let recorded = clerk.post(app.url("/api/v1/representations")).header("x-csrf-token", &clerk_token).json(&body).send().await.unwrap();
        assert_eq!(recorded.status().as_u16(), 201);
        let rep: serde_json::Value = recorded.json().await.unwrap();
        let seen: serde_json::Value = elder.get(app.url("/api/v1/me/representations")).send().await.unwrap().json().await.unwrap();
        assert_eq!(seen[0]["capacity"], "village_agent");

        // The agent now sees the elder's account (masked); the elder does not see the agent's.
        let elder_path = format!("/api/v1/accounts/{}", elder_me["id"].as_str().unwrap());
        let principal: serde_json::Value = agent.get(app.url(&elder_path)).send().await.unwrap().json().await.unwrap();
        assert_eq!(principal["document_number"], "331199********0026", "{principal}");
        let agent_path = format!("/api/v1/accounts/{}", agent_me["id"].as_str().unwrap());
        assert_eq!(elder.get(app.url(&agent_path)).send().await.unwrap().status().as_u16(), 404);

        let (_, agent_page) = get(&app, &agent, "/me").await;
        assert!(agent_page.contains("我可以代为办理：王𠈌") && agent_page.contains("331199********0026") && agent_page.contains("代办员"), "{agent_page}");
        assert!(agent_page.contains("您的账号还没有实名核验"), "a self-registered agent is told how to get verified");
        let (_, elder_page) = get(&app, &elder, "/me").await;
        assert!(elder_page.contains("可以代我办理：刘䶮"), "{elder_page}");
        assert!(!elder_page.contains("您的账号还没有实名核验"), "the elder was checked in person");
        assert!(!elder_page.contains("331199198007050037"), "masked on the page too");

        // A stranger cannot withdraw it; the elder can.
        let stranger = staff(&app, "auditor").await;
        let stranger_token = csrf_of(&app, &stranger).await;
        let path = format!("/api/v1/representations/{}", rep["id"].as_str().unwrap());
        let denied = stranger.delete(app.url(&path)).header("x-csrf-token", &stranger_token).send().await.unwrap();
        assert_eq!(denied.status().as_u16(), 404);
        let elder_token = csrf_of(&app, &elder).await;
        let withdrawn = elder.delete(app.url(&path)).header("x-csrf-token", &elder_token).send().await.unwrap();
        assert_eq!(withdrawn.status().as_u16(), 204);
        let seen: serde_json::Value = agent.get(app.url("/api/v1/me/representations")).send().await.unwrap().json().await.unwrap();
        assert_eq!(seen.as_array().unwrap().len(), 0);
        assert_eq!(agent.get(app.url(&elder_path)).send().await.unwrap().status().as_u16(), 404, "withdrawn: no longer visible");
        let (_, agent_page) = get(&app, &agent, "/me").await;
        assert!(!agent_page.contains("我可以代为办理"), "{agent_page}");

        // Recorded again, and this time the agent withdraws it from their own page.
        let again = clerk.post(app.url("/api/v1/representations")).header("x-csrf-token", &clerk_token).json(&body).send().await.unwrap();
        assert_eq!(again.status().as_u16(), 201);
        let again: serde_json::Value = again.json().await.unwrap();
        let agent_token = csrf_of(&app, &agent).await;
        let (status, to) = post_form(&app, &agent, &format!("/me/representations/{}/withdraw", again["id"].as_str().unwrap()), &[("csrf", &agent_token)]).await;
        assert_eq!((status, to.as_str()), (303, "/me?done=withdrawn"));
        let (_, agent_page) = get(&app, &agent, "/me?done=withdrawn").await;
        assert!(agent_page.contains("代办授权已撤回") && !agent_page.contains("我可以代为办理"), "{agent_page}");
    })
    .await;
}

/// Follows one redirect by hand, keeping the client's cookies.
async fn follow(client: &Client, url: &str) -> (u16, String) {
    let resp = client.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (status, location.unwrap_or_default())
}

#[tokio::test]
async fn applicants_sign_in_through_the_provincial_identity_service() {
    each_app(|app| async move {
        let browser = app.browser();
        let (status, to) = follow(&browser, &app.url("/login/sso?next=%2Fme")).await;
        assert_eq!(status, 303);
        assert!(
            to.starts_with(&format!("{}/authorize?", app.provider.issuer)),
            "{to}"
        );
        assert!(
            to.contains("client_id=onetrip%2Dtest") && to.contains("nonce="),
            "{to}"
        );
        let (status, back) = follow(&browser, &to).await;
        assert_eq!(status, 303);
        assert!(
            back.starts_with(&app.url("/login/sso/callback?code=")),
            "{back}"
        );

        // The same answer delivered to another browser (no state cookie) is refused.
        let stranger = app.browser();
        assert_eq!(follow(&stranger, &back).await.0, 403);

        let (status, to) = follow(&browser, &back).await;
        assert_eq!((status, to.as_str()), (303, "/me"));
        let me: serde_json::Value = browser
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["name"], "陈𠮷");
        assert_eq!(me["assurance"], "single_sign_on");
        assert_eq!(me["document_number"], "331199********0037");
        let first_id = me["id"].clone();

        // Signing in again finds the same account.
        let again = app.browser();
        let (_, to) = follow(&again, &app.url("/login/sso")).await;
        let (_, back) = follow(&again, &to).await;
        assert_eq!(follow(&again, &back).await.0, 303);
        let me: serde_json::Value = again
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["id"], first_id);

        // A token issued for another client does not sign anyone in.
        app.provider
            .forge_audience
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let forged = app.browser();
        let (_, to) = follow(&forged, &app.url("/login/sso")).await;
        let (_, back) = follow(&forged, &to).await;
        assert_eq!(follow(&forged, &back).await.0, 401);
        assert_eq!(
            forged
                .get(app.url("/api/v1/me"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            401
        );
    })
    .await;
}

#[tokio::test]
async fn window_clerks_find_applicants_by_number_check_them_in_person_and_unmask() {
    each_app(|app| async move {
        let (name, number, phone) = DEMO_APPLICANT;
        let clerk = staff(&app, "clerk").await;
        let form_page = clerk.get(app.url("/staff/people")).send().await.unwrap();
        assert_eq!(form_page.status().as_u16(), 200);
        assert_eq!(form_page.headers()["cache-control"], "no-store");
        let csrf = csrf_in(&form_page.text().await.unwrap());
        let looked_before = count(&app, AuditEvent::PersonLookedUp).await;

        // The number as a person might type it: full-width digits and spaces.
        let typed = "３３１１９９ １９５６０３１２ ００２６";
        let (status, page) = post_form(&app, &clerk, "/staff/people", &[("csrf", &csrf), ("document_kind", "resident_id_card"), ("document_number", typed)]).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains(name) && page.contains("331199********0026") && page.contains("138****0001"), "{page}");
        assert!(!page.contains(number) && !page.contains(phone), "numbers are masked");
        assert!(!page.contains(typed), "the typed number is not echoed back");
        assert_eq!(count(&app, AuditEvent::PersonLookedUp).await, looked_before + 1);

        let (status, page) = post_form(&app, &clerk, "/staff/people", &[("csrf", &csrf), ("phone", phone)]).await;
        assert_eq!(status, 200);
        assert!(page.contains(name), "found by phone");
        let (status, page) = post_form(&app, &clerk, "/staff/people", &[("csrf", &csrf), ("document_number", "11010519491231002X")]).await;
        assert_eq!(status, 200);
        assert!(page.contains("没有找到这个号码的注册账号"), "{page}");
        let (status, page) = post_form(&app, &clerk, "/staff/people?lang=en", &[("csrf", &csrf), ("document_number", "331199195603120027")]).await;
        assert_eq!(status, 422);
        assert!(page.contains("Document number: the check character (18th) of the resident ID card number is wrong"), "{page}");

        // A self-registered applicant comes to the window and is checked in person: the
        // account's assurance rises, once, and the check is recorded.
        let registered = app
            .browser()
            .post(app.url("/api/v1/applicants"))
            .json(&serde_json::json!({"name": "刘䶮", "document_number": "331199198007050037", "phone": "13800000002", "password": "溪水长流桃花又开了"}))
            .send()
            .await
            .unwrap();
        assert_eq!(registered.status().as_u16(), 201);
        let id = app.store.account_by_login(&onetrip_service::security::applicant_login(&app.security, "resident_id_card", "331199198007050037")).await.unwrap().unwrap().id;
        assert_eq!(app.store.account(&id).await.unwrap().unwrap().assurance, onetrip_domain::person::Assurance::SelfRegistered);
        let (_, page) = post_form(&app, &clerk, "/staff/people?lang=zh-Hans", &[("csrf", &csrf), ("document_number", "331199198007050037")]).await;
        assert!(page.contains(&format!("/staff/people/{id}/verify")), "a verify button for the unverified: {page}");
        let raised_before = count(&app, AuditEvent::AssuranceRaised).await;
        let (status, page) = post_form(&app, &clerk, &format!("/staff/people/{id}/verify?lang=zh-Hans"), &[("csrf", &csrf)]).await;
        assert_eq!(status, 200);
        assert!(page.contains("已记录：本人到窗口核验了身份") && page.contains("已在窗口当面核验"), "{page}");
        assert_eq!(app.store.account(&id).await.unwrap().unwrap().assurance, onetrip_domain::person::Assurance::InPerson);
        post_form(&app, &clerk, &format!("/staff/people/{id}/verify"), &[("csrf", &csrf)]).await;
        assert_eq!(count(&app, AuditEvent::AssuranceRaised).await, raised_before + 1);

        // In full only on request, recorded, and never cached.
        let unmasked_before = count(&app, AuditEvent::Unmasked).await;
        let resp = clerk.post(app.url(&format!("/staff/people/{id}/unmask"))).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let page = resp.text().await.unwrap();
        assert!(page.contains("331199198007050037") && page.contains("13800000002"), "{page}");
        assert_eq!(count(&app, AuditEvent::Unmasked).await, unmasked_before + 1);

        // Staff accounts are not applicants; no form without the session's token.
        let handler_id = app.store.account_by_login("handler").await.unwrap().unwrap().id;
        let (status, _) = post_form(&app, &clerk, &format!("/staff/people/{handler_id}/verify"), &[("csrf", &csrf)]).await;
        assert_eq!(status, 404);
        let (status, _) = post_form(&app, &clerk, "/staff/people", &[("document_number", number)]).await;
        assert_eq!(status, 403);

        // The same over JSON, for a department's own system.
        let token = csrf_of(&app, &clerk).await;
        let found: serde_json::Value = clerk.post(app.url("/api/v1/people/lookup")).header("X-CSRF-Token", &token).json(&serde_json::json!({"document_number": number})).send().await.unwrap().json().await.unwrap();
        assert_eq!(found[0]["document_number"], "331199********0026", "{found}");
        assert_eq!(found[0]["name"], name);
        let empty = clerk.post(app.url("/api/v1/people/lookup")).header("X-CSRF-Token", &token).json(&serde_json::json!({})).send().await.unwrap();
        assert_eq!(empty.status().as_u16(), 422);
        let body: serde_json::Value = empty.json().await.unwrap();
        assert_eq!(body["error"]["field"], "document_number");
        let verified = clerk.post(app.url(&format!("/api/v1/people/{handler_id}/verify-in-person"))).header("X-CSRF-Token", &token).send().await.unwrap();
        assert_eq!(verified.status().as_u16(), 404);
    })
    .await;
}

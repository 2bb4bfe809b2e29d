//! Sign-in, sessions, CSRF, lockout, second factor, personal data, the three
//! administrators, API tokens and the route permission matrix, through real requests.

use super::each_app;
use onetrip_app::demo::{DEMO_APPLICANT, DEMO_PASSWORD};
use onetrip_domain::audit::AuditEvent;
use onetrip_store::AuditFilter;
use onetrip_testkit::TestApp;
use reqwest::Client;

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

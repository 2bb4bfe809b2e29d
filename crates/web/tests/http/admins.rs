//! The three administrators kept apart, API tokens issued by their holder, and passwords
//! that expire under the `mlps` profile, through real requests.

use super::auth::*;
use super::each_app;
use onetrip_app::demo::DEMO_PASSWORD;
use onetrip_domain::audit::AuditEvent;
use onetrip_store::AuditFilter;
use onetrip_testkit::TestApp;

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

/// A token of `login`'s own, for `scope`.
async fn own_token(app: &TestApp, login: &str, scope: &str) -> (String, String) {
    let client = staff(app, login).await;
    let csrf = csrf_of(app, &client).await;
    let created: serde_json::Value = client
        .post(app.url("/api/v1/me/tokens"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"name": "业务系统", "scopes": [scope]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = app.store.account_by_login(login).await.unwrap().unwrap().id;
    (created["token"].as_str().unwrap().to_string(), id)
}

/// The status of a GET with a token.
async fn with_token(app: &TestApp, path: &str, token: &str) -> u16 {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A token the server has just seen (and keeps for a moment) stops working the moment its
/// holder's password or second factor is reset, and loses a role the moment the grant is
/// revoked.
#[tokio::test]
async fn a_token_in_use_ends_at_once_with_a_reset_or_a_revoked_grant() {
    each_app(|app| async move {
        let sec = staff(&app, "secadmin").await;
        let sec_csrf = csrf_of(&app, &sec).await;

        for (login, scope, reset, form_extra) in [
            (
                "handler",
                "handler",
                "reset-password",
                Some(("password", "Qingxi-county-2027!")),
            ),
            ("reviewer", "reviewer", "reset-second-factor", None),
        ] {
            let (token, id) = own_token(&app, login, scope).await;
            assert_eq!(with_token(&app, "/api/v1/inbox", &token).await, 200);
            let mut form = vec![("csrf", sec_csrf.as_str())];
            form.extend(form_extra);
            let (status, _) =
                post_form(&app, &sec, &format!("/admin/staff/{id}/{reset}"), &form).await;
            assert!(status < 400, "{reset}: {status}");
            assert_eq!(
                with_token(&app, "/api/v1/inbox", &token).await,
                401,
                "{reset} ends the token at once"
            );
        }

        let (token, id) = own_token(&app, "clerk", "window_clerk").await;
        assert_eq!(
            with_token(&app, "/api/v1/window/matters", &token).await,
            200
        );
        let grants = app.store.grants_of(&id).await.unwrap();
        let grant = grants
            .iter()
            .find(|g| g.grant.role.key() == "window_clerk")
            .unwrap();
        let resp = sec
            .delete(app.url(&format!("/api/v1/grants/{}", grant.id)))
            .header("x-csrf-token", &sec_csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 204);
        assert_eq!(
            with_token(&app, "/api/v1/window/matters", &token).await,
            403,
            "the revoked role is gone from the token at once"
        );
    })
    .await;
}

//! Sign-in under attack: where a redirect after sign-in may lead, what a refusal costs,
//! lockout across password and code, lockout that cannot be turned against the owner,
//! sessions after a password change, and the two-step sign-in through the JSON API alone.

use super::auth::{count, csrf_in, csrf_of, get, json, post_form, staff};
use super::each_app;
use onetrip_app::demo::{DEMO_APPLICANT, DEMO_PASSWORD};
use onetrip_domain::audit::AuditEvent;
use onetrip_testkit::TestApp;
use reqwest::Client;

/// Posts the login form from a client; status and `Location` (or body).
async fn login(app: &TestApp, client: &Client, who: &str, password: &str) -> (u16, String) {
    post_form(
        app,
        client,
        "/login",
        &[("login", who), ("password", password)],
    )
    .await
}

#[tokio::test]
async fn after_sign_in_only_a_local_path_is_followed() {
    each_app(|app| async move {
        for next in [
            "/\t/evil.example",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "/me\r\nSet-Cookie: stolen=1",
        ] {
            let c = app.browser();
            let (status, to) = post_form(
                &app,
                &c,
                "/login",
                &[
                    ("login", DEMO_APPLICANT.1),
                    ("password", DEMO_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
            assert_eq!((status, to.as_str()), (303, "/me"), "next={next:?}");
            let page = app
                .client
                .get(app.url(&format!(
                    "/login?next={}",
                    percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)
                )))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(
                page.contains("name=\"next\" value=\"/me\""),
                "the login page does not carry {next:?} on"
            );
        }
        let c = app.browser();
        let (status, to) = post_form(
            &app,
            &c,
            "/login",
            &[
                ("login", DEMO_APPLICANT.1),
                ("password", DEMO_PASSWORD),
                ("next", "/guide/11331199MB1A001006000105001000"),
            ],
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, "/guide/11331199MB1A001006000105001000")
        );
    })
    .await;
}

#[tokio::test]
async fn an_unknown_account_costs_what_a_wrong_password_costs() {
    each_app(|app| async move {
        let c = app.browser();
        let cost = |who: &'static str| {
            let c = c.clone();
            let app = &app;
            async move {
                let before = app.security.hasher.evaluations();
                let (status, _) = login(app, &c, who, "not-the-password").await;
                assert_eq!(status, 401);
                app.security.hasher.evaluations() - before
            }
        };
        // The same one Argon2 evaluation, however many unknown accounts are tried.
        assert_eq!(cost("clerk").await, 1);
        for _ in 0..3 {
            assert_eq!(cost("nobody-here").await, 1);
        }
        assert_eq!(
            cost("331199195603120026").await,
            1,
            "a real ID, wrong password"
        );
        assert_eq!(cost("110105194912310021").await, 1, "an unregistered ID");
    })
    .await;
}

#[tokio::test]
async fn wrong_codes_count_with_wrong_passwords_and_the_lock_holds_at_every_step() {
    each_app(|app| async move {
        // A session that reached the second factor before the lock cannot finish after it.
        let early = app.browser();
        assert_eq!(
            login(&app, &early, "handler", DEMO_PASSWORD).await,
            (303, "/login/second-factor".into())
        );
        let (_, page) = get(&app, &early, "/login/second-factor").await;
        let csrf = csrf_in(&page);
        for _ in 0..5 {
            let attacker = app.browser();
            assert_eq!(
                login(&app, &attacker, "handler", DEMO_PASSWORD).await.0,
                303
            );
            let (_, page) = get(&app, &attacker, "/login/second-factor").await;
            let (status, _) = post_form(
                &app,
                &attacker,
                "/login/second-factor",
                &[("csrf", &csrf_in(&page)), ("code", "000000")],
            )
            .await;
            assert!(status == 422 || status == 429, "{status}");
        }
        assert_eq!(count(&app, AuditEvent::AccountLocked).await, 1);
        let code = app.totp_code("handler").await.unwrap();
        let (status, body) = post_form(
            &app,
            &early,
            "/login/second-factor",
            &[("csrf", &csrf), ("code", &code)],
        )
        .await;
        assert_eq!(status, 429, "locked: the right code is refused too");
        assert!(body.contains("分钟后再试"), "{body}");
        assert_eq!(get(&app, &early, "/me").await.0, 303, "not signed in");

        // A right password does not reset the count: rounds of (password, 4 wrong codes)
        // lock after the fifth failure, not never.
        let mut tried = 0;
        'rounds: for _ in 0..4 {
            let reviewer = app.browser();
            if login(&app, &reviewer, "reviewer", DEMO_PASSWORD).await.0 != 303 {
                break;
            }
            for _ in 0..4 {
                let (_, page) = get(&app, &reviewer, "/login/second-factor").await;
                let (status, _) = post_form(
                    &app,
                    &reviewer,
                    "/login/second-factor",
                    &[("csrf", &csrf_in(&page)), ("code", "000000")],
                )
                .await;
                if status == 429 {
                    break 'rounds;
                }
                tried += 1;
            }
        }
        assert_eq!(tried, 5, "five codes, not sixteen");
        assert_eq!(
            login(&app, &app.browser(), "reviewer", DEMO_PASSWORD)
                .await
                .0,
            401,
            "the password step is locked too"
        );
    })
    .await;
}

/// Signs in from `127.0.0.{octet}` with a device cookie, if any; the status and the device
/// cookie the answer sets.
async fn from_device(app: &TestApp, octet: u8, device: Option<&str>) -> (u16, Option<String>) {
    let mut req = app
        .browser_from(octet)
        .post(app.url("/login"))
        .form(&[("login", DEMO_APPLICANT.1), ("password", DEMO_PASSWORD)]);
    if let Some(d) = device {
        req = req.header("cookie", format!("onetrip-device={d}"));
    }
    let resp = req.send().await.unwrap();
    let set = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("onetrip-device="))
        .map(|c| c.split(';').next().unwrap_or_default().to_string());
    (resp.status().as_u16(), set)
}

#[tokio::test]
async fn guessing_from_one_address_does_not_lock_the_owner_out() {
    each_app(|app| async move {
        // The owner has signed in on the hall's PC (127.0.0.1) and on their phone before.
        let owner = app.browser();
        assert_eq!(
            login(&app, &owner, DEMO_APPLICANT.1, DEMO_PASSWORD).await,
            (303, "/me".into())
        );
        let (status, phone) = from_device(&app, 9, None).await;
        assert_eq!(status, 303);
        let phone = phone.expect("a device cookie after a complete sign-in");
        // Someone at 127.0.0.2 tries five passwords on the owner's ID number.
        let attacker = app.browser_from(2);
        for _ in 0..5 {
            assert_eq!(
                login(&app, &attacker, DEMO_APPLICANT.1, "guess-guess-1")
                    .await
                    .0,
                401
            );
        }
        assert_eq!(count(&app, AuditEvent::AccountLocked).await, 1);
        assert_eq!(
            login(&app, &attacker, DEMO_APPLICANT.1, DEMO_PASSWORD)
                .await
                .0,
            401,
            "that address is locked out, even with the right password"
        );
        // A third address, new to the account, waits a moment; the owner's does not.
        let stranger = app.browser_from(3);
        assert_eq!(
            login(&app, &stranger, DEMO_APPLICANT.1, DEMO_PASSWORD)
                .await
                .0,
            401,
            "slowed down"
        );
        let owner = app.browser();
        assert_eq!(
            login(&app, &owner, DEMO_APPLICANT.1, DEMO_PASSWORD).await,
            (303, "/me".into()),
            "the owner signs in from an address that has not failed"
        );
        let (_, page) = get(&app, &owner, "/me").await;
        assert!(
            page.contains("有 5 次登录失败"),
            "the owner is told: {page}"
        );
        assert!(page.contains("上次登录"), "{page}");
        // The phone gets in even on the guessing address (one hall's NAT); a forged device
        // cookie is no device.
        let forged = format!("{}AAAA", &phone[..phone.len() - 4]);
        assert_eq!(from_device(&app, 2, Some(&forged)).await.0, 401);
        assert_eq!(from_device(&app, 2, Some(&phone)).await.0, 303);
        app.clock.advance(chrono::Duration::seconds(61));
        let stranger = app.browser_from(3);
        assert_eq!(
            login(&app, &stranger, DEMO_APPLICANT.1, DEMO_PASSWORD)
                .await
                .0,
            303,
            "a minute later any address may try"
        );
        let attacker = app.browser_from(2);
        assert_eq!(
            login(&app, &attacker, DEMO_APPLICANT.1, DEMO_PASSWORD)
                .await
                .0,
            401,
            "the guessing address stays locked for 15 minutes"
        );
        app.clock.advance(chrono::Duration::minutes(15));
        assert_eq!(
            login(&app, &attacker, DEMO_APPLICANT.1, DEMO_PASSWORD)
                .await
                .0,
            303
        );
    })
    .await;
}

#[tokio::test]
async fn a_new_password_ends_every_other_session() {
    each_app(|app| async move {
        let here = app.browser();
        let there = app.browser();
        for c in [&here, &there] {
            assert_eq!(login(&app, c, DEMO_APPLICANT.1, DEMO_PASSWORD).await.0, 303);
        }
        let csrf = csrf_of(&app, &here).await;
        let (status, _) = post_form(
            &app,
            &here,
            "/me/password",
            &[
                ("csrf", &csrf),
                ("current_password", DEMO_PASSWORD),
                ("new_password", "溪水长流桃花又开了"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        assert_eq!(get(&app, &here, "/me").await.0, 200, "the changer stays");
        assert_eq!(
            get(&app, &there, "/me").await.0,
            303,
            "the other session ended"
        );

        // An administrator's reset ends all of them.
        let clerk = staff(&app, "clerk").await;
        let admin = staff(&app, "secadmin").await;
        let id = app
            .store
            .account_by_login("clerk")
            .await
            .unwrap()
            .unwrap()
            .id;
        let token = csrf_of(&app, &admin).await;
        let (status, _) = post_form(
            &app,
            &admin,
            &format!("/admin/staff/{id}/reset-password"),
            &[("csrf", &token), ("password", "溪水长流桃花又开了")],
        )
        .await;
        assert_eq!(status, 303);
        assert_eq!(get(&app, &clerk, "/me").await.0, 303);
    })
    .await;
}

#[tokio::test]
async fn staff_sign_in_through_the_json_api_alone() {
    each_app(|app| async move {
        let c = app.browser();
        let first: serde_json::Value = c
            .post(app.url("/api/v1/session"))
            .json(&serde_json::json!({"login": "clerk", "password": DEMO_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(first["step"], "second_factor", "{first}");
        let half = first["csrf_token"].as_str().unwrap().to_string();
        let code = app.totp_code("clerk").await.unwrap();
        let resp = c
            .post(app.url("/api/v1/session/second-factor"))
            .header("x-csrf-token", &half)
            .json(&serde_json::json!({"code": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let done: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(done["step"], "complete");
        let full = done["csrf_token"].as_str().unwrap();
        assert_ne!(full, half, "a new session, a new token");
        let me = json(&app, &c, "/api/v1/me").await;
        assert_eq!(me["login"], "clerk");
        assert_eq!(me["csrf_token"], full);
        let out = c
            .delete(app.url("/api/v1/session"))
            .header("x-csrf-token", full)
            .send()
            .await
            .unwrap();
        assert_eq!(out.status().as_u16(), 204);
    })
    .await;
}

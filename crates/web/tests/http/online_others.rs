//! Applying for someone else, or following a case without an account: a relative or village
//! agent online under a representation in force; the clerk at the window, with the citizen
//! confirming on the second screen; the lookup by case number and ID digits.

use super::auth::*;
use super::cases::{delegate_civil_affairs, Desk, GAOLING};
use super::each_app;
use super::online::*;
use onetrip_app::demo::DEMO_APPLICANT;
use onetrip_domain::audit::AuditEvent;
use serde_json::{json, Value};

#[tokio::test]
async fn an_agent_applies_online_for_the_person_they_represent() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let agent = registered(&app, "刘䶮", "331199198007050037", "13800000002").await;
        let agent_me: Value = agent.get(&app, "/api/v1/me").await.1;
        let elder = citizen(&app).await;
        let elder_me: Value = elder.get(&app, "/api/v1/me").await.1;
        let clerk = Desk::of(&app, "clerk").await;

        // Without a representation there is nothing to apply under.
        let (status, body) = agent
            .post(&app, "/api/v1/me/drafts", json!({"matter": GAOLING, "representation_id": "00000000-0000-0000-0000-000000000000"}))
            .await;
        assert_eq!((status, body["error"]["field"].as_str()), (422, Some("representation_id")), "{body}");
        let (status, rep) = clerk
            .post(&app, "/api/v1/representations", json!({
                "agent": agent_me["id"], "principal_kind": "person", "principal": elder_me["id"],
                "capacity": "relative", "valid_from": "2026-01-01", "authorization": "亲属关系证明 2026-7"}))
            .await;
        assert_eq!(status, 201, "{rep}");
        let (_, start) = get(&app, &agent.client, &format!("/apply/{GAOLING}")).await;
        assert!(start.contains("代为申请：王𠈌"), "{start}");
        let (status, opened) = agent
            .post(&app, "/api/v1/me/drafts", json!({"matter": GAOLING, "representation_id": rep["id"]}))
            .await;
        assert_eq!(status, 201, "{opened}");
        let draft = opened["id"].as_str().unwrap().to_string();
        let (status, view) = patch(&app, &agent, &format!("/api/v1/me/drafts/{draft}"), json!({
            "form": {"applicant_role": "代办人", "elder_name": "王𠈌", "elder_id": DEMO_APPLICANT.1,
                     "phone": "13800000002", "address": "青溪县石门镇石门村 12 号"},
            "consents": ["data_sharing"]})).await;
        assert_eq!(status, 200);
        assert_eq!(view["applicant"], "王𠈌");
        assert_eq!(view["for_someone_else"], true);
        let missing: Vec<&str> = view["gaps"].as_array().unwrap().iter().map(|g| g["key"].as_str().unwrap()).collect();
        assert_eq!(missing, vec!["agent_id_card"], "the agent's own ID card: {view}");
        let (status, body) = agent.post(&app, &format!("/api/v1/me/drafts/{draft}/submit"), json!({})).await;
        assert_eq!((status, body["error"]["field"].as_str()), (422, Some("draft")), "{body}");
        let elder_cannot: u16 = elder.client.get(app.url(&format!("/api/v1/me/drafts/{draft}"))).send().await.unwrap().status().as_u16();
        assert_eq!(elder_cannot, 404, "the draft is the agent's");

        let (status, _) = put_file(&app, &agent, &draft, "agent_id_card", "代办人身份证.png", PNG.to_vec()).await;
        assert_eq!(status, 201);
        let view = agent.get(&app, &format!("/api/v1/me/drafts/{draft}")).await.1;
        assert_eq!(view["gaps"], json!([]), "{view}");
        let (status, done) = agent.post(&app, &format!("/api/v1/me/drafts/{draft}/submit"), json!({})).await;
        assert_eq!(status, 201, "{done}");
        let case = done["cases"][0]["id"].as_str().unwrap().to_string();
        let stored = app.store.case(&case).await.unwrap().unwrap();
        let application = app.store.application(&stored.application_id).await.unwrap().unwrap();
        assert_eq!(application.applicant_id.as_deref(), elder_me["id"].as_str());
        assert_eq!(application.submitted_by, agent_me["id"].as_str().unwrap());
        for who in [&agent, &elder] {
            let mine: Value = who.get(&app, "/api/v1/me/cases").await.1;
            assert_eq!(mine[0]["id"].as_str(), Some(case.as_str()), "{mine}");
        }
        let staff_view = clerk.get(&app, &format!("/api/v1/cases/{case}")).await.1;
        assert_eq!((staff_view["applicant"].as_str(), staff_view["agent"].as_str()), (Some("王𠈌"), Some("刘䶮")), "both shown");
    })
    .await;
}

#[tokio::test]
async fn a_case_is_followed_by_its_number_and_the_id_digits_without_an_account() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;
        let case = super::cases::accepted_case(&app, &clerk, "track-1").await;
        let number = app.store.case(&case).await.unwrap().unwrap().number;
        let anonymous = app.browser();
        let (status, form) = get(&app, &anonymous, &format!("/track?number={number}")).await;
        assert_eq!(status, 200);
        assert!(
            form.contains(&format!("value=\"{number}\"")),
            "the QR code fills the number in"
        );
        let (status, page) = post_form(
            &app,
            &anonymous,
            "/track",
            &[("number", &number), ("id_tail", "120026")],
        )
        .await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page.contains("高龄津贴申领")
                && page.contains("受理")
                && page.contains("乡镇初审与公示"),
            "{page}"
        );
        assert!(
            !page.contains("/my/cases"),
            "no links into an applicant's space"
        );
        let before = count(&app, AuditEvent::AccessDenied).await;
        let (status, page) = post_form(
            &app,
            &anonymous,
            "/track",
            &[("number", &number), ("id_tail", "120027")],
        )
        .await;
        assert_eq!(status, 404);
        assert!(
            page.contains("对不上") && !page.contains("乡镇初审与公示"),
            "{page}"
        );
        let (status, _) = post_form(
            &app,
            &anonymous,
            "/track",
            &[
                ("number", "331199-01-20260302-99999"),
                ("id_tail", "120026"),
            ],
        )
        .await;
        assert_eq!(status, 404, "a wrong number looks the same");
        assert_eq!(count(&app, AuditEvent::AccessDenied).await, before + 2);
        let resp = anonymous
            .post(app.url("/api/v1/track"))
            .json(&json!({"number": number, "id_tail": "120026"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let t: Value = resp.json().await.unwrap();
        assert_eq!(t["state"], "in_progress");
        assert_eq!(t["current"][0]["name"], "乡镇初审与公示");
        assert!(t["current"][0]["ends"].is_string(), "{t}");
    })
    .await;
}

#[tokio::test]
async fn the_citizen_confirms_a_window_application_on_the_second_screen_or_on_paper() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;
        let (status, body) = clerk
            .post(
                &app,
                "/api/v1/applications",
                super::cases::gaoling("screen-1"),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let id = body["cases"][0]["id"].as_str().unwrap().to_string();

        let (status, screen) = get(&app, &clerk.client, "/window/screen").await;
        assert_eq!(status, 200);
        assert!(
            screen.contains("<html lang=\"zh-Hans\" class=\"large screen\">"),
            "large type"
        );
        assert!(
            screen.contains("高龄津贴申领")
                && screen.contains("王𠈌")
                && screen.contains("331199********0026"),
            "{screen}"
        );
        assert!(
            !screen.contains(DEMO_APPLICANT.1),
            "numbers masked on the citizen's screen too"
        );
        assert!(
            screen.contains("id=\"screen-confirm\"") && !screen.contains("http-equiv=\"refresh\""),
            "{screen}"
        );
        let (status, to) = post_form(
            &app,
            &clerk.client,
            &format!("/window/screen/{id}/confirm"),
            &[("csrf", &clerk.csrf)],
        )
        .await;
        assert_eq!((status, to.as_str()), (303, "/window/screen?done=1"));
        let (_, screen) = get(&app, &clerk.client, "/window/screen?done=1").await;
        assert!(
            screen.contains("id=\"screen-done\"") && screen.contains("id=\"screen-wait\""),
            "{screen}"
        );
        assert!(
            screen.contains("http-equiv=\"refresh\""),
            "it waits for the next application"
        );
        let last = app.store.journal(&id).await.unwrap().pop().unwrap().0;
        assert_eq!(
            (last.action.as_str(), last.note.as_str()),
            ("applicant_confirmed", "second_screen")
        );
        let (status, body) = clerk
            .post(
                &app,
                &format!("/api/v1/cases/{id}/confirmation"),
                json!({"how": "signed_paper"}),
            )
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (409, Some("state")),
            "once: {body}"
        );
        let (_, page) = get(&app, &clerk.client, &format!("/cases/{id}")).await;
        assert!(page.contains("申请人已确认（副屏确认）"), "{page}");

        // Or the printed application is signed, and the clerk records it.
        let (_, body) = clerk
            .post(
                &app,
                "/api/v1/applications",
                super::cases::gaoling("screen-2"),
            )
            .await;
        let other = body["cases"][0]["id"].as_str().unwrap().to_string();
        let township = staff(&app, "shimen.window").await;
        let token = csrf_of(&app, &township).await;
        let (status, _) = post_form(
            &app,
            &township,
            &format!("/cases/{other}/confirm"),
            &[("csrf", &token)],
        )
        .await;
        assert_eq!(status, 404, "another window's case");
        let (status, body) = clerk
            .post(
                &app,
                &format!("/api/v1/cases/{other}/confirmation"),
                json!({"how": "by_phone"}),
            )
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some("how")),
            "{body}"
        );
        let (status, to) = post_form(
            &app,
            &clerk.client,
            &format!("/cases/{other}/confirm"),
            &[("csrf", &clerk.csrf)],
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("/cases/{other}?done=confirmed").as_str())
        );
        let last = app.store.journal(&other).await.unwrap().pop().unwrap().0;
        assert_eq!(
            (last.action.as_str(), last.note.as_str()),
            ("applicant_confirmed", "signed_paper")
        );
    })
    .await;
}

#[tokio::test]
async fn a_page_from_the_windows_document_camera_is_an_upload_like_any_other() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;
        let (_, body) = clerk
            .post(
                &app,
                "/api/v1/applications",
                super::cases::gaoling("scan-1"),
            )
            .await;
        let id = body["cases"][0]["id"].as_str().unwrap().to_string();
        let (status, to) = upload_page(
            &app,
            &clerk.client,
            &clerk.csrf,
            &format!("/cases/{id}/files"),
            "household_register",
            "高拍仪 户口簿.png",
            PNG,
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("/cases/{id}?done=scanned").as_str())
        );
        let (_, page) = get(&app, &clerk.client, &format!("/cases/{id}")).await;
        assert!(
            page.contains("id=\"case-file-list\"") && page.contains("高拍仪 户口簿.png"),
            "{page}"
        );
        let (status, page) = upload_page(
            &app,
            &clerk.client,
            &clerk.csrf,
            &format!("/cases/{id}/files"),
            "id_card",
            "假的.pdf",
            b"MZ\x90\0",
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            page.contains("假的.pdf") && page.contains("不是 PDF"),
            "{page}"
        );
        let resp = clerk
            .client
            .post(app.url(&format!("/api/v1/cases/{id}/files")))
            .query(&[("material", "id_card"), ("name", "正面.pdf")])
            .header("x-csrf-token", &clerk.csrf)
            .body(b"%PDF-1.7\n".to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        assert_eq!(app.store.case_attachments(&id).await.unwrap().len(), 2);
        // Another window without scope finds nothing; the applicant reads the files.
        let township = staff(&app, "shimen.window").await;
        let token = csrf_of(&app, &township).await;
        let (status, _) = upload_page(
            &app,
            &township,
            &token,
            &format!("/cases/{id}/files"),
            "id_card",
            "x.png",
            PNG,
        )
        .await;
        assert_eq!(status, 404);
        let me = citizen(&app).await;
        let t = me.get(&app, &format!("/api/v1/me/cases/{id}")).await.1;
        assert_eq!(t["files"].as_array().map(Vec::len), Some(2), "{t}");
    })
    .await;
}

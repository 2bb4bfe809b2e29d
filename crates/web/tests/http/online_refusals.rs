//! The applicant's side refused: bad files by name and rule with nothing stored, another
//! applicant's drafts, files, cases, receipts and timelines, staff on the applicant's routes,
//! and a matter not accepted online (what to bring, and where, instead).

use super::auth::*;
use super::cases::{delegate_civil_affairs, Desk, GAOLING};
use super::each_app;
use super::online::*;
use onetrip_domain::audit::AuditEvent;
use serde_json::{json, Value};

/// 结婚登记: pre-check online only, submitted at the window.
const MARRIAGE: &str = "11331199MB1A001006000107001000";

#[tokio::test]
async fn bad_uploads_are_refused_by_name_and_rule_and_nothing_is_stored() {
    each_app(|app| async move {
        let me = citizen(&app).await;
        let draft = answered_draft(&app, &me).await;
        let refusals: Vec<(&str, &str, Vec<u8>, &str)> = vec![
            (
                "id_card",
                "身份证.pdf",
                ELF.to_vec(),
                "不是 PDF、JPG 或 PNG 文件",
            ),
            ("id_card", "空白.pdf", Vec::new(), "是空的"),
            ("id_card", "../身份证.pdf", PDF.to_vec(), "不能含有路径"),
            ("id_card", "身份证\u{7}.pdf", PDF.to_vec(), "不能含有路径"),
            ("bank_card", "银行卡.pdf", PDF.to_vec(), "只收纸质原件"),
        ];
        for (material, name, content, says) in refusals {
            let (status, body) = put_file(&app, &me, &draft, material, name, content).await;
            assert_eq!(status, 422, "{name}: {body}");
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(says), "{name}: {message}");
            assert_eq!(body["error"]["field"], "file");
        }
        let (status, body) = put_file(&app, &me, &draft, "no_such", "a.pdf", PDF.to_vec()).await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some("material")),
            "{body}"
        );
        let mut big = PDF.to_vec();
        big.resize(onetrip_domain::case::upload::MAX_FILE_BYTES + 1, b' ');
        let (status, body) = put_file(&app, &me, &draft, "id_card", "大文件.pdf", big).await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("大文件.pdf"),
            "{body}"
        );
        // Well over the limit: the body is cut off before it is read whole.
        let mut huge = PDF.to_vec();
        huge.resize(
            onetrip_domain::case::upload::MAX_FILE_BYTES + (1 << 20),
            b' ',
        );
        let (status, body) = put_file(&app, &me, &draft, "id_card", "巨大.pdf", huge).await;
        assert!(status == 422 || status == 413, "{status} {body}");

        // Through the page: the refusal is shown on the materials page, in Chinese.
        let page_client = &me.client;
        let (status, page) = upload_page(
            &app,
            page_client,
            &me.csrf,
            &format!("/drafts/{draft}/materials"),
            "id_card",
            "身份证.pdf",
            ELF,
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            page.contains("id=\"problems\"") && page.contains("身份证.pdf"),
            "{page}"
        );
        let view: Value = me.get(&app, &format!("/api/v1/me/drafts/{draft}")).await.1;
        assert!(
            view["materials"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["files"] == json!([])),
            "{view}"
        );
        assert_eq!(files_on_disk(&app), 0, "nothing stored");

        // A good file is stored once however often it is uploaded; removing both removes it.
        let (status, first) =
            put_file(&app, &me, &draft, "id_card", "正面.pdf", PDF.to_vec()).await;
        assert_eq!(status, 201, "{first}");
        assert_eq!(first["content_type"], "application/pdf");
        let (status, second) = put_file(
            &app,
            &me,
            &draft,
            "household_register",
            "另一份.png",
            PDF.to_vec(),
        )
        .await;
        assert_eq!(
            (status, second["content_type"].as_str()),
            (201, Some("application/pdf")),
            "type by content"
        );
        assert_eq!(files_on_disk(&app), 1, "one object for one content");
        for f in [&first, &second] {
            let resp = me
                .client
                .delete(app.url(&format!(
                    "/api/v1/me/drafts/{draft}/files/{}",
                    f["id"].as_str().unwrap()
                )))
                .header("x-csrf-token", &me.csrf)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 204);
        }
        assert_eq!(files_on_disk(&app), 0, "unused objects are deleted");
    })
    .await;
}

#[tokio::test]
async fn another_applicants_things_are_not_found_and_each_look_is_recorded() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let me = citizen(&app).await;
        let draft = answered_draft(&app, &me).await;
        let (status, file) = put_file(&app, &me, &draft, "id_card", "正面.png", PNG.to_vec()).await;
        assert_eq!(status, 201);
        let file = file["id"].as_str().unwrap().to_string();
        let other = registered(&app, "李四", "331199198001010018", "13800000009").await;
        let before = count(&app, AuditEvent::AccessDenied).await;
        for path in [
            format!("/api/v1/me/drafts/{draft}"),
            format!("/drafts/{draft}/check"),
            format!("/api/v1/attachments/{file}"),
            format!("/attachments/{file}"),
        ] {
            let status = other.status(&app, &path).await;
            assert_eq!(status, 404, "{path}");
        }
        let (status, _) = patch(
            &app,
            &other,
            &format!("/api/v1/me/drafts/{draft}"),
            json!({"form": {"elder_name": "x"}}),
        )
        .await;
        assert_eq!(status, 404);
        let (status, _) = put_file(&app, &other, &draft, "id_card", "x.png", PNG.to_vec()).await;
        assert_eq!(status, 404);
        assert_eq!(count(&app, AuditEvent::AccessDenied).await, before + 6);

        // My own file is mine to read, with its type and no sniffing.
        let resp = me
            .client
            .get(app.url(&format!("/attachments/{file}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.headers()["content-type"], "image/png");
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        assert_eq!(resp.bytes().await.unwrap().as_ref(), PNG);

        // Submitted and accepted: the case, its receipt and timeline stay the applicant's.
        let (status, _) = patch(
            &app,
            &me,
            &format!("/api/v1/me/drafts/{draft}"),
            json!({"consents": ["data_sharing"]}),
        )
        .await;
        assert_eq!(status, 200);
        let (status, done) = me
            .post(
                &app,
                &format!("/api/v1/me/drafts/{draft}/submit"),
                json!({}),
            )
            .await;
        assert_eq!(status, 201, "{done}");
        let case = done["cases"][0]["id"].as_str().unwrap().to_string();
        let number = done["cases"][0]["number"].as_str().unwrap().to_string();
        let clerk = Desk::of(&app, "clerk").await;
        clerk
            .post(&app, &format!("/api/v1/cases/{case}/accept"), json!({}))
            .await;
        let before = count(&app, AuditEvent::AccessDenied).await;
        for path in [
            format!("/api/v1/me/cases/{case}"),
            format!("/api/v1/me/cases/{number}"),
            format!("/api/v1/me/cases/{case}/receipt"),
            format!("/my/cases/{case}"),
            format!("/my/cases/{case}/receipt"),
            format!("/api/v1/attachments/{file}"),
        ] {
            let status = other.status(&app, &path).await;
            assert_eq!(status, 404, "{path}");
        }
        assert_eq!(count(&app, AuditEvent::AccessDenied).await, before + 6);
        let theirs: Value = other.get(&app, "/api/v1/me/cases").await.1;
        assert_eq!(theirs, json!([]));

        // Staff: the window with scope reads the file; a township window without it does not.
        assert_eq!(
            clerk.status(&app, &format!("/attachments/{file}")).await,
            200
        );
        let township = staff(&app, "shimen.window").await;
        let resp = township
            .get(app.url(&format!("/attachments/{file}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 404);
        // Staff cannot open drafts or use the applicant's space at all.
        let token = app
            .app()
            .demo_tokens(&["handler"])
            .await
            .unwrap()
            .pop()
            .unwrap();
        let by_token = app.browser();
        for path in [
            "/api/v1/me/cases".to_string(),
            format!("/api/v1/me/drafts/{draft}"),
        ] {
            let resp = by_token
                .get(app.url(&path))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 403, "a staff token on {path}");
        }
        assert_eq!(clerk.status(&app, "/api/v1/me/cases").await, 403);
        let (status, _) = clerk
            .post(&app, "/api/v1/me/drafts", json!({"matter": GAOLING}))
            .await;
        assert_eq!(status, 403);
    })
    .await;
}

#[tokio::test]
async fn a_matter_not_accepted_online_says_what_to_bring_and_where() {
    each_app(|app| async move {
        let (status, page) = app.get(&format!("/apply/{MARRIAGE}")).await.unwrap();
        assert_eq!(status, 200);
        assert!(
            page.contains("id=\"not-online\"") && page.contains("到窗口办理"),
            "{page}"
        );
        assert!(
            page.contains("男方居民身份证") && page.contains("女方居民身份证"),
            "{page}"
        );
        assert!(page.contains("青溪县政务服务中心"), "where: {page}");
        assert!(
            !page.contains("name=\"answer\""),
            "no form that cannot be submitted"
        );
        let me = citizen(&app).await;
        let (status, body) = me
            .post(&app, "/api/v1/me/drafts", json!({"matter": MARRIAGE}))
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some("matter")),
            "{body}"
        );
        assert!(
            body["error"]["message"].as_str().unwrap().contains("窗口"),
            "{body}"
        );
        // Signed out, the start page asks to sign in and comes back.
        let (status, page) = app.get(&format!("/apply/{GAOLING}")).await.unwrap();
        assert_eq!(status, 200);
        assert!(
            page.contains(&format!("href=\"/login?next=/apply/{GAOLING}\"")),
            "{page}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_correction_after_the_case_ended_is_refused_with_its_state() {
    each_app(|app| async move {
        use super::cases::RELIEF;
        use onetrip_app::demo::DEMO_APPLICANT;
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let imp = app.store.implementation(RELIEF, day).await.unwrap().unwrap();
        let content = &imp.resolved.content;
        let mut materials = serde_json::Map::new();
        for m in content.materials.iter().filter(|m| m.required && m.when.is_none()) {
            let how = if m.deficiency_allowed { "missing" } else { "original" };
            materials.insert(m.id.clone(), how.into());
        }
        let form = super::cases::filled_form(content);
        let req = json!({"matter": RELIEF, "applicant": {"document_number": DEMO_APPLICANT.1}, "form": form, "materials": materials});
        let (status, body) = clerk.post(&app, "/api/v1/applications", req).await;
        assert_eq!(status, 201, "{body}");
        let id = body["cases"][0]["id"].as_str().unwrap().to_string();
        let (status, body) = clerk
            .post(&app, &format!("/api/v1/cases/{id}/accept"), json!({"deficiency_due": "2026-03-04"}))
            .await;
        assert_eq!(status, 200, "{body}");
        app.clock.advance(chrono::Duration::days(3));
        assert_eq!(app.app().sweep().await.unwrap().terminated, 1);

        let me = citizen(&app).await;
        let entries = app.store.journal(&id).await.unwrap().len();
        let (status, body) = me
            .post(&app, &format!("/api/v1/me/cases/{id}/correction"), json!({"form": {}}))
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("终止"), "the reason: {body}");
        let (status, page) = post_form(&app, &me.client, &format!("/my/cases/{id}/corrected"), &[("csrf", &me.csrf)]).await;
        assert_eq!(status, 409);
        assert!(page.contains("id=\"problems\"") && page.contains("终止"), "{page}");
        let (status, body) = put_file(&app, &me, &id, "x", "a.pdf", PDF.to_vec()).await;
        assert_eq!(status, 404, "no draft of that id: {body}");
        let resp = me
            .client
            .post(app.url(&format!("/api/v1/me/cases/{id}/files")))
            .query(&[("material", "id_card"), ("name", "a.pdf")])
            .header("x-csrf-token", &me.csrf)
            .body(PDF.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 409, "no file for an ended case");
        assert_eq!(app.store.journal(&id).await.unwrap().len(), entries, "nothing journaled");
        assert!(app.store.case_attachments(&id).await.unwrap().is_empty());
    })
    .await;
}

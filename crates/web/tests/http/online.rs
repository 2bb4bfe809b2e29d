//! The applicant's side through real requests: applying online one question per page,
//! uploads checked by content, the complete list of what is missing before submission, the
//! confirmation, the timeline through the back office's decisions, the receipt, the lookup
//! (refusals: `online_refusals`; for someone else, or without an account: `online_others`).

use super::auth::*;
use super::cases::{delegate_civil_affairs, task_at, Desk, GAOLING};
use super::each_app;
use onetrip_app::demo::DEMO_APPLICANT;
use onetrip_testkit::TestApp;
use reqwest::Client;
use serde_json::{json, Value};

pub(crate) const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
];
pub(crate) const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";
pub(crate) const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";

/// The demo applicant, speaking JSON.
pub(crate) async fn citizen(app: &TestApp) -> Desk {
    let client = applicant(app).await;
    let csrf = csrf_of(app, &client).await;
    Desk { client, csrf }
}

/// A newly registered applicant.
pub(crate) async fn registered(app: &TestApp, name: &str, id: &str, phone: &str) -> Desk {
    let client = app.browser();
    let resp = client
        .post(app.url("/api/v1/applicants"))
        .json(&json!({"name": name, "document_number": id, "phone": phone, "password": "溪水长流桃花又开了"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let csrf = csrf_of(app, &client).await;
    Desk { client, csrf }
}

pub(crate) async fn patch(app: &TestApp, who: &Desk, path: &str, body: Value) -> (u16, Value) {
    who.send(app, reqwest::Method::PATCH, path, body).await
}

/// Uploads raw bytes through the API.
pub(crate) async fn put_file(
    app: &TestApp,
    who: &Desk,
    draft: &str,
    material: &str,
    name: &str,
    content: Vec<u8>,
) -> (u16, Value) {
    let resp = who
        .client
        .post(app.url(&format!("/api/v1/me/drafts/{draft}/files")))
        .query(&[("material", material), ("name", name)])
        .header("x-csrf-token", &who.csrf)
        .header("content-type", "application/octet-stream")
        .body(content)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Uploads through a page's multipart form posted to `to`.
pub(crate) async fn upload_page(
    app: &TestApp,
    client: &Client,
    csrf: &str,
    to: &str,
    material: &str,
    name: &str,
    content: &[u8],
) -> (u16, String) {
    let part = reqwest::multipart::Part::bytes(content.to_vec()).file_name(name.to_string());
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("material", material.to_string())
        .part("file", part);
    let resp = client
        .post(app.url(to))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (status, location.unwrap_or(resp.text().await.unwrap()))
}

/// A draft of the old-age allowance with every answer given.
pub(crate) async fn answered_draft(app: &TestApp, who: &Desk) -> String {
    let (status, opened) = who
        .post(app, "/api/v1/me/drafts", json!({"matter": GAOLING}))
        .await;
    assert_eq!(status, 201, "{opened}");
    let id = opened["id"].as_str().unwrap().to_string();
    let (status, view) = patch(
        app,
        who,
        &format!("/api/v1/me/drafts/{id}"),
        json!({"form": {"applicant_role": "本人", "elder_name": "王𠈌", "elder_id": DEMO_APPLICANT.1,
                        "phone": "13800000001", "address": "青溪县石门镇石门村 12 号"}}),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    id
}

pub(crate) fn files_on_disk(app: &TestApp) -> usize {
    let root = app.data_dir().join("attachments");
    walk(&root)
}

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[tokio::test]
async fn a_citizen_applies_online_and_follows_the_case_to_its_result() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let me = applicant(&app).await;
        let me_id = json(&app, &me, "/api/v1/me").await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let (_, guide) = get(&app, &me, &format!("/guide/{GAOLING}")).await;
        assert!(
            guide.contains(&format!("href=\"/apply/{GAOLING}\"")),
            "the guide offers to apply"
        );
        let (status, start) = get(&app, &me, &format!("/apply/{GAOLING}")).await;
        assert_eq!(status, 200);
        let csrf = csrf_in(&start);
        let (status, to) =
            post_form(&app, &me, &format!("/apply/{GAOLING}"), &[("csrf", &csrf)]).await;
        assert_eq!(status, 303);
        assert!(to.starts_with("/drafts/") && to.ends_with("/q/0"), "{to}");
        let draft = to.split('/').nth(2).unwrap().to_string();

        // One question per page; a malformed answer is told on its own page, linked.
        let (status, q0) = get(&app, &me, &to).await;
        assert_eq!(status, 200);
        assert!(
            q0.contains("<legend><h1>申请人</h1></legend>") && q0.contains("value=\"代办人\""),
            "{q0}"
        );
        let q = |n: usize| format!("/drafts/{draft}/q/{n}");
        let (status, next) =
            post_form(&app, &me, &q(0), &[("csrf", &csrf), ("answer", "本人")]).await;
        assert_eq!((status, next.as_str()), (303, q(1).as_str()));
        post_form(&app, &me, &q(1), &[("csrf", &csrf), ("answer", "王𠈌")]).await;
        let (status, bad) =
            post_form(&app, &me, &q(2), &[("csrf", &csrf), ("answer", "12345")]).await;
        assert_eq!(status, 422, "{bad}");
        assert!(
            bad.contains("id=\"problems\"") && bad.contains("href=\"#f-elder_id\""),
            "{bad}"
        );
        assert!(bad.contains("value=\"12345\""), "what was typed stays");
        let (status, _) = post_form(
            &app,
            &me,
            &q(2),
            &[("csrf", &csrf), ("answer", DEMO_APPLICANT.1)],
        )
        .await;
        assert_eq!(status, 303);
        post_form(
            &app,
            &me,
            &q(3),
            &[("csrf", &csrf), ("answer", "13800000001")],
        )
        .await;
        let (status, to) = post_form(
            &app,
            &me,
            &q(4),
            &[("csrf", &csrf), ("answer", "青溪县石门镇石门村 12 号")],
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("/drafts/{draft}/materials").as_str())
        );

        // Before uploading, the check page lists every missing material at once and the
        // submit button is disabled.
        let (status, check) = get(&app, &me, &format!("/drafts/{draft}/check")).await;
        assert_eq!(status, 200);
        assert!(check.contains("还缺 2 项"), "{check}");
        assert!(
            check.contains("居民身份证") && check.contains("居民户口簿"),
            "{check}"
        );
        assert!(check.contains("id=\"submit\" disabled"), "{check}");
        let (status, refused) = post_form(
            &app,
            &me,
            &format!("/drafts/{draft}/submit"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(
            status, 422,
            "an incomplete draft is not submitted: {refused}"
        );

        // Upload the ID card by page; consent to data sharing for the household register.
        let (status, to) = upload_page(
            &app,
            &me,
            &csrf,
            &format!("/drafts/{draft}/materials"),
            "id_card",
            "身份证 正面.png",
            PNG,
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("/drafts/{draft}/materials").as_str())
        );
        let (_, materials) = get(&app, &me, &format!("/drafts/{draft}/materials")).await;
        assert!(materials.contains("身份证 正面.png"), "{materials}");
        let (status, _) = post_form(
            &app,
            &me,
            &format!("/drafts/{draft}/choices"),
            &[
                ("csrf", &csrf),
                ("delivery", "window"),
                ("consent.data_sharing", "yes"),
                ("consent.notifications", "yes"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let (_, check) = get(&app, &me, &format!("/drafts/{draft}/check")).await;
        assert!(
            !check.contains("id=\"problems\"") && !check.contains("id=\"submit\" disabled"),
            "{check}"
        );

        let (status, to) = post_form(
            &app,
            &me,
            &format!("/drafts/{draft}/submit"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(status, 303, "{to}");
        assert!(
            to.starts_with("/my/cases/") && to.ends_with("?submitted=1"),
            "{to}"
        );
        let case = to
            .trim_start_matches("/my/cases/")
            .trim_end_matches("?submitted=1")
            .to_string();
        let (status, confirmation) = get(&app, &me, &to).await;
        assert_eq!(status, 200);
        let stored = app.store.case(&case).await.unwrap().unwrap();
        assert!(
            confirmation.contains("申请已提交") && confirmation.contains(&stored.number),
            "{confirmation}"
        );
        assert_eq!(stored.channel, "online");
        assert!(
            app.store.application_draft(&draft).await.unwrap().is_none(),
            "the draft is gone"
        );
        let files = app.store.case_attachments(&case).await.unwrap();
        assert_eq!(files.len(), 1, "the upload went to the case");
        assert_eq!(files[0].content_type, "image/png");
        assert_eq!(files_on_disk(&app), 1);
        let application = app
            .store
            .application(&stored.application_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(application.visits, 0, "applying online is no visit");

        // The window accepts; a message waits in the applicant's space until read.
        let (_, list) = get(&app, &me, "/my/cases").await;
        assert!(
            list.contains("id=\"messages\""),
            "a new case is news: {list}"
        );
        let (_, list) = get(&app, &me, "/my/cases").await;
        assert!(!list.contains("id=\"messages\""), "read once: {list}");
        app.clock.advance(chrono::Duration::minutes(5));
        let clerk = Desk::of(&app, "clerk").await;
        let (status, body) = clerk
            .post(&app, &format!("/api/v1/cases/{case}/accept"), json!({}))
            .await;
        assert_eq!(status, 200, "{body}");
        let mine = json(&app, &me, "/api/v1/me/cases").await;
        assert_eq!(
            (mine[0]["state"].as_str(), mine[0]["news"].as_bool()),
            (Some("in_progress"), Some(true)),
            "{mine}"
        );
        let (_, list) = get(&app, &me, "/my/cases").await;
        assert!(
            list.contains("id=\"messages\"") && list.contains("办理中"),
            "{list}"
        );
        let (_, timeline) = get(&app, &me, &format!("/my/cases/{case}")).await;
        assert!(
            timeline.contains("提交申请") && timeline.contains("受理"),
            "{timeline}"
        );
        assert!(
            timeline.contains("青溪县民政局"),
            "the department is named: {timeline}"
        );
        assert!(
            !timeline.contains("县政务服务中心窗口") && !timeline.contains("clerk"),
            "no staff member"
        );
        let (status, receipt) = get(&app, &me, &format!("/my/cases/{case}/receipt")).await;
        assert_eq!(status, 200);
        assert!(
            receipt.contains(&stored.number) && receipt.contains("高龄津贴申领"),
            "{receipt}"
        );
        assert!(
            receipt.contains("居民身份证（电子件）"),
            "materials received: {receipt}"
        );
        assert!(
            receipt.contains("这个事项不用跑窗口"),
            "zero visits: {receipt}"
        );
        assert!(
            receipt.contains("<svg")
                && receipt.contains(&format!("/track?number={}", stored.number)),
            "QR code"
        );
        let (status, window_receipt) =
            get(&app, &clerk.client, &format!("/cases/{case}/receipt")).await;
        assert_eq!(status, 200);
        assert!(window_receipt.contains(&stored.number));

        // The back office returns it for correction: the applicant sees exactly what to fix.
        let handler = Desk::of(&app, "handler").await;
        let handle = task_at(&app, &case, "handle").await;
        handler
            .post(
                &app,
                &format!("/api/v1/cases/{case}/tasks/{handle}/claim"),
                json!({}),
            )
            .await;
        let (status, body) = handler
            .post(
                &app,
                &format!("/api/v1/cases/{case}/tasks/{handle}/decision"),
                json!({"decision": "return", "reason": "身份证照片模糊，请重新拍摄上传"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let timeline: Value = me
            .get(app.url(&format!("/api/v1/me/cases/{case}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(timeline["state"], "correction");
        assert_eq!(timeline["correction"], "身份证照片模糊，请重新拍摄上传");
        assert!(
            timeline.to_string().find("handler").is_none(),
            "no staff id: {timeline}"
        );
        // The applicant corrects online: a new photo and a changed answer, on the case's page.
        let (_, page) = get(&app, &me, &format!("/my/cases/{case}")).await;
        assert!(
            page.contains("id=\"send-correction\"") && page.contains("name=\"f.address\""),
            "{page}"
        );
        let (status, to) = upload_page(
            &app,
            &me,
            &csrf,
            &format!("/my/cases/{case}/files"),
            "id_card",
            "身份证 重拍.png",
            PNG,
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("/my/cases/{case}").as_str())
        );
        let (status, bad) = post_form(
            &app,
            &me,
            &format!("/my/cases/{case}/corrected"),
            &[("csrf", &csrf), ("f.elder_id", "12345")],
        )
        .await;
        assert_eq!(
            status, 422,
            "a malformed answer is refused on the page: {bad}"
        );
        assert!(bad.contains("id=\"problems\""), "{bad}");
        let (status, to) = post_form(
            &app,
            &me,
            &format!("/my/cases/{case}/corrected"),
            &[
                ("csrf", &csrf),
                ("f.address", "青溪县石门镇石门村 14 号"),
                ("f.phone", ""),
            ],
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("/my/cases/{case}").as_str())
        );
        assert_eq!(app.store.case_attachments(&case).await.unwrap().len(), 2);
        let corrected = app.store.journal(&case).await.unwrap().pop().unwrap().0;
        assert_eq!(
            (corrected.action.as_str(), corrected.actor.as_str()),
            ("corrected", me_id.as_str())
        );
        let handle = task_at(&app, &case, "handle").await;
        handler
            .post(
                &app,
                &format!("/api/v1/cases/{case}/tasks/{handle}/claim"),
                json!({}),
            )
            .await;
        handler
            .post(
                &app,
                &format!("/api/v1/cases/{case}/tasks/{handle}/decision"),
                json!({"decision": "pass"}),
            )
            .await;
        let approver = Desk::of(&app, "approver").await;
        let approve = task_at(&app, &case, "approve").await;
        approver
            .post(
                &app,
                &format!("/api/v1/cases/{case}/tasks/{approve}/claim"),
                json!({}),
            )
            .await;
        approver
            .post(
                &app,
                &format!("/api/v1/cases/{case}/tasks/{approve}/decision"),
                json!({"decision": "pass"}),
            )
            .await;
        let (status, body) = clerk
            .post(&app, &format!("/api/v1/cases/{case}/conclude"), json!({}))
            .await;
        assert_eq!(
            (status, body["state"].as_str()),
            (200, Some("concluded")),
            "{body}"
        );
        let (_, timeline) = get(&app, &me, &format!("/my/cases/{case}")).await;
        assert!(
            timeline.contains("退回补正")
                && timeline.contains("身份证照片模糊")
                && timeline.contains("办结"),
            "{timeline}"
        );
        let (_, list) = get(&app, &me, "/my/cases").await;
        assert!(
            list.contains(&stored.number) && list.contains("高龄津贴申领"),
            "{list}"
        );

        // A zero-visit matter whose result is picked up at a window needed one visit more
        // than its guide promised: the supervisor sees it, and the applicant sees the count.
        let supervisor = Desk::of(&app, "supervisor").await;
        let flagged = |s: &Value| {
            s["visits"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["case_id"] == case.as_str())
        };
        assert!(!flagged(
            &supervisor.get(&app, "/api/v1/supervision").await.1
        ));
        let (status, body) = clerk
            .post(
                &app,
                &format!("/api/v1/cases/{case}/delivery"),
                json!({"method": "window"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let lists = supervisor.get(&app, "/api/v1/supervision").await.1;
        assert!(flagged(&lists), "{lists}");
        let (_, page) = get(&app, &supervisor.client, "/supervision").await;
        assert!(
            page.contains("id=\"supervision-visits\"") && page.contains(&stored.number),
            "{page}"
        );
        let (_, timeline) = get(&app, &me, &format!("/my/cases/{case}")).await;
        assert!(
            timeline.contains("已到窗口 1 次") && timeline.contains("这个事项不用跑窗口"),
            "{timeline}"
        );
    })
    .await;
}

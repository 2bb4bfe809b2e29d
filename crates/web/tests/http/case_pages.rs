//! The staff pages of cases through real form posts: the window finds or registers the
//! person, fills the generated form, accepts or gives the notice; the back office claims
//! and decides from its inbox; refusals come back on the page in the user's language.

use super::auth::*;
use super::cases::{delegate_civil_affairs, task_at, GAOLING};
use super::each_app;
use onetrip_app::demo::DEMO_APPLICANT;

#[tokio::test]
async fn the_window_serves_a_walk_in_from_lookup_to_acceptance() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = staff(&app, "clerk").await;
        let (status, page) = get(&app, &clerk, "/window").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("第一步：找到办事人") && page.contains("目前没有等待窗口办理的办件"),
            "{page}"
        );
        let csrf = csrf_in(&page);

        // Nobody with this number yet: the page offers to register, keeping what was typed.
        let (status, page) = post_form(
            &app,
            &clerk,
            "/window/person",
            &[
                ("csrf", &csrf),
                ("document_kind", "resident_id_card"),
                ("document_number", "331199198007050037"),
            ],
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            page.contains("没有找到此人") && page.contains("value=\"331199198007050037\""),
            "{page}"
        );
        let (status, page) = post_form(
            &app,
            &clerk,
            "/window/register",
            &[
                ("csrf", &csrf),
                ("name", "陈𠮷"),
                ("document_kind", "resident_id_card"),
                ("document_number", "331199198007050037"),
                ("phone", "138000"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("手机号码"), "the field is named: {page}");
        let (status, to) = post_form(
            &app,
            &clerk,
            "/window/register",
            &[
                ("csrf", &csrf),
                ("name", "陈𠮷"),
                ("document_kind", "resident_id_card"),
                ("document_number", "331199198007050037"),
                ("phone", "13800000009"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        assert!(
            to.starts_with("/window?person=") && to.ends_with("&done=registered"),
            "{to}"
        );
        let (status, page) = post_form(
            &app,
            &clerk,
            "/window/register",
            &[
                ("csrf", &csrf),
                ("name", "陈𠮷"),
                ("document_kind", "resident_id_card"),
                ("document_number", "331199198007050037"),
                ("phone", "13800000009"),
            ],
        )
        .await;
        assert_eq!(status, 409);
        assert!(page.contains("已经登记过"), "{page}");

        // The demo applicant is found by the number she shows.
        let (status, to) = post_form(
            &app,
            &clerk,
            "/window/person",
            &[
                ("csrf", &csrf),
                ("document_kind", "resident_id_card"),
                ("document_number", DEMO_APPLICANT.1),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let person = to.trim_start_matches("/window?person=").to_string();
        let (_, page) = get(&app, &clerk, &to).await;
        assert!(
            page.contains("王𠈌")
                && page.contains("331199********0026")
                && page.contains("高龄津贴申领"),
            "{page}"
        );
        assert!(!page.contains(DEMO_APPLICANT.1), "never in full");

        let (status, page) = get(
            &app,
            &clerk,
            &format!("/window/new?matter={GAOLING}&person={person}"),
        )
        .await;
        assert_eq!(status, 200);
        for text in [
            "老人姓名",
            "老人身份证号",
            "居民户口簿",
            "仅当“申请人”为 代办人 时填写",
            "可容缺后补",
            "窗口领取",
        ] {
            assert!(page.contains(text), "form lacks {text}");
        }
        let key = page
            .split("name=\"idempotency_key\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let csrf = csrf_in(&page);
        let form = |name: &'static str| -> Vec<(&'static str, String)> {
            vec![
                ("csrf", csrf.clone()),
                ("matter", GAOLING.into()),
                ("person", person.clone()),
                ("idempotency_key", key.clone()),
                ("f.applicant_role", "本人".into()),
                ("f.elder_name", name.into()),
                ("f.elder_id", DEMO_APPLICANT.1.into()),
                ("f.phone", "13800000001".into()),
                ("f.address", "青溪县石门镇石门村 12 号".into()),
                ("m.id_card", "original".into()),
                ("m.household_register", "missing".into()),
                ("delivery", "window".into()),
            ]
        };
        let pairs = form("王𠈌");
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, to) = post_form(&app, &clerk, "/window/new", &refs).await;
        assert_eq!(status, 303, "{to}");
        let case_path = to.clone();
        let (status, again) = post_form(&app, &clerk, "/window/new", &refs).await;
        assert_eq!(
            (status, again.as_str()),
            (303, case_path.as_str()),
            "a double click lands on the same case"
        );

        // Something is missing: the page lists it and offers the notice, not acceptance.
        let (_, page) = get(&app, &clerk, &case_path).await;
        assert!(
            page.contains("居民户口簿：未提交")
                && page.contains("出具一次性告知书")
                && !page.contains("id=\"accept\""),
            "{page}"
        );
        let id = case_path.trim_start_matches("/cases/").to_string();
        let csrf = csrf_in(&page);
        let (status, page) = post_form(
            &app,
            &clerk,
            &format!("{case_path}/accept"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(status, 409);
        assert!(
            page.contains("材料或信息不全"),
            "the refusal is on the case page: {page}"
        );
        let (status, to) = post_form(
            &app,
            &clerk,
            &format!("{case_path}/notice"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("{case_path}/notice").as_str())
        );

        // Taking it back: the form comes prefilled (numbers left empty), completed, accepted.
        let (status, page) = get(&app, &clerk, &format!("{case_path}/resubmit")).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("value=\"王𠈌\"")
                && !page.contains(DEMO_APPLICANT.1)
                && page.contains("留空则保持原来填写的号码"),
            "{page}"
        );
        let csrf = csrf_in(&page);
        let (status, to) = post_form(
            &app,
            &clerk,
            &format!("{case_path}/resubmit"),
            &[
                ("csrf", &csrf),
                ("f.applicant_role", "本人"),
                ("f.elder_name", "王𠈌"),
                ("f.phone", "13800000001"),
                ("f.address", "青溪县石门镇石门村 12 号"),
                ("m.id_card", "original"),
                ("m.household_register", "original"),
            ],
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("{case_path}?done=resubmitted").as_str())
        );
        let (_, page) = get(&app, &clerk, &case_path).await;
        assert!(page.contains("id=\"accept\""), "{page}");
        let (status, to) = post_form(
            &app,
            &clerk,
            &format!("{case_path}/accept"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("{case_path}?done=accepted").as_str())
        );
        let (_, page) = get(&app, &clerk, &to).await;
        assert!(
            page.contains("已受理")
                && page.contains("乡镇初审与公示")
                && page.contains("县民政局审批"),
            "{page}"
        );

        // The handler claims from the inbox and passes on the case page.
        let handler = staff(&app, "handler").await;
        let (status, page) = get(&app, &handler, "/inbox").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("可以签收的") && page.contains("高龄津贴申领"),
            "{page}"
        );
        let handle = task_at(&app, &id, "handle").await;
        let csrf = csrf_in(&page);
        let (status, to) = post_form(
            &app,
            &handler,
            &format!("{case_path}/tasks/{handle}/claim"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("{case_path}?done=claimed").as_str())
        );
        let (_, page) = get(&app, &handler, &to).await;
        assert!(
            page.contains("已签收") && page.contains("提交办理意见"),
            "{page}"
        );
        assert!(
            page.contains("331199********0026") && !page.contains(DEMO_APPLICANT.1),
            "the form is masked for the back office"
        );
        let (status, page) = post_form(
            &app,
            &handler,
            &format!("{case_path}/tasks/{handle}/decide"),
            &[("csrf", &csrf), ("decision", "deny")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("请写明理由"), "{page}");
        let (status, _) = post_form(
            &app,
            &handler,
            &format!("{case_path}/tasks/{handle}/decide"),
            &[("csrf", &csrf), ("decision", "pass")],
        )
        .await;
        assert_eq!(status, 303);
        let (_, page) = get(&app, &handler, &case_path).await;
        assert!(
            page.contains("撤回我的意见"),
            "the handler may recall until the next step is claimed"
        );
        assert!(
            page.contains("办件日志") && page.contains("吴建国"),
            "{page}"
        );
        let (status, html) = get(&app, &handler, "/window").await;
        assert_eq!(status, 403, "a handler has no window: {html}");
    })
    .await;
}

#[tokio::test]
async fn case_pages_speak_the_users_language_and_stay_out_of_caches() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = super::cases::Desk::of(&app, "clerk").await;
        let id = super::cases::accepted_case(&app, &clerk, "lang-1").await;
        let resp = clerk
            .client
            .get(app.url(&format!("/cases/{id}?lang=en")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let page = resp.text().await.unwrap();
        assert!(
            page.contains("<html lang=\"en\">")
                && page.contains("In progress")
                && page.contains("Case journal"),
            "{page}"
        );
        let resp = clerk
            .client
            .get(app.url(&format!("/cases/{id}?lang=zh-Hant")))
            .send()
            .await
            .unwrap();
        let page = resp.text().await.unwrap();
        assert!(
            page.contains("辦理中") && page.contains("辦件日誌"),
            "{page}"
        );
        let (status, page) = get(&app, &clerk.client, "/cases/no-such-case").await;
        assert_eq!(status, 404);
        assert!(
            page.contains("沒有找到"),
            "the chosen language sticks: {page}"
        );
    })
    .await;
}

/// The window's queue holds the cases of the departments it accepts for, and only those:
/// a township window the bureau did not delegate to sees none of the county centre's.
#[tokio::test]
async fn the_window_queue_holds_what_this_window_accepts() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let desk = super::cases::Desk::of(&app, "clerk").await;
        let (status, body) = desk
            .post(
                &app,
                "/api/v1/applications",
                super::cases::gaoling("queue-1"),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let number = body["cases"][0]["number"].as_str().unwrap().to_string();
        let (status, page) = get(&app, &desk.client, "/window").await;
        assert_eq!(status, 200);
        assert!(page.contains(&number), "the county centre's queue: {page}");
        let township = staff(&app, "shimen.window").await;
        let (status, page) = get(&app, &township, "/window").await;
        assert_eq!(status, 200);
        assert!(!page.contains(&number), "not the township's: {page}");
    })
    .await;
}
